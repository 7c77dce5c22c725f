package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// recordKinds are the kinds these tests complete by records.
var recordKinds = []campaign.Kind{
	{Code: campaign.KindMeetingMobilisation, Label: "召开动员会"},
	{Code: campaign.KindReportAcknowledged, Label: "报告签收"},
	{Code: campaign.KindCommitmentSubmitted, Label: "提交承诺"},
}

func (f *fixture) record(c campaign.Campaign, sig campaign.Signal) error {
	f.t.Helper()
	sig.CampaignID = c.ID
	return f.d.Update(context.Background(), func(tx *db.Tx) error { return campaign.Record(context.Background(), tx, sig) })
}

// bureauCampaign registers the record kinds these tests use and opens the
// bureau's campaign of year as the office.
func (f *fixture) bureauCampaign(year int) campaign.Campaign {
	f.t.Helper()
	f.s.Kinds = recordKinds
	c, err := f.s.Create(context.Background(), f.as("office"), campaign.CreateInput{Year: year, UnitID: f.units[demo.RootName].ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) item(c campaign.Campaign, unit org.Unit, title string) campaign.Item {
	f.t.Helper()
	g, err := f.s.Grid(context.Background(), f.as("office"), c.ID, campaign.GridFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range g.Rows {
		if r.Unit.ID != unit.ID {
			continue
		}
		for _, cell := range r.Cells {
			for _, it := range cell.Items {
				if it.Action.Title == title {
					return it
				}
			}
		}
	}
	f.t.Fatalf("no item %q for %s", title, unit.Name)
	return campaign.Item{}
}

func (f *fixture) farmMembers() []org.Member {
	f.t.Helper()
	page, err := f.org.Members(context.Background(), org.System(), org.MemberFilter{UnitID: f.units["市渔场"].ID, PerPage: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return page.Members
}

// Two campaigns in consecutive years over the same subtree, and two in the
// same year over different subtrees, never see each other's records.
func TestRecordsBelongToTheirCampaign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 11, D: 20})
		f.s.Kinds = recordKinds
		ctx := context.Background()
		office := f.as("office")
		root, farm, lab := f.units[demo.RootName], f.units["市渔场"], f.units["市水科所支部"]

		// Consecutive years, the whole bureau: next year's commitment moves next year's grid only.
		c26, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		c27, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2027, UnitID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		m := f.farmMembers()[0]
		if err := f.record(c27, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, MemberID: m.ID, RefID: 900, Note: "2027年承诺"}); err != nil {
			t.Fatal(err)
		}
		if it := f.item(c26, farm, "党员作出承诺"); it.Done != 0 || it.Status != campaign.StatusLate {
			t.Errorf("this year's cell moved by next year's commitment: %d/%d %s", it.Done, it.Total, it.Status)
		}
		// Written in November 2026, before 2027's phase opens: counted.
		if it := f.item(c27, farm, "党员作出承诺"); it.Done != 1 || it.Records != 1 || it.Source != campaign.SourceRecord {
			t.Errorf("next year's cell: %+v", it)
		}
		if err := f.record(c26, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, MemberID: m.ID, RefID: 901, Note: "2026年承诺"}); err != nil {
			t.Fatal(err)
		}
		if it := f.item(c26, farm, "党员作出承诺"); it.Done != 1 || it.LateDone != 1 {
			t.Errorf("this year's commitment made in November (due 6-10) is late: %+v", it)
		}
		tl, err := f.s.Timeline(ctx, office, c27.ID)
		if err != nil || len(tl) != 1 || tl[0].Count != 1 {
			t.Errorf("next year's chart counts only its own records: %+v %v", tl, err)
		}

		// A record for a unit outside the campaign, or for a finished campaign, is refused with the campaign named.
		c26lab, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2028, UnitID: lab.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.record(c26lab, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, MemberID: m.ID, RefID: 902}); code(err) != apperr.Invalid {
			t.Errorf("record outside the campaign's subtree: %v", err)
		}
		if err := f.s.SetStatus(ctx, office, c26.ID, campaign.StatusFinished); err != nil {
			t.Fatal(err)
		}
		err = f.record(c26, campaign.Signal{Kind: campaign.KindMeetingMobilisation, UnitID: root.ID, RefID: 903})
		if code(err) != apperr.Conflict || !strings.Contains(apperr.As(err).Message("zh"), c26.Title) {
			t.Errorf("record for a finished campaign: %v", err)
		}
	})
}

