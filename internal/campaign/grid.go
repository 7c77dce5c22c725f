package campaign

import (
	"context"
	"database/sql"
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
	members     map[int64]int             // branch → active members
	unitDone    map[int64]map[int64]bool  // action → unit → done (manual, unit level)
	kindUnits   map[string]map[int64]bool // kind → unit → has a unit-level record
	kindBranch  map[string]map[int64]bool // kind → branch → it or one of its groups has one
	memberDone  map[int64]map[int64]int   // action → branch → members done
	secretaries map[int64][]string        // unit → secretary names
	liaisons    map[int64][]liaison       // branch → liaison leaders in it
}

type liaison struct {
	unitID int64
	leader string
}

// activeMember is who counts among "every member": not transferred out, dead or suspended.
const activeMember = `m.status NOT IN ('已转出', '已去世', '停止党籍')`

// readGrid reads what the grid needs for the campaign, limited to the
// subtree of scope when it is not 0 (a branch's grid reads only its branch).
func (s *Service) readGrid(ctx context.Context, tx *db.Tx, id, scope int64) (*gridData, error) {
	g := &gridData{members: map[int64]int{}, unitDone: map[int64]map[int64]bool{}, kindUnits: map[string]map[int64]bool{}, kindBranch: map[string]map[int64]bool{},
		memberDone: map[int64]map[int64]int{}, secretaries: map[int64][]string{}, liaisons: map[int64][]liaison{}}
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
	rows, err := tx.Query(ctx, `SELECT id, COALESCE(parent_id, 0), name, type, path, depth, sort_order, COALESCE(closed_at, '') FROM units
		WHERE (path >= ? AND path < ?) OR id = ?`, lo, hi, g.root.ID)
	if err != nil {
		return nil, err
	}
	var units []org.Unit
	for rows.Next() {
		var u org.Unit
		if err := rows.Scan(&u.ID, &u.ParentID, &u.Name, &u.Type, &u.Path, &u.Depth, &u.SortOrder, &u.ClosedAt); err != nil {
			rows.Close()
			return nil, err
		}
		switch {
		case u.ID == g.root.ID:
			u.ParentID = 0 // the campaign's root
		case u.Path == lo:
			u.ParentID = g.root.ID // the scope hangs under the root in this partial tree
		}
		units = append(units, u)
	}
	rows.Close()
	g.tree = org.BuildTree(units)
	for _, u := range g.tree.Units {
		if u.Type == org.Branch && !u.Closed() {
			g.branches = append(g.branches, u)
		}
	}
	branchOf := func(unitID int64) int64 { return g.tree.BranchOf(unitID).ID }

	// Active members per branch.
	rows, err = tx.Query(ctx, `SELECT m.unit_id, COUNT(*) FROM members m JOIN units u ON u.id = m.unit_id
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

	// Unit-level completions by hand.
	rows, err = tx.Query(ctx, `SELECT cc.action_id, cc.unit_id FROM campaign_completions cc JOIN campaign_actions a ON a.id = cc.action_id
		JOIN campaign_phases p ON p.id = a.phase_id JOIN units u ON u.id = cc.unit_id
		WHERE p.campaign_id = ? AND cc.member_id IS NULL AND u.path >= ? AND u.path < ?`, id, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var action, unit int64
		if err := rows.Scan(&action, &unit); err != nil {
			rows.Close()
			return nil, err
		}
		if g.unitDone[action] == nil {
			g.unitDone[action] = map[int64]bool{}
		}
		g.unitDone[action][unit] = true
	}
	rows.Close()

	// Unit-level records of the kinds the campaign uses, within its year.
	kinds := map[string]bool{}
	var memberActions []Action
	for _, p := range g.c.Phases {
		for _, a := range p.Actions {
			if a.Kind != ManualKind {
				kinds[a.Kind] = true
			}
			if a.Owner == OwnerMember {
				memberActions = append(memberActions, a)
			}
		}
	}
	from, to := fmt.Sprintf("%d-01-01", g.c.Year), fmt.Sprintf("%d-01-01", g.c.Year+1)
	if len(kinds) > 0 {
		var args []any
		for k := range kinds {
			args = append(args, k)
		}
		args = append(args, from, to, lo, hi)
		rows, err = tx.Query(ctx, `SELECT DISTINCT s.kind, s.unit_id FROM campaign_signals s JOIN units u ON u.id = s.unit_id WHERE s.kind IN (`+db.In(len(kinds))+`)
			AND s.member_id IS NULL AND s.at >= ? AND s.at < ? AND u.path >= ? AND u.path < ?`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var kind string
			var unit int64
			if err := rows.Scan(&kind, &unit); err != nil {
				rows.Close()
				return nil, err
			}
			if g.kindUnits[kind] == nil {
				g.kindUnits[kind], g.kindBranch[kind] = map[int64]bool{}, map[int64]bool{}
			}
			g.kindUnits[kind][unit] = true
			if b := branchOf(unit); b != 0 {
				g.kindBranch[kind][b] = true
			}
		}
		rows.Close()
	}

	// Members done, per member action and branch: by hand or by a record.
	for _, a := range memberActions {
		g.memberDone[a.ID] = map[int64]int{}
	}
	scan := func(rows *sql.Rows, action int64) error {
		defer rows.Close()
		for rows.Next() {
			var unit int64
			var n int
			act := action
			dest := []any{&unit, &n}
			if action == 0 { // the rows name their action
				dest = []any{&act, &unit, &n}
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if g.memberDone[act] != nil {
				g.memberDone[act][branchOf(unit)] += n
			}
		}
		return rows.Err()
	}
	if lo == g.root.Path && len(memberActions) > 0 {
		// The whole campaign: one pass over all member actions' records.
		rows, err = tx.Query(ctx, `SELECT x.action_id, m.unit_id, COUNT(*) FROM (
				SELECT a.id AS action_id, s.member_id FROM campaign_signals s JOIN campaign_actions a ON a.kind = s.kind
				JOIN campaign_phases p ON p.id = a.phase_id
				WHERE p.campaign_id = ? AND a.owner = 'member' AND s.member_id IS NOT NULL AND s.at >= ? AND s.at < ?
				UNION SELECT cc.action_id, cc.member_id FROM campaign_completions cc JOIN campaign_actions a ON a.id = cc.action_id
				JOIN campaign_phases p ON p.id = a.phase_id WHERE p.campaign_id = ? AND a.owner = 'member' AND cc.member_id IS NOT NULL
			) x JOIN members m ON m.id = x.member_id JOIN units u ON u.id = m.unit_id
			WHERE u.path >= ? AND u.path < ? AND `+activeMember+` GROUP BY x.action_id, m.unit_id`, id, from, to, id, lo, hi)
		if err != nil {
			return nil, err
		}
		if err := scan(rows, 0); err != nil {
			return nil, err
		}
	} else {
		// A subtree: probe the few members in it by index, per action.
		for _, a := range memberActions {
			rows, err = tx.Query(ctx, `SELECT m.unit_id, COUNT(*) FROM members m JOIN units u ON u.id = m.unit_id
				WHERE u.path >= ? AND u.path < ? AND `+activeMember+` AND (
					EXISTS (SELECT 1 FROM campaign_completions cc WHERE cc.action_id = ? AND cc.member_id = m.id)
					OR EXISTS (SELECT 1 FROM campaign_signals s WHERE s.kind = ? AND s.member_id = m.id AND s.at >= ? AND s.at < ?))
				GROUP BY m.unit_id`, lo, hi, a.ID, a.Kind, from, to)
			if err != nil {
				return nil, err
			}
			if err := scan(rows, a.ID); err != nil {
				return nil, err
			}
		}
	}

	// Who owes: secretaries and liaison leaders.
	rows, err = tx.Query(ctx, `SELECT g.unit_id, us.display_name FROM role_grants g JOIN users us ON us.id = g.user_id
		JOIN units u ON u.id = g.unit_id WHERE g.role = 'secretary' AND us.disabled = FALSE AND u.path >= ? AND u.path < ? ORDER BY us.id`, lo, hi)
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
	rows, err = tx.Query(ctx, `SELECT l.unit_id, m.name FROM liaisons l JOIN members m ON m.id = l.member_id JOIN units u ON u.id = l.unit_id
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

// unitHas reports whether unit (or, for a branch, one of its groups) has a
// record of kind or a completion by hand of the action.
func (g *gridData) unitHas(a Action, unit org.Unit) bool {
	if g.unitDone[a.ID][unit.ID] {
		return true
	}
	if a.Kind == ManualKind {
		return false
	}
	if g.kindUnits[a.Kind][unit.ID] {
		return true
	}
	return unit.Type == org.Branch && g.kindBranch[a.Kind][unit.ID]
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

// item computes one action's state for one row.
func (s *Service) item(g *gridData, p Phase, a Action, row *Row, today civil.Date) (Item, bool) {
	it := Item{Action: a, Due: a.Due(p), Automatic: s.Automatic(a.Kind)}
	switch a.Owner {
	case OwnerOffice:
		if !row.Office {
			return it, false
		}
		it.Total = 1
		if g.unitHas(a, row.Unit) {
			it.Done = 1
		}
		it.Owes = []string{g.root.Name}
	case OwnerBranch:
		if row.Office {
			return it, false
		}
		it.Total = 1
		if g.unitHas(a, row.Unit) {
			it.Done = 1
		}
		it.Owes = row.Secretaries
		if len(it.Owes) == 0 {
			it.Owes = []string{row.Unit.Name + "（未设书记账号）"}
		}
	case OwnerMember:
		if row.Office || row.Members == 0 {
			return it, false
		}
		it.Total, it.Done = row.Members, g.memberDone[a.ID][row.Unit.ID]
		if it.Done > it.Total {
			it.Done = it.Total
		}
		it.Owes = []string{fmt.Sprintf("%d 名党员未完成", it.Total-it.Done)}
	case OwnerLeader:
		ls := g.liaisons[row.Unit.ID]
		if row.Office || len(ls) == 0 {
			return it, false
		}
		it.Total = len(ls)
		for _, l := range ls {
			if g.unitHas(a, g.tree.ByID[l.unitID]) {
				it.Done++
			} else {
				it.Owes = append(it.Owes, l.leader)
			}
		}
	}
	it.Status = status(it.Done >= it.Total, p, it.Due, today)
	if it.Status == StatusDone {
		it.Owes = nil
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
		g, err := s.readGrid(ctx, tx, id, f.UnitID)
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
				out.Phases[pi].Total++
				switch it.Status {
				case StatusDone:
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
	case StatusDone:
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
