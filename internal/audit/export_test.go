package audit

import (
	"context"

	"chuangzheng/internal/db"
)

// Rehash returns the hash entry id would have after prev, as a forger
// rewriting the chain would compute it.
func Rehash(ctx context.Context, tx *db.Tx, id int64, prev string) (string, error) {
	var e Entry
	err := tx.QueryRow(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor_name, action, entity, COALESCE(entity_id, 0),
		before_json, after_json FROM audit_log WHERE id = ?`, id).Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After)
	e.PrevHash = prev
	return hashOf(e), err
}
