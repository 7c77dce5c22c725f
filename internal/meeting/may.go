package meeting

// may.go is the one home of who may do what with a meeting: the services
// ask these verdicts before every change, the list query uses their SQL
// twin (seeScope), and Get and List return them (Meeting.May, Action's
// CanMarkDone) so that pages show only what the service would honour.
// docs/scopes.md is the matrix.
//
//   - manage (arrange, change, cancel, delete; the list, attendance,
//     minutes, decisions, action items; the sign-in code; leave reasons):
//     those who manage the meeting's unit (its secretary, the office over it);
//   - see: whoever reads the unit (committee, leaders, liaison leaders), a
//     member on its list, the owner of one of its action items;
//   - sign in by QR code, be put on the list: a member of the unit's
//     subtree or a liaison leader of a unit above, at or below it (eligible);
//   - own an action item: an active account that may be on the list, or
//     that holds a post on the unit, above it or below it (ownerAllowed);
//   - mark an action item done: its owner, and those who manage the meeting.

import (
	"context"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// May says what the reader may do with a meeting now (the service decides
// again on every action; pages only choose which forms to show).
type May struct {
	Manage bool `json:"manage"`
}

// mayManage: those who manage the unit.
func mayManage(a *org.Actor, u org.Unit) bool { return a.CanWrite(u) }

// mayMarkDone: the item's owner, and those who manage the meeting.
func mayMarkDone(a *org.Actor, manage bool, ac Action) bool {
	return manage || (a != nil && a.UserID != 0 && ac.OwnerID == a.UserID)
}

// access says whether a may manage and see the meeting.
func access(ctx context.Context, tx *db.Tx, a *org.Actor, r row) (manage, see bool, err error) {
	if a == nil {
		return false, false, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	if mayManage(a, r.unit) {
		return true, true, nil
	}
	if a.CanRead(r.unit) {
		return false, true, nil
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = ? AND member_id = ?)
		+ (SELECT COUNT(*) FROM meeting_actions WHERE meeting_id = ? AND owner_id = ?)`, r.ID, a.MemberID, r.ID, a.UserID).Scan(&n)
	return false, n > 0, err
}

// seeScope is access's "see" as SQL over meetings m joined to their unit u.
func seeScope(a *org.Actor) org.Piece {
	ps := []org.Piece{a.ReadScope("u")}
	if a.MemberID != 0 {
		ps = append(ps, org.Piece{SQL: "EXISTS (SELECT 1 FROM meeting_attendees x WHERE x.meeting_id = m.id AND x.member_id = ?)", Args: []any{a.MemberID}})
	}
	ps = append(ps, org.Piece{SQL: "EXISTS (SELECT 1 FROM meeting_actions y WHERE y.meeting_id = m.id AND y.owner_id = ?)", Args: []any{a.UserID}})
	return org.Or(ps...)
}

// manageable loads a meeting the actor must manage.
func (s *Service) manageable(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (row, error) {
	r, err := s.load(ctx, tx, id)
	if err != nil {
		return r, err
	}
	manage, see, err := access(ctx, tx, a, r)
	if err != nil {
		return r, err
	}
	if !manage {
		if see {
			return r, apperr.New(apperr.Forbidden, "只有本组织的负责同志可以修改会议", "Only those who run the unit may change its meetings")
		}
		return r, apperr.Deny()
	}
	return r, nil
}

// eligible reports whether member may be on the meeting's list (and sign
// in): a member of the unit's subtree, or an active liaison leader of a
// unit above, at or below it.
func eligible(ctx context.Context, tx *db.Tx, unit org.Unit, memberID int64) (bool, error) {
	var n int
	in := org.Subtree("u", unit.Path)
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m `+org.JoinUnit("u", "m.unit_id")+` WHERE m.id = ? AND `+in.SQL,
		append([]any{memberID}, in.Args...)...).Scan(&n)
	if err != nil || n > 0 {
		return n > 0, err
	}
	rows, err := tx.Query(ctx, `SELECT u.path FROM liaisons l `+org.JoinUnit("u", "l.unit_id")+` WHERE l.member_id = ? AND l.ended_on = ''`, memberID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return false, err
		}
		if strings.HasPrefix(p, unit.Path) || strings.HasPrefix(unit.Path, p) {
			return true, nil
		}
	}
	return false, rows.Err()
}

// ownerAllowed: an active user who is on the meeting's list or may be (a
// member of its subtree, or liaison for it), or who holds a post on the
// meeting's unit, above it or below it (org decides: HoldsPostAround).
func ownerAllowed(ctx context.Context, tx *db.Tx, r row, userID int64) (bool, error) {
	owner, err := org.ActorTx(ctx, tx, userID)
	if apperr.CodeOf(err) == apperr.Unauthorized {
		return false, nil // no such account, or disabled
	}
	if err != nil {
		return false, err
	}
	if owner.MemberID != 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = ? AND member_id = ?`, r.ID, owner.MemberID).Scan(&n); err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
		if ok, err := eligible(ctx, tx, r.unit, owner.MemberID); err != nil || ok {
			return ok, err
		}
	}
	return owner.HoldsPostAround(r.unit), nil
}

// ownerRoles are the posts whose holders are offered as owners of a
// meeting's action items (with the active accounts on its list).
var ownerRoles = []org.Role{org.RoleOffice, org.RoleSecretary, org.RoleCommittee}
