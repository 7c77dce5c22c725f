package nominate

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
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// Service holds the use cases of exemplary-member nominations.
type Service struct {
	DB      *db.DB
	Ratings RatingSource // the review feature's ratings; nil shows none
}

var (
	errNotFound = apperr.NotFoundf("推荐", "Nomination")
	errStale    = apperr.New(apperr.Conflict, "该推荐已被他人修改，请刷新后再试", "Someone else changed this nomination; reload and try again")
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func userRef(a *org.Actor) any {
	if a.UserID == 0 {
		return nil
	}
	return a.UserID
}

func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return errStale
	}
	return nil
}

// activeMembers leaves out members who left or died.
const activeMembers = ` AND m.status NOT IN ('已转出', '已去世')`

const nomCols = `n.id, n.campaign_id, c.title, n.unit_id, u.name, n.member_id, m.name, m.gender, m.birth_date, m.joined_date, m.unit_id, mu.name, m.post,
	n.deeds, n.branch_opinion, n.office_opinion, n.status, n.return_reason, COALESCE(n.notice_id, 0),
	COALESCE(NULLIF(uc.display_name, ''), uc.username, ''), COALESCE(n.created_by, 0), n.submitted_at,
	COALESCE(NULLIF(ud.display_name, ''), ud.username, ''), n.decided_at, COALESCE(NULLIF(uf.display_name, ''), uf.username, ''), n.confirmed_at, n.version`

var nomFrom = ` FROM nominations n JOIN campaigns c ON c.id = n.campaign_id` + org.JoinUnit("u", "n.unit_id") + ` JOIN members m ON m.id = n.member_id` +
	org.JoinUnit("mu", "m.unit_id") + ` LEFT JOIN users uc ON uc.id = n.created_by LEFT JOIN users ud ON ud.id = n.decided_by LEFT JOIN users uf ON uf.id = n.confirmed_by`

type row struct {
	Nomination
	memberUnitID int64
}

func scanNom(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	n := &r.Nomination
	err := sc.Scan(&n.ID, &n.CampaignID, &n.CampaignTitle, &n.UnitID, &n.UnitName, &n.MemberID, &n.MemberName, &n.Gender, &n.BirthDate, &n.JoinedDate,
		&r.memberUnitID, &n.MemberUnit, &n.Post, &n.Deeds, &n.BranchOpinion, &n.OfficeOpinion, &n.Status, &n.ReturnReason, &n.NoticeID,
		&n.CreatedBy, &n.createdByID, &n.SubmittedAt, &n.DecidedBy, &n.DecidedAt, &n.ConfirmedBy, &n.ConfirmedAt, &n.Version)
	return r, err
}

