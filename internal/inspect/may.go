package inspect

// may.go is the one home of who may do what with inspections and
// bulletins; the services ask these verdicts before every change and
// return them with each read (Inspection.May, UnitRow.MayRecord,
// Bulletin.May), so pages offer only what the service would honour.
// docs/scopes.md and docs/inspections.md are the matrix.
//
//   - set up an inspection, assemble, edit, publish and send a bulletin:
//     the office of the campaign (those who manage roles on its root, the
//     rule campaign.canManage uses);
//   - be on the team: accounts holding the leader role at, above or inside
//     the campaign's root, or liaison leaders of a unit inside it;
//   - record findings: a team member, for the units of that inspection
//     only, never for a branch they are a member of (nobody inspects
//     their own branch), once per unit;
//   - read an inspection whole: the office, those who read the campaign's
//     root (leaders, committee), the team; a unit's readers (its
//     secretary, committee, liaison leader) read that unit's findings only;
//   - read a bulletin: a draft, those who read the campaign's root; a
//     published one, whoever sees the campaign (campaign.Service.Get) —
//     and a public one, anyone, on the public page.

import (
	"context"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// office: the campaign's office (manages roles on its root).
func office(a *org.Actor, root org.Unit) bool { return a != nil && a.CanManageRoles(root) }

// readsAll: reads every unit's findings of an inspection.
func readsAll(a *org.Actor, root org.Unit, team bool) bool {
	return a != nil && (office(a, root) || a.CanRead(root) || team)
}

// readsUnit: reads one inspected unit's findings (its secretary,
// committee, liaison leader).
func readsUnit(a *org.Actor, u org.Unit) bool { return a != nil && a.CanRead(u) }

// eligible: whether an account (as an actor) may be on the team of an
// inspection of the campaign rooted at root.
func eligible(c *org.Actor, root org.Unit) bool {
	if c == nil {
		return false
	}
	related := func(p string) bool {
		return p != "" && (strings.HasPrefix(root.Path, p) || strings.HasPrefix(p, root.Path))
	}
	for _, g := range c.Grants {
		if g.Role == org.RoleLeader && related(g.UnitPath) {
			return true
		}
	}
	for _, l := range c.Liaisons {
		if strings.HasPrefix(l.UnitPath, root.Path) {
			return true
		}
	}
	return false
}

// onTeam: whether the actor is on the inspection's team.
func onTeam(ctx context.Context, tx *db.Tx, a *org.Actor, inspectionID int64) (bool, error) {
	if a == nil || a.UserID == 0 {
		return false, nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM inspection_team WHERE inspection_id = ? AND user_id = ?`, inspectionID, a.UserID).Scan(&n)
	return n > 0, err
}

// ownBranch: whether the actor's member is on the roster of unit u (or a
// unit under it): their own branch, which they may not inspect.
func ownBranch(ctx context.Context, tx *db.Tx, a *org.Actor, u org.Unit) (bool, error) {
	if a == nil || a.MemberID == 0 {
		return false, nil
	}
	mu, err := org.MemberUnitTx(ctx, tx, a.MemberID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return mu.Within(u.Path), nil
}

// errOwnBranch refuses an inspector their own branch.
var errOwnBranch = apperr.New(apperr.Forbidden, "不能督查本人所在的党支部，请由督查组其他成员记录", "You cannot inspect your own branch; another member of the team records it")

// errNotTeam refuses someone who is not on the team.
var errNotTeam = apperr.New(apperr.Forbidden, "只有本次督查组成员才能记录督查发现", "Only members of this inspection's team record findings")

// mayRecord says whether the actor may record findings for unit u of an
// inspection, as a refusal.
func mayRecord(ctx context.Context, tx *db.Tx, a *org.Actor, inspectionID int64, u org.Unit) error {
	team, err := onTeam(ctx, tx, a, inspectionID)
	if err != nil {
		return err
	}
	if !team {
		return errNotTeam
	}
	own, err := ownBranch(ctx, tx, a, u)
	if err != nil {
		return err
	}
	if own {
		return errOwnBranch
	}
	return nil
}

// bulletinMay: the office edits and publishes a draft and sends a
// published bulletin upward once.
func bulletinMay(a *org.Actor, root org.Unit, b Bulletin) *BulletinMay {
	o := office(a, root)
	return &BulletinMay{Edit: o && b.Status == Draft, Publish: o && b.Status == Draft, Send: o && b.Status == Published && b.ReportID == 0}
}

// readsDraft: a draft bulletin is read by those who read the campaign's root.
func readsDraft(a *org.Actor, root org.Unit) bool { return a != nil && a.CanRead(root) }
