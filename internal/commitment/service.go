package commitment

import (
	"context"
	"fmt"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// errHandled is what the second of two reviewers acting at once is told.
var errHandled = apperr.New(apperr.Conflict, "该承诺已被他人处理，请刷新后查看", "Someone else has already dealt with this commitment; reload to see it")

func errStale() error {
	return apperr.New(apperr.Conflict, "承诺已被修改，请刷新后再操作", "The commitment has been changed since you opened it; reload and try again")
}

func unauthorized() error { return apperr.New(apperr.Unauthorized, "请先登录", "Please log in") }

func body(c Commitment, post string, in *Input) Body {
	return Body{Title: in.Title, Year: c.Year, UnitID: c.UnitID, UnitName: c.UnitName, MemberName: c.MemberName, Post: post,
		LeadingCadre: in.LeadingCadre, Phone: in.Phone, Oral: c.Oral, Items: in.Items}
}

func note(c Commitment) string {
	if c.Kind == BranchKind {
		return c.UnitName + "支部承诺"
	}
	return c.MemberName + "的承诺"
}

func defaultTitle(k Kind, year int, unitName, memberName string) string {
	if k == BranchKind {
		return fmt.Sprintf("%s%d年创先争优公开承诺书", unitName, year)
	}
	return fmt.Sprintf("%s%d年创先争优党员承诺书", memberName, year)
}

// Create starts a commitment (a draft, or submitted when in.Submit). A
// member writes their own; a branch (secretary or office) writes the
// branch's; a secretary records an oral commitment for a member of their
// branch flagged as such (Member.Oral).
func (s *Service) Create(ctx context.Context, a *org.Actor, in Input) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		camp, err := loadCampaign(ctx, tx, in.CampaignID)
		if err != nil {
			return err
		}
		if camp.Status != campaign.StatusActive {
			return apperr.New(apperr.Invalid, "活动已结束，不能再作出承诺", "The campaign has finished; no more commitments can be made")
		}
		var unit org.Unit
		var m member
		oral := false
		switch in.Kind {
		case BranchKind:
			if unit, err = getUnit(ctx, tx, in.UnitID); err != nil {
				return err
			}
			if unit.Type != org.Branch {
				return apperr.Field("unit_id", "支部承诺只能由党支部作出", "Only a branch (党支部) makes a branch commitment")
			}
			if !mayWriteFor(a, unit) {
				return apperr.Deny()
			}
		case MemberKind:
			mid := in.MemberID
			if mid == 0 {
				mid = a.MemberID
			}
			if mid == 0 {
				return apperr.Field("member_id", "请选择作出承诺的党员", "Choose the member who makes the commitment")
			}
			if m, err = getMember(ctx, tx, mid); err != nil {
				return err
			}
			if unit, err = getUnit(ctx, tx, m.UnitID); err != nil {
				return err
			}
			switch {
			case mid == a.MemberID:
			case m.Oral && mayWriteFor(a, unit):
				oral = true
			case mayWriteFor(a, unit):
				return apperr.New(apperr.Forbidden, "只能为可作口头承诺的党员代录承诺，其他党员请本人填写",
					"A branch records commitments only for members flagged for oral commitments; others write their own")
			default:
				return apperr.Deny()
			}
		default:
			return apperr.Field("kind", "请选择承诺类型（支部或党员）", "Choose the kind of commitment (branch or member)")
		}
		if !unit.Within(camp.Root.Path) {
			return apperr.Field("unit_id", "该组织不在本次活动范围内", "This organisation is outside the campaign")
		}
		if unit.Closed() {
			return apperr.Field("unit_id", "该组织已撤销", "This organisation has been closed")
		}
		branch, err := branchOf(ctx, tx, unit)
		if err != nil {
			return err
		}
		var existing int64
		q := `SELECT COALESCE(MAX(id), 0) FROM commitments WHERE campaign_id = ? AND kind = ? AND unit_id = ?`
		args := []any{camp.ID, in.Kind, unit.ID}
		if in.Kind == MemberKind {
			q, args = `SELECT COALESCE(MAX(id), 0) FROM commitments WHERE campaign_id = ? AND kind = ? AND member_id = ?`, []any{camp.ID, in.Kind, m.ID}
		}
		if err := tx.QueryRow(ctx, q, args...).Scan(&existing); err != nil {
			return err
		}
		if existing != 0 {
			return apperr.Newf(apperr.Conflict, "本次活动中已有这份承诺（编号 %d），请修改原承诺", "There is already a commitment for this campaign (no. %d); edit it instead", existing)
		}
		if !oral {
			in.MeetingID = 0
		} else if in.MeetingID != 0 {
			if err := meetingIn(ctx, tx, in.MeetingID, branch.Path); err != nil {
				return err
			}
		}
		cats, err := categories(ctx, tx, camp.ID)
		if err != nil {
			return err
		}
		if err := check(&in, in.Kind, camp.Year, cats); err != nil {
			return err
		}
		if in.Title == "" {
			in.Title = defaultTitle(in.Kind, camp.Year, unit.Name, m.Name)
		}
		state, submittedAt := Draft, ""
		if in.Submit {
			state, submittedAt = Submitted, tx.NowText()
		}
		var recordedBy any
		recordedAt := ""
		if oral {
			recordedBy, recordedAt = nullID(a.UserID), tx.NowText()
		}
		now := tx.NowText()
		id, err := tx.Insert(ctx, `INSERT INTO commitments (campaign_id, kind, unit_id, member_id, year, title, leading_cadre, phone, oral,
			recorded_by, recorded_at, meeting_id, state, version, submitted_at, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
			camp.ID, in.Kind, unit.ID, nullID(m.ID), camp.Year, in.Title, in.LeadingCadre, in.Phone, oral,
			recordedBy, recordedAt, nullID(in.MeetingID), state, submittedAt, nullID(a.UserID), now, now)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "本次活动中已有这份承诺，请修改原承诺", "There is already a commitment for this campaign; edit it instead")
		}
		if err != nil {
			return err
		}
		next, err := writeItems(ctx, tx, id, in.Items, 1)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitments SET next_key = ? WHERE id = ?`, next, id); err != nil {
			return err
		}
		if out, err = getCommitment(ctx, tx, id); err != nil {
			return err
		}
		out.BranchID = branch.ID
		if err := insertVersion(ctx, tx, a, id, 1, state, body(out, m.Post, &in)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "commitment.create", "commitment", id, nil, out); err != nil {
			return err
		}
		if state == Submitted {
			return signalSubmitted(ctx, tx, out)
		}
		return nil
	})
	return out, apperr.Wrap(err, "create commitment")
}

