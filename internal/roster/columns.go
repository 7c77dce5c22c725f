package roster

import (
	"strings"
	"unicode"

	"chuangzheng/internal/textin"
)

// Canonical column names, in the order Write uses.
const (
	ColName      = "姓名"
	ColGender    = "性别"
	ColID        = "公民身份号码"
	ColEthnicity = "民族"
	ColBirth     = "出生日期"
	ColEducation = "学历"
	ColCategory  = "人员类别"
	ColJoined    = "入党日期"
	ColConfirmed = "转正日期"
	ColRetired   = "在职/离退休"
	ColNoPost    = "无职党员"
	ColPost      = "工作岗位/职务"
	ColBranch    = "所在支部"
	ColGroup     = "党小组"
	ColPhone     = "联系电话"
	ColStatus    = "党籍状态"
	ColOral      = "口头承诺"
	ColRemarks   = "备注"
)

// column describes one recognised roster column.
type column struct {
	name     string   // canonical Chinese name
	en       string   // English name for messages
	synonyms []string // accepted headers (besides name), before normalisation
}

// columns lists every recognised column in export order.
var columns = []column{
	{ColName, "name", []string{"名字", "党员姓名", "姓 名"}},
	{ColGender, "gender", []string{"性 别"}},
	{ColID, "citizen ID number", []string{"身份证号", "身份证号码", "身份证", "公民身份证号码", "公民身份证号", "公民身份号", "身份证件号码", "证件号码", "居民身份证号码"}},
	{ColEthnicity, "ethnicity", []string{"民 族"}},
	{ColBirth, "birth date", []string{"出生年月", "生日", "出生年月日", "出生时间", "出生日期(年月日)"}},
	{ColEducation, "education", []string{"文化程度", "学历学位", "最高学历", "全日制学历", "学历(学位)"}},
	{ColCategory, "category", []string{"党员类别", "类别", "党员类型", "人员类型", "党员身份", "正式/预备"}},
	{ColJoined, "date joined", []string{"入党时间", "入党年月", "入党年月日", "加入党组织日期", "入党日期(年月日)"}},
	{ColConfirmed, "date confirmed", []string{"转正时间", "转正年月", "转为正式党员日期", "转正年月日"}},
	{ColRetired, "employment status", []string{"是否离退休", "人员状态", "在职或离退休", "在职/退休", "离退休", "在职状态", "在职情况", "是否退休", "工作状态", "在职/离休/退休", "离退休情况"}},
	{ColNoPost, "no-post member", []string{"是否无职党员", "无职"}},
	{ColPost, "post", []string{"工作岗位", "职务", "工作岗位及职务", "单位职务", "工作单位及职务", "岗位", "岗位/职务", "职务/岗位", "现任职务", "工作单位及职务(岗位)"}},
	{ColBranch, "branch", []string{"支部", "所在党支部", "党支部", "支部名称", "所属支部", "所属党支部", "所在党组织", "党组织名称", "所在党组织名称", "所属党组织"}},
	{ColGroup, "party group", []string{"所在党小组", "党小组名称", "所属党小组"}},
	{ColPhone, "phone", []string{"电话", "手机", "手机号码", "手机号", "电话号码", "联系方式", "联系电话(手机)", "移动电话", "联系手机"}},
	{ColStatus, "membership status", []string{"党籍", "党员状态"}},
	{ColOral, "oral pledge", []string{"可口头承诺", "是否口头承诺"}},
	{ColRemarks, "remarks", []string{"备 注", "说明"}},
}

// Required columns: a file without them cannot be imported.
var required = []string{ColName, ColID, ColBranch}

// headerIndex maps a normalised header to a canonical column name.
var headerIndex = func() map[string]string {
	m := map[string]string{}
	for _, c := range columns {
		m[normHeader(c.name)] = c.name
		for _, s := range c.synonyms {
			m[normHeader(s)] = c.name
		}
	}
	return m
}()

