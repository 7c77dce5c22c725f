package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a database with two users, two branches (a secretary over
// the first) and the service and a job runner on a fake clock.
type fixture struct {
	d          *db.DB
	clk        *clock
	s          *Service
	r          *jobs.Runner
	alice, bob int64 // users
	unitA      int64
	unitB      int64
	secA       *org.Actor // secretary of unit A
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, clk: &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}}
	d.Now = f.clk.Now
	err := d.Update(ctx, func(tx *db.Tx) error {
		user := func(name string) (int64, error) {
			return tx.Insert(ctx, `INSERT INTO users (username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)`,
				name, name, tx.NowText(), tx.NowText())
		}
		unit := func(name string) (int64, error) {
			id, err := tx.Insert(ctx, `INSERT INTO units (name, type, path, depth, created_at, updated_at) VALUES (?, '党支部', '', 0, ?, ?)`,
				name, tx.NowText(), tx.NowText())
			if err != nil {
				return 0, err
			}
			_, err = tx.Exec(ctx, `UPDATE units SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", id), id)
			return id, err
		}
		var err error
		if f.alice, err = user("alice"); err != nil {
			return err
		}
		if f.bob, err = user("bob"); err != nil {
			return err
		}
		if f.unitA, err = unit("水产科党支部"); err != nil {
			return err
		}
		f.unitB, err = unit("畜牧科党支部")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.secA = &org.Actor{UserID: f.alice, Username: "alice", Name: "张三",
		Grants: []org.ScopedGrant{{Role: org.RoleSecretary, UnitID: f.unitA, UnitPath: fmt.Sprintf("/%d/", f.unitA)}}}
	f.s = &Service{DB: d, Org: &org.Service{DB: d}, BaseURL: "https://cz.example.cn", Log: quiet(), Now: f.clk.Now, MaxAttempts: 3}
	f.r = &jobs.Runner{DB: d, ID: "test", Now: f.clk.Now, Lease: time.Minute, Log: quiet()}
	f.s.Register(f.r)
	return f
}

func (f *fixture) send(t testing.TB, msgs ...Message) int {
	t.Helper()
	var n int
	err := f.d.Update(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = f.s.Send(context.Background(), tx, msgs...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) run(t testing.TB) int {
	t.Helper()
	n, err := f.r.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	err := f.d.View(context.Background(), func(tx *db.Tx) error { return tx.QueryRow(context.Background(), q, args...).Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) job(t testing.TB, key string) jobs.Info {
	t.Helper()
	i, ok, err := jobs.Lookup(context.Background(), f.d, key)
	if err != nil || !ok {
		t.Fatalf("job %s: %v %v", key, ok, err)
	}
	return i
}

func (f *fixture) delivery(t testing.TB, key string) Delivery {
	t.Helper()
	d, err := f.s.DeliveryByKey(context.Background(), key)
	if err != nil {
		t.Fatalf("delivery %s: %v", key, err)
	}
	return d
}

func (f *fixture) setPrefs(t testing.TB, userID int64, p Prefs) {
	t.Helper()
	if _, err := f.s.SetPrefs(context.Background(), &org.Actor{UserID: userID, Username: "u"}, p); err != nil {
		t.Fatal(err)
	}
}

func TestSendDedupesAndQueuesEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.SMTP = &SMTP{Host: "127.0.0.1", Port: 1, From: "noreply@example.cn"} // never reached here
		f.setPrefs(t, f.alice, Prefs{Email: "alice@example.cn", EmailOn: true})
		msg := Message{UserID: f.alice, Kind: "commitment.due", Title: "请提交承诺书", Body: "3 月 10 日前", URL: "/commitments/7", Key: "commitment:7:due"}
		steps := []struct {
			name  string
			msgs  []Message
			new   int
			inbox int
			jobs  int
		}{
			{"first send", []Message{msg}, 1, 1, 1},
			{"same key again", []Message{msg}, 0, 1, 1},
			{"same key twice in one call, plus bob", []Message{msg, msg, {UserID: f.bob, Title: "请提交承诺书", Key: "commitment:7:due"}}, 1, 2, 1},
			{"no key: always new", []Message{{UserID: f.bob, Title: "临时通知"}, {UserID: f.bob, Title: "临时通知"}}, 2, 4, 1},
		}
		for _, s := range steps {
			if n := f.send(t, s.msgs...); n != s.new {
				t.Fatalf("%s: %d new, want %d", s.name, n, s.new)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM notifications`); n != s.inbox {
				t.Fatalf("%s: %d inbox rows, want %d", s.name, n, s.inbox)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, KindEmail); n != s.jobs {
				t.Fatalf("%s: %d e-mail jobs, want %d", s.name, n, s.jobs)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM deliveries WHERE channel = 'email' AND target = 'alice@example.cn' AND state = 'queued'`); n != 1 {
			t.Fatalf("deliveries: %d", n)
		}
		// A rolled-back use case announces nothing.
		_ = d.Update(context.Background(), func(tx *db.Tx) error {
			_, _ = f.s.Send(context.Background(), tx, Message{UserID: f.alice, Title: "撤回", Key: "rollback"})
			return errors.New("roll back")
		})
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE key = 'rollback'`); n != 0 {
			t.Fatal("rolled-back notification kept")
		}
		// Bad messages are programming errors.
		for _, bad := range []Message{{UserID: f.alice}, {Title: "x"}, {UserID: f.alice, Title: "x", URL: "javascript:alert(1)"}, {UserID: f.alice, Title: "x", URL: "//evil.example"}} {
			err := d.Update(context.Background(), func(tx *db.Tx) error { _, err := f.s.Send(context.Background(), tx, bad); return err })
			if err == nil {
				t.Errorf("Send(%+v) accepted", bad)
			}
		}
	})
}

func TestInboxReadAndDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		for i := range 25 {
			f.send(t, Message{UserID: f.alice, Kind: "k", Title: fmt.Sprintf("消息 %02d", i), Key: fmt.Sprint(i)})
			f.clk.Add(time.Minute)
		}
		f.send(t, Message{UserID: f.bob, Title: "给 bob", Key: "b"})
		page1, total, err := f.s.Inbox(ctx, f.alice, 1)
		if err != nil || total != 25 || len(page1) != PerPage || page1[0].Title != "消息 24" {
			t.Fatalf("page 1: %d of %d, first %q, %v", len(page1), total, page1[0].Title, err)
		}
		page2, total, _ := f.s.Inbox(ctx, f.alice, 2)
		if total != 25 || len(page2) != 5 || page2[4].Title != "消息 00" {
			t.Fatalf("page 2: %d of %d", len(page2), total)
		}
		if _, total, _ := f.s.Inbox(ctx, f.alice, 9); total != 25 {
			t.Fatalf("past the end: total %d", total)
		}
		if n, _ := f.s.UnreadCount(ctx, f.alice); n != 25 {
			t.Fatalf("unread %d", n)
		}
		if err := f.s.MarkRead(ctx, f.alice, page1[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.MarkRead(ctx, f.alice, page1[0].ID); err != nil {
			t.Fatalf("mark read twice: %v", err)
		}
		// Someone else's notification is not found.
		bobs, _, _ := f.s.Inbox(ctx, f.bob, 1)
		if err := f.s.MarkRead(ctx, f.alice, bobs[0].ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("mark bob's read: %v", err)
		}
		if n, _ := f.s.UnreadCount(ctx, f.alice); n != 24 {
			t.Fatalf("unread after one read: %d", n)
		}
		since := f.clk.Now().Add(-10 * time.Minute)
		digest, err := f.s.DigestFor(ctx, f.alice, since)
		if err != nil || len(digest) != 9 || digest[0].Title != "消息 15" { // 15…23 unread in the window (24 read)
			t.Fatalf("digest: %d %v", len(digest), err)
		}
		if n, err := f.s.MarkAllRead(ctx, f.alice); n != 24 || err != nil {
			t.Fatalf("mark all: %d %v", n, err)
		}
		if n, _ := f.s.UnreadCount(ctx, f.alice); n != 0 {
			t.Fatalf("unread after all: %d", n)
		}
		if n, _ := f.s.UnreadCount(ctx, f.bob); n != 1 {
			t.Fatalf("bob's unread: %d", n)
		}
	})
}

