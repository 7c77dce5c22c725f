package textin

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Scanner checks text that arrives in pieces (a multipart field read from
// the wire) without holding it: write the pieces, then ask Valid.
type Scanner struct {
	mode  Mode
	carry [utf8.UTFMax]byte // the start of a character cut by a write
	n     int
	bad   bool
}

// NewScanner returns a Scanner for mode m.
func NewScanner(m Mode) *Scanner { return &Scanner{mode: m} }

// Write checks p; it never fails.
func (s *Scanner) Write(p []byte) (int, error) {
	n := len(p)
	for s.n > 0 && len(p) > 0 && !s.bad {
		s.carry[s.n] = p[0]
		s.n++
		p = p[1:]
		if utf8.FullRune(s.carry[:s.n]) {
			r, size := utf8.DecodeRune(s.carry[:s.n])
			if (r == utf8.RuneError && size <= 1) || refused(r, s.mode) || size != s.n {
				s.bad = true
			}
			s.n = 0
		}
	}
	for i := 0; i < len(p) && !s.bad; {
		c := p[i]
		if c < utf8.RuneSelf {
			s.bad = refused(rune(c), s.mode)
			i++
			continue
		}
		if !utf8.FullRune(p[i:]) {
			s.n = copy(s.carry[:], p[i:])
			break
		}
		r, size := utf8.DecodeRune(p[i:])
		s.bad = (r == utf8.RuneError && size <= 1) || refused(r, s.mode)
		i += size
	}
	return n, nil
}

// Valid reports whether everything written so far is clean and ends on a
// whole character.
func (s *Scanner) Valid() bool { return !s.bad && s.n == 0 }

// JSON checks every string of a JSON document, keys (single-line) and values
// (may hold line breaks), and returns the refusal naming the first bad one
// by its path ("title", "milestones[0].text"). A body that is not
// well-formed JSON is left to the decoder: JSON returns nil for it.
//
// encoding/json turns invalid UTF-8 into U+FFFD without a word, so the raw
// bytes of each string are checked as well as its decoded value.
func JSON(body []byte) error {
	// Fast path: a body that is clean multi-line text as a whole and has
	// no escape holds only clean strings (each is a piece of the body); its
	// keys hold no tab or line break either (raw in a string, they are not
	// JSON: the decoder refuses the body).
	if bytes.IndexByte(body, '\\') < 0 && validBytes(body, Lines) {
		return nil
	}
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
	}
	var stack []frame
	path := func(leaf string) string {
		var b bytes.Buffer
		for i, f := range stack {
			switch {
			case f.obj && i == len(stack)-1 && leaf != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(leaf)
			case f.obj:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			default:
				b.WriteString("[" + strconv.Itoa(f.idx) + "]")
			}
		}
		return b.String()
	}
	advance := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.obj {
			top.wantKey = true
		} else {
			top.idx++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // end of input, or malformed: the decoder says so
		}
		off := dec.InputOffset()
		raw := body[prev:off]
		prev = off
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				advance()
			}
		case string:
			if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey {
				top := &stack[len(stack)-1]
				top.key, top.wantKey = t, false
				if !utf8.Valid(raw) || !Valid(t, Line) {
					return Refusal(path(t))
				}
				continue
			}
			if !utf8.Valid(raw) || !Valid(t, Lines) {
				if len(stack) == 0 {
					return Refusal("body")
				}
				return Refusal(path(""))
			}
			advance()
		default:
			advance()
		}
	}
}

// validBytes is Valid for a byte slice.
func validBytes(b []byte, m Mode) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if refused(rune(c), m) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 || refused(r, m) {
			return false
		}
		i += n
	}
	return true
}
