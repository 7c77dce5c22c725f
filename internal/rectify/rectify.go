// Package rectify is the rectification ledger (整改台账): every problem raised
// by an inspection (督查), a leadership review (领导点评), a mass evaluation
// (群众评议), a self-check (自查) or a leadership-group meeting becomes an
// entry with owner, measure and deadline; it is closed with evidence and
// verified by the level that raised it.
//
// Features raise entries with Raise inside their own transaction, so the
// finding and its ledger entry are written together.
package rectify

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// Source is what raised an entry.
type Source string

// Sources of ledger entries.
const (
	FromInspection Source = "inspection" // 督查
	FromReview     Source = "review"     // 领导点评
	FromEvaluation Source = "evaluation" // 群众评议
	FromSelfCheck  Source = "selfcheck"  // 承诺自查
	FromMeeting    Source = "meeting"    // 领导小组会议决定
	FromOther      Source = "other"      // 其他
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case FromInspection, FromReview, FromEvaluation, FromSelfCheck, FromMeeting, FromOther:
		return true
	}
	return false
}

// Status is where an entry is. Overdue is not stored: an entry that is open
// or in progress past its deadline is overdue (Entry.Overdue).
type Status string

// Entry statuses.
const (
	Open       Status = "open"        // 待整改
	InProgress Status = "in_progress" // 整改中
	Done       Status = "done"        // 已整改（待验收）
	Verified   Status = "verified"    // 已验收
)

// Entry is one line of the ledger.
type Entry struct {
	ID             int64      `json:"id"`
	CampaignID     int64      `json:"campaign_id"`
	UnitID         int64      `json:"unit_id"`
	MemberID       int64      `json:"member_id,omitempty"`
	Source         Source     `json:"source"`
	SourceRef      int64      `json:"source_ref,omitempty"`
	RaisedByUnitID int64      `json:"raised_by_unit_id"`
	Problem        string     `json:"problem"`
	Measure        string     `json:"measure"`
	OwnerMemberID  int64      `json:"owner_member_id,omitempty"`
	Deadline       civil.Date `json:"deadline"`
	Status         Status     `json:"status"`
	Overdue        bool       `json:"overdue"`
	Evidence       string     `json:"evidence,omitempty"`
	CreatedAt      string     `json:"created_at"`
	Version        int        `json:"version"`
}

// Raised is a problem a feature raises into the ledger.
type Raised struct {
	CampaignID     int64
	UnitID         int64  // the unit that must put it right
	MemberID       int64  // set when the problem is a member's
	Source         Source // what raised it
	SourceRef      int64  // the raising record's id in its feature
	RaisedByUnitID int64  // the level that raised it (it verifies the fix)
	Problem        string // 问题
	Measure        string // 整改措施 (may be filled in later by the owner)
	OwnerMemberID  int64  // 责任人 (0: the unit's secretary answers for it)
	Deadline       civil.Date
}

// Limits on the entry's texts, the same on every path.
const (
	MaxProblem = 1000
	MaxMeasure = 2000
)

