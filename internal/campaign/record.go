package campaign

import (
	"context"
	"fmt"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// Owner says who owes a required action.
type Owner string

// Owners of required actions.
const (
	OwnerOffice Owner = "office" // 机关党委 (the campaign's root unit)
	OwnerBranch Owner = "branch" // every 党支部 in the campaign's subtree
	OwnerMember Owner = "member" // every member
	OwnerLeader Owner = "leader" // every liaison leader, for their unit
)

// ManualKind completes an action by hand, with a note and evidence.
const ManualKind = "manual"

// Kind is a kind of record that completes required actions. Features
// register their kinds when the application is wired (app passes them to
// the Service), so this package never imports the features.
type Kind struct {
	Code    string // e.g. "meeting.mobilisation"
	Label   string // 中文, e.g. "召开动员会"
	LabelEn string
	// Form, when set, names the page where member memberID does a member
	// action of this kind in campaign c (the commitment form, the
	// self-check form…): the home page's next-step button. "" means the
	// member has nothing to do there yet.
	Form func(ctx context.Context, tx *db.Tx, c Campaign, memberID int64) (string, error) `json:"-"`
}

// Signal is a record made elsewhere (a meeting held, a commitment
// published…) that completes the actions of its kind for a unit or member.
type Signal struct {
	CampaignID int64 // the campaign the record was made for (required)
	Kind       string
	UnitID     int64
	MemberID   int64 // 0 for unit-level records
	RefID      int64 // the record's id in its own feature, to withdraw it
	Note       string
	At         time.Time // when it happened (a meeting's date); zero means now
}

// Record stores a signal inside the caller's transaction, so the record and
// its effect on the progress grid are written together.
func Record(ctx context.Context, tx *db.Tx, s Signal) error {
	if s.Kind == "" || s.UnitID == 0 || s.CampaignID == 0 {
		return fmt.Errorf("campaign signal needs a campaign, a kind and a unit")
	}
	c, root, err := loadHead(ctx, tx, s.CampaignID)
	if err != nil {
		return err
	}
	if c.Status == StatusFinished {
		return apperr.Newf(apperr.Conflict, "「%s」已结束，不能再为它登记记录", "%s has finished; no more records can be made for it", c.Title)
	}
	unit, err := getUnit(ctx, tx, s.UnitID)
	if err != nil {
		return err
	}
	if !unit.Within(root.Path) {
		return apperr.Newf(apperr.Invalid, "「%s」不在「%s」的范围内", "%s is outside %s", unit.Name, c.Title)
	}
	var member any
	if s.MemberID != 0 {
		member = s.MemberID
	}
	at := tx.NowText()
	if !s.At.IsZero() && s.At.Before(tx.Now) {
		at = db.FormatTime(s.At)
	}
	if _, err = tx.Exec(ctx, `INSERT INTO campaign_signals (campaign_id, kind, unit_id, member_id, ref_id, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.CampaignID, s.Kind, s.UnitID, member, s.RefID, s.Note, at); err != nil {
		return err
	}
	return bump(ctx, tx, s.CampaignID)
}

// Withdraw removes the signals of a record (a meeting cancelled, a
// commitment withdrawn) inside the caller's transaction.
func Withdraw(ctx context.Context, tx *db.Tx, kind string, refID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET records_version = records_version + 1
		WHERE id IN (SELECT campaign_id FROM campaign_signals WHERE kind = ? AND ref_id = ?)`, kind, refID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM campaign_signals WHERE kind = ? AND ref_id = ?`, kind, refID)
	return err
}

// Unattached counts the records that belong to no campaign: those made
// before records carried their campaign whose unit and date no campaign
// covers (migration 0010 attached the rest). They complete nothing.
func Unattached(ctx context.Context, d *db.DB) (int, error) {
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE campaign_id IS NULL`).Scan(&n)
	})
	return n, err
}

// WithdrawIn removes a campaign's signals of a kind and ref (a record that
// no longer holds, such as a branch's "all reviewed" when a member's
// commitment waits again).
func WithdrawIn(ctx context.Context, tx *db.Tx, campaignID int64, kind string, refID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM campaign_signals WHERE campaign_id = ? AND kind = ? AND ref_id = ?`, campaignID, kind, refID); err != nil {
		return err
	}
	return bump(ctx, tx, campaignID)
}

// Todo is one thing a user owes, for their to-do list and the grid.
type Todo struct {
	UserID int64  // who owes it (0 when owed by a unit's secretary)
	UnitID int64  // the unit it concerns
	Title  string // what
	Due    string // civil date "2006-01-02", "" if none
	URL    string // where to do it
	Source string // "action", "meeting", …
	Done   bool
}

// TodoSource lets another feature add items (e.g. meeting action items) to
// to-do lists and the grid without this package knowing it.
type TodoSource interface {
	Todos(ctx context.Context, tx *db.Tx, userID int64, unitIDs []int64) ([]Todo, error)
}

// Event is a dated entry for the calendar (a deadline, a meeting).
type Event struct {
	UID   string     // stable across feeds
	Day   civil.Date // all-day date
	Start time.Time  // set for timed events (meetings); zero for all-day
	Title string
	Where string
	URL   string
	Kind  string // "phase", "deadline", "meeting"
	Late  bool
}

// EventSource lets another feature (meetings) add events to calendars.
type EventSource interface {
	Events(ctx context.Context, tx *db.Tx, userID int64, from, to civil.Date) ([]Event, error)
}
