// Package pdf renders A4 sheets for the physical public board (公开栏):
// Chinese text in an embedded TrueType font (WenQuanYi Micro Hei), wrapped
// without losing characters by its own line breaker (breaks.go: numbers,
// dates and phone numbers never split, simple 禁则), page numbers, a header
// repeated on every page after the first, and a QR code back to the page
// on the web. Items and short sections are kept on one page where they fit.
package pdf

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/signintech/gopdf"
	qrcode "github.com/skip2/go-qrcode"
)

//go:embed fonts/wqy-microhei.ttf
var fontData []byte

const family = "wqy-microhei"

// The font is parsed once and shared: gopdf copies it per document.
var fonts = sync.OnceValues(func() (*gopdf.FontContainer, error) {
	fc := &gopdf.FontContainer{}
	if err := fc.AddTTFFontData(family, fontData); err != nil {
		return nil, fmt.Errorf("pdf: load font: %w", err)
	}
	return fc, nil
})

// BoardDoc is one sheet (or several pages) for the public board.
type BoardDoc struct {
	Title    string
	Subtitle string // one line or several (split at "\n")
	Unit     string // the posting organisation, signed at the end (落款) and in the header
	Sections []Section
	Footer   string // a closing note in small print after the signature
	QRURL    string // the page on the web; "" for no QR code
	Date     string // the date under the signature, e.g. 2010年6月10日
}

// Section is a heading and its items.
type Section struct {
	Heading string
	// HeadingRuns, when set, is the heading in styled pieces (instead of Heading).
	HeadingRuns []Run
	// Level 0 is a main heading; 1 a smaller one under it (a category, a member).
	Level int
	// Keep keeps the whole section on one page when it fits on one.
	Keep  bool
	Items []Item
}

// Item is a paragraph, optionally led by a label ("承诺人：张三"), or, with
// Runs, a piece of styled text, optionally numbered, with further lines.
type Item struct {
	Label string
	Text  string

	// Runs, when set, is the item's first paragraph in styled pieces
	// (Label and Text are then not used), drawn without an indent.
	Runs []Run
	// Number is a list number ("1.") hung before the paragraphs.
	Number string
	// Lines are further paragraphs under the first, aligned with it
	// (an item's measures, deadline, standard, verdict).
	Lines [][]Run
	// Small draws the item in small print (a dateline).
	Small bool
}

// Run is a piece of text in one style.
type Run struct {
	Text  string
	Style Style
}

// Style is how a run is drawn.
type Style uint8

// The styles: the paragraph's own colour, a red label (措施, 承诺人), grey
// small print, a status word to notice (尚未宣读, 未兑现) and a good one (已兑现).
const (
	Plain Style = iota
	Lead
	Muted
	Tag
	OK
)

// Page geometry in points (A4).
const (
	pageW, pageH = 595.28, 841.89
	marginX      = 62.0
	marginTop    = 56.0
	marginBottom = 64.0
	contentW     = pageW - 2*marginX
	qrSize       = 78.0

	titleSize   = 22.0
	subSize     = 13.0
	headingSize = 15.0
	subHeadSize = 13.0
	bodySize    = 12.0
	dateSize    = 10.0
	smallSize   = 9.0
	lineFactor  = 1.65
)

// bodyTop is where the text starts on a page after the first (below the header).
const bodyTop = marginTop + 4 + bodySize

// QRCaption is printed under the QR code.
const QRCaption = "扫码查看网上公开栏"

var (
	black = [3]uint8{0, 0, 0}
	red   = [3]uint8{170, 20, 25}
	grey  = [3]uint8{90, 90, 90}
	amber = [3]uint8{150, 75, 0}
	green = [3]uint8{20, 105, 50}
)

type board struct {
	pdf    *gopdf.GoPdf
	doc    BoardDoc
	y      float64
	page   int
	size   float64              // the font size last set
	widths map[widthKey]float64 // glyph advances, measured once per size
}

type widthKey struct {
	r    rune
	size float64
}

