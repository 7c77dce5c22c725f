// Package civil provides Date, a calendar date without time of day or time
// zone that may be known only to the month (出生年月、入党年月 are often
// recorded that way in party rosters).
//
// The zero Date means "empty / unknown". The canonical storage form, produced
// by String and accepted by ParseStorage, is "1985-07-01" for a full date and
// "1985-07" for a month-precision date. Parse is the lenient parser for user
// input (花名册 cells, form fields) and accepts the many ways dates are
// written in Chinese spreadsheets, including raw Excel date serials.
package civil

import (
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Date is a civil (calendar) date. D == 0 means the date is known only to the
// month. The zero value (all fields zero) means empty / unknown.
type Date struct {
	Y, M, D int
}

// IsZero reports whether d is the zero (empty) date.
func (d Date) IsZero() bool { return d == Date{} }

// HasDay reports whether d is a full date (day precision).
func (d Date) HasDay() bool { return d.D != 0 }

// String returns the canonical storage form: "1985-07-01", "1985-07" for a
// month-precision date, and "" for the zero date.
func (d Date) String() string {
	switch {
	case d.IsZero():
		return ""
	case d.D == 0:
		return fmt.Sprintf("%04d-%02d", d.Y, d.M)
	default:
		return fmt.Sprintf("%04d-%02d-%02d", d.Y, d.M, d.D)
	}
}

// Chinese returns the date as written in Chinese prose: "1985年7月1日" or
// "1985年7月"; "" for the zero date.
func (d Date) Chinese() string {
	switch {
	case d.IsZero():
		return ""
	case d.D == 0:
		return fmt.Sprintf("%d年%d月", d.Y, d.M)
	default:
		return fmt.Sprintf("%d年%d月%d日", d.Y, d.M, d.D)
	}
}

// Dotted returns the form customary in rosters: "1985.07.01" or "1985.07";
// "" for the zero date.
func (d Date) Dotted() string {
	switch {
	case d.IsZero():
		return ""
	case d.D == 0:
		return fmt.Sprintf("%04d.%02d", d.Y, d.M)
	default:
		return fmt.Sprintf("%04d.%02d.%02d", d.Y, d.M, d.D)
	}
}

// English returns a human-readable English form such as "1 Jul 1985" or
// "Jul 1985"; "" for the zero date.
func (d Date) English() string {
	if d.IsZero() {
		return ""
	}
	mon := "???"
	if d.M >= 1 && d.M <= 12 {
		mon = time.Month(d.M).String()[:3]
	}
	if d.D == 0 {
		return fmt.Sprintf("%s %d", mon, d.Y)
	}
	return fmt.Sprintf("%d %s %d", d.D, mon, d.Y)
}

// day returns the day, treating a missing day as 1.
func (d Date) day() int {
	if d.D == 0 {
		return 1
	}
	return d.D
}

// Compare returns -1, 0 or +1 depending on whether d is before, equal to or
// after o. A missing day counts as the 1st, so 1985-07 equals 1985-07-01.
// The zero Date sorts before every other date.
func (d Date) Compare(o Date) int {
	a := [3]int{d.Y, d.M, d.day()}
	b := [3]int{o.Y, o.M, o.day()}
	if d.IsZero() {
		a[2] = 0
	}
	if o.IsZero() {
		b[2] = 0
	}
	for i := range a {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// Before reports whether d is strictly before o, treating a missing day as the
// 1st of the month (so 1985-07 is not before 1985-07-01).
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is strictly after o (missing day counts as the 1st).
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// AddYears returns d moved by n years, keeping the precision. 29 February
// becomes 28 February in a non-leap target year. The zero date stays zero.
func (d Date) AddYears(n int) Date {
	if d.IsZero() {
		return d
	}
	r := Date{Y: d.Y + n, M: d.M, D: d.D}
	if r.D > 0 && r.D > DaysIn(r.Y, r.M) {
		r.D = DaysIn(r.Y, r.M)
	}
	return r
}

// Time returns midnight UTC at the start of d (the 1st of the month for a
// month-precision date). The zero Date gives the zero time.Time.
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.Y, time.Month(d.M), d.day(), 0, 0, 0, 0, time.UTC)
}

// FromTime returns the calendar date of t in t's location. The zero time.Time
// gives the zero Date.
func FromTime(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, dd := t.Date()
	return Date{Y: y, M: int(m), D: dd}
}

// IsLeap reports whether y is a leap year in the Gregorian calendar.
func IsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DaysIn returns the number of days in month m (1–12) of year y, or 0 for an
// invalid month.
func DaysIn(y, m int) int {
	switch m {
	case 1, 3, 5, 7, 8, 10, 12:
		return 31
	case 4, 6, 9, 11:
		return 30
	case 2:
		if IsLeap(y) {
			return 29
		}
		return 28
	}
	return 0
}

// Valid reports whether d is zero or a real calendar date (year 1–9999,
// month 1–12, day 0 or within the month).
func (d Date) Valid() bool {
	if d.IsZero() {
		return true
	}
	return d.Y >= 1 && d.Y <= 9999 && d.M >= 1 && d.M <= 12 && d.D >= 0 && d.D <= DaysIn(d.Y, d.M)
}

// ParseStorage parses the canonical storage form written by String:
// "YYYY-MM-DD", "YYYY-MM" or "" (the zero date). It is strict; use Parse
// for user input.
func ParseStorage(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	bad := func() (Date, error) {
		return Date{}, &ParseError{
			Input: s,
			Msg:   fmt.Sprintf("“%s”不是规范的日期存储格式（应为 YYYY-MM-DD 或 YYYY-MM）", s),
			MsgEn: fmt.Sprintf("%q is not a canonical stored date (want YYYY-MM-DD or YYYY-MM)", s),
		}
	}
	if len(s) != 7 && len(s) != 10 {
		return bad()
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return bad()
			}
		} else if s[i] < '0' || s[i] > '9' {
			return bad()
		}
	}
	d := Date{Y: atoi(s[0:4]), M: atoi(s[5:7])}
	if len(s) == 10 {
		d.D = atoi(s[8:10])
		if d.D == 0 {
			return bad()
		}
	}
	if d.IsZero() || !d.Valid() {
		return bad()
	}
	return d, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Scan implements database/sql.Scanner. It accepts NULL, "" (both the zero
// date), the storage form as string or []byte, and time.Time.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case string:
		p, err := ParseStorage(v)
		if err != nil {
			return err
		}
		*d = p
		return nil
	case []byte:
		p, err := ParseStorage(string(v))
		if err != nil {
			return err
		}
		*d = p
		return nil
	case time.Time:
		*d = FromTime(v)
		return nil
	}
	return fmt.Errorf("civil: cannot scan %T into Date", src)
}

