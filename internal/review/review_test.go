package review_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
	"chuangzheng/internal/review"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	s        *review.Service
	cs       *campaign.Service
	units    map[string]int64
	now      time.Time
	campaign int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, units: map[string]int64{}}
	f.s = &review.Service{DB: d, Folders: []campaign.FolderSource{commitment.Folder{}}}
	f.cs = &campaign.Service{DB: d, Kinds: review.Kinds()}
	f.now = time.Date(2026, 7, 3, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return f.now }
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		if _, ok := f.units[u.Name]; !ok {
			f.units[u.Name] = u.ID
		}
	}
	office := f.as("office")
	c, err := f.cs.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = c.ID
	return f
}

func (f *fixture) actorOf(q string, arg any) *org.Actor {
	f.t.Helper()
	var id int64
	if err := f.d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, q, arg).Scan(&id) }); err != nil {
		f.t.Fatalf("user %v: %v", arg, err)
	}
	a, err := f.org.Actor(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	return f.actorOf(`SELECT id FROM users WHERE username = ?`, username)
}

// leader is the account of a leader (or any member) by name.
func (f *fixture) leader(name string) *org.Actor {
	f.t.Helper()
	return f.actorOf(`SELECT us.id FROM users us JOIN members m ON m.id = us.member_id WHERE m.name = ? ORDER BY us.id LIMIT 1`, name)
}

