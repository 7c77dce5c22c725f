package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// mustChangeSession resets username's password and logs in with it: a
// session that must change its password.
func (st *site) mustChangeSession(username string) *client {
	st.t.Helper()
	ctx := context.Background()
	u, err := st.s.Account.ByUsername(ctx, username)
	if err != nil {
		st.t.Fatal(err)
	}
	if err := st.s.Account.ResetPassword(ctx, auditActor(), u.ID, "Temp-1234"); err != nil {
		st.t.Fatal(err)
	}
	c := st.client()
	code, body, _ := c.do("POST", "/api/v1/session", `{"username":"`+username+`","password":"Temp-1234"}`, nil)
	if code != http.StatusCreated || !strings.Contains(body, `"must_change_password":true`) {
		st.t.Fatalf("login after reset: %d %s", code, body)
	}
	return c
}

// TestMustChangeExport: the roster export (ID numbers, phones) is refused to
// a session that must change its password, on the API and the page.
func TestMustChangeExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		ctx := context.Background()
		u, _ := st.s.Account.ByUsername(ctx, "scyc")
		var unit int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT unit_id FROM role_grants WHERE user_id = ? AND unit_id IS NOT NULL`, u.ID).Scan(&unit)
		}); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/members/export?org=" + itoa(unit)
		before := st.client()
		before.login("scyc")
		if code, body, _ := before.do("GET", path, "", nil); code != 200 || !strings.HasPrefix(body, "PK") {
			t.Fatalf("export before the reset: %d", code)
		}
		c := st.mustChangeSession("scyc")
		if code, body, _ := c.do("GET", path, "", nil); code != http.StatusForbidden || strings.HasPrefix(body, "PK") || !strings.Contains(body, "请先修改初始密码") {
			t.Fatalf("API export with a must-change session: %d %.200s", code, body)
		}
		if code, _, hdr := c.do("GET", "/members/export?org="+itoa(unit), "", nil); code != http.StatusSeeOther || hdr.Get("Location") != "/account" {
			t.Fatalf("page export with a must-change session: %d %s", code, hdr.Get("Location"))
		}
		// An API token of such an account (made before the flag was set) is held too.
		tok, err := st.s.Account.CreateToken(ctx, u.ID, "脚本")
		if err != nil {
			t.Fatal(err)
		}
		if code, _, _ := st.client().do("GET", path, "", map[string]string{"Authorization": "Bearer " + tok.Token}); code != http.StatusForbidden {
			t.Fatalf("export with the token of a must-change account: %d", code)
		}
	})
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// TestMustChangeSweep: every route of the route list, but changing the
// password, logging in and out and the pages that need no login, refuses a
// session that must change its password: pages send it to /account, the
// API answers 403.
func TestMustChangeSweep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		c := st.mustChangeSession("scyc")
		checked := 0
		for _, r := range st.s.routes() {
			if mustChangeOpenRoute(r.Pattern) {
				continue
			}
			method, path, _ := strings.Cut(r.Pattern, " ")
			path = strings.ReplaceAll(path, "{$}", "")
			path = pathParam.ReplaceAllString(path, "1")
			body := ""
			if method != "GET" && method != "DELETE" {
				body = "x=1"
				if strings.HasPrefix(path, "/api/") {
					body = "{}"
				}
			}
			code, resp, hdr := c.do(method, path, body, nil)
			if strings.HasPrefix(path, "/api/") {
				if code != http.StatusForbidden || !strings.Contains(resp, "请先修改初始密码") {
					t.Errorf("%s: %d %.120s", r.Pattern, code, resp)
				}
			} else if code != http.StatusSeeOther || hdr.Get("Location") != "/account" {
				t.Errorf("%s: %d → %q", r.Pattern, code, hdr.Get("Location"))
			}
			checked++
		}
		if checked < 150 {
			t.Fatalf("only %d routes checked", checked)
		}
		// Open: the account page, changing the password, logging out.
		if code, _, _ := c.do("GET", "/account", "", nil); code != 200 {
			t.Fatalf("account page: %d", code)
		}
		if code, body, _ := c.do("PUT", "/api/v1/me/password", `{"old_password":"Temp-1234","new_password":"Yuchang-2026"}`, nil); code != 204 {
			t.Fatalf("change: %d %s", code, body)
		}
		if code, _, _ := c.do("GET", "/api/v1/members?per_page=1", "", nil); code != 200 {
			t.Fatalf("after the change: %d", code)
		}
		if code, _, _ := c.do("DELETE", "/api/v1/session", "", nil); code != 204 {
			t.Fatalf("logout: %d", code)
		}
	})
}

// TestPasswordEndsTokens: changing the password (API and page), an
// administrator's reset and a disable end every session and revoke every
// API token; the token list shows when each was created and last used.
func TestPasswordEndsTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		ctx := context.Background()
		newToken := func(c *client) string {
			t.Helper()
			code, body, _ := c.do("POST", "/api/v1/tokens", `{"name":"月报脚本"}`, nil)
			var tok struct{ Token string }
			if code != 201 || json.Unmarshal([]byte(body), &tok) != nil || tok.Token == "" {
				t.Fatalf("token: %d %s", code, body)
			}
			return tok.Token
		}
		works := func(cred string) int {
			code, _, _ := st.client().do("GET", "/api/v1/me", "", map[string]string{"Authorization": "Bearer " + cred})
			return code
		}
		c := st.client()
		c.login("office")
		other := st.client()
		other.login("office")
		tok := newToken(c)
		if works(tok) != 200 {
			t.Fatal("a new token does not work")
		}
		code, body, _ := c.do("GET", "/api/v1/tokens", "", nil)
		var list struct {
			Tokens []account.Token `json:"tokens"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Tokens) != 1 || list.Tokens[0].Created == "" || list.Tokens[0].LastUsed == "" {
			t.Fatalf("token list after a use: %d %s", code, body)
		}
		if _, page, _ := c.do("GET", "/account", "", nil); !strings.Contains(page, "最近使用") {
			t.Fatal("the account page does not show when the token was last used")
		}

		// Changing the password through the API.
		if code, body, _ := c.do("PUT", "/api/v1/me/password", `{"old_password":"demo","new_password":"Office-2026"}`, nil); code != 204 {
			t.Fatalf("change: %d %s", code, body)
		}
		if works(tok) != 401 {
			t.Fatal("the API token survived a password change")
		}
		if code, _, _ := other.do("GET", "/api/v1/me", "", nil); code != 401 {
			t.Fatal("another session survived a password change")
		}
		if code, _, _ := c.do("GET", "/api/v1/me", "", nil); code != 200 {
			t.Fatal("the session that changed the password was not carried over")
		}

		// Changing it on the page.
		tok = newToken(c)
		if code, _, _ := c.do("POST", "/account/password", "old_password=Office-2026&new_password=Office-2027&confirm_password=Office-2027", nil); code != 303 {
			t.Fatalf("page change: %d", code)
		}
		if works(tok) != 401 {
			t.Fatal("the API token survived a password change on the page")
		}

		// An administrator's reset, and a disable.
		u, _ := st.s.Account.ByUsername(ctx, "office")
		tok = newToken(c)
		if err := st.s.Account.ResetPassword(ctx, auditActor(), u.ID, "Temp-1234"); err != nil {
			t.Fatal(err)
		}
		if works(tok) != 401 {
			t.Fatal("the API token survived a reset")
		}
		if code, _, _ := c.do("GET", "/api/v1/me", "", nil); code != 401 {
			t.Fatal("a session survived a reset")
		}
		jg, _ := st.s.Account.ByUsername(ctx, "jgzb")
		jc := st.client()
		jc.login("jgzb")
		tok = newToken(jc)
		if err := st.s.Account.SetDisabled(ctx, auditActor(), jg.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := st.s.Account.SetDisabled(ctx, auditActor(), jg.ID, false); err != nil {
			t.Fatal(err)
		}
		if works(tok) != 401 {
			t.Fatal("the API token survived a disable (and re-enable)")
		}
		if code, _, _ := jc.do("GET", "/api/v1/me", "", nil); code != 401 {
			t.Fatal("a session survived a disable")
		}
	})
}

