// Package roster reads and writes party member rosters (党员花名册) as
// Excel (.xlsx) or CSV files.
//
// Parse is forgiving about layout — title rows above the header, columns in
// any order, common synonyms for column names, dates written in many forms
// or stored as Excel dates, CSV in UTF-8 or GB18030 — and strict about
// content: every row is checked and every problem is reported with its row,
// column, the offending value and what would be accepted, in Simplified
// Chinese with an English twin. Parse never panics on bad input.
//
// Write produces an .xlsx that Parse reads back unchanged.
package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/textin"
)

// Record is one member row of a roster.
type Record struct {
	Row           int        // 1-based row in the sheet (line in a CSV file)
	Label         string     // how the office finds the row: "序号 12（王建国）", "王建国" or "第14行"
	Filled        Fields     // the columns this row gives a value in (the others are defaults)
	Name          string     // 姓名
	Gender        string     // 性别: 男 or 女 (taken from the ID number if empty)
	IDNumber      string     // 公民身份号码, normalised when valid
	Ethnicity     string     // 民族, e.g. 汉族
	BirthDate     civil.Date // 出生日期 (taken from the ID number if empty)
	Education     string     // 学历
	Category      string     // 人员类别: 正式 or 预备
	JoinedDate    civil.Date // 入党日期
	ConfirmedDate civil.Date // 转正日期
	Retired       bool       // 离退休
	NoPost        bool       // 无职党员
	Post          string     // 工作岗位/职务
	Branch        string     // 所在支部, as written
	Group         string     // 党小组, may be empty
	Phone         string     // 联系电话, normalised
	Status        string     // 党籍状态, default 正常
	Remarks       string     // 备注
	Oral          bool       // 可口头承诺
}

// Member categories.
const (
	CategoryFull      = "正式"
	CategoryProbation = "预备"
)

// StatusNormal is the default 党籍状态.
const StatusNormal = "正常"

// Problem is something wrong with the file or one of its rows. Msg says
// what is wrong and what would be accepted, in Simplified Chinese; MsgEn is
// the English twin.
type Problem struct {
	Row    int    `json:"row"`             // 1-based row; 0 for the whole file
	Label  string `json:"label,omitempty"` // the row as the office finds it: 序号 or name
	Column string `json:"column"`          // header as written in the file, or the canonical column name
	Value  string `json:"value"`           // the offending cell value as typed, if any
	// Detail says what is wrong and what would be accepted, without saying
	// where (Msg = where + Detail); problems of one kind share it.
	Detail   string `json:"detail,omitempty"`
	DetailEn string `json:"detail_en,omitempty"`
	Msg      string `json:"msg"`
	MsgEn    string `json:"msg_en"`
}

// Error returns the Chinese message, so a Problem can be used as an error.
func (p Problem) Error() string { return p.Msg }

// Result is the outcome of Parse.
type Result struct {
	// Records holds every non-empty data row, including rows that have
	// problems (use Valid to get only the clean ones).
	Records  []Record
	Problems []Problem
	// Columns lists the canonical names of the recognised columns, in file
	// order.
	Columns []string
	// Ignored lists headers that were not recognised (they are skipped, not
	// errors).
	Ignored []string
	// Uses accounts for every non-empty header cell of the file, in file
	// order: the column it fills, or why it is not read.
	Uses []ColumnUse
	// Present is the set of columns the file carries.
	Present Fields
	// Sheet is the worksheet that was read ("" for CSV).
	Sheet string
	// HeaderRow is the 1-based row of the header (0 if none was found).
	HeaderRow int
}

// OK reports whether the file parsed without any problem.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// FileProblems returns the problems about the whole file (Row == 0).
func (r Result) FileProblems() []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if p.Row == 0 {
			out = append(out, p)
		}
	}
	return out
}

// Valid returns the records whose rows have no problem.
func (r Result) Valid() []Record {
	bad := map[int]bool{}
	for _, p := range r.Problems {
		bad[p.Row] = true
	}
	if bad[0] {
		return nil
	}
	var out []Record
	for _, rec := range r.Records {
		if !bad[rec.Row] {
			out = append(out, rec)
		}
	}
	return out
}

// MaxRows is the largest number of data rows Parse accepts.
const MaxRows = 100000

// headerSearchRows is how many rows from the top are searched for the header.
const headerSearchRows = 10

// minHeaderMatches is how many recognised columns make a row the header.
const minHeaderMatches = 3

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Parse reads a roster from the contents of an uploaded file. The format is
// decided by content (an .xlsx is a zip archive) and by the file name's
// extension (.xlsx, .xlsm, .csv, .txt). It never panics; anything wrong is
// reported in Result.Problems, with Row 0 for problems with the whole file.
// now is the instant "in the future" is judged against, in the zone whose
// calendar day is "today" (the caller's clock: db.DB.LocalNow).
func Parse(filename string, data []byte, now time.Time) (res Result) {
	return ParseWith(filename, data, now, Options{})
}

