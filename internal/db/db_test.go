package db_test

import (
	"context"
	"errors"
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
