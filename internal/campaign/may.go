package campaign

// may.go: every rule of who may do what with a campaign — see it, run it,
// register or excuse a required action, owe a leader's item, send or
// acknowledge a report — and the verdicts campaign returns to pages, so
// that web never asks the actor's grants itself and the services, the
// queries and the pages ask the same rules.

import (
	"context"
	"strings"

	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Roots are the units the actor may open a campaign on: those whose roles
// they manage (the office over its subtree, the administrator), except
// 党小组 and the leading group.
func Roots(t *org.Tree, a *org.Actor) []org.Unit {
	var out []org.Unit
	for _, u := range t.RolesManaged(a) {
		if u.Type != org.Group && u.Type != org.LeadingGroup {
			out = append(out, u)
		}
	}
	return out
}

// MayManage reports whether the actor runs the campaign (the office over
// its root): its plan, its required actions, hand registrations.
func (s *Service) MayManage(ctx context.Context, a *org.Actor, c Campaign) bool {
	var ok bool
	_ = s.DB.View(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, c.UnitID)
		ok = err == nil && canManage(a, root)
		return err
	})
	return ok
}

// ReportMay says what the reader may do with a report now.
type ReportMay struct {
	Send        bool `json:"send"`        // a draft, by the sending office
	Acknowledge bool `json:"acknowledge"` // a sent report, by the receiving side
}

// maySendReport: the office of the sending unit.
func maySendReport(a *org.Actor, from org.Unit) bool { return canManage(a, from) }

// mayAckReport: those who reach the recipient unit.
func mayAckReport(a *org.Actor, to org.Unit) bool { return a.CanRead(to) }

func reportMay(a *org.Actor, r Report, from, to org.Unit) *ReportMay {
	return &ReportMay{Send: r.Status == ReportDraft && maySendReport(a, from), Acknowledge: r.Status == ReportSent && mayAckReport(a, to)}
}

// canManage: the campaign office over the campaign's subtree (or the administrator).
func canManage(a *org.Actor, root org.Unit) bool { return a.CanManageRoles(root) }

// canSee: anyone whose reach or membership touches the campaign's subtree.
func canSee(a *org.Actor, root org.Unit, memberUnitPath string) bool {
	if a.CanRead(root) || (memberUnitPath != "" && strings.HasPrefix(memberUnitPath, root.Path)) {
		return true
	}
	for _, g := range append(append([]org.ScopedGrant{}, a.Grants...), a.Liaisons...) {
		if g.UnitPath != "" && strings.HasPrefix(g.UnitPath, root.Path) {
			return true
		}
	}
	return false
}

func memberUnitPath(ctx context.Context, tx *db.Tx, a *org.Actor) string {
	if a.MemberID == 0 {
		return ""
	}
	u, err := org.MemberUnitTx(ctx, tx, a.MemberID)
	if err != nil {
		return ""
	}
	return u.Path
}

// mayComplete decides who may register an action for a unit or member: the
// office always; a branch action its secretary; a member action the member
// or their secretary; a leader action the liaison leader of the unit.
func mayComplete(ctx context.Context, tx *db.Tx, a *org.Actor, root org.Unit, ac Action, unit org.Unit, memberID int64) (bool, error) {
	if canManage(a, root) {
		return true, nil
	}
	switch ac.Owner {
	case OwnerBranch:
		return a.CanWrite(unit), nil
	case OwnerMember:
		return memberID == a.MemberID || a.CanWrite(unit), nil
	case OwnerLeader:
		for _, l := range a.Liaisons {
			if l.UnitID == unit.ID {
				return true, nil
			}
		}
	}
	return false, nil
}

func liaisonFor(a *org.Actor, g *gridData, branch org.Unit) bool {
	for _, l := range a.Liaisons {
		if u, ok := g.tree.ByID[l.UnitID]; ok && u.Within(branch.Path) {
			return true
		}
	}
	return false
}

// mayExcuse: the office, or whoever manages the member's unit (the branch's
// secretary), may excuse a member from a member action (例外) — never
// themself unless they run the campaign.
func mayExcuse(a *org.Actor, root, unit org.Unit, memberID int64) bool {
	if canManage(a, root) {
		return true
	}
	return a.CanWrite(unit) && (memberID == 0 || memberID != a.MemberID)
}
