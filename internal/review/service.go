package review

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// Service holds the use cases of the leadership reviews.
type Service struct {
	DB *db.DB
	// Folders give the sections of a unit's reviewer folder (reports,
	// commitments, the ledger, inspections), registered in app.
	Folders []campaign.FolderSource
}

// Settings are a campaign's rounds and scale, with the reader's verdict.
type Settings struct {
	CampaignID    int64    `json:"campaign_id"`
	CampaignTitle string   `json:"campaign_title"`
	Rounds        []Round  `json:"rounds"`
	Scale         []string `json:"scale"`
	CanConfigure  bool     `json:"can_configure"`
	Phases        []string `json:"phases"` // phase names by seq-1
}

func (s *Service) settingsTx(ctx context.Context, tx *db.Tx, a *org.Actor, c camp) (Settings, error) {
	st := Settings{CampaignID: c.ID, CampaignTitle: c.Title, CanConfigure: mayConfigure(a, c.Root)}
	var err error
	if st.Rounds, err = roundsTx(ctx, tx, c); err != nil {
		return st, err
	}
	if st.Scale, err = scaleTx(ctx, tx, c.ID); err != nil {
		return st, err
	}
	for i := 1; i <= c.NPhase; i++ {
		st.Phases = append(st.Phases, c.Phases[i].Name)
	}
	return st, nil
}

// Settings returns a campaign's rounds and rating scale for whoever reads
// its root or one of its units (a reviewer, a secretary).
func (s *Service) Settings(ctx context.Context, a *org.Actor, campaignID int64) (Settings, error) {
	var st Settings
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		st, err = s.settingsTx(ctx, tx, a, c)
		return err
	})
	return st, apperr.Wrap(err, "review settings")
}

// Configure replaces a campaign's rounds and scale (the office). A round
// that already has reviews cannot be removed.
func (s *Service) Configure(ctx context.Context, a *org.Actor, campaignID int64, cfg Config) (Settings, error) {
	var st Settings
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !mayConfigure(a, c.Root) {
			return apperr.Deny()
		}
		if err := cfg.check(c.NPhase); err != nil {
			return err
		}
		before, err := roundsTx(ctx, tx, c)
		if err != nil {
			return err
		}
		keep := map[int]bool{}
		for _, r := range cfg.Rounds {
			keep[r.Seq] = true
			if r.HeadMemberID != 0 {
				if _, err := memberByID(ctx, tx, r.HeadMemberID); err != nil {
					return apperr.Field("rounds", "所指定的组长不在党员名册中", "The head named is not on the roster")
				}
			}
		}
		var n int
		for _, r := range before {
			if keep[r.Seq] {
				continue
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM reviews WHERE campaign_id = ? AND round = ?`, c.ID, r.Seq).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return apperr.Newf(apperr.Conflict, "第 %d 轮已有 %d 条点评，不能删除", "Round %d already has %d reviews and cannot be removed", r.Seq, n)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM review_rounds WHERE campaign_id = ?`, c.ID); err != nil {
			return err
		}
		now := tx.NowText()
		sort.Slice(cfg.Rounds, func(i, j int) bool { return cfg.Rounds[i].Seq < cfg.Rounds[j].Seq })
		for _, r := range cfg.Rounds {
			head := r.HeadMemberID
			if r.Mode != ByHead {
				head = 0
			}
			if _, err := tx.Exec(ctx, `INSERT INTO review_rounds (campaign_id, seq, phase_seq, title, mode, head_member_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				c.ID, r.Seq, r.PhaseSeq, r.Title, string(r.Mode), nullID(head), now, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM review_scales WHERE campaign_id = ?`, c.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO review_scales (campaign_id, levels, updated_at) VALUES (?, ?, ?)`, c.ID, strings.Join(cfg.Scale, "|"), now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "review.configure", "campaign", c.ID, before, cfg); err != nil {
			return err
		}
		st, err = s.settingsTx(ctx, tx, a, c)
		return err
	})
	return st, apperr.Wrap(err, "configure reviews")
}

// Reassign gives a unit another reviewer for a round, ending (and keeping)
// the earlier reassignment; reviewer 0 goes back to the round's default.
func (s *Service) Reassign(ctx context.Context, a *org.Actor, in ReassignInput) ([]Reviewer, error) {
	var out []Reviewer
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, err := loadCampaign(ctx, tx, in.CampaignID)
		if err != nil {
			return err
		}
		u, err := org.UnitTx(ctx, tx, in.UnitID)
		if err != nil {
			return err
		}
		if !u.Within(c.Root.Path) || u.ID == c.Root.ID {
			return apperr.Field("unit", "该组织不在本次活动的点评范围内", "This organisation is not reviewed in the campaign")
		}
		if !mayReassign(a, u) {
			return apperr.Deny()
		}
		r, err := roundTx(ctx, tx, c, in.Round)
		if err != nil {
			return err
		}
		in.Note = strings.TrimSpace(in.Note)
		if tooLong(in.Note, 200) {
			return apperr.Field("note", "说明不能超过 200 字", "The note may have at most 200 characters")
		}
		if in.ReviewerMemberID != 0 {
			if _, err := memberByID(ctx, tx, in.ReviewerMemberID); err != nil {
				return apperr.Field("reviewer_member_id", "所选点评人不在党员名册中", "The reviewer is not on the roster")
			}
			if err := ownBranch(ctx, tx, in.ReviewerMemberID, u); err != nil {
				return apperr.Field("reviewer_member_id", "点评人不能点评本人所在的支部", "A reviewer cannot review their own branch")
			}
		}
		now := tx.NowText()
		if _, err := tx.Exec(ctx, `UPDATE review_assignments SET ended_at = ? WHERE campaign_id = ? AND round = ? AND unit_id = ? AND ended_at = ''`,
			now, c.ID, r.Seq, u.ID); err != nil {
			return err
		}
		var id int64
		if in.ReviewerMemberID != 0 {
			if id, err = tx.Insert(ctx, `INSERT INTO review_assignments (campaign_id, round, unit_id, reviewer_member_id, note, assigned_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				c.ID, r.Seq, u.ID, in.ReviewerMemberID, in.Note, nullID(a.UserID), now); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, who(a), "review.reassign", "review_assignment", id, nil, in); err != nil {
			return err
		}
		out, err = reviewersTx(ctx, tx, c.ID, r, u)
		return err
	})
	return out, apperr.Wrap(err, "reassign reviewer")
}

