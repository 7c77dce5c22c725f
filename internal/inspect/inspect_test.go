package inspect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	cs       *campaign.Service
	s        *inspect.Service
	units    map[string]int64
	campaign int64
	now      time.Time
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, units: map[string]int64{}}
	f.now = time.Date(2026, 6, 25, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return f.now }
	f.cs = &campaign.Service{DB: d, Kinds: inspect.Kinds()}
	f.s = &inspect.Service{DB: d, Campaign: f.cs}
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		if _, dup := f.units[u.Name]; !dup {
			f.units[u.Name] = u.ID
		}
	}
	c, err := f.cs.Create(ctx, f.as("office"), campaign.CreateInput{Year: 2026, UnitID: f.units[demo.RootName], Title: "2026年创先争优活动"})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = c.ID
	return f
}

func (f *fixture) user(username string) int64 {
	f.t.Helper()
	var id int64
	if err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	}); err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	return id
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	a, err := f.org.Actor(ctx, f.user(username))
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func leader(name string) string { return account.Pinyin(name) }

// inspection sets up the late-June inspection of every branch by 丁石春
// (a member of 机关支部) and 董艳德 (a member of 市动物卫生监督所).
func (f *fixture) inspection() inspect.Inspection {
	f.t.Helper()
	in, err := f.s.Create(ctx, f.as("office"), inspect.CreateInput{CampaignID: f.campaign, Title: "2026年6月创先争优活动督查", HeldOn: civil.Date{Y: 2026, M: 6, D: 25},
		Team: []int64{f.user(leader("丁石春")), f.user(leader("董艳德"))}, FreeItems: []string{"公开栏是否及时更新"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return in
}

func allOK(in inspect.Inspection) []inspect.MarkInput {
	var out []inspect.MarkInput
	for _, it := range in.Items {
		out = append(out, inspect.MarkInput{ItemID: it.ID, Verdict: inspect.Meets})
	}
	return out
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// gridItem returns the grid's item of kind for the unit's row.
func (f *fixture) gridItem(unit, kind string) campaign.Item {
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

func TestInspectionFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.inspection()
		if len(in.Units) != len(demo.Branches) || len(in.Team) != 2 {
			t.Fatalf("units %d team %d", len(in.Units), len(in.Team))
		}
		if in.PhaseSeq != 2 || len(in.Items) < 5 || in.Items[len(in.Items)-1].Title != "公开栏是否及时更新" {
			t.Fatalf("checklist: phase %d, %d items", in.PhaseSeq, len(in.Items))
		}
		if f.gridItem(demo.LateBranch, inspect.KindInspection).Status.Complete() {
			t.Fatal("inspection action done before any finding")
		}
		marks := allOK(in)
		marks[0].Verdict, marks[0].Note = inspect.Fails, "承诺未公开"
		fd, err := f.s.Record(ctx, f.as(leader("丁石春")), in.ID, inspect.FindingsInput{UnitID: f.units[demo.LateBranch], Summary: "进度滞后", Marks: marks,
			Problems: []inspect.ProblemInput{
				{Problem: "党员承诺未在公开栏公布", Measure: "七月上旬前公布", Deadline: civil.Date{Y: 2026, M: 7, D: 10}},
				{Problem: "践诺计划不具体", Deadline: civil.Date{Y: 2026, M: 7, D: 20}},
				{Problem: "会议记录不规范"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		if len(fd.Problems) != 3 || fd.Problems[0].RectificationID == 0 || fd.Problems[2].RectificationID != 0 || fd.Problems[0].Status != rectify.Open {
			t.Fatalf("problems %+v", fd.Problems)
		}
		var entries []rectify.Entry
		_ = d.View(ctx, func(tx *db.Tx) error {
			entries, err = rectify.OfUnit(ctx, tx, f.campaign, f.units[demo.LateBranch])
			return err
		})
		if len(entries) != 2 || entries[0].Source != rectify.FromInspection || entries[0].SourceRef != fd.ID || entries[0].RaisedByUnitID != f.units[demo.RootName] {
			t.Fatalf("ledger %+v", entries)
		}
		if it := f.gridItem(demo.LateBranch, inspect.KindInspection); !it.Status.Complete() || it.Done != it.Total {
			t.Fatalf("liaison action for the branch: %+v", it)
		}
		// 机关支部: four liaison leaders, on the branch and on its three groups.
		if _, err := f.s.Record(ctx, f.as(leader("董艳德")), in.ID, inspect.FindingsInput{UnitID: f.units["机关支部"], Good: "学习制度健全", Marks: allOK(in)}); err != nil {
			t.Fatal(err)
		}
		if it := f.gridItem("机关支部", inspect.KindInspection); it.Total != 4 || it.Done != 4 {
			t.Fatalf("机关支部 liaison action: %d/%d", it.Done, it.Total)
		}
		// Recorded once.
		if _, err := f.s.Record(ctx, f.as(leader("董艳德")), in.ID, inspect.FindingsInput{UnitID: f.units["机关支部"], Marks: allOK(in)}); code(err) != apperr.Conflict {
			t.Fatalf("twice: %v", err)
		}
		// The folder's section.
		var secs []campaign.FolderSection
		_ = d.View(ctx, func(tx *db.Tx) error {
			secs, err = inspect.Folder{}.Folder(ctx, tx, f.campaign, f.units[demo.LateBranch], 1)
			return err
		})
		if err != nil || len(secs) != 1 || len(secs[0].Items) != 4 || secs[0].Items[1].Status != "待整改" || secs[0].Items[3].Status != "未列入台账" {
			t.Fatalf("folder %v %+v", err, secs)
		}

		// The bulletin: assembled, published publicly, sent upward, acknowledged.
		office := f.as("office")
		b, err := f.s.CreateBulletin(ctx, office, inspect.BulletinInput{InspectionID: in.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"一、总体情况", "学习制度健全", demo.LateBranch, "党员承诺未在公开栏公布", "2026年7月10日", "四、下一步要求"} {
			if !strings.Contains(b.Body, want) {
				t.Errorf("draft lacks %q:\n%s", want, b.Body)
			}
		}
		if !b.May.Edit || !b.May.Publish {
			t.Fatalf("office may %+v", b.May)
		}
		if b, err = f.s.UpdateBulletin(ctx, office, b.ID, b.Title, b.Body+"\n（已审定）", b.Version); err != nil {
			t.Fatal(err)
		}
		if f.gridItem(demo.RootName, inspect.KindBulletin).Status.Complete() {
			t.Fatal("bulletin action done before publishing")
		}
		if b, err = f.s.Publish(ctx, office, b.ID, inspect.PublishInput{Visibility: inspect.Public, SendUpward: true}); err != nil {
			t.Fatal(err)
		}
		if b.Status != inspect.Published || b.ReportID == 0 || b.May.Edit || b.May.Send {
			t.Fatalf("published %+v", b)
		}
		if !f.gridItem(demo.RootName, inspect.KindBulletin).Status.Complete() {
			t.Fatal("bulletin action not done")
		}
		r, err := f.cs.Acknowledge(ctx, f.as("city"), b.ReportID, "已阅")
		if err != nil || r.Status != campaign.ReportAcknowledged || !strings.Contains(r.Body, "党员承诺未在公开栏公布") {
			t.Fatalf("ack %v %+v", err, r)
		}
		if _, err := f.s.UpdateBulletin(ctx, office, b.ID, "x", "y", 0); code(err) != apperr.Conflict {
			t.Fatalf("edit after publish: %v", err)
		}
		if _, err := f.s.Publish(ctx, office, b.ID, inspect.PublishInput{Visibility: inspect.Public}); code(err) != apperr.Conflict {
			t.Fatalf("publish twice: %v", err)
		}
		// An internal one stays off the public page.
		b2, err := f.s.CreateBulletin(ctx, office, inspect.BulletinInput{CampaignID: f.campaign, Title: "内部通报", Body: "仅限内部"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Publish(ctx, office, b2.ID, inspect.PublishInput{Visibility: inspect.Internal}); err != nil {
			t.Fatal(err)
		}
		_, pub, err := f.s.PublicBulletins(ctx, f.units[demo.RootName])
		if err != nil || len(pub) != 1 || pub[0].ID != b.ID {
			t.Fatalf("public %v %+v", err, pub)
		}
		// A secretary reads published bulletins (the internal one too) but no draft.
		b3, _ := f.s.CreateBulletin(ctx, office, inspect.BulletinInput{CampaignID: f.campaign, Title: "草稿", Body: "草稿"})
		list, err := f.s.Bulletins(ctx, f.as("sgmydzb"), 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("secretary's list %v %d", err, len(list))
		}
		if _, err := f.s.Bulletin(ctx, f.as("sgmydzb"), b3.ID); code(err) != apperr.Forbidden {
			t.Fatalf("secretary reads a draft: %v", err)
		}
	})
}

func TestInspectionPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Only the office sets up; only leaders and liaison leaders are on the team.
		bad := inspect.CreateInput{CampaignID: f.campaign, Title: "督查", HeldOn: civil.Date{Y: 2026, M: 6, D: 25}, Team: []int64{f.user(leader("丁石春"))}}
		if _, err := f.s.Create(ctx, f.as("sgmydzb"), bad); code(err) != apperr.Forbidden {
			t.Fatalf("secretary sets up: %v", err)
		}
		if _, err := f.s.Create(ctx, f.as(leader("丁石春")), bad); code(err) != apperr.Forbidden {
			t.Fatalf("leader sets up: %v", err)
		}
		bad.Team = []int64{f.user("sgmydzb")}
		if _, err := f.s.Create(ctx, f.as("office"), bad); code(err) != apperr.Invalid {
			t.Fatalf("secretary on the team: %v", err)
		}
		bad.Team, bad.Units = []int64{f.user(leader("丁石春"))}, []int64{f.units["第一党小组"]}
		if _, err := f.s.Create(ctx, f.as("office"), bad); code(err) != apperr.Invalid {
			t.Fatalf("a group inspected: %v", err)
		}
		in := f.inspection()
		unit := func(n string) int64 { return f.units[n] }
		cases := []struct {
			name, who, unit string
			want            apperr.Code
		}{
			{"own branch (机关支部 member)", leader("丁石春"), "机关支部", apperr.Forbidden},
			{"own branch (卫监所 member)", leader("董艳德"), "市动物卫生监督所", apperr.Forbidden},
			{"not on the team (leader)", leader("唐铁城"), "市渔场", apperr.Forbidden},
			{"not on the team (secretary)", "scyc", "市渔场", apperr.Forbidden},
			{"not on the team (office)", "office", "市渔场", apperr.Forbidden},
			{"a unit not inspected", leader("丁石春"), "第一党小组", apperr.Invalid},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.Record(ctx, f.as(c.who), in.ID, inspect.FindingsInput{UnitID: unit(c.unit), Marks: allOK(in)})
				if code(err) != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
			})
		}
		// The reader's verdicts: the team member may record other branches, not their own.
		got, err := f.s.Get(ctx, f.as(leader("丁石春")), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got.Units {
			if r.MayRecord == (r.UnitName == "机关支部") {
				t.Errorf("%s: may record %v", r.UnitName, r.MayRecord)
			}
		}
		// A failing finding leaves nothing half-written: the first problem's
		// ledger entry is rolled back with the rest.
		long := strings.Repeat("问", rectify.MaxProblem+1)
		_, err = f.s.Record(ctx, f.as(leader("丁石春")), in.ID, inspect.FindingsInput{UnitID: unit(demo.LateBranch), Summary: "x", Marks: allOK(in),
			Problems: []inspect.ProblemInput{{Problem: "第一个问题", Deadline: civil.Date{Y: 2026, M: 7, D: 10}}, {Problem: long, Deadline: civil.Date{Y: 2026, M: 7, D: 10}}}})
		if code(err) != apperr.Invalid {
			t.Fatalf("long problem: %v", err)
		}
		for q, n := range map[string]int{
			`SELECT COUNT(*) FROM inspection_findings`: 0, `SELECT COUNT(*) FROM inspection_marks`: 0, `SELECT COUNT(*) FROM inspection_problems`: 0,
			`SELECT COUNT(*) FROM rectifications`: 0, `SELECT COUNT(*) FROM campaign_signals WHERE kind = 'review.inspection'`: 0,
		} {
			if got := f.count(q); got != n {
				t.Errorf("%s = %d after a failed finding", q, got)
			}
		}
		// Missing verdicts are refused.
		if _, err := f.s.Record(ctx, f.as(leader("丁石春")), in.ID, inspect.FindingsInput{UnitID: unit(demo.LateBranch), Marks: allOK(in)[1:]}); code(err) != apperr.Invalid {
			t.Fatalf("missing verdict: %v", err)
		}
		// Reading: a branch's secretary reads its own findings only; a plain member nothing.
		if _, err := f.s.Record(ctx, f.as(leader("丁石春")), in.ID, inspect.FindingsInput{UnitID: unit(demo.LateBranch), Marks: allOK(in)}); err != nil {
			t.Fatal(err)
		}
		sec, err := f.s.Get(ctx, f.as("sgmydzb"), in.ID)
		if err != nil || len(sec.Units) != 1 || sec.Units[0].Finding == nil || sec.May.All || sec.May.Record || sec.May.Bulletin {
			t.Fatalf("secretary's view %v %+v", err, sec)
		}
		list, err := f.s.List(ctx, f.as("scyc"), 0)
		if err != nil || len(list) != 1 || len(list[0].Units) != 1 || list[0].Units[0].UnitName != "市渔场" {
			t.Fatalf("another secretary's list %v %+v", err, list)
		}
		var plain string
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id WHERE m.unit_id = ? AND us.username <> 'scyc' ORDER BY m.id DESC LIMIT 1`, unit("市渔场")).Scan(&plain)
		})
		if _, err := f.s.Get(ctx, f.as(plain), in.ID); code(err) != apperr.Forbidden {
			t.Fatalf("plain member reads: %v", err)
		}
		lead, err := f.s.Get(ctx, f.as(leader("唐铁城")), in.ID)
		if err != nil || !lead.May.All || lead.May.Record || len(lead.Units) != len(demo.Branches) {
			t.Fatalf("leader's view %v %+v", err, lead.May)
		}
		// Bulletins: only the office.
		if _, err := f.s.CreateBulletin(ctx, f.as(leader("唐铁城")), inspect.BulletinInput{InspectionID: in.ID}); code(err) != apperr.Forbidden {
			t.Fatalf("leader drafts a bulletin: %v", err)
		}
		b, err := f.s.CreateBulletin(ctx, f.as("office"), inspect.BulletinInput{InspectionID: in.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Publish(ctx, f.as("sgmydzb"), b.ID, inspect.PublishInput{Visibility: inspect.Public}); code(err) != apperr.Forbidden {
			t.Fatalf("secretary publishes: %v", err)
		}
		if _, err := f.s.Publish(ctx, f.as("office"), b.ID, inspect.PublishInput{Visibility: "everyone"}); code(err) != apperr.Invalid {
			t.Fatalf("bad visibility: %v", err)
		}
	})
}
