package evaluate

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteResults writes the results as an xlsx workbook: the branch's items,
// the members' results (when the reader may see them), the flags and the
// published list of receipt hashes with ballots.
func WriteResults(w io.Writer, r Results, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	cell := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }
	q := r.Evaluation.Q
	label := func(s Scale, code string) string {
		if l, ok := s.Level(code); ok {
			if lang == "en" {
				return l.LabelEn
			}
			return l.Label
		}
		return code
	}
	sheet := "组织评议"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	_ = f.SetCellValue(sheet, "A1", fmt.Sprintf("%s（%s）有效票 %d 张，满意率 %.1f%%，得分 %.1f", r.Evaluation.Title, r.Evaluation.UnitName, r.Tally.Ballots, r.Tally.OrgRate, r.Tally.OrgScore))
	head := []string{"评议项目"}
	for _, l := range q.OrgScale.Levels {
		head = append(head, label(q.OrgScale, l.Code))
	}
	head = append(head, "有效票", "满意率%", "得分")
	for i, h := range head {
		_ = f.SetCellValue(sheet, cell(i+1, 2), h)
	}
	for ri, it := range r.Tally.Org {
		row := ri + 3
		_ = f.SetCellValue(sheet, cell(1, row), it.Text)
		for ci, sh := range it.Shares {
			_ = f.SetCellValue(sheet, cell(2+ci, row), sh.N)
		}
		n := len(it.Shares)
		_ = f.SetCellValue(sheet, cell(2+n, row), it.Valid)
		_ = f.SetCellValue(sheet, cell(3+n, row), it.Rate)
		_ = f.SetCellValue(sheet, cell(4+n, row), it.Score)
	}
	_ = f.SetColWidth(sheet, "A", "A", 30)
	if len(r.Tally.Members) > 0 {
		ms := "党员评议"
		_, _ = f.NewSheet(ms)
		for i, h := range []string{"党员", q.MemberScale.Levels[0].Label + "%", "好评率%", "得分", "提请研究"} {
			_ = f.SetCellValue(ms, cell(i+1, 1), h)
		}
		for ri, m := range r.Tally.Members {
			flag := ""
			if m.Flagged {
				flag = "是"
			}
			for ci, v := range []any{m.Name, m.Best, m.Rate, m.Score, flag} {
				_ = f.SetCellValue(ms, cell(ci+1, ri+2), v)
			}
		}
	}
	if len(r.Tally.Flags) > 0 {
		fs := "提示"
		_, _ = f.NewSheet(fs)
		for i, fl := range r.Tally.Flags {
			t := fl.Text
			if lang == "en" {
				t = fl.TextEn
			}
			_ = f.SetCellValue(fs, cell(1, i+1), t)
		}
	}
	bs := "选票清单"
	_, _ = f.NewSheet(bs)
	for i, h := range []string{"回执哈希 receipt_hash", "评议主体", "选票内容 answers (JSON)"} {
		_ = f.SetCellValue(bs, cell(i+1, 1), h)
	}
	for i, b := range r.Ballots {
		aj, _ := json.Marshal(b.Answers)
		_ = f.SetCellValue(bs, cell(1, i+2), b.ReceiptHash)
		_ = f.SetCellValue(bs, cell(2, i+2), GroupLabel(b.Group, lang))
		_ = f.SetCellValue(bs, cell(3, i+2), string(aj))
	}
	_ = f.SetCellValue(bs, cell(1, len(r.Ballots)+3), "digest "+r.Digest)
	_ = f.SetColWidth(bs, "A", "A", 66)
	return f.Write(w)
}
