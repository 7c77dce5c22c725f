package e2e_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
	"chuangzheng/internal/web"
)

// startReviewApp is startApp with the review feature wired as app wires it:
// its kinds on the grid, its to-dos on the home page, and the folder
// sources that exist on this branch (commitments). At merge the lead adds
// the report, ledger and inspection sources (and their services) here.
func startReviewApp(t *testing.T) *app {
	t.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(t)
	hasher := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, hasher, "demo"); err != nil {
		t.Fatalf("load demo bureau: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	orgs := &org.Service{DB: d}
	meetings := &meeting.Service{DB: d}
	campaigns := &campaign.Service{DB: d, Kinds: append(append(meeting.Kinds(), commitment.Kinds()...), review.Kinds()...),
		Sources: []campaign.TodoSource{meetings, review.Todos{}}}
	reviews := &review.Service{DB: d, Folders: []campaign.FolderSource{commitment.Folder{}}}
	srv, err := web.New(&web.Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: hasher}, Campaign: campaigns, Meeting: meetings,
		Commitment: &commitment.Service{DB: d}, Review: reviews, Log: log, Version: "e2e"})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &app{URL: hs.URL, DB: d, Org: orgs, Campaign: campaigns}
}

// TestReviewRoundInBrowser is one round of a leadership review for the
// lagging branch: (branch report →) the liaison leader opens the folder on
// a desk and writes the review beside it, raising a problem into the
// ledger; the secretary records the rectification statement on a phone
// from the home page's to-do; (the entry is closed with evidence and
// verified →) the grid's cells for the review and the statement complete.
//
// Steps marked MERGE are other helpers' features: the branch's written
// report (before the folder) and closing/verifying the ledger entry (before
// the grid check); the lead adds them here at merge.
func TestReviewRoundInBrowser(t *testing.T) {
	requireBrowser(t)
	a := startReviewApp(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	a.DB.Now = func() time.Time { return time.Date(2026, 7, 6, 10, 0, 0, 0, shanghai) }
	var officeID int64
	if err := a.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID)
	}); err != nil {
		t.Fatal(err)
	}
	office, err := a.Org.Actor(ctx, officeID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: a.unitID(t, demo.RootName)})
	if err != nil {
		t.Fatal(err)
	}
	orchard := a.unitID(t, "市果木园党支部")

	// MERGE: the secretary sends the branch's written report (书面汇报) on a
	// phone here; the folder below then lists it.

	// The liaison leader, on a desk: the queue, then the form beside the folder.
	lead := newSession(t, a, desktop)
	lead.login(account.Pinyin("吴飞鹏"), "demo")
	lead.wantText("home", "待点评 1")
	lead.open("/reviews")
	lead.wantText("queue", "市果木园党支部", "待点评")
	lead.click(`#unit-` + strconv.FormatInt(orchard, 10) + ` a.button.primary`)
	lead.wantText("form", "点评材料", "承诺及践诺进展", "成绩", "整改方向")
	folder, form := lead.box(".review-folder"), lead.box(".review-write")
	if form.Left < folder.Right-1 || form.Top > folder.Top+1 {
		t.Errorf("on a desk the form is not beside the folder: folder %+v, form %+v", folder, form)
	}
	lead.p().MustElement(`#achievements`).MustInput("果园生产任务基本完成，支部开始重视承诺工作。")
	lead.p().MustElement(`#problem1`).MustInput("党员承诺公开滞后")
	lead.p().MustElement(`.problem-row details summary`).MustClick()
	lead.p().MustElement(`input[name="raise1"]`).MustClick()
	lead.p().MustElement(`#measure1`).MustInput("支部书记牵头，限期公开")
	lead.setValue(`#deadline1`, "2026-07-31")
	lead.p().MustElement(`#direction`).MustInput("限期补齐承诺公开和践诺记录。")
	lead.p().MustElement(`#rating`).MustSelect("一般")
	lead.click(`#review-form button.primary`)
	m := regexp.MustCompile(`/reviews/(\d+)`).FindStringSubmatch(lead.p().MustInfo().URL)
	if m == nil {
		t.Fatalf("after saving the browser is at %s:\n%s", lead.p().MustInfo().URL, lead.text())
	}
	id := m[1]
	lead.wantText("review", "点评已保存", "党员承诺公开滞后", "已列入整改台账", "整改台账", "支部书记牵头，限期公开", "一般")

	// The same form on a phone: one column (the folder, then the form), no sideways scroll.
	lp := newSession(t, a, phone360)
	lp.login(account.Pinyin("吴飞鹏"), "demo")
	lp.open("/reviews/new?campaign=" + strconv.FormatInt(c.ID, 10) + "&round=2&unit=" + strconv.FormatInt(orchard, 10))
	lp.wantText("phone form", "点评材料", "成绩", "历次点评")
	if f, w := lp.box(".review-folder"), lp.box(".review-write"); w.Top < f.Bottom-1 {
		t.Errorf("on a phone the form is not below the folder: folder %+v, form %+v", f, w)
	}
	if sw := lp.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the review form is %d px wide on a 360 px phone", sw)
	}
	if h := lp.p().MustElement(`#review-form button.primary`).MustShape().Box().Height; h < 44 {
		t.Errorf("the save button is %.0f px high on a phone", h)
	}

	// The secretary, on a phone: the home page's to-do leads to the statement form.
	sec := newSession(t, a, phone360)
	sec.login("sgmydzb", "demo")
	sec.wantText("home", "记录整改表态")
	sec.open("/reviews/" + id)
	sec.p().MustElement(`#speaker_name`).MustInput("园长")
	sec.p().MustElement(`#statement textarea[name="text"]`).MustInput("支部工作滞后，责任在支部班子，七月底前补齐承诺公开。")
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the review page is %d px wide on a 360 px phone", sw)
	}
	sec.click(`#statement button.primary`)
	sec.wantText("statement", "整改表态已记录", "园长", "七月底前补齐承诺公开")
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the review page is %d px wide on a 360 px phone", sw)
	}

	// MERGE: the secretary closes the ledger entry with evidence on the
	// phone, and the office verifies it on the desk (the ledger's pages).

	// The grid: the review and the statement complete the branch's cells.
	g, err := a.Campaign.Grid(ctx, office, c.ID, campaign.GridFilter{})
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	for _, r := range g.Rows {
		if r.Unit.ID != orchard {
			continue
		}
		for _, cell := range r.Cells {
			for _, it := range cell.Items {
				if it.Action.Kind == review.KindLeader || it.Action.Kind == review.KindStatement {
					done[it.Action.Kind] = it.Status.Complete()
				}
			}
		}
	}
	if !done[review.KindLeader] || !done[review.KindStatement] {
		t.Errorf("grid cells for 市果木园党支部: %v", done)
	}
}
