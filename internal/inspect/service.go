package inspect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// Service holds the use cases of supervision and bulletins.
type Service struct {
	DB       *db.DB
	Campaign *campaign.Service // the campaign's plan, its grid, and upward reports
}

var (
	errNoActor  = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	errNotFound = apperr.NotFoundf("督查", "Inspection")
	errRecorded = apperr.New(apperr.Conflict, "该单位的督查发现已经记录", "The findings for this unit have already been recorded")
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

func tooLong(field string, s string, max int, zh, en string) *apperr.Error {
	if utf8.RuneCountInString(s) > max {
		return apperr.Field(field, fmt.Sprintf("%s不能超过 %d 字", zh, max), fmt.Sprintf("%s may have at most %d characters", en, max))
	}
	return nil
}

type campaignHead struct {
	ID     int64
	Title  string
	Status string
	Root   org.Unit
}

func loadCampaign(ctx context.Context, tx *db.Tx, id int64) (campaignHead, error) {
	var c campaignHead
	var root int64
	err := tx.QueryRow(ctx, `SELECT id, title, status, unit_id FROM campaigns WHERE id = ?`, id).Scan(&c.ID, &c.Title, &c.Status, &root)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return c, err
	}
	c.Root, err = org.UnitTx(ctx, tx, root)
	return c, err
}

// CreateInput sets up an inspection.
type CreateInput struct {
	CampaignID int64      `json:"campaign_id"`
	Title      string     `json:"title"`
	HeldOn     civil.Date `json:"held_on"`
	PhaseSeq   int        `json:"phase_seq"` // checklist: required actions of phases up to this one (0: those due before the date)
	Team       []int64    `json:"team"`      // user ids
	Units      []int64    `json:"units"`     // branches (none: every open branch of the campaign)
	FreeItems  []string   `json:"free_items"`
	Note       string     `json:"note"`
}

// checklist builds the generated items: the branch, member and liaison
// leader actions of phases up to seq.
func checklist(c campaign.Campaign, seq int) []Item {
	var out []Item
	for _, p := range c.Phases {
		if p.Seq > seq {
			continue
		}
		for _, a := range p.Actions {
			if a.Owner == campaign.OwnerOffice || a.Kind == KindInspection {
				continue // the office's own actions, and the inspection itself
			}
			out = append(out, Item{ActionID: a.ID, Title: fmt.Sprintf("%d. %s：%s", p.Seq, p.Name, a.Title)})
		}
	}
	return out
}

// defaultPhase is the last phase due before day (at least the first).
func defaultPhase(c campaign.Campaign, day civil.Date) int {
	seq := 0
	for _, p := range c.Phases {
		if p.DueOn.Before(day) && p.Seq > seq {
			seq = p.Seq
		}
	}
	if seq == 0 && len(c.Phases) > 0 {
		seq = c.Phases[0].Seq
	}
	return seq
}

