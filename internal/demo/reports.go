package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
	"chuangzheng/internal/report"
)

// LoadReports gives the demo campaign its written reports (书面汇报) and
// members' activity summaries (书面活动小结), through the report service as
// the accounts that would: before review round 1 (early July) and round 2
// (early September) every branch reports to the bureau's office, which
// acknowledges, and most members report to their branch (the secretary
// records those of members flagged for oral commitment) and the secretary
// acknowledges most; in September most members post their activity
// summary. 市果木园党支部 lags: its round-1 report comes late, its round-2
// report is missing, and fewer of its members report or write summaries.
// 市水科所支部 sends an experience write-up the office features publicly;
// 老干支部 sends one that stays internal. Nothing is stamped after now; it
// does nothing when the campaign already has such reports. Call it after
// LoadDuties. Deterministic.
func LoadReports(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, rs *report.Service) error {
	year := cs.Today().Y
	var rootID, campaignID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year, err)
		}
		return tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM reports WHERE campaign_id = ? AND kind <> 'upward') + (SELECT COUNT(*) FROM summaries WHERE campaign_id = ?)`,
			campaignID, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, year: year, campaign: campaignID, actors: map[string]*org.Actor{},
		rng: rand.New(rand.NewPCG(uint64(year), 17))}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return err
	}
	roster, err := l.dutyRoster(tree)
	if err != nil {
		return err
	}
	now := d.Now()
	clock := d.Now
	defer func() { d.Now = clock }()
	zone := d.Location()
	// at runs f as if at t; events after now do not happen (yet).
	at := func(t time.Time, f func() error) error {
		if t.After(now) {
			return nil
		}
		d.Now = func() time.Time { return t }
		defer func() { d.Now = clock }()
		return f()
	}
	day := func(m, dd, h, min int) time.Time { return time.Date(year, time.Month(m), dd, h, min, 0, 0, zone) }
	for i, b := range Branches {
		u, ok := unitNamed(tree, b.Name)
		if !ok {
			return fmt.Errorf("demo branch %s not found", b.Name)
		}
		sec, err := l.actor(b.Secretary)
		if err != nil {
			return err
		}
		lagging := b.Kind == "orchard"
		for _, rd := range [][2]int{{1, 7}, {2, 9}} { // round, month
			round, start := rd[0], rd[1]
			// The branch's report: day 1–2 of the round's month; the lagging
			// branch sends round 1 late and misses round 2.
			sent := day(start, 1+i%2, 9+i, 10)
			if lagging {
				sent = day(start, 8, 16, 20)
			}
			if !(lagging && round == 2) {
				var r report.Report
				if err := at(sent, func() error {
					r, err = rs.Create(ctx, sec, report.Input{Kind: report.Branch, CampaignID: campaignID, UnitID: u.ID, Send: true,
						Title: fmt.Sprintf("%s关于第%s次领导点评的书面汇报", b.Name, []string{"", "一", "二"}[round]), Body: branchReport(b.Name, b.Kind, round)})
					return err
				}); err != nil {
					return fmt.Errorf("report of %s: %w", b.Name, err)
				}
				if r.ID != 0 && !lagging {
					if err := at(sent.Add(26*time.Hour), func() error { _, err := rs.Acknowledge(ctx, office, r.ID, l.pick(ackNotes)); return err }); err != nil {
						return fmt.Errorf("acknowledge %s: %w", b.Name, err)
					}
				}
			}
			// The members' reports.
			for j, m := range roster[u.ID] {
				share := 9 // of 10 report
				if lagging {
					share = 4
				}
				if l.rng.IntN(10) >= share {
					continue
				}
				who, err := l.writer(sec, m.demoMember)
				if err != nil || who == nil {
					return err
				}
				var r report.Report
				t := day(start, 1+j%3, 8+j%10, (7*j)%60)
				if err := at(t, func() error {
					r, err = rs.Create(ctx, who, report.Input{Kind: report.Member, CampaignID: campaignID, MemberID: m.id, Send: true, Body: l.memberReport(b.Kind, round)})
					return err
				}); err != nil {
					return fmt.Errorf("member report of %s: %w", m.name, err)
				}
				if r.ID == 0 || (round == 2 && l.rng.IntN(3) == 0) || lagging {
					continue
				}
				acker := sec
				if m.id == sec.MemberID {
					acker = office
				}
				if err := at(t.Add(30*time.Hour), func() error { _, err := rs.Acknowledge(ctx, acker, r.ID, ""); return err }); err != nil {
					return fmt.Errorf("acknowledge %s: %w", m.name, err)
				}
			}
		}
		// Activity summaries in September.
		for j, m := range roster[u.ID] {
			share := 9
			if lagging {
				share = 5
			}
			if l.rng.IntN(10) >= share {
				continue
			}
			who, err := l.writer(sec, m.demoMember)
			if err != nil || who == nil {
				return err
			}
			if err := at(day(9, 3+j%5, 19, (11*j)%60), func() error {
				_, err := rs.PostSummary(ctx, who, report.SummaryInput{CampaignID: campaignID, MemberID: m.id, Text: l.summaryText(b.Kind)})
				return err
			}); err != nil {
				return fmt.Errorf("summary of %s: %w", m.name, err)
			}
		}
	}
	// Experience write-ups: one featured, one internal.
	for _, e := range []struct {
		branch, title, body string
		featured            bool
	}{
		{"市水科所支部", "“科技小院”把党课开到塘口——市水科所支部创新举措",
			"支部把“科技小院”建在养殖户塘口，每月一次党员技术骨干带着水质检测设备下乡，现场讲政策、讲技术、解难题。今年以来累计服务养殖户二百余户，推广稻渔综合种养技术三项，帮助养殖户亩均增收约六百元。做法是：党员认领服务片区，问题清单上墙，办结情况在公开栏公示；每次活动后召开党小组会复盘。体会是：党建与业务同安排、同考核，党员作用在一线看得见、群众评得出。",
			true},
		{"老干支部", "离退休党员“银发宣讲团”经验材料",
			"支部组织身体条件较好的离退休党员组成银发宣讲团，结合亲身经历到社区、学校宣讲，全年开展宣讲十二场，受众一千余人次。对行动不便的党员，采取送学上门、电话联学的方式，确保学习不落一人。",
			false},
	} {
		u, ok := unitNamed(tree, e.branch)
		if !ok {
			continue
		}
		var sec *org.Actor
		for _, b := range Branches {
			if b.Name == e.branch {
				if sec, err = l.actor(b.Secretary); err != nil {
					return err
				}
			}
		}
		var r report.Report
		if err := at(day(9, 15, 10, 0), func() error {
			r, err = rs.Create(ctx, sec, report.Input{Kind: report.Experience, CampaignID: campaignID, UnitID: u.ID, Title: e.title, Body: e.body, Send: true})
			return err
		}); err != nil {
			return fmt.Errorf("experience of %s: %w", e.branch, err)
		}
		if r.ID != 0 && e.featured {
			if err := at(day(9, 20, 15, 0), func() error { _, err := rs.Feature(ctx, office, r.ID, true); return err }); err != nil {
				return fmt.Errorf("feature: %w", err)
			}
		}
	}
	return nil
}

// writer is who writes a member's report or summary: the member with an
// account, the secretary for an oral member, nobody otherwise.
func (l *loader) writer(sec *org.Actor, m demoMember) (*org.Actor, error) {
	switch {
	case m.oral && m.id != sec.MemberID:
		return sec, nil
	case m.username != "":
		return l.actor(m.username)
	}
	return nil, nil
}

var ackNotes = []string{"已收悉，请按点评要求抓好整改。", "收悉，汇报内容具体，继续保持。", "已阅，请在点评会上重点说明存在的问题。"}

func branchReport(name, kind string, round int) string {
	work := map[string]string{
		"office":     "围绕机关服务保障中心工作，推行“一次办好”，公文办理时限压缩三成",
		"farm":       "围绕渔场生产和水质安全，党员认领责任塘口，开展夜间巡塘和技术帮扶",
		"institute":  "围绕科研攻关和技术推广，党员骨干领衔课题，开展科技下乡服务",
		"retired":    "组织离退休党员开展学习和志愿服务，做好送学上门",
		"inspection": "围绕动物防疫和检疫监督，党员带头驻点检查，开展“查隐患、保安全”行动",
		"orchard":    "围绕果园生产管护，组织党员开展技术培训和果品销售服务",
	}[kind]
	if round == 1 {
		return fmt.Sprintf("一、主要工作：%s本支部%s，按公开承诺推进各项工作。二、存在问题：部分党员学习不够深入，承诺事项进度不均衡。三、意见建议：建议局党委加强对支部的业务指导，帮助协调解决实际困难。", name, work)
	}
	return fmt.Sprintf("一、整改落实情况：针对第一次点评指出的问题，%s逐项制定措施，已完成大部分整改。二、主要工作：%s。三、下一步打算：对照承诺查缺补漏，确保年底全面兑现。", name, work)
}

func (l *loader) memberReport(kind string, round int) string {
	parts := []string{"按照承诺，我认真参加支部组织生活和集中学习，", "在本职岗位上按时完成各项工作任务，", "参加志愿服务活动两次，"}
	if kind == "retired" {
		parts = []string{"我按时参加支部学习，", "在社区参加志愿服务，", "向身边群众宣传政策，"}
	}
	tail := "存在的不足是学习还不够系统，下一步将加强学习，继续兑现承诺。"
	if round == 2 {
		tail = "对照第一次点评的要求，已改进学习方法，下一步将把承诺事项逐项落实到位。"
	}
	l.rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return strings.Join(parts, "") + tail
}

func (l *loader) summaryText(kind string) string {
	a := []string{"今年以来，我对照公开承诺，坚持每月参加支部主题党日和集中学习，", "今年我认真履行党员义务，按时参加组织生活，"}
	b := map[string]string{
		"office":     "在机关服务保障工作中主动担当，按时办结交办事项，",
		"farm":       "在渔场生产一线带头巡塘、做好水质监测，",
		"institute":  "参与科研项目和科技下乡服务，帮助养殖户解决技术难题，",
		"retired":    "参加社区志愿服务和政策宣讲，",
		"inspection": "在动物防疫检疫工作中坚持原则，带头驻点检查，",
		"orchard":    "参与果园管护和果品销售服务，",
	}[kind]
	c := []string{"承诺事项基本兑现。不足是学习深度还不够，今后将继续努力。", "较好地完成了承诺事项。今后将进一步发挥先锋模范作用。"}
	return l.pick(a) + b + l.pick(c)
}
