package idcard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/civil"
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// withCheck returns first17 plus its correct check character.
func withCheck(tb testing.TB, first17 string) string {
	tb.Helper()
	c := CheckDigit(first17)
	if c == 0 {
		tb.Fatalf("CheckDigit(%q) = 0", first17)
	}
	return first17 + string(c)
}

// wrongCheck returns first17 plus a deliberately wrong check character.
func wrongCheck(tb testing.TB, first17 string) (string, byte) {
	tb.Helper()
	c := CheckDigit(first17)
	w := byte('0')
	if c == '0' {
		w = '1'
	}
	return first17 + string(w), c
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'}, // the example in GB 11643-1999
		{"43020219850701123", CheckDigit("43020219850701123")},
		{"1101051949123100", 0},
		{"110105194912310021", 0},
		{"1101051949123100A", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := CheckDigit(tt.in); got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Every residue maps to a distinct character.
	seen := map[byte]bool{}
	for i := 0; i < 1000 && len(seen) < 11; i++ {
		seen[CheckDigit(Make("430202", civil.Date{Y: 1985, M: 7, D: 1}, i)[:17])] = true
	}
	if len(seen) != 11 {
		t.Errorf("only %d distinct check characters seen", len(seen))
	}
}

func TestValidateOK(t *testing.T) {
	tests := []struct {
		in     string
		number string
		birth  civil.Date
		gender string
	}{
		{"11010519491231002X", "11010519491231002X", civil.Date{Y: 1949, M: 12, D: 31}, Female},
		{"11010519491231002x", "11010519491231002X", civil.Date{Y: 1949, M: 12, D: 31}, Female},
		{" 110105 19491231 002X ", "11010519491231002X", civil.Date{Y: 1949, M: 12, D: 31}, Female},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", civil.Date{Y: 1949, M: 12, D: 31}, Female},
		{"'11010519491231002X", "11010519491231002X", civil.Date{Y: 1949, M: 12, D: 31}, Female},
		{Make("430202", civil.Date{Y: 1985, M: 7, D: 1}, 123), Make("430202", civil.Date{Y: 1985, M: 7, D: 1}, 123), civil.Date{Y: 1985, M: 7, D: 1}, Male},
		{Make("430202", civil.Date{Y: 2000, M: 2, D: 29}, 8), Make("430202", civil.Date{Y: 2000, M: 2, D: 29}, 8), civil.Date{Y: 2000, M: 2, D: 29}, Female},
		{Make("910000", civil.Date{Y: 2024, M: 6, D: 1}, 1), Make("910000", civil.Date{Y: 2024, M: 6, D: 1}, 1), civil.Date{Y: 2024, M: 6, D: 1}, Male},
		{Make("810000", civil.Date{Y: 1900, M: 1, D: 1}, 0), Make("810000", civil.Date{Y: 1900, M: 1, D: 1}, 0), civil.Date{Y: 1900, M: 1, D: 1}, Female},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			info, err := ValidateAt(tt.in, now)
			if err != nil {
				t.Fatalf("ValidateAt(%q): %v", tt.in, err)
			}
			want := Info{Number: tt.number, Birth: tt.birth, Gender: tt.gender}
			if info != want {
				t.Errorf("got %+v, want %+v", info, want)
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	good17 := "43020219850701123"
	bad, want := wrongCheck(t, good17)
	tests := []struct {
		name   string
		in     string
		kind   Kind
		zh, en string
	}{
		{"empty", "", ErrEmpty, "为空", "empty"},
		{"spaces", "   ", ErrEmpty, "为空", "empty"},
		{"15 digits", "430202850701123", ErrOld15, "15位旧身份证号码，请换算为18位", "15-digit"},
		{"scientific", "4.30202198507011E+17", ErrScientific, "科学计数法", "scientific notation"},
		{"scientific lower", "4.30202e+17", ErrScientific, "科学计数法", "scientific"},
		{"short", "4302021985070112", ErrLength, "应为18位，“4302021985070112”是16位", "has 16"},
		{"long", "4302021985070112345", ErrLength, "是19位", "has 19"},
		{"letter inside", "43020219850A01123X", ErrChar, "第12位是“A”", "character 12"},
		{"bad check char", "43020219850701123Y", ErrChar, "校验位）应为数字或 X，实际为“Y”", "must be a digit or X"},
		{"region 00", withCheck(t, "00020219850701123"), ErrRegion, "前两位“00”", "province code"},
		{"region 99", withCheck(t, "99020219850701123"), ErrRegion, "“99”", "\"99\""},
		{"region 16", withCheck(t, "16020219850701123"), ErrRegion, "“16”", "\"16\""},
		{"feb 30", withCheck(t, "43020219850230123"), ErrBirth, "第7–14位“19850230”不是有效的出生日期", "not a valid birth date"},
		{"month 13", withCheck(t, "43020219851301123"), ErrBirth, "“19851301”", "19851301"},
		{"day 00", withCheck(t, "43020219850700123"), ErrBirth, "“19850700”", "19850700"},
		{"1899", withCheck(t, "43020218991231123"), ErrBirth, "“18991231”", "18991231"},
		{"1900 leap", withCheck(t, "43020219000229123"), ErrBirth, "“19000229”", "19000229"},
		{"future", withCheck(t, "43020220240602123"), ErrFuture, "2024年6月2日 晚于今天", "in the future"},
		{"check", bad, ErrCheck, "校验位应为 " + string(want) + "，实际为 " + bad[17:], "should be " + string(want)},
		{"check lower x", "11010519491231003x", ErrCheck, "校验位应为", "check character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := ValidateAt(tt.in, now)
			if err == nil {
				t.Fatalf("ValidateAt(%q) = %+v, want error", tt.in, info)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Kind != tt.kind {
				t.Errorf("Kind = %d, want %d (%s)", e.Kind, tt.kind, e.Msg)
			}
			if !strings.Contains(e.Msg, tt.zh) {
				t.Errorf("Msg = %q, want substring %q", e.Msg, tt.zh)
			}
			if !strings.Contains(e.MsgEn, tt.en) {
				t.Errorf("MsgEn = %q, want substring %q", e.MsgEn, tt.en)
			}
			if e.Error() != e.Msg {
				t.Errorf("Error() should return the Chinese message")
			}
		})
	}
}

func TestAllProvinces(t *testing.T) {
	codes := []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83", "91"}
	if len(codes) != len(provinces) {
		t.Fatalf("province table has %d entries, want %d", len(provinces), len(codes))
	}
	for _, c := range codes {
		n := Make(c+"0000", civil.Date{Y: 1970, M: 1, D: 1}, 11)
		if _, err := ValidateAt(n, now); err != nil {
			t.Errorf("province %s: %v", c, err)
		}
		if Province(n) == "" {
			t.Errorf("Province(%s) empty", n)
		}
	}
	if Province("4") != "" || Province("99") != "" {
		t.Error("Province should be empty for unknown codes")
	}
}

func TestValidateUsesNow(t *testing.T) {
	// 02:30 on 2 June in Beijing is still 1 June in UTC: the day is now's own.
	beijing := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 6, 1, 18, 30, 0, 0, time.UTC).In(beijing)
	n := Make("430202", civil.Date{Y: 2026, M: 6, D: 2}, 1)
	if _, err := ValidateAt(n, now); err != nil {
		t.Errorf("ValidateAt(born today) = %v", err)
	}
	if _, err := ValidateAt(n, now.UTC()); err == nil {
		t.Errorf("ValidateAt(born tomorrow, in UTC) succeeded")
	}
	n = Make("430202", civil.FromTime(now.AddDate(0, 0, 2)), 1)
	if _, err := ValidateAt(n, now); err == nil {
		t.Errorf("ValidateAt(born the day after tomorrow) succeeded")
	}
}

func TestMake(t *testing.T) {
	n := Make("430202", civil.Date{Y: 1985, M: 7}, 7)
	if !strings.HasPrefix(n, "43020219850701007") || len(n) != 18 {
		t.Errorf("Make = %q", n)
	}
	for _, tt := range []struct {
		name   string
		region string
		birth  civil.Date
		seq    int
	}{
		{"short region", "4302", civil.Date{Y: 1985, M: 7, D: 1}, 1},
		{"letters", "43020A", civil.Date{Y: 1985, M: 7, D: 1}, 1},
		{"seq", "430202", civil.Date{Y: 1985, M: 7, D: 1}, 1000},
		{"neg seq", "430202", civil.Date{Y: 1985, M: 7, D: 1}, -1},
		{"zero birth", "430202", civil.Date{}, 1},
		{"bad birth", "430202", civil.Date{Y: 1985, M: 2, D: 30}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Make did not panic")
				}
			}()
			Make(tt.region, tt.birth, tt.seq)
		})
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("11010519491231002X", uint16(0), uint32(0), uint16(0))
	f.Add("430202850701123", uint16(7), uint32(12345), uint16(999))
	f.Add("4.30202198507011E+17", uint16(35), uint32(40000), uint16(2))
	f.Add("１１０１０５１９４９１２３１００２ｘ", uint16(1), uint32(1), uint16(1))
	codes := make([]string, 0, len(provinces))
	for c := range provinces {
		codes = append(codes, c)
	}
	// Map iteration order is random; sort for determinism.
	for i := range codes {
		for j := i + 1; j < len(codes); j++ {
			if codes[j] < codes[i] {
				codes[i], codes[j] = codes[j], codes[i]
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string, prov uint16, days uint32, seq uint16) {
		// Validate never panics and either succeeds with a normalised number
		// or returns a described *Error.
		info, err := ValidateAt(s, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" || e.MsgEn == "" || e.Kind == 0 {
				t.Fatalf("ValidateAt(%q): bad error %#v", s, err)
			}
		} else {
			if len(info.Number) != 18 || CheckDigit(info.Number[:17]) != info.Number[17] {
				t.Fatalf("ValidateAt(%q) accepted %+v", s, info)
			}
			again, err := ValidateAt(info.Number, now)
			if err != nil || again != info {
				t.Fatalf("normalised number %q does not re-validate: %v", info.Number, err)
			}
		}

		// Make always produces a valid number for valid arguments.
		region := codes[int(prov)%len(codes)] + "0202"
		start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
		span := int(now.Sub(start).Hours() / 24)
		birth := civil.FromTime(start.AddDate(0, 0, int(days)%(span+1)))
		sq := int(seq) % 1000
		n := Make(region, birth, sq)
		info, err = ValidateAt(n, now)
		if err != nil {
			t.Fatalf("Make(%s, %v, %d) = %s does not validate: %v", region, birth, sq, n, err)
		}
		wantG := Female
		if sq%2 == 1 {
			wantG = Male
		}
		if info.Birth != birth || info.Gender != wantG || info.Number != n {
			t.Fatalf("Make(%s, %v, %d): info %+v", region, birth, sq, info)
		}
	})
}
