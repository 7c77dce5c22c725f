package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
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
		if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, RootName).Scan(&rootID); err != nil {
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
