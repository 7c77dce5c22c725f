package rectify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	s        *rectify.Service
	units    map[string]int64
	now      time.Time
	campaign int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, s: &rectify.Service{DB: d}, units: map[string]int64{}}
	f.now = time.Date(2026, 7, 2, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return f.now }
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		if _, dup := f.units[u.Name]; !dup {
			f.units[u.Name] = u.ID
		}
	}
	office := f.as("office")
	c, err := (&campaign.Service{DB: d}).Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = c.ID
	return f
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	var id int64
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	})
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	a, err := f.org.Actor(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// member returns the id and account of the first member of unit that has
// an account and holds no grant.
func (f *fixture) member(unit string, skip int) (int64, string) {
	f.t.Helper()
	var id int64
	var user string
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT m.id, us.username FROM members m `+org.JoinUnit("u", "m.unit_id")+` JOIN users us ON us.member_id = m.id
			WHERE u.name = ? AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = us.id AND g.role <> 'member') ORDER BY m.id LIMIT 1 OFFSET ?`, unit, skip).Scan(&id, &user)
	})
	if err != nil {
		f.t.Fatalf("member of %s: %v", unit, err)
	}
	return id, user
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func day(s string) civil.Date {
	d, err := civil.ParseStorage(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func TestRaiseCloseVerifyReject(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office, sec, otherSec, city, groupSec := f.as("office"), f.as("scyc"), f.as("sskszb"), f.as("city"), f.as("jgzb")
		farm := f.units["市渔场"]
		owner, ownerUser := f.member("市渔场", 0)

		// Only a level above raises for a unit below.
		in := rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromInspection, Problem: "支部承诺公开不及时", Deadline: day("2026-07-20")}
		if _, err := f.s.Create(ctx, sec, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("the branch raising its own as an inspection: %v", err)
		}
		if _, err := f.s.Create(ctx, otherSec, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("another branch raising: %v", err)
		}
		bad := in
		bad.Problem, bad.Deadline = " ", civil.Date{}
		_, err := f.s.Create(ctx, office, bad)
		wantCode(t, err, apperr.Invalid)
		r, err := f.s.Create(ctx, office, in)
		must(t, err)
		if r.RaisedByUnitID != office.Grants[0].UnitID || r.VerifierUnitID != r.RaisedByUnitID || r.Status != rectify.Open {
			t.Fatalf("raised: %+v", r)
		}
		if !r.May.Verify && r.May.Close {
			t.Fatalf("the raising level may not close: %+v", r.May)
		}

		// The branch answers: measure and owner, start, close with evidence.
		got, err := f.s.Get(ctx, sec, r.ID)
		must(t, err)
		if m := got.May; !m.Update || !m.Start || !m.Close || m.Verify {
			t.Fatalf("secretary's verdicts: %+v", m)
		}
		if _, err := f.s.Get(ctx, otherSec, r.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another branch reads the entry: %v", err)
		}
		err = f.s.Close(ctx, sec, r.ID, rectify.CloseInput{Evidence: "已公开"})
		wantCode(t, err, apperr.Invalid) // no measure yet
		must(t, f.s.Update(ctx, sec, r.ID, rectify.UpdateInput{Measure: ptr("每月5日前在公开栏更新承诺"), OwnerMemberID: &owner}))
		err = f.s.Update(ctx, office, r.ID, rectify.UpdateInput{Measure: ptr("x")})
		wantCode(t, err, apperr.Forbidden)
		me := f.as(ownerUser)
		got, err = f.s.Get(ctx, me, r.ID)
		must(t, err)
		if !got.May.Start || got.May.Verify || got.OwnerName == "" {
			t.Fatalf("owner's view: %+v", got.Row)
		}
		must(t, f.s.Start(ctx, me, r.ID, ""))
		err = f.s.Close(ctx, sec, r.ID, rectify.CloseInput{Evidence: " "})
		wantCode(t, err, apperr.Invalid)
		must(t, f.s.Close(ctx, sec, r.ID, rectify.CloseInput{Evidence: "7月5日已在公开栏更新", File: &rectify.File{Name: "照片.png", Data: []byte("\x89PNG\r\n\x1a\n0000")}}))

		// Verify: never the branch itself, another branch, the city (reads
		// only) or a branch secretary of a level that did not raise it.
		for _, a := range []*org.Actor{sec, me, otherSec, city, groupSec} {
			if err := f.s.Verify(ctx, a, r.ID, ""); apperr.CodeOf(err) != apperr.Forbidden && apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("%s verifies: %v", a.Username, err)
			}
		}
		// Reject needs a note and goes back to in progress.
		wantCode(t, f.s.Reject(ctx, office, r.ID, ""), apperr.Invalid)
		must(t, f.s.Reject(ctx, office, r.ID, "照片不清楚，请补充公开栏全景"))
		got, err = f.s.Get(ctx, sec, r.ID)
		must(t, err)
		if got.Status != rectify.InProgress || got.RejectNote == "" || !got.May.Close {
			t.Fatalf("rejected: %+v", got.Row)
		}
		must(t, f.s.Close(ctx, sec, r.ID, rectify.CloseInput{Evidence: "已补充全景照片"}))
		must(t, f.s.Verify(ctx, office, r.ID, "同意销号"))
		got, err = f.s.Get(ctx, office, r.ID)
		must(t, err)
		if got.Status != rectify.Verified || got.May != (rectify.May{}) || got.File == nil {
			t.Fatalf("verified: %+v", got)
		}
		var actions []string
		for _, e := range got.History {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, ",") != "raise,update,start,close,reject,close,verify" {
			t.Fatalf("history: %v", actions)
		}
		wantCode(t, f.s.Update(ctx, sec, r.ID, rectify.UpdateInput{Measure: ptr("y")}), apperr.Conflict)
		if _, err := f.s.EvidenceFile(ctx, otherSec, got.File.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another branch reads the evidence: %v", err)
		}
		if file, err := f.s.EvidenceFile(ctx, sec, got.File.ID); err != nil || file.ContentType != "image/png" {
			t.Fatalf("evidence: %v %+v", err, file.ContentType)
		}

		// A branch's own self-check problem is verified one level up.
		own, err := f.s.Create(ctx, sec, rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromSelfCheck, Problem: "组织生活记录不全", Measure: "补齐记录", Deadline: day("2026-07-30")})
		must(t, err)
		if own.RaisedByUnitID != office.Grants[0].UnitID || !own.May.Close {
			t.Fatalf("self-check: %+v", own)
		}
		must(t, f.s.Close(ctx, sec, own.ID, rectify.CloseInput{Evidence: "已补齐"}))
		wantCode(t, f.s.Verify(ctx, sec, own.ID, ""), apperr.Forbidden)
		must(t, f.s.Verify(ctx, office, own.ID, ""))

		// A branch raising for its own group is that group's verifier.
		group := f.units["第一党小组"]
		gr, err := f.s.Create(ctx, groupSec, rectify.CreateInput{CampaignID: f.campaign, UnitID: group, Source: rectify.FromReview, Problem: "小组学习不经常", Measure: "每周一学", Deadline: day("2026-07-30")})
		must(t, err)
		if gr.VerifierUnitID != f.units["机关支部"] {
			t.Fatalf("group entry verifier: %+v", gr)
		}
		if _, err := f.s.Create(ctx, groupSec, rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromReview, Problem: "x", Deadline: day("2026-07-30")}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a branch raising for another: %v", err)
		}
	})
}

func TestOverdueAndLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office, sec, otherSec := f.as("office"), f.as("scyc"), f.as("sskszb")
		farm, inst := f.units["市渔场"], f.units["市水科所支部"]
		early, err := f.s.Create(ctx, office, rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromMeeting, SourceRef: 7, Problem: "A", Deadline: day("2026-07-10")})
		must(t, err)
		later, err := f.s.Create(ctx, office, rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromInspection, Problem: "B", Deadline: day("2026-07-05")})
		must(t, err)
		_, err = f.s.Create(ctx, office, rectify.CreateInput{CampaignID: f.campaign, UnitID: inst, Source: rectify.FromInspection, Problem: "C", Deadline: day("2026-08-05")})
		must(t, err)

		l, err := f.s.List(ctx, office, rectify.Filter{Status: rectify.FilterOverdue})
		must(t, err)
		if l.Total != 0 {
			t.Fatalf("nothing is overdue on 2 July: %+v", l.Rows)
		}
		// The one clock moves on: B is late from 6 July, A from 11 July.
		f.now = time.Date(2026, 7, 8, 9, 0, 0, 0, db.DefaultZone)
		l, err = f.s.List(ctx, office, rectify.Filter{})
		must(t, err)
		if l.Total != 3 || l.Rows[0].ID != later.ID || !l.Rows[0].Overdue || l.Rows[1].Overdue || l.Counts["overdue"] != 1 || l.Counts["open"] != 3 {
			t.Fatalf("ledger on 8 July: %+v counts %v", l.Rows, l.Counts)
		}
		// Closing takes an entry out of overdue.
		must(t, f.s.Update(ctx, sec, later.ID, rectify.UpdateInput{Measure: ptr("m")}))
		must(t, f.s.Close(ctx, sec, later.ID, rectify.CloseInput{Evidence: "done"}))
		f.now = time.Date(2026, 7, 20, 9, 0, 0, 0, db.DefaultZone)
		for _, tc := range []struct {
			name string
			a    *org.Actor
			f    rectify.Filter
			want int
		}{
			{"office all", office, rectify.Filter{}, 3},
			{"office overdue", office, rectify.Filter{Status: rectify.FilterOverdue}, 1},
			{"office done", office, rectify.Filter{Status: "done"}, 1},
			{"office by unit", office, rectify.Filter{UnitID: inst}, 1},
			{"office by source", office, rectify.Filter{Source: rectify.FromMeeting, SourceRef: 7}, 1},
			{"office by campaign", office, rectify.Filter{CampaignID: f.campaign + 1000}, 0},
			{"secretary", sec, rectify.Filter{}, 2},
			{"secretary asks the other branch", sec, rectify.Filter{UnitID: inst}, 0},
			{"other secretary", otherSec, rectify.Filter{}, 1},
		} {
			l, err := f.s.List(ctx, tc.a, tc.f)
			must(t, err)
			if l.Total != tc.want || len(l.Rows) != tc.want {
				t.Errorf("%s: %d rows (total %d), want %d", tc.name, len(l.Rows), l.Total, tc.want)
			}
		}
		if _, err := f.s.List(ctx, office, rectify.Filter{Status: "nope"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad status: %v", err)
		}
		got, err := f.s.Get(ctx, office, early.ID)
		must(t, err)
		if !got.Overdue || got.StatusText() != "逾期" {
			t.Fatalf("A on 20 July: %+v", got.Row)
		}

		// The to-dos: the secretary's open entries (late first), the
		// office's entries to verify; the grid's count per branch.
		if td := todos(t, d, sec.UserID, farm); len(td) != 1 || td[0].Due != "2026-07-10" || !strings.HasPrefix(td[0].Title, "整改：") {
			t.Fatalf("secretary's to-dos: %+v", td)
		}
		if td := todos(t, d, office.UserID, office.Grants[0].UnitID); len(td) != 1 || !strings.HasPrefix(td[0].Title, "验收整改：") {
			t.Fatalf("office's to-dos: %+v", td)
		}
		if td := todos(t, d, 0, office.Grants[0].UnitID); len(td) != 2 {
			t.Fatalf("grid's open entries: %+v", td)
		}
		due, err := (&campaign.Service{DB: d, Sources: []campaign.TodoSource{rectify.Todos{}}}).DueSoon(ctx, sec)
		must(t, err)
		found := false
		for _, it := range due {
			if it.Source == "rectify" && it.Status == campaign.StatusLate {
				found = true
			}
		}
		if !found {
			t.Fatalf("the secretary's home page has no late 整改: %+v", due)
		}

		// The folder: open entries, titled by round.
		secs := folder(t, d, f.campaign, farm, 1)
		if len(secs) != 1 || secs[0].Title != "整改台账" || len(secs[0].Items) != 2 || !secs[0].Items[0].Late && !secs[0].Items[1].Late {
			t.Fatalf("folder: %+v", secs)
		}
		secs = folder(t, d, f.campaign, farm, 2)
		if secs[0].Title != "上轮点评问题整改情况" {
			t.Fatalf("round 2 folder: %+v", secs[0].Title)
		}

		// The export has the rows the list has.
		var buf bytes.Buffer
		must(t, f.s.Export(ctx, office, rectify.Filter{}, &buf))
		x, err := excelize.OpenReader(&buf)
		must(t, err)
		rows, err := x.GetRows("整改台账")
		must(t, err)
		if len(rows) != 4 || rows[0][3] != "问题" || rows[1][8] != "逾期" {
			t.Fatalf("export: %v", rows)
		}
		if pl, err := x.GetPageLayout("整改台账"); err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" {
			t.Fatalf("export page layout: %v %+v", err, pl)
		}
		buf.Reset()
		must(t, f.s.Export(ctx, otherSec, rectify.Filter{}, &buf))
		x, err = excelize.OpenReader(&buf)
		must(t, err)
		if rows, _ := x.GetRows("整改台账"); len(rows) != 2 || rows[1][1] != "市水科所支部" {
			t.Fatalf("other branch's export: %v", rows)
		}
	})
}

// todos reads the ledger's to-dos in a transaction of their own.
func todos(t *testing.T, d *db.DB, userID int64, units ...int64) []campaign.Todo {
	t.Helper()
	var out []campaign.Todo
	must(t, d.View(ctx, func(tx *db.Tx) error {
		var err error
		out, err = rectify.Todos{}.Todos(ctx, tx, userID, units)
		return err
	}))
	return out
}

func folder(t *testing.T, d *db.DB, campaignID, unitID int64, round int) []campaign.FolderSection {
	t.Helper()
	var out []campaign.FolderSection
	must(t, d.View(ctx, func(tx *db.Tx) error {
		var err error
		out, err = rectify.Folder{}.Folder(ctx, tx, campaignID, unitID, round)
		return err
	}))
	return out
}

func TestReassignKeepsHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office, sec := f.as("office"), f.as("scyc")
		farm := f.units["市渔场"]
		owner, _ := f.member("市渔场", 0)
		next, _ := f.member("市渔场", 1)
		r, err := f.s.Create(ctx, office, rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromReview, Problem: "台账不规范",
			OwnerMemberID: owner, Deadline: day("2026-08-01")})
		must(t, err)
		if r.OwnerGone {
			t.Fatal("owner gone at once")
		}
		// The owner moves to another branch.
		must(t, d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE members SET unit_id = ? WHERE id = ?`, f.units["市水科所支部"], owner)
			return err
		}))
		l, err := f.s.List(ctx, sec, rectify.Filter{OwnerGone: true})
		must(t, err)
		if len(l.Rows) != 1 || !l.Rows[0].OwnerGone || !l.Rows[0].May.Reassign {
			t.Fatalf("entries whose owner left: %+v", l.Rows)
		}
		wantCode(t, f.s.Reassign(ctx, sec, r.ID, owner, ""), apperr.Invalid) // unchanged
		wantCode(t, f.s.Reassign(ctx, f.as("sskszb"), r.ID, next, ""), apperr.NotFound)
		if err := f.s.Reassign(ctx, sec, r.ID, f.units["市水科所支部"], ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("an owner outside the branch: %v", err)
		}
		must(t, f.s.Reassign(ctx, sec, r.ID, next, "原责任人调离"))
		must(t, f.s.Reassign(ctx, sec, r.ID, 0, "交支部书记"))
		got, err := f.s.Get(ctx, sec, r.ID)
		must(t, err)
		if got.OwnerMemberID != 0 || got.OwnerGone || len(got.History) != 3 || got.History[1].Action != "reassign" || got.History[1].Note != "原责任人调离" ||
			!strings.HasSuffix(got.History[2].Detail, "支部书记") {
			t.Fatalf("after reassignment: %+v", got)
		}
		if l, _ := f.s.List(ctx, sec, rectify.Filter{OwnerGone: true}); len(l.Rows) != 0 {
			t.Fatalf("still listed: %+v", l.Rows)
		}
	})
}

