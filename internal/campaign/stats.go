package campaign

import (
	"context"
	"sort"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Point is one week of the completion chart.
type Point struct {
	Week  civil.Date // the Monday
	Count int        // items completed up to the end of the week (cumulative)
}

// Timeline counts completions (by hand and by record) per week over the
// campaign's year, cumulatively, for the dashboard's chart.
func (s *Service) Timeline(ctx context.Context, a *org.Actor, id int64) ([]Point, error) {
	var out []Point
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		_, root, err := loadHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(a, root, memberUnitPath(ctx, tx, a)) {
			return apperr.Deny()
		}
		out, err = s.cachedTimeline(ctx, tx, id, func() ([]Point, error) { return s.timeline(ctx, tx, id) })
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "timeline")
	}
	return out, nil
}

// timeline reads the instants of the campaign's records and completions by
// hand and counts them per week (Mondays in the campaign's zone), cumulatively.
func (s *Service) timeline(ctx context.Context, tx *db.Tx, id int64) ([]Point, error) {
	rows, err := tx.Query(ctx, `SELECT cc.completed_at FROM campaign_completions cc JOIN campaign_actions a ON a.id = cc.action_id
		JOIN campaign_phases p ON p.id = a.phase_id WHERE p.campaign_id = ?
		UNION ALL SELECT s.at FROM campaign_signals s WHERE s.campaign_id = ?`, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	weeks := map[civil.Date]int{}
	zone := s.zone()
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		if t := db.ParseTime(at); !t.IsZero() {
			weeks[monday(civil.FromTime(t.In(zone)))]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	keys := make([]civil.Date, 0, len(weeks))
	for k := range weeks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Before(keys[j]) })
	out := make([]Point, 0, len(keys))
	total := 0
	for _, k := range keys {
		total += weeks[k]
		out = append(out, Point{Week: k, Count: total})
	}
	return out, nil
}

func monday(d civil.Date) civil.Date {
	t := d.Time()
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	return civil.FromTime(t.AddDate(0, 0, 1-wd))
}
