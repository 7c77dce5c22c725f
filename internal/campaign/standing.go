package campaign

import (
	"context"
	"sort"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Standing is one branch's line on a home page: how much of its campaign
// it has done and how many items are late.
type Standing struct {
	Campaign Campaign `json:"campaign"`
	Unit     org.Unit `json:"unit"`
	Done     int      `json:"done"`
	Total    int      `json:"total"`
	Late     int      `json:"late"`
	Liaison  bool     `json:"liaison"` // the actor is liaison leader of the branch or a group in it
}

// Percent of the branch's items done.
func (s Standing) Percent() int { return percent(s.Done, s.Total) }

// Rank turns a grid's branch rows into standings, worst first: the lowest
// completion, then the most late items, then the grid's (tree) order.
func Rank(g *Grid) []Standing {
	late := map[int64]int{}
	for _, o := range g.Overdue {
		late[o.Unit.ID]++
	}
	var out []Standing
	for _, r := range g.Rows {
		if r.Office {
			continue
		}
		out = append(out, Standing{Campaign: g.Campaign, Unit: r.Unit, Done: r.Done, Total: r.Total, Late: late[r.Unit.ID]})
	}
	sort.SliceStable(out, func(i, j int) bool {
		// a/b < c/d without rounding: a·d < c·b (an empty row counts as 0%).
		pi, pj := out[i].Done*max(out[j].Total, 1), out[j].Done*max(out[i].Total, 1)
		if pi != pj {
			return pi < pj
		}
		return out[i].Late > out[j].Late
	})
	return out
}

// eachSeen runs fn over the grid of every active campaign of year that the
// actor sees (the cached data and the rows the actor may read), for the
// home page's ranking and to-do list alike.
func (s *Service) eachSeen(ctx context.Context, tx *db.Tx, a *org.Actor, year int, fn func(g *gridData, grid *Grid) error) error {
	ids, err := activeIDs(ctx, tx, year, year)
	if err != nil {
		return err
	}
	memberPath := memberUnitPath(ctx, tx, a)
	for _, id := range ids {
		g, err := s.campaignData(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(a, g.root, memberPath) {
			continue
		}
		if err := fn(g, s.compute(g, a, GridFilter{})); err != nil {
			return err
		}
	}
	return nil
}

// Standings ranks, worst first, the branches the actor sees in the grids
// of the active campaigns of this year (the office: every branch; a
// secretary: their branch; a liaison leader: their liaison branches). It
// reads the cached grid data.
func (s *Service) Standings(ctx context.Context, a *org.Actor) ([]Standing, error) {
	today := s.today()
	var out []Standing
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return s.eachSeen(ctx, tx, a, today.Y, func(g *gridData, grid *Grid) error {
			for _, st := range Rank(grid) {
				st.Liaison = liaisonFor(a, g, st.Unit)
				out = append(out, st)
			}
			return nil
		})
	})
	if err != nil {
		return nil, apperr.Wrap(err, "standings")
	}
	return out, nil
}