// Board renders b as an A4 PDF into w.
func Board(w io.Writer, b BoardDoc) error {
	fc, err := fonts()
	if err != nil {
		return err
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	p.SetInfo(gopdf.PdfInfo{Title: b.Title, Subject: b.Subtitle, Author: b.Unit, Creator: "创争"})
	if err := p.AddTTFFontFromFontContainer(family, fc); err != nil {
		return fmt.Errorf("pdf: font: %w", err)
	}
	bd := &board{pdf: p, doc: b, widths: map[widthKey]float64{}}
	if err := bd.render(); err != nil {
		return err
	}
	_, err = p.WriteTo(w)
	return err
}

func (bd *board) render() error {
	if err := bd.firstPage(); err != nil {
		return err
	}
	for _, s := range bd.doc.Sections {
		if err := bd.section(s); err != nil {
			return err
		}
	}
	if err := bd.signature(); err != nil {
		return err
	}
	if strings.TrimSpace(bd.doc.Footer) != "" {
		bd.y += bodySize
		lines, err := bd.para([]Run{{Text: bd.doc.Footer}}, smallSize+1, marginX, contentW, grey)
		if err != nil {
			return err
		}
		if err := bd.draw(lines, true); err != nil {
			return err
		}
	}
	return bd.pageNumbers()
}

func (bd *board) font(size float64) error {
	bd.size = size
	return bd.pdf.SetFont(family, "", size)
}

func (bd *board) firstPage() error {
	p := bd.pdf
	p.AddPage()
	bd.page = 1
	bd.y = marginTop
	titleW := contentW
	if bd.doc.QRURL != "" {
		if err := bd.qr(); err != nil {
			return err
		}
		titleW = contentW - 2*(qrSize+8) // keep the title centred and clear of the code
	}
	if err := bd.font(titleSize); err != nil {
		return err
	}
	p.SetTextColor(red[0], red[1], red[2])
	lines, err := bd.wrap(orDefault(bd.doc.Title, " "), titleW)
	if err != nil {
		return err
	}
	bd.y += 6
	for _, l := range lines {
		if err := bd.centred(l, bd.y, titleSize); err != nil {
			return err
		}
		bd.y += titleSize * 1.45
	}
	p.SetTextColor(0, 0, 0)
	if s := strings.TrimSpace(bd.doc.Subtitle); s != "" {
		if err := bd.font(subSize); err != nil {
			return err
		}
		lines, err := bd.wrap(s, titleW)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if err := bd.centred(l, bd.y, subSize); err != nil {
				return err
			}
			bd.y += subSize * 1.5
		}
	}
	if bd.doc.QRURL != "" && bd.y < marginTop+qrSize+smallSize*2 {
		bd.y = marginTop + qrSize + smallSize*2
	}
	bd.y += 4
	bd.rule()
	bd.y += bodySize
	return nil
}

func (bd *board) qr() error {
	png, err := qrcode.Encode(bd.doc.QRURL, qrcode.Medium, 300)
	if err != nil {
		return fmt.Errorf("pdf: qr code: %w", err)
	}
	img, err := gopdf.ImageHolderByBytes(png)
	if err != nil {
		return fmt.Errorf("pdf: qr image: %w", err)
	}
	x := pageW - marginX - qrSize
	if err := bd.pdf.ImageByHolder(img, x, marginTop-8, &gopdf.Rect{W: qrSize, H: qrSize}); err != nil {
		return fmt.Errorf("pdf: qr image: %w", err)
	}
	if err := bd.font(smallSize - 1); err != nil {
		return err
	}
	wd, err := bd.pdf.MeasureTextWidth(QRCaption)
	if err != nil {
		return err
	}
	bd.pdf.SetXY(x+(qrSize-wd)/2, marginTop-8+qrSize+1)
	return bd.pdf.Text(QRCaption)
}

// header is repeated at the top of every page after the first.
func (bd *board) header() error {
	if err := bd.font(smallSize); err != nil {
		return err
	}
	bd.pdf.SetTextColor(grey[0], grey[1], grey[2])
	defer bd.pdf.SetTextColor(0, 0, 0)
	text := bd.doc.Title
	if bd.doc.Unit != "" {
		text += " · " + bd.doc.Unit
	}
	lines, err := bd.wrap(text, contentW)
	if err != nil {
		return err
	}
	bd.pdf.SetXY(marginX, marginTop-smallSize)
	if err := bd.pdf.Text(lines[0]); err != nil {
		return err
	}
	bd.y = marginTop + 4
	bd.rule()
	bd.y += bodySize
	return nil
}

func (bd *board) rule() {
	bd.pdf.SetStrokeColor(red[0], red[1], red[2])
	bd.pdf.SetLineWidth(0.8)
	bd.pdf.Line(marginX, bd.y, pageW-marginX, bd.y)
	bd.pdf.SetStrokeColor(0, 0, 0)
}

func (bd *board) newPage() error {
	bd.pdf.AddPage()
	bd.page++
	return bd.header()
}

// room makes sure h points fit above the bottom margin, breaking the page if not.
func (bd *board) room(h float64) error {
	if bd.y+h > pageH-marginBottom {
		return bd.newPage()
	}
	return nil
}

// line is one laid-out line of text.
type line struct {
	x, size float64
	before  float64 // space above it
	h       float64 // the height it takes (line height)
	cells   []cell
	plain   [3]uint8 // the colour of Plain runs
	num     string   // a list number drawn at numX on this line
	numX    float64
}

