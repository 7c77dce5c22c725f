package e2e_test

import (
	"strings"
	"testing"
	"time"
)

// TestCampaignFromTemplateAndSecretaryPhone: the office creates this year's
// campaign from the built-in template; a branch secretary on a phone sees
// what is due this week for the branch and its members, and registers one.
func TestCampaignFromTemplateAndSecretaryPhone(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	// Early June: phase 2 (public commitments) is open; its branch and member commitments are due on 10 June.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	a.DB.Now = func() time.Time { return time.Date(2026, 6, 8, 10, 0, 0, 0, shanghai) }

	office := newSession(t, a, desktop)
	office.login("office", "demo")
	office.open("/campaigns")
	office.p().MustElement(`input[name="year"]`).MustSelectAllText().MustInput("2026")
	wait := office.p().MustWaitNavigation()
	office.p().MustElement(`#campaign-form button`).MustClick()
	wait()
	office.p().MustElement("#progress")
	office.wantText("campaign page", "2026年创先争优活动", "制定方案，进行动员", "进行公开承诺", "市渔场", "市果木园党支部", "进度表")
	grid := office.p().MustElement("#progress").MustText()
	if !strings.Contains(grid, "逾期") {
		t.Errorf("phase 1 (due 31 May) is not shown late for the office in June:\n%s", grid)
	}
	publishScreenshot(t, office.screenshot("campaign.png"))

	sec := newSession(t, a, phone)
	sec.login("scyc", "demo")
	// The branch's to-dos fold under its line of the standings: one tap opens them.
	sec.p().MustElement("#standings details.todo summary").MustClick()
	due := sec.p().MustElement("#standings details.todo").MustText()
	for _, want := range []string{"支部作出承诺", "党员作出承诺", "市渔场"} {
		if !strings.Contains(due, want) {
			t.Errorf("the secretary's home does not show %q due this week:\n%s", want, due)
		}
	}
	if strings.Contains(due, "市水科所支部") {
		t.Errorf("the secretary of 市渔场 sees another branch's items:\n%s", due)
	}
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 390 {
		t.Errorf("the home page is %d px wide on a 390 px phone", sw)
	}
	publishScreenshot(t, sec.capture("home-phone.png", false))

	// Open the branch commitment and register it as done.
	wait = sec.p().MustWaitNavigation()
	sec.p().MustElementR("#standings details.todo a", "支部作出承诺").MustClick()
	wait()
	form := sec.p().MustElementR("section.item", "支部作出承诺").MustElement("form.complete-form")
	form.MustElement(`textarea[name="note"]`).MustInput("支部承诺书已经支委会讨论通过")
	wait = sec.p().MustWaitNavigation()
	form.MustElement("button").MustClick()
	wait()
	sec.wantText("after registering", "已登记完成", "支部承诺书已经支委会讨论通过")
	sec.open("/")
	if due := sec.p().MustElement("#standings").MustProperty("textContent").String(); strings.Contains(due, "支部作出承诺") {
		t.Errorf("the registered item is still due:\n%s", due)
	}
}