// memberOf is a plain member of a unit (no post), and their account.
func (f *fixture) memberOf(unit string) (int64, *org.Actor) {
	f.t.Helper()
	var mid, uid int64
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT m.id, us.id FROM members m JOIN users us ON us.member_id = m.id
			WHERE m.unit_id = ? AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = us.id AND g.role <> 'member') ORDER BY m.id LIMIT 1`, f.units[unit]).Scan(&mid, &uid)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := f.org.Actor(ctx, uid)
	if err != nil {
		f.t.Fatal(err)
	}
	return mid, a
}

func (f *fixture) input(unit string) review.Input {
	return review.Input{CampaignID: f.campaign, Round: 1, UnitID: f.units[unit], Method: review.AtMeeting,
		Achievements: "承诺公开及时，践诺扎实。", Direction: "抓好整改落实。", Rating: "较好",
		Problems: []review.ProblemInput{{Text: "党员践诺进展记录不及时"}, {Text: "支部学习制度落实不够", Raise: true, Measure: "每月集中学习一次", Deadline: "2026-08-31"}}}
}

// cell returns the grid item of kind for a unit's row.
func (f *fixture) cell(unit, kind string) campaign.Item {
	f.t.Helper()
	g, err := f.cs.Grid(ctx, f.as("office"), f.campaign, campaign.GridFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range g.Rows {
		if r.Unit.ID != f.units[unit] {
			continue
		}
		for _, c := range r.Cells {
			for _, it := range c.Items {
				if it.Action.Kind == kind {
					return it
				}
			}
		}
	}
	f.t.Fatalf("no %s item for %s", kind, unit)
	return campaign.Item{}
}

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

// One round for the lagging branch: the liaison leader sees it in the
// queue, reviews it (a problem into the ledger), the secretary records the
// statement; both grid cells complete.
func TestReviewRoundCompletesGrid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		wu := f.leader("吴飞鹏")
		q, err := f.s.Queue(ctx, wu, f.campaign, 0)
		if err != nil || q.Round.Seq != 1 || len(q.Units) != 1 || q.Units[0].Unit.ID != f.units["市果木园党支部"] || q.Units[0].Done || q.Units[0].Source != "liaison" {
			t.Fatalf("queue %+v %v", q.Units, err)
		}
		if it := f.cell("市果木园党支部", review.KindLeader); it.Status.Complete() {
			t.Fatal("complete before the review")
		}
		folder, err := f.s.Folder(ctx, wu, f.campaign, 1, f.units["市果木园党支部"])
		if err != nil || !folder.CanReview || folder.Late || len(folder.Sections) < 2 {
			t.Fatalf("folder %+v %v", folder, err)
		}
		r, err := f.s.Create(ctx, wu, f.input("市果木园党支部"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Late || len(r.Problems) != 2 || r.Problems[0].RectificationID != 0 || r.Problems[1].RectificationID == 0 || r.ReviewerName != "吴飞鹏" {
			t.Fatalf("review %+v", r)
		}
		if len(r.Entries) != 1 || r.Entries[0].Source != rectify.FromReview || r.Entries[0].UnitID != f.units["市果木园党支部"] || r.Entries[0].Measure != "每月集中学习一次" {
			t.Fatalf("entries %+v", r.Entries)
		}
		if it := f.cell("市果木园党支部", review.KindLeader); !it.Status.Complete() || it.Status == campaign.StatusDoneLate {
			t.Fatalf("leader cell %+v", it)
		}
		q, _ = f.s.Queue(ctx, wu, f.campaign, 1)
		if !q.Units[0].Done || q.Units[0].ReviewID != r.ID {
			t.Fatalf("queue after %+v", q.Units)
		}
		if r.May.State {
			t.Fatal("the reviewer records no statement")
		}
		sec := f.as("sgmydzb")
		got, err := f.s.Get(ctx, sec, r.ID)
		if err != nil || !got.May.State {
			t.Fatalf("secretary reads %+v %v", got.May, err)
		}
		if _, err := f.s.AddStatement(ctx, sec, r.ID, review.StatementInput{SpeakerRole: review.SpeakerHead, SpeakerName: "支部书记", Text: ""}); code(err) != apperr.Invalid {
			t.Fatalf("empty statement: %v", err)
		}
		if _, err := f.s.AddStatement(ctx, wu, r.ID, review.StatementInput{SpeakerName: "某人", Text: "整改"}); code(err) != apperr.Forbidden {
			t.Fatalf("reviewer records a statement: %v", err)
		}
		if it := f.cell("市果木园党支部", review.KindStatement); it.Status.Complete() {
			t.Fatal("statement complete before")
		}
		st, err := f.s.AddStatement(ctx, sec, r.ID, review.StatementInput{SpeakerRole: review.SpeakerHead, SpeakerName: "支部书记", Text: "认领问题，八月底前整改到位。"})
		if err != nil || st.ID == 0 {
			t.Fatal(err)
		}
		if it := f.cell("市果木园党支部", review.KindStatement); !it.Status.Complete() {
			t.Fatalf("statement cell %+v", it)
		}
		got, _ = f.s.Get(ctx, sec, r.ID)
		if len(got.Statements) != 1 || got.Statements[0].Text != "认领问题，八月底前整改到位。" {
			t.Fatalf("statements %+v", got.Statements)
		}
	})
}

// Own branch and self: refused; the office reassigns, with history kept.
func TestOwnBranchAndReassignment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tang := f.leader("唐铁城") // liaison of 机关支部, a member of its 第一党小组
		if _, err := f.s.Create(ctx, tang, f.input("机关支部")); code(err) != apperr.Forbidden {
			t.Fatalf("own branch: %v", err)
		}
		folder, err := f.s.Folder(ctx, tang, f.campaign, 1, f.units["机关支部"])
		if err != nil || folder.CanReview || folder.Refusal == "" {
			t.Fatalf("folder of own branch %+v %v", folder, err)
		}
		q, _ := f.s.Queue(ctx, tang, f.campaign, 1)
		if len(q.Units) != 1 || !q.Units[0].Own {
			t.Fatalf("own flagged %+v", q.Units)
		}
		todos := func(a *org.Actor) int {
			t.Helper()
			var n int
			if err := d.View(ctx, func(tx *db.Tx) error {
				ts, err := review.Todos{}.Todos(ctx, tx, a.UserID, nil)
				n = len(ts)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := todos(tang); n != 0 {
			t.Fatalf("a to-do for one's own branch: %d", n)
		}
		dong := f.leader("董艳德")
		office := f.as("office")
		if _, err := f.s.Create(ctx, dong, f.input("机关支部")); code(err) != apperr.Forbidden {
			t.Fatalf("not the reviewer: %v", err)
		}
		var tangMember, dongMember int64 = tang.MemberID, dong.MemberID
		if _, err := f.s.Reassign(ctx, office, review.ReassignInput{CampaignID: f.campaign, Round: 1, UnitID: f.units["机关支部"], ReviewerMemberID: tangMember}); code(err) != apperr.Invalid {
			t.Fatalf("reassign to own branch: %v", err)
		}
		if _, err := f.s.Reassign(ctx, f.as("jgzb"), review.ReassignInput{CampaignID: f.campaign, Round: 1, UnitID: f.units["机关支部"], ReviewerMemberID: dongMember}); code(err) != apperr.Forbidden {
			t.Fatalf("a secretary reassigns: %v", err)
		}
		rs, err := f.s.Reassign(ctx, office, review.ReassignInput{CampaignID: f.campaign, Round: 1, UnitID: f.units["机关支部"], ReviewerMemberID: dongMember, Note: "回避本支部"})
		if err != nil || len(rs) != 1 || rs[0].MemberID != dongMember || rs[0].Source != "assigned" {
			t.Fatalf("reassigned %+v %v", rs, err)
		}
		q, _ = f.s.Queue(ctx, tang, f.campaign, 1)
		if len(q.Units) != 0 {
			t.Fatalf("still in the old reviewer's queue %+v", q.Units)
		}
		if n := todos(dong); n != 1 {
			t.Fatalf("the reassigned reviewer's to-dos: %d", n)
		}
		r, err := f.s.Create(ctx, dong, f.input("机关支部"))
		if err != nil {
			t.Fatal(err)
		}
		// 董艳德 reviews 机关支部: its groups' liaison cells complete with it.
		if it := f.cell("机关支部", review.KindLeader); !it.Status.Complete() || it.Total < 2 {
			t.Fatalf("branch with group liaisons %+v", it)
		}
		// Round 2 keeps the default: 唐铁城 again (own).
		q, _ = f.s.Queue(ctx, tang, f.campaign, 2)
		if len(q.Units) != 1 {
			t.Fatalf("round 2 default %+v", q.Units)
		}
		// Back to the default, with the history kept.
		if rs, err = f.s.Reassign(ctx, office, review.ReassignInput{CampaignID: f.campaign, Round: 1, UnitID: f.units["机关支部"]}); err != nil || len(rs) != 1 || rs[0].MemberID != tangMember {
			t.Fatalf("back to default %+v %v", rs, err)
		}
		var n int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM review_assignments WHERE unit_id = ?`, f.units["机关支部"]).Scan(&n)
		})
		if n != 1 {
			t.Fatalf("history rows %d", n)
		}
		// The author still reads the review after the reassignment ended.
		if _, err := f.s.Get(ctx, dong, r.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// Members are reviewed by their branch, never by themselves; as a list.
func TestMemberReviews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec := f.as("scyc")
		q, err := f.s.Queue(ctx, sec, f.campaign, 1)
		if err != nil || len(q.Branches) != 1 || len(q.Branches[0].Members) == 0 {
			t.Fatalf("branch queue %+v %v", q.Branches, err)
		}
		var self int64
		for _, m := range q.Branches[0].Members {
			if m.Self {
				self = m.MemberID
			}
		}
		if self == 0 {
			t.Fatal("the secretary is a member of the branch")
		}
		if _, err := f.s.Create(ctx, sec, review.Input{CampaignID: f.campaign, Round: 1, MemberID: self, Method: review.OneToOne, Achievements: "好"}); code(err) != apperr.Forbidden {
			t.Fatalf("self review: %v", err)
		}
		mid, member := f.memberOf("市渔场")
		other := f.as("sgmydzb")
		if _, err := f.s.Create(ctx, other, review.Input{CampaignID: f.campaign, Round: 1, MemberID: mid, Method: review.OneToOne, Achievements: "好"}); code(err) != apperr.Forbidden {
			t.Fatalf("another branch reviews: %v", err)
		}
		ids, err := f.s.CreateList(ctx, sec, review.ListInput{CampaignID: f.campaign, Round: 1, BranchID: f.units["市渔场"],
			Rows: []review.MemberRow{{MemberID: mid, Text: "践诺积极", Rating: "好"}, {MemberID: self, Text: ""}}})
		if err != nil || len(ids) != 1 {
			t.Fatalf("list %v %v", ids, err)
		}
		if _, err := f.s.CreateList(ctx, sec, review.ListInput{CampaignID: f.campaign, Round: 1, BranchID: f.units["市渔场"],
			Rows: []review.MemberRow{{MemberID: mid, Text: "x", Rating: "优秀"}}}); code(err) != apperr.Invalid {
			t.Fatalf("rating off the scale: %v", err)
		}
		r, err := f.s.Get(ctx, member, ids[0])
		if err != nil || r.MemberID != mid || r.Method != review.AtMeeting {
			t.Fatalf("the member reads their review %+v %v", r, err)
		}
		_, peer := f.memberOf("市果木园党支部")
		if _, err := f.s.Get(ctx, peer, ids[0]); code(err) != apperr.Forbidden {
			t.Fatalf("another member reads: %v", err)
		}
		// A member's review records no leadership kind.
		if it := f.cell("市渔场", review.KindLeader); it.Status.Complete() {
			t.Fatal("member review completed the leader cell")
		}
	})
}

