package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/inspect"
)

// TestInspectionOnPhone: an inspector (丁石春) records a branch's findings
// on a 360 px phone — every verdict a 44 px target, no horizontal scroll —
// with a problem and deadline that enters the ledger; the office then
// assembles the bulletin on a desk and publishes it internally.
func TestInspectionOnPhone(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := startFullApp(t, d)
		svc := &inspect.Service{DB: d, Campaign: a.Campaign}
		ding := a.actor(t, account.Pinyin("丁石春"))
		fishery := a.unitID(t, "市渔场")
		var campaignID int64
		fmt.Sscan(a.id(t, `SELECT id FROM campaigns ORDER BY id LIMIT 1`), &campaignID)
		in, err := svc.Create(ctx, a.actor(t, "office"), inspect.CreateInput{CampaignID: campaignID, Title: "七月回头看", HeldOn: civil.Date{Y: 2026, M: 7, D: 15},
			Team: []int64{ding.UserID}, Units: []int64{fishery}, FreeItems: []string{"公开栏是否及时更新"}})
		if err != nil {
			t.Fatal(err)
		}
		s := newSession(t, a.app, phone360)
		s.login(account.Pinyin("丁石春"), "demo")
		s.open(fmt.Sprintf("/inspections/%d?unit=%d", in.ID, fishery))
		if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
			t.Errorf("the findings form is %d px wide on a 360 px phone", sw)
		}
		if small := s.p().MustEval(`() => Array.from(document.querySelectorAll(".verdicts label")).filter(l => l.getBoundingClientRect().height < 44 || l.getBoundingClientRect().width < 44).length`).Int(); small > 0 {
			t.Errorf("%d verdict targets smaller than 44 px", small)
		}
		s.capture("inspection-form-phone-"+string(d.Engine)+".png", false)
		s.p().MustEval(`() => document.querySelectorAll('.verdicts input[value="partly"]').forEach(r => { r.checked = true })`)
		s.p().MustElement(`textarea[name="problem_0"]`).MustInput("公开栏未及时更新")
		s.setValue(`input[name="deadline_0"]`, civil.FromTime(d.Now().AddDate(0, 1, 0)).String()) // a month from now: open, not overdue
		s.p().MustElement(`textarea[name="summary"]`).MustInput("整改有进展")
		s.click(`.findings-form button.primary`)
		s.wantText("after recording", "整改有进展", "公开栏未及时更新", "待整改")
		if n := a.id(t, `SELECT COUNT(*) FROM rectifications WHERE unit_id = ? AND source = 'inspection'`, fishery); n != "1" {
			t.Fatalf("ledger entries for 市渔场: %s", n)
		}

		desk := newSession(t, a.app, desktop)
		desk.login("office", "demo")
		desk.open(fmt.Sprintf("/inspections/%d", in.ID))
		desk.capture("inspection-desk-"+string(d.Engine)+".png", false)
		desk.click(`#make-bulletin`)
		desk.wantText("the draft", "一、总体情况", "公开栏未及时更新", "四、下一步要求")
		desk.p().MustEval(`() => { document.querySelector('input[name="visibility"][value="internal"]').checked = true; document.querySelector('input[name="send_upward"]').checked = false }`)
		desk.click(`#publish`)
		desk.wantText("published", "已发布（内部）")
		desk.open(fmt.Sprintf("/public/units/%d/bulletins", a.unitID(t, demo.RootName)))
		desk.wantText("the public page", "督查指导情况的通报")
		desk.capture("public-bulletins-"+string(d.Engine)+".png", false)
	})
}
