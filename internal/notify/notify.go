// Package notify delivers notifications: the in-app inbox, e-mail over SMTP
// and webhooks for group-chat robots (企业微信, 钉钉, plain JSON), with
// per-user preferences.
//
// A feature sends inside its own transaction (Send, SendToUnit): the inbox
// row, a delivery row per channel and a background job per delivery are
// written with the change that caused them, so nothing is announced that
// did not happen and nothing that happened goes unannounced. The jobs are
// run by a jobs.Runner on which Register installed the senders; the
// delivery rows show the administrator what was sent and what failed.
package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/jobs"
	"chuangzheng/internal/org"
)

// Job kinds of the senders.
const (
	KindEmail   = "notify.email"
	KindWebhook = "notify.webhook"
)

// PerPage is the inbox page size.
const PerPage = 20

// Service holds the notification use cases.
type Service struct {
	DB   *db.DB
	Org  *org.Service // loads units for webhook authorization
	SMTP *SMTP        // nil: e-mail is disabled (the inbox still works)
	// BaseURL is the site's public address (https://cz.example.cn), used to
	// make the links in e-mails and robot messages absolute.
	BaseURL string
	// HTTP posts webhooks; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// MaxAttempts of each delivery job (0: jobs.DefaultMaxAttempts).
	MaxAttempts int
	Log         *slog.Logger
	Now         func() time.Time // nil: the DB's clock (DingTalk signing, e-mail Date)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return s.DB.Now()
}

// EmailEnabled reports whether an SMTP server is configured.
func (s *Service) EmailEnabled() bool { return s != nil && s.SMTP != nil && s.SMTP.Host != "" }

// Message is one notification for one user.
type Message struct {
	UserID int64
	Kind   string // e.g. "commitment.returned", "meeting.reminder"
	Title  string // one line, shown in the inbox and as the e-mail subject
	Body   string // plain text
	URL    string // where to act: a site path ("/commitments/12") or an http(s) URL
	Key    string // dedupe: the same (user, key) is delivered once ("" never dedupes)
}

