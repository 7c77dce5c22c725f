package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
	"chuangzheng/internal/report"
	"chuangzheng/internal/review"
)

// BenchmarkReviewerFolder is the reviewer's folder (点评材料) of a branch of
// 200 members with a year of records: every member's published commitment
// with 12 progress entries and a verdict on each item; the branch's and
// every member's written report in each of the three rounds, the annual
// summary, two experience write-ups and 200 activity summaries; four
// inspections with a finding on the branch (ten marks, three problems
// raised into the ledger each); two earlier reviews with statements and 20
// ledger entries; the third round (which reads the fulfilment). The folder
// holds the four sources app registers (reports, commitments, inspections,
// ledger) and the earlier reviews. Target: < 50 ms on both engines.
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
		inspected := yearOfReportsAndInspections(b, d, campaignID, branch, officeID)
		// The folder sources as app.NewServices registers them.
		rs := &review.Service{DB: d, Folders: []campaign.FolderSource{report.Folder{}, commitment.Folder{}, inspect.Folder{}, rectify.Folder{}}}
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
		if err != nil || !f.CanReview || len(f.Earlier) != 2 {
			b.Fatalf("folder: %v", err)
		}
		items := map[string]int{}
		for _, sec := range f.Sections {
			items[sec.Title] += len(sec.Items)
		}
		// Round 3: the branch's report and annual summary, 200 members'
		// reports, 2 write-ups; 202 commitments with their fulfilment; 4
		// findings with 3 problems each; the ledger's 20 open review entries
		// and 6 open inspection ones.
		if items["书面汇报"] != 2 || items["党员书面汇报"] != 200 || items["经验材料、创新举措"] != 2 || items["承诺及践诺进展"] != 202 ||
			items["承诺兑现情况"] != 202 || items["督查发现"] != 16 || items["上轮点评问题整改情况"] != 26 {
			b.Fatalf("folder sections: %v", items)
		}
		var entries int
		_ = d.View(ctx, func(tx *db.Tx) error {
			es, err := rectify.OfUnit(ctx, tx, campaignID, branch)
			entries = len(es)
			return err
		})
		if entries != 20+inspected {
			b.Fatalf("ledger entries %d", entries)
		}
		for b.Loop() {
			if _, err := rs.Folder(ctx, lead, campaignID, 3, branch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// yearOfReportsAndInspections writes, for the branch, a year of written
// reports and summaries and four inspections with findings whose problems
// are raised into the ledger (half of them verified since), as the
// features' tables hold them; it returns the ledger entries it raised.
func yearOfReportsAndInspections(b *testing.B, d *db.DB, campaignID, branch, officeID int64) int {
	b.Helper()
	ctx := context.Background()
	raised := 0
	err := d.Update(ctx, func(tx *db.Tx) error {
		u, err := org.UnitTx(ctx, tx, branch)
		if err != nil {
			return err
		}
		var root int64
		if err := tx.QueryRow(ctx, `SELECT unit_id FROM campaigns WHERE id = ?`, campaignID).Scan(&root); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM members WHERE unit_id = ? ORDER BY id`, branch)
		if err != nil {
			return err
		}
		var members []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			members = append(members, id)
		}
		rows.Close()
		if len(members) != 200 {
			return fmt.Errorf("%d members in the branch", len(members))
		}
		rep, err := tx.Prepare(ctx, `INSERT INTO reports (campaign_id, from_unit_id, to_unit_id, title, body, status, created_by, created_at, sent_at, kind, round, from_member_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer rep.Close()
		body := "本阶段按照承诺推进各项工作，参加支部组织生活和志愿服务，完成岗位重点任务；存在学习不够系统、联系群众不够经常的问题，下一步加强学习，主动服务。"
		send := func(kind string, round int, from, to, member int64, title, day string) error {
			var m any
			if member != 0 {
				m = member
			}
			status := "acknowledged"
			if round == 3 {
				status = "sent"
			}
			at := day + "T02:00:00Z"
			_, err := rep.ExecContext(ctx, campaignID, from, to, title, body, status, officeID, at, at, kind, round, m)
			return err
		}
		days := map[int]string{1: "2026-07-02", 2: "2026-09-02", 3: "2026-12-18"}
		for round := 1; round <= 3; round++ {
			if err := send(report.Branch, round, branch, u.ParentID, 0, fmt.Sprintf("第%d次点评前书面汇报", round), days[round]); err != nil {
				return err
			}
			for _, m := range members {
				if err := send(report.Member, round, branch, branch, m, "", days[round]); err != nil {
					return err
				}
			}
		}
		if err := send(report.Summary, 3, branch, u.ParentID, 0, "支部年度总结", "2026-12-20"); err != nil {
			return err
		}
		for i := 1; i <= 2; i++ {
			if err := send(report.Experience, 0, branch, u.ParentID, 0, fmt.Sprintf("经验材料%d", i), "2026-10-1"+fmt.Sprint(i)); err != nil {
				return err
			}
		}
		for _, m := range members {
			if _, err := tx.Exec(ctx, `INSERT INTO summaries (campaign_id, unit_id, member_id, text, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				campaignID, branch, m, body, officeID, "2026-09-05T02:00:00Z", "2026-09-05T02:00:00Z"); err != nil {
				return err
			}
		}
		for n := 1; n <= 4; n++ {
			held := fmt.Sprintf("2026-%02d-15", 3*n)
			var insp int64
			if err := tx.QueryRow(ctx, `INSERT INTO inspections (campaign_id, unit_id, title, held_on, phase_seq, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, campaignID, root, fmt.Sprintf("第%d次督查", n), held, n, officeID, held+"T02:00:00Z", held+"T02:00:00Z").Scan(&insp); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_units (inspection_id, unit_id) VALUES (?, ?)`, insp, branch); err != nil {
				return err
			}
			var finding int64
			if err := tx.QueryRow(ctx, `INSERT INTO inspection_findings (inspection_id, campaign_id, unit_id, summary, good, recorded_by, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, insp, campaignID, branch, "总体按计划推进。", "承诺公开及时。", officeID, held+"T02:00:00Z").Scan(&finding); err != nil {
				return err
			}
			for k := 1; k <= 10; k++ {
				var item int64
				if err := tx.QueryRow(ctx, `INSERT INTO inspection_items (inspection_id, seq, title) VALUES (?, ?, ?) RETURNING id`, insp, k, fmt.Sprintf("检查项%d", k)).Scan(&item); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO inspection_marks (finding_id, item_id, verdict) VALUES (?, ?, ?)`, finding, item, []string{"ok", "ok", "partly", "no"}[k%4]); err != nil {
					return err
				}
			}
			for k := 1; k <= 3; k++ {
				deadline := civil.Date{Y: 2026, M: min(3*n+1, 12), D: 15}
				text := fmt.Sprintf("第%d次督查问题%d", n, k)
				entry, err := rectify.Raise(ctx, tx, audit.Actor{ID: officeID, Name: "office"}, rectify.Raised{CampaignID: campaignID, UnitID: branch,
					Source: rectify.FromInspection, SourceRef: finding, RaisedByUnitID: root, Problem: text, Measure: "限期整改", Deadline: deadline})
				if err != nil {
					return err
				}
				raised++
				if _, err := tx.Exec(ctx, `INSERT INTO inspection_problems (finding_id, seq, problem, measure, deadline, rectification_id) VALUES (?, ?, ?, ?, ?, ?)`,
					finding, k, text, "限期整改", deadline.String(), entry); err != nil {
					return err
				}
				if n <= 2 { // the first half-year's problems are put right and verified
					if _, err := tx.Exec(ctx, `UPDATE rectifications SET status = 'verified', evidence = '已整改', closed_by = ?, closed_at = ?, verified_by = ?, verified_at = ? WHERE id = ?`,
						officeID, held+"T02:00:00Z", officeID, held+"T02:00:00Z", entry); err != nil {
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
	return raised
}
