package commitment

import (
	"bytes"
	"image"
	"image/color"
	stddraw "image/draw"
	_ "image/gif" // decoders for image.DecodeConfig and image.Decode
	"image/jpeg"
	_ "image/png"
	"path"
	"strings"

	"golang.org/x/image/draw"

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
)

// storedImage is what is stored of an uploaded picture.
type storedImage struct {
	Data        []byte
	ContentType string
	Name        string
	Thumb       []byte // JPEG, nil when none is needed or possible
}

// prepareImage resizes an uploaded picture of content type ct for phones.
// WebP (not decodable by the standard library) and files that are not
// pictures are kept as they are. The declared size is checked before the
// picture is decoded.
func prepareImage(ct, name string, data []byte, n int) (storedImage, error) {
	out := storedImage{Data: data, ContentType: ct, Name: name}
	switch ct {
	case "image/jpeg", "image/png", "image/gif":
	default:
		return out, nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return out, apperr.Newf(apperr.Invalid, "第 %d 个文件无法识别为图片，可能已损坏", "File %d cannot be read as a picture; it may be damaged", n)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return out, apperr.Newf(apperr.Invalid, "第 %d 个图片像素过多（%d×%d），最多 4000 万像素，请缩小后再上传",
			"Picture %d has too many pixels (%d×%d): at most 40 megapixels, please shrink it first", n, cfg.Width, cfg.Height)
	}
	long := max(cfg.Width, cfg.Height)
	if long <= ThumbSide {
		return out, nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return out, apperr.Newf(apperr.Invalid, "第 %d 个文件无法识别为图片，可能已损坏", "File %d cannot be read as a picture; it may be damaged", n)
	}
	base := src
	if long > MaxImageSide {
		base = scaleTo(src, MaxImageSide, draw.CatmullRom)
		if out.Data, err = encodeJPEG(base); err != nil {
			return out, apperr.Wrap(err, "encode picture")
		}
		out.ContentType = "image/jpeg"
		out.Name = strings.TrimSuffix(name, path.Ext(name)) + ".jpg"
	}
	if out.Thumb, err = encodeJPEG(scaleTo(base, ThumbSide, draw.CatmullRom)); err != nil {
		return out, apperr.Wrap(err, "encode thumbnail")
	}
	return out, nil
}

// scaleTo scales src so that its longer side is side pixels, on white
// (JPEG has no transparency).
func scaleTo(src image.Image, side int, k draw.Interpolator) image.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w >= h {
		w, h = side, max(1, h*side/w)
	} else {
		w, h = max(1, w*side/h), side
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	stddraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, stddraw.Src)
	k.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	return dst
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
