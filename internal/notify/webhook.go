package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Webhook formats.
const (
	FormatWeCom    = "wecom"    // 企业微信群机器人
	FormatDingTalk = "dingtalk" // 钉钉自定义机器人 (signed when a secret is set)
	FormatJSON     = "json"     // {"kind","title","body","url","key"}
)

// Formats lists the formats in the order forms offer them.
var Formats = []string{FormatWeCom, FormatDingTalk, FormatJSON}

// Webhook is a unit's group-chat robot or other receiver. The secret never
// leaves the service; HasSecret says whether one is set.
type Webhook struct {
	ID        int64  `json:"id"`
	UnitID    int64  `json:"unit_id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	Format    string `json:"format"`
	HasSecret bool   `json:"has_secret"`
	Enabled   bool   `json:"enabled"`
	CreatedAt string `json:"created_at"`
	secret    string
}

// WebhookInput is what the form gives.
type WebhookInput struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Format string `json:"format"`
	Secret string `json:"secret"`
}

const webhookCols = `id, unit_id, name, url, format, secret, enabled, created_at`

func scanWebhook(sc interface{ Scan(...any) error }) (Webhook, error) {
	var h Webhook
	err := sc.Scan(&h.ID, &h.UnitID, &h.Name, &h.URL, &h.Format, &h.secret, &h.Enabled, &h.CreatedAt)
	h.HasSecret = h.secret != ""
	return h, err
}

func getWebhook(ctx context.Context, tx *db.Tx, id int64) (Webhook, error) {
	h, err := scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.NotFoundf("推送地址", "Webhook")
	}
	return h, err
}

// auditView is a webhook as the audit log keeps it: the URL without its
// query (robots put their access token there) and no secret.
func (h Webhook) auditView() map[string]any {
	u := h.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i] + "?…"
	}
	return map[string]any{"unit_id": h.UnitID, "name": h.Name, "url": u, "format": h.Format, "has_secret": h.HasSecret, "enabled": h.Enabled}
}

// writableUnit loads the unit and checks that the actor may change it.
func (s *Service) writableUnit(ctx context.Context, a *org.Actor, unitID int64) (org.Unit, error) {
	if a == nil {
		return org.Unit{}, apperr.Deny()
	}
	u, err := s.Org.Unit(ctx, a, unitID)
	if err != nil {
		return u, err
	}
	if !a.CanWrite(u) {
		return u, apperr.Deny()
	}
	return u, nil
}

// Validate checks a webhook input and returns it trimmed.
func (in WebhookInput) Validate() (WebhookInput, error) {
	in.Name, in.URL, in.Secret = strings.TrimSpace(in.Name), strings.TrimSpace(in.URL), strings.TrimSpace(in.Secret)
	fe := apperr.FieldErrors{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 60 {
		fe["name"] = apperr.Field("name", "请填写名称（60 字以内），如“支部工作群”", "Give a name of at most 60 characters")
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.URL) > 1000 || u.User != nil {
		fe["url"] = apperr.Field("url", "请填写机器人的 Webhook 地址（以 https:// 开头）", "Enter the robot's webhook URL (starting with https://)")
	}
	switch in.Format {
	case FormatWeCom, FormatDingTalk, FormatJSON:
	default:
		fe["format"] = apperr.Field("format", "请选择消息格式", "Choose a format")
	}
	if len(in.Secret) > 200 {
		fe["secret"] = apperr.Field("secret", "加签密钥过长", "The secret is too long")
	}
	return in, fe.Err()
}

// Webhooks lists the unit's webhooks (for those who may change the unit).
func (s *Service) Webhooks(ctx context.Context, a *org.Actor, unitID int64) ([]Webhook, error) {
	if _, err := s.writableUnit(ctx, a, unitID); err != nil {
		return nil, err
	}
	var out []Webhook
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE unit_id = ? ORDER BY id`, unitID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			h, err := scanWebhook(rows)
			if err != nil {
				return err
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "webhooks")
}

// CreateWebhook adds a webhook to the unit.
func (s *Service) CreateWebhook(ctx context.Context, a *org.Actor, unitID int64, in WebhookInput) (Webhook, error) {
	if _, err := s.writableUnit(ctx, a, unitID); err != nil {
		return Webhook{}, err
	}
	in, err := in.Validate()
	if err != nil {
		return Webhook{}, err
	}
	var h Webhook
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		id, err := tx.Insert(ctx, `INSERT INTO webhooks (unit_id, name, url, format, secret, enabled, created_by, created_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)`,
			unitID, in.Name, in.URL, in.Format, in.Secret, nullID(a.UserID), tx.NowText())
		if err != nil {
			return err
		}
		if h, err = getWebhook(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "webhook.create", "webhook", id, nil, h.auditView())
	})
	return h, apperr.Wrap(err, "create webhook")
}