// Create writes a review: of a unit by its reviewer for the round, or of a
// member by their branch. Problems marked Raise become ledger entries in
// the same transaction; a unit review records its round's kind.
func (s *Service) Create(ctx context.Context, a *org.Actor, in Input) (Review, error) {
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createTx(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return Review{}, apperr.Wrap(err, "create review")
	}
	return s.Get(ctx, a, id)
}

func (s *Service) createTx(ctx context.Context, tx *db.Tx, a *org.Actor, in Input) (int64, error) {
	if a == nil {
		return 0, errNoActor
	}
	c, err := loadCampaign(ctx, tx, in.CampaignID)
	if err != nil {
		return 0, err
	}
	if c.Status == campaign.StatusFinished {
		return 0, apperr.Newf(apperr.Conflict, "「%s」已结束，不能再写点评", "%s has finished; no more reviews can be written", c.Title)
	}
	r, err := roundTx(ctx, tx, c, in.Round)
	if err != nil {
		return 0, err
	}
	var u org.Unit
	reviewerName := a.Name
	raisedBy := c.Root.ID
	if in.MemberID != 0 {
		m, err := memberByID(ctx, tx, in.MemberID)
		if err != nil {
			return 0, err
		}
		mu, err := org.UnitTx(ctx, tx, m.UnitID)
		if err != nil {
			return 0, err
		}
		if err := mayReviewMember(ctx, tx, a, mu, m.ID); err != nil {
			return 0, err
		}
		home := mu
		if b, ok, err := org.BranchOfTx(ctx, tx, mu); err != nil {
			return 0, err
		} else if ok {
			home = b
		}
		u, raisedBy = home, home.ID
	} else {
		if u, err = org.UnitTx(ctx, tx, in.UnitID); err != nil {
			return 0, err
		}
		if u.Type != org.Branch && u.Type != org.Group {
			return 0, apperr.Field("unit", "领导点评的对象是党支部或党小组", "A leadership review is of a branch or a party group")
		}
		reviewers, err := reviewersTx(ctx, tx, c.ID, r, u)
		if err != nil {
			return 0, err
		}
		if err := mayReviewUnit(ctx, tx, a, reviewers, u); err != nil {
			return 0, err
		}
	}
	if !u.Within(c.Root.Path) {
		return 0, apperr.Field("unit", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
	}
	if a.MemberID != 0 {
		if rm, err := memberByID(ctx, tx, a.MemberID); err == nil {
			reviewerName = rm.Name
		}
	}
	scale, err := scaleTx(ctx, tx, c.ID)
	if err != nil {
		return 0, err
	}
	deadlines, err := in.check(scale)
	if err != nil {
		return 0, err
	}
	if _, err := meetingOK(ctx, tx, in.MeetingID); err != nil {
		return 0, err
	}
	today := tx.Today()
	late := r.Closed(today)
	now := tx.NowText()
	var publishedAt string
	if in.Publish {
		publishedAt = now
	}
	id, err := tx.Insert(ctx, `INSERT INTO reviews (campaign_id, round, unit_id, member_id, reviewer_member_id, reviewer_name, method, achievements, direction, rating,
		meeting_id, late, published, published_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, r.Seq, u.ID, nullID(in.MemberID), nullID(a.MemberID), reviewerName, string(in.Method), in.Achievements, in.Direction, in.Rating,
		nullID(in.MeetingID), late, in.Publish, publishedAt, nullID(a.UserID), now)
	if err != nil {
		return 0, err
	}
	for i, p := range in.Problems {
		var entry int64
		if p.Raise {
			if p.OwnerMemberID != 0 {
				if _, err := memberByID(ctx, tx, p.OwnerMemberID); err != nil {
					return 0, apperr.Field("problems", fmt.Sprintf("第 %d 条问题的责任人不在党员名册中", i+1), fmt.Sprintf("Problem %d: the owner is not on the roster", i+1))
				}
			}
			entry, err = rectify.Raise(ctx, tx, who(a), rectify.Raised{CampaignID: c.ID, UnitID: u.ID, MemberID: in.MemberID, Source: rectify.FromReview,
				SourceRef: id, RaisedByUnitID: raisedBy, Problem: p.Text, Measure: p.Measure, OwnerMemberID: p.OwnerMemberID, Deadline: deadlines[i]})
			if err != nil {
				return 0, err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO review_problems (review_id, seq, text, rectification_id) VALUES (?, ?, ?, ?)`, id, i+1, p.Text, nullID(entry)); err != nil {
			return 0, err
		}
	}
	if kind := r.Kind; kind != "" && in.MemberID == 0 {
		units, err := liaisonUnitsBelow(ctx, tx, u)
		if err != nil {
			return 0, err
		}
		if !containsID(units, u.ID) {
			units = append([]int64{u.ID}, units...)
		}
		for _, uid := range units {
			if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: c.ID, Kind: kind, UnitID: uid, RefID: id, Note: reviewerName + "：" + r.Title}); err != nil {
				return 0, err
			}
		}
	}
	return id, audit.Record(ctx, tx, who(a), "review.create", "review", id, nil, in)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// CreateList reviews a branch's members as a list at the branch meeting:
