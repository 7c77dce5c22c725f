package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/go-rod/rod/lib/devices"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// zoom200 is a 360×740 phone at 200 % browser zoom: a 180×370 CSS-pixel
// viewport (four device pixels to the CSS pixel).
var zoom200 = devices.Device{Title: "phone 360 at 200% zoom", Capabilities: []string{"touch", "mobile"}, UserAgent: phone.UserAgent, AcceptLanguage: "zh-CN",
	Screen: devices.Screen{DevicePixelRatio: 4, Horizontal: devices.ScreenSize{Width: 370, Height: 180}, Vertical: devices.ScreenSize{Width: 180, Height: 370}}}

// noSideScroll fails the test when the page the session shows scrolls
// sideways in a viewport width px wide, naming the widest elements.
func (s *session) noSideScroll(where string, width int) {
	s.t.Helper()
	sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int()
	if sw <= width+1 {
		return
	}
	culprits := s.p().MustEval(`w => Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest(".table-wrap")).slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : "") + " → " + Math.round(e.getBoundingClientRect().right)).join("; ")`, width).Str()
	s.t.Errorf("%s: %d px wide in a %d px viewport (%s)", where, sw, width, culprits)
	s.capture("zoom-"+regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(where, "_")+".png", false)
}

// TestNoSideScrollAtZoom200: a member on a 360 px phone at 200 % zoom (a
// 180 px viewport) fills in the commitment form (adding an item, and with
// its errors shown) and opens every page of the route list a member can
// open, with their own pages; nothing scrolls sideways (a table may scroll
// inside its own focusable frame).
func TestNoSideScrollAtZoom200(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := startFullApp(t, d)
		pl := newPageList(t, a)
		username, password, own := memberAccount(t, a, d)
		s := newSession(t, a.app, phone360)
		s.login("office", "demo")
		pages := pl.paths(t, pl.upload(s, "已调入"))

		m := newSession(t, a.app, zoom200)
		m.login(username, password)
		if w := m.p().MustEval(`() => window.innerWidth`).Int(); w != 180 {
			t.Fatalf("viewport is %d CSS px wide, want 180", w)
		}

		// The commitment form: the member's own (new or to revise).
		m.open("/commitments")
		if m.p().MustHas(`#mine a.button.primary`) {
			m.click(`#mine a.button.primary`)
		} else {
			m.open("/commitments/new")
		}
		if !m.p().MustHas(`button[name="add_item"]`) {
			t.Fatalf("the member's commitment form has no 添加一项 (at %s):\n%s", m.p().MustInfo().URL, m.text())
		}
		m.noSideScroll("commitment form", 180)
		m.click(`button[name="add_item"]`)
		m.noSideScroll("commitment form, item added", 180)
		m.p().MustElement(`textarea[name="items.1.content"]`).MustInput("")
		if m.p().MustHas(`button[name="submit"]`) {
			m.click(`button[name="submit"]`)
			if !m.p().MustHas("#error-summary") {
				t.Errorf("an empty second item gave no error summary")
			}
			m.noSideScroll("commitment form with errors", 180)
		}
		// Every page the member can open.
		mine := []string{fmt.Sprintf("/members/%d", own)}
		for _, q := range []struct{ sql, format string }{
			{`SELECT id FROM commitments WHERE member_id = ? ORDER BY id LIMIT 1`, "/commitments/%s"},
			{`SELECT id FROM commitments WHERE member_id = ? ORDER BY id LIMIT 1`, "/commitments/%s/keeping"},
			{`SELECT id FROM duties WHERE member_id = ? ORDER BY id LIMIT 1`, "/duties/%s"},
		} {
			var id string
			if err := d.View(context.Background(), func(tx *db.Tx) error { return tx.QueryRow(context.Background(), q.sql, own).Scan(&id) }); err == nil {
				mine = append(mine, fmt.Sprintf(q.format, id))
			}
		}
		n := 0
		for _, p := range append(pages, mine...) {
			m.open(p)
			status := m.p().MustEval(`() => performance.getEntriesByType("navigation")[0].responseStatus || 0`).Int()
			u, _ := url.Parse(m.p().MustInfo().URL)
			if status == 403 || status == 404 || (u.Path == "/login" && p != "/login") {
				continue
			}
			n++
			m.noSideScroll(p, 180)
		}
		// The main menu, opened: every item inside the 180 px viewport.
		m.open("/")
		m.p().MustElement("nav.main details.menu > summary").MustClick()
		m.noSideScroll("home with the menu open", 180)
		for _, l := range m.p().MustElements("nav.main .groups a") {
			if box := l.MustShape().Box(); box.X < 0 || box.X+box.Width > 181 || box.Height < 44 {
				t.Errorf("at 200%% zoom menu item %s lies at x=%.0f…%.0f, %.0f px tall", *l.MustAttribute("href"), box.X, box.X+box.Width, box.Height)
			}
		}
		t.Logf("%d member pages at 200%% zoom on a 360 px phone", n)
		if n < 15 {
			t.Errorf("only %d pages open for a member; the sweep is too thin", n)
		}
	})
}
