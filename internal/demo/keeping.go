package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// LoadKeeping gives the demo campaign's published commitments their keeping
// (践诺), through the commitment service as the accounts that would: a plan
// with milestones on every branch commitment and most member ones, progress
// entries (a few with a photo), tracking checks by the level above (the
// office for branches, the secretary for members) with ratings, and from
// November the self-checks of most commitments — 市果木园党支部 lagging,
// 市动物卫生监督所 missing some. Year-end verdicts come only after 12-21.
// It does nothing when any published commitment of the campaign already has
// a plan; call it after LoadCommitments. Deterministic.
func LoadKeeping(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, cms *commitment.Service) error {
	today := cs.Today()
	year := today.Y
	var rootID, campaignID int64
	var n int
	type kept struct {
		id, unit int64
		kind     commitment.Kind
		oral     bool
		username string
	}
	var list []kept
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year, err)
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitment_milestones WHERE commitment_id IN (SELECT id FROM commitments WHERE campaign_id = ?)`, campaignID).Scan(&n); err != nil || n > 0 {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.unit_id, c.kind, c.oral, COALESCE(us.username, '') FROM commitments c
			LEFT JOIN users us ON us.member_id = c.member_id AND c.member_id IS NOT NULL
			WHERE c.campaign_id = ? AND c.published_version > 0 ORDER BY c.id`, campaignID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k kept
			if err := rows.Scan(&k.id, &k.unit, &k.kind, &k.oral, &k.username); err != nil {
				return err
			}
			list = append(list, k)
		}
		return rows.Err()
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, cms: cms, year: year, campaign: campaignID, actors: map[string]*org.Actor{},
		rng: rand.New(rand.NewPCG(uint64(year), 17)), cal: newCalendar(d)}
	// on is the commitment service on a day of the demo year.
	on := func(m, day int) *commitment.Service {
		return &commitment.Service{DB: l.cal.on(civil.Date{Y: year, M: m, D: day}, 9+l.rng.IntN(8), l.rng.IntN(60))}
	}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return err
	}
	secretaries := map[string]string{}
	for _, b := range Branches {
		secretaries[b.Name] = b.Secretary
	}
	selfCheckTime := !today.Before(civil.Date{Y: year, M: 11, D: 1})
	verdictTime := today.After(civil.Date{Y: year, M: 12, D: 21})
	photos := map[string]bool{}
	memberSeq := map[string]int{}
	for _, k := range list {
		branch := tree.BranchOf(k.unit)
		sec, err := l.actor(secretaries[branch.Name])
		if err != nil {
			return err
		}
		owner, reviewer := sec, office
		if k.kind == commitment.MemberKind {
			reviewer = sec
			if !k.oral {
				if k.username == "" {
					continue
				}
				if owner, err = l.actor(k.username); err != nil {
					return err
				}
			}
			if k.username == secretaries[branch.Name] {
				reviewer = office // the secretary's own: checked one level up
			}
			memberSeq[branch.Name]++
		}
		seq := memberSeq[branch.Name]
		// Most member commitments have a plan; 市果木园党支部's members lag.
		share := 80
		if branch.Name == LateBranch {
			share = 45
		}
		if k.kind == commitment.MemberKind && l.rng.IntN(100) >= share {
			continue
		}
		kp, err := cms.Keeping(ctx, owner, k.id)
		if err != nil {
			return fmt.Errorf("keeping of commitment %d: %w", k.id, err)
		}
		// Plans by 6-20 (the late branch in July), progress over the
		// summer, checks in October, self-checks in 11-01…11-10.
		planned := on(6, 17+l.rng.IntN(4))
		planDay := civil.Date{Y: year, M: 6, D: 20}
		if branch.Name == LateBranch {
			planned, planDay = on(7, 1+l.rng.IntN(5)), civil.Date{Y: year, M: 7, D: 5}
		}
		if today.Before(planDay) {
			planDay = today
		}
		if _, err := planned.SavePlan(ctx, owner, k.id, l.milestones(kp.Items, planDay)); err != nil {
			return fmt.Errorf("plan of commitment %d: %w", k.id, err)
		}
		entries := 1 + l.rng.IntN(3)
		if k.kind == commitment.BranchKind {
			entries = 3
		}
		for e := 0; e < entries; e++ {
			text := l.progressText(kp.Items, e)
			var files []commitment.Upload
			if !photos[branch.Name] && e == 0 { // one photo per branch
				photos[branch.Name] = true
				files = []commitment.Upload{{Name: "现场照片.png", Data: demoPhoto(k.id)}}
			}
			if _, err := on(8+e, 5+l.rng.IntN(20)).AddProgress(ctx, owner, k.id, text, files); err != nil {
				return fmt.Errorf("progress of commitment %d: %w", k.id, err)
			}
		}
		if k.kind == commitment.BranchKind || l.rng.IntN(100) < 60 {
			r := l.rng.IntN(100)
			rating := commitment.Ratings[0]
			switch {
			case branch.Name == LateBranch:
				rating = commitment.Ratings[2]
			case r < 30:
				rating = commitment.Ratings[1]
			case r < 35:
				rating = commitment.Ratings[2]
			}
			c := commitment.Check{Comment: l.checkComment(rating), Rating: rating, FollowUp: civil.Date{Y: year, M: 12, D: 10}}
			if _, err := on(10, 26+l.rng.IntN(4)).AddCheck(ctx, reviewer, k.id, c); err != nil {
				return fmt.Errorf("check of commitment %d: %w", k.id, err)
			}
		}
		if !selfCheckTime {
			continue
		}
		switch {
		case branch.Name == LateBranch && (k.kind == commitment.BranchKind || l.rng.IntN(100) >= 30):
			continue
		case branch.Name == "市动物卫生监督所" && k.kind == commitment.MemberKind && seq%3 == 0:
			continue
		case k.kind == commitment.MemberKind && l.rng.IntN(100) >= 90:
			continue
		}
		var checks []commitment.ItemCheck
		for _, it := range kp.Items {
			checks = append(checks, l.selfCheck(it))
		}
		checked := on(11, 2+l.rng.IntN(8))
		if branch.Name == LateBranch {
			checked = on(11, 14+l.rng.IntN(5))
		}
		if _, err := checked.SelfCheck(ctx, owner, k.id, checks); err != nil {
			return fmt.Errorf("self-check of commitment %d: %w", k.id, err)
		}
		if !verdictTime {
			continue
		}
		var vs []commitment.ItemVerdict
		for _, it := range kp.Items {
			v := commitment.ItemVerdict{ItemKey: it.Key, Verdict: commitment.Kept}
			if l.rng.IntN(100) < 8 {
				v = commitment.ItemVerdict{ItemKey: it.Key, Verdict: commitment.Partly, Objective: true,
					Reason: "受汛期和疫情防控影响，部分现场活动推迟，已完成大部分工作量。"}
			}
			vs = append(vs, v)
		}
		if _, err := on(12, 26).Assess(ctx, reviewer, k.id, vs); err != nil {
			return fmt.Errorf("verdicts of commitment %d: %w", k.id, err)
		}
	}
	return nil
}

