package inspect

import (
	"context"
	"fmt"
	"strings"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/rectify"
)

// Folder is the inspection findings' part of a unit's reviewer folder
// (campaign.FolderSource): section 督查发现 lists, for each inspection of the
// campaign that recorded findings for the unit, the verdicts in short, the
// good practices and each problem with its ledger entry's status. The
// review feature decides who opens the folder.
type Folder struct{}

var _ campaign.FolderSource = Folder{}

// FolderOrder places the section among the folder's parts.
const FolderOrder = 40

func entryStatus(p Problem) (string, bool) {
	if p.RectificationID == 0 {
		return "未列入台账", false
	}
	if p.Overdue {
		return "逾期未整改", true
	}
	switch p.Status {
	case rectify.Open:
		return "待整改", false
	case rectify.InProgress:
		return "整改中", false
	case rectify.Done:
		return "已整改（待验收）", false
	case rectify.Verified:
		return "已验收", false
	}
	return string(p.Status), false
}

// Folder gives section 督查发现 of the unit's folder for the campaign.
func (Folder) Folder(ctx context.Context, tx *db.Tx, campaignID, unitID int64, round int) ([]campaign.FolderSection, error) {
	rows, err := tx.Query(ctx, `SELECT f.id, i.id, i.title, i.held_on FROM inspection_findings f JOIN inspections i ON i.id = f.inspection_id
		WHERE f.campaign_id = ? AND f.unit_id = ? ORDER BY i.held_on, f.id`, campaignID, unitID)
	if err != nil {
		return nil, err
	}
	type head struct {
		finding, inspection int64
		title, heldOn       string
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.finding, &h.inspection, &h.title, &h.heldOn); err != nil {
			rows.Close()
			return nil, err
		}
		heads = append(heads, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sec := campaign.FolderSection{Order: FolderOrder, Title: "督查发现", TitleEn: "Inspection findings", Items: []campaign.FolderItem{}}
	for _, h := range heads {
		found, err := findingsWhere(ctx, tx, `f.id = ?`, h.finding)
		if err != nil {
			return nil, err
		}
		f := found[unitID]
		if f == nil {
			continue
		}
		counts := map[Verdict]int{}
		for _, m := range f.Marks {
			counts[m.Verdict]++
		}
		var date string
		if d, err := parseDay(h.heldOn); err == nil {
			date = d
		}
		text := fmt.Sprintf("符合 %d 项、基本符合 %d 项、不符合 %d 项", counts[Meets], counts[Partly], counts[Fails])
		if f.Summary != "" {
			text += "。" + f.Summary
		}
		if f.Good != "" {
			text += "\n好的做法：" + f.Good
		}
		sec.Items = append(sec.Items, campaign.FolderItem{Label: h.title, Text: strings.TrimSpace(text), Date: date,
			Status: fmt.Sprintf("问题 %d 个", len(f.Problems)), Link: fmt.Sprintf("/inspections/%d#unit-%d", h.inspection, unitID)})
		for _, p := range f.Problems {
			st, late := entryStatus(p)
			item := campaign.FolderItem{Label: "问题：" + p.Problem, Text: p.Measure, Status: st, Late: late, Link: fmt.Sprintf("/inspections/%d#unit-%d", h.inspection, unitID)}
			if !p.Deadline.IsZero() {
				item.Date = p.Deadline.Chinese()
			}
			sec.Items = append(sec.Items, item)
		}
	}
	return []campaign.FolderSection{sec}, nil
}
