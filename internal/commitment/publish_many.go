package commitment

import (
	"context"

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
	verb := bulkVerb{"公布", "publish", "公布", "published", "公布", "publish commitments"}
	done, err := s.bulk(ctx, a, ids, verb, func(tx *db.Tx, id int64) error {
		sc, err := load(ctx, tx, id)
		if err == nil {
			_, err = publishTx(ctx, tx, a, sc)
		}
		return err
	})
	return BulkResult{Published: done.ids, Problems: done.problems}, err
}

// publishQueueScope is mayPublish as SQL over commitments c joined to their
// unit u: the reviewer's, and a branch's own branch commitment.
func publishQueueScope(a *org.Actor) org.Piece {
	return org.Or(queueScope(a), org.And(a.WriteScope("u"), org.Piece{SQL: "c.kind = 'branch'"}))
}