// Check validates a raised problem's fields, with messages for a form.
func (in *Raised) Check() error {
	in.Problem, in.Measure = strings.TrimSpace(in.Problem), strings.TrimSpace(in.Measure)
	fe := apperr.FieldErrors{}
	if in.Problem == "" || utf8.RuneCountInString(in.Problem) > MaxProblem {
		fe["problem"] = apperr.Field("problem", fmt.Sprintf("请写明问题（%d 字以内）", MaxProblem), fmt.Sprintf("Describe the problem (up to %d characters)", MaxProblem))
	}
	if utf8.RuneCountInString(in.Measure) > MaxMeasure {
		fe["measure"] = apperr.Field("measure", fmt.Sprintf("整改措施不能超过 %d 字", MaxMeasure), fmt.Sprintf("The measure may have at most %d characters", MaxMeasure))
	}
	if in.Deadline.IsZero() || !in.Deadline.Valid() || !in.Deadline.HasDay() {
		fe["deadline"] = apperr.Field("deadline", "请填写整改时限（年月日）", "Give the deadline (a date)")
	}
	if !in.Source.Valid() {
		fe["source"] = apperr.Field("source", "问题来源无效", "Unknown source")
	}
	return fe.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Raise writes a ledger entry inside the caller's transaction and audits
// it. The caller has already decided the actor may raise it (its own may
// rules); Raise checks the fields.
func Raise(ctx context.Context, tx *db.Tx, who audit.Actor, in Raised) (int64, error) {
	if err := in.Check(); err != nil {
		return 0, err
	}
	if in.CampaignID == 0 || in.UnitID == 0 || in.RaisedByUnitID == 0 {
		return 0, fmt.Errorf("rectify: an entry needs a campaign, a unit and the raising unit")
	}
	now := tx.NowText()
	id, err := tx.Insert(ctx, `INSERT INTO rectifications (campaign_id, unit_id, member_id, source, source_ref, raised_by_unit_id, problem, measure, owner_member_id, deadline, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
		in.CampaignID, in.UnitID, nullID(in.MemberID), string(in.Source), in.SourceRef, in.RaisedByUnitID, in.Problem, in.Measure, nullID(in.OwnerMemberID), in.Deadline.String(), nullID(who.ID), now, now)
	if err != nil {
		return 0, fmt.Errorf("rectify: raise: %w", err)
	}
	if err := event(ctx, tx, who, id, in.CampaignID, "raise", "", in.Problem); err != nil {
		return 0, err
	}
	if err := audit.Record(ctx, tx, who, "rectify.raise", "rectification", id, nil, in); err != nil {
		return 0, err
	}
	if in.Source == FromEvaluation {
		return id, settleEvaluation(ctx, tx, in.CampaignID, in.UnitID)
	}
	return id, nil
}

// selectEntry is the column list scanEntry reads.
const selectEntry = `SELECT id, campaign_id, unit_id, COALESCE(member_id, 0), source, source_ref, raised_by_unit_id, problem, measure,
	COALESCE(owner_member_id, 0), deadline, status, evidence, created_at, version FROM rectifications`

func scanEntry(sc interface{ Scan(...any) error }, today civil.Date) (Entry, error) {
	var e Entry
	var deadline string
	err := sc.Scan(&e.ID, &e.CampaignID, &e.UnitID, &e.MemberID, &e.Source, &e.SourceRef, &e.RaisedByUnitID, &e.Problem, &e.Measure,
		&e.OwnerMemberID, &deadline, &e.Status, &e.Evidence, &e.CreatedAt, &e.Version)
	if err != nil {
		return e, err
	}
	if e.Deadline, err = civil.ParseStorage(deadline); err != nil {
		return e, fmt.Errorf("rectify: entry %d deadline: %w", e.ID, err)
	}
	e.Overdue = (e.Status == Open || e.Status == InProgress) && e.Deadline.Before(today)
	return e, nil
}

// OfUnit lists a unit's entries in a campaign, oldest first (the reviewer's
// folder reads the open ones; the ledger page reads them all). The caller
// has checked the reader may see the unit.
func OfUnit(ctx context.Context, tx *db.Tx, campaignID, unitID int64) ([]Entry, error) {
	rows, err := tx.Query(ctx, selectEntry+` WHERE campaign_id = ? AND unit_id = ? ORDER BY id`, campaignID, unitID)
	if err != nil {
		return nil, fmt.Errorf("rectify: list: %w", err)
	}
	defer rows.Close()
	today := tx.Today()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows, today)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// OfSource lists the entries one record raised (an inspection's findings,
// a review's problems), oldest first.
func OfSource(ctx context.Context, tx *db.Tx, source Source, ref int64) ([]Entry, error) {
	rows, err := tx.Query(ctx, selectEntry+` WHERE source = ? AND source_ref = ? ORDER BY id`, string(source), ref)
	if err != nil {
		return nil, fmt.Errorf("rectify: list: %w", err)
	}
	defer rows.Close()
	today := tx.Today()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows, today)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
