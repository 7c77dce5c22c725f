package evaluate

// may.go is the one home of who may do what with evaluations; Get returns
// the verdicts (Evaluation.May) so pages show only what the service would
// honour. docs/scopes.md is the matrix.
//
//   - open, manage (exemptions, representatives, slips, tellers,
//     reminders), close, publish, raise problems: the level above the
//     branch (the office over it, org.Actor.MayReview) — never the branch
//     itself, whose work is being evaluated;
//   - enter paper ballots: the tellers the office named, and the office;
//   - vote: whoever is on the frozen electorate (a member logged in, or
//     anyone holding a slip's code), once;
//   - read the evaluation and its turnout (counts only): the branch's
//     readers and its members;
//   - read the tally: the office and the branch's readers once closed; the
//     branch's members once published (members' results only if the
//     evaluation publishes them to the members' meeting); the public the
//     branch's own result when published on the board.

import (
	"context"

	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// mayManage: one level up from the branch.
func mayManage(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit) (bool, error) {
	if a == nil {
		return false, nil
	}
	if a.IsAdmin() {
		return true, nil
	}
	p, err := org.ReviewerUnitTx(ctx, tx, branch, 0)
	if err != nil {
		return false, err
	}
	return a.MayReview(p, 0), nil
}

// isMember says whether the actor's member record is in the branch.
func isMember(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit) (bool, error) {
	if a == nil || a.MemberID == 0 {
		return false, nil
	}
	var n int
	in := org.Subtree("u", branch.Path)
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m `+org.JoinUnit("u", "m.unit_id")+` WHERE m.id = ? AND `+in.SQL,
		append([]any{a.MemberID}, in.Args...)...).Scan(&n)
	return n > 0, err
}

// verdicts fills e.May for the actor.
func verdicts(ctx context.Context, tx *db.Tx, a *org.Actor, branch org.Unit, e *Evaluation) (readable bool, err error) {
	manage, err := mayManage(ctx, tx, a, branch)
	if err != nil {
		return false, err
	}
	member, err := isMember(ctx, tx, a, branch)
	if err != nil {
		return false, err
	}
	teller := false
	if a != nil && a.UserID != 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_tellers WHERE evaluation_id = ? AND user_id = ?`, e.ID, a.UserID).Scan(&n); err != nil {
			return false, err
		}
		teller = n > 0
	}
	reader := a != nil && a.CanRead(branch)
	done := e.Status != Open
	e.May = May{
		Manage:  manage && e.Status == Open,
		Close:   manage && e.Status == Open,
		Publish: manage && e.Status == Closed,
		Teller:  (teller || manage) && e.Status == Open,
		Results: done && (manage || reader) || e.Status == Published && member,
		Members: done && (manage || reader) || e.Status == Published && member && e.Q.PublishMembers,
	}
	return manage || reader || member || teller, nil
}
