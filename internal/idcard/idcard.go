// Package idcard validates and builds 公民身份号码, the 18-character
// citizen identity number of the People's Republic of China defined by
// GB 11643-1999.
//
// Layout: 6-digit address (region) code, 8-digit birth date YYYYMMDD,
// 3-digit sequence number (odd for men, even for women) and an ISO 7064
// MOD 11-2 check character (0–9 or X).
package idcard

import (
	"fmt"
	"strings"
	"time"

	"chuangzheng/internal/civil"
)

// Genders as derived from the sequence number.
const (
	Male   = "男"
	Female = "女"
)

// Info is what a valid number tells about its holder.
type Info struct {
	Number string     // normalised: 18 ASCII characters, check character upper case
	Birth  civil.Date // birth date (day precision)
	Gender string     // Male ("男") or Female ("女")
}

// Kind classifies validation errors.
type Kind int

// Validation error kinds.
const (
	ErrEmpty      Kind = iota + 1 // nothing given
	ErrOld15                      // an old 15-digit number
	ErrScientific                 // mangled by a spreadsheet into 4.30202E+17
	ErrLength                     // not 18 characters
	ErrChar                       // a non-digit among the first 17, or bad check character
	ErrRegion                     // unknown province code
	ErrBirth                      // impossible birth date
	ErrFuture                     // birth date after "now"
	ErrCheck                      // check character mismatch
)

// Error describes why a number is invalid. Msg (Simplified Chinese) and
// MsgEn (English) say exactly what is wrong, e.g. "校验位应为 7，实际为 3".
type Error struct {
	Kind  Kind
	Input string
	Msg   string
	MsgEn string
}

// Error returns the Chinese message.
func (e *Error) Error() string { return e.Msg }

func newErr(k Kind, in, msg, en string) *Error {
	return &Error{Kind: k, Input: in, Msg: msg, MsgEn: en}
}

// provinces lists the valid first two digits (province-level divisions,
// plus 71 Taiwan, 81 Hong Kong, 82 Macau, 83 for Taiwan residents' permits
// and 91 for overseas).
var provinces = map[string]string{
	"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
	"21": "辽宁", "22": "吉林", "23": "黑龙江",
	"31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
	"41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
	"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
	"61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
	"71": "台湾", "81": "香港", "82": "澳门", "83": "台湾", "91": "国外",
}

