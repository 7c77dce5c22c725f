// Package dbtest opens real databases for tests: a fresh SQLite file always,
// and a fresh PostgreSQL schema whenever CHUANGZHENG_TEST_PG holds a URL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"chuangzheng/internal/db"
)

// Engines returns one migrated database per available engine, each cleaned
// up when the test ends.
func Engines(tb testing.TB) []*db.DB {
	tb.Helper()
	out := []*db.DB{SQLite(tb)}
	if PGURL() != "" {
		out = append(out, Postgres(tb))
	}
	return out
}

// Each runs fn as a subtest once per engine.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, d := range Engines(t) {
		t.Run(string(d.Engine), func(t *testing.T) { fn(t, d) })
	}
}

// PGURL is the PostgreSQL URL tests use, or "".
func PGURL() string { return os.Getenv("CHUANGZHENG_TEST_PG") }

// SQLite opens a migrated SQLite database in a temporary folder.
func SQLite(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return d
}

// PostgresURL creates a fresh schema and returns a URL whose search_path
// points at it; the schema is dropped when the test ends.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := PGURL()
	if base == "" {
		tb.Skip("CHUANGZHENG_TEST_PG not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a migrated PostgreSQL database in a fresh schema.
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), PostgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return d
}
