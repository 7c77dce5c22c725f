package commitment

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// The public board (公开栏) of a unit: the commitments published in one
// campaign by the unit and the units below it. A board is always for one
// campaign, named on it; the unit's own address shows its current campaign
// (Board with campaign 0) and every campaign keeps its board at its own
// address (campaign N), also after it has finished.

// BoardCampaign names a campaign on a unit's board.
type BoardCampaign struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Year   int    `json:"year"`
	Status string `json:"status"`    // active or finished
	Count  int    `json:"published"` // commitments published in it by the unit and the units below
}

// Finished reports whether the campaign has ended.
func (c BoardCampaign) Finished() bool { return c.Status == "finished" }

// Board is what the public board of a unit shows.
type Board struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	// Campaign is the campaign this board is for; nil when the unit has
	// none (nothing published and no campaign covering it).
	Campaign *BoardCampaign `json:"campaign"`
	// Current is true when Campaign is the unit's current campaign (the
	// one its address without ?campaign shows).
	Current bool `json:"current"`
	// Campaigns are the unit's boards: the campaigns with commitments
	// published here and the current one, latest year first.
	Campaigns   []BoardCampaign    `json:"campaigns"`
	Commitments []PublicCommitment `json:"commitments"`
}

// Published returns the board of a unit for its current campaign.
func (s *Service) Published(ctx context.Context, unitID int64) (Board, error) {
	return s.Board(ctx, unitID, 0)
}

// Board returns the published commitments of a unit and the units below it
// in one campaign (0: the unit's current campaign, see boardCampaigns), as
// last published (a newer version under review does not show until it is
// published). Anyone may read it. A campaign that has nothing to do with
// the unit is not found.
func (s *Service) Board(ctx context.Context, unitID, campaignID int64) (Board, error) {
	var b Board
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		b.UnitID, b.UnitName, b.Commitments = u.ID, u.Name, []PublicCommitment{}
		list, cur, err := boardCampaigns(ctx, tx, u, tx.Today())
		if err != nil {
			return err
		}
		chosen, err := pickCampaign(list, cur, campaignID)
		if err != nil {
			return err
		}
		b.Campaigns = shownCampaigns(list, cur)
		if chosen == nil {
			return nil
		}
		b.Campaign, b.Current = chosen, chosen.ID == cur
		rows, err := tx.Query(ctx, `SELECT c.id, c.campaign_id, c.kind, c.unit_id, u.name, c.year, c.oral, c.published_version, c.published_at, c.read_out_at, v.body
			FROM commitments c `+org.JoinUnit("u", "c.unit_id")+`
			JOIN commitment_versions v ON v.commitment_id = c.id AND v.version = c.published_version
			WHERE c.campaign_id = ? AND c.published_version > 0 AND u.path >= ? AND u.path < ?
			ORDER BY CASE WHEN c.kind = 'branch' THEN 0 ELSE 1 END, u.path, c.id`, chosen.ID, u.Path, org.PathEnd(u.Path))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p PublicCommitment
			var js string
			if err := rows.Scan(&p.ID, &p.CampaignID, &p.Kind, &p.UnitID, &p.UnitName, &p.Year, &p.Oral, &p.Version, &p.PublishedAt, &p.ReadOutAt, &js); err != nil {
				return err
			}
			var body Body
			if err := json.Unmarshal([]byte(js), &body); err != nil {
				return err
			}
			p.Title, p.MemberName, p.Post, p.LeadingCadre, p.Items = body.Title, body.MemberName, body.Post, body.LeadingCadre, body.Items
			if p.Kind == BranchKind {
				p.Phone = body.Phone
			}
			b.Commitments = append(b.Commitments, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return publicVerdicts(ctx, tx, u.Path, chosen.ID, b.Commitments)
	})
	return b, apperr.Wrap(err, "public board")
}

// BoardStamp says whether the board Board(unitID, campaignID) would return
// has changed: it differs whenever the board does (a publication, a
// read-out, an edit, a verdict, the unit renamed, a campaign opened,
// renamed or finished, the current campaign changing with the year), and is
// far cheaper to compute than the board. It also returns the campaign the
// board is for (0: none).
func (s *Service) BoardStamp(ctx context.Context, unitID, campaignID int64) (string, int64, error) {
	var stamp string
	var chosenID int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		list, cur, err := boardCampaigns(ctx, tx, u, tx.Today())
		if err != nil {
			return err
		}
		chosen, err := pickCampaign(list, cur, campaignID)
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%d", u.Name, u.Path, u.ClosedAt, cur)
		for _, c := range list {
			fmt.Fprintf(&b, "\x00%d\x00%s\x00%d\x00%s\x00%d", c.ID, c.Title, c.Year, c.Status, c.Count)
		}
		if chosen == nil {
			stamp = b.String()
			return nil
		}
		chosenID = chosen.ID
		var n, versions, verdicts int64
		var latest, assessed string
		end := org.PathEnd(u.Path)
		err = tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(c.updated_at), ''), COALESCE(SUM(c.published_version), 0)
			FROM commitments c `+org.JoinUnit("u", "c.unit_id")+` WHERE c.campaign_id = ? AND u.path >= ? AND u.path < ?`,
			chosen.ID, u.Path, end).Scan(&n, &latest, &versions)
		if err != nil {
			return err
		}
		// Year-end verdicts change the board without touching the commitment row.
		err = tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(v.assessed_at), '') FROM commitment_verdicts v
			JOIN commitments c ON c.id = v.commitment_id `+org.JoinUnit("u", "c.unit_id")+` WHERE c.campaign_id = ? AND u.path >= ? AND u.path < ?`,
			chosen.ID, u.Path, end).Scan(&verdicts, &assessed)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\x01%d\x00%d\x00%s\x00%d\x00%d\x00%s", chosen.ID, n, latest, versions, verdicts, assessed)
		stamp = b.String()
		return nil
	})
	return stamp, chosenID, apperr.Wrap(err, "public board")
}

