package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/devices"
	"github.com/go-rod/rod/lib/proto"

	"chuangzheng/internal/account"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// axeTags are the rule sets every page must pass: WCAG 2.0 and 2.1, A and
// AA, and axe's best practices.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"}

// axeSource is the vendored axe-core (testdata/README.md says which).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "axe.min.js"))
	if err != nil {
		t.Fatalf("read the vendored axe-core: %v", err)
	}
	return string(b)
}

// axeViolation is one rule broken on a page, with the elements breaking it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
	Summary string   `json:"summary"`
}

// axe runs axe-core on the page the session shows and returns the violations.
func (s *session) axe(src string) []axeViolation {
	s.t.Helper()
	// What is folded (a branch's to-dos, a commitment's items) is checked open.
	s.p().MustEval(`() => document.querySelectorAll("details").forEach(d => { d.open = true; })`)
	if !s.p().MustEval(`() => typeof window.axe === "object"`).Bool() {
		// Evaluated by the browser's debugger, as a user script: the page's
		// CSP (script-src 'self') does not apply.
		if _, err := (proto.RuntimeEvaluate{Expression: src}).Call(s.p()); err != nil {
			s.t.Fatalf("inject axe-core: %v", err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	res := s.p().MustEval(`() => axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			targets: v.nodes.map(n => n.target.join(" ")),
			summary: (v.nodes[0] && v.nodes[0].failureSummary || "").split("\n").slice(0, 3).join(" ")})))`)
	var out []axeViolation
	if err := json.Unmarshal([]byte(res.JSON("", "")), &out); err != nil {
		s.t.Fatalf("axe results: %v", err)
	}
	return out
}

// TestAxeEveryPage runs axe-core on every page of the route list that an
// anonymous visitor, a member, a branch secretary and the office can open
// (ids from the demo), on a 360×740 phone and at a desk, and wants no
// violation of WCAG 2.1 A/AA or axe's best practices. A page a role cannot
// open (403, 404, or the login page instead) is not that role's page. It
// runs on SQLite: the pages are the same on either engine.
func TestAxeEveryPage(t *testing.T) {
	requireBrowser(t)
	src := axeSource(t)
	d := dbtest.SQLite(t)
	a := startFullApp(t, d)
	pl := newPageList(t, a)
	username, password, own := memberAccount(t, a, d)
	// The member's own pages, besides the route list's (whose ids are others').
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

	office := newSession(t, a.app, phone360)
	office.login("office", "demo")
	pages := pl.paths(t, pl.upload(office, "已调入"))

	roles := []struct {
		name     string
		user, pw string
		s        *session
		extra    []string
	}{
		{"office", "office", "demo", office, []string{"/commitments/queue?state=publish", "/commitments/queue?state=done"}},
		{"secretary", "scyc", "demo", nil, []string{"/commitments/queue?state=publish", "/commitments/queue?state=done"}},
		{"member", username, password, nil, mine},
		{"anonymous", "", "", nil, nil},
	}
	type finding struct {
		v     axeViolation
		where []string
	}
	found := map[string]*finding{}
	visited := 0
	for _, role := range roles {
		s := role.s
		if s == nil {
			s = newSession(t, a.app, phone360)
			if role.user != "" {
				s.login(role.user, role.pw)
			} else {
				s.open("/lang/zh")
			}
		}
		for _, dev := range []devices.Device{phone360, desktop} {
			s.page.MustEmulate(dev)
			n := 0
			for _, p := range append(append([]string{}, pages...), role.extra...) {
				s.open(p)
				status := s.p().MustEval(`() => performance.getEntriesByType("navigation")[0].responseStatus || 0`).Int()
				u, _ := url.Parse(s.p().MustInfo().URL)
				if status == 403 || status == 404 || (u.Path == "/login" && p != "/login") || u.Path == "/account/password" {
					continue // not a page of this role
				}
				if status >= 400 {
					t.Errorf("%s: %s answered %d", role.name, p, status)
				}
				n++
				for _, v := range s.axe(src) {
					for _, tg := range v.Targets {
						k := v.ID + " @ " + tg
						if found[k] == nil {
							found[k] = &finding{v: v}
						}
						found[k].where = append(found[k].where, fmt.Sprintf("%s %s %s", role.name, dev.Title, p))
					}
				}
			}
			visited += n
			t.Logf("%s at %s: axe on %d pages", role.name, dev.Title, n)
		}
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := found[k]
		where := f.where
		more := ""
		if len(where) > 4 {
			more = fmt.Sprintf(" and %d more", len(where)-4)
			where = where[:4]
		}
		t.Errorf("axe %s (%s): %s\n  target: %s\n  %s\n  on: %s%s", f.v.ID, f.v.Impact, f.v.Help, strings.TrimPrefix(k, f.v.ID+" @ "), f.v.Summary, strings.Join(where, "; "), more)
	}
	t.Logf("axe ran on %d pages over 4 roles and 2 widths (%d pages in the route list)", visited, len(pages))
}

// memberAccount is a demo member with no other role, with the password
// changed as the demo's member accounts must before anything else.
func memberAccount(t *testing.T, a *fullApp, d *db.DB) (username, password string, memberID int64) {
	t.Helper()
	ctx := context.Background()
	var uid int64
	if err := a.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT u.id, u.username, u.member_id FROM users u WHERE u.member_id IS NOT NULL AND NOT u.disabled
			AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.role <> 'member') ORDER BY u.id LIMIT 1`).Scan(&uid, &username, &memberID)
	}); err != nil {
		t.Fatalf("a member's account: %v", err)
	}
	password = "Zhibu-2026-qiche"
	if _, err := (&account.Service{DB: d, Hasher: account.NewHasher(2)}).ChangePassword(ctx, uid, "demo", password, ""); err != nil {
		t.Fatalf("change %s's password: %v", username, err)
	}
	return username, password, memberID
}
