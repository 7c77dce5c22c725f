package demo_test

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/org"
)

func TestDemoNominations(t *testing.T) {
	cases := []struct {
		name                     string
		now                      time.Time
		submitted, approved, con int
		objections, answered     int
	}{
		{"June: none yet", time.Date(2026, 6, 20, 2, 0, 0, 0, time.UTC), 0, 0, 0, 0, 0},
		{"10 July: nominated", time.Date(2026, 7, 10, 2, 0, 0, 0, time.UTC), 6, 0, 0, 0, 0},
		{"13 July evening: 公示 with an objection", time.Date(2026, 7, 13, 14, 0, 0, 0, time.UTC), 0, 6, 0, 1, 0},
		{"November: confirmed", time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), 0, 0, 6, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
					t.Fatal(err)
				}
				d.Now = func() time.Time { return c.now }
				orgs := &org.Service{DB: d}
				cs := &campaign.Service{DB: d, Kinds: nominate.Kinds()}
				ns := &nominate.Service{DB: d}
				if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
					t.Fatal(err)
				}
				for range 2 { // the second load changes nothing
					if err := demo.LoadNominations(ctx, d, orgs, cs, ns); err != nil {
						t.Fatal(err)
					}
				}
				count := map[nominate.Status]int{}
				var objections, answered, orchard int
				err := d.View(ctx, func(tx *db.Tx) error {
					rows, err := tx.Query(ctx, `SELECT status, deeds FROM nominations`)
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var st nominate.Status
						var deeds string
						if err := rows.Scan(&st, &deeds); err != nil {
							return err
						}
						if n := utf8.RuneCountInString(deeds); n < 600 || n > nominate.MaxDeeds {
							t.Errorf("deeds of %d characters", n)
						}
						count[st]++
					}
					if err := rows.Err(); err != nil {
						return err
					}
					if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN answered_at <> '' THEN 1 ELSE 0 END), 0) FROM notice_objections`).Scan(&objections, &answered); err != nil {
						return err
					}
					return tx.QueryRow(ctx, `SELECT COUNT(*) FROM nominations n JOIN units u ON u.id = n.unit_id WHERE u.name = '市果木园党支部'`).Scan(&orchard)
				})
				if err != nil {
					t.Fatal(err)
				}
				if count[nominate.Submitted] != c.submitted || count[nominate.Approved] != c.approved || count[nominate.Confirmed] != c.con ||
					objections != c.objections || answered != c.answered || orchard != 0 {
					t.Fatalf("statuses %v, objections %d answered %d, orchard %d", count, objections, answered, orchard)
				}
				if c.con > 0 {
					var root int64
					_ = d.View(ctx, func(tx *db.Tx) error { return org.UnitIDByName(ctx, tx, demo.RootName, &root) })
					if _, ex, err := ns.Examples(ctx, root); err != nil || len(ex) != c.con {
						t.Fatalf("public examples %d %v", len(ex), err)
					}
				}
			})
		})
	}
}