// Late reviews are kept and marked; the grid shows done late.
func TestLateReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.now = time.Date(2026, 8, 20, 10, 0, 0, 0, db.DefaultZone)
		wu := f.leader("吴飞鹏")
		q, _ := f.s.Queue(ctx, wu, f.campaign, 1)
		if len(q.Units) != 1 || !q.Units[0].Overdue {
			t.Fatalf("overdue %+v", q.Units)
		}
		in := f.input("市果木园党支部")
		in.Rating = "一般"
		r, err := f.s.Create(ctx, wu, in)
		if err != nil || !r.Late {
			t.Fatalf("late %+v %v", r, err)
		}
		if it := f.cell("市果木园党支部", review.KindLeader); it.Status != campaign.StatusDoneLate {
			t.Fatalf("cell %+v", it)
		}
	})
}

// Visibility: the reviewed unit, its members and the levels above; not
// another branch. A liaison replaced mid-year: the new one sees the folder
// and the earlier reviews.
func TestVisibilityAndNewLiaison(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		wu := f.leader("吴飞鹏")
		r, err := f.s.Create(ctx, wu, f.input("市果木园党支部"))
		if err != nil {
			t.Fatal(err)
		}
		_, own := f.memberOf("市果木园党支部")
		_, other := f.memberOf("市渔场")
		for _, c := range []struct {
			who  string
			a    *org.Actor
			want apperr.Code
		}{
			{"office", f.as("office"), ""},
			{"city", f.as("city"), ""},
			{"secretary", f.as("sgmydzb"), ""},
			{"own member", own, ""},
			{"reviewer", wu, ""},
			{"another secretary", f.as("scyc"), apperr.Forbidden},
			{"another member", other, apperr.Forbidden},
		} {
			_, err := f.s.Get(ctx, c.a, r.ID)
			if code(err) != c.want {
				t.Errorf("%s: %v", c.who, err)
			}
			list, err := f.s.List(ctx, c.a, review.Filter{CampaignID: f.campaign})
			if err != nil || (len(list) == 1) != (c.want == "") {
				t.Errorf("%s list: %d %v", c.who, len(list), err)
			}
		}
		if _, err := f.s.Folder(ctx, f.as("scyc"), f.campaign, 1, f.units["市果木园党支部"]); code(err) != apperr.Forbidden {
			t.Fatalf("another branch opens the folder: %v", err)
		}
		// Replace the liaison: 吴飞鹏's ends, 邹培云 takes the orchard.
		office := f.as("office")
		ls, err := f.org.Liaisons(ctx, office, f.units["市果木园党支部"])
		if err != nil || len(ls) != 1 {
			t.Fatalf("liaisons %+v %v", ls, err)
		}
		if err := f.org.EndLiaison(ctx, office, ls[0].ID, "2026-08-01"); err != nil {
			t.Fatal(err)
		}
		zou := f.leader("邹培云")
		if _, err := f.org.AssignLiaison(ctx, office, zou.MemberID, f.units["市果木园党支部"], "党组成员、副局长", "2026-08-01"); err != nil {
			t.Fatal(err)
		}
		zou = f.leader("邹培云")
		folder, err := f.s.Folder(ctx, zou, f.campaign, 2, f.units["市果木园党支部"])
		if err != nil || !folder.CanReview || len(folder.Earlier) != 1 || folder.Earlier[0].ID != r.ID {
			t.Fatalf("new liaison's folder %+v %v", folder, err)
		}
		if _, err := f.s.Get(ctx, f.leader("吴飞鹏"), r.ID); err != nil {
			t.Fatalf("the former liaison reads their review: %v", err)
		}
		if _, err := f.s.Create(ctx, f.leader("吴飞鹏"), review.Input{CampaignID: f.campaign, Round: 2, UnitID: f.units["市果木园党支部"], Method: review.OnSite, Achievements: "x"}); code(err) != apperr.Forbidden {
			t.Fatalf("the former liaison reviews round 2: %v", err)
		}
	})
}