// milestones plans a commitment: a step for each item with a deadline (at
// most four), done when its day is past, and the year-end summary.
func (l *loader) milestones(items []commitment.Item, today civil.Date) []commitment.Milestone {
	var out []commitment.Milestone
	for _, it := range items {
		if it.Deadline.IsZero() || !it.Deadline.HasDay() || it.Deadline.Y != l.year || len(out) == 4 {
			continue
		}
		title := []rune(it.Content)
		if len(title) > 40 {
			title = append(title[:40], '…')
		}
		out = append(out, commitment.Milestone{Title: "完成：" + string(title), Due: it.Deadline, Done: it.Deadline.Before(today)})
	}
	mid := civil.Date{Y: l.year, M: 7, D: 15}
	out = append([]commitment.Milestone{{Title: "制定具体措施，分解到月", Due: mid, Done: mid.Before(today)}}, out...)
	end := civil.Date{Y: l.year, M: 12, D: 20}
	return append(out, commitment.Milestone{Title: "对照承诺逐项自查，形成践诺小结", Due: end, Done: end.Before(today)})
}

var progressTexts = []string{
	"按计划推进%s，本月完成阶段任务，相关记录已整理归档。",
	"围绕“%s”，组织开展了一次专题活动，群众反映良好。",
	"对照承诺检查%s的落实情况，发现的两处不足已当场整改。",
	"%s进展顺利，已完成全年任务的七成左右，下一步重点抓好收尾。",
}

func (l *loader) progressText(items []commitment.Item, e int) string {
	it := items[(e+l.rng.IntN(len(items)))%len(items)]
	subject := []rune(it.Content)
	if len(subject) > 24 {
		subject = subject[:24]
	}
	return fmt.Sprintf(progressTexts[(e+l.rng.IntN(len(progressTexts)))%len(progressTexts)], string(subject))
}

func (l *loader) checkComment(rating string) string {
	switch rating {
	case "好":
		return l.pick([]string{"践诺计划具体，进度符合要求，台账齐全，继续保持。", "承诺事项落实到位，群众评价好。"})
	case "较好":
		return l.pick([]string{"总体按计划推进，个别事项进度偏慢，请在12月上旬前补齐。", "践诺记录较完整，建议补充佐证材料。"})
	}
	return "践诺进度明显滞后，部分节点未完成，请支部督促整改，12月10日前报送整改情况。"
}

func (l *loader) selfCheck(it commitment.Item) commitment.ItemCheck {
	if l.rng.IntN(100) < 80 {
		return commitment.ItemCheck{ItemKey: it.Key, Progress: "已按承诺完成", Gap: "无明显差距",
			Measures: "保持好的做法，年底前做好资料归档"}
	}
	return commitment.ItemCheck{ItemKey: it.Key, Progress: "完成约八成", Gap: "个别时间节点滞后",
		Problem: "工作任务重，集中时间不足", Measures: "12月中旬前集中时间补齐，支部跟踪督办"}
}

// demoPhoto is a small generated picture (a green field with a red band),
// varied by n so each is its own file.
func demoPhoto(n int64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := color.RGBA{R: 60, G: uint8(120 + (x+int(n))%100), B: 70, A: 255}
			if y < 10 {
				c = color.RGBA{R: 200, G: 30, B: 30, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
