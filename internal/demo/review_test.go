package demo_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
)

// The demo's reviews: round 1 for every branch (the lagging one late, 一般,
// with open ledger entries), statements, round 2 without the lagging
// branch; no round 3 before its phase; loading twice changes nothing.
func TestDemoReviews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		d.Now = func() time.Time { return now }
		orgs := &org.Service{DB: d}
		ms := &meeting.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: append(append(meeting.Kinds(), commitment.Kinds()...), review.Kinds()...), Sources: []campaign.TodoSource{ms}}
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := demo.LoadReviews(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))
		if d.Now().Compare(now) != 0 {
			t.Fatalf("the clock was not restored: %v", d.Now())
		}
		type row struct {
			round  int
			unit   string
			late   bool
			rating string
		}
		var rows []row
		var members, statements, open int
		err := d.View(ctx, func(tx *db.Tx) error {
			rs, err := tx.Query(ctx, `SELECT r.round, u.name, r.late, r.rating FROM reviews r JOIN units u ON u.id = r.unit_id WHERE r.member_id IS NULL ORDER BY r.round, r.id`)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var x row
				if err := rs.Scan(&x.round, &x.unit, &x.late, &x.rating); err != nil {
					return err
				}
				rows = append(rows, x)
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM reviews WHERE member_id IS NOT NULL`).Scan(&members); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM review_statements`).Scan(&statements); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM rectifications r JOIN units u ON u.id = r.unit_id WHERE u.name = '市果木园党支部' AND r.status = 'open'`).Scan(&open)
		})
		if err != nil {
			t.Fatal(err)
		}
		var r1, r2 int
		for _, x := range rows {
			switch {
			case x.round == 1:
				r1++
			case x.round == 2:
				r2++
				if x.unit == "市果木园党支部" {
					t.Error("the lagging branch reviewed in round 2")
				}
			default:
				t.Errorf("round %d before its phase", x.round)
			}
			if x.unit == "市果木园党支部" && (!x.late || x.rating != "一般") {
				t.Errorf("lagging branch %+v", x)
			}
			if x.unit != "市果木园党支部" && x.late {
				t.Errorf("late %+v", x)
			}
		}
		if r1 != 6 || r2 != 5 || members == 0 || statements != 22 || open != 3 {
			t.Fatalf("round 1 %d, round 2 %d, members %d, statements %d, open entries %d", r1, r2, members, statements, open)
		}
		if err := demo.LoadReviews(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		var again int
		_ = d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM reviews`).Scan(&again) })
		if again != len(rows)+members {
			t.Fatalf("loaded twice: %d", again)
		}
	})
}
