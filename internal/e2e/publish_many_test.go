package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// tenSubmitted: on 8 June 2026, the office starts this year's campaign
// (publishing a separate step when separately) and ten members of 市渔场
// (not its secretary) submit their commitments. It returns the campaign
// and the commitments.
func tenSubmitted(t *testing.T, a *app, separately bool) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	a.DB.Now = func() time.Time { return time.Date(2026, 6, 8, 10, 0, 0, 0, shanghai) }
	cs := &commitment.Service{DB: a.DB}

	var officeID int64
	var userIDs []int64
	err := a.DB.View(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT us.id FROM users us JOIN members m ON m.id = us.member_id `+org.JoinUnit("u", "m.unit_id")+`
			WHERE u.name = '市渔场' AND us.username <> 'scyc' ORDER BY m.id LIMIT 10`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			userIDs = append(userIDs, id)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(userIDs) < 10 {
		t.Fatalf("市渔场 has %d member accounts besides the secretary; the test needs 10", len(userIDs))
	}
	office, err := a.Org.Actor(ctx, officeID)
	if err != nil {
		t.Fatal(err)
	}
	camp, err := a.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: a.unitID(t, demo.RootName)})
	if err != nil {
		t.Fatal(err)
	}
	if separately {
		if err := a.Campaign.SetPublishSeparately(ctx, office, camp.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for i, uid := range userIDs {
		m, err := a.Org.Actor(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cs.Create(ctx, m, commitment.Input{CampaignID: camp.ID, Kind: commitment.MemberKind, Submit: true, Items: []commitment.Item{
			{Category: "学习内容", Content: fmt.Sprintf("认真学习党章，撰写心得体会%d篇", i+2), Deadline: civil.Date{Y: 2026, M: 12, D: 31}, Tag: "带头学习提高"},
			{Category: "工作目标", Content: fmt.Sprintf("推广健康养殖技术%d亩", 100+i), Measures: "每季度下塘指导", Deadline: civil.Date{Y: 2026, M: 11, D: 30}, Tag: "带头争创佳绩"},
		}})
		if err != nil {
			t.Fatalf("member %d submits: %v", uid, err)
		}
		ids = append(ids, c.ID)
	}

	return camp.ID, ids
}

// TestPublishTenInFewTaps: where the office keeps publishing a separate
// step, the secretary of 市渔场 has approved ten commitments; on a 360 px
// phone she goes from 公开承诺 to the queue's 待公布 tab, ticks them all with
// 全选 and publishes them with 批量公布 (and its confirmation): at most 6
// taps, every target at least 44 px high.
func TestPublishTenInFewTaps(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	ctx := context.Background()
	_, ids := tenSubmitted(t, a, true)
	sec := newSession(t, a, phone360)
	sec.login("scyc", "demo")
	var secID int64
	if err := a.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'scyc'`).Scan(&secID)
	}); err != nil {
		t.Fatal(err)
	}
	secretary, err := a.Org.Actor(ctx, secID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&commitment.Service{DB: a.DB}).ApproveMany(ctx, secretary, ids); err != nil {
		t.Fatalf("approve the ten: %v", err)
	}

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
	tapAndLoad := func(selector string) {
		t.Helper()
		wait := sec.p().MustWaitNavigation()
		target(selector).MustClick()
		taps++
		wait()
	}
	tapAndLoad(`a[href^="/commitments/queue"]`)
	// One-step publishing is not offered; the 待公布 tab is.
	if sec.p().MustHas("#bulk-publish") {
		t.Errorf("the queue offers 批量通过并公布 where publishing is a separate step")
	}
	tapAndLoad(`nav.tabs a[href*="state=publish"]`)
	sec.wantText("待公布", "待公布", "批量公布")
	if n := len(sec.p().MustElements(`#queue input[name="ids"]`)); n != len(ids) {
		t.Fatalf("待公布 lists %d commitments, want %d", n, len(ids))
	}
	target(`#select-all`).MustClick()
	taps++
	if n := sec.p().MustEval(`() => document.querySelectorAll('input[name="ids"]:checked').length`).Int(); n != len(ids) {
		t.Fatalf("全选 ticked %d of %d", n, len(ids))
	}
	if sw := sec.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 360 {
		t.Errorf("the 待公布 queue is %d px wide on a 360 px phone", sw)
	}
	bulk := target(`#bulk-publish-approved`)
	waitDialog, handle := sec.page.MustHandleDialog()
	wait := sec.page.MustWaitNavigation()
	go func() { _ = bulk.Click(proto.InputMouseButtonLeft, 1) }()
	taps++
	waitDialog()
	handle(true, "")
	taps++
	wait()
	sec.wantText("done", fmt.Sprintf("已公布 %d 份承诺", len(ids)), "没有待公布的承诺")
	t.Logf("10 approved commitments published in %d taps", taps)
	if taps > 6 {
		t.Errorf("%d taps to publish 10 commitments; want at most 6", taps)
	}
	for _, id := range ids {
		var state string
		var audits int
		if err := a.DB.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT state FROM commitments WHERE id = ?`, id).Scan(&state); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'commitment.publish' AND entity_id = ?`, id).Scan(&audits)
		}); err != nil || state != string(commitment.Published) || audits != 1 {
			t.Errorf("commitment %d is %q with %d publish audit entries (%v), want published and 1", id, state, audits, err)
		}
	}
}
