package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/devices"

	"chuangzheng/internal/account"
	appwire "chuangzheng/internal/app"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
	"chuangzheng/internal/web"
)

// fullApp is the server as `serve --demo` builds it: every service wired
// by app.NewServices and the whole demo loaded by app.LoadDemo (campaign,
// meetings, commitments, duties, keeping, ledger, written reports and
// summaries, inspections, nominations, reviews, evaluations), on the given
// database.
type fullApp struct {
	*app
	Meeting *meeting.Service
	Notice  *notice.Service
	Duty    *duty.Service
	All     *appwire.Services
}

func startFullApp(t *testing.T, d *db.DB) *fullApp {
	t.Helper()
	ctx := context.Background()
	hasher := account.NewHasher(2)
	if loaded, err := demo.Load(ctx, d, hasher, "demo"); err != nil || !loaded {
		t.Fatalf("load demo bureau: loaded=%v err=%v", loaded, err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := appwire.NewServices(d, appwire.Wiring{Log: log})
	if made, err := appwire.LoadDemo(ctx, d, svc); err != nil || !made {
		t.Fatalf("load demo: made=%v err=%v", made, err)
	}
	ws := svc.Server(d)
	ws.Account, ws.Log, ws.Version = &account.Service{DB: d, Hasher: hasher}, log, "e2e"
	srv, err := web.New(ws)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &fullApp{app: &app{URL: hs.URL, DB: d, Org: svc.Org, Campaign: svc.Campaign}, Meeting: svc.Meeting, Notice: svc.Notice, Duty: svc.Duty, All: svc}
}

// id runs a query returning one id (or token) and fails the test when there is none.
func (a *fullApp) id(t *testing.T, q string, args ...any) string {
	t.Helper()
	var v string
	err := a.DB.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), q, args...).Scan(&v)
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// actor is the demo account's actor.
func (a *fullApp) actor(t *testing.T, username string) *org.Actor {
	t.Helper()
	var uid int64
	if err := a.DB.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM users WHERE username = ?`, username).Scan(&uid)
	}); err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	act, err := a.Org.Actor(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	return act
}

// getRoutes is every "GET /…" pattern of internal/web/routes.go, read from
// the source so that a page added there is checked here (or listed below).
func getRoutes(t *testing.T) []string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "internal", "web", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`"GET (/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	if len(out) < 50 {
		t.Fatalf("found only %d GET routes in routes.go", len(out))
	}
	return out
}

// secretaryPages are the pages of the route list that only a branch's
// secretary opens (the office is refused): TestNoPageWiderThanPhone visits
// them as 市渔场's secretary.
var secretaryPages = map[string]string{
	"/reviews/members": "the list review of a branch's members is its secretary's (review)",
}

// secretaryRound names the secretary's round of TestNoPageWiderThanPhone.
const secretaryRound = "secretary scyc"

// notPages are the GET routes that do not answer with an HTML page, or
// cannot be visited as one; each with the reason.
var notPages = map[string]string{
	"/lang/{lang}":                 "redirects back (sets the language cookie)",
	"/members/export":              "an .xlsx download",
	"/import/{id}/problems.xlsx":   "an .xlsx download (checked in TestImportPreviewMappingAndProblemsFile)",
	"/import/template.xlsx":        "an .xlsx download",
	"/campaigns/{id}/export.xlsx":  "an .xlsx download",
	"/files/{id}":                  "a file download",
	"/calendar/{token}":            "an iCalendar feed",
	"/meetings/{id}/qr.png":        "a PNG",
	"/public/units/{id}/board.pdf": "a PDF",
	"/keeping/files/{id}":          "a file download",
	"/rectifications/export.xlsx":  "an .xlsx download",
	"/rectifications/files/{id}":   "a file download",
	"/healthz":                     "plain text",
	"/readyz":                      "plain text",
	"/metrics":                     "Prometheus text",
	"/favicon.ico":                 "an icon",
	"/static/":                     "CSS and scripts",
	"/api/v1/commitments/{id}/versions/{version}": "JSON",
	"/evaluations/{id}/results.xlsx":              "an .xlsx download (checked in TestEvaluationPages)",
}