// colInfo returns the description of a canonical column.
func colInfo(name string) column {
	for _, c := range columns {
		if c.name == name {
			return c
		}
	}
	return column{name: name, en: name}
}

// accepted lists the headers accepted for a column, for messages.
func accepted(name string) string {
	c := colInfo(name)
	all := append([]string{c.name}, c.synonyms...)
	if len(all) == 1 {
		return all[0]
	}
	return strings.Join(all[:len(all)-1], "、") + " 或 " + all[len(all)-1]
}

// matchHeader returns the canonical column for a header cell, or "".
func matchHeader(h string) string {
	return headerIndex[normHeader(h)]
}

// matchHeader is matchHeader after the office's own mapping.
func (p *parser) matchHeader(h string) string {
	if name, ok := p.opts.ColumnMap[textin.Sanitize(clean(h), textin.Line)]; ok {
		if FieldOf(name) == 0 { // "" or not a canonical column: ignore
			return ""
		}
		return name
	}
	return matchHeader(h)
}

// Fields is a set of canonical columns.
type Fields uint32

// FieldOf is the set holding one canonical column (empty for an unknown name).
func FieldOf(name string) Fields {
	for i, c := range columns {
		if c.name == name {
			return 1 << i
		}
	}
	return 0
}

// Has reports whether the set holds the canonical column name.
func (f Fields) Has(name string) bool { return f&FieldOf(name) != 0 }

// ColumnNames lists the canonical columns in export order (for the
// preview's column mapping).
func ColumnNames() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}

// ColumnEn is the English name of a canonical column.
func ColumnEn(name string) string { return colInfo(name).en }

// ColumnUse accounts for one header cell of the file.
type ColumnUse struct {
	Header    string `json:"header"`              // as written
	Column    string `json:"column,omitempty"`    // canonical column it fills; "" if not read
	Manual    bool   `json:"manual,omitempty"`    // mapped (or ignored) by the office on the preview page
	RowLabel  bool   `json:"row_label,omitempty"` // 序号: names the rows in messages
	Duplicate string `json:"duplicate,omitempty"` // a second column for this field: not read
}

// isSeqHeader recognises the serial-number column offices put first.
func isSeqHeader(h string) bool {
	switch normHeader(h) {
	case "序号", "序", "编号", "no", "号", "排序", "顺序号":
		return true
	}
	return false
}

// normHeader folds full-width characters, drops white space, notes in
// brackets, required-field stars, colons and separators such as "/" and
// "、", and lower-cases ASCII letters.
func normHeader(s string) string {
	s = foldWidth(s)
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '【', '〔', '<', '《':
			depth++
			continue
		case ')', ']', '】', '〕', '>', '》':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth > 0 || unicode.IsSpace(r) || isInvisible(r) {
			continue
		}
		switch r {
		case '*', ':', '/', '\\', '、', '|', '_', '-', '.', '·':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// foldWidth maps full-width ASCII variants to ASCII and the ideographic
// space to a normal space.
func foldWidth(s string) string {
	needs := false
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 {
			needs = true
			break
		}
	}
	if !needs {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

// isInvisible reports zero-width and BOM characters that sneak into cells.
func isInvisible(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return false
}

// cleanLines is clean for multi-line text such as 备注: each line is
// cleaned, blank lines are dropped and line breaks are kept.
func cleanLines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return clean(s)
	}
	var out []string
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if c := clean(line); c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, "\n")
}

// clean trims a cell value: white space (including the ideographic space
// and NBSP) at both ends is removed, invisible characters are dropped, and
// inner runs of white space become one space.
func clean(s string) string {
	if s == "" {
		return s
	}
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c < 0x21 {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if isInvisible(r) {
			continue
		}
		if unicode.IsSpace(r) || r == 0x3000 || r == 0xA0 {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// CleanCell trims a value the way cells are trimmed: white space at both
// ends removed, inner runs made one space, invisible characters dropped.
func CleanCell(s string) string { return clean(s) }
