package db_test

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// freshDSNs names one empty database per engine.
func freshDSNs(t *testing.T) map[db.Engine]string {
	out := map[db.Engine]string{db.SQLite: filepath.Join(t.TempDir(), "race.db")}
	if dbtest.PGURL() != "" {
		out[db.Postgres] = dbtest.PostgresURL(t)
	}
	return out
}

// Several instances starting at once on a fresh database: every one
// succeeds and each migration is applied exactly once.
func TestMigrateRace(t *testing.T) {
	const instances = 4
	for engine, dsn := range freshDSNs(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dbs := make([]*db.DB, instances)
			for i := range dbs {
				d, err := db.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				dbs[i] = d
			}
			applied := make([][]string, instances)
			errs := make([]error, instances)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, d := range dbs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					applied[i], errs[i] = d.MigrateApplied(ctx)
				}()
			}
			close(start)
			wg.Wait()
			times := map[string]int{}
			for i := range dbs {
				if errs[i] != nil {
					t.Errorf("instance %d: %v", i, errs[i])
				}
				for _, name := range applied[i] {
					times[name]++
				}
			}
			var names []string
			err := dbs[0].View(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var n string
					if err := rows.Scan(&n); err != nil {
						return err
					}
					names = append(names, n)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(names) < 9 {
				t.Fatalf("recorded migrations: %v", names)
			}
			for _, n := range names {
				if times[n] != 1 {
					t.Errorf("migration %s applied %d times", n, times[n])
				}
			}
			if len(times) != len(names) {
				got := make([]string, 0, len(times))
				for n := range times {
					got = append(got, n)
				}
				sort.Strings(got)
				t.Errorf("applied %v, recorded %v", got, names)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	src := `-- a comment; with a semicolon;
CREATE TABLE a (x INTEGER);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- inside the body; kept
  RAISE EXCEPTION 'no; never';
END;
$$;

CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;
INSERT INTO a VALUES ($1);
SELECT 1`
	got := db.SplitStatements(src)
	want := []string{
		"CREATE TABLE a (x INTEGER);\n",
		"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  -- inside the body; kept\n  RAISE EXCEPTION 'no; never';\nEND;\n$$;\n",
		"CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;\n",
		"INSERT INTO a VALUES ($1);\n",
		"SELECT 1\n",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statements: %q", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %q, want %q", i, got[i], want[i])
		}
	}
}
