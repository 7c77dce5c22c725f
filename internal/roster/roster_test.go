package roster

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/idcard"
)

// sampleRecords covers every field and flag combination.
func sampleRecords(tb testing.TB) []Record {
	tb.Helper()
	return []Record{
		{Name: "王建国", Gender: "男", IDNumber: zz(tb, 1962, 3, 15, 11), Ethnicity: "汉族", BirthDate: d(1962, 3, 15), Education: "大专",
			Category: CategoryFull, JoinedDate: d(1985, 7, 1), ConfirmedDate: d(1986, 7, 1), Retired: true, NoPost: true,
			Post: "", Branch: "机关支部", Group: "第一党小组", Phone: "13807331234", Status: "正常", Remarks: "老党员, 行动不便", Oral: true},
		{Name: "李秀英", Gender: "女", IDNumber: idWithX(tb), Ethnicity: "满族", BirthDate: d(1968, 11, 2), Education: "本科",
			Category: CategoryFull, JoinedDate: d(1990, 6, 0), ConfirmedDate: d(1991, 6, 0),
			Post: "办公室主任", Branch: "市渔场", Phone: "0731-28881234", Status: "失联"},
		{Name: "黄晓燕", Gender: "女", IDNumber: zz(tb, 1992, 2, 14, 88), Ethnicity: "汉族", BirthDate: d(1992, 2, 14), Education: "本科",
			Category: CategoryProbation, JoinedDate: d(2024, 5, 20), Post: "技术员",
			Branch: "市水科所支部", Group: "", Phone: "", Status: "正常", Remarks: "第一行\n第二行"},
		{Name: "阿依古丽·买买提", Gender: "女", IDNumber: idcard.Make("650102", d(1990, 1, 1), 2), Ethnicity: "维吾尔族", BirthDate: d(1990, 1, 1), Education: "",
			Category: CategoryFull, JoinedDate: d(2012, 7, 1), ConfirmedDate: d(2013, 7, 1), NoPost: true,
			Branch: "机关支部", Status: "正常"},
	}
}

// idWithX returns a valid number whose check character is X.
func idWithX(tb testing.TB) string {
	tb.Helper()
	for seq := 0; seq < 1000; seq += 2 {
		n := zz(tb, 1968, 11, 2, seq)
		if n[17] == 'X' {
			return n
		}
	}
	tb.Fatal("no X check digit found")
	return ""
}

func TestRoundTrip(t *testing.T) {
	recs := sampleRecords(t)
	var buf bytes.Buffer
	if err := Write(&buf, "", recs); err != nil {
		t.Fatal(err)
	}
	res := parseT("export.xlsx", buf.Bytes())
	wantClean(t, res)
	if res.Sheet != DefaultSheet || res.HeaderRow != 1 || len(res.Ignored) != 0 || len(res.Columns) != len(exportColumns) {
		t.Errorf("Sheet %q HeaderRow %d Ignored %q Columns %q", res.Sheet, res.HeaderRow, res.Ignored, res.Columns)
	}
	if len(res.Records) != len(recs) {
		t.Fatalf("got %d records, want %d", len(res.Records), len(recs))
	}
	for i, want := range recs {
		want.Row = i + 2
		if got := bare(res.Records[i]); got != want {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
	}

	// And again: export of the import is byte-identical.
	var again bytes.Buffer
	if err := Write(&again, "", res.Records); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("second export differs from the first")
	}
}

func fixCheck(tb testing.TB, n string) string {
	tb.Helper()
	first := n[:17]
	return first + string(idcard.CheckDigit(first))
}

func TestWriteFormat(t *testing.T) {
	recs := sampleRecords(t)[:1]
	var buf bytes.Buffer
	if err := Write(&buf, "机关支部/2024年[花名册]", recs); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) != 1 || sheets[0] != "机关支部_2024年_花名册_" {
		t.Fatalf("sheets = %q", sheets)
	}
	s := sheets[0]
	for i, c := range exportColumns {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if v, _ := f.GetCellValue(s, ref); v != c.name {
			t.Errorf("header %s = %q, want %q", ref, v, c.name)
		}
	}
	wantOrder := "姓名 性别 公民身份号码 民族 出生日期 学历 人员类别 入党日期 转正日期 在职/离退休 无职党员 工作岗位/职务 所在支部 党小组 联系电话 党籍状态 口头承诺 备注"
	var got []string
	for _, c := range exportColumns {
		got = append(got, c.name)
	}
	if strings.Join(got, " ") != wantOrder {
		t.Errorf("column order = %s", strings.Join(got, " "))
	}
	styleID, _ := f.GetCellStyle(s, "A1")
	st, err := f.GetStyle(styleID)
	if err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header is not bold: %+v %v", st, err)
	}
	panes, err := f.GetPanes(s)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want frozen first row", panes, err)
	}
	// The ID number and dates are text cells in the dotted form.
	for ref, want := range map[string]string{"C2": recs[0].IDNumber, "E2": "1962.03.15", "H2": "1985.07.01", "G2": "正式党员", "J2": "离退休", "K2": "是", "Q2": "是"} {
		typ, _ := f.GetCellType(s, ref)
		v, _ := f.GetCellValue(s, ref)
		if v != want || typ != excelize.CellTypeInlineString {
			t.Errorf("%s = %q (type %v), want text %q", ref, v, typ, want)
		}
		sid, _ := f.GetCellStyle(s, ref)
		if st, _ := f.GetStyle(sid); st == nil || st.NumFmt != 49 {
			t.Errorf("%s is not formatted as text", ref)
		}
	}
	if w, _ := f.GetColWidth(s, "C"); w < 20 {
		t.Errorf("ID column width %v too narrow", w)
	}
	props, _ := f.GetDocProps()
	if props.Title != "机关支部/2024年[花名册]" {
		t.Errorf("title = %q", props.Title)
	}
}

func TestWriteEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "", nil); err != nil {
		t.Fatal(err)
	}
	res := parseT("empty.xlsx", buf.Bytes())
	wantFileProblem(t, res, "表头（第1行）下面没有党员数据")
}

func TestSheetName(t *testing.T) {
	tests := map[string]string{
		"":                      DefaultSheet,
		"   ":                   DefaultSheet,
		"市渔场":                   "市渔场",
		"a:b\\c/d?e*f[g]h":      "a_b_c_d_e_f_g_h",
		"'引号'":                  "引号",
		strings.Repeat("党", 40): strings.Repeat("党", 31),
	}
	for in, want := range tests {
		if got := sheetName(in); got != want {
			t.Errorf("sheetName(%q) = %q, want %q", in, got, want)
		}
	}
}

// sampleValue gives a valid value for each column, for header tests.
func sampleValue(tb testing.TB, col string) string {
	tb.Helper()
	switch col {
	case ColName:
		return "王建国"
	case ColGender:
		return "男"
	case ColID:
		return zz(tb, 1962, 3, 15, 11)
	case ColEthnicity:
		return "汉族"
	case ColBirth:
		return "1962.03"
	case ColEducation:
		return "大专"
	case ColCategory:
		return "正式党员"
	case ColJoined:
		return "1985.07.01"
	case ColConfirmed:
		return "1986.07.01"
	case ColRetired:
		return "离退休"
	case ColNoPost:
		return "是"
	case ColPost:
		return "主任"
	case ColBranch:
		return "机关支部"
	case ColGroup:
		return "第一党小组"
	case ColPhone:
		return "13807331234"
	case ColStatus:
		return "正常"
	case ColOral:
		return "是"
	case ColRemarks:
		return "无"
	}
	tb.Fatalf("no sample for %s", col)
	return ""
}

// field extracts the parsed value of a column from a record, as text.
func field(r Record, col string) string {
	switch col {
	case ColName:
		return r.Name
	case ColGender:
		return r.Gender
	case ColID:
		return r.IDNumber
	case ColEthnicity:
		return r.Ethnicity
	case ColBirth:
		return r.BirthDate.Dotted()
	case ColEducation:
		return r.Education
	case ColCategory:
		return r.Category
	case ColJoined:
		return r.JoinedDate.Dotted()
	case ColConfirmed:
		return r.ConfirmedDate.Dotted()
	case ColRetired:
		return fmt.Sprint(r.Retired)
	case ColNoPost:
		return fmt.Sprint(r.NoPost)
	case ColPost:
		return r.Post
	case ColBranch:
		return r.Branch
	case ColGroup:
		return r.Group
	case ColPhone:
		return r.Phone
	case ColStatus:
		return r.Status
	case ColOral:
		return fmt.Sprint(r.Oral)
	case ColRemarks:
		return r.Remarks
	}
	return ""
}

var wantField = map[string]string{
	ColName: "王建国", ColGender: "男", ColEthnicity: "汉族", ColBirth: "1962.03.15", ColEducation: "大专",
	ColCategory: "正式", ColJoined: "1985.07.01", ColConfirmed: "1986.07.01", ColRetired: "true", ColNoPost: "true",
	ColPost: "主任", ColBranch: "机关支部", ColGroup: "第一党小组", ColPhone: "13807331234", ColStatus: "正常",
	ColOral: "true", ColRemarks: "无",
}

