package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// QueueUnit is a unit the reader reviews in a round, with its status.
type QueueUnit struct {
	Unit      org.Unit   `json:"unit"`
	Source    string     `json:"source"` // liaison, head, assigned
	ReviewID  int64      `json:"review_id,omitempty"`
	Done      bool       `json:"done"`
	Late      bool       `json:"late"`    // written after the phase closed (迟评)
	Overdue   bool       `json:"overdue"` // not written and the phase has closed
	Own       bool       `json:"own"`     // the reader's own branch: the office must reassign
	Reviewers []Reviewer `json:"-"`
}

// MemberStatus is one member of a branch in a round: reviewed or not.
type MemberStatus struct {
	MemberID int64  `json:"member_id"`
	Name     string `json:"name"`
	ReviewID int64  `json:"review_id,omitempty"`
	Rating   string `json:"rating,omitempty"`
	Self     bool   `json:"self"` // the reader: reviewed one level up
}

// BranchQueue is a branch whose members the reader reviews, and the
// branch's own reviews waiting for statements.
type BranchQueue struct {
	Branch   org.Unit       `json:"branch"`
	Members  []MemberStatus `json:"members"`
	Reviewed int            `json:"reviewed"`
	Reviews  []Review       `json:"reviews"` // the round's reviews of the branch (statements to record)
}

// Queue is what the reader must review in a round (the /reviews page).
type Queue struct {
	Settings
	Round    Round         `json:"round"`
	Today    civil.Date    `json:"today"`
	Units    []QueueUnit   `json:"units"`
	Branches []BranchQueue `json:"branches"`
}

// CampaignFor returns the active campaign the reader's reviews belong to:
// that of their own unit, else of their first post or liaison unit (0 if none).
func (s *Service) CampaignFor(ctx context.Context, a *org.Actor) (int64, error) {
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		var units []int64
		if a.MemberID != 0 {
			if mu, err := org.MemberUnitTx(ctx, tx, a.MemberID); err == nil {
				units = append(units, mu.ID)
			}
		}
		for _, g := range a.Grants {
			if g.UnitID != 0 {
				units = append(units, g.UnitID)
			}
		}
		for _, l := range a.Liaisons {
			units = append(units, l.UnitID)
		}
		for _, u := range units {
			c, err := campaign.For(ctx, tx, u, tx.Today())
			if err != nil || c != 0 {
				id = c
				return err
			}
		}
		return nil
	})
	return id, apperr.Wrap(err, "review campaign")
}

// Queue lists what the reader reviews in round seq (0: the round whose
// phase is open today, else the last opened): the units they review as a
// leader, the members of the branches they manage, and the branch's own
// reviews waiting for statements.
func (s *Service) Queue(ctx context.Context, a *org.Actor, campaignID int64, seq int) (Queue, error) {
	var q Queue
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if q.Settings, err = s.settingsTx(ctx, tx, a, c); err != nil {
			return err
		}
		q.Today = tx.Today()
		q.Round = currentRound(q.Rounds, q.Today, seq)
		if seq != 0 && q.Round.Seq != seq {
			return apperr.Field("round", "该活动没有这一轮点评", "The campaign has no such review round")
		}
		if q.Units, err = unitQueue(ctx, tx, a, c, q.Round, q.Today); err != nil {
			return err
		}
		q.Branches, err = branchQueue(ctx, tx, a, c, q.Round)
		return err
	})
	return q, apperr.Wrap(err, "review queue")
}

// currentRound picks round seq, or the round open today, or the last one
// opened, or the first.
func currentRound(rs []Round, today civil.Date, seq int) Round {
	if len(rs) == 0 {
		return Round{}
	}
	if seq != 0 {
		for _, r := range rs {
			if r.Seq == seq {
				return r
			}
		}
		return Round{}
	}
	pick := rs[0]
	for _, r := range rs {
		if r.Open(today) {
			pick = r
		}
	}
	return pick
}