// Options are the office's choices for reading one file.
type Options struct {
	// ColumnMap maps a header as written (after clean) to the canonical
	// column it fills, overriding recognition; "" means ignore the column.
	ColumnMap map[string]string
	// Budget bounds the memory spent reading the file (zero: DefaultBudget).
	Budget Budget
}

// ParseWith is Parse with the office's options.
func ParseWith(filename string, data []byte, now time.Time, opts Options) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res = Result{Problems: []Problem{fileProblem(
				fmt.Sprintf("读取文件时发生内部错误（%v），请把文件另存为新的 .xlsx 后重试", r),
				fmt.Sprintf("internal error while reading the file (%v); save it as a new .xlsx and try again", r))}}
		}
	}()
	ext := strings.ToLower(filepath.Ext(filename))
	p := &parser{now: now, opts: opts, seqIdx: -1}
	if p.opts.Budget == (Budget{}) {
		p.opts.Budget = DefaultBudget
	}
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))) == 0:
		p.fileProblem("文件是空的，请选择填写好的党员花名册（.xlsx 或 .csv）",
			"the file is empty; choose a filled-in roster (.xlsx or .csv)")
	case bytes.HasPrefix(data, zipMagic):
		p.parseXLSX(data)
	case bytes.HasPrefix(data, oleMagic) || ext == ".xls" || ext == ".et":
		p.fileProblem("这是旧版 Excel 97-2003（.xls）文件或加密的 Excel 文件，无法直接读取；请在 Excel 或 WPS 中“另存为” .xlsx 格式（并取消密码）后再导入",
			"this is an old Excel 97-2003 (.xls) or password-protected workbook; save it as .xlsx (without a password) in Excel or WPS and import that")
	case ext == ".xlsx" || ext == ".xlsm":
		p.fileProblem(fmt.Sprintf("文件扩展名是 %s，但内容不是 Excel 文件（可能是改了扩展名的其他文件）；请在 Excel 或 WPS 中打开后另存为 .xlsx 或 CSV", ext),
			fmt.Sprintf("the file is named %s but is not an Excel workbook (perhaps another file renamed); open it in Excel or WPS and save it as .xlsx or CSV", ext))
	default:
		p.parseCSV(ext, data)
	}
	return p.res
}

// parser accumulates the result of one Parse call.
type parser struct {
	res Result

	cols    []string          // canonical column per cell index ("" = ignored)
	headers map[string]string // canonical -> header as written
	index   map[string]int    // canonical -> cell index
	seenID  map[string]seen   // normalised ID -> first row
	now     time.Time
	today   civil.Date
	opts    Options
	seqIdx  int // cell index of 序号, -1 if none

	label, labelEn string // the current row as the office finds it
}

// seen remembers where an ID number first appeared.
type seen struct {
	row  int
	name string
}

func fileProblem(zh, en string) Problem { return Problem{Msg: zh, MsgEn: en} }

func (p *parser) fileProblem(zh, en string) {
	p.res.Problems = append(p.res.Problems, fileProblem(zh, en))
}

// rowSource yields the rows of a sheet; ok is false at the end.
type rowSource func() (cells []string, row int, ok bool, err error)

// parseXLSX reads the workbook's roster sheet, streaming, within the budget.
func (p *parser) parseXLSX(data []byte) {
	bk, err := openXLSX(data, p.opts.Budget)
	if err != nil {
		p.readProblem(err, "")
		return
	}
	order := sheetOrder(bk.sheets)
	for _, sh := range order {
		next, closeFn, err := bk.sheetRows(sh)
		if err != nil {
			p.readProblem(err, sh.name)
			return
		}
		done, err := p.read(next, sh.name)
		closeFn()
		if err != nil {
			p.readProblem(err, sh.name)
			return
		}
		if done {
			return
		}
	}
	p.noHeader(fmt.Sprintf("工作表「%s」", textin.Sanitize(order[0].name, textin.Line)), fmt.Sprintf("worksheet %q", textin.Sanitize(order[0].name, textin.Line)))
}

// sheetOrder puts sheets named like a roster first, then the others in
// workbook order.
func sheetOrder(sheets []xlsxSheet) []xlsxSheet {
	var order []xlsxSheet
	roster := func(s xlsxSheet) bool {
		return strings.Contains(s.name, "花名册") || strings.Contains(s.name, "党员")
	}
	for _, s := range sheets {
		if roster(s) {
			order = append(order, s)
		}
	}
	for _, s := range sheets {
		if !roster(s) {
			order = append(order, s)
		}
	}
	return order
}

