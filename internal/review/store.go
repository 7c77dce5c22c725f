package review

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// store.go: the SQL of the feature's own tables, and the few reads of the
// campaign, its phases, members, liaisons and meetings it needs.

var (
	errNotFound = apperr.NotFoundf("点评", "Review")
	errNoActor  = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// camp is a campaign as this feature needs it.
type camp struct {
	ID     int64
	Title  string
	Status string
	Root   org.Unit
	Phases map[int]phase
	NPhase int
}

type phase struct {
	Name            string
	StartsOn, DueOn civil.Date
}

func loadCampaign(ctx context.Context, tx *db.Tx, id int64) (camp, error) {
	c := camp{Phases: map[int]phase{}}
	var rootID int64
	err := tx.QueryRow(ctx, `SELECT id, title, status, unit_id FROM campaigns WHERE id = ?`, id).Scan(&c.ID, &c.Title, &c.Status, &rootID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return c, err
	}
	if c.Root, err = org.UnitTx(ctx, tx, rootID); err != nil {
		return c, err
	}
	rows, err := tx.Query(ctx, `SELECT seq, name, starts_on, due_on FROM campaign_phases WHERE campaign_id = ? ORDER BY seq`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var p phase
		if err := rows.Scan(&seq, &p.Name, &p.StartsOn, &p.DueOn); err != nil {
			return c, err
		}
		c.Phases[seq] = p
		c.NPhase = max(c.NPhase, seq)
	}
	return c, rows.Err()
}

// roundsTx returns the campaign's rounds: the office's, or the default three.
func roundsTx(ctx context.Context, tx *db.Tx, c camp) ([]Round, error) {
	rows, err := tx.Query(ctx, `SELECT r.seq, r.phase_seq, r.title, r.mode, COALESCE(r.head_member_id, 0), COALESCE(m.name, '')
		FROM review_rounds r LEFT JOIN members m ON m.id = r.head_member_id WHERE r.campaign_id = ? ORDER BY r.seq`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Round
	for rows.Next() {
		r := Round{Stored: true}
		if err := rows.Scan(&r.Seq, &r.PhaseSeq, &r.Title, &r.Mode, &r.HeadMemberID, &r.HeadName); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = defaultRounds()
	}
	for i := range out {
		out[i].Kind = KindOf(out[i].Seq)
		p := c.Phases[out[i].PhaseSeq]
		out[i].PhaseName, out[i].StartsOn, out[i].DueOn = p.Name, p.StartsOn, p.DueOn
	}
	return out, nil
}

func roundTx(ctx context.Context, tx *db.Tx, c camp, seq int) (Round, error) {
	rs, err := roundsTx(ctx, tx, c)
	if err != nil {
		return Round{}, err
	}
	for _, r := range rs {
		if r.Seq == seq {
			return r, nil
		}
	}
	return Round{}, apperr.Field("round", "该活动没有这一轮点评", "The campaign has no such review round")
}

func scaleTx(ctx context.Context, tx *db.Tx, campaignID int64) ([]string, error) {
	var levels string
	err := tx.QueryRow(ctx, `SELECT levels FROM review_scales WHERE campaign_id = ?`, campaignID).Scan(&levels)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && levels == "") {
		return append([]string{}, DefaultScale...), nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Split(levels, "|"), nil
}

// reviewersTx lists who reviews unit u in round r: the office's active
// reassignment, else the round's mode (liaison leaders of u, or the head).
func reviewersTx(ctx context.Context, tx *db.Tx, campaignID int64, r Round, u org.Unit) ([]Reviewer, error) {
	var out []Reviewer
	rows, err := tx.Query(ctx, `SELECT a.reviewer_member_id, m.name, a.note FROM review_assignments a JOIN members m ON m.id = a.reviewer_member_id
		WHERE a.campaign_id = ? AND a.round = ? AND a.unit_id = ? AND a.ended_at = '' ORDER BY a.id`, campaignID, r.Seq, u.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		v := Reviewer{Source: "assigned"}
		if err := rows.Scan(&v.MemberID, &v.Name, &v.Note); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) > 0 {
		return out, err
	}
	if r.Mode == ByHead {
		if r.HeadMemberID != 0 && u.Type != org.Group {
			out = append(out, Reviewer{MemberID: r.HeadMemberID, Name: r.HeadName, Source: "head"})
		}
		return out, nil
	}
	ls, err := org.CurrentLiaisonsTx(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		out = append(out, Reviewer{MemberID: l.MemberID, Name: l.Leader, Source: "liaison"})
	}
	return out, nil
}

type memberRow struct {
	ID     int64
	Name   string
	UnitID int64
}

const activeMembers = ` AND m.status NOT IN ('已转出', '已去世')`

func memberByID(ctx context.Context, tx *db.Tx, id int64) (memberRow, error) {
	var m memberRow
	err := tx.QueryRow(ctx, `SELECT m.id, m.name, m.unit_id FROM members m WHERE m.id = ?`+activeMembers, id).Scan(&m.ID, &m.Name, &m.UnitID)
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFoundf("党员", "Member")
	}
	return m, err
}

// membersOf lists the active members in unit u's subtree, by name.
func membersOf(ctx context.Context, tx *db.Tx, u org.Unit) ([]memberRow, error) {
	in := org.Subtree("u", u.Path)
	rows, err := tx.Query(ctx, `SELECT m.id, m.name, m.unit_id FROM members m `+org.JoinUnit("u", "m.unit_id")+` WHERE `+in.SQL+activeMembers+` ORDER BY u.path, m.id`, in.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []memberRow
	for rows.Next() {
		var m memberRow
		if err := rows.Scan(&m.ID, &m.Name, &m.UnitID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// meetingOK checks a meeting given with a review or statement exists and
// was not cancelled; it returns its title.
func meetingOK(ctx context.Context, tx *db.Tx, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	var title, status string
	err := tx.QueryRow(ctx, `SELECT title, status FROM meetings WHERE id = ?`, id).Scan(&title, &status)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && status == "cancelled") {
		return "", apperr.Field("meeting", "所选会议不存在或已取消", "The meeting does not exist or was cancelled")
	}
	return title, err
}

const reviewCols = `r.id, r.campaign_id, r.round, r.unit_id, u.name, COALESCE(r.member_id, 0), COALESCE(m.name, ''), COALESCE(r.reviewer_member_id, 0),
	r.reviewer_name, r.method, r.achievements, r.direction, r.rating, COALESCE(r.meeting_id, 0), COALESCE(mt.title, ''), r.late, r.published,
	COALESCE(r.created_by, 0), r.created_at`

var reviewFrom = ` FROM reviews r ` + org.JoinUnit("u", "r.unit_id") + ` LEFT JOIN members m ON m.id = r.member_id LEFT JOIN meetings mt ON mt.id = r.meeting_id`

func scanReview(sc interface{ Scan(...any) error }) (Review, error) {
	var r Review
	err := sc.Scan(&r.ID, &r.CampaignID, &r.Round, &r.UnitID, &r.UnitName, &r.MemberID, &r.MemberName, &r.ReviewerMemberID,
		&r.ReviewerName, &r.Method, &r.Achievements, &r.Direction, &r.Rating, &r.MeetingID, &r.MeetingTitle, &r.Late, &r.Published,
		&r.CreatedBy, &r.CreatedAt)
	r.Problems, r.Statements = []Problem{}, []Statement{}
	return r, err
}

func getReview(ctx context.Context, tx *db.Tx, id int64) (Review, error) {
	r, err := scanReview(tx.QueryRow(ctx, `SELECT `+reviewCols+reviewFrom+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNotFound
	}
	return r, err
}

func loadProblems(ctx context.Context, tx *db.Tx, r *Review) error {
	rows, err := tx.Query(ctx, `SELECT seq, text, COALESCE(rectification_id, 0) FROM review_problems WHERE review_id = ? ORDER BY seq`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p Problem
		if err := rows.Scan(&p.Seq, &p.Text, &p.RectificationID); err != nil {
			return err
		}
		r.Problems = append(r.Problems, p)
	}
	return rows.Err()
}

func loadStatements(ctx context.Context, tx *db.Tx, r *Review) error {
	rows, err := tx.Query(ctx, `SELECT s.id, s.review_id, COALESCE(s.speaker_member_id, 0), s.speaker_name, s.speaker_role, s.text,
		COALESCE(s.meeting_id, 0), COALESCE(mt.title, ''), COALESCE(us.username, ''), s.created_at
		FROM review_statements s LEFT JOIN meetings mt ON mt.id = s.meeting_id LEFT JOIN users us ON us.id = s.recorded_by
		WHERE s.review_id = ? ORDER BY s.id`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s Statement
		if err := rows.Scan(&s.ID, &s.ReviewID, &s.SpeakerMemberID, &s.SpeakerName, &s.SpeakerRole, &s.Text, &s.MeetingID, &s.MeetingTitle, &s.RecordedBy, &s.CreatedAt); err != nil {
			return err
		}
		r.Statements = append(r.Statements, s)
	}
	return rows.Err()
}

// liaisonUnitsBelow lists the units at or below u that have a current
// liaison leader (a branch review also answers for its 党小组's liaisons
// on the progress grid).
func liaisonUnitsBelow(ctx context.Context, tx *db.Tx, u org.Unit) ([]int64, error) {
	return org.LiaisonUnitsBelowTx(ctx, tx, u)
}