// Value implements database/sql/driver.Valuer. The date is stored as TEXT in
// its canonical form; the zero date is stored as NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// MarshalText implements encoding.TextMarshaler using the storage form.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It accepts everything
// Parse accepts, and "" for the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	if p, err := ParseStorage(string(b)); err == nil {
		*d = p
		return nil
	}
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ParseError describes input that Parse (or ParseStorage) could not accept.
// Msg is Simplified Chinese and MsgEn its English twin; both are complete
// sentences naming the input.
type ParseError struct {
	Input string // the input as given
	Msg   string // Chinese message
	MsgEn string // English message
}

// Error returns the Chinese message.
func (e *ParseError) Error() string { return e.Msg }

// Accepted forms, for messages shown to users.
const (
	AcceptedForms   = "1985.07、1985年7月、1985-07-01 或 Excel 日期"
	AcceptedFormsEn = "1985.07, 1985年7月, 1985-07-01 or an Excel date"
)

// Year bounds accepted by Parse.
const (
	MinYear = 1900
	MaxYear = 2100
)

// Excel serial bounds: 1 = 1900-01-01, 2958465 = 9999-12-31.
const (
	minSerial = 1
	maxSerial = 2958465
)

// Parse parses a date as written by people and spreadsheets. Accepted forms
// (surrounding spaces and full-width characters are tolerated):
//
//	1985.07  1985.7  1985.07.01  1985.7.1
//	1985年7月  1985年7月1日
//	1985-07  1985-07-01  1985/07  1985/7/1
//	19850701  198507
//	31229  31229.0  (Excel 1900-system date serial; the time part is dropped)
//
// A trailing time of day ("1985-07-01 00:00:00") is ignored. The year must
// be within 1900–2100 and the date must exist. The empty string is an error;
// callers that allow empty dates should check for "" first.
func Parse(s string) (Date, error) {
	in := s
	t := normalise(s)
	if t == "" {
		return Date{}, perr(in, "日期为空", "the date is empty")
	}
	t = stripTime(t)

	// Plain numbers: YYYYMMDD, YYYYMM, or an Excel serial.
	if isNumber(t) {
		return parseNumber(in, t)
	}

	// Split into digit groups separated by . - / 年 月 日.
	var parts []string
	var seps []string
	cur := strings.Builder{}
	sep := strings.Builder{}
	for _, r := range t {
		if r >= '0' && r <= '9' {
			if sep.Len() > 0 {
				seps = append(seps, sep.String())
				sep.Reset()
			}
			cur.WriteRune(r)
			continue
		}
		if cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
		if len(parts) == 0 {
			return Date{}, unrecognised(in)
		}
		switch r {
		case '.', '-', '/', '年', '月', '日', ' ':
			sep.WriteRune(r)
		default:
			return Date{}, unrecognised(in)
		}
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	trailing := sep.String()
	if len(parts) >= 2 && len(parts) <= 3 && len(parts[0]) == 2 {
		return Date{}, shortYear(in)
	}
	if len(parts) < 2 || len(parts) > 3 || len(parts[0]) != 4 {
		return Date{}, unrecognised(in)
	}
	for _, p := range parts[1:] {
		if len(p) > 2 {
			return Date{}, unrecognised(in)
		}
	}
	// Separators: each must be a single recognised separator (spaces
	// around them are fine).
	// Chinese style (年/月/日) and ASCII separators must not be mixed.
	chineseStyle := len(seps) > 0 && strings.ReplaceAll(seps[0], " ", "") == "年"
	for i, sp := range seps {
		sp = strings.ReplaceAll(sp, " ", "")
		var ok bool
		if chineseStyle {
			ok = (i == 0 && sp == "年") || (i == 1 && sp == "月")
		} else {
			ok = sp == "." || sp == "-" || sp == "/"
		}
		if !ok {
			return Date{}, unrecognised(in)
		}
	}
	trailing = strings.ReplaceAll(trailing, " ", "")
	switch {
	case trailing == "":
	case chineseStyle && len(parts) == 2 && trailing == "月":
	case chineseStyle && len(parts) == 3 && trailing == "日":
	case !chineseStyle && trailing == ".":
	default:
		return Date{}, unrecognised(in)
	}
	d := Date{Y: atoi(parts[0]), M: atoi(parts[1])}
	if len(parts) == 3 {
		d.D = atoi(parts[2])
		if d.D == 0 {
			return Date{}, perr(in,
				fmt.Sprintf("“%s”不是有效日期（日不能为0）", in),
				fmt.Sprintf("%q is not a valid date (day cannot be 0)", in))
		}
	}
	return check(in, d)
}

func parseNumber(in, t string) (Date, error) {
	intPart, frac, hasDot := strings.Cut(t, ".")
	if !hasDot {
		switch len(intPart) {
		case 8: // YYYYMMDD
			d := Date{Y: atoi(intPart[:4]), M: atoi(intPart[4:6]), D: atoi(intPart[6:])}
			if d.D == 0 {
				return Date{}, perr(in,
					fmt.Sprintf("“%s”不是有效日期（日不能为0）", in),
					fmt.Sprintf("%q is not a valid date (day cannot be 0)", in))
			}
			return check(in, d)
		case 6: // YYYYMM, only when it looks like one
			y, m := atoi(intPart[:4]), atoi(intPart[4:])
			if y >= MinYear && y <= MaxYear && m >= 1 && m <= 12 {
				return check(in, Date{Y: y, M: m})
			}
		case 4:
			if y := atoi(intPart); y >= MinYear && y <= MaxYear {
				return Date{}, perr(in,
					fmt.Sprintf("“%s”只有年份，缺少月份", in),
					fmt.Sprintf("%q has only a year; the month is missing", in))
			}
		}
	}
	// "85.07" is a year written with two digits, not serial 85 (1900-03-25).
	if hasDot && len(intPart) <= 2 && strings.Trim(frac, "0") != "" {
		return Date{}, shortYear(in)
	}
	if len(intPart) > 7 {
		return Date{}, unrecognised(in)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Date{}, unrecognised(in)
	}
	n := int(math.Floor(f))
	if n < minSerial || n > maxSerial {
		return Date{}, perr(in,
			fmt.Sprintf("“%s”不是有效的 Excel 日期序号（应在 %d 到 %d 之间）", in, minSerial, maxSerial),
			fmt.Sprintf("%q is not a valid Excel date serial (must be between %d and %d)", in, minSerial, maxSerial))
	}
	return check(in, FromSerial(n))
}

// FromSerial converts an Excel 1900-date-system serial number (1 =
// 1900-01-01) to a Date. Excel wrongly treats 1900 as a leap year; serial 60
// is the nonexistent 1900-02-29 and is mapped to 1900-02-28 (serials above 60
// are correct dates). Serials below 1 give the zero Date.
func FromSerial(n int) Date {
	if n < 1 {
		return Date{}
	}
	if n == 60 {
		return Date{Y: 1900, M: 2, D: 28}
	}
	if n > 60 {
		n-- // skip the phantom 29 Feb 1900
	}
	t := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	return FromTime(t)
}

// Serial returns the Excel 1900-system serial number of d (the 1st for a
// month-precision date), the inverse of FromSerial for dates after
// 1900-02-28. The zero Date gives 0.
func (d Date) Serial() int {
	if d.IsZero() {
		return 0
	}
	days := int(d.Time().Sub(time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	if days >= 60 {
		days++
	}
	return days
}

// check validates the ranges of a parsed date.
func check(in string, d Date) (Date, error) {
	if d.Y < MinYear || d.Y > MaxYear {
		return Date{}, perr(in,
			fmt.Sprintf("“%s”不是有效日期（年份应在%d到%d之间）", in, MinYear, MaxYear),
			fmt.Sprintf("%q is not a valid date (the year must be between %d and %d)", in, MinYear, MaxYear))
	}
	if d.M < 1 || d.M > 12 {
		return Date{}, perr(in,
			fmt.Sprintf("“%s”不是有效日期（没有%d月）", in, d.M),
			fmt.Sprintf("%q is not a valid date (there is no month %d)", in, d.M))
	}
	if n := DaysIn(d.Y, d.M); d.D > n {
		return Date{}, perr(in,
			fmt.Sprintf("“%s”不是有效日期（%d年%d月只有%d天）", in, d.Y, d.M, n),
			fmt.Sprintf("%q is not a valid date (%s %d has only %d days)", in, time.Month(d.M), d.Y, n))
	}
	return d, nil
}

func perr(in, msg, en string) *ParseError {
	return &ParseError{Input: in, Msg: msg, MsgEn: en}
}

func unrecognised(in string) *ParseError {
	return perr(in,
		fmt.Sprintf("“%s”不是可识别的日期", in),
		fmt.Sprintf("%q is not a recognisable date", in))
}

func shortYear(in string) *ParseError {
	return perr(in,
		fmt.Sprintf("“%s”不是可识别的日期（年份应写全4位，如 1985.07）", in),
		fmt.Sprintf("%q is not a recognisable date (write the year with 4 digits, e.g. 1985.07)", in))
}

func isNumber(t string) bool {
	dots := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && i > 0 && i < len(t)-1:
			dots++
		default:
			return false
		}
	}
	return dots <= 1 && !(dots == 1 && looksDotted(t))
}

// looksDotted reports whether a number-looking "1985.07" is really a
// year.month date rather than a fractional serial.
func looksDotted(t string) bool {
	i := strings.IndexByte(t, '.')
	return i == 4 && len(t)-i-1 <= 2 && t[0] != '0'
}

// stripTime removes a trailing " HH:MM" or " HH:MM:SS" time of day.
func stripTime(t string) string {
	i := strings.LastIndexByte(t, ' ')
	if i < 0 {
		return t
	}
	tail := t[i+1:]
	colons := 0
	for j := 0; j < len(tail); j++ {
		switch c := tail[j]; {
		case c == ':':
			colons++
		case c >= '0' && c <= '9':
		default:
			return t
		}
	}
	if colons == 0 || colons > 2 {
		return t
	}
	return strings.TrimSpace(t[:i])
}

// normalise folds full-width ASCII variants and the ideographic space to
// ASCII, collapses runs of white space and trims.
func normalise(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000, r == '\t', r == '\n', r == '\r', r == 0xA0:
			r = ' '
		case r == '．' || r == '。':
			r = '.'
		}
		if r == ' ' {
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
