package demo_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

func TestDemoDutiesAndKeeping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		d.Now = func() time.Time { return now }
		orgs := &org.Service{DB: d}
		ms := &meeting.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: append(append(append(meeting.Kinds(), commitment.Kinds()...), commitment.KeepingKinds()...), duty.Kinds()...), Sources: []campaign.TodoSource{ms}}
		cms := &commitment.Service{DB: d}
		ns := &notice.Service{DB: d}
		ds := &duty.Service{DB: d, Notice: ns}
		if err := demo.LoadDuties(ctx, d, orgs, cs, ds); err == nil {
			t.Fatal("duties loaded without a campaign")
		}
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadCommitments(ctx, d, orgs, cs, cms); err != nil {
			t.Fatal(err)
		}
		load := func() {
			t.Helper()
			start := time.Now()
			if err := demo.LoadDuties(ctx, d, orgs, cs, ds); err != nil {
				t.Fatal(err)
			}
			if err := demo.LoadKeeping(ctx, d, orgs, cs, cms); err != nil {
				t.Fatal(err)
			}
			t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))
			if d.Now().Compare(now) != 0 {
				t.Fatalf("the clock was not restored: %v", d.Now())
			}
		}
		load()
		tables := []string{"duties", "notices", "notice_objections", "commitment_milestones", "commitment_progress", "commitment_checks",
			"commitment_selfchecks", "commitment_verdicts", "files", "audit_log", "campaign_signals"}
		counts := func() map[string]int {
			out := map[string]int{}
			err := d.View(ctx, func(tx *db.Tx) error {
				for _, tb := range tables {
					var n int
					if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+tb).Scan(&n); err != nil {
						return err
					}
					out[tb] = n
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		first := counts()
		t.Logf("counts %v", first)
		load()
		if again := counts(); len(again) != len(first) || func() bool {
			for k, v := range first {
				if again[k] != v {
					return true
				}
			}
			return false
		}() {
			t.Errorf("second load added rows: %v, was %v", again, first)
		}

		// Duty states per branch, as the office sees them.
		office := actorNamed(t, d, orgs, "office")
		var campaignID int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE year = 2026`).Scan(&campaignID)
		})
		tree, err := orgs.Tree(ctx, office)
		if err != nil {
			t.Fatal(err)
		}
		var noticing, done, declaredFour int
		for _, b := range demo.Branches {
			var u org.Unit
			for _, x := range tree.Units {
				if x.Name == b.Name {
					u = x
				}
			}
			list, err := ds.ListForBranch(ctx, office, campaignID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			steps := map[duty.Step]int{}
			for i, r := range list.Rows {
				if r.Duty == nil {
					t.Errorf("%s: %s has no duty", b.Name, r.Name)
					continue
				}
				steps[r.Step]++
				switch {
				case i == 0 || !r.FourStep:
					if r.Step != duty.Done {
						t.Errorf("%s: %s is %s", b.Name, r.Name, r.Step)
					}
				case b.Name == demo.LateBranch:
					if r.Step != duty.Declared {
						t.Errorf("%s (no meeting): %s is %s", b.Name, r.Name, r.Step)
					}
				}
				if r.FourStep && r.Oral && (r.Duty == nil || !r.Duty.Recorded || r.Duty.DeclaredBy != b.Secretary) {
					t.Errorf("%s: oral member %s not recorded by the secretary", b.Name, r.Name)
				}
				if r.FourStep && r.Step == duty.Declared {
					declaredFour++
				}
			}
			noticing += steps[duty.Noticing]
			done += steps[duty.Done]
			t.Logf("%s: %v", b.Name, steps)
		}
		if noticing != 1 || done < 40 || declaredFour < 3 {
			t.Errorf("noticing %d, done %d, only declared %d", noticing, done, declaredFour)
		}
		var objections, answered, openN int
		_ = d.View(ctx, func(tx *db.Tx) error {
			_ = tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN anonymous AND answered_at <> '' THEN 1 ELSE 0 END), 0) FROM notice_objections`).Scan(&objections, &answered)
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM notices WHERE closes_at > ?`, db.FormatTime(now)).Scan(&openN)
		})
		if objections != 1 || answered != 1 || openN != 1 {
			t.Errorf("objections %d (answered anonymous %d), open notices %d", objections, answered, openN)
		}

		// Keeping: every published branch commitment has a plan and a check; self-checks lag where they should.
		var plannedBranches, checkedBranches, selfChecked, lateSelf, verdicts int
		err = d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT c.id) FROM commitments c JOIN commitment_milestones m ON m.commitment_id = c.id WHERE c.kind = 'branch'`).Scan(&plannedBranches); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT c.id) FROM commitments c JOIN commitment_checks k ON k.commitment_id = c.id WHERE c.kind = 'branch'`).Scan(&checkedBranches); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT commitment_id) FROM commitment_selfchecks`).Scan(&selfChecked); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT s.commitment_id) FROM commitment_selfchecks s JOIN commitments c ON c.id = s.commitment_id
				`+org.JoinUnit("u", "c.unit_id")+` WHERE u.name = ?`, demo.LateBranch).Scan(&lateSelf); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitment_verdicts`).Scan(&verdicts)
		})
		if err != nil {
			t.Fatal(err)
		}
		if plannedBranches != len(demo.Branches) || checkedBranches != len(demo.Branches) || selfChecked < 30 || verdicts != 0 {
			t.Errorf("branch plans %d, branch checks %d, self-checked %d, verdicts %d", plannedBranches, checkedBranches, selfChecked, verdicts)
		}
		if first["commitment_progress"] < 50 || first["files"] < len(demo.Branches) {
			t.Errorf("progress %d, files %d", first["commitment_progress"], first["files"])
		}
		t.Logf("self-checked %d (late branch %d)", selfChecked, lateSelf)
		if n, probs, err := audit.Verify(ctx, d); err != nil || len(probs) > 0 {
			t.Errorf("audit: n=%d %v %v", n, probs, err)
		}
		checkDemoGrid(t, cs)
	})
}

