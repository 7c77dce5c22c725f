package commitment

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// RecentDays is the window of "recent" progress in a roll-up.
const RecentDays = 30

// RollupRow is the keeping progress of the published commitments of one
// branch (its own and its members') or of a whole unit.
type RollupRow struct {
	UnitID      int64        `json:"unit_id"`
	UnitName    string       `json:"unit_name"`
	UnitType    org.UnitType `json:"unit_type"`
	Published   int          `json:"published"`       // published commitments
	WithPlan    int          `json:"with_plan"`       // of which with a plan (milestones)
	Progress30  int          `json:"progress_recent"` // progress entries in the last RecentDays days
	Items       int          `json:"items"`           // published items
	SelfChecked int          `json:"self_checked"`    // items self-checked
	Assessed    int          `json:"assessed"`        // items assessed at the year's end
	Kept        int          `json:"kept"`
	Partly      int          `json:"partly"`
	NotKept     int          `json:"not_kept"`
	// Shares over the published items; Rate over the assessed ones (kept 1,
	// partly kept 0.5).
	SelfCheckedShare float64 `json:"self_checked_share"`
	AssessedShare    float64 `json:"assessed_share"`
	Rate             float64 `json:"rate"`
}

// Rollup is the keeping progress of a unit, per branch under it and in total.
type Rollup struct {
	CampaignID int64       `json:"campaign_id"`
	UnitID     int64       `json:"unit_id"`
	UnitName   string      `json:"unit_name"`
	Since      string      `json:"recent_since"` // start of the recent-progress window
	Branches   []RollupRow `json:"branches"`
	Total      RollupRow   `json:"total"`
}

func (r *RollupRow) add(o RollupRow) {
	r.Published += o.Published
	r.WithPlan += o.WithPlan
	r.Progress30 += o.Progress30
	r.Items += o.Items
	r.SelfChecked += o.SelfChecked
	r.Assessed += o.Assessed
	r.Kept += o.Kept
	r.Partly += o.Partly
	r.NotKept += o.NotKept
}

func (r *RollupRow) shares() {
	r.SelfCheckedShare, r.AssessedShare, r.Rate = 0, 0, 0
	if r.Items > 0 {
		r.SelfCheckedShare = float64(r.SelfChecked) / float64(r.Items)
		r.AssessedShare = float64(r.Assessed) / float64(r.Items)
	}
	if r.Assessed > 0 {
		r.Rate = (float64(r.Kept) + 0.5*float64(r.Partly)) / float64(r.Assessed)
	}
}

