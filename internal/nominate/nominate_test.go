package nominate_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	s        *nominate.Service
	n        *notice.Service
	units    map[string]int64
	now      time.Time
	campaign int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, s: &nominate.Service{DB: d}, n: &notice.Service{DB: d}, units: map[string]int64{}}
	f.now = time.Date(2026, 7, 6, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return f.now }
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		f.units[u.Name] = u.ID
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

// members returns the ids of the first n members of a branch's subtree.
func (f *fixture) members(branch string, n int) []int64 {
	f.t.Helper()
	var out []int64
	err := f.d.View(ctx, func(tx *db.Tx) error {
		var path string
		if err := tx.QueryRow(ctx, `SELECT path FROM units WHERE name = ?`, branch).Scan(&path); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT m.id FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ? ORDER BY m.id LIMIT ?`, path+"%", n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	if err != nil || len(out) < n {
		f.t.Fatalf("members of %s: %v (%d)", branch, err, len(out))
	}
	return out
}

func (f *fixture) signals(unit int64) int {
	f.t.Helper()
	var n int
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = ? AND unit_id = ?`, nominate.KindNomination, unit).Scan(&n)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

var deeds = strings.Repeat("该同志扎根渔场一线，带头推广健康养殖技术，帮助养殖户解决鱼病防治难题。", 12)

func (f *fixture) input(member int64) nominate.Input {
	return nominate.Input{CampaignID: f.campaign, MemberID: member, Deeds: deeds, BranchOpinion: "经支部委员会研究，同意推荐。"}
}

func TestNominateQuota(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		farm := f.units["市渔场"]
		sec, office := f.as("scyc"), f.as("office")
		ms := f.members("市渔场", 3)
		other := f.members("市水科所支部", 1)[0]

		cases := []struct {
			name string
			in   nominate.Input
			code apperr.Code
			msg  string
		}{
			{"short deeds", nominate.Input{CampaignID: f.campaign, MemberID: ms[0], Deeds: "事迹太短", BranchOpinion: "同意"}, apperr.Invalid, "主要事迹应为 200 至 3000 字"},
			{"long deeds", nominate.Input{CampaignID: f.campaign, MemberID: ms[0], Deeds: strings.Repeat("长", nominate.MaxDeeds+1), BranchOpinion: "同意"}, apperr.Invalid, "主要事迹"},
			{"no opinion", nominate.Input{CampaignID: f.campaign, MemberID: ms[0], Deeds: deeds}, apperr.Invalid, "支部意见"},
			{"other branch's member", f.input(other), apperr.Forbidden, ""},
			{"other branch's member, named branch", func() nominate.Input { in := f.input(other); in.UnitID = farm; return in }(), apperr.Invalid, "只能推荐本支部的党员"},
		}
		for _, c := range cases {
			_, err := f.s.Nominate(ctx, sec, c.in)
			if apperr.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: got %v", c.name, err)
			}
		}
		if f.signals(farm) != 0 {
			t.Fatal("a refused nomination completed the action")
		}
		n, err := f.s.Nominate(ctx, sec, f.input(ms[0]))
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != nominate.Submitted || n.UnitID != farm || f.signals(farm) != 1 {
			t.Fatalf("nominated %+v, signals %d", n, f.signals(farm))
		}
		_, err = f.s.Nominate(ctx, sec, f.input(ms[0]))
		wantCode(t, err, apperr.Conflict) // twice
		// 14 members: one place; the refusal names the quota and the count used.
		_, err = f.s.Nominate(ctx, sec, f.input(ms[1]))
		wantCode(t, err, apperr.Conflict)
		if m := apperr.As(err).Message("zh"); !strings.Contains(m, "推荐名额为 1 名，已推荐 1 名") {
			t.Fatalf("quota message %q", m)
		}
		if m := apperr.As(err).Message("en"); !strings.Contains(m, "quota is 1 and 1 are already nominated") {
			t.Fatalf("quota message %q", m)
		}
		// The secretary cannot raise their own quota; the office can, not below the count used.
		_, err = f.s.SetQuota(ctx, sec, f.campaign, farm, 3)
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.SetQuota(ctx, office, f.campaign, farm, 0)
		wantCode(t, err, apperr.Invalid)
		q, err := f.s.SetQuota(ctx, office, f.campaign, farm, 2)
		if err != nil || q.Quota != 2 || q.Used != 1 || q.Default != 1 {
			t.Fatalf("quota %+v %v", q, err)
		}
		if _, err := f.s.Nominate(ctx, sec, f.input(ms[1])); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Nominate(ctx, sec, f.input(ms[2]))
		if !strings.Contains(apperr.As(err).Message("zh"), "推荐名额为 2 名，已推荐 2 名") {
			t.Fatalf("quota 2: %v", err)
		}
		if f.signals(farm) != 1 {
			t.Fatalf("signals %d", f.signals(farm))
		}
		// Declaring none after nominating is refused.
		_, err = f.s.DeclareNone(ctx, sec, f.campaign, farm, "无")
		wantCode(t, err, apperr.Conflict)
		ov, err := f.s.Overview(ctx, sec, f.campaign, nominate.Filter{})
		if err != nil || len(ov.Branches) != 1 || ov.Branches[0].Used != 2 || ov.Branches[0].Quota != 2 || len(ov.Nominations) != 2 || ov.CanApprove {
			t.Fatalf("secretary's overview %+v %v", ov, err)
		}
		ov, err = f.s.Overview(ctx, office, f.campaign, nominate.Filter{})
		if err != nil || len(ov.Branches) != 6 || !ov.CanApprove || !ov.Branches[0].CanSetQuota {
			t.Fatalf("office's overview %+v %v", ov.Branches, err)
		}
	})
}

