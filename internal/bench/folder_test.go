package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
	"chuangzheng/internal/review"
)

// BenchmarkReviewerFolder is the reviewer's folder (点评材料) of a branch of
// 200 members with a year of records: every member's published commitment
// with 12 progress entries and a verdict on each item, two earlier reviews
// with statements and 20 ledger entries; the third round (which reads the
// fulfilment). Target: < 50 ms on both engines. The folder holds the
// sources registered here (commitments) and the earlier reviews; the
// report, ledger and inspection sources add theirs when app wires them.
func BenchmarkReviewerFolder(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		d := open()
		ctx := context.Background()
		d.Now = func() time.Time { return time.Date(2026, 12, 24, 2, 0, 0, 0, time.UTC) }
		start := time.Now()
		branch := boardUnit(b, d, 200)
		var campaignID, officeID int64
		err := d.Update(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM campaigns ORDER BY id LIMIT 1`).Scan(&campaignID); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT c.id, (SELECT COUNT(*) FROM commitment_items i WHERE i.commitment_id = c.id) FROM commitments c WHERE c.unit_id = ?`, branch)
			if err != nil {
				return err
			}
			type cm struct{ id, items int64 }
			var list []cm
			for rows.Next() {
				var c cm
				if err := rows.Scan(&c.id, &c.items); err != nil {
					rows.Close()
					return err
				}
				list = append(list, c)
			}
			rows.Close()
			prog, err := tx.Prepare(ctx, `INSERT INTO commitment_progress (commitment_id, body, author_name, created_at) VALUES (?, ?, '党员', ?)`)
			if err != nil {
				return err
			}
			defer prog.Close()
			verd, err := tx.Prepare(ctx, `INSERT INTO commitment_verdicts (commitment_id, item_key, verdict, assessor_name, assessed_at) VALUES (?, ?, ?, '书记', ?)`)
			if err != nil {
				return err
			}
			defer verd.Close()
			for i, c := range list {
				for m := 1; m <= 12; m++ {
					at := db.FormatTime(time.Date(2026, time.Month(m), 10+i%15, 2, 0, 0, 0, time.UTC))
					if _, err := prog.ExecContext(ctx, c.id, fmt.Sprintf("第%d月践诺进展：按计划推进各项承诺事项。", m), at); err != nil {
						return err
					}
				}
				for k := int64(1); k <= c.items; k++ {
					v := []string{"kept", "kept", "partly", "not"}[(i+int(k))%4]
					if _, err := verd.ExecContext(ctx, c.id, k, v, db.FormatTime(time.Date(2026, 12, 22, 2, 0, 0, 0, time.UTC))); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		orgs := &org.Service{DB: d}
		office, err := orgs.Actor(ctx, officeID)
		if err != nil {
			b.Fatal(err)
		}
		// Two earlier reviews by a leader reassigned to the branch, with statements and ledger entries.
		var leader int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT us.id FROM users us JOIN members m ON m.id = us.member_id WHERE m.name = ?`, demo.Leaders[6].Name).Scan(&leader)
		}); err != nil {
			b.Fatal(err)
		}
		lead, err := orgs.Actor(ctx, leader)
		if err != nil {
			b.Fatal(err)
		}
		rs := &review.Service{DB: d, Folders: []campaign.FolderSource{commitment.Folder{}}}
		for round := 1; round <= 3; round++ {
			if _, err := rs.Reassign(ctx, office, review.ReassignInput{CampaignID: campaignID, Round: round, UnitID: branch, ReviewerMemberID: lead.MemberID}); err != nil {
				b.Fatal(err)
			}
		}
		for round := 1; round <= 2; round++ {
			in := review.Input{CampaignID: campaignID, Round: round, UnitID: branch, Method: review.AtMeeting, Achievements: "成绩突出。", Direction: "继续整改。", Rating: "较好"}
			for i := 0; i < 10; i++ {
				in.Problems = append(in.Problems, review.ProblemInput{Text: fmt.Sprintf("问题%d", i+1), Raise: true, Measure: "整改", Deadline: "2026-12-31"})
			}
			r, err := rs.Create(ctx, lead, in)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := rs.AddStatement(ctx, office, r.ID, review.StatementInput{SpeakerName: "书记", Text: "按期整改。"}); err != nil {
				b.Fatal(err)
			}
		}
		if d.Engine == db.Postgres {
			if err := d.Update(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err }); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("branch of 200 with a year of records in %s", time.Since(start).Round(time.Millisecond))
		f, err := rs.Folder(ctx, lead, campaignID, 3, branch)
		if err != nil || !f.CanReview || len(f.Sections) != 3 || len(f.Sections[0].Items) != 202 || len(f.Earlier) != 2 {
			b.Fatalf("folder: %d sections, %v", len(f.Sections), err)
		}
		var entries int
		_ = d.View(ctx, func(tx *db.Tx) error {
			es, err := rectify.OfUnit(ctx, tx, campaignID, branch)
			entries = len(es)
			return err
		})
		if entries != 20 {
			b.Fatalf("ledger entries %d", entries)
		}
		for b.Loop() {
			if _, err := rs.Folder(ctx, lead, campaignID, 3, branch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
