package e2e_test

import (
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// TestLedgerPhoneDeskPrint: the office's ledger (整改台账) on a 360 px phone
// is a list of cards with the overdue ones first and marked, 44 px tall
// targets; on a desk it is a table with the overdue rows first; on paper
// it is the table on A4 landscape with the lagging branch's overdue
// entries. From the card the office opens a closed entry and verifies it.
func TestLedgerPhoneDeskPrint(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := startFullApp(t, d)
		s := newSession(t, a.app, phone360)
		s.login("office", "demo")
		s.open("/rectifications")
		cards := s.p().MustEval(`() => [...document.querySelectorAll("li.ledger-card")].map(li => ({overdue: li.classList.contains("overdue"), h: li.querySelector("a").getBoundingClientRect().height}))`).Arr()
		if len(cards) < 5 || !cards[0].Get("overdue").Bool() {
			t.Fatalf("phone cards: %v", cards)
		}
		for _, c := range cards {
			if c.Get("h").Num() < 44 {
				t.Errorf("a card is %.0f px tall, want ≥ 44", c.Get("h").Num())
			}
		}
		if shown := s.p().MustEval(`() => getComputedStyle(document.querySelector(".ledger-table")).display`).Str(); shown != "none" {
			t.Errorf("the desk table shows on a phone (%s)", shown)
		}
		if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
			t.Errorf("the ledger is %d px wide on a 360 px phone", sw)
		}
		// Verify a closed entry from its page.
		s.open("/rectifications?status=done")
		wait := s.p().MustWaitNavigation()
		s.p().MustElement("li.ledger-card a").MustClick()
		wait()
		s.wantText("entry", "整改结果及佐证", "验收通过，销号")
		wait = s.p().MustWaitNavigation()
		s.p().MustElement(`button[value="verify"]`).MustClick()
		wait()
		s.wantText("verified", "已验收销号")

		desk := newSession(t, a.app, desktop)
		desk.login("office", "demo")
		desk.open("/rectifications")
		rows := desk.p().MustEval(`() => [...document.querySelectorAll("table.ledger-sheet tbody tr")].map(tr => tr.classList.contains("overdue"))`).Arr()
		if len(rows) < 5 || !rows[0].Bool() {
			t.Fatalf("desk table: %v", rows)
		}
		text, w, h := desk.printPDF("ledger-print-" + string(d.Engine) + ".pdf")
		if w < h || w < 840 || w > 843 {
			t.Errorf("printed on %.0f × %.0f pt, want A4 landscape (842 × 595)", w, h)
		}
		for _, want := range []string{"整改台账", "市果木园党支部", "逾期", "整改时限"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s is not on the paper", want)
			}
		}
	})
}
