package campaign

// may.go: the verdicts campaign returns to pages (who may open a campaign
// where, run it, send or acknowledge a report), so that web never asks the
// actor's grants itself. The services check the same rules on every change
// (canManage in store.go, maySendReport and mayAckReport below).

import (
	"context"

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
