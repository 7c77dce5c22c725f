package report_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/report"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	cs       *campaign.Service
	s        *report.Service
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
	f.cs = &campaign.Service{DB: d, Kinds: report.Kinds()}
	f.s = &report.Service{DB: d, Campaign: f.cs}
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
	c, err := f.cs.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"})
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

// memberWhere returns the id and account of the n-th member of unit matching cond.
func (f *fixture) memberWhere(unit, cond string, n int) (int64, string) {
	f.t.Helper()
	var id int64
	var user string
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT m.id, COALESCE(us.username, '') FROM members m `+org.JoinUnit("u", "m.unit_id")+` LEFT JOIN users us ON us.member_id = m.id
			WHERE u.name = ? AND m.status NOT IN ('已转出', '已去世') AND `+cond+` ORDER BY m.id LIMIT 1 OFFSET ?`, unit, n).Scan(&id, &user)
	})
	if err != nil {
		f.t.Fatalf("member of %s where %s: %v", unit, cond, err)
	}
	return id, user
}

func (f *fixture) setOral(member int64) {
	f.t.Helper()
	if err := f.d.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE members SET oral = TRUE WHERE id = ?`, member)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

// item is the grid item of action title for unit.
func (f *fixture) item(unit int64, title string) campaign.Item {
	f.t.Helper()
	g, err := f.cs.Grid(ctx, f.as("office"), f.campaign, campaign.GridFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range g.Rows {
		if r.Unit.ID != unit {
			continue
		}
		for _, c := range r.Cells {
			for _, it := range c.Items {
				if it.Action.Title == title {
					return it
				}
			}
		}
	}
	f.t.Fatalf("no item %q for unit %d", title, unit)
	return campaign.Item{}
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func refused(t *testing.T, err error) {
	t.Helper()
	if c := apperr.CodeOf(err); c != apperr.Forbidden && c != apperr.NotFound {
		t.Fatalf("want refused, got %v", err)
	}
}

const body = "上半年支部围绕承诺事项推进各项工作，组织学习四次，开展志愿服务两次，存在的问题是部分党员参与不够。"

func TestMemberReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		farm := f.units["市渔场"]
		sec, otherSec := f.as("scyc"), f.as("sskszb")
		mine, user := f.memberWhere("市渔场", "m.oral = FALSE AND us.username IS NOT NULL AND m.id NOT IN (SELECT member_id FROM users WHERE username = 'scyc')", 0)
		peerID, peerUser := f.memberWhere("市渔场", "m.oral = FALSE AND us.username IS NOT NULL AND m.id NOT IN (SELECT member_id FROM users WHERE username = 'scyc')", 1)
		me, peer := f.as(user), f.as(peerUser)
		title := "党员向党支部书面汇报"
		if it := f.item(farm, title); it.Done != 0 {
			t.Fatalf("before: %+v", it)
		}

		// Limits, and nobody writes for another member but the branch for an oral one.
		_, err := f.s.Create(ctx, me, report.Input{Kind: report.Member, Body: "太短"})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.Create(ctx, me, report.Input{Kind: report.Member, Body: strings.Repeat("长", report.MaxMemberBody+1)})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.Create(ctx, peer, report.Input{Kind: report.Member, MemberID: mine, Body: body})
		refused(t, err)
		_, err = f.s.Create(ctx, sec, report.Input{Kind: report.Member, MemberID: mine, Body: body})
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.Create(ctx, otherSec, report.Input{Kind: report.Member, MemberID: mine, Body: body})
		refused(t, err)

		// The member writes and sends: round 1, the grid's cell counts them.
		r, err := f.s.Create(ctx, me, report.Input{Kind: report.Member, Body: body, Send: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != report.Sent || r.Round != 1 || r.FromMemberID != mine || r.ToUnitID != farm || r.RecordedBy != "" || r.CampaignID != f.campaign {
			t.Fatalf("sent %+v", r)
		}
		if it := f.item(farm, title); it.Done != 1 {
			t.Fatalf("after: %+v", it)
		}
		// Sent twice: refused; a second one only as a supplement.
		_, err = f.s.Send(ctx, me, r.ID)
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.As(err).Msg, "不能重复报送") {
			t.Fatalf("message %q", apperr.As(err).Msg)
		}
		_, err = f.s.Create(ctx, me, report.Input{Kind: report.Member, Body: body})
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.As(err).Msg, "/reports/") {
			t.Fatalf("message %q", apperr.As(err).Msg)
		}
		sup, err := f.s.Create(ctx, me, report.Input{Kind: report.Member, Body: body + "补充：下半年计划。", Supplement: true, Send: true})
		if err != nil {
			t.Fatal(err)
		}
		if sup.SupplementOf != r.ID || !strings.HasPrefix(sup.Title, "（补充）") {
			t.Fatalf("supplement %+v", sup)
		}

		// Reading: the member, the branch; not a peer, not another branch.
		if _, err := f.s.Get(ctx, sec, r.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Get(ctx, peer, r.ID)
		refused(t, err)
		_, err = f.s.Get(ctx, otherSec, r.ID)
		refused(t, err)

		// Acknowledged by the receiving side only, once.
		_, err = f.s.Acknowledge(ctx, me, r.ID, "")
		refused(t, err)
		got, err := f.s.Get(ctx, sec, r.ID)
		if err != nil || !got.May.Acknowledge {
			t.Fatalf("secretary's verdicts %+v %v", got.May, err)
		}
		ack, err := f.s.Acknowledge(ctx, sec, r.ID, "已阅，继续保持。")
		if err != nil {
			t.Fatal(err)
		}
		if ack.Status != report.Acknowledged || ack.AckNote != "已阅，继续保持。" || ack.AckBy == "" {
			t.Fatalf("ack %+v", ack)
		}
		_, err = f.s.Acknowledge(ctx, sec, r.ID, "")
		wantCode(t, err, apperr.Conflict)

		// The secretary records for an oral member, marked.
		f.setOral(peerID)
		rec, err := f.s.Create(ctx, sec, report.Input{Kind: report.Member, MemberID: peerID, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if rec.RecordedBy == "" || rec.FromMemberID != peerID || rec.Status != report.Draft {
			t.Fatalf("recorded %+v", rec)
		}
		if _, err := f.s.Send(ctx, sec, rec.ID); err != nil {
			t.Fatal(err)
		}
		if it := f.item(farm, title); it.Done != 2 {
			t.Fatalf("after the recorded one: %+v", it)
		}

		// The secretary's to-do: reports to read; the list filters.
		var todos []campaign.Todo
		err = d.View(ctx, func(tx *db.Tx) error {
			todos, err = report.Todos{}.Todos(ctx, tx, sec.UserID, []int64{farm})
			return err
		})
		if err != nil || len(todos) != 1 || !strings.Contains(todos[0].Title, "2 份") {
			t.Fatalf("todos %+v %v", todos, err)
		}
		list, err := f.s.List(ctx, sec, report.Filter{Kind: report.Member, Status: report.Sent})
		if err != nil || len(list) != 2 { // the recorded one and the supplement
			t.Fatalf("list %+v %v", list, err)
		}
		// The folder: this round's reports with their status.
		var secs []campaign.FolderSection
		if err := d.View(ctx, func(tx *db.Tx) error {
			secs, err = report.Folder{}.Folder(ctx, tx, f.campaign, farm, 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(secs) < 2 || len(secs[1].Items) != 3 || secs[1].Items[0].Status != "已签收" {
			t.Fatalf("folder %+v", secs)
		}
	})
}

func TestUnitReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		farm, lab, bureau := f.units["市渔场"], f.units["市水科所支部"], f.units[demo.RootName]
		sec, otherSec, office := f.as("scyc"), f.as("sskszb"), f.as("office")
		title := "支部向机关党委和联点领导书面汇报"

		// A unit reports only to a unit above it, and only its managers write it.
		_, err := f.s.Create(ctx, sec, report.Input{Kind: report.Branch, UnitID: farm, ToUnitID: lab, Title: "汇报", Body: body})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.Create(ctx, otherSec, report.Input{Kind: report.Branch, UnitID: farm, Title: "汇报", Body: body})
		refused(t, err)
		_, err = f.s.Create(ctx, sec, report.Input{Kind: report.Branch, UnitID: farm, Body: body})
		wantCode(t, err, apperr.Invalid) // a title is required
		_, err = f.s.Create(ctx, sec, report.Input{Kind: "memo", UnitID: farm, Title: "汇报", Body: body})
		wantCode(t, err, apperr.Invalid)

		r, err := f.s.Create(ctx, sec, report.Input{Kind: report.Branch, UnitID: farm, Title: "市渔场党支部第一次点评前书面汇报", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if r.ToUnitID != bureau || r.Status != report.Draft || r.Round != 1 || !r.May.Send || r.May.Acknowledge {
			t.Fatalf("draft %+v %+v", r, r.May)
		}
		_, err = f.s.Get(ctx, office, r.ID) // the office reads it... as a manager of the branch
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Get(ctx, otherSec, r.ID)
		refused(t, err)
		_, err = f.s.Acknowledge(ctx, office, r.ID, "")
		wantCode(t, err, apperr.Conflict) // not sent yet
		_, err = f.s.Send(ctx, otherSec, r.ID)
		refused(t, err)
		if it := f.item(farm, title); it.Done != 0 {
			t.Fatalf("before: %+v", it)
		}
		if r, err = f.s.Send(ctx, sec, r.ID); err != nil {
			t.Fatal(err)
		}
		if it := f.item(farm, title); it.Done != 1 {
			t.Fatalf("after: %+v", it)
		}
		_, err = f.s.Send(ctx, sec, r.ID)
		wantCode(t, err, apperr.Conflict)
		_, err = f.s.Create(ctx, sec, report.Input{Kind: report.Branch, UnitID: farm, Title: "再报", Body: body})
		wantCode(t, err, apperr.Conflict)

		// The sender's liaison leader (a plain member of another branch)
		// reads it and may acknowledge it; another member may not read it.
		liaisonID, liaisonUser := f.memberWhere("市果木园党支部", "us.username IS NOT NULL AND us.username <> 'sgmydzb'", 0)
		if _, err := f.org.AssignLiaison(ctx, org.System(), liaisonID, farm, "联系人", "2026-01-05"); err != nil {
			t.Fatal(err)
		}
		liaison := f.as(liaisonUser)
		if got, err := f.s.Get(ctx, liaison, r.ID); err != nil || !got.May.Acknowledge {
			t.Fatalf("liaison leader reads %+v %v", got.May, err)
		}
		_, orchardUser := f.memberWhere("市果木园党支部", "us.username IS NOT NULL AND us.username <> 'sgmydzb'", 1)
		_, err = f.s.Get(ctx, f.as(orchardUser), r.ID)
		refused(t, err)

		// The sender cannot acknowledge its own report; the office does.
		_, err = f.s.Acknowledge(ctx, sec, r.ID, "")
		refused(t, err)
		_, err = f.s.Acknowledge(ctx, office, r.ID, strings.Repeat("注", report.MaxNote+1))
		wantCode(t, err, apperr.Invalid)
		if r, err = f.s.Acknowledge(ctx, office, r.ID, "收悉"); err != nil || r.Status != report.Acknowledged {
			t.Fatalf("ack %+v %v", r, err)
		}

		// Round 2 in September: a new report, not a duplicate.
		f.now = time.Date(2026, 9, 2, 9, 0, 0, 0, db.DefaultZone)
		r2, err := f.s.Create(ctx, sec, report.Input{Kind: report.Branch, UnitID: farm, Title: "第二次点评前书面汇报", Body: body, Send: true})
		if err != nil || r2.Round != 2 {
			t.Fatalf("round 2 %+v %v", r2, err)
		}

		// The annual summary completes phase 7's 支部年度总结.
		f.now = time.Date(2026, 12, 22, 9, 0, 0, 0, db.DefaultZone)
		if it := f.item(farm, "支部年度总结"); it.Done != 0 || !it.Automatic {
			t.Fatalf("summary before: %+v", it)
		}
		sum, err := f.s.Create(ctx, sec, report.Input{Kind: report.Summary, UnitID: farm, Title: "市渔场党支部2026年度总结", Body: body, Send: true})
		if err != nil || sum.Round != 3 {
			t.Fatalf("summary %+v %v", sum, err)
		}
		if it := f.item(farm, "支部年度总结"); it.Done != 1 {
			t.Fatalf("summary after: %+v", it)
		}

		// Experience write-ups: many, featured by the office only.
		e, err := f.s.Create(ctx, sec, report.Input{Kind: report.Experience, UnitID: farm, Title: "“池塘党课”经验", Body: body, Send: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Create(ctx, sec, report.Input{Kind: report.Experience, UnitID: farm, Title: "第二篇", Body: body}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Feature(ctx, sec, e.ID, true)
		refused(t, err)
		_, err = f.s.Feature(ctx, office, r.ID, true)
		wantCode(t, err, apperr.Invalid)
		_, list, _ := f.s.Experiences(ctx, bureau)
		if len(list) != 0 {
			t.Fatalf("public before: %+v", list)
		}
		if e, err = f.s.Feature(ctx, office, e.ID, true); err != nil || !e.Featured {
			t.Fatalf("feature %+v %v", e, err)
		}
		_, list, _ = f.s.Experiences(ctx, bureau)
		if len(list) != 1 || list[0].Unit != "市渔场" || list[0].Title != "“池塘党课”经验" {
			t.Fatalf("public %+v", list)
		}

		// The upward report still works through this service.
		up, err := f.s.Create(ctx, office, report.Input{CampaignID: f.campaign, Title: "向市委报告", Body: "报告正文"})
		if err != nil || up.Kind != report.Upward || up.Status != report.Draft {
			t.Fatalf("upward %+v %v", up, err)
		}
		if up, err = f.s.Send(ctx, office, up.ID); err != nil || up.Status != report.Sent {
			t.Fatalf("upward sent %+v %v", up, err)
		}
		all, err := f.s.List(ctx, office, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, x := range all {
			kinds[x.Kind]++
		}
		if kinds[report.Upward] != 1 || kinds[report.Branch] != 2 || kinds[report.Summary] != 1 || kinds[report.Experience] != 2 {
			t.Fatalf("kinds %v", kinds) // the office manages the branch: it sees its draft too
		}
		labList, err := f.s.List(ctx, f.as("sskszb"), report.Filter{})
		if err != nil || len(labList) != 0 {
			t.Fatalf("another branch list %+v %v", labList, err)
		}
	})
}

func TestSummaries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.now = time.Date(2026, 9, 5, 9, 0, 0, 0, db.DefaultZone)
		farm := f.units["市渔场"]
		sec := f.as("scyc")
		mine, user := f.memberWhere("市渔场", "m.oral = FALSE AND us.username IS NOT NULL AND m.id NOT IN (SELECT member_id FROM users WHERE username = 'scyc')", 0)
		oralID, _ := f.memberWhere("市渔场", "m.oral = FALSE AND us.username IS NOT NULL AND m.id NOT IN (SELECT member_id FROM users WHERE username = 'scyc')", 1)
		me := f.as(user)
		text := strings.Repeat("今年参与渔场水质监测和志愿服务，", 4)
		title := "党员写出书面活动小结并公示"

		_, err := f.s.PostSummary(ctx, me, report.SummaryInput{Text: "太短了"})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.PostSummary(ctx, me, report.SummaryInput{Text: strings.Repeat("长", report.MaxSummaryText+1)})
		wantCode(t, err, apperr.Invalid)
		_, err = f.s.PostSummary(ctx, sec, report.SummaryInput{MemberID: mine, Text: text})
		wantCode(t, err, apperr.Forbidden)
		s, err := f.s.PostSummary(ctx, me, report.SummaryInput{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if s.MemberID != mine || s.UnitID != farm || s.Recorded || !s.CanEdit {
			t.Fatalf("posted %+v", s)
		}
		if it := f.item(farm, title); it.Done != 1 {
			t.Fatalf("grid %+v", it)
		}
		s2, err := f.s.PostSummary(ctx, me, report.SummaryInput{Text: text + "改写。"})
		if err != nil || s2.ID != s.ID || s2.Version != 2 {
			t.Fatalf("rewrite %+v %v", s2, err)
		}
		f.setOral(oralID)
		rec, err := f.s.PostSummary(ctx, sec, report.SummaryInput{MemberID: oralID, Text: text})
		if err != nil || !rec.Recorded || rec.RecordedBy == "" {
			t.Fatalf("recorded %+v %v", rec, err)
		}
		b, err := f.s.Summaries(ctx, sec, 0, farm)
		if err != nil || b.Done != 2 {
			t.Fatalf("branch %+v %v", b, err)
		}
		_, err = f.s.Summaries(ctx, f.as("sskszb"), 0, farm)
		refused(t, err)

		// The public list: names and texts, nothing private.
		_, pub, err := f.s.PublicSummaries(ctx, farm)
		if err != nil || len(pub) != 2 {
			t.Fatalf("public %+v %v", pub, err)
		}
		var idNumber, phone string
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id_number, phone FROM members WHERE id = ?`, mine).Scan(&idNumber, &phone)
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range pub {
			if strings.Contains(p.Name+p.Text+p.Date, idNumber) || (phone != "" && strings.Contains(p.Name+p.Text, phone)) {
				t.Fatalf("private data on the public list: %+v", p)
			}
		}
	})
}

// TestMigrationSwitchesAnnualSummary: migration 0022's statement turns the
// 支部年度总结 of an existing campaign from a hand tick into report.summary,
// unless someone already ticked it by hand.
func TestMigrationSwitchesAnnualSummary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src, err := os.ReadFile(filepath.Join("..", "db", "migrations", string(d.Engine), "0022_reports.sql"))
		if err != nil {
			t.Fatal(err)
		}
		_, update, ok := strings.Cut(string(src), "UPDATE campaign_actions")
		if !ok {
			t.Fatal("no UPDATE in 0022")
		}
		update = "UPDATE campaign_actions " + strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(update), ";"))
		other, err := f.cs.Create(ctx, f.as("office"), campaign.CreateInput{Year: 2027, UnitID: f.units[demo.RootName], Title: "2027年创先争优活动"})
		if err != nil {
			t.Fatal(err)
		}
		kinds := func() map[int64]string {
			out := map[int64]string{}
			if err := d.View(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, `SELECT p.campaign_id, a.kind FROM campaign_actions a JOIN campaign_phases p ON p.id = a.phase_id WHERE a.title = '支部年度总结'`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var c int64
					var k string
					if err := rows.Scan(&c, &k); err != nil {
						return err
					}
					out[c] = k
				}
				return rows.Err()
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if k := kinds(); k[f.campaign] != campaign.KindReportSummary {
			t.Fatalf("new campaigns: %v", k)
		}
		// Both as before the migration; the second ticked by hand.
		if err := d.Update(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE campaign_actions SET kind = 'manual' WHERE title = '支部年度总结'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO campaign_completions (action_id, unit_id, completed_at)
				SELECT a.id, ?, ? FROM campaign_actions a JOIN campaign_phases p ON p.id = a.phase_id WHERE a.title = '支部年度总结' AND p.campaign_id = ?`,
				f.units["市渔场"], tx.NowText(), other.ID)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, update)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if k := kinds(); k[f.campaign] != campaign.KindReportSummary || k[other.ID] != campaign.ManualKind {
			t.Fatalf("after the migration: %v", k)
		}
	})
}
