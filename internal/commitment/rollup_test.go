package commitment_test

import (
	"context"
	"math"
	"testing"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
)

// keepScenario gives the published pair of 市水科所支部 a plan, progress
// (one entry recent, one old), self-checks and verdicts: 3 items, 2
// self-checked, 3 assessed (kept, partly, not kept with an objective cause).
func keepScenario(t *testing.T, f *fixture, d *db.DB) (member, branch commitment.Commitment) {
	t.Helper()
	ctx := context.Background()
	mc, bc := publishedPair(t, f)
	mem := f.actor(f.members("市水科所支部", false, 1)[0])
	sec, office := f.actor("sskszb"), f.actor("office")
	if _, err := f.s.SavePlan(ctx, mem, mc.ID, []commitment.Milestone{{Title: "读书", Due: civil.Date{Y: f.year, M: 9, D: 30}}}); err != nil {
		t.Fatal(err)
	}
	d.Now = func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	if _, err := f.s.AddProgress(ctx, mem, mc.ID, "三月的记录", nil); err != nil {
		t.Fatal(err)
	}
	fixedNow(d)
	if _, err := f.s.AddProgress(ctx, mem, mc.ID, "六月的记录", nil); err != nil {
		t.Fatal(err)
	}
	mk, err := f.s.Keeping(ctx, mem, mc.ID)
	if err != nil {
		t.Fatal(err)
	}
	bk, err := f.s.Keeping(ctx, sec, bc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var checks []commitment.ItemCheck
	for _, it := range mk.Items {
		checks = append(checks, commitment.ItemCheck{ItemKey: it.Key, Progress: "已完成一半"})
	}
	if _, err := f.s.SelfCheck(ctx, mem, mc.ID, checks); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Assess(ctx, sec, mc.ID, []commitment.ItemVerdict{
		{ItemKey: mk.Items[0].Key, Verdict: commitment.Kept},
		{ItemKey: mk.Items[1].Key, Verdict: commitment.Partly, Reason: "下半年工作调整"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Assess(ctx, office, bc.ID, []commitment.ItemVerdict{
		{ItemKey: bk.Items[0].Key, Verdict: commitment.NotKept, Reason: "因汛期抢险停会三个月", Objective: true},
	}); err != nil {
		t.Fatal(err)
	}
	return mc, bc
}

func TestRollup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fixedNow(d)
		ctx := context.Background()
		f := newFixture(t, d)
		keepScenario(t, f, d)
		office := f.actor("office")
		root, branch := f.unit(demo.RootName), f.unit("市水科所支部")

		ru, err := f.s.Rollup(ctx, office, f.camp.ID, root)
		if err != nil {
			t.Fatal(err)
		}
		want := commitment.RollupRow{Published: 2, WithPlan: 1, Progress30: 1, Items: 3, SelfChecked: 2, Assessed: 3, Kept: 1, Partly: 1, NotKept: 1}
		same := func(what string, got commitment.RollupRow) {
			t.Helper()
			g := got
			g.UnitID, g.UnitName, g.UnitType, g.SelfCheckedShare, g.AssessedShare, g.Rate = 0, "", "", 0, 0, 0
			if g != want || math.Abs(got.Rate-0.5) > 1e-9 || math.Abs(got.SelfCheckedShare-2.0/3) > 1e-9 || got.AssessedShare != 1 {
				t.Fatalf("%s: %+v", what, got)
			}
		}
		same("total", ru.Total)
		if len(ru.Branches) < 2 {
			t.Fatalf("branches: %+v", ru.Branches)
		}
		found := false
		for _, b := range ru.Branches {
			if b.UnitID == branch {
				same("branch", b)
				found = true
			} else if b.Published != 0 || b.Items != 0 || b.Rate != 0 {
				t.Fatalf("other branch %+v", b)
			}
		}
		if !found {
			t.Fatal("市水科所支部 missing")
		}

		// The branch's own roll-up: one row, the same as the total.
		rb, err := f.s.Rollup(ctx, f.actor("sskszb"), f.camp.ID, branch)
		if err != nil || len(rb.Branches) != 1 {
			t.Fatalf("branch rollup: %v %+v", err, rb)
		}
		same("branch total", rb.Total)

		// Only those who read the unit.
		if _, err := f.s.Rollup(ctx, f.actor("lgzb"), f.camp.ID, branch); code(err) != apperr.Forbidden {
			t.Fatalf("other secretary: %v", err)
		}
		if _, err := f.s.Rollup(ctx, nil, f.camp.ID, branch); code(err) != apperr.Unauthorized {
			t.Fatalf("anonymous: %v", err)
		}
		if _, err := f.s.Rollup(ctx, office, f.camp.ID+99, root); code(err) != apperr.NotFound {
			t.Fatalf("no campaign: %v", err)
		}
	})
}
