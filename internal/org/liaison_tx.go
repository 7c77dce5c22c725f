package org

import (
	"context"

	"chuangzheng/internal/db"
)

// liaison_tx.go: the liaison leaders (联系点) as the features ask about them
// inside their own transactions (the review feature: who reviews a unit,
// which units a leader reviews). Ended assignments are history and count
// for none of these.

// CurrentLiaisonsTx lists the current liaison leaders of unit u itself, by
// assignment order.
func CurrentLiaisonsTx(ctx context.Context, tx *db.Tx, unitID int64) ([]Liaison, error) {
	rows, err := tx.Query(ctx, `SELECT l.id, l.member_id, m.name, l.title, l.unit_id, l.started_on FROM liaisons l JOIN members m ON m.id = l.member_id
		WHERE l.unit_id = ? AND l.ended_on = '' ORDER BY l.id`, unitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Liaison
	for rows.Next() {
		var l Liaison
		if err := rows.Scan(&l.ID, &l.MemberID, &l.Leader, &l.Title, &l.UnitID, &l.StartedOn); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LiaisonUnitsOfTx lists the units member memberID is currently liaison leader for.
func LiaisonUnitsOfTx(ctx context.Context, tx *db.Tx, memberID int64) ([]int64, error) {
	return liaisonIDs(ctx, tx, `SELECT unit_id FROM liaisons WHERE member_id = ? AND ended_on = '' ORDER BY unit_id`, memberID)
}

// LiaisonUnitsBelowTx lists the units at or below u that have a current
// liaison leader.
func LiaisonUnitsBelowTx(ctx context.Context, tx *db.Tx, u Unit) ([]int64, error) {
	in := Subtree("u", u.Path)
	return liaisonIDs(ctx, tx, `SELECT DISTINCT l.unit_id FROM liaisons l `+JoinUnit("u", "l.unit_id")+` WHERE l.ended_on = '' AND `+in.SQL+` ORDER BY l.unit_id`, in.Args...)
}

// LiaisonLeadersBelowTx lists the members who are or were liaison leaders
// of a unit at or below u (history included), by member id.
func LiaisonLeadersBelowTx(ctx context.Context, tx *db.Tx, u Unit) ([]Liaison, error) {
	in := Subtree("u", u.Path)
	rows, err := tx.Query(ctx, `SELECT DISTINCT m.id, m.name FROM liaisons l JOIN members m ON m.id = l.member_id `+JoinUnit("u", "l.unit_id")+`
		WHERE `+in.SQL+` ORDER BY m.id`, in.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Liaison
	for rows.Next() {
		var l Liaison
		if err := rows.Scan(&l.MemberID, &l.Leader); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func liaisonIDs(ctx context.Context, tx *db.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
