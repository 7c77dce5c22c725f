package commitment

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// chunk appends a PNG chunk.
func chunk(b []byte, typ string, body []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// rawPNG writes a PNG of any colour type and bit depth from unfiltered
// rows, each row stored with filter f(y) (0–4).
func rawPNG(w, h, ctype, depth int, row func(y int) []byte, plte, trns []byte, f func(y int) byte) []byte {
	hdr := pngHeader{w: w, h: h, depth: depth, ctype: ctype}
	bpp := max(1, hdr.channels()*depth/8)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	prev := make([]byte, hdr.rowBytes())
	for y := 0; y < h; y++ {
		cur := row(y)
		ft := f(y)
		out := make([]byte, len(cur))
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			switch ft {
			case 0:
				out[i] = cur[i]
			case 1:
				out[i] = cur[i] - byte(a)
			case 2:
				out[i] = cur[i] - byte(b)
			case 3:
				out[i] = cur[i] - byte((a+b)/2)
			case 4:
				out[i] = cur[i] - paeth(a, b, c)
			}
		}
		zw.Write([]byte{ft})
		zw.Write(out)
		prev = cur
	}
	zw.Close()
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, byte(depth), byte(ctype), 0, 0, 0)
	b = chunk(b, "IHDR", ihdr)
	if plte != nil {
		b = chunk(b, "PLTE", plte)
	}
	if trns != nil {
		b = chunk(b, "tRNS", trns)
	}
	// Two IDAT chunks, as encoders split long streams.
	zb := z.Bytes()
	b = chunk(b, "IDAT", zb[:len(zb)/2])
	b = chunk(b, "IDAT", zb[len(zb)/2:])
	return chunk(b, "IEND", nil)
}

// streamed decodes data with the row decoder, scaled to tw×th.
func streamed(t *testing.T, data []byte, tw, th int) *image.RGBA {
	t.Helper()
	h, ok := readPNGHeader(data)
	if !ok {
		t.Fatal("header refused")
	}
	s := newAreaScaler(h.w, h.h, tw, th)
	if err := streamPNG(data, h, s.row); err != nil {
		t.Fatal(err)
	}
	return s.finish()
}

// standard decodes data with the standard library, scaled to tw×th.
func standard(t *testing.T, data []byte, tw, th int) *image.RGBA {
	t.Helper()
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return scaleImage(src, tw, th)
}

func sameImage(t *testing.T, name string, got, want *image.RGBA, tol int) {
	t.Helper()
	if got.Rect != want.Rect {
		t.Fatalf("%s: %v, want %v", name, got.Rect, want.Rect)
	}
	for i := range got.Pix {
		if d := int(got.Pix[i]) - int(want.Pix[i]); d > tol || d < -tol {
			x, y := (i/4)%got.Rect.Dx(), (i/4)/got.Rect.Dx()
			t.Fatalf("%s: pixel (%d,%d) channel %d = %d, standard decoder %d", name, x, y, i%4, got.Pix[i], want.Pix[i])
		}
	}
}

// The row decoder reads every colour type, bit depth and filter as the
// standard decoder does.
func TestStreamPNGMatchesStandardDecoder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 37, 23
	noise := func(n int) func(int) []byte {
		return func(int) []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			return b
		}
	}
	cycle := func(y int) byte { return byte(y % 5) }
	palette := make([]byte, 3*256)
	for i := range palette {
		palette[i] = byte(r.IntN(256))
	}
	alphas := make([]byte, 200)
	for i := range alphas {
		alphas[i] = byte(r.IntN(256))
	}
	cases := map[string][]byte{}
	for _, d := range []int{1, 2, 4, 8, 16} {
		hd := pngHeader{w: w, h: h, depth: d, ctype: 0}
		cases["gray"+itoa(d)] = rawPNG(w, h, 0, d, noise(hd.rowBytes()), nil, nil, cycle)
	}
	cases["gray8 key"] = rawPNG(w, h, 0, 8, func(y int) []byte { return bytes.Repeat([]byte{byte(y * 10)}, w) }, nil, []byte{0, 50}, cycle)
	cases["gray16 key"] = rawPNG(w, h, 0, 16, func(y int) []byte { return bytes.Repeat([]byte{1, byte(y)}, w) }, nil, []byte{1, 5}, cycle)
	for _, d := range []int{8, 16} {
		cases["rgb"+itoa(d)] = rawPNG(w, h, 2, d, noise(w*3*d/8), nil, nil, cycle)
		cases["gray+alpha"+itoa(d)] = rawPNG(w, h, 4, d, noise(w*2*d/8), nil, nil, cycle)
		cases["rgba"+itoa(d)] = rawPNG(w, h, 6, d, noise(w*4*d/8), nil, nil, cycle)
	}
	cases["rgb8 key"] = rawPNG(w, h, 2, 8, func(y int) []byte { return bytes.Repeat([]byte{9, byte(y), 7}, w) }, nil, []byte{0, 9, 0, 5, 0, 7}, cycle)
	for _, d := range []int{1, 2, 4, 8} {
		n := 1 << d
		row := func(int) []byte {
			b := make([]byte, (w*d+7)/8)
			for x := 0; x < w; x++ {
				i := r.IntN(n)
				b[x*d/8] |= byte(i << (8 - d - (x*d)%8))
			}
			return b
		}
		cases["palette"+itoa(d)] = rawPNG(w, h, 3, d, row, palette[:3*n], alphas[:min(n, len(alphas))], cycle)
	}
	// And what the standard encoder writes (its own choice of filters).
	nrgba := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = byte(r.IntN(256))
	}
	var buf bytes.Buffer
	png.Encode(&buf, nrgba)
	cases["encoder nrgba64"] = buf.Bytes()
	for name, data := range cases {
		sameImage(t, name+" full size", streamed(t, data, w, h), standard(t, data, w, h), 1)
		sameImage(t, name+" scaled", streamed(t, data, 11, 7), standard(t, data, 11, 7), 1)
	}
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// Damaged PNGs are errors, not panics.
func TestStreamPNGDamaged(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 50, 50))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	good := buf.Bytes()
	h, _ := readPNGHeader(good)
	for cut := 33; cut < len(good)-12; cut += 7 {
		_ = streamPNG(good[:cut], h, func([]byte) {})
	}
	bad := bytes.Clone(good)
	bad[len(bad)-20] ^= 0xff
	_ = streamPNG(bad, h, func([]byte) {})
	if err := streamPNG(good[:40], h, func([]byte) {}); err == nil {
		t.Fatal("a PNG without data decoded")
	}
}

// The scaler averages areas: a picture of two halves keeps its halves, and
// a uniform one stays uniform at any ratio.
func TestAreaScaler(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 300; x++ {
			c := color.RGBA{200, 100, 50, 255}
			if x >= 150 {
				c = color.RGBA{0, 0, 0, 255}
			}
			src.SetRGBA(x, y, c)
		}
	}
	got := scaleImage(src, 7, 3)
	if c := got.RGBAAt(0, 1); c != (color.RGBA{200, 100, 50, 255}) {
		t.Errorf("left: %v", c)
	}
	if c := got.RGBAAt(6, 2); c != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("right: %v", c)
	}
	if c := got.RGBAAt(3, 0); c.R < 90 || c.R > 110 { // the middle column straddles both halves
		t.Errorf("middle: %v", c)
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 101, 99))
	if c := scaleImage(transparent, 13, 17).RGBAAt(12, 16); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("transparent on white: %v", c)
	}
}
