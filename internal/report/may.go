package report

// may.go is the one home of who may do what with written reports and
// activity summaries (docs/reports.md, docs/scopes.md); the services ask
// these verdicts before every change and return them (Report.May,
// Summary.May, Row.CanEnter) so pages show only what would be honoured.
//
//   - a unit's report (branch, experience, summary) is written and sent by
//     those who manage the unit (its secretary, the office over it) to a
//     unit above it (org: the unit's path lies under the recipient's, never
//     itself; by default its parent); it is read by whoever reads either
//     side (the recipient's office, the sender's liaison leaders); a draft
//     only by the sending side;
//   - a member's report (and activity summary) is written by the member
//     themself, or recorded by those who manage the member's branch for a
//     member flagged for oral commitment (口头承诺) — never for one who
//     writes their own; it is read by the member and whoever reads the
//     branch;
//   - acknowledgement (签收) is the receiving side's only: for a unit's
//     report those who manage the recipient unit and the sender's liaison
//     leaders; for a member's report those who manage the branch, never
//     the member themself;
//   - featuring an experience write-up publicly: the office over the
//     recipient (CanManageRoles), once sent.

import (
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
)

// mayWriteUnit: those who manage the sending unit.
func mayWriteUnit(a *org.Actor, from org.Unit) bool { return a.CanWrite(from) }

// above reports whether to is a unit above from (asked of org's paths).
func above(from, to org.Unit) bool { return to.ID != 0 && to.ID != from.ID && from.Within(to.Path) }

// writeMemberAs says whether the actor may write member m's report (or
// summary), and whether it is recorded for them rather than their own.
func writeMemberAs(a *org.Actor, memberID int64, oral bool, branch org.Unit) (recorded bool, err error) {
	switch {
	case a.MemberID != 0 && a.MemberID == memberID:
		return false, nil
	case oral && a.CanWrite(branch):
		return true, nil
	case a.CanWrite(branch):
		return false, apperr.New(apperr.Forbidden, "书面汇报和活动小结须由党员本人填写；只有可作口头承诺的党员可由支部代为记录",
			"Members write their own; the branch records them only for members flagged for oral commitment")
	}
	return false, apperr.Deny()
}

// liaisonOf reports whether the actor is a liaison leader for u (or a unit above it).
func liaisonOf(a *org.Actor, u org.Unit) bool {
	for _, l := range a.Liaisons {
		if l.UnitPath != "" && u.Within(l.UnitPath) {
			return true
		}
	}
	return false
}

// visible: who reads a report of one of this package's kinds.
func visible(a *org.Actor, r Report, from, to org.Unit) bool {
	if a == nil {
		return false
	}
	if r.Kind == Member {
		if a.MemberID != 0 && a.MemberID == r.FromMemberID {
			return true
		}
		if r.Status == Draft {
			return r.RecordedBy != "" && a.CanWrite(from)
		}
		return a.CanRead(from)
	}
	if r.Status == Draft {
		return a.CanWrite(from)
	}
	return a.CanRead(from) || a.CanRead(to)
}

// maySend: the author's side.
func maySend(a *org.Actor, r Report, from org.Unit) bool {
	if r.Kind == Member {
		return (a.MemberID != 0 && a.MemberID == r.FromMemberID) || (r.RecordedBy != "" && a.CanWrite(from))
	}
	return mayWriteUnit(a, from)
}

// mayAck: the receiving side only.
func mayAck(a *org.Actor, r Report, from, to org.Unit) bool {
	if r.Kind == Member {
		return a.CanWrite(from) && (a.MemberID == 0 || a.MemberID != r.FromMemberID)
	}
	return a.CanWrite(to) || liaisonOf(a, from)
}

// mayFeature: the office over the recipient, an experience write-up once sent.
func mayFeature(a *org.Actor, r Report, to org.Unit) bool {
	return r.Kind == Experience && r.Status != Draft && a.CanManageRoles(to)
}

func verdicts(a *org.Actor, r Report, from, to org.Unit) *May {
	return &May{Send: r.Status == Draft && maySend(a, r, from), Acknowledge: r.Status == Sent && mayAck(a, r, from, to),
		Feature: mayFeature(a, r, to)}
}

// mayReadBranch: whoever reads the branch, and its own members.
func mayReadBranch(a *org.Actor, branch org.Unit, memberUnitPath string) bool {
	return a.CanRead(branch) || (memberUnitPath != "" && memberUnitPath != "/" && hasPrefix(memberUnitPath, branch.Path))
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