func TestEvaluationKind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec := f.as("scyc")
		farm := f.units["市渔场"]
		owner, _ := f.member("市渔场", 0)
		signals := func() int {
			t.Helper()
			var n int
			must(t, d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = ? AND unit_id = ?`, rectify.KindEvaluationRectify, farm).Scan(&n)
			}))
			return n
		}
		var ids []int64
		must(t, d.Update(ctx, func(tx *db.Tx) error {
			for _, p := range []string{"联系群众不够", "服务窗口态度"} {
				id, err := rectify.Raise(ctx, tx, audit.Actor{Name: "system"}, rectify.Raised{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromEvaluation,
					RaisedByUnitID: f.units[demo.RootName], Problem: p, Deadline: day("2026-10-01")})
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		}))
		if signals() != 0 {
			t.Fatal("recorded without measures")
		}
		must(t, f.s.Update(ctx, sec, ids[0], rectify.UpdateInput{Measure: ptr("每月走访"), OwnerMemberID: &owner}))
		if signals() != 0 {
			t.Fatal("recorded with one entry unplanned")
		}
		must(t, f.s.Update(ctx, sec, ids[1], rectify.UpdateInput{Measure: ptr("窗口挂牌"), OwnerMemberID: &owner}))
		if signals() != 1 {
			t.Fatal("not recorded when every entry has a measure and an owner")
		}
		must(t, f.s.Reassign(ctx, sec, ids[1], 0, ""))
		if signals() != 0 {
			t.Fatal("not withdrawn when an entry lost its owner")
		}
		if _, err := f.s.Create(ctx, f.as("office"), rectify.CreateInput{CampaignID: f.campaign, UnitID: farm, Source: rectify.FromEvaluation, Problem: "x", Deadline: day("2026-10-01")}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("evaluation entries by hand: %v", err)
		}
	})
}
