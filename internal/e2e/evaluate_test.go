package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/org"
	"chuangzheng/internal/web"
)

// TestEvaluationSlipVoteOnPhone: a member of a branch of 50 votes with the
// code on their slip on a 360×740 phone, without logging in: one form for
// the branch and every member (a compact radio row each), no sideways
// scroll, 44 px targets, the progress stays in view while scrolling; the
// receipt is shown, and the slip cannot vote again.
func TestEvaluationSlipVoteOnPhone(t *testing.T) {
	requireBrowser(t)
	ctx := context.Background()
	d := dbtest.SQLite(t)
	hasher := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, hasher, "demo"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	orgs := &org.Service{DB: d}
	campaigns := &campaign.Service{DB: d, Kinds: evaluate.Kinds()}
	evals := &evaluate.Service{DB: d}
	srv, err := web.New(&web.Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: hasher}, Campaign: campaigns, Evaluate: evals, Log: log, Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	a := &app{URL: hs.URL, DB: d, Org: orgs, Campaign: campaigns}
	branch := a.unitID(t, "市果木园党支部")
	// Make the branch 50 members strong.
	n := a.memberCount(t, branch)
	if err := d.Update(ctx, func(tx *db.Tx) error {
		for i := n; i < 50; i++ {
			if _, err := tx.Exec(ctx, `INSERT INTO members (unit_id, name, id_number, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				branch, fmt.Sprintf("果园党员%02d", i), fmt.Sprintf("E2E%015d", i), tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	office := orgSystemOffice(t, a)
	var root int64
	_ = d.View(ctx, func(tx *db.Tx) error { return org.UnitIDByName(ctx, tx, demo.RootName, &root) })
	c, err := campaigns.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: root, Title: "2026年创先争优活动"})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := evals.Open(ctx, office, evaluate.OpenInput{CampaignID: c.ID, UnitID: branch, Template: "branch-and-members", GradeProbationary: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := evals.Get(ctx, office, ids[0])
	if len(e.Q.Ratees) != 50 {
		t.Fatalf("%d members graded, want 50", len(e.Q.Ratees))
	}
	_, slips, err := evals.Slips(ctx, office, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	code := slips[0].Code

	s := newSession(t, a, phone360)
	s.open("/vote/" + code)
	s.wantText("the slip's ballot", e.Title, "对支部的评议", "对党员的评议", "果园党员49")
	if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the ballot is %d px wide on a 360 px phone", sw)
	}
	rows := s.p().MustElements("fieldset[data-rate]")
	if len(rows) != 55 {
		t.Fatalf("%d rows, want 5 items + 50 members", len(rows))
	}
	for i, row := range rows {
		labels := row.MustElements("label")
		// The branch's items: 满意; members: 合格 (the second level) for all but the first.
		pick := labels[0]
		if i >= 5 && i != 5 {
			pick = labels[1]
		}
		if h := pick.MustShape().Box().Height; h < 44 {
			t.Errorf("row %d: a choice is %.0f px tall, under 44", i, h)
		}
		pick.MustClick()
	}
	if got := s.p().MustElement("[data-done]").MustText(); got != "55" {
		t.Errorf("the progress says %s answered, want 55", got)
	}
	// The progress stays in view at the bottom of the form.
	if top := s.p().MustEval(`() => document.querySelector(".ballot-progress").getBoundingClientRect().top`).Num(); top < -1 || top > 60 {
		t.Errorf("the progress is %.0f px from the top after scrolling", top)
	}
	s.capture("evaluation-ballot-360", false)
	s.click(`#ballot button.primary`)
	s.wantText("the receipt", "投票成功", "您的回执码")
	receipt := s.p().MustElement("#receipt").MustText()
	s.open("/vote/" + strings.ToLower(code))
	s.wantText("the used slip", "已经投过票")

	if _, err := evals.Close(ctx, office, ids[0]); err != nil {
		t.Fatal(err)
	}
	res, err := evals.Results(ctx, office, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	// The office's result page fits the phone too.
	o := newSession(t, a, phone360)
	o.login("office", "demo")
	o.open(fmt.Sprintf("/evaluations/%d", ids[0]))
	o.wantText("the results", "支部满意率", "党员评议结果")
	if sw := o.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("the result page is %d px wide on a 360 px phone", sw)
	}
	if n := len(o.p().MustElements(`svg[role="img"][aria-label]`)); n != 5 {
		t.Errorf("%d labelled charts, want one per item (5)", n)
	}
	o.capture("evaluation-results-360", true)
	if len(res.Ballots) != 1 || res.Ballots[0].ReceiptHash != evaluate.ReceiptHash(ids[0], receipt) || res.Tally.Members[0].Best != 100 || res.Tally.Members[1].Best != 0 {
		t.Fatalf("the ballot was not counted as cast: %+v", res.Ballots)
	}
}

func ptr[T any](v T) *T { return &v }

func orgSystemOffice(t *testing.T, a *app) *org.Actor {
	t.Helper()
	var id int64
	if err := a.DB.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM users WHERE username = 'office'`).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	o, err := a.Org.Actor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
