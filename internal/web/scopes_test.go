package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

// The role data scopes of docs/scopes.md, tested from the route list: for
// every role against every unit of the demo bureau, every GET route that
// takes a unit or member id answers as the matrix says, and no response
// carries the ID number or phone of a member whose private fields the role
// may not read.

// need is what a route asks of the viewer for the unit (or the member's unit).
type need int

const (
	needNone   need = iota // any logged-in user (the tree is not private)
	needPublic             // anyone, logged in or not
	needRead               // reads the unit (leaders, liaison leaders, committee, managers)
	needWrite              // manages the unit (office, secretary)
	needRoles              // manages roles on it (office over it)
)

// scopedRoutes says, for each GET route with an id, what the id is and
// what the route needs. A new GET route with an id must be added here (the
// test fails until it is), so the matrix always covers the whole site.
var scopedRoutes = map[string]struct {
	kind string // "unit", "member" or "record" (a record of a unit: leak check only)
	need need
}{
	"GET /orgs/{id}":                                  {"unit", needNone},
	"GET /orgs/{id}/webhooks":                         {"unit", needWrite},
	"GET /api/v1/orgs/{id}":                           {"unit", needNone},
	"GET /api/v1/orgs/{id}/history":                   {"unit", needNone},
	"GET /api/v1/orgs/{id}/roles":                     {"unit", needRead},
	"GET /public/units/{id}":                          {"unit", needPublic},
	"GET /public/units/{id}/board.pdf":                {"unit", needPublic},
	"GET /public/units/{id}/notices":                  {"unit", needPublic},
	"GET /api/v1/public/units/{id}/commitments":       {"unit", needPublic},
	"GET /members/{id}":                               {"member", needRead},
	"GET /members/{id}/edit":                          {"member", needWrite},
	"GET /api/v1/members/{id}":                        {"member", needRead},
	"GET /commitments/{id}":                           {"record", needRead},
	"GET /commitments/{id}/edit":                      {"record", needWrite},
	"GET /commitments/{id}/diff":                      {"record", needRead},
	"GET /commitments/{id}/keeping":                   {"record", needRead},
	"GET /api/v1/commitments/{id}":                    {"record", needRead},
	"GET /api/v1/commitments/{id}/diff":               {"record", needRead},
	"GET /api/v1/commitments/{id}/keeping":            {"record", needRead},
	"GET /api/v1/commitments/{id}/versions/{version}": {"record", needRead},
	"GET /meetings/{id}":                              {"record", needRead},
	"GET /meetings/{id}/edit":                         {"record", needWrite},
	"GET /meetings/{id}/sheet":                        {"record", needRead},
	"GET /meetings/{id}/qr.png":                       {"record", needWrite},
	"GET /api/v1/meetings/{id}":                       {"record", needRead},
	"GET /duties/{id}":                                {"record", needRead},
	"GET /api/v1/duties/{id}":                         {"record", needRead},
	"GET /notices/{id}":                               {"record", needRead},
	"GET /public/notices/{id}":                        {"record", needPublic},
	// Ids that are not of the tree's units or members.
	"GET /campaigns/{id}":                 {"other", needNone},
	"GET /campaigns/{id}/plan":            {"other", needNone},
	"GET /campaigns/{id}/cell":            {"other", needNone},
	"GET /campaigns/{id}/export.xlsx":     {"other", needNone},
	"GET /api/v1/campaigns/{id}":          {"other", needNone},
	"GET /api/v1/campaigns/{id}/progress": {"other", needNone},
	"GET /files/{id}":                     {"other", needNone},
	"GET /reports/{id}":                   {"other", needNone},
	"GET /api/v1/reports/{id}":            {"other", needNone},
	"GET /import/{id}":                    {"other", needNone},
	"GET /import/{id}/problems.xlsx":      {"other", needNone}, // uploads are the uploader's own
	"GET /api/v1/imports/{id}":            {"other", needNone},
	"GET /keeping/files/{id}":             {"other", needNone},
	"GET /lang/{lang}":                    {"other", needNone},
	"GET /calendar/{token}":               {"other", needNone},
	"GET /m/{token}":                      {"other", needNone},
	// Evaluations (evaluate): their own matrix — readers of the branch and
	// its members read; slips need the level above; results follow
	// publication — is tested in internal/evaluate (TestEvaluateRoleMatrix).
	"GET /api/v1/evaluations/{id}":         {"other", needNone},
	"GET /api/v1/evaluations/{id}/slips":   {"other", needNone},
	"GET /api/v1/evaluations/{id}/results": {"other", needNone},
	"GET /evaluations/{id}":                {"other", needNone},
	"GET /evaluations/{id}/vote":           {"other", needNone},
	"GET /evaluations/{id}/slips":          {"other", needNone},
	"GET /evaluations/{id}/paper-ballots":  {"other", needNone},
	"GET /evaluations/{id}/sheet":          {"other", needNone},
	"GET /evaluations/{id}/results.xlsx":   {"other", needNone},
	"GET /vote/{code}":                     {"other", needNone},
	"GET /public/units/{id}/evaluations":   {"unit", needPublic},
}

