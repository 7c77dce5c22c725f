package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/jobs"
)

// Register installs the e-mail and webhook senders on r. Neither is
// retry-safe after a crash (a message may already have gone out), so a job
// whose instance died mid-send is marked failed instead of sent twice;
// ordinary errors (SMTP down, a robot answering 500) are retried with
// backoff, and the delivery row shows the failure meanwhile.
func (s *Service) Register(r *jobs.Runner) {
	r.Handle(KindEmail, s.sendEmail, false)
	r.Handle(KindWebhook, s.sendWebhook, false)
}

type deliveryRow struct {
	Delivery
	userTitle, body, url, kind, key string
}

func (s *Service) loadDelivery(ctx context.Context, id int64) (deliveryRow, error) {
	var d deliveryRow
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		d.Delivery, err = scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`, id))
		if err != nil || d.NotificationID == 0 {
			return err
		}
		return tx.QueryRow(ctx, `SELECT title, body, url, kind, key FROM notifications WHERE id = ?`, d.NotificationID).
			Scan(&d.userTitle, &d.body, &d.url, &d.kind, &d.key)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return d, jobs.Permanent(fmt.Errorf("delivery %d is gone", id))
	}
	return d, err
}

// record stores the outcome of one attempt on the delivery row.
func (s *Service) record(ctx context.Context, id int64, sendErr error) error {
	ctx = context.WithoutCancel(ctx)
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		if sendErr == nil {
			_, err = tx.Exec(ctx, `UPDATE deliveries SET state = 'sent', attempts = attempts + 1, last_error = '', sent_at = ? WHERE id = ?`, tx.NowText(), id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`, clip(sendErr.Error(), 1000), id)
		}
		return err
	})
}

// finish records the attempt and gives the job runner its answer.
func (s *Service) finish(ctx context.Context, id int64, sendErr error, permanent bool) error {
	if err := s.record(ctx, id, sendErr); err != nil {
		if sendErr == nil {
			// Sent, but not recorded: do not send again; log loudly.
			s.log().Error("notify: delivery sent but not recorded", "delivery", id, "err", err)
			return nil
		}
		return err
	}
	if sendErr != nil && permanent {
		return jobs.Permanent(sendErr)
	}
	return sendErr
}

func (s *Service) sendEmail(ctx context.Context, payload []byte) error {
	var p deliveryPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("e-mail job payload: %w", err))
	}
	d, err := s.loadDelivery(ctx, p.Delivery)
	if err != nil {
		return err
	}
	if d.State == "sent" {
		return nil
	}
	if !s.EmailEnabled() {
		return s.finish(ctx, d.ID, errors.New("未配置邮件服务器（SMTP），邮件未发送"), true)
	}
	e := Email{To: d.Target, Subject: "【创争】" + d.userTitle, Body: s.emailBody(d.userTitle, d.body, d.url)}
	err = s.SMTP.Send(ctx, e, s.now())
	if errors.Is(err, errAccepted) {
		s.log().Warn("notify: e-mail accepted, quit failed", "delivery", d.ID, "err", err)
		err = nil
	}
	if err != nil {
		s.log().Warn("notify: e-mail failed", "delivery", d.ID, "err", err)
	}
	return s.finish(ctx, d.ID, err, permanentSMTP(err))
}

// emailBody is the plain-text body: the message, its link, and where to
// turn e-mails off.
func (s *Service) emailBody(title, body, link string) string {
	out := title + "\n\n"
	if body != "" {
		out += body + "\n\n"
	}
	if link != "" {
		if abs := s.absURL(link); abs != "" {
			link = abs
		}
		out += "查看详情：" + link + "\n\n"
	}
	settings := "/account/notifications"
	if abs := s.absURL(settings); abs != "" {
		settings = abs
	}
	return out + "——\n创争 · 创先争优活动管理\n这是系统自动发送的邮件，请勿直接回复。不想再收到邮件提醒，请在“消息设置”中关闭：" + settings + "\n"
}

func (s *Service) sendWebhook(ctx context.Context, payload []byte) error {
	var p deliveryPayload
	if err := json.Unmarshal(payload, &p); err != nil || p.Message == nil {
		return jobs.Permanent(fmt.Errorf("webhook job payload: %v", err))
	}
	d, err := s.loadDelivery(ctx, p.Delivery)
	if err != nil {
		return err
	}
	if d.State == "sent" {
		return nil
	}
	var h Webhook
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		h, err = getWebhook(ctx, tx, p.Webhook)
		return err
	})
	switch {
	case isNotFound(err):
		return s.finish(ctx, d.ID, errors.New("推送地址已删除，未发送"), true)
	case err != nil:
		return err
	case !h.Enabled:
		return s.finish(ctx, d.ID, errors.New("推送地址已停用，未发送"), true)
	}
	err = s.post(ctx, h, *p.Message)
	if err != nil {
		s.log().Warn("notify: webhook failed", "delivery", d.ID, "webhook", h.ID, "err", err)
	}
	return s.finish(ctx, d.ID, err, false)
}

func isNotFound(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Code == apperr.NotFound
}
