package meeting

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Input is what a form or the API gives to create or edit a meeting.
type Input struct {
	UnitID  int64  `json:"unit_id"`
	Type    Type   `json:"type"`
	Title   string `json:"title"`
	Date    string `json:"date"` // 2010-05-28 (also 2010.05.28, 2010年5月28日)
	Time    string `json:"time"` // 09:30, Asia/Shanghai wall time; default 09:00
	Place   string `json:"place"`
	Agenda  string `json:"agenda"`
	Version int    `json:"version,omitempty"` // when editing: the version the user saw (0 = don't check)
}

// Limits of the fields.
const (
	MaxTitle    = 100
	MaxPlace    = 100
	MaxAgenda   = 5000
	MaxMinutes  = 20000
	MaxDecision = 500
	MaxDecided  = 50
	MaxReason   = 200
	MaxAction   = 200
	MaxNote     = 500
)

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// check normalises and validates in, returning the start instant.
func (s *Service) check(in *Input, fe apperr.FieldErrors) time.Time {
	in.Title = strings.TrimSpace(in.Title)
	in.Place = strings.TrimSpace(in.Place)
	in.Agenda = strings.TrimSpace(strings.ReplaceAll(in.Agenda, "\r\n", "\n"))
	in.Date = strings.TrimSpace(in.Date)
	in.Time = strings.TrimSpace(strings.ReplaceAll(in.Time, "：", ":"))
	switch {
	case in.Title == "":
		fe["title"] = apperr.Field("title", "请填写会议名称", "Enter the meeting's title")
	case tooLong(in.Title, MaxTitle):
		fe["title"] = apperr.Field("title", fmt.Sprintf("会议名称不能超过 %d 个字", MaxTitle), fmt.Sprintf("The title may have at most %d characters", MaxTitle))
	}
	if !in.Type.Valid() {
		fe["type"] = apperr.Field("type", "请选择会议类型", "Choose the type of meeting")
	}
	if tooLong(in.Place, MaxPlace) {
		fe["place"] = apperr.Field("place", fmt.Sprintf("会议地点不能超过 %d 个字", MaxPlace), fmt.Sprintf("The place may have at most %d characters", MaxPlace))
	}
	if tooLong(in.Agenda, MaxAgenda) {
		fe["agenda"] = apperr.Field("agenda", fmt.Sprintf("会议议程不能超过 %d 个字", MaxAgenda), fmt.Sprintf("The agenda may have at most %d characters", MaxAgenda))
	}
	var d civil.Date
	if in.Date == "" {
		fe["date"] = apperr.Field("date", "请填写会议日期", "Enter the date of the meeting")
	} else if p, err := civil.Parse(in.Date); err != nil || !p.HasDay() {
		fe["date"] = apperr.Field("date", "会议日期无效，请写作 2010-05-28", "Invalid date; write it as 2010-05-28")
	} else {
		d = p
		in.Date = d.String()
	}
	if in.Time == "" {
		in.Time = "09:00"
	}
	clock, err := time.Parse("15:04", in.Time)
	if err != nil {
		fe["time"] = apperr.Field("time", "会议时间无效，请写作 09:30", "Invalid time; write it as 09:30")
	} else {
		in.Time = clock.Format("15:04")
	}
	if d.IsZero() || err != nil {
		return time.Time{}
	}
	return time.Date(d.Y, time.Month(d.M), d.D, clock.Hour(), clock.Minute(), 0, 0, s.loc())
}

// checkUnit validates the unit for a meeting of type t.
func checkUnit(a *org.Actor, u org.Unit, t Type, fe apperr.FieldErrors) error {
	if !mayManage(a, u) {
		return apperr.New(apperr.Forbidden, "您无权为该组织安排会议", "You may not arrange meetings for this unit")
	}
	if u.Closed() {
		fe["unit_id"] = apperr.Field("unit_id", "该组织已撤销", "This unit has been closed")
		return nil
	}
	switch t {
	case Leadership:
		if u.Type != org.Committee && u.Type != org.LeadingGroup {
			fe["type"] = apperr.Field("type", "领导小组会议应由机关党委（或党组）召开", "A leadership group meeting belongs to the party committee (or leading party group)")
		}
	case Committee, Assembly:
		if u.Type != org.Branch && u.Type != org.GeneralBranch {
			fe["type"] = apperr.Field("type", "支委会、支部党员大会应由党支部召开", "Branch committee meetings and members' assemblies belong to a branch")
		}
	}
	return nil
}