// Rollup rolls the keeping of a campaign's published commitments up to each
// branch under unitID and to the unit (four queries, however many members).
// Whoever may read the unit may read it.
func (s *Service) Rollup(ctx context.Context, a *org.Actor, campaignID, unitID int64) (Rollup, error) {
	out := Rollup{CampaignID: campaignID, UnitID: unitID, Branches: []RollupRow{}}
	if a == nil {
		return out, unauthorized()
	}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !mayReadProgress(a, u) {
			return apperr.Deny()
		}
		if _, err := loadCampaign(ctx, tx, campaignID); err != nil {
			return err
		}
		out.UnitName = u.Name
		out.Total = RollupRow{UnitID: u.ID, UnitName: u.Name, UnitType: u.Type}
		out.Since = db.FormatTime(tx.Now.Add(-RecentDays * 24 * time.Hour))
		end := org.PathEnd(u.Path)

		// The branches under the unit (the unit itself when it is one).
		branches, err := org.UnitsBelowTx(ctx, tx, u, org.Branch)
		if err != nil {
			return err
		}
		per := make([]RollupRow, len(branches))
		for i, b := range branches {
			per[i] = RollupRow{UnitID: b.ID, UnitName: b.Name, UnitType: b.Type}
		}
		// branchAt is the index of the branch holding a unit path, or -1.
		branchAt := func(p string) int {
			at, long := -1, 0
			for i, b := range branches {
				if strings.HasPrefix(p, b.Path) && len(b.Path) > long {
					at, long = i, len(b.Path)
				}
			}
			return at
		}

		// The published commitments with their published items.
		type kept struct {
			branch int
			keys   map[int]bool
		}
		byID := map[int64]*kept{}
		rows, err := tx.Query(ctx, `SELECT c.id, u.path, v.body,
			(SELECT COUNT(*) FROM commitment_milestones ms WHERE ms.commitment_id = c.id),
			(SELECT COUNT(*) FROM commitment_progress p WHERE p.commitment_id = c.id AND p.created_at >= ?)
			FROM commitments c `+org.JoinUnit("u", "c.unit_id")+`
			JOIN commitment_versions v ON v.commitment_id = c.id AND v.version = c.published_version
			WHERE c.campaign_id = ? AND c.published_version > 0 AND u.path >= ? AND u.path < ?`, out.Since, campaignID, u.Path, end)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var path, js string
			var plan, recent int
			if err := rows.Scan(&id, &path, &js, &plan, &recent); err != nil {
				rows.Close()
				return err
			}
			var body Body
			if err := json.Unmarshal([]byte(js), &body); err != nil {
				rows.Close()
				return err
			}
			k := &kept{branch: branchAt(path), keys: map[int]bool{}}
			for _, it := range body.Items {
				k.keys[it.Key] = true
			}
			byID[id] = k
			r := RollupRow{Published: 1, Progress30: recent, Items: len(body.Items)}
			if plan > 0 {
				r.WithPlan = 1
			}
			out.Total.add(r)
			if k.branch >= 0 {
				per[k.branch].add(r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		// Self-checks and verdicts of the published items.
		scoped := ` FROM commitments c ` + org.JoinUnit("u", "c.unit_id") + `
			WHERE x.commitment_id = c.id AND c.campaign_id = ? AND c.published_version > 0 AND u.path >= ? AND u.path < ?`
		count := func(q string, f func(r *RollupRow, verdict string)) error {
			rows, err := tx.Query(ctx, q, campaignID, u.Path, end)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var key int
				var verdict string
				if err := rows.Scan(&id, &key, &verdict); err != nil {
					return err
				}
				k := byID[id]
				if k == nil || !k.keys[key] { // an item no longer published
					continue
				}
				f(&out.Total, verdict)
				if k.branch >= 0 {
					f(&per[k.branch], verdict)
				}
			}
			return rows.Err()
		}
		if err := count(`SELECT x.commitment_id, x.item_key, '' FROM commitment_selfchecks x WHERE EXISTS (SELECT 1`+scoped+`)`,
			func(r *RollupRow, _ string) { r.SelfChecked++ }); err != nil {
			return err
		}
		if err := count(`SELECT x.commitment_id, x.item_key, x.verdict FROM commitment_verdicts x WHERE EXISTS (SELECT 1`+scoped+`)`,
			func(r *RollupRow, v string) {
				r.Assessed++
				switch Verdict(v) {
				case Kept:
					r.Kept++
				case Partly:
					r.Partly++
				default:
					r.NotKept++
				}
			}); err != nil {
			return err
		}
		for i, b := range branches {
			if b.Closed() && per[i].Published == 0 {
				continue
			}
			per[i].shares()
			out.Branches = append(out.Branches, per[i])
		}
		out.Total.shares()
		return nil
	})
	return out, apperr.Wrap(err, "rollup")
}

// FulfilmentOf is Fulfilment for whoever may read the unit.
func (s *Service) FulfilmentOf(ctx context.Context, a *org.Actor, campaignID, unitID int64) (FulfilmentReport, error) {
	if a == nil {
		return FulfilmentReport{}, unauthorized()
	}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !mayReadProgress(a, u) {
			return apperr.Deny()
		}
		_, err = loadCampaign(ctx, tx, campaignID)
		return err
	})
	if err != nil {
		return FulfilmentReport{}, apperr.Wrap(err, "fulfilment")
	}
	out, err := s.Fulfilment(ctx, unitID, campaignID)
	if out.Members == nil {
		out.Members = []Rate{}
	}
	if out.Units == nil {
		out.Units = []Rate{}
	}
	return out, err
}

func pct(whole int, share float64) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

// SelfCheckedPct is the self-checked share as a percentage ("—" for no items).
func (r RollupRow) SelfCheckedPct() string { return pct(r.Items, r.SelfCheckedShare) }

// AssessedPct is the assessed share as a percentage ("—" for no items).
func (r RollupRow) AssessedPct() string { return pct(r.Items, r.AssessedShare) }

// RatePct is the fulfilment rate as a percentage ("—" when nothing is assessed).
func (r RollupRow) RatePct() string { return pct(r.Assessed, r.Rate) }