// checkDemoGrid: the demo's grid rests on records of its campaign, dated in
// the seed plan's calendar: the actions that features complete are done by
// records (never ticked by hand), mostly on time, and the late branch's
// member commitments are not shown as done.
func checkDemoGrid(t *testing.T, cs *campaign.Service) {
	t.Helper()
	ctx := context.Background()
	list, err := cs.List(ctx, org.System())
	if err != nil || len(list) != 1 {
		t.Fatalf("campaigns: %v", err)
	}
	g, err := cs.Grid(ctx, org.System(), list[0].ID, campaign.GridFilter{})
	if err != nil {
		t.Fatal(err)
	}
	onTime, late := 0, 0
	for _, r := range g.Rows {
		for _, cell := range r.Cells {
			for _, it := range cell.Items {
				if it.Automatic && (it.Manual > 0 || it.Source == campaign.SourceManual) {
					t.Errorf("%s %s: ticked by hand though records complete it (%s)", r.Unit.Name, it.Action.Title, it.Basis("zh"))
				}
				switch it.Status {
				case campaign.StatusDone:
					onTime++
				case campaign.StatusDoneLate:
					late++
				}
				if r.Unit.Name == demo.LateBranch && it.Action.Title == "党员作出承诺" && (it.Status.Complete() || it.Done == 0) {
					t.Errorf("late branch's member commitments: %d/%d %s", it.Done, it.Total, it.Status)
				}
				if r.Unit.Name == "市渔场" && it.Action.Kind == campaign.KindCommitmentSubmitted && it.Action.Owner == campaign.OwnerBranch && it.Status != campaign.StatusDone {
					t.Errorf("市渔场's branch commitment, written in early June: %s (%s)", it.Status, it.Basis("zh"))
				}
			}
		}
	}
	t.Logf("items done on time %d, done late %d, overdue %d", onTime, late, len(g.Overdue))
	if late > onTime/3 {
		t.Errorf("the demo's calendar: %d items done late against %d on time", late, onTime)
	}
}

func actorNamed(t *testing.T, d *db.DB, orgs *org.Service, username string) *org.Actor {
	t.Helper()
	var id int64
	if err := d.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	a, err := orgs.Actor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
