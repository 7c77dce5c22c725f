package duty

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

// Service holds the use cases of duty clarification.
type Service struct {
	DB     *db.DB
	Notice *notice.Service
}

var (
	errNotFound = apperr.NotFoundf("职责", "Duty")
	errNoActor  = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func userRef(a *org.Actor) any {
	if a.UserID == 0 {
		return nil
	}
	return a.UserID
}

// unitByID reads a unit with the fields authorisation needs.
func unitByID(ctx context.Context, tx *db.Tx, id int64) (org.Unit, error) {
	return org.UnitTx(ctx, tx, id)
}

// branchOf returns the 党支部 a unit belongs to (itself if it is one).
func branchOf(ctx context.Context, tx *db.Tx, unitID int64) (org.Unit, error) {
	u, err := unitByID(ctx, tx, unitID)
	if err != nil {
		return u, err
	}
	b, ok, err := org.BranchOfTx(ctx, tx, u)
	if err == nil && !ok {
		err = apperr.Field("unit", "只有党支部及其党员需要明确职责", "Only branches and their members state duties")
	}
	return b, err
}

type campaignRow struct {
	ID    int64
	Title string
	Path  string
}

func campaignFor(ctx context.Context, tx *db.Tx, id int64, branch org.Unit) (campaignRow, error) {
	var c campaignRow
	err := tx.QueryRow(ctx, `SELECT c.id, c.title, u.path FROM campaigns c `+org.JoinUnit("u", "c.unit_id")+` WHERE c.id = ?`, id).Scan(&c.ID, &c.Title, &c.Path)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return c, err
	}
	if !branch.Within(c.Path) {
		return c, apperr.Field("campaign", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
	}
	return c, nil
}

// CampaignFor returns the newest active campaign covering unitID (0 if none).
func (s *Service) CampaignFor(ctx context.Context, unitID int64) (int64, error) {
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := unitByID(ctx, tx, unitID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		covers := org.CampaignCovers("c.unit_id", u)
		err = tx.QueryRow(ctx, `SELECT c.id FROM campaigns c WHERE c.status = 'active' AND `+covers.SQL+` ORDER BY c.year DESC, c.id DESC LIMIT 1`,
			covers.Args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return id, apperr.Wrap(err, "duty campaign")
}

// HomeBranch returns the branch of the actor's own member record (0 if none).
func (s *Service) HomeBranch(ctx context.Context, a *org.Actor) (int64, error) {
	if a == nil || a.MemberID == 0 {
		return 0, nil
	}
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var unit int64
		if err := tx.QueryRow(ctx, `SELECT unit_id FROM members WHERE id = ?`, a.MemberID).Scan(&unit); err != nil {
			return err
		}
		b, err := branchOf(ctx, tx, unit)
		id = b.ID
		if apperr.CodeOf(err) == apperr.Invalid {
			return nil
		}
		return err
	})
	return id, apperr.Wrap(err, "home branch")
}

const dutyCols = `d.id, d.campaign_id, d.unit_id, u.name, COALESCE(d.member_id, 0), COALESCE(m.name, ''), d.four_step, d.text, d.recorded,
	COALESCE(ud.username, ''), d.declared_at, COALESCE(d.meeting_id, 0), COALESCE(mt.title, ''), d.discussion_note, d.discussed_at,
	COALESCE(uc.username, ''), d.confirmed_at, COALESCE(d.notice_id, 0), d.version`

var dutyFrom = ` FROM duties d ` + org.JoinUnit("u", "d.unit_id") + ` LEFT JOIN members m ON m.id = d.member_id
	LEFT JOIN users ud ON ud.id = d.declared_by LEFT JOIN users uc ON uc.id = d.confirmed_by LEFT JOIN meetings mt ON mt.id = d.meeting_id`

func scanDuty(sc interface{ Scan(...any) error }) (Duty, error) {
	var d Duty
	err := sc.Scan(&d.ID, &d.CampaignID, &d.UnitID, &d.UnitName, &d.MemberID, &d.MemberName, &d.FourStep, &d.Text, &d.Recorded,
		&d.DeclaredBy, &d.DeclaredAt, &d.MeetingID, &d.MeetingTitle, &d.DiscussionNote, &d.DiscussedAt,
		&d.ConfirmedBy, &d.ConfirmedAt, &d.NoticeID, &d.Version)
	return d, err
}

// withNotice fills the duty's notice and step.
func withNotice(ctx context.Context, tx *db.Tx, d *Duty) error {
	if d.NoticeID != 0 {
		n := notice.Notice{ID: d.NoticeID, Zone: tx.Zone}
		var opens, closes string
		err := tx.QueryRow(ctx, `SELECT unit_id, title, days, opens_at, closes_at, status FROM notices WHERE id = ?`, d.NoticeID).
			Scan(&n.UnitID, &n.Title, &n.Days, &opens, &closes, &n.Status)
		if err != nil {
			return err
		}
		n.OpensAt, n.ClosesAt = db.ParseTime(opens), db.ParseTime(closes)
		d.Notice = &n
	}
	d.Step = d.stepAt(tx.Now)
	return nil
}

func getDuty(ctx context.Context, tx *db.Tx, id int64) (Duty, error) {
	d, err := scanDuty(tx.QueryRow(ctx, `SELECT `+dutyCols+dutyFrom+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNotFound
	}
	if err != nil {
		return d, err
	}
	return d, withNotice(ctx, tx, &d)
}

func subjectKey(unitID, memberID int64) string {
	if memberID != 0 {
		return fmt.Sprintf("m:%d", memberID)
	}
	return fmt.Sprintf("u:%d", unitID)
}

func auditDuty(d Duty) map[string]any {
	return map[string]any{"campaign_id": d.CampaignID, "unit_id": d.UnitID, "member_id": d.MemberID, "four_step": d.FourStep, "text": d.Text,
		"recorded": d.Recorded, "meeting_id": d.MeetingID, "discussion_note": d.DiscussionNote, "discussed_at": d.DiscussedAt,
		"confirmed_at": d.ConfirmedAt, "notice_id": d.NoticeID}
}

type memberRow struct {
	ID                    int64
	UnitID                int64
	Name                  string
	NoPost, Retired, Oral bool
}

// activeStatuses exclude members who left or died from the branch's list.
const activeMembers = ` AND m.status NOT IN ('已转出', '已去世')`

func memberByID(ctx context.Context, tx *db.Tx, id int64) (memberRow, error) {
	var m memberRow
	err := tx.QueryRow(ctx, `SELECT m.id, m.unit_id, m.name, m.no_post, m.retired, m.oral FROM members m WHERE m.id = ?`+activeMembers, id).
		Scan(&m.ID, &m.UnitID, &m.Name, &m.NoPost, &m.Retired, &m.Oral)
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFoundf("党员", "Member")
	}
	return m, err
}

func branchMembers(ctx context.Context, tx *db.Tx, branch org.Unit) ([]memberRow, error) {
	in := org.Subtree("u", branch.Path)
	rows, err := tx.Query(ctx, `SELECT m.id, m.unit_id, m.name, m.no_post, m.retired, m.oral FROM members m `+org.JoinUnit("u", "m.unit_id")+`
		WHERE `+in.SQL+activeMembers+` ORDER BY m.id`, in.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []memberRow
	for rows.Next() {
		var m memberRow
		if err := rows.Scan(&m.ID, &m.UnitID, &m.Name, &m.NoPost, &m.Retired, &m.Oral); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeclareInput is a statement of duties: a member's (MemberID) or a branch's (UnitID).
type DeclareInput struct {
	CampaignID int64  `json:"campaign_id"`
	UnitID     int64  `json:"unit_id,omitempty"`
	MemberID   int64  `json:"member_id,omitempty"`
	Text       string `json:"text"`
}

func checkText(text string) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return text, apperr.Field("text", "请填写职责、义务", "State the duties")
	case n > MaxText:
		return text, apperr.Field("text", fmt.Sprintf("职责内容不能超过 %d 个字", MaxText), fmt.Sprintf("The duties may have at most %d characters", MaxText))
	}
	return text, nil
}

// Declare states (or, before confirmation, restates) duties: a member
// declares their own; the secretary records them for an oral-commitment
// member (口头承诺); the secretary states the branch's own. Restating
// after the discussion clears it: the members must discuss the new text.
func (s *Service) Declare(ctx context.Context, a *org.Actor, in DeclareInput) (Duty, error) {
	if a == nil {
		return Duty{}, errNoActor
	}
	text, err := checkText(in.Text)
	if err != nil {
		return Duty{}, err
	}
	var out Duty
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var branch org.Unit
		var fourStep, recorded bool
		if in.MemberID != 0 {
			m, err := memberByID(ctx, tx, in.MemberID)
			if err != nil {
				return err
			}
			if branch, err = branchOf(ctx, tx, m.UnitID); err != nil {
				return err
			}
			if recorded, err = declareAs(a, m, branch); err != nil {
				return err
			}
			fourStep = m.NoPost || m.Retired
		} else {
			var err error
			if branch, err = branchOf(ctx, tx, in.UnitID); err != nil {
				return err
			}
			if branch.ID != in.UnitID {
				return apperr.Field("unit", "请选择党支部", "Choose a branch")
			}
			if !mayManage(a, branch) {
				return apperr.Deny()
			}
		}
		if branch.Closed() {
			return apperr.Field("unit", "该组织已撤销", "This organisation has been closed")
		}
		if _, err := campaignFor(ctx, tx, in.CampaignID, branch); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM duties WHERE campaign_id = ? AND subject = ?`, in.CampaignID, subjectKey(branch.ID, in.MemberID)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id, err = tx.Insert(ctx, `INSERT INTO duties (campaign_id, unit_id, member_id, subject, four_step, text, recorded, declared_by, declared_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.CampaignID, branch.ID, nullID(in.MemberID), subjectKey(branch.ID, in.MemberID), fourStep, text, recorded,
				userRef(a), tx.NowText(), tx.NowText(), tx.NowText())
			if err != nil {
				return err
			}
			if out, err = getDuty(ctx, tx, id); err != nil {
				return err
			}
			return audit.Record(ctx, tx, who(a), "duty.declare", "duty", id, nil, auditDuty(out))
		case err != nil:
			return err
		}
		before, err := getDuty(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.ConfirmedAt != "" {
			return apperr.New(apperr.Conflict, "职责已经认定，不能再修改", "The duties have been confirmed and can no longer be changed")
		}
		discussed := before.DiscussedAt
		if text != before.Text {
			discussed = ""
		}
		res, err := tx.Exec(ctx, `UPDATE duties SET text = ?, recorded = ?, declared_by = ?, declared_at = ?, discussed_at = ?,
			meeting_id = CASE WHEN ? = '' THEN NULL ELSE meeting_id END, discussion_note = CASE WHEN ? = '' THEN '' ELSE discussion_note END,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			text, recorded, userRef(a), tx.NowText(), discussed, discussed, discussed, tx.NowText(), id, before.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if out, err = getDuty(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "duty.declare", "duty", id, auditDuty(before), auditDuty(out))
	})
	return out, apperr.Wrap(err, "declare duty")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

var errStale = apperr.New(apperr.Conflict, "该职责刚被他人修改，请刷新后重试", "Someone else changed these duties; reload and try again")

func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errStale
	}
	return nil
}

// managed loads a duty whose branch the actor manages (the secretary, the office).
func managed(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Duty, org.Unit, error) {
	if a == nil {
		return Duty{}, org.Unit{}, errNoActor
	}
	d, err := getDuty(ctx, tx, id)
	if err != nil {
		return d, org.Unit{}, err
	}
	u, err := unitByID(ctx, tx, d.UnitID)
	if err != nil {
		return d, u, err
	}
	if !mayManage(a, u) {
		return d, u, apperr.Deny()
	}
	return d, u, nil
}

// MaxNote is the longest note of a discussion.
const MaxNote = 2000

// Discuss records the members' discussion (党员讨论) of a four-step duty:
// the branch meeting where it was discussed, with an optional note.
func (s *Service) Discuss(ctx context.Context, a *org.Actor, id, meetingID int64, note string) (Duty, error) {
	note = strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
	if utf8.RuneCountInString(note) > MaxNote {
		return Duty{}, apperr.Field("note", fmt.Sprintf("讨论情况不能超过 %d 个字", MaxNote), fmt.Sprintf("The note may have at most %d characters", MaxNote))
	}
	var out Duty
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		before, branch, err := managed(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case !before.FourStep:
			return apperr.New(apperr.Invalid, "该职责无需经党员讨论，可直接确认", "These duties need no discussion; confirm them directly")
		case before.ConfirmedAt != "":
			return apperr.New(apperr.Conflict, "职责已经认定，不能再修改讨论情况", "The duties have been confirmed; the discussion can no longer be changed")
		}
		var mUnit int64
		var mStatus string
		err = tx.QueryRow(ctx, `SELECT unit_id, status FROM meetings WHERE id = ?`, meetingID).Scan(&mUnit, &mStatus)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("meeting", "请选择讨论职责的会议", "Choose the meeting where the duties were discussed")
		}
		if err != nil {
			return err
		}
		mu, err := unitByID(ctx, tx, mUnit)
		if err != nil {
			return err
		}
		if !mu.Within(branch.Path) {
			return apperr.Field("meeting", "请选择本支部的会议", "Choose a meeting of this branch")
		}
		if mStatus == "cancelled" {
			return apperr.Field("meeting", "该会议已取消", "That meeting was cancelled")
		}
		res, err := tx.Exec(ctx, `UPDATE duties SET meeting_id = ?, discussion_note = ?, discussed_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, meetingID, note, tx.NowText(), tx.NowText(), id, before.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if out, err = getDuty(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "duty.discuss", "duty", id, auditDuty(before), auditDuty(out))
	})
	return out, apperr.Wrap(err, "discuss duty")
}

// Confirm is the confirmation by the organisation (组织认定): by the
// secretary for a member, by the office for a branch. A four-step duty must
// have been discussed first.
func (s *Service) Confirm(ctx context.Context, a *org.Actor, id int64) (Duty, error) {
	if a == nil {
		return Duty{}, errNoActor
	}
	var out Duty
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		before, err := getDuty(ctx, tx, id)
		if err != nil {
			return err
		}
		ok, err := mayConfirm(ctx, tx, a, before)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Deny()
		}
		switch {
		case before.ConfirmedAt != "":
			return apperr.New(apperr.Conflict, "该职责已经认定", "These duties have already been confirmed")
		case before.FourStep && before.DiscussedAt == "":
			return apperr.New(apperr.Invalid, "确认前须先经党员讨论", "The members must discuss the duties before they are confirmed")
		}
		res, err := tx.Exec(ctx, `UPDATE duties SET confirmed_by = ?, confirmed_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			userRef(a), tx.NowText(), tx.NowText(), id, before.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if out, err = getDuty(ctx, tx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "duty.confirm", "duty", id, auditDuty(before), auditDuty(out)); err != nil {
			return err
		}
		return settle(ctx, tx, out)
	})
	return out, apperr.Wrap(err, "confirm duty")
}

// StartNotice posts the public notice (公示) of a confirmed four-step duty
// for days days (0: notice.DefaultDays) from the branch. Objections are
// raised and answered on the notice's own pages.
func (s *Service) StartNotice(ctx context.Context, a *org.Actor, id int64, days int) (Duty, error) {
	if a == nil {
		return Duty{}, errNoActor
	}
	var d Duty
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		d, _, err = managed(ctx, tx, a, id)
		if err != nil {
			return err
		}
		return noticeAllowed(d)
	})
	if err != nil {
		return Duty{}, apperr.Wrap(err, "duty notice")
	}
	kind := "无职党员"
	var retired bool
	if err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT retired FROM members WHERE id = ?`, d.MemberID).Scan(&retired)
	}); err != nil {
		return Duty{}, apperr.Wrap(err, "duty notice")
	}
	if retired {
		kind = "离退休党员"
	}
	body := fmt.Sprintf("经本人自愿申报、党员讨论、组织认定，%s%s同志的职责、义务如下：\n\n%s\n\n公示期间如有异议，可在网上提出（可匿名），或向%s反映。",
		kind, d.MemberName, d.Text, d.UnitName)
	n, err := s.Notice.Post(ctx, a, notice.PostInput{UnitID: d.UnitID, Title: fmt.Sprintf("关于%s同志明确职责的公示", d.MemberName), Body: body,
		SubjectKind: SubjectKind, SubjectID: d.ID, Days: days})
	if err != nil {
		return Duty{}, err
	}
	var out Duty
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		before, _, err := managed(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if before.Version != d.Version {
			return errStale
		}
		if err := noticeAllowed(before); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE duties SET notice_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			n.ID, tx.NowText(), id, before.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if out, err = getDuty(ctx, tx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "duty.notice", "duty", id, auditDuty(before), auditDuty(out)); err != nil {
			return err
		}
		return settle(ctx, tx, out)
	})
	if err != nil {
		// The duty changed meanwhile: take the notice back down.
		_, _ = s.Notice.Withdraw(ctx, a, n.ID, "职责已变化，本公示撤回")
		return Duty{}, apperr.Wrap(err, "duty notice")
	}
	return out, nil
}