// readProblem reports why a workbook could not be read: too big for the
// budget, or damaged.
func (p *parser) readProblem(err error, sheet string) {
	var re *readError
	if errors.As(err, &re) && re.tooBig {
		p.res.Records = nil
		p.fileProblem("文件解压后过大（超出导入的容量限制：单个部件最多 "+fmt.Sprint(p.opts.Budget.PartBytes>>20)+" MB、共 "+fmt.Sprint(p.opts.Budget.TotalBytes>>20)+" MB、"+fmt.Sprint(p.opts.Budget.Cells)+" 个单元格），不是文件损坏；请删除无关的工作表、图片和空白行列，或把花名册拆分成几个文件后再导入",
			"the workbook unpacks to more than the import allows (per part "+fmt.Sprint(p.opts.Budget.PartBytes>>20)+" MB, in all "+fmt.Sprint(p.opts.Budget.TotalBytes>>20)+" MB, "+fmt.Sprint(p.opts.Budget.Cells)+" cells); it is not damaged: delete unrelated sheets, pictures and blank rows and columns, or split the roster into several files")
		return
	}
	if sheet != "" {
		sheet = textin.Sanitize(sheet, textin.Line)
		p.fileProblem(fmt.Sprintf("读取工作表「%s」时出错：文件已损坏，请在 Excel 或 WPS 中打开后重新另存为 .xlsx", sheet),
			fmt.Sprintf("error reading worksheet %q: the file is damaged; open it in Excel or WPS and save it as .xlsx again", sheet))
		return
	}
	p.fileProblem("无法读取 Excel 文件：文件已损坏或不是有效的 .xlsx 文件；请在 Excel 或 WPS 中打开后重新另存为 .xlsx",
		"cannot read the Excel file: it is damaged or not a valid .xlsx; open it in Excel or WPS and save it as .xlsx again")
}

// parseCSV decodes and parses a CSV (or tab-separated) file.
func (p *parser) parseCSV(ext string, data []byte) {
	text, ok := decodeText(data)
	if !ok || strings.ContainsRune(text, 0) {
		if ext == ".csv" || ext == ".txt" {
			p.fileProblem("无法识别文件的文字编码，请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入",
				"cannot recognise the file's text encoding; save it as “CSV UTF-8” or .xlsx in Excel or WPS")
		} else {
			p.fileProblem("不支持的文件格式，请上传 Excel（.xlsx）或 CSV 文件",
				"unsupported file format; upload an Excel (.xlsx) or CSV file")
		}
		return
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = detectDelimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	src := func() ([]string, int, bool, error) {
		rec, err := r.Read()
		if err == io.EOF {
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, false, err
		}
		line, _ := r.FieldPos(0)
		return rec, line, true, nil
	}
	done, err := p.read(src, "")
	if err != nil {
		var pe *csv.ParseError
		line := 0
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		p.fileProblem(fmt.Sprintf("CSV 文件第%d行格式错误，无法继续读取；请在 Excel 中打开后另存为 .xlsx 再导入", line),
			fmt.Sprintf("CSV line %d is malformed and reading stopped; open the file in Excel and save it as .xlsx", line))
		return
	}
	if !done {
		p.noHeader("文件", "the file")
	}
}

// decodeText turns CSV bytes into a string: UTF-8 (with or without BOM),
// UTF-16 with BOM, or else GB18030 (which includes GBK and GB2312).
func decodeText(data []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", false
		}
		return strings.TrimPrefix(string(out), "\uFEFF"), true
	}
	if utf8.Valid(data) {
		return string(data), true
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return "", false
	}
	return string(out), true
}

