package org

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
)

// The review rule, one level up (docs/scopes.md):
//
//   - a record a unit makes itself (a branch's commitment) is reviewed by
//     those who manage the unit above it;
//   - a record a member makes (a member's commitment) is reviewed by those
//     who manage the member's branch (for a member of a 党小组, the unit
//     holding the group) — unless the member manages that branch
//     themselves (its secretary, or office staff over it), when it goes
//     one level further up;
//   - never one's own (the account's linked member).
//
// MayReview is the rule for one record, ReviewScope the same rule as SQL
// for the lists (a review queue); a test checks they agree for every role.

// homeOf is the unit whose managers look after a member of unit u: u
// itself, or for a 党小组 the unit that holds it.
func homeOf(ctx context.Context, tx *db.Tx, u Unit) (Unit, error) {
	if u.Type != Group || u.ParentID == 0 {
		return u, nil
	}
	return getUnit(ctx, tx, u.ParentID)
}

// managersSQL lists the member ids of the accounts that manage unit u
// (office or secretary on u or above it, and administrators).
func managersSQL(u Unit) Piece {
	p := AtOrAbove("g.unit_id", u)
	return Piece{SQL: `SELECT us.member_id FROM users us JOIN role_grants g ON g.user_id = us.id
		WHERE us.member_id IS NOT NULL AND us.disabled = FALSE AND (g.role = 'admin' OR (g.role IN ('office', 'secretary') AND ` + p.SQL + `))`,
		Args: p.Args}
}

// ManagesTx reports whether the member (through their linked account)
// manages unit u.
func ManagesTx(ctx context.Context, tx *db.Tx, memberID int64, u Unit) (bool, error) {
	if memberID == 0 {
		return false, nil
	}
	m := managersSQL(u)
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (`+m.SQL+`) mg WHERE mg.member_id = ?`, append(m.Args, memberID)...).Scan(&n)
	return n > 0, err
}

// ReviewerUnitTx returns the unit whose managers review a record of unit u
// made by member memberID (0: made by the unit itself). A zero Unit means
// only an administrator reviews it.
func ReviewerUnitTx(ctx context.Context, tx *db.Tx, u Unit, memberID int64) (Unit, error) {
	if memberID == 0 {
		return ParentTx(ctx, tx, u)
	}
	home, err := homeOf(ctx, tx, u)
	if err != nil {
		return Unit{}, err
	}
	manages, err := ManagesTx(ctx, tx, memberID, home)
	if err != nil || !manages {
		return home, err
	}
	return ParentTx(ctx, tx, home)
}

// MayReview reports whether the actor reviews a record by member memberID
// (0 for a unit's own record) whose reviewer unit (ReviewerUnitTx) is r.
func (a *Actor) MayReview(r Unit, memberID int64) bool {
	if a == nil || (memberID != 0 && memberID == a.MemberID) {
		return false
	}
	if a.IsAdmin() {
		return true
	}
	return r.ID != 0 && a.CanWrite(r)
}

// ReviewScope is MayReview as SQL: records whose unit is joined as alias
// and whose member id is in memberCol (NULL for a unit's own record) that
// the actor reviews.
func (a *Actor) ReviewScope(alias, memberCol string) Piece {
	if a == nil {
		return False
	}
	notOwn := a.NotOwn(memberCol)
	if a.IsAdmin() {
		return notOwn
	}
	var ors []Piece
	for _, g := range a.Grants {
		if (g.Role != RoleOffice && g.Role != RoleSecretary) || g.UnitPath == "" || g.UnitType == Group {
			continue // a 党小组's managers review nothing: its members' home is the unit above
		}
		in := Subtree(alias, g.UnitPath)
		// The unit's own records: those of units strictly below the grant.
		units := Piece{SQL: memberCol + " IS NULL AND " + in.SQL + " AND " + alias + ".id <> ?", Args: append(append([]any{}, in.Args...), g.UnitID)}
		// Members' records below the grant, except those whose home is the
		// grant's unit and who manage it themselves (they go one level up).
		home := Unit{ID: g.UnitID, Path: g.UnitPath}
		m := managersSQL(home)
		members := Piece{SQL: memberCol + " IS NOT NULL AND " + in.SQL + " AND NOT ((" + alias + ".id = ? OR (" + alias + ".parent_id = ? AND " + alias +
			".type = '" + string(Group) + "')) AND " + memberCol + " IN (" + m.SQL + "))",
			Args: append(append(append([]any{}, in.Args...), g.UnitID, g.UnitID), m.Args...)}
		ors = append(ors, units, members)
	}
	return And(Or(ors...), notOwn)
}

// InOwnBranchTx reports whether member memberID belongs to the branch of
// unit u (for a 党小组, the branch holding it; for a unit above the
// branches, its whole subtree): a leadership reviewer may not review their
// own branch (领导点评), nor a party group inside it.
func InOwnBranchTx(ctx context.Context, tx *db.Tx, memberID int64, u Unit) (bool, error) {
	if memberID == 0 {
		return false, nil
	}
	scope := u
	if b, ok, err := BranchOfTx(ctx, tx, u); err != nil {
		return false, err
	} else if ok {
		scope = b
	}
	mu, err := MemberUnitTx(ctx, tx, memberID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return false, nil
		}
		return false, err
	}
	return mu.Within(scope.Path), nil
}
