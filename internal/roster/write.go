package roster

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// DefaultSheet is the worksheet name Write uses when none is given.
const DefaultSheet = "党员花名册"

// exportColumns is the column order of Write, with column widths.
var exportColumns = []struct {
	name  string
	width float64
}{
	{ColName, 10}, {ColGender, 6}, {ColID, 22}, {ColEthnicity, 8}, {ColBirth, 12},
	{ColEducation, 10}, {ColCategory, 10}, {ColJoined, 12}, {ColConfirmed, 12},
	{ColRetired, 12}, {ColNoPost, 10}, {ColPost, 20}, {ColBranch, 18}, {ColGroup, 12},
	{ColPhone, 16}, {ColStatus, 10}, {ColOral, 10}, {ColRemarks, 24},
}

// Write writes records as an .xlsx roster that Parse reads back unchanged.
// Row 1 is a bold, frozen header with the canonical column names (姓名, 性别,
// 公民身份号码, 民族, 出生日期, 学历, 人员类别, 入党日期, 转正日期, 在职/离退休,
// 无职党员, 工作岗位/职务, 所在支部, 党小组, 联系电话, 党籍状态, 口头承诺, 备注);
// every cell is text, so ID numbers never turn into scientific notation and
// dates stay in the dotted form (1985.07.01). sheetTitle names the
// worksheet (DefaultSheet if empty) and becomes the document title. Rows
// are streamed, so large rosters are cheap.
func Write(w io.Writer, sheetTitle string, records []Record) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	name := sheetName(sheetTitle)
	idx, err := f.NewSheet(name)
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	f.SetActiveSheet(idx)
	if name != "Sheet1" {
		if err := f.DeleteSheet("Sheet1"); err != nil {
			return fmt.Errorf("roster: %w", err)
		}
	}
	title := strings.TrimSpace(sheetTitle)
	if title == "" {
		title = DefaultSheet
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "创争"}); err != nil {
		return fmt.Errorf("roster: %w", err)
	}

	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2DCDB"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    border,
		NumFmt:    49,
	})
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49, Border: border}) // 49 = "@" (text)
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}

	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	for i, c := range exportColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("roster: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return fmt.Errorf("roster: %w", err)
	}

	row := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		row[i] = excelize.Cell{StyleID: headStyle, Value: c.name}
	}
	if err := sw.SetRow("A1", row, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	for i, rec := range records {
		for j, v := range recordValues(rec) {
			row[j] = excelize.Cell{StyleID: textStyle, Value: v}
		}
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(ref, row); err != nil {
			return fmt.Errorf("roster: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	return nil
}

// recordValues renders a record in export column order.
func recordValues(r Record) []string {
	cat := r.Category
	switch cat {
	case CategoryFull:
		cat = "正式党员"
	case CategoryProbation:
		cat = "预备党员"
	}
	return []string{
		r.Name, r.Gender, r.IDNumber, r.Ethnicity, r.BirthDate.Dotted(),
		r.Education, cat, r.JoinedDate.Dotted(), r.ConfirmedDate.Dotted(),
		pick(r.Retired, "离退休", "在职"), pick(r.NoPost, "是", "否"), r.Post, r.Branch, r.Group,
		r.Phone, r.Status, pick(r.Oral, "是", "否"), r.Remarks,
	}
}

func pick(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// sheetName makes a valid worksheet name: at most 31 characters, none of
// : \ / ? * [ ], not starting or ending with an apostrophe.
func sheetName(title string) string {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']', '：', '？', '＊':
			return '_'
		}
		return r
	}, strings.TrimSpace(title))
	s = strings.Trim(s, "'")
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		return DefaultSheet
	}
	return s
}
