package e2e_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	appwire "chuangzheng/internal/app"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/review"
	"chuangzheng/internal/web"
)

// startReviewApp is the server as `serve` wires it (app.NewServices: every
// kind on the grid, every to-do source, the reviewer's folder from the
// reports, commitments, inspections and ledger sources) over the demo
// bureau without the demo campaign, so that the test's campaign is the
// only one.
func startReviewApp(t *testing.T, d *db.DB) *app {
	t.Helper()
	ctx := context.Background()
	hasher := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, hasher, "demo"); err != nil {
		t.Fatalf("load demo bureau: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := appwire.NewServices(d, appwire.Wiring{Log: log})
	ws := svc.Server(d)
	ws.Account, ws.Log, ws.Version = &account.Service{DB: d, Hasher: hasher}, log, "e2e"
	srv, err := web.New(ws)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &app{URL: hs.URL, DB: d, Org: svc.Org, Campaign: svc.Campaign}
}

// TestReviewRoundInBrowser is one round of a leadership review for the
// lagging branch, as issue 11 asks, on a phone and a desk: the branch's
// secretary sends the written report on a phone; the liaison leader opens
// the folder on a desk, sees the report in it and writes the review beside
// it, raising a problem into the ledger; the secretary records the
// rectification statement on a phone from the home page's to-do, and
// closes the ledger entry with evidence; the office (the level that
// raised it) verifies it on a desk; the grid's cells for the branch's
// report, the review and the statement are complete.
func TestReviewRoundInBrowser(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) { reviewRound(t, startReviewApp(t, d)) })
}

func reviewRound(t *testing.T, a *app) {
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

	// The secretary, on a phone: the branch's written report (书面汇报) to
	// the level above and the liaison leaders.
	sec := newSession(t, a, phone360)
	sec.login("sgmydzb", "demo")
	sec.open("/reports/write?kind=branch")
	sec.p().MustElement(`#report-write input[name="title"]`).MustInput("市果木园党支部上半年创先争优情况汇报")
	sec.p().MustElement(`#report-body`).MustInput("上半年支部组织党员公开承诺，果园生产任务基本完成；承诺公开和践诺记录仍不完整，下半年补齐。")
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the report form is %d px wide on a 360 px phone", sw)
	}
	if b := sec.box(`#report-send`); b.Bottom-b.Top < 44 {
		t.Errorf("the 报送 button is %.0f px tall on a phone", b.Bottom-b.Top)
	}
	sec.click(`#report-send`)
	if st := sec.p().MustElement(`#report-status`).MustText(); !strings.Contains(st, "已报送") {
		t.Fatalf("after sending the report's status reads %q:\n%s", st, sec.text())
	}

	// The liaison leader, on a desk: the queue, then the form beside the folder.
	lead := newSession(t, a, desktop)
	lead.login(account.Pinyin("吴飞鹏"), "demo")
	lead.wantText("home", "待点评 1")
	lead.open("/reviews")
	lead.wantText("queue", "市果木园党支部", "待点评")
	lead.click(`#unit-` + strconv.FormatInt(orchard, 10) + ` a.button.primary`)
	lead.wantText("form", "点评材料", "书面汇报", "市果木园党支部上半年创先争优情况汇报", "承诺及践诺进展", "成绩", "整改方向")
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
	sec.open("/")
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

	// The secretary closes the ledger entry with evidence on the phone.
	var entry int64
	if err := a.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM rectifications WHERE source = 'review' AND source_ref = ? AND unit_id = ?`, mustInt(t, id), orchard).Scan(&entry)
	}); err != nil {
		t.Fatalf("the review's ledger entry: %v", err)
	}
	ledger := "/rectifications/" + strconv.FormatInt(entry, 10)
	sec.open(ledger)
	sec.wantText("entry", "党员承诺公开滞后", "支部书记牵头，限期公开")
	sec.p().MustElement(`#evidence`).MustInput("七月二十日召开支部党员大会，承诺书已全部公开，践诺记录补齐。")
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the ledger entry is %d px wide on a 360 px phone", sw)
	}
	if b := sec.box(`form[action$="/close"] button.primary`); b.Bottom-b.Top < 44 {
		t.Errorf("the 提交验收 button is %.0f px tall on a phone", b.Bottom-b.Top)
	}
	sec.click(`form[action$="/close"] button.primary`)
	sec.wantText("closed", "已提交整改结果，待上级验收", "承诺书已全部公开")
	if n := len(sec.p().MustElements(`button[value="verify"]`)); n != 0 {
		t.Errorf("the branch that closed the entry is offered to verify it")
	}

	// The office, the level that raised it, verifies it on a desk.
	desk := newSession(t, a, desktop)
	desk.login("office", "demo")
	desk.open(ledger)
	desk.wantText("to verify", "整改结果及佐证", "承诺书已全部公开")
	desk.click(`button[value="verify"]`)
	desk.wantText("verified", "已验收销号")

	// The grid: the report, the review and the statement complete the branch's cells.
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
				switch k := it.Action.Kind; {
				case k == review.KindLeader || k == review.KindStatement,
					k == campaign.KindReviewReport && it.Action.Owner == campaign.OwnerBranch:
					done[k] = it.Status.Complete()
				}
			}
		}
	}
	if !done[campaign.KindReviewReport] || !done[review.KindLeader] || !done[review.KindStatement] {
		t.Errorf("grid cells for 市果木园党支部: %v", done)
	}
}