func TestDeclareNone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		orchard := f.units["市果木园党支部"]
		sec := f.as("sgmydzb")
		_, err := f.s.DeclareNone(ctx, sec, f.campaign, orchard, "  ")
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.DeclareNone(ctx, f.as("scyc"), f.campaign, orchard, "本支部暂无合适人选")
		wantCode(t, err, apperr.Forbidden)
		q, err := f.s.DeclareNone(ctx, sec, f.campaign, orchard, "本支部党员多为离退休职工，经支委会研究本次暂无合适人选")
		if err != nil || q.Submitted != "none" || f.signals(orchard) != 1 {
			t.Fatalf("none %+v %v", q, err)
		}
		// Nominating later still counts once.
		if _, err := f.s.Nominate(ctx, sec, f.input(f.members("市果木园党支部", 1)[0])); err != nil {
			t.Fatal(err)
		}
		if f.signals(orchard) != 1 {
			t.Fatalf("signals %d", f.signals(orchard))
		}
		if _, err := f.s.Nominate(ctx, f.as("scyc"), f.input(f.members("市渔场", 1)[0])); err != nil {
			t.Fatal(err)
		}
		// The grid: 推荐上报优秀共产党员典型 is done for the branches that
		// submitted (a nomination, or none with a reason), owed by the others.
		cs := &campaign.Service{DB: d, Kinds: nominate.Kinds()}
		g, err := cs.Grid(ctx, f.as("office"), f.campaign, campaign.GridFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"市果木园党支部": true, "市渔场": true, "老干支部": false, "机关支部": false}
		seen := 0
		for _, r := range g.Rows {
			w, ok := want[r.Unit.Name]
			if !ok {
				continue
			}
			for _, c := range r.Cells {
				for _, it := range c.Items {
					if it.Action.Kind != nominate.KindNomination {
						continue
					}
					seen++
					if done := it.Status == campaign.StatusDone || it.Status == campaign.StatusDoneLate; done != w || !it.Automatic {
						t.Errorf("%s: %s %s automatic %v", r.Unit.Name, it.Action.Title, it.Status, it.Automatic)
					}
				}
			}
		}
		if seen != len(want) {
			t.Fatalf("grid items of the kind: %d", seen)
		}
	})
}

