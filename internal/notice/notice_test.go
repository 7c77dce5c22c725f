package notice_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/jobs"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

var ctx = context.Background()

type fixture struct {
	t     *testing.T
	d     *db.DB
	org   *org.Service
	n     *notice.Service
	units map[string]int64
	now   time.Time
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, n: &notice.Service{DB: d}, units: map[string]int64{}}
	// 10 June 2010, 09:30 in Beijing.
	f.now = time.Date(2010, 6, 10, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return f.now }
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		f.units[u.Name] = u.ID
	}
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

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func TestWindow(t *testing.T) {
	// Posted at 23:50 on 10 June Beijing time (15:50 UTC) for 5 days: open to the end of 14 June.
	opens := time.Date(2010, 6, 10, 15, 50, 0, 0, time.UTC)
	closes := notice.Window(opens.In(db.DefaultZone), 5)
	if want := time.Date(2010, 6, 15, 0, 0, 0, 0, db.DefaultZone); !closes.Equal(want) {
		t.Fatalf("closes %v, want %v", closes, want)
	}
	n := notice.Notice{Status: notice.Open, OpensAt: opens, ClosesAt: closes}
	if got := n.Period("zh"); got != "2010年6月10日至6月14日" {
		t.Errorf("period %q", got)
	}
	if got := n.Until("zh"); got != "6月14日" {
		t.Errorf("until %q", got)
	}
	if got := n.DaysLeft(opens); got != 5 {
		t.Errorf("days left on the first day %d", got)
	}
	if got := n.DaysLeft(closes.Add(-time.Minute)); got != 1 {
		t.Errorf("days left on the last day %d", got)
	}
	if n.IsOpen(closes) || !n.IsOpen(closes.Add(-time.Second)) || n.StatusAt(closes) != notice.Closed {
		t.Error("window edges")
	}
}

func TestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec := f.as("scyc") // 市渔场 secretary
		other := f.as("sskszb")
		farm := f.units["市渔场"]

		_, err := f.n.Post(ctx, sec, notice.PostInput{UnitID: farm, Title: " ", Body: "x"})
		wantCode(t, err, apperr.Invalid)
		_, err = f.n.Post(ctx, other, notice.PostInput{UnitID: farm, Title: "t", Body: "x"})
		wantCode(t, err, apperr.Forbidden)

		n, err := f.n.Post(ctx, sec, notice.PostInput{UnitID: farm, Title: "关于无职党员设岗定责的公示", Body: "王建国：水质监测岗。\n李秀英：渔业技术推广岗。", SubjectKind: "duty", SubjectID: 42})
		if err != nil {
			t.Fatal(err)
		}
		if n.Days != 5 || n.Status != notice.Open || !n.IsOpen(f.now) || n.UnitName != "市渔场" || n.SubjectKind != "duty" || n.SubjectID != 42 {
			t.Fatalf("posted %+v", n)
		}
		if want := time.Date(2010, 6, 15, 0, 0, 0, 0, db.DefaultZone); !n.ClosesAt.Equal(want) {
			t.Fatalf("closes at %v, want %v", n.ClosesAt, want)
		}

		// A named and an anonymous objection; the anonymous one keeps no name or contact.
		named, err := f.n.Object(ctx, n.ID, notice.ObjectionInput{Name: "张三", Contact: "13800000000", Text: "王建国同志常年不在岗。"}, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		anon, err := f.n.Object(ctx, n.ID, notice.ObjectionInput{Name: "李四", Contact: "secret@example.com", Text: "<script>alert(1)</script>", Anonymous: true}, "10.0.0.2")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.n.Object(ctx, n.ID, notice.ObjectionInput{Name: "张三", Text: "没有联系方式"}, "10.0.0.1")
		wantCode(t, err, apperr.Invalid)
		_, err = f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "  "}, "10.0.0.1")
		wantCode(t, err, apperr.Invalid)

		var stored string
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT name || '|' || contact FROM notice_objections WHERE id = ?`, anon.ID).Scan(&stored)
		})
		if stored != "|" {
			t.Fatalf("anonymous objection stored %q", stored)
		}
		entries := auditOf(t, d, "notice_objection", anon.ID)
		if len(entries) != 1 || strings.Contains(entries[0].After, "李四") || strings.Contains(entries[0].After, "secret@") || entries[0].ActorID != 0 {
			t.Fatalf("anonymous audit %+v", entries)
		}

		// The public view never shows a contact.
		pub, err := f.n.Get(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Objections) != 2 || pub.Objections[0].Name != "张三" || pub.Objections[0].Contact != "" || !pub.Objections[1].Anonymous || pub.Unanswered != 2 {
			t.Fatalf("public %+v", pub.Objections)
		}
		if pub.CreatedBy != "" {
			t.Fatal("public view shows who posted")
		}
		m, err := f.n.Manage(ctx, sec, n.ID)
		if err != nil || m.Objections[0].Contact != "13800000000" {
			t.Fatalf("manage %+v %v", m.Objections, err)
		}
		_, err = f.n.Manage(ctx, other, n.ID)
		wantCode(t, err, apperr.Forbidden)

		// Rate limit: at most 5 per hour per address and notice.
		for i := 0; i < 4; i++ {
			if _, err := f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: fmt.Sprint("第", i, "条")}, "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "第六条"}, "10.0.0.1")
		wantCode(t, err, apperr.TooMany)
		if _, err := f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "别处"}, "10.0.0.9"); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(61 * time.Minute)
		if _, err := f.n.CloseDue(ctx, f.now); err != nil { // also forgets old hashes
			t.Fatal(err)
		}
		if _, err := f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "一小时后"}, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		var hits int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM notice_objection_hits`).Scan(&hits)
		})
		if hits != 1 {
			t.Fatalf("%d address hashes kept after an hour", hits)
		}

		// Answers: only the posting unit's managers.
		_, err = f.n.Answer(ctx, other, named.ID, "不归你管")
		wantCode(t, err, apperr.Forbidden)
		_, err = f.n.Answer(ctx, sec, named.ID, " ")
		wantCode(t, err, apperr.Invalid)
		o, err := f.n.Answer(ctx, sec, named.ID, "经核实，王建国同志长期驻场工作，情况属实。")
		if err != nil || !o.Answered() || o.NoticeID != n.ID {
			t.Fatalf("answer %+v %v", o, err)
		}
		office := f.as("office")
		if _, err := f.n.Answer(ctx, office, anon.ID, "已转支部核查。"); err != nil {
			t.Fatal(err)
		}
		pub, _ = f.n.Get(ctx, n.ID)
		if pub.Unanswered != pub.ObjectionCount-2 || pub.Objections[0].AnsweredByName != "" || pub.Objections[0].Answer == "" {
			t.Fatalf("after answers %+v", pub)
		}

		// Manager lists: the secretary sees their notice, the other branch does not.
		mine, err := f.n.Managed(ctx, sec)
		if err != nil || len(mine) != 1 || mine[0].Unanswered != pub.Unanswered {
			t.Fatalf("managed %+v %v", mine, err)
		}
		theirs, _ := f.n.Managed(ctx, other)
		if len(theirs) != 0 {
			t.Fatalf("other branch sees %+v", theirs)
		}
		if all, _ := f.n.Managed(ctx, office); len(all) != 1 {
			t.Fatalf("office sees %d", len(all))
		}
		open, _ := f.n.List(ctx, farm, true)
		if len(open) != 1 {
			t.Fatalf("open list %d", len(open))
		}

		// The window ends: the notice is closed by the clock alone, before the job runs.
		f.now = time.Date(2010, 6, 15, 0, 0, 0, 0, db.DefaultZone)
		pub, _ = f.n.Get(ctx, n.ID)
		if pub.IsOpen(f.now) || pub.StatusAt(f.now) != notice.Closed || pub.Status != notice.Open {
			t.Fatalf("at the end: open=%v status=%s", pub.IsOpen(f.now), pub.StatusAt(f.now))
		}
		_, err = f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "晚了"}, "10.0.0.3")
		wantCode(t, err, apperr.Conflict)
		if !strings.Contains(apperr.As(err).Msg, "公示期已于6月14日结束") {
			t.Fatalf("message %q", apperr.As(err).Msg)
		}
		if open, _ := f.n.List(ctx, farm, true); len(open) != 0 {
			t.Fatalf("still listed as open: %d", len(open))
		}
		// The periodic job records it once.
		for i, want := range []int{1, 0} {
			k, err := f.n.CloseDue(ctx, f.now)
			if err != nil || k != want {
				t.Fatalf("CloseDue run %d: %d %v", i, k, err)
			}
		}
		pub, _ = f.n.Get(ctx, n.ID)
		if pub.Status != notice.Closed || pub.ClosedAt != db.FormatTime(n.ClosesAt) {
			t.Fatalf("closed %+v", pub)
		}
		// Answers may still be given after the window; withdrawal may not.
		if _, err := f.n.Answer(ctx, sec, anon.ID, "补充答复。"); err != nil {
			t.Fatal(err)
		}
		_, err = f.n.Withdraw(ctx, sec, n.ID, "改正")
		wantCode(t, err, apperr.Conflict)

		if n, problems, err := audit.Verify(ctx, d); err != nil || len(problems) != 0 || n == 0 {
			t.Fatalf("audit chain: %d %v %v", n, problems, err)
		}
	})
}

