package commitment_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// genPNG makes a w×h PNG with a gradient (so it does not compress to nothing).
func genPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tinyPNG is a 16×16 PNG.
func tinyPNG() []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// bombPNG is a tiny PNG whose header declares w×h pixels.
func bombPNG(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := genPNG(t, 1, 1)
	// 8-byte signature, 4-byte length, "IHDR", then width and height.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func fetchFile(t *testing.T, ctx context.Context, s *commitment.Service, f *fixture, user string, id int64) (commitment.FileRef, image.Config, string) {
	t.Helper()
	ref, data, err := s.KeepingFile(ctx, f.actor(user), id)
	if err != nil {
		t.Fatalf("file %d: %v", id, err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("file %d does not decode: %v", id, err)
	}
	return ref, cfg, format
}

func TestProgressPhotosResized(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fixedNow(d)
		ctx := context.Background()
		f := newFixture(t, d)
		mc, _ := publishedPair(t, f)
		owner := f.members("市水科所支部", false, 1)[0]
		mem := f.actor(owner)

		big := genPNG(t, 3000, 2000)
		small := genPNG(t, 800, 600)
		var jbuf bytes.Buffer
		if err := jpeg.Encode(&jbuf, image.NewGray(image.Rect(0, 0, 200, 100)), nil); err != nil {
			t.Fatal(err)
		}
		webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 64)...)
		p, err := f.s.AddProgress(ctx, mem, mc.ID, "照片", []commitment.Upload{{Name: "现场.png", Data: big}, {Name: "小图.png", Data: small}, {Name: "w.webp", Data: webp}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Files) != 3 {
			t.Fatalf("files %+v", p.Files)
		}
		// The big PNG: a JPEG of at most 1600 px, named .jpg, with a 320 px thumbnail.
		b := p.Files[0]
		if b.ContentType != "image/jpeg" || b.Name != "现场.jpg" || b.ThumbID == 0 {
			t.Fatalf("big photo stored as %+v (original %d bytes)", b, len(big))
		}
		_, cfg, format := fetchFile(t, ctx, f.s, f, owner, b.ID)
		if format != "jpeg" || cfg.Width != 1600 || cfg.Height != 1066 {
			t.Fatalf("big photo: %s %dx%d", format, cfg.Width, cfg.Height)
		}
		tref, cfg, format := fetchFile(t, ctx, f.s, f, "sskszb", b.ThumbID) // the secretary reads it too
		if format != "jpeg" || cfg.Width != 320 || cfg.Height != 213 || tref.ContentType != "image/jpeg" {
			t.Fatalf("thumbnail: %s %dx%d %+v", format, cfg.Width, cfg.Height, tref)
		}
		// The small PNG is kept as it is, with a thumbnail.
		sm := p.Files[1]
		if sm.ContentType != "image/png" || sm.Size != int64(len(small)) || sm.ThumbID == 0 {
			t.Fatalf("small photo %+v", sm)
		}
		if _, cfg, _ := fetchFile(t, ctx, f.s, f, owner, sm.ThumbID); cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("small thumbnail %dx%d", cfg.Width, cfg.Height)
		}
		// WebP is stored as is, without a thumbnail.
		if w := p.Files[2]; w.ContentType != "image/webp" || w.Size != int64(len(webp)) || w.ThumbID != 0 {
			t.Fatalf("webp %+v", w)
		}
		// The keeping page lists the thumbnails.
		k, err := f.s.Keeping(ctx, mem, mc.ID)
		if err != nil || len(k.Progress) != 1 || k.Progress[0].Files[0].ThumbID != b.ThumbID {
			t.Fatalf("keeping: %v %+v", err, k.Progress)
		}
		// A tiny JPEG needs no thumbnail.
		p2, err := f.s.AddProgress(ctx, mem, mc.ID, "小照片", []commitment.Upload{{Name: "x.jpg", Data: jbuf.Bytes()}})
		if err != nil || p2.Files[0].ThumbID != 0 || p2.Files[0].ContentType != "image/jpeg" {
			t.Fatalf("tiny jpeg: %v %+v", err, p2.Files)
		}

		// A decompression bomb is refused before it is decoded, in Chinese.
		_, err = f.s.AddProgress(ctx, mem, mc.ID, "炸弹", []commitment.Upload{{Name: "bomb.png", Data: bombPNG(t, 10000, 10000)}})
		if code(err) != apperr.Invalid || !strings.Contains(apperr.As(err).Message("zh"), "4000 万像素") {
			t.Fatalf("bomb: %v", err)
		}
		// A PNG that only looks like one is refused too.
		fake := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
		if _, err := f.s.AddProgress(ctx, mem, mc.ID, "坏图", []commitment.Upload{{Name: "bad.png", Data: fake}}); code(err) != apperr.Invalid {
			t.Fatalf("broken png: %v", err)
		}
		// Nothing was stored for the refused entries.
		if k, _ := f.s.Keeping(ctx, mem, mc.ID); len(k.Progress) != 2 {
			t.Fatalf("progress after refusals: %d", len(k.Progress))
		}
	})
}
