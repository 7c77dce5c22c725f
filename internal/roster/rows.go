package roster

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/textin"
)

// problem records a row-level problem. zh and en are the descriptions that
// follow the "第N行「列」" / "Row N, column" prefix.
func (p *parser) problem(row int, col, value, zh, en string) {
	h := p.headers[col]
	if h == "" {
		h = col
	}
	p.res.Problems = append(p.res.Problems, NewProblem(row, p.label, p.labelEn, h, colInfo(col).en, value, zh, en))
}

// NewProblem makes a row's problem: label names the row as the office
// finds it ("序号 12（王建国）"), header is the column as written in the
// file, colEn its English name; zh and en say what is wrong.
func NewProblem(row int, label, labelEn, header, colEn, value, zh, en string) Problem {
	if label == "" {
		label, labelEn = fmt.Sprintf("第%d行", row), fmt.Sprintf("Row %d", row)
	}
	enCol := header
	if colEn != "" && colEn != header {
		enCol = header + " (" + colEn + ")"
	}
	return Problem{
		Row: row, Label: label, Column: header, Value: value, Detail: zh, DetailEn: en,
		Msg:   fmt.Sprintf("%s「%s」%s", label, header, zh),
		MsgEn: fmt.Sprintf("%s, column %s: %s", labelEn, enCol, en),
	}
}

// rowLabel names a row the way the office finds it: by the file's own 序号
// (with the name), else by the name, else by the spreadsheet row.
func (p *parser) rowLabel(row int, cells []string) (string, string) {
	seq := ""
	if p.seqIdx >= 0 && p.seqIdx < len(cells) {
		seq = textin.Sanitize(clean(cells[p.seqIdx]), textin.Line)
		if len([]rune(seq)) > 12 {
			seq = ""
		}
	}
	name := textin.Sanitize(normName(p.cell(cells, ColName)), textin.Line)
	if len([]rune(name)) > 30 {
		name = string([]rune(name)[:30]) + "…"
	}
	switch {
	case seq != "" && name != "":
		return fmt.Sprintf("序号 %s（%s）", seq, name), fmt.Sprintf("No. %s (%s)", seq, name)
	case seq != "":
		return "序号 " + seq, "No. " + seq
	case name != "":
		return fmt.Sprintf("%s（第%d行）", name, row), fmt.Sprintf("%s (row %d)", name, row)
	}
	return fmt.Sprintf("第%d行", row), fmt.Sprintf("Row %d", row)
}

