package rectify

// may.go is the one home of who may do what with the ledger; the service
// asks these verdicts before every change and returns them with every read
// (Row.May), so that pages and the API offer only what it would honour.
// docs/rectify.md and docs/scopes.md are the matrix.
//
//   - read: whoever reads the entry's unit (org ReadScope: its secretary,
//     the office, committee, leaders, liaison leaders over it), and the
//     member who owns the entry or whose problem it is;
//   - raise by hand: the managers of the raising level, for a unit strictly
//     below it (the level above raising a problem for the unit below); a
//     unit's own self-check problem by the unit's managers, verified one
//     level up (org.ReviewerUnitTx);
//   - respond (fill in the measure, owner, deadline; start; close with
//     evidence): the responsible unit — the owner, or those who manage the
//     entry's unit but not the verifying level (the level that raised an
//     entry does not also put it right);
//   - verify or reject: only the verifying level — the unit that raised the
//     entry when it lies strictly above the entry's unit, otherwise the
//     level above the unit (one level up) — and never one's own: not the
//     owner, not the account that closed it (org.Actor.MayReview);
//   - reassign the owner: those who manage the entry's unit.

import (
	"chuangzheng/internal/org"
)

// May is what the reader may do with an entry, returned with every read.
type May struct {
	Update   bool `json:"update"`   // measure, owner, deadline
	Start    bool `json:"start"`    // open → in progress
	Close    bool `json:"close"`    // → done, with evidence
	Verify   bool `json:"verify"`   // done → verified, or rejected back to in progress
	Reassign bool `json:"reassign"` // give it to another member or the secretary
}

// place is where an entry sits in the tree, as authorisation needs it.
type place struct {
	unit     org.Unit // the unit that must put it right
	verifier org.Unit // the level that verifies (zero: only an administrator)
}

// verifierOf is the unit that verifies an entry of unit u raised by
// raisedBy: raisedBy when it lies strictly above u, else the unit above u
// (parent, possibly zero).
func verifierOf(u, raisedBy, parent org.Unit) org.Unit {
	if raisedBy.ID != 0 && raisedBy.ID != u.ID && u.Within(raisedBy.Path) {
		return raisedBy
	}
	return parent
}

func mayRead(a *org.Actor, e Entry, p place) bool {
	if a == nil {
		return false
	}
	if a.CanRead(p.unit) {
		return true
	}
	return a.MemberID != 0 && (a.MemberID == e.OwnerMemberID || a.MemberID == e.MemberID)
}

// mayRespond: the owner, or the unit's managers who are not the verifying level.
func mayRespond(a *org.Actor, e Entry, p place) bool {
	if a == nil {
		return false
	}
	if a.MemberID != 0 && a.MemberID == e.OwnerMemberID {
		return true
	}
	return a.CanWrite(p.unit) && !(p.verifier.ID != 0 && a.CanWrite(p.verifier))
}

// mayVerify: the verifying level, never one's own.
func mayVerify(a *org.Actor, e Entry, p place, closedBy int64) bool {
	if a == nil || (closedBy != 0 && closedBy == a.UserID) {
		return false
	}
	return a.MayReview(p.verifier, e.OwnerMemberID) && (e.MemberID == 0 || e.MemberID != a.MemberID)
}

// mayRaise: the managers of the raising level, for a unit strictly below it.
func mayRaise(a *org.Actor, unit, raisedBy org.Unit) bool {
	return raisedBy.ID != 0 && raisedBy.ID != unit.ID && unit.Within(raisedBy.Path) && a.CanWrite(raisedBy)
}

// mayRaiseOwn: a unit records its own self-check problems.
func mayRaiseOwn(a *org.Actor, unit org.Unit) bool { return a.CanWrite(unit) }

func mayReassign(a *org.Actor, p place) bool { return a != nil && a.CanWrite(p.unit) }

// perms gives the verdicts on an entry for its current status.
func perms(a *org.Actor, e Entry, p place, closedBy int64) May {
	respond := mayRespond(a, e, p)
	live := e.Status == Open || e.Status == InProgress
	return May{
		Update:   live && respond,
		Start:    e.Status == Open && respond,
		Close:    live && respond,
		Verify:   e.Status == Done && mayVerify(a, e, p, closedBy),
		Reassign: e.Status != Verified && mayReassign(a, p),
	}
}

// scope is mayRead as SQL: the entry r whose unit is joined as u.
func scope(a *org.Actor) org.Piece {
	return org.Or(a.ReadScope("u"), a.Own("r.owner_member_id"), a.Own("r.member_id"))
}