func TestHeaderSynonyms(t *testing.T) {
	decorate := []func(string) string{
		func(h string) string { return h },
		func(h string) string { return " " + h + "（必填）" },
		func(h string) string { return "*" + h + "(注)" },
		func(h string) string { return fullWidth(h) + "：" },
		func(h string) string { return spaced(h) },
	}
	for _, c := range columns {
		for _, h := range append([]string{c.name}, c.synonyms...) {
			for i, dec := range decorate {
				header := dec(h)
				t.Run(fmt.Sprintf("%s/%d", header, i), func(t *testing.T) {
					if got := matchHeader(header); got != c.name {
						t.Fatalf("matchHeader(%q) = %q, want %q", header, got, c.name)
					}
					hdr := []string{header}
					val := []string{sampleValue(t, c.name)}
					for _, req := range []string{ColName, ColID, ColBranch, ColBirth} {
						if req != c.name {
							hdr = append(hdr, req)
							val = append(val, sampleValue(t, req))
						}
					}
					res := parseT("a.csv", csvOf(strings.Join(hdr, ","), strings.Join(val, ",")))
					wantClean(t, res)
					if len(res.Records) != 1 {
						t.Fatalf("got %d records", len(res.Records))
					}
					want := wantField[c.name]
					if c.name == ColID {
						want = sampleValue(t, ColID)
					}
					if got := field(res.Records[0], c.name); got != want {
						t.Errorf("%s = %q, want %q", c.name, got, want)
					}
					if res.Columns[0] != c.name {
						t.Errorf("Columns = %q", res.Columns)
					}
				})
			}
		}
	}
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0x20 && r < 0x7F {
			return r + 0xFEE0
		}
		return r
	}, s)
}

func spaced(s string) string {
	return strings.Join(strings.Split(s, ""), " ")
}

func TestUnknownHeaders(t *testing.T) {
	for _, h := range []string{"序号", "籍贯", "身份", "出生地", "入党介绍人", ""} {
		if got := matchHeader(h); got != "" {
			t.Errorf("matchHeader(%q) = %q, want none", h, got)
		}
	}
	res := parseT("a.csv", csvOf("序号,姓名,籍贯,身份证号,所在支部,姓名", "1,王建国,湖南株洲,"+zz(t, 1962, 3, 15, 11)+",机关支部,重复列"))
	wantClean(t, res)
	if strings.Join(res.Ignored, " ") != "序号 籍贯 姓名" {
		t.Errorf("Ignored = %q", res.Ignored)
	}
	if res.Records[0].Name != "王建国" {
		t.Errorf("the first 姓名 column should win: %q", res.Records[0].Name)
	}
}

func TestDateForms(t *testing.T) {
	tests := []struct {
		cell any
		want civil.Date
	}{
		{"1985.07", d(1985, 7, 0)},
		{"1985.7", d(1985, 7, 0)},
		{"1985.07.01", d(1985, 7, 1)},
		{"1985年7月", d(1985, 7, 0)},
		{"1985年7月1日", d(1985, 7, 1)},
		{"1985-07-01", d(1985, 7, 1)},
		{"1985-07", d(1985, 7, 0)},
		{"1985/7/1", d(1985, 7, 1)},
		{"1985/07", d(1985, 7, 0)},
		{"19850701", d(1985, 7, 1)},
		{"１９８５．０７", d(1985, 7, 0)},
		{" 1985.07.01 ", d(1985, 7, 1)},
		{"31229", d(1985, 7, 1)},
		{"31229.0", d(1985, 7, 1)},
		{time.Date(1985, 7, 1, 0, 0, 0, 0, time.UTC), d(1985, 7, 1)},   // a real date cell
		{31229, d(1985, 7, 1)},                                         // a number cell
		{time.Date(1985, 7, 1, 14, 30, 0, 0, time.UTC), d(1985, 7, 1)}, // date and time
	}
	id := zz(t, 1962, 3, 15, 11)
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.cell), func(t *testing.T) {
			data := makeXLSX(t, sheet{"Sheet1", [][]any{
				{"姓名", "公民身份号码", "所在支部", "入党日期"},
				{"王建国", id, "机关支部", tt.cell},
			}})
			res := parseT("a.xlsx", data)
			wantClean(t, res)
			if len(res.Records) != 1 || res.Records[0].JoinedDate != tt.want {
				t.Fatalf("xlsx: records %+v, want JoinedDate %v", res.Records, tt.want)
			}
			if s, ok := tt.cell.(string); ok {
				res := parseT("a.csv", csvOf("姓名,公民身份号码,所在支部,入党日期", "王建国,"+id+",机关支部,"+s))
				wantClean(t, res)
				if len(res.Records) != 1 || res.Records[0].JoinedDate != tt.want {
					t.Fatalf("csv: records %+v, want JoinedDate %v", res.Records, tt.want)
				}
			}
		})
	}
}