func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies("127.0.0.1, 10.0.0.0/8 ::1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProxies("true"); err == nil {
		t.Fatal("the old switch value is accepted as a proxy list")
	}
	s := &Server{TrustProxy: proxies}
	cases := []struct {
		peer, xff, want string
	}{
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "198.51.100.7", "198.51.100.7"},
		{"127.0.0.1:5000", "6.6.6.6, 198.51.100.7", "198.51.100.7"},           // the client wrote 6.6.6.6
		{"127.0.0.1:5000", "6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"}, // two proxies
		{"127.0.0.1:5000", "10.1.2.3, 10.9.9.9", "10.1.2.3"},                  // all trusted: the farthest
		{"127.0.0.1:5000", "junk, 198.51.100.7", "198.51.100.7"},
		{"127.0.0.1:5000", "198.51.100.7, junk", "127.0.0.1"},
		{"127.0.0.1:5000", "[2001:db8::1]:443", "2001:db8::1"},
		{"[::1]:5000", "2001:db8::2", "2001:db8::2"},
		{"203.0.113.5:5000", "198.51.100.7", "203.0.113.5"}, // not from a proxy: the header is ignored
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Add("X-Forwarded-For", "6.6.6.6")
	r.Header.Add("X-Forwarded-For", "198.51.100.8")
	if got := s.clientAddr(r); got != "198.51.100.8" {
		t.Errorf("two header lines: %s", got)
	}
}

// TestForwardedForSpoof: behind a trusted proxy (the test client is on
// 127.0.0.1 and plays it, appending the real address), a client that writes
// its own X-Forwarded-For neither picks the address that is recorded nor
// escapes the throttle by changing it.
func TestForwardedForSpoof(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		st.s.TrustProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		const real = "198.51.100.23"
		c := st.client()
		hdr := func(spoof string) map[string]string {
			return map[string]string{"X-Forwarded-For": spoof + ", " + real}
		}
		for i := 0; i < account.PairFree; i++ {
			if code, _, _ := c.do("POST", "/api/v1/session", `{"username":"jgzb","password":"wrong"}`, hdr("6.6.6."+itoa(int64(i)))); code != 401 {
				t.Fatalf("guess %d: %d", i, code)
			}
		}
		if code, body, _ := c.do("POST", "/api/v1/session", `{"username":"jgzb","password":"demo"}`, hdr("7.7.7.7")); code != 429 {
			t.Fatalf("a new spoofed address escaped the throttle: %d %s", code, body)
		}
		// The owner, through the same proxy from elsewhere, logs in; the
		// session records the real address, not the one written.
		o := st.client()
		if code, body, _ := o.do("POST", "/api/v1/session", `{"username":"jgzb","password":"demo"}`,
			map[string]string{"X-Forwarded-For": "8.8.8.8, 192.0.2.44"}); code != 201 {
			t.Fatalf("the owner elsewhere: %d %s", code, body)
		}
		var addrs []string
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT remote_addr FROM sessions`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a string
				_ = rows.Scan(&a)
				addrs = append(addrs, a)
			}
			return rows.Err()
		})
		if len(addrs) != 1 || addrs[0] != "192.0.2.44" {
			t.Fatalf("recorded addresses: %v", addrs)
		}
	})
}