// unitQueue lists the units the reader reviews in round r.
func unitQueue(ctx context.Context, tx *db.Tx, a *org.Actor, c camp, r Round, today civil.Date) ([]QueueUnit, error) {
	if a.MemberID == 0 || r.Seq == 0 {
		return []QueueUnit{}, nil
	}
	cand := map[int64]bool{}
	rows, err := tx.Query(ctx, `SELECT unit_id FROM review_assignments WHERE campaign_id = ? AND round = ? AND reviewer_member_id = ? AND ended_at = ''`, c.ID, r.Seq, a.MemberID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		cand[id] = true
	}
	rows.Close()
	if r.Mode == ByHead && r.HeadMemberID == a.MemberID {
		bs, err := org.UnitsBelowTx(ctx, tx, c.Root, org.Branch)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			cand[b.ID] = true
		}
	}
	if r.Mode == ByLiaison {
		units, err := org.LiaisonUnitsOfTx(ctx, tx, a.MemberID)
		if err != nil {
			return nil, err
		}
		for _, id := range units {
			cand[id] = true
		}
	}
	out := []QueueUnit{}
	for id := range cand {
		u, err := org.UnitTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if u.ClosedAt != "" || !u.Within(c.Root.Path) || u.ID == c.Root.ID {
			continue
		}
		reviewers, err := reviewersTx(ctx, tx, c.ID, r, u)
		if err != nil {
			return nil, err
		}
		qu := QueueUnit{Unit: u, Reviewers: reviewers}
		for _, v := range reviewers {
			if v.MemberID == a.MemberID {
				qu.Source = v.Source
			}
		}
		if qu.Source == "" {
			continue // reassigned to someone else
		}
		own, err := org.InOwnBranchTx(ctx, tx, a.MemberID, u)
		if err != nil {
			return nil, err
		}
		qu.Own = own
		err = tx.QueryRow(ctx, `SELECT id, late FROM reviews WHERE campaign_id = ? AND round = ? AND unit_id = ? AND member_id IS NULL ORDER BY id LIMIT 1`,
			c.ID, r.Seq, u.ID).Scan(&qu.ReviewID, &qu.Late)
		if err != nil && !isNoRows(err) {
			return nil, err
		}
		qu.Done = qu.ReviewID != 0
		qu.Overdue = !qu.Done && r.Closed(today)
		out = append(out, qu)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit.Path < out[j].Unit.Path })
	return out, nil
}

// branchQueue lists the branches whose members the reader reviews (their
// secretary grants), with each member's status in the round and the
// branch's own reviews of the round.
func branchQueue(ctx context.Context, tx *db.Tx, a *org.Actor, c camp, r Round) ([]BranchQueue, error) {
	out := []BranchQueue{}
	if r.Seq == 0 {
		return out, nil
	}
	for _, g := range a.Grants {
		if g.Role != org.RoleSecretary || g.UnitType != org.Branch {
			continue
		}
		b, err := org.UnitTx(ctx, tx, g.UnitID)
		if err != nil {
			return nil, err
		}
		if !b.Within(c.Root.Path) {
			continue
		}
		bq := BranchQueue{Branch: b}
		members, err := membersOf(ctx, tx, b)
		if err != nil {
			return nil, err
		}
		done := map[int64]MemberStatus{}
		rows, err := tx.Query(ctx, `SELECT r.member_id, r.id, r.rating FROM reviews r WHERE r.campaign_id = ? AND r.round = ? AND r.unit_id = ? AND r.member_id IS NOT NULL ORDER BY r.id`,
			c.ID, r.Seq, b.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ms MemberStatus
			if err := rows.Scan(&ms.MemberID, &ms.ReviewID, &ms.Rating); err != nil {
				rows.Close()
				return nil, err
			}
			done[ms.MemberID] = ms
		}
		rows.Close()
		for _, m := range members {
			ms := done[m.ID]
			ms.MemberID, ms.Name, ms.Self = m.ID, m.Name, m.ID == a.MemberID
			if ms.ReviewID != 0 {
				bq.Reviewed++
			}
			bq.Members = append(bq.Members, ms)
		}
		if bq.Reviews, err = listTx(ctx, tx, a, Filter{CampaignID: c.ID, Round: r.Seq, UnitID: b.ID}); err != nil {
			return nil, err
		}
		for i := range bq.Reviews {
			if err := loadStatements(ctx, tx, &bq.Reviews[i]); err != nil {
				return nil, err
			}
		}
		out = append(out, bq)
	}
	return out, nil
}

