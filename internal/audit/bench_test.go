package audit_test

import (
	"context"
	"sync/atomic"
	"testing"

	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// auditedWrite is the simplest use case that writes: one row and its audit
// entry in one transaction.
func auditedWrite(ctx context.Context, d *db.DB, i int64) error {
	return d.Update(ctx, func(tx *db.Tx) error {
		id, err := tx.Insert(ctx, `INSERT INTO units (name, type, created_at, updated_at) VALUES (?, ?, ?, ?)`, "支部", "支部", tx.NowText(), tx.NowText())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{Name: "bench"}, "unit.create", "unit", id, nil, map[string]any{"i": i})
	})
}

// BenchmarkAuditedWrite measures acknowledged writes per second: one
// client, and 8 clients at once (the writer is shared, so this shows what
// group commit could gain).
func BenchmarkAuditedWrite(b *testing.B) {
	ctx := context.Background()
	for _, d := range dbtest.Engines(b) {
		b.Run(string(d.Engine), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := auditedWrite(ctx, d, int64(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
		b.Run(string(d.Engine)+"-8clients", func(b *testing.B) {
			var n atomic.Int64
			b.SetParallelism(4) // 4 × GOMAXPROCS(2) = 8 goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := auditedWrite(ctx, d, n.Add(1)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