// Create sets up an inspection: the office of the campaign, a team of
// eligible accounts, branches of the campaign, a checklist.
func (s *Service) Create(ctx context.Context, a *org.Actor, in CreateInput) (Inspection, error) {
	if a == nil {
		return Inspection{}, errNoActor
	}
	in.Title, in.Note = clean(in.Title), clean(in.Note)
	fe := apperr.FieldErrors{}
	if in.Title == "" || utf8.RuneCountInString(in.Title) > MaxTitle {
		fe["title"] = apperr.Field("title", fmt.Sprintf("请填写督查名称（%d 字以内）", MaxTitle), fmt.Sprintf("Give the inspection a title (up to %d characters)", MaxTitle))
	}
	if in.HeldOn.IsZero() || !in.HeldOn.Valid() || !in.HeldOn.HasDay() {
		fe["held_on"] = apperr.Field("held_on", "请填写督查日期（年月日）", "Give the date of the inspection")
	}
	if e := tooLong("note", in.Note, MaxNote, "说明", "The note"); e != nil {
		fe["note"] = e
	}
	var free []string
	for _, f := range in.FreeItems {
		if f = clean(f); f != "" {
			free = append(free, f)
			if e := tooLong("free_items", f, MaxItemText, "检查项", "A checklist item"); e != nil {
				fe["free_items"] = e
			}
		}
	}
	if len(free) > MaxFree {
		fe["free_items"] = apperr.Field("free_items", fmt.Sprintf("自定检查项不能超过 %d 项", MaxFree), fmt.Sprintf("At most %d free items", MaxFree))
	}
	team := uniq(in.Team)
	if len(team) == 0 || len(team) > MaxTeam {
		fe["team"] = apperr.Field("team", fmt.Sprintf("请选择督查组成员（1–%d 人）", MaxTeam), fmt.Sprintf("Choose the team (1–%d people)", MaxTeam))
	}
	if err := fe.Err(); err != nil {
		return Inspection{}, err
	}
	c, err := s.Campaign.Get(ctx, a, in.CampaignID)
	if err != nil {
		return Inspection{}, err
	}
	seq := in.PhaseSeq
	if seq == 0 {
		seq = defaultPhase(c, in.HeldOn)
	}
	items := checklist(c, seq)
	for _, f := range free {
		items = append(items, Item{Title: f})
	}
	if len(items) == 0 {
		return Inspection{}, apperr.Field("free_items", "检查清单为空：请选择阶段或填写自定检查项", "The checklist is empty: choose a phase or add free items")
	}
	if len(items) > MaxItems {
		return Inspection{}, apperr.Field("phase_seq", fmt.Sprintf("检查项不能超过 %d 项", MaxItems), fmt.Sprintf("At most %d checklist items", MaxItems))
	}
	var id int64
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		h, err := loadCampaign(ctx, tx, in.CampaignID)
		if err != nil {
			return err
		}
		if !office(a, h.Root) {
			return apperr.Deny()
		}
		if h.Status == campaign.StatusFinished {
			return apperr.New(apperr.Conflict, "该活动已结束", "The campaign has finished")
		}
		// The team: eligible accounts.
		var names []string
		for _, uid := range team {
			var active bool
			var name string
			err := tx.QueryRow(ctx, `SELECT disabled = FALSE, CASE WHEN display_name = '' THEN username ELSE display_name END FROM users WHERE id = ?`, uid).Scan(&active, &name)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
				return apperr.Field("team", "督查组成员账号不存在或已停用", "A team member's account does not exist or is disabled")
			}
			if err != nil {
				return err
			}
			cand, err := org.ActorTx(ctx, tx, uid)
			if err != nil {
				return err
			}
			if !eligible(cand, h.Root) {
				return apperr.Field("team", "「"+name+"」不是领导小组成员或联系领导，不能加入督查组", name+" is neither a leadership-group member nor a liaison leader")
			}
			names = append(names, name)
		}
		// The units: branches of the campaign.
		units, err := s.inspectedUnits(ctx, tx, h.Root, in.Units)
		if err != nil {
			return err
		}
		now := tx.NowText()
		id, err = tx.Insert(ctx, `INSERT INTO inspections (campaign_id, unit_id, title, held_on, phase_seq, note, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, h.Root.ID, in.Title, in.HeldOn.String(), seq, in.Note, nullID(a.UserID), now, now)
		if err != nil {
			return err
		}
		for _, uid := range team {
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_team (inspection_id, user_id) VALUES (?, ?)`, id, uid); err != nil {
				return err
			}
		}
		var unitNames []string
		for _, u := range units {
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_units (inspection_id, unit_id) VALUES (?, ?)`, id, u.ID); err != nil {
				return err
			}
			unitNames = append(unitNames, u.Name)
		}
		for i, it := range items {
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_items (inspection_id, seq, action_id, title) VALUES (?, ?, ?, ?)`, id, i+1, nullID(it.ActionID), it.Title); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "inspection.create", "inspection", id, nil, map[string]any{"campaign_id": h.ID, "title": in.Title,
			"held_on": in.HeldOn.String(), "phase_seq": seq, "team": names, "units": unitNames, "items": len(items)})
	})
	if err != nil {
		return Inspection{}, apperr.Wrap(err, "create inspection")
	}
	return s.Get(ctx, a, id)
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// inspectedUnits checks the chosen units (open branches of the campaign)
// or, with none chosen, returns every open branch of it.
func (s *Service) inspectedUnits(ctx context.Context, tx *db.Tx, root org.Unit, ids []int64) ([]org.Unit, error) {
	ids = uniq(ids)
	if len(ids) == 0 {
		all, err := org.UnitsBelowTx(ctx, tx, root, org.Branch)
		if err != nil {
			return nil, err
		}
		var out []org.Unit
		for _, u := range all {
			if !u.Closed() {
				out = append(out, u)
			}
		}
		if len(out) == 0 {
			return nil, apperr.Field("units", "该活动范围内没有党支部", "The campaign covers no branch")
		}
		return out, nil
	}
	units, err := org.UnitsTx(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	var out []org.Unit
	for _, id := range ids {
		u, ok := units[id]
		if !ok || u.Closed() || u.Type != org.Branch || !u.Within(root.Path) {
			return nil, apperr.Field("units", "请选择本活动范围内的党支部", "Choose branches covered by the campaign")
		}
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Candidate is an account that may be on an inspection's team.
type Candidate struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// Candidates lists the accounts the office may put on a team for the
// campaign: holders of the leader role over its root and liaison leaders
// inside it.
func (s *Service) Candidates(ctx context.Context, a *org.Actor, campaignID int64) ([]Candidate, error) {
	var out []Candidate
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		h, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !office(a, h.Root) {
			return apperr.Deny()
		}
		holders, err := org.HoldersTx(ctx, tx, h.Root, org.RoleLeader)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, x := range holders {
			seen[x.UserID] = true
			out = append(out, Candidate{UserID: x.UserID, Name: x.Name})
		}
		liaisons, err := org.LiaisonHoldersTx(ctx, tx, h.Root)
		if err != nil {
			return err
		}
		for _, x := range liaisons {
			if !seen[x.UserID] {
				seen[x.UserID] = true
				out = append(out, Candidate{UserID: x.UserID, Name: x.Name})
			}
		}
		return nil
	})
	return out, apperr.Wrap(err, "inspection candidates")
}

const inspectionCols = `i.id, i.campaign_id, c.title, i.unit_id, u.name, i.title, i.held_on, i.phase_seq, i.note, i.created_at`

func inspectionFrom() string {
	return ` FROM inspections i JOIN campaigns c ON c.id = i.campaign_id ` + org.JoinUnit("u", "i.unit_id")
}

func scanInspection(sc interface{ Scan(...any) error }) (Inspection, error) {
	var in Inspection
	err := sc.Scan(&in.ID, &in.CampaignID, &in.CampaignTitle, &in.UnitID, &in.UnitName, &in.Title, &in.HeldOn, &in.PhaseSeq, &in.Note, &in.CreatedAt)
	return in, err
}

func getInspection(ctx context.Context, tx *db.Tx, id int64) (Inspection, error) {
	in, err := scanInspection(tx.QueryRow(ctx, `SELECT `+inspectionCols+inspectionFrom()+` WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, errNotFound
	}
	return in, err
}

// fill reads an inspection's team, items, units and the findings the actor
// may read, with the actor's verdicts.
func fill(ctx context.Context, tx *db.Tx, a *org.Actor, in *Inspection) error {
	root, err := org.UnitTx(ctx, tx, in.UnitID)
	if err != nil {
		return err
	}
	team, err := onTeam(ctx, tx, a, in.ID)
	if err != nil {
		return err
	}
	all := readsAll(a, root, team)
	in.May = May{Bulletin: office(a, root), All: all}
	rows, err := tx.Query(ctx, `SELECT us.id, CASE WHEN us.display_name = '' THEN us.username ELSE us.display_name END
		FROM inspection_team t JOIN users us ON us.id = t.user_id WHERE t.inspection_id = ? ORDER BY us.id`, in.ID)
	if err != nil {
		return err
	}
	in.Team = []Inspector{}
	for rows.Next() {
		var x Inspector
		if err := rows.Scan(&x.UserID, &x.Name); err != nil {
			rows.Close()
			return err
		}
		in.Team = append(in.Team, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if in.Items, err = items(ctx, tx, in.ID); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT iu.unit_id FROM inspection_units iu `+org.JoinUnit("u", "iu.unit_id")+` WHERE iu.inspection_id = ? ORDER BY u.path`, in.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	units, err := org.UnitsTx(ctx, tx, ids)
	if err != nil {
		return err
	}
	findings, err := findingsOf(ctx, tx, in.ID)
	if err != nil {
		return err
	}
	in.Units = []UnitRow{}
	for _, id := range ids {
		u := units[id]
		if !all && !readsUnit(a, u) {
			continue
		}
		row := UnitRow{UnitID: u.ID, UnitName: u.Name, Finding: findings[u.ID]}
		if row.Own, err = ownBranch(ctx, tx, a, u); err != nil {
			return err
		}
		row.MayRecord = team && !row.Own && row.Finding == nil
		if row.MayRecord {
			in.May.Record = true
		}
		if row.Finding != nil {
			in.Recorded++
		}
		in.Units = append(in.Units, row)
	}
	return nil
}

func items(ctx context.Context, tx *db.Tx, inspectionID int64) ([]Item, error) {
	rows, err := tx.Query(ctx, `SELECT id, seq, COALESCE(action_id, 0), title FROM inspection_items WHERE inspection_id = ? ORDER BY seq`, inspectionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.Seq, &it.ActionID, &it.Title); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// findingsOf reads an inspection's findings by unit, with their marks,
// problems and the ledger entries' status.
func findingsOf(ctx context.Context, tx *db.Tx, inspectionID int64) (map[int64]*Finding, error) {
	return findingsWhere(ctx, tx, `f.inspection_id = ?`, inspectionID)
}

func findingsWhere(ctx context.Context, tx *db.Tx, where string, args ...any) (map[int64]*Finding, error) {
	rows, err := tx.Query(ctx, `SELECT f.id, f.unit_id, u.name, f.summary, f.good, COALESCE(CASE WHEN us.display_name = '' THEN us.username ELSE us.display_name END, ''), f.recorded_at
		FROM inspection_findings f `+org.JoinUnit("u", "f.unit_id")+` LEFT JOIN users us ON us.id = f.recorded_by WHERE `+where+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64]*Finding{}
	byID := map[int64]*Finding{}
	var order []int64
	for rows.Next() {
		f := &Finding{Marks: []Mark{}, Problems: []Problem{}}
		if err := rows.Scan(&f.ID, &f.UnitID, &f.UnitName, &f.Summary, &f.Good, &f.RecordedBy, &f.RecordedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out[f.UnitID] = f
		byID[f.ID] = f
		order = append(order, f.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, fid := range order {
		f := byID[fid]
		mr, err := tx.Query(ctx, `SELECT m.item_id, m.verdict, m.note FROM inspection_marks m JOIN inspection_items it ON it.id = m.item_id WHERE m.finding_id = ? ORDER BY it.seq`, fid)
		if err != nil {
			return nil, err
		}
		for mr.Next() {
			var m Mark
			if err := mr.Scan(&m.ItemID, &m.Verdict, &m.Note); err != nil {
				mr.Close()
				return nil, err
			}
			f.Marks = append(f.Marks, m)
		}
		mr.Close()
		if err := mr.Err(); err != nil {
			return nil, err
		}
		pr, err := tx.Query(ctx, `SELECT id, problem, measure, deadline, COALESCE(rectification_id, 0) FROM inspection_problems WHERE finding_id = ? ORDER BY seq`, fid)
		if err != nil {
			return nil, err
		}
		for pr.Next() {
			var p Problem
			var deadline string
			if err := pr.Scan(&p.ID, &p.Problem, &p.Measure, &deadline, &p.RectificationID); err != nil {
				pr.Close()
				return nil, err
			}
			if deadline != "" {
				if p.Deadline, err = civil.ParseStorage(deadline); err != nil {
					pr.Close()
					return nil, err
				}
			}
			f.Problems = append(f.Problems, p)
		}
		pr.Close()
		if err := pr.Err(); err != nil {
			return nil, err
		}
		entries, err := rectify.OfSource(ctx, tx, rectify.FromInspection, fid)
		if err != nil {
			return nil, err
		}
		for i := range f.Problems {
			for _, e := range entries {
				if e.ID == f.Problems[i].RectificationID {
					f.Problems[i].Status, f.Problems[i].Overdue = e.Status, e.Overdue
				}
			}
		}
	}
	return out, nil
}

// Get returns an inspection with the findings the actor may read and the
// grid's state of each generated item beside each unit.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Inspection, error) {
	if a == nil {
		return Inspection{}, errNoActor
	}
	var in Inspection
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if in, err = getInspection(ctx, tx, id); err != nil {
			return err
		}
		if err := fill(ctx, tx, a, &in); err != nil {
			return err
		}
		if !in.May.All && len(in.Units) == 0 {
			return apperr.Deny()
		}
		return nil
	})
	if err != nil {
		return Inspection{}, apperr.Wrap(err, "get inspection")
	}
	s.withGrid(ctx, a, &in)
	return in, nil
}

// withGrid puts the grid's status of each generated item beside each unit
// the actor sees on the grid (nothing when the grid is not theirs to read).
func (s *Service) withGrid(ctx context.Context, a *org.Actor, in *Inspection) {
	if s.Campaign == nil {
		return
	}
	g, err := s.Campaign.Grid(ctx, a, in.CampaignID, campaign.GridFilter{})
	if err != nil {
		return
	}
	byAction := map[int64][]int64{}
	for _, it := range in.Items {
		if it.ActionID != 0 {
			byAction[it.ActionID] = append(byAction[it.ActionID], it.ID)
		}
	}
	rows := map[int64]*campaign.Row{}
	for i := range g.Rows {
		rows[g.Rows[i].Unit.ID] = &g.Rows[i]
	}
	for i := range in.Units {
		r := rows[in.Units[i].UnitID]
		if r == nil {
			continue
		}
		in.Units[i].Grid = map[int64]campaign.Status{}
		for _, c := range r.Cells {
			for _, it := range c.Items {
				for _, itemID := range byAction[it.Action.ID] {
					in.Units[i].Grid[itemID] = it.Status
				}
			}
		}
	}
}

// List returns the inspections the actor reads (whole, or for one of
// their units), newest first, optionally of one campaign.
func (s *Service) List(ctx context.Context, a *org.Actor, campaignID int64) ([]Inspection, error) {
	if a == nil {
		return nil, errNoActor
	}
	out := []Inspection{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		q := `SELECT ` + inspectionCols + inspectionFrom()
		var args []any
		if campaignID != 0 {
			q += ` WHERE i.campaign_id = ?`
			args = append(args, campaignID)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY i.held_on DESC, i.id DESC`, args...)
		if err != nil {
			return err
		}
		var list []Inspection
		for rows.Next() {
			in, err := scanInspection(rows)
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, in)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, in := range list {
			if err := fill(ctx, tx, a, &in); err != nil {
				return err
			}
			if in.May.All || len(in.Units) > 0 {
				out = append(out, in)
			}
		}
		return nil
	})
	return out, apperr.Wrap(err, "list inspections")
}

// MarkInput is a verdict on one checklist item.
type MarkInput struct {
	ItemID  int64   `json:"item_id"`
	Verdict Verdict `json:"verdict"`
	Note    string  `json:"note"`
}

// ProblemInput is a problem found; with a deadline it enters the ledger.
type ProblemInput struct {
	Problem  string     `json:"problem"`
	Measure  string     `json:"measure"`
	Deadline civil.Date `json:"deadline"`
}

// FindingsInput is what an inspector records for one unit.
type FindingsInput struct {
	UnitID   int64          `json:"unit_id"`
	Summary  string         `json:"summary"`
	Good     string         `json:"good"`
	Marks    []MarkInput    `json:"marks"`
	Problems []ProblemInput `json:"problems"`
}

// Record records a unit's findings in one transaction: the verdicts, the
// problems, a ledger entry for each problem with a deadline (raised by the
// inspecting office, for the unit to put right), and the signal that
// completes the liaison leaders' inspection action for the unit. Findings
// are recorded once per unit.
func (s *Service) Record(ctx context.Context, a *org.Actor, inspectionID int64, in FindingsInput) (Finding, error) {
	if a == nil {
		return Finding{}, errNoActor
	}
	in.Summary, in.Good = clean(in.Summary), clean(in.Good)
	fe := apperr.FieldErrors{}
	if e := tooLong("summary", in.Summary, MaxText, "总体情况", "The summary"); e != nil {
		fe["summary"] = e
	}
	if e := tooLong("good", in.Good, MaxText, "好的做法", "The good practices"); e != nil {
		fe["good"] = e
	}
	var problems []ProblemInput
	for _, p := range in.Problems {
		p.Problem, p.Measure = clean(p.Problem), clean(p.Measure)
		if p.Problem == "" && p.Measure == "" && p.Deadline.IsZero() {
			continue
		}
		if p.Problem == "" {
			fe["problems"] = apperr.Field("problems", "请写明每个问题", "Describe each problem")
		}
		if !p.Deadline.IsZero() && (!p.Deadline.Valid() || !p.Deadline.HasDay()) {
			fe["problems"] = apperr.Field("problems", "整改时限须为有效日期", "A deadline must be a valid date")
		}
		if p.Deadline.IsZero() { // the ledger checks the texts of those with a deadline
			if e := tooLong("problems", p.Problem, rectify.MaxProblem, "问题", "A problem"); e != nil {
				fe["problems"] = e
			}
			if e := tooLong("problems", p.Measure, rectify.MaxMeasure, "整改措施", "A measure"); e != nil {
				fe["problems"] = e
			}
		}
		problems = append(problems, p)
	}
	if len(problems) > MaxProblems {
		fe["problems"] = apperr.Field("problems", fmt.Sprintf("问题不能超过 %d 个", MaxProblems), fmt.Sprintf("At most %d problems", MaxProblems))
	}
	marks := map[int64]MarkInput{}
	for _, m := range in.Marks {
		m.Note = clean(m.Note)
		if !m.Verdict.Valid() {
			fe["marks"] = apperr.Field("marks", "每个检查项须选择符合、基本符合或不符合", "Choose meets, mostly meets or does not meet for each item")
		}
		if e := tooLong("marks", m.Note, MaxMarkNote, "检查项说明", "An item's note"); e != nil {
			fe["marks"] = e
		}
		marks[m.ItemID] = m
	}
	if err := fe.Err(); err != nil {
		return Finding{}, err
	}
	var out Finding
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		insp, err := getInspection(ctx, tx, inspectionID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM inspection_units WHERE inspection_id = ? AND unit_id = ?`, inspectionID, in.UnitID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if team, err := onTeam(ctx, tx, a, inspectionID); err != nil || !team {
				if err == nil {
					err = errNotTeam
				}
				return err
			}
			return apperr.Field("unit_id", "该单位不在本次督查范围内", "That unit is not inspected in this inspection")
		}
		unit, err := org.UnitTx(ctx, tx, in.UnitID)
		if err != nil {
			return err
		}
		if err := mayRecord(ctx, tx, a, inspectionID, unit); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM inspection_findings WHERE inspection_id = ? AND unit_id = ?`, inspectionID, in.UnitID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errRecorded
		}
		list, err := items(ctx, tx, inspectionID)
		if err != nil {
			return err
		}
		for _, it := range list {
			if _, ok := marks[it.ID]; !ok {
				return apperr.Field("marks", "请对每个检查项作出判断（"+it.Title+"）", "Give a verdict on every checklist item ("+it.Title+")")
			}
		}
		if len(marks) != len(list) {
			return apperr.Field("marks", "检查项不属于本次督查", "An item is not on this inspection's checklist")
		}
		fid, err := tx.Insert(ctx, `INSERT INTO inspection_findings (inspection_id, campaign_id, unit_id, summary, good, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			inspectionID, insp.CampaignID, unit.ID, in.Summary, in.Good, nullID(a.UserID), tx.NowText())
		if db.IsUniqueViolation(err) { // recorded meanwhile by another inspector
			return errRecorded
		}
		if err != nil {
			return err
		}
		for _, it := range list {
			m := marks[it.ID]
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_marks (finding_id, item_id, verdict, note) VALUES (?, ?, ?, ?)`, fid, it.ID, string(m.Verdict), m.Note); err != nil {
				return err
			}
		}
		raised := 0
		for i, p := range problems {
			var entry int64
			if !p.Deadline.IsZero() {
				entry, err = rectify.Raise(ctx, tx, who(a), rectify.Raised{CampaignID: insp.CampaignID, UnitID: unit.ID, Source: rectify.FromInspection,
					SourceRef: fid, RaisedByUnitID: insp.UnitID, Problem: p.Problem, Measure: p.Measure, Deadline: p.Deadline})
				if err != nil {
					return err
				}
				raised++
			}
			deadline := ""
			if !p.Deadline.IsZero() {
				deadline = p.Deadline.String()
			}
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_problems (finding_id, seq, problem, measure, deadline, rectification_id) VALUES (?, ?, ?, ?, ?, ?)`,
				fid, i+1, p.Problem, p.Measure, deadline, nullID(entry)); err != nil {
				return err
			}
		}
		// The liaison leaders' action: the branch and each unit in it (a
		// liaison leader of a 党小组 is answered by the branch's inspection).
		sub, err := org.SubtreeTx(ctx, tx, unit.Path, 0)
		if err != nil {
			return err
		}
		for _, u := range sub {
			if u.Closed() {
				continue
			}
			if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: insp.CampaignID, Kind: KindInspection, UnitID: u.ID, RefID: fid,
				Note: insp.Title + "：" + unit.Name}); err != nil {
				return err
			}
		}
		found, err := findingsWhere(ctx, tx, `f.id = ?`, fid)
		if err != nil {
			return err
		}
		out = *found[unit.ID]
		return audit.Record(ctx, tx, who(a), "inspection.findings", "inspection_finding", fid, nil, map[string]any{"inspection_id": inspectionID,
			"unit_id": unit.ID, "marks": len(list), "problems": len(problems), "ledger_entries": raised})
	})
	return out, apperr.Wrap(err, "record findings")
}
