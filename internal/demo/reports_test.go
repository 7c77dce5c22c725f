package demo_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/report"
)

func TestDemoReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		d.Now = func() time.Time { return now }
		orgs := &org.Service{DB: d}
		ms := &meeting.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: append(append(meeting.Kinds(), commitment.Kinds()...), report.Kinds()...)}
		rs := &report.Service{DB: d, Campaign: cs}
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := demo.LoadReports(ctx, d, orgs, cs, rs); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))
		if d.Now().Compare(now) != 0 {
			t.Fatalf("the clock was not restored: %v", d.Now())
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		branchReports := `SELECT COUNT(*) FROM reports r JOIN units u ON u.id = r.from_unit_id WHERE r.kind = 'branch' AND r.round = ? AND u.name = ?`
		for _, b := range demo.Branches {
			want1, want2 := 1, 1
			if b.Name == "市果木园党支部" {
				want2 = 0
			}
			if n := count(branchReports, 1, b.Name); n != want1 {
				t.Errorf("%s round 1: %d reports", b.Name, n)
			}
			if n := count(branchReports, 2, b.Name); n != want2 {
				t.Errorf("%s round 2: %d reports", b.Name, n)
			}
		}
		members := count(`SELECT COUNT(*) FROM members WHERE status NOT IN ('已转出', '已去世')`)
		if n := count(`SELECT COUNT(*) FROM summaries`); n < members/2 || n >= members {
			t.Errorf("%d summaries for %d members", n, members)
		}
		if n := count(`SELECT COUNT(*) FROM reports WHERE kind = 'member' AND recorded_by IS NOT NULL`); n == 0 {
			t.Error("no member report recorded for an oral member")
		}
		if n := count(`SELECT COUNT(*) FROM reports WHERE kind = 'experience' AND featured_at <> ''`); n != 1 {
			t.Errorf("%d featured write-ups", n)
		}
		// Run again: nothing changes.
		before := count(`SELECT COUNT(*) FROM reports`)
		if err := demo.LoadReports(ctx, d, orgs, cs, rs); err != nil {
			t.Fatal(err)
		}
		if after := count(`SELECT COUNT(*) FROM reports`); after != before {
			t.Fatalf("loaded twice: %d → %d", before, after)
		}
	})
}
