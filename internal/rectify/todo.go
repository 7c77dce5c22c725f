package rectify

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Todos is the ledger's campaign.TodoSource, the one home of its late
// lists: the home page's to-dos and the daily digest (campaign.DueSoon)
// and the progress grid's open and late counts per row all read it.
//
// With userID (a person's to-dos): the open entries they own; the open
// entries of the units they manage (unitIDs, each unit itself, not its
// subtree, so the office is not handed every branch's entries); and the
// closed entries their units must verify. Without (the grid): every open
// entry of the units' subtrees. Entries of finished campaigns are left
// out. Overdue ones come first.
type Todos struct{}

func short(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// Todos implements campaign.TodoSource.
func (Todos) Todos(ctx context.Context, tx *db.Tx, userID int64, unitIDs []int64) ([]campaign.Todo, error) {
	const from = ` FROM rectifications r JOIN campaigns c ON c.id = r.campaign_id AND c.status <> 'finished'`
	const cols = `SELECT r.id, r.unit_id, r.problem, r.deadline, r.status, COALESCE(us.id, 0)`
	const owner = ` LEFT JOIN users us ON us.member_id = r.owner_member_id AND us.disabled = FALSE`
	var out []campaign.Todo
	scan := func(q string, args []any, verify bool) error {
		rows, err := tx.Query(ctx, q+` ORDER BY r.deadline, r.id LIMIT 500`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, unit, user int64
			var problem, deadline, status string
			if err := rows.Scan(&id, &unit, &problem, &deadline, &status, &user); err != nil {
				return err
			}
			t := campaign.Todo{UserID: user, UnitID: unit, Title: "整改：" + short(problem), Due: deadline, URL: fmt.Sprintf("/rectifications/%d", id), Source: "rectify"}
			if verify {
				t.UserID, t.Title, t.Due = 0, "验收整改："+short(problem), ""
			}
			out = append(out, t)
		}
		return rows.Err()
	}
	open := ` AND r.status IN ('open', 'in_progress')`
	if userID == 0 {
		if len(unitIDs) == 0 {
			return nil, nil
		}
		units, err := org.UnitsTx(ctx, tx, unitIDs)
		if err != nil {
			return nil, err
		}
		var paths []string
		for _, u := range units {
			paths = append(paths, u.Path)
		}
		in := org.Subtrees("u", paths)
		return out, scan(cols+from+org.JoinUnit("u", "r.unit_id")+owner+` WHERE `+in.SQL+open, in.Args, false)
	}
	var memberID int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(member_id, 0) FROM users WHERE id = ?`, userID).Scan(&memberID); err != nil {
		return nil, err
	}
	var ors []string
	var args []any
	if memberID != 0 {
		ors, args = append(ors, "r.owner_member_id = ?"), append(args, memberID)
	}
	var ids []any
	for _, id := range unitIDs {
		ids = append(ids, id)
	}
	if len(ids) > 0 {
		ors, args = append(ors, "r.unit_id IN ("+db.In(len(ids))+")"), append(args, ids...)
	}
	if len(ors) > 0 {
		if err := scan(cols+from+owner+` WHERE (`+strings.Join(ors, " OR ")+`)`+open, args, false); err != nil {
			return nil, err
		}
	}
	if len(ids) > 0 {
		if err := scan(cols+from+owner+` WHERE r.status = 'done' AND r.raised_by_unit_id IN (`+db.In(len(ids))+`)`, ids, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Folder is the ledger's campaign.FolderSource: the section 整改台账 of a
// unit's reviewer folder — the unit's entries not yet verified, with their
// status and overdue in red; for a review round after the first it is
// titled 上轮点评问题整改情况 (last round's problems and their fixing).
type Folder struct{}

// Folder implements campaign.FolderSource.
func (Folder) Folder(ctx context.Context, tx *db.Tx, campaignID, unitID int64, round int) ([]campaign.FolderSection, error) {
	u, err := org.UnitTx(ctx, tx, unitID)
	if err != nil {
		return nil, err
	}
	in := org.Subtree("u", u.Path)
	rows, err := tx.Query(ctx, `SELECT r.id, r.source, r.problem, r.measure, r.deadline, r.status, COALESCE(om.name, '') FROM rectifications r `+org.JoinUnit("u", "r.unit_id")+`
		LEFT JOIN members om ON om.id = r.owner_member_id WHERE r.campaign_id = ? AND r.status <> 'verified' AND `+in.SQL+` ORDER BY r.deadline, r.id`,
		append([]any{campaignID}, in.Args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sec := campaign.FolderSection{Order: 40, Title: "整改台账", TitleEn: "Rectification ledger", Items: []campaign.FolderItem{}}
	if round > 1 {
		sec.Title, sec.TitleEn = "上轮点评问题整改情况", "Last round's problems and their rectification"
	}
	today := tx.Today()
	for rows.Next() {
		var id int64
		var source, problem, measure, deadline, owner string
		var st Status
		if err := rows.Scan(&id, &source, &problem, &measure, &deadline, &st, &owner); err != nil {
			return nil, err
		}
		d, err := civil.ParseStorage(deadline)
		if err != nil {
			return nil, err
		}
		late := (st == Open || st == InProgress) && d.Before(today)
		text := measure
		if owner != "" {
			text = strings.TrimSpace(text + "（责任人：" + owner + "）")
		}
		sec.Items = append(sec.Items, campaign.FolderItem{Label: "［" + SourceLabel(Source(source)) + "］" + problem, Text: text,
			Date: d.Chinese(), Status: StatusLabel(st, late), Link: fmt.Sprintf("/rectifications/%d", id), Late: late})
	}
	return []campaign.FolderSection{sec}, rows.Err()
}