// unitWebhook loads webhook id and checks it belongs to unitID.
func unitWebhook(ctx context.Context, tx *db.Tx, unitID, id int64) (Webhook, error) {
	h, err := getWebhook(ctx, tx, id)
	if err == nil && h.UnitID != unitID {
		return h, apperr.NotFoundf("推送地址", "Webhook")
	}
	return h, err
}

// SetWebhookEnabled pauses or resumes a webhook.
func (s *Service) SetWebhookEnabled(ctx context.Context, a *org.Actor, unitID, id int64, enabled bool) error {
	if _, err := s.writableUnit(ctx, a, unitID); err != nil {
		return err
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		h, err := unitWebhook(ctx, tx, unitID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET enabled = ? WHERE id = ?`, enabled, id); err != nil {
			return err
		}
		after := h
		after.Enabled = enabled
		return audit.Record(ctx, tx, who(a), "webhook.update", "webhook", id, h.auditView(), after.auditView())
	})
	return apperr.Wrap(err, "update webhook")
}

// DeleteWebhook removes a webhook; its delivery history stays. Posts still
// queued for it end as failed ("已删除").
func (s *Service) DeleteWebhook(ctx context.Context, a *org.Actor, unitID, id int64) error {
	if _, err := s.writableUnit(ctx, a, unitID); err != nil {
		return err
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		h, err := unitWebhook(ctx, tx, unitID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "webhook.delete", "webhook", id, h.auditView(), nil)
	})
	return apperr.Wrap(err, "delete webhook")
}

// TestWebhook posts a test message to the webhook now and reports the
// outcome as a message the user may read.
func (s *Service) TestWebhook(ctx context.Context, a *org.Actor, unitID, id int64) error {
	u, err := s.writableUnit(ctx, a, unitID)
	if err != nil {
		return err
	}
	var h Webhook
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		if h, err = unitWebhook(ctx, tx, unitID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "webhook.test", "webhook", id, nil, h.auditView())
	})
	if err != nil {
		return apperr.Wrap(err, "test webhook")
	}
	name := a.Name
	if name == "" {
		name = a.Username
	}
	m := Message{Kind: "webhook.test", Title: "测试消息：" + u.Name, Body: name + " 在创争系统中发送了这条测试消息，收到即表示推送设置正确。",
		URL: "/orgs/" + strconv.FormatInt(unitID, 10), Key: "test:" + randomHex(4)}
	if err := s.post(ctx, h, m); err != nil {
		s.log().Warn("webhook test failed", "webhook", id, "err", err)
		return &apperr.Error{Code: apperr.Invalid, Field: "test", Msg: "测试消息发送失败：" + reasonZh(err), MsgEn: "The test message failed: " + reasonEn(err), Err: err}
	}
	return nil
}

// Delivery is one message on one channel.
type Delivery struct {
	ID             int64  `json:"id"`
	NotificationID int64  `json:"notification_id,omitempty"`
	WebhookID      int64  `json:"webhook_id,omitempty"`
	Channel        string `json:"channel"` // email, webhook
	Target         string `json:"target"`  // the address, or the webhook's name
	Title          string `json:"title"`
	State          string `json:"state"` // queued, sent, failed (failed may still be retried)
	Attempts       int    `json:"attempts"`
	LastError      string `json:"last_error"`
	CreatedAt      string `json:"created_at"`
	SentAt         string `json:"sent_at,omitempty"`
}

const deliveryCols = `id, COALESCE(notification_id, 0), COALESCE(webhook_id, 0), channel, target, title, state, attempts, last_error, created_at, COALESCE(sent_at, '')`

func scanDelivery(sc interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	err := sc.Scan(&d.ID, &d.NotificationID, &d.WebhookID, &d.Channel, &d.Target, &d.Title, &d.State, &d.Attempts, &d.LastError, &d.CreatedAt, &d.SentAt)
	return d, err
}

func (s *Service) deliveries(ctx context.Context, where string, args ...any) ([]Delivery, error) {
	var out []Delivery
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE `+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "deliveries")
}

// UnitDeliveries lists the latest posts to the unit's webhooks.
func (s *Service) UnitDeliveries(ctx context.Context, a *org.Actor, unitID int64, limit int) ([]Delivery, error) {
	if _, err := s.writableUnit(ctx, a, unitID); err != nil {
		return nil, err
	}
	return s.deliveries(ctx, `webhook_id IN (SELECT id FROM webhooks WHERE unit_id = ?) ORDER BY id DESC LIMIT ?`, unitID, clampLimit(limit))
}

// FailedDeliveries lists the latest failed deliveries on every channel, for
// the administrator (what went wrong while SMTP or a robot was down).
func (s *Service) FailedDeliveries(ctx context.Context, a *org.Actor, limit int) ([]Delivery, error) {
	if !maySeeFailures(a) {
		return nil, apperr.Deny()
	}
	return s.deliveries(ctx, `state = 'failed' ORDER BY id DESC LIMIT ?`, clampLimit(limit))
}

// DeliveryByKey returns the delivery queued under a job key (tests, support).
func (s *Service) DeliveryByKey(ctx context.Context, key string) (Delivery, error) {
	ds, err := s.deliveries(ctx, `job_key = ?`, key)
	if err != nil {
		return Delivery{}, err
	}
	if len(ds) == 0 {
		return Delivery{}, apperr.NotFoundf("投递记录", "Delivery")
	}
	return ds[0], nil
}

func clampLimit(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}

// ---- posting ----

// DingTalkSign is the signature of a 钉钉 robot request: base64 of
// HMAC-SHA256 over "timestamp\nsecret" keyed by the secret, with the
// timestamp in milliseconds. The caller URL-escapes it.
func DingTalkSign(secret string, timestampMs int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d\n%s", timestampMs, secret)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// absURL makes a site path absolute with BaseURL ("" when it cannot).
func (s *Service) absURL(u string) string {
	switch {
	case u == "":
		return ""
	case strings.HasPrefix(u, "http://"), strings.HasPrefix(u, "https://"):
		return u
	case s.BaseURL != "":
		return strings.TrimRight(s.BaseURL, "/") + u
	}
	return ""
}

// webhookBody renders m in a webhook format.
func (s *Service) webhookBody(format string, m Message) ([]byte, error) {
	link := s.absURL(m.URL)
	md := func(titleLine string) string {
		var b strings.Builder
		b.WriteString(titleLine)
		if m.Body != "" {
			b.WriteString("\n\n" + m.Body)
		}
		if link != "" {
			b.WriteString("\n\n[查看详情](" + link + ")")
		}
		return b.String()
	}
	switch format {
	case FormatWeCom:
		return json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": md("**" + m.Title + "**")}})
	case FormatDingTalk:
		return json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": md("#### " + m.Title)}})
	case FormatJSON:
		url := link
		if url == "" {
			url = m.URL
		}
		return json.Marshal(map[string]string{"kind": m.Kind, "title": m.Title, "body": m.Body, "url": url, "key": m.Key})
	}
	return nil, fmt.Errorf("unknown webhook format %q", format)
}

// remoteError is a webhook receiver's refusal.
type remoteError struct {
	Status  int
	ErrCode int
	ErrMsg  string
}

func (e *remoteError) Error() string {
	if e.ErrCode != 0 {
		return fmt.Sprintf("robot error %d: %s", e.ErrCode, e.ErrMsg)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

func reasonZh(err error) string {
	var re *remoteError
	switch {
	case errors.As(err, &re) && re.ErrCode != 0:
		return fmt.Sprintf("机器人返回错误 %d（%s），请检查地址和加签密钥", re.ErrCode, clip(re.ErrMsg, 80))
	case errors.As(err, &re):
		return fmt.Sprintf("对方返回 HTTP %d", re.Status)
	}
	return "无法连接到该地址（超时或地址不可达）"
}

func reasonEn(err error) string {
	var re *remoteError
	switch {
	case errors.As(err, &re) && re.ErrCode != 0:
		return fmt.Sprintf("the robot answered error %d (%s); check the URL and secret", re.ErrCode, clip(re.ErrMsg, 80))
	case errors.As(err, &re):
		return fmt.Sprintf("the receiver answered HTTP %d", re.Status)
	}
	return "could not connect (timeout or unreachable address)"
}

func (s *Service) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post sends m to the webhook. A non-2xx answer, or a robot's non-zero
// errcode, is an error.
func (s *Service) post(ctx context.Context, h Webhook, m Message) error {
	body, err := s.webhookBody(h.Format, m)
	if err != nil {
		return err
	}
	target := h.URL
	if h.Format == FormatDingTalk && h.secret != "" {
		ts := s.now().UnixMilli()
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(DingTalkSign(h.secret, ts))
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "chuangzheng-notify/1")
	res, err := s.client().Do(req)
	if err != nil {
		return fmt.Errorf("post webhook %d: %w", h.ID, stripURL(err))
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &remoteError{Status: res.StatusCode}
	}
	if h.Format == FormatWeCom || h.Format == FormatDingTalk {
		var r struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(answer, &r) == nil && r.ErrCode != nil && *r.ErrCode != 0 {
			return &remoteError{Status: res.StatusCode, ErrCode: *r.ErrCode, ErrMsg: r.ErrMsg}
		}
	}
	return nil
}

// stripURL keeps access tokens in webhook URLs out of error texts.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
