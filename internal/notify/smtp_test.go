package notify

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/jobs"
)

// smtpServer is a minimal SMTP server on loopback (RFC 5321: EHLO/HELO,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT) that records what it accepts.
type smtpServer struct {
	ln         net.Listener
	port       int
	rejectRcpt bool // answer RCPT with 550
	mu         sync.Mutex
	msgs       []smtpMsg
	wg         sync.WaitGroup
}

type smtpMsg struct {
	From string
	To   []string
	Data string
}

func startSMTP(tb testing.TB) *smtpServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &smtpServer{ln: ln, port: ln.Addr().(*net.TCPAddr).Port}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	tb.Cleanup(s.close)
	return s
}

func (s *smtpServer) close() { s.ln.Close(); s.wg.Wait() }

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 test.local ESMTP ready")
	var cur smtpMsg
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		arg := func(prefix string) string {
			v := strings.TrimSpace(line[min(len(line), len(prefix)):])
			return strings.Trim(strings.SplitN(v, " ", 2)[0], "<>")
		}
		switch verb {
		case "EHLO":
			_ = tp.PrintfLine("250-test.local greets you")
			_ = tp.PrintfLine("250-8BITMIME")
			_ = tp.PrintfLine("250 SMTPUTF8")
		case "HELO":
			_ = tp.PrintfLine("250 test.local")
		case "MAIL":
			cur = smtpMsg{From: arg("MAIL FROM:")}
			_ = tp.PrintfLine("250 2.1.0 OK")
		case "RCPT":
			if s.rejectRcpt {
				_ = tp.PrintfLine("550 5.1.1 mailbox unavailable")
				continue
			}
			cur.To = append(cur.To, arg("RCPT TO:"))
			_ = tp.PrintfLine("250 2.1.5 OK")
		case "DATA":
			if len(cur.To) == 0 {
				_ = tp.PrintfLine("503 5.5.1 no recipients")
				continue
			}
			_ = tp.PrintfLine("354 end with <CRLF>.<CRLF>")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = string(b)
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = smtpMsg{}
			_ = tp.PrintfLine("250 2.0.0 queued")
		case "RSET":
			cur = smtpMsg{}
			_ = tp.PrintfLine("250 OK")
		case "NOOP":
			_ = tp.PrintfLine("250 OK")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 5.5.2 command not implemented")
		}
	}
}

func (s *smtpServer) received() []smtpMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMsg(nil), s.msgs...)
}

// decoded parses a received message: its decoded subject and body.
func decoded(t testing.TB, m smtpMsg) (mail.Header, string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Fatalf("content type %q", ct)
	}
	body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return msg.Header, subject, string(body)
}

func TestEmailOverSMTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		srv := startSMTP(t)
		f.s.SMTP = &SMTP{Host: "127.0.0.1", Port: srv.port, From: "创争系统 <noreply@cz.example.cn>"}
		f.setPrefs(t, f.alice, Prefs{Email: "zhangsan@example.cn", EmailOn: true})
		f.setPrefs(t, f.bob, Prefs{Email: "bob@example.cn", EmailOn: false})
		msg := Message{UserID: f.alice, Kind: "commitment.due", Title: "请于 3 月 10 日前提交创先争优承诺书",
			Body: "水产科党支部：您的公开承诺尚未提交。\n请登录系统填写。", URL: "/commitments/7", Key: "commitment:7:due"}
		f.send(t, msg, Message{UserID: f.bob, Title: "只进收件箱", Key: "x"})
		if n := f.run(t); n != 1 {
			t.Fatalf("ran %d jobs, want 1 (bob has e-mail off)", n)
		}
		got := srv.received()
		if len(got) != 1 {
			t.Fatalf("server received %d messages", len(got))
		}
		if got[0].From != "noreply@cz.example.cn" || len(got[0].To) != 1 || got[0].To[0] != "zhangsan@example.cn" {
			t.Fatalf("envelope: %+v", got[0])
		}
		hdr, subject, body := decoded(t, got[0])
		if subject != "【创争】请于 3 月 10 日前提交创先争优承诺书" {
			t.Errorf("subject %q (raw %q)", subject, hdr.Get("Subject"))
		}
		if !strings.HasPrefix(hdr.Get("Subject"), "=?utf-8?q?") {
			t.Errorf("subject not Q-encoded: %q", hdr.Get("Subject"))
		}
		for _, want := range []string{"水产科党支部：您的公开承诺尚未提交。\r\n请登录系统填写。", "查看详情：https://cz.example.cn/commitments/7", "https://cz.example.cn/account/notifications"} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
		if from, _ := (&mail.AddressParser{WordDecoder: new(mime.WordDecoder)}).Parse(hdr.Get("From")); from == nil || from.Name != "创争系统" {
			t.Errorf("From header %q", hdr.Get("From"))
		}
		key := "notify:" + itoa(firstNotification(t, f, f.alice)) + ":email"
		if dl := f.delivery(t, key); dl.State != "sent" || dl.Attempts != 1 || dl.SentAt == "" {
			t.Fatalf("delivery: %+v", dl)
		}
		if j := f.job(t, key); j.State != jobs.Done {
			t.Fatalf("job: %+v", j)
		}
		// Sending the same reminder again sends nothing.
		if n := f.send(t, msg); n != 0 {
			t.Fatalf("resend: %d new", n)
		}
		f.clk.Add(time.Hour)
		f.run(t)
		if n := len(srv.received()); n != 1 {
			t.Fatalf("after resend the server has %d messages", n)
		}
		_ = ctx
	})
}

func TestEmailSMTPDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		down := startSMTP(t)
		down.close() // nothing listens on this port any more
		f.s.SMTP = &SMTP{Host: "127.0.0.1", Port: down.port, From: "noreply@cz.example.cn"}
		f.s.MaxAttempts = 5
		f.setPrefs(t, f.alice, Prefs{Email: "zhangsan@example.cn", EmailOn: true})
		f.send(t, Message{UserID: f.alice, Title: "评议结果已公示", URL: "/notices/3", Key: "notice:3"})
		key := "notify:" + itoa(firstNotification(t, f, f.alice)) + ":email"

		steps := []struct {
			advance  time.Duration
			up       bool // start a server (on a new port) before this step
			state    string
			attempts int
			retryIn  time.Duration
		}{
			{0, false, "failed", 1, time.Minute},
			{time.Minute, false, "failed", 2, 2 * time.Minute},
			{time.Minute, false, "failed", 2, time.Minute}, // not due yet
			{time.Minute, true, "sent", 3, 0},
		}
		var up *smtpServer
		for i, s := range steps {
			f.clk.Add(s.advance)
			if s.up {
				up = startSMTP(t)
				f.s.SMTP.Port = up.port
			}
			f.run(t)
			dl := f.delivery(t, key)
			if dl.State != s.state || dl.Attempts != s.attempts {
				t.Fatalf("step %d: delivery %+v", i, dl)
			}
			j := f.job(t, key)
			if s.state == "failed" {
				if !strings.Contains(dl.LastError, "smtp connect") || j.State != jobs.Pending || j.LastError == "" {
					t.Fatalf("step %d: delivery %+v job %+v", i, dl, j)
				}
				if in := db.ParseTime(j.RunAt).Sub(f.clk.Now()); in != s.retryIn {
					t.Fatalf("step %d: retry in %v, want %v", i, in, s.retryIn)
				}
				// The administrator sees the failure; the inbox has the message.
				failed, err := f.s.FailedDeliveries(ctx, adminActor(), 10)
				if err != nil || len(failed) != 1 || failed[0].Target != "zhangsan@example.cn" {
					t.Fatalf("step %d: failed deliveries %+v %v", i, failed, err)
				}
				if n, _ := f.s.UnreadCount(ctx, f.alice); n != 1 {
					t.Fatalf("step %d: unread %d", i, n)
				}
			} else if j.State != jobs.Done || dl.LastError != "" {
				t.Fatalf("step %d: job %+v delivery %+v", i, j, dl)
			}
		}
		if n := len(up.received()); n != 1 {
			t.Fatalf("server received %d", n)
		}
	})
}

func TestEmailRefusedIsNotRetried(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	srv := startSMTP(t)
	srv.rejectRcpt = true
	f.s.SMTP = &SMTP{Host: "127.0.0.1", Port: srv.port, From: "noreply@cz.example.cn"}
	f.setPrefs(t, f.alice, Prefs{Email: "nobody@example.cn", EmailOn: true})
	f.send(t, Message{UserID: f.alice, Title: "x", Key: "x"})
	f.run(t)
	key := "notify:" + itoa(firstNotification(t, f, f.alice)) + ":email"
	if j := f.job(t, key); j.State != jobs.Dead || !strings.Contains(j.LastError, "550") {
		t.Fatalf("job %+v", j)
	}
	if dl := f.delivery(t, key); dl.State != "failed" || !strings.Contains(dl.LastError, "550") {
		t.Fatalf("delivery %+v", dl)
	}
}

func TestNoSMTPMeansInboxOnly(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	f.setPrefs(t, f.alice, Prefs{Email: "zhangsan@example.cn", EmailOn: true})
	if n := f.send(t, Message{UserID: f.alice, Title: "x", Key: "x"}); n != 1 {
		t.Fatal(n)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM jobs`) + f.count(t, `SELECT COUNT(*) FROM deliveries`); n != 0 {
		t.Fatalf("%d jobs or deliveries without SMTP", n)
	}
}

func TestBuildEmailLongChineseSubject(t *testing.T) {
	from, _ := mail.ParseAddress("noreply@cz.example.cn")
	subject := strings.Repeat("创先争优承诺践诺", 12)
	raw := buildEmail(from, Email{To: "a@example.cn", Subject: subject, Body: strings.Repeat("长行", 500)}, time.Unix(0, 0), "cz.example.cn")
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line of %d bytes", len(line))
		}
	}
	_, got, body := decoded(t, smtpMsg{Data: string(raw)})
	if got != subject || body != strings.Repeat("长行", 500) {
		t.Fatalf("round trip: %q", got)
	}
}

func firstNotification(t testing.TB, f *fixture, userID int64) int64 {
	t.Helper()
	ns, _, err := f.s.Inbox(context.Background(), userID, 1)
	if err != nil || len(ns) == 0 {
		t.Fatalf("inbox: %v", err)
	}
	return ns[len(ns)-1].ID
}
