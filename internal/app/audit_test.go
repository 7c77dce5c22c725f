package app_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"chuangzheng/internal/db"
)

// tamperDB changes the audit log as a database administrator could: the
// engine's guards dropped first.
func tamperDB(t *testing.T, dsn string, stmt string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Update(ctx, func(tx *db.Tx) error {
		for _, g := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_no_truncate"} {
			q := `DROP TRIGGER IF EXISTS ` + g
			if tx.Engine == db.Postgres {
				q += ` ON audit_log`
			}
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, stmt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditAnchorCommands(t *testing.T) {
	for engine, dsn := range databases(t) {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"CHUANGZHENG_DB": dsn}
			for _, u := range []string{"wang", "li", "zhao"} {
				if _, _, err := run(t, env, "", "user", "add", u, "--name", u, "--password", "Admin-2026x"); err != nil {
					t.Fatal(err)
				}
			}
			out, _, err := run(t, env, "", "audit", "anchor")
			m := regexp.MustCompile(`(?m)^(\d+:[0-9a-f]{64})$`).FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("audit anchor: %q %v", out, err)
			}
			anchor := m[1]
			if engine == "sqlite" {
				file, err := os.ReadFile(dsn + ".audit-anchor")
				if err != nil || !strings.Contains(string(file), anchor) {
					t.Fatalf("anchor file: %q %v", file, err)
				}
			}
			if out, _, err := run(t, env, "", "audit", "verify", "--anchor", anchor); err != nil || !strings.Contains(out, "锚点相符") {
				t.Fatalf("verify against the anchor: %q %v", out, err)
			}
			if _, _, err := run(t, env, "", "audit", "verify", "--anchor", "12:abc"); err == nil {
				t.Fatal("a malformed anchor was accepted")
			}
			// Deleted at the end: found by the anchor file beside a SQLite
			// database, and by the printed anchor on both engines.
			tamperDB(t, dsn, `DELETE FROM audit_log WHERE id > (SELECT MAX(id) - 2 FROM audit_log)`)
			out, _, err = run(t, env, "", "audit", "verify")
			if engine == "sqlite" && (err == nil || !strings.Contains(out, "末尾的 2 条记录被删除")) {
				t.Fatalf("the anchor file did not find the cut: %q %v", out, err)
			}
			if engine == "postgres" && err != nil {
				t.Fatalf("without an anchor the chain alone verifies: %q %v", out, err)
			}
			if out, _, err := run(t, env, "", "audit", "verify", "--anchor", anchor); err == nil || !strings.Contains(out, "末尾的 2 条记录被删除") {
				t.Fatalf("the printed anchor did not find the cut: %q %v", out, err)
			}
			// Emptied (TRUNCATE on PostgreSQL).
			stmt := `DELETE FROM audit_log`
			if engine == "postgres" {
				stmt = `TRUNCATE audit_log`
			}
			tamperDB(t, dsn, stmt)
			if out, _, err := run(t, env, "", "audit", "verify", "--anchor", anchor); err == nil || !strings.Contains(out, "已被清空") {
				t.Fatalf("the printed anchor did not find the emptied log: %q %v", out, err)
			}
			if out, _, err := run(t, env, "", "audit", "anchor"); engine == "sqlite" && err == nil {
				t.Fatalf("a new anchor was printed over an emptied log: %q", out)
			}
		})
	}
}
