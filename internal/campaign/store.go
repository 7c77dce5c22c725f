package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"unicode/utf8"

	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

// zone is where the campaign's days are counted: the one configured zone (--tz).
func (s *Service) zone() *time.Location { return s.DB.Location() }

// today is the calendar day now in the configured zone (the DB's clock).
func (s *Service) today() civil.Date { return s.DB.Today() }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func getUnit(ctx context.Context, tx *db.Tx, id int64) (org.Unit, error) {
	return org.UnitTx(ctx, tx, id)
}

// CreateInput is what creating a campaign needs.
type CreateInput struct {
	TemplateID int64  `json:"template_id"` // 0: the built-in template; -1: from scratch
	Year       int    `json:"year"`
	UnitID     int64  `json:"unit_id"`
	Title      string `json:"title"`
}

// ValidatePhases checks dates: each phase within itself in order, phases
// not overlapping, actions within the campaign year. It returns the problems.
func ValidatePhases(year int, phases []Phase) apperr.FieldErrors {
	fe := apperr.FieldErrors{}
	for i, p := range phases {
		key := fmt.Sprintf("phase_%d", i+1)
		switch {
		case strings.TrimSpace(p.Name) == "":
			fe[key] = apperr.Field(key, fmt.Sprintf("第%d阶段缺少名称", i+1), fmt.Sprintf("Phase %d has no name", i+1))
		case p.StartsOn.IsZero() || p.DueOn.IsZero():
			fe[key] = apperr.Field(key, fmt.Sprintf("「%s」须有开始和截止日期", p.Name), fmt.Sprintf("Phase %s needs start and due dates", p.Name))
		case p.DueOn.Before(p.StartsOn):
			fe[key] = apperr.Field(key, fmt.Sprintf("「%s」的截止日期（%s）早于开始日期（%s）", p.Name, p.DueOn.Chinese(), p.StartsOn.Chinese()),
				fmt.Sprintf("Phase %s ends (%s) before it starts (%s)", p.Name, p.DueOn, p.StartsOn))
		case p.StartsOn.Y != year || p.DueOn.Y != year:
			fe[key] = apperr.Field(key, fmt.Sprintf("「%s」的日期不在%d年内", p.Name, year), fmt.Sprintf("Phase %s is not within %d", p.Name, year))
		case i > 0 && !phases[i-1].DueOn.IsZero() && !p.StartsOn.After(phases[i-1].DueOn):
			fe[key] = apperr.Field(key, fmt.Sprintf("「%s」开始于%s，与上一阶段「%s」（截止%s）重叠", p.Name, p.StartsOn.Chinese(), phases[i-1].Name, phases[i-1].DueOn.Chinese()),
				fmt.Sprintf("Phase %s overlaps the previous one", p.Name))
		}
		for _, a := range p.Actions {
			if !a.DueOn.IsZero() && (a.DueOn.Before(p.StartsOn) || a.DueOn.After(p.DueOn)) {
				fe[key] = apperr.Field(key, fmt.Sprintf("规定动作「%s」的截止日期%s不在阶段「%s」之内", a.Title, a.DueOn.Chinese(), p.Name),
					fmt.Sprintf("Action %s is due outside its phase", a.Title))
			}
			if !a.Owner.Valid() {
				fe[key] = apperr.Field(key, fmt.Sprintf("规定动作「%s」的责任主体无效", a.Title), "Unknown owner")
			}
		}
	}
	return fe
}

