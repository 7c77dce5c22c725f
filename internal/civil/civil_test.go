package civil

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"
)

func mustParse(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := Parse(s)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", s, err)
	}
	return d
}

func TestParseAccepted(t *testing.T) {
	full := Date{1985, 7, 1}
	month := Date{1985, 7, 0}
	tests := []struct {
		in   string
		want Date
	}{
		{"1985.07", month},
		{"1985.7", month},
		{"1985.7.", month},
		{"1985.07.01", full},
		{"1985.7.1", full},
		{"1985年7月", month},
		{"1985年07月", month},
		{"1985年7月1日", full},
		{"1985 年 7 月 1 日", full},
		{"1985-07-01", full},
		{"1985-07", month},
		{"1985/7/1", full},
		{"1985/07", month},
		{"19850701", full},
		{"198507", month},
		{"１９８５．０７．０１", full},
		{"１９８５年７月", month},
		{"  1985-07-01\t", full},
		{"\u30001985.07\u3000", month},
		{"1985-07-01 00:00:00", full},
		{"1985/7/1 8:30", full},
		{"31229", full},
		{"31229.0", full},
		{"31229.75", full},
		{"1", Date{1900, 1, 1}},
		{"59", Date{1900, 2, 28}},
		{"60", Date{1900, 2, 28}}, // Excel's phantom 1900-02-29
		{"61", Date{1900, 3, 1}},
		{"43831", Date{2020, 1, 1}},
		{"2000-02-29", Date{2000, 2, 29}},
		{"2100.12.31", Date{2100, 12, 31}},
		{"1900.01", Date{1900, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := mustParse(t, tt.in)
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRejected(t *testing.T) {
	tests := []struct {
		in     string
		wantZh string // substring of the Chinese message
		wantEn string // substring of the English message
	}{
		{"", "日期为空", "empty"},
		{"   ", "日期为空", "empty"},
		{"1985-02-30", "1985年2月只有28天", "February 1985 has only 28 days"},
		{"1900-02-29", "1900年2月只有28天", "28 days"},
		{"1985-13-01", "没有13月", "no month 13"},
		{"1985.13", "没有13月", "no month 13"},
		{"1985.00", "没有0月", "no month 0"},
		{"1985-07-00", "日不能为0", "day cannot be 0"},
		{"1899-12-31", "年份应在1900到2100之间", "between 1900 and 2100"},
		{"2101-01-01", "年份应在1900到2100之间", "between 1900 and 2100"},
		{"19850230", "只有28天", "28 days"},
		{"0", "Excel 日期序号", "Excel date serial"},
		{"2958466", "Excel 日期序号", "Excel date serial"},
		{"2958465", "年份应在1900到2100之间", "between 1900 and 2100"},
		{"1985", "只有年份", "only a year"},
		{"abc", "不是可识别的日期", "not a recognisable date"},
		{"1985-07-01x", "不是可识别的日期", "recognisable"},
		{"85-07-01", "年份应写全4位", "4 digits"},
		{"85.07", "年份应写全4位", "4 digits"},
		{"85.7", "年份应写全4位", "4 digits"},
		{"1985 07 01", "不是可识别的日期", "recognisable"},
		{"1985年7.1日", "不是可识别的日期", "recognisable"},
		{"1985.7月", "不是可识别的日期", "recognisable"},
		{"1985-007-01", "不是可识别的日期", "recognisable"},
		{"1985-07-01-02", "不是可识别的日期", "recognisable"},
		{"-31229", "不是可识别的日期", "recognisable"},
		{"1.2.3", "不是可识别的日期", "recognisable"},
		{"NaN", "不是可识别的日期", "recognisable"},
		{"123456789", "不是可识别的日期", "recognisable"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tt.in, d)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *ParseError", err)
			}
			if pe.Input != tt.in {
				t.Errorf("Input = %q, want %q", pe.Input, tt.in)
			}
			if !strings.Contains(pe.Msg, tt.wantZh) {
				t.Errorf("Msg = %q, want it to contain %q", pe.Msg, tt.wantZh)
			}
			if !strings.Contains(pe.MsgEn, tt.wantEn) {
				t.Errorf("MsgEn = %q, want it to contain %q", pe.MsgEn, tt.wantEn)
			}
			if err.Error() != pe.Msg {
				t.Errorf("Error() = %q, want the Chinese message", err.Error())
			}
		})
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		d                   Date
		str, zh, dotted, en string
	}{
		{Date{}, "", "", "", ""},
		{Date{1985, 7, 1}, "1985-07-01", "1985年7月1日", "1985.07.01", "1 Jul 1985"},
		{Date{1985, 7, 0}, "1985-07", "1985年7月", "1985.07", "Jul 1985"},
		{Date{2021, 12, 31}, "2021-12-31", "2021年12月31日", "2021.12.31", "31 Dec 2021"},
		{Date{900, 1, 2}, "0900-01-02", "900年1月2日", "0900.01.02", "2 Jan 900"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if got := tt.d.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := tt.d.Chinese(); got != tt.zh {
				t.Errorf("Chinese() = %q, want %q", got, tt.zh)
			}
			if got := tt.d.Dotted(); got != tt.dotted {
				t.Errorf("Dotted() = %q, want %q", got, tt.dotted)
			}
			if got := tt.d.English(); got != tt.en {
				t.Errorf("English() = %q, want %q", got, tt.en)
			}
			if tt.d.IsZero() != (tt.str == "") {
				t.Errorf("IsZero() = %v", tt.d.IsZero())
			}
			back, err := ParseStorage(tt.str)
			if err != nil || back != tt.d {
				t.Errorf("ParseStorage(%q) = %+v, %v; want %+v", tt.str, back, err, tt.d)
			}
			if !tt.d.IsZero() && tt.d.Y >= MinYear {
				if p := mustParse(t, tt.d.Dotted()); p != tt.d {
					t.Errorf("Parse(Dotted()) = %+v, want %+v", p, tt.d)
				}
				if p := mustParse(t, tt.d.Chinese()); p != tt.d {
					t.Errorf("Parse(Chinese()) = %+v, want %+v", p, tt.d)
				}
			}
		})
	}
}

