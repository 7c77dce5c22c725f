package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

func openSQLite(t *testing.T, o Options) *DB {
	t.Helper()
	d, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "cache.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// cached returns the statement the writer connection keeps for q, or nil.
func cached(t *testing.T, d *DB, q string) (stmt any, n int) {
	t.Helper()
	c, err := d.W.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		cc, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("writer connection is %T, not cached", dc)
		}
		n = len(cc.cache)
		if cs := cc.cache[q]; cs != nil {
			stmt = cs.stmt
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stmt, n
}

func TestStmtCacheReusesAndBounds(t *testing.T) {
	d := openSQLite(t, Options{})
	ctx := context.Background()
	q := `SELECT COUNT(*) FROM units WHERE name <> ?`
	count := func() int {
		var n int
		if err := d.Update(ctx, func(tx *Tx) error { return tx.QueryRow(ctx, q, "x").Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	count()
	first, _ := cached(t, d, q)
	if first == nil {
		t.Fatal("statement not cached after its first run")
	}
	count()
	if again, _ := cached(t, d, q); again != first {
		t.Fatal("second run compiled the statement again")
	}
	// Many distinct statements: the cache stays bounded and every query answers.
	err := d.Update(ctx, func(tx *Tx) error {
		for i := 0; i < stmtCacheSize+40; i++ {
			var n int
			if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
				return fmt.Errorf("SELECT %d gave %d, %v", i, n, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, n := cached(t, d, q); n > stmtCacheSize {
		t.Fatalf("cache holds %d statements, limit %d", n, stmtCacheSize)
	}
	if s, _ := cached(t, d, q); s != nil {
		t.Fatal("least recently used statement not dropped")
	}
	if got := count(); got != 0 {
		t.Fatalf("count after eviction = %d", got)
	}
}

func TestStmtCacheOff(t *testing.T) {
	d := openSQLite(t, Options{NoStmtCache: true})
	c, err := d.W.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.Raw(func(dc any) error {
		if _, ok := dc.(*cachingConn); ok {
			t.Fatal("NoStmtCache still wraps the connection")
		}
		return nil
	})
}

// A statement recompiles itself when the schema changes under it.
func TestStmtCacheSchemaChange(t *testing.T) {
	d := openSQLite(t, Options{})
	ctx := context.Background()
	run := func(q string, args ...any) {
		t.Helper()
		if err := d.Update(ctx, func(tx *Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
			t.Fatal(err)
		}
	}
	run(`CREATE TABLE t (a INTEGER)`)
	run(`INSERT INTO t (a) VALUES (?)`, 1)
	cols := func() []string {
		var out []string
		err := d.Update(ctx, func(tx *Tx) error {
			rows, err := tx.Query(ctx, `SELECT * FROM t`)
			if err != nil {
				return err
			}
			defer rows.Close()
			out, err = rows.Columns()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if c := cols(); len(c) != 1 {
		t.Fatalf("columns %v", c)
	}
	run(`ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT ''`)
	if c := cols(); len(c) != 2 {
		t.Fatalf("after ALTER: columns %v", c)
	}
	var n sql.NullInt64
	if err := d.View(ctx, func(tx *Tx) error { return tx.QueryRow(ctx, `SELECT a FROM t`).Scan(&n) }); err != nil || n.Int64 != 1 {
		t.Fatalf("reader: %v %v", n, err)
	}
}

// BenchmarkStmtCache: one read transaction running a statement of the size
// the features run (three joins, a subquery), with and without the cache
// of compiled statements: what compiling costs per statement.
func BenchmarkStmtCache(b *testing.B) {
	const q = `SELECT COUNT(*), COALESCE(MAX(c.updated_at), ''), COALESCE(SUM(c.published_version), 0),
		(SELECT COUNT(*) FROM campaigns WHERE status = 'active')
		FROM commitments c JOIN units u ON u.id = c.unit_id JOIN campaigns cp ON cp.id = c.campaign_id
		WHERE c.campaign_id = ? AND u.path >= ? AND u.path < ?`
	for _, mode := range []struct {
		name string
		o    Options
	}{{"cached", Options{}}, {"uncached", Options{NoStmtCache: true}}} {
		b.Run(mode.name, func(b *testing.B) {
			d, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "bench.db"), mode.o)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			if err := d.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				err := d.View(ctx, func(tx *Tx) error {
					var n, v int64
					var latest string
					var active int
					return tx.QueryRow(ctx, q, 1, "/1/", "/10").Scan(&n, &latest, &v, &active)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
