package campaign

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Grid is the progress grid (进度表): units down, phases across.
type Grid struct {
	Campaign Campaign     `json:"campaign"`
	Today    civil.Date   `json:"today"`
	Rows     []Row        `json:"rows"`
	Phases   []PhaseTally `json:"phases"` // per phase, over the rows shown
	Overdue  []Overdue    `json:"overdue"`
	Done     int          `json:"done"`
	Total    int          `json:"total"`
}

// Percent is the share of items done, 0–100.
func (g *Grid) Percent() int { return percent(g.Done, g.Total) }

func percent(done, total int) int {
	if total == 0 {
		return 0
	}
	return done * 100 / total
}

// Row is one unit: the campaign's office (its root) or a branch.
type Row struct {
	Unit        org.Unit `json:"unit"`
	Office      bool     `json:"office"`
	Secretaries []string `json:"secretaries"`
	Leaders     []string `json:"liaison_leaders"` // liaison leaders of the branch or its groups
	Members     int      `json:"members"`
	Cells       []Cell   `json:"cells"` // one per phase
	Done        int      `json:"done"`
	Total       int      `json:"total"`
	Open        int      `json:"open_items"` // open action items from meetings (会议待办)
	OpenLate    int      `json:"open_items_late"`
}

// Percent of the row's items done.
func (r Row) Percent() int { return percent(r.Done, r.Total) }

