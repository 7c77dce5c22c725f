package duty_test

import (
	"context"
	"strconv"
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
	"chuangzheng/internal/duty"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	s        *duty.Service
	m        *meeting.Service
	units    map[string]int64
	now      time.Time
	campaign int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, m: &meeting.Service{DB: d}, units: map[string]int64{}}
	f.s = &duty.Service{DB: d, Notice: &notice.Service{DB: d}}
	f.now = time.Date(2026, 6, 2, 9, 30, 0, 0, db.DefaultZone)
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

// memberWhere returns the id and account of the first member of unit matching cond.
func (f *fixture) memberWhere(unit, cond string) (int64, string) {
	f.t.Helper()
	var id int64
	var user string
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT m.id, us.username FROM members m `+org.JoinUnit("u", "m.unit_id")+` JOIN users us ON us.member_id = m.id
			WHERE u.name = ? AND `+cond+` ORDER BY m.id LIMIT 1`, unit).Scan(&id, &user)
	})
	if err != nil {
		f.t.Fatalf("member of %s where %s: %v", unit, cond, err)
	}
	return id, user
}

func (f *fixture) signals(unit int64) int {
	f.t.Helper()
	var n int
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = ? AND unit_id = ?`, campaign.KindDutiesConfirmed, unit).Scan(&n)
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