// Notification is an inbox entry.
type Notification struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"-"`
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	URL       string `json:"url"`
	Key       string `json:"key"`
	CreatedAt string `json:"created_at"`
	ReadAt    string `json:"read_at,omitempty"`
	Read      bool   `json:"read"`
}

const notificationCols = `id, user_id, kind, title, body, url, key, created_at, COALESCE(read_at, '')`

func scanNotification(sc interface{ Scan(...any) error }, extra ...any) (Notification, error) {
	var n Notification
	err := sc.Scan(append([]any{&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.URL, &n.Key, &n.CreatedAt, &n.ReadAt}, extra...)...)
	n.Read = n.ReadAt != ""
	return n, err
}

// normalize checks a message from another feature (a programming error is
// an ordinary error, not a user message) and trims it to the column limits.
func (m *Message) normalize() error {
	m.Title = strings.TrimSpace(m.Title)
	if m.Title == "" {
		return errors.New("notify: a message needs a title")
	}
	if m.Kind == "" {
		m.Kind = "general"
	}
	m.Title = clip(strings.ReplaceAll(strings.ReplaceAll(m.Title, "\r", " "), "\n", " "), 200)
	m.Body = clip(strings.TrimSpace(m.Body), 4000)
	m.URL = strings.TrimSpace(m.URL)
	if m.URL != "" && !validLink(m.URL) {
		return fmt.Errorf("notify: link %q is neither a site path nor an http(s) URL", m.URL)
	}
	if m.Key == "" {
		m.Key = "once:" + randomHex(8)
	}
	m.Key = clip(m.Key, 200)
	return nil
}

func validLink(u string) bool {
	if strings.HasPrefix(u, "/") {
		return !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, "/\\")
	}
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// Send puts msgs in their users' inboxes inside the caller's transaction,
// skipping any whose (user, key) was delivered before, and queues an e-mail
// for each new one whose user asked for e-mail. It returns how many are new.
func (s *Service) Send(ctx context.Context, tx *db.Tx, msgs ...Message) (int, error) {
	prefs := map[int64]Prefs{}
	n := 0
	for _, m := range msgs {
		if err := m.normalize(); err != nil {
			return n, err
		}
		if m.UserID <= 0 {
			return n, errors.New("notify: a message needs a user")
		}
		id, err := tx.Insert(ctx, `INSERT INTO notifications (user_id, kind, title, body, url, key, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO NOTHING`,
			m.UserID, m.Kind, m.Title, m.Body, m.URL, m.Key, tx.NowText())
		if errors.Is(err, sql.ErrNoRows) {
			continue // delivered before
		}
		if err != nil {
			return n, fmt.Errorf("notify: inbox: %w", err)
		}
		n++
		if !s.EmailEnabled() {
			continue
		}
		p, ok := prefs[m.UserID]
		if !ok {
			if p, err = prefsTx(ctx, tx, m.UserID); err != nil {
				return n, err
			}
			prefs[m.UserID] = p
		}
		if p.EmailOn && p.Email != "" {
			key := fmt.Sprintf("notify:%d:email", id)
			d := Delivery{NotificationID: id, Channel: "email", Target: p.Email, Title: m.Title}
			if _, err := s.queue(ctx, tx, d, key, KindEmail, deliveryPayload{}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// SendToUnit posts msg to every enabled webhook of the unit (its group-chat
// robots) inside the caller's transaction, once per (msg.Key, webhook). It
// returns how many posts were queued.
func (s *Service) SendToUnit(ctx context.Context, tx *db.Tx, unitID int64, msg Message) (int, error) {
	if err := msg.normalize(); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `SELECT id, name FROM webhooks WHERE unit_id = ? AND enabled ORDER BY id`, unitID)
	if err != nil {
		return 0, fmt.Errorf("notify: webhooks of unit %d: %w", unitID, err)
	}
	type hook struct {
		id   int64
		name string
	}
	var hooks []hook
	for rows.Next() {
		var h hook
		if err := rows.Scan(&h.id, &h.name); err != nil {
			rows.Close()
			return 0, err
		}
		hooks = append(hooks, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, h := range hooks {
		key := fmt.Sprintf("notify:%s:webhook:%d", msg.Key, h.id)
		d := Delivery{WebhookID: h.id, Channel: "webhook", Target: h.name, Title: msg.Title}
		m := msg
		ok, err := s.queue(ctx, tx, d, key, KindWebhook, deliveryPayload{Webhook: h.id, Message: &m})
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// deliveryPayload is what a sender job carries: the delivery row, and for
// webhooks the message itself (unit posts have no inbox row).
type deliveryPayload struct {
	Delivery int64    `json:"delivery"`
	Webhook  int64    `json:"webhook,omitempty"`
	Message  *Message `json:"message,omitempty"`
}

// queue writes a delivery row and its job; false when key was queued before.
func (s *Service) queue(ctx context.Context, tx *db.Tx, d Delivery, key, kind string, p deliveryPayload) (bool, error) {
	id, err := tx.Insert(ctx, `INSERT INTO deliveries (notification_id, webhook_id, channel, target, title, job_key, state, attempts, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, '', ?) ON CONFLICT (job_key) DO NOTHING`,
		nullID(d.NotificationID), nullID(d.WebhookID), d.Channel, d.Target, d.Title, key, tx.NowText())
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: delivery: %w", err)
	}
	p.Delivery = id
	return jobs.Enqueue(ctx, tx, jobs.Job{Kind: kind, Key: key, Payload: p, MaxAttempts: s.MaxAttempts})
}

// Inbox returns one page (from 1) of the user's notifications, newest
// first, and how many there are in all.
func (s *Service) Inbox(ctx context.Context, userID int64, page int) ([]Notification, int, error) {
	if page < 1 {
		page = 1
	}
	var out []Notification
	total := 0
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+notificationCols+`, COUNT(*) OVER() FROM notifications WHERE user_id = ?
			ORDER BY id DESC LIMIT ? OFFSET ?`, userID, PerPage, (page-1)*PerPage)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotification(rows, &total)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 && page > 1 { // past the end: still tell the total
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ?`, userID).Scan(&total)
		}
		return nil
	})
	return out, total, apperr.Wrap(err, "inbox")
}

// UnreadCount is the number of unread notifications (one indexed COUNT).
func (s *Service) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.R.QueryRowContext(ctx, s.DB.Rebind(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`), userID).Scan(&n)
	return n, apperr.Wrap(err, "unread count")
}

// Notification returns one of the user's notifications.
func (s *Service) Notification(ctx context.Context, userID, id int64) (Notification, error) {
	var n Notification
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		n, err = scanNotification(tx.QueryRow(ctx, `SELECT `+notificationCols+` FROM notifications WHERE id = ? AND user_id = ?`, id, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("消息", "Notification")
		}
		return err
	})
	return n, apperr.Wrap(err, "notification")
}

// MarkRead marks one of the user's notifications read (again is harmless).
// Reading is not audited: it changes nothing but the reader's own inbox.
func (s *Service) MarkRead(ctx context.Context, userID, id int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL`, tx.NowText(), id, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM notifications WHERE id = ? AND user_id = ?`, id, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("消息", "Notification")
		}
		return err
	})
	return apperr.Wrap(err, "mark read")
}

// MarkAllRead marks every notification of the user read and says how many.
func (s *Service) MarkAllRead(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, tx.NowText(), userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), apperr.Wrap(err, "mark all read")
}

// DigestFor returns the user's unread notifications created since since,
// oldest first (at most 200), for a daily digest.
func (s *Service) DigestFor(ctx context.Context, userID int64, since time.Time) ([]Notification, error) {
	var out []Notification
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+notificationCols+` FROM notifications WHERE user_id = ? AND read_at IS NULL AND created_at >= ?
			ORDER BY id LIMIT 200`, userID, db.FormatTime(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "digest")
}

// DigestRecipients lists the preferences of users who asked for a daily
// digest by e-mail and gave an address.
func (s *Service) DigestRecipients(ctx context.Context) ([]Prefs, error) {
	var out []Prefs
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+prefsCols+` FROM notify_prefs WHERE digest_on AND email <> '' ORDER BY user_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPrefs(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "digest recipients")
}

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
