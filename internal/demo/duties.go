package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

// LoadDuties gives the demo campaign its duty clarification (明确职责),
// acting through the duty service as the accounts that would. Every branch
// states its own duties and the office confirms them; members with a post
// declare theirs and the secretary confirms them; members without a post
// and retired members go through the four steps: they declare (the
// secretary records those of members flagged for oral commitment), the
// members discuss them at the branch's held meeting (the September
// briefing), the secretary confirms them and posts the public notice.
// Most notices are closed; one in 老干支部 is still open, with an anonymous
// objection the secretary has answered. A branch without a held meeting
// (the late branch) leaves its members at the declared step, and a few
// members elsewhere are only declared. The records are stamped at the
// moments the steps would have happened (around the branch's meeting),
// never after now. It does nothing when the campaign already has duties;
// call it after LoadCampaign and LoadMeetings. Deterministic.
func LoadDuties(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, duties *duty.Service) error {
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
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM duties WHERE campaign_id = ?`, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, year: year, campaign: campaignID, actors: map[string]*org.Actor{},
		rng: rand.New(rand.NewPCG(uint64(year), 13))}
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
	// at runs f as if at t (never later than now).
	at := func(t time.Time, f func() error) error {
		if t.After(now) {
			t = now
		}
		d.Now = func() time.Time { return t }
		defer func() { d.Now = clock }()
		return f()
	}
	openDone := false
	for i, b := range Branches {
		u, ok := unitNamed(tree, b.Name)
		if !ok {
			return fmt.Errorf("demo branch %s not found", b.Name)
		}
		sec, err := l.actor(b.Secretary)
		if err != nil {
			return err
		}
		meetingID, held, err := l.heldMeetingAt(u.ID)
		if err != nil {
			return err
		}
		// Declarations come two days before the members' meeting of early
		// June that discusses them (or, without one, lately).
		declared := now.Add(-time.Duration(12+i) * 24 * time.Hour)
		if meetingID != 0 {
			declared = held.Add(-2*24*time.Hour - time.Duration(5-i)*time.Hour)
		}
		step := func(k int) time.Time { return declared.Add(time.Duration(k) * 17 * time.Minute) }
		var own duty.Duty
		if err := at(step(0), func() error {
			own, err = duties.Declare(ctx, sec, duty.DeclareInput{CampaignID: campaignID, UnitID: u.ID, Text: branchDuty(b.Name, b.Kind)})
			return err
		}); err != nil {
			return fmt.Errorf("duties of %s: %w", b.Name, err)
		}
		if err := at(declared.Add(24*time.Hour), func() error { _, err := duties.Confirm(ctx, office, own.ID); return err }); err != nil {
			return fmt.Errorf("confirm duties of %s: %w", b.Name, err)
		}
		fourSteps := 0
		for j, m := range roster[u.ID] {
			who := sec
			if !m.oral {
				if m.username == "" {
					continue
				}
				if who, err = l.actor(m.username); err != nil {
					return err
				}
			}
			four := m.noPost || m.retired
			// The secretary confirms the members' duties; those of a member
			// who manages the branch go one level up (never one's own): the
			// secretary's to the office, the office clerk's to the
			// administrator (the bureau's other manager).
			confirmer := sec
			switch m.id {
			case sec.MemberID:
				confirmer = office
			case office.MemberID:
				if confirmer, err = l.actor("admin"); err != nil {
					return err
				}
			}
			var dt duty.Duty
			if err := at(step(j+1), func() error {
				dt, err = duties.Declare(ctx, who, duty.DeclareInput{CampaignID: campaignID, MemberID: m.id, Text: l.memberDuty(b.Kind, m)})
				return err
			}); err != nil {
				return fmt.Errorf("duties of %s (%s): %w", m.name, b.Name, err)
			}
			if !four {
				if err := at(declared.Add(26*time.Hour+time.Duration(j)*5*time.Minute), func() error { _, err := duties.Confirm(ctx, confirmer, dt.ID); return err }); err != nil {
					return fmt.Errorf("confirm duties of %s: %w", m.name, err)
				}
				continue
			}
			fourSteps++
			// Only declared: no meeting yet, or one member in 市渔场 and 市动物卫生监督所 each.
			if meetingID == 0 || fourSteps == 2 && (b.Name == "市渔场" || b.Name == "市动物卫生监督所") {
				continue
			}
			if err := at(held.Add(2*time.Hour+time.Duration(j)*3*time.Minute), func() error {
				_, err := duties.Discuss(ctx, sec, dt.ID, meetingID, l.pick(discussionNotes))
				return err
			}); err != nil {
				return fmt.Errorf("discuss duties of %s: %w", m.name, err)
			}
			if err := at(held.Add(26*time.Hour+time.Duration(j)*3*time.Minute), func() error { _, err := duties.Confirm(ctx, confirmer, dt.ID); return err }); err != nil {
				return fmt.Errorf("confirm duties of %s: %w", m.name, err)
			}
			posted := held.Add(48*time.Hour + time.Duration(j)*time.Minute)
			open := !openDone && b.Kind == "retired"
			if open { // posted late: still open now
				posted = now.Add(-24 * time.Hour)
			}
			if err := at(posted, func() error { _, err := duties.StartNotice(ctx, sec, dt.ID, notice.DefaultDays); return err }); err != nil {
				return fmt.Errorf("notice of %s: %w", m.name, err)
			}
			if open {
				openDone = true
				if err := l.objection(duties.Notice, sec, dt.ID, now, at); err != nil {
					return fmt.Errorf("objection on %s: %w", m.name, err)
				}
			}
		}
	}
	return nil
}

// objection raises an anonymous objection on the duty's open notice and
// has the secretary answer it.
func (l *loader) objection(ns *notice.Service, sec *org.Actor, dutyID int64, now time.Time, at func(time.Time, func() error) error) error {
	var noticeID int64
	if err := l.d.View(l.ctx, func(tx *db.Tx) error {
		return tx.QueryRow(l.ctx, `SELECT notice_id FROM duties WHERE id = ?`, dutyID).Scan(&noticeID)
	}); err != nil {
		return err
	}
	var o notice.Objection
	if err := at(now.Add(-20*time.Hour), func() error {
		var err error
		o, err = ns.Object(l.ctx, noticeID, notice.ObjectionInput{Anonymous: true,
			Text: "该同志年事已高、腿脚不便，申报的每周到社区宣讲是否切合实际？建议改为每月一次。"}, "demo")
		return err
	}); err != nil {
		return err
	}
	return at(now.Add(-3*time.Hour), func() error {
		_, err := ns.Answer(l.ctx, sec, o.ID, "感谢提出意见。经支部与本人沟通，宣讲安排在社区活动室就近进行，由社区派车接送；如身体不适可随时调整，不作硬性要求。")
		return err
	})
}

// heldMeetingAt is the branch's latest held meeting and when it began, or 0.
func (l *loader) heldMeetingAt(unitID int64) (int64, time.Time, error) {
	var id int64
	var starts string
	err := l.d.View(l.ctx, func(tx *db.Tx) error {
		return tx.QueryRow(l.ctx, `SELECT id, starts_at FROM meetings WHERE unit_id = ? AND status = 'held' ORDER BY starts_at, id LIMIT 1`, unitID).Scan(&id, &starts)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	return id, db.ParseTime(starts), err
}

// dutyMember is a roster entry as duty clarification sees it.
type dutyMember struct {
	demoMember
	noPost, retired bool
}

// dutyRoster returns each branch's active members (those the duty list shows), in roster order.
func (l *loader) dutyRoster(tree *org.Tree) (map[int64][]dutyMember, error) {
	out := map[int64][]dutyMember{}
	err := l.d.View(l.ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(l.ctx, `SELECT m.id, m.unit_id, m.name, m.post, m.oral, m.no_post, m.retired, COALESCE(us.username, '')
			FROM members m LEFT JOIN users us ON us.member_id = m.id WHERE m.status NOT IN ('已转出', '已去世') ORDER BY m.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m dutyMember
			var unit int64
			if err := rows.Scan(&m.id, &unit, &m.name, &m.post, &m.oral, &m.noPost, &m.retired, &m.username); err != nil {
				return err
			}
			if b := tree.BranchOf(unit); b.ID != 0 {
				out[b.ID] = append(out[b.ID], m)
			}
		}
		return rows.Err()
	})
	return out, err
}