func TestLedgerWarning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		farm := f.units["市渔场"]
		ms := f.members("市渔场", 2)
		err := d.Update(ctx, func(tx *db.Tx) error {
			_, err := rectify.Raise(ctx, tx, audit.Actor{Name: "test"}, rectify.Raised{CampaignID: f.campaign, UnitID: farm, MemberID: ms[0], Source: rectify.FromInspection,
				RaisedByUnitID: f.units[demo.RootName], Problem: "践诺记录不及时", Deadline: civil.Date{Y: 2026, M: 7, D: 30}})
			if err != nil {
				return err
			}
			// Someone else's entry, and a verified one of the nominee's: no warning.
			if _, err := rectify.Raise(ctx, tx, audit.Actor{Name: "test"}, rectify.Raised{CampaignID: f.campaign, UnitID: farm, MemberID: ms[1], Source: rectify.FromInspection,
				RaisedByUnitID: f.units[demo.RootName], Problem: "学习笔记不全", Deadline: civil.Date{Y: 2026, M: 7, D: 30}}); err != nil {
				return err
			}
			id, err := rectify.Raise(ctx, tx, audit.Actor{Name: "test"}, rectify.Raised{CampaignID: f.campaign, UnitID: farm, OwnerMemberID: ms[0], Source: rectify.FromReview,
				RaisedByUnitID: f.units[demo.RootName], Problem: "台账不规范", Deadline: civil.Date{Y: 2026, M: 7, D: 30}})
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE rectifications SET status = 'verified' WHERE id = ?`, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.s.Nominate(ctx, f.as("scyc"), f.input(ms[0]))
		if err != nil {
			t.Fatal(err) // allowed
		}
		got, err := f.s.Get(ctx, f.as("office"), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.OpenEntries) != 1 || got.OpenEntries[0].Problem != "践诺记录不及时" || !got.CanApprove {
			t.Fatalf("warning %+v, can approve %v", got.OpenEntries, got.CanApprove)
		}
		if got.Keeping == nil || got.Keeping.Found || len(got.Ratings) != 0 {
			t.Fatalf("facts %+v %+v", got.Keeping, got.Ratings)
		}
	})
}

type ratings []nominate.Rating

func (r ratings) Ratings(context.Context, *db.Tx, int64, int64) ([]nominate.Rating, error) {
	return r, nil
}

func TestApproveNoticeConfirm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.Ratings = ratings{{Round: 1, Label: "好", Reviewer: "丁石春"}}
		sec, office, leader := f.as("scyc"), f.as("office"), f.as(account.Pinyin("丁石春"))
		m := f.members("市渔场", 1)[0]
		n, err := f.s.Nominate(ctx, sec, f.input(m))
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Ratings) != 1 || n.Ratings[0].Label != "好" {
			t.Fatalf("ratings %+v", n.Ratings)
		}
		// Nobody approves their own: the branch, a leader (reads only), the office's own entry.
		for _, a := range []*org.Actor{sec, leader} {
			_, err := f.s.Approve(ctx, a, []int64{n.ID}, nominate.ApproveInput{})
			wantCode(t, err, apperr.Forbidden)
		}
		if got, err := f.s.Get(ctx, leader, n.ID); err != nil || got.CanApprove || !got.BirthDate.IsZero() || got.CanPrint {
			t.Fatalf("leader reads %+v %v", got, err)
		}
		ownM := f.members("市水科所支部", 1)[0]
		own, err := f.s.Nominate(ctx, office, f.input(ownM))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Approve(ctx, office, []int64{own.ID}, nominate.ApproveInput{})
		wantCode(t, err, apperr.Forbidden)

		list, err := f.s.Approve(ctx, office, []int64{n.ID}, nominate.ApproveInput{Opinion: "同意推荐", Days: 5})
		if err != nil {
			t.Fatal(err)
		}
		a := list[0]
		if a.Status != nominate.Approved || a.NoticeID == 0 || a.Notice == nil || a.NoticeOver || a.OfficeOpinion != "同意推荐" {
			t.Fatalf("approved %+v", a)
		}
		nt, err := f.n.Get(ctx, a.NoticeID)
		if err != nil {
			t.Fatal(err)
		}
		if nt.SubjectKind != nominate.SubjectKind || !strings.Contains(nt.Body, a.MemberName+"（市渔场）") || !strings.Contains(nt.Body, "主要事迹：该同志扎根渔场一线") {
			t.Fatalf("notice %+v", nt)
		}
		_, err = f.s.Approve(ctx, office, []int64{n.ID}, nominate.ApproveInput{})
		wantCode(t, err, apperr.Conflict) // twice

		// An objection during the 公示.
		if _, err := f.n.Object(ctx, a.NoticeID, notice.ObjectionInput{Text: "该同志去年考核情况请核实", Anonymous: true}, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Confirm(ctx, office, n.ID)
		wantCode(t, err, apperr.Invalid) // still open
		f.now = f.now.Add(6 * 24 * time.Hour)
		_, err = f.s.Confirm(ctx, office, n.ID)
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.As(err).Message("zh"), "1 条异议未答复") {
			t.Fatalf("unanswered: %v", err)
		}
		got, err := f.s.Get(ctx, office, n.ID)
		if err != nil || got.Notice == nil || len(got.Notice.Objections) != 1 || !got.NoticeOver || got.CanConfirm != true {
			t.Fatalf("objection on the page %+v %v", got.Notice, err)
		}
		if _, err := f.n.Answer(ctx, office, got.Notice.Objections[0].ID, "经核实，该同志去年年度考核为优秀。"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Confirm(ctx, sec, n.ID)
		wantCode(t, err, apperr.Forbidden)
		c, err := f.s.Confirm(ctx, office, n.ID)
		if err != nil || c.Status != nominate.Confirmed || c.Notice.Objections[0].Answer == "" {
			t.Fatalf("confirmed %+v %v", c, err)
		}
		// The public page: names, units, deeds — nothing private.
		_, ex, err := f.s.Examples(ctx, f.units[demo.RootName])
		if err != nil || len(ex) != 1 || ex[0].Name != a.MemberName || ex[0].UnitName != "市渔场" {
			t.Fatalf("examples %+v %v", ex, err)
		}
		var idn, phone, birth string
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id_number, phone, birth_date FROM members WHERE id = ?`, m).Scan(&idn, &phone, &birth)
		}); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(ex)
		for _, secret := range []string{idn, phone, birth} {
			if secret != "" && strings.Contains(string(raw), secret) {
				t.Fatalf("public examples leak %q: %s", secret, raw)
			}
		}
	})
}

func TestReturnAndResubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec, office := f.as("scyc"), f.as("office")
		m := f.members("市渔场", 2)
		n, err := f.s.Nominate(ctx, sec, f.input(m[0]))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Return(ctx, office, n.ID, "")
		wantCode(t, err, apperr.Invalid)
		r, err := f.s.Return(ctx, office, n.ID, "事迹不够具体，请补充数据")
		if err != nil || r.Status != nominate.Returned || r.ReturnReason == "" {
			t.Fatalf("returned %+v %v", r, err)
		}
		// A returned nomination frees its place: another member may take it.
		if got, err := f.s.Get(ctx, sec, n.ID); err != nil || !got.CanEdit {
			t.Fatalf("can edit %+v %v", got, err)
		}
		in := f.input(m[0])
		in.Deeds += "二〇二六年上半年推广稻田养鱼一千二百亩。"
		re, err := f.s.Nominate(ctx, sec, in)
		if err != nil || re.ID != n.ID || re.Status != nominate.Submitted || re.ReturnReason != "" {
			t.Fatalf("resubmitted %+v %v", re, err)
		}
		list, err := f.s.List(ctx, office, nominate.Filter{CampaignID: f.campaign, Status: nominate.Submitted})
		if err != nil || len(list) != 1 {
			t.Fatalf("list %d %v", len(list), err)
		}
		_, err = f.s.List(ctx, office, nominate.Filter{Status: "bogus"})
		wantCode(t, err, apperr.Invalid)
	})
}
