package roster

import (
	"bytes"

	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/idcard"
)

// testNow is the fixed "today" used by all tests.
var testNow = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)

// parseT is Parse at testNow.
func parseT(filename string, data []byte) Result { return Parse(filename, data, testNow) }

// zz builds a valid Zhuzhou (430202) ID number.
func zz(tb testing.TB, y, m, d, seq int) string {
	tb.Helper()
	return idcard.Make("430202", civil.Date{Y: y, M: m, D: d}, seq)
}

// sheet describes one worksheet for makeXLSX: rows of cell values (string,
// int, float64, time.Time, nil …) starting at A1.
type sheet struct {
	name string
	rows [][]any
}

// makeXLSX builds a workbook in memory. time.Time values get a date format
// so they are stored as Excel date serials.
func makeXLSX(tb testing.TB, sheets ...sheet) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		tb.Fatal(err)
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range s.rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(s.name, ref, v); err != nil {
					tb.Fatal(err)
				}
				if _, ok := v.(time.Time); ok {
					if err := f.SetCellStyle(s.name, ref, ref, dateStyle); err != nil {
						tb.Fatal(err)
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rowsOf is a shorthand for building rows of strings.
func rowsOf(lines ...string) [][]any {
	out := make([][]any, len(lines))
	for i, l := range lines {
		for _, c := range strings.Split(l, ",") {
			out[i] = append(out[i], c)
		}
	}
	return out
}

// csvOf joins lines into a CSV file.
func csvOf(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// wantClean fails the test if res has problems.
func wantClean(tb testing.TB, res Result) {
	tb.Helper()
	for _, p := range res.Problems {
		tb.Errorf("unexpected problem: row %d [%s] %q: %s", p.Row, p.Column, p.Value, p.Msg)
	}
}

// wantProblem fails unless res has a problem on row with column col whose
// Chinese message contains zh.
func wantProblem(tb testing.TB, res Result, row int, col, zh string) Problem {
	tb.Helper()
	for _, p := range res.Problems {
		if p.Row == row && (col == "" || p.Column == col) && strings.Contains(p.Msg, zh) {
			if p.MsgEn == "" {
				tb.Errorf("problem %q has no English message", p.Msg)
			}
			return p
		}
	}
	tb.Errorf("no problem on row %d [%s] containing %q; got:", row, col, zh)
	for _, p := range res.Problems {
		tb.Logf("  row %d [%s] %q: %s", p.Row, p.Column, p.Value, p.Msg)
	}
	return Problem{}
}

// wantFileProblem fails unless res has a file-level problem containing zh
// and no records.
func wantFileProblem(tb testing.TB, res Result, zh string) {
	tb.Helper()
	wantProblem(tb, res, 0, "", zh)
	if len(res.Records) != 0 {
		tb.Errorf("got %d records, want none", len(res.Records))
	}
}

// bare is a record without how the file named it (Label) and which cells
// it filled, for comparing values.
func bare(r Record) Record {
	r.Label, r.Filled = "", 0
	return r
}
