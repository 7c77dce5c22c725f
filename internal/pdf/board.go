// Package pdf renders A4 sheets for the physical public board (公开栏):
// Chinese text in an embedded TrueType font (WenQuanYi Micro Hei), wrapped
// without losing characters and with simple line-breaking rules (禁则),
// page numbers, a header repeated on every page after the first, and a QR
// code back to the page on the web.
package pdf

import (
	_ "embed"
	"errors"
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
	Subtitle string
	Unit     string // the posting organisation, signed at the end (落款) and in the header
	Sections []Section
	Footer   string // a closing note in small print after the signature
	QRURL    string // the page on the web; "" for no QR code
	Date     string // the date under the signature, e.g. 2010年6月10日
}

// Section is a heading and its items.
type Section struct {
	Heading string
	Items   []Item
}

// Item is a paragraph, optionally led by a label ("承诺人：张三").
type Item struct {
	Label string
	Text  string
}

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
	bodySize    = 12.0
	smallSize   = 9.0
	lineFactor  = 1.65
)

// QRCaption is printed under the QR code.
const QRCaption = "扫码查看网上公开栏"

type board struct {
	pdf  *gopdf.GoPdf
	doc  BoardDoc
	y    float64
	page int
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
	bd := &board{pdf: p, doc: b}
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
		if strings.TrimSpace(s.Heading) != "" {
			if err := bd.heading(s.Heading); err != nil {
				return err
			}
		}
		for _, it := range s.Items {
			if err := bd.item(it); err != nil {
				return err
			}
		}
	}
	if err := bd.signature(); err != nil {
		return err
	}
	if strings.TrimSpace(bd.doc.Footer) != "" {
		bd.y += bodySize
		if err := bd.paragraph(bd.doc.Footer, smallSize, 0, "", [3]uint8{80, 80, 80}); err != nil {
			return err
		}
	}
	return bd.pageNumbers()
}

func (bd *board) font(size float64) error { return bd.pdf.SetFont(family, "", size) }

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
	p.SetTextColor(170, 20, 25)
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
	bd.pdf.SetTextColor(90, 90, 90)
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
	bd.pdf.SetStrokeColor(170, 20, 25)
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

func (bd *board) heading(text string) error {
	// Keep a heading with at least two lines of what follows.
	if err := bd.room(headingSize*lineFactor + 2*bodySize*lineFactor); err != nil {
		return err
	}
	bd.y += headingSize * 0.4
	err := bd.paragraph(text, headingSize, 0, "", [3]uint8{170, 20, 25})
	bd.y += headingSize * 0.15
	return err
}

func (bd *board) item(it Item) error {
	label := strings.TrimSpace(it.Label)
	text := strings.TrimSpace(strings.ReplaceAll(it.Text, "\r\n", "\n"))
	if label == "" {
		// Body paragraphs start two characters in, as Chinese documents do.
		var paras []string
		for _, p := range strings.Split(text, "\n") {
			if p = strings.TrimSpace(p); p != "" {
				paras = append(paras, "\u3000\u3000"+p)
			}
		}
		for _, p := range paras {
			if err := bd.paragraph(p, bodySize, 0, "", [3]uint8{}); err != nil {
				return err
			}
		}
		return nil
	}
	lead := label + "："
	if strings.HasSuffix(label, "：") || strings.HasSuffix(label, ":") {
		lead = label
	}
	return bd.paragraph(lead+text, bodySize, 0, lead, [3]uint8{}) // lead is drawn in red on the first line
}

// paragraph wraps text at size and draws it from the current y, breaking
// pages as needed. lead, a prefix of text, is drawn in red.
func (bd *board) paragraph(text string, size, indent float64, lead string, color [3]uint8) error {
	if err := bd.font(size); err != nil {
		return err
	}
	lines, err := bd.wrap(text, contentW-indent)
	if err != nil {
		return err
	}
	lh := size * lineFactor
	for i, l := range lines {
		if err := bd.room(lh); err != nil {
			return err
		}
		if err := bd.font(size); err != nil { // the header may have changed it
			return err
		}
		x := marginX + indent
		bd.pdf.SetTextColor(color[0], color[1], color[2])
		if i == 0 && lead != "" && strings.HasPrefix(l, lead) {
			bd.pdf.SetTextColor(170, 20, 25)
			bd.pdf.SetXY(x, bd.y+size)
			if err := bd.pdf.Text(lead); err != nil {
				return err
			}
			wd, err := bd.pdf.MeasureTextWidth(lead)
			if err != nil {
				return err
			}
			x += wd
			l = strings.TrimPrefix(l, lead)
			bd.pdf.SetTextColor(color[0], color[1], color[2])
		}
		if l != "" {
			bd.pdf.SetXY(x, bd.y+size) // Text draws on the baseline
			if err := bd.pdf.Text(l); err != nil {
				return err
			}
		}
		bd.y += lh
	}
	bd.pdf.SetTextColor(0, 0, 0)
	bd.y += size * 0.35
	return nil
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
			wd, err := bd.pdf.MeasureTextWidth(l)
			if err != nil {
				return err
			}
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
		bd.pdf.SetTextColor(90, 90, 90)
		if err := bd.centred(fmt.Sprintf("第 %d 页 / 共 %d 页", i, n), pageH-marginBottom/2-smallSize, smallSize); err != nil {
			return err
		}
	}
	bd.pdf.SetTextColor(0, 0, 0)
	return nil
}

// centred draws one line centred on the page with its top at y.
func (bd *board) centred(l string, y, size float64) error {
	wd, err := bd.pdf.MeasureTextWidth(l)
	if err != nil {
		return err
	}
	bd.pdf.SetXY((pageW-wd)/2, y+size)
	return bd.pdf.Text(l)
}

// wrap splits text into lines of at most width at the current font, with
// gopdf's SplitText (which breaks between any two characters and loses
// none), then applies 禁则: a line never starts with closing punctuation
// (moved up to the end of the line before) and never ends with opening
// punctuation (moved down).
func (bd *board) wrap(text string, width float64) ([]string, error) {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		lines, err := bd.pdf.SplitText(para, width)
		if errors.Is(err, gopdf.ErrEmptyString) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Kinsoku(lines)...)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out, nil
}

// noStart are characters a line must not start with; noEnd, end with.
const (
	noStart = "。，、；：？！）》」』】〕〉”’….,;:?!)]}%"
	noEnd   = "（《「『【〔〈“‘([{"
)

// Kinsoku moves closing punctuation at the start of a line up to the end
// of the line before, and opening punctuation at the end of a line down to
// the next, so that the text stays the same when joined.
func Kinsoku(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if n := len(out); n > 0 {
			prev := []rune(out[n-1])
			cur := []rune(l)
			for len(cur) > 0 && strings.ContainsRune(noStart, cur[0]) {
				prev = append(prev, cur[0])
				cur = cur[1:]
			}
			for len(prev) > 1 && strings.ContainsRune(noEnd, prev[len(prev)-1]) {
				cur = append([]rune{prev[len(prev)-1]}, cur...)
				prev = prev[:len(prev)-1]
			}
			out[n-1] = string(prev)
			l = string(cur)
			if l == "" {
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}
