package web

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

// site is the whole server on a real database with the demo bureau.
type site struct {
	t   *testing.T
	srv *httptest.Server
	s   *Server
	d   *db.DB
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	h := account.NewHasher(2)
	if _, err := demo.Load(context.Background(), d, h, "demo"); err != nil {
		t.Fatal(err)
	}
	orgs := &org.Service{DB: d}
	meetings := &meeting.Service{DB: d}
	s, err := New(&Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: h}, Meeting: meetings, Notify: &notify.Service{DB: d, Org: orgs},
		Campaign: &campaign.Service{DB: d, Kinds: meeting.Kinds(), Sources: []campaign.TodoSource{meetings}, Calendars: []campaign.EventSource{meetings}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &site{t: t, srv: ts, s: s, d: d}
}

// client is a browser-like client with its own cookie jar.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (st *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: st.t, base: st.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path, body string, hdr map[string]string) (int, string, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func (c *client) login(user string) {
	c.t.Helper()
	code, body, _ := c.do("POST", "/api/v1/session", `{"username":"`+user+`","password":"demo"}`, nil)
	if code != http.StatusCreated {
		c.t.Fatalf("login %s: %d %s", user, code, body)
	}
}

func TestPagesAndAPIScenarios(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		anon := st.client()
		office := st.client()
		office.login("office")
		sec := st.client()
		sec.login("sskszb")

		var tree struct {
			Orgs []struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Type   string `json:"type"`
				Parent int64  `json:"parent"`
			} `json:"orgs"`
		}
		_, body, _ := office.do("GET", "/api/v1/orgs", "", nil)
		if err := json.Unmarshal([]byte(body), &tree); err != nil || len(tree.Orgs) < 10 {
			t.Fatalf("orgs: %v %s", err, body)
		}
		ids := map[string]int64{}
		for _, o := range tree.Orgs {
			ids[o.Name] = o.ID
		}
		farm, inst := itoa(ids["市渔场"]), itoa(ids["市水科所支部"])

		cases := []struct {
			name   string
			c      *client
			method string
			path   string
			body   string
			hdr    map[string]string
			code   int
			want   []string // substrings of the body
			not    []string
		}{
			{"login page is Chinese", anon, "GET", "/login", "", nil, 200, []string{"用户名或手机号", `lang="zh-CN"`}, nil},
			{"login page in English", anon, "GET", "/login", "", map[string]string{"Accept-Language": "en-US,en"}, 200, []string{"Username or phone"}, nil},
			{"home needs login", anon, "GET", "/", "", nil, 303, nil, nil},
			{"API needs login", anon, "GET", "/api/v1/members", "", nil, 401, []string{"请先登录"}, nil},
			{"wrong password", anon, "POST", "/login", "username=office&password=nope", nil, 401, []string{"用户名或密码不正确"}, nil},
			{"home for the office", office, "GET", "/", "", nil, 200, []string{"各支部概况", "唐铁城", "市果木园党支部"}, nil},
			{"tree", office, "GET", "/orgs", "", nil, 200, []string{"机关支部", "第三党小组", "联系领导：刘正坤"}, nil},
			{"unit page", office, "GET", "/orgs/" + inst, "", nil, 200, []string{"邹培云", "角色与授权"}, nil},
			{"roster filter", office, "GET", "/members?org=" + farm + "&category=预备", "", nil, 200, []string{"预备"}, []string{"原局调研员"}},
			{"members API filter and total", office, "GET", "/api/v1/members?org=" + farm + "&per_page=3", "", nil, 200, []string{`"total":`, `"per_page":3`, `"username":`}, nil},
			{"secretary scope: own branch", sec, "GET", "/api/v1/members?org=" + inst, "", nil, 200, []string{"市水科所支部"}, nil},
			{"secretary scope: other branch is empty", sec, "GET", "/api/v1/members?org=" + farm, "", nil, 200, []string{`"total":0`}, nil},
			{"secretary cannot export another branch", sec, "GET", "/members/export?org=" + farm, "", nil, 403, []string{"无权"}, nil},
			{"secretary cannot import into another branch", sec, "GET", "/import?org=" + farm, "", nil, 200, nil, []string{`value="` + farm + `" selected`}},
			{"liaisons", anon, "GET", "/api/v1/liaisons", "", nil, 401, nil, nil},
			{"liaisons for the office", office, "GET", "/api/v1/liaisons", "", nil, 200, []string{"党组书记、局长", "工会主席", "总工程师"}, nil},
			{"bad JSON", office, "POST", "/api/v1/orgs", "{", nil, 422, []string{"JSON"}, nil},
			{"create unit via API", office, "POST", "/api/v1/orgs", `{"parent":` + itoa(ids[demo.RootName]) + `,"name":"新支部","type":"党支部"}`, nil, 201, []string{`"name":"新支部"`}, nil},
			{"invalid unit via API", office, "POST", "/api/v1/orgs", `{"parent":` + inst + `,"name":"x","type":"党委"}`, nil, 422, []string{"党支部下不能设立党委"}, nil},
			{"secretary cannot create a branch", sec, "POST", "/api/v1/orgs", `{"parent":` + itoa(ids[demo.RootName]) + `,"name":"y","type":"党支部"}`, nil, 403, nil, nil},
			{"member create with field errors", office, "POST", "/api/v1/members", `{"unit_id":` + farm + `,"name":"","id_number":"123","birth_date":"1985-02-30"}`, nil, 422, []string{`"fields"`, "birth_date", "id_number", "name"}, nil},
			{"cross-site form post refused", anon, "POST", "/login", "username=office&password=demo", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, []string{"跨站"}, nil},
			{"cross-site API write refused", office, "POST", "/api/v1/orgs", `{"parent":1,"name":"z","type":"党支部"}`, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, nil, nil},
			{"same-origin form post accepted", anon, "POST", "/login", "username=office&password=demo", map[string]string{"Sec-Fetch-Site": "same-origin"}, 303, nil, nil},
			{"openapi", anon, "GET", "/api/v1/openapi.json", "", nil, 200, []string{`"openapi": "3.0.3"`}, nil},
			{"healthz", anon, "GET", "/healthz", "", nil, 200, []string{`"status":"ok"`}, nil},
			{"metrics are not public", anon, "GET", "/metrics", "", nil, 404, nil, []string{"chuangzheng_http_requests_total"}},
			{"unknown member", office, "GET", "/members/999999", "", nil, 404, []string{"党员不存在"}, nil},
		}
		for _, c := range cases {
			code, body, hdr := c.c.do(c.method, c.path, c.body, c.hdr)
			if code != c.code {
				t.Errorf("%s: status %d, want %d\n%.400s", c.name, code, c.code, body)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: body lacks %q\n%.600s", c.name, w, body)
				}
			}
			for _, w := range c.not {
				if strings.Contains(body, w) {
					t.Errorf("%s: body has %q", c.name, w)
				}
			}
			if strings.HasPrefix(hdr.Get("Content-Type"), "text/html") && !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("%s: no CSP", c.name)
			}
		}
	})
}