// Province returns the province-level division named by the first two
// digits of a number (e.g. "湖南" for "43…"), or "" if unknown.
func Province(number string) string {
	if len(number) < 2 {
		return ""
	}
	return provinces[number[:2]]
}

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckDigit returns the ISO 7064 MOD 11-2 check character ('0'–'9' or
// 'X') for the first 17 digits of a number. It returns 0 if first17 is not
// exactly 17 ASCII digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// Make builds a valid 18-digit number from a 6-digit region code (e.g.
// "430202", 株洲市荷塘区), a birth date and a sequence number 0–999 (odd for
// a man, even for a woman). A month-precision birth date uses the 1st. It
// is meant for demo data and tests and panics on malformed arguments; the
// result validates only if the region's first two digits are a known
// province and birth is not in the future.
func Make(region string, birth civil.Date, seq int) string {
	if len(region) != 6 || strings.Trim(region, "0123456789") != "" {
		panic(fmt.Sprintf("idcard.Make: region %q is not 6 digits", region))
	}
	if seq < 0 || seq > 999 {
		panic(fmt.Sprintf("idcard.Make: sequence %d out of range 0–999", seq))
	}
	if birth.IsZero() || !birth.Valid() || birth.Y < 1000 {
		panic(fmt.Sprintf("idcard.Make: invalid birth date %+v", birth))
	}
	d := birth.D
	if d == 0 {
		d = 1
	}
	first := fmt.Sprintf("%s%04d%02d%02d%03d", region, birth.Y, birth.M, d, seq)
	return first + string(CheckDigit(first))
}

// ValidateAt checks that s is a valid 18-character citizen identity number
// whose birth date is not after now. Surrounding and embedded spaces,
// full-width digits and a lower-case x are tolerated and normalised. Old
// 15-digit numbers are rejected with a message asking for the 18-digit
// form. Errors are *Error.
func ValidateAt(s string, now time.Time) (Info, error) {
	in := strings.TrimSpace(s)
	n := normalise(s)
	if n == "" {
		return Info{}, newErr(ErrEmpty, in, "公民身份号码为空", "the citizen ID number is empty")
	}
	if looksScientific(n) {
		return Info{}, newErr(ErrScientific, in,
			fmt.Sprintf("“%s”是被 Excel 转成科学计数法的数字，后几位已经丢失；请把该列设为“文本”格式后重新录入完整的18位号码", in),
			fmt.Sprintf("%q was turned into a number in scientific notation by Excel and its last digits are lost; format the column as Text and enter the full 18-character number again", in))
	}
	runes := []rune(n)
	if len(runes) == 15 && allDigits(n) {
		return Info{}, newErr(ErrOld15, in,
			fmt.Sprintf("“%s”是15位旧身份证号码，请换算为18位公民身份号码后再填写", in),
			fmt.Sprintf("%q is an old 15-digit ID number; convert it to the 18-character number first", in))
	}
	if len(runes) != 18 {
		return Info{}, newErr(ErrLength, in,
			fmt.Sprintf("公民身份号码应为18位，“%s”是%d位", in, len(runes)),
			fmt.Sprintf("a citizen ID number has 18 characters; %q has %d", in, len(runes)))
	}
	for i, r := range runes[:17] {
		if r < '0' || r > '9' {
			return Info{}, newErr(ErrChar, in,
				fmt.Sprintf("公民身份号码前17位应全为数字，第%d位是“%c”", i+1, r),
				fmt.Sprintf("the first 17 characters of a citizen ID number must be digits; character %d is %q", i+1, r))
		}
	}
	if last := runes[17]; !(last >= '0' && last <= '9' || last == 'X') {
		return Info{}, newErr(ErrChar, in,
			fmt.Sprintf("公民身份号码第18位（校验位）应为数字或 X，实际为“%c”", last),
			fmt.Sprintf("the 18th character (check character) must be a digit or X, not %q", last))
	}
	if _, ok := provinces[n[:2]]; !ok {
		return Info{}, newErr(ErrRegion, in,
			fmt.Sprintf("公民身份号码前两位“%s”不是有效的省级行政区划代码", n[:2]),
			fmt.Sprintf("the first two digits %q are not a valid province code", n[:2]))
	}
	y, m, d := atoi(n[6:10]), atoi(n[10:12]), atoi(n[12:14])
	birth := civil.Date{Y: y, M: m, D: d}
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > civil.DaysIn(y, m) {
		return Info{}, newErr(ErrBirth, in,
			fmt.Sprintf("公民身份号码第7–14位“%s”不是有效的出生日期", n[6:14]),
			fmt.Sprintf("characters 7–14 %q are not a valid birth date", n[6:14]))
	}
	if birth.After(civil.FromTime(now)) {
		return Info{}, newErr(ErrFuture, in,
			fmt.Sprintf("公民身份号码中的出生日期 %s 晚于今天", birth.Chinese()),
			fmt.Sprintf("the birth date in the ID number, %s, is in the future", birth.English()))
	}
	if want := CheckDigit(n[:17]); want != n[17] {
		return Info{}, newErr(ErrCheck, in,
			fmt.Sprintf("公民身份号码校验位应为 %c，实际为 %c，请核对号码是否有误", want, n[17]),
			fmt.Sprintf("the check character should be %c but is %c; please check the number for typos", want, n[17]))
	}
	g := Female
	if (n[16]-'0')%2 == 1 {
		g = Male
	}
	return Info{Number: n, Birth: birth, Gender: g}, nil
}

// normalise removes white space, folds full-width characters to ASCII and
// upper-cases x.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch r {
		case ' ', '\t', '\n', '\r', 0x3000, 0xA0, '\'', '`', '‘', '’':
			// spaces, and the apostrophe Excel users type to force text
			continue
		case 'x':
			r = 'X'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// looksScientific reports whether s looks like 4.30202198507E+17.
func looksScientific(s string) bool {
	u := strings.ToUpper(s)
	mant, exp, ok := strings.Cut(u, "E+")
	if !ok || mant == "" || exp == "" || !allDigits(exp) {
		return false
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	return intPart != "" && allDigits(intPart) && allDigits(frac)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