// Create arranges a meeting. The attendance list starts with the members
// of the unit's subtree (for a 领导小组会议: the liaison leaders of the units
// in it); it can be edited afterwards.
func (s *Service) Create(ctx context.Context, a *org.Actor, in Input) (Meeting, error) {
	if a == nil {
		return Meeting{}, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	fe := apperr.FieldErrors{}
	starts := s.check(&in, fe)
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var unit org.Unit
		if in.UnitID == 0 {
			fe["unit_id"] = apperr.Field("unit_id", "请选择召开会议的组织", "Choose the unit holding the meeting")
		} else {
			u, err := getUnit(ctx, tx, in.UnitID)
			if err != nil {
				if apperr.CodeOf(err) == apperr.NotFound {
					fe["unit_id"] = apperr.Field("unit_id", "所选组织不存在", "No such unit")
				} else {
					return err
				}
			} else if err := checkUnit(a, u, in.Type, fe); err != nil {
				return err
			}
			unit = u
		}
		if err := fe.Err(); err != nil {
			return err
		}
		now := tx.NowText()
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		var err error
		campaignID, err := campaign.For(ctx, tx, unit.ID, civil.FromTime(starts.In(s.loc())))
		if err != nil {
			return err
		}
		id, err = tx.Insert(ctx, `INSERT INTO meetings (unit_id, campaign_id, type, title, starts_at, place, agenda, status, signin_token, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			unit.ID, nullID(campaignID), string(in.Type), in.Title, db.FormatTime(starts), in.Place, in.Agenda, string(Planned), newToken(), by, now, now)
		if err != nil {
			return err
		}
		if err := defaultAttendees(ctx, tx, id, unit, in.Type); err != nil {
			return err
		}
		m := Meeting{UnitID: unit.ID, Type: in.Type, Title: in.Title, StartsAt: starts, Place: in.Place, Agenda: in.Agenda, Status: Planned}
		return audit.Record(ctx, tx, who(a), "meeting.create", "meeting", id, nil, snap(m))
	})
	if err != nil {
		return Meeting{}, apperr.Wrap(err, "create meeting")
	}
	return s.Get(ctx, a, id)
}

func defaultAttendees(ctx context.Context, tx *db.Tx, id int64, unit org.Unit, t Type) error {
	now := tx.NowText()
	if t == Leadership {
		res, err := tx.Exec(ctx, `INSERT INTO meeting_attendees (meeting_id, member_id, expected, status, updated_at)
			SELECT DISTINCT CAST(? AS BIGINT), l.member_id, TRUE, 'expected', CAST(? AS TEXT) FROM liaisons l `+org.JoinUnit("u", "l.unit_id")+`
			WHERE l.ended_on = '' AND u.path >= ? AND u.path < ?`, id, now, unit.Path, org.PathEnd(unit.Path))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO meeting_attendees (meeting_id, member_id, expected, status, updated_at)
		SELECT CAST(? AS BIGINT), m.id, TRUE, 'expected', CAST(? AS TEXT) FROM members m `+org.JoinUnit("u", "m.unit_id")+`
		WHERE u.path >= ? AND u.path < ? AND u.closed_at IS NULL AND m.status NOT IN ('已转出', '已去世')`,
		id, now, unit.Path, org.PathEnd(unit.Path))
	return err
}

// Update edits a meeting's title, type, date and time, place and agenda.
// The unit cannot change; a cancelled meeting cannot be edited.
func (s *Service) Update(ctx context.Context, a *org.Actor, id int64, in Input) (Meeting, error) {
	fe := apperr.FieldErrors{}
	starts := s.check(&in, fe)
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.manageable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Status == Cancelled {
			return apperr.New(apperr.Conflict, "会议已取消，不能再修改", "The meeting has been cancelled and can no longer be changed")
		}
		if in.UnitID != 0 && in.UnitID != r.UnitID {
			fe["unit_id"] = apperr.Field("unit_id", "会议所属组织不能修改；如有需要请取消后重新安排", "The unit cannot change; cancel the meeting and arrange a new one")
		}
		if err := checkUnit(a, r.unit, in.Type, fe); err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if in.Version != 0 && in.Version != r.Version {
			return apperr.New(apperr.Conflict, "会议信息已被他人修改，请刷新页面后重试", "Someone else changed the meeting; reload the page and try again")
		}
		res, err := tx.Exec(ctx, `UPDATE meetings SET type = ?, title = ?, starts_at = ?, place = ?, agenda = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, string(in.Type), in.Title, db.FormatTime(starts), in.Place, in.Agenda, tx.NowText(), id, r.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "会议信息已被他人修改，请刷新页面后重试", "Someone else changed the meeting; reload the page and try again")
		}
		after := r.Meeting
		after.Type, after.Title, after.StartsAt, after.Place, after.Agenda = in.Type, in.Title, starts, in.Place, in.Agenda
		if r.Status == Held && in.Type != r.Type {
			if err := campaign.Withdraw(ctx, tx, r.Type.Kind(), id); err != nil {
				return err
			}
			if err := record(ctx, tx, r.CampaignID, campaign.Signal{Kind: in.Type.Kind(), UnitID: r.UnitID, RefID: id, Note: in.Title, At: starts}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "meeting.update", "meeting", id, snap(r.Meeting), snap(after))
	})
	if err != nil {
		return Meeting{}, apperr.Wrap(err, "update meeting")
	}
	return s.Get(ctx, a, id)
}

// HeldInput records a meeting as held: its minutes and decisions.
type HeldInput struct {
	Minutes   string   `json:"minutes"`
	Decisions []string `json:"decisions"`
}

// MarkHeld records the minutes and decisions and marks the meeting held.
// The first time, those on the list who did not sign in become absent and
// a campaign signal "meeting.<type>" is recorded for the unit; later calls
// only update the minutes and decisions. A meeting on a day still to come
// cannot be marked held; an old one can (recording it afterwards).
func (s *Service) MarkHeld(ctx context.Context, a *org.Actor, id int64, in HeldInput) (Meeting, error) {
	in.Minutes = strings.TrimSpace(strings.ReplaceAll(in.Minutes, "\r\n", "\n"))
	fe := apperr.FieldErrors{}
	if tooLong(in.Minutes, MaxMinutes) {
		fe["minutes"] = apperr.Field("minutes", fmt.Sprintf("会议记录不能超过 %d 个字", MaxMinutes), fmt.Sprintf("The minutes may have at most %d characters", MaxMinutes))
	}
	var decisions []string
	for _, d := range in.Decisions {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if tooLong(d, MaxDecision) {
			fe["decisions"] = apperr.Field("decisions", fmt.Sprintf("每项决定事项不能超过 %d 个字", MaxDecision), fmt.Sprintf("Each decision may have at most %d characters", MaxDecision))
		}
		decisions = append(decisions, d)
	}
	if len(decisions) > MaxDecided {
		fe["decisions"] = apperr.Field("decisions", fmt.Sprintf("决定事项最多 %d 项", MaxDecided), fmt.Sprintf("At most %d decisions", MaxDecided))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.manageable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Status == Cancelled {
			return apperr.New(apperr.Conflict, "会议已取消，不能标记为已召开", "The meeting has been cancelled; it cannot be marked held")
		}
		if today, _ := dayBounds(tx.Now, s.loc()); !r.StartsAt.Before(today.AddDate(0, 0, 1)) {
			fe["held"] = apperr.Field("held", "会议日期还未到，不能标记为已召开", "The meeting's day has not come yet; it cannot be marked held")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		now := tx.NowText()
		if _, err := tx.Exec(ctx, `UPDATE meetings SET status = ?, minutes = ?, held_at = CASE WHEN held_at = '' THEN ? ELSE held_at END,
			version = version + 1, updated_at = ? WHERE id = ?`, string(Held), in.Minutes, now, now, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM meeting_decisions WHERE meeting_id = ?`, id); err != nil {
			return err
		}
		for i, d := range decisions {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_decisions (meeting_id, seq, body) VALUES (?, ?, ?)`, id, i+1, d); err != nil {
				return err
			}
		}
		if r.Status != Held {
			if _, err := tx.Exec(ctx, `UPDATE meeting_attendees SET status = ?, updated_at = ? WHERE meeting_id = ? AND status = ?`,
				string(Absent), now, id, string(Expected)); err != nil {
				return err
			}
			if err := record(ctx, tx, r.CampaignID, campaign.Signal{Kind: r.Type.Kind(), UnitID: r.UnitID, RefID: id, Note: r.Title, At: r.StartsAt}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "meeting.held", "meeting", id, map[string]any{"status": r.Status},
			map[string]any{"status": Held, "minutes": in.Minutes, "decisions": decisions})
	})
	if err != nil {
		return Meeting{}, apperr.Wrap(err, "mark meeting held")
	}
	return s.Get(ctx, a, id)
}

// Cancel cancels a meeting. Cancelling a held meeting (it was recorded by
// mistake) needs a reason and withdraws its campaign signal.
func (s *Service) Cancel(ctx context.Context, a *org.Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.manageable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case r.Status == Cancelled:
			return apperr.New(apperr.Conflict, "会议已经取消", "The meeting is already cancelled")
		case r.Status == Held && reason == "":
			return apperr.Field("reason", "取消已召开的会议须说明原因", "Give a reason for cancelling a meeting that was held")
		case tooLong(reason, MaxNote):
			return apperr.Field("reason", fmt.Sprintf("原因不能超过 %d 个字", MaxNote), fmt.Sprintf("The reason may have at most %d characters", MaxNote))
		}
		now := tx.NowText()
		if _, err := tx.Exec(ctx, `UPDATE meetings SET status = ?, cancel_reason = ?, cancelled_at = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			string(Cancelled), reason, now, now, id); err != nil {
			return err
		}
		if r.Status == Held {
			if err := campaign.Withdraw(ctx, tx, r.Type.Kind(), id); err != nil {
				return err
			}
		}
		after := r.Meeting
		after.Status, after.CancelReason = Cancelled, reason
		return audit.Record(ctx, tx, who(a), "meeting.cancel", "meeting", id, snap(r.Meeting), snap(after))
	})
	return apperr.Wrap(err, "cancel meeting")
}

