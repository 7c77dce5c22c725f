package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

// newNotifySite is the demo bureau with the notification service wired.
func newNotifySite(t *testing.T, d *db.DB) *site {
	t.Helper()
	h := account.NewHasher(2)
	if _, err := demo.Load(context.Background(), d, h, "demo"); err != nil {
		t.Fatal(err)
	}
	orgs := &org.Service{DB: d}
	s, err := New(&Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: h}, Notify: &notify.Service{DB: d, Org: orgs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &site{t: t, srv: ts, s: s, d: d}
}

func (c *client) userID() int64 {
	c.t.Helper()
	_, body, _ := c.do("GET", "/api/v1/me", "", nil)
	var me struct {
		ID   int64 `json:"id"`
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	_ = json.Unmarshal([]byte(body), &me)
	if me.ID == 0 {
		me.ID = me.User.ID
	}
	if me.ID == 0 {
		c.t.Fatalf("no user id in /api/v1/me: %s", body)
	}
	return me.ID
}

func unitIDs(t *testing.T, c *client) map[string]int64 {
	t.Helper()
	_, body, _ := c.do("GET", "/api/v1/orgs", "", nil)
	var tree struct{ Orgs []org.Unit }
	if err := json.Unmarshal([]byte(body), &tree); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, u := range tree.Orgs {
		out[u.Name] = u.ID
	}
	return out
}

type hookReceiver struct {
	*httptest.Server
	calls atomic.Int32
}

func newHookReceiver(t *testing.T, status int) *hookReceiver {
	t.Helper()
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.calls.Add(1)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func TestNotificationPagesAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newNotifySite(t, d)
		ctx := context.Background()
		anon := st.client()
		farmSec := st.client()
		farmSec.login("scyc")
		instSec := st.client()
		instSec.login("sskszb")
		admin := st.client()
		admin.login("admin")
		units := unitIDs(t, farmSec)
		farm, inst := units["市渔场"], units["市水科所支部"]
		if farm == 0 || inst == 0 {
			t.Fatalf("units: %v", units)
		}
		me := farmSec.userID()
		var msgs []notify.Message
		for i := range 25 {
			msgs = append(msgs, notify.Message{UserID: me, Kind: "test", Title: fmt.Sprintf("请提交第 %d 份材料", i), Body: "材料<说明>", URL: fmt.Sprintf("/orgs/%d", farm), Key: fmt.Sprint(i)})
		}
		if err := d.Update(ctx, func(tx *db.Tx) error { _, err := st.s.Notify.Send(ctx, tx, msgs...); return err }); err != nil {
			t.Fatal(err)
		}
		var api struct {
			Notifications []notify.Notification `json:"notifications"`
			Total         int                   `json:"total"`
			Unread        int                   `json:"unread"`
			Page          int                   `json:"page"`
		}
		getAPI := func(c *client, q string) int {
			t.Helper()
			code, body, _ := c.do("GET", "/api/v1/notifications"+q, "", nil)
			api.Notifications = nil
			if code == 200 {
				if err := json.Unmarshal([]byte(body), &api); err != nil {
					t.Fatalf("%s: %v", body, err)
				}
			}
			return code
		}
		if code := getAPI(farmSec, ""); code != 200 || api.Total != 25 || api.Unread != 25 || len(api.Notifications) != notify.PerPage || api.Notifications[0].Title != "请提交第 24 份材料" {
			t.Fatalf("api page 1: %d %+v", code, api)
		}
		first := api.Notifications[0]
		if code := getAPI(farmSec, "?page=2"); code != 200 || len(api.Notifications) != 5 || api.Page != 2 {
			t.Fatalf("api page 2: %d %d", code, len(api.Notifications))
		}
		if code := getAPI(instSec, ""); code != 200 || api.Total != 0 || api.Notifications == nil {
			t.Fatalf("other user's inbox: %+v", api)
		}
		id := fmt.Sprint(first.ID)
		tests := []struct {
			name   string
			c      *client
			method string
			path   string
			body   string
			code   int
			has    []string
			hasnt  []string
			loc    string
		}{
			{name: "anonymous inbox goes to login", c: anon, method: "GET", path: "/inbox", code: 303, loc: "/login?next=%2Finbox"},
			{name: "anonymous API", c: anon, method: "GET", path: "/api/v1/notifications", code: 401},
			{name: "inbox", c: farmSec, method: "GET", path: "/inbox", code: 200,
				has: []string{"请提交第 24 份材料", "<strong><a href=\"/orgs/" + fmt.Sprint(farm) + "\">", "材料&lt;说明&gt;", `<span class="tag">25</span>`, "/inbox?page=2", "25 条未读"}},
			{name: "inbox in English", c: farmSec, method: "GET", path: "/inbox?lang=en", code: 200, has: []string{"Mark all read", "25 unread"}},
			{name: "read someone else's", c: instSec, method: "POST", path: "/api/v1/notifications/" + id + "/read", code: 404},
			{name: "read via API", c: farmSec, method: "POST", path: "/api/v1/notifications/" + id + "/read", code: 204},
			{name: "read again", c: farmSec, method: "POST", path: "/api/v1/notifications/" + id + "/read", code: 204},
			{name: "badge after read", c: farmSec, method: "GET", path: "/inbox", code: 200, has: []string{`<span class="tag">24</span>`}},
			{name: "read and go", c: farmSec, method: "POST", path: "/inbox/" + fmt.Sprint(api2ID(t, farmSec, 1)) + "/read", body: "go=1", code: 303, loc: fmt.Sprintf("/orgs/%d", farm)},
			{name: "read all", c: farmSec, method: "POST", path: "/inbox/read-all", code: 303, loc: "/inbox"},
			{name: "no badge after read all", c: farmSec, method: "GET", path: "/inbox", code: 200, hasnt: []string{`<span class="tag">`, "<button>全部标为已读</button>"}},
			{name: "prefs page", c: farmSec, method: "GET", path: "/account/notifications", code: 200, has: []string{"消息设置", "系统尚未配置邮件服务器"}, hasnt: []string{"投递失败记录"}},
			{name: "prefs bad e-mail", c: farmSec, method: "POST", path: "/account/notifications", body: "email=not-an-address&email_on=1", code: 422, has: []string{"请填写正确的电子邮箱地址", `value="not-an-address"`}},
			{name: "prefs e-mail on without address", c: farmSec, method: "POST", path: "/account/notifications", body: "email=&email_on=1", code: 422, has: []string{"请先填写电子邮箱"}},
			{name: "prefs saved", c: farmSec, method: "POST", path: "/account/notifications", body: "email=scyc%40example.cn&email_on=1&digest_on=1", code: 303, loc: "/account/notifications"},
			{name: "prefs shown", c: farmSec, method: "GET", path: "/account/notifications", code: 200, has: []string{`value="scyc@example.cn"`, `name="email_on" value="1" checked`, `name="digest_on" value="1" checked`}},
			{name: "admin sees failed deliveries", c: admin, method: "GET", path: "/account/notifications", code: 200, has: []string{"投递失败记录"}},
			{name: "webhooks page", c: farmSec, method: "GET", path: fmt.Sprintf("/orgs/%d/webhooks", farm), code: 200, has: []string{"群机器人推送", "尚未设置推送地址", "企业微信群机器人"}},
			{name: "webhooks of another branch", c: farmSec, method: "GET", path: fmt.Sprintf("/orgs/%d/webhooks", inst), code: 403},
			{name: "create on another branch", c: instSec, method: "POST", path: fmt.Sprintf("/orgs/%d/webhooks", farm), body: "name=x&url=https%3A%2F%2Fx.example&format=json", code: 403},
			{name: "create with bad URL", c: farmSec, method: "POST", path: fmt.Sprintf("/orgs/%d/webhooks", farm), body: "name=%E5%B7%A5%E4%BD%9C%E7%BE%A4&url=ftp%3A%2F%2Fx&format=wecom&secret=SECret", code: 422,
				has: []string{"请填写机器人的 Webhook 地址", `value="工作群"`}, hasnt: []string{"SECret"}},
		}
		for _, tc := range tests {
			code, body, hdr := tc.c.do(tc.method, tc.path, tc.body, nil)
			if code != tc.code {
				t.Errorf("%s: %d, want %d\n%.400s", tc.name, code, tc.code, body)
				continue
			}
			for _, s := range tc.has {
				if !strings.Contains(body, s) {
					t.Errorf("%s: body lacks %q", tc.name, s)
				}
			}
			for _, s := range tc.hasnt {
				if strings.Contains(body, s) {
					t.Errorf("%s: body has %q", tc.name, s)
				}
			}
			if tc.loc != "" && hdr.Get("Location") != tc.loc {
				t.Errorf("%s: Location %q, want %q", tc.name, hdr.Get("Location"), tc.loc)
			}
		}
		if n, _ := st.s.Notify.UnreadCount(ctx, me); n != 0 {
			t.Fatalf("unread after read-all: %d", n)
		}

		// Webhooks: add, test (good and failing), delete.
		good, bad := newHookReceiver(t, 200), newHookReceiver(t, 500)
		base := fmt.Sprintf("/orgs/%d/webhooks", farm)
		for _, u := range []string{good.URL, bad.URL} {
			form := url.Values{"name": {"工作群"}, "url": {u + "/send?key=k"}, "format": {"wecom"}}.Encode()
			if code, body, _ := farmSec.do("POST", base, form, nil); code != 303 {
				t.Fatalf("create: %d %.300s", code, body)
			}
		}
		hooks, err := st.s.Notify.Webhooks(ctx, org.System(), farm)
		if err != nil || len(hooks) != 2 {
			t.Fatalf("hooks: %+v %v", hooks, err)
		}
		if code, body, _ := farmSec.do("GET", base, "", nil); code != 200 || !strings.Contains(body, good.URL) || !strings.Contains(body, "发送测试消息") {
			t.Fatalf("webhooks page: %d", code)
		}
		if code, _, _ := farmSec.do("POST", fmt.Sprintf("%s/%d/test", base, hooks[0].ID), "", nil); code != 303 || good.calls.Load() != 1 {
			t.Fatalf("test good: %d, %d calls", code, good.calls.Load())
		}
		if code, body, _ := farmSec.do("POST", fmt.Sprintf("%s/%d/test", base, hooks[1].ID), "", nil); code != 422 || !strings.Contains(body, "测试消息发送失败") || !strings.Contains(body, "HTTP 500") {
			t.Fatalf("test bad: %d %.300s", code, body)
		}
		if code, _, _ := instSec.do("POST", fmt.Sprintf("%s/%d/delete", base, hooks[1].ID), "", nil); code != 403 {
			t.Fatalf("delete from another branch: %d", code)
		}
		if code, _, _ := farmSec.do("POST", fmt.Sprintf("/orgs/%d/webhooks/%d/delete", inst, hooks[1].ID), "", nil); code != 403 {
			t.Fatalf("delete through another unit: %d", code)
		}
		if code, _, _ := farmSec.do("POST", fmt.Sprintf("%s/%d/delete", base, hooks[1].ID), "", nil); code != 303 {
			t.Fatalf("delete: %d", code)
		}
		if hooks, _ := st.s.Notify.Webhooks(ctx, org.System(), farm); len(hooks) != 1 {
			t.Fatalf("after delete: %d hooks", len(hooks))
		}
	})
}

// api2ID returns the id of the n-th (from 0) notification of c's first page.
func api2ID(t *testing.T, c *client, n int) int64 {
	t.Helper()
	_, body, _ := c.do("GET", "/api/v1/notifications", "", nil)
	var v struct {
		Notifications []notify.Notification `json:"notifications"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || len(v.Notifications) <= n {
		t.Fatalf("notifications: %s", body)
	}
	return v.Notifications[n].ID
}

// The layout's inbox link works without the notification service too.
func TestLayoutWithoutNotify(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	st.s.Notify = nil
	c := st.client()
	c.login("scyc")
	if code, body, _ := c.do("GET", "/account", "", nil); code != 200 || !strings.Contains(body, `href="/inbox"`) {
		t.Fatalf("account page: %d", code)
	}
	if code, _, _ := c.do("GET", "/inbox", "", nil); code != 404 {
		t.Fatalf("inbox without service: %d", code)
	}
}
