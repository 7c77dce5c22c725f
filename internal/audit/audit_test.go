package audit_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// record appends n entries, each in its own transaction.
func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		err := d.Update(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, audit.Actor{ID: 0, Name: "system"}, "unit.create", "unit", int64(i+1), nil, map[string]any{"name": "支部", "i": i})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// tamper runs sql as someone who owns the database would: the engine's
// guards dropped first.
func tamper(t *testing.T, d *db.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	err := d.Update(ctx, func(tx *db.Tx) error {
		for _, g := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_no_truncate"} {
			q := `DROP TRIGGER IF EXISTS ` + g
			if tx.Engine == db.Postgres {
				q += ` ON audit_log`
			}
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func kinds(ps []audit.Problem) string {
	var ks []string
	for _, p := range ps {
		ks = append(ks, p.Kind)
	}
	return strings.Join(ks, ",")
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		record(t, d, 5)
		n, probs, err := audit.Verify(ctx, d)
		if err != nil || n != 5 || len(probs) != 0 {
			t.Fatalf("verify: n=%d probs=%v err=%v", n, probs, err)
		}
		tamper(t, d, `UPDATE audit_log SET after_json = '{"name":"伪造"}' WHERE id = 3`)
		_, probs, err = audit.Verify(ctx, d)
		if err != nil || len(probs) != 1 || probs[0].EntryID != 3 || probs[0].Kind != audit.Changed {
			t.Fatalf("after tampering: probs=%v err=%v", probs, err)
		}
	})
}

// The engine refuses every way of changing or removing entries with an
// error (PostgreSQL once turned UPDATE and DELETE silently into nothing).
func TestEngineRefusesChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		record(t, d, 3)
		stmts := []string{`UPDATE audit_log SET hash = 'forged'`, `DELETE FROM audit_log WHERE id = 3`, `DELETE FROM audit_log`}
		if d.Engine == db.Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`, `DELETE FROM audit_log WHERE id = -1`)
		}
		for _, s := range stmts {
			err := d.Update(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, s); return err })
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want a refusal", s, err)
			}
		}
		if n, probs, err := audit.Verify(ctx, d); n != 3 || len(probs) != 0 || err != nil {
			t.Fatalf("after refused changes: n=%d %v %v", n, probs, err)
		}
	})
}

// An anchor taken earlier finds what the chain alone cannot: entries
// deleted at the end, an emptied or truncated log, a cut followed by new
// entries, and a log rewritten with fresh hashes.
func TestAnchorDetectsCuts(t *testing.T) {
	cases := []struct {
		name  string
		stmts func(e db.Engine) []string
		more  int // entries appended after tampering
		kind  string
		count int // entries left
	}{
		{"deleted last rows", func(db.Engine) []string { return []string{`DELETE FROM audit_log WHERE id > 4`} }, 0, audit.Cut, 4},
		{"emptied", func(db.Engine) []string { return []string{`DELETE FROM audit_log`} }, 0, audit.Emptied, 0},
		{"truncated", func(e db.Engine) []string {
			if e == db.Postgres {
				return []string{`TRUNCATE audit_log`}
			}
			return []string{`DELETE FROM audit_log`}
		}, 0, audit.Emptied, 0},
		{"cut, then new entries", func(db.Engine) []string { return []string{`DELETE FROM audit_log WHERE id > 4`} }, 3, audit.Diverged, 7},
		{"rewritten with fresh hashes", func(db.Engine) []string {
			return []string{`UPDATE audit_log SET after_json = '{"name":"伪造"}' WHERE id = 3`}
		}, 0, audit.Diverged, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				record(t, d, 6)
				anchor, err := audit.Head(ctx, d)
				if err != nil || anchor.Count != 6 || len(anchor.Hash) != 64 {
					t.Fatalf("head: %v %v", anchor, err)
				}
				if _, probs, err := audit.Verify(ctx, d, anchor); len(probs) != 0 || err != nil {
					t.Fatalf("verify against a fresh anchor: %v %v", probs, err)
				}
				tamper(t, d, c.stmts(d.Engine)...)
				if c.name == "rewritten with fresh hashes" {
					rehash(t, d)
				}
				record(t, d, c.more)
				n, probs, err := audit.Verify(ctx, d)
				if err != nil || n != c.count {
					t.Fatalf("verify: n=%d err=%v", n, err)
				}
				if len(probs) != 0 {
					t.Fatalf("without the anchor the chain itself looks whole, got %v", probs)
				}
				_, probs, err = audit.Verify(ctx, d, anchor)
				if err != nil || kinds(probs) != c.kind {
					t.Fatalf("against the anchor: %v (%s), want %s; err %v", probs, kinds(probs), c.kind, err)
				}
			})
		})
	}
}

// rehash recomputes every hash from the first entry on, as a forger would.
func rehash(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	_ = d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM audit_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		return nil
	})
	prev := ""
	for _, id := range ids {
		var stmts []string
		err := d.View(ctx, func(tx *db.Tx) error {
			h, err := audit.Rehash(ctx, tx, id, prev)
			stmts = append(stmts, `UPDATE audit_log SET prev_hash = '`+prev+`', hash = '`+h+`' WHERE id = `+itoa(id))
			prev = h
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, d, stmts...)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestParseAnchor(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, ok := range []string{"12:" + h, " 12 : " + strings.ToUpper(h) + "\n", "0:"} {
		if _, err := audit.ParseAnchor(ok); err != nil {
			t.Errorf("ParseAnchor(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "12", "x:" + h, "12:abc", "-1:" + h, "0:" + h, "12:" + h[:63] + "g"} {
		if _, err := audit.ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
	a := audit.Anchor{Count: 7, Hash: h}
	if b, err := audit.ParseAnchor(a.String()); err != nil || b != a {
		t.Errorf("round trip: %v %v", b, err)
	}
}

// The server's anchorer writes the file as the log grows, and never moves
// it onto a log that no longer holds the previous anchor.
func TestAnchorerKeepsTheFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "cz.db.anchor")
		an := &audit.Anchorer{DB: d, Path: path, Log: discard()}
		if err := an.Update(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := audit.ReadAnchorFile(path); ok {
			t.Fatal("an anchor was written for an empty log")
		}
		record(t, d, 4)
		if err := an.Update(ctx); err != nil {
			t.Fatal(err)
		}
		record(t, d, 2)
		if err := an.Update(ctx); err != nil {
			t.Fatal(err)
		}
		head, _ := audit.Head(ctx, d)
		if a, ok, err := audit.ReadAnchorFile(path); !ok || err != nil || a != head {
			t.Fatalf("anchor file %v %v %v, head %v", a, ok, err, head)
		}
		// A restarted server picks up from the file.
		record(t, d, 1)
		an = &audit.Anchorer{DB: d, Path: path, Log: discard()}
		if err := an.Update(ctx); err != nil {
			t.Fatal(err)
		}
		head, _ = audit.Head(ctx, d)
		if a, _, _ := audit.ReadAnchorFile(path); a != head || a.Count != 7 {
			t.Fatalf("after restart: file %v, head %v", a, head)
		}
		// Cut the log and append: the anchorer refuses to follow.
		tamper(t, d, `DELETE FROM audit_log WHERE id > 5`)
		record(t, d, 3)
		if err := an.Update(ctx); err != audit.ErrAnchorLost {
			t.Fatalf("after a cut: %v", err)
		}
		if a, _, _ := audit.ReadAnchorFile(path); a != head {
			t.Fatalf("the anchor moved to the cut log: %v", a)
		}
		_, probs, _ := audit.Verify(ctx, d, head)
		if kinds(probs) != audit.Diverged {
			t.Fatalf("verify against the file: %v", probs)
		}
		// So does a server started after the cut.
		an = &audit.Anchorer{DB: d, Path: path, Log: discard()}
		if err := an.Update(ctx); err != audit.ErrAnchorLost {
			t.Fatalf("restart after a cut: %v", err)
		}
	})
}