func load(ctx context.Context, tx *db.Tx, id int64) (row, org.Unit, error) {
	r, err := scanNom(tx.QueryRow(ctx, `SELECT `+nomCols+nomFrom+` WHERE n.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, org.Unit{}, errNotFound
	}
	if err != nil {
		return r, org.Unit{}, err
	}
	b, err := org.UnitTx(ctx, tx, r.UnitID)
	return r, b, err
}

// withNotice fills the nomination's 公示 (objections and answers as the
// public sees them) and whether it has ended.
func withNotice(ctx context.Context, tx *db.Tx, r *row) error {
	if r.NoticeID == 0 {
		return nil
	}
	n, err := notice.GetTx(ctx, tx, r.NoticeID)
	if err != nil {
		return err
	}
	r.Notice = &n
	r.NoticeOver = n.StatusAt(tx.Now) == notice.Closed
	return nil
}

// openEntries lists the nominee's open rectification-ledger entries (as the
// member the problem is about, or as its owner) on their unit and branch.
func openEntries(ctx context.Context, tx *db.Tx, r *row) error {
	units := []int64{r.memberUnitID}
	if r.UnitID != r.memberUnitID {
		units = append(units, r.UnitID)
	}
	r.OpenEntries = []rectify.Entry{}
	seen := map[int64]bool{}
	for _, u := range units {
		list, err := rectify.OfUnit(ctx, tx, r.CampaignID, u)
		if err != nil {
			return err
		}
		for _, e := range list {
			if seen[e.ID] || (e.MemberID != r.MemberID && e.OwnerMemberID != r.MemberID) || (e.Status != rectify.Open && e.Status != rectify.InProgress) {
				continue
			}
			seen[e.ID] = true
			r.OpenEntries = append(r.OpenEntries, e)
		}
	}
	return nil
}

// facts fills everything a reader of one nomination sees beside it.
func (s *Service) facts(ctx context.Context, tx *db.Tx, r *row, full bool) error {
	if err := withNotice(ctx, tx, r); err != nil {
		return err
	}
	if err := openEntries(ctx, tx, r); err != nil {
		return err
	}
	r.Ratings = []Rating{}
	if !full {
		return nil
	}
	k, err := commitment.MemberKeepingTx(ctx, tx, r.CampaignID, r.MemberID)
	if err != nil {
		return err
	}
	r.Keeping = &k
	if s.Ratings != nil {
		rs, err := s.Ratings.Ratings(ctx, tx, r.CampaignID, r.MemberID)
		if err != nil {
			return err
		}
		if rs != nil {
			r.Ratings = rs
		}
	}
	return nil
}

func auditNom(n Nomination) map[string]any {
	return map[string]any{"campaign_id": n.CampaignID, "unit_id": n.UnitID, "member_id": n.MemberID, "deeds": n.Deeds, "branch_opinion": n.BranchOpinion,
		"office_opinion": n.OfficeOpinion, "status": n.Status, "return_reason": n.ReturnReason, "notice_id": n.NoticeID, "confirmed_at": n.ConfirmedAt}
}

type campaignRow struct {
	ID    int64
	Title string
	Root  org.Unit
}

// campaignOf loads a campaign and checks that it covers the branch (when given).
func campaignOf(ctx context.Context, tx *db.Tx, id int64, branch *org.Unit) (campaignRow, error) {
	var c campaignRow
	var unitID int64
	err := tx.QueryRow(ctx, `SELECT id, title, unit_id FROM campaigns WHERE id = ?`, id).Scan(&c.ID, &c.Title, &unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return c, err
	}
	if c.Root, err = org.UnitTx(ctx, tx, unitID); err != nil {
		return c, err
	}
	if branch != nil && !branch.Within(c.Root.Path) {
		return c, apperr.Field("campaign", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
	}
	return c, nil
}

// CampaignFor returns the campaign a unit's nominations belong to today (0 if none).
func (s *Service) CampaignFor(ctx context.Context, unitID int64) (int64, error) {
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		id, err = campaign.For(ctx, tx, unitID, tx.Today())
		return err
	})
	return id, apperr.Wrap(err, "nomination campaign")
}

// HomeUnit returns the unit the actor works from: the branch of their
// member record, or else the unit of their first office or secretary
// grant (0 if none).
func (s *Service) HomeUnit(ctx context.Context, a *org.Actor) (int64, error) {
	if a == nil {
		return 0, nil
	}
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		for _, g := range a.Grants {
			if (g.Role == org.RoleOffice || g.Role == org.RoleSecretary) && g.UnitID != 0 {
				id = g.UnitID
				return nil
			}
		}
		if a.MemberID == 0 {
			return nil
		}
		u, err := org.MemberUnitTx(ctx, tx, a.MemberID)
		if err != nil {
			return err
		}
		b, ok, err := org.BranchOfTx(ctx, tx, u)
		if ok {
			id = b.ID
		} else {
			id = u.ID
		}
		return err
	})
	return id, apperr.Wrap(err, "home unit")
}

// quotaOf returns a branch's quota, member count and used count in a campaign.
func quotaOf(ctx context.Context, tx *db.Tx, campaignID int64, b org.Unit) (BranchQuota, error) {
	q := BranchQuota{UnitID: b.ID, UnitName: b.Name}
	in := org.Subtree("u", b.Path)
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m `+org.JoinUnit("u", "m.unit_id")+` WHERE `+in.SQL+activeMembers, in.Args...).Scan(&q.Members); err != nil {
		return q, err
	}
	q.Default = DefaultQuota(q.Members)
	q.Quota = q.Default
	err := tx.QueryRow(ctx, `SELECT quota FROM nomination_quotas WHERE campaign_id = ? AND unit_id = ?`, campaignID, b.ID).Scan(&q.Quota)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return q, err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM nominations WHERE campaign_id = ? AND unit_id = ? AND status <> 'returned'`, campaignID, b.ID).Scan(&q.Used); err != nil {
		return q, err
	}
	err = tx.QueryRow(ctx, `SELECT kind, reason, submitted_at FROM nomination_submissions WHERE campaign_id = ? AND unit_id = ?`, campaignID, b.ID).
		Scan(&q.Submitted, &q.NoneReason, &q.SubmittedAt)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return q, err
}

// Input is a nomination as a branch enters it.
type Input struct {
	CampaignID    int64  `json:"campaign_id"`
	UnitID        int64  `json:"unit_id,omitempty"` // the branch (optional: the member's)
	MemberID      int64  `json:"member_id"`
	Deeds         string `json:"deeds"`
	BranchOpinion string `json:"branch_opinion"`
}

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// Check trims and validates the input, with messages for a form.
func (in *Input) Check() error {
	in.Deeds, in.BranchOpinion = clean(in.Deeds), clean(in.BranchOpinion)
	fe := apperr.FieldErrors{}
	if in.MemberID <= 0 {
		fe["member"] = apperr.Field("member", "请选择被推荐的党员", "Choose the member to nominate")
	}
	if n := utf8.RuneCountInString(in.Deeds); n < MinDeeds || n > MaxDeeds {
		fe["deeds"] = apperr.Field("deeds", fmt.Sprintf("主要事迹应为 %d 至 %d 字（现为 %d 字），一般 600 至 1500 字", MinDeeds, MaxDeeds, n),
			fmt.Sprintf("The deeds must have %d to %d characters (now %d); 600 to 1,500 is usual", MinDeeds, MaxDeeds, n))
	}
	if n := utf8.RuneCountInString(in.BranchOpinion); n == 0 || n > MaxOpinion {
		fe["branch_opinion"] = apperr.Field("branch_opinion", fmt.Sprintf("请填写支部意见（%d 字以内）", MaxOpinion), fmt.Sprintf("Give the branch's opinion (up to %d characters)", MaxOpinion))
	}
	return fe.Err()
}

// submitted records the branch's submission (nominated or none) and, the
// first time, the campaign action.
func submitted(ctx context.Context, tx *db.Tx, a *org.Actor, campaignID int64, b org.Unit, kind, reason string) error {
	var id int64
	var before, beforeReason string
	err := tx.QueryRow(ctx, `SELECT id, kind, reason FROM nomination_submissions WHERE campaign_id = ? AND unit_id = ?`, campaignID, b.ID).Scan(&id, &before, &beforeReason)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id, err = tx.Insert(ctx, `INSERT INTO nomination_submissions (campaign_id, unit_id, kind, reason, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?)`,
			campaignID, b.ID, kind, reason, userRef(a), tx.NowText())
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "nomination.submit", "nomination_submission", id, nil, map[string]any{"campaign_id": campaignID, "unit_id": b.ID, "kind": kind, "reason": reason}); err != nil {
			return err
		}
	case err != nil:
		return err
	case before != kind || beforeReason != reason:
		if _, err := tx.Exec(ctx, `UPDATE nomination_submissions SET kind = ?, reason = ?, submitted_by = ?, submitted_at = ? WHERE id = ?`,
			kind, reason, userRef(a), tx.NowText(), id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "nomination.submit", "nomination_submission", id, map[string]any{"kind": before, "reason": beforeReason},
			map[string]any{"campaign_id": campaignID, "unit_id": b.ID, "kind": kind, "reason": reason}); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE campaign_id = ? AND kind = ? AND ref_id = ?`, campaignID, KindNomination, id).Scan(&n); err != nil || n > 0 {
		return err
	}
	note := b.Name + "已推荐优秀共产党员典型"
	if kind == "none" {
		note = b.Name + "说明本次无合适推荐人选：" + summary(reason, 60)
	}
	return campaign.Record(ctx, tx, campaign.Signal{CampaignID: campaignID, Kind: KindNomination, UnitID: b.ID, RefID: id, Note: note})
}

