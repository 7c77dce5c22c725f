package audit_test

import (
	"context"
	"testing"

	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			err := d.Update(ctx, func(tx *db.Tx) error {
				return audit.Record(ctx, tx, audit.Actor{ID: 0, Name: "system"}, "unit.create", "unit", int64(i+1), nil, map[string]any{"name": "支部", "i": i})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		n, probs, err := audit.Verify(ctx, d)
		if err != nil || n != 5 || len(probs) != 0 {
			t.Fatalf("verify: n=%d probs=%v err=%v", n, probs, err)
		}
		// Tamper below the engine's guard: drop the guard, change a row.
		err = d.Update(ctx, func(tx *db.Tx) error {
			if tx.Engine == db.SQLite {
				if _, err := tx.Exec(ctx, `DROP TRIGGER audit_log_no_update`); err != nil {
					return err
				}
			} else if _, err := tx.Exec(ctx, `DROP RULE audit_log_no_update ON audit_log`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE audit_log SET after_json = '{"name":"伪造"}' WHERE id = 3`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, probs, err = audit.Verify(ctx, d)
		if err != nil || len(probs) != 1 || probs[0].EntryID != 3 {
			t.Fatalf("after tampering: probs=%v err=%v", probs, err)
		}
	})
}
