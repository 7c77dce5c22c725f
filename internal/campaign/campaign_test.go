package campaign_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

type fixture struct {
	t     *testing.T
	d     *db.DB
	s     *campaign.Service
	org   *org.Service
	acc   *account.Service
	units map[string]org.Unit
}

func newFixture(t *testing.T, d *db.DB, today civil.Date) *fixture {
	t.Helper()
	ctx := context.Background()
	h := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
		t.Fatal(err)
	}
	d.Now = func() time.Time { return time.Date(today.Y, time.Month(today.M), today.D, 10, 0, 0, 0, time.UTC) }
	f := &fixture{t: t, d: d, s: &campaign.Service{DB: d, Kinds: []campaign.Kind{{Code: campaign.KindMeetingMobilisation, Label: "召开动员会"}}},
		org: &org.Service{DB: d}, acc: &account.Service{DB: d, Hasher: h}, units: map[string]org.Unit{}}
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		f.units[u.Name] = u
	}
	return f
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	u, err := f.acc.ByUsername(context.Background(), username)
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := f.org.Actor(context.Background(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func TestCreateFromTemplate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 12})
		ctx := context.Background()
		office := f.as("office")
		root := f.units[demo.RootName]
		if _, err := f.s.Create(ctx, f.as("jgzb"), campaign.CreateInput{Year: 2026, UnitID: root.ID}); code(err) != apperr.Forbidden {
			t.Fatalf("secretary creates a campaign: %v", err)
		}
		c, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != "2026年创先争优活动" || len(c.Phases) != 7 {
			t.Fatalf("campaign: %q, %d phases", c.Title, len(c.Phases))
		}
		wantDue := []civil.Date{{Y: 2026, M: 5, D: 31}, {Y: 2026, M: 6, D: 20}, {Y: 2026, M: 6, D: 30}, {Y: 2026, M: 7, D: 10},
			{Y: 2026, M: 9, D: 10}, {Y: 2026, M: 11, D: 10}, {Y: 2026, M: 12, D: 31}}
		for i, p := range c.Phases {
			if p.DueOn != wantDue[i] || len(p.Actions) == 0 {
				t.Errorf("phase %d %s: due %v, %d actions", i+1, p.Name, p.DueOn, len(p.Actions))
			}
		}
		// The same subtree cannot run two campaigns in one year; another subtree can.
		if _, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: f.units["市渔场"].ID}); code(err) != apperr.Conflict {
			t.Errorf("overlapping campaign: %v", err)
		}
		if _, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2027, UnitID: root.ID}); err != nil {
			t.Errorf("next year's campaign: %v", err)
		}
		// Phase edits: reversed dates and overlaps are refused, with a message naming the phase.
		p2 := c.Phases[1]
		cases := []struct {
			name        string
			starts, due string
			want        apperr.Code
		}{
			{"reversed", "2026-06-20", "2026-06-01", apperr.Invalid},
			{"overlaps phase 1", "2026-05-20", "2026-06-20", apperr.Invalid},
			{"outside the year", "2026-06-01", "2027-01-20", apperr.Invalid},
			{"not a date", "6月上旬", "2026-06-20", apperr.Invalid},
			{"fine", "2026-06-02", "2026-06-18", ""},
		}
		for _, cs := range cases {
			_, err := f.s.UpdatePhase(ctx, office, c.ID, p2.ID, campaign.PhaseInput{Name: p2.Name, StartsOn: cs.starts, DueOn: cs.due})
			if code(err) != cs.want {
				t.Errorf("%s: %v, want %q", cs.name, err, cs.want)
			}
		}
		// Save as a template and make next year's (in another subtree) from it.
		tpl, err := f.s.SaveAsTemplate(ctx, office, c.ID, "本局模板")
		if err != nil {
			t.Fatal(err)
		}
		c2, err := f.s.Create(ctx, office, campaign.CreateInput{TemplateID: tpl.ID, Year: 2028, UnitID: root.ID})
		if err != nil || len(c2.Phases) != 7 || c2.Phases[1].StartsOn != (civil.Date{Y: 2028, M: 6, D: 2}) {
			t.Fatalf("from saved template: %+v %v", c2.Phases, err)
		}
	})
}

func TestGridStatuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 12})
		ctx := context.Background()
		office := f.as("office")
		root := f.units[demo.RootName]
		c, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Phase 1 (due 5-31) is over: the plan done by hand, the mobilisation meeting by a record; the report is late.
		p1 := c.Phases[0]
		if err := f.s.Complete(ctx, office, c.ID, campaign.CompleteInput{ActionID: p1.Actions[0].ID, UnitID: root.ID, Note: "党委会通过",
			File: &campaign.File{Name: "方案.pdf", Data: []byte("%PDF-1.4 test")}}); err != nil {
			t.Fatal(err)
		}
		if err := d.Update(ctx, func(tx *db.Tx) error {
			return campaign.Record(ctx, tx, campaign.Signal{CampaignID: c.ID, Kind: campaign.KindMeetingMobilisation, UnitID: root.ID, RefID: 1, Note: "动员大会"})
		}); err != nil {
			t.Fatal(err)
		}
		// Phase 2: 市渔场's secretary registers the branch commitment; two members commit.
		p2 := c.Phases[1]
		var branchCommit, memberCommit campaign.Action
		for _, a := range p2.Actions {
			if a.Title == "支部作出承诺" {
				branchCommit = a
			}
			if a.Title == "党员作出承诺" {
				memberCommit = a
			}
		}
		farm := f.units["市渔场"]
		sec := f.as("scyc")
		if err := f.s.Complete(ctx, sec, c.ID, campaign.CompleteInput{ActionID: branchCommit.ID, UnitID: farm.ID, Note: "支部承诺书"}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Complete(ctx, sec, c.ID, campaign.CompleteInput{ActionID: branchCommit.ID, UnitID: farm.ID}); code(err) != apperr.Conflict {
			t.Errorf("registering twice: %v", err)
		}
		if err := f.s.Complete(ctx, f.as("sskszb"), c.ID, campaign.CompleteInput{ActionID: branchCommit.ID, UnitID: farm.ID}); code(err) != apperr.Forbidden {
			t.Errorf("another branch's secretary: %v", err)
		}
		page, _ := f.org.Members(ctx, org.System(), org.MemberFilter{UnitID: farm.ID, PerPage: 100})
		for _, m := range page.Members[:2] {
			if err := f.s.Complete(ctx, sec, c.ID, campaign.CompleteInput{ActionID: memberCommit.ID, MemberID: m.ID}); err != nil {
				t.Fatal(err)
			}
		}
		g, err := f.s.Grid(ctx, office, c.ID, campaign.GridFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Rows) != 7 || !g.Rows[0].Office {
			t.Fatalf("rows: %d", len(g.Rows))
		}
		office1 := g.Rows[0].Cells[0]
		st := map[string]campaign.Status{}
		for _, it := range office1.Items {
			st[it.Action.Title] = it.Status
		}
		// Registered on 6-12, after phase 1's deadline (5-31): done, but late (逾期完成).
		if st["制定活动实施方案"] != campaign.StatusDoneLate || st["召开创先争优活动动员会议"] != campaign.StatusDoneLate || st["向市委报告实施方案和动员情况"] != campaign.StatusLate {
			t.Errorf("office phase 1: %v", st)
		}
		if office1.Status != campaign.StatusLate {
			t.Errorf("office phase 1 cell: %s", office1.Status)
		}
		var farmRow campaign.Row
		for _, r := range g.Rows {
			if r.Unit.ID == farm.ID {
				farmRow = r
			}
		}
		items := map[string]campaign.Item{}
		for _, it := range farmRow.Cells[1].Items {
			items[it.Action.Title] = it
		}
		if it := items["支部作出承诺"]; it.Status != campaign.StatusDoneLate || it.Source != campaign.SourceManual || it.HandNote != "支部承诺书" || it.DoneOn != (civil.Date{Y: 2026, M: 6, D: 12}) {
			t.Errorf("branch commitment: %+v", items["支部作出承诺"])
		}
		mi := items["党员作出承诺"]
		if mi.Done != 2 || mi.Total != farmRow.Members || mi.Status != campaign.StatusLate {
			t.Errorf("member commitments (due 6-10, today 6-12): %d/%d %s", mi.Done, mi.Total, mi.Status)
		}
		if it := items["公布承诺（公开栏、网站，并报上级党组织）"]; it.Status != campaign.StatusDue || len(it.Owes) == 0 {
			t.Errorf("publication (due 6-20): %+v", it)
		}
		if farmRow.Cells[3].Status != campaign.StatusUpcoming {
			t.Errorf("phase 4 in June: %s", farmRow.Cells[3].Status)
		}
		// A secretary sees only their branch; a liaison leader theirs.
		gs, err := f.s.Grid(ctx, sec, c.ID, campaign.GridFilter{})
		if err != nil || len(gs.Rows) != 1 || gs.Rows[0].Unit.ID != farm.ID {
			t.Fatalf("secretary's grid: %d rows %v", len(gs.Rows), err)
		}
		// The detail of a cell lists members who have not committed.
		det, err := f.s.Detail(ctx, sec, c.ID, farm.ID, p2.ID)
		if err != nil || len(det.Missing[memberCommit.ID]) != farmRow.Members-2 {
			t.Fatalf("detail: %v missing=%d", err, len(det.Missing[memberCommit.ID]))
		}
		// A member who leaves no longer counts.
		m := page.Members[5]
		m.Status = "已转出"
		if _, err := f.org.UpdateMember(ctx, office, m); err != nil {
			t.Fatal(err)
		}
		g2, _ := f.s.Grid(ctx, sec, c.ID, campaign.GridFilter{})
		if g2.Rows[0].Members != farmRow.Members-1 {
			t.Errorf("members after one left: %d, want %d", g2.Rows[0].Members, farmRow.Members-1)
		}
		// Due this week for the secretary.
		due, err := f.s.DueSoon(ctx, sec)
		if err != nil || len(due) == 0 {
			t.Fatalf("due soon: %v %v", due, err)
		}
		if due[0].Status != campaign.StatusLate {
			t.Errorf("late items first: %+v", due[0])
		}
	})
}

