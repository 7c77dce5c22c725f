package demo

import (
	"context"
	"fmt"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
)

// demoReview is what a leader says of a branch in one round.
type demoReview struct {
	achievements, direction, rating string
	problems                        []string
	raise                           int // how many of the problems go into the ledger
}

var round1 = map[string]demoReview{
	"机关支部": {"支部班子带头公开承诺，党员承诺公开及时、内容具体，践诺计划完整。", "把承诺事项与科室年度目标结合，按月通报进展。", "好",
		[]string{"个别党员承诺事项过于笼统，缺少量化标准", "践诺进展记录集中在少数党员"}, 1},
	"市渔场": {"围绕渔业生产开展承诺，党员示范岗作用明显，鱼种繁育任务推进有力。", "把承诺落到生产一线，做好汛期安全生产。", "较好",
		[]string{"无职党员承诺事项偏少", "支部学习制度落实不够经常"}, 1},
	"市水科所支部": {"科研攻关承诺具体，技术服务下乡次数多，群众反映较好。", "加快科研成果转化，为养殖户多办实事。", "好",
		[]string{"技术服务记录不完整"}, 1},
	"老干支部": {"离退休党员积极参与，口头承诺记录规范，关心下一代工作有特色。", "照顾好年老体弱党员，坚持就近学习。", "较好",
		[]string{"部分党员学习参与率不高"}, 0},
	"市动物卫生监督所": {"检疫监管承诺与执法工作结合紧密，窗口服务规范。", "把承诺公开到检疫窗口，接受群众监督。", "较好",
		[]string{"承诺公开栏更新不及时", "党员践诺记录缺少佐证材料"}, 1},
	"市果木园党支部": {"果园生产任务基本完成，支部开始重视承诺工作。", "限期补齐党员承诺公开和践诺记录，支部书记负总责。", "一般",
		[]string{"党员承诺公开滞后，部分党员至今未公开承诺", "践诺进展几乎没有记录", "支部书面汇报未按时报送"}, 3},
}

var round2 = map[string]demoReview{
	"机关支部":     {"第一次点评指出的承诺标准问题已整改，量化指标补充到位。", "保持整改成果，迎接群众评议。", "好", []string{"群众评议准备工作需提前谋划"}, 0},
	"市渔场":      {"无职党员补充了承诺，学习制度按月落实。", "把整改成果体现在秋季生产中。", "好", []string{"汛后安全检查记录不全"}, 1},
	"市水科所支部":   {"技术服务台账已建立，成果转化有新进展。", "继续为养殖户提供技术支撑。", "好", nil, 0},
	"老干支部":     {"学习参与率提高，送学上门做法值得推广。", "总结送学上门经验，形成材料报送。", "较好", nil, 0},
	"市动物卫生监督所": {"公开栏按月更新，佐证材料已补充。", "做好秋季防疫检疫工作。", "较好", []string{"个别党员践诺佐证仍不充分"}, 1},
}