// row converts and checks one data row.
func (p *parser) row(row int, cells []string) {
	p.label, p.labelEn = p.rowLabel(row, cells)
	cells = p.refuseUnclean(row, cells)
	get := func(name string) string { return p.cell(cells, name) }
	rec := Record{Row: row, Label: p.label}
	for name := range p.index {
		if get(name) != "" {
			rec.Filled |= FieldOf(name)
		}
	}

	// 姓名
	rec.Name = normName(get(ColName))
	if rec.Name == "" {
		p.problem(row, ColName, "", "为空，每位党员都必须填写姓名", "is empty; every member needs a name")
	}

	// 公民身份号码
	rawID := get(ColID)
	var info idcard.Info
	idOK := false
	switch {
	case rawID == "":
		p.problem(row, ColID, "", "为空，每位党员都必须填写18位公民身份号码", "is empty; every member needs the 18-character citizen ID number")
	default:
		var err error
		info, err = idcard.ValidateAt(rawID, p.now)
		var ie *idcard.Error
		switch {
		case err == nil:
			idOK = true
			rec.IDNumber = info.Number
		case errors.As(err, &ie):
			rec.IDNumber = strings.ToUpper(strings.Join(strings.Fields(rawID), ""))
			if strings.Contains(ie.Msg, ie.Input) {
				p.problem(row, ColID, rawID, ie.Msg, ie.MsgEn)
			} else {
				p.problem(row, ColID, rawID, fmt.Sprintf("“%s”有误：%s", rawID, ie.Msg), fmt.Sprintf("%q is wrong: %s", rawID, ie.MsgEn))
			}
		default:
			rec.IDNumber = rawID
			p.problem(row, ColID, rawID, fmt.Sprintf("“%s”有误：%v", rawID, err), fmt.Sprintf("%q is wrong: %v", rawID, err))
		}
		if rec.IDNumber != "" {
			if first, dup := p.seenID[rec.IDNumber]; dup {
				who, whoEn := "", ""
				if first.name != "" {
					who, whoEn = "（"+first.name+"）", " ("+first.name+")"
				}
				p.problem(row, ColID, rawID,
					fmt.Sprintf("“%s”与第%d行%s重复，同一名党员只能出现一次", rawID, first.row, who),
					fmt.Sprintf("%q duplicates row %d%s; each member may appear only once", rawID, first.row, whoEn))
			} else {
				p.seenID[rec.IDNumber] = seen{row, rec.Name}
			}
		}
	}

	// 性别
	g := get(ColGender)
	switch g {
	case "男", "男性":
		rec.Gender = idcard.Male
	case "女", "女性":
		rec.Gender = idcard.Female
	case "":
		if idOK {
			rec.Gender = info.Gender
		}
	default:
		rec.Gender = g
		p.problem(row, ColGender, g, fmt.Sprintf("“%s”无法识别，应为 男 或 女（也可留空，按公民身份号码确定）", g),
			fmt.Sprintf("%q is not recognised; write 男 (male) or 女 (female), or leave it empty to take it from the ID number", g))
	}
	if idOK && g != "" && (rec.Gender == idcard.Male || rec.Gender == idcard.Female) && rec.Gender != info.Gender {
		p.problem(row, ColGender, g,
			fmt.Sprintf("“%s”与公民身份号码不一致（号码第17位表示%s）", g, info.Gender),
			fmt.Sprintf("%q contradicts the ID number (its 17th digit means %s)", g, genderEn(info.Gender)))
	}

	// 民族、学历
	rec.Ethnicity = normEthnicity(get(ColEthnicity))
	rec.Education = get(ColEducation)

	// 出生日期
	if b, ok := p.date(row, cells, ColBirth); ok {
		rec.BirthDate = b
	}
	if idOK {
		switch {
		case rec.BirthDate.IsZero() && get(ColBirth) == "":
			rec.BirthDate = info.Birth
		case rec.BirthDate.IsZero():
			// unparseable; already reported
		case rec.BirthDate.Y != info.Birth.Y || rec.BirthDate.M != info.Birth.M ||
			(rec.BirthDate.D != 0 && rec.BirthDate.D != info.Birth.D):
			v := get(ColBirth)
			p.problem(row, ColBirth, v,
				fmt.Sprintf("“%s”与公民身份号码中的出生日期（%s）不一致，请核对", v, info.Birth.Dotted()),
				fmt.Sprintf("%q contradicts the birth date in the ID number (%s); please check", v, info.Birth.Dotted()))
		default:
			rec.BirthDate = info.Birth // same date, day precision from the ID
		}
	}

	// 人员类别
	cat := get(ColCategory)
	switch strings.ReplaceAll(cat, " ", "") {
	case "正式党员", "正式":
		rec.Category = CategoryFull
	case "预备党员", "预备":
		rec.Category = CategoryProbation
	case "":
	default:
		rec.Category = cat
		p.problem(row, ColCategory, cat, fmt.Sprintf("“%s”无法识别，应为 正式党员 或 预备党员（也可写 正式、预备）", cat),
			fmt.Sprintf("%q is not recognised; write 正式党员 (full member) or 预备党员 (probationary member), or 正式/预备", cat))
	}

	// 入党日期、转正日期
	if d, ok := p.date(row, cells, ColJoined); ok {
		rec.JoinedDate = d
	}
	if d, ok := p.date(row, cells, ColConfirmed); ok {
		rec.ConfirmedDate = d
	}
	if rec.Category == "" {
		rec.Category = p.inferCategory(rec)
	}
	if !rec.JoinedDate.IsZero() && !rec.ConfirmedDate.IsZero() && before(rec.ConfirmedDate, rec.JoinedDate) {
		v := get(ColConfirmed)
		p.problem(row, ColConfirmed, v,
			fmt.Sprintf("“%s”早于入党日期（%s），转正日期应在入党日期之后", v, rec.JoinedDate.Dotted()),
			fmt.Sprintf("%q is before the date joined (%s); confirmation comes after joining", v, rec.JoinedDate.Dotted()))
	}
	if rec.Category == CategoryProbation && !rec.ConfirmedDate.IsZero() {
		v := get(ColConfirmed)
		p.problem(row, ColConfirmed, v,
			fmt.Sprintf("“%s”：人员类别为预备党员，不应有转正日期；已转正的请把人员类别改为 正式党员", v),
			fmt.Sprintf("%q: a probationary member has no confirmation date; if confirmed, set the category to 正式党员", v))
	}
	if !rec.JoinedDate.IsZero() && !rec.BirthDate.IsZero() {
		adult := rec.BirthDate.AddYears(18)
		if before(rec.JoinedDate, adult) {
			v := get(ColJoined)
			p.problem(row, ColJoined, v,
				fmt.Sprintf("“%s”早于年满18周岁的日期（%s），入党时应年满18周岁，请核对入党日期和出生日期", v, adult.Chinese()),
				fmt.Sprintf("%q is before the member turned 18 (%s); members join at 18 or older — check the dates", v, adult.English()))
		}
	}

	// 在职/离退休、无职党员、口头承诺
	if v := get(ColRetired); v != "" {
		switch strings.ToUpper(v) {
		case "在职", "在岗", "否", "N", "NO", "0", "FALSE", "×":
		case "离退休", "退休", "离休", "是", "Y", "YES", "1", "TRUE", "√", "✓", "✔":
			rec.Retired = true
		default:
			p.problem(row, ColRetired, v, fmt.Sprintf("“%s”无法识别，应为 在职 或 离退休（也可写 退休、离休，或 是/否）", v),
				fmt.Sprintf("%q is not recognised; write 在职 (employed) or 离退休 (retired), or 是/否 (yes/no)", v))
		}
	}
	rec.NoPost = p.yesNo(row, ColNoPost, get(ColNoPost), "无职")
	rec.Oral = p.yesNo(row, ColOral, get(ColOral), "可")

	// 文字列
	rec.Post = get(ColPost)
	rec.Branch = get(ColBranch)
	if rec.Branch == "" {
		p.problem(row, ColBranch, "", "为空，请填写该党员所在的党支部", "is empty; give the member's party branch")
	}
	rec.Group = get(ColGroup)
	rec.Remarks = get(ColRemarks)
	rec.Status = get(ColStatus)
	if rec.Status == "" {
		rec.Status = StatusNormal
	}

	// 联系电话
	if v := get(ColPhone); v != "" {
		ph, ok := normPhone(v)
		rec.Phone = ph
		if !ok {
			rec.Phone = v
			p.problem(row, ColPhone, v, fmt.Sprintf("“%s”不是有效的电话号码，应为11位手机号（如 13800138000）或带区号的固定电话（如 0731-28888888），也可留空", v),
				fmt.Sprintf("%q is not a valid phone number; write an 11-digit mobile number (e.g. 13800138000) or a landline with area code (e.g. 0731-28888888), or leave it empty", v))
		}
	}

	p.res.Records = append(p.res.Records, rec)
}

