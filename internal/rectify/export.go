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
	cell := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }
	for i, h := range header {
		_ = x.SetCellValue(sheet, cell(i+1, 1), h)
	}
	_ = x.SetCellStyle(sheet, "A1", cell(len(header), 1), bold)
	for i, r := range l.Rows {
		row := i + 2
		owner := r.OwnerName
		if owner == "" {
			owner = "支部书记"
		}
		vals := []any{i + 1, r.UnitName, SourceLabel(r.Source), r.Problem, r.MemberName, r.Measure, owner, r.Deadline.Chinese(), r.StatusText(),
			r.Evidence, r.RaisedByName, r.VerifierName, s.day(r.ClosedAt), s.day(r.VerifiedAt), r.CampaignTitle}
		for c, v := range vals {
			_ = x.SetCellValue(sheet, cell(c+1, row), v)
		}
		st := wrap
		if r.Overdue {
			st = late
		}
		_ = x.SetCellStyle(sheet, cell(1, row), cell(len(header), row), st)
	}
	for col, width := range map[string]float64{"A": 6, "B": 18, "C": 12, "D": 40, "E": 10, "F": 40, "G": 10, "H": 14, "I": 14, "J": 40, "K": 16, "L": 16, "M": 12, "N": 12, "O": 24} {
		_ = x.SetColWidth(sheet, col, col, width)
	}
	_ = x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	orient := "landscape"
	size := 9 // A4
	_ = x.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orient, Size: &size})
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
