package db_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// BenchmarkHotWrite compares a ballot-like write (a has-voted marker and a
// ballot row, durable) made through Update — one transaction and one fsync
// each — with the same write through Batch (group commit), at 16 and 64
// writers at once; and through Batch with the write queued by
// QueryRowLater (on PostgreSQL one statement, sent with the batch's other
// statements and COMMIT in one round trip). Figures in docs/performance.md
// ("Ballots").
//
//	go test ./internal/db/ -run '^$' -bench HotWrite -benchtime 3000x
func BenchmarkHotWrite(b *testing.B) {
	if n, err := strconv.Atoi(os.Getenv("PG_COMMITTERS")); err == nil {
		db.SetPGCommitters(n)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, writers := range []int{16, 64} {
			for _, mode := range []string{"Update", "Batch", "BatchLater"} {
				b.Run(fmt.Sprintf("%s/%s/writers=%d", engine, mode, writers), func(b *testing.B) {
					var d *db.DB
					if engine == "sqlite" {
						d = dbtest.SQLite(b)
					} else {
						if dbtest.PGURL() == "" {
							b.Skip("CHUANGZHENG_TEST_PG not set")
						}
						d = dbtest.Postgres(b)
					}
					ctx := context.Background()
					err := d.Update(ctx, func(tx *db.Tx) error {
						if _, err := tx.Exec(ctx, `CREATE TABLE bench_voted (voter INTEGER PRIMARY KEY)`); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, `CREATE TABLE bench_ballot (id TEXT PRIMARY KEY, a1 INTEGER, a2 INTEGER, a3 INTEGER)`)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					write := d.Update
					if mode != "Update" {
						write = d.Batch
					}
					var next atomic.Int64
					b.SetParallelism((writers + 1) / 2) // × GOMAXPROCS (2 here)
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							v := next.Add(1)
							id := fmt.Sprintf("%016x", v*2654435761)
							err := write(ctx, func(tx *db.Tx) error {
								if mode == "BatchLater" && tx.Engine == db.Postgres {
									return tx.QueryRowLater(ctx, `WITH m AS (INSERT INTO bench_voted (voter) VALUES ($1) RETURNING 1)
										INSERT INTO bench_ballot (id, a1, a2, a3) SELECT $2, $3, $4, $5 FROM m RETURNING 1`,
										[]any{v, id, v % 5, v % 4, v % 3}, func(row db.Row) error { var one int; return row.Scan(&one) })
								}
								if _, err := tx.Exec(ctx, `INSERT INTO bench_voted (voter) VALUES (?)`, v); err != nil {
									return err
								}
								if mode == "BatchLater" {
									return tx.QueryRowLater(ctx, `INSERT INTO bench_ballot (id, a1, a2, a3) VALUES (?, ?, ?, ?) RETURNING 1`,
										[]any{id, v % 5, v % 4, v % 3}, func(row db.Row) error { var one int; return row.Scan(&one) })
								}
								_, err := tx.Exec(ctx, `INSERT INTO bench_ballot (id, a1, a2, a3) VALUES (?, ?, ?, ?)`, id, v%5, v%4, v%3)
								return err
							})
							if err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.StopTimer()
					if c, n := d.BatchStats(); c > 0 {
						b.ReportMetric(float64(n)/float64(c), "fns/commit")
					}
				})
			}
		}
	}
}
