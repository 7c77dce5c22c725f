package meeting

import (
	"context"
	"fmt"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Mark sets one attendee's status. Expected on a held meeting means absent.
type Mark struct {
	MemberID int64      `json:"member_id"`
	Status   Attendance `json:"status"`
	Reason   string     `json:"reason,omitempty"` // required for excused (请假)
}

// AttendanceInput changes the attendance list: members added to or removed
// from the list, and marks. Only the rows named change, so two people
// taking attendance at once never undo each other's ticks.
type AttendanceInput struct {
	Add    []int64 `json:"add,omitempty"`
	Remove []int64 `json:"remove,omitempty"`
	Marks  []Mark  `json:"marks,omitempty"`
}

// Empty reports whether in changes nothing.
func (in AttendanceInput) Empty() bool { return len(in.Add)+len(in.Remove)+len(in.Marks) == 0 }

// SetAttendance applies in: the secretary ticking who came (elderly members
// who do not use phones), recording leave with its reason, and editing the list.
func (s *Service) SetAttendance(ctx context.Context, a *org.Actor, id int64, in AttendanceInput) error {
	if in.Empty() {
		return nil
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.manageable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Status == Cancelled {
			return apperr.New(apperr.Conflict, "会议已取消，不能再登记出席情况", "The meeting has been cancelled; attendance can no longer be taken")
		}
		now := tx.NowText()
		for _, mid := range in.Add {
			ok, err := eligible(ctx, tx, r.unit, mid)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Field("add", "只能添加本组织及下级组织的党员或联系领导", "Only members of this unit (and the units below it) or its liaison leaders can be added")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_attendees (meeting_id, member_id, expected, status, updated_at) VALUES (?, ?, TRUE, 'expected', ?)
				ON CONFLICT (meeting_id, member_id) DO UPDATE SET expected = TRUE, updated_at = excluded.updated_at`, id, mid, now); err != nil {
				return err
			}
		}
		for _, mid := range in.Remove {
			// Someone who came stays on record as attending, only off the list.
			if _, err := tx.Exec(ctx, `DELETE FROM meeting_attendees WHERE meeting_id = ? AND member_id = ? AND status <> 'present'`, id, mid); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE meeting_attendees SET expected = FALSE, updated_at = ? WHERE meeting_id = ? AND member_id = ?`, now, id, mid); err != nil {
				return err
			}
		}
		for _, mk := range in.Marks {
			mk.Reason = strings.TrimSpace(mk.Reason)
			if !mk.Status.Valid() {
				return apperr.Field("status", "出席情况无效", "Invalid attendance status")
			}
			if mk.Status == Expected && r.Status == Held {
				mk.Status = Absent
			}
			switch {
			case mk.Status == Excused && mk.Reason == "":
				return apperr.Field("reason", "请假须填写原因", "Leave needs a reason")
			case tooLong(mk.Reason, MaxReason):
				return apperr.Field("reason", fmt.Sprintf("请假原因不能超过 %d 个字", MaxReason), fmt.Sprintf("The reason may have at most %d characters", MaxReason))
			case mk.Status != Excused && mk.Status != Absent:
				mk.Reason = ""
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = ? AND member_id = ?`, id, mk.MemberID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				ok, err := eligible(ctx, tx, r.unit, mk.MemberID)
				if err != nil {
					return err
				}
				if !ok {
					return apperr.Field("marks", "该党员不在本次会议的参会范围内", "This member is not among those expected at the meeting")
				}
			}
			signedAt, method, by := "", "", int64(0)
			if mk.Status != Expected {
				signedAt, method, by = now, BySecretary, a.UserID
			}
			if err := upsertAttendee(ctx, tx, id, mk.MemberID, mk.Status, mk.Reason, signedAt, by, method); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "meeting.attendance", "meeting", id, nil, in)
	})
	return apperr.Wrap(err, "take attendance")
}

// Get returns one meeting the actor may see, with its attendance list,
// decisions and action items. Leave reasons are shown only to those who
// manage the meeting (and to the member concerned).
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Meeting, error) {
	var m Meeting
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		manage, see, err := access(ctx, tx, a, r)
		if err != nil {
			return err
		}
		if !see {
			return apperr.Deny()
		}
		m = r.Meeting
		m.May = May{Manage: manage}
		if manage {
			m.Token = r.token
		}
		if m.Attendees, err = attendees(ctx, tx, id, s); err != nil {
			return err
		}
		for i := range m.Attendees {
			at := &m.Attendees[i]
			if at.MemberID == a.MemberID && a.MemberID != 0 {
				m.MyStatus = at.Status
			} else if !manage {
				at.Reason = ""
			}
		}
		m.Counts = count(m.Attendees)
		if m.Decisions, err = decisions(ctx, tx, id); err != nil {
			return err
		}
		if m.Actions, err = actions(ctx, tx, `a.meeting_id = ?`, id); err != nil {
			return err
		}
		today, _ := dayBounds(tx.Now, s.loc())
		for i := range m.Actions {
			ac := &m.Actions[i]
			ac.CanMarkDone = mayMarkDone(a, manage, *ac)
			ac.Overdue = !ac.Done && ac.Due != "" && ac.Due < today.Format("2006-01-02")
		}
		if manage {
			if m.Owners, err = owners(ctx, tx, r, m.Attendees); err != nil {
				return err
			}
			if m.Candidates, err = candidates(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	return m, apperr.Wrap(err, "get meeting")
}

func count(list []Attendee) Counts {
	var c Counts
	for _, at := range list {
		if at.Expected {
			c.Expected++
		}
		switch at.Status {
		case Present:
			c.Present++
		case Excused:
			c.Excused++
		case Absent:
			c.Absent++
		}
	}
	return c
}

func attendees(ctx context.Context, tx *db.Tx, id int64, s *Service) ([]Attendee, error) {
	rows, err := tx.Query(ctx, `SELECT ma.member_id, m.name, u.name, ma.expected, ma.status, ma.reason, ma.signed_at, ma.method, m.retired,
		COALESCE(sb.display_name, ''), COALESCE(sb.username, ''), COALESCE(us.id, 0), COALESCE(us.disabled, TRUE)
		FROM meeting_attendees ma JOIN members m ON m.id = ma.member_id `+org.JoinUnit("u", "m.unit_id")+`
		LEFT JOIN users sb ON sb.id = ma.signed_by LEFT JOIN users us ON us.member_id = ma.member_id
		WHERE ma.meeting_id = ? ORDER BY u.path, m.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attendee{}
	for rows.Next() {
		var at Attendee
		var byName, byUser string
		var disabled bool
		if err := rows.Scan(&at.MemberID, &at.Name, &at.UnitName, &at.Expected, &at.Status, &at.Reason, &at.SignedAt, &at.Method, &at.Retired,
			&byName, &byUser, &at.UserID, &disabled); err != nil {
			return nil, err
		}
		at.SignedBy = byName
		if at.SignedBy == "" {
			at.SignedBy = byUser
		}
		at.UserActive = at.UserID != 0 && !disabled
		out = append(out, at)
	}
	return out, rows.Err()
}

func decisions(ctx context.Context, tx *db.Tx, id int64) ([]Decision, error) {
	rows, err := tx.Query(ctx, `SELECT id, seq, body FROM meeting_decisions WHERE meeting_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Decision{}
	for rows.Next() {
		var d Decision
		if err := rows.Scan(&d.ID, &d.Seq, &d.Body); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// owners are those an action item may be given to: attendees with an
// account, and those holding the office, secretary or committee role on
// the meeting's unit or a unit above it.
func owners(ctx context.Context, tx *db.Tx, r row, list []Attendee) ([]Owner, error) {
	holders, err := org.HoldersTx(ctx, tx, r.unit, ownerRoles...)
	if err != nil {
		return nil, err
	}
	var out []Owner
	seen := map[int64]bool{}
	for _, h := range holders {
		seen[h.UserID] = true
		out = append(out, Owner{UserID: h.UserID, Name: h.Name})
	}
	for _, at := range list {
		if at.UserActive && !seen[at.UserID] {
			seen[at.UserID] = true
			out = append(out, Owner{UserID: at.UserID, Name: at.Name})
		}
	}
	return out, nil
}

// candidates are members who may be added to the list: the subtree's
// members not on it yet.
func candidates(ctx context.Context, tx *db.Tx, r row) ([]Candidate, error) {
	rows, err := tx.Query(ctx, `SELECT m.id, m.name, u.name FROM members m `+org.JoinUnit("u", "m.unit_id")+`
		WHERE u.path >= ? AND u.path < ? AND m.status NOT IN ('已转出', '已去世')
		AND NOT EXISTS (SELECT 1 FROM meeting_attendees ma WHERE ma.meeting_id = ? AND ma.member_id = m.id)
		ORDER BY u.path, m.id LIMIT 500`, r.unit.Path, org.PathEnd(r.unit.Path), r.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.MemberID, &c.Name, &c.UnitName); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Filter selects meetings for the list.
type Filter struct {
	UnitID  int64  // the unit and everything below it; 0 = all the actor may see
	When    string // "upcoming" (today and later), "past" (before today) or "" (all)
	Type    Type   // "" = every type
	Page    int    // from 1
	PerPage int    // default 50, at most 200
}

// Page is one page of meetings with the total count.
type Page struct {
	Meetings []Meeting `json:"meetings"`
	Total    int       `json:"total"`
	Page     int       `json:"page"`
	PerPage  int       `json:"per_page"`
}

// List returns the meetings the actor may see: those of units they may
// read, and those they are on the list of or own an action item of.
// Upcoming meetings come soonest first, others latest first.
func (s *Service) List(ctx context.Context, a *org.Actor, f Filter) (Page, error) {
	if a == nil {
		return Page{}, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	if f.PerPage > 200 {
		f.PerPage = 200
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	out := Page{Meetings: []Meeting{}, Page: f.Page, PerPage: f.PerPage}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var where []string
		var args []any
		seeScope(a).AddTo(&where, &args)
		if f.UnitID != 0 {
			u, err := getUnit(ctx, tx, f.UnitID)
			if err != nil {
				return err
			}
			org.Subtree("u", u.Path).AddTo(&where, &args)
		}
		if f.Type != "" {
			where = append(where, "m.type = ?")
			args = append(args, string(f.Type))
		}
		today, _ := dayBounds(tx.Now, s.loc())
		order := "m.starts_at DESC, m.id DESC"
		switch f.When {
		case "upcoming":
			where = append(where, "m.starts_at >= ?")
			args = append(args, db.FormatTime(today))
			order = "m.starts_at, m.id"
		case "past":
			where = append(where, "m.starts_at < ?")
			args = append(args, db.FormatTime(today))
		}
		from := ` FROM meetings m ` + org.JoinUnit("u", "m.unit_id")
		if len(where) > 0 {
			from += " WHERE " + strings.Join(where, " AND ")
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*)`+from, args...).Scan(&out.Total); err != nil {
			return err
		}
		if out.Total == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT `+meetingCols+`,
			(SELECT COUNT(*) FROM meeting_attendees c WHERE c.meeting_id = m.id AND c.expected = TRUE),
			(SELECT COUNT(*) FROM meeting_attendees c WHERE c.meeting_id = m.id AND c.status = 'present'),
			(SELECT COUNT(*) FROM meeting_attendees c WHERE c.meeting_id = m.id AND c.status = 'excused'),
			(SELECT COUNT(*) FROM meeting_attendees c WHERE c.meeting_id = m.id AND c.status = 'absent')`+
			from+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Counts
			r, err := s.scan(scanFunc(func(dest ...any) error {
				return rows.Scan(append(dest, &c.Expected, &c.Present, &c.Excused, &c.Absent)...)
			}))
			if err != nil {
				return err
			}
			r.Counts = c
			r.May = May{Manage: mayManage(a, r.unit)}
			out.Meetings = append(out.Meetings, r.Meeting)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list meetings")
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