func TestWithdraw(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec := f.as("lgzb")
		n, err := f.n.Post(ctx, sec, notice.PostInput{UnitID: f.units["老干支部"], Title: "离退休党员承诺公示", Body: "内容", Days: 7})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.n.Withdraw(ctx, f.as("scyc"), n.ID, "x")
		wantCode(t, err, apperr.Forbidden)
		_, err = f.n.Withdraw(ctx, sec, n.ID, "")
		wantCode(t, err, apperr.Invalid)
		w, err := f.n.Withdraw(ctx, sec, n.ID, "名单有误，更正后重新公示")
		if err != nil || w.Status != notice.Withdrawn || w.WithdrawReason == "" || w.IsOpen(f.now) {
			t.Fatalf("withdrawn %+v %v", w, err)
		}
		_, err = f.n.Object(ctx, n.ID, notice.ObjectionInput{Anonymous: true, Text: "x"}, "1.2.3.4")
		wantCode(t, err, apperr.Conflict)
		_, err = f.n.Withdraw(ctx, sec, n.ID, "again")
		wantCode(t, err, apperr.Conflict)
		if k, _ := f.n.CloseDue(ctx, f.now.Add(30*24*time.Hour)); k != 0 {
			t.Fatalf("closed a withdrawn notice")
		}
		if _, err := f.n.Object(ctx, 999999, notice.ObjectionInput{Anonymous: true, Text: "x"}, "1.2.3.4"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("missing notice: %v", err)
		}
	})
}

func TestRegister(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	n, err := f.n.Post(ctx, f.as("scyc"), notice.PostInput{UnitID: f.units["市渔场"], Title: "t", Body: "b", Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.now = n.ClosesAt.Add(time.Minute)
	r := &jobs.Runner{DB: d, Now: func() time.Time { return f.now }}
	f.n.Register(r)
	if _, err := r.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := f.n.Get(ctx, n.ID)
	if got.Status != notice.Closed {
		t.Fatalf("the job did not close the notice: %s", got.Status)
	}
}

func auditOf(t *testing.T, d *db.DB, entity string, id int64) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	err := d.View(ctx, func(tx *db.Tx) error {
		var err error
		out, err = audit.List(ctx, tx, entity, id, 10)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
