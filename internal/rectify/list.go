package rectify

import (
	"context"
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
		// The counts by status within the other conditions.
		base := strings.Join(where, " AND ")
		rows, err := tx.Query(ctx, `SELECT x.status, x.late, COUNT(*) FROM (SELECT r.status, CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline < ? THEN 1 ELSE 0 END AS late
			FROM rectifications r `+org.JoinUnit("u", "r.unit_id")+` WHERE `+base+`) x GROUP BY x.status, x.late`, append([]any{today}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st string
			var late, n int
			if err := rows.Scan(&st, &late, &n); err != nil {
				rows.Close()
				return err
			}
			out.Counts[st] += n
			out.Counts["all"] += n
			if late == 1 {
				out.Counts[FilterOverdue] += n
			}
			if st != string(Verified) {
				out.Counts[FilterPending] += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		switch f.Status {
		case "":
		case FilterOverdue:
			where, args = append(where, "r.status IN ('open', 'in_progress') AND r.deadline < ?"), append(args, today)
		case FilterPending:
			where = append(where, "r.status <> 'verified'")
		default:
			where, args = append(where, "r.status = ?"), append(args, f.Status)
		}
		q := `SELECT ` + rowCols + ` FROM rectifications r ` + org.JoinUnit("u", "r.unit_id") + ` WHERE ` + strings.Join(where, " AND ") + `
			ORDER BY CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline < ? THEN 0 WHEN r.status IN ('open', 'in_progress') THEN 1 WHEN r.status = 'done' THEN 2 ELSE 3 END,
			r.deadline, r.id`
		args = append(args, today)
		if f.PerPage > 0 && !f.OwnerGone {
			q += ` LIMIT ? OFFSET ?`
			args = append(args, f.PerPage, (f.Page-1)*f.PerPage)
		}
		rs, err := tx.Query(ctx, q, args...)
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
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		if err := hydrate(ctx, tx, a, out.Rows); err != nil {
			return err
		}
		switch f.Status {
		case "":
			out.Total = out.Counts["all"]
		default:
			out.Total = out.Counts[f.Status]
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