// Create makes a campaign for a subtree from a template (or empty).
func (s *Service) Create(ctx context.Context, a *org.Actor, in CreateInput) (Campaign, error) {
	if in.Year < 2000 || in.Year > 2100 {
		return Campaign{}, apperr.Field("year", "请填写活动年度（如 2026）", "Give the campaign year")
	}
	var t Template
	switch {
	case in.TemplateID == 0:
		t = BuiltinTemplate()
	case in.TemplateID > 0:
		var err error
		if t, err = s.template(ctx, in.TemplateID); err != nil {
			return Campaign{}, err
		}
	default:
		t = Template{Title: "%d年创先争优活动"}
	}
	phases, err := t.Instantiate(in.Year)
	if err != nil {
		return Campaign{}, apperr.New(apperr.Invalid, "模板中的日期有误："+err.Error(), "The template has a bad date: "+err.Error())
	}
	if err := ValidatePhases(in.Year, phases).Err(); err != nil {
		return Campaign{}, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = strings.ReplaceAll(t.Title, "%d", fmt.Sprint(in.Year))
	}
	if utf8.RuneCountInString(title) > 100 {
		return Campaign{}, apperr.Field("title", "活动名称不能超过 100 个字", "The title may have at most 100 characters")
	}
	c := Campaign{Title: title, Year: in.Year, UnitID: in.UnitID, PlanText: t.Plan, Status: StatusActive, Phases: phases}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, in.UnitID)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		if root.Closed() {
			return apperr.Field("unit_id", "该组织已撤销", "That unit is closed")
		}
		// Two campaigns may run at once, but not over overlapping subtrees in one year.
		rows, err := tx.Query(ctx, `SELECT c.title, u.path FROM campaigns c `+org.JoinUnit("u", "c.unit_id")+` WHERE c.year = ? AND c.status = 'active'`, in.Year)
		if err != nil {
			return err
		}
		for rows.Next() {
			var other, path string
			if err := rows.Scan(&other, &path); err != nil {
				rows.Close()
				return err
			}
			if strings.HasPrefix(path, root.Path) || strings.HasPrefix(root.Path, path) {
				rows.Close()
				return apperr.Newf(apperr.Conflict, "%d年已有覆盖这些组织的活动「%s」", "A %d campaign already covers these units: %s", in.Year, other)
			}
		}
		rows.Close()
		c.UnitName = root.Name
		c.ID, err = tx.Insert(ctx, `INSERT INTO campaigns (title, year, unit_id, plan_text, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)`,
			c.Title, c.Year, c.UnitID, c.PlanText, nullID(a.UserID), tx.NowText(), tx.NowText())
		if err != nil {
			return err
		}
		c.CreatedAt = tx.NowText()
		for i := range c.Phases {
			if err := insertPhase(ctx, tx, c.ID, &c.Phases[i]); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "campaign.create", "campaign", c.ID, nil, map[string]any{"title": c.Title, "year": c.Year, "unit": root.Name, "template": t.Name})
	})
	if err != nil {
		return Campaign{}, apperr.Wrap(err, "create campaign")
	}
	return c, nil
}