// one review per row with text (method 会议集中点评), in one transaction.
func (s *Service) CreateList(ctx context.Context, a *org.Actor, in ListInput) ([]int64, error) {
	var ids []int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		branch, err := org.UnitTx(ctx, tx, in.BranchID)
		if err != nil {
			return err
		}
		members, err := membersOf(ctx, tx, branch)
		if err != nil {
			return err
		}
		inBranch := map[int64]bool{}
		for _, m := range members {
			inBranch[m.ID] = true
		}
		fe := apperr.FieldErrors{}
		for i, row := range in.Rows {
			row.Text = strings.TrimSpace(row.Text)
			if row.Text == "" {
				continue
			}
			if !inBranch[row.MemberID] {
				return apperr.Field("rows", "名单中有不属于本支部的党员", "The list holds a member who is not in the branch")
			}
			if tooLong(row.Text, MaxRowText) {
				key := fmt.Sprintf("row%d", row.MemberID)
				fe[key] = apperr.Field(key, fmt.Sprintf("第 %d 行点评不能超过 %d 字", i+1, MaxRowText), fmt.Sprintf("Row %d: at most %d characters", i+1, MaxRowText))
				continue
			}
			id, err := s.createTx(ctx, tx, a, Input{CampaignID: in.CampaignID, Round: in.Round, MemberID: row.MemberID, Method: AtMeeting,
				Achievements: row.Text, Rating: row.Rating, MeetingID: in.MeetingID})
			if err != nil {
				if ae := apperr.As(err); ae != nil && ae.Code == apperr.Invalid {
					key := fmt.Sprintf("row%d", row.MemberID)
					fe[key] = apperr.Field(key, fmt.Sprintf("第 %d 行：%s", i+1, ae.Message("zh")), fmt.Sprintf("Row %d: %s", i+1, ae.Message("en")))
					continue
				}
				return err
			}
			ids = append(ids, id)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return apperr.Field("rows", "请至少为一名党员写出点评", "Write a review for at least one member")
		}
		return nil
	})
	return ids, apperr.Wrap(err, "review members")
}

