package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// TestCommitmentFormErrorsOnPhone: a retired member of the demo writes her
// commitment on a 360 px phone. The form tells her 工作目标 is optional for
// her; adding an item keeps her place (the new item in view, its first field
// focused); a pledge of conduct drops the deadline's star; submitting with
// mistakes opens an error summary at the top that has the focus and links to
// each field, which carries aria-invalid. At 200 % text nothing is wider
// than the screen.
func TestCommitmentFormErrorsOnPhone(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	a.DB.Now = func() time.Time { return time.Date(2026, 6, 8, 10, 0, 0, 0, shanghai) }
	var officeID int64
	var user string
	err := a.DB.View(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id `+org.JoinUnit("u", "m.unit_id")+`
			WHERE m.retired AND NOT m.oral ORDER BY m.id LIMIT 1`).Scan(&user)
	})
	if err != nil {
		t.Fatalf("a retired member with an account: %v", err)
	}
	office, err := a.Org.Actor(ctx, officeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: a.unitID(t, demo.RootName)}); err != nil {
		t.Fatal(err)
	}

	s := newSession(t, a, phone360)
	s.login(user, "demo")
	s.open("/commitments")
	s.click(`#mine a.button.primary`)
	s.wantText("the retiree's form", "工作目标", "可以不写", "带 * 的必须填写")
	if !strings.Contains(s.p().MustElement(`#optional-categories`).MustText(), "工作目标") {
		t.Errorf("the form does not say 工作目标 is optional for a retiree")
	}
	s.p().MustElement(`select[name="items.0.category"]`).MustSelect("工作目标")
	s.p().MustElement(`textarea[name="items.0.content"]`).MustInput("协助社区做好老年人防诈骗宣传")

	// Adding an item keeps the place: the new item in view, its first field focused.
	s.click(`button[name="add_item"]`)
	if !strings.HasSuffix(s.p().MustInfo().URL, "#item-1") {
		t.Errorf("after adding an item the page is at %s", s.p().MustInfo().URL)
	}
	if name := s.p().MustEval(`() => document.activeElement && document.activeElement.name`).String(); name != "items.1.category" {
		t.Errorf("after adding an item the focus is on %q (data-focus: %v)", name, s.p().MustEval(`() => { const e = document.querySelector("[data-focus]"); return e ? e.outerHTML.slice(0, 200) : "none"; }`).String())
	}
	if top := s.p().MustEval(`() => document.getElementById("item-1").getBoundingClientRect().top`).Num(); top < -5 || top > 740 {
		t.Errorf("the new item is %.0f px from the top of the screen, not in view", top)
	}
	if got := s.p().MustElement(`textarea[name="items.0.content"]`).MustProperty("value").String(); got != "协助社区做好老年人防诈骗宣传" {
		t.Errorf("the first item reads %q after adding one", got)
	}
	// A pledge of conduct needs no deadline: the star goes.
	star := `#item-1 .field.deadline .req`
	if !s.p().MustElement(star).MustVisible() {
		t.Errorf("the deadline has no star before a category is chosen")
	}
	s.p().MustElement(`select[name="items.1.category"]`).MustSelect("遵守社会公德")
	if s.p().MustElement(star).MustVisible() {
		t.Errorf("a pledge of conduct still stars its deadline")
	}

	// Submit with two mistakes: no deadline for the work goal, no content in the second.
	s.click(`button[name="submit"]`)
	s.wantText("errors", "有 2 处需要修改", "第 1 项：请填写完成时限", "第 2 项：请填写承诺内容")
	if id := s.p().MustEval(`() => document.activeElement && document.activeElement.id`).String(); id != "error-summary" {
		t.Errorf("after the error the focus is on %q, not the error summary", id)
	}
	if top := s.p().MustEval(`() => document.getElementById("error-summary").getBoundingClientRect().top`).Num(); top < -5 || top > 740 {
		t.Errorf("the error summary is %.0f px from the top of the screen", top)
	}
	links := s.p().MustElements(`#error-summary a`)
	var hrefs []string
	for _, l := range links {
		hrefs = append(hrefs, *l.MustAttribute("href"))
	}
	if strings.Join(hrefs, " ") != "#f-items.0.deadline #f-items.1.content" {
		t.Errorf("the summary links to %v", hrefs)
	}
	for _, h := range hrefs {
		el := s.p().MustElement(`[id="` + strings.TrimPrefix(h, "#") + `"]`)
		if v := el.MustAttribute("aria-invalid"); v == nil || *v != "true" {
			t.Errorf("%s has no aria-invalid", h)
		}
	}
	for _, sel := range []string{`textarea[name="items.0.content"]`, `select[name="items.1.category"]`} {
		if v := s.p().MustElement(sel).MustAttribute("aria-invalid"); v != nil {
			t.Errorf("%s is marked invalid", sel)
		}
	}
	links[1].MustClick()
	if top := s.p().MustEval(`() => document.getElementById("f-items.1.content").getBoundingClientRect().top`).Num(); top < -5 || top > 740 {
		t.Errorf("after following the summary's link the field is %.0f px from the top", top)
	}
	publishScreenshot(t, s.screenshot("commitment-form-errors-phone.png"))

	// 200 % text on 360 px: nothing wider than the screen.
	s.p().MustEval(`() => { document.documentElement.style.fontSize = "200%"; }`)
	if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 360 {
		wide := s.p().MustEval(`() => Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right)).join(", ")`).String()
		t.Errorf("at 200%% text the form is %d px wide on a 360 px phone: %s", sw, wide)
	}
}
