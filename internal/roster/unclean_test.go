package roster

import (
	"strings"
	"testing"
	"unicode/utf8"

	"chuangzheng/internal/textin"
)

// Cells with NUL, control characters or invalid UTF-8 are refused row by
// row, and nothing unclean reaches a record, a problem or a message.
func TestUncleanCells(t *testing.T) {
	man, woman := zz(t, 1962, 3, 15, 11), zz(t, 1970, 5, 1, 22)
	const hdr = "姓名,公民身份号码,所在支部,联系电话,备注"
	data := append([]byte("\xEF\xBB\xBF"), csvOf(hdr,
		"王\x02建国,"+man+",机关支部,13800138000,",
		"李丽,"+woman+",机关\x1b支部,13900139000,第一行\x01",
		"张三,"+zz(t, 1980, 1, 2, 33)+",机关支部,,多行\n备注\t可以",
	)...)
	res := parseT("a.csv", data)
	wantProblem(t, res, 2, "姓名", "含有无法接受的字符")
	wantProblem(t, res, 3, "所在支部", "含有无法接受的字符")
	wantProblem(t, res, 3, "备注", "含有无法接受的字符")
	for _, p := range res.Problems {
		if p.Row == 4 {
			t.Errorf("row 4 is clean: %s", p.Msg)
		}
		if p.Row == 0 || !textin.Valid(p.Msg+p.MsgEn+p.Value, textin.Lines) {
			t.Errorf("problem not clean or not row-level: %q", p.Msg)
		}
	}
	if v := res.Valid(); len(v) != 1 || v[0].Row != 4 {
		t.Fatalf("valid rows: %+v", v)
	}
	for _, r := range res.Records {
		for _, s := range []string{r.Name, r.Branch, r.Phone, r.Remarks} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\x01") {
				t.Errorf("row %d holds unclean text %q", r.Row, s)
			}
		}
	}
}

// A NUL in an .xlsx cell (stored as _x0000_, the escape Excel uses for
// control characters) is refused like any other control character.
func TestUncleanXLSXCell(t *testing.T) {
	data := makeXLSX(t, sheet{"党员", [][]any{
		{"姓名", "公民身份号码", "所在支部"},
		{"王_x0000_建国", zz(t, 1962, 3, 15, 11), "机关支部"},
		{"李丽", zz(t, 1970, 5, 1, 22), "机关支部"},
	}})
	res := parseT("a.xlsx", data)
	if len(res.Records) != 2 {
		t.Fatalf("records: %+v, problems %+v", res.Records, res.Problems)
	}
	wantProblem(t, res, 2, "姓名", "含有无法接受的字符")
	if strings.ContainsRune(res.Records[0].Name, 0) || len(res.Valid()) != 1 {
		t.Fatalf("NUL kept in %q, or valid rows %d", res.Records[0].Name, len(res.Valid()))
	}
}