// Save stores an edit as a new version. The commitment goes back to draft
// (or to submitted, when in.Submit) whatever state it was in: an approved or
// published commitment needs review again, and a published one stays on
// the board as its last published version until the new one is published.
func (s *Service) Save(ctx context.Context, a *org.Actor, id int64, in Input) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.mayEdit(a) {
			return sc.deny(a)
		}
		if sc.camp.Status != campaign.StatusActive {
			return apperr.New(apperr.Invalid, "活动已结束，承诺不能再修改", "The campaign has finished; commitments can no longer be changed")
		}
		if in.Version != 0 && in.Version != sc.c.Version {
			return errStale()
		}
		post := ""
		if sc.c.Kind == MemberKind {
			m, err := getMember(ctx, tx, sc.c.MemberID)
			if err != nil {
				return err
			}
			post = m.Post
		}
		cats, err := categories(ctx, tx, sc.camp.ID)
		if err != nil {
			return err
		}
		if err := check(&in, sc.c.Kind, sc.c.Year, cats); err != nil {
			return err
		}
		if in.Title == "" {
			in.Title = defaultTitle(sc.c.Kind, sc.c.Year, sc.c.UnitName, sc.c.MemberName)
		}
		meetingID := sc.c.MeetingID
		if sc.c.Oral && in.MeetingID != 0 && in.MeetingID != meetingID {
			if err := meetingIn(ctx, tx, in.MeetingID, sc.branch.Path); err != nil {
				return err
			}
			meetingID = in.MeetingID
		}
		state, submittedAt, reason := Draft, "", sc.c.ReturnReason
		if in.Submit {
			state, submittedAt, reason = Submitted, tx.NowText(), ""
		}
		res, err := tx.Exec(ctx, `UPDATE commitments SET title = ?, leading_cadre = ?, phone = ?, meeting_id = ?, state = ?, version = version + 1,
			return_reason = ?, submitted_at = ?, updated_at = ? WHERE id = ? AND version = ?`,
			in.Title, in.LeadingCadre, in.Phone, nullID(meetingID), state, reason, submittedAt, tx.NowText(), id, sc.c.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale()
		}
		next, err := writeItems(ctx, tx, id, in.Items, sc.nextKey)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitments SET next_key = ? WHERE id = ?`, next, id); err != nil {
			return err
		}
		if out, err = getCommitment(ctx, tx, id); err != nil {
			return err
		}
		out.BranchID = sc.branch.ID
		if err := insertVersion(ctx, tx, a, id, out.Version, state, body(out, post, &in)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "commitment.save", "commitment", id, sc.c, out); err != nil {
			return err
		}
		if sc.c.State == Approved || sc.c.State == Published {
			if err := campaign.Withdraw(ctx, tx, campaign.KindCommitmentApproved, id); err != nil {
				return err
			}
		}
		if state == Submitted {
			return signalSubmitted(ctx, tx, out)
		}
		return campaign.Withdraw(ctx, tx, campaign.KindCommitmentSubmitted, id)
	})
	return out, apperr.Wrap(err, "save commitment")
}

// Submit sends a draft or a returned commitment for review. version is the
// version the user saw (0 = don't check).
func (s *Service) Submit(ctx context.Context, a *org.Actor, id int64, version int) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.mayEdit(a) {
			return sc.deny(a)
		}
		if sc.camp.Status != campaign.StatusActive {
			return apperr.New(apperr.Invalid, "活动已结束", "The campaign has finished")
		}
		switch sc.c.State {
		case Draft, Returned:
		case Submitted:
			return apperr.New(apperr.Conflict, "承诺已提交，正在等待审核", "The commitment is already waiting for review")
		default:
			return apperr.New(apperr.Invalid, "承诺已审核通过；如需修改，请编辑后重新提交", "The commitment is already approved; edit it to submit a new version")
		}
		if version != 0 && version != sc.c.Version {
			return errStale()
		}
		res, err := tx.Exec(ctx, `UPDATE commitments SET state = ?, submitted_at = ?, return_reason = '', updated_at = ? WHERE id = ? AND state = ? AND version = ?`,
			Submitted, tx.NowText(), tx.NowText(), id, sc.c.State, sc.c.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale()
		}
		if out, err = getCommitment(ctx, tx, id); err != nil {
			return err
		}
		out.BranchID = sc.branch.ID
		if err := audit.Record(ctx, tx, who(a), "commitment.submit", "commitment", id, map[string]any{"state": sc.c.State}, map[string]any{"state": out.State, "version": out.Version}); err != nil {
			return err
		}
		return signalSubmitted(ctx, tx, out)
	})
	return out, apperr.Wrap(err, "submit commitment")
}

// Approve approves a submitted commitment. version is the version the
// reviewer read (0 = the current one). Of two reviewers acting at once,
// one wins and the other gets a Conflict.
func (s *Service) Approve(ctx context.Context, a *org.Actor, id int64, version int) (Commitment, error) {
	return s.decide(ctx, a, id, version, Approve, "")
}

// Return sends a submitted commitment back with the reason to revise it.
func (s *Service) Return(ctx context.Context, a *org.Actor, id int64, version int, reason string) (Commitment, error) {
	return s.decide(ctx, a, id, version, Return, reason)
}

func (s *Service) decide(ctx context.Context, a *org.Actor, id int64, version int, d Decision, reason string) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		out, err = decideTx(ctx, tx, a, id, version, d, reason)
		return err
	})
	return out, apperr.Wrap(err, "review commitment")
}

func decideTx(ctx context.Context, tx *db.Tx, a *org.Actor, id int64, version int, d Decision, reason string) (Commitment, error) {
	reason = clean(reason)
	if d == Return {
		switch {
		case reason == "":
			return Commitment{}, apperr.Field("reason", "退回时请写明修改意见", "Give the reason for returning it")
		case tooLong(reason, MaxReason):
			return Commitment{}, apperr.Field("reason", fmt.Sprintf("修改意见不能超过 %d 个字", MaxReason), fmt.Sprintf("The reason may have at most %d characters", MaxReason))
		}
	} else {
		reason = ""
	}
	sc, err := load(ctx, tx, id)
	if err != nil {
		return Commitment{}, err
	}
	if !sc.mayReview(a) {
		if sc.own(a) {
			return Commitment{}, apperr.New(apperr.Forbidden, "不能审核自己的承诺", "You cannot review your own commitment")
		}
		return Commitment{}, sc.deny(a)
	}
	switch {
	case sc.c.State == Draft:
		return Commitment{}, apperr.New(apperr.Conflict, "承诺尚未提交（或已被撤回修改）", "The commitment has not been submitted (or was taken back for editing)")
	case sc.c.State != Submitted:
		return Commitment{}, errHandled
	case version != 0 && version != sc.c.Version:
		return Commitment{}, errStale()
	}
	state := Approved
	if d == Return {
		state = Returned
	}
	res, err := tx.Exec(ctx, `UPDATE commitments SET state = ?, return_reason = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?
		WHERE id = ? AND state = ? AND version = ?`, state, reason, nullID(a.UserID), tx.NowText(), tx.NowText(), id, Submitted, sc.c.Version)
	if err != nil {
		return Commitment{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Commitment{}, errHandled
	}
	if err := insertReview(ctx, tx, a, id, sc.c.Version, d, reason); err != nil {
		return Commitment{}, err
	}
	out, err := getCommitment(ctx, tx, id)
	if err != nil {
		return out, err
	}
	out.BranchID = sc.branch.ID
	if err := audit.Record(ctx, tx, who(a), "commitment."+string(d), "commitment", id,
		map[string]any{"state": sc.c.State, "version": sc.c.Version}, map[string]any{"state": out.State, "reason": reason}); err != nil {
		return out, err
	}
	if d == Return {
		return out, campaign.Withdraw(ctx, tx, campaign.KindCommitmentSubmitted, id)
	}
	if out.Kind == MemberKind {
		if err := campaign.Withdraw(ctx, tx, campaign.KindCommitmentApproved, id); err != nil {
			return out, err
		}
		if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: out.CampaignID, Kind: campaign.KindCommitmentApproved, UnitID: out.UnitID, MemberID: out.MemberID, RefID: id, Note: note(out)}); err != nil {
			return out, err
		}
		return out, branchReviewed(ctx, tx, sc)
	}
	// A branch commitment approved by the office makes no unit-level signal:
	// commitment.approved at a branch means "the branch reviewed its members".
	return out, nil
}

// branchReviewed records the branch-level 审核党员承诺 signal once the
// branch has no member commitment left waiting for review. Its RefID is the
// branch id negated, so it never collides with a commitment's signals.
func branchReviewed(ctx context.Context, tx *db.Tx, sc *scope) error {
	if sc.branch.Type != org.Branch {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitments c `+org.JoinUnit("u", "c.unit_id")+`
		WHERE c.campaign_id = ? AND c.kind = 'member' AND c.state = 'submitted' AND u.path >= ? AND u.path < ?`,
		sc.camp.ID, sc.branch.Path, org.PathEnd(sc.branch.Path)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE campaign_id = ? AND kind = ? AND ref_id = ? AND member_id IS NULL`,
		sc.camp.ID, campaign.KindCommitmentApproved, -sc.branch.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return campaign.Record(ctx, tx, campaign.Signal{CampaignID: sc.camp.ID, Kind: campaign.KindCommitmentApproved, UnitID: sc.branch.ID, RefID: -sc.branch.ID, Note: "党员承诺已全部审核"})
}

func signalSubmitted(ctx context.Context, tx *db.Tx, c Commitment) error {
	if err := campaign.Withdraw(ctx, tx, campaign.KindCommitmentSubmitted, c.ID); err != nil {
		return err
	}
	if c.Kind == MemberKind {
		// A member's commitment waits for review again: the branch's "all
		// reviewed" record no longer holds (it is made again when it does).
		u, err := getUnit(ctx, tx, c.UnitID)
		if err != nil {
			return err
		}
		b, err := branchOf(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := campaign.WithdrawIn(ctx, tx, c.CampaignID, campaign.KindCommitmentApproved, -b.ID); err != nil {
			return err
		}
	}
	return campaign.Record(ctx, tx, campaign.Signal{CampaignID: c.CampaignID, Kind: campaign.KindCommitmentSubmitted, UnitID: c.UnitID, MemberID: c.MemberID, RefID: c.ID, Note: note(c)})
}

// BulkResult says, per id, what a bulk approval did or why it could not.
type BulkResult struct {
	Approved  []int64       `json:"approved"`
	Published []int64       `json:"published,omitempty"` // 通过并公布: the ones also published
	Problems  []BulkProblem `json:"problems,omitempty"`
}

// BulkProblem is why one commitment of a bulk approval was refused.
type BulkProblem struct {
	ID      int64       `json:"id"`
	Code    apperr.Code `json:"code"`
	Message string      `json:"message"`
	MsgEn   string      `json:"message_en"`
}

// ApproveMany approves several submitted commitments in one transaction:
// all of them, or none when any is refused (each refusal reported).
func (s *Service) ApproveMany(ctx context.Context, a *org.Actor, ids []int64) (BulkResult, error) {
	return s.approveMany(ctx, a, ids, false)
}

// ApproveAndPublishMany approves several submitted commitments and puts them
// on the public board in one step (通过并公布), all or none like
// ApproveMany; refused where the campaign keeps publishing a separate step
// (mayApprovePublish).
func (s *Service) ApproveAndPublishMany(ctx context.Context, a *org.Actor, ids []int64) (BulkResult, error) {
	return s.approveMany(ctx, a, ids, true)
}

// ApproveAndPublish approves one submitted commitment and publishes it at
// once (version as for Approve: 0 means don't check).
func (s *Service) ApproveAndPublish(ctx context.Context, a *org.Actor, id int64, version int) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		out, err = approvePublishTx(ctx, tx, a, id, version)
		return err
	})
	return out, apperr.Wrap(err, "approve and publish commitment")
}

// approvePublishTx is one 通过并公布 inside a transaction.
func approvePublishTx(ctx context.Context, tx *db.Tx, a *org.Actor, id int64, version int) (Commitment, error) {
	sc, err := load(ctx, tx, id)
	if err != nil {
		return Commitment{}, err
	}
	if sc.mayReview(a) && !sc.mayApprovePublish(a) {
		return Commitment{}, apperr.New(apperr.Invalid, "本次活动要求审核通过后另行公布，请先审核通过，再公布",
			"This campaign publishes in a separate step: approve first, then publish")
	}
	if _, err := decideTx(ctx, tx, a, id, version, Approve, ""); err != nil {
		return Commitment{}, err
	}
	if sc, err = load(ctx, tx, id); err != nil {
		return Commitment{}, err
	}
	return publishTx(ctx, tx, a, sc)
}

func (s *Service) approveMany(ctx context.Context, a *org.Actor, ids []int64, publish bool) (BulkResult, error) {
	verb := bulkVerb{"审核", "approve", "审核通过", "approved", "通过", "approve commitments"}
	done, err := s.bulk(ctx, a, ids, verb, func(tx *db.Tx, id int64) error {
		if publish {
			_, err := approvePublishTx(ctx, tx, a, id, 0)
			return err
		}
		_, err := decideTx(ctx, tx, a, id, 0, Approve, "")
		return err
	})
	res := BulkResult{Approved: done.ids, Problems: done.problems}
	if publish {
		res.Published = done.ids
	}
	return res, err
}

// bulkVerb names a bulk decision in the messages: the limit's verb (一次最多
// 审核), the refusal's (不能审核通过), and what the error wraps.
type bulkVerb struct {
	zh, en         string // 审核 / approve
	zhDone, enDone string // 审核通过 / approved
	zhNone         string // 本次全部未通过
	what           string
}

// bulkDone is what a bulk decision did: the ids decided, or the refusals.
type bulkDone struct {
	ids      []int64
	problems []BulkProblem
}

// bulk applies one to each commitment of ids (once each) in one
// transaction: all of them, or none when any is refused, every refusal
// reported with its reason. ApproveMany, 通过并公布 in bulk and PublishMany
// share it, so the all-or-nothing rule has one home.
func (s *Service) bulk(ctx context.Context, a *org.Actor, ids []int64, v bulkVerb, one func(tx *db.Tx, id int64) error) (bulkDone, error) {
	if a == nil {
		return bulkDone{}, unauthorized()
	}
	switch {
	case len(ids) == 0:
		return bulkDone{}, apperr.Field("ids", "请选择要"+v.zhDone+"的承诺", "Choose the commitments to "+v.en)
	case len(ids) > MaxBulk:
		return bulkDone{}, apperr.Field("ids", fmt.Sprintf("一次最多%s %d 份承诺", v.zh, MaxBulk), fmt.Sprintf("At most %d commitments at once", MaxBulk))
	}
	var out bulkDone
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		out = bulkDone{}
		seen := map[int64]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if err := one(tx, id); err != nil {
				e := apperr.As(err)
				if e.Code == apperr.Internal {
					return err
				}
				out.problems = append(out.problems, BulkProblem{ID: id, Code: e.Code, Message: e.Msg, MsgEn: e.MsgEn})
				continue
			}
			out.ids = append(out.ids, id)
		}
		if len(out.problems) > 0 {
			return &apperr.Error{Code: apperr.Conflict, Msg: fmt.Sprintf("有 %d 份承诺不能%s，本次全部未%s，请处理后重试", len(out.problems), v.zhDone, v.zhNone),
				MsgEn: fmt.Sprintf("%d of the commitments cannot be %s; none was %s", len(out.problems), v.enDone, v.enDone)}
		}
		return nil
	})
	if err != nil {
		out.ids = nil
		return out, apperr.Wrap(err, v.what)
	}
	return out, nil
}

// Publish puts an approved commitment on the public board (and so reports it
// upward); the version published stays there until a newer one is published.
func (s *Service) Publish(ctx context.Context, a *org.Actor, id int64) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		out, err = publishTx(ctx, tx, a, sc)
		return err
	})
	return out, apperr.Wrap(err, "publish commitment")
}

// publishTx puts the approved commitment of sc on the public board.
func publishTx(ctx context.Context, tx *db.Tx, a *org.Actor, sc *scope) (Commitment, error) {
	id := sc.c.ID
	if !sc.mayPublish(a) {
		return Commitment{}, sc.deny(a)
	}
	switch sc.c.State {
	case Approved:
	case Published:
		return Commitment{}, apperr.New(apperr.Conflict, "这份承诺已经公布", "This commitment is already published")
	default:
		return Commitment{}, apperr.New(apperr.Invalid, "只有审核通过的承诺才能公布", "Only an approved commitment can be published")
	}
	res, err := tx.Exec(ctx, `UPDATE commitments SET state = ?, published_version = version, published_at = ?, updated_at = ?
		WHERE id = ? AND state = ? AND version = ?`, Published, tx.NowText(), tx.NowText(), id, Approved, sc.c.Version)
	if err != nil {
		return Commitment{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Commitment{}, errHandled
	}
	if err := insertReview(ctx, tx, a, id, sc.c.Version, Publish, ""); err != nil {
		return Commitment{}, err
	}
	out, err := getCommitment(ctx, tx, id)
	if err != nil {
		return Commitment{}, err
	}
	out.BranchID = sc.branch.ID
	if err := audit.Record(ctx, tx, who(a), "commitment.publish", "commitment", id,
		map[string]any{"published_version": sc.c.PublishedVersion}, map[string]any{"published_version": out.PublishedVersion}); err != nil {
		return Commitment{}, err
	}
	if err := campaign.Withdraw(ctx, tx, campaign.KindCommitmentPublished, id); err != nil {
		return Commitment{}, err
	}
	return out, campaign.Record(ctx, tx, campaign.Signal{CampaignID: out.CampaignID, Kind: campaign.KindCommitmentPublished, UnitID: out.UnitID, MemberID: out.MemberID, RefID: id, Note: note(out)})
}

// ReadOut marks a published member commitment as read out at a members'
// meeting of the branch.
func (s *Service) ReadOut(ctx context.Context, a *org.Actor, id, meetingID int64) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.mayReadOut(a) {
			if sc.c.Kind != MemberKind && mayWriteFor(a, sc.branch) {
				return apperr.New(apperr.Invalid, "只有党员承诺需要在党员大会上宣读", "Only a member's commitment is read out at a members' meeting")
			}
			return sc.deny(a)
		}
		if sc.c.Kind != MemberKind {
			return apperr.New(apperr.Invalid, "只有党员承诺需要在党员大会上宣读", "Only a member's commitment is read out at a members' meeting")
		}
		if sc.c.PublishedVersion == 0 {
			return apperr.New(apperr.Invalid, "承诺公布后才能标记为已宣读", "Publish the commitment before marking it as read out")
		}
		if meetingID == 0 {
			return apperr.Field("meeting_id", "请选择宣读承诺的党员大会", "Choose the members' meeting at which it was read out")
		}
		if err := meetingIn(ctx, tx, meetingID, sc.branch.Path); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitments SET read_out_at = ?, read_out_meeting_id = ?, updated_at = ? WHERE id = ?`,
			tx.NowText(), meetingID, tx.NowText(), id); err != nil {
			return err
		}
		if out, err = getCommitment(ctx, tx, id); err != nil {
			return err
		}
		out.BranchID = sc.branch.ID
		return audit.Record(ctx, tx, who(a), "commitment.read_out", "commitment", id, nil, map[string]any{"meeting_id": meetingID})
	})
	return out, apperr.Wrap(err, "read out commitment")
}

