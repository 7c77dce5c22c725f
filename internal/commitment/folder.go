package commitment

import (
	"context"
	"fmt"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Folder is the commitments' part of a reviewer's folder (点评材料,
// campaign.FolderSource): the unit's own commitment and its members'
// commitments with their keeping progress, and — for the third round, or
// whenever verdicts exist — how they were fulfilled (兑现情况). One query,
// whatever the size of the unit. The review feature decides who opens it.
type Folder struct{}

// Folder sections' order: after the written reports, before the ledger.
const (
	FolderOrder           = 20
	FolderFulfilmentOrder = 21
)

type folderRow struct {
	id                    int64
	kind                  Kind
	unitName, memberName  string
	state                 State
	items, progress       int
	lastProgress          string
	kept, partly, notKept int
}

// Folder implements campaign.FolderSource.
func (Folder) Folder(ctx context.Context, tx *db.Tx, campaignID, unitID int64, round int) ([]campaign.FolderSection, error) {
	u, err := org.UnitTx(ctx, tx, unitID)
	if err != nil {
		return nil, err
	}
	in := org.Subtree("u", u.Path)
	// One statement: the unit's commitments, then their items, progress and
	// verdicts aggregated over just those commitments (set-based, so the
	// cost does not grow with per-row subqueries).
	rows, err := tx.Query(ctx, `WITH cs AS (SELECT c.id, c.kind, u.name AS unit_name, COALESCE(m.name, '') AS member_name, c.state, u.path
			FROM commitments c `+org.JoinUnit("u", "c.unit_id")+` LEFT JOIN members m ON m.id = c.member_id
			WHERE c.campaign_id = ? AND `+in.SQL+`)
		SELECT cs.id, cs.kind, cs.unit_name, cs.member_name, cs.state, COALESCE(i.n, 0), COALESCE(p.n, 0), COALESCE(p.last, ''),
			COALESCE(v.kept, 0), COALESCE(v.partly, 0), COALESCE(v.other, 0)
		FROM cs
		LEFT JOIN (SELECT commitment_id, COUNT(*) AS n FROM commitment_items WHERE commitment_id IN (SELECT id FROM cs) GROUP BY commitment_id) i ON i.commitment_id = cs.id
		LEFT JOIN (SELECT commitment_id, COUNT(*) AS n, MAX(created_at) AS last FROM commitment_progress WHERE commitment_id IN (SELECT id FROM cs) GROUP BY commitment_id) p ON p.commitment_id = cs.id
		LEFT JOIN (SELECT commitment_id, SUM(CASE WHEN verdict = 'kept' THEN 1 ELSE 0 END) AS kept, SUM(CASE WHEN verdict = 'partly' THEN 1 ELSE 0 END) AS partly,
			SUM(CASE WHEN verdict NOT IN ('kept', 'partly') THEN 1 ELSE 0 END) AS other
			FROM commitment_verdicts WHERE commitment_id IN (SELECT id FROM cs) GROUP BY commitment_id) v ON v.commitment_id = cs.id
		ORDER BY CASE WHEN cs.kind = 'branch' THEN 0 ELSE 1 END, cs.path, cs.member_name, cs.id`,
		append([]any{campaignID}, in.Args...)...)
	if err != nil {
		return nil, fmt.Errorf("commitment folder: %w", err)
	}
	var list []folderRow
	for rows.Next() {
		var r folderRow
		if err := rows.Scan(&r.id, &r.kind, &r.unitName, &r.memberName, &r.state, &r.items, &r.progress, &r.lastProgress, &r.kept, &r.partly, &r.notKept); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	day := func(s string) string {
		if s == "" {
			return ""
		}
		return civil.FromTime(tx.Local(db.ParseTime(s))).Chinese()
	}
	sec := campaign.FolderSection{Order: FolderOrder, Title: "承诺及践诺进展", TitleEn: "Commitments and their progress", Items: []campaign.FolderItem{}}
	ful := campaign.FolderSection{Order: FolderFulfilmentOrder, Title: "承诺兑现情况", TitleEn: "Fulfilment of the commitments", Items: []campaign.FolderItem{}}
	var members, published, withProgress, assessed, kept, partly, notKept int
	for _, r := range list {
		label := r.memberName
		if r.kind == BranchKind {
			label = r.unitName + "承诺"
		} else {
			members++
		}
		if r.state == Published {
			if r.kind != BranchKind {
				published++
			}
		}
		if r.progress > 0 && r.kind != BranchKind {
			withProgress++
		}
		text := fmt.Sprintf("%d 项承诺；践诺进展 %d 条", r.items, r.progress)
		if r.lastProgress != "" {
			text += "，最近 " + day(r.lastProgress)
		}
		sec.Items = append(sec.Items, campaign.FolderItem{Label: label, Text: text, Status: r.state.Chinese(),
			Link: fmt.Sprintf("/commitments/%d/keeping", r.id), Date: day(r.lastProgress), Late: r.state == Published && r.progress == 0})
		if n := r.kept + r.partly + r.notKept; n > 0 {
			assessed++
			kept, partly, notKept = kept+r.kept, partly+r.partly, notKept+r.notKept
			rate := (float64(r.kept) + 0.5*float64(r.partly)) / float64(n) * 100
			ful.Items = append(ful.Items, campaign.FolderItem{Label: label,
				Text:   fmt.Sprintf("已兑现 %d 项，部分兑现 %d 项，未兑现 %d 项", r.kept, r.partly, r.notKept),
				Status: fmt.Sprintf("兑现率 %.0f%%", rate), Link: fmt.Sprintf("/commitments/%d/keeping", r.id), Late: r.notKept > 0})
		}
	}
	if members > 0 {
		sum := campaign.FolderItem{Label: "党员承诺合计", Text: fmt.Sprintf("党员承诺 %d 份，已公布 %d 份，有践诺进展 %d 人", members, published, withProgress)}
		sec.Items = append([]campaign.FolderItem{sum}, sec.Items...)
	}
	out := []campaign.FolderSection{sec}
	if round >= 3 || assessed > 0 {
		if n := kept + partly + notKept; n > 0 {
			rate := (float64(kept) + 0.5*float64(partly)) / float64(n) * 100
			ful.Items = append([]campaign.FolderItem{{Label: "合计", Text: fmt.Sprintf("已评定 %d 份承诺：已兑现 %d 项，部分兑现 %d 项，未兑现 %d 项", assessed, kept, partly, notKept),
				Status: fmt.Sprintf("兑现率 %.0f%%", rate)}}, ful.Items...)
		} else {
			ful.Items = append(ful.Items, campaign.FolderItem{Label: "尚未评定", Text: "承诺尚未作出兑现评定"})
		}
		out = append(out, ful)
	}
	return out, nil
}
