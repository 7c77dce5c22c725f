package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// LateBranch is the demo branch that is behind.
const LateBranch = "市果木园党支部"

// LoadCampaign creates this year's campaign for the demo bureau from the
// built-in template, if there is none yet, with realistic progress up to
// today: the office and most branches on time, 市动物卫生监督所 a little
// behind, 市果木园党支部 late. It returns whether it created the campaign.
func LoadCampaign(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service) (bool, error) {
	today := cs.Today()
	var rootID, officeID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, today.Y).Scan(&n)
	})
	if err != nil || n > 0 {
		return false, err
	}
	office, err := orgs.Actor(ctx, officeID)
	if err != nil {
		return false, err
	}
	c, err := cs.Create(ctx, office, campaign.CreateInput{Year: today.Y, UnitID: rootID})
	if err != nil {
		return false, err
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return false, err
	}
	rng := rand.New(rand.NewPCG(uint64(today.Y), 7))
	// when picks a moment inside the phase before min(due, today), or "" if the phase has not begun.
	when := func(p campaign.Phase, due civil.Date) string {
		end := due
		if today.Before(end) {
			end = today
		}
		if end.Before(p.StartsOn) {
			return ""
		}
		span := int(end.Time().Sub(p.StartsOn.Time()).Hours()/24) + 1
		t := p.StartsOn.Time().Add(time.Duration(rng.IntN(span))*24*time.Hour + time.Duration(1+rng.IntN(8))*time.Hour)
		return db.FormatTime(t)
	}
	err = d.Update(ctx, func(tx *db.Tx) error {
		members := map[int64][]int64{} // branch → members
		rows, err := tx.Query(ctx, `SELECT m.id, m.unit_id FROM members m`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, unit int64
			if err := rows.Scan(&id, &unit); err != nil {
				rows.Close()
				return err
			}
			b := tree.BranchOf(unit).ID
			members[b] = append(members[b], id)
		}
		rows.Close()
		liaisonUnits := map[int64][]int64{} // branch → liaison units in it
		ls, err := orgs.Liaisons(ctx, office, 0)
		if err != nil {
			return err
		}
		for _, l := range ls {
			b := tree.BranchOf(l.UnitID).ID
			liaisonUnits[b] = append(liaisonUnits[b], l.UnitID)
		}
		for pi, p := range c.Phases {
			for _, ac := range p.Actions {
				if cs.Automatic(ac.Kind) {
					continue // the demo's meetings, duties, commitments and reports complete it
				}
				due := ac.Due(p)
				switch ac.Owner {
				case campaign.OwnerOffice:
					if at := when(p, due); at != "" && !(pi == 6) {
						if err := campaign.SeedCompletion(ctx, tx, ac.ID, rootID, 0, officeID, "已按计划完成", at); err != nil {
							return err
						}
					}
				case campaign.OwnerBranch, campaign.OwnerMember, campaign.OwnerLeader:
					for _, b := range tree.Units {
						if b.Type != org.Branch || !b.Within(tree.ByID[rootID].Path) {
							continue
						}
						behind := b.Name == LateBranch && pi >= 3  // late from the first review on
						lagging := b.Name == "市动物卫生监督所" && pi == 5 // a self-check still missing
						switch ac.Owner {
						case campaign.OwnerBranch:
							if behind || lagging {
								continue
							}
							if at := when(p, due); at != "" {
								if err := campaign.SeedCompletion(ctx, tx, ac.ID, b.ID, 0, officeID, fmt.Sprintf("%s已完成", b.Name), at); err != nil {
									return err
								}
							}
						case campaign.OwnerLeader:
							for _, u := range liaisonUnits[b.ID] {
								if behind {
									continue
								}
								if at := when(p, due); at != "" {
									if err := campaign.SeedCompletion(ctx, tx, ac.ID, u, 0, officeID, "联系领导已到点指导", at); err != nil {
										return err
									}
								}
							}
						case campaign.OwnerMember:
							share := 97
							if behind {
								share = 55
							}
							for _, m := range members[b.ID] {
								if rng.IntN(100) >= share {
									continue
								}
								if at := when(p, due); at != "" {
									if err := campaign.SeedCompletion(ctx, tx, ac.ID, b.ID, m, officeID, "", at); err != nil {
										return err
									}
								}
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return true, nil
}

// LoadMeetings adds the demo campaign's meetings and its first report
// upward, if the campaign has none yet: the mobilisation meeting and the
// leadership group's meeting (held, with minutes, decisions and action
// items, one of them late), each branch's briefing in September except the
// late branch's, the third review meeting planned for December, and the
// report on the plan and the mobilisation, acknowledged by the city.
func LoadMeetings(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, ms *meeting.Service) error {
	today := cs.Today()
	var rootID, officeID, cityID, campaignID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'city'`).Scan(&cityID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, today.Y).Scan(&campaignID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM meetings WHERE unit_id = ?`, rootID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	office, err := orgs.Actor(ctx, officeID)
	if err != nil {
		return err
	}
	y := today.Y
	date := func(m, day int) civil.Date { return civil.Date{Y: y, M: m, D: day} }
	past := func(day civil.Date) bool { return !today.Before(day) }
	// meet arranges a meeting, ticks most of the list present and records it when its day has come.
	meet := func(unit int64, typ meeting.Type, title string, day civil.Date, at, place, agenda, minutes string, decisions []string) (meeting.Meeting, error) {
		m, err := ms.Create(ctx, office, meeting.Input{UnitID: unit, Type: typ, Title: title, Date: day.String(), Time: at, Place: place, Agenda: agenda})
		if err != nil || !past(day) {
			return m, err
		}
		if m, err = ms.Get(ctx, office, m.ID); err != nil {
			return m, err
		}
		var marks []meeting.Mark
		for i, att := range m.Attendees {
			switch {
			case i%11 == 5:
				marks = append(marks, meeting.Mark{MemberID: att.MemberID, Status: meeting.Excused, Reason: "外出下乡检疫"})
			case i%13 != 7:
				marks = append(marks, meeting.Mark{MemberID: att.MemberID, Status: meeting.Present})
			}
		}
		if len(marks) > 0 {
			if err := ms.SetAttendance(ctx, office, m.ID, meeting.AttendanceInput{Marks: marks}); err != nil {
				return m, err
			}
		}
		return ms.MarkHeld(ctx, office, m.ID, meeting.HeldInput{Minutes: minutes, Decisions: decisions})
	}
	if _, err := meet(rootID, meeting.Mobilisation, "创先争优活动动员大会", date(5, 20), "09:30", "局三楼会议室",
		"一、传达市委创先争优活动部署；二、宣读《创先争优活动实施方案》；三、党组书记、局长唐铁城作动员讲话。",
		"会议由机关党委主持。唐铁城同志要求各支部把创先争优与年度工作目标结合起来，做到规定动作不走样、自选动作有特色。",
		[]string{"各党支部于6月10日前完成公开承诺", "机关党委于5月底前将实施方案和动员情况报市委"}); err != nil {
		return fmt.Errorf("mobilisation meeting: %w", err)
	}
	if _, err := meet(rootID, meeting.Leadership, "创先争优活动领导小组第一次会议", date(5, 26), "15:00", "局党组会议室",
		"研究实施方案的分工，确定领导小组成员联系点。",
		"会议明确了领导小组成员的联系点和工作分工，要求5月底前向市委报告。", []string{"领导小组成员按分工联系支部"}); err != nil {
		return fmt.Errorf("leadership meeting: %w", err)
	}
	lead, err := meet(rootID, meeting.Leadership, "创先争优活动领导小组第二次会议", date(6, 25), "15:00", "局党组会议室",
		"通报公开承诺情况，研究督查指导安排。",
		"各支部公开承诺基本完成；市果木园党支部党员承诺进度较慢，需加强督促。",
		[]string{"6月下旬由联系领导分片督查", "督查结果在机关公开栏通报"})
	if err != nil {
		return fmt.Errorf("leadership meeting: %w", err)
	}
	if past(date(6, 25)) {
		if _, err := ms.AddAction(ctx, office, lead.ID, meeting.ActionInput{Title: "督促市果木园党支部完成党员承诺公开", OwnerUsername: "wufeipeng", Due: date(7, 5).String()}); err != nil {
			return fmt.Errorf("action item: %w", err)
		}
		a, err := ms.AddAction(ctx, office, lead.ID, meeting.ActionInput{Title: "起草督查情况通报", OwnerUsername: "office", Due: date(6, 30).String()})
		if err != nil {
			return fmt.Errorf("action item: %w", err)
		}
		if err := ms.SetActionDone(ctx, office, lead.ID, a.ID, true, "通报已印发"); err != nil {
			return err
		}
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return err
	}
	// Each branch's members' meeting in the first days of June: duties
	// discussed (明确职责) and public commitments set in motion.
	for i, b := range tree.Subtree(rootID) {
		if b.Type != org.Branch || b.Name == LateBranch { // the late branch has not met
			continue
		}
		if _, err := meet(b.ID, meeting.Assembly, b.Name+"党员大会（明确职责、部署公开承诺）", date(6, 3+i%2), "15:00", b.Name+"会议室",
			"一、讨论无职党员、离退休党员申报的职责；二、部署党员公开承诺。", "党员逐一讨论了申报的职责，支部书记部署了公开承诺工作。", nil); err != nil {
			return fmt.Errorf("members' meeting %s: %w", b.Name, err)
		}
	}
	for _, b := range tree.Subtree(rootID) {
		if b.Type != org.Branch || b.Name == LateBranch {
			continue
		}
		if _, err := meet(b.ID, meeting.Briefing, b.Name+"创先争优活动情况通报会", date(9, 5), "14:30", b.Name+"会议室",
			"向党员群众通报活动进展，党员交流活动小结。", "支部书记通报了上半年承诺践诺情况，党员逐一作了活动小结。", nil); err != nil {
			return fmt.Errorf("briefing %s: %w", b.Name, err)
		}
	}
	if _, err := ms.Create(ctx, office, meeting.Input{UnitID: rootID, Type: meeting.Review, Title: "第三次领导点评会", Date: date(12, 25).String(), Time: "09:00",
		Place: "局三楼会议室", Agenda: "根据承诺兑现情况开展第三次领导点评。"}); err != nil {
		return fmt.Errorf("review meeting: %w", err)
	}
	if past(date(5, 28)) {
		rep, err := cs.Draft(ctx, office, campaign.ReportInput{CampaignID: campaignID, Title: "关于创先争优活动实施方案和动员情况的报告",
			Body: "市委创先争优活动领导小组：\n\n我局于5月20日召开创先争优活动动员大会，印发《创先争优活动实施方案》，建立党组成员联系点制度。现将有关情况报告如下……\n\n株洲市畜牧兽医水产局机关党委"})
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if _, err := cs.Send(ctx, office, rep.ID); err != nil {
			return err
		}
		city, err := orgs.Actor(ctx, cityID)
		if err != nil {
			return err
		}
		acked := *cs
		acked.DB = newCalendar(d).on(date(5, 29), 16, 20)
		if _, err := acked.Acknowledge(ctx, city, rep.ID, "收悉。请按方案抓好落实。"); err != nil {
			return err
		}
	}
	return nil
}