func TestOutputIsEscaped(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	office := st.client()
	office.login("office")
	_, body, _ := office.do("GET", "/api/v1/orgs", "", nil)
	var tree struct{ Orgs []org.Unit }
	_ = json.Unmarshal([]byte(body), &tree)
	var farm int64
	for _, u := range tree.Orgs {
		if u.Name == "市渔场" {
			farm = u.ID
		}
	}
	code, body, _ := office.do("POST", "/api/v1/members", `{"unit_id":`+itoa(farm)+`,"name":"<script>x</script>","id_number":"`+idcard.Make("430202", civil.Date{Y: 1980, M: 1, D: 1}, 915)+`","remarks":"<img src=x onerror=alert(1)>"}`, nil)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var m org.Member
	_ = json.Unmarshal([]byte(body), &m)
	for _, path := range []string{"/members/" + itoa(m.ID), "/members?org=" + itoa(farm), "/members/" + itoa(m.ID) + "/edit"} {
		_, page, _ := office.do("GET", path, "", nil)
		if strings.Contains(page, "<script>x") || strings.Contains(page, "<img src=x") {
			t.Errorf("%s: unescaped markup in page", path)
		}
		if !strings.Contains(page, "&lt;script&gt;x") {
			t.Errorf("%s: name not shown as text", path)
		}
	}
}

func TestMustChangePasswordGate(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	ctx := context.Background()
	u, _ := st.s.Account.ByUsername(ctx, "scyc")
	if err := st.s.Account.ResetPassword(ctx, auditActor(), u.ID, "Temp-1234"); err != nil {
		t.Fatal(err)
	}
	c := st.client()
	code, _, hdr := c.do("POST", "/login", "username=scyc&password=Temp-1234", nil)
	if code != 303 || hdr.Get("Location") != "/account" {
		t.Fatalf("login after reset: %d → %s", code, hdr.Get("Location"))
	}
	if code, _, hdr := c.do("GET", "/members", "", nil); code != 303 || hdr.Get("Location") != "/account" {
		t.Fatalf("roster before changing: %d %s", code, hdr.Get("Location"))
	}
	if code, body, _ := c.do("GET", "/api/v1/members", "", nil); code != 403 {
		t.Fatalf("API before changing: %d %s", code, body)
	}
	if code, body, _ := c.do("POST", "/account/password", "old_password=Temp-1234&new_password=short&confirm_password=short", nil); code != 422 || !strings.Contains(body, "至少 8 位") {
		t.Fatalf("weak password: %d", code)
	}
	if code, _, _ := c.do("POST", "/account/password", "old_password=Temp-1234&new_password=Yuchang-2026&confirm_password=Yuchang-2026", nil); code != 303 {
		t.Fatalf("change: %d", code)
	}
	if code, _, _ := c.do("GET", "/members", "", nil); code != 200 {
		t.Fatalf("roster after changing: %d", code)
	}
}

