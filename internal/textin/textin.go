// Package textin is the boundary every text crosses on its way in: request
// paths, query strings, form and multipart fields, uploaded file names,
// JSON bodies and imported roster cells. Text is accepted only when it is
// valid UTF-8 without NUL and without control characters; tab, line feed
// and carriage return are allowed where text may run over several lines.
//
// PostgreSQL refuses NUL and invalid UTF-8 (SQLSTATE 22021) and SQLite
// stores them silently, so without this check the same input is a 500 on
// one engine and corrupt data on the other. Check is the one rule; the web
// layer applies it centrally (middleware and the JSON decoding helper) and
// the roster parser applies it to every cell.
package textin

import (
	"strconv"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
)

// Mode says whether line breaks and tabs make sense in a text.
type Mode bool

const (
	// Line is single-line text: paths, query strings, file names, keys.
	Line Mode = false
	// Lines is text that may hold tabs and line breaks: form fields,
	// JSON strings, cells.
	Lines Mode = true
)

// Valid reports whether s is clean text for mode m.
func Valid(s string, m Mode) bool { return Bad(s, m) < 0 }

// Bad returns the byte offset of the first character that is not accepted
// in s, or -1 when s is clean.
func Bad(s string, m Mode) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if refused(rune(c), m) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		if refused(r, m) {
			return i
		}
		i += n
	}
	return -1
}

// refused reports control characters: C0 (except tab, LF, CR in Lines),
// DEL and C1.
func refused(r rune, m Mode) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return m == Line
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F:
		return true
	}
	return false
}

// Check returns nil when s is clean text for mode m, and otherwise an
// Invalid error about field (the name the client used: a form field, a
// query parameter, a JSON path) that says what to do.
func Check(field, s string, m Mode) error {
	if Valid(s, m) {
		return nil
	}
	return Refusal(field)
}

// Refusal is the error Check returns for field. Its Field is field, and it
// wraps a one-entry apperr.FieldErrors so that the JSON API lists it under
// "fields".
func Refusal(field string) *apperr.Error {
	name := Name(field)
	e := apperr.Field(field,
		"「"+name+"」含有无法接受的字符（空字符、控制字符或无效的 UTF-8 编码），请删除这些字符后重新提交",
		name+" contains characters that cannot be accepted (NUL, control characters or invalid UTF-8); remove them and submit again")
	return &apperr.Error{Code: apperr.Invalid, Field: field, Msg: e.Msg, MsgEn: e.MsgEn, Err: apperr.FieldErrors{field: e}}
}

// Name renders a field name for a message: as it is when it is clean,
// quoted with escapes when the name itself is what is wrong.
func Name(field string) string {
	if Valid(field, Line) && field != "" {
		return field
	}
	return strconv.QuoteToASCII(field)
}

// Sanitize returns s with invalid UTF-8 replaced by U+FFFD and refused
// characters removed, for echoing a refused value in a message.
func Sanitize(s string, m Mode) string {
	if Valid(s, m) {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == utf8.RuneError || refused(r, m) {
			if r == utf8.RuneError {
				out = append(out, utf8.RuneError)
			}
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// FileName checks the name of a file uploaded in field: single-line text.
func FileName(field, name string) error {
	if Valid(name, Line) {
		return nil
	}
	f := Name(field)
	e := apperr.Field(field,
		"上传文件（「"+f+"」）的文件名含有无法接受的字符（空字符、控制字符或无效的 UTF-8 编码），请改名后重新上传",
		"The name of the file uploaded as "+f+" contains characters that cannot be accepted (NUL, control characters or invalid UTF-8); rename it and upload again")
	return &apperr.Error{Code: apperr.Invalid, Field: field, Msg: e.Msg, MsgEn: e.MsgEn, Err: apperr.FieldErrors{field: e}}
}
