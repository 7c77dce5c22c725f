package roster

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// The .xlsx reader: a workbook is streamed part by part under a Budget, so
// that a hostile file (a few hundred kilobytes that unpack to gigabytes, or
// a sheet that declares millions of cells) is refused early and reading
// any file costs a bounded amount of memory. Only what a roster needs is
// read: sheet names, shared strings, which cell styles are dates, and the
// cells' values.

// errTooBig is a workbook over the budget; errDamaged one that is not a
// readable workbook.
type readError struct {
	tooBig bool
	what   string // for the message: which part or limit
}

func (e *readError) Error() string {
	if e.tooBig {
		return "too big: " + e.what
	}
	return "damaged: " + e.what
}

func tooBig(format string, a ...any) error {
	return &readError{tooBig: true, what: fmt.Sprintf(format, a...)}
}
func damaged(format string, a ...any) error { return &readError{what: fmt.Sprintf(format, a...)} }

// maxZipEntries bounds the number of parts a workbook may have.
const maxZipEntries = 10000

// maxColumns is the widest sheet Excel makes (XFD).
const maxColumns = 16384

// xlsxBook is an opened workbook.
type xlsxBook struct {
	zr     *zip.Reader
	files  map[string]*zip.File
	budget Budget
	used   int64 // unpacked bytes read so far
	cells  int64 // cells read so far

	sheets     []xlsxSheet
	sstPath    string
	stylesPath string
	sstText    []byte   // the shared strings, end to end
	sstEnd     []uint32 // end offset of each shared string in sstText
	dateStyle  []bool   // per cell format (s="…"): a date format
}

type xlsxSheet struct{ name, path string }

// openXLSX checks the archive against the budget before reading anything
// and reads the workbook's structure, styles and shared strings.
func openXLSX(data []byte, b Budget) (*xlsxBook, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, damaged("zip: %v", err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, tooBig("%d parts", len(zr.File))
	}
	bk := &xlsxBook{zr: zr, files: map[string]*zip.File{}, budget: b}
	var total uint64
	for _, f := range zr.File {
		// What the archive says each part unpacks to is checked first; the
		// zip reader refuses to unpack more than it says.
		if f.UncompressedSize64 > uint64(b.PartBytes) {
			return nil, tooBig("part %s unpacks to %d MB", f.Name, f.UncompressedSize64>>20)
		}
		total += f.UncompressedSize64
		bk.files[strings.TrimPrefix(f.Name, "/")] = f
	}
	if total > uint64(b.TotalBytes) {
		// Parts the reader never opens (images, printer settings) count
		// too: a file this size is not a roster.
		return nil, tooBig("all parts unpack to %d MB", total>>20)
	}
	if err := bk.readWorkbook(); err != nil {
		return nil, err
	}
	if bk.stylesPath != "" {
		if err := bk.readStyles(); err != nil {
			return nil, err
		}
	}
	if bk.sstPath != "" {
		if err := bk.readSharedStrings(); err != nil {
			return nil, err
		}
	}
	return bk, nil
}

// open returns a reader of one part that stops at the budget.
func (bk *xlsxBook) open(name string) (io.ReadCloser, error) {
	f, ok := bk.files[strings.TrimPrefix(name, "/")]
	if !ok {
		return nil, damaged("missing part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, damaged("part %s: %v", name, err)
	}
	return &budgetReader{rc: rc, bk: bk, name: name}, nil
}

// budgetReader counts unpacked bytes against the workbook's budget.
type budgetReader struct {
	rc   io.ReadCloser
	bk   *xlsxBook
	name string
	n    int64
}

func (r *budgetReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.n += int64(n)
	r.bk.used += int64(n)
	if r.n > r.bk.budget.PartBytes {
		return n, tooBig("part %s unpacks to more than %d MB", r.name, r.bk.budget.PartBytes>>20)
	}
	if r.bk.used > r.bk.budget.TotalBytes {
		return n, tooBig("the parts unpack to more than %d MB", r.bk.budget.TotalBytes>>20)
	}
	if err != nil && err != io.EOF {
		var re *readError
		if errors.As(err, &re) {
			return n, err
		}
		return n, damaged("part %s: %v", r.name, err)
	}
	return n, err
}

func (r *budgetReader) Close() error { return r.rc.Close() }

// xmlErr maps a scanner error to too big or damaged.
func xmlErr(part string, err error) error {
	var re *readError
	if errors.As(err, &re) {
		return err
	}
	return damaged("part %s: %v", part, err)
}

// scanPart runs each over the tags of a part until it returns false or the
// part ends.
func (bk *xlsxBook) scanPart(name string, keepText bool, each func(s *xscan) (bool, error)) error {
	rc, err := bk.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	s := newXScan(rc)
	for {
		err := s.next(keepText, int(bk.budget.TextBytes))
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlErr(name, err)
		}
		more, err := each(s)
		if err != nil || !more {
			return err
		}
	}
}