func noticeAllowed(d Duty) error {
	switch {
	case !d.FourStep:
		return apperr.New(apperr.Invalid, "该职责无需公示", "These duties need no public notice")
	case d.ConfirmedAt == "":
		return apperr.New(apperr.Invalid, "公示前须先经组织认定", "The duties must be confirmed before the public notice")
	case d.Notice != nil && d.Notice.Status != notice.Withdrawn:
		return apperr.New(apperr.Conflict, "该职责已经公示", "These duties have already been publicly noticed")
	}
	return nil
}

// settle records the branch's campaign action once every duty of the
// branch (its own and each member's) is complete.
func settle(ctx context.Context, tx *db.Tx, last Duty) error {
	if !last.complete() {
		return nil
	}
	var done int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = ? AND unit_id = ? AND ref_id IN (SELECT id FROM duties WHERE campaign_id = ? AND unit_id = ?)`,
		campaign.KindDutiesConfirmed, last.UnitID, last.CampaignID, last.UnitID).Scan(&done)
	if err != nil || done > 0 {
		return err
	}
	branch, err := unitByID(ctx, tx, last.UnitID)
	if err != nil {
		return err
	}
	duties, err := branchDuties(ctx, tx, last.CampaignID, branch.ID)
	if err != nil {
		return err
	}
	members, err := branchMembers(ctx, tx, branch)
	if err != nil {
		return err
	}
	if d, ok := duties[subjectKey(branch.ID, 0)]; !ok || !d.complete() {
		return nil
	}
	for _, m := range members {
		if d, ok := duties[subjectKey(branch.ID, m.ID)]; !ok || !d.complete() {
			return nil
		}
	}
	return campaign.Record(ctx, tx, campaign.Signal{CampaignID: last.CampaignID, Kind: campaign.KindDutiesConfirmed, UnitID: branch.ID, RefID: last.ID,
		Note: fmt.Sprintf("%s及%d名党员的职责均已明确", branch.Name, len(members))})
}

// branchDuties returns a branch's duties for a campaign by subject key.
func branchDuties(ctx context.Context, tx *db.Tx, campaignID, branchID int64) (map[string]*Duty, error) {
	rows, err := tx.Query(ctx, `SELECT `+dutyCols+dutyFrom+` WHERE d.campaign_id = ? AND d.unit_id = ?`, campaignID, branchID)
	if err != nil {
		return nil, err
	}
	var list []*Duty
	for rows.Next() {
		d, err := scanDuty(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, &d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]*Duty{}
	for _, d := range list {
		if err := withNotice(ctx, tx, d); err != nil {
			return nil, err
		}
		out[subjectKey(d.UnitID, d.MemberID)] = d
	}
	return out, nil
}

// Get returns a duty with its notice's state and what the actor may do.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Duty, error) {
	var d Duty
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if d, err = getDuty(ctx, tx, id); err != nil {
			return err
		}
		branch, err := unitByID(ctx, tx, d.UnitID)
		if err != nil {
			return err
		}
		if ok, err := readable(ctx, tx, a, branch); err != nil || !ok {
			if err == nil {
				err = apperr.Deny()
			}
			return err
		}
		return perms(ctx, tx, a, branch, &d)
	})
	return d, apperr.Wrap(err, "get duty")
}

// ListForBranch returns the branch's own line and each member's, with the
// step of their duty for the campaign.
func (s *Service) ListForBranch(ctx context.Context, a *org.Actor, campaignID, branchID int64) (Branch, error) {
	var out Branch
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		branch, err := unitByID(ctx, tx, branchID)
		if err != nil {
			return err
		}
		if branch.Type != org.Branch {
			return apperr.Field("unit", "请选择党支部", "Choose a branch")
		}
		if ok, err := readable(ctx, tx, a, branch); err != nil || !ok {
			if err == nil {
				err = apperr.Deny()
			}
			return err
		}
		c, err := campaignFor(ctx, tx, campaignID, branch)
		if err != nil {
			return err
		}
		duties, err := branchDuties(ctx, tx, campaignID, branchID)
		if err != nil {
			return err
		}
		members, err := branchMembers(ctx, tx, branch)
		if err != nil {
			return err
		}
		out = Branch{CampaignID: c.ID, CampaignTitle: c.Title, UnitID: branch.ID, UnitName: branch.Name, CanManage: mayManage(a, branch)}
		add := func(r Row, key string) {
			r.Step = None
			if d, ok := duties[key]; ok {
				r.Duty, r.Step = d, d.Step
				if d.Step == Done {
					out.DoneCount++
				}
			}
			out.Rows = append(out.Rows, r)
		}
		add(Row{Name: branch.Name, CanEnter: mayEnter(a, branch, 0, false)}, subjectKey(branch.ID, 0))
		for _, m := range members {
			mine := a.MemberID == m.ID
			add(Row{MemberID: m.ID, Name: m.Name, NoPost: m.NoPost, Retired: m.Retired, Oral: m.Oral, FourStep: m.NoPost || m.Retired,
				Mine: mine, CanEnter: mayEnter(a, branch, m.ID, m.Oral)}, subjectKey(branch.ID, m.ID))
		}
		return nil
	})
	return out, apperr.Wrap(err, "list duties")
}
