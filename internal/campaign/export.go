package campaign

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// WriteGrid writes the progress grid as .xlsx: a summary sheet (units down,
// phases across, done/total per cell) and a detail sheet (one line per
// unit and required action, with status, due date and who owes it).
func WriteGrid(w io.Writer, g *Grid) error {
	f := excelize.NewFile()
	defer f.Close()
	summary := "进度总表"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}})
	late, _ := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F8D7DA"}}})
	done, _ := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D4EDDA"}}})
	due, _ := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF3CD"}}})
	style := map[Status]int{StatusLate: late, StatusDone: done, StatusDoneLate: done, StatusDue: due}

	cell := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }
	_ = f.SetCellValue(summary, "A1", fmt.Sprintf("%s进度表（截至%s）", g.Campaign.Title, g.Today.Chinese()))
	_ = f.MergeCell(summary, "A1", cell(3+len(g.Campaign.Phases), 1))
	header := []string{"组织", "完成率"}
	for i, p := range g.Campaign.Phases {
		header = append(header, fmt.Sprintf("%d. %s（%s前）", i+1, p.Name, p.DueOn.Chinese()))
	}
	for i, h := range header {
		_ = f.SetCellValue(summary, cell(i+1, 2), h)
	}
	_ = f.SetCellStyle(summary, "A2", cell(len(header), 2), bold)
	for ri, r := range g.Rows {
		row := ri + 3
		_ = f.SetCellValue(summary, cell(1, row), r.Unit.Name)
		_ = f.SetCellValue(summary, cell(2, row), fmt.Sprintf("%d%%", r.Percent()))
		for ci, c := range r.Cells {
			v := "—"
			if c.Total > 0 {
				v = fmt.Sprintf("%s %d/%d", c.Status.Chinese(), c.Done, c.Total)
			}
			_ = f.SetCellValue(summary, cell(3+ci, row), v)
			if st, ok := style[c.Status]; ok && c.Total > 0 {
				_ = f.SetCellStyle(summary, cell(3+ci, row), cell(3+ci, row), st)
			}
		}
	}
	_ = f.SetColWidth(summary, "A", "A", 22)
	_ = f.SetColWidth(summary, "C", cell(3+len(g.Campaign.Phases), 1)[:1], 18)
	_ = f.SetPanes(summary, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 2, TopLeftCell: "B3", ActivePane: "bottomRight"})

	detail := "明细"
	if _, err := f.NewSheet(detail); err != nil {
		return err
	}
	for i, h := range []string{"组织", "阶段", "规定动作", "责任主体", "截止日期", "状态", "完成情况", "完成依据", "待完成人"} {
		_ = f.SetCellValue(detail, cell(i+1, 1), h)
	}
	_ = f.SetCellStyle(detail, "A1", "I1", bold)
	row := 2
	for _, r := range g.Rows {
		for pi, c := range r.Cells {
			for _, it := range c.Items {
				vals := []any{r.Unit.Name, g.Campaign.Phases[pi].Name, it.Action.Title, it.Action.Owner.Chinese(), it.Due.String(), it.Status.Chinese(),
					fmt.Sprintf("%d/%d", it.Done, it.Total), it.Basis("zh"), strings.Join(it.Owes, "、")}
				for i, v := range vals {
					_ = f.SetCellValue(detail, cell(i+1, row), v)
				}
				if st, ok := style[it.Status]; ok {
					_ = f.SetCellStyle(detail, cell(6, row), cell(6, row), st)
				}
				row++
			}
		}
	}
	_ = f.SetColWidth(detail, "A", "B", 20)
	_ = f.SetColWidth(detail, "C", "C", 40)
	_ = f.SetColWidth(detail, "H", "H", 30)
	_ = f.SetPanes(detail, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	_, err := f.WriteTo(w)
	return err
}
