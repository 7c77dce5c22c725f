package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// migrationLock is the first key of the PostgreSQL advisory lock that
// serialises migrations; the second is the hash of the schema migrated, so
// two schemas of one database migrate independently.
const migrationLock = 7262002

// Migrate applies, in order and each in its own transaction, the numbered
// migrations of this engine that are not yet recorded in schema_migrations.
// Migrations are never edited after release; a change is a new file.
func (d *DB) Migrate(ctx context.Context) error {
	_, err := d.MigrateApplied(ctx)
	return err
}

// MigrateApplied is Migrate returning the names of the migrations this call
// applied. Several instances may start at once: on PostgreSQL the whole run
// holds a session advisory lock on one dedicated connection (the others
// wait, then find everything applied); on SQLite every migration runs in a
// BEGIN IMMEDIATE transaction that takes the database's write lock before it
// reads schema_migrations, so a migration applied meanwhile by another
// process is seen and skipped.
func (d *DB) MigrateApplied(ctx context.Context) ([]string, error) {
	conn, err := d.W.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if d.Engine == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext(COALESCE(current_schema(), '')))`, migrationLock); err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer func() {
			// A fresh context: the lock must go even when ctx was cancelled
			// (closing the connection would release it too).
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext(COALESCE(current_schema(), '')))`, migrationLock)
		}()
	}
	err = d.onConn(ctx, conn, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	dir := "migrations/" + string(d.Engine)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var names, applied []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := migrationFS.ReadFile(dir + "/" + name)
		if err != nil {
			return applied, err
		}
		did := false
		err = d.onConn(ctx, conn, func(tx *Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitStatements(string(body)) {
				if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w\n%s", name, err, stmt)
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, tx.NowText())
			did = err == nil
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", name, err)
		}
		if did {
			applied = append(applied, name)
		}
	}
	return applied, nil
}

// onConn runs fn in a transaction on conn (BEGIN IMMEDIATE on SQLite: conn
// comes from the writer pool), committing if fn returns nil.
func (d *DB) onConn(ctx context.Context, conn *sql.Conn, fn func(tx *Tx) error) (err error) {
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(&Tx{tx: stx, Engine: d.Engine, Now: d.Now().UTC()}); err != nil {
		return err
	}
	return stx.Commit()
}

// splitStatements splits a migration into statements at semicolons that end
// a line. Comment lines are dropped. A PL/pgSQL body between $$ … $$ (or
// $tag$ … $tag$) is kept whole, whatever semicolons end its lines.
func splitStatements(s string) []string {
	var out []string
	var cur strings.Builder
	quote := "" // the open dollar quote, "" outside one
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if quote == "" && (strings.HasPrefix(t, "--") || t == "") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		quote = dollarQuotes(line, quote)
		if quote == "" && strings.HasSuffix(t, ";") {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// dollarQuotes follows the dollar quotes ($$ or $tag$) opened and closed on
// line, given the one open before it, and returns the one open after it.
func dollarQuotes(line, open string) string {
	for i := 0; i < len(line); i++ {
		if line[i] != '$' {
			continue
		}
		if open != "" {
			if strings.HasPrefix(line[i:], open) {
				i += len(open) - 1
				open = ""
			}
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == '_' || line[j] >= 'a' && line[j] <= 'z' || line[j] >= 'A' && line[j] <= 'Z' || j > i+1 && line[j] >= '0' && line[j] <= '9') {
			j++
		}
		if j < len(line) && line[j] == '$' {
			open = line[i : j+1]
			i = j
		}
	}
	return open
}