// Nominate enters a branch's nomination of one of its members, within the
// branch's quota (refused over it, with the quota and the count used), or
// revises and resubmits a returned one.
func (s *Service) Nominate(ctx context.Context, a *org.Actor, in Input) (Nomination, error) {
	if a == nil {
		return Nomination{}, errNoActor
	}
	if err := in.Check(); err != nil {
		return Nomination{}, err
	}
	var out Nomination
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var memberUnit int64
		err := tx.QueryRow(ctx, `SELECT m.unit_id FROM members m WHERE m.id = ?`+activeMembers, in.MemberID).Scan(&memberUnit)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("member", "该党员不存在或已转出", "No such member on the roster")
		}
		if err != nil {
			return err
		}
		mu, err := org.UnitTx(ctx, tx, memberUnit)
		if err != nil {
			return err
		}
		branch, ok, err := org.BranchOfTx(ctx, tx, mu)
		if err != nil {
			return err
		}
		if !ok || (in.UnitID != 0 && branch.ID != in.UnitID) {
			if in.UnitID != 0 {
				if b, err := org.UnitTx(ctx, tx, in.UnitID); err == nil && !mayNominate(a, b) {
					return apperr.Deny()
				}
			}
			return apperr.Field("member", "只能推荐本支部的党员", "A branch nominates only its own members")
		}
		if !mayNominate(a, branch) {
			return apperr.Deny()
		}
		if branch.Closed() {
			return apperr.Field("unit", "该组织已撤销", "This organisation has been closed")
		}
		if _, err := campaignOf(ctx, tx, in.CampaignID, &branch); err != nil {
			return err
		}
		var id int64
		var st Status
		err = tx.QueryRow(ctx, `SELECT id, status FROM nominations WHERE campaign_id = ? AND member_id = ?`, in.CampaignID, in.MemberID).Scan(&id, &st)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if id != 0 && st != Returned {
			return apperr.New(apperr.Conflict, "该党员已被推荐，不能重复推荐", "This member has already been nominated")
		}
		q, err := quotaOf(ctx, tx, in.CampaignID, branch)
		if err != nil {
			return err
		}
		if q.Used >= q.Quota {
			return apperr.Newf(apperr.Conflict, "本支部推荐名额为 %d 名，已推荐 %d 名，名额已满，不能再推荐", "This branch's quota is %d and %d are already nominated: no place is left",
				q.Quota, q.Used)
		}
		now := tx.NowText()
		var before map[string]any
		if id == 0 {
			id, err = tx.Insert(ctx, `INSERT INTO nominations (campaign_id, unit_id, member_id, deeds, branch_opinion, status, created_by, created_at, submitted_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?)`, in.CampaignID, branch.ID, in.MemberID, in.Deeds, in.BranchOpinion, userRef(a), now, now, now)
			if err != nil {
				return err
			}
		} else {
			old, _, err := load(ctx, tx, id)
			if err != nil {
				return err
			}
			before = auditNom(old.Nomination)
			res, err := tx.Exec(ctx, `UPDATE nominations SET deeds = ?, branch_opinion = ?, status = 'submitted', office_opinion = '', return_reason = '', notice_id = NULL, created_by = ?,
				submitted_at = ?, decided_by = NULL, decided_at = '', version = version + 1, updated_at = ? WHERE id = ? AND status = 'returned'`,
				in.Deeds, in.BranchOpinion, userRef(a), now, now, id)
			if err := oneRow(res, err); err != nil {
				return err
			}
		}
		r, _, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "nomination.submit", "nomination", id, before, auditNom(r.Nomination)); err != nil {
			return err
		}
		if err := submitted(ctx, tx, a, in.CampaignID, branch, "nominated", ""); err != nil {
			return err
		}
		if err := s.facts(ctx, tx, &r, true); err != nil {
			return err
		}
		out = r.Nomination
		return perms(ctx, tx, a, branch, &out)
	})
	return out, apperr.Wrap(err, "nominate")
}

