package roster

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ProblemColumn is the header of the column Annotate adds.
const ProblemColumn = "问题"

// Annotate writes the office's own file back as an .xlsx with a 问题
// column: every row of the sheet that was read (title rows, header, data),
// cell for cell as read, and on each row with problems what is wrong with
// it. It is what an office fixes and uploads again: the 问题 column is not
// a roster column, so it is ignored on the next import. res is the Result
// the problems came from (it names the sheet and the header row).
func Annotate(w io.Writer, filename string, data []byte, res Result, problems []Problem) (err error) {
	byRow := map[int][]string{}
	for _, p := range problems {
		if p.Row > 0 {
			d := p.Detail
			if d == "" {
				d = p.Msg
			}
			byRow[p.Row] = append(byRow[p.Row], "「"+p.Column+"」"+d)
		}
	}
	next, closeFn, err := rawRows(filename, data, res.Sheet)
	if err != nil {
		return err
	}
	defer closeFn()

	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	sheet := res.Sheet
	if sheet == "" {
		sheet = DefaultSheet
	}
	sheet = sheetName(sheet)
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return fmt.Errorf("roster: %w", err)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	red, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "C00000"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}})
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	width := 0
	for {
		cells, row, ok, err := next()
		if err != nil {
			return fmt.Errorf("roster: %w", err)
		}
		if !ok {
			break
		}
		if row == res.HeaderRow {
			width = len(cells)
		}
		out := make([]any, 0, len(cells)+1)
		for _, c := range cells {
			out = append(out, excelize.Cell{Value: c})
		}
		switch {
		case row == res.HeaderRow && width > 0:
			out = append(out, excelize.Cell{Value: ProblemColumn, StyleID: bold})
		case len(byRow[row]) > 0 && width > 0:
			for len(out) < width {
				out = append(out, nil)
			}
			out = append(out, excelize.Cell{Value: strings.Join(byRow[row], "；"), StyleID: red})
		}
		ref, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(ref, out); err != nil {
			return fmt.Errorf("roster: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	return f.Write(w)
}

// rawRows yields every row of the sheet that was read (or of a CSV file),
// cells as read.
func rawRows(filename string, data []byte, sheet string) (rowSource, func(), error) {
	if bytes.HasPrefix(data, zipMagic) {
		bk, err := openXLSX(data, DefaultBudget)
		if err != nil {
			return nil, nil, err
		}
		for _, sh := range bk.sheets {
			if sh.name == sheet || sheet == "" {
				return bk.sheetRows(sh)
			}
		}
		return bk.sheetRows(sheetOrder(bk.sheets)[0])
	}
	text, ok := decodeText(data)
	if !ok {
		return nil, nil, fmt.Errorf("cannot decode %s", filepath.Base(filename))
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = detectDelimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	return func() ([]string, int, bool, error) {
		rec, err := r.Read()
		if err == io.EOF {
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, false, err
		}
		line, _ := r.FieldPos(0)
		return rec, line, true, nil
	}, func() {}, nil
}