// Same year, sibling subtrees: two campaigns side by side.
func TestSameYearSiblingCampaigns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 5})
		f.s.Kinds = recordKinds
		ctx := context.Background()
		office := f.as("office")
		farm, lab := f.units["市渔场"], f.units["市水科所支部"]
		cf, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: farm.ID})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := f.s.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: lab.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.record(cf, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, RefID: 1, Note: "支部承诺"}); err != nil {
			t.Fatal(err)
		}
		if it := f.item(cf, farm, "支部作出承诺"); it.Status != campaign.StatusDone || it.Source != campaign.SourceRecord {
			t.Errorf("farm's own campaign: %+v", it)
		}
		if it := f.item(cl, lab, "支部作出承诺"); it.Done != 0 {
			t.Errorf("the lab's campaign sees the farm's record: %+v", it)
		}
		// The campaign a record of a unit belongs to.
		err = d.View(ctx, func(tx *db.Tx) error {
			for _, cs := range []struct {
				unit org.Unit
				want int64
			}{{farm, cf.ID}, {lab, cl.ID}, {f.units[demo.RootName], 0}} {
				got, err := campaign.For(ctx, tx, cs.unit.ID, civil.Date{Y: 2026, M: 6, D: 5})
				if err != nil || got != cs.want {
					t.Errorf("For(%s) = %d, %v; want %d", cs.unit.Name, got, err, cs.want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A record completes one action of its kind: the one whose phase window it
// falls in (late after the deadline, early before the first phase), and
// moving a phase's dates recomputes it with nothing lost.
func TestPhaseWindows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 11, D: 20})
		ctx := context.Background()
		office := f.as("office")
		root := f.units[demo.RootName]
		c := f.bureauCampaign(2026)
		beijing := time.FixedZone("CST", 8*3600)
		d.Zone = beijing
		const report1, report7 = "向市委报告实施方案和动员情况", "迎接市创争办考核，报送总结材料"
		// Acknowledged on 5-20: phase 1's report, not phase 7's.
		if err := f.record(c, campaign.Signal{Kind: campaign.KindReportAcknowledged, UnitID: root.ID, RefID: 1, Note: "五月报告",
			At: time.Date(2026, 5, 20, 9, 0, 0, 0, beijing)}); err != nil {
			t.Fatal(err)
		}
		if it := f.item(c, root, report1); it.Status != campaign.StatusDone || it.Source != campaign.SourceRecord {
			t.Errorf("phase 1 report: %+v", it)
		}
		if it := f.item(c, root, report7); it.Done != 0 || it.Status != campaign.StatusUpcoming {
			t.Errorf("phase 7 completed by May's report: %+v", it)
		}
		// The mobilisation meeting held on 6-01 00:30 Beijing (5-31 16:30 UTC): late by the zone's calendar.
		if err := f.record(c, campaign.Signal{Kind: campaign.KindMeetingMobilisation, UnitID: root.ID, RefID: 2, Note: "动员大会",
			At: time.Date(2026, 6, 1, 0, 30, 0, 0, beijing)}); err != nil {
			t.Fatal(err)
		}
		it := f.item(c, root, "召开创先争优活动动员会议")
		if it.Status != campaign.StatusDoneLate || it.DoneOn != (civil.Date{Y: 2026, M: 6, D: 1}) || !strings.Contains(it.Basis("zh"), "逾期完成 2026-06-01") {
			t.Errorf("late meeting: %+v %q", it, it.Basis("zh"))
		}
		// Phase 1 now opens on 5-21: May's report is early for it, and nothing is lost.
		p1 := c.Phases[0]
		if _, err := f.s.UpdatePhase(ctx, office, c.ID, p1.ID, campaign.PhaseInput{Name: p1.Name, StartsOn: "2026-05-21", DueOn: "2026-05-31"}); err != nil {
			t.Fatal(err)
		}
		if it := f.item(c, root, report1); it.Status != campaign.StatusDone || !it.Early || !strings.Contains(it.Basis("zh"), "提前完成") {
			t.Errorf("after moving the phase: %+v", it)
		}
		// A report acknowledged in November is phase 1's second, not phase 7's.
		if err := f.record(c, campaign.Signal{Kind: campaign.KindReportAcknowledged, UnitID: root.ID, RefID: 3, Note: "年度总结",
			At: time.Date(2026, 11, 19, 9, 0, 0, 0, beijing)}); err != nil {
			t.Fatal(err)
		}
		if it := f.item(c, root, report1); it.Status != campaign.StatusDone {
			t.Errorf("phase 1 report after the second: %+v", it)
		}
		if it := f.item(c, root, report7); it.Done != 0 {
			t.Errorf("a November report (phase 6) is phase 1's late one, not phase 7's: %+v", it)
		}
	})
}