// DeclareNone records that a branch has no one to nominate, with a reason;
// it completes the campaign action like a nomination.
func (s *Service) DeclareNone(ctx context.Context, a *org.Actor, campaignID, unitID int64, reason string) (BranchQuota, error) {
	if a == nil {
		return BranchQuota{}, errNoActor
	}
	reason = clean(reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > MaxReason {
		return BranchQuota{}, apperr.Field("reason", fmt.Sprintf("请说明无推荐人选的原因（%d 字以内）", MaxReason), fmt.Sprintf("Say why there is no one to nominate (up to %d characters)", MaxReason))
	}
	var out BranchQuota
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		b, err := org.UnitTx(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !mayNominate(a, b) {
			return apperr.Deny()
		}
		if b.Type != org.Branch {
			return apperr.Field("unit", "请选择党支部", "Choose a branch")
		}
		if _, err := campaignOf(ctx, tx, campaignID, &b); err != nil {
			return err
		}
		q, err := quotaOf(ctx, tx, campaignID, b)
		if err != nil {
			return err
		}
		if q.Used > 0 {
			return apperr.Newf(apperr.Conflict, "本支部已推荐 %d 名，不能再说明无人选", "This branch has already nominated %d", q.Used)
		}
		if err := submitted(ctx, tx, a, campaignID, b, "none", reason); err != nil {
			return err
		}
		if out, err = quotaOf(ctx, tx, campaignID, b); err != nil {
			return err
		}
		out.CanNominate = true
		out.CanSetQuota, err = maySetQuota(ctx, tx, a, b)
		return err
	})
	return out, apperr.Wrap(err, "declare none")
}

