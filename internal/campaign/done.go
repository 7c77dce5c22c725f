package campaign

import (
	"context"

	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// How the grid knows an action is done. Only records of the campaign count
// (a commitment written for next year's campaign never moves this year's
// grid), each attributed to one action of its kind by the phase windows
// (attribution.go); completions by hand are shown as such (手工登记), and a
// member action can only excuse named members by hand (例外), never be
// ticked over missing records.

// memberWindows and unitWindows split the campaign's windows by owner: a
// member's record completes member actions, a unit's record unit actions.
func (s *Service) splitWindows(c Campaign) (member, unit []window) {
	owner := map[int64]Owner{}
	for _, p := range c.Phases {
		for _, a := range p.Actions {
			owner[a.ID] = a.Owner
		}
	}
	all := map[bool][]window{}
	for _, isMember := range []bool{true, false} {
		cc := c
		cc.Phases = make([]Phase, len(c.Phases))
		for i, p := range c.Phases {
			q := p
			q.Actions = nil
			for _, a := range p.Actions {
				if (a.Owner == OwnerMember) == isMember {
					q.Actions = append(q.Actions, a)
				}
			}
			cc.Phases[i] = q
		}
		all[isMember] = windows(cc, s.zone(), s.Automatic)
	}
	return all[true], all[false]
}

// readDone reads what completes the campaign's actions inside the path
// range [lo, hi): unit-level records and completions by hand, and per
// member action and branch how many members are done and how.
func (s *Service) readDone(ctx context.Context, tx *db.Tx, g *gridData, lo, hi string) error {
	id := g.c.ID
	branchOf := func(unitID int64) int64 { return g.tree.BranchOf(unitID).ID }
	memberWs, unitWs := s.splitWindows(g.c)
	g.windows = make(map[int64]window, len(memberWs)+len(unitWs))
	for _, w := range append(append([]window{}, memberWs...), unitWs...) {
		g.windows[w.actionID] = w
	}

	// Unit-level records, by action and unit, with their best timing.
	if len(unitWs) > 0 {
		q, args := attributedSignals(id, unitWs)
		rows, err := tx.Query(ctx, `SELECT x.action_id, x.unit_id, x.timing, MIN(x.at) FROM (`+q+` AND s.member_id IS NULL) x
			`+org.JoinUnit("u", "x.unit_id")+` WHERE u.path >= ? AND u.path < ? GROUP BY x.action_id, x.unit_id, x.timing`, append(args, lo, hi)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var action, unit int64
			var r recMark
			if err := rows.Scan(&action, &unit, &r.timing, &r.at); err != nil {
				rows.Close()
				return err
			}
			put(g.unitRec, action, unit, r)
			if b := branchOf(unit); b != 0 {
				put(g.branchRec, action, b, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}

	// Unit-level completions by hand.
	rows, err := tx.Query(ctx, `SELECT cc.action_id, cc.unit_id, cc.note, cc.completed_at, COALESCE(us.display_name, '') FROM campaign_completions cc
		JOIN campaign_actions a ON a.id = cc.action_id JOIN campaign_phases p ON p.id = a.phase_id `+org.JoinUnit("u", "cc.unit_id")+`
		LEFT JOIN users us ON us.id = cc.completed_by
		WHERE p.campaign_id = ? AND cc.member_id IS NULL AND u.path >= ? AND u.path < ? ORDER BY cc.id`, id, lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		var action, unit int64
		var m handMark
		if err := rows.Scan(&action, &unit, &m.note, &m.at, &m.by); err != nil {
			rows.Close()
			return err
		}
		m.timing = manualTiming(g.phaseOf[action], g.actionOf[action], m.at, s.zone())
		if g.unitHand[action] == nil {
			g.unitHand[action] = map[int64]handMark{}
		}
		if _, seen := g.unitHand[action][unit]; !seen {
			g.unitHand[action][unit] = m
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// Members: per member action, member's best source, counted per unit.
	var memberActions []int64
	for _, p := range g.c.Phases {
		for _, a := range p.Actions {
			if a.Owner == OwnerMember {
				memberActions = append(memberActions, a.ID)
				g.memberDone[a.ID] = map[int64]*memberTally{}
			}
		}
	}
	if len(memberActions) == 0 {
		return nil
	}
	var args []any
	inner := ``
	if len(memberWs) > 0 {
		q, a := attributedSignals(id, memberWs)
		inner = `SELECT y.action_id, y.member_id, y.timing AS src FROM (` + q + ` AND s.member_id IS NOT NULL) y UNION ALL `
		args = a
	}
	inner += `SELECT cc.action_id, cc.member_id, CASE WHEN cc.source = 'excused' THEN 4 ELSE 3 END AS src FROM campaign_completions cc
		JOIN campaign_actions a ON a.id = cc.action_id JOIN campaign_phases p ON p.id = a.phase_id
		WHERE p.campaign_id = ? AND a.owner = 'member' AND cc.member_id IS NOT NULL`
	args = append(args, id)
	rows, err = tx.Query(ctx, `SELECT b.action_id, m.unit_id, b.src, COUNT(*) FROM (
			SELECT z.action_id, z.member_id, MIN(z.src) AS src FROM (`+inner+`) z GROUP BY z.action_id, z.member_id
		) b JOIN members m ON m.id = b.member_id `+org.JoinUnit("u", "m.unit_id")+`
		WHERE u.path >= ? AND u.path < ? AND `+activeMember+` GROUP BY b.action_id, m.unit_id, b.src`, append(args, lo, hi)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var action, unit int64
		var src, n int
		if err := rows.Scan(&action, &unit, &src, &n); err != nil {
			return err
		}
		byBranch := g.memberDone[action]
		if byBranch == nil {
			continue
		}
		b := branchOf(unit)
		t := byBranch[b]
		if t == nil {
			t = &memberTally{}
			byBranch[b] = t
		}
		switch src {
		case srcOnTime, srcEarly:
			t.records += n
		case srcLate:
			t.records += n
			t.late += n
		case srcManual:
			t.manual += n
		case srcExcused:
			t.excused += n
		}
	}
	return rows.Err()
}

// recMark is the best record of a unit for an action: its timing and the
// first instant it was made with that timing.
type recMark struct {
	timing Timing
	at     string
}

// put keeps the best (lowest timing, then earliest) record per action and unit.
func put(m map[int64]map[int64]recMark, action, unit int64, r recMark) {
	if m[action] == nil {
		m[action] = map[int64]recMark{}
	}
	if old, ok := m[action][unit]; !ok || r.timing < old.timing || (r.timing == old.timing && r.at < old.at) {
		m[action][unit] = r
	}
}

// unitState says whether a unit (or, for a branch, one of its groups) has
// done a unit-level action, and how: by a record (with its timing) or by hand.
type unitState struct {
	done   bool
	source Source
	timing Timing
	at     string
	hand   handMark
}

func (g *gridData) unitState(a Action, unit org.Unit) unitState {
	if r, ok := g.unitRec[a.ID][unit.ID]; ok {
		return unitState{done: true, source: SourceRecord, timing: r.timing, at: r.at}
	}
	if unit.Type == org.Branch {
		if r, ok := g.branchRec[a.ID][unit.ID]; ok {
			return unitState{done: true, source: SourceRecord, timing: r.timing, at: r.at}
		}
	}
	if m, ok := g.unitHand[a.ID][unit.ID]; ok {
		return unitState{done: true, source: SourceManual, timing: m.timing, hand: m, at: m.at}
	}
	return unitState{}
}

// actionWindow is the window of one automatic action.
func (s *Service) actionWindow(c Campaign, a Action) (window, bool) {
	member, unit := s.splitWindows(c)
	for _, w := range append(member, unit...) {
		if w.actionID == a.ID {
			return w, true
		}
	}
	return window{}, false
}

// window is action a's window as computed when the grid's data was read
// (the campaign, zone and day it rests on are the data's own).
func (g *gridData) window(a Action) (window, bool) {
	w, ok := g.windows[a.ID]
	return w, ok
}

// memberDoneCond is the SQL condition, on members m, that member m has done
// member action a of campaign c: a record of the campaign attributed to it,
// or a completion by hand (registered or excused). The grid's counts, the
// cell's missing names, to-do lists and reminders all ask this.
func (s *Service) memberDoneCond(c Campaign, a Action) (string, []any) {
	w, ok := s.actionWindow(c, a)
	return memberDoneCondIn(c, a, w, ok)
}

// memberDoneCondIn is memberDoneCond for a window already known.
func memberDoneCondIn(c Campaign, a Action, w window, automatic bool) (string, []any) {
	cond := `(EXISTS (SELECT 1 FROM campaign_completions cc WHERE cc.action_id = ? AND cc.member_id = m.id)`
	args := []any{a.ID}
	if automatic {
		cond += ` OR EXISTS (SELECT 1 FROM campaign_signals s WHERE s.campaign_id = ? AND s.kind = ? AND s.member_id = m.id AND s.at >= ? AND s.at < ?)`
		args = append(args, c.ID, a.Kind, w.lo, w.hi)
	}
	return cond + `)`, args
}
