package roster

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"chuangzheng/internal/civil"
)

// Regenerate the files in testdata/ with:
//
//	go test ./internal/roster -run TestGenerateFixtures -update
var update = flag.Bool("update", false, "regenerate testdata fixtures")

// Fixture file names.
const (
	fixtureGood    = "testdata/good.xlsx"     // 12 members, title rows, synonyms, Excel date cells
	fixtureBad     = "testdata/bad.xlsx"      // one problem per row
	fixtureGB18030 = "testdata/gb18030.csv"   // 3 members, GB18030-encoded CSV
	fixtureFake    = "testdata/not-xlsx.xlsx" // a CSV text file renamed .xlsx
)

func d(y, m, day int) civil.Date { return civil.Date{Y: y, M: m, D: day} }

// goodMembers are the 12 members of the good fixture, as Parse should
// return them (Row is filled in by the test).
func goodMembers(tb testing.TB) []Record {
	tb.Helper()
	return []Record{
		{Name: "王建国", Gender: "男", IDNumber: zz(tb, 1962, 3, 15, 11), Ethnicity: "汉族", BirthDate: d(1962, 3, 15), Education: "大专",
			Category: "正式", JoinedDate: d(1985, 7, 1), ConfirmedDate: d(1986, 7, 1), Retired: true, NoPost: true,
			Branch: "机关支部", Group: "第一党小组", Phone: "13807331234", Status: "正常"},
		{Name: "李秀英", Gender: "女", IDNumber: zz(tb, 1968, 11, 2, 22), Ethnicity: "汉族", BirthDate: d(1968, 11, 2), Education: "本科",
			Category: "正式", JoinedDate: d(1990, 6, 0), ConfirmedDate: d(1991, 6, 0), Post: "办公室主任",
			Branch: "机关支部", Group: "第一党小组", Phone: "0731-28881234", Status: "正常", Oral: true},
		{Name: "陈志强", Gender: "男", IDNumber: zz(tb, 1975, 5, 20, 33), Ethnicity: "汉族", BirthDate: d(1975, 5, 20), Education: "硕士研究生",
			Category: "正式", JoinedDate: d(1998, 12, 10), ConfirmedDate: d(1999, 12, 10), Post: "副局长",
			Branch: "机关支部", Group: "第二党小组", Phone: "13973310086", Status: "正常"},
		{Name: "张丽华", Gender: "女", IDNumber: zz(tb, 1980, 8, 8, 44), Ethnicity: "土家族", BirthDate: d(1980, 8, 8), Education: "本科",
			Category: "正式", JoinedDate: d(2005, 6, 30), ConfirmedDate: d(2006, 6, 30), Post: "科员",
			Branch: "机关支部", Group: "第二党小组", Phone: "15807330021", Status: "正常"},
		{Name: "刘伟", Gender: "男", IDNumber: zz(tb, 1958, 1, 12, 55), Ethnicity: "汉族", BirthDate: d(1958, 1, 12), Education: "高中",
			Category: "正式", JoinedDate: d(1980, 9, 0), ConfirmedDate: d(1981, 9, 0), Retired: true, NoPost: true,
			Branch: "市渔场", Status: "正常", Oral: true, Remarks: "行动不便，可口头承诺"},
		{Name: "杨桂兰", Gender: "女", IDNumber: zz(tb, 1963, 4, 25, 66), Ethnicity: "汉族", BirthDate: d(1963, 4, 25), Education: "初中",
			Category: "正式", JoinedDate: d(1988, 7, 1), ConfirmedDate: d(1989, 7, 1), Retired: true, NoPost: true,
			Branch: "市渔场", Phone: "13017332345", Status: "正常", Oral: true},
		{Name: "赵国庆", Gender: "男", IDNumber: zz(tb, 1970, 10, 1, 77), Ethnicity: "汉族", BirthDate: d(1970, 10, 1), Education: "中专",
			Category: "正式", JoinedDate: d(1996, 5, 4), ConfirmedDate: d(1997, 5, 4), Post: "场长",
			Branch: "市渔场", Phone: "13607335566", Status: "正常"},
		{Name: "黄晓燕", Gender: "女", IDNumber: zz(tb, 1992, 2, 14, 88), Ethnicity: "汉族", BirthDate: d(1992, 2, 14), Education: "本科",
			Category: "预备", JoinedDate: d(2024, 5, 20), Post: "技术员",
			Branch: "市渔场", Phone: "18873301234", Status: "正常"},
		{Name: "周文斌", Gender: "男", IDNumber: zz(tb, 1985, 7, 1, 99), Ethnicity: "汉族", BirthDate: d(1985, 7, 1), Education: "博士研究生",
			Category: "正式", JoinedDate: d(2010, 6, 18), ConfirmedDate: d(2011, 6, 18), Post: "研究员",
			Branch: "市水科所支部", Phone: "13787330099", Status: "正常"},
		{Name: "吴淑芬", Gender: "女", IDNumber: zz(tb, 1966, 9, 9, 102), Ethnicity: "回族", BirthDate: d(1966, 9, 9), Education: "大专",
			Category: "正式", JoinedDate: d(1992, 3, 0), ConfirmedDate: d(1993, 3, 0), Retired: true,
			Branch: "市水科所支部", Phone: "0731-22334455", Status: "正常"},
		{Name: "徐海涛", Gender: "男", IDNumber: zz(tb, 1988, 12, 30, 113), Ethnicity: "汉族", BirthDate: d(1988, 12, 30), Education: "硕士研究生",
			Category: "正式", JoinedDate: d(2015, 11, 11), ConfirmedDate: d(2016, 11, 11), Post: "工程师",
			Branch: "市水科所支部", Phone: "15173319988", Status: "正常"},
		{Name: "孙玉梅", Gender: "女", IDNumber: zz(tb, 1978, 6, 6, 124), Ethnicity: "汉族", BirthDate: d(1978, 6, 6), Education: "本科",
			Category: "正式", JoinedDate: d(2003, 7, 1), ConfirmedDate: d(2004, 7, 1), Post: "会计",
			Branch: "市水科所支部", Phone: "13975337788", Status: "正常", Remarks: "2020年由市渔场转入"},
	}
}

