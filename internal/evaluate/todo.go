package evaluate

import (
	"context"
	"fmt"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
)

// Todos is the campaign.TodoSource of evaluations: for a user, each open
// evaluation they are eligible in and have not voted in yet ("vote"); for a
// unit's secretary (userID 0) nothing — turnout is on the evaluation page.
func (s *Service) Todos(ctx context.Context, tx *db.Tx, userID int64, unitIDs []int64) ([]campaign.Todo, error) {
	if userID == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT e.id, e.unit_id, e.title FROM evaluation_voters v JOIN evaluations e ON e.id = v.evaluation_id
		JOIN users u ON u.member_id = v.member_id
		WHERE u.id = ? AND e.status = 'open' AND v.exempt = ''
		AND NOT EXISTS (SELECT 1 FROM evaluation_votes k WHERE k.evaluation_id = v.evaluation_id AND k.voter_id = v.id) ORDER BY e.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []campaign.Todo
	for rows.Next() {
		var id int64
		t := campaign.Todo{UserID: userID, Source: "evaluation"}
		if err := rows.Scan(&id, &t.UnitID, &t.Title); err != nil {
			return nil, err
		}
		t.Title = "参加" + t.Title + "投票（无记名）"
		t.URL = fmt.Sprintf("/evaluations/%d/vote", id)
		out = append(out, t)
	}
	return out, rows.Err()
}
