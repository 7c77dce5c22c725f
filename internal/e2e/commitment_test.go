package e2e_test

import (
	"chuangzheng/internal/org"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
)

// setValue sets a form control's value the way a date picker does (typing
// into <input type=date> depends on the browser's locale).
func (s *session) setValue(selector, value string) {
	s.t.Helper()
	s.p().MustEval(`(sel, v) => { const el = document.querySelector(sel); el.value = v; el.dispatchEvent(new Event("change", {bubbles: true})); }`, selector, value)
}

// click clicks an element and waits for the page it leads to.
func (s *session) click(selector string) {
	s.t.Helper()
	wait := s.p().MustWaitNavigation()
	s.p().MustElement(selector).MustClick()
	wait()
}

// TestCommitmentLoopInBrowser: a member of 市渔场 (not its secretary) writes a commitment with
// two items on a phone and submits it; the secretary returns it with a
// reason; the member revises and resubmits; the secretary sees what
// changed, approves and publishes; the public board shows it without login.
func TestCommitmentLoopInBrowser(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	a.DB.Now = func() time.Time { return time.Date(2026, 6, 8, 10, 0, 0, 0, shanghai) }

	var officeID int64
	var memberUser, memberName string
	err := a.DB.View(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT us.username, m.name FROM users us JOIN members m ON m.id = us.member_id `+org.JoinUnit("u", "m.unit_id")+`
			WHERE u.name = '市渔场' AND us.username <> 'scyc'
			AND (SELECT display_name FROM users WHERE username = 'scyc') NOT LIKE '%' || m.name || '%' ORDER BY m.id LIMIT 1`).Scan(&memberUser, &memberName)
	})
	if err != nil {
		t.Fatalf("find a member of 市渔场: %v", err)
	}
	office, err := a.Org.Actor(ctx, officeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: a.unitID(t, demo.RootName)}); err != nil {
		t.Fatal(err)
	}
	farm := a.unitID(t, "市渔场")

	// The member writes on a phone.
	mem := newSession(t, a, phone)
	mem.login(memberUser, "demo")
	mem.open("/commitments")
	mem.wantText("my commitments", "我的承诺", "您还没有作出本年度的承诺")
	mem.click(`#mine a.button.primary`)
	mem.p().MustElement(`select[name="items.0.category"]`).MustSelect("学习内容")
	mem.p().MustElement(`textarea[name="items.0.content"]`).MustInput("认真学习党章和科学发展观理论，撰写心得体会4篇")
	mem.p().MustElement(`textarea[name="items.0.measures"]`).MustInput("每周五下午集中学习")
	mem.setValue(`input[name="items.0.deadline"]`, "2026-12-31")
	mem.p().MustElement(`select[name="items.0.tag"]`).MustSelect("带头学习提高")

	// A second row, added without JavaScript: what was typed stays.
	mem.click(`button[name="add_item"]`)
	if got := mem.p().MustElement(`textarea[name="items.0.content"]`).MustProperty("value").String(); !strings.Contains(got, "撰写心得体会4篇") {
		t.Errorf("after adding a row the first item reads %q", got)
	}
	if got := mem.p().MustElement(`input[name="items.0.deadline"]`).MustProperty("value").String(); got != "2026-12-31" {
		t.Errorf("after adding a row the first deadline reads %q", got)
	}
	mem.p().MustElement(`select[name="items.1.category"]`).MustSelect("工作目标")
	mem.p().MustElement(`textarea[name="items.1.content"]`).MustInput("推广健康养殖技术，全年鱼苗成活率达到90%以上")
	mem.setValue(`input[name="items.1.deadline"]`, "2026-11-30")
	mem.p().MustElement(`select[name="items.1.tag"]`).MustSelect("带头争创佳绩")
	if sw := mem.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 390 {
		t.Errorf("the commitment form is %d px wide on a 390 px phone", sw)
	}
	publishScreenshot(t, mem.screenshot("commitment-form-phone.png"))
	mem.click(`button[name="submit"]`)
	m := regexp.MustCompile(`/commitments/(\d+)$`).FindStringSubmatch(mem.p().MustInfo().URL)
	if m == nil {
		t.Fatalf("after submitting the browser is at %s:\n%s", mem.p().MustInfo().URL, mem.text())
	}
	id := m[1]
	mem.wantText("submitted", "已提交审核", "待审核", "撰写心得体会4篇", "推广健康养殖技术")

	// The secretary returns it with a reason.
	sec := newSession(t, a, desktop)
	sec.login("scyc", "demo")
	sec.open("/commitments/queue")
	sec.wantText("queue", memberName, "批量通过")
	sec.open("/commitments/" + id)
	sec.p().MustElement(`#return-form textarea[name="reason"]`).MustInput("工作目标请写明具体的养殖面积")
	sec.click(`#return-form button`)
	sec.wantText("returned", "已退回修改", "已退回（工作目标请写明具体的养殖面积）")

	// The member revises and resubmits.
	mem.open("/commitments/" + id + "/edit")
	mem.wantText("edit form", "工作目标请写明具体的养殖面积")
	mem.p().MustElement(`textarea[name="items.1.content"]`).MustSelectAllText().MustInput("推广健康养殖技术300亩，全年鱼苗成活率达到90%以上")
	mem.click(`button[name="submit"]`)
	mem.wantText("resubmitted", "待审核", "推广健康养殖技术300亩")

	// The secretary sees exactly what changed.
	sec.open("/commitments/" + id)
	sec.click(`a[href^="/commitments/` + id + `/diff"]`)
	sec.wantText("diff", "第 1 版 → 第 2 版", "推广健康养殖技术300亩", "推广健康养殖技术，全年")
	if n := len(sec.p().MustElements(".diff-changed .chg")); n == 0 {
		t.Errorf("the diff highlights no changed field")
	}
	if cols := sec.p().MustEval(`() => getComputedStyle(document.querySelector("#diff .diff-changed")).gridTemplateColumns`).Str(); len(strings.Fields(cols)) != 2 {
		t.Errorf("on a desktop the diff is not two columns: grid-template-columns %q", cols)
	}
	publishScreenshot(t, sec.screenshot("commitment-diff.png"))

	// Approve, then publish (the page asks to confirm; say yes).
	sec.open("/commitments/" + id)
	sec.click(`#approve-form button`)
	sec.wantText("approved", "已审核通过")
	sec.p().MustEval(`() => { window.confirm = () => true; }`)
	sec.click(`#publish-form button`)
	sec.wantText("published", "已公布")

	// Anyone, without logging in, sees it on the public board.
	pub := newSession(t, a, phone)
	res, err := http.Get(fmt.Sprintf("%s/public/units/%d", a.URL, farm))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		pub.open(fmt.Sprintf("/public/units/%d", farm))
		pub.wantText("public board page", memberName, "推广健康养殖技术300亩", "撰写心得体会4篇")
		if pub.p().MustHas(`form[action="/logout"]`) {
			t.Errorf("the public board session is logged in")
		}
	} else {
		t.Logf("GET /public/units/%d answers %d; checking the JSON board instead", farm, res.StatusCode)
		pub.open(fmt.Sprintf("/api/v1/public/units/%d/commitments", farm))
		pub.wantText("public board JSON", memberName, "推广健康养殖技术300亩")
	}
}
