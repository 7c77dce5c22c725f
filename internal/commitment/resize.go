package commitment

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	_ "image/gif" // decoders for image.DecodeConfig and image.Decode
	"image/jpeg"
	_ "image/png"
	"path"
	"runtime"
	"strings"

	"golang.org/x/sync/semaphore"

	"chuangzheng/internal/apperr"
)

// Images resized for phones: a progress photo larger than MaxImageSide on
// its longer side is stored as a JPEG scaled down to MaxImageSide, and
// every decodable photo larger than ThumbSide gets a ThumbSide thumbnail.
const (
	MaxImageSide   = 1600
	ThumbSide      = 320
	MaxImagePixels = 40_000_000 // refused before decoding (decompression bombs)
	JPEGQuality    = 85
	// DefaultImageMemory is the memory the server spends on pictures at
	// once unless told otherwise (see Images).
	DefaultImageMemory = 128 << 20
)

// Images bounds the memory spent on decoding pictures, server-wide. Each
// picture's cost is worked out from its header (dimensions, bit depth,
// colour model, interlacing or progressive coding) before anything is
// decoded; a picture costing more than the whole budget is refused, the
// others wait until their cost fits beside the pictures being worked on.
// A PNG that is not interlaced is decoded a row at a time into the scaler
// and costs only its rows and its scaled result, whatever its size.
type Images struct {
	budget int64
	sem    *semaphore.Weighted
}

// NewImages makes the server's picture budget of budget bytes.
func NewImages(budget int64) *Images {
	return &Images{budget: budget, sem: semaphore.NewWeighted(budget)}
}

// images is the service's budget, or a private default one.
func (s *Service) images() *Images {
	if s.Images != nil {
		return s.Images
	}
	return NewImages(DefaultImageMemory)
}

// storedImage is what is stored of an uploaded picture.
type storedImage struct {
	Data        []byte
	ContentType string
	Name        string
	Thumb       []byte // JPEG, nil when none is needed or possible
}

func damaged(n int) error {
	return apperr.Newf(apperr.Invalid, "第 %d 个文件无法识别为图片，可能已损坏", "File %d cannot be read as a picture; it may be damaged", n)
}