// The office configures rounds: a head reviews every branch; a round with
// reviews cannot be removed; the scale changes what ratings are accepted.
func TestConfigureRounds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office := f.as("office")
		dong := f.leader("董艳德")
		cfg := review.Config{Rounds: []review.RoundInput{{Seq: 1, PhaseSeq: 4, Mode: review.ByHead, HeadMemberID: dong.MemberID}, {Seq: 2, PhaseSeq: 5}},
			Scale: []string{"优秀", "合格", "不合格"}}
		if _, err := f.s.Configure(ctx, f.as("scyc"), f.campaign, cfg); code(err) != apperr.Forbidden {
			t.Fatalf("a secretary configures: %v", err)
		}
		st, err := f.s.Configure(ctx, office, f.campaign, cfg)
		if err != nil || len(st.Rounds) != 2 || st.Rounds[0].Mode != review.ByHead || st.Scale[0] != "优秀" {
			t.Fatalf("configured %+v %v", st, err)
		}
		q, err := f.s.Queue(ctx, dong, f.campaign, 1)
		if err != nil || len(q.Units) != 6 {
			t.Fatalf("head's queue %d %v", len(q.Units), err)
		}
		in := f.input("市渔场")
		if _, err := f.s.Create(ctx, dong, in); code(err) != apperr.Invalid {
			t.Fatalf("old scale: %v", err)
		}
		in.Rating = "优秀"
		if _, err := f.s.Create(ctx, dong, in); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Configure(ctx, office, f.campaign, review.Config{Rounds: []review.RoundInput{{Seq: 2, PhaseSeq: 5}}}); code(err) != apperr.Conflict {
			t.Fatalf("removing a round with reviews: %v", err)
		}
		if _, err := f.s.Configure(ctx, office, f.campaign, review.Config{Rounds: []review.RoundInput{{Seq: 1, PhaseSeq: 9}}}); code(err) != apperr.Invalid {
			t.Fatalf("unknown phase: %v", err)
		}
		in.Round = 3
		if _, err := f.s.Create(ctx, dong, in); code(err) != apperr.Invalid {
			t.Fatalf("removed round 3: %v", err)
		}
	})
}

// Field validation: a raised problem needs a deadline; method and text required.
func TestReviewValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		wu := f.leader("吴飞鹏")
		for name, mod := range map[string]func(*review.Input){
			"no method":         func(in *review.Input) { in.Method = "" },
			"no achievements":   func(in *review.Input) { in.Achievements = " " },
			"raise no deadline": func(in *review.Input) { in.Problems[1].Deadline = "" },
			"bad rating":        func(in *review.Input) { in.Rating = "优" },
		} {
			in := f.input("市果木园党支部")
			mod(&in)
			if _, err := f.s.Create(ctx, wu, in); code(err) != apperr.Invalid {
				t.Errorf("%s: %v", name, err)
			}
		}
		var n int
		_ = d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM rectifications`).Scan(&n) })
		if n != 0 {
			t.Fatalf("refused reviews left %d ledger entries", n)
		}
	})
}
