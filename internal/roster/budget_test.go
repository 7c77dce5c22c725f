package roster

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
)

// bombPart is one part of a hand-made workbook: its content is produced
// by write, and declared (if not 0) is the unpacked size the archive
// claims, which a hostile file may set to anything.
type bombPart struct {
	name     string
	write    func(w io.Writer) (n int64, crc uint32)
	declared uint64
}

func fixed(s string) func(io.Writer) (int64, uint32) {
	return func(w io.Writer) (int64, uint32) {
		n, _ := io.WriteString(w, s)
		return int64(n), crc32.ChecksumIEEE([]byte(s))
	}
}

// repeated writes head, then body n times, then tail.
func repeated(head, body, tail string, n int) func(io.Writer) (int64, uint32) {
	return func(w io.Writer) (int64, uint32) {
		h := crc32.NewIEEE()
		mw := io.MultiWriter(w, h)
		var total int64
		k, _ := io.WriteString(mw, head)
		total += int64(k)
		chunk := strings.Repeat(body, 4096)
		for i := 0; i < n/4096; i++ {
			k, _ = io.WriteString(mw, chunk)
			total += int64(k)
		}
		for i := 0; i < n%4096; i++ {
			k, _ = io.WriteString(mw, body)
			total += int64(k)
		}
		k, _ = io.WriteString(mw, tail)
		total += int64(k)
		return total, h.Sum32()
	}
}

// makeBomb builds a workbook from parts with raw deflate streams, so the
// declared sizes are whatever the part says.
func makeBomb(tb testing.TB, parts ...bombPart) []byte {
	tb.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range parts {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		n, crc := p.write(fw)
		if err := fw.Close(); err != nil {
			tb.Fatal(err)
		}
		size := uint64(n)
		if p.declared != 0 {
			size = p.declared
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: size})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(comp.Bytes()); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

const (
	ctXML   = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`
	rootRel = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	wbXML   = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>`
	wbRels  = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	sheetOK = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`
)

func frame(sst, sheet bombPart) []byte {
	return makeBomb(testingTB{}, bombPart{name: "[Content_Types].xml", write: fixed(ctXML)}, bombPart{name: "_rels/.rels", write: fixed(rootRel)},
		bombPart{name: "xl/workbook.xml", write: fixed(wbXML)}, bombPart{name: "xl/_rels/workbook.xml.rels", write: fixed(wbRels)}, sst, sheet)
}

// allocDuring is the bytes allocated on the heap while f runs: an upper
// bound of how much the heap can have grown.
func allocDuring(f func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestDecompressionBombs: workbooks of a few hundred kilobytes that unpack
// to hundreds of megabytes, or spell out millions of cells, are refused as
// too big (not as damaged), having allocated far less than 100 MB.
func TestDecompressionBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 300 MB of XML")
	}
	bigSST := repeated(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`,
		`<si><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></si>`, `</sst>`, 5_000_000) // ~315 MB
	honest := frame(bombPart{name: "xl/sharedStrings.xml", write: bigSST}, bombPart{name: "xl/worksheets/sheet1.xml", write: fixed(sheetOK)})
	lying := frame(bombPart{name: "xl/sharedStrings.xml", write: bigSST, declared: 90 << 20}, bombPart{name: "xl/worksheets/sheet1.xml", write: fixed(sheetOK)})
	// Short strings: the count of strings, not their bytes, is what grows.
	manySST := frame(bombPart{name: "xl/sharedStrings.xml", write: repeated(`<sst>`, `<si><t>A</t></si>`, `</sst>`, 5_000_000)},
		bombPart{name: "xl/worksheets/sheet1.xml", write: fixed(sheetOK)})
	// A header row, then rows each spelling out a cell in column XFD.
	wide := frame(bombPart{name: "xl/sharedStrings.xml", write: fixed(`<sst><si><t>姓名</t></si></sst>`)},
		bombPart{name: "xl/worksheets/sheet1.xml", write: repeated(`<worksheet><sheetData><row><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>公民身份号码</t></is></c><c t="inlineStr"><is><t>所在支部</t></is></c></row>`,
			`<row><c r="XFD1"><v>1</v></c></row>`, `</sheetData></worksheet>`, 1_000_000)})
	for _, tt := range []struct {
		name string
		data []byte
	}{{"honest shared strings", honest}, {"lying shared strings", lying}, {"many shared strings", manySST}, {"wide rows", wide}} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) > 2<<20 {
				t.Fatalf("the bomb is %d KB packed; it should be small", len(tt.data)>>10)
			}
			var res Result
			alloc := allocDuring(func() { res = parseT("bomb.xlsx", tt.data) })
			t.Logf("%d KB packed; %.1f MB allocated while refusing it", len(tt.data)>>10, float64(alloc)/(1<<20))
			if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Msg, "过大") || strings.Contains(res.Problems[0].Msg, "已损坏") {
				t.Errorf("problems: %+v", res.Problems)
			}
			if alloc > 100<<20 {
				t.Errorf("allocated %d MB refusing the bomb; the budget is 100 MB", alloc>>20)
			}
		})
	}
}

// TestDamagedIsNotTooBig: a truncated workbook is damaged, not too big.
func TestDamagedIsNotTooBig(t *testing.T) {
	good := frame(bombPart{name: "xl/sharedStrings.xml", write: fixed(`<sst><si><t>x</t></si></sst>`)}, bombPart{name: "xl/worksheets/sheet1.xml", write: fixed(sheetOK)})
	res := parseT("cut.xlsx", good[:len(good)/2])
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Msg, "已损坏") || strings.Contains(res.Problems[0].Msg, "过大") {
		t.Errorf("problems: %+v", res.Problems)
	}
}

// testingTB lets frame build fixtures outside a test's helper chain.
type testingTB struct{ testing.TB }

func (testingTB) Helper()           {}
func (testingTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