// Get returns a review with its problems, ledger entries and statements,
// for whoever may read it.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Review, error) {
	var r Review
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		r, err = s.getTx(ctx, tx, a, id)
		return err
	})
	return r, apperr.Wrap(err, "get review")
}

func (s *Service) getTx(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Review, error) {
	if a == nil {
		return Review{}, errNoActor
	}
	r, err := getReview(ctx, tx, id)
	if err != nil {
		return r, err
	}
	u, err := org.UnitTx(ctx, tx, r.UnitID)
	if err != nil {
		return r, err
	}
	ok, err := mayRead(ctx, tx, a, r, u)
	if err != nil {
		return r, err
	}
	if !ok {
		return r, apperr.Deny()
	}
	if err := loadProblems(ctx, tx, &r); err != nil {
		return r, err
	}
	if err := loadStatements(ctx, tx, &r); err != nil {
		return r, err
	}
	if r.Entries, err = rectify.OfSource(ctx, tx, rectify.FromReview, r.ID); err != nil {
		return r, err
	}
	if r.Entries == nil {
		r.Entries = []rectify.Entry{}
	}
	r.May = May{State: mayState(a, u), Publish: !r.Published && mayPublish(a, r, u)}
	return r, nil
}

// Filter narrows a list of reviews.
type Filter struct {
	CampaignID int64
	Round      int
	UnitID     int64 // the unit and its subtree
	MeetingID  int64
	Members    bool // include members' reviews (default: units only unless UnitID is a branch)
}

// List returns the reviews the reader may see, newest first (at most 500).
func (s *Service) List(ctx context.Context, a *org.Actor, f Filter) ([]Review, error) {
	out := []Review{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		out, err = listTx(ctx, tx, a, f)
		return err
	})
	return out, apperr.Wrap(err, "list reviews")
}