// boardCampaigns lists the campaigns that have a board at unit u: those
// with commitments published by u or a unit below it, and those whose
// subtree holds u. cur is the unit's current campaign (0: none): the
// active campaign of today's year, else the latest active one before it,
// else the earliest after it, else the latest finished one; among equals
// one covering u, then the one with most published here.
func boardCampaigns(ctx context.Context, tx *db.Tx, u org.Unit, today civil.Date) ([]BoardCampaign, int64, error) {
	rows, err := tx.Query(ctx, `SELECT cp.id, cp.title, cp.year, cp.status, cu.path,
			(SELECT COUNT(*) FROM commitments c `+org.JoinUnit("x", "c.unit_id")+`
				WHERE c.campaign_id = cp.id AND c.published_version > 0 AND x.path >= ? AND x.path < ?)
		FROM campaigns cp `+org.JoinUnit("cu", "cp.unit_id")+` ORDER BY cp.year DESC, cp.id DESC`, u.Path, org.PathEnd(u.Path))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	type cand struct {
		BoardCampaign
		covers bool
	}
	var list []cand
	for rows.Next() {
		var c cand
		var root string
		if err := rows.Scan(&c.ID, &c.Title, &c.Year, &c.Status, &root, &c.Count); err != nil {
			return nil, 0, err
		}
		c.covers = u.Within(root)
		if c.covers || c.Count > 0 {
			list = append(list, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	// rank orders candidates for "current": lower is better.
	rank := func(c cand) [4]int {
		r := [4]int{0, 0, 0, 0}
		if c.Finished() {
			r[0] = 1
		}
		switch {
		case c.Finished():
			r[1] = -c.Year // the latest finished one
		case c.Year == today.Y:
			r[1] = 0
		case c.Year < today.Y:
			r[1] = 1 + (today.Y - c.Year) // the latest before this year
		default:
			r[1] = 10000 + (c.Year - today.Y) // the earliest after it
		}
		if !c.covers {
			r[2] = 1
		}
		r[3] = -c.Count
		return r
	}
	var cur int64
	var best [4]int
	out := make([]BoardCampaign, 0, len(list))
	for _, c := range list {
		if r := rank(c); cur == 0 || slices.Compare(r[:], best[:]) < 0 {
			cur, best = c.ID, r
		}
		out = append(out, c.BoardCampaign)
	}
	return out, cur, nil
}

// pickCampaign returns the campaign a board asked for (0: cur) from list;
// nil when the unit has no campaign at all; not found when id is not one
// of the unit's.
func pickCampaign(list []BoardCampaign, cur, id int64) (*BoardCampaign, error) {
	if id == 0 {
		id = cur
		if id == 0 {
			return nil, nil
		}
	}
	for i := range list {
		if list[i].ID == id {
			c := list[i]
			return &c, nil
		}
	}
	return nil, apperr.NotFoundf("该单位在此活动中的公开栏", "This unit's board for that campaign")
}

// shownCampaigns are the boards a board links to: those with something
// published, and the current one.
func shownCampaigns(list []BoardCampaign, cur int64) []BoardCampaign {
	out := []BoardCampaign{}
	for _, c := range list {
		if c.Count > 0 || c.ID == cur {
			out = append(out, c)
		}
	}
	return out
}

// publicVerdicts adds the verdicts of the published items to the board's
// commitments (one query for the subtree and campaign).
func publicVerdicts(ctx context.Context, tx *db.Tx, path string, campaignID int64, list []PublicCommitment) error {
	if len(list) == 0 {
		return nil
	}
	at := make(map[int64]int, len(list))
	for i, p := range list {
		at[p.ID] = i
	}
	rows, err := tx.Query(ctx, `SELECT x.commitment_id, x.item_key, x.verdict, x.reason, x.objective FROM commitment_verdicts x
		JOIN commitments c ON c.id = x.commitment_id `+org.JoinUnit("u", "c.unit_id")+`
		WHERE c.campaign_id = ? AND c.published_version > 0 AND u.path >= ? AND u.path < ? ORDER BY x.commitment_id, x.item_key`, campaignID, path, org.PathEnd(path))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v PublicVerdict
		var reason string
		var objective bool
		if err := rows.Scan(&id, &v.ItemKey, &v.Verdict, &reason, &objective); err != nil {
			return err
		}
		i, ok := at[id]
		if !ok || !hasKey(list[i].Items, v.ItemKey) {
			continue
		}
		v.Label = v.Verdict.Chinese()
		if objective && v.Verdict != Kept {
			v.Cause = reason
		}
		list[i].Verdicts = append(list[i].Verdicts, v)
	}
	return rows.Err()
}
