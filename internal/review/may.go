package review

// may.go is the one home of who may do what with reviews; the services ask
// these verdicts before every change and return them with each read
// (Review.May, Queue.CanConfigure). docs/scopes.md and docs/reviews.md are
// the matrix.
//
//   - review a unit (a branch, a 党小组) in a round: its reviewers for the
//     round (reviewersTx: the office's reassignment, else the liaison
//     leaders or the group's head as the round says) — never one's own
//     branch (org.InOwnBranchTx), never oneself;
//   - review a member: those who manage the member's branch, one level up
//     and never one's own (org.ReviewerUnitTx, Actor.MayReview);
//   - configure rounds and the scale, reassign a reviewer: the office over
//     the campaign (org.Actor.CanManageRoles of its root / of the unit);
//   - record a statement: those who manage the reviewed branch (its
//     secretary, the office), as a proxy for what was said;
//   - publish: the review's author and the office;
//   - read a review: the reviewed unit's readers (the levels above, its
//     liaison leaders, its secretary), the unit's own members (a unit
//     review), the reviewed member (a member review), and its author;
//   - open the folder: the unit's readers and its reviewers for the round.

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

var (
	errSelf = apperr.New(apperr.Forbidden, "不能点评自己", "You cannot review yourself")
	errOwn  = apperr.New(apperr.Forbidden, "不能点评本人所在的支部，请创争办改派点评人", "You cannot review your own branch; ask the office to reassign the reviewer")
)

// mayConfigure: the office over the campaign's root.
func mayConfigure(a *org.Actor, root org.Unit) bool { return a.CanManageRoles(root) }

// mayReassign: the office over the unit.
func mayReassign(a *org.Actor, u org.Unit) bool { return a.CanManageRoles(u) }

// mayState: those who manage the reviewed branch.
func mayState(a *org.Actor, branch org.Unit) bool { return a.CanWrite(branch) }

// mayPublish: the author or the office over the unit.
func mayPublish(a *org.Actor, r Review, u org.Unit) bool {
	return (a.UserID != 0 && a.UserID == r.CreatedBy) || a.CanManageRoles(u)
}

// ownBranch is the refusal when reviewer member m would review their own
// branch (or a unit in it); nil otherwise.
func ownBranch(ctx context.Context, tx *db.Tx, memberID int64, u org.Unit) error {
	own, err := org.InOwnBranchTx(ctx, tx, memberID, u)
	if err != nil {
		return err
	}
	if own {
		return errOwn
	}
	return nil
}

// mayReviewUnit: the actor is one of the unit's reviewers for the round
// and the unit is not in their own branch.
func mayReviewUnit(ctx context.Context, tx *db.Tx, a *org.Actor, reviewers []Reviewer, u org.Unit) error {
	if a == nil || a.MemberID == 0 {
		return apperr.Deny()
	}
	mine := false
	for _, r := range reviewers {
		mine = mine || r.MemberID == a.MemberID
	}
	if !mine {
		return apperr.New(apperr.Forbidden, "您不是本轮该组织的点评人", "You are not this unit's reviewer for the round")
	}
	return ownBranch(ctx, tx, a.MemberID, u)
}

// mayReviewMember: one level up, never oneself.
func mayReviewMember(ctx context.Context, tx *db.Tx, a *org.Actor, memberUnit org.Unit, memberID int64) error {
	if a != nil && a.MemberID != 0 && a.MemberID == memberID {
		return errSelf
	}
	r, err := org.ReviewerUnitTx(ctx, tx, memberUnit, memberID)
	if err != nil {
		return err
	}
	if !a.MayReview(r, memberID) {
		return apperr.Deny()
	}
	return nil
}

// mayRead: the reviewed unit's readers, its own members (a unit review),
// the reviewed member (a member review), the author.
func mayRead(ctx context.Context, tx *db.Tx, a *org.Actor, r Review, u org.Unit) (bool, error) {
	if a == nil {
		return false, nil
	}
	if a.CanRead(u) || (a.UserID != 0 && a.UserID == r.CreatedBy) {
		return true, nil
	}
	if a.MemberID == 0 {
		return false, nil
	}
	if r.MemberID != 0 {
		return r.MemberID == a.MemberID, nil
	}
	mu, err := org.MemberUnitTx(ctx, tx, a.MemberID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	return err == nil && mu.Within(u.Path), err
}

// readScope is mayRead as SQL over reviews r joined with their unit u;
// myPath is the path of the actor's own member's unit ("" for none).
func readScope(a *org.Actor, myPath string) org.Piece {
	ors := []org.Piece{a.ReadScope("u")}
	if a.UserID != 0 {
		ors = append(ors, org.Piece{SQL: "r.created_by = ?", Args: []any{a.UserID}})
	}
	if a.MemberID != 0 {
		ors = append(ors, org.Piece{SQL: "r.member_id = ?", Args: []any{a.MemberID}})
	}
	if myPath != "" {
		ors = append(ors, org.Piece{SQL: "(r.member_id IS NULL AND substr(?, 1, length(u.path)) = u.path)", Args: []any{myPath}})
	}
	return org.Or(ors...)
}

// mayOpenFolder: the unit's readers and its reviewers.
func mayOpenFolder(a *org.Actor, reviewers []Reviewer, u org.Unit) bool {
	if a.CanRead(u) {
		return true
	}
	for _, r := range reviewers {
		if a.MemberID != 0 && r.MemberID == a.MemberID {
			return true
		}
	}
	return false
}