// Delete removes a meeting with its attendance, decisions and action items
// (a meeting entered by mistake); a held meeting's campaign signal is withdrawn.
func (s *Service) Delete(ctx context.Context, a *org.Actor, id int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.manageable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Status == Held {
			if err := campaign.Withdraw(ctx, tx, r.Type.Kind(), id); err != nil {
				return err
			}
		}
		for _, q := range []string{`DELETE FROM meeting_attendees WHERE meeting_id = ?`, `DELETE FROM meeting_decisions WHERE meeting_id = ?`,
			`DELETE FROM meeting_actions WHERE meeting_id = ?`, `DELETE FROM meetings WHERE id = ?`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "meeting.delete", "meeting", id, snap(r.Meeting), nil)
	})
	return apperr.Wrap(err, "delete meeting")
}

// RotateToken gives the meeting a new sign-in token; the old QR code stops working.
func (s *Service) RotateToken(ctx context.Context, a *org.Actor, id int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := s.manageable(ctx, tx, a, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE meetings SET signin_token = ?, updated_at = ? WHERE id = ?`, newToken(), tx.NowText(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "meeting.token", "meeting", id, nil, nil)
	})
	return apperr.Wrap(err, "rotate token")
}

// record registers a held meeting with the campaign it counts for; a
// meeting outside every campaign completes nothing.
func record(ctx context.Context, tx *db.Tx, campaignID int64, sig campaign.Signal) error {
	if campaignID == 0 {
		return nil
	}
	sig.CampaignID = campaignID
	return campaign.Record(ctx, tx, sig)
}