// Member actions completed by records can only excuse named members by
// hand, with a reason; the grid shows each source.
func TestExcuseMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 8})
		ctx := context.Background()
		office := f.as("office")
		farm := f.units["市渔场"]
		c := f.bureauCampaign(2026)
		var commit campaign.Action
		for _, a := range c.Phases[1].Actions {
			if a.Title == "党员作出承诺" {
				commit = a
			}
		}
		sec := f.as("scyc")
		var ms []org.Member // the secretary first, then the others
		var self org.Member
		for _, m := range f.farmMembers() {
			if m.ID == sec.MemberID {
				self = m
			} else {
				ms = append(ms, m)
			}
		}
		if self.ID == 0 {
			t.Fatal("the secretary's account is not their member record")
		}
		if err := f.record(c, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, MemberID: ms[0].ID, RefID: 1}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			as     *org.Actor
			member org.Member
			note   string
			want   apperr.Code
		}{
			{"no reason", sec, ms[1], "", apperr.Invalid},
			{"already has a record", sec, ms[0], "住院", apperr.Conflict},
			{"another branch's secretary", f.as("sskszb"), ms[1], "住院", apperr.Forbidden},
			{"the secretary excuses themself", sec, self, "工作忙", apperr.Forbidden},
			{"excused with a reason", sec, ms[1], "长期住院，无法书写", ""},
			{"twice", office, ms[1], "住院", apperr.Conflict},
		}
		for _, cs := range cases {
			err := f.s.Complete(ctx, cs.as, c.ID, campaign.CompleteInput{ActionID: commit.ID, MemberID: cs.member.ID, Note: cs.note})
			if code(err) != cs.want {
				t.Errorf("%s: %v, want %q", cs.name, err, cs.want)
			}
		}
		it := f.item(c, farm, "党员作出承诺")
		if it.Records != 1 || it.Excused != 1 || it.Done != 1 || it.Status == campaign.StatusDone || !strings.Contains(it.Basis("zh"), "例外 1") {
			t.Errorf("sources: %+v %q", it, it.Basis("zh"))
		}
		if want := fmt.Sprintf("%d 名党员未完成", len(ms)+1-2); len(it.Owes) != 1 || it.Owes[0] != want {
			t.Errorf("owes: %v, want %s", it.Owes, want)
		}
		g, err := f.s.Grid(ctx, office, c.ID, campaign.GridFilter{UnitID: farm.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range g.Rows {
			if r.Unit.ID == farm.ID && (r.Cells[1].Excused != 1 || r.Cells[1].Hand != 0) {
				t.Errorf("the grid's cell does not mark the excused member: %+v", r.Cells[1])
			}
		}
		det, err := f.s.Detail(ctx, sec, c.ID, farm.ID, c.Phases[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(det.Missing[commit.ID]); got != len(ms)+1-2 {
			t.Errorf("missing names: %d, want %d", got, len(ms)+1-2)
		}
		var excused []campaign.Completion
		for _, cc := range det.Completions[commit.ID] {
			if cc.Source == campaign.SourceExcused {
				excused = append(excused, cc)
			}
		}
		if len(excused) != 1 || excused[0].Member != ms[1].Name || excused[0].Note != "长期住院，无法书写" {
			t.Errorf("excused on the cell page: %+v", excused)
		}
	})
}

// The grid's cache never shows more or less than a fresh read: it is read
// again after a record, a withdrawal, a completion by hand, a roster change
// and a new day.
func TestGridCacheFollowsChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 8})
		f.s.Cache = campaign.NewGridCache()
		fresh := &campaign.Service{DB: d, Kinds: recordKinds} // no cache
		ctx := context.Background()
		office := f.as("office")
		root, farm := f.units[demo.RootName], f.units["市渔场"]
		c := f.bureauCampaign(2026)
		same := func(step string) {
			t.Helper()
			got, err := f.s.Grid(ctx, office, c.ID, campaign.GridFilter{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Grid(ctx, office, c.ID, campaign.GridFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) || got.Done != want.Done || got.Today != want.Today {
				t.Errorf("%s: cached grid %d/%d on %s, fresh %d/%d on %s", step, got.Done, got.Total, got.Today, want.Done, want.Total, want.Today)
			}
		}
		same("first read")
		ms := f.farmMembers()
		if err := f.record(c, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, MemberID: ms[0].ID, RefID: 71}); err != nil {
			t.Fatal(err)
		}
		same("after a record")
		if err := d.Update(ctx, func(tx *db.Tx) error { return campaign.Withdraw(ctx, tx, campaign.KindCommitmentSubmitted, 71) }); err != nil {
			t.Fatal(err)
		}
		same("after a withdrawal")
		if err := f.s.Complete(ctx, office, c.ID, campaign.CompleteInput{ActionID: c.Phases[0].Actions[0].ID, UnitID: root.ID, Note: "方案已印发"}); err != nil {
			t.Fatal(err)
		}
		same("after a completion by hand")
		m := ms[1]
		m.Status = "已转出"
		if _, err := f.org.UpdateMember(ctx, office, m); err != nil {
			t.Fatal(err)
		}
		same("after a member left")
		d.Now = func() time.Time { return time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC) }
		same("on a later day")
	})
}