// Cell is one unit's state in one phase.
type Cell struct {
	PhaseID int64  `json:"phase_id"`
	Status  Status `json:"status"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Items   []Item `json:"items"`
	Hand    int    `json:"hand,omitempty"`    // items resting (partly) on registrations by hand (手工登记)
	Excused int    `json:"excused,omitempty"` // members excused across its items (例外)
}

// Item is one required action for one unit.
type Item struct {
	Action    Action     `json:"action"`
	Due       civil.Date `json:"due"`
	Status    Status     `json:"status"`
	Done      int        `json:"done"` // members or liaison units done, or 1 for a unit action
	Total     int        `json:"total"`
	Owes      []string   `json:"owes"` // who owes it (names), when not done
	Automatic bool       `json:"automatic"`

	// What the completion rests on. A unit action has one source; a member
	// action counts its members by source (Done = Records + Manual).
	Source   Source     `json:"source,omitempty"`
	Early    bool       `json:"early,omitempty"`     // a unit action done before its phase opened
	DoneAt   string     `json:"done_at,omitempty"`   // when a unit action was done (its first record, or by hand)
	DoneOn   civil.Date `json:"done_on"`             // DoneAt as a day in the campaign's zone
	HandBy   string     `json:"hand_by,omitempty"`   // who registered it by hand
	HandNote string     `json:"hand_note,omitempty"` // and why
	Records  int        `json:"records,omitempty"`   // members done by records
	Manual   int        `json:"manual,omitempty"`    // members registered by hand (actions without records)
	Excused  int        `json:"excused,omitempty"`   // members excused, with a reason
	LateDone int        `json:"late_done,omitempty"` // members (or the unit) done after the deadline
}

// Basis says in words what the item's completion rests on, for the cell,
// the grid's tooltip and the spreadsheet: e.g. "记录 12 · 逾期完成 1 · 例外 2"
// or "手工登记（王芳：已在党委会议上通过）".
func (it Item) Basis(lang string) string {
	zh := lang != "en"
	pick := func(c, e string) string {
		if zh {
			return c
		}
		return e
	}
	var parts []string
	if it.Action.Owner == OwnerMember {
		if it.Records > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", pick("记录", "records"), it.Records))
		}
		if it.Manual > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", pick("手工登记", "by hand"), it.Manual))
		}
		if it.Excused > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", pick("例外", "excused"), it.Excused))
		}
		if it.LateDone > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", pick("逾期完成", "late"), it.LateDone))
		}
		return strings.Join(parts, " · ")
	}
	if it.Done == 0 {
		return ""
	}
	if zh {
		parts = append(parts, it.Source.Chinese())
	} else {
		parts = append(parts, it.Source.English())
	}
	if it.Source == SourceManual && (it.HandBy != "" || it.HandNote != "") {
		parts[0] += fmt.Sprintf("（%s：%s）", it.HandBy, it.HandNote)
	}
	if it.Early {
		parts = append(parts, pick("提前完成", "early"))
	}
	if it.LateDone > 0 {
		s := pick("逾期完成", "late")
		if !it.DoneOn.IsZero() {
			s += " " + it.DoneOn.String()
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " · ")
}

// PhaseTally counts a phase's items over the rows shown.
type PhaseTally struct {
	Phase Phase      `json:"phase"`
	State PhaseState `json:"state"`
	Done  int        `json:"done"`
	Late  int        `json:"late"`
	Total int        `json:"total"`
}

// Percent of the phase's items done.
func (t PhaseTally) Percent() int { return percent(t.Done, t.Total) }

// Overdue is a late item, for the overdue list.
type Overdue struct {
	Unit  org.Unit `json:"unit"`
	Phase string   `json:"phase"`
	Item  Item     `json:"item"`
	Days  int      `json:"days"` // days late
}

// gridData is what one read of the database gives for a campaign.
type gridData struct {
	c           Campaign
	root        org.Unit
	tree        *org.Tree
	branches    []org.Unit
	members     map[int64]int                    // branch → active members
	unitRec     map[int64]map[int64]recMark      // action → unit → best of its unit-level records
	branchRec   map[int64]map[int64]recMark      // action → branch → best record of it or one of its groups
	unitHand    map[int64]map[int64]handMark     // action → unit → completion by hand
	memberDone  map[int64]map[int64]*memberTally // action → branch → members by how they are done
	secretaries map[int64][]string               // unit → secretary names
	liaisons    map[int64][]liaison              // branch → liaison leaders in it
	phaseOf     map[int64]Phase                  // action → its phase
	actionOf    map[int64]Action                 // action id → action
	windows     map[int64]window                 // automatic action → where its records come from
}

// handMark is a unit-level completion by hand: who registered it and why.
type handMark struct {
	by, note string
	at       string
	timing   Timing
}

// memberTally counts a branch's members for one member action by the best
// thing that completes it for them.
type memberTally struct {
	records, late, manual, excused int
}

// Completion sources (完成依据) of member tallies, in order of merit.
const (
	srcOnTime  = 0
	srcEarly   = 1
	srcLate    = 2
	srcManual  = 3
	srcExcused = 4
)

type liaison struct {
	unitID int64
	leader string
}

// activeMember is who counts among "every member": not transferred out, dead or suspended.
const activeMember = `m.status NOT IN ('已转出', '已去世', '停止党籍')`

// readGrid reads what the grid needs for the campaign, limited to the
// subtree of scope when it is not 0 (a branch's grid reads only its branch).
func (s *Service) readGrid(ctx context.Context, tx *db.Tx, id, scope int64) (*gridData, error) {
	g := &gridData{members: map[int64]int{}, unitRec: map[int64]map[int64]recMark{}, branchRec: map[int64]map[int64]recMark{},
		unitHand: map[int64]map[int64]handMark{}, memberDone: map[int64]map[int64]*memberTally{}, secretaries: map[int64][]string{},
		liaisons: map[int64][]liaison{}, phaseOf: map[int64]Phase{}, actionOf: map[int64]Action{}}
	var err error
	if g.c, g.root, err = load(ctx, tx, id); err != nil {
		return nil, err
	}
	lo := g.root.Path
	if scope != 0 && scope != g.root.ID {
		u, err := getUnit(ctx, tx, scope)
		if err != nil {
			return nil, err
		}
		if !u.Within(g.root.Path) {
			return nil, apperr.New(apperr.Invalid, "该组织不在本次活动范围内", "That unit is outside the campaign")
		}
		if u.Type == org.Group { // a group's row is its branch's
			u, err = getUnit(ctx, tx, u.ParentID)
			if err != nil {
				return nil, err
			}
		}
		lo = u.Path
	}
	hi := strings.TrimSuffix(lo, "/") + "0"
	units, err := org.SubtreeTx(ctx, tx, lo, g.root.ID)
	if err != nil {
		return nil, err
	}
	for i := range units {
		switch u := &units[i]; {
		case u.ID == g.root.ID:
			u.ParentID = 0 // the campaign's root
		case u.Path == lo:
			u.ParentID = g.root.ID // the scope hangs under the root in this partial tree
		}
	}
	g.tree = org.BuildTree(units)
	for _, u := range g.tree.Units {
		if u.Type == org.Branch && !u.Closed() {
			g.branches = append(g.branches, u)
		}
	}
	branchOf := func(unitID int64) int64 { return g.tree.BranchOf(unitID).ID }
	for _, p := range g.c.Phases {
		for _, a := range p.Actions {
			g.phaseOf[a.ID], g.actionOf[a.ID] = p, a
		}
	}

	// Active members per branch.
	rows, err := tx.Query(ctx, `SELECT m.unit_id, COUNT(*) FROM members m `+org.JoinUnit("u", "m.unit_id")+`
		WHERE u.path >= ? AND u.path < ? AND `+activeMember+` GROUP BY m.unit_id`, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var unit int64
		var n int
		if err := rows.Scan(&unit, &n); err != nil {
			rows.Close()
			return nil, err
		}
		g.members[branchOf(unit)] += n
	}
	rows.Close()

	if err := s.readDone(ctx, tx, g, lo, hi); err != nil {
		return nil, err
	}

	// Who owes: secretaries and liaison leaders.
	rows, err = tx.Query(ctx, `SELECT g.unit_id, us.display_name FROM role_grants g JOIN users us ON us.id = g.user_id
		`+org.JoinUnit("u", "g.unit_id")+` WHERE g.role = 'secretary' AND us.disabled = FALSE AND u.path >= ? AND u.path < ? ORDER BY us.id`, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var unit int64
		var name string
		if err := rows.Scan(&unit, &name); err != nil {
			rows.Close()
			return nil, err
		}
		g.secretaries[unit] = append(g.secretaries[unit], name)
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT l.unit_id, m.name FROM liaisons l JOIN members m ON m.id = l.member_id `+org.JoinUnit("u", "l.unit_id")+`
		WHERE l.ended_on = '' AND u.path >= ? AND u.path < ? ORDER BY l.id`, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var l liaison
		if err := rows.Scan(&l.unitID, &l.leader); err != nil {
			rows.Close()
			return nil, err
		}
		if b := branchOf(l.unitID); b != 0 {
			g.liaisons[b] = append(g.liaisons[b], l)
		}
	}
	rows.Close()
	return g, rows.Err()
}

