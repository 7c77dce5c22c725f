package e2e_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
)

// gridPage loads the demo campaign and returns the path of its progress grid.
func gridPage(t *testing.T, a *app) string {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.LoadCampaign(ctx, a.DB, a.Org, a.Campaign); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM campaigns ORDER BY id LIMIT 1`).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("/campaigns/%d", id)
}

type box struct{ Left, Right, Top, Bottom float64 }

func (s *session) box(selector string) box {
	s.t.Helper()
	r := s.p().MustEval(`sel => { const r = document.querySelector(sel).getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom} }`, selector)
	return box{r.Get("l").Num(), r.Get("r").Num(), r.Get("t").Num(), r.Get("b").Num()}
}

// TestGridKeepsNamesAndRate: at 1280, 1440 and 1920 px the office sees
// each branch's name and 完成率 on the screen, and they stay there while the
// seven phases scroll under them in the table's own scroller; the chart's
// text is at least 12 px at its rendered scale, also on a phone; the chart
// and the scrolling tables are named for a screen reader and the tables
// can be scrolled from the keyboard.
func TestGridKeepsNamesAndRate(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	path := gridPage(t, a)
	s := newSession(t, a, desktop)
	s.login("office", "demo")
	for _, w := range []int{1280, 1440, 1920} {
		s.p().MustSetViewport(w, 900, 1, false)
		s.open(path)
		if n := s.p().MustEval(`() => document.querySelectorAll("#progress thead th[title]").length`).Int(); n != 7 {
			t.Fatalf("%d phases on the grid, want 7", n)
		}
		wrap := s.box(".grid-scroll")
		name, rate := s.box("#progress thead th.name"), s.box("#progress thead th.rate")
		if rate.Right > float64(w) || rate.Right > wrap.Right+1 || rate.Left < name.Right-1 {
			t.Errorf("at %d px the 完成率 header is at %.0f–%.0f px (names end at %.0f, the scroller at %.0f): not on the screen", w, rate.Left, rate.Right, name.Right, wrap.Right)
		}
		first := s.p().MustEval(`() => document.querySelector("#progress tbody tr").children[1].textContent`).Str()
		if !regexp.MustCompile(`^\d+%$`).MatchString(strings.TrimSpace(first)) {
			t.Errorf("the first data column is %q, want the 完成率", first)
		}
		// Scroll the phases to the far end: name and rate do not move.
		scrolled := s.p().MustEval(`() => { const w = document.querySelector(".grid-scroll"); w.scrollLeft = w.scrollWidth; return w.scrollLeft }`).Num()
		name2, rate2 := s.box("#progress tbody th.name"), s.box("#progress tbody td.rate")
		if name2.Left < wrap.Left-1 || name2.Left > wrap.Left+1 || rate2.Left < name2.Right-1 || rate2.Left > name2.Right+1 {
			t.Errorf("at %d px, scrolled %.0f px: the name is at %.0f (scroller %.0f), the rate at %.0f (name ends %.0f)", w, scrolled, name2.Left, wrap.Left, rate2.Left, name2.Right)
		}
		last := s.box("#progress thead th:last-child")
		if last.Right > wrap.Right+1 {
			t.Errorf("at %d px, scrolled to the end, the last column still ends at %.0f past the scroller's %.0f", w, last.Right, wrap.Right)
		}
		if w == 1280 {
			if scrolled == 0 {
				t.Logf("at 1280 px the grid fits without scrolling")
			}
			publishScreenshot(t, s.capture("campaign-grid-1280.png", false))
		}
	}

	// Accessibility: the chart is an image with a name; every scrolling table can take the focus.
	svg := s.p().MustElement("figure.chart svg")
	if r := svg.MustAttribute("role"); r == nil || *r != "img" {
		t.Errorf("the chart's role is %v, want img", r)
	}
	if l := svg.MustAttribute("aria-label"); l == nil || !strings.Contains(*l, "完成") {
		t.Errorf("the chart's aria-label is %v", l)
	}
	if title := s.p().MustEval(`() => (document.querySelector("figure.chart svg > title") || {}).textContent || ""`).Str(); title == "" {
		t.Error("the chart has no <title>")
	}
	wraps := s.p().MustEval(`() => [...document.querySelectorAll("main .table-wrap")].map(w => w.getAttribute("tabindex") + "|" + (w.getAttribute("aria-label") || ""))`).Arr()
	if len(wraps) < 2 {
		t.Errorf("%d scrolling tables on the grid page", len(wraps))
	}
	for _, v := range wraps {
		if tab, label, _ := strings.Cut(v.Str(), "|"); tab != "0" || label == "" {
			t.Errorf("a scrolling table has tabindex %q and aria-label %q", tab, label)
		}
	}

	// Chart text at its rendered size, on the desktop and on a 360 px phone.
	for _, vp := range []struct{ w, h int }{{1280, 900}, {360, 740}} {
		s.p().MustSetViewport(vp.w, vp.h, 2, vp.w < 500)
		s.open(path)
		sizes := s.p().MustEval(`() => [...document.querySelectorAll("figure.chart svg text")]
			.filter(t => getComputedStyle(t).display !== "none")
			.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)`).Arr()
		if len(sizes) < 7 {
			t.Errorf("at %d px the chart shows %d labels", vp.w, len(sizes))
		}
		for i, v := range sizes {
			if v.Num() < 12 {
				t.Errorf("at %d px chart label %d renders at %.1f px, want ≥ 12", vp.w, i, v.Num())
			}
		}
		if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > vp.w {
			t.Errorf("at %d px the grid page is %d px wide", vp.w, sw)
		}
	}
}

// TestGridPrintsEveryPhase: the office prints the progress grid; it comes
// out on landscape A4 with all seven phases, every branch, its 完成率 and
// every cell of the grid (none cut off at the page's edge).
func TestGridPrintsEveryPhase(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	path := gridPage(t, a)
	s := newSession(t, a, desktop)
	s.login("office", "demo")
	s.open(path)
	phases := s.p().MustEval(`() => [...document.querySelectorAll("#progress thead th[title]")].map(th => th.title)`).Arr()
	branches := s.p().MustEval(`() => [...document.querySelectorAll("#progress tbody th.name a")].map(a => a.textContent.trim())`).Arr()
	cells := s.p().MustEval(`() => document.querySelectorAll("#progress td.st a").length`).Int()
	if len(phases) != 7 || len(branches) < 5 || cells < 7*len(branches)/2 {
		t.Fatalf("the grid shows %d phases, %d branches, %d cells", len(phases), len(branches), cells)
	}
	text, w, h := s.printPDF("campaign-grid-print.pdf")
	if w < h || w < 840 || w > 843 {
		t.Errorf("printed on %.0f × %.0f pt, want A4 landscape (842 × 595)", w, h)
	}
	flat := strings.Join(strings.Fields(text), "")
	for _, p := range phases {
		if !strings.Contains(flat, p.Str()) {
			t.Errorf("phase %q is not on the paper", p.Str())
		}
	}
	for _, b := range branches {
		if !strings.Contains(text, b.Str()) {
			t.Errorf("branch %q is not on the paper (or its name is broken across lines)", b.Str())
		}
	}
	for _, want := range []string{"完成率", "会议待办"} {
		if !strings.Contains(flat, want) {
			t.Errorf("column %s is not on the paper", want)
		}
	}
	// Every grid cell reads "状态 done/total"; the phase table adds one
	// "done/total（p%）" a phase (the overall "done / total 项" is not counted).
	if n := len(regexp.MustCompile(`\d+/\d+[^\d项]`).FindAllString(flat, -1)); n != cells+len(phases) {
		t.Errorf("the paper carries %d done/total figures, want %d (%d grid cells and %d phases)", n, cells+len(phases), cells, len(phases))
	}
}
