package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var n int
		err := d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
		})
		if err != nil || n == 0 {
			t.Fatalf("schema_migrations: n=%d err=%v", n, err)
		}
	})
}

func TestUpdateRollsBackOnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Update(ctx, func(tx *db.Tx) error {
			if _, err := tx.Insert(ctx, `INSERT INTO units (name, type, created_at, updated_at) VALUES (?, ?, ?, ?)`, "甲", "党委", tx.NowText(), tx.NowText()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		var n int
		_ = d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM units`).Scan(&n) })
		if n != 0 {
			t.Fatalf("units after rollback = %d, want 0", n)
		}
	})
}

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT ? , ?", "SELECT $1 , $2"},
		{"SELECT '?' , ?", "SELECT '?' , $1"},
		{"SELECT 1", "SELECT 1"},
	}
	d := &db.DB{Engine: db.Postgres}
	for _, c := range cases {
		if got := d.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, action, entity, prev_hash, hash) VALUES (?, 'x', 'y', '', 'h')`, tx.NowText())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_log SET hash = 'forged'`)
			return err
		})
		var h string
		_ = d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `SELECT hash FROM audit_log`).Scan(&h) })
		if h != "h" {
			t.Fatalf("audit row was changed to %q", h)
		}
	})
}

// An acknowledged write must survive power loss: SQLite's writer syncs the
// WAL at every commit (synchronous=FULL), PostgreSQL commits synchronously.
func TestWritesAreDurable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var got string
		err := d.Update(ctx, func(tx *db.Tx) error {
			if tx.Engine == db.SQLite {
				var n int
				err := tx.QueryRow(ctx, `PRAGMA synchronous`).Scan(&n)
				got = map[int]string{0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[n]
				return err
			}
			return tx.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[db.Engine][]string{db.SQLite: {"FULL", "EXTRA"}, db.Postgres: {"on", "local", "remote_write", "remote_apply"}}[d.Engine]
		for _, w := range want {
			if got == w {
				return
			}
		}
		t.Fatalf("synchronous = %q on the write path, want one of %v", got, want)
	})
}

// The same statement run again while its own rows are open (a query inside
// the loop over its results) gives both runs their own rows. SQLite only:
// PostgreSQL (pgx) refuses a second query on a connection whose rows are
// open ("conn busy"), so no code does that on either engine.
func TestSameQueryNested(t *testing.T) {
	{
		d := dbtest.SQLite(t)
		ctx := context.Background()
		err := d.Update(ctx, func(tx *db.Tx) error {
			for _, n := range []string{"甲", "乙", "丙"} {
				if _, err := tx.Insert(ctx, `INSERT INTO units (name, type, created_at, updated_at) VALUES (?, ?, ?, ?)`, n, "党委", tx.NowText(), tx.NowText()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, view := range []func(context.Context, func(*db.Tx) error) error{d.View, d.Update} {
			var outer, inner []string
			err = view(ctx, func(tx *db.Tx) error {
				const q = `SELECT name FROM units WHERE name <> ? ORDER BY id`
				rows, err := tx.Query(ctx, q, "乙")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var name string
					if err := rows.Scan(&name); err != nil {
						return err
					}
					outer = append(outer, name)
					in, err := tx.Query(ctx, q, name)
					if err != nil {
						return err
					}
					for in.Next() {
						var x string
						if err := in.Scan(&x); err != nil {
							in.Close()
							return err
						}
						inner = append(inner, x)
					}
					if err := in.Close(); err != nil {
						return err
					}
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(outer) != "[甲 丙]" || fmt.Sprint(inner) != "[乙 丙 甲 乙]" {
				t.Fatalf("outer %v inner %v", outer, inner)
			}
		}
	}
}

func TestReady(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Ready(ctx); err != nil {
			t.Fatalf("ready after migrate: %v", err)
		}
		err := d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM schema_migrations WHERE name = ?`, "0002_campaign.sql")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Ready(ctx); err == nil || !strings.Contains(err.Error(), "0002_campaign.sql") {
			t.Fatalf("ready with a migration missing: %v", err)
		}
	})
}
