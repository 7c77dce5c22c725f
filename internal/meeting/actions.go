package meeting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// ActionInput is a new action item: what, who (a user, by id or
// username) and by when.
type ActionInput struct {
	Title         string `json:"title"`
	OwnerID       int64  `json:"owner_id,omitempty"`
	OwnerUsername string `json:"owner_username,omitempty"`
	Due           string `json:"due,omitempty"` // 2010-06-30; optional
}

// AddAction adds an action item to a meeting.
func (s *Service) AddAction(ctx context.Context, a *org.Actor, meetingID int64, in ActionInput) (Action, error) {
	in.Title = strings.TrimSpace(in.Title)
	in.Due = strings.TrimSpace(in.Due)
	in.OwnerUsername = strings.TrimSpace(in.OwnerUsername)
	fe := apperr.FieldErrors{}
	switch {
	case in.Title == "":
		fe["title"] = apperr.Field("title", "请填写事项内容", "Enter what is to be done")
	case tooLong(in.Title, MaxAction):
		fe["title"] = apperr.Field("title", fmt.Sprintf("事项内容不能超过 %d 个字", MaxAction), fmt.Sprintf("The item may have at most %d characters", MaxAction))
	}
	if in.Due != "" {
		d, err := civil.Parse(in.Due)
		if err != nil || !d.HasDay() {
			fe["due"] = apperr.Field("due", "完成期限无效，请写作 2010-06-30", "Invalid deadline; write it as 2010-06-30")
		} else {
			in.Due = d.String()
		}
	}
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.manageable(ctx, tx, a, meetingID)
		if err != nil {
			return err
		}
		if r.Status == Cancelled {
			return apperr.New(apperr.Conflict, "会议已取消，不能再添加事项", "The meeting has been cancelled; no items can be added")
		}
		if in.OwnerID == 0 && in.OwnerUsername != "" {
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, strings.ToLower(in.OwnerUsername)).Scan(&in.OwnerID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if in.OwnerID == 0 {
			fe["owner"] = apperr.Field("owner", "请选择负责人", "Choose who is responsible")
		} else if ok, err := ownerAllowed(ctx, tx, r, in.OwnerID); err != nil {
			return err
		} else if !ok {
			fe["owner"] = apperr.Field("owner", "负责人须为本组织的党员或负责同志", "The owner must be a member or officer of this unit")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		now := tx.NowText()
		id, err = tx.Insert(ctx, `INSERT INTO meeting_actions (meeting_id, title, owner_id, due_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			meetingID, in.Title, in.OwnerID, in.Due, nullID(a.UserID), now, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "meeting.action.create", "meeting_action", id, nil,
			map[string]any{"meeting_id": meetingID, "title": in.Title, "owner_id": in.OwnerID, "due": in.Due})
	})
	if err != nil {
		return Action{}, apperr.Wrap(err, "add action")
	}
	var ac Action
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		list, err := actions(ctx, tx, `a.id = ?`, id)
		if err == nil && len(list) == 1 {
			ac = list[0]
		}
		return err
	})
	return ac, apperr.Wrap(err, "get action")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func actions(ctx context.Context, tx *db.Tx, where string, args ...any) ([]Action, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.meeting_id, a.title, a.owner_id, CASE WHEN us.display_name = '' THEN us.username ELSE us.display_name END,
		a.due_on, a.done, a.done_note, a.done_at FROM meeting_actions a JOIN users us ON us.id = a.owner_id WHERE `+where+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Action{}
	for rows.Next() {
		var ac Action
		if err := rows.Scan(&ac.ID, &ac.MeetingID, &ac.Title, &ac.OwnerID, &ac.OwnerName, &ac.Due, &ac.Done, &ac.DoneNote, &ac.DoneAt); err != nil {
			return nil, err
		}
		out = append(out, ac)
	}
	return out, rows.Err()
}

// SetActionDone marks an action item done (with a note on what was done)
// or open again. The owner may do it, and those who manage the meeting.
func (s *Service) SetActionDone(ctx context.Context, a *org.Actor, meetingID, actionID int64, done bool, note string) error {
	note = strings.TrimSpace(note)
	if tooLong(note, MaxNote) {
		return apperr.Field("note", fmt.Sprintf("说明不能超过 %d 个字", MaxNote), fmt.Sprintf("The note may have at most %d characters", MaxNote))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		list, err := actions(ctx, tx, `a.id = ? AND a.meeting_id = ?`, actionID, meetingID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return apperr.NotFoundf("事项", "Action item")
		}
		ac := list[0]
		manage, see, err := access(ctx, tx, a, r)
		if err != nil {
			return err
		}
		if !manage && ac.OwnerID != a.UserID {
			if see {
				return apperr.New(apperr.Forbidden, "只有事项负责人或本组织负责同志可以办结事项", "Only the item's owner or those who run the unit may mark it done")
			}
			return apperr.Deny()
		}
		doneAt, by := "", any(nil)
		if done {
			doneAt, by = tx.NowText(), nullID(a.UserID)
		}
		if _, err := tx.Exec(ctx, `UPDATE meeting_actions SET done = ?, done_note = ?, done_at = ?, done_by = ?, updated_at = ? WHERE id = ?`,
			done, note, doneAt, by, tx.NowText(), actionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "meeting.action.done", "meeting_action", actionID,
			map[string]any{"done": ac.Done, "note": ac.DoneNote}, map[string]any{"done": done, "note": note})
	})
	return apperr.Wrap(err, "mark action done")
}

// Todos lists open action items for to-do lists and the progress grid
// (campaign.TodoSource): those owned by userID when it is not 0 (wherever
// the meeting is), otherwise every open item of meetings of the units
// unitIDs and the units below them. Items of cancelled meetings are left out.
func (s *Service) Todos(ctx context.Context, tx *db.Tx, userID int64, unitIDs []int64) ([]campaign.Todo, error) {
	q := `SELECT a.owner_id, m.unit_id, a.title, a.due_on, m.id FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id
		` + org.JoinUnit("u", "m.unit_id") + ` WHERE a.done = FALSE AND m.status <> 'cancelled'`
	var args []any
	if userID != 0 {
		q += ` AND a.owner_id = ?`
		args = append(args, userID)
	} else {
		if len(unitIDs) == 0 {
			return nil, nil
		}
		units, err := org.UnitsTx(ctx, tx, unitIDs)
		if err != nil {
			return nil, err
		}
		var or []string
		for _, id := range unitIDs {
			if u, ok := units[id]; ok {
				p := org.Subtree("u", u.Path)
				or = append(or, "("+p.SQL+")")
				args = append(args, p.Args...)
			}
		}
		if len(or) == 0 {
			return nil, nil
		}
		q += ` AND (` + strings.Join(or, " OR ") + `)`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY CASE WHEN a.due_on = '' THEN 1 ELSE 0 END, a.due_on, a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []campaign.Todo
	for rows.Next() {
		var t campaign.Todo
		var mid int64
		if err := rows.Scan(&t.UserID, &t.UnitID, &t.Title, &t.Due, &mid); err != nil {
			return nil, err
		}
		t.URL = fmt.Sprintf("/meetings/%d", mid)
		t.Source = "meeting"
		out = append(out, t)
	}
	return out, rows.Err()
}

var _ campaign.TodoSource = (*Service)(nil)
