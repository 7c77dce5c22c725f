package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/signintech/gopdf"
)

func newTestBoard(t *testing.T) *board {
	t.Helper()
	fc, err := fonts()
	if err != nil {
		t.Fatal(err)
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := p.AddTTFFontFromFontContainer(family, fc); err != nil {
		t.Fatal(err)
	}
	bd := &board{pdf: p, widths: map[widthKey]float64{}}
	if err := bd.font(bodySize); err != nil {
		t.Fatal(err)
	}
	return bd
}

// unbreakable are the tokens a line must never split.
var unbreakable = regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日|\d{4}年|\d{3,4}-\d{7,8}|\d+(\.\d+)?`)

// TestBreakLinesKeepsNumbersWhole breaks a text full of dates, years,
// phone numbers and figures at every width from 3 to 40 characters: the
// text is never changed, no number, date or phone number is split (from 12
// characters on, where the longest fits on a line), no line
// starts with closing punctuation or ends with opening punctuation, and no
// line is wider than asked unless it is one piece.
func TestBreakLinesKeepsNumbersWhole(t *testing.T) {
	bd := newTestBoard(t)
	text := "承诺于2026年11月29日前完成鱼种繁育800万尾，监督电话0731-28812345（办公室），" +
		"20260年度目标：产值增长3.5%；2026年12月20日验收。“三会一课”按时召开，联系人张三13912345678。" +
		"第二阶段自2026年6月1日起至2026年9月30日止，共12项。www.example.org 10:30 开会。"
	var cs []cell
	for _, r := range text {
		cs = append(cs, cell{r: r})
	}
	tokens := unbreakable.FindAllString(text, -1)
	for chars := 3; chars <= 40; chars++ {
		width := float64(chars) * bodySize
		lines, err := bd.breakLines(cs, width)
		if err != nil {
			t.Fatal(err)
		}
		var strs []string
		for _, l := range lines {
			var b strings.Builder
			w := 0.0
			for _, c := range l {
				b.WriteRune(c.r)
				w += bd.width(c.r)
			}
			s := b.String()
			strs = append(strs, s)
			if w > width+0.01 && len(pieces(l)) > 1 {
				t.Errorf("width %d: line %q too wide", chars, s)
			}
		}
		if got := strings.Join(strs, ""); got != strings.ReplaceAll(text, " ", "") && strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(text, " ", "") {
			t.Fatalf("width %d: text changed:\n%s\n%s", chars, got, text)
		}
		joined := strings.Join(strs, "\n")
		for _, tok := range tokens {
			if chars < 12 {
				continue // narrower than a date: split it must be
			}
			if strings.Count(joined, tok) < strings.Count(text, tok) {
				t.Errorf("width %d: %q split: %q", chars, tok, strs)
			}
		}
		for i, s := range strs {
			r := []rune(s)
			if i > 0 && strings.ContainsRune(noStart, r[0]) {
				t.Errorf("width %d: line %q starts with %q", chars, s, r[0])
			}
			if i < len(strs)-1 && strings.ContainsRune(noEnd, r[len(r)-1]) {
				t.Errorf("width %d: line %q ends with %q", chars, s, r[len(r)-1])
			}
		}
	}
}

// TestBoardKeepsItemsTogether: an item that does not fit on what is left
// of a page starts the next page whole.
func TestBoardKeepsItemsTogether(t *testing.T) {
	var items []Item
	for i := range 60 {
		items = append(items, Item{Number: strings.Repeat("9", 1+i%2) + ".", Runs: []Run{{Text: "第" + strings.Repeat("一", 1+i%3) + "项开始" + longChinese(90, uint64(i)) + "本项结束"}},
			Lines: [][]Run{{{Text: "措施", Style: Lead}, {Text: " " + longChinese(40, uint64(i+100))}}}})
	}
	var buf bytes.Buffer
	if err := Board(&buf, BoardDoc{Title: "测试", Sections: []Section{{Heading: "一、事项", Items: items}}}); err != nil {
		t.Fatal(err)
	}
	raw := pdftotext(t, buf.Bytes())
	pages := strings.Split(raw, "\f")
	if len(pages) < 4 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		p = stripSpace(p)
		if strings.Count(p, "项开始") != strings.Count(p, "本项结束") {
			t.Errorf("page %d splits an item: %d starts, %d ends", i+1, strings.Count(p, "项开始"), strings.Count(p, "本项结束"))
		}
	}
}

// BenchmarkBoardBureau renders a sheet the size of the demo bureau's whole
// board: six branch commitments of twelve items with four lines each, and
// 90 members' commitments of seven items.
func BenchmarkBoardBureau(b *testing.B) {
	doc := BoardDoc{Title: "中共株洲市委 公开栏", Subtitle: "2026 年创先争优公开承诺\n活动：2026年创先争优活动", Unit: "中共株洲市委",
		QRURL: "https://cz.example.gov.cn/public/units/1", Date: "2026年11月29日", Footer: "欢迎党员群众监督。"}
	for i := range 6 {
		doc.Sections = append(doc.Sections, Section{Heading: "市渔场党支部2026年创先争优公开承诺书", Items: []Item{{Runs: []Run{{Text: "2026年6月9日公布 · 监督电话 0731-28512100"}}, Small: true}}})
		var items []Item
		for j := range 12 {
			items = append(items, Item{Number: fmt.Sprintf("%d.", j+1), Runs: []Run{{Text: longChinese(40, uint64(i*100+j))}, {Text: " 工作业绩好", Style: Tag}},
				Lines: [][]Run{{{Text: "措施", Style: Lead}, {Text: " " + longChinese(30, uint64(j))}}, {{Text: "时限", Style: Lead}, {Text: " 2026年12月10日"}},
					{{Text: "标准", Style: Lead}, {Text: " " + longChinese(20, uint64(j+7))}}, {{Text: "落实责任人", Style: Lead}, {Text: " 支部书记"}}}})
		}
		doc.Sections = append(doc.Sections, Section{Heading: "年度工作目标", Level: 1, Items: items})
	}
	for i := range 90 {
		var items []Item
		for j := range 7 {
			items = append(items, Item{Number: fmt.Sprintf("%d.", j+1), Runs: []Run{{Text: "工作目标：", Style: Lead}, {Text: " " + longChinese(25, uint64(i*10+j))},
				{Text: " 措施：" + longChinese(20, uint64(j)), Style: Muted}, {Text: " （2026年12月28日前）", Style: Muted}, {Text: " 带头学习提高", Style: Tag}}})
		}
		items = append(items, Item{Runs: []Run{{Text: "2026年6月19日公布 · "}, {Text: "尚未在党员大会上宣读", Style: Tag}}, Small: true})
		doc.Sections = append(doc.Sections, Section{HeadingRuns: []Run{{Text: "罗小燕"}, {Text: " 第二党小组", Style: Muted}}, Level: 1, Keep: true, Items: items})
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Board(&buf, doc); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/op")
}
