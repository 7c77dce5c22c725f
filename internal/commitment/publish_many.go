package commitment

import (
	"context"
	"fmt"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// PublishMany puts several approved commitments on the public board in one
// transaction: all of them, or none when any is refused (each refusal
// reported, as ApproveMany does). It is the bulk 公布 of a campaign that
// keeps publishing a separate step (campaigns.publish_separately); each
// commitment is published as Publish does (mayPublish, its review record,
// its audit entry and its progress signal).
func (s *Service) PublishMany(ctx context.Context, a *org.Actor, ids []int64) (BulkResult, error) {
	if a == nil {
		return BulkResult{}, unauthorized()
	}
	var res BulkResult
	switch {
	case len(ids) == 0:
		return res, apperr.Field("ids", "请选择要公布的承诺", "Choose the commitments to publish")
	case len(ids) > MaxBulk:
		return res, apperr.Field("ids", fmt.Sprintf("一次最多公布 %d 份承诺", MaxBulk), fmt.Sprintf("At most %d commitments at once", MaxBulk))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res = BulkResult{}
		seen := map[int64]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			sc, err := load(ctx, tx, id)
			if err == nil {
				_, err = publishTx(ctx, tx, a, sc)
			}
			if err != nil {
				e := apperr.As(err)
				if e.Code == apperr.Internal {
					return err
				}
				res.Problems = append(res.Problems, BulkProblem{ID: id, Code: e.Code, Message: e.Msg, MsgEn: e.MsgEn})
				continue
			}
			res.Published = append(res.Published, id)
		}
		if len(res.Problems) > 0 {
			return &apperr.Error{Code: apperr.Conflict, Msg: fmt.Sprintf("有 %d 份承诺不能公布，本次全部未公布，请处理后重试", len(res.Problems)),
				MsgEn: fmt.Sprintf("%d of the commitments cannot be published; none was published", len(res.Problems))}
		}
		return nil
	})
	if err != nil {
		res.Published = nil
		return res, apperr.Wrap(err, "publish commitments")
	}
	return res, nil
}

// publishQueueScope is mayPublish as SQL over commitments c joined to their
// unit u: the reviewer's, and a branch's own branch commitment.
func publishQueueScope(a *org.Actor) org.Piece {
	return org.Or(queueScope(a), org.And(a.WriteScope("u"), org.Piece{SQL: "c.kind = 'branch'"}))
}
