package e2e_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/devices"

	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// phone360 is the 360×740 phone of issue 10.
var phone360 = devices.Device{Title: "phone 360", Capabilities: []string{"touch", "mobile"}, UserAgent: phone.UserAgent, AcceptLanguage: "zh-CN",
	Screen: devices.Screen{DevicePixelRatio: 2, Horizontal: devices.ScreenSize{Width: 740, Height: 360}, Vertical: devices.ScreenSize{Width: 360, Height: 740}}}

// menuAlways are the menu's items every logged-in person is offered
// besides 首页 (the campaigns, commitments, meetings and calendar pages
// show each person what their roles reach).
var menuAlways = []string{"/campaigns", "/commitments", "/meetings", "/calendar"}

// menuPages names the page of each org.MenuMay verdict (by its JSON name).
// A verdict not named here is still counted: the panel must hold one item
// for each verdict the actor has.
var menuPages = map[string]string{
	"tree": "/orgs", "roster": "/members", "reports": "/reports", "notices": "/notices", "rectify": "/rectifications",
	"inspections": "/inspections", "nominations": "/nominations", "reviews": "/reviews", "evaluations": "/evaluations",
	"written": "/reports/written", "summaries": "/summaries",
}

// menuWant derives the menu items an actor is offered from their
// org.MenuMay verdicts: the pages it names (offered) and refuses, and how
// many items the panel holds.
func menuWant(t *testing.T, m org.MenuMay) (offered, refused []string, n int) {
	t.Helper()
	offered = append(offered, menuAlways...)
	v := reflect.ValueOf(m)
	for i := 0; i < v.NumField(); i++ {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		on := v.Field(i).Bool()
		if on {
			n++
		}
		switch href, ok := menuPages[name]; {
		case ok && on:
			offered = append(offered, href)
		case ok:
			refused = append(refused, href)
		}
	}
	return offered, refused, n + len(menuAlways)
}

// navFits checks the main menu on a 360 px phone: the page does not scroll
// sideways; 首页 and the 菜单 toggle are in one row of 44 px targets; once
// the toggle is opened every item the actor's org.MenuMay offers (and none
// it refuses) is visible and tappable inside the screen, still without
// sideways scrolling. It closes the menu again and returns the items.
func navFits(t *testing.T, s *session, a *fullApp, who string) []string {
	t.Helper()
	if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("%s: home is %d px wide on a 360 px phone", who, sw)
	}
	home, toggle := s.p().MustElement(`nav.main > a[href="/"]`), s.p().MustElement(`nav.main details.menu > summary`)
	for _, e := range []*rod.Element{home, toggle} {
		if box := e.MustShape().Box(); box.X < 0 || box.X+box.Width > 361 || box.Height < 44 {
			t.Errorf("%s: %q lies at x=%.0f…%.0f, %.0f px tall; want inside the screen, ≥ 44 px", who, e.MustText(), box.X, box.X+box.Width, box.Height)
		}
	}
	if n := s.p().MustEval(`() => Array.from(document.querySelectorAll("nav.main .groups a")).filter(a => a.checkVisibility()).length`).Int(); n != 0 {
		t.Errorf("%s: %d menu items show before the toggle is opened", who, n)
	}
	toggle.MustClick()
	if !s.p().MustHas(`details.menu[open]`) {
		t.Fatalf("%s: the 菜单 toggle does not open the menu", who)
	}
	s.capture("menu-open-"+who+".png", false)
	if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
		t.Errorf("%s: with the menu open the page is %d px wide", who, sw)
	}
	var hrefs []string
	for _, l := range s.p().MustElements("nav.main .groups a") {
		box := l.MustShape().Box()
		href := *l.MustAttribute("href")
		if box.X < 0 || box.X+box.Width > 361 || box.Width == 0 || box.Height < 44 {
			t.Errorf("%s: menu item %s lies at x=%.0f…%.0f, %.0f px tall; want inside the 360 px screen, ≥ 44 px", who, href, box.X, box.X+box.Width, box.Height)
		}
		// Tappable: the item itself is what a tap at its centre reaches.
		if !s.p().MustEval(`(x, y, h) => { const e = document.elementFromPoint(x, y); return !!e && !!e.closest("a") && e.closest("a").getAttribute("href") === h; }`, box.X+box.Width/2, box.Y+box.Height/2, href).Bool() {
			t.Errorf("%s: a tap on menu item %s reaches something else", who, href)
		}
		hrefs = append(hrefs, href)
	}
	offered, refused, n := menuWant(t, a.actor(t, who).Menu())
	if len(hrefs) != n {
		t.Errorf("%s: the menu has %d items, the actor's verdicts offer %d: %v", who, len(hrefs), n, hrefs)
	}
	got := " " + strings.Join(hrefs, " ") + " "
	for _, h := range offered {
		if !strings.Contains(got, " "+h+" ") {
			t.Errorf("%s: the menu lacks %s: %v", who, h, hrefs)
		}
	}
	for _, h := range refused {
		if strings.Contains(got, " "+h+" ") {
			t.Errorf("%s: the menu offers %s, which their roles cannot use", who, h)
		}
	}
	toggle.MustClick()
	return hrefs
}

