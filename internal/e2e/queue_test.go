package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
)

// TestReviewTenInFewTaps: ten members of 市渔场 submit their commitments; the
// secretary, on a 360 px phone, goes from 公开承诺 to the queue, reads each
// commitment's items inline, ticks them all with 全选 and approves and
// publishes them with one button (and its confirmation): at most 15 taps,
// counted. Every target tapped is at least 44 px high.
func TestReviewTenInFewTaps(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	ctx := context.Background()
	_, ids := tenSubmitted(t, a, false)
	sec := newSession(t, a, phone360)
	sec.login("scyc", "demo")
	sec.open("/commitments")
	taps := 0
	target := func(selector string) *rod.Element {
		t.Helper()
		el := sec.p().MustElement(selector)
		el.MustScrollIntoView()
		if h := el.MustEval(`function () { return this.getBoundingClientRect().height; }`).Num(); h < 44 {
			t.Errorf("%s is %.0f px high; a touch target needs 44", selector, h)
		}
		return el
	}
	tap := func(selector string) {
		t.Helper()
		target(selector).MustClick()
		taps++
	}
	tapAndLoad := func(selector string) {
		t.Helper()
		wait := sec.p().MustWaitNavigation()
		tap(selector)
		wait()
	}

	tapAndLoad(`a[href^="/commitments/queue"]`)
	sec.wantText("queue", "承诺审核", "批量通过并公布")
	// Read each one: its items open in place.
	for i, id := range ids {
		tap(fmt.Sprintf(`#q%d details.queue-items summary`, id))
		body := sec.p().MustElement(fmt.Sprintf(`#q%d details.queue-items`, id))
		if !body.MustProperty("open").Bool() {
			t.Fatalf("commitment %d: its items did not open", id)
		}
		txt := body.MustText()
		if want := fmt.Sprintf("推广健康养殖技术%d亩", 100+i); !strings.Contains(txt, want) || !strings.Contains(txt, "每季度下塘指导") {
			t.Errorf("commitment %d's items read %q, want %q and its measures", id, txt, want)
		}
	}
	tap(`#select-all`)
	if n := sec.p().MustEval(`() => document.querySelectorAll('input[name="ids"]:checked').length`).Int(); n != len(ids) {
		t.Fatalf("全选 ticked %d of %d", n, len(ids))
	}
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 360 {
		t.Errorf("the queue is %d px wide on a 360 px phone", sw)
	}
	publishScreenshot(t, sec.screenshot("review-queue-phone.png"))
	// 批量通过并公布, then OK in the confirmation: two taps.
	bulk := target(`#bulk-publish`)
	waitDialog, handle := sec.page.MustHandleDialog()
	wait := sec.page.MustWaitNavigation()
	go func() { _ = bulk.Click(proto.InputMouseButtonLeft, 1) }()
	taps++
	waitDialog()
	handle(true, "")
	taps++
	wait()
	sec.wantText("done", fmt.Sprintf("已审核通过并公布 %d 份承诺", len(ids)), "没有待审核的承诺")
	t.Logf("10 commitments read, approved and published in %d taps", taps)
	if taps > 15 {
		t.Errorf("%d taps to review 10 commitments; want at most 15", taps)
	}
	for _, id := range ids {
		var state string
		if err := a.DB.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT state FROM commitments WHERE id = ?`, id).Scan(&state)
		}); err != nil || state != string(commitment.Published) {
			t.Errorf("commitment %d is %q (%v), want published", id, state, err)
		}
	}
}