// MemberList is a branch's members for the list review form.
func (s *Service) MemberList(ctx context.Context, a *org.Actor, campaignID int64, seq int, branchID int64) (BranchQueue, Settings, error) {
	q, err := s.Queue(ctx, a, campaignID, seq)
	if err != nil {
		return BranchQueue{}, Settings{}, err
	}
	for _, b := range q.Branches {
		if b.Branch.ID == branchID {
			return b, q.Settings, nil
		}
	}
	return BranchQueue{}, Settings{}, apperr.Deny()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Todos is the home page's to-do source: a reviewer sees 待点评 N for the
// open round; a branch secretary sees the round's reviews of their branch
// whose statements (整改表态) are still to be recorded.
type Todos struct{}

// Todos implements campaign.TodoSource.
func (Todos) Todos(ctx context.Context, tx *db.Tx, userID int64, unitIDs []int64) ([]campaign.Todo, error) {
	var out []campaign.Todo
	if userID == 0 {
		return nil, nil
	}
	var memberID int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(member_id, 0) FROM users WHERE id = ?`, userID).Scan(&memberID); err != nil {
		if isNoRows(err) {
			return nil, nil
		}
		return nil, err
	}
	today := tx.Today()
	if memberID != 0 {
		// Units this member reviews: liaison units and reassignments, by campaign.
		units, err := org.LiaisonUnitsOfTx(ctx, tx, memberID)
		if err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT unit_id FROM review_assignments WHERE reviewer_member_id = ? AND ended_at = '' ORDER BY unit_id`, memberID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			if !containsID(units, id) {
				units = append(units, id)
			}
		}
		rows.Close()
		byCampaign := map[int64]int{}
		var order []int64
		seen := map[int64]bool{}
		for _, uid := range units {
			cid, err := campaign.For(ctx, tx, uid, today)
			if err != nil || cid == 0 {
				if err != nil {
					return nil, err
				}
				continue
			}
			c, err := loadCampaign(ctx, tx, cid)
			if err != nil {
				return nil, err
			}
			rs, err := roundsTx(ctx, tx, c)
			if err != nil {
				return nil, err
			}
			var r Round
			for _, x := range rs {
				if x.Open(today) {
					r = x
				}
			}
			if r.Seq == 0 {
				continue
			}
			u, err := org.UnitTx(ctx, tx, uid)
			if err != nil {
				return nil, err
			}
			reviewers, err := reviewersTx(ctx, tx, cid, r, u)
			if err != nil {
				return nil, err
			}
			mine := false
			for _, v := range reviewers {
				mine = mine || v.MemberID == memberID
			}
			if !mine {
				continue
			}
			if own, err := org.InOwnBranchTx(ctx, tx, memberID, u); err != nil || own {
				if err != nil {
					return nil, err
				}
				continue // the office must reassign it: nothing for this reviewer to do
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM reviews WHERE campaign_id = ? AND round = ? AND unit_id = ? AND member_id IS NULL`, cid, r.Seq, uid).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				if !seen[cid] {
					seen[cid] = true
					order = append(order, cid)
				}
				byCampaign[cid]++
			}
		}
		for _, cid := range order {
			out = append(out, campaign.Todo{UserID: userID, Title: fmt.Sprintf("待点评 %d", byCampaign[cid]), URL: fmt.Sprintf("/reviews?campaign=%d", cid), Source: "review"})
		}
	}
	// Statements to record: the round's reviews of the units the user holds
	// a post on (a branch's secretary) that have none yet.
	if len(unitIDs) == 0 {
		return out, nil
	}
	args := []any{}
	for _, id := range unitIDs {
		args = append(args, id)
	}
	rows, err := tx.Query(ctx, `SELECT r.id, r.unit_id, u.name FROM reviews r `+org.JoinUnit("u", "r.unit_id")+`
		JOIN campaigns k ON k.id = r.campaign_id AND k.status = 'active'
		WHERE r.member_id IS NULL AND r.unit_id IN (`+db.In(len(unitIDs))+`) AND NOT EXISTS (SELECT 1 FROM review_statements s WHERE s.review_id = r.id) ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, unit int64
		var name string
		if err := rows.Scan(&id, &unit, &name); err != nil {
			return nil, err
		}
		out = append(out, campaign.Todo{UserID: userID, UnitID: unit, Title: "记录整改表态：" + name, URL: fmt.Sprintf("/reviews/%d#statement", id), Source: "review"})
	}
	return out, rows.Err()
}

// Kinds are the records of this feature that complete required actions.
func Kinds() []campaign.Kind {
	return []campaign.Kind{
		{Code: KindLeader, Label: "第一次领导点评", LabelEn: "First leadership review"},
		{Code: KindLeader2, Label: "第二次领导点评", LabelEn: "Second leadership review"},
		{Code: KindLeader3, Label: "第三次领导点评", LabelEn: "Third leadership review"},
		{Code: KindStatement, Label: "整改表态", LabelEn: "Rectification statement"},
	}
}

// Assignment is a unit of the campaign with its reviewers for a round.
type Assignment struct {
	Unit      org.Unit   `json:"unit"`
	Reviewers []Reviewer `json:"reviewers"`
}

// Assignments lists, for the office, every branch (and every unit with a
// liaison leader) of the campaign with its reviewers in round seq, and the
// leaders who may be given a unit (those who have been liaison leaders, and
// the rounds' heads).
func (s *Service) Assignments(ctx context.Context, a *org.Actor, campaignID int64, seq int) ([]Assignment, error) {
	out := []Assignment{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !mayConfigure(a, c.Root) {
			return apperr.Deny()
		}
		r, err := roundTx(ctx, tx, c, seq)
		if err != nil {
			return err
		}
		units, err := org.UnitsBelowTx(ctx, tx, c.Root, org.Branch)
		if err != nil {
			return err
		}
		withLiaison, err := liaisonUnitsBelow(ctx, tx, c.Root)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, u := range units {
			seen[u.ID] = true
		}
		for _, id := range withLiaison {
			if !seen[id] {
				u, err := org.UnitTx(ctx, tx, id)
				if err != nil {
					return err
				}
				if u.ID != c.Root.ID {
					units = append(units, u)
				}
			}
		}
		sort.Slice(units, func(i, j int) bool { return units[i].Path < units[j].Path })
		for _, u := range units {
			if u.ClosedAt != "" {
				continue
			}
			rs, err := reviewersTx(ctx, tx, c.ID, r, u)
			if err != nil {
				return err
			}
			out = append(out, Assignment{Unit: u, Reviewers: rs})
		}
		return nil
	})
	return out, apperr.Wrap(err, "review assignments")
}

// Leaders lists the members who may be given a unit to review: those who
// are or were liaison leaders in the campaign's tree, and the rounds' heads.
func (s *Service) Leaders(ctx context.Context, a *org.Actor, campaignID int64) ([]Ref, error) {
	out := []Ref{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !mayConfigure(a, c.Root) {
			return apperr.Deny()
		}
		ls, err := org.LiaisonLeadersBelowTx(ctx, tx, c.Root)
		for _, l := range ls {
			out = append(out, Ref{ID: l.MemberID, Name: l.Leader})
		}
		return err
	})
	return out, apperr.Wrap(err, "review leaders")
}
