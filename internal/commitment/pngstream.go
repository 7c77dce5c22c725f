package commitment

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
)

// A PNG that is not interlaced is decoded a row at a time straight into the
// scaler, so its size in memory is a few rows, whatever its dimensions and
// bit depth: the standard decoder would hold the whole picture (a
// 6324×6324 16-bit PNG of one colour, 311 KB on disk, is 320 MB decoded).

var errPNG = errors.New("png: damaged")

// pngHeader is what IHDR says.
type pngHeader struct {
	w, h      int
	depth     int
	ctype     int // 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
	interlace bool
}

// channels is the number of samples of a pixel.
func (h pngHeader) channels() int {
	return map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[h.ctype]
}

// readPNGHeader reads the IHDR chunk; ok is false unless it is a valid one.
func readPNGHeader(data []byte) (pngHeader, bool) {
	if len(data) < 33 || string(data[:8]) != "\x89PNG\r\n\x1a\n" || string(data[12:16]) != "IHDR" || binary.BigEndian.Uint32(data[8:]) != 13 {
		return pngHeader{}, false
	}
	h := pngHeader{w: int(binary.BigEndian.Uint32(data[16:])), h: int(binary.BigEndian.Uint32(data[20:])),
		depth: int(data[24]), ctype: int(data[25]), interlace: data[28] == 1}
	valid := map[int][]int{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
	ok := false
	for _, d := range valid[h.ctype] {
		ok = ok || d == h.depth
	}
	if !ok || h.w <= 0 || h.h <= 0 || h.w > 1<<24 || h.h > 1<<24 || data[26] != 0 || data[27] != 0 || data[28] > 1 {
		return pngHeader{}, false
	}
	return h, true
}

// rowBytes is the size of one unfiltered row.
func (h pngHeader) rowBytes() int { return (h.w*h.channels()*h.depth + 7) / 8 }

// streamPNG decodes a non-interlaced PNG, handing each row to emit as
// opaque RGB on white (3 bytes a pixel).
func streamPNG(data []byte, h pngHeader, emit func(rgb []byte)) error {
	var idat []io.Reader
	var palette []byte                   // RGB triples
	var trns []byte                      // tRNS chunk as given
	for off := 8; off+12 <= len(data); { // length, type, data, CRC
		n := int(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		if n < 0 || off+12+n > len(data) {
			return errPNG
		}
		body := data[off+8 : off+8+n]
		switch typ {
		case "PLTE":
			palette = body
		case "tRNS":
			trns = body
		case "IDAT":
			idat = append(idat, bytes.NewReader(body))
		}
		off += 12 + n
		if typ == "IEND" {
			break
		}
	}
	if len(idat) == 0 || (h.ctype == 3 && len(palette) < 3) {
		return errPNG
	}
	zr, err := zlib.NewReader(io.MultiReader(idat...))
	if err != nil {
		return errPNG
	}
	defer zr.Close()

	// The colour of each palette index, already on white; and the
	// transparent sample values of gray and RGB pictures.
	var lut [256][3]byte
	if h.ctype == 3 {
		for i := 0; i < 256; i++ {
			if 3*i+2 >= len(palette) {
				break // indexes beyond the palette stay black, as in the standard decoder
			}
			a := 255
			if i < len(trns) {
				a = int(trns[i])
			}
			for c := 0; c < 3; c++ {
				lut[i][c] = over(int(palette[3*i+c]), a)
			}
		}
	}
	key := -1 // gray key or packed RGB key (16 bits a sample)
	var rgbKey [3]int
	switch {
	case h.ctype == 0 && len(trns) >= 2:
		key = int(binary.BigEndian.Uint16(trns))
	case h.ctype == 2 && len(trns) >= 6:
		key = 0
		for c := 0; c < 3; c++ {
			rgbKey[c] = int(binary.BigEndian.Uint16(trns[2*c:]))
		}
	}

	rb := h.rowBytes()
	bpp := max(1, h.channels()*h.depth/8)
	cur, last := make([]byte, rb+1), make([]byte, rb+1) // filter byte and row; last starts as zeros
	out := make([]byte, 3*h.w)
	maxv := (1 << h.depth) - 1
	for y := 0; y < h.h; y++ {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return errPNG
		}
		if err := unfilter(cur[0], cur[1:], last[1:], bpp); err != nil {
			return err
		}
		row := cur[1:]
		switch {
		case h.ctype == 3:
			for x := 0; x < h.w; x++ {
				i := sample(row, x, h.depth)
				copy(out[3*x:], lut[i][:])
			}
		case h.ctype == 0:
			for x := 0; x < h.w; x++ {
				v := sample(row, x, h.depth)
				g := v * 255 / maxv
				if h.depth == 16 {
					g = v >> 8
				}
				if v == key {
					g = 255
				}
				out[3*x], out[3*x+1], out[3*x+2] = byte(g), byte(g), byte(g)
			}
		default: // RGB, gray+alpha, RGBA at 8 or 16 bits a sample
			ch, wide := h.channels(), h.depth == 16
			at := func(x, c int) int {
				if wide {
					return int(binary.BigEndian.Uint16(row[2*(x*ch+c):]))
				}
				return int(row[x*ch+c])
			}
			hi := func(v int) int {
				if wide {
					return v >> 8
				}
				return v
			}
			for x := 0; x < h.w; x++ {
				var r, g, b, a int
				switch h.ctype {
				case 2:
					r, g, b, a = at(x, 0), at(x, 1), at(x, 2), 255
					if key == 0 && r == rgbKey[0] && g == rgbKey[1] && b == rgbKey[2] {
						a = 0
					}
					r, g, b = hi(r), hi(g), hi(b)
				case 4:
					r = hi(at(x, 0))
					g, b, a = r, r, hi(at(x, 1))
				case 6:
					r, g, b, a = hi(at(x, 0)), hi(at(x, 1)), hi(at(x, 2)), hi(at(x, 3))
				}
				out[3*x], out[3*x+1], out[3*x+2] = over(r, a), over(g, a), over(b, a)
			}
		}
		emit(out)
		cur, last = last, cur
	}
	return nil
}

// over is a straight-alpha sample on white.
func over(c, a int) byte {
	if a == 255 {
		return byte(c)
	}
	return byte((c*a + 255*(255-a) + 127) / 255)
}

// sample is sample x of a row of depth-bit samples (1, 2, 4, 8 or 16).
func sample(row []byte, x, depth int) int {
	switch depth {
	case 8:
		return int(row[x])
	case 16:
		return int(binary.BigEndian.Uint16(row[2*x:]))
	}
	perByte := 8 / depth
	b := row[x/perByte]
	shift := 8 - depth*(x%perByte+1)
	return int(b>>shift) & (1<<depth - 1)
}

// unfilter undoes a row's PNG filter in place, given the previous row.
func unfilter(f byte, cur, prev []byte, bpp int) error {
	switch f {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3: // Average
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += byte((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			cur[i] += paeth(a, int(prev[i]), c)
		}
	default:
		return errPNG
	}
	return nil
}

func paeth(a, b, c int) byte {
	p := a + b - c
	pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
	switch {
	case pa <= pb && pa <= pc:
		return byte(a)
	case pb <= pc:
		return byte(b)
	}
	return byte(c)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