func TestPrefs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		me := &org.Actor{UserID: f.alice, Username: "alice"}
		if p, err := f.s.Prefs(ctx, f.alice); err != nil || p.EmailOn || p.Email != "" {
			t.Fatalf("defaults: %+v %v", p, err)
		}
		tests := []struct {
			in      Prefs
			wantErr bool
		}{
			{Prefs{Email: "zhangsan@example.cn", EmailOn: true, DigestOn: true}, false},
			{Prefs{Email: " li.si+cz@mail.example.com.cn ", EmailOn: true}, false},
			{Prefs{Email: "not an address"}, true},
			{Prefs{Email: "张三 <zs@example.cn>"}, true},
			{Prefs{Email: "zs@localhost"}, true},
			{Prefs{EmailOn: true}, true},
			{Prefs{DigestOn: true}, true},
			{Prefs{}, false},
		}
		for _, tc := range tests {
			p, err := f.s.SetPrefs(ctx, me, tc.in)
			if (err != nil) != tc.wantErr {
				t.Errorf("SetPrefs(%+v) = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("SetPrefs(%+v): code %s", tc.in, apperr.CodeOf(err))
			}
			if err == nil {
				got, _ := f.s.Prefs(ctx, f.alice)
				if got.Email != strings.TrimSpace(tc.in.Email) || got.EmailOn != tc.in.EmailOn || p.DigestOn != got.DigestOn {
					t.Errorf("stored %+v, set %+v", got, tc.in)
				}
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'notify.prefs'`); n != 3 {
			t.Fatalf("audit entries: %d", n)
		}
		f.setPrefs(t, f.bob, Prefs{Email: "bob@example.cn", DigestOn: true})
		if rs, err := f.s.DigestRecipients(ctx); err != nil || len(rs) != 1 || rs[0].UserID != f.bob {
			t.Fatalf("digest recipients: %+v %v", rs, err)
		}
	})
}

func TestWebhookCRUDAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		good := WebhookInput{Name: "支部工作群", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", Format: FormatWeCom}
		tests := []struct {
			name string
			a    *org.Actor
			unit int64
			in   WebhookInput
			code apperr.Code
		}{
			{"secretary on own branch", f.secA, f.unitA, good, ""},
			{"secretary on another branch", f.secA, f.unitB, good, apperr.Forbidden},
			{"no grants", &org.Actor{UserID: f.bob}, f.unitA, good, apperr.Forbidden},
			{"admin anywhere", org.System(), f.unitB, WebhookInput{Name: "钉钉群", URL: "https://oapi.dingtalk.com/robot/send?access_token=x", Format: FormatDingTalk, Secret: "SECabc"}, ""},
			{"missing unit", org.System(), 999999, good, apperr.NotFound},
			{"bad url", f.secA, f.unitA, WebhookInput{Name: "x", URL: "ftp://x", Format: FormatJSON}, apperr.Invalid},
			{"javascript url", f.secA, f.unitA, WebhookInput{Name: "x", URL: "javascript:alert(1)", Format: FormatJSON}, apperr.Invalid},
			{"bad format", f.secA, f.unitA, WebhookInput{Name: "x", URL: "https://x.example", Format: "slack"}, apperr.Invalid},
			{"no name", f.secA, f.unitA, WebhookInput{URL: "https://x.example", Format: FormatJSON}, apperr.Invalid},
		}
		for _, tc := range tests {
			_, err := f.s.CreateWebhook(ctx, tc.a, tc.unit, tc.in)
			if got := codeOrEmpty(err); got != tc.code {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
			}
		}
		hooks, err := f.s.Webhooks(ctx, f.secA, f.unitA)
		if err != nil || len(hooks) != 1 || hooks[0].Name != "支部工作群" || hooks[0].HasSecret {
			t.Fatalf("hooks of A: %+v %v", hooks, err)
		}
		if _, err := f.s.Webhooks(ctx, f.secA, f.unitB); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("list B as secretary of A: %v", err)
		}
		hb, _ := f.s.Webhooks(ctx, org.System(), f.unitB)
		if len(hb) != 1 || !hb[0].HasSecret {
			t.Fatalf("hooks of B: %+v", hb)
		}
		// A webhook is addressed through its own unit only.
		if err := f.s.DeleteWebhook(ctx, f.secA, f.unitA, hb[0].ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("delete B's hook via A: %v", err)
		}
		if err := f.s.SetWebhookEnabled(ctx, f.secA, f.unitA, hooks[0].ID, false); err != nil {
			t.Fatal(err)
		}
		if err := f.s.DeleteWebhook(ctx, f.secA, f.unitA, hooks[0].ID); err != nil {
			t.Fatal(err)
		}
		if hooks, _ := f.s.Webhooks(ctx, f.secA, f.unitA); len(hooks) != 0 {
			t.Fatalf("after delete: %+v", hooks)
		}
		for action, want := range map[string]int{"webhook.create": 2, "webhook.update": 1, "webhook.delete": 1} {
			if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action); n != want {
				t.Errorf("audit %s: %d, want %d", action, n, want)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%key=abc%' OR after_json LIKE '%SECabc%'`); n != 0 {
			t.Fatal("audit log holds a robot token or secret")
		}
	})
}

func codeOrEmpty(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}