// Confirm is the member confirming the oral commitment the branch recorded
// for them.
func (s *Service) Confirm(ctx context.Context, a *org.Actor, id int64) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.own(a) {
			return sc.deny(a)
		}
		if !sc.c.Oral {
			return apperr.New(apperr.Invalid, "这不是口头承诺，无需确认", "This is not an oral commitment; nothing to confirm")
		}
		if sc.c.ConfirmedAt != "" {
			return apperr.New(apperr.Conflict, "已经确认过了", "Already confirmed")
		}
		if _, err := tx.Exec(ctx, `UPDATE commitments SET confirmed_at = ?, updated_at = ? WHERE id = ?`, tx.NowText(), tx.NowText(), id); err != nil {
			return err
		}
		if out, err = getCommitment(ctx, tx, id); err != nil {
			return err
		}
		out.BranchID = sc.branch.ID
		return audit.Record(ctx, tx, who(a), "commitment.confirm", "commitment", id, nil, map[string]any{"confirmed_at": out.ConfirmedAt})
	})
	return out, apperr.Wrap(err, "confirm commitment")
}

// Get returns a commitment with its items, versions and reviews.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Commitment, error) {
	if a == nil {
		return Commitment{}, unauthorized()
	}
	var out Commitment
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.mayRead(a) {
			return notFound()
		}
		out = sc.c
		may := sc.perms(a)
		out.May = &may
		if out.Versions, err = loadVersions(ctx, tx, id); err != nil {
			return err
		}
		out.Reviews, err = loadReviews(ctx, tx, id)
		return err
	})
	return out, apperr.Wrap(err, "get commitment")
}