// relTargets reads a relationships part: id → (type, target resolved
// against base).
func (bk *xlsxBook) relTargets(relsPath, base string) (map[string][2]string, error) {
	out := map[string][2]string{}
	if _, ok := bk.files[relsPath]; !ok {
		return out, nil
	}
	err := bk.scanPart(relsPath, false, func(s *xscan) (bool, error) {
		if s.is(xStart, "Relationship") {
			if len(out) > 10000 {
				return false, tooBig("relationships")
			}
			t := s.attr("Target")
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Join(base, t)
			}
			out[s.attr("Id")] = [2]string{s.attr("Type"), t}
		}
		return true, nil
	})
	return out, err
}

// readWorkbook finds the sheets (in workbook order) and the shared strings
// and styles parts.
func (bk *xlsxBook) readWorkbook() error {
	wb := "xl/workbook.xml"
	root, err := bk.relTargets("_rels/.rels", "")
	if err != nil {
		return err
	}
	for _, r := range root {
		if strings.HasSuffix(r[0], "/officeDocument") {
			wb = r[1]
		}
	}
	dir := path.Dir(wb)
	rels, err := bk.relTargets(path.Join(dir, "_rels", path.Base(wb)+".rels"), dir)
	if err != nil {
		return err
	}
	for _, r := range rels {
		switch {
		case strings.HasSuffix(r[0], "/sharedStrings"):
			bk.sstPath = r[1]
		case strings.HasSuffix(r[0], "/styles"):
			bk.stylesPath = r[1]
		}
	}
	err = bk.scanPart(wb, false, func(s *xscan) (bool, error) {
		if s.is(xStart, "sheet") {
			if r, ok := rels[s.attr("id")]; ok && len(bk.sheets) < 1000 {
				bk.sheets = append(bk.sheets, xlsxSheet{name: s.attr("name"), path: r[1]})
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if len(bk.sheets) == 0 {
		return damaged("no sheets")
	}
	return nil
}

// builtinDate are the built-in number formats that show dates.
func builtinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
}

// dateCode reports whether a custom number format shows a date: it has
// y, m or d outside quotes and brackets (and is not only a time).
func dateCode(code string) bool {
	inQuote, inBracket := false, false
	hasYD, hasM := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '[':
			inBracket = true
		case c == ']':
			inBracket = false
		case inBracket:
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == 'y' || c == 'Y' || c == 'd' || c == 'D' || c == 'e':
			hasYD = true
		case c == 'm' || c == 'M':
			hasM = true
		}
	}
	return hasYD || hasM && !strings.ContainsAny(strings.ToLower(code), "hs")
}

// readStyles learns which cell formats are dates.
func (bk *xlsxBook) readStyles() error {
	custom := map[int]bool{}
	inXfs := false
	return bk.scanPart(bk.stylesPath, false, func(s *xscan) (bool, error) {
		switch {
		case s.is(xStart, "numFmt"):
			if len(custom) < 10000 {
				id, _ := strconv.Atoi(s.attr("numFmtId"))
				custom[id] = dateCode(s.attr("formatCode"))
			}
		case s.is(xStart, "cellXfs") && s.kind == xStart:
			inXfs = true
		case s.is(xEnd, "cellXfs"):
			inXfs = false
		case inXfs && s.is(xStart, "xf"):
			if len(bk.dateStyle) >= 65536 {
				return false, tooBig("more than 65536 cell formats")
			}
			id, _ := strconv.Atoi(s.attr("numFmtId"))
			isDate, ok := custom[id]
			if !ok {
				isDate = builtinDate(id)
			}
			bk.dateStyle = append(bk.dateStyle, isDate)
		}
		return true, nil
	})
}

// readSharedStrings holds the shared strings end to end in one buffer,
// within the budget's TextBytes; phonetic runs (rPh) are skipped.
func (bk *xlsxBook) readSharedStrings() error {
	inSI, inT, skip := false, false, 0
	// The text is at most the part's unpacked size: one allocation rather
	// than a doubling series.
	if f, ok := bk.files[strings.TrimPrefix(bk.sstPath, "/")]; ok {
		bk.sstText = make([]byte, 0, min(int64(f.UncompressedSize64), bk.budget.TextBytes+1))
	}
	return bk.scanPart(bk.sstPath, true, func(s *xscan) (bool, error) {
		if inT && len(s.text) > 0 {
			bk.sstText = append(bk.sstText, s.text...)
			if int64(len(bk.sstText)) > bk.budget.TextBytes {
				return false, tooBig("shared strings over %d MB", bk.budget.TextBytes>>20)
			}
		}
		switch {
		case s.is(xStart, "si") && s.kind == xStart:
			inSI = true
		case s.is(xStart, "rPh") && s.kind == xStart:
			skip++
		case s.is(xStart, "t") && s.kind == xStart:
			inT = inSI && skip == 0
		case s.is(xEnd, "t"):
			inT = false
		case s.is(xEnd, "rPh"):
			skip--
		}
		if s.is(xEnd, "si") {
			inSI = false
			bk.sstEnd = append(bk.sstEnd, uint32(len(bk.sstText)))
			if int64(len(bk.sstEnd)) > bk.budget.Strings {
				return false, tooBig("more than %d shared strings", bk.budget.Strings)
			}
		}
		return true, nil
	})
}

func (bk *xlsxBook) sharedString(i int) string {
	if i < 0 || i >= len(bk.sstEnd) {
		return ""
	}
	start := uint32(0)
	if i > 0 {
		start = bk.sstEnd[i-1]
	}
	return unescapeX(string(bk.sstText[start:bk.sstEnd[i]]))
}

// unescapeX decodes the _xHHHH_ escapes OOXML writes for characters XML
// cannot hold (control characters); _x005F_ escapes a literal underscore.
func unescapeX(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// sheetRows streams a sheet's rows. Each call of the returned function
// yields the next row's cells (by column, gaps filled with "") and its
// 1-based row number; ok is false at the end. Every cell, including the
// gaps a row spells out, counts against the budget.
func (bk *xlsxBook) sheetRows(sh xlsxSheet) (next rowSource, closeFn func(), err error) {
	rc, err := bk.open(sh.path)
	if err != nil {
		return nil, nil, err
	}
	sc := newXScan(rc)
	rowNum := 0
	var cells []string
	var val []byte
	next = func() ([]string, int, bool, error) {
		inRow := false
		col, typ, style := 0, "", 0
		inV, inIS, inT := false, false, false
		cells = cells[:0]
		for {
			err := sc.next(true, int(bk.budget.TextBytes))
			if err == io.EOF {
				return nil, 0, false, nil
			}
			if err != nil {
				return nil, 0, false, xmlErr(sh.path, err)
			}
			if inV || inT {
				val = append(val, sc.text...)
				if int64(len(val)) > bk.budget.TextBytes {
					return nil, 0, false, tooBig("a cell over %d MB", bk.budget.TextBytes>>20)
				}
			}
			name := string(sc.name)
			if sc.kind == xStart || sc.kind == xEmpty {
				switch name {
				case "row":
					inRow = true
					if r, err := strconv.Atoi(sc.attr("r")); err == nil && r > rowNum && r <= 1048576 {
						rowNum = r
					} else {
						rowNum++
					}
				case "c":
					if !inRow {
						break
					}
					if ref := sc.attr("r"); ref != "" {
						c, ok := refColumn(ref)
						if !ok {
							return nil, 0, false, damaged("cell reference %q", ref)
						}
						col = c
					} else {
						col = len(cells)
					}
					if col < len(cells) {
						col = len(cells) // out of order: keep going rather than overwrite
					}
					typ = sc.attr("t")
					style, _ = strconv.Atoi(sc.attr("s"))
					val = val[:0]
				case "v":
					inV = sc.kind == xStart
				case "is":
					inIS = sc.kind == xStart
				case "t":
					inT = inIS && sc.kind == xStart
				case "rPh":
					inT = false
				}
			}
			if sc.kind == xEnd || sc.kind == xEmpty {
				switch name {
				case "v":
					inV = false
				case "is":
					inIS = false
				case "t":
					inT = false
				case "c":
					if !inRow {
						break
					}
					if col >= maxColumns {
						return nil, 0, false, damaged("column beyond XFD")
					}
					bk.cells += int64(col + 1 - len(cells))
					if bk.cells > bk.budget.Cells {
						return nil, 0, false, tooBig("more than %d cells", bk.budget.Cells)
					}
					for len(cells) < col {
						cells = append(cells, "")
					}
					cells = append(cells, bk.cellValue(typ, style, string(val)))
				case "row":
					// Trailing empty cells are not part of the row.
					n := len(cells)
					for n > 0 && cells[n-1] == "" {
						n--
					}
					out := make([]string, n)
					copy(out, cells[:n])
					return out, rowNum, true, nil
				}
			}
		}
	}
	return next, func() { _ = rc.Close() }, nil
}

// cellValue turns a cell into the text a roster reads: shared and inline
// strings as they are, numbers in date formats as the date they show
// (yyyy-mm-dd), other numbers as stored, booleans as TRUE/FALSE.
func (bk *xlsxBook) cellValue(typ string, style int, v string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return ""
		}
		return bk.sharedString(i)
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE"
		}
		return "FALSE"
	case "d":
		if len(v) >= 10 {
			return v[:10]
		}
		return v
	case "inlineStr", "str":
		return unescapeX(v)
	case "e":
		return v
	}
	if style >= 0 && style < len(bk.dateStyle) && bk.dateStyle[style] {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 1 && f < 2958466 {
			return serialDate(f)
		}
	}
	return v
}

// serialDate is an Excel date serial (1900 system) as yyyy-mm-dd.
func serialDate(f float64) string {
	days := int(math.Floor(f))
	if days >= 60 {
		days-- // Excel's 1900-02-29 that never was
	}
	t := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	return t.Format("2006-01-02")
}

// refColumn is the 0-based column of a cell reference such as "AB12".
func refColumn(ref string) (int, bool) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			goto done
		}
		if col > maxColumns {
			return 0, false
		}
	}
done:
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}