// goodRows is where each good member lands in the good fixture.
var goodRows = []int{4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17}

// buildGood writes the good fixture as a branch secretary might: an
// instructions sheet first, a merged title and a 填报单位 line above the
// header, headers in synonyms with notes, a 序号 column, real Excel date
// cells mixed with text dates, phone numbers as numbers, blank separator
// rows and numbered-but-empty template rows at the end.
func buildGood(tb testing.TB) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "填表说明"))
	must(f.SetCellValue("填表说明", "A1", "1. 日期可写作 1985.07 或 1985年7月；2. 身份证号请设为文本格式。"))
	const s = "党员花名册"
	_, err := f.NewSheet(s)
	must(err)

	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	must(err)
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy.mm.dd")})
	must(err)
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	must(err)

	must(f.MergeCell(s, "A1", "S1"))
	must(f.SetCellValue(s, "A1", "中共株洲市农业农村局机关委员会党员花名册"))
	must(f.SetCellStyle(s, "A1", "A1", title))
	must(f.MergeCell(s, "A2", "S2"))
	must(f.SetCellValue(s, "A2", "填报单位：局机关党委　　　　填报日期：2024年6月1日"))

	header := []any{"序号", "姓  名", "性别", "民族", "身份证号码（18位）", "出生年月", "文化程度", "党员类别",
		"入党时间", "转正时间", "人员状态", "是否无职党员", "工作单位及职务", "所在党支部", "党小组",
		"手机号码", "党籍状态", "可口头承诺", "备注*"}
	must(f.SetSheetRow(s, "A3", &header))

	date := func(dt civil.Date, asCell bool) any {
		switch {
		case dt.IsZero():
			return nil
		case asCell && dt.HasDay():
			return dt.Time()
		case dt.HasDay():
			return dt.Dotted()
		default:
			return dt.Chinese()
		}
	}
	members := goodMembers(tb)
	for i, m := range members {
		row := goodRows[i]
		asCell := i%2 == 0 // alternate real date cells and text dates
		cat := "正式党员"
		if m.Category == CategoryProbation {
			cat = "预备"
		}
		gender := any(m.Gender)
		if m.Name == "赵国庆" {
			gender = nil // taken from the ID number
		}
		birth := any(m.BirthDate.Dotted())
		switch m.Name {
		case "周文斌":
			birth = nil // taken from the ID number
		case "陈志强":
			birth = "1975年5月" // month precision, completed from the ID
		}
		eth := any(m.Ethnicity)
		if m.Ethnicity == "汉族" && i%3 == 0 {
			eth = "汉"
		}
		var phone any
		switch {
		case m.Phone == "":
		case len(m.Phone) == 11 && m.Phone[0] == '1' && i%2 == 0:
			phone = atoi64(m.Phone) // stored as a number, as users do
		default:
			phone = m.Phone
		}
		vals := []any{
			i + 1, m.Name, gender, eth, m.IDNumber, birth, m.Education, cat,
			date(m.JoinedDate, asCell), date(m.ConfirmedDate, asCell),
			pick(m.Retired, "退休", "在职"), pick(m.NoPost, "√", ""), m.Post, m.Branch, m.Group,
			phone, nil, pick(m.Oral, "是", "否"), m.Remarks,
		}
		for c, v := range vals {
			if v == nil || v == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, row)
			must(f.SetCellValue(s, ref, v))
			if _, ok := v.(time.Time); ok {
				must(f.SetCellStyle(s, ref, ref, dateStyle))
			}
			if c == 4 {
				must(f.SetCellStyle(s, ref, ref, textStyle))
			}
		}
	}
	// Rows 8 and 13 are left blank between branches; rows 18–22 are
	// template rows with a 序号 but no member; B24 is an empty string cell.
	for n, row := 13, 18; row <= 22; n, row = n+1, row+1 {
		ref, _ := excelize.CoordinatesToCellName(1, row)
		must(f.SetCellValue(s, ref, n))
	}
	must(f.SetCellValue(s, "B24", ""))
	must(f.SetColWidth(s, "E", "E", 22))
	idx, _ := f.GetSheetIndex(s)
	f.SetActiveSheet(idx)
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