func insertPhase(ctx context.Context, tx *db.Tx, campaignID int64, p *Phase) error {
	var err error
	p.ID, err = tx.Insert(ctx, `INSERT INTO campaign_phases (campaign_id, seq, name, description, starts_on, due_on) VALUES (?, ?, ?, ?, ?, ?)`,
		campaignID, p.Seq, p.Name, p.Description, p.StartsOn.String(), p.DueOn.String())
	if err != nil {
		return err
	}
	for j := range p.Actions {
		ac := &p.Actions[j]
		ac.PhaseID = p.ID
		if ac.Kind == "" {
			ac.Kind = ManualKind
		}
		if ac.ID, err = tx.Insert(ctx, `INSERT INTO campaign_actions (phase_id, seq, title, description, owner, kind, due_on) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, ac.Seq, ac.Title, ac.Description, string(ac.Owner), ac.Kind, ac.DueOn.String()); err != nil {
			return err
		}
	}
	return nil
}

// load reads a campaign with its phases and actions.
func load(ctx context.Context, tx *db.Tx, id int64) (Campaign, org.Unit, error) {
	c, _, err := loadHead(ctx, tx, id)
	if err != nil {
		return c, org.Unit{}, err
	}
	rows, err := tx.Query(ctx, `SELECT id, seq, name, description, starts_on, due_on FROM campaign_phases WHERE campaign_id = ? ORDER BY seq, id`, id)
	if err != nil {
		return c, org.Unit{}, err
	}
	idx := map[int64]int{}
	for rows.Next() {
		var p Phase
		if err := rows.Scan(&p.ID, &p.Seq, &p.Name, &p.Description, &p.StartsOn, &p.DueOn); err != nil {
			rows.Close()
			return c, org.Unit{}, err
		}
		idx[p.ID] = len(c.Phases)
		p.Actions = []Action{}
		c.Phases = append(c.Phases, p)
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT a.id, a.phase_id, a.seq, a.title, a.description, a.owner, a.kind, a.due_on FROM campaign_actions a
		JOIN campaign_phases p ON p.id = a.phase_id WHERE p.campaign_id = ? ORDER BY a.seq, a.id`, id)
	if err != nil {
		return c, org.Unit{}, err
	}
	for rows.Next() {
		var ac Action
		if err := rows.Scan(&ac.ID, &ac.PhaseID, &ac.Seq, &ac.Title, &ac.Description, &ac.Owner, &ac.Kind, &ac.DueOn); err != nil {
			rows.Close()
			return c, org.Unit{}, err
		}
		if i, ok := idx[ac.PhaseID]; ok {
			c.Phases[i].Actions = append(c.Phases[i].Actions, ac)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, org.Unit{}, err
	}
	root, err := getUnit(ctx, tx, c.UnitID)
	return c, root, err
}

// loadHead reads a campaign without its phases, and its root unit.
func loadHead(ctx context.Context, tx *db.Tx, id int64) (Campaign, org.Unit, error) {
	var c Campaign
	var file sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT c.id, c.title, c.year, c.unit_id, u.name, c.plan_text, c.plan_file_id, c.status, c.created_at
		FROM campaigns c `+org.JoinUnit("u", "c.unit_id")+` WHERE c.id = ?`, id).
		Scan(&c.ID, &c.Title, &c.Year, &c.UnitID, &c.UnitName, &c.PlanText, &file, &c.Status, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, org.Unit{}, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return c, org.Unit{}, err
	}
	c.PlanFileID = file.Int64
	root, err := getUnit(ctx, tx, c.UnitID)
	return c, root, err
}

// For returns the campaign that a record made for unitID on day belongs to:
// the active campaign over the unit for day's year (the innermost when
// several cover it), or else the unit's latest active campaign. It returns
// 0 when no active campaign covers the unit.
func For(ctx context.Context, tx *db.Tx, unitID int64, day civil.Date) (int64, error) {
	u, err := org.UnitTx(ctx, tx, unitID)
	if err != nil {
		return 0, err
	}
	covers := org.CampaignCovers("c.unit_id", u)
	var id int64
	err = tx.QueryRow(ctx, `SELECT c.id FROM campaigns c `+org.JoinUnit("r", "c.unit_id")+`
		WHERE c.status = 'active' AND `+covers.SQL+`
		ORDER BY CASE WHEN c.year = ? THEN 0 ELSE 1 END, length(r.path) DESC, c.year DESC, c.id DESC LIMIT 1`, append(covers.Args, day.Y)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// Get returns a campaign the actor may see.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Campaign, error) {
	var c Campaign
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var root org.Unit
		var err error
		if c, root, err = load(ctx, tx, id); err != nil {
			return err
		}
		if !canSee(a, root, memberUnitPath(ctx, tx, a)) {
			return apperr.Deny()
		}
		return nil
	})
	return c, apperr.Wrap(err, "get campaign")
}

// List returns the campaigns the actor may see, newest year first.
func (s *Service) List(ctx context.Context, a *org.Actor) ([]Campaign, error) {
	out := []Campaign{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		mp := memberUnitPath(ctx, tx, a)
		rows, err := tx.Query(ctx, `SELECT c.id, c.title, c.year, c.unit_id, u.name, c.status, c.created_at, u.path, u.type, COALESCE(u.parent_id, 0)
			FROM campaigns c `+org.JoinUnit("u", "c.unit_id")+` ORDER BY c.year DESC, c.id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Campaign
			var u org.Unit
			if err := rows.Scan(&c.ID, &c.Title, &c.Year, &c.UnitID, &c.UnitName, &c.Status, &c.CreatedAt, &u.Path, &u.Type, &u.ParentID); err != nil {
				return err
			}
			u.ID = c.UnitID
			if canSee(a, u, mp) {
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list campaigns")
}

// PhaseInput edits a phase.
type PhaseInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	StartsOn    string `json:"starts_on"`
	DueOn       string `json:"due_on"`
}

func parseDate(field, v string) (civil.Date, error) {
	d, err := civil.Parse(strings.TrimSpace(v))
	if err != nil {
		var pe *civil.ParseError
		if errors.As(err, &pe) {
			return d, apperr.Field(field, pe.Msg, pe.MsgEn)
		}
		return d, apperr.Field(field, "日期无效", "Invalid date")
	}
	if !d.HasDay() {
		return d, apperr.Field(field, "请写到具体日期，如 2026-06-20", "Give a full date, e.g. 2026-06-20")
	}
	return d, nil
}

// UpdatePhase changes a phase's name, description and dates. The office
// may set dates in the past (recording a campaign late); overlaps and
// reversed dates are refused.
func (s *Service) UpdatePhase(ctx context.Context, a *org.Actor, campaignID, phaseID int64, in PhaseInput) (Phase, error) {
	starts, err1 := parseDate("starts_on", in.StartsOn)
	due, err2 := parseDate("due_on", in.DueOn)
	if err1 != nil {
		return Phase{}, err1
	}
	if err2 != nil {
		return Phase{}, err2
	}
	var out Phase
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		found := false
		for i := range c.Phases {
			if c.Phases[i].ID == phaseID {
				found = true
				before := c.Phases[i]
				c.Phases[i].Name, c.Phases[i].Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
				c.Phases[i].StartsOn, c.Phases[i].DueOn = starts, due
				out = c.Phases[i]
				if err := ValidatePhases(c.Year, c.Phases).Err(); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE campaign_phases SET name = ?, description = ?, starts_on = ?, due_on = ? WHERE id = ?`,
					out.Name, out.Description, starts.String(), due.String(), phaseID); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, who(a), "campaign.phase_update", "campaign_phase", phaseID, before, out); err != nil {
					return err
				}
			}
		}
		if !found {
			return apperr.NotFoundf("阶段", "Phase")
		}
		return nil
	})
	return out, apperr.Wrap(err, "update phase")
}

// ActionInput adds or edits a required action.
type ActionInput struct {
	PhaseID     int64  `json:"phase_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Owner       Owner  `json:"owner"`
	Kind        string `json:"kind"`
	DueOn       string `json:"due_on"`
}

// SaveAction adds (actionID 0) or changes a required action.
func (s *Service) SaveAction(ctx context.Context, a *org.Actor, campaignID, actionID int64, in ActionInput) (Action, error) {
	ac := Action{ID: actionID, PhaseID: in.PhaseID, Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description), Owner: in.Owner, Kind: in.Kind}
	if ac.Title == "" || utf8.RuneCountInString(ac.Title) > 100 {
		return ac, apperr.Field("title", "请填写规定动作名称（100 字以内）", "Give the action a title (up to 100 characters)")
	}
	if !ac.Owner.Valid() {
		return ac, apperr.Field("owner", "请选择责任主体：机关党委、各党支部、全体党员或联系领导", "Choose who owes the action")
	}
	if ac.Kind == "" {
		ac.Kind = ManualKind
	}
	if ac.Kind != ManualKind && !s.knownKind(ac.Kind) && !strings.Contains(ac.Kind, ".") {
		return ac, apperr.Field("kind", "未知的完成方式", "Unknown completion kind")
	}
	if strings.TrimSpace(in.DueOn) != "" {
		d, err := parseDate("due_on", in.DueOn)
		if err != nil {
			return ac, err
		}
		ac.DueOn = d
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		var phase *Phase
		var before *Action
		for i := range c.Phases {
			if c.Phases[i].ID == ac.PhaseID {
				phase = &c.Phases[i]
			}
			for j := range c.Phases[i].Actions {
				if c.Phases[i].Actions[j].ID == actionID && actionID != 0 {
					b := c.Phases[i].Actions[j]
					before = &b
					if ac.PhaseID == 0 {
						ac.PhaseID = b.PhaseID
						phase = &c.Phases[i]
					}
				}
			}
		}
		if phase == nil {
			return apperr.Field("phase_id", "请选择所属阶段", "Choose the phase")
		}
		if actionID != 0 && before == nil {
			return apperr.NotFoundf("规定动作", "Action")
		}
		if !ac.DueOn.IsZero() && (ac.DueOn.Before(phase.StartsOn) || ac.DueOn.After(phase.DueOn)) {
			return apperr.Field("due_on", fmt.Sprintf("截止日期应在阶段「%s」之内（%s至%s）", phase.Name, phase.StartsOn.Chinese(), phase.DueOn.Chinese()),
				"The due date must fall within the phase")
		}
		if actionID == 0 {
			ac.Seq = len(phase.Actions) + 1
			if ac.ID, err = tx.Insert(ctx, `INSERT INTO campaign_actions (phase_id, seq, title, description, owner, kind, due_on) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				ac.PhaseID, ac.Seq, ac.Title, ac.Description, string(ac.Owner), ac.Kind, ac.DueOn.String()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, who(a), "campaign.action_add", "campaign_action", ac.ID, nil, ac)
		}
		ac.Seq = before.Seq
		if _, err := tx.Exec(ctx, `UPDATE campaign_actions SET phase_id = ?, title = ?, description = ?, owner = ?, kind = ?, due_on = ? WHERE id = ?`,
			ac.PhaseID, ac.Title, ac.Description, string(ac.Owner), ac.Kind, ac.DueOn.String(), actionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.action_update", "campaign_action", actionID, before, ac)
	})
	return ac, apperr.Wrap(err, "save action")
}

// DeleteAction removes a required action and its completions.
func (s *Service) DeleteAction(ctx context.Context, a *org.Actor, campaignID, actionID int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		for _, p := range c.Phases {
			for _, ac := range p.Actions {
				if ac.ID == actionID {
					if _, err := tx.Exec(ctx, `DELETE FROM campaign_completions WHERE action_id = ?`, actionID); err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, `DELETE FROM campaign_actions WHERE id = ?`, actionID); err != nil {
						return err
					}
					return audit.Record(ctx, tx, who(a), "campaign.action_delete", "campaign_action", actionID, ac, nil)
				}
			}
		}
		return apperr.NotFoundf("规定动作", "Action")
	})
	return apperr.Wrap(err, "delete action")
}

// OwnKinds are the record kinds this package makes itself.
func OwnKinds() []Kind {
	return []Kind{{Code: KindReportAcknowledged, Label: "上级党组织签收报告", LabelEn: "Report acknowledged by the superior unit"}}
}

func (s *Service) knownKind(code string) bool {
	for _, k := range OwnKinds() {
		if k.Code == code {
			return true
		}
	}
	for _, k := range s.Kinds {
		if k.Code == code {
			return true
		}
	}
	return false
}

// KindLabel names a completion kind in the language asked for.
func (s *Service) KindLabel(code, lang string) string {
	if code == ManualKind {
		if lang == "en" {
			return "By hand, with a note and evidence"
		}
		return "手工登记（附说明和佐证材料）"
	}
	for _, k := range append(OwnKinds(), s.Kinds...) {
		if k.Code == code {
			if lang == "en" {
				return k.LabelEn
			}
			return k.Label
		}
	}
	if lang == "en" {
		return "By hand until the feature recording " + code + " is available"
	}
	return "暂手工登记（相应功能上线后自动完成）"
}

// Automatic reports whether records of a registered feature complete the kind.
func (s *Service) Automatic(code string) bool { return code != ManualKind && s.knownKind(code) }

// SetStatus finishes or reopens a campaign.
func (s *Service) SetStatus(ctx context.Context, a *org.Actor, id int64, status string) error {
	if status != StatusActive && status != StatusFinished {
		return apperr.Field("status", "状态无效", "Invalid status")
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?`, status, tx.NowText(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.status", "campaign", id, map[string]string{"status": c.Status}, map[string]string{"status": status})
	})
	return apperr.Wrap(err, "campaign status")
}

// SaveAsTemplate stores the campaign's plan as a template for next year.
func (s *Service) SaveAsTemplate(ctx context.Context, a *org.Actor, id int64, name string) (Template, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return Template{}, apperr.Field("name", "请为模板起一个名称（100 字以内）", "Name the template")
	}
	var t Template
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		t = TemplateFrom(c, name)
		if t.ID, err = tx.Insert(ctx, `INSERT INTO campaign_templates (name, body, created_by, created_at) VALUES (?, ?, ?, ?)`, name, t.Encode(), nullID(a.UserID), tx.NowText()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.template_save", "campaign_template", t.ID, nil, map[string]any{"name": name, "from": id})
	})
	return t, apperr.Wrap(err, "save template")
}

// Templates lists the built-in template and the saved ones.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	out := []Template{BuiltinTemplate()}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name FROM campaign_templates ORDER BY id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Template
			if err := rows.Scan(&t.ID, &t.Name); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list templates")
}

func (s *Service) template(ctx context.Context, id int64) (Template, error) {
	var t Template
	var body string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT body FROM campaign_templates WHERE id = ?`, id).Scan(&body)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFoundf("模板", "Template")
	}
	if err != nil {
		return t, apperr.Wrap(err, "load template")
	}
	if err := jsonUnmarshal(body, &t); err != nil {
		return t, apperr.Wrap(err, "decode template")
	}
	t.ID = id
	return t, nil
}

// SetPlan replaces the campaign's plan text (实施方案) and, when file is
// given, its attached document.
func (s *Service) SetPlan(ctx context.Context, a *org.Actor, id int64, text string, file *File) error {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > 50000 {
		return apperr.Field("plan_text", "实施方案正文不能超过 50000 字", "The plan may have at most 50,000 characters")
	}
	if file != nil {
		if err := checkFile(file); err != nil {
			return err
		}
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		fileID := c.PlanFileID
		if file != nil {
			if fileID, err = saveFile(ctx, tx, a, file); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET plan_text = ?, plan_file_id = ?, updated_at = ? WHERE id = ?`, text, nullID(fileID), tx.NowText(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.plan", "campaign", id, map[string]any{"plan_file_id": c.PlanFileID, "chars": utf8.RuneCountInString(c.PlanText)},
			map[string]any{"plan_file_id": fileID, "chars": utf8.RuneCountInString(text)})
	})
	return apperr.Wrap(err, "set plan")
}

// activeIDs lists the active campaigns of the years from–to, in order.
func activeIDs(ctx context.Context, tx *db.Tx, from, to int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM campaigns WHERE status = 'active' AND year >= ? AND year <= ? ORDER BY id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
