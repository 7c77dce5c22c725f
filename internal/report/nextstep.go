package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// nextstep.go: the home page's next steps (campaign.Kind.Form), the
// receiver's to-dos (Todos, a campaign.TodoSource) and the reviewer's
// folder sections (Folder, a campaign.FolderSource).

// memberReportForm: the member's written report for the round now being
// prepared, unless one is already sent (a draft reopens the report).
func memberReportForm(ctx context.Context, tx *db.Tx, c campaign.Campaign, memberID int64) (string, error) {
	round, err := RoundOn(ctx, tx, c.ID, tx.Today())
	if err != nil || round == 0 {
		return "", err
	}
	var id int64
	var status string
	err = tx.QueryRow(ctx, `SELECT id, status FROM reports WHERE campaign_id = ? AND kind = 'member' AND round = ? AND from_member_id = ? AND supplement_of IS NULL
		ORDER BY id LIMIT 1`, c.ID, round, memberID).Scan(&id, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Sprintf("/reports/write?kind=member&campaign=%d", c.ID), nil
	case err != nil:
		return "", err
	case status == Draft:
		return fmt.Sprintf("/reports/%d", id), nil
	}
	return "", nil
}

// summaryForm: the member's activity summary, unless posted.
func summaryForm(ctx context.Context, tx *db.Tx, c campaign.Campaign, memberID int64) (string, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM summaries WHERE campaign_id = ? AND member_id = ?`, c.ID, memberID).Scan(&n); err != nil || n > 0 {
		return "", err
	}
	return fmt.Sprintf("/summaries/write?campaign=%d", c.ID), nil
}

// Todos is the to-do source (campaign.TodoSource) that asks those who
// receive written reports (a branch's secretary for its members', the
// office for its branches') to read and acknowledge the ones sent to the
// units they hold a role on.
type Todos struct{}

// Todos lists one to-do per receiving unit and kind with reports waiting.
func (Todos) Todos(ctx context.Context, tx *db.Tx, userID int64, unitIDs []int64) ([]campaign.Todo, error) {
	if len(unitIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(unitIDs))
	for i, id := range unitIDs {
		args[i] = id
	}
	rows, err := tx.Query(ctx, `SELECT r.to_unit_id, r.kind, COUNT(*) FROM reports r WHERE r.status = 'sent' AND r.kind <> 'upward'
		AND r.to_unit_id IN (`+db.In(len(unitIDs))+`) GROUP BY r.to_unit_id, r.kind ORDER BY r.to_unit_id, r.kind`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []campaign.Todo
	for rows.Next() {
		var unit int64
		var kind string
		var n int
		if err := rows.Scan(&unit, &kind, &n); err != nil {
			return nil, err
		}
		out = append(out, campaign.Todo{UserID: userID, UnitID: unit, Source: "report",
			Title: fmt.Sprintf("阅签%s（%d 份待签收）", KindLabel(kind, ""), n),
			URL:   fmt.Sprintf("/reports/written?org=%d&kind=%s&status=sent", unit, kind)})
	}
	return out, rows.Err()
}

// Folder is the reviewer's folder source (campaign.FolderSource) of
// written reports: the unit's own reports for the round (branch reports,
// supplements, the annual summary in round 3), its members' reports for the
// round, its experience write-ups, and in round 2 its members' activity
// summaries — each with its acknowledgement status. Drafts are left out.
type Folder struct{}

// Folder gives the sections for unit unitID of campaign campaignID.
func (Folder) Folder(ctx context.Context, tx *db.Tx, campaignID, unitID int64, round int) ([]campaign.FolderSection, error) {
	q := `SELECT r.id, r.kind, r.title, r.body, COALESCE(m.name, ''), r.status, COALESCE(r.sent_at, ''), COALESCE(r.supplement_of, 0), r.round
		FROM reports r LEFT JOIN members m ON m.id = r.from_member_id
		WHERE r.campaign_id = ? AND r.from_unit_id = ? AND r.kind <> 'upward' AND r.status <> 'draft'`
	args := []any{campaignID, unitID}
	if round != 0 {
		q += ` AND (r.round = ? OR r.kind = 'experience')`
		args = append(args, round)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY r.kind, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	own := campaign.FolderSection{Order: 10, Title: "书面汇报", TitleEn: "Written reports", Items: []campaign.FolderItem{}}
	members := campaign.FolderSection{Order: 11, Title: "党员书面汇报", TitleEn: "Members' written reports", Items: []campaign.FolderItem{}}
	exp := campaign.FolderSection{Order: 12, Title: "经验材料、创新举措", TitleEn: "Experience write-ups", Items: []campaign.FolderItem{}}
	for rows.Next() {
		var id, sup int64
		var kind, title, body, name, status, sent string
		var rd int
		if err := rows.Scan(&id, &kind, &title, &body, &name, &status, &sent, &sup, &rd); err != nil {
			return nil, err
		}
		it := campaign.FolderItem{Label: title, Text: body, Status: StatusLabel(status, ""), Link: fmt.Sprintf("/reports/%d", id)}
		if sent != "" {
			it.Date = civil.FromTime(tx.Local(db.ParseTime(sent))).Chinese()
		}
		switch kind {
		case Member:
			it.Label = name + "：" + title
			members.Items = append(members.Items, it)
		case Experience:
			exp.Items = append(exp.Items, it)
		default:
			own.Items = append(own.Items, it)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []campaign.FolderSection{own, members}
	if len(exp.Items) > 0 {
		out = append(out, exp)
	}
	if round == 0 || round == 2 {
		sum, err := folderSummaries(ctx, tx, campaignID, unitID)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

func folderSummaries(ctx context.Context, tx *db.Tx, campaignID, unitID int64) (campaign.FolderSection, error) {
	sec := campaign.FolderSection{Order: 13, Title: "党员活动小结", TitleEn: "Members' activity summaries", Items: []campaign.FolderItem{}}
	rows, err := tx.Query(ctx, `SELECT s.id, m.name, s.text, s.updated_at, s.recorded_by IS NOT NULL FROM summaries s JOIN members m ON m.id = s.member_id
		WHERE s.campaign_id = ? AND s.unit_id = ? ORDER BY m.id`, campaignID, unitID)
	if err != nil {
		return sec, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, text, at string
		var recorded bool
		if err := rows.Scan(&id, &name, &text, &at, &recorded); err != nil {
			return sec, err
		}
		it := campaign.FolderItem{Label: name, Text: text, Date: civil.FromTime(tx.Local(db.ParseTime(at))).Chinese(), Link: fmt.Sprintf("/summaries/%d", id)}
		if recorded {
			it.Status = "支部代为记录"
		}
		sec.Items = append(sec.Items, it)
	}
	return sec, rows.Err()
}