func atoi64(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// badRow is one row of the bad fixture and the problem it must produce.
type badRow struct {
	cells  []any
	column string // expected Problem.Column ("" = no problem expected)
	msg    string // substring of the expected Chinese message
}

// badRows builds the bad fixture's rows: row 2 is valid and every later row
// has one specific problem. Header is in row 1.
func badRows(tb testing.TB) (header []any, rows []badRow) {
	tb.Helper()
	okID := zz(tb, 1985, 7, 1, 11)
	badCheck := okID[:17] + string("0123456789X"[(indexOf("0123456789X", okID[17])+1)%11])
	header = []any{"姓名", "性别", "身份证号", "出生日期", "人员类别", "入党日期", "转正日期", "所在支部", "联系电话"}
	rows = []badRow{
		{[]any{"王建国", "男", okID, "1985.07.01", "正式党员", "2008.07.01", "2009.07.01", "机关支部", "13800138000"}, "", ""},
		{[]any{"", "女", zz(tb, 1990, 1, 1, 22), "", "正式党员", "2015.07", "2016.07", "机关支部", ""}, "姓名", "为空"},
		{[]any{"李秀英", "女", badCheck, "", "正式党员", "", "", "机关支部", ""}, "身份证号", "校验位应为 " + okID[17:]},
		{[]any{"陈志强", "男", zz(tb, 1985, 2, 28, 33), "1985-02-30", "正式党员", "", "", "市渔场", ""}, "出生日期", "1985年2月只有28天"},
		{[]any{"王建国", "男", okID, "", "正式党员", "", "", "机关支部", ""}, "身份证号", "与第2行（王建国）重复"},
		{[]any{"张丽华", "不详", zz(tb, 1980, 8, 8, 44), "", "正式党员", "", "", "市渔场", ""}, "性别", "应为 男 或 女"},
		{[]any{"刘伟", "男", zz(tb, 1958, 1, 12, 55), "", "积极分子", "", "", "市渔场", ""}, "人员类别", "应为 正式党员 或 预备党员"},
		{[]any{"杨桂兰", "女", zz(tb, 1963, 4, 25, 66), "", "正式党员", "1990.07.01", "1989.07.01", "市水科所支部", ""}, "转正日期", "早于入党日期"},
		{[]any{"赵国庆", "男", zz(tb, 1990, 10, 1, 77), "", "正式党员", "2005.10.01", "2006.10.01", "市水科所支部", ""}, "入党日期", "年满18周岁"},
		{[]any{"黄晓燕", "女", zz(tb, 1992, 2, 14, 88), "", "预备党员", "2024.05", "", "市水科所支部", "12345"}, "联系电话", "不是有效的电话号码"},
		{[]any{"周文斌", "男", "430202850701991", "", "正式党员", "", "", "市水科所支部", ""}, "身份证号", "15位旧身份证号码"},
		{[]any{"吴淑芬", "女", zz(tb, 1966, 9, 9, 102), "1966.10.09", "正式党员", "", "", "机关支部", ""}, "出生日期", "与公民身份号码中的出生日期（1966.09.09）不一致"},
		{[]any{"徐海涛", "男", zz(tb, 1988, 12, 30, 113), "", "正式党员", "", "", "", ""}, "所在支部", "为空"},
		{[]any{"孙玉梅", "男", zz(tb, 1978, 6, 6, 124), "", "正式党员", "", "", "机关支部", ""}, "性别", "与公民身份号码不一致"},
		{[]any{"郑卫东", "男", zz(tb, 1970, 1, 1, 135), "", "正式党员", "1995.13", "", "机关支部", ""}, "入党日期", "没有13月"},
		{[]any{"钱桂芝", "女", zz(tb, 1950, 5, 5, 146), "", "", "2025.06.01", "", "机关支部", ""}, "入党日期", "晚于今天"},
	}
	return header, rows
}

func indexOf(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func buildBad(tb testing.TB) []byte {
	tb.Helper()
	header, rows := badRows(tb)
	all := [][]any{header}
	for _, r := range rows {
		all = append(all, r.cells)
	}
	return makeXLSX(tb, sheet{"花名册", all})
}

// gbMembers are the members in the GB18030 CSV fixture.
func buildGB18030(tb testing.TB) []byte {
	tb.Helper()
	text := "姓名,性别,公民身份号码,民族,出生日期,所在支部,联系电话\r\n" +
		"王建国,男," + zz(tb, 1962, 3, 15, 11) + ",汉族,1962年3月,机关支部,13807331234\r\n" +
		"李秀英,女," + zz(tb, 1968, 11, 2, 22) + ",汉族,1968.11.02,市渔场,\r\n" +
		"陈志强,男," + zz(tb, 1975, 5, 20, 33) + ",苗族,,市水科所支部,0731-28888888\r\n"
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func buildFake(tb testing.TB) []byte {
	tb.Helper()
	return []byte("姓名,公民身份号码,所在支部\n王建国," + zz(tb, 1962, 3, 15, 11) + ",机关支部\n")
}

var fixtureBuilders = map[string]func(testing.TB) []byte{
	fixtureGood:    buildGood,
	fixtureBad:     buildBad,
	fixtureGB18030: buildGB18030,
	fixtureFake:    buildFake,
}

// TestGenerateFixtures rewrites testdata/ with -update; otherwise it checks
// that the committed fixtures are up to date.
func TestGenerateFixtures(t *testing.T) {
	for name, build := range fixtureBuilders {
		data := build(t)
		if *update {
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", name, len(data))
			continue
		}
		old, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGenerateFixtures -update)", err)
		}
		if !bytes.Equal(old, data) {
			t.Errorf("%s is out of date; run go test ./internal/roster -run TestGenerateFixtures -update", name)
		}
	}
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatalf("%v (run go test ./internal/roster -run TestGenerateFixtures -update)", err)
	}
	return data
}