func TestParseStorageRejects(t *testing.T) {
	for _, s := range []string{"1985.07.01", "1985-7-1", "1985-07-00", "1985-02-30", "0000-00", "0000-00-00", "1985-13", "85-07-01", " 1985-07", "1985-07-01 ", "１９８５-07"} {
		if d, err := ParseStorage(s); err == nil {
			t.Errorf("ParseStorage(%q) = %+v, want error", s, d)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b Date
		want int
	}{
		{Date{1985, 7, 0}, Date{1985, 7, 1}, 0},
		{Date{1985, 7, 0}, Date{1985, 7, 2}, -1},
		{Date{1985, 7, 2}, Date{1985, 7, 0}, 1},
		{Date{1985, 6, 30}, Date{1985, 7, 0}, -1},
		{Date{1984, 12, 31}, Date{1985, 1, 1}, -1},
		{Date{}, Date{1900, 1, 0}, -1},
		{Date{}, Date{}, 0},
		{Date{2000, 1, 1}, Date{}, 1},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := tt.a.Before(tt.b); got != (tt.want < 0) {
			t.Errorf("%v.Before(%v) = %v", tt.a, tt.b, got)
		}
		if got := tt.a.After(tt.b); got != (tt.want > 0) {
			t.Errorf("%v.After(%v) = %v", tt.a, tt.b, got)
		}
	}
}

func TestAddYears(t *testing.T) {
	tests := []struct {
		d    Date
		n    int
		want Date
	}{
		{Date{2000, 2, 29}, 18, Date{2018, 2, 28}},
		{Date{2000, 2, 29}, 4, Date{2004, 2, 29}},
		{Date{1985, 7, 0}, 18, Date{2003, 7, 0}},
		{Date{}, 18, Date{}},
	}
	for _, tt := range tests {
		if got := tt.d.AddYears(tt.n); got != tt.want {
			t.Errorf("%v.AddYears(%d) = %v, want %v", tt.d, tt.n, got, tt.want)
		}
	}
}

func TestTimeConversions(t *testing.T) {
	if got := FromTime(time.Time{}); !got.IsZero() {
		t.Errorf("FromTime(zero) = %v", got)
	}
	if got := (Date{}).Time(); !got.IsZero() {
		t.Errorf("Date{}.Time() = %v", got)
	}
	loc := time.FixedZone("CST", 8*3600)
	tm := time.Date(1985, 7, 1, 23, 30, 0, 0, loc)
	if got := FromTime(tm); got != (Date{1985, 7, 1}) {
		t.Errorf("FromTime = %v", got)
	}
	if got := (Date{1985, 7, 0}).Time(); !got.Equal(time.Date(1985, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
}

func TestSerialRoundTrip(t *testing.T) {
	for n := 1; n <= 80000; n += 7 {
		d := FromSerial(n)
		if n == 60 {
			continue
		}
		if got := d.Serial(); got != n {
			t.Fatalf("FromSerial(%d) = %v, Serial() = %d", n, d, got)
		}
	}
	if got := (Date{1985, 7, 1}).Serial(); got != 31229 {
		t.Errorf("Serial(1985-07-01) = %d, want 31229", got)
	}
	if !FromSerial(0).IsZero() {
		t.Errorf("FromSerial(0) not zero")
	}
}

func TestSQL(t *testing.T) {
	var _ sql.Scanner = (*Date)(nil)
	var _ driver.Valuer = Date{}

	v, err := (Date{1985, 7, 0}).Value()
	if err != nil || v != "1985-07" {
		t.Errorf("Value() = %v, %v", v, err)
	}
	v, err = (Date{}).Value()
	if err != nil || v != nil {
		t.Errorf("zero Value() = %v, %v", v, err)
	}

	tests := []struct {
		src     any
		want    Date
		wantErr bool
	}{
		{nil, Date{}, false},
		{"", Date{}, false},
		{[]byte(""), Date{}, false},
		{"1985-07-01", Date{1985, 7, 1}, false},
		{[]byte("1985-07"), Date{1985, 7, 0}, false},
		{time.Date(1985, 7, 1, 0, 0, 0, 0, time.UTC), Date{1985, 7, 1}, false},
		{"1985.07.01", Date{}, true},
		{int64(5), Date{}, true},
	}
	for _, tt := range tests {
		d := Date{1, 1, 1}
		err := d.Scan(tt.src)
		if (err != nil) != tt.wantErr {
			t.Errorf("Scan(%v) error = %v, wantErr %v", tt.src, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && d != tt.want {
			t.Errorf("Scan(%v) = %v, want %v", tt.src, d, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	d := Date{1985, 7, 1}
	b, _ := d.MarshalText()
	if string(b) != "1985-07-01" {
		t.Errorf("MarshalText = %q", b)
	}
	var got Date
	for _, s := range []string{"1985-07-01", "1985年7月1日", "31229"} {
		if err := got.UnmarshalText([]byte(s)); err != nil || got != d {
			t.Errorf("UnmarshalText(%q) = %v, %v", s, got, err)
		}
	}
	if err := got.UnmarshalText(nil); err != nil || !got.IsZero() {
		t.Errorf("UnmarshalText(nil) = %v, %v", got, err)
	}
	if err := got.UnmarshalText([]byte("xx")); err == nil {
		t.Errorf("UnmarshalText(xx) succeeded")
	}
}

func TestValidAndDaysIn(t *testing.T) {
	if DaysIn(2000, 2) != 29 || DaysIn(1900, 2) != 28 || DaysIn(2024, 2) != 29 || DaysIn(2023, 4) != 30 || DaysIn(2023, 13) != 0 {
		t.Error("DaysIn wrong")
	}
	for _, d := range []Date{{}, {1985, 7, 0}, {2000, 2, 29}} {
		if !d.Valid() {
			t.Errorf("%v should be valid", d)
		}
	}
	for _, d := range []Date{{1985, 0, 0}, {1985, 2, 29}, {0, 1, 1}, {1985, 7, -1}} {
		if d.Valid() {
			t.Errorf("%+v should be invalid", d)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1985.07", "1985.7", "1985.07.01", "1985年7月", "1985年7月1日",
		"1985-07-01", "1985-07", "1985/7/1", "1985/07", "19850701", "31229", "31229.0",
		"１９８５．０７", " 1985-02-30 ", "60", "1985-07-01 00:00", "", "年月日", "9999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Msg == "" || pe.MsgEn == "" {
				t.Fatalf("Parse(%q): bad error %#v", s, err)
			}
			return
		}
		if d.IsZero() || !d.Valid() || d.Y < MinYear || d.Y > MaxYear {
			t.Fatalf("Parse(%q) = %+v: invalid date accepted", s, d)
		}
		back, err := ParseStorage(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, d, d.String(), back, err)
		}
		if again, err := Parse(d.Dotted()); err != nil || again != d {
			t.Fatalf("Parse(Dotted()) of %+v = %+v, %v", d, again, err)
		}
	})
}
