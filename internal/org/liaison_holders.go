package org

import (
	"context"

	"chuangzheng/internal/db"
)

// LiaisonHoldersTx lists the active accounts of the current liaison
// leaders (联系领导) of units in the subtree rooted at root, by user id (for
// example who may be on an inspection's team).
func LiaisonHoldersTx(ctx context.Context, tx *db.Tx, root Unit) ([]Holder, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT us.id, CASE WHEN us.display_name = '' THEN us.username ELSE us.display_name END
		FROM liaisons l JOIN units u ON u.id = l.unit_id JOIN users us ON us.member_id = l.member_id
		WHERE l.ended_on = '' AND u.path >= ? AND u.path < ? AND us.disabled = FALSE ORDER BY us.id`, root.Path, PathEnd(root.Path))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		if err := rows.Scan(&h.UserID, &h.Name); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