func TestEvidenceFiles(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), civil.Date{Y: 2026, M: 6, D: 12})
	ctx := context.Background()
	office := f.as("office")
	c, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: f.units[demo.RootName].ID})
	if err != nil {
		t.Fatal(err)
	}
	a := c.Phases[0].Actions[0]
	bad := []*campaign.File{
		{Name: "x.exe", Data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")},
		{Name: "empty.pdf"},
		{Name: "big.pdf", Data: make([]byte, campaign.MaxFileBytes+1)},
	}
	for _, file := range bad {
		if err := f.s.Complete(ctx, office, c.ID, campaign.CompleteInput{ActionID: a.ID, UnitID: c.UnitID, File: file}); code(err) != apperr.Invalid {
			t.Errorf("%s: %v", file.Name, err)
		}
	}
}

// A branch that moves out of the campaign's subtree mid-year leaves its
// grid; one that closes too; the records made while it was in stay.
func TestUnitMovedOrClosedMidCampaign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 7, D: 2})
		ctx := context.Background()
		office, admin := f.as("office"), f.as("admin")
		c, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: f.units[demo.RootName].ID})
		if err != nil {
			t.Fatal(err)
		}
		rows := func() map[string]bool {
			g, err := f.s.Grid(ctx, office, c.ID, campaign.GridFilter{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]bool{}
			for _, r := range g.Rows {
				out[r.Unit.Name] = true
			}
			return out
		}
		orchard := f.units[demo.LateBranch]
		if !rows()[demo.LateBranch] {
			t.Fatal("the branch is not on the grid to begin with")
		}
		if _, err := f.org.MoveUnit(ctx, admin, orchard.ID, f.units[demo.CityName].ID); err != nil {
			t.Fatal(err)
		}
		if rows()[demo.LateBranch] {
			t.Error("a branch moved out of the bureau is still on its grid")
		}
		// A new, empty branch appears; closed, it disappears.
		nb, err := f.org.CreateUnit(ctx, office, org.UnitInput{ParentID: f.units[demo.RootName].ID, Name: "新成立支部", Type: org.Branch})
		if err != nil {
			t.Fatal(err)
		}
		if !rows()["新成立支部"] {
			t.Error("a new branch is not on the grid")
		}
		if _, err := f.org.CloseUnit(ctx, office, nb.ID); err != nil {
			t.Fatal(err)
		}
		if rows()["新成立支部"] {
			t.Error("a closed branch is still on the grid")
		}
	})
}