// A member who moves branch mid-phase takes their records along: the old
// branch's count drops them, the new one's counts them. An account whose
// member has left the party keeps working for what it may still do.
func TestRecordsFollowTheMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 5})
		ctx := context.Background()
		office := f.as("office")
		farm, lab := f.units["市渔场"], f.units["市水科所支部"]
		c := f.bureauCampaign(2026)
		ms := f.farmMembers()
		m := ms[0]
		if err := f.record(c, campaign.Signal{Kind: campaign.KindCommitmentSubmitted, UnitID: farm.ID, MemberID: m.ID, RefID: 5}); err != nil {
			t.Fatal(err)
		}
		before := f.item(c, lab, "党员作出承诺")
		if it := f.item(c, farm, "党员作出承诺"); it.Done != 1 {
			t.Fatalf("farm before the move: %+v", it)
		}
		m.UnitID = lab.ID
		if _, err := f.org.UpdateMember(ctx, office, m); err != nil {
			t.Fatal(err)
		}
		if it := f.item(c, farm, "党员作出承诺"); it.Done != 0 || it.Total != len(ms)-1 {
			t.Errorf("farm after the move: %d/%d", it.Done, it.Total)
		}
		if it := f.item(c, lab, "党员作出承诺"); it.Done != before.Done+1 || it.Total != before.Total+1 {
			t.Errorf("lab after the move: %d/%d (before %d/%d)", it.Done, it.Total, before.Done, before.Total)
		}
		// The member leaves the party: their account still loads and reads the campaign.
		var username string
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT username FROM users WHERE member_id = ?`, ms[1].ID).Scan(&username)
		}); err != nil {
			t.Fatal(err)
		}
		gone := ms[1]
		gone.Status = "已转出"
		if _, err := f.org.UpdateMember(ctx, office, gone); err != nil {
			t.Fatal(err)
		}
		a := f.as(username)
		if a.MemberID != gone.ID {
			t.Errorf("the account lost its member: %+v", a)
		}
		if _, err := f.s.Get(ctx, a, c.ID); err != nil {
			t.Errorf("the account of a member who left cannot read the campaign: %v", err)
		}
	})
}