func TestBadDates(t *testing.T) {
	id := zz(t, 1962, 3, 15, 11)
	tests := []struct {
		col, val, msg string
	}{
		{"出生日期", "1962-02-30", "1962年2月只有28天"},
		{"出生日期", "1962.13", "没有13月"},
		{"入党日期", "1885.07", "年份应在1900到2100之间"},
		{"入党日期", "85.07", "不是可识别的日期"},
		{"入党日期", "1985", "只有年份"},
		{"转正日期", "九零年", "不是可识别的日期"},
		{"转正日期", "2999999", "Excel 日期序号"},
	}
	for _, tt := range tests {
		t.Run(tt.val, func(t *testing.T) {
			res := parseT("a.csv", csvOf("姓名,公民身份号码,所在支部,"+tt.col, "王建国,"+id+",机关支部,"+tt.val))
			p := wantProblem(t, res, 2, tt.col, tt.msg)
			if !strings.Contains(p.Msg, "可写作 1985.07、1985年7月、1985-07-01 或 Excel 日期") {
				t.Errorf("message lacks the accepted forms: %s", p.Msg)
			}
			if !strings.Contains(p.Msg, "「"+tt.col+"」“"+tt.val+"”") || p.Label == "" {
				t.Errorf("message = %s", p.Msg)
			}
			if p.Value != tt.val {
				t.Errorf("Value = %q", p.Value)
			}
		})
	}
}

func TestRowValues(t *testing.T) {
	man := zz(t, 1962, 3, 15, 11)
	woman := zz(t, 1968, 11, 2, 22)
	const hdr = "姓名,性别,公民身份号码,民族,出生日期,人员类别,入党日期,转正日期,在职/离退休,无职党员,口头承诺,所在支部,联系电话,党籍状态"
	row := func(name, gender, id, eth, birth, cat, joined, conf, ret, nopost, oral, branch, phone, status string) string {
		return strings.Join([]string{name, gender, id, eth, birth, cat, joined, conf, ret, nopost, oral, branch, phone, status}, ",")
	}
	tests := []struct {
		name  string
		line  string
		check func(Record) bool
	}{
		{"gender from ID", row("王建国", "", man, "", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Gender == "男" }},
		{"gender 女性", row("李秀英", "女性", woman, "", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Gender == "女" }},
		{"birth from ID", row("王建国", "", man, "", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.BirthDate == d(1962, 3, 15) }},
		{"month birth completed", row("王建国", "", man, "", "1962年3月", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.BirthDate == d(1962, 3, 15) }},
		{"padded name", row("王　建国", "", man, "", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Name == "王建国" }},
		{"ethnicity 汉", row("王建国", "", man, "汉", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Ethnicity == "汉族" }},
		{"ethnicity 蒙古", row("王建国", "", man, "蒙古", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Ethnicity == "蒙古族" }},
		{"ethnicity other", row("王建国", "", man, "穿青人", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Ethnicity == "穿青人" }},
		{"status default", row("王建国", "", man, "", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Status == "正常" }},
		{"status kept", row("王建国", "", man, "", "", "", "", "", "", "", "", "机关支部", "", "停止党籍"), func(r Record) bool { return r.Status == "停止党籍" }},
		{"category 正式", row("王建国", "", man, "", "", "正式", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Category == "正式" }},
		{"category 预备党员", row("王建国", "", man, "", "", "预备党员", "2024.03", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Category == "预备" }},
		{"category inferred old", row("王建国", "", man, "", "", "", "1985.07", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Category == "正式" }},
		{"category inferred recent", row("王建国", "", man, "", "", "", "2024.03", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Category == "预备" }},
		{"category inferred confirmed", row("王建国", "", man, "", "", "", "2024.01", "2024.12", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Category == "正式" }},
		{"category inferred none", row("王建国", "", man, "", "", "", "", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.Category == "正式" }},
		{"joined at 18 exactly", row("王建国", "", man, "", "", "", "1980.03.15", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.JoinedDate == d(1980, 3, 15) }},
		{"joined month of 18th birthday", row("王建国", "", man, "", "", "", "1980.03", "", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.JoinedDate == d(1980, 3, 0) }},
		{"same day confirm", row("王建国", "", man, "", "", "", "1985.07", "1985.07.01", "", "", "", "机关支部", "", ""), func(r Record) bool { return r.ConfirmedDate == d(1985, 7, 1) }},
	}
	for _, v := range []struct {
		in   string
		want bool
	}{{"在职", false}, {"在岗", false}, {"否", false}, {"", false}, {"离退休", true}, {"退休", true}, {"离休", true}, {"是", true}} {
		tests = append(tests, struct {
			name  string
			line  string
			check func(Record) bool
		}{"retired " + v.in, row("王建国", "", man, "", "", "", "", "", v.in, "", "", "机关支部", "", ""), func(r Record) bool { return r.Retired == v.want }})
	}
	for _, v := range []struct {
		in   string
		want bool
	}{{"是", true}, {"√", true}, {"✓", true}, {"Y", true}, {"1", true}, {"", false}, {"否", false}, {"×", false}, {"n", false}} {
		tests = append(tests, struct {
			name  string
			line  string
			check func(Record) bool
		}{"nopost/oral " + v.in, row("王建国", "", man, "", "", "", "", "", "", v.in, v.in, "机关支部", "", ""), func(r Record) bool { return r.NoPost == v.want && r.Oral == v.want }})
	}
	for _, v := range []struct{ in, want string }{
		{"13800138000", "13800138000"},
		{"138 0013 8000", "13800138000"},
		{"138-0013-8000", "13800138000"},
		{"+86 13800138000", "13800138000"},
		{"8613800138000", "13800138000"},
		{"１３８００１３８０００", "13800138000"},
		{"13800138000.0", "13800138000"},
		{"0731-28888888", "0731-28888888"},
		{"0731－28888888", "0731-28888888"},
		{"(0731)28888888", "0731-28888888"},
		{"（0731）28888888", "0731-28888888"},
		{"010-12345678-123", "010-12345678-123"},
		{"073128888888", "073128888888"},
	} {
		tests = append(tests, struct {
			name  string
			line  string
			check func(Record) bool
		}{"phone " + v.in, row("王建国", "", man, "", "", "", "", "", "", "", "", "机关支部", v.in, ""), func(r Record) bool { return r.Phone == v.want }})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseT("a.csv", csvOf(hdr, tt.line))
			wantClean(t, res)
			if len(res.Records) != 1 {
				t.Fatalf("got %d records", len(res.Records))
			}
			if !tt.check(res.Records[0]) {
				t.Errorf("check failed for %+v", res.Records[0])
			}
		})
	}
}