// LoadReviews gives the demo campaign its leadership reviews (领导点评), as
// the accounts that would write them: round 1 in early July — every
// branch reviewed by its liaison leader (the office reassigns 机关支部 and
// 市动物卫生监督所, whose liaison leaders are their own members), the
// secretaries record the statements (整改表态), some problems go into the
// rectification ledger, and 市渔场's secretary reviews the members as a
// list; 市果木园党支部 is reviewed late (迟评) with a 一般 rating and open
// ledger entries. Round 2 in September (not 市果木园党支部, which lags);
// round 3 only once the demo clock reaches its phase. Records are stamped
// on their day, never after now. It does nothing when the campaign has
// reviews; call it after LoadKeeping. Deterministic.
func LoadReviews(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service) error {
	today := cs.Today()
	year := today.Y
	var rootID, campaignID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year, err)
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM reviews WHERE campaign_id = ?`, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, year: year, campaign: campaignID, actors: map[string]*org.Actor{}, cal: newCalendar(d)}
	date := func(m, day int) civil.Date { return civil.Date{Y: year, M: m, D: day} }
	past := func(day civil.Date) bool { return !today.Before(day) }
	// on is the review service on a day at an hour (never after now).
	on := func(day civil.Date, hour int) *review.Service { return &review.Service{DB: l.cal.on(day, hour, 0)} }
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return err
	}
	leaders := map[string]string{} // leader name → username
	liaisonOf := map[string]string{}
	for _, ld := range Leaders {
		leaders[ld.Name] = accountOf(ld.Name)
		liaisonOf[ld.Liaison] = ld.Name
	}
	memberID := func(name string) (int64, error) {
		var id int64
		err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT m.id FROM members m JOIN users us ON us.member_id = m.id WHERE us.username = ?`, leaders[name]).Scan(&id)
		})
		return id, err
	}
	if !past(date(7, 1)) {
		return nil
	}
	// The office reassigns the branches whose liaison leader is their own member.
	reviewerOf := map[string]string{}
	for _, b := range Branches {
		reviewerOf[b.Name] = liaisonOf[b.Name]
	}
	for _, x := range []struct{ unit, leader string }{{"机关支部", "董艳德"}, {"市动物卫生监督所", "唐铁城"}} {
		u, ok := unitNamed(tree, x.unit)
		if !ok {
			return fmt.Errorf("demo unit %s", x.unit)
		}
		mid, err := memberID(x.leader)
		if err != nil {
			return fmt.Errorf("demo leader %s: %w", x.leader, err)
		}
		for _, round := range []int{1, 2, 3} {
			if _, err := on(date(6, 28), 10).Reassign(ctx, office, review.ReassignInput{CampaignID: campaignID, Round: round, UnitID: u.ID, ReviewerMemberID: mid,
				Note: "联系领导为本支部党员，按回避原则改派"}); err != nil {
				return fmt.Errorf("reassign %s: %w", x.unit, err)
			}
		}
		reviewerOf[x.unit] = x.leader
	}
	// A 点评会 of the party committee for each round that has come.
	held := func(title string, day civil.Date) (int64, error) {
		mdb := l.cal.on(addDays(day, -3), 9, 0)
		m, err := (&meeting.Service{DB: mdb}).Create(ctx, office, meeting.Input{UnitID: rootID, Type: meeting.Review, Title: title, Date: day.String(), Time: "09:00",
			Place: "局三楼会议室", Agenda: "各支部书面汇报；联系领导逐一点评；支部负责人整改表态。"})
		if err != nil {
			return 0, err
		}
		if _, err := (&meeting.Service{DB: l.cal.on(day, 12, 0)}).MarkHeld(ctx, office, m.ID, meeting.HeldInput{Minutes: "联系领导对各支部逐一点评，各支部负责人作整改表态。"}); err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	write := func(round int, day civil.Date, hour int, branch string, r demoReview, meetingID int64) (int64, error) {
		u, ok := unitNamed(tree, branch)
		if !ok {
			return 0, fmt.Errorf("demo unit %s", branch)
		}
		a, err := l.actor(leaders[reviewerOf[branch]])
		if err != nil {
			return 0, err
		}
		in := review.Input{CampaignID: campaignID, Round: round, UnitID: u.ID, Method: review.AtMeeting, Achievements: r.achievements,
			Direction: r.direction, Rating: r.rating, MeetingID: meetingID}
		for i, p := range r.problems {
			pi := review.ProblemInput{Text: p}
			if i < r.raise {
				pi.Raise, pi.Measure, pi.Deadline = true, "支部书记牵头，制定整改计划并逐项落实", addDays(day, 30+7*i).String()
			}
			in.Problems = append(in.Problems, pi)
		}
		rv, err := on(day, hour).Create(ctx, a, in)
		if err != nil {
			return 0, fmt.Errorf("review of %s, round %d: %w", branch, round, err)
		}
		return rv.ID, nil
	}
	state := func(day civil.Date, branch string, reviewID int64, text string) error {
		b := secretaryUsername(branch)
		a, err := l.actor(b)
		if err != nil {
			return err
		}
		if _, err := on(day, 16).AddStatement(ctx, a, reviewID, review.StatementInput{SpeakerRole: review.SpeakerHead, SpeakerName: branch + "支部书记", Text: text}); err != nil {
			return fmt.Errorf("statement of %s: %w", branch, err)
		}
		if _, err := on(day, 16).AddStatement(ctx, a, reviewID, review.StatementInput{SpeakerRole: review.SpeakerRepresentative, SpeakerName: "党员代表",
			Text: "带头认领问题，按期整改，请组织和群众监督。"}); err != nil {
			return fmt.Errorf("statement of %s: %w", branch, err)
		}
		return nil
	}
	// Round 1: early July.
	if past(date(7, 6)) {
		mid, err := held("第一次领导点评会", date(7, 6))
		if err != nil {
			return fmt.Errorf("review meeting: %w", err)
		}
		for i, b := range Branches {
			if b.Name == "市果木园党支部" {
				continue
			}
			id, err := write(1, date(7, 6), 9+i/2, b.Name, round1[b.Name], mid)
			if err != nil {
				return err
			}
			if err := state(date(7, 8), b.Name, id, "完全接受点评意见，对照问题逐条制定整改措施，按期整改到位。"); err != nil {
				return err
			}
		}
		if err := memberList(ctx, l, on(date(7, 9), 15), tree, campaignID); err != nil {
			return err
		}
	}
	if past(date(7, 20)) {
		id, err := write(1, date(7, 20), 10, "市果木园党支部", round1["市果木园党支部"], 0)
		if err != nil {
			return err
		}
		if err := state(date(7, 24), "市果木园党支部", id, "支部工作滞后，责任在支部班子，限期补齐承诺公开和践诺记录。"); err != nil {
			return err
		}
	}
	// Round 2: September, reading round 1's open entries.
	if past(date(9, 4)) {
		mid, err := held("第二次领导点评会", date(9, 4))
		if err != nil {
			return fmt.Errorf("review meeting: %w", err)
		}
		for i, b := range Branches {
			r, ok := round2[b.Name]
			if !ok {
				continue // 市果木园党支部 lags: not reviewed yet
			}
			id, err := write(2, date(9, 4), 9+i/2, b.Name, r, mid)
			if err != nil {
				return err
			}
			if err := state(date(9, 7), b.Name, id, "巩固第一次点评整改成果，对新指出的问题立行立改。"); err != nil {
				return err
			}
		}
	}
	// Round 3: late December, only once the clock is there.
	if past(date(12, 26)) {
		for i, b := range Branches {
			if b.Name == "市果木园党支部" {
				continue
			}
			if _, err := write(3, date(12, 26), 9+i/2, b.Name, demoReview{achievements: "全年承诺事项基本兑现，群众评议满意度较高。",
				direction: "总结经验，巩固提高。", rating: "好"}, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// memberList is 市渔场's secretary reviewing the members as a list at the branch meeting.
func memberList(ctx context.Context, l *loader, rs *review.Service, tree *org.Tree, campaignID int64) error {
	sec, err := l.actor("scyc")
	if err != nil {
		return err
	}
	u, ok := unitNamed(tree, "市渔场")
	if !ok {
		return fmt.Errorf("demo unit 市渔场")
	}
	q, err := rs.Queue(ctx, sec, campaignID, 1)
	if err != nil {
		return err
	}
	lines := []string{"践诺积极，生产骨干作用明显。", "承诺事项推进有力。", "学习认真，带头参加志愿服务。", "承诺进展记录不够及时，需加强。"}
	ratings := []string{"好", "较好", "好", "一般"}
	in := review.ListInput{CampaignID: campaignID, Round: 1, BranchID: u.ID}
	for _, b := range q.Branches {
		if b.Branch.ID != u.ID {
			continue
		}
		for i, m := range b.Members {
			if m.Self || i >= 8 {
				continue
			}
			in.Rows = append(in.Rows, review.MemberRow{MemberID: m.MemberID, Text: lines[i%len(lines)], Rating: ratings[i%len(ratings)]})
		}
	}
	if len(in.Rows) == 0 {
		return nil
	}
	_, err = rs.CreateList(ctx, sec, in)
	return err
}

func secretaryUsername(branch string) string {
	for _, b := range Branches {
		if b.Name == branch {
			return b.Secretary
		}
	}
	return ""
}

func accountOf(name string) string { return account.Pinyin(name) }

// addDays is day moved by n days.
func addDays(day civil.Date, n int) civil.Date { return civil.FromTime(day.Time().AddDate(0, 0, n)) }