// date parses a date column; ok is false if it is empty or wrong (wrong
// dates are reported).
func (p *parser) date(row int, cells []string, col string) (civil.Date, bool) {
	v := p.cell(cells, col)
	if v == "" {
		return civil.Date{}, false
	}
	d, err := civil.Parse(v)
	if err != nil {
		var pe *civil.ParseError
		zh, en := err.Error(), err.Error()
		if errors.As(err, &pe) {
			zh, en = pe.Msg, pe.MsgEn
		}
		p.problem(row, col, v, zh+"，可写作 "+civil.AcceptedForms, en+"; accepted forms: "+civil.AcceptedFormsEn)
		return civil.Date{}, false
	}
	if d.After(p.today) {
		p.problem(row, col, v, fmt.Sprintf("“%s”晚于今天（%s），请核对", v, p.today.Dotted()),
			fmt.Sprintf("%q is after today (%s); please check", v, p.today.Dotted()))
		return d, true
	}
	return d, true
}

// before reports whether a is before b. If either date lacks the day, only
// year and month are compared, so 1980.03 is not before 1980.03.15.
func before(a, b civil.Date) bool {
	if a.D == 0 || b.D == 0 {
		return a.Y < b.Y || a.Y == b.Y && a.M < b.M
	}
	return a.Before(b)
}

// inferCategory guesses 正式/预备 when the column is empty: a member with
// a confirmation date, or who joined more than a year ago (the probation
// period is one year), is 正式.
func (p *parser) inferCategory(rec Record) string {
	if rec.ConfirmedDate.IsZero() && !rec.JoinedDate.IsZero() &&
		rec.JoinedDate.AddYears(1).After(p.today) {
		return CategoryProbation
	}
	return CategoryFull
}

