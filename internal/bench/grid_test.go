package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// city is a generated city-sized tree with a campaign and partial progress.
type city struct {
	d        *db.DB
	s        *campaign.Service
	campaign int64
	branch   int64 // one branch, for the one-branch grid
	office   *org.Actor
}

// newCity builds 2,000 units (a city committee, 39 bureau committees, 1,960
// branches) and 60,000 members directly in SQL, creates the campaign from the
// built-in template and registers progress: every branch action of phases 1–2
// for most branches and the member commitments of 70 % of members.
func newCity(b *testing.B, d *db.DB) *city {
	b.Helper()
	ctx := context.Background()
	d.Now = func() time.Time { return time.Date(2026, 7, 5, 2, 0, 0, 0, time.UTC) }
	c := &city{d: d, s: &campaign.Service{DB: d}}
	var rootPath string
	var root int64
	err := d.Update(ctx, func(tx *db.Tx) error {
		now := tx.NowText()
		unit := func(parent int64, parentPath, name string, typ org.UnitType, depth int) (int64, string, error) {
			id, err := tx.Insert(ctx, `INSERT INTO units (parent_id, name, type, path, depth, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?)`,
				nullable(parent), name, string(typ), depth, now, now)
			if err != nil {
				return 0, "", err
			}
			path := fmt.Sprintf("%s%d/", parentPath, id)
			_, err = tx.Exec(ctx, `UPDATE units SET path = ? WHERE id = ?`, path, id)
			return id, path, err
		}
		var err error
		if root, rootPath, err = unit(0, "/", "中共某市委", org.Committee, 0); err != nil {
			return err
		}
		ins, err := tx.Prepare(ctx, `INSERT INTO members (unit_id, name, gender, id_number, category, retired, no_post, status, created_at, updated_at)
			VALUES (?, ?, '男', ?, '正式', FALSE, FALSE, '正常', ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		n := 0
		for i := 0; i < 39; i++ {
			bureau, bp, err := unit(root, rootPath, fmt.Sprintf("第%d局机关党委", i+1), org.Committee, 1)
			if err != nil {
				return err
			}
			for j := 0; j < 50 && n < 60000; j++ {
				br, _, err := unit(bureau, bp, fmt.Sprintf("第%d局第%d支部", i+1, j+1), org.Branch, 2)
				if err != nil {
					return err
				}
				if c.branch == 0 {
					c.branch = br
				}
				for k := 0; k < 31 && n < 60000; k++ {
					if _, err := ins.ExecContext(ctx, br, fmt.Sprintf("党员%d", n), fmt.Sprintf("BENCH%013d", n), now, now); err != nil {
						return err
					}
					n++
				}
			}
		}
		uid, err := tx.Insert(ctx, `INSERT INTO users (username, display_name, password_hash, created_at, updated_at) VALUES ('cityoffice', '市创争办', 'x', ?, ?)`, now, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO role_grants (user_id, role, unit_id, created_at) VALUES (?, 'office', ?, ?)`, uid, root, now)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	orgs := &org.Service{DB: d}
	var uid int64
	_ = d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'cityoffice'`).Scan(&uid)
	})
	if c.office, err = orgs.Actor(ctx, uid); err != nil {
		b.Fatal(err)
	}
	cp, err := c.s.Create(ctx, c.office, campaign.CreateInput{Year: 2026, UnitID: root})
	if err != nil {
		b.Fatal(err)
	}
	c.campaign = cp.ID
	err = d.Update(ctx, func(tx *db.Tx) error {
		at := "2026-06-09T02:00:00.000000Z"
		for _, p := range cp.Phases[:2] {
			for _, a := range p.Actions {
				switch a.Owner {
				case campaign.OwnerBranch:
					if _, err := tx.Exec(ctx, `INSERT INTO campaign_completions (action_id, unit_id, note, completed_at)
						SELECT ?, id, '', ? FROM units WHERE type = '党支部' AND id % 10 <> 3`, a.ID, at); err != nil {
						return err
					}
				case campaign.OwnerMember:
					if _, err := tx.Exec(ctx, `INSERT INTO campaign_completions (action_id, unit_id, member_id, note, completed_at)
						SELECT ?, unit_id, id, '', ? FROM members WHERE id % 10 < 7`, a.ID, at); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Refresh planner statistics after the bulk load, as autovacuum would
	// in a running system (SQLite plans from its indexes without them).
	if d.Engine == db.Postgres {
		if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// BenchmarkGrid is the whole progress grid of a city (2,000 units, 60,000
// members) and the grid of one branch, on both engines.
func BenchmarkGrid(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		c := newCity(b, open())
		ctx := context.Background()
		b.Run("city", func(b *testing.B) {
			for b.Loop() {
				g, err := c.s.Grid(ctx, c.office, c.campaign, campaign.GridFilter{})
				if err != nil {
					b.Fatal(err)
				}
				if len(g.Rows) < 1900 {
					b.Fatalf("%d rows", len(g.Rows))
				}
			}
		})
		b.Run("branch", func(b *testing.B) {
			for b.Loop() {
				g, err := c.s.Grid(ctx, c.office, c.campaign, campaign.GridFilter{UnitID: c.branch})
				if err != nil {
					b.Fatal(err)
				}
				if len(g.Rows) != 1 {
					b.Fatalf("%d rows", len(g.Rows))
				}
			}
		})
	})
}