func TestFourStepAndOneStep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		farm := f.units["市渔场"]
		sec, other, office := f.as("scyc"), f.as("sskszb"), f.as("office")
		noPost, user := f.memberWhere("市渔场", "m.no_post = TRUE AND m.retired = FALSE")
		me := f.as(user)

		// (1) Voluntary declaration by the member.
		_, err := f.s.Declare(ctx, me, duty.DeclareInput{CampaignID: f.campaign, MemberID: noPost, Text: "  "})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.Declare(ctx, me, duty.DeclareInput{CampaignID: f.campaign, MemberID: noPost, Text: strings.Repeat("职", duty.MaxText+1)})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.Declare(ctx, sec, duty.DeclareInput{CampaignID: f.campaign, MemberID: noPost, Text: "代报"})
		wantCode(t, err, apperr.Forbidden) // not an oral-commitment member
		du, err := f.s.Declare(ctx, me, duty.DeclareInput{CampaignID: f.campaign, MemberID: noPost, Text: "负责渔场水质监测岗，每周巡塘两次。"})
		if err != nil {
			t.Fatal(err)
		}
		if !du.FourStep || du.Step != duty.Declared || du.UnitID != farm || du.Recorded {
			t.Fatalf("declared %+v", du)
		}

		// (3) before (2): refused with the plan's order.
		_, err = f.s.Confirm(ctx, sec, du.ID)
		wantCode(t, err, apperr.Invalid)
		if !strings.Contains(apperr.As(err).Msg, "确认前须先经党员讨论") {
			t.Fatalf("message %q", apperr.As(err).Msg)
		}

		// (2) Discussion at a branch meeting.
		mt, err := f.m.Create(ctx, sec, meeting.Input{UnitID: farm, Type: meeting.Assembly, Title: "支部党员大会：讨论无职党员设岗定责", Date: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		otherMt, err := f.m.Create(ctx, other, meeting.Input{UnitID: other.Grants[0].UnitID, Type: meeting.Assembly, Title: "别的支部", Date: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Discuss(ctx, other, du.ID, otherMt.ID, "")
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.Discuss(ctx, sec, du.ID, otherMt.ID, "")
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.Discuss(ctx, me, du.ID, mt.ID, "")
		wantCode(t, err, apperr.Forbidden)
		du, err = f.s.Discuss(ctx, sec, du.ID, mt.ID, "全体党员一致同意。")
		if err != nil || du.Step != duty.Discussed || du.MeetingID != mt.ID || du.MeetingTitle == "" {
			t.Fatalf("discussed %+v %v", du, err)
		}
		_, err = f.s.StartNotice(ctx, sec, du.ID, 5)
		wantCode(t, err, apperr.Invalid) // not confirmed yet

		// (3) Confirmation by the branch, not another branch.
		_, err = f.s.Confirm(ctx, other, du.ID)
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.Confirm(ctx, me, du.ID)
		wantCode(t, err, apperr.Forbidden)
		du, err = f.s.Confirm(ctx, sec, du.ID)
		if err != nil || du.Step != duty.Confirmed || du.ConfirmedBy != "scyc" {
			t.Fatalf("confirmed %+v %v", du, err)
		}
		_, err = f.s.Declare(ctx, me, duty.DeclareInput{CampaignID: f.campaign, MemberID: noPost, Text: "改一下"})
		wantCode(t, err, apperr.Conflict)

		// (4) The public notice.
		_, err = f.s.StartNotice(ctx, other, du.ID, 5)
		wantCode(t, err, apperr.Forbidden)
		du, err = f.s.StartNotice(ctx, sec, du.ID, 0)
		if err != nil || du.Step != duty.Noticing || du.Notice == nil || du.Notice.Days != notice.DefaultDays {
			t.Fatalf("notice %+v %v", du, err)
		}
		n, err := f.s.Notice.Get(ctx, du.NoticeID)
		if err != nil || n.SubjectKind != "duty" || n.SubjectID != du.ID || n.UnitID != farm || !strings.Contains(n.Body, "负责渔场水质监测岗") {
			t.Fatalf("posted notice %+v %v", n, err)
		}
		_, err = f.s.StartNotice(ctx, sec, du.ID, 5)
		wantCode(t, err, apperr.Conflict)
		if _, err := f.s.Notice.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "该同志常不在岗"}, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}

		// The notice closes by the clock alone.
		f.now = n.ClosesAt.Add(time.Minute)
		du, err = f.s.Get(ctx, me, du.ID)
		if err != nil || du.Step != duty.Done || du.Step.Label("zh", du.FourStep) != "已公示" {
			t.Fatalf("after the window %+v %v", du, err)
		}

		// One step for a member with a post: declared by themselves, confirmed by the secretary.
		withPost, user2 := f.memberWhere("市渔场", "m.no_post = FALSE AND m.retired = FALSE")
		d2, err := f.s.Declare(ctx, f.as(user2), duty.DeclareInput{CampaignID: f.campaign, MemberID: withPost, Text: "做好本职工作，带头遵守制度。"})
		if err != nil || d2.FourStep {
			t.Fatalf("one-step %+v %v", d2, err)
		}
		_, err = f.s.Discuss(ctx, sec, d2.ID, mt.ID, "")
		wantCode(t, err, apperr.Invalid)
		d2, err = f.s.Confirm(ctx, sec, d2.ID)
		if err != nil || d2.Step != duty.Done || d2.Step.Label("zh", false) != "已确认" {
			t.Fatalf("one-step confirmed %+v %v", d2, err)
		}
		_, err = f.s.StartNotice(ctx, sec, d2.ID, 5)
		wantCode(t, err, apperr.Invalid)

		// The branch's own duties: stated by the secretary, confirmed by the office.
		bd, err := f.s.Declare(ctx, sec, duty.DeclareInput{CampaignID: f.campaign, UnitID: farm, Text: "抓好渔场党建，完成养殖任务。"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Declare(ctx, other, duty.DeclareInput{CampaignID: f.campaign, UnitID: farm, Text: "x"})
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.Confirm(ctx, sec, bd.ID)
		wantCode(t, err, apperr.Forbidden)
		if _, err := f.s.Confirm(ctx, office, bd.ID); err != nil {
			t.Fatal(err)
		}

		// The list: the branch first, then each member with their step; members of the branch may read it.
		list, err := f.s.ListForBranch(ctx, me, f.campaign, farm)
		if err != nil || list.Rows[0].Name != "市渔场" || list.Rows[0].Step != duty.Done || list.DoneCount != 3 || list.CanManage {
			t.Fatalf("list %+v %v", list, err)
		}
		var mine int
		for _, r := range list.Rows {
			if r.Mine {
				mine++
				if r.MemberID != noPost || r.Step != duty.Done || !r.FourStep {
					t.Fatalf("my row %+v", r)
				}
			}
		}
		if mine != 1 {
			t.Fatalf("%d own rows", mine)
		}
		_, err = f.s.ListForBranch(ctx, other, f.campaign, farm)
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.Get(ctx, other, du.ID)
		wantCode(t, err, apperr.Forbidden)
		if f.signals(farm) != 0 {
			t.Fatal("signal recorded before every member is done")
		}

		if n, problems, err := audit.Verify(ctx, d); err != nil || len(problems) != 0 || n == 0 {
			t.Fatalf("audit chain: %d %v %v", n, problems, err)
		}
		var entries []audit.Entry
		_ = d.View(ctx, func(tx *db.Tx) error {
			entries, err = audit.List(ctx, tx, "duty", du.ID, 10)
			return err
		})
		if len(entries) != 4 {
			t.Fatalf("%d audit entries for the four steps", len(entries))
		}
	})
}

func TestBranchSignal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office := f.as("office")
		b, err := f.org.CreateUnit(ctx, office, org.UnitInput{ParentID: office.Grants[0].UnitID, Name: "试点支部", Type: org.Branch})
		if err != nil {
			t.Fatal(err)
		}
		retired, err := f.org.CreateMember(ctx, office, org.Member{UnitID: b.ID, Name: "老张", Retired: true, Oral: true,
			IDNumber: idcard.Make("430202", civil.Date{Y: 1940, M: 3, D: 1}, 911)})
		if err != nil {
			t.Fatal(err)
		}
		worker, err := f.org.CreateMember(ctx, office, org.Member{UnitID: b.ID, Name: "小李", Oral: true,
			IDNumber: idcard.Make("430202", civil.Date{Y: 1990, M: 5, D: 1}, 913)})
		if err != nil {
			t.Fatal(err)
		}
		// Oral-commitment members: the office (writing over the branch) records for them.
		d1, err := f.s.Declare(ctx, office, duty.DeclareInput{CampaignID: f.campaign, MemberID: retired.ID, Text: "关心下一代，宣传党的政策。"})
		if err != nil || !d1.Recorded || !d1.FourStep {
			t.Fatalf("recorded %+v %v", d1, err)
		}
		d2, err := f.s.Declare(ctx, office, duty.DeclareInput{CampaignID: f.campaign, MemberID: worker.ID, Text: "带头完成本职工作。"})
		if err != nil {
			t.Fatal(err)
		}
		bd, err := f.s.Declare(ctx, office, duty.DeclareInput{CampaignID: f.campaign, UnitID: b.ID, Text: "建好支部。"})
		if err != nil {
			t.Fatal(err)
		}
		mt, err := f.m.Create(ctx, office, meeting.Input{UnitID: b.ID, Type: meeting.Assembly, Title: "支部党员大会", Date: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{d2.ID, bd.ID} {
			if _, err := f.s.Confirm(ctx, office, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.Discuss(ctx, office, d1.ID, mt.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Confirm(ctx, office, d1.ID); err != nil {
			t.Fatal(err)
		}
		if f.signals(b.ID) != 0 {
			t.Fatal("signal before the notice")
		}
		if _, err := f.s.StartNotice(ctx, office, d1.ID, 3); err != nil {
			t.Fatal(err)
		}
		if f.signals(b.ID) != 1 {
			t.Fatalf("signals after the last step: %d", f.signals(b.ID))
		}
		list, err := f.s.ListForBranch(ctx, office, f.campaign, b.ID)
		if err != nil || len(list.Rows) != 3 || !list.CanManage {
			t.Fatalf("list %+v %v", list, err)
		}
	})
}

// A secretary's own duties are confirmed one level up (the office), never
// by themselves: the account's linked member decides, like commitments.
func TestOwnDutiesConfirmedAbove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec, office := f.as("scyc"), f.as("office")
		if sec.MemberID == 0 {
			t.Fatal("the demo secretary is not linked to a member")
		}
		own, err := f.s.Declare(ctx, sec, duty.DeclareInput{CampaignID: f.campaign, MemberID: sec.MemberID, Text: "履行支部书记职责，抓好班子建设。"})
		if err != nil || own.Recorded {
			t.Fatalf("own declaration %+v %v", own, err)
		}
		got, err := f.s.Get(ctx, sec, own.ID)
		if err != nil || !got.CanDeclare || got.CanConfirm {
			t.Fatalf("the secretary's verdicts on their own duty %+v %v", got, err)
		}
		_, err = f.s.Confirm(ctx, sec, own.ID)
		wantCode(t, err, apperr.Forbidden)
		got, err = f.s.Get(ctx, office, own.ID)
		if err != nil || !got.CanConfirm {
			t.Fatalf("the office's verdicts %+v %v", got, err)
		}
		if _, err := f.s.Confirm(ctx, office, own.ID); err != nil {
			t.Fatal(err)
		}
		// Another member's duty stays with the secretary, and the page agrees.
		withPost, user := f.memberWhere("市渔场", "m.no_post = FALSE AND m.retired = FALSE AND m.id <> "+itoa(sec.MemberID))
		other, err := f.s.Declare(ctx, f.as(user), duty.DeclareInput{CampaignID: f.campaign, MemberID: withPost, Text: "做好本职工作。"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.Get(ctx, sec, other.ID); err != nil || !got.CanConfirm {
			t.Fatalf("the secretary on a member's duty %+v %v", got, err)
		}
		if got, err := f.s.Get(ctx, f.as(user), other.ID); err != nil || got.CanConfirm {
			t.Fatalf("a member on their own duty %+v %v", got, err)
		}
		if _, err := f.s.Confirm(ctx, sec, other.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
