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
	var stamps []string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		_, root, err := loadHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(a, root, memberUnitPath(ctx, tx, a)) {
			return apperr.Deny()
		}
		// Records of this campaign only, and completions by hand of its actions.
		q := `SELECT cc.completed_at FROM campaign_completions cc JOIN campaign_actions a ON a.id = cc.action_id
			JOIN campaign_phases p ON p.id = a.phase_id WHERE p.campaign_id = ?
			UNION ALL SELECT s.at FROM campaign_signals s WHERE s.campaign_id = ?`
		args := []any{id, id}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at string
			if err := rows.Scan(&at); err != nil {
				return err
			}
			stamps = append(stamps, at)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, apperr.Wrap(err, "timeline")
	}
	sort.Strings(stamps)
	weeks := map[civil.Date]int{}
	for _, at := range stamps {
		t := db.ParseTime(at)
		if t.IsZero() {
			continue
		}
		weeks[monday(civil.FromTime(t.In(s.zone())))]++
	}
	var keys []civil.Date
	for k := range weeks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Before(keys[j]) })
	var out []Point
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