// SetQuota sets a branch's quota for a campaign (the office); below the
// count already used it is refused.
func (s *Service) SetQuota(ctx context.Context, a *org.Actor, campaignID, unitID int64, quota int) (BranchQuota, error) {
	if a == nil {
		return BranchQuota{}, errNoActor
	}
	if quota < 0 || quota > MaxQuota {
		return BranchQuota{}, apperr.Field("quota", fmt.Sprintf("名额应为 0 至 %d 名", MaxQuota), fmt.Sprintf("The quota must be 0 to %d", MaxQuota))
	}
	var out BranchQuota
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		b, err := org.UnitTx(ctx, tx, unitID)
		if err != nil {
			return err
		}
		ok, err := maySetQuota(ctx, tx, a, b)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Deny()
		}
		if b.Type != org.Branch {
			return apperr.Field("unit", "请选择党支部", "Choose a branch")
		}
		if _, err := campaignOf(ctx, tx, campaignID, &b); err != nil {
			return err
		}
		q, err := quotaOf(ctx, tx, campaignID, b)
		if err != nil {
			return err
		}
		if quota < q.Used {
			return apperr.Field("quota", fmt.Sprintf("该支部已推荐 %d 名，名额不能少于此数", q.Used), fmt.Sprintf("The branch has already nominated %d; the quota cannot be lower", q.Used))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM nomination_quotas WHERE campaign_id = ? AND unit_id = ?`, campaignID, unitID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO nomination_quotas (campaign_id, unit_id, quota, set_by, updated_at) VALUES (?, ?, ?, ?, ?)`,
			campaignID, unitID, quota, userRef(a), tx.NowText()); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "nomination.quota", "unit", unitID, map[string]any{"campaign_id": campaignID, "quota": q.Quota},
			map[string]any{"campaign_id": campaignID, "quota": quota}); err != nil {
			return err
		}
		if out, err = quotaOf(ctx, tx, campaignID, b); err != nil {
			return err
		}
		out.CanNominate, out.CanSetQuota = mayNominate(a, b), true
		return nil
	})
	return out, apperr.Wrap(err, "set quota")
}

// ApproveInput is the office's approval of one or more nominations: its
// opinion (机关党委意见; "同意推荐" when empty) and the 公示's days.
type ApproveInput struct {
	Opinion string `json:"opinion"`
	Days    int    `json:"days"` // 0: notice.DefaultDays
}