func TestNoPageWiderThanPhone(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := startFullApp(t, d)
		office := a.actor(t, "office")
		pl := newPageList(t, a)
		fill, heldMeeting, member, camp := pl.fill, pl.meeting, pl.member, pl.campaign
		small := devices.Device{Title: "phone 360", Capabilities: []string{"touch", "mobile"}, UserAgent: phone.UserAgent, AcceptLanguage: "zh-CN",
			Screen: devices.Screen{DevicePixelRatio: 2, Horizontal: devices.ScreenSize{Width: 740, Height: 360}, Vertical: devices.ScreenSize{Width: 360, Height: 740}}}
		s := newSession(t, a.app, small)
		s.login("office", "demo")
		if w := s.p().MustEval(`() => window.innerWidth`).Int(); w != 360 {
			t.Fatalf("viewport is %d px wide, want 360", w)
		}
		paths := func(importID string) []string { return pl.paths(t, importID) }

		check := func(s *session, round string, pages []string) {
			t.Helper()
			var wide []string
			for _, p := range pages {
				s.open(p)
				status := s.p().MustEval(`() => performance.getEntriesByType("navigation")[0].responseStatus || 0`).Int()
				if path, _, _ := strings.Cut(p, "?"); status == 403 && secretaryPages[path] != "" && round != secretaryRound {
					continue // visited as the branch's secretary below
				}
				if status >= 400 {
					t.Errorf("%s: %s answered %d", round, p, status)
				}
				sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int()
				if sw > 361 {
					// Name the widest elements, for the fix.
					culprits := s.p().MustEval(`() => Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361 && !e.closest(".table-wrap, nav.main")).slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : "") + " → " + Math.round(e.getBoundingClientRect().right)).join("; ")`).Str()
					wide = append(wide, fmt.Sprintf("%s: %d px (%s)", p, sw, culprits))
					name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(round+p, "_")
					s.capture("wide-"+string(d.Engine)+"-"+name+".png", false)
				}
			}
			t.Logf("%s: %d pages visited at 360 px", round, len(pages))
			for _, w := range wide {
				t.Errorf("%s: page wider than a 360 px phone: %s", round, w)
			}
		}

		importID := pl.upload(s, "已调入")
		all := paths(importID)
		check(s, "demo data", all)
		// The pages only a branch's secretary opens, as 市渔场's.
		sec := newSession(t, a.app, small)
		sec.login("scyc", "demo")
		var secs []string
		for _, p := range all {
			if path, _, _ := strings.Cut(p, "?"); secretaryPages[path] != "" {
				secs = append(secs, p)
			}
		}
		check(sec, secretaryRound, secs)

		// The same pages with 5,000-character unbroken strings in the long
		// text fields (or as long as each field takes).
		long := func(n int) string { return strings.Repeat("长", n/2) + strings.Repeat("x", n-n/2) }
		ascii := func(n int) string { return strings.Repeat("a", n) }
		if _, err := a.Meeting.MarkHeld(ctx, office, mustInt(t, heldMeeting), meeting.HeldInput{Minutes: long(5000), Decisions: []string{ascii(meeting.MaxDecision)}}); err != nil {
			t.Fatalf("minutes: %v", err)
		}
		nt2, err := a.Notice.Post(ctx, office, notice.PostInput{UnitID: a.unitID(t, demo.RootName), Title: ascii(notice.MaxTitle), Body: ascii(5000)})
		if err != nil {
			t.Fatalf("long notice: %v", err)
		}
		fill["{id}@/notices/"], fill["{id}@/public/notices/"] = fmt.Sprint(nt2.ID), fmt.Sprint(nt2.ID)
		rep, err := a.Campaign.Draft(ctx, office, campaign.ReportInput{CampaignID: mustInt(t, camp), Title: ascii(100), Body: ascii(5000)})
		if err != nil {
			t.Fatalf("long report: %v", err)
		}
		fill["{id}@/reports/"] = fmt.Sprint(rep.ID)
		// Every demo member's duty is confirmed (no longer editable): a new
		// member, with the longest remarks and post, recorded orally.
		m, err := a.Org.Member(ctx, office, mustInt(t, member))
		if err != nil {
			t.Fatal(err)
		}
		m.ID, m.Version, m.Name = 0, 0, "龙长文"
		m.IDNumber = idcard.Make("430202", m.BirthDate, 951)
		m.Phone = "13907331951"
		m.Remarks, m.Post, m.Oral = ascii(500), ascii(100), true
		if m, err = a.Org.CreateMember(ctx, office, m); err != nil {
			t.Fatalf("member with long remarks: %v", err)
		}
		fill["{id}@/members/"] = fmt.Sprint(m.ID)
		campID, err := a.Duty.CampaignFor(ctx, m.UnitID)
		if err != nil {
			t.Fatal(err)
		}
		dt, err := a.Duty.Declare(ctx, office, duty.DeclareInput{CampaignID: campID, UnitID: m.UnitID, MemberID: m.ID, Text: ascii(duty.MaxText)})
		if err != nil {
			t.Fatalf("long duty: %v", err)
		}
		fill["{id}@/duties/"] = fmt.Sprint(dt.ID)
		importID = pl.upload(s, ascii(5000))
		check(s, "long strings", paths(importID))
		// The long strings are on the pages checked (not cut short or hidden).
		for _, p := range []struct{ path, want string }{
			{"/meetings/" + heldMeeting, long(5000)[2400:2600]},
			{"/notices/" + fill["{id}@/notices/"], ascii(300)},
			{"/reports/" + fill["{id}@/reports/"], ascii(300)},
			{"/duties/" + fill["{id}@/duties/"], ascii(300)},
			{"/members/" + fill["{id}@/members/"], ascii(300)},
			{"/import/" + importID, ascii(40)},
		} {
			s.open(p.path)
			if !strings.Contains(s.text(), p.want) {
				t.Errorf("%s does not show the long string", p.path)
			}
		}

		// A member (no role) on the pages a member sees, long strings and all.
		// The demo's member accounts must change their password first: this
		// one does, through the account service.
		var username, own string
		var uid int64
		if err := a.DB.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT u.id, u.username, u.member_id FROM users u WHERE u.member_id IS NOT NULL AND NOT u.disabled
				AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role <> 'member') ORDER BY u.id LIMIT 1`).Scan(&uid, &username, &own)
		}); err != nil {
			t.Fatalf("a member's account: %v", err)
		}
		const memberPW = "Zhibu-2026-qiche"
		if _, err := (&account.Service{DB: d, Hasher: account.NewHasher(2)}).ChangePassword(ctx, uid, "demo", memberPW, ""); err != nil {
			t.Fatalf("change %s's password: %v", username, err)
		}
		ms := newSession(t, a.app, small)
		ms.login(username, memberPW)
		check(ms, "member "+username, []string{"/", "/account", "/account/notifications", "/inbox", "/duties", "/commitments", "/meetings",
			"/calendar", "/members/" + own, "/public/notices/" + fill["{id}@/public/notices/"]})
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
