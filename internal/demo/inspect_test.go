package demo_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

func TestDemoInspections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		orgs := &org.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: append(meeting.Kinds(), inspect.Kinds()...)}
		s := &inspect.Service{DB: d, Campaign: cs}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// In mid-June nothing is inspected yet.
		d.Now = func() time.Time { return time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC) }
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadInspections(ctx, d, orgs, cs, s); err != nil || count(`SELECT COUNT(*) FROM inspections`) != 0 {
			t.Fatalf("loaded before the inspection: %v", err)
		}
		now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		d.Now = func() time.Time { return now }
		for range 2 { // idempotent
			if err := demo.LoadInspections(ctx, d, orgs, cs, s); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(`SELECT COUNT(*) FROM inspections`); n != 1 {
			t.Fatalf("%d inspections", n)
		}
		if n := count(`SELECT COUNT(*) FROM inspection_findings`); n != len(demo.Branches) {
			t.Fatalf("%d findings", n)
		}
		var late int64
		_ = d.View(ctx, func(tx *db.Tx) error { return org.UnitIDByName(ctx, tx, demo.LateBranch, &late) })
		var entries []rectify.Entry
		_ = d.View(ctx, func(tx *db.Tx) error {
			var err error
			var c int64
			if err = tx.QueryRow(ctx, `SELECT id FROM campaigns`).Scan(&c); err != nil {
				return err
			}
			entries, err = rectify.OfUnit(ctx, tx, c, late)
			return err
		})
		if len(entries) != 2 || entries[0].Deadline.M != 7 || !entries[0].Overdue || entries[0].Status != rectify.Open {
			t.Fatalf("late branch's ledger %+v", entries)
		}
		if n := count(`SELECT COUNT(*) FROM rectifications WHERE unit_id <> ?`, late); n != 0 {
			t.Fatalf("%d entries elsewhere", n)
		}
		if n := count(`SELECT COUNT(*) FROM bulletins b JOIN reports r ON r.id = b.report_id WHERE b.visibility = 'public' AND r.status = 'acknowledged'`); n != 1 {
			t.Fatalf("public acknowledged bulletins: %d", n)
		}
		// Stamped in late June.
		if n := count(`SELECT COUNT(*) FROM inspection_findings WHERE recorded_at < '2026-06-24' OR recorded_at > '2026-06-26'`); n != 0 {
			t.Fatalf("%d findings outside 6-25", n)
		}
		if d.Now().Compare(now) != 0 {
			t.Fatal("the clock was not restored")
		}
	})
}