// scopeRole is one role of the matrix: the subtrees (by unit name) it
// reads and manages, as docs/scopes.md defines them — written here by
// hand, independently of org, so that the test checks org and not itself.
type scopeRole struct {
	name, username string
	all            bool     // the administrator
	reads, writes  []string // unit names whose subtrees it reads / manages
	roles          []string // unit names whose subtrees it manages roles of
}

func TestRoleDataScopes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newBoardSite(t, d)
		ctx := context.Background()
		sys := org.System()
		st.s.Notice = &notice.Service{DB: d}
		st.s.Duty = &duty.Service{DB: d, Notice: st.s.Notice}
		if err := demo.LoadDuties(ctx, d, st.s.Org, st.s.Campaign, st.s.Duty); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadKeeping(ctx, d, st.s.Org, st.s.Campaign, st.s.Commitment); err != nil {
			t.Fatal(err)
		}

		// Demo data by name.
		tree, err := st.s.Org.Tree(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]org.Unit{}
		var rootID int64
		for _, u := range tree.Units {
			if _, dup := byName[u.Name]; !dup {
				byName[u.Name] = u
			}
			if u.Name == demo.RootName {
				rootID = u.ID
			}
		}
		root := tree.ByID[rootID]
		type memberRow struct {
			id, unit, user int64
			username       string
			idNumber       string
			phone          string
		}
		var members []memberRow
		if err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT m.id, m.unit_id, COALESCE(us.id, 0), COALESCE(us.username, ''), m.id_number, m.phone
				FROM members m LEFT JOIN users us ON us.member_id = m.id ORDER BY m.id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var m memberRow
				if err := rows.Scan(&m.id, &m.unit, &m.user, &m.username, &m.idNumber, &m.phone); err != nil {
					return err
				}
				members = append(members, m)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		nth := func(unit string, n int) memberRow {
			t.Helper()
			for _, m := range members {
				if m.unit == byName[unit].ID && m.user != 0 {
					if n == 0 {
						return m
					}
					n--
				}
			}
			t.Fatalf("no member %d in %s", n, unit)
			return memberRow{}
		}
		grant := func(m memberRow, role org.Role, unit string) {
			t.Helper()
			if err := st.s.Org.GrantRole(ctx, sys, m.user, role, byName[unit].ID); err != nil {
				t.Fatal(err)
			}
		}
		branchOffice, committee, plain, liaisonM := nth("市水科所支部", 1), nth("市渔场", 2), nth("市渔场", 4), nth("市果木园党支部", 1)
		grant(branchOffice, org.RoleOffice, "市水科所支部")
		grant(committee, org.RoleCommittee, "市渔场")
		if _, err := st.s.Org.AssignLiaison(ctx, sys, liaisonM.id, byName["市渔场"].ID, "联系人", "2026-01-05"); err != nil {
			t.Fatal(err)
		}
		leader := demo.Leaders[1] // 丁石春: leader over the bureau, liaison for 市渔场
		roles := []scopeRole{
			{name: "admin", username: "admin", all: true},
			{name: "office on the bureau", username: "office", reads: []string{demo.RootName}, writes: []string{demo.RootName}, roles: []string{demo.RootName}},
			{name: "office on one branch", username: branchOffice.username, reads: []string{"市水科所支部"}, writes: []string{"市水科所支部"}, roles: []string{"市水科所支部"}},
			{name: "secretary", username: "sskszb", reads: []string{"市水科所支部"}, writes: []string{"市水科所支部"}},
			{name: "committee", username: committee.username, reads: []string{"市渔场"}},
			{name: "leader", username: account.Pinyin(leader.Name), reads: []string{demo.RootName}},
			{name: "liaison leader", username: liaisonM.username, reads: []string{"市渔场"}},
			{name: "member", username: plain.username},
		}
		within := func(u org.Unit, names []string) bool {
			for _, n := range names {
				if u.Within(byName[n].Path) {
					return true
				}
			}
			return false
		}

		// Records of each unit, for the record routes.
		records := map[string][]struct{ id, unit int64 }{}
		for _, q := range []struct{ prefix, sql string }{
			{"/commitments/", `SELECT MIN(id), unit_id FROM commitments WHERE state <> 'draft' GROUP BY unit_id`},
			{"/meetings/", `SELECT MIN(id), unit_id FROM meetings GROUP BY unit_id`},
			{"/duties/", `SELECT MIN(id), unit_id FROM duties GROUP BY unit_id`},
			{"/notices/", `SELECT MIN(id), unit_id FROM notices GROUP BY unit_id`},
		} {
			if err := d.View(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, q.sql)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var r struct{ id, unit int64 }
					if err := rows.Scan(&r.id, &r.unit); err != nil {
						return err
					}
					records[q.prefix] = append(records[q.prefix], r)
				}
				return rows.Err()
			}); err != nil {
				t.Fatal(err)
			}
		}
		recordsFor := func(pattern string) []struct{ id, unit int64 } {
			for prefix, list := range records {
				if strings.Contains(pattern, prefix) {
					return list
				}
			}
			return nil
		}

		// The routes under test, from the route list.
		type target struct {
			pattern, kind string
			need          need
		}
		var targets []target
		for _, r := range st.s.routes() {
			if !strings.HasPrefix(r.Pattern, "GET ") || !strings.Contains(r.Pattern, "{") || strings.HasSuffix(r.Pattern, "{$}") {
				continue
			}
			sr, ok := scopedRoutes[r.Pattern]
			if !ok {
				t.Errorf("GET route %q takes an id but is not in the scope matrix (scopedRoutes)", r.Pattern)
				continue
			}
			if sr.kind != "other" {
				targets = append(targets, target{r.Pattern, sr.kind, sr.need})
			}
		}
		url := func(pattern string, id int64) string {
			p := strings.TrimPrefix(pattern, "GET ")
			p = strings.Replace(p, "{id}", fmt.Sprint(id), 1)
			return strings.Replace(p, "{version}", "1", 1)
		}
		allowed := func(r scopeRole, n need, u org.Unit, ownMember bool) bool {
			switch {
			case n == needPublic || n == needNone || r.all:
				return true
			case n == needRead:
				return ownMember || within(u, r.reads)
			case n == needWrite:
				return within(u, r.writes)
			default:
				return within(u, r.roles)
			}
		}
		ok := func(code int) bool { return code == http.StatusOK }
		denied := func(code int) bool { return code == http.StatusForbidden || code == http.StatusNotFound }

		for _, r := range roles {
			c := st.client()
			c.login(r.username)
			var me int64
			for _, m := range members {
				if m.username == r.username {
					me = m.id
				}
			}
			// The private fields the role must never see.
			var secrets []string
			for _, m := range members {
				u := tree.ByID[m.unit]
				if !r.all && m.id != me && !within(u, r.writes) {
					secrets = append(secrets, m.idNumber)
					if m.phone != "" {
						secrets = append(secrets, m.phone)
					}
				}
			}
			leak := func(path, body string) {
				for _, s := range secrets {
					if strings.Contains(body, s) {
						t.Errorf("%s: %s shows the private %s", r.name, path, s)
						return
					}
				}
			}
			getJSON := func(path string, v any) {
				t.Helper()
				code, body, _ := c.do("GET", path, "", nil)
				if !ok(code) {
					return
				}
				if err := json.Unmarshal([]byte(body), v); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
			}
			check := func(path string, want bool) {
				code, body, _ := c.do("GET", path, "", nil)
				switch {
				case want && !ok(code):
					t.Errorf("%s: GET %s = %d, want 200", r.name, path, code)
				case !want && !denied(code):
					t.Errorf("%s: GET %s = %d, want refused", r.name, path, code)
				}
				leak(path, body)
			}
			for _, tg := range targets {
				switch tg.kind {
				case "unit":
					for _, u := range tree.Subtree(root.ID) {
						check(url(tg.pattern, u.ID), allowed(r, tg.need, u, false))
						if tg.pattern == "GET /api/v1/orgs/{id}" {
							// The verdicts org returns with the unit are the matrix's.
							var got struct{ May org.UnitMay }
							getJSON(url(tg.pattern, u.ID), &got)
							want := org.UnitMay{Read: r.all || within(u, r.reads), Manage: r.all || within(u, r.writes), Roles: r.all || within(u, r.roles),
								Shape: r.all || within(u, r.roles) || (u.Type == org.Group && within(u, r.writes))}
							if got.May != want {
								t.Errorf("%s: unit %s: may %+v, want %+v", r.name, u.Name, got.May, want)
							}
						}
					}
				case "member":
					seen := map[int64]int{}
					for _, m := range members {
						u := tree.ByID[m.unit]
						if !u.Within(root.Path) || (seen[m.unit] >= 2 && m.id != me) {
							continue
						}
						seen[m.unit]++
						check(url(tg.pattern, m.id), allowed(r, tg.need, u, m.id == me && tg.need == needRead))
						if tg.pattern == "GET /api/v1/members/{id}" && allowed(r, needRead, u, m.id == me) {
							var got struct{ May *org.MemberMay }
							getJSON(url(tg.pattern, m.id), &got)
							manage := r.all || within(u, r.writes)
							if got.May == nil || got.May.Manage != manage || got.May.ResetPassword != (manage && m.user != 0) {
								t.Errorf("%s: member %d: may %+v, want manage %v", r.name, m.id, got.May, manage)
							}
						}
					}
				case "record":
					for _, rec := range recordsFor(tg.pattern) {
						code, body, _ := c.do("GET", url(tg.pattern, rec.id), "", nil)
						if tg.need == needRead && !denied(code) && !ok(code) && code != http.StatusUnprocessableEntity {
							t.Errorf("%s: GET %s = %d", r.name, url(tg.pattern, rec.id), code)
						}
						leak(url(tg.pattern, rec.id), body)
						if tg.pattern == "GET /api/v1/meetings/{id}" && ok(code) {
							var got struct{ May struct{ Manage bool } }
							if err := json.Unmarshal([]byte(body), &got); err != nil {
								t.Fatal(err)
							}
							if want := r.all || within(tree.ByID[rec.unit], r.writes); got.May.Manage != want {
								t.Errorf("%s: meeting %d: may manage %v, want %v", r.name, rec.id, got.May.Manage, want)
							}
						}
					}
				}
			}
			// Lists that take a unit: the roster (page, JSON, export) and
			// the search, which must not match on private fields.
			for _, u := range tree.Subtree(root.ID) {
				for _, p := range []string{"/members?unit=%d", "/api/v1/members?org=%d&per_page=500", "/commitments?org=%d", "/meetings?unit=%d", "/duties?unit=%d"} {
					path := fmt.Sprintf(p, u.ID)
					_, body, _ := c.do("GET", path, "", nil)
					leak(path, body)
				}
			}
			for _, m := range members {
				if !r.all && m.id != me && !within(tree.ByID[m.unit], r.writes) && within(tree.ByID[m.unit], r.reads) {
					_, body, _ := c.do("GET", "/api/v1/members?q="+m.idNumber[:10], "", nil)
					if strings.Contains(body, fmt.Sprintf(`"id":%d,`, m.id)) {
						t.Errorf("%s: a search by ID number finds member %d", r.name, m.id)
					}
					break
				}
			}

			// Drafts: no one else's, except those the role edits (a branch's
			// own, and the oral commitments a branch records).
			type draft struct {
				id, unit, member int64
				kind             string
				oral             bool
			}
			var drafts []draft
			if err := d.View(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, `SELECT id, unit_id, COALESCE(member_id, 0), kind, oral FROM commitments WHERE state = 'draft' ORDER BY id`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var x draft
					if err := rows.Scan(&x.id, &x.unit, &x.member, &x.kind, &x.oral); err != nil {
						return err
					}
					drafts = append(drafts, x)
				}
				return rows.Err()
			}); err != nil {
				t.Fatal(err)
			}
			for _, x := range drafts {
				u := tree.ByID[x.unit]
				want := (x.member != 0 && x.member == me) || ((r.all || within(u, r.writes)) && (x.kind == "branch" || x.oral))
				check(fmt.Sprintf("/api/v1/commitments/%d", x.id), want)
			}
			if len(drafts) == 0 {
				t.Fatal("the demo has no draft commitment to test")
			}
		}
	})
}
