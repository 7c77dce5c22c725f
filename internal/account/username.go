package account

import (
	"context"
	"strconv"
	"strings"

	"github.com/mozillazg/go-pinyin"

	"chuangzheng/internal/db"
)

// surnames whose reading as a surname differs from the common one.
var surnameReadings = map[string]string{
	"曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou", "覃": "qin",
	"缪": "miao", "翟": "zhai", "乐": "yue", "尉迟": "yuchi", "长孙": "zhangsun", "万俟": "moqi",
}

// Pinyin returns the toneless pinyin of a Chinese name, lower case, with
// no separators ("唐铁城" → "tangtiecheng"); ASCII letters and digits are
// kept, anything else is dropped.
func Pinyin(name string) string {
	name = strings.TrimSpace(name)
	var b strings.Builder
	rest := name
	for sur, py := range surnameReadings {
		if strings.HasPrefix(name, sur) {
			b.WriteString(py)
			rest = strings.TrimPrefix(name, sur)
			break
		}
	}
	args := pinyin.NewArgs()
	args.Fallback = func(r rune, a pinyin.Args) []string {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return []string{string(r)}
		case r >= 'A' && r <= 'Z':
			return []string{string(r + 32)}
		}
		return nil
	}
	for _, syl := range pinyin.LazyPinyin(rest, args) {
		b.WriteString(strings.ReplaceAll(syl, "ü", "v"))
	}
	return b.String()
}

// Initials returns the first letter of each syllable ("市渔场" → "syc").
func Initials(name string) string {
	args := pinyin.NewArgs()
	var b strings.Builder
	for _, syl := range pinyin.LazyPinyin(name, args) {
		if syl != "" {
			b.WriteByte(syl[0])
		}
	}
	return b.String()
}

// FreeUsername returns base if unused, else base2, base3 … (a digit added on
// a clash). Names reserved by the caller in this batch are skipped too.
func FreeUsername(ctx context.Context, tx *db.Tx, base string, reserved map[string]bool) (string, error) {
	if len(base) < 2 {
		base = "dy" + base // 党员
	}
	if len(base) > 28 {
		base = base[:28]
	}
	for i := 1; ; i++ {
		cand := base
		if i > 1 {
			cand = base + strconv.Itoa(i)
		}
		if reserved[cand] {
			continue
		}
		taken, err := UsernameTaken(ctx, tx, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
}
