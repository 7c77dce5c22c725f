package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Report statuses: the office drafts and sends; the superior acknowledges.
const (
	ReportDraft        = "draft"        // 草稿
	ReportSent         = "sent"         // 已报送
	ReportAcknowledged = "acknowledged" // 已签收
)

// Report is a report sent upward (报上级党组织), e.g. the plan and the
// mobilisation reported to the city committee.
type Report struct {
	ID         int64        `json:"id"`
	CampaignID int64        `json:"campaign_id"`
	FromUnitID int64        `json:"from_unit_id"`
	FromUnit   string       `json:"from_unit"`
	ToUnitID   int64        `json:"to_unit_id"`
	ToUnit     string       `json:"to_unit"`
	Title      string       `json:"title"`
	Body       string       `json:"body"`
	Items      []ReportItem `json:"items"` // records from the system, as they stood when sent
	FileID     int64        `json:"file_id,omitempty"`
	Status     string       `json:"status"`
	CreatedAt  string       `json:"created_at"`
	SentAt     string       `json:"sent_at,omitempty"`
	AckBy      string       `json:"acknowledged_by,omitempty"`
	AckAt      string       `json:"acknowledged_at,omitempty"`
	AckNote    string       `json:"ack_note,omitempty"`

	May *ReportMay `json:"may,omitempty"` // what the reader may do now (may.go), with Report
}

// ReportItem is one line of what the system knows, attached to a report.
type ReportItem struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// ReportInput drafts a report.
type ReportInput struct {
	CampaignID int64  `json:"campaign_id"`
	Title      string `json:"title"`
	Body       string `json:"body"`
	File       *File  `json:"-"`
}

// Draft makes a report of a campaign from its office to the unit above,
// with the campaign's records summarised (phases and progress, the plan).
func (s *Service) Draft(ctx context.Context, a *org.Actor, in ReportInput) (Report, error) {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 100 {
		return Report{}, apperr.Field("title", "请填写报告标题（100 字以内）", "Give the report a title (up to 100 characters)")
	}
	if utf8.RuneCountInString(in.Body) > 20000 {
		return Report{}, apperr.Field("body", "报告正文不能超过 20000 字", "The body may have at most 20,000 characters")
	}
	if in.File != nil {
		if err := checkFile(in.File); err != nil {
			return Report{}, err
		}
	}
	g, err := s.Grid(ctx, a, in.CampaignID, GridFilter{})
	if err != nil {
		return Report{}, err
	}
	r := Report{CampaignID: in.CampaignID, Title: in.Title, Body: in.Body, Status: ReportDraft}
	r.Items = append(r.Items, ReportItem{Label: "活动", Value: g.Campaign.Title + "（" + g.Campaign.UnitName + "）"})
	r.Items = append(r.Items, ReportItem{Label: "总体进度", Value: fmt.Sprintf("%d/%d 项规定动作已完成（%d%%），截至%s", g.Done, g.Total, g.Percent(), g.Today.Chinese())})
	for _, p := range g.Phases {
		if p.State == PhaseUpcoming {
			continue
		}
		r.Items = append(r.Items, ReportItem{Label: fmt.Sprintf("%d. %s", p.Phase.Seq, p.Phase.Name), Value: fmt.Sprintf("完成 %d/%d，逾期 %d", p.Done, p.Total, p.Late)})
	}
	items, _ := json.Marshal(r.Items)
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, in.CampaignID)
		if err != nil {
			return err
		}
		if !canManage(a, root) {
			return apperr.Deny()
		}
		if root.ParentID == 0 {
			return apperr.New(apperr.Invalid, "「"+root.Name+"」没有上级党组织，无法报送；请先在组织架构中设立上级组织", "This unit has no superior unit to report to")
		}
		to, err := getUnit(ctx, tx, root.ParentID)
		if err != nil {
			return err
		}
		fileID, err := saveFile(ctx, tx, a, in.File)
		if err != nil {
			return err
		}
		r.FromUnitID, r.FromUnit, r.ToUnitID, r.ToUnit, r.FileID = root.ID, root.Name, to.ID, to.Name, fileID
		r.ID, err = tx.Insert(ctx, `INSERT INTO reports (campaign_id, from_unit_id, to_unit_id, title, body, items, file_id, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)`, c.ID, root.ID, to.ID, r.Title, r.Body, string(items), nullID(fileID), nullID(a.UserID), tx.NowText())
		if err != nil {
			return err
		}
		r.CreatedAt = tx.NowText()
		return audit.Record(ctx, tx, who(a), "report.draft", "report", r.ID, nil, map[string]any{"title": r.Title, "to": to.Name})
	})
	return r, apperr.Wrap(err, "draft report")
}

const reportCols = `r.id, COALESCE(r.campaign_id, 0), r.from_unit_id, fu.name, r.to_unit_id, tu.name, r.title, r.body, r.items, COALESCE(r.file_id, 0),
	r.status, r.created_at, COALESCE(r.sent_at, ''), COALESCE(au.display_name, ''), COALESCE(r.acknowledged_at, ''), r.ack_note`

func scanReport(sc interface{ Scan(...any) error }) (Report, error) {
	var r Report
	var items string
	err := sc.Scan(&r.ID, &r.CampaignID, &r.FromUnitID, &r.FromUnit, &r.ToUnitID, &r.ToUnit, &r.Title, &r.Body, &items, &r.FileID,
		&r.Status, &r.CreatedAt, &r.SentAt, &r.AckBy, &r.AckAt, &r.AckNote)
	if err == nil && items != "" {
		_ = json.Unmarshal([]byte(items), &r.Items)
	}
	return r, err
}