func TestAPITokenAndLogout(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	c := st.client()
	c.login("office")
	code, body, _ := c.do("POST", "/api/v1/tokens", `{"name":"月报脚本"}`, nil)
	if code != 201 {
		t.Fatalf("token: %d %s", code, body)
	}
	var tok struct{ Token string }
	_ = json.Unmarshal([]byte(body), &tok)
	script := st.client()
	if code, _, _ := script.do("GET", "/api/v1/members?per_page=1", "", map[string]string{"Authorization": "Bearer " + tok.Token}); code != 200 {
		t.Fatalf("token use: %d", code)
	}
	// A script with a token writes without Origin headers (curl), and CSRF checks let it through.
	var root int64
	_ = st.d.View(context.Background(), func(tx *db.Tx) error {
		return org.UnitIDByName(context.Background(), tx, demo.RootName, &root)
	})
	if code, body, _ := script.do("POST", "/api/v1/orgs", `{"parent":`+itoa(root)+`,"name":"脚本支部","type":"党支部"}`, map[string]string{"Authorization": "Bearer " + tok.Token}); code != 201 {
		t.Fatalf("token write: %d %s", code, body)
	}
	if code, _, _ := c.do("DELETE", "/api/v1/session", "", nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _, _ := c.do("GET", "/api/v1/me", "", nil); code != 401 {
		t.Fatalf("after logout: %d", code)
	}
}

func TestThrottleMessage(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	c := st.client()
	for i := 0; i < account.PairFree; i++ {
		c.do("POST", "/login", "username=jgzb&password=wrong", nil)
	}
	code, body, _ := c.do("POST", "/login", "username=jgzb&password=demo", nil)
	if code != 429 || !strings.Contains(body, "登录失败次数过多") {
		t.Fatalf("throttle: %d %.300s", code, body)
	}
}

// TestOpenAPIMatchesRoutes keeps openapi.json true: every API route is
// documented with its method, and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := openapiFS.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	s := &Server{}
	for _, r := range s.routesForDocs() {
		if strings.Contains(r, " /api/") {
			served[r] = true
			if !documented[r] {
				t.Errorf("route %s is not in openapi.json", r)
			}
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("openapi.json documents %s, which is not served", op)
		}
	}
}

// TestEveryTextHasEnglish: each text the templates translate has an English entry.
func TestEveryTextHasEnglish(t *testing.T) {
	re := regexp.MustCompile(`\{\{-? ?(?:t|tf) "([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := english[m[1]]; !ok {
				t.Errorf("%s: no English for %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/members": "/members", "//evil.example": "/", "https://evil.example": "/", "/\\evil": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
	_ = url.Values{}
}

func auditActor() audit.Actor { return audit.Actor{Name: "test"} }

func TestLiaisonFromUnitPage(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	office := st.client()
	office.login("office")
	_, body, _ := office.do("GET", "/api/v1/orgs", "", nil)
	var tree struct{ Orgs []org.Unit }
	_ = json.Unmarshal([]byte(body), &tree)
	var farm int64
	for _, u := range tree.Orgs {
		if u.Name == "市渔场" {
			farm = u.ID
		}
	}
	if code, body, _ := office.do("POST", "/orgs/"+itoa(farm)+"/liaisons", "username=liuzhengkun&title=", nil); code != 422 || !strings.Contains(body, "职务") {
		t.Fatalf("missing title: %d", code)
	}
	if code, _, _ := office.do("POST", "/orgs/"+itoa(farm)+"/liaisons", "username=liuzhengkun&title=总工程师", nil); code != 303 {
		t.Fatalf("assign: %d", code)
	}
	_, body, _ = office.do("GET", "/api/v1/liaisons?org="+itoa(farm), "", nil)
	if !strings.Contains(body, "刘正坤") || !strings.Contains(body, "丁石春") {
		t.Fatalf("liaisons of 市渔场: %s", body)
	}
	// A secretary cannot assign liaisons.
	sec := st.client()
	sec.login("scyc")
	if code, _, _ := sec.do("POST", "/orgs/"+itoa(farm)+"/liaisons", "username=liuzhengkun&title=x", nil); code != 403 {
		t.Fatalf("secretary assigns: %d", code)
	}
}
