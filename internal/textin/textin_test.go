package textin

import (
	"strings"
	"testing"

	"chuangzheng/internal/apperr"
)

func TestValid(t *testing.T) {
	cases := []struct {
		s           string
		line, lines bool
	}{
		{"", true, true},
		{"党员 张三", true, true},
		{"a\tb", false, true},
		{"一\n二\r\n", false, true},
		{"a\x00b", false, false},
		{"\x01", false, false},
		{"\x1b[31m", false, false},
		{"a\x7f", false, false},
		{"a\u0085b", false, false}, // C1 NEL
		{"\xff", false, false},
		{"\xe4\xb8", false, false},     // cut character
		{"\xed\xa0\x80", false, false}, // surrogate
		{"\ufffd", true, true},         // a real replacement character is text
		{"😀", true, true},
	}
	for _, c := range cases {
		if got := Valid(c.s, Line); got != c.line {
			t.Errorf("Valid(%q, Line) = %v", c.s, got)
		}
		if got := Valid(c.s, Lines); got != c.lines {
			t.Errorf("Valid(%q, Lines) = %v", c.s, got)
		}
		sc := NewScanner(Lines)
		for i := 0; i < len(c.s); i++ { // one byte at a time: characters cut everywhere
			_, _ = sc.Write([]byte{c.s[i]})
		}
		if sc.Valid() != c.lines {
			t.Errorf("Scanner(%q).Valid() = %v", c.s, sc.Valid())
		}
	}
}

func TestCheckNamesTheField(t *testing.T) {
	err := Check("title", "a\x00", Lines)
	e := apperr.As(err)
	if e.Code != apperr.Invalid || e.Field != "title" || !strings.Contains(e.Msg, "「title」") || !strings.Contains(e.MsgEn, "title") {
		t.Fatalf("%+v", e)
	}
	var fe apperr.FieldErrors
	if !asFE(err, &fe) || fe["title"] == nil {
		t.Fatalf("no field errors in %v", err)
	}
	if n := Name("a\x00"); n != `"a\x00"` {
		t.Fatalf("Name = %s", n)
	}
	if Check("x", "ok", Line) != nil {
		t.Fatal("clean text refused")
	}
}

func TestJSON(t *testing.T) {
	cases := []struct{ body, field string }{
		{`{"title":"ok","n":1,"list":["a","b"],"o":{"k":null}}`, ""},
		{`{"title":"a\u0000b"}`, "title"},
		{"{\"title\":\"a\xffb\"}", "title"},
		{`{"milestones":[{"text":"ok"},{"text":"\u0001"}]}`, "milestones[1].text"},
		{`{"a":{"b":["x",{"c":"\u0000"}]}}`, "a.b[1].c"},
		{`{"k\u0000":1}`, "k\x00"},
		{`{"text":"多行\n文字\t制表"}`, ""},
		{`"\u0000"`, "body"},
		{`{"broken":`, ""}, // malformed: left to the decoder
	}
	for _, c := range cases {
		err := JSON([]byte(c.body))
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.body, err)
			}
			continue
		}
		if e := apperr.As(err); err == nil || e.Field != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.body, apperr.As(err).Field, c.field, err)
		}
	}
}

func TestSanitize(t *testing.T) {
	if got := Sanitize("张\x00三\xff", Lines); got != "张三\ufffd" {
		t.Fatalf("%q", got)
	}
}

func BenchmarkValid(b *testing.B) {
	s := strings.Repeat("党员张三承诺：立足岗位作贡献。\n", 1<<15) // ~1.4 MB
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !Valid(s, Lines) {
			b.Fatal("refused")
		}
	}
}

func BenchmarkJSON(b *testing.B) {
	body := []byte(`{"title":"` + strings.Repeat("立足岗位作贡献", 200) + `","milestones":[{"text":"第一季度","due":"2026-03-31"},{"text":"第二季度","due":"2026-06-30"}],"kind":"member"}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := JSON(body); err != nil {
			b.Fatal(err)
		}
	}
}
