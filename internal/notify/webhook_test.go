package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/jobs"
	"chuangzheng/internal/org"
)

func itoa(n int64) string    { return strconv.FormatInt(n, 10) }
func adminActor() *org.Actor { return org.System() }
func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// receiver is a webhook endpoint that records requests and answers with
// a fixed status and body.
type receiver struct {
	*httptest.Server
	status int
	answer string
	mu     sync.Mutex
	bodies []map[string]any
	query  []url.Values
	ctype  []string
}

func newReceiver(t testing.TB, status int, answer string) *receiver {
	t.Helper()
	r := &receiver{status: status, answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("webhook body is not JSON: %s", b)
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, m)
		r.query = append(r.query, req.URL.Query())
		r.ctype = append(r.ctype, req.Header.Get("Content-Type"))
		r.mu.Unlock()
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.answer)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) calls() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.bodies) }

func TestDingTalkSign(t *testing.T) {
	// Computed independently with Python (hmac, hashlib.sha256, base64,
	// urllib.parse.quote_plus) as in DingTalk's documentation.
	const want = "B0RWzLp5DJ68eWPlqN2is7j%2FCJw7WP3nV1RkTFHU%2BF4%3D"
	if got := url.QueryEscape(DingTalkSign("SEC0123456789abcdef", 1767225600000)); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

func TestWebhookFormats(t *testing.T) {
	msg := Message{Kind: "notice.published", Title: "第二季度评议结果公示", Body: "公示期 5 个工作日。", URL: "/notices/3", Key: "notice:3"}
	tests := []struct {
		name    string
		format  string
		secret  string
		status  int
		answer  string
		wantErr string
		check   func(t *testing.T, body map[string]any, q url.Values)
	}{
		{name: "企业微信", format: FormatWeCom, status: 200, answer: `{"errcode":0,"errmsg":"ok"}`, check: func(t *testing.T, b map[string]any, q url.Values) {
			md, _ := b["markdown"].(map[string]any)
			if keys(b) != "markdown,msgtype" || b["msgtype"] != "markdown" || keys(md) != "content" {
				t.Fatalf("shape: %v", b)
			}
			c := md["content"].(string)
			if !strings.Contains(c, "**第二季度评议结果公示**") || !strings.Contains(c, "公示期 5 个工作日。") || !strings.Contains(c, "(https://cz.example.cn/notices/3)") {
				t.Fatalf("content: %q", c)
			}
		}},
		{name: "钉钉 signed", format: FormatDingTalk, secret: "SEC0123456789abcdef", status: 200, answer: `{"errcode":0,"errmsg":"ok"}`, check: func(t *testing.T, b map[string]any, q url.Values) {
			md, _ := b["markdown"].(map[string]any)
			if keys(b) != "markdown,msgtype" || b["msgtype"] != "markdown" || keys(md) != "text,title" || md["title"] != msg.Title {
				t.Fatalf("shape: %v", b)
			}
			if !strings.Contains(md["text"].(string), "#### 第二季度评议结果公示") {
				t.Fatalf("text: %q", md["text"])
			}
			if q.Get("access_token") != "tok" || q.Get("timestamp") != "1767225600000" || q.Get("sign") != DingTalkSign("SEC0123456789abcdef", 1767225600000) {
				t.Fatalf("query: %v", q)
			}
		}},
		{name: "钉钉 unsigned", format: FormatDingTalk, status: 200, answer: `{"errcode":0}`, check: func(t *testing.T, b map[string]any, q url.Values) {
			if q.Has("sign") || q.Has("timestamp") {
				t.Fatalf("signed without a secret: %v", q)
			}
		}},
		{name: "JSON", format: FormatJSON, status: 204, check: func(t *testing.T, b map[string]any, q url.Values) {
			if keys(b) != "body,key,kind,title,url" || b["kind"] != msg.Kind || b["title"] != msg.Title || b["url"] != "https://cz.example.cn/notices/3" || b["key"] != msg.Key {
				t.Fatalf("shape: %v", b)
			}
		}},
		{name: "HTTP 500", format: FormatJSON, status: 500, answer: "boom", wantErr: "HTTP 500"},
		{name: "robot refuses the signature", format: FormatDingTalk, secret: "wrong", status: 200, answer: `{"errcode":310000,"errmsg":"sign not match"}`, wantErr: "310000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rcv := newReceiver(t, tc.status, tc.answer)
			s := &Service{BaseURL: "https://cz.example.cn/", Now: func() time.Time { return time.UnixMilli(1767225600000) }}
			h := Webhook{ID: 1, URL: rcv.URL + "/robot/send?access_token=tok", Format: tc.format, secret: tc.secret}
			err := s.post(context.Background(), h, msg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rcv.calls() != 1 || rcv.ctype[0] != "application/json; charset=utf-8" {
				t.Fatalf("calls %d, content type %v", rcv.calls(), rcv.ctype)
			}
			tc.check(t, rcv.bodies[0], rcv.query[0])
		})
	}
}

func TestSendToUnitWebhooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		ok := map[string]*receiver{
			FormatWeCom:    newReceiver(t, 200, `{"errcode":0,"errmsg":"ok"}`),
			FormatDingTalk: newReceiver(t, 200, `{"errcode":0,"errmsg":"ok"}`),
			FormatJSON:     newReceiver(t, 200, `{}`),
		}
		broken := newReceiver(t, 500, "internal error")
		var brokenID int64
		for _, format := range Formats {
			if _, err := f.s.CreateWebhook(ctx, f.secA, f.unitA, WebhookInput{Name: format + " 群", URL: ok[format].URL + "/send?key=k", Format: format, Secret: "SECx"}); err != nil {
				t.Fatal(err)
			}
		}
		h, err := f.s.CreateWebhook(ctx, f.secA, f.unitA, WebhookInput{Name: "坏掉的机器人", URL: broken.URL, Format: FormatJSON})
		if err != nil {
			t.Fatal(err)
		}
		brokenID = h.ID
		paused, _ := f.s.CreateWebhook(ctx, f.secA, f.unitA, WebhookInput{Name: "已停用", URL: broken.URL, Format: FormatJSON})
		if err := f.s.SetWebhookEnabled(ctx, f.secA, f.unitA, paused.ID, false); err != nil {
			t.Fatal(err)
		}
		// Another unit's robot hears nothing.
		other := newReceiver(t, 200, `{}`)
		if _, err := f.s.CreateWebhook(ctx, org.System(), f.unitB, WebhookInput{Name: "其他支部", URL: other.URL, Format: FormatJSON}); err != nil {
			t.Fatal(err)
		}
		msg := Message{Kind: "meeting.scheduled", Title: "3 月 5 日召开支部党员大会", Body: "地点：三楼会议室", URL: "/meetings/4", Key: "meeting:4:scheduled"}
		sendToUnit := func() int {
			var n int
			err := d.Update(ctx, func(tx *db.Tx) error {
				var err error
				n, err = f.s.SendToUnit(ctx, tx, f.unitA, msg)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := sendToUnit(); n != 4 {
			t.Fatalf("queued %d posts, want 4", n)
		}
		if n := sendToUnit(); n != 0 {
			t.Fatalf("queued %d posts again", n)
		}
		f.run(t)
		for format, r := range ok {
			if r.calls() != 1 {
				t.Errorf("%s received %d posts", format, r.calls())
			}
		}
		if other.calls() != 0 {
			t.Error("another unit's robot was posted to")
		}
		if !ok[FormatDingTalk].query[0].Has("sign") {
			t.Error("DingTalk post not signed")
		}
		brokenKey := "notify:meeting:4:scheduled:webhook:" + itoa(brokenID)
		// The broken robot: retried with backoff, dead after MaxAttempts (3).
		for i, step := range []struct {
			advance time.Duration
			calls   int
			state   string
		}{{0, 1, jobs.Pending}, {time.Minute, 2, jobs.Pending}, {2 * time.Minute, 3, jobs.Dead}, {time.Hour, 3, jobs.Dead}} {
			f.clk.Add(step.advance)
			f.run(t)
			j := f.job(t, brokenKey)
			if broken.calls() != step.calls || j.State != step.state || !strings.Contains(j.LastError, "HTTP 500") {
				t.Fatalf("step %d: %d calls, job %+v", i, broken.calls(), j)
			}
			if dl := f.delivery(t, brokenKey); dl.State != "failed" || dl.LastError != "HTTP 500" || dl.Attempts != step.calls {
				t.Fatalf("step %d: delivery %+v", i, dl)
			}
		}
		ds, err := f.s.UnitDeliveries(ctx, f.secA, f.unitA, 10)
		if err != nil || len(ds) != 4 {
			t.Fatalf("unit deliveries: %d %v", len(ds), err)
		}
		sent := 0
		for _, dl := range ds {
			if dl.State == "sent" {
				sent++
			}
		}
		if sent != 3 {
			t.Fatalf("%d sent", sent)
		}
		if failed, _ := jobs.ListFailed(ctx, d, 10); len(failed) != 1 || failed[0].Key != brokenKey {
			t.Fatalf("failed jobs: %+v", failed)
		}
		// A hook deleted while a post is queued: the post ends failed, not lost silently.
		msg.Key = "meeting:4:changed"
		sendToUnit()
		hooks, _ := f.s.Webhooks(ctx, f.secA, f.unitA)
		if err := f.s.DeleteWebhook(ctx, f.secA, f.unitA, hooks[0].ID); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		key := "notify:meeting:4:changed:webhook:" + itoa(hooks[0].ID)
		if j, dl := f.job(t, key), f.delivery(t, key); j.State != jobs.Dead || dl.State != "failed" || !strings.Contains(dl.LastError, "已删除") {
			t.Fatalf("deleted hook: job %+v delivery %+v", j, dl)
		}
	})
}

func TestTestWebhook(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, dbtest.SQLite(t))
	good := newReceiver(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	bad := newReceiver(t, 500, "")
	hg, _ := f.s.CreateWebhook(ctx, f.secA, f.unitA, WebhookInput{Name: "好", URL: good.URL, Format: FormatWeCom})
	hb, _ := f.s.CreateWebhook(ctx, f.secA, f.unitA, WebhookInput{Name: "坏", URL: bad.URL, Format: FormatWeCom})
	if err := f.s.TestWebhook(ctx, f.secA, f.unitA, hg.ID); err != nil || good.calls() != 1 {
		t.Fatalf("test good: %v", err)
	}
	if !strings.Contains(good.bodies[0]["markdown"].(map[string]any)["content"].(string), "测试消息") {
		t.Fatalf("test body: %v", good.bodies[0])
	}
	err := f.s.TestWebhook(ctx, f.secA, f.unitA, hb.ID)
	if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.As(err).Msg, "HTTP 500") {
		t.Fatalf("test bad: %v", err)
	}
	if err := f.s.TestWebhook(ctx, f.secA, f.unitB, hg.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("test from another unit: %v", err)
	}
}