// detectDelimiter picks ',', tab or ';' by frequency in the first lines.
func detectDelimiter(text string) rune {
	counts := map[rune]int{}
	lines := 0
	for _, line := range strings.SplitN(text, "\n", headerSearchRows+1) {
		if lines >= headerSearchRows {
			break
		}
		lines++
		for _, r := range line {
			switch r {
			case ',', '\t', ';':
				counts[r]++
			}
		}
	}
	best := ','
	for _, r := range []rune{'\t', ';'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// noHeader reports that no header row was found.
func (p *parser) noHeader(where, whereEn string) {
	names := make([]string, 0, len(columns))
	for _, c := range columns {
		names = append(names, c.name)
	}
	p.fileProblem(
		fmt.Sprintf("%s前%d行中没有找到表头行。表头行至少要有%d个可识别的列名，必须包含 姓名、公民身份号码、所在支部；可识别的列名有：%s",
			where, headerSearchRows, minHeaderMatches, strings.Join(names, "、")),
		fmt.Sprintf("no header row found in the first %d rows of %s. The header needs at least %d recognised column names, including 姓名 (name), 公民身份号码 (ID number) and 所在支部 (branch); recognised names: %s",
			headerSearchRows, whereEn, minHeaderMatches, strings.Join(names, ", ")))
}

// read finds the header in the first rows of src and parses the data rows.
// It returns false if no header was found.
func (p *parser) read(src rowSource, sheet string) (bool, error) {
	var buffered [][]string
	var bufRows []int
	header := -1
	for len(buffered) < headerSearchRows {
		cells, row, ok, err := src()
		if err != nil {
			return false, err
		}
		if !ok {
			break
		}
		buffered = append(buffered, cells)
		bufRows = append(bufRows, row)
		if p.countMatches(cells) >= minHeaderMatches {
			header = len(buffered) - 1
			break
		}
	}
	if header < 0 {
		return false, nil
	}
	p.res.Sheet = textin.Sanitize(sheet, textin.Line)
	p.res.HeaderRow = bufRows[header]
	if !p.setHeader(buffered[header]) {
		return true, nil
	}

	p.today = civil.FromTime(p.now)
	p.seenID = map[string]seen{}
	data := 0
	for {
		cells, row, ok, err := src()
		if err != nil {
			return true, err
		}
		if !ok {
			break
		}
		if p.emptyRow(cells) {
			continue
		}
		data++
		if data > MaxRows {
			p.fileProblem(fmt.Sprintf("数据超过%d行，请分成多个文件导入", MaxRows),
				fmt.Sprintf("more than %d data rows; split the file and import the parts separately", MaxRows))
			return true, nil
		}
		p.row(row, cells)
	}
	if len(p.res.Records) == 0 {
		p.fileProblem(fmt.Sprintf("表头（第%d行）下面没有党员数据", p.res.HeaderRow),
			fmt.Sprintf("there are no member rows below the header (row %d)", p.res.HeaderRow))
	}
	return true, nil
}

// countMatches counts distinct recognised columns in a row.
func (p *parser) countMatches(cells []string) int {
	seen := map[string]bool{}
	for _, c := range cells {
		if name := p.matchHeader(c); name != "" {
			seen[name] = true
		}
	}
	return len(seen)
}

// setHeader records the column layout. It returns false, after reporting,
// if required columns are missing.
func (p *parser) setHeader(cells []string) bool {
	p.cols = make([]string, len(cells))
	p.headers = map[string]string{}
	p.index = map[string]int{}
	for i, c := range cells {
		name := p.matchHeader(c)
		h := textin.Sanitize(clean(c), textin.Line)
		_, manual := p.opts.ColumnMap[h]
		if name == "" {
			if h != "" {
				use := ColumnUse{Header: h, Manual: manual}
				if !manual && p.seqIdx < 0 && isSeqHeader(h) {
					p.seqIdx, use.RowLabel = i, true
				}
				p.res.Uses = append(p.res.Uses, use)
				p.res.Ignored = append(p.res.Ignored, h)
			}
			continue
		}
		if _, dup := p.index[name]; dup {
			p.res.Uses = append(p.res.Uses, ColumnUse{Header: h, Duplicate: name, Manual: manual})
			p.res.Ignored = append(p.res.Ignored, h)
			continue
		}
		p.cols[i] = name
		p.index[name] = i
		p.headers[name] = h
		p.res.Columns = append(p.res.Columns, name)
		p.res.Present |= FieldOf(name)
		p.res.Uses = append(p.res.Uses, ColumnUse{Header: h, Column: name, Manual: manual})
	}
	ok := true
	for _, name := range required {
		if _, found := p.index[name]; !found {
			ok = false
			c := colInfo(name)
			p.res.Problems = append(p.res.Problems, Problem{
				Column: name,
				Msg: fmt.Sprintf("第%d行表头中缺少必填列「%s」，表头可写作 %s",
					p.res.HeaderRow, name, accepted(name)),
				MsgEn: fmt.Sprintf("the header (row %d) lacks the required column %s (%s); accepted headers: %s",
					p.res.HeaderRow, name, c.en, strings.Join(append([]string{c.name}, c.synonyms...), ", ")),
			})
		}
	}
	return ok
}

// cell returns the cleaned value of a canonical column in a row.
func (p *parser) cell(cells []string, name string) string {
	i, ok := p.index[name]
	if !ok || i >= len(cells) {
		return ""
	}
	if name == ColRemarks {
		return cleanLines(cells[i])
	}
	return clean(cells[i])
}

// emptyRow reports whether every recognised column of a row is blank
// (unrecognised columns such as 序号 do not count).
func (p *parser) emptyRow(cells []string) bool {
	for i, c := range cells {
		if i < len(p.cols) && p.cols[i] != "" && clean(c) != "" {
			return false
		}
	}
	return true
}

// HeaderOf returns the header the file uses for a canonical column (the
// canonical name if the file does not carry it).
func (r Result) HeaderOf(col string) string {
	for _, u := range r.Uses {
		if u.Column == col {
			return u.Header
		}
	}
	return col
}
