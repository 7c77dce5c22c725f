package campaign

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// PublishSeparately reports whether the campaign keeps publishing a
// commitment a separate step after approval (false: reviewers approve and
// publish in one step, 通过并公布, the default).
func (s *Service) PublishSeparately(ctx context.Context, id int64) (bool, error) {
	var on bool
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT publish_separately FROM campaigns WHERE id = ?`, id).Scan(&on)
	})
	return on, apperr.Wrap(err, "campaign publish step")
}

// SetPublishSeparately is the office's choice whether publishing a
// commitment stays a separate step after approval.
func (s *Service) SetPublishSeparately(ctx context.Context, a *org.Actor, id int64, on bool) error {
	if a == nil {
		return apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		_, root, err := loadHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		var before bool
		if err := tx.QueryRow(ctx, `SELECT publish_separately FROM campaigns WHERE id = ?`, id).Scan(&before); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET publish_separately = ? WHERE id = ?`, on, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.publish_step", "campaign", id,
			map[string]any{"publish_separately": before}, map[string]any{"publish_separately": on})
	})
	return apperr.Wrap(err, "set campaign publish step")
}