// yesNo parses a yes/no column; word is an extra "yes" word such as 无职.
func (p *parser) yesNo(row int, col, v, word string) bool {
	switch strings.ToUpper(v) {
	case "":
		return false
	case "是", "√", "✓", "✔", "Y", "YES", "1", "TRUE", "有", word:
		return true
	case "否", "×", "✗", "✘", "N", "NO", "0", "FALSE", "无", "-", "/":
		return false
	}
	p.problem(row, col, v, fmt.Sprintf("“%s”无法识别，应为 是 或 否（也可写 √，或留空表示否）", v),
		fmt.Sprintf("%q is not recognised; write 是 (yes) or 否 (no), or √, or leave empty for no", v))
	return false
}

func genderEn(g string) string {
	if g == idcard.Male {
		return "male"
	}
	return "female"
}

// normName removes white space inside Chinese names ("王  芳" is often
// padded for alignment) and collapses it in others.
func normName(s string) string {
	han := false
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			han = true
			break
		}
	}
	if !han {
		return s
	}
	return strings.Join(strings.Fields(s), "")
}

// ethnicGroups are the 56 recognised ethnic groups without the 族 suffix.
var ethnicGroups = strings.Fields(`汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克
傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌
普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺`)

var ethnicSet = func() map[string]bool {
	m := make(map[string]bool, len(ethnicGroups))
	for _, e := range ethnicGroups {
		m[e] = true
	}
	return m
}()

// normEthnicity writes a known ethnic group with its 族 suffix ("汉" →
// "汉族"); other values are kept as written.
func normEthnicity(s string) string {
	if ethnicSet[s] {
		return s + "族"
	}
	return s
}

// NormPhone validates and normalises a phone number as a roster cell is.
func NormPhone(s string) (string, bool) { return normPhone(s) }

// normPhone validates and normalises a phone number: an 11-digit mobile
// number starting with 1 (a +86 prefix and spaces or dashes are removed),
// or a landline with an area code starting with 0, e.g. 0731-28888888,
// optionally with an extension.
func normPhone(s string) (string, bool) {
	s = foldWidth(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\u00A0', '\u3000':
			continue
		case '—', '–', '－', '‐':
			r = '-'
		case '（':
			r = '('
		case '）':
			r = ')'
		}
		b.WriteRune(r)
	}
	t := b.String()
	// Excel may hand over a number cell as 13800138000.0.
	t = strings.TrimSuffix(t, ".0")
	digits := strings.ReplaceAll(t, "-", "")
	digits = strings.TrimPrefix(digits, "+86")
	if len(digits) == 13 && strings.HasPrefix(digits, "86") {
		digits = digits[2:]
	}
	if len(digits) == 11 && digits[0] == '1' && isDigits(digits) {
		return digits, true
	}
	// Landline: (0731)28888888, 0731-28888888, 073128888888, with optional -ext.
	if strings.HasPrefix(t, "(") {
		if i := strings.IndexByte(t, ')'); i > 0 {
			t = t[1:i] + "-" + t[i+1:]
		}
	}
	parts := strings.Split(t, "-")
	switch len(parts) {
	case 1:
		if isDigits(t) && t[0] == '0' && len(t) >= 10 && len(t) <= 12 {
			return t, true
		}
	case 2, 3:
		area, num := parts[0], parts[1]
		ok := isDigits(area) && len(area) >= 3 && len(area) <= 4 && area[0] == '0' &&
			isDigits(num) && len(num) >= 7 && len(num) <= 8 && num[0] != '0'
		if len(parts) == 3 {
			ok = ok && isDigits(parts[2]) && len(parts[2]) >= 1 && len(parts[2]) <= 6
		}
		if ok {
			return strings.Join(parts, "-"), true
		}
	}
	return "", false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// refuseUnclean reports every recognised cell of a row that is not clean
// text (textin: NUL, control characters, invalid UTF-8) and returns the
// row with those cells sanitised, so that later checks and messages only
// ever see clean text; the row keeps its problem and is not imported.
func (p *parser) refuseUnclean(row int, cells []string) []string {
	var out []string
	for i, c := range cells {
		if i >= len(p.cols) || p.cols[i] == "" || textin.Valid(c, textin.Lines) {
			continue
		}
		if out == nil {
			out = append([]string(nil), cells...)
		}
		out[i] = textin.Sanitize(c, textin.Lines)
		p.problem(row, p.cols[i], out[i],
			"含有无法接受的字符（空字符、控制字符或无效的 UTF-8 编码），请在表格中删除这些字符后重新导入",
			"contains characters that cannot be accepted (NUL, control characters or invalid UTF-8); remove them in the sheet and import again")
	}
	if out == nil {
		return cells
	}
	return out
}
