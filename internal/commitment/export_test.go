package commitment

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// OneColourPNG is a w×h PNG of one 16-bit RGB colour: a few hundred KB on
// disk for any size, 8 bytes a pixel once decoded by the standard library.
func OneColourPNG(w, h int, r, g, b uint16) []byte {
	px := []byte{byte(r >> 8), byte(r), byte(g >> 8), byte(g), byte(b >> 8), byte(b)}
	first := bytes.Repeat(px, w)
	return rawPNG(w, h, 2, 16, func(int) []byte { return first }, nil, nil, func(y int) byte {
		if y == 0 {
			return 1 // Sub: the row after its first pixel is zeros
		}
		return 2 // Up: all zeros
	})
}

// InterlacedPNGHeader is OneColourPNG's header marked interlaced (refused
// before any decoding, so the data need not be interlaced).
func InterlacedPNGHeader(w, h int) []byte {
	b := OneColourPNG(1, 1, 0, 0, 0)
	b[16], b[17], b[18], b[19] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	b[20], b[21], b[22], b[23] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
	b[28] = 1
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}
