package commitment

import (
	"context"
	"database/sql"
	"errors"

	"chuangzheng/internal/db"
)

// MemberKeeping is what a later feature (an exemplary-member nomination, the
// annual assessment) reads of one member's commitment in a campaign: its
// state, how its plan and progress stand, the checks by the level above and,
// once assessed, its fulfilment. Found is false when the member made none.
type MemberKeeping struct {
	Found          bool    `json:"found"`
	CommitmentID   int64   `json:"commitment_id,omitempty"`
	State          State   `json:"state,omitempty"`
	Published      bool    `json:"published"`
	Items          int     `json:"items"`
	Milestones     int     `json:"milestones"`
	MilestonesDone int     `json:"milestones_done"`
	Progress       int     `json:"progress"`    // 践诺记录
	Checks         int     `json:"checks"`      // 跟踪检查
	LastRating     string  `json:"last_rating"` // the latest check's rating (好/较好/一般/差)
	Assessed       int     `json:"assessed"`    // items with a year-end verdict
	Kept           int     `json:"kept"`
	Partly         int     `json:"partly"`
	NotKept        int     `json:"not_kept"`
	Rate           float64 `json:"rate,omitempty"` // (kept + ½ partly) / assessed
}

// MemberKeepingTx reads member memberID's commitment in a campaign inside the
// caller's transaction. The caller has decided the reader may see it.
func MemberKeepingTx(ctx context.Context, tx *db.Tx, campaignID, memberID int64) (MemberKeeping, error) {
	var k MemberKeeping
	var ver int
	err := tx.QueryRow(ctx, `SELECT id, state, published_version FROM commitments WHERE campaign_id = ? AND member_id = ? ORDER BY id LIMIT 1`,
		campaignID, memberID).Scan(&k.CommitmentID, &k.State, &ver)
	if errors.Is(err, sql.ErrNoRows) {
		return k, nil
	}
	if err != nil {
		return k, err
	}
	k.Found, k.Published = true, ver > 0
	if !k.Published {
		return k, nil
	}
	v, err := loadVersion(ctx, tx, k.CommitmentID, ver)
	if err != nil {
		return k, err
	}
	k.Items = len(v.Body.Items)
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN done THEN 1 ELSE 0 END), 0) FROM commitment_milestones WHERE commitment_id = ?`,
		k.CommitmentID).Scan(&k.Milestones, &k.MilestonesDone); err != nil {
		return k, err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitment_progress WHERE commitment_id = ?`, k.CommitmentID).Scan(&k.Progress); err != nil {
		return k, err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitment_checks WHERE commitment_id = ?`, k.CommitmentID).Scan(&k.Checks); err != nil {
		return k, err
	}
	if k.Checks > 0 {
		if err := tx.QueryRow(ctx, `SELECT rating FROM commitment_checks WHERE commitment_id = ? ORDER BY id DESC LIMIT 1`, k.CommitmentID).Scan(&k.LastRating); err != nil {
			return k, err
		}
	}
	verdicts, err := loadVerdicts(ctx, tx, k.CommitmentID)
	if err != nil {
		return k, err
	}
	for _, vd := range verdicts {
		if !hasKey(v.Body.Items, vd.ItemKey) {
			continue
		}
		k.Assessed++
		switch vd.Verdict {
		case Kept:
			k.Kept++
		case Partly:
			k.Partly++
		default:
			k.NotKept++
		}
	}
	if k.Assessed > 0 {
		k.Rate = (float64(k.Kept) + 0.5*float64(k.Partly)) / float64(k.Assessed)
	}
	return k, nil
}