// Approve approves submitted nominations and posts one public notice (公示)
// listing the nominees — names, units, the start of their deeds — in the
// same transaction. All must await the same approving unit.
func (s *Service) Approve(ctx context.Context, a *org.Actor, ids []int64, in ApproveInput) ([]Nomination, error) {
	if a == nil {
		return nil, errNoActor
	}
	in.Opinion = clean(in.Opinion)
	if in.Opinion == "" {
		in.Opinion = "同意推荐"
	}
	if utf8.RuneCountInString(in.Opinion) > MaxOpinion {
		return nil, apperr.Field("opinion", fmt.Sprintf("机关党委意见不能超过 %d 字", MaxOpinion), fmt.Sprintf("The opinion may have at most %d characters", MaxOpinion))
	}
	seen := map[int64]bool{}
	var list []int64
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			list = append(list, id)
		}
	}
	if len(list) == 0 || len(list) > 100 {
		return nil, apperr.Field("ids", "请选择要批准的推荐（最多 100 名）", "Choose the nominations to approve (at most 100)")
	}
	var out []Nomination
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var rows []row
		var approver org.Unit
		var c campaignRow
		for i, id := range list {
			r, b, err := load(ctx, tx, id)
			if err != nil {
				return err
			}
			if !mayRead(a, b) {
				return apperr.Deny()
			}
			ok, err := mayDecide(ctx, tx, a, b, r.Nomination)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.Forbidden, "只能由上级审批，不能审批自己录入或推荐自己的人选", "Approval is by the level above, never of one's own nomination")
			}
			if r.Status != Submitted {
				return apperr.Newf(apperr.Conflict, "%s的推荐不在待审批状态（%s）", "%s's nomination is not awaiting approval (%s)", r.MemberName, r.Status.Label("zh"))
			}
			ru, err := approverUnit(ctx, tx, b)
			if err != nil {
				return err
			}
			if i == 0 {
				approver = ru
				if c, err = campaignOf(ctx, tx, r.CampaignID, nil); err != nil {
					return err
				}
			} else if ru.ID != approver.ID || r.CampaignID != c.ID {
				return apperr.New(apperr.Invalid, "一次只能批准同一活动、同一审批单位的推荐", "Approve together only nominations of one campaign and one approving unit")
			}
			rows = append(rows, r)
		}
		if approver.ID == 0 {
			return apperr.New(apperr.Invalid, "该组织没有上级，无法公示", "This organisation has no level above to post the notice")
		}
		var body strings.Builder
		fmt.Fprintf(&body, "经各党支部推荐、%s审核，拟推荐以下同志为%s优秀共产党员典型，现予公示：\n\n", approver.Name, c.Title)
		for i, r := range rows {
			fmt.Fprintf(&body, "%d. %s（%s）\n主要事迹：%s\n\n", i+1, r.MemberName, r.UnitName, summary(r.Deeds, 200))
		}
		fmt.Fprintf(&body, "公示期间，如对上述同志有异议，可在网上提出（可匿名），或向%s反映。", approver.Name)
		title := fmt.Sprintf("关于推荐优秀共产党员典型人选的公示（%d名）", len(rows))
		nt, err := notice.PostTx(ctx, tx, a, notice.PostInput{UnitID: approver.ID, Title: title, Body: body.String(), SubjectKind: SubjectKind, SubjectID: rows[0].ID, Days: in.Days})
		if err != nil {
			return err
		}
		now := tx.NowText()
		for _, r := range rows {
			res, err := tx.Exec(ctx, `UPDATE nominations SET status = 'approved', office_opinion = ?, return_reason = '', notice_id = ?, decided_by = ?, decided_at = ?,
				version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, in.Opinion, nt.ID, userRef(a), now, now, r.ID, r.Version)
			if err := oneRow(res, err); err != nil {
				return err
			}
			after, b, err := load(ctx, tx, r.ID)
			if err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, who(a), "nomination.approve", "nomination", r.ID, auditNom(r.Nomination), auditNom(after.Nomination)); err != nil {
				return err
			}
			if err := s.facts(ctx, tx, &after, false); err != nil {
				return err
			}
			if err := perms(ctx, tx, a, b, &after.Nomination); err != nil {
				return err
			}
			out = append(out, after.Nomination)
		}
		return nil
	})
	return out, apperr.Wrap(err, "approve nominations")
}

// decided loads a nomination the actor decides on.
func decided(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (row, org.Unit, error) {
	r, b, err := load(ctx, tx, id)
	if err != nil {
		return r, b, err
	}
	if !mayRead(a, b) {
		return r, b, apperr.Deny()
	}
	ok, err := mayDecide(ctx, tx, a, b, r.Nomination)
	if err != nil {
		return r, b, err
	}
	if !ok {
		return r, b, apperr.New(apperr.Forbidden, "只能由上级审批，不能审批自己录入或推荐自己的人选", "Approval is by the level above, never of one's own nomination")
	}
	return r, b, nil
}

// Return sends a nomination back to the branch with a reason: before
// approval, or after it when an objection during the 公示 was upheld.
func (s *Service) Return(ctx context.Context, a *org.Actor, id int64, reason string) (Nomination, error) {
	if a == nil {
		return Nomination{}, errNoActor
	}
	reason = clean(reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > MaxReason {
		return Nomination{}, apperr.Field("reason", fmt.Sprintf("请填写退回原因（%d 字以内）", MaxReason), fmt.Sprintf("Give the reason for returning it (up to %d characters)", MaxReason))
	}
	var out Nomination
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, b, err := decided(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Status != Submitted && r.Status != Approved {
			return apperr.Newf(apperr.Conflict, "该推荐已%s，不能退回", "This nomination is %s and cannot be returned", r.Status.Label("zh"))
		}
		res, err := tx.Exec(ctx, `UPDATE nominations SET status = 'returned', return_reason = ?, decided_by = ?, decided_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, reason, userRef(a), tx.NowText(), tx.NowText(), id, r.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		out, err = s.decidedNow(ctx, tx, a, b, r, "nomination.return")
		return err
	})
	return out, apperr.Wrap(err, "return nomination")
}

