package demo_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

func TestDemoCommitments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		// Late November: the branches' September meetings have been held.
		d.Now = func() time.Time { return time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC) }
		orgs := &org.Service{DB: d}
		ms := &meeting.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: append(meeting.Kinds(), commitment.Kinds()...), Sources: []campaign.TodoSource{ms}}
		cms := &commitment.Service{DB: d}
		if err := demo.LoadCommitments(ctx, d, orgs, cs, cms); err == nil {
			t.Fatal("commitments loaded without a campaign")
		}
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := demo.LoadCommitments(ctx, d, orgs, cs, cms); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))

		tree, err := orgs.Tree(ctx, org.System())
		if err != nil {
			t.Fatal(err)
		}
		type count struct{ branch, member int }
		counts := func() (map[string]count, map[string]map[string]int, int, int, int, int) {
			byState := map[string]count{}
			perBranch := map[string]map[string]int{} // branch → state → member commitments
			var total, oral, readOut, revised int
			err := d.View(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, `SELECT c.kind, c.state, c.oral, c.read_out_at, c.version, c.unit_id FROM commitments c`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var kind, state, readAt string
					var unit int64
					var isOral bool
					var version int
					if err := rows.Scan(&kind, &state, &isOral, &readAt, &version, &unit); err != nil {
						return err
					}
					total++
					c := byState[state]
					if kind == "branch" {
						c.branch++
					} else {
						c.member++
						b := tree.BranchOf(unit).Name
						if perBranch[b] == nil {
							perBranch[b] = map[string]int{}
						}
						perBranch[b][state]++
						if isOral {
							oral++
						}
					}
					byState[state] = c
					if readAt != "" {
						readOut++
					}
					if version > 1 {
						revised++
					}
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return byState, perBranch, total, oral, readOut, revised
		}
		byState, perBranch, total, oral, readOut, revised := counts()
		t.Logf("by state %v; per branch %v; oral %d, read out %d, revised %d", byState, perBranch, oral, readOut, revised)
		if byState["published"].branch != len(demo.Branches) {
			t.Errorf("published branch commitments: %d, want %d", byState["published"].branch, len(demo.Branches))
		}
		for _, st := range []string{"draft", "submitted", "returned", "approved"} {
			if byState[st].member == 0 {
				t.Errorf("no member commitment is %s", st)
			}
		}
		var members, published int
		for _, c := range byState {
			members += c.member
		}
		published = byState["published"].member
		if published*10 < members*6 {
			t.Errorf("only %d of %d member commitments published", published, members)
		}
		late := perBranch[demo.LateBranch]
		share := func(m map[string]int) float64 {
			n := 0
			for _, v := range m {
				n += v
			}
			return float64(m["published"]) / float64(max(n, 1))
		}
		if share(late) >= share(perBranch["市渔场"]) || late["published"] == 0 {
			t.Errorf("the late branch is not behind: %v against %v", late, perBranch["市渔场"])
		}
		if oral == 0 || readOut == 0 || revised == 0 {
			t.Errorf("oral %d, read out %d, revised %d", oral, readOut, revised)
		}
		// Oral commitments are recorded by 老干支部's secretary.
		var wrongRecorder int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitments c LEFT JOIN users us ON us.id = c.recorded_by
				WHERE c.oral AND COALESCE(us.username, '') <> 'lgzb'`).Scan(&wrongRecorder)
		})
		if wrongRecorder != 0 {
			t.Errorf("%d oral commitments not recorded by lgzb", wrongRecorder)
		}

		// Idempotent.
		if err := demo.LoadCommitments(ctx, d, orgs, cs, cms); err != nil {
			t.Fatal(err)
		}
		if _, _, again, _, _, _ := counts(); again != total {
			t.Errorf("second load: %d commitments, was %d", again, total)
		}

		// The public board of 市渔场: the branch's own commitment first, then members; no private data.
		var farmID int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return org.UnitIDByName(ctx, tx, "市渔场", &farmID)
		})
		b, err := cms.Published(ctx, farmID)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Commitments) < 5 || b.Commitments[0].Kind != commitment.BranchKind || len(b.Commitments[0].Items) < 6 {
			t.Fatalf("board of 市渔场: %d commitments", len(b.Commitments))
		}
		var hasFishGoal bool
		for _, it := range b.Commitments[0].Items {
			hasFishGoal = hasFishGoal || strings.Contains(it.Content, "鱼种") || strings.Contains(it.Content, "养殖")
		}
		if !hasFishGoal {
			t.Errorf("市渔场's goals are not about fish: %+v", b.Commitments[0].Items)
		}
		js, _ := json.Marshal(b)
		err = d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id_number, phone, birth_date FROM members`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, phone, birth string
				if err := rows.Scan(&id, &phone, &birth); err != nil {
					return err
				}
				for _, s := range []string{id, phone} {
					if s != "" && strings.Contains(string(js), s) {
						t.Errorf("the public board shows private data %q", s)
					}
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, probs, err := audit.Verify(ctx, d); err != nil || len(probs) > 0 {
			t.Errorf("audit: n=%d %v %v", n, probs, err)
		}
	})
}
