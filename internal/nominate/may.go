package nominate

// may.go is the one home of who may do what with nominations of exemplary
// members (推荐优秀共产党员典型); the services ask these verdicts before every
// change and Get, List and Quotas return them (Nomination.Can…,
// BranchQuota.Can…) so pages show only what the service would honour.
// docs/scopes.md and docs/nominations.md are the matrix.
//
//   - nominate, declare none, revise a returned nomination: those who
//     manage the branch (its secretary, the office over it), and only for
//     the branch's own members;
//   - set a branch's quota: those who manage the unit above the branch
//     (the office);
//   - approve, return, confirm: one level up (org.ReviewerUnitTx of the
//     branch's own record: the office over it), never one's own — not the
//     nominee, and not whoever entered the nomination;
//   - read: whoever reads the branch (secretary, office, committee,
//     leaders, liaison leaders); the birth date and the printable form
//     only for those who read the branch's private fields or approve;
//   - the public reads confirmed examples: names, units and deeds only.

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// mayNominate: those who manage the branch.
func mayNominate(a *org.Actor, branch org.Unit) bool { return a != nil && a.CanWrite(branch) }

// approverUnit is the unit whose managers approve a branch's nominations.
func approverUnit(ctx context.Context, tx *db.Tx, branch org.Unit) (org.Unit, error) {
	return org.ReviewerUnitTx(ctx, tx, branch, 0)
}

// maySetQuota: those who manage the unit above the branch.
func maySetQuota(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit) (bool, error) {
	r, err := approverUnit(ctx, tx, branch)
	if err != nil {
		return false, err
	}
	return a.MayReview(r, 0), nil
}

// mayDecide: one level up, never the nominee, never who entered it.
func mayDecide(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit, n Nomination) (bool, error) {
	if a == nil || (n.createdByID != 0 && n.createdByID == a.UserID) {
		return false, nil
	}
	r, err := approverUnit(ctx, tx, branch)
	if err != nil {
		return false, err
	}
	return a.MayReview(r, n.MemberID), nil
}

// mayRead: whoever reads the branch.
func mayRead(a *org.Actor, branch org.Unit) bool { return a != nil && a.CanRead(branch) }

// mayPrivate: the birth date and the printable form.
func mayPrivate(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit) (bool, error) {
	if a.CanReadPrivate(branch) {
		return true, nil
	}
	r, err := approverUnit(ctx, tx, branch)
	if err != nil {
		return false, err
	}
	return a.MayReview(r, 0), nil
}

// readScope is mayRead as SQL over nominations joined to their branch u.
func readScope(a *org.Actor) org.Piece { return a.ReadScope("u") }

// perms fills the verdicts of a nomination the actor reads.
func perms(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit, n *Nomination) error {
	decide, err := mayDecide(ctx, tx, a, branch, *n)
	if err != nil {
		return err
	}
	private, err := mayPrivate(ctx, tx, a, branch)
	if err != nil {
		return err
	}
	n.CanEdit = n.Status == Returned && mayNominate(a, branch)
	n.CanApprove = n.Status == Submitted && decide
	n.CanReturn = (n.Status == Submitted || n.Status == Approved) && decide
	n.CanConfirm = n.Status == Approved && decide && n.NoticeOver
	n.CanPrint = private
	if !private {
		n.BirthDate = civil.Date{}
	}
	return nil
}

var errNoActor = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