// TestHomeByRoleOnPhone: issue 10's first screen for a member, a secretary,
// a liaison leader and the office, on a 360×740 phone.
func TestHomeByRoleOnPhone(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := startFullApp(t, d)
		ctx := context.Background()

		t.Run("member", func(t *testing.T) {
			// A plain member (no post, no liaison) who has not written a
			// commitment: the next step is 写承诺 on the commitment form.
			user := a.id(t, `SELECT u.username FROM users u JOIN members m ON m.id = u.member_id
				WHERE NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role <> 'member')
				  AND NOT EXISTS (SELECT 1 FROM liaisons l WHERE l.member_id = m.id)
				  AND NOT EXISTS (SELECT 1 FROM commitments c WHERE c.member_id = m.id)
				ORDER BY u.id LIMIT 1`)
			s := newSession(t, a.app, phone360)
			s.login(user, "demo")
			hrefs := navFits(t, s, a, user)
			for _, h := range hrefs {
				if h == "/members" || h == "/orgs" || h == "/notices" || h == "/reports" {
					t.Errorf("member %s is offered %s, a page for posts they do not hold", user, h)
				}
			}
			if !strings.Contains(strings.Join(hrefs, " "), "/commitments") {
				t.Errorf("member %s: the menu lacks 公开承诺: %v", user, hrefs)
			}
			steps := s.p().MustElements("#next a.button")
			if len(steps) == 0 {
				t.Fatalf("member %s: no next-step button on the home page:\n%s", user, s.text())
			}
			var write string
			for _, st := range steps {
				href := *st.MustAttribute("href")
				if strings.HasPrefix(href, "/campaigns/") {
					t.Errorf("member %s: next step %q links to the campaign page %s", user, st.MustText(), href)
				}
				if strings.HasPrefix(href, "/commitments/new") {
					write = href
				}
				if box := st.MustShape().Box(); box.Height < 44 {
					t.Errorf("member %s: next step %q is %.0f px tall, want ≥ 44", user, st.MustText(), box.Height)
				}
			}
			if write == "" {
				t.Fatalf("member %s without a commitment has no 写承诺 step:\n%s", user, s.text())
			}
			// Follow it: the commitment form for the current campaign is there.
			s.open(write)
			s.p().MustElement(`form[action="/commitments"] button`)
			camp := a.id(t, `SELECT CAST(campaign_id AS TEXT) FROM campaign_phases ORDER BY id LIMIT 1`)
			if v := *s.p().MustElement(`form[action="/commitments"] input[name="campaign_id"]`).MustAttribute("value"); v != camp {
				t.Errorf("the 写承诺 form is for campaign %s, want %s", v, camp)
			}
		})

		t.Run("member with a published commitment", func(t *testing.T) {
			// Every step opens a page with the form it names.
			user := a.id(t, `SELECT u.username FROM users u JOIN commitments c ON c.member_id = u.member_id
				WHERE c.state = 'published' AND c.kind = 'member'
				  AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role <> 'member')
				  AND NOT EXISTS (SELECT 1 FROM commitment_selfchecks sc WHERE sc.commitment_id = c.id)
				ORDER BY u.id LIMIT 1`)
			s := newSession(t, a.app, phone360)
			s.login(user, "demo")
			navFits(t, s, a, user)
			var hrefs []string
			for _, st := range s.p().MustElements("#next a.button") {
				hrefs = append(hrefs, *st.MustAttribute("href"))
			}
			if len(hrefs) == 0 && !strings.Contains(s.text(), "全部完成") {
				t.Fatalf("member %s: neither a next step nor 全部完成:\n%s", user, s.text())
			}
			for _, h := range hrefs {
				path, frag, _ := strings.Cut(h, "#")
				want := map[string]string{"selfcheck": "#selfcheck-form", "progress": "#progress-form"}[frag]
				switch { // the written report and the activity summary (report)
				case strings.HasPrefix(h, "/reports/write"):
					want = "#report-write"
				case strings.HasPrefix(h, "/summaries/write"):
					want = "#summary-write"
				}
				if want == "" {
					t.Errorf("member %s: step %s names no form on the keeping page", user, h)
					continue
				}
				s.open(path)
				s.p().MustElement(want + " button")
			}
		})

		t.Run("secretary", func(t *testing.T) {
			s := newSession(t, a.app, phone360)
			s.login("scyc", "demo")
			navFits(t, s, a, "scyc")
			q, err := (&commitment.Service{DB: d}).Queue(ctx, a.actor(t, "scyc"), commitment.QueueFilter{})
			if err != nil {
				t.Fatal(err)
			}
			link := s.p().MustElement(`#counts a[href="/commitments/queue"]`)
			if got := link.MustElement("strong").MustText(); got != fmt.Sprint(q.Total) {
				t.Errorf("secretary: 待审核 shows %s, the queue holds %d", got, q.Total)
			}
			st, err := a.Campaign.Standings(ctx, a.actor(t, "scyc"))
			if err != nil {
				t.Fatal(err)
			}
			if len(st) != 1 || st[0].Unit.Name != "市渔场" {
				t.Fatalf("secretary of 市渔场 stands for %v", st)
			}
			late := s.p().MustElement(`#counts a[href^="/campaigns/"] strong`).MustText()
			if late != fmt.Sprint(st[0].Late) {
				t.Errorf("secretary: 逾期 shows %s, the branch has %d late", late, st[0].Late)
			}
			mp, err := a.Meeting.List(ctx, a.actor(t, "scyc"), meeting.Filter{When: "upcoming", PerPage: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.p().MustElement(`#counts a[href="/meetings?when=upcoming"] strong`).MustText(); got != fmt.Sprint(mp.Total) {
				t.Errorf("secretary: 待签到会议 shows %s, the meeting list has %d", got, mp.Total)
			}
			for _, l := range s.p().MustElements("#counts a") {
				if box := l.MustShape().Box(); box.Height < 44 || box.X+box.Width > 361 {
					t.Errorf("secretary: count link %q is %.0f px tall, ends at %.0f", l.MustText(), box.Height, box.X+box.Width)
				}
			}
			s.open("/commitments/queue")
			s.wantText("the review queue", "待审核")
		})

		t.Run("liaison leader", func(t *testing.T) {
			s := newSession(t, a.app, phone360)
			s.login("dingshichun", "demo")
			navFits(t, s, a, "dingshichun")
			lines := s.p().MustElements("#liaison li")
			if len(lines) != 1 || !strings.Contains(lines[0].MustText(), "市渔场") {
				t.Errorf("liaison leader of 市渔场 sees %d liaison lines: %s", len(lines), s.text())
			}
			// The line is the branch's status: its rate and late count as the grid has them.
			st, err := a.Campaign.Standings(ctx, a.actor(t, "dingshichun"))
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range st {
				if x.Liaison && !strings.Contains(lines[0].MustText(), fmt.Sprintf("%d%%", x.Percent())) {
					t.Errorf("liaison line %q lacks %d%%", lines[0].MustText(), x.Percent())
				}
			}
		})

		t.Run("office", func(t *testing.T) {
			s := newSession(t, a.app, phone360)
			s.login("office", "demo")
			hrefs := navFits(t, s, a, "office")
			if m := a.actor(t, "office").Menu(); !m.Tree || !m.Roster || !m.Notices || !m.Reviews || !m.Evaluations || len(hrefs) < 13 {
				t.Errorf("the office is offered only %v (verdicts %+v)", hrefs, m)
			}
			st, err := a.Campaign.Standings(ctx, a.actor(t, "office"))
			if err != nil {
				t.Fatal(err)
			}
			lines := s.p().MustElements("#standings ol.standing > li")
			if len(lines) != len(st) || len(st) < 2 {
				t.Fatalf("office sees %d standing lines, the grid has %d branches", len(lines), len(st))
			}
			for i, l := range lines {
				if !strings.Contains(l.MustText(), st[i].Unit.Name) {
					t.Errorf("line %d reads %q, want %s", i, l.MustText(), st[i].Unit.Name)
				}
				if h := l.MustShape().Box().Height; h > 50 {
					t.Errorf("line %d (%s) is %.0f px tall: more than one line", i, st[i].Unit.Name, h)
				}
			}
			for i := 1; i < len(st); i++ {
				if st[i-1].Percent() > st[i].Percent() {
					t.Errorf("standings not worst first: %s %d%% before %s %d%%", st[i-1].Unit.Name, st[i-1].Percent(), st[i].Unit.Name, st[i].Percent())
				}
			}
			// Every to-do is on the page once: a branch's folded under its
			// line, the office's own unit's in 其他待办; no flat list repeats them.
			due, err := a.Campaign.DueSoon(ctx, a.actor(t, "office"))
			if err != nil {
				t.Fatal(err)
			}
			if len(due) == 0 {
				t.Fatal("the office has no to-dos in the demo; the check below needs some")
			}
			links := map[string]int{}
			for _, l := range s.p().MustElements("main a") {
				links[*l.MustAttribute("href")+" "+strings.TrimSpace(l.MustProperty("textContent").String())]++
			}
			for _, it := range due {
				if it.Mine {
					continue // the office's own next steps, checked for members above
				}
				if n := links[it.URL+" "+it.Title]; n != 1 {
					t.Errorf("to-do %q (%s, %s) is linked %d times on the home page, want once", it.Title, it.Unit.Name, it.URL, n)
				}
			}
			if strings.Contains(s.text(), "本周待办") {
				t.Errorf("the home page still has the old 本周待办 list")
			}
			// Lines link to the branch's row of the grid.
			s.open(*lines[0].MustElement("a").MustAttribute("href"))
			s.wantText("the grid", st[0].Unit.Name)
		})
	})
}