func TestFixtureGood(t *testing.T) {
	res := parseT("党员花名册.xlsx", readFixture(t, fixtureGood))
	wantClean(t, res)
	if res.Sheet != "党员花名册" || res.HeaderRow != 3 {
		t.Errorf("Sheet, HeaderRow = %q, %d; want 党员花名册, 3", res.Sheet, res.HeaderRow)
	}
	if len(res.Ignored) != 1 || res.Ignored[0] != "序号" {
		t.Errorf("Ignored = %q, want [序号]", res.Ignored)
	}
	if len(res.Columns) != 18 {
		t.Errorf("Columns = %q, want all 18", res.Columns)
	}
	want := goodMembers(t)
	if len(res.Records) != len(want) {
		t.Fatalf("got %d records, want %d", len(res.Records), len(want))
	}
	for i, w := range want {
		w.Row = goodRows[i]
		if got := bare(res.Records[i]); got != w {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if len(res.Valid()) != 12 || !res.OK() {
		t.Errorf("Valid() = %d records, OK() = %v", len(res.Valid()), res.OK())
	}
}

func TestFixtureBad(t *testing.T) {
	res := parseT("bad.xlsx", readFixture(t, fixtureBad))
	_, rows := badRows(t)
	if len(res.Records) != len(rows) {
		t.Errorf("got %d records, want %d", len(res.Records), len(rows))
	}
	want := 0
	for i, r := range rows {
		if r.column == "" {
			continue
		}
		want++
		wantProblem(t, res, i+2, r.column, r.msg)
	}
	if len(res.Problems) != want {
		t.Errorf("got %d problems, want %d:", len(res.Problems), want)
		for _, p := range res.Problems {
			t.Logf("  row %d [%s] %q: %s", p.Row, p.Column, p.Value, p.Msg)
		}
	}
	if v := res.Valid(); len(v) != 1 || v[0].Name != "王建国" || v[0].Row != 2 {
		t.Errorf("Valid() = %+v, want only 王建国 on row 2", v)
	}
}

func TestFixtureGB18030(t *testing.T) {
	res := parseT("花名册.csv", readFixture(t, fixtureGB18030))
	wantClean(t, res)
	if len(res.Records) != 3 {
		t.Fatalf("got %d records", len(res.Records))
	}
	c := res.Records[2]
	if c.Name != "陈志强" || c.Ethnicity != "苗族" || c.Branch != "市水科所支部" || c.BirthDate != d(1975, 5, 20) || c.Row != 4 || c.Phone != "0731-28888888" {
		t.Errorf("record = %+v", c)
	}
	if w := res.Records[0]; w.BirthDate != d(1962, 3, 15) {
		t.Errorf("month-precision birth not completed from ID: %v", w.BirthDate)
	}
}

func TestFixtureFake(t *testing.T) {
	res := parseT("花名册.xlsx", readFixture(t, fixtureFake))
	wantFileProblem(t, res, "内容不是 Excel 文件")
}