// decidedNow reads nomination r again after a decision changed it, audits
// the change (action), and gives it with its facts and the actor's verdicts.
func (s *Service) decidedNow(ctx context.Context, tx *db.Tx, a *org.Actor, b org.Unit, r row, action string) (Nomination, error) {
	after, _, err := load(ctx, tx, r.ID)
	if err != nil {
		return Nomination{}, err
	}
	if err := audit.Record(ctx, tx, who(a), action, "nomination", r.ID, auditNom(r.Nomination), auditNom(after.Nomination)); err != nil {
		return Nomination{}, err
	}
	if err := s.facts(ctx, tx, &after, true); err != nil {
		return Nomination{}, err
	}
	out := after.Nomination
	return out, perms(ctx, tx, a, b, &out)
}

// Confirm makes an approved nomination an example once its 公示 is over
// with every objection answered (an upheld objection is a Return instead).
func (s *Service) Confirm(ctx context.Context, a *org.Actor, id int64) (Nomination, error) {
	if a == nil {
		return Nomination{}, errNoActor
	}
	var out Nomination
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, b, err := decided(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Status != Approved {
			return apperr.Newf(apperr.Conflict, "该推荐%s，不能确认", "This nomination is %s and cannot be confirmed", r.Status.Label("zh"))
		}
		if err := withNotice(ctx, tx, &r); err != nil {
			return err
		}
		switch n := r.Notice; {
		case n == nil || n.Status == notice.Withdrawn:
			return apperr.New(apperr.Invalid, "公示已撤回，请退回或重新批准", "The public notice was withdrawn; return the nomination or approve it again")
		case !r.NoticeOver:
			return apperr.Newf(apperr.Invalid, "公示期至%s，期满后才能确认", "The public notice runs until %s; confirm after it ends", n.Until("zh"))
		case n.Unanswered > 0:
			return apperr.Newf(apperr.Invalid, "公示期间尚有 %d 条异议未答复，答复后才能确认", "%d objections are still unanswered; answer them first", n.Unanswered)
		}
		res, err := tx.Exec(ctx, `UPDATE nominations SET status = 'confirmed', confirmed_by = ?, confirmed_at = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, userRef(a), tx.NowText(), tx.NowText(), id, r.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		out, err = s.decidedNow(ctx, tx, a, b, r, "nomination.confirm")
		return err
	})
	return out, apperr.Wrap(err, "confirm nomination")
}

// Get returns a nomination with its linked facts — the nominee's
// commitment, review ratings, open ledger entries, the 公示 with its
// objections — and what the actor may do.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Nomination, error) {
	if a == nil {
		return Nomination{}, errNoActor
	}
	var out Nomination
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		r, b, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayRead(a, b) {
			return apperr.Deny()
		}
		if err := s.facts(ctx, tx, &r, true); err != nil {
			return err
		}
		out = r.Nomination
		return perms(ctx, tx, a, b, &out)
	})
	return out, apperr.Wrap(err, "get nomination")
}

// Filter narrows a list of nominations.
type Filter struct {
	CampaignID int64
	UnitID     int64  // a unit: its subtree's branches
	Status     Status // "" for all
}

// ListLimit caps a list.
const ListLimit = 500

// List returns the nominations the actor reads, by branch.
func (s *Service) List(ctx context.Context, a *org.Actor, f Filter) ([]Nomination, error) {
	if a == nil {
		return nil, errNoActor
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, apperr.Field("status", "状态无效", "Unknown status")
	}
	out := []Nomination{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.list(ctx, tx, a, f)
		return err
	})
	return out, apperr.Wrap(err, "list nominations")
}

func (s *Service) list(ctx context.Context, tx *db.Tx, a *org.Actor, f Filter) ([]Nomination, error) {
	where := []string{readScope(a).SQL}
	args := append([]any{}, readScope(a).Args...)
	if f.CampaignID != 0 {
		where, args = append(where, `n.campaign_id = ?`), append(args, f.CampaignID)
	}
	if f.UnitID != 0 {
		u, err := org.UnitTx(ctx, tx, f.UnitID)
		if err != nil {
			return nil, err
		}
		org.Subtree("u", u.Path).AddTo(&where, &args)
	}
	if f.Status != "" {
		where, args = append(where, `n.status = ?`), append(args, string(f.Status))
	}
	rows, err := tx.Query(ctx, `SELECT `+nomCols+nomFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY u.path, n.id LIMIT ?`, append(args, ListLimit)...)
	if err != nil {
		return nil, err
	}
	var list []row
	for rows.Next() {
		r, err := scanNom(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Nomination{}
	branches := map[int64]org.Unit{}
	for _, r := range list {
		b, ok := branches[r.UnitID]
		if !ok {
			if b, err = org.UnitTx(ctx, tx, r.UnitID); err != nil {
				return nil, err
			}
			branches[r.UnitID] = b
		}
		if err := s.facts(ctx, tx, &r, false); err != nil {
			return nil, err
		}
		if err := perms(ctx, tx, a, b, &r.Nomination); err != nil {
			return nil, err
		}
		out = append(out, r.Nomination)
	}
	return out, nil
}

// Overview returns a campaign's branches the actor reads (quota, used,
// submission, verdicts) and their nominations.
func (s *Service) Overview(ctx context.Context, a *org.Actor, campaignID int64, f Filter) (Overview, error) {
	if a == nil {
		return Overview{}, errNoActor
	}
	out := Overview{Branches: []BranchQuota{}, Nominations: []Nomination{}}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		c, err := campaignOf(ctx, tx, campaignID, nil)
		if err != nil {
			return err
		}
		out.CampaignID, out.CampaignTitle, out.UnitID = c.ID, c.Title, c.Root.ID
		root := c.Root
		if f.UnitID != 0 {
			if root, err = org.UnitTx(ctx, tx, f.UnitID); err != nil {
				return err
			}
			if !root.Within(c.Root.Path) {
				return apperr.Field("org", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
			}
		}
		branches, err := org.UnitsBelowTx(ctx, tx, root, org.Branch)
		if err != nil {
			return err
		}
		for _, b := range branches {
			if b.Closed() || !mayRead(a, b) {
				continue
			}
			q, err := quotaOf(ctx, tx, c.ID, b)
			if err != nil {
				return err
			}
			q.CanNominate = mayNominate(a, b)
			if q.CanSetQuota, err = maySetQuota(ctx, tx, a, b); err != nil {
				return err
			}
			out.Branches = append(out.Branches, q)
		}
		f.CampaignID = c.ID
		if out.Nominations, err = s.list(ctx, tx, a, f); err != nil {
			return err
		}
		for _, n := range out.Nominations {
			out.CanApprove = out.CanApprove || n.CanApprove
		}
		return nil
	})
	return out, apperr.Wrap(err, "nominations overview")
}

// Candidates lists the active members of a branch the actor may nominate
// for (id and name, with their unit), for the nomination form.
func (s *Service) Candidates(ctx context.Context, a *org.Actor, campaignID, unitID int64) ([]Candidate, error) {
	out := []Candidate{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		b, err := org.UnitTx(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !mayNominate(a, b) {
			return apperr.Deny()
		}
		in := org.Subtree("u", b.Path)
		rows, err := tx.Query(ctx, `SELECT m.id, m.name, u.name, m.post, EXISTS (SELECT 1 FROM nominations n WHERE n.campaign_id = ? AND n.member_id = m.id AND n.status <> 'returned')
			FROM members m `+org.JoinUnit("u", "m.unit_id")+` WHERE `+in.SQL+activeMembers+` ORDER BY u.path, m.name, m.id`, append([]any{campaignID}, in.Args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Candidate
			if err := rows.Scan(&c.ID, &c.Name, &c.UnitName, &c.Post, &c.Nominated); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "candidates")
}

// Candidate is a member a branch may nominate.
type Candidate struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	UnitName  string `json:"unit_name"`
	Post      string `json:"post"`
	Nominated bool   `json:"nominated"`
}

// ExampleLimit caps the public page.
const ExampleLimit = 200

// Examples returns the confirmed examples of a unit's subtree for its
// public page, newest first: names, units and deeds, nothing private.
func (s *Service) Examples(ctx context.Context, unitID int64) (org.Unit, []Example, error) {
	var u org.Unit
	out := []Example{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = org.UnitTx(ctx, tx, unitID); err != nil {
			return err
		}
		in := org.Subtree("u", u.Path)
		rows, err := tx.Query(ctx, `SELECT n.id, m.name, u.name, n.deeds, c.title, n.confirmed_at FROM nominations n JOIN campaigns c ON c.id = n.campaign_id`+
			org.JoinUnit("u", "n.unit_id")+` JOIN members m ON m.id = n.member_id WHERE n.status = 'confirmed' AND `+in.SQL+`
			ORDER BY n.confirmed_at DESC, u.path, n.id LIMIT ?`, append(in.Args, ExampleLimit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Example
			if err := rows.Scan(&e.ID, &e.Name, &e.UnitName, &e.Deeds, &e.CampaignTitle, &e.ConfirmedAt); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	u.Path = ""
	return u, out, apperr.Wrap(err, "public examples")
}