func reportFrom() string {
	return ` FROM reports r ` + org.JoinUnit("fu", "r.from_unit_id") + ` ` + org.JoinUnit("tu", "r.to_unit_id") + ` LEFT JOIN users au ON au.id = r.acknowledged_by`
}

// Report returns one report to its sender's office or to its recipient.
func (s *Service) Report(ctx context.Context, a *org.Actor, id int64) (Report, error) {
	var r Report
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		r, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportCols+reportFrom()+` WHERE r.id = ? AND r.kind = 'upward'`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("报告", "Report")
		}
		if err != nil {
			return err
		}
		return mayReadReport(ctx, tx, a, &r)
	})
	return r, apperr.Wrap(err, "get report")
}

func mayReadReport(ctx context.Context, tx *db.Tx, a *org.Actor, r *Report) error {
	from, err := getUnit(ctx, tx, r.FromUnitID)
	if err != nil {
		return err
	}
	to, err := getUnit(ctx, tx, r.ToUnitID)
	if err != nil {
		return err
	}
	if visibleReport(a, r.Status, from, to) {
		r.May = reportMay(a, *r, from, to)
		return nil
	}
	return apperr.Deny()
}

// visibleReport: a draft only to the sending office; a sent report to
// those who reach either side.
func visibleReport(a *org.Actor, status string, from, to org.Unit) bool {
	if status == ReportDraft {
		return canManage(a, from)
	}
	return a.CanRead(from) || a.CanRead(to)
}

// Reports lists the reports the actor sends or receives, newest first.
func (s *Service) Reports(ctx context.Context, a *org.Actor) ([]Report, error) {
	out := []Report{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+reportCols+`, fu.path, tu.path`+reportFrom()+` WHERE r.kind = 'upward' ORDER BY r.id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Report
			var items, fromPath, toPath string
			if err := rows.Scan(&r.ID, &r.CampaignID, &r.FromUnitID, &r.FromUnit, &r.ToUnitID, &r.ToUnit, &r.Title, &r.Body, &items, &r.FileID,
				&r.Status, &r.CreatedAt, &r.SentAt, &r.AckBy, &r.AckAt, &r.AckNote, &fromPath, &toPath); err != nil {
				return err
			}
			if visibleReport(a, r.Status, org.Unit{ID: r.FromUnitID, Path: fromPath}, org.Unit{ID: r.ToUnitID, Path: toPath}) {
				_ = json.Unmarshal([]byte(items), &r.Items)
				out = append(out, r)
			}
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list reports")
}

// Send sends a drafted report upward.
func (s *Service) Send(ctx context.Context, a *org.Actor, id int64) (Report, error) {
	return s.transition(ctx, a, id, ReportDraft, ReportSent, "")
}

// Acknowledge is the superior unit's receipt (签收), with an optional note.
// Acknowledging records the report.acknowledged kind for the sender, so a
// required action "report to the city" completes itself.
func (s *Service) Acknowledge(ctx context.Context, a *org.Actor, id int64, note string) (Report, error) {
	if utf8.RuneCountInString(note) > 1000 {
		return Report{}, apperr.Field("note", "签收意见不能超过 1000 字", "The note may have at most 1000 characters")
	}
	return s.transition(ctx, a, id, ReportSent, ReportAcknowledged, strings.TrimSpace(note))
}

func (s *Service) transition(ctx context.Context, a *org.Actor, id int64, from, to, note string) (Report, error) {
	var r Report
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		r, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportCols+reportFrom()+` WHERE r.id = ? AND r.kind = 'upward'`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("报告", "Report")
		}
		if err != nil {
			return err
		}
		fromUnit, err := getUnit(ctx, tx, r.FromUnitID)
		if err != nil {
			return err
		}
		toUnit, err := getUnit(ctx, tx, r.ToUnitID)
		if err != nil {
			return err
		}
		switch to {
		case ReportSent:
			if !maySendReport(a, fromUnit) {
				return apperr.Deny()
			}
		case ReportAcknowledged: // the superior side: those who reach the recipient unit
			if !mayAckReport(a, toUnit) {
				return apperr.Deny()
			}
		}
		if r.Status != from {
			return apperr.New(apperr.Conflict, "报告当前状态为「"+reportStatusChinese(r.Status)+"」，不能再执行这个操作", "The report is "+r.Status+"; that cannot be done now")
		}
		res, err := tx.Exec(ctx, `UPDATE reports SET status = ?,
			sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
			acknowledged_at = CASE WHEN ? = 'acknowledged' THEN ? ELSE acknowledged_at END,
			acknowledged_by = CASE WHEN ? = 'acknowledged' THEN ? ELSE acknowledged_by END,
			ack_note = CASE WHEN ? = 'acknowledged' THEN ? ELSE ack_note END
			WHERE id = ? AND status = ?`, to, to, tx.NowText(), to, tx.NowText(), to, nullID(a.UserID), to, note, id, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "报告状态已被他人更改，请刷新", "Someone else changed the report; reload")
		}
		r.Status = to
		if to == ReportSent {
			r.SentAt = tx.NowText()
		} else {
			r.AckAt, r.AckNote = tx.NowText(), note
			if r.CampaignID != 0 {
				if err := Record(ctx, tx, Signal{CampaignID: r.CampaignID, Kind: KindReportAcknowledged, UnitID: r.FromUnitID, RefID: r.ID, Note: r.Title}); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, who(a), "report."+to, "report", id, map[string]string{"status": from}, map[string]string{"status": to, "note": note})
	})
	return r, apperr.Wrap(err, "report "+to)
}

func reportStatusChinese(s string) string {
	switch s {
	case ReportDraft:
		return "草稿"
	case ReportSent:
		return "已报送"
	case ReportAcknowledged:
		return "已签收"
	}
	return s
}