func TestRowProblems(t *testing.T) {
	man := zz(t, 1962, 3, 15, 11)
	const hdr = "姓名,性别,公民身份号码,出生日期,人员类别,入党日期,转正日期,在职/离退休,无职党员,口头承诺,所在支部,联系电话"
	row := func(name, gender, id, birth, cat, joined, conf, ret, nopost, oral, branch, phone string) string {
		return strings.Join([]string{name, gender, id, birth, cat, joined, conf, ret, nopost, oral, branch, phone}, ",")
	}
	tests := []struct {
		name, line, col, msg string
	}{
		{"no name", row("", "", man, "", "", "", "", "", "", "", "机关支部", ""), "姓名", "为空"},
		{"no id", row("王建国", "男", "", "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "为空，每位党员都必须填写18位公民身份号码"},
		{"short id", row("王建国", "男", man[:17], "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "应为18位"},
		{"15-digit id", row("王建国", "男", "430202620315111", "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "15位旧身份证号码"},
		{"scientific id", row("王建国", "男", "4.30202E+17", "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "科学计数法"},
		{"bad region", row("王建国", "男", fixCheck(t, "99"+man[2:]), "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "省级行政区划代码"},
		{"bad id birth", row("王建国", "男", fixCheck(t, man[:10]+"0230"+man[14:]), "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "不是有效的出生日期"},
		{"bad check", row("王建国", "男", man[:17]+string(idcard.CheckDigit(man[:17])^1), "", "", "", "", "", "", "", "机关支部", ""), "公民身份号码", "校验位应为"},
		{"gender bad", row("王建国", "M", man, "", "", "", "", "", "", "", "机关支部", ""), "性别", "应为 男 或 女"},
		{"gender contradicts", row("王建国", "女", man, "", "", "", "", "", "", "", "机关支部", ""), "性别", "与公民身份号码不一致"},
		{"birth contradicts", row("王建国", "男", man, "1962.04", "", "", "", "", "", "", "机关支部", ""), "出生日期", "与公民身份号码中的出生日期（1962.03.15）不一致"},
		{"birth day contradicts", row("王建国", "男", man, "1962.03.16", "", "", "", "", "", "", "机关支部", ""), "出生日期", "不一致"},
		{"category", row("王建国", "男", man, "", "积极分子", "", "", "", "", "", "机关支部", ""), "人员类别", "应为 正式党员 或 预备党员"},
		{"probation confirmed", row("王建国", "男", man, "", "预备党员", "2023.07", "2024.07", "", "", "", "机关支部", ""), "转正日期", "不应有转正日期"},
		{"confirm before join", row("王建国", "男", man, "", "", "1985.07.01", "1985.06", "", "", "", "机关支部", ""), "转正日期", "早于入党日期（1985.07.01）"},
		{"join before 18", row("王建国", "男", man, "", "", "1980.03.14", "", "", "", "", "机关支部", ""), "入党日期", "早于年满18周岁的日期（1980年3月15日）"},
		{"join in future", row("王建国", "男", man, "", "", "2025.02", "", "", "", "", "机关支部", ""), "入党日期", "晚于今天"},
		{"retired bad", row("王建国", "男", man, "", "", "", "", "下岗", "", "", "机关支部", ""), "在职/离退休", "应为 在职 或 离退休"},
		{"nopost bad", row("王建国", "男", man, "", "", "", "", "", "可能", "", "机关支部", ""), "无职党员", "应为 是 或 否"},
		{"oral bad", row("王建国", "男", man, "", "", "", "", "", "", "待定", "机关支部", ""), "口头承诺", "应为 是 或 否"},
		{"no branch", row("王建国", "男", man, "", "", "", "", "", "", "", "", ""), "所在支部", "为空"},
		{"phone short", row("王建国", "男", man, "", "", "", "", "", "", "", "机关支部", "1380013800"), "联系电话", "不是有效的电话号码"},
		{"phone local", row("王建国", "男", man, "", "", "", "", "", "", "", "机关支部", "28888888"), "联系电话", "带区号的固定电话"},
		{"phone two", row("王建国", "男", man, "", "", "", "", "", "", "", "机关支部", "13800138000/13900139000"), "联系电话", "11位手机号"},
		{"phone letters", row("王建国", "男", man, "", "", "", "", "", "", "", "机关支部", "无"), "联系电话", "不是有效的电话号码"},
		{"phone mobile 12", row("王建国", "男", man, "", "", "", "", "", "", "", "机关支部", "138001380001"), "联系电话", "不是有效的电话号码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseT("a.csv", csvOf(hdr, tt.line))
			p := wantProblem(t, res, 2, tt.col, tt.msg)
			if len(res.Problems) != 1 {
				for _, q := range res.Problems {
					t.Logf("  %s", q.Msg)
				}
				t.Errorf("got %d problems, want 1", len(res.Problems))
			}
			if !strings.HasPrefix(p.Msg, p.Label+"「"+tt.col+"」") || !strings.Contains(strings.ToLower(p.MsgEn), "row 2), column "+tt.col) && !strings.HasPrefix(p.MsgEn, "Row 2, column "+tt.col) || p.Row != 2 {
				t.Errorf("messages should name row and column: %s / %s", p.Msg, p.MsgEn)
			}
			if len(res.Records) != 1 || len(res.Valid()) != 0 {
				t.Errorf("records %d, valid %d; want 1, 0", len(res.Records), len(res.Valid()))
			}
		})
	}
}

func TestDuplicatesAndEmptyRows(t *testing.T) {
	a := zz(t, 1962, 3, 15, 11)
	b := zz(t, 1968, 11, 2, 22)
	data := csvOf(
		"序号,姓名,公民身份号码,所在支部",
		"1,王建国,"+a+",机关支部",
		",,,",
		"",
		"2,李秀英,"+b+",市渔场",
		"3,王建国,"+strings.ToLower(a)+" ,机关支部",
		"4,,,",
		"5,李秀英,"+b+",市渔场",
	)
	res := parseT("a.csv", data)
	if len(res.Records) != 4 {
		t.Fatalf("got %d records, want 4 (empty rows skipped)", len(res.Records))
	}
	rows := []int{res.Records[0].Row, res.Records[1].Row, res.Records[2].Row, res.Records[3].Row}
	if fmt.Sprint(rows) != "[2 5 6 8]" {
		t.Errorf("rows = %v, want [2 5 6 8]", rows)
	}
	wantProblem(t, res, 6, "公民身份号码", "与第2行（王建国）重复")
	wantProblem(t, res, 8, "公民身份号码", "与第5行（李秀英）重复")
	if len(res.Problems) != 2 {
		t.Errorf("got %d problems, want 2", len(res.Problems))
	}
	if v := res.Valid(); len(v) != 2 {
		t.Errorf("Valid() = %d records, want 2", len(v))
	}
}

func TestFileProblems(t *testing.T) {
	id := zz(t, 1962, 3, 15, 11)
	headerOnly := makeXLSX(t, sheet{"Sheet1", rowsOf("姓名,公民身份号码,所在支部")})
	tests := []struct {
		name, file string
		data       []byte
		msg        string
	}{
		{"empty xlsx", "a.xlsx", nil, "文件是空的"},
		{"empty csv", "a.csv", []byte{}, "文件是空的"},
		{"only BOM", "a.csv", []byte("\xEF\xBB\xBF\r\n  \n"), "文件是空的"},
		{"renamed text", "a.xlsx", []byte("姓名,公民身份号码\n王建国," + id), "内容不是 Excel 文件"},
		{"renamed binary", "花名册.XLSX", []byte{0x89, 'P', 'N', 'G', 0, 0, 0, 1}, "内容不是 Excel 文件"},
		{"old xls", "a.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "Excel 97-2003"},
		{"ole named xlsx", "a.xlsx", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "加密"},
		{"broken zip", "a.xlsx", []byte("PK\x03\x04garbage garbage garbage"), "已损坏"},
		{"zip but not xlsx", "a.xlsx", zipOf(t), "已损坏"},
		{"binary unknown", "a.pdf", []byte("%PDF-1.4\x00\x01\x02"), "不支持的文件格式"},
		{"binary csv", "a.csv", []byte("a,b\x00c\xff\xfe"), "无法识别文件的文字编码"},
		{"header only xlsx", "a.xlsx", headerOnly, "下面没有党员数据"},
		{"header only csv", "a.csv", csvOf("姓名,公民身份号码,所在支部"), "下面没有党员数据"},
		{"wrong columns", "a.csv", csvOf("编号,名称,金额,日期", "1,办公用品,200,2024.01.01"), "没有找到表头行"},
		{"two known columns", "a.csv", csvOf("姓名,性别,金额", "王建国,男,1"), "没有找到表头行"},
		{"header too low", "a.csv", csvOf(",", ",", ",", ",", ",", ",", ",", ",", ",", ",", "姓名,公民身份号码,所在支部", "王建国,"+id+",机关支部"), "前10行中没有找到表头行"},
		{"missing ID column", "a.csv", csvOf("姓名,性别,出生日期,所在支部", "王建国,男,1962.03,机关支部"), "缺少必填列「公民身份号码」，表头可写作 公民身份号码、身份证号"},
		{"missing branch column", "a.csv", csvOf("姓名,性别,身份证,党小组", "王建国,男,"+id+",一组"), "缺少必填列「所在支部」"},
		{"missing name column", "a.xlsx", makeXLSX(t, sheet{"Sheet1", rowsOf("性别,身份证,支部", "男,"+id+",一支部")}), "缺少必填列「姓名」"},
		{"no sheets with header", "a.xlsx", makeXLSX(t, sheet{"说明", rowsOf("请填写")}, sheet{"Sheet2", rowsOf("a,b")}), "工作表「说明」前10行中没有找到表头行"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseT(tt.file, tt.data)
			wantFileProblem(t, res, tt.msg)
			for _, p := range res.Problems {
				if p.Row != 0 {
					t.Errorf("unexpected row problem: %s", p.Msg)
				}
			}
			if res.OK() || res.Valid() != nil || len(res.FileProblems()) == 0 {
				t.Errorf("OK/Valid/FileProblems inconsistent")
			}
		})
	}
}

// zipOf builds a valid zip archive that is not a workbook.
func zipOf(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("readme.txt")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write([]byte("not a workbook")); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestHeaderBelowTitle(t *testing.T) {
	id := zz(t, 1962, 3, 15, 11)
	rows := [][]any{{"中共株洲市渔场支部委员会党员花名册"}, {"填报日期：2024年6月"}, {}}
	for i := 0; i < 6; i++ {
		rows = append(rows, []any{"说明"})
	}
	rows = append(rows, []any{"序号", "姓名", "身份证号码", "所在支部"}, []any{1, "王建国", id, "市渔场"})
	res := parseT("a.xlsx", makeXLSX(t, sheet{"Sheet1", rows}))
	wantClean(t, res)
	if res.HeaderRow != 10 || len(res.Records) != 1 || res.Records[0].Row != 11 {
		t.Errorf("HeaderRow %d, records %+v", res.HeaderRow, res.Records)
	}
}

func TestSheetSelection(t *testing.T) {
	id := zz(t, 1962, 3, 15, 11)
	data := rowsOf("姓名,公民身份号码,所在支部", "王建国,"+id+",机关支部")
	other := rowsOf("姓名,公民身份号码,所在支部", "李秀英,"+zz(t, 1968, 11, 2, 22)+",市渔场")
	tests := []struct {
		name   string
		sheets []sheet
		want   string
	}{
		{"first sheet", []sheet{{"Sheet1", data}, {"Sheet2", other}}, "Sheet1"},
		{"named 花名册 wins", []sheet{{"Sheet1", other}, {"2024花名册", data}}, "2024花名册"},
		{"named 党员 wins", []sheet{{"统计", other}, {"党员信息", data}}, "党员信息"},
		{"skip sheet without header", []sheet{{"说明", rowsOf("填表说明")}, {"Sheet2", data}}, "Sheet2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseT("a.xlsx", makeXLSX(t, tt.sheets...))
			wantClean(t, res)
			if res.Sheet != tt.want || len(res.Records) != 1 || res.Records[0].Name != "王建国" {
				t.Errorf("sheet %q records %+v", res.Sheet, res.Records)
			}
		})
	}
}

func TestCSVEncodings(t *testing.T) {
	id := zz(t, 1962, 3, 15, 11)
	text := "姓名,公民身份号码,所在支部,备注\r\n王建国," + id + ",机关支部,\"老党员，1985年入党\"\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(text, ",", "\t"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file string
		data       []byte
	}{
		{"utf8", "a.csv", []byte(text)},
		{"utf8 bom", "a.csv", append([]byte("\xEF\xBB\xBF"), text...)},
		{"gb18030", "a.csv", []byte(gb)},
		{"gbk", "a.csv", []byte(gbk)},
		{"utf16 tab", "a.txt", []byte(u16)},
		{"tab separated", "a.txt", []byte(strings.ReplaceAll(strings.ReplaceAll(text, ",", "\t"), "\"老党员\t1985年入党\"", "老党员，1985年入党"))},
		{"semicolon", "a.csv", []byte(strings.ReplaceAll(strings.ReplaceAll(text, ",", ";"), "\"老党员;1985年入党\"", "老党员，1985年入党"))},
		{"no extension", "upload", []byte(text)},
		{"LF only", "a.csv", []byte(strings.ReplaceAll(text, "\r\n", "\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseT(tt.file, tt.data)
			wantClean(t, res)
			if len(res.Records) != 1 {
				t.Fatalf("got %d records", len(res.Records))
			}
			r := res.Records[0]
			if r.Name != "王建国" || r.Branch != "机关支部" || r.IDNumber != id || r.Remarks != "老党员，1985年入党" || r.Row != 2 {
				t.Errorf("record = %+v", r)
			}
		})
	}
}

func TestIDFromNumberCell(t *testing.T) {
	// Users sometimes type an ID number into a General-format cell, which
	// Excel stores as a float; the message must explain that.
	res := parseT("a.xlsx", makeXLSX(t, sheet{"Sheet1", [][]any{
		{"姓名", "公民身份号码", "所在支部"},
		{"王建国", "4.30202196203151E+17", "机关支部"},
	}}))
	wantProblem(t, res, 2, "公民身份号码", "科学计数法")
}

func TestSuggest(t *testing.T) {
	branches := []string{"机关支部", "市渔场", "市水科所支部", "离退休第一支部", "离退休第二支部"}
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"渔场支部", "市渔场", true},
		{"机关党支部", "机关支部", true},
		{"水科所", "市水科所支部", true},
		{"机关支部", "机关支部", true},
		{"中共机关支部委员会", "机关支部", true},
		{"市渔场党支部", "市渔场", true},
		{"  市 渔场 ", "市渔场", true},
		{"市水科所党总支", "市水科所支部", true},
		{"市水利所支部", "市水科所支部", true}, // one character off
		{"离退休第一党支部", "离退休第一支部", true},
		{"离退休支部", "", false}, // equally close to two branches
		{"财务科", "", false},
		{"支部", "", false},
		{"", "", false},
		{"市", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Suggest(tt.in, branches)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Suggest(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if _, ok := Suggest("机关支部", nil); ok {
		t.Error("Suggest with no candidates succeeded")
	}
}

func TestNormBranch(t *testing.T) {
	tests := map[string]string{
		"中共市渔场支部委员会": "市渔场",
		"机关党支部":      "机关",
		"ＡＢＣ支部":      "abc",
		"市水科所党总支部":   "市水科所",
		"支部":         "支部",
	}
	for in, want := range tests {
		if got := normBranch(in); got != want {
			t.Errorf("normBranch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"水科所", "水利所", 1}, {"kitten", "sitting", 3}, {"渔场", "市渔场", 1},
	}
	for _, tt := range tests {
		if got := editDistance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestProblemError(t *testing.T) {
	p := Problem{Msg: "中文", MsgEn: "English"}
	var err error = p
	if err.Error() != "中文" {
		t.Errorf("Error() = %q", err.Error())
	}
}

// buildLarge writes n generated members with Write.
func buildLarge(tb testing.TB, n int) []byte {
	tb.Helper()
	branches := []string{"机关支部", "市渔场", "市水科所支部"}
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []string{"建国", "秀英", "志强", "丽华", "伟", "桂兰", "国庆", "晓燕", "文斌", "淑芬", "海涛", "玉梅"}
	recs := make([]Record, n)
	for i := range recs {
		birth := civil.FromTime(time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*7%15000))
		seq := i % 1000
		g := "女"
		if seq%2 == 1 {
			g = "男"
		}
		recs[i] = Record{
			Name: string(surnames[i%len(surnames)]) + given[i%len(given)], Gender: g,
			IDNumber: zz(tb, birth.Y, birth.M, birth.D, seq), Ethnicity: "汉族", BirthDate: birth, Education: "本科",
			Category: CategoryFull, JoinedDate: birth.AddYears(25), ConfirmedDate: birth.AddYears(26),
			Retired: i%5 == 0, NoPost: i%7 == 0, Post: "职员", Branch: branches[i%3], Group: "第一党小组",
			Phone: fmt.Sprintf("138%08d", i), Status: "正常", Oral: i%11 == 0,
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, "", recs); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large roster")
	}
	data := buildLarge(t, 10000)
	res := parseT("large.xlsx", data)
	// Generated ID numbers repeat (same birth day and sequence) only if
	// the generator collides; it does not for 10,000 rows.
	wantClean(t, res)
	if len(res.Records) != 10000 || res.Records[9999].Row != 10001 {
		t.Errorf("got %d records", len(res.Records))
	}
}

func BenchmarkParse10k(b *testing.B) {
	data := buildLarge(b, 10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res := parseT("large.xlsx", data)
		if len(res.Records) != 10000 || len(res.Problems) != 0 {
			b.Fatalf("records %d problems %d", len(res.Records), len(res.Problems))
		}
	}
}

func BenchmarkWrite10k(b *testing.B) {
	data := parseT("large.xlsx", buildLarge(b, 10000)).Records
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(&bytes.Buffer{}, "", data); err != nil {
			b.Fatal(err)
		}
	}
}
