package review

import (
	"context"
	"fmt"

	"chuangzheng/internal/db"
)

// MemberRating is a rating a member was given in a review round, kept for
// the annual assessment and shown beside a nomination.
type MemberRating struct {
	Round    int    `json:"round"`
	Rating   string `json:"rating"`
	Reviewer string `json:"reviewer"`
}

// MemberRatings lists the ratings member memberID was given in campaign
// campaignID, by round. The caller has decided the reader may see them.
func MemberRatings(ctx context.Context, tx *db.Tx, campaignID, memberID int64) ([]MemberRating, error) {
	rows, err := tx.Query(ctx, `SELECT round, rating, reviewer_name FROM reviews
		WHERE campaign_id = ? AND member_id = ? AND rating <> '' ORDER BY round, id`, campaignID, memberID)
	if err != nil {
		return nil, fmt.Errorf("review: member ratings: %w", err)
	}
	defer rows.Close()
	var out []MemberRating
	for rows.Next() {
		var r MemberRating
		if err := rows.Scan(&r.Round, &r.Rating, &r.Reviewer); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