// Version returns one saved version of a commitment.
func (s *Service) Version(ctx context.Context, a *org.Actor, id int64, version int) (Version, error) {
	if a == nil {
		return Version{}, unauthorized()
	}
	var out Version
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.mayRead(a) {
			return notFound()
		}
		out, err = loadVersion(ctx, tx, id, version)
		return err
	})
	return out, apperr.Wrap(err, "get commitment version")
}

// Diff compares two saved versions of a commitment item by item; from 0
// means the version before to, to 0 the current version.
func (s *Service) Diff(ctx context.Context, a *org.Actor, id int64, from, to int) (Diff, error) {
	if a == nil {
		return Diff{}, unauthorized()
	}
	var out Diff
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		sc, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.mayRead(a) {
			return notFound()
		}
		if to == 0 {
			to = sc.c.Version
		}
		if from == 0 {
			from = to - 1
		}
		if from < 1 {
			from = 1
		}
		v1, err := loadVersion(ctx, tx, id, from)
		if err != nil {
			return err
		}
		v2, err := loadVersion(ctx, tx, id, to)
		if err != nil {
			return err
		}
		out = DiffBodies(v1.Body, v2.Body)
		out.From, out.To = from, to
		return nil
	})
	return out, apperr.Wrap(err, "diff commitment")
}

// Categories returns the categories a campaign offers.
func (s *Service) Categories(ctx context.Context, a *org.Actor, campaignID int64) (Categories, error) {
	if a == nil {
		return Categories{}, unauthorized()
	}
	var out Categories
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if _, err := loadCampaign(ctx, tx, campaignID); err != nil {
			return err
		}
		var err error
		out, err = categories(ctx, tx, campaignID)
		return err
	})
	return out, apperr.Wrap(err, "commitment categories")
}

// SetCategories sets the categories a campaign offers (the office).
func (s *Service) SetCategories(ctx context.Context, a *org.Actor, campaignID int64, c Categories) (Categories, error) {
	if a == nil {
		return Categories{}, unauthorized()
	}
	if err := checkCategories(&c); err != nil {
		return Categories{}, err
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		camp, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !mayManageCategories(a, camp) {
			return apperr.Deny()
		}
		before, err := categories(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		js, err := jsonString(c)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM commitment_categories WHERE campaign_id = ?`, campaignID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO commitment_categories (campaign_id, body, updated_at) VALUES (?, ?, ?)`, campaignID, js, tx.NowText()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "commitment.categories", "campaign", campaignID, before, c)
	})
	return c, apperr.Wrap(err, "set commitment categories")
}
