package campaign

import (
	"context"
	"fmt"
	"strings"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

// Reminders sends the campaign's reminders (提醒): DaysBefore days before
// an action is due, on the day, and when it is late (on the first late day
// and then once a week), to whoever owes it; when late, also to the
// branch's liaison leaders and the branch's group-chat robots. Every
// reminder has a key, so running the pass again (or on two instances)
// never delivers one twice.
type Reminders struct {
	Campaigns  *Service
	Org        *org.Service
	Notify     *notify.Service
	DaysBefore int // default 3
}

// stage names when a reminder is due for an item on day today, or "".
func (r *Reminders) stage(due, today civil.Date) string {
	before := r.DaysBefore
	if before <= 0 {
		before = 3
	}
	switch days := daysBetween(today, due); {
	case days == before:
		return "before"
	case days == 0:
		return "today"
	case days < 0 && (-days-1)%7 == 0:
		return fmt.Sprintf("late%d", (-days-1)/7)
	}
	return ""
}

// Run makes one pass over the active campaigns of this year. It returns
// how many reminders were new.
func (r *Reminders) Run(ctx context.Context) (int, error) {
	s := r.Campaigns
	today := s.today()
	var ids []int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		ids, err = activeIDs(ctx, tx, today.Y, today.Y)
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		n, err := r.campaign(ctx, id, today)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

func (r *Reminders) campaign(ctx context.Context, id int64, today civil.Date) (int, error) {
	s := r.Campaigns
	sent := 0
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		g, err := s.campaignData(ctx, tx, id)
		if err != nil {
			return err
		}
		grid := s.compute(g, org.System(), GridFilter{})
		users, err := ownerUsers(ctx, tx, g)
		if err != nil {
			return err
		}
		var msgs []notify.Message
		for _, row := range grid.Rows {
			for pi, cell := range row.Cells {
				p := g.c.Phases[pi]
				for _, it := range cell.Items {
					if it.Status.Complete() || it.Status == StatusUpcoming {
						continue
					}
					stage := r.stage(it.Due, today)
					if stage == "" {
						continue
					}
					url := fmt.Sprintf("/campaigns/%d/cell?unit=%d&phase=%d", g.c.ID, row.Unit.ID, p.ID)
					title := fmt.Sprintf("%s：%s（%s截止）", row.Unit.Name, it.Action.Title, it.Due.Chinese())
					late := strings.HasPrefix(stage, "late")
					switch {
					case late:
						title = fmt.Sprintf("【已逾期】%s：%s（%s截止）", row.Unit.Name, it.Action.Title, it.Due.Chinese())
					case stage == "today":
						title = "【今天截止】" + title
					default:
						title = "【提醒】" + title
					}
					body := fmt.Sprintf("%s · 第%d阶段「%s」\n规定动作：%s\n完成情况：%d/%d", g.c.Title, p.Seq, p.Name, it.Action.Title, it.Done, it.Total)
					key := fmt.Sprintf("remind:%d:%d:%s", it.Action.ID, row.Unit.ID, stage)
					var to []int64
					switch it.Action.Owner {
					case OwnerOffice:
						to = users.office
					case OwnerBranch:
						to = users.secretaries[row.Unit.ID]
					case OwnerLeader:
						to = users.leaders[row.Unit.ID]
					case OwnerMember:
						to = users.secretaries[row.Unit.ID] // the secretary follows up the branch
						mine, err := s.membersNotDone(ctx, tx, g, it.Action, row.Unit)
						if err != nil {
							return err
						}
						for _, u := range mine {
							msgs = append(msgs, notify.Message{UserID: u, Kind: "campaign.reminder", Title: strings.Replace(title, row.Unit.Name+"：", "", 1),
								Body: body, URL: fmt.Sprintf("/campaigns/%d", g.c.ID), Key: key})
						}
					}
					if late && !row.Office {
						to = append(to, users.leaders[row.Unit.ID]...)
					}
					for _, u := range to {
						msgs = append(msgs, notify.Message{UserID: u, Kind: "campaign.reminder", Title: title, Body: body, URL: url, Key: key})
					}
					if late && !row.Office && stage == "late0" {
						if _, err := r.Notify.SendToUnit(ctx, tx, row.Unit.ID, notify.Message{Kind: "campaign.late", Title: title, Body: body, URL: url, Key: key}); err != nil {
							return err
						}
					}
				}
			}
		}
		n, err := r.Notify.Send(ctx, tx, dedupe(msgs)...)
		sent = n
		return err
	})
	return sent, err
}

