package rectify

import (
	"context"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Export writes the ledger the actor may see, with the filter's conditions
// (every page), as .xlsx with Chinese headers; overdue lines in red.
func (s *Service) Export(ctx context.Context, a *org.Actor, f Filter, w io.Writer) error {
	f.PerPage, f.Page = -1, 1
	l, err := s.List(ctx, a, f)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := "整改台账"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	late, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "B00020"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F8D7DA"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	wrap, _ := x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	header := []string{"序号", "整改单位", "问题来源", "问题", "所涉党员", "整改措施", "责任人", "整改时限", "状态", "整改结果及佐证", "提出单位", "验收单位", "完成时间", "验收时间", "活动"}
	orient := "landscape"
	size := 9 // A4
	if err := x.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orient, Size: &size}); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, width := range []float64{6, 18, 12, 40, 10, 40, 10, 14, 14, 40, 16, 16, 12, 12, 24} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for i, r := range l.Rows {
		owner := r.OwnerName
		if owner == "" {
			owner = "支部书记"
		}
		vals := []any{i + 1, r.UnitName, SourceLabel(r.Source), r.Problem, r.MemberName, r.Measure, owner, r.Deadline.Chinese(), r.StatusText(),
			r.Evidence, r.RaisedByName, r.VerifierName, s.day(r.ClosedAt), s.day(r.VerifiedAt), r.CampaignTitle}
		st := wrap
		if r.Overdue {
			st = late
		}
		row := make([]any, len(vals))
		for c, v := range vals {
			row[c] = excelize.Cell{StyleID: st, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := x.Write(w); err != nil {
		return fmt.Errorf("rectify: write xlsx: %w", err)
	}
	return nil
}

// day is the day of a stored instant, as Chinese offices write it.
func (s *Service) day(at string) string {
	if at == "" {
		return ""
	}
	return civil.FromTime(s.DB.Local(db.ParseTime(at))).Chinese()
}