func listTx(ctx context.Context, tx *db.Tx, a *org.Actor, f Filter) ([]Review, error) {
	if a == nil {
		return nil, errNoActor
	}
	myPath := ""
	if a.MemberID != 0 {
		if mu, err := org.MemberUnitTx(ctx, tx, a.MemberID); err == nil {
			myPath = mu.Path
		}
	}
	var where []string
	var args []any
	readScope(a, myPath).AddTo(&where, &args)
	if f.CampaignID != 0 {
		where, args = append(where, "r.campaign_id = ?"), append(args, f.CampaignID)
	}
	if f.Round != 0 {
		where, args = append(where, "r.round = ?"), append(args, f.Round)
	}
	if f.MeetingID != 0 {
		where, args = append(where, "r.meeting_id = ?"), append(args, f.MeetingID)
	}
	if f.UnitID != 0 {
		u, err := org.UnitTx(ctx, tx, f.UnitID)
		if err != nil {
			return nil, err
		}
		org.Subtree("u", u.Path).AddTo(&where, &args)
	}
	if !f.Members {
		where = append(where, "r.member_id IS NULL")
	}
	rows, err := tx.Query(ctx, `SELECT `+reviewCols+reviewFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY r.created_at DESC, r.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Review{}
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OfMeeting lists the reviews held at a meeting (a 点评会) that the reader may see.
func (s *Service) OfMeeting(ctx context.Context, a *org.Actor, meetingID int64) ([]Review, error) {
	return s.List(ctx, a, Filter{MeetingID: meetingID, Members: true})
}

// AddStatement records a rectification statement against a review; the
// branch's secretary (or the office) records what was said.
func (s *Service) AddStatement(ctx context.Context, a *org.Actor, reviewID int64, in StatementInput) (Statement, error) {
	var st Statement
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		r, err := getReview(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		u, err := org.UnitTx(ctx, tx, r.UnitID)
		if err != nil {
			return err
		}
		branch := u
		if b, ok, err := org.BranchOfTx(ctx, tx, u); err != nil {
			return err
		} else if ok {
			branch = b
		}
		if !mayState(a, u) {
			if ok, err := mayRead(ctx, tx, a, r, u); err != nil || !ok {
				return errors.Join(err, errNotFound)
			}
			return apperr.Deny()
		}
		if err := in.check(); err != nil {
			return err
		}
		if in.SpeakerMemberID != 0 {
			m, err := memberByID(ctx, tx, in.SpeakerMemberID)
			if err != nil {
				return apperr.Field("speaker_member_id", "表态人不在党员名册中", "The speaker is not on the roster")
			}
			mu, err := org.UnitTx(ctx, tx, m.UnitID)
			if err != nil {
				return err
			}
			if !mu.Within(branch.Path) {
				return apperr.Field("speaker_member_id", "表态人须是本支部党员", "The speaker must be a member of the branch")
			}
			in.SpeakerName = m.Name
		}
		if st.MeetingTitle, err = meetingOK(ctx, tx, in.MeetingID); err != nil {
			return err
		}
		now := tx.NowText()
		id, err := tx.Insert(ctx, `INSERT INTO review_statements (review_id, campaign_id, unit_id, speaker_member_id, speaker_name, speaker_role, text, meeting_id, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CampaignID, branch.ID, nullID(in.SpeakerMemberID), in.SpeakerName, in.SpeakerRole, in.Text,
			nullID(in.MeetingID), nullID(a.UserID), now)
		if err != nil {
			return err
		}
		st = Statement{ID: id, ReviewID: r.ID, SpeakerMemberID: in.SpeakerMemberID, SpeakerName: in.SpeakerName, SpeakerRole: in.SpeakerRole,
			Text: in.Text, MeetingID: in.MeetingID, MeetingTitle: st.MeetingTitle, RecordedBy: a.Username, CreatedAt: now}
		if r.MemberID == 0 {
			if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: r.CampaignID, Kind: KindStatement, UnitID: branch.ID, RefID: id,
				Note: in.SpeakerName + "整改表态"}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "review.statement", "review_statement", id, nil, st)
	})
	return st, apperr.Wrap(err, "add statement")
}

// Publish makes a review public (the public board shows it).
func (s *Service) Publish(ctx context.Context, a *org.Actor, id int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.getTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.Published {
			return nil
		}
		if !r.May.Publish {
			return apperr.Deny()
		}
		if _, err := tx.Exec(ctx, `UPDATE reviews SET published = TRUE, published_at = ?, version = version + 1 WHERE id = ?`, tx.NowText(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "review.publish", "review", id, nil, map[string]bool{"published": true})
	})
	return apperr.Wrap(err, "publish review")
}

// Published lists a unit subtree's published unit reviews with their
// problems, for the public board (no login): what the reviewer chose to
// publish, without the rating (kept for the assessment) and the ledger.
func (s *Service) Published(ctx context.Context, unitID int64) (org.Unit, []Review, error) {
	out := []Review{}
	var u org.Unit
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = org.UnitTx(ctx, tx, unitID); err != nil {
			return err
		}
		in := org.Subtree("u", u.Path)
		rows, err := tx.Query(ctx, `SELECT `+reviewCols+reviewFrom+` WHERE r.published = TRUE AND r.member_id IS NULL AND `+in.SQL+` ORDER BY r.created_at DESC, r.id DESC LIMIT 100`, in.Args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			r, err := scanReview(rows)
			if err != nil {
				rows.Close()
				return err
			}
			r.Rating, r.MeetingID, r.MeetingTitle, r.CreatedBy = "", 0, "", 0
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if err := loadProblems(ctx, tx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return u, out, apperr.Wrap(err, "published reviews")
}