// prepareImage resizes an uploaded picture of content type ct for phones.
// WebP (not decodable by the standard library) and files that are not
// pictures are kept as they are. The declared size and the memory decoding
// would take are checked before the picture is decoded.
func (im *Images) prepareImage(ctx context.Context, ct, name string, data []byte, n int) (storedImage, error) {
	out := storedImage{Data: data, ContentType: ct, Name: name}
	switch ct {
	case "image/jpeg", "image/png", "image/gif":
	default:
		return out, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return out, damaged(n)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return out, apperr.Newf(apperr.Invalid, "第 %d 个图片像素过多（%d×%d），最多 4000 万像素，请缩小后再上传",
			"Picture %d has too many pixels (%d×%d): at most 40 megapixels, please shrink it first", n, cfg.Width, cfg.Height)
	}
	w, h := cfg.Width, cfg.Height
	long := max(w, h)
	if long <= ThumbSide {
		return out, nil
	}
	tw, th := fitSize(w, h, min(long, MaxImageSide))
	var hdr pngHeader
	stream := false
	decode := int64(w) * int64(h) // GIF: one byte a pixel
	switch format {
	case "png":
		var ok bool
		if hdr, ok = readPNGHeader(data); !ok {
			return out, damaged(n)
		}
		stream = !hdr.interlace
		decode = pngDecodeCost(hdr)
	case "jpeg":
		var ok bool
		if decode, ok = jpegDecodeCost(data); !ok {
			return out, damaged(n)
		}
	}
	if stream {
		decode = int64(2*hdr.rowBytes() + 3*w)
	}
	cost := decode + int64(w)*16 + int64(tw)*int64(th)*4 + 2<<20 // rows, scaler tables, result, encoder
	if cost > im.budget {
		return out, apperr.Newf(apperr.Invalid, "第 %d 个图片（%d×%d）解码需要约 %d MB 内存，超过上限 %d MB：请缩小或另存为普通（非渐进式、非隔行）图片后再上传",
			"Picture %d (%d×%d) would take about %d MB to decode, over the limit of %d MB: shrink it or save it as a plain (not progressive or interlaced) picture first",
			n, w, h, cost>>20, im.budget>>20)
	}
	if err := im.sem.Acquire(ctx, cost); err != nil {
		return out, apperr.Wrap(err, "wait for picture memory")
	}
	defer func() {
		im.sem.Release(cost)
		if cost >= 32<<20 {
			// The decoded picture is garbage now; collect it before the
			// next one is decoded rather than let the heap double first.
			runtime.GC()
		}
	}()

	var base *image.RGBA
	if stream {
		sc := newAreaScaler(w, h, tw, th)
		if err := streamPNG(data, hdr, sc.row); err != nil {
			return out, damaged(n)
		}
		base = sc.finish()
	} else {
		src, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return out, damaged(n)
		}
		b := src.Bounds()
		tw, th = fitSize(b.Dx(), b.Dy(), min(max(b.Dx(), b.Dy()), MaxImageSide))
		base = scaleImage(src, tw, th)
	}
	if long > MaxImageSide {
		if out.Data, err = encodeJPEG(base); err != nil {
			return out, apperr.Wrap(err, "encode picture")
		}
		out.ContentType = "image/jpeg"
		out.Name = strings.TrimSuffix(name, path.Ext(name)) + ".jpg"
	}
	ttw, tth := fitSize(base.Rect.Dx(), base.Rect.Dy(), ThumbSide)
	if out.Thumb, err = encodeJPEG(scaleImage(base, ttw, tth)); err != nil {
		return out, apperr.Wrap(err, "encode thumbnail")
	}
	return out, nil
}

// pngDecodeCost is what the standard decoder holds for a PNG: the picture
// in the type it decodes to (bytes a pixel by colour model and bit depth;
// transparency may widen gray and RGB), twice over when interlaced.
func pngDecodeCost(h pngHeader) int64 {
	bpp := map[int]int64{0: 4, 2: 4, 3: 1, 4: 4, 6: 4}[h.ctype]
	if h.depth == 16 {
		bpp = 8
	}
	c := int64(h.w) * int64(h.h) * bpp
	if h.interlace {
		c *= 2
	}
	return c + int64(2*h.rowBytes())
}

// jpegDecodeCost is what the standard decoder holds for a JPEG, from its
// frame header: every component's samples padded to whole blocks, plus the
// coefficients of every block (4 bytes each) when progressive, plus a CMYK
// copy for four components. ok is false when no frame header is found.
func jpegDecodeCost(data []byte) (int64, bool) {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return 0, false
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return 0, false
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0x01 || m >= 0xd0 && m <= 0xd8:
			i += 2
			continue
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 0, false
		}
		seg := data[i+4 : i+2+size]
		switch m {
		case 0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf:
			if len(seg) < 6 {
				return 0, false
			}
			h, w, nc := int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
			if nc == 0 || len(seg) < 6+3*nc {
				return 0, false
			}
			hmax, vmax := 1, 1
			for c := 0; c < nc; c++ {
				s := seg[6+3*c+1]
				hmax, vmax = max(hmax, int(s>>4)), max(vmax, int(s&15))
			}
			mx, my := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
			var samples int64
			for c := 0; c < nc; c++ {
				s := seg[6+3*c+1]
				samples += int64(mx*int(s>>4)*8) * int64(my*int(s&15)*8)
			}
			cost := samples
			if m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce {
				cost += 4 * samples
			}
			if nc == 4 {
				cost += 4 * int64(w) * int64(h)
			}
			return cost, true
		}
		i += 2 + size
	}
	return 0, false
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