func branchDuty(name, kind string) string {
	focus := map[string]string{
		"office":     "围绕全市畜牧水产发展规划和行政审批服务，当好局党组的参谋助手",
		"farm":       "围绕鱼种繁育和健康养殖示范，带动周边养殖户增收",
		"institute":  "围绕水产病害防治研究和科技下乡服务，把论文写在鱼塘里",
		"retired":    "组织老同志发挥余热，关心下一代，为局发展建言献策",
		"inspection": "围绕动物检疫和动物产品质量安全监管，守好群众“菜篮子”",
		"orchard":    "围绕果园低产林改造和观光采摘，带领职工增收",
	}[kind]
	return fmt.Sprintf("%s的职责、义务：\n一、%s；\n二、落实“三会一课”，每月组织一次集中学习，按季度公开党务；\n三、组织党员设岗定责、公开承诺，对党员践诺情况跟踪检查；\n四、做好党员教育管理和发展党员工作，关心困难党员和群众；\n五、按活动方案完成各阶段规定动作，按时向机关党委报送情况。", name, focus)
}

// Duties of members without a post (设岗定责) by kind of branch, and of retired members.
var (
	noPostDuties = map[string][]string{
		"farm": {
			"认领“养殖技术示范岗”：管好一口示范塘，定期向周边养殖户开放观摩，每季度组织一次现场交流。",
			"认领“环境卫生监督岗”：负责场区生活区环境卫生的监督，每周巡查一次，发现问题及时报告场部。",
			"认领“防汛安全岗”：汛期参加堤坝巡查值班，发现险情第一时间报告。",
		},
		"orchard": {
			"认领“果树技术示范岗”：管好示范果树，向职工和周边果农示范修剪、疏果技术。",
			"认领“护林防火岗”：负责果园东片防火巡查，清明、秋冬季每周巡查两次。",
			"认领“环境卫生监督岗”：监督采摘区环境卫生，劝导游客文明采摘。",
		},
	}
	commonNoPostDuties = []string{
		"认领“政策宣传岗”：向职工和周边群众宣传强农惠农政策和动物防疫知识，全年宣传不少于6次。",
		"认领“邻里帮扶岗”：结对帮扶一户困难职工家庭，每月上门走访一次，帮助解决实际困难。",
		"认领“环境卫生监督岗”：负责单位宿舍区环境卫生监督，每周检查一次，督促整改。",
		"认领“矛盾调解岗”：及时了解职工思想动态，协助支部调解邻里和职工间的矛盾纠纷。",
	}
	retiredDuties = []string{
		"关心下一代：结对帮扶一名困难学生，每学期家访一次，讲革命传统故事。",
		"宣讲党史：每季度到社区或局机关为年轻党员宣讲一次党史和本单位创业史。",
		"社区服务：参加社区老年志愿服务队，协助开展治安巡逻和环境整治。",
		"建言献策：关注局里发展，每年就畜牧水产工作提出一至两条意见建议。",
		"邻里帮扶：看望身边患病、独居的老同志，遇到困难及时向支部反映。",
	}
	discussionNotes = []string{
		"与会党员一致认为申报职责切合本人实际，同意申报内容。",
		"党员讨论后建议将宣传次数写实，本人已同意，其余内容无异议。",
		"与会党员认为职责明确、便于监督，同意提交支部认定。",
	}
)

func (l *loader) memberDuty(kind string, m dutyMember) string {
	switch {
	case m.retired:
		a := retiredDuties[l.rng.IntN(len(retiredDuties))]
		b := retiredDuties[l.rng.IntN(len(retiredDuties))]
		if a == b {
			return a
		}
		return a + "\n" + b
	case m.noPost:
		pool := append(append([]string(nil), noPostDuties[kind]...), commonNoPostDuties...)
		return pool[l.rng.IntN(len(pool))]
	}
	post := m.post
	if post == "" {
		post = "本职"
	}
	return fmt.Sprintf("立足%s岗位：履行岗位职责，按时完成年度工作任务；带头学习，带头遵守制度；联系一至两名群众，及时反映他们的意见和要求。", post)
}
