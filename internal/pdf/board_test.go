package pdf

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// longChinese generates n characters of Chinese text with punctuation,
// including runs of closing punctuation that the wrapper must keep.
func longChinese(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	han := []rune("创先争优党支部委员会组织建设学习型服务承诺践诺公开栏群众评议领导点评整改落实年度考核岗位胜任发展贡献满意度社会美誉度畜牧兽医水产渔场果木园监督所科研离退休干部带头作用先锋模范")
	punct := []string{"，", "。", "、", "；", "：", "？", "！", "）。", "》，", "」", "（", "《", "“", "”"}
	var b strings.Builder
	count := 0
	for count < n {
		if r.IntN(6) == 0 {
			p := punct[r.IntN(len(punct))]
			b.WriteString(p)
			count += len([]rune(p))
			continue
		}
		b.WriteRune(han[r.IntN(len(han))])
		count++
	}
	return b.String()
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CHUANGZHENG_REQUIRE_BROWSER") == "1" {
			t.Fatal("pdftotext (apt package poppler-utils) is required")
		}
		t.Skip("pdftotext not installed (apt package poppler-utils)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "board.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\f' {
			return -1
		}
		return r
	}, s)
}

func TestBoardKeepsEveryCharacter(t *testing.T) {
	long := longChinese(2400, 1)
	second := longChinese(600, 2)
	doc := BoardDoc{
		Title:    "市渔场党支部关于无职党员设岗定责情况的公示（第一批）",
		Subtitle: "公示期：2010年6月10日至6月14日",
		Unit:     "中共株洲市渔场支部委员会",
		Sections: []Section{
			{Heading: "一、公示内容", Items: []Item{{Text: long}}},
			{Heading: "二、承诺事项", Items: []Item{{Label: "承诺人", Text: second}, {Label: "联系领导", Text: "唐铁城（党组书记、局长）"}}},
		},
		Footer: "公示期间，如有异议，可扫描二维码在网上提出（可匿名），或直接向支部反映。",
		QRURL:  "https://cz.example.gov.cn/public/notices/42",
		Date:   "2010年6月10日",
	}
	var buf bytes.Buffer
	if err := Board(&buf, doc); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	text := stripSpace(pdftotext(t, buf.Bytes()))
	pages := strings.Count(text, "页/共")
	if pages < 3 {
		t.Fatalf("expected several pages, got %d", pages)
	}
	if !strings.Contains(text, "第"+strconv.Itoa(pages)+"页/共"+strconv.Itoa(pages)+"页") {
		t.Errorf("last page number missing")
	}
	// The header is repeated on following pages.
	header := stripSpace(doc.Title + " · " + doc.Unit)
	if n := strings.Count(text, header); n != pages-1 {
		t.Errorf("header on %d of %d pages", n, pages)
	}
	// Without the page furniture (footer, then the next page's header),
	// every character of the long text is present, in order, without gaps.
	body := regexp.MustCompile(`第\d+页/共\d+页(`+regexp.QuoteMeta(header)+`)?`).ReplaceAllString(text, "")
	for _, want := range []string{long, second} {
		if !strings.Contains(body, stripSpace(want)) {
			i := 0
			w := []rune(stripSpace(want))
			for i < len(w) && strings.Contains(body, string(w[:i+1])) {
				i++
			}
			t.Fatalf("text lost near rune %d of %d: …%s…", i, len(w), string(w[max(0, i-10):min(len(w), i+10)]))
		}
	}
	for _, want := range []string{doc.Title, "一、公示内容", "承诺人：", "联系领导：唐铁城（党组书记、局长）", QRCaption, doc.Unit, doc.Date, doc.Footer, "第1页/共", "公示期：2010年6月10日至6月14日"} {
		if !strings.Contains(text, stripSpace(want)) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestKinsoku(t *testing.T) {
	in := []string{"第一行文字", "。第二行", "），第三（", "《书名", "」"}
	got := Kinsoku(in)
	if strings.Join(got, "") != strings.Join(in, "") {
		t.Fatalf("text changed: %q", got)
	}
	for i, l := range got {
		r := []rune(l)
		if i > 0 && strings.ContainsRune(noStart, r[0]) {
			t.Errorf("line %d starts with %q", i, r[0])
		}
		if i < len(got)-1 && strings.ContainsRune(noEnd, r[len(r)-1]) {
			t.Errorf("line %d ends with %q", i, r[len(r)-1])
		}
	}
	if len(got) != 4 {
		t.Errorf("lines %q", got)
	}
}

func TestBoardConcurrentAndMinimal(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			errs <- Board(&buf, BoardDoc{Title: "公示", Sections: []Section{{Items: []Item{{Text: longChinese(300, uint64(i))}}}}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := Board(&buf, BoardDoc{}); err != nil {
		t.Fatal(err)
	}
}