func status(done bool, p Phase, due, today civil.Date) Status {
	switch {
	case done:
		return StatusDone
	case today.Before(p.StartsOn):
		return StatusUpcoming
	case today.After(due):
		return StatusLate
	}
	return StatusDue
}

// markUnit fills a unit action's done state and source.
func (it *Item) markUnit(st unitState) {
	if !st.done {
		return
	}
	it.Done, it.Source, it.DoneAt = 1, st.source, st.at
	it.Early = st.timing == Early
	if st.timing == Late {
		it.LateDone = 1
	}
	if st.source == SourceManual {
		it.HandBy, it.HandNote = st.hand.by, st.hand.note
	}
}

// item computes one action's state for one row.
func (s *Service) item(g *gridData, p Phase, a Action, row *Row, today civil.Date) (Item, bool) {
	it := Item{Action: a, Due: a.Due(p), Automatic: s.Automatic(a.Kind)}
	excused := 0
	switch a.Owner {
	case OwnerOffice:
		if !row.Office {
			return it, false
		}
		it.Total = 1
		it.markUnit(g.unitState(a, row.Unit))
		it.Owes = []string{g.root.Name}
	case OwnerBranch:
		if row.Office {
			return it, false
		}
		it.Total = 1
		it.markUnit(g.unitState(a, row.Unit))
		it.Owes = row.Secretaries
		if len(it.Owes) == 0 {
			it.Owes = []string{row.Unit.Name + "（未设书记账号）"}
		}
	case OwnerMember:
		if row.Office || row.Members == 0 {
			return it, false
		}
		it.Total = row.Members
		if t := g.memberDone[a.ID][row.Unit.ID]; t != nil {
			it.Records, it.Manual, it.Excused, it.LateDone = t.records, t.manual, t.excused, t.late
		}
		it.Done = it.Records + it.Manual
		if it.Done > it.Total {
			it.Done = it.Total
		}
		excused = it.Excused
		if it.Done+excused > it.Total {
			excused = it.Total - it.Done
		}
		switch {
		case it.Records > 0:
			it.Source = SourceRecord
		case it.Manual > 0:
			it.Source = SourceManual
		case it.Excused > 0:
			it.Source = SourceExcused
		}
		it.Owes = []string{fmt.Sprintf("%d 名党员未完成", it.Total-it.Done-excused)}
	case OwnerLeader:
		ls := g.liaisons[row.Unit.ID]
		if row.Office || len(ls) == 0 {
			return it, false
		}
		it.Total = len(ls)
		for _, l := range ls {
			st := g.unitState(a, g.tree.ByID[l.unitID])
			if !st.done {
				it.Owes = append(it.Owes, l.leader)
				continue
			}
			it.Done++
			if st.timing == Late {
				it.LateDone++
			}
			if it.Source == "" || st.source == SourceManual {
				it.Source = st.source
			}
		}
	}
	if it.DoneAt != "" {
		it.DoneOn = civil.FromTime(db.ParseTime(it.DoneAt).In(s.zone()))
	}
	it.Status = status(it.Done+excused >= it.Total, p, it.Due, today)
	if it.Status == StatusDone {
		it.Owes = nil
		if it.LateDone > 0 {
			it.Status = StatusDoneLate
		}
	}
	return it, true
}

// GridFilter narrows the grid to a subtree.
type GridFilter struct {
	UnitID int64 // 0: the whole campaign
}

