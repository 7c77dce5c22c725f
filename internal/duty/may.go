package duty

// may.go is the one home of who may do what with duties (明确职责); the
// services ask these verdicts before every change and Get and
// ListForBranch return them (Duty.Can…, Row.CanEnter, Branch.CanManage) so
// that pages show only what the service would honour. docs/scopes.md is
// the matrix.
//
//   - declare: a member their own; the branch (its secretary, the office
//     over it) records them for a member flagged for oral commitment
//     (口头承诺), never for one who declares their own; the branch states
//     its own duties;
//   - discuss, post the notice: those who manage the branch;
//   - confirm (组织认定): one level up, never one's own (org.ReviewerUnitTx
//     and Actor.MayReview, the rule commitments are reviewed by) — a
//     member's duties by the branch, the duties of a member who manages
//     the branch (its secretary) and the branch's own by the level above;
//   - read: whoever reads the branch, and the branch's own members.

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// mayManage: those who manage the branch (discuss, notice, the branch's
// own statement, records for oral-commitment members).
func mayManage(a *org.Actor, branch org.Unit) bool { return a.CanWrite(branch) }

// declareAs says whether the actor may declare member m's duties, and
// whether they would be recorded for the member (by the branch) rather
// than declared by the member themselves; a refusal as an error.
func declareAs(a *org.Actor, m memberRow, branch org.Unit) (recorded bool, err error) {
	switch {
	case a.MemberID != 0 && a.MemberID == m.ID:
		return false, nil
	case m.Oral && mayManage(a, branch):
		return true, nil
	case mayManage(a, branch):
		return false, apperr.New(apperr.Forbidden, "职责须由党员本人申报；只有可作口头承诺的党员可由支部代为记录", "Members declare their own duties; the branch records them only for members flagged for oral commitment")
	}
	return false, apperr.Deny()
}

// mayEnter: the reader may declare or record the duty of a line of the
// branch's list (member 0: the branch's own).
func mayEnter(a *org.Actor, branch org.Unit, memberID int64, oral bool) bool {
	if memberID == 0 {
		return mayManage(a, branch)
	}
	return (a.MemberID != 0 && a.MemberID == memberID) || (oral && mayManage(a, branch))
}

// mayConfirm: one level up, never one's own.
func mayConfirm(ctx context.Context, tx *db.Tx, a *org.Actor, d Duty) (bool, error) {
	u, err := unitByID(ctx, tx, d.UnitID)
	if err != nil {
		return false, err
	}
	r, err := org.ReviewerUnitTx(ctx, tx, u, d.MemberID)
	if err != nil {
		return false, err
	}
	return a.MayReview(r, d.MemberID), nil
}

// readable: the branch's readers (secretary, office, committee, leaders,
// liaison leaders) and the branch's own members.
func readable(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit) (bool, error) {
	if a == nil {
		return false, errNoActor
	}
	if a.CanRead(branch) {
		return true, nil
	}
	if a.MemberID == 0 {
		return false, nil
	}
	var n int
	in := org.Subtree("u", branch.Path)
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m `+org.JoinUnit("u", "m.unit_id")+` WHERE m.id = ? AND `+in.SQL,
		append([]any{a.MemberID}, in.Args...)...).Scan(&n)
	return n > 0, err
}

// perms fills the verdicts of a duty the actor reads.
func perms(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit, d *Duty) error {
	write := mayManage(a, branch)
	confirm, err := mayConfirm(ctx, tx, a, *d)
	if err != nil {
		return err
	}
	unconfirmed := d.ConfirmedAt == ""
	d.CanDeclare = unconfirmed && (d.MemberID != 0 && a.MemberID == d.MemberID || (write && (d.MemberID == 0 || d.Recorded)))
	d.CanDiscuss = unconfirmed && d.FourStep && write
	d.CanConfirm = unconfirmed && confirm && (!d.FourStep || d.DiscussedAt != "")
	d.CanNotice = write && noticeAllowed(*d) == nil
	return nil
}
