package notify

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Prefs are a user's notification preferences. Without a row everything is
// off: notifications go to the inbox only.
type Prefs struct {
	UserID    int64  `json:"-"`
	Email     string `json:"email"`
	EmailOn   bool   `json:"email_on"`   // an e-mail for each notification
	WebhookOn bool   `json:"webhook_on"` // reserved: stored, not used yet
	DigestOn  bool   `json:"digest_on"`  // a daily summary of unread notifications
	UpdatedAt string `json:"updated_at,omitempty"`
}

const prefsCols = `user_id, email, email_on, webhook_on, digest_on, updated_at`

func scanPrefs(sc interface{ Scan(...any) error }) (Prefs, error) {
	var p Prefs
	err := sc.Scan(&p.UserID, &p.Email, &p.EmailOn, &p.WebhookOn, &p.DigestOn, &p.UpdatedAt)
	return p, err
}

func prefsTx(ctx context.Context, tx *db.Tx, userID int64) (Prefs, error) {
	p, err := scanPrefs(tx.QueryRow(ctx, `SELECT `+prefsCols+` FROM notify_prefs WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Prefs{UserID: userID}, nil
	}
	return p, err
}

// Prefs returns the user's preferences (all off when never set).
func (s *Service) Prefs(ctx context.Context, userID int64) (Prefs, error) {
	var p Prefs
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		p, err = prefsTx(ctx, tx, userID)
		return err
	})
	return p, apperr.Wrap(err, "notify prefs")
}

// ValidEmail checks an address as a user types it: one bare address
// (no display name), at most 254 characters, with a dot in the domain.
func ValidEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return s, false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") {
		return s, false
	}
	return s, true
}

// SetPrefs stores the acting user's own preferences (p.UserID is ignored).
// Asking for e-mail without an address is refused; changes are audited.
func (s *Service) SetPrefs(ctx context.Context, a *org.Actor, p Prefs) (Prefs, error) {
	if a == nil || a.UserID == 0 {
		return Prefs{}, apperr.Deny()
	}
	p.UserID = a.UserID
	fe := apperr.FieldErrors{}
	var ok bool
	if p.Email, ok = ValidEmail(p.Email); !ok && p.Email != "" {
		fe["email"] = apperr.Field("email", "请填写正确的电子邮箱地址，如 zhangsan@example.cn", "Enter a valid e-mail address, e.g. zhangsan@example.cn")
	}
	if (p.EmailOn || p.DigestOn) && p.Email == "" {
		fe["email"] = apperr.Field("email", "开启邮件提醒或每日汇总前，请先填写电子邮箱", "Give an e-mail address to receive e-mails")
	}
	if err := fe.Err(); err != nil {
		return p, err
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		before, err := prefsTx(ctx, tx, a.UserID)
		if err != nil {
			return err
		}
		p.UpdatedAt = tx.NowText()
		if _, err := tx.Exec(ctx, `INSERT INTO notify_prefs (user_id, email, email_on, webhook_on, digest_on, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_on = excluded.email_on, webhook_on = excluded.webhook_on,
			digest_on = excluded.digest_on, updated_at = excluded.updated_at`,
			p.UserID, p.Email, p.EmailOn, p.WebhookOn, p.DigestOn, p.UpdatedAt); err != nil {
			return err
		}
		var b any
		if before.UpdatedAt != "" {
			b = before
		}
		return audit.Record(ctx, tx, who(a), "notify.prefs", "user", a.UserID, b, p)
	})
	return p, apperr.Wrap(err, "set notify prefs")
}
