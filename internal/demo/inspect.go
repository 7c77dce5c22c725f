package demo

import (
	"context"
	"fmt"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/org"
)

// inspectionTeam is the demo inspection's team: three leaders, none a
// member of every branch (唐铁城's and 章湘玲's branch is 机关支部, 董艳德's
// 市动物卫生监督所), so every branch has an inspector of another branch.
var inspectionTeam = []string{"丁石春", "章湘玲", "董艳德"}

// goodPractice is what the inspectors noted as good in each branch.
var goodPractice = map[string]string{
	"机关支部":     "党员承诺内容具体，公开栏及时更新，联系点领导带头承诺。",
	"市渔场":      "结合生产岗位作出承诺，设立党员示范岗。",
	"市水科所支部":   "承诺与科研项目结合，践诺计划细化到季度。",
	"老干支部":     "为行动不便的老党员上门记录口头承诺，做法细致。",
	"市动物卫生监督所": "承诺与执法服务窗口结合，公开服务时限。",
}

// LoadInspections gives the demo campaign its supervision (督查指导): an
// inspection on 6-25 of every branch by three leaders with findings for
// each — most branches meet the checklist, 市动物卫生监督所 mostly,
// 市果木园党支部 (the late branch) falls short with three problems, two of
// them with July deadlines and so in the rectification ledger (open, and
// overdue once the demo clock passes them) — and a bulletin assembled from
// the findings, published publicly on 6-28 and sent to the city, which
// acknowledges it on 6-30. It does nothing before the demo clock reaches
// 6-30 or when the campaign already has an inspection; call it after
// LoadCampaign (and, for the grid's states, the other loaders).
// Deterministic.
func LoadInspections(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, s *inspect.Service) error {
	year := cs.Today().Y
	if cs.Today().Before(civil.Date{Y: year, M: 6, D: 30}) {
		return nil
	}
	var rootID, campaignID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year, err)
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM inspections WHERE campaign_id = ?`, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, year: year, campaign: campaignID, actors: map[string]*org.Actor{}}
	cal := newCalendar(d)
	on := func(m, day, hour, minute int) *inspect.Service {
		c := *cs
		c.DB = cal.on(civil.Date{Y: year, M: m, D: day}, hour, minute)
		return &inspect.Service{DB: c.DB, Campaign: &c}
	}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	var team []int64
	inspectors := map[string]*org.Actor{}
	for _, name := range inspectionTeam {
		a, err := l.actor(account.Pinyin(name))
		if err != nil {
			return err
		}
		team = append(team, a.UserID)
		inspectors[name] = a
	}
	in, err := on(6, 20, 10, 0).Create(ctx, office, inspect.CreateInput{CampaignID: campaignID, Title: fmt.Sprintf("%d年创先争优活动督查指导", year),
		HeldOn: civil.Date{Y: year, M: 6, D: 25}, Team: team, FreeItems: []string{"公开栏、网站是否及时公布承诺", "联系点领导是否到支部指导"},
		Note: "督查各党支部活动方案、公开承诺和践诺计划落实情况。"})
	if err != nil {
		return fmt.Errorf("demo inspection: %w", err)
	}
	for i, row := range in.Units {
		who := inspectionTeam[0] // 丁石春 (机关支部) for most branches
		if row.UnitName == "机关支部" {
			who = "董艳德"
		}
		f := inspect.FindingsInput{UnitID: row.UnitID, Summary: "活动方案、公开承诺等规定动作按要求完成。", Good: goodPractice[row.UnitName]}
		for j, it := range in.Items {
			m := inspect.MarkInput{ItemID: it.ID, Verdict: inspect.Meets}
			switch {
			case row.UnitName == LateBranch && j%3 == 0:
				m.Verdict, m.Note = inspect.Fails, "未按时完成"
			case row.UnitName == LateBranch:
				m.Verdict = inspect.Partly
			case row.UnitName == "市动物卫生监督所" && j == len(in.Items)-1:
				m.Verdict, m.Note = inspect.Partly, "联系领导到支部指导次数偏少"
			}
			f.Marks = append(f.Marks, m)
		}
		if row.UnitName == LateBranch {
			f.Summary = "活动进度滞后，部分党员承诺尚未审核公布，践诺计划不够具体。"
			f.Good = ""
			f.Problems = []inspect.ProblemInput{
				{Problem: "部分党员承诺尚未审核、公布，公开栏未及时更新", Measure: "支部书记牵头，逐人审核承诺并在公开栏公布", Deadline: civil.Date{Y: year, M: 7, D: 10}},
				{Problem: "支部践诺实施计划不具体，缺少时限和责任人", Measure: "细化践诺计划，明确每项措施的时限和责任人", Deadline: civil.Date{Y: year, M: 7, D: 31}},
				{Problem: "支部会议记录不规范"},
			}
		}
		if _, err := on(6, 25, 9+i/2, 10*(i%2)).Record(ctx, inspectors[who], in.ID, f); err != nil {
			return fmt.Errorf("demo findings %s: %w", row.UnitName, err)
		}
	}
	b, err := on(6, 27, 15, 0).CreateBulletin(ctx, office, inspect.BulletinInput{InspectionID: in.ID})
	if err != nil {
		return fmt.Errorf("demo bulletin: %w", err)
	}
	if b, err = on(6, 28, 9, 30).Publish(ctx, office, b.ID, inspect.PublishInput{Visibility: inspect.Public, SendUpward: true}); err != nil {
		return fmt.Errorf("demo bulletin publish: %w", err)
	}
	city, err := l.actor("city")
	if err != nil {
		return err
	}
	acked := *cs
	acked.DB = cal.on(civil.Date{Y: year, M: 6, D: 30}, 16, 0)
	if _, err := acked.Acknowledge(ctx, city, b.ReportID, "收悉。请督促相关支部抓好整改。"); err != nil {
		return fmt.Errorf("demo bulletin acknowledge: %w", err)
	}
	return nil
}