func height(ls []line) float64 {
	h := 0.0
	for _, l := range ls {
		h += l.before + l.h
	}
	return h
}

// draw draws lines from the current y. With keep, lines that do not fit
// on what is left of the page but fit on a page of their own start a new
// page; otherwise the page breaks between lines.
func (bd *board) draw(ls []line, keep bool) error {
	if len(ls) == 0 {
		return nil
	}
	if h := height(ls); keep && bd.y+h > pageH-marginBottom && h <= pageH-marginBottom-bodyTop {
		if err := bd.newPage(); err != nil {
			return err
		}
	}
	for _, l := range ls {
		if err := bd.room(l.before + l.h); err != nil {
			return err
		}
		if bd.y != bodyTop { // no space above the first line of a page
			bd.y += l.before
		}
		if err := bd.drawLine(l); err != nil {
			return err
		}
		bd.y += l.h
	}
	bd.pdf.SetTextColor(0, 0, 0)
	return nil
}

func (bd *board) colour(c [3]uint8) { bd.pdf.SetTextColor(c[0], c[1], c[2]) }

func (bd *board) drawLine(l line) error {
	if err := bd.font(l.size); err != nil {
		return err
	}
	base := bd.y + l.size // Text draws on the baseline
	if l.num != "" {
		bd.colour(l.plain)
		bd.pdf.SetXY(l.numX, base)
		if err := bd.pdf.Text(l.num); err != nil {
			return err
		}
	}
	x := l.x
	for i := 0; i < len(l.cells); {
		j := i + 1
		for j < len(l.cells) && l.cells[j].st == l.cells[i].st {
			j++
		}
		var b strings.Builder
		w := 0.0
		for _, c := range l.cells[i:j] {
			b.WriteRune(c.r)
			w += bd.width(c.r)
		}
		switch l.cells[i].st {
		case Lead:
			bd.colour(red)
		case Muted:
			bd.colour(grey)
		case Tag:
			bd.colour(amber)
		case OK:
			bd.colour(green)
		default:
			bd.colour(l.plain)
		}
		if s := b.String(); strings.TrimSpace(s) != "" {
			bd.pdf.SetXY(x, base)
			if err := bd.pdf.Text(s); err != nil {
				return err
			}
		}
		x += w
		i = j
	}
	return nil
}

