package campaign

import (
	"context"
	"fmt"
	"sort"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Horizon is how far ahead "due this week" looks.
const Horizon = 7

// DueItem is something the actor or their unit owes soon or late.
type DueItem struct {
	Campaign Campaign
	Phase    string
	Unit     org.Unit
	Title    string
	Due      civil.Date
	Status   Status
	Progress string // e.g. "12/40" for member actions
	Mine     bool   // owed by the actor personally (as a member or leader)
	URL      string
	Source   string
}

// DaysLeft until the item is due (negative when late).
func (d DueItem) DaysLeft(today civil.Date) int { return daysBetween(today, d.Due) }

// DueSoon lists what the actor owes within Horizon days or late, across
// active campaigns: their branches' items (secretaries, the office), their
// own member items, their liaison items, and other features' to-dos.
func (s *Service) DueSoon(ctx context.Context, a *org.Actor) ([]DueItem, error) {
	today := s.today()
	limit := civil.FromTime(today.Time().AddDate(0, 0, Horizon))
	var out []DueItem
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		err := s.eachSeen(ctx, tx, a, today.Y, func(g *gridData, grid *Grid) error {
			for _, r := range grid.Rows {
				if !a.CanWrite(r.Unit) && !liaisonFor(a, g, r.Unit) {
					continue
				}
				for i, cell := range r.Cells {
					for _, it := range cell.Items {
						if it.Status.Complete() || it.Status == StatusUpcoming || it.Due.After(limit) {
							continue
						}
						if it.Action.Owner == OwnerLeader && !liaisonFor(a, g, r.Unit) && !canManage(a, g.root) {
							continue
						}
						d := DueItem{Campaign: g.c, Phase: g.c.Phases[i].Name, Unit: r.Unit, Title: it.Action.Title, Due: it.Due, Status: it.Status,
							URL: fmt.Sprintf("/campaigns/%d/cell?unit=%d&phase=%d", g.c.ID, r.Unit.ID, g.c.Phases[i].ID), Source: "action",
							Mine: it.Action.Owner == OwnerLeader && liaisonFor(a, g, r.Unit)}
						if it.Action.Owner == OwnerMember {
							d.Progress = fmt.Sprintf("%d/%d", it.Done, it.Total)
						}
						out = append(out, d)
					}
				}
			}
			if a.MemberID != 0 {
				mine, err := s.memberDue(ctx, tx, a, g, today, limit)
				if err != nil {
					return err
				}
				out = append(out, mine...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		var units []int64
		for _, gr := range a.Grants {
			if gr.UnitID != 0 && gr.Role != org.RoleMember {
				units = append(units, gr.UnitID)
			}
		}
		for _, src := range s.Sources {
			todos, err := src.Todos(ctx, tx, a.UserID, units)
			if err != nil {
				return err
			}
			for _, t := range todos {
				if t.Done {
					continue
				}
				d := DueItem{Title: t.Title, URL: t.URL, Source: t.Source, Mine: t.UserID == a.UserID, Status: StatusDue}
				if t.Due != "" {
					if due, err := civil.ParseStorage(t.Due); err == nil {
						d.Due = due
						if due.Before(today) {
							d.Status = StatusLate
						} else if due.After(limit) {
							continue
						}
					}
				}
				out = append(out, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, "due soon")
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Status != out[j].Status {
			return out[i].Status == StatusLate
		}
		return out[i].Due.Before(out[j].Due)
	})
	return out, nil
}

// memberDue lists the member actions the actor has not done yet.
func (s *Service) memberDue(ctx context.Context, tx *db.Tx, a *org.Actor, g *gridData, today, limit civil.Date) ([]DueItem, error) {
	var out []DueItem
	var unitID int64
	if err := tx.QueryRow(ctx, `SELECT unit_id FROM members WHERE id = ?`, a.MemberID).Scan(&unitID); err != nil {
		return nil, nil
	}
	unit, ok := g.tree.ByID[unitID]
	if !ok {
		return nil, nil // not in this campaign's subtree
	}
	for _, p := range g.c.Phases {
		for _, ac := range p.Actions {
			if ac.Owner != OwnerMember {
				continue
			}
			due := ac.Due(p)
			st := status(false, p, due, today)
			if st == StatusUpcoming || due.After(limit) {
				continue
			}
			w, ok := g.window(ac)
			cond, args := memberDoneCondIn(g.c, ac, w, ok)
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m WHERE m.id = ? AND `+cond, append([]any{a.MemberID}, args...)...).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				continue
			}
			url, err := s.memberForm(ctx, tx, g.c, ac, a.MemberID)
			if err != nil {
				return nil, err
			}
			out = append(out, DueItem{Campaign: g.c, Phase: p.Name, Unit: unit, Title: ac.Title, Due: due, Status: st, Mine: true,
				URL: url, Source: "action"})
		}
	}
	return out, nil
}

// memberForm is the page where the member does action ac: the form its
// kind's feature names, or "" when no page records it (an action completed
// by hand, which the branch registers) — never the campaign page, which
// shows a member nothing to do.
func (s *Service) memberForm(ctx context.Context, tx *db.Tx, c Campaign, ac Action, memberID int64) (string, error) {
	for _, k := range s.Kinds {
		if k.Code == ac.Kind && k.Form != nil {
			return k.Form(ctx, tx, c, memberID)
		}
	}
	return "", nil
}