// Grid computes the progress grid for the rows the actor may see: the
// office and leaders see every row, a secretary their branch, a liaison
// leader the branches of their liaison units.
func (s *Service) Grid(ctx context.Context, a *org.Actor, id int64, f GridFilter) (*Grid, error) {
	var out *Grid
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		g, err := s.scopedData(ctx, tx, id, f.UnitID)
		if err != nil {
			return err
		}
		if !canSee(a, g.root, memberUnitPath(ctx, tx, a)) {
			return apperr.Deny()
		}
		out = s.compute(g, a, f)
		return s.openItems(ctx, tx, g, out)
	})
	if err != nil {
		return nil, apperr.Wrap(err, "progress grid")
	}
	return out, nil
}

// openItems counts other features' open to-dos (meeting action items) per row.
func (s *Service) openItems(ctx context.Context, tx *db.Tx, g *gridData, out *Grid) error {
	if len(s.Sources) == 0 || len(out.Rows) == 0 {
		return nil
	}
	var ids []int64
	row := map[int64]int{}
	for i, r := range out.Rows {
		row[r.Unit.ID] = i
		if !out.Rows[0].Office || i == 0 { // the root's subtree covers every row
			ids = append(ids, r.Unit.ID)
		}
	}
	today := out.Today.String()
	for _, src := range s.Sources {
		todos, err := src.Todos(ctx, tx, 0, ids)
		if err != nil {
			return err
		}
		for _, t := range todos {
			if t.Done {
				continue
			}
			i, ok := row[t.UnitID]
			if !ok {
				i, ok = row[g.tree.BranchOf(t.UnitID).ID]
			}
			if !ok {
				continue
			}
			out.Rows[i].Open++
			if t.Due != "" && t.Due < today {
				out.Rows[i].OpenLate++
			}
		}
	}
	return nil
}

func (s *Service) compute(g *gridData, a *org.Actor, f GridFilter) *Grid {
	today := s.today()
	out := &Grid{Campaign: g.c, Today: today}
	var within string
	if f.UnitID != 0 {
		if u, ok := g.tree.ByID[f.UnitID]; ok {
			within = u.Path
		}
	}
	var rows []Row
	if a.CanRead(g.root) && (within == "" || within == g.root.Path) {
		rows = append(rows, Row{Unit: g.root, Office: true, Secretaries: []string{g.root.Name}})
	}
	for _, b := range g.branches {
		if within != "" && !b.Within(within) && !strings.HasPrefix(within, b.Path) {
			continue
		}
		if !a.CanRead(b) {
			continue
		}
		r := Row{Unit: b, Secretaries: g.secretaries[b.ID], Members: g.members[b.ID]}
		for _, l := range g.liaisons[b.ID] {
			r.Leaders = append(r.Leaders, l.leader)
		}
		rows = append(rows, r)
	}
	for _, p := range g.c.Phases {
		out.Phases = append(out.Phases, PhaseTally{Phase: p, State: p.State(today)})
	}
	for ri := range rows {
		r := &rows[ri]
		for pi, p := range g.c.Phases {
			cell := Cell{PhaseID: p.ID}
			worst := StatusNA
			for _, ac := range p.Actions {
				it, ok := s.item(g, p, ac, r, today)
				if !ok {
					continue
				}
				cell.Items = append(cell.Items, it)
				cell.Total++
				if it.Source == SourceManual || it.Manual > 0 {
					cell.Hand++
				}
				cell.Excused += it.Excused
				out.Phases[pi].Total++
				switch it.Status {
				case StatusDone, StatusDoneLate:
					cell.Done++
					out.Phases[pi].Done++
				case StatusLate:
					out.Phases[pi].Late++
					out.Overdue = append(out.Overdue, Overdue{Unit: r.Unit, Phase: p.Name, Item: it, Days: daysBetween(it.Due, today)})
				}
				worst = worse(worst, it.Status)
			}
			cell.Status = worst
			if cell.Total > 0 && cell.Done == cell.Total {
				cell.Status = StatusDone
				for _, it := range cell.Items {
					if it.Status == StatusDoneLate {
						cell.Status = StatusDoneLate
					}
				}
			}
			r.Done += cell.Done
			r.Total += cell.Total
			r.Cells = append(r.Cells, cell)
		}
		out.Done += r.Done
		out.Total += r.Total
	}
	out.Rows = rows
	sort.SliceStable(out.Overdue, func(i, j int) bool { return out.Overdue[i].Days > out.Overdue[j].Days })
	return out
}

// worse orders statuses for a cell: late over due over upcoming over done.
func worse(a, b Status) Status {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func rank(s Status) int {
	switch s {
	case StatusDone, StatusDoneLate:
		return 1
	case StatusUpcoming:
		return 2
	case StatusDue:
		return 3
	case StatusLate:
		return 4
	}
	return 0
}

func daysBetween(from, to civil.Date) int {
	return int(to.Time().Sub(from.Time()).Hours() / 24)
}
