package roster

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkResult verifies the invariants every Parse result must satisfy.
func checkResult(tb testing.TB, res Result) {
	tb.Helper()
	for _, p := range res.Problems {
		if p.Msg == "" || p.MsgEn == "" {
			tb.Fatalf("problem without message: %+v", p)
		}
		if !utf8.ValidString(p.Msg) || !utf8.ValidString(p.MsgEn) {
			tb.Fatalf("problem message not UTF-8: %+v", p)
		}
		if p.Row < 0 {
			tb.Fatalf("negative row: %+v", p)
		}
	}
	prev := 0
	for _, r := range res.Records {
		if r.Row <= prev {
			tb.Fatalf("record rows not increasing: %d after %d", r.Row, prev)
		}
		prev = r.Row
		if r.Category != CategoryFull && r.Category != CategoryProbation {
			found := false
			for _, p := range res.Problems {
				if p.Row == r.Row {
					found = true
				}
			}
			if !found {
				tb.Fatalf("row %d has category %q but no problem", r.Row, r.Category)
			}
		}
	}
	if len(res.Records) > 0 && res.HeaderRow == 0 {
		tb.Fatalf("records without a header row")
	}
}

// FuzzParse feeds arbitrary bytes to Parse as CSV and as .xlsx: it must
// never panic and must always explain its problems.
//
// The .xlsx seeds are several kilobytes, and the fuzzer's default one-minute
// minimisation of each new input stalls progress; run it as
//
//	go test ./internal/roster -run '^$' -fuzz '^FuzzParse$' -fuzztime 20s -fuzzminimizetime 200x
func FuzzParse(f *testing.F) {
	for _, name := range []string{fixtureGood, fixtureBad, fixtureGB18030, fixtureFake} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, strings.HasSuffix(name, ".xlsx"))
		}
	}
	id := zz(f, 1962, 3, 15, 11)
	f.Add(csvOf("姓名,公民身份号码,所在支部,出生日期,入党日期,转正日期,联系电话", "王建国,"+id+",机关支部,1962.03,1985.07,1986.07,13800138000"), false)
	f.Add([]byte("\xEF\xBB\xBF姓名\t身份证\t支部\n\"王\"\"建国\"\t1\t2\n"), false)
	f.Add([]byte("PK\x03\x04"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "fuzz.csv"
		if xlsx {
			name = "fuzz.xlsx"
		}
		checkResult(t, parseT(name, data))
	})
}

// FuzzParseCells puts arbitrary cell values into a well-formed roster, as
// both CSV and .xlsx, exercising header matching and row validation.
func FuzzParseCells(f *testing.F) {
	id := zz(f, 1962, 3, 15, 11)
	f.Add("出生日期", "王建国", id, "1962.03.15", "机关支部")
	f.Add("入党时间", "", "4.3E+17", "1985-02-30", "")
	f.Add("联系电话", "李秀英", "430202850701123", "0731-28888888", "市渔场")
	f.Add("备注", "张\n三", id, "a\"b,c\r\nd", "支部")
	f.Add("口头承诺", "王建国", strings.ToLower(id), "√", "市水科所支部")
	f.Fuzz(func(t *testing.T, header, name, idv, value, branch string) {
		if len(header)+len(name)+len(idv)+len(value)+len(branch) > 2000 {
			return
		}
		for _, s := range []string{header, name, idv, value, branch} {
			if !utf8.ValidString(s) {
				return // excelize rejects invalid UTF-8 when writing
			}
		}
		hdr := []any{"姓名", "公民身份号码", "所在支部", header}
		row := []any{name, idv, branch, value}
		data := makeXLSX(t, sheet{"Sheet1", [][]any{hdr, row, row}})
		checkResult(t, parseT("cells.xlsx", data))

		q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
		csv := "姓名,公民身份号码,所在支部," + q(header) + "\n" + q(name) + "," + q(idv) + "," + q(branch) + "," + q(value) + "\n"
		checkResult(t, parseT("cells.csv", []byte(csv)))
	})
}
