package rectify_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// BenchmarkBureauLedger: the bureau's ledger (the office's view) with 5,000
// entries across the demo bureau's branches and groups, a third of them
// overdue, some closed and verified: the first page with its counts (what
// /rectifications reads), every entry (the export's read), and the xlsx.
// Target: under 100 ms on both engines (docs/performance.md).
func BenchmarkBureauLedger(b *testing.B) {
	for _, d := range dbtest.Engines(b) {
		b.Run(string(d.Engine), func(b *testing.B) {
			if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
				b.Fatal(err)
			}
			d.Now = func() time.Time { return time.Date(2026, 9, 15, 2, 0, 0, 0, time.UTC) }
			orgs := &org.Service{DB: d}
			office := mustActor(b, orgs, d, "office")
			c, err := (&campaign.Service{DB: d}).Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"})
			if err != nil {
				b.Fatal(err)
			}
			tree, err := orgs.Tree(ctx, office)
			if err != nil {
				b.Fatal(err)
			}
			var units []int64
			for _, u := range tree.Units {
				if u.Type == org.Branch || u.Type == org.Group {
					units = append(units, u.ID)
				}
			}
			root := office.Grants[0].UnitID
			sources := []rectify.Source{rectify.FromInspection, rectify.FromReview, rectify.FromSelfCheck, rectify.FromMeeting}
			err = d.Update(ctx, func(tx *db.Tx) error {
				for i := range 5000 {
					deadline := civil.Date{Y: 2026, M: 6 + i%7, D: 1 + i%28}
					id, err := rectify.Raise(ctx, tx, audit.Actor{Name: "bench"}, rectify.Raised{CampaignID: c.ID, UnitID: units[i%len(units)], Source: sources[i%len(sources)],
						RaisedByUnitID: root, Problem: fmt.Sprintf("第%d项问题：承诺事项公开不及时，群众反映看不到进展。", i+1), Measure: "按月更新公开栏", Deadline: deadline})
					if err != nil {
						return err
					}
					switch i % 5 {
					case 0:
						_, err = tx.Exec(ctx, `UPDATE rectifications SET status = 'verified', evidence = '已整改' WHERE id = ?`, id)
					case 1:
						_, err = tx.Exec(ctx, `UPDATE rectifications SET status = 'done', evidence = '已整改' WHERE id = ?`, id)
					case 2:
						_, err = tx.Exec(ctx, `UPDATE rectifications SET status = 'in_progress' WHERE id = ?`, id)
					}
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			if d.Engine == db.Postgres {
				if err := d.Update(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err }); err != nil {
					b.Fatal(err)
				}
			}
			s := &rectify.Service{DB: d}
			b.Run("first-page", func(b *testing.B) {
				for b.Loop() {
					l, err := s.List(ctx, office, rectify.Filter{})
					if err != nil || l.Total != 5000 || len(l.Rows) != 100 || !l.Rows[0].Overdue {
						b.Fatalf("%v %d %d", err, l.Total, len(l.Rows))
					}
				}
			})
			b.Run("all-5000", func(b *testing.B) {
				for b.Loop() {
					l, err := s.List(ctx, office, rectify.Filter{PerPage: -1})
					if err != nil || len(l.Rows) != 5000 {
						b.Fatalf("%v %d", err, len(l.Rows))
					}
				}
			})
			b.Run("overdue-one-branch", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.List(ctx, office, rectify.Filter{UnitID: units[0], Status: rectify.FilterOverdue}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("xlsx-5000", func(b *testing.B) {
				for b.Loop() {
					if err := s.Export(ctx, office, rectify.Filter{}, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func mustActor(tb testing.TB, orgs *org.Service, d *db.DB, username string) *org.Actor {
	tb.Helper()
	var id int64
	if err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	}); err != nil {
		tb.Fatal(err)
	}
	a, err := orgs.Actor(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