func dedupe(msgs []notify.Message) []notify.Message {
	seen := map[string]bool{}
	var out []notify.Message
	for _, m := range msgs {
		k := fmt.Sprintf("%d|%s", m.UserID, m.Key)
		if m.UserID == 0 || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, m)
	}
	return out
}

// owners are the accounts that owe a campaign's items.
type owners struct {
	office      []int64           // the office over the campaign's root
	secretaries map[int64][]int64 // branch → secretary accounts
	leaders     map[int64][]int64 // branch → liaison leaders' accounts
}

func ownerUsers(ctx context.Context, tx *db.Tx, g *gridData) (owners, error) {
	o := owners{secretaries: map[int64][]int64{}, leaders: map[int64][]int64{}}
	lo, hi := g.root.Path, strings.TrimSuffix(g.root.Path, "/")+"0"
	rows, err := tx.Query(ctx, `SELECT g.role, g.unit_id, g.user_id FROM role_grants g JOIN users us ON us.id = g.user_id `+org.JoinUnit("u", "g.unit_id")+`
		WHERE g.role IN ('office', 'secretary') AND us.disabled = FALSE AND u.path >= ? AND u.path < ?`, lo, hi)
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var role string
		var unit, user int64
		if err := rows.Scan(&role, &unit, &user); err != nil {
			rows.Close()
			return o, err
		}
		if role == "office" && unit == g.root.ID {
			o.office = append(o.office, user)
		} else if role == "secretary" {
			o.secretaries[unit] = append(o.secretaries[unit], user)
		}
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT l.unit_id, us.id FROM liaisons l JOIN users us ON us.member_id = l.member_id `+org.JoinUnit("u", "l.unit_id")+`
		WHERE l.ended_on = '' AND us.disabled = FALSE AND u.path >= ? AND u.path < ?`, lo, hi)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	for rows.Next() {
		var unit, user int64
		if err := rows.Scan(&unit, &user); err != nil {
			return o, err
		}
		if b := g.tree.BranchOf(unit).ID; b != 0 {
			o.leaders[b] = append(o.leaders[b], user)
		}
	}
	return o, rows.Err()
}

// membersNotDone lists the accounts of a branch's members who have not done a member action.
func (s *Service) membersNotDone(ctx context.Context, tx *db.Tx, g *gridData, a Action, branch org.Unit) ([]int64, error) {
	w, ok := g.window(a)
	cond, args := memberDoneCondIn(g.c, a, w, ok)
	rows, err := tx.Query(ctx, `SELECT us.id FROM members m `+org.JoinUnit("u", "m.unit_id")+` JOIN users us ON us.member_id = m.id
		WHERE u.path >= ? AND u.path < ? AND `+activeMember+` AND us.disabled = FALSE AND NOT `+cond,
		append([]any{branch.Path, strings.TrimSuffix(branch.Path, "/") + "0"}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Digest sends each secretary, liaison leader and office account one daily
// summary of what their units owe this week and what is late (key per day).
func (r *Reminders) Digest(ctx context.Context) (int, error) {
	s := r.Campaigns
	today := s.today()
	var users []int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT DISTINCT us.id FROM users us LEFT JOIN role_grants g ON g.user_id = us.id AND g.role IN ('office', 'secretary')
			LEFT JOIN liaisons l ON l.member_id = us.member_id AND l.ended_on = ''
			WHERE us.disabled = FALSE AND (g.id IS NOT NULL OR l.id IS NOT NULL) ORDER BY us.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			users = append(users, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range users {
		a, err := r.Org.Actor(ctx, u)
		if err != nil {
			continue
		}
		due, err := s.DueSoon(ctx, a)
		if err != nil {
			return sent, err
		}
		if len(due) == 0 {
			continue
		}
		late := 0
		var b strings.Builder
		for _, d := range due {
			mark := "本周"
			if d.Status == StatusLate {
				mark, late = "逾期", late+1
			}
			fmt.Fprintf(&b, "· [%s] %s %s（%s截止）\n", mark, d.Unit.Name, d.Title, d.Due.Chinese())
		}
		title := fmt.Sprintf("每日待办：%d 项（其中逾期 %d 项）", len(due), late)
		err = s.DB.Update(ctx, func(tx *db.Tx) error {
			n, err := r.Notify.Send(ctx, tx, notify.Message{UserID: u, Kind: "campaign.digest", Title: title, Body: b.String(), URL: "/", Key: "digest:" + today.String()})
			sent += n
			return err
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
