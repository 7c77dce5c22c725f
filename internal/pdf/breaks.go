package pdf

import (
	"strings"
	"unicode"
)

// The line breaker. Chinese text may break between any two characters,
// except that
//   - a run of digits and Latin letters is one piece, with the joiners
//     inside it (0731-28812345, 3.5, 10:30, www.example.org), and a digit
//     run followed by 年, 月, 日 (and more digits) joins them, so a date
//     such as 2026年11月29日 or a year such as 2026年 never splits;
//   - closing punctuation stays with what comes before it and opening
//     punctuation with what follows (禁则);
//   - spaces are break opportunities and vanish at the end of a line.
// A piece wider than a whole line is split between characters (nothing
// is ever lost).

// cell is one character of a paragraph and its style.
type cell struct {
	r  rune
	st Style
}

// noStart are characters a line must not start with; noEnd, end with.
const (
	noStart = "。，、；：？！）》」』】〕〉”’….,;:?!)]}%％·—"
	noEnd   = "（《「『【〔〈“‘([{"
)

// joiners join two pieces of a number or word when between them.
const joiners = "-./:_@+"

// dateUnits follow a digit run inside a date or time.
const dateUnits = "年月日号时点分秒"

func isWordRune(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r >= '０' && r <= '９'
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func isBlank(r rune) bool { return r == ' ' || r == '\u00a0' }

// span is a piece [start, end) of a paragraph's cells that must not break.
type span struct {
	start, end int
	blank      bool // a space: a break opportunity
}

// pieces splits cs into the pieces a line may break between.
func pieces(cs []cell) []span {
	var raw []span
	for i := 0; i < len(cs); {
		r := cs[i].r
		j := i + 1
		switch {
		case isBlank(r):
			for j < len(cs) && isBlank(cs[j].r) {
				j++
			}
			raw = append(raw, span{i, j, true})
			i = j
			continue
		case isWordRune(r):
			for j < len(cs) {
				c := cs[j].r
				switch {
				case isWordRune(c):
					j++
				case strings.ContainsRune(joiners, c) && j+1 < len(cs) && isWordRune(cs[j+1].r):
					j += 2
				case strings.ContainsRune(dateUnits, c) && isDigit(cs[j-1].r):
					j++
					if j < len(cs) && isDigit(cs[j].r) {
						continue
					}
					goto done
				default:
					goto done
				}
			}
		done:
		}
		raw = append(raw, span{i, j, false})
		i = j
	}
	// 禁则: glue closing punctuation to the piece before, and the piece
	// after opening punctuation to it.
	out := raw[:0:0]
	for _, p := range raw {
		if n := len(out); n > 0 && !p.blank && !out[n-1].blank &&
			(strings.ContainsRune(noStart, cs[p.start].r) || strings.ContainsRune(noEnd, cs[out[n-1].end-1].r)) {
			out[n-1].end = p.end
			continue
		}
		out = append(out, p)
	}
	return out
}

// width is the advance of r at the current font size.
func (bd *board) width(r rune) float64 {
	k := widthKey{r, bd.size}
	if w, ok := bd.widths[k]; ok {
		return w
	}
	w, err := bd.pdf.MeasureTextWidth(string(r))
	if err != nil {
		w = bd.size // a character the font lacks: as wide as a Chinese one
	}
	bd.widths[k] = w
	return w
}

func (bd *board) textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += bd.width(r)
	}
	return w
}

// breakLines splits a paragraph into lines of at most width at the current
// font size, breaking only between pieces.
func (bd *board) breakLines(cs []cell, width float64) ([][]cell, error) {
	var out [][]cell
	var cur []cell
	w := 0.0
	flush := func() {
		for len(cur) > 0 && isBlank(cur[len(cur)-1].r) {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, w = nil, 0
	}
	for _, p := range pieces(cs) {
		if p.blank && len(cur) == 0 {
			continue // no space at the start of a line
		}
		pw := 0.0
		for _, c := range cs[p.start:p.end] {
			pw += bd.width(c.r)
		}
		if w+pw <= width+0.01 {
			cur = append(cur, cs[p.start:p.end]...)
			w += pw
			continue
		}
		if p.blank {
			flush()
			continue
		}
		flush()
		if pw <= width+0.01 {
			cur = append(cur, cs[p.start:p.end]...)
			w = pw
			continue
		}
		for _, c := range cs[p.start:p.end] { // wider than a line: split it
			cw := bd.width(c.r)
			if w+cw > width+0.01 && len(cur) > 0 && !strings.ContainsRune(noStart, c.r) && !strings.ContainsRune(noEnd, cur[len(cur)-1].r) {
				flush()
			}
			cur = append(cur, c)
			w += cw
		}
	}
	flush()
	return out, nil
}

// Kinsoku moves closing punctuation at the start of a line up to the end
// of the line before, and opening punctuation at the end of a line down to
// the next, so that the text stays the same when joined. (The line breaker
// does this itself; Kinsoku serves lines broken elsewhere.)
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
