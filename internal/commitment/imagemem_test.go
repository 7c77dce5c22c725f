package commitment_test

import (
	"bytes"
	"context"
	"image"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// heapPeak samples the heap in use until stop is called and returns the
// highest value seen.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

var (
	worstOnce sync.Once
	worst     []byte
)

// The worst case: a 6324×6324 16-bit PNG of one colour (under the
// 40-megapixel guard, 320 MB once decoded by the standard library), three
// to an entry, four entries at once. The heap stays within the picture
// budget instead of growing by gigabytes.
func TestProgressPhotoMemoryBounded(t *testing.T) {
	worstOnce.Do(func() { worst = commitment.OneColourPNG(6324, 6324, 0x1234, 0x8000, 0xf0f0) })
	t.Logf("worst-case PNG: %d KB", len(worst)>>10)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fixedNow(d)
		ctx := context.Background()
		f := newFixture(t, d)
		f.s.Images = commitment.NewImages(commitment.DefaultImageMemory)
		mc, _ := publishedPair(t, f)
		owner := f.members("市水科所支部", false, 1)[0]
		mem := f.actor(owner)
		files := []commitment.Upload{{Name: "a.png", Data: worst}, {Name: "b.png", Data: worst}, {Name: "c.png", Data: worst}}

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := heapPeak()
		var wg sync.WaitGroup
		results := make([]commitment.Progress, 4)
		errs := make([]error, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				up := make([]commitment.Upload, len(files))
				copy(up, files)
				results[i], errs[i] = f.s.AddProgress(ctx, mem, mc.ID, "现场照片", up)
			}()
		}
		wg.Wait()
		peak := stop()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		grew := int64(peak) - int64(before.HeapInuse)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("heap in use: %d MB before, peak %d MB (+%d MB); allocated %d MB for 12 pictures",
			before.HeapInuse>>20, peak>>20, grew>>20, alloc>>20)
		for i, err := range errs {
			if err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
		if grew > commitment.DefaultImageMemory+32<<20 {
			t.Errorf("heap grew by %d MB, more than the %d MB picture budget", grew>>20, commitment.DefaultImageMemory>>20)
		}
		if per := alloc / 12; per > 48<<20 {
			t.Errorf("%d MB allocated per picture", per>>20)
		}
		// The photos are there, resized, in their colour.
		for _, p := range results {
			if len(p.Files) != 3 {
				t.Fatalf("files: %+v", p.Files)
			}
			for _, fr := range p.Files {
				_, data, err := f.s.KeepingFile(ctx, mem, fr.ID)
				if err != nil {
					t.Fatal(err)
				}
				img, format, err := image.Decode(bytes.NewReader(data))
				if err != nil || format != "jpeg" || img.Bounds().Dx() != 1600 || img.Bounds().Dy() != 1600 || fr.ThumbID == 0 {
					t.Fatalf("stored %s %v %v (%+v)", format, img.Bounds(), err, fr)
				}
				r, g, b, _ := img.At(800, 800).RGBA()
				if near(r>>8, 0x12) || near(g>>8, 0x80) || near(b>>8, 0xf0) {
					t.Fatalf("colour %02x %02x %02x", r>>8, g>>8, b>>8)
				}
			}
		}
	})
}

func near(got uint32, want int) bool { d := int(got) - want; return d > 4 || d < -4 }

// Pictures whose decoding alone would overrun the budget are refused from
// their header, before anything is decoded: an interlaced 16-bit PNG (the
// row decoder cannot take it), a progressive JPEG, a JPEG of four
// components.
func TestPictureOverBudgetRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fixedNow(d)
		ctx := context.Background()
		f := newFixture(t, d)
		f.s.Images = commitment.NewImages(commitment.DefaultImageMemory)
		mc, _ := publishedPair(t, f)
		mem := f.actor(f.members("市水科所支部", false, 1)[0])
		sof := func(marker byte, w, h int, comps ...byte) []byte {
			b := []byte{0xff, 0xd8, 0xff, marker, 0, byte(8 + 3*len(comps)), 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(comps))}
			for i, s := range comps {
				b = append(b, byte(i+1), s, 0)
			}
			return append(b, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0xff, 0xd9) // a scan header, no data
		}
		for name, data := range map[string][]byte{
			"interlaced 16-bit PNG": commitment.InterlacedPNGHeader(6000, 6000),
			"progressive JPEG":      sof(0xc2, 6000, 6000, 0x11, 0x11, 0x11),
			"four-component JPEG":   sof(0xc0, 6000, 6000, 0x11, 0x11, 0x11, 0x11),
		} {
			_, err := f.s.AddProgress(ctx, mem, mc.ID, "大图", []commitment.Upload{{Name: "x", Data: data}})
			if code(err) != apperr.Invalid || !strings.Contains(apperr.As(err).Message("zh"), "内存") {
				t.Errorf("%s: %v", name, err)
			}
		}
		// A baseline JPEG of the same size fits the budget: it is decoded
		// (and found damaged, having no data), not refused for its size.
		_, err := f.s.AddProgress(ctx, mem, mc.ID, "大图", []commitment.Upload{{Name: "x.jpg", Data: sof(0xc0, 6000, 6000, 0x22, 0x11, 0x11)}})
		if code(err) != apperr.Invalid || !strings.Contains(apperr.As(err).Message("zh"), "损坏") {
			t.Errorf("baseline JPEG: %v", err)
		}
	})
}
