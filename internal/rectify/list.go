package rectify

import (
	"context"
	"sort"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Status filters beyond the stored statuses.
const (
	FilterOverdue = "overdue" // open or in progress past the deadline
	FilterPending = "pending" // not yet verified
)

// Filter narrows the ledger.
type Filter struct {
	CampaignID int64
	UnitID     int64  // the unit's subtree
	Status     string // open, in_progress, done, verified, overdue, pending; "" for all
	Source     Source
	SourceRef  int64 // with Source: the entries one record raised
	OwnerGone  bool  // only entries whose owner moved or left the unit
	Page       int   // from 1
	PerPage    int   // default 100, at most 500; -1: every entry (the export)
}

// Ledger is a page of the ledger with the counts of its statuses.
type Ledger struct {
	Rows    []Row          `json:"rows"`
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
	Counts  map[string]int `json:"counts"` // by status, plus "overdue" and "all", within the filter's other conditions
	Filter  Filter         `json:"-"`
}

// Pages is the number of pages.
func (l Ledger) Pages() int {
	if l.PerPage <= 0 {
		return 1
	}
	return (l.Total + l.PerPage - 1) / l.PerPage
}

// checkFilter validates the filter's values, with field errors.
func (f *Filter) check() error {
	switch f.Status {
	case "", string(Open), string(InProgress), string(Done), string(Verified), FilterOverdue, FilterPending:
	default:
		return apperr.Field("status", "状态无效", "Unknown status")
	}
	if f.Source != "" && !f.Source.Valid() {
		return apperr.Field("source", "问题来源无效", "Unknown source")
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = 100
	}
	if f.PerPage > 500 {
		f.PerPage = 500
	}
	return nil
}

// key is what ordering and counting an entry needs.
type key struct {
	id               int64
	status, deadline string
	rank             int
}

// order ranks an entry: overdue, open or in progress, done, verified.
func (k key) order(today string) int {
	switch {
	case (k.status == string(Open) || k.status == string(InProgress)) && k.deadline < today:
		return 0
	case k.status == string(Open) || k.status == string(InProgress):
		return 1
	case k.status == string(Done):
		return 2
	}
	return 3
}

func (k key) less(o key) bool {
	if k.rank != o.rank {
		return k.rank < o.rank
	}
	if k.deadline != o.deadline {
		return k.deadline < o.deadline
	}
	return k.id < o.id
}

// matches applies the status filter.
func (f Filter) matches(k key) bool {
	switch f.Status {
	case "":
		return true
	case FilterOverdue:
		return k.rank == 0
	case FilterPending:
		return k.status != string(Verified)
	}
	return k.status == f.Status
}

// List reads the ledger the actor may see: overdue entries first, then by
// deadline; done entries waiting for verification before verified ones.
func (s *Service) List(ctx context.Context, a *org.Actor, f Filter) (Ledger, error) {
	if a == nil {
		return Ledger{}, errNoActor
	}
	if err := f.check(); err != nil {
		return Ledger{}, err
	}
	out := Ledger{Page: f.Page, PerPage: f.PerPage, Filter: f, Rows: []Row{}, Counts: map[string]int{}}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		today := tx.Today().String()
		where := []string{}
		args := []any{}
		scope(a).AddTo(&where, &args)
		if f.CampaignID != 0 {
			where, args = append(where, "r.campaign_id = ?"), append(args, f.CampaignID)
		}
		if f.UnitID != 0 {
			u, err := org.UnitTx(ctx, tx, f.UnitID)
			if err != nil {
				return err
			}
			org.Subtree("u", u.Path).AddTo(&where, &args)
		}
		if f.Source != "" {
			where, args = append(where, "r.source = ?"), append(args, string(f.Source))
			if f.SourceRef != 0 {
				where, args = append(where, "r.source_ref = ?"), append(args, f.SourceRef)
			}
		}
		if f.OwnerGone {
			where = append(where, "r.owner_member_id IS NOT NULL AND r.status <> 'verified'")
		}
		// One narrow scan of every matching entry gives the counts by
		// status, the total and the order; then only the page's entries are
		// read whole (every entry for the export).
		base := strings.Join(where, " AND ")
		from := ` FROM rectifications r ` + org.JoinUnit("u", "r.unit_id") + ` WHERE ` + base
		var keys []key
		paged := f.PerPage > 0 && !f.OwnerGone
		if paged {
			rs, err := tx.Query(ctx, `SELECT r.id, r.status, r.deadline`+from, args...)
			if err != nil {
				return err
			}
			for rs.Next() {
				var k key
				if err := rs.Scan(&k.id, &k.status, &k.deadline); err != nil {
					rs.Close()
					return err
				}
				keys = append(keys, k)
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return err
			}
		} else {
			rs, err := tx.Query(ctx, `SELECT `+rowCols+from, args...)
			if err != nil {
				return err
			}
			day := tx.Today()
			for rs.Next() {
				r, err := scanRow(rs, day)
				if err != nil {
					rs.Close()
					return err
				}
				out.Rows = append(out.Rows, r)
				keys = append(keys, key{id: r.ID, status: string(r.Status), deadline: r.Deadline.String()})
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return err
			}
		}
		kept := keys[:0]
		for _, k := range keys {
			k.rank = k.order(today)
			out.Counts[k.status]++
			out.Counts["all"]++
			if k.rank == 0 {
				out.Counts[FilterOverdue]++
			}
			if k.status != string(Verified) {
				out.Counts[FilterPending]++
			}
			if f.matches(k) {
				kept = append(kept, k)
			}
		}
		keys = kept
		sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
		out.Total = len(keys)
		if paged {
			// The page: its ids, read whole.
			lo := min((f.Page-1)*f.PerPage, len(keys))
			hi := min(lo+f.PerPage, len(keys))
			page := keys[lo:hi]
			ids := make([]int64, len(page))
			for i, k := range page {
				ids[i] = k.id
			}
			byID := map[int64]Row{}
			day := tx.Today()
			err := chunks(ids, func(part []any) error {
				rs, err := tx.Query(ctx, `SELECT `+rowCols+` FROM rectifications r WHERE r.id IN (`+db.In(len(part))+`)`, part...)
				if err != nil {
					return err
				}
				defer rs.Close()
				for rs.Next() {
					r, err := scanRow(rs, day)
					if err != nil {
						return err
					}
					byID[r.ID] = r
				}
				return rs.Err()
			})
			if err != nil {
				return err
			}
			out.Rows = make([]Row, 0, len(ids))
			for _, id := range ids {
				out.Rows = append(out.Rows, byID[id])
			}
		} else {
			// Every entry (the export, the owners who left): in the same order.
			order := make(map[int64]int, len(keys))
			for i, k := range keys {
				order[k.id] = i + 1
			}
			all := out.Rows[:0]
			for _, r := range out.Rows {
				if order[r.ID] > 0 {
					all = append(all, r)
				}
			}
			sort.Slice(all, func(i, j int) bool { return order[all[i].ID] < order[all[j].ID] })
			out.Rows = all
		}
		if err := hydrate(ctx, tx, a, out.Rows); err != nil {
			return err
		}
		if f.OwnerGone {
			kept := out.Rows[:0]
			for _, r := range out.Rows {
				if r.OwnerGone {
					kept = append(kept, r)
				}
			}
			out.Rows, out.Total = kept, len(kept)
		}
		return nil
	})
	return out, apperr.Wrap(err, "rectification ledger")
}