// para lays out runs as a paragraph of lines at size, from x, width wide.
func (bd *board) para(runs []Run, size, x, width float64, plain [3]uint8) ([]line, error) {
	if err := bd.font(size); err != nil {
		return nil, err
	}
	var out []line
	var cs []cell
	flush := func() error {
		if len(cs) == 0 {
			return nil
		}
		ls, err := bd.breakLines(cs, width)
		if err != nil {
			return err
		}
		for _, l := range ls {
			out = append(out, line{x: x, size: size, h: size * lineFactor, cells: l, plain: plain})
		}
		cs = nil
		return nil
	}
	for _, r := range runs {
		text := strings.ReplaceAll(r.Text, "\r\n", "\n")
		for i, part := range strings.Split(text, "\n") {
			if i > 0 {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			for _, c := range part {
				if c == '\t' || c == '\r' {
					c = ' '
				}
				cs = append(cs, cell{c, r.Style})
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func (bd *board) section(s Section) error {
	var blocks [][]line
	runs := s.HeadingRuns
	if len(runs) == 0 && strings.TrimSpace(s.Heading) != "" {
		runs = []Run{{Text: s.Heading}}
	}
	var head []line
	if len(runs) > 0 {
		size, color := headingSize, red
		if s.Level > 0 {
			size, color = subHeadSize, black
		}
		var err error
		if head, err = bd.para(runs, size, marginX, contentW, color); err != nil {
			return err
		}
		head[0].before = size * 0.5
		if s.Level == 0 {
			head[0].before = size * 0.8
		}
		for i := range head {
			head[i].h = size * 1.5
		}
	}
	for _, it := range s.Items {
		ls, err := bd.item(it)
		if err != nil {
			return err
		}
		blocks = append(blocks, ls)
	}
	if s.Keep {
		all := append([]line{}, head...)
		for _, b := range blocks {
			all = append(all, b...)
		}
		if h := height(all); bd.y+h > pageH-marginBottom && h <= pageH-marginBottom-bodyTop {
			if err := bd.newPage(); err != nil {
				return err
			}
		}
	}
	if len(head) > 0 {
		// Keep a heading with its first item (or three lines of it), or
		// with room for three lines when the section has no items.
		need := height(head)
		if len(blocks) > 0 {
			first := blocks[0]
			if h := height(first); h <= pageH-marginBottom-bodyTop {
				need += h
			} else {
				need += height(first[:min(3, len(first))])
			}
		} else {
			need += 3 * bodySize * lineFactor
		}
		if bd.y+need > pageH-marginBottom && bd.y > bodyTop {
			if err := bd.newPage(); err != nil {
				return err
			}
		}
		if err := bd.draw(head, false); err != nil {
			return err
		}
	}
	for _, b := range blocks {
		if err := bd.draw(b, true); err != nil {
			return err
		}
	}
	return nil
}

// item lays out one item: its paragraphs, with a space after.
func (bd *board) item(it Item) ([]line, error) {
	size, color := bodySize, black
	if it.Small {
		size, color = dateSize, grey
	}
	runs := it.Runs
	if len(runs) == 0 {
		label := strings.TrimSpace(it.Label)
		text := strings.TrimSpace(strings.ReplaceAll(it.Text, "\r\n", "\n"))
		if label == "" {
			// Body paragraphs start two characters in, as Chinese documents do.
			var out []line
			for _, p := range strings.Split(text, "\n") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				ls, err := bd.para([]Run{{Text: "\u3000\u3000" + p}}, size, marginX, contentW, color)
				if err != nil {
					return nil, err
				}
				ls[len(ls)-1].h += size * 0.35
				out = append(out, ls...)
			}
			return out, nil
		}
		lead := label + "："
		if strings.HasSuffix(label, "：") || strings.HasSuffix(label, ":") {
			lead = label
		}
		runs = []Run{{Text: lead, Style: Lead}, {Text: text}}
	}
	x, numX := marginX, marginX
	if it.Number != "" {
		if err := bd.font(size); err != nil {
			return nil, err
		}
		x += bd.textWidth(it.Number) + size*0.4
		if min := marginX + size*1.6; x < min {
			x = min
		}
	}
	out, err := bd.para(runs, size, x, marginX+contentW-x, color)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && it.Number != "" {
		out[0].num, out[0].numX = it.Number, numX
	}
	for _, l := range it.Lines {
		ls, err := bd.para(l, size, x, marginX+contentW-x, color)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	if len(out) > 0 {
		out[len(out)-1].h += size * 0.35
	}
	return out, nil
}

// signature is the unit and the date, right-aligned after the text (落款).
func (bd *board) signature() error {
	var lines []string
	for _, s := range []string{bd.doc.Unit, bd.doc.Date} {
		if s = strings.TrimSpace(s); s != "" {
			lines = append(lines, s)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	if err := bd.room(bodySize * lineFactor * float64(len(lines)+1)); err != nil {
		return err
	}
	bd.y += bodySize
	if err := bd.font(bodySize); err != nil {
		return err
	}
	for _, s := range lines {
		parts, err := bd.wrap(s, contentW)
		if err != nil {
			return err
		}
		for _, l := range parts {
			if err := bd.room(bodySize * lineFactor); err != nil {
				return err
			}
			if err := bd.font(bodySize); err != nil {
				return err
			}
			wd := bd.textWidth(l)
			bd.pdf.SetXY(pageW-marginX-wd-bodySize, bd.y+bodySize)
			if err := bd.pdf.Text(l); err != nil {
				return err
			}
			bd.y += bodySize * lineFactor
		}
	}
	return nil
}

// pageNumbers writes "第 i 页 / 共 N 页" at the foot of every page.
func (bd *board) pageNumbers() error {
	n := bd.pdf.GetNumberOfPages()
	for i := 1; i <= n; i++ {
		if err := bd.pdf.SetPage(i); err != nil {
			return err
		}
		if err := bd.font(smallSize); err != nil {
			return err
		}
		bd.colour(grey)
		if err := bd.centred(fmt.Sprintf("第 %d 页 / 共 %d 页", i, n), pageH-marginBottom/2-smallSize, smallSize); err != nil {
			return err
		}
	}
	bd.pdf.SetTextColor(0, 0, 0)
	return nil
}

// centred draws one line centred on the page with its top at y.
func (bd *board) centred(l string, y, size float64) error {
	wd := bd.textWidth(l)
	bd.pdf.SetXY((pageW-wd)/2, y+size)
	return bd.pdf.Text(l)
}

// wrap splits text into lines of at most width at the current font size
// (breakLines: never inside a number, date or phone number; 禁则).
func (bd *board) wrap(text string, width float64) ([]string, error) {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		var cs []cell
		for _, r := range para {
			cs = append(cs, cell{r: r})
		}
		lines, err := bd.breakLines(cs, width)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			var b strings.Builder
			for _, c := range l {
				b.WriteRune(c.r)
			}
			out = append(out, b.String())
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out, nil
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}
