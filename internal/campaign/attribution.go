package campaign

import (
	"sort"
	"strings"
	"time"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// Timing says when a record was made against its action's window.
type Timing int

// Timings, in order of merit: a member with several records of a kind
// counts by their best one.
const (
	OnTime Timing = 0 // inside the phase window (按期)
	Early  Timing = 1 // before the phase opened (提前)
	Late   Timing = 2 // after the action's deadline (逾期完成)
)

// window is the span of instants from which one action takes the records of
// its kind, and the part of it that is on time.
//
// A record belongs to exactly one action of its kind in its campaign: the
// last one whose phase has opened by the record's date (late when after that
// action's deadline), or the first one when it precedes them all (early). So
// the report acknowledged in May completes 向市委报告 of phase 1 and not
// 迎接市创争办考核 of phase 7, which needs a report of its own.
type window struct {
	kind       string
	actionID   int64
	lo, hi     string // stored instants: records with lo <= at < hi belong here
	start, end string // on time: start <= at < end
}

// dayStart is the first instant of day d in zone, as stored.
func dayStart(d civil.Date, zone *time.Location) string {
	return db.FormatTime(time.Date(d.Y, time.Month(d.M), d.D, 0, 0, 0, 0, zone))
}

// windows computes, for every automatic action of the campaign, where its
// records come from. Actions of one kind whose phases open the same day
// share a window (each takes the same records).
func windows(c Campaign, zone *time.Location, automatic func(string) bool) []window {
	if zone == nil {
		zone = time.UTC
	}
	byKind := map[string][]window{}
	for _, p := range c.Phases {
		for _, a := range p.Actions {
			if a.Kind == ManualKind || !automatic(a.Kind) {
				continue
			}
			due := a.Due(p)
			byKind[a.Kind] = append(byKind[a.Kind], window{kind: a.Kind, actionID: a.ID,
				start: dayStart(p.StartsOn, zone), end: dayStart(civil.FromTime(due.Time().AddDate(0, 0, 1)), zone)})
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var out []window
	for _, k := range kinds {
		ws := byKind[k]
		sort.SliceStable(ws, func(i, j int) bool { return ws[i].start < ws[j].start })
		for i := range ws {
			ws[i].lo, ws[i].hi = ws[i].start, "~" // "~" sorts after every stored instant
			if ws[i].start == ws[0].start {
				ws[i].lo = ""
			}
			for j := i + 1; j < len(ws); j++ {
				if ws[j].start > ws[i].start {
					ws[i].hi = ws[j].start
					break
				}
			}
		}
		out = append(out, ws...)
	}
	return out
}

// windowTable renders the windows as a derived table usable in a FROM
// clause on both engines: (kind, action_id, lo, hi, st, en). It needs at
// least one window.
func windowTable(ws []window) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(ws)*6)
	b.WriteString("(")
	for i, w := range ws {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT CAST(? AS TEXT) AS kind, CAST(? AS BIGINT) AS action_id, CAST(? AS TEXT) AS lo, CAST(? AS TEXT) AS hi, CAST(? AS TEXT) AS st, CAST(? AS TEXT) AS en")
		args = append(args, w.kind, w.actionID, w.lo, w.hi, w.start, w.end)
	}
	b.WriteString(")")
	return b.String(), args
}

// timingSQL classifies a record's instant s.at against window w.
const timingSQL = `CASE WHEN s.at < w.st THEN 1 WHEN s.at >= w.en THEN 2 ELSE 0 END`

// attributedSignals is the SQL of the campaign's records attributed to
// their actions: rows (action_id, unit_id, member_id, timing, at, note, ref_id).
// The caller adds conditions on s (the signal) and w (its window).
func attributedSignals(campaignID int64, ws []window) (string, []any) {
	table, args := windowTable(ws)
	q := `SELECT w.action_id, s.unit_id, s.member_id, ` + timingSQL + ` AS timing, s.at, s.note, s.ref_id
		FROM campaign_signals s JOIN ` + table + ` w ON w.kind = s.kind AND s.at >= w.lo AND s.at < w.hi
		WHERE s.campaign_id = ?`
	return q, append(args, campaignID)
}

// timingOf classifies one instant for action actionID (Go twin of timingSQL,
// for records already read).
func timingOf(ws []window, actionID int64, at string) (Timing, bool) {
	for _, w := range ws {
		if w.actionID != actionID || at < w.lo || at >= w.hi {
			continue
		}
		switch {
		case at < w.start:
			return Early, true
		case at >= w.end:
			return Late, true
		}
		return OnTime, true
	}
	return OnTime, false
}

// manualTiming classifies a completion by hand against its action's phase.
func manualTiming(p Phase, a Action, at string, zone *time.Location) Timing {
	if zone == nil {
		zone = time.UTC
	}
	switch {
	case at < dayStart(p.StartsOn, zone):
		return Early
	case at >= dayStart(civil.FromTime(a.Due(p).Time().AddDate(0, 0, 1)), zone):
		return Late
	}
	return OnTime
}
