package roster

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xscan is a small streaming XML scanner for the few shapes a workbook's
// parts have (elements, attributes, text, entities, comments, CDATA). It
// allocates nothing per element, so hostile parts with millions of
// elements cost time in proportion to their unpacked size, which the
// budget bounds, and no memory beyond its buffers.
type xscan struct {
	r    *bufio.Reader
	tag  []byte // the current tag's content between < and >
	text []byte // text before the current tag, entities decoded
	kind int
	name []byte // local name of the current element
}

const (
	xStart = iota + 1
	xEnd
	xEmpty // <x/>: a start immediately followed by its end
)

var errXML = errors.New("malformed XML")

func newXScan(r io.Reader) *xscan { return &xscan{r: bufio.NewReaderSize(r, 64<<10)} }

// next reads up to and including the next tag. Text before it is in
// s.text; processing instructions and comments are skipped; CDATA is text.
// It returns io.EOF at the end.
func (s *xscan) next(keepText bool, maxText int) error {
	s.text = s.text[:0]
	for {
		chunk, err := s.r.ReadSlice('<')
		if len(chunk) > 0 && keepText {
			body := chunk
			if err == nil {
				body = chunk[:len(chunk)-1]
			}
			s.text = append(s.text, body...)
			if len(s.text) > maxText {
				return tooBig("text over %d MB", maxText>>20)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	// The tag, up to '>' outside quotes.
	s.tag = s.tag[:0]
	var quote byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return errXML
		}
		if quote != 0 {
			if c == quote {
				quote = 0
			}
		} else if c == '"' || c == '\'' {
			quote = c
		} else if c == '>' {
			break
		}
		s.tag = append(s.tag, c)
		if len(s.tag) > 1<<20 {
			return tooBig("a tag over 1 MB")
		}
		if len(s.tag) == 3 && bytes.Equal(s.tag, []byte("!--")) {
			if err := s.skipUntil([]byte("-->")); err != nil {
				return err
			}
			return s.nextKeep(keepText, maxText)
		}
		if len(s.tag) == 8 && bytes.Equal(s.tag, []byte("![CDATA[")) {
			if err := s.cdata(keepText, maxText); err != nil {
				return err
			}
			return s.nextKeep(keepText, maxText)
		}
	}
	if keepText {
		s.text = unescapeXML(s.text)
	}
	t := s.tag
	switch {
	case len(t) > 0 && (t[0] == '?' || t[0] == '!'):
		return s.nextKeep(keepText, maxText)
	case len(t) > 0 && t[0] == '/':
		s.kind = xEnd
		t = t[1:]
	case len(t) > 0 && t[len(t)-1] == '/':
		s.kind = xEmpty
		t = t[:len(t)-1]
	default:
		s.kind = xStart
	}
	end := bytes.IndexAny(t, " \t\r\n")
	if end < 0 {
		end = len(t)
	}
	s.name = t[:end]
	if i := bytes.IndexByte(s.name, ':'); i >= 0 {
		s.name = s.name[i+1:]
	}
	return nil
}

// nextKeep continues after a skipped construct, keeping the text read so far.
func (s *xscan) nextKeep(keepText bool, maxText int) error {
	saved := append([]byte(nil), s.text...)
	if err := s.next(keepText, maxText); err != nil {
		return err
	}
	if keepText && len(saved) > 0 {
		s.text = append(saved, s.text...)
	}
	return nil
}

func (s *xscan) skipUntil(end []byte) error {
	var last []byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return errXML
		}
		last = append(last, c)
		if len(last) > len(end) {
			last = last[1:]
		}
		if bytes.Equal(last, end) {
			return nil
		}
	}
}

func (s *xscan) cdata(keepText bool, maxText int) error {
	var last []byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return errXML
		}
		if keepText {
			s.text = append(s.text, c)
			if len(s.text) > maxText {
				return tooBig("text over %d MB", maxText>>20)
			}
		}
		last = append(last, c)
		if len(last) > 3 {
			last = last[1:]
		}
		if bytes.Equal(last, []byte("]]>")) {
			if keepText {
				s.text = s.text[:len(s.text)-3]
			}
			return nil
		}
	}
}

// is reports whether the current tag is a start (or empty) or end of name.
func (s *xscan) is(kind int, name string) bool {
	if string(s.name) != name {
		return false
	}
	if kind == xStart {
		return s.kind == xStart || s.kind == xEmpty
	}
	return s.kind == xEnd || s.kind == xEmpty
}

// attr returns the value of the current tag's attribute with local name
// key, entities decoded.
func (s *xscan) attr(key string) string {
	t := s.tag
	for {
		i := bytes.IndexByte(t, '=')
		if i < 0 {
			return ""
		}
		name := bytes.TrimSpace(t[:i])
		if j := bytes.LastIndexAny(name, " \t\r\n"); j >= 0 {
			name = name[j+1:]
		}
		if k := bytes.IndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		rest := bytes.TrimLeft(t[i+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		q := rest[0]
		e := bytes.IndexByte(rest[1:], q)
		if e < 0 {
			return ""
		}
		if string(name) == key {
			return string(unescapeXML(append([]byte(nil), rest[1:1+e]...)))
		}
		t = rest[e+2:]
	}
}

// unescapeXML decodes the five named entities and numeric references in place.
func unescapeXML(b []byte) []byte {
	if bytes.IndexByte(b, '&') < 0 {
		return b
	}
	out := b[:0]
	for i := 0; i < len(b); {
		if b[i] != '&' {
			out = append(out, b[i])
			i++
			continue
		}
		end := bytes.IndexByte(b[i:], ';')
		if end < 0 || end > 12 {
			out = append(out, b[i])
			i++
			continue
		}
		ent := string(b[i+1 : i+end])
		var r rune = -1
		switch ent {
		case "amp":
			r = '&'
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			if len(ent) > 1 && ent[0] == '#' {
				var n uint64
				var err error
				if ent[1] == 'x' || ent[1] == 'X' {
					n, err = strconv.ParseUint(ent[2:], 16, 32)
				} else {
					n, err = strconv.ParseUint(ent[1:], 10, 32)
				}
				if err == nil && n <= utf8.MaxRune {
					r = rune(n)
				}
			}
		}
		if r < 0 {
			out = append(out, b[i])
			i++
			continue
		}
		out = utf8.AppendRune(out, r)
		i += end + 1
	}
	return out
}
