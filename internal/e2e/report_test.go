package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// TestMemberWritesReportFromHome: on a 360×740 phone, a member's home page
// offers 党员向党支部书面汇报 as a next step; the button opens the written
// report form, the member writes and sends it, and the campaign records it
// (review.report), so the grid's cell counts them.
func TestMemberWritesReportFromHome(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := startFullApp(t, d)
		ctx := context.Background()
		var year int
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT MAX(year) FROM campaigns WHERE status = 'active'`).Scan(&year)
		}); err != nil {
			t.Fatal(err)
		}
		// Early July: round 1's written reports are due on 07-03. Take a
		// member the demo left without a written report.
		july := time.Date(year, 7, 2, 10, 0, 0, 0, d.Location())
		d.Now = func() time.Time { return july }
		user := a.id(t, `SELECT u.username FROM users u JOIN members m ON m.id = u.member_id
			WHERE m.oral = FALSE AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.kind = 'member' AND r.from_member_id = m.id)
			  AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role <> 'member')
			  AND NOT EXISTS (SELECT 1 FROM liaisons l WHERE l.member_id = m.id)
			ORDER BY u.id LIMIT 1`)
		s := newSession(t, a.app, phone360)
		s.login(user, "demo")
		var href string
		for _, st := range s.p().MustElements("#next a.button") {
			h := *st.MustAttribute("href")
			if strings.HasPrefix(h, "/reports/write?kind=member") {
				href = h
				if box := st.MustShape().Box(); box.Height < 44 {
					t.Errorf("the 书面汇报 step is %.0f px tall, want ≥ 44", box.Height)
				}
				if !strings.Contains(st.MustText(), "书面汇报") {
					t.Errorf("the step reads %q", st.MustText())
				}
			}
		}
		if href == "" {
			t.Fatalf("member %s: no 书面汇报 next step:\n%s", user, s.text())
		}
		s.click(`#next a.button[href="` + href + `"]`)
		s.p().MustElement(`#report-write`)
		if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
			t.Errorf("the report form is %d px wide on a 360 px phone", sw)
		}
		if b := s.box(`#report-send`); b.Bottom-b.Top < 44 {
			t.Errorf("the 报送 button is %.0f px tall", b.Bottom-b.Top)
		}
		s.p().MustElement(`#report-body`).MustInput("上半年我按承诺参加支部学习和志愿服务，完成了岗位上的三项重点工作，存在学习不够系统的问题，下一步加强学习。")
		s.click(`#report-send`)
		if st := s.p().MustElement(`#report-status`).MustText(); !strings.Contains(st, "已报送") {
			t.Fatalf("after sending the status reads %q:\n%s", st, s.text())
		}
		if n := a.id(t, `SELECT CAST(COUNT(*) AS TEXT) FROM campaign_signals s JOIN users u ON u.member_id = s.member_id
			WHERE s.kind = ? AND u.username = ?`, campaign.KindReviewReport, user); n != "1" {
			t.Errorf("review.report recorded %s times", n)
		}
		// Back home: the step is gone.
		s.open("/")
		for _, st := range s.p().MustElements("#next a.button") {
			if strings.HasPrefix(*st.MustAttribute("href"), "/reports/write") {
				t.Errorf("the 书面汇报 step is still offered after sending")
			}
		}
	})
}
