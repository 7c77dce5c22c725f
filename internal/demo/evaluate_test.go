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
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// TestDemoEvaluations: every branch evaluated, counted and published in
// September through the service; 市果木园党支部 lowest, with ledger entries.
func TestDemoEvaluations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		d.Now = func() time.Time { return now }
		orgs := &org.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: append(meeting.Kinds(), evaluate.Kinds()...)}
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := demo.LoadEvaluations(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))
		if err := demo.LoadEvaluations(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		s := &evaluate.Service{DB: d}
		list, err := s.List(ctx, org.System(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(demo.Branches) {
			t.Fatalf("%d evaluations for %d branches", len(list), len(demo.Branches))
		}
		lowest, rate := "", 101.0
		for _, e := range list {
			if e.Status != evaluate.Published {
				t.Errorf("%s: %s", e.UnitName, e.Status)
			}
			r, err := s.Results(ctx, org.System(), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Tally.Ballots == 0 {
				t.Errorf("%s: no ballots", e.UnitName)
			}
			if r.Tally.OrgRate < rate {
				lowest, rate = e.UnitName, r.Tally.OrgRate
			}
			if e.UnitName == "市果木园党支部" && len(r.Problems) == 0 {
				t.Error("no ledger entries from the lagging branch's evaluation")
			}
		}
		if lowest != "市果木园党支部" {
			t.Errorf("lowest satisfaction: %s (%.1f)", lowest, rate)
		}
	})
}
