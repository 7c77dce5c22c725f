package commitment

import (
	"image"
	stddraw "image/draw"
)

// areaScaler shrinks a picture fed to it one row at a time, averaging each
// target pixel over the area of source it covers (box filtering with
// fractional edges). It keeps two rows of sums, never the source, so a
// picture of any height costs memory in its width and the target only.
type areaScaler struct {
	sw, sh, tw, th int
	fx, fy         float64   // source pixels per target pixel, ≥ 1
	col            []int32   // per source column: its first target column
	wcol           []float32 // and the share of it that falls there
	acc            [2][]float32
	ty             int // the target row acc[0] sums
	y              int // source rows seen
	dst            *image.RGBA
}

// fitSize is the size of a w×h picture scaled so that its longer side is side.
func fitSize(w, h, side int) (int, int) {
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}

func newAreaScaler(sw, sh, tw, th int) *areaScaler {
	s := &areaScaler{sw: sw, sh: sh, tw: tw, th: th, fx: float64(sw) / float64(tw), fy: float64(sh) / float64(th),
		col: make([]int32, sw), wcol: make([]float32, sw), dst: image.NewRGBA(image.Rect(0, 0, tw, th))}
	for x := 0; x < sw; x++ {
		t, w := split(x, s.fx, tw)
		s.col[x], s.wcol[x] = int32(t), float32(w)
	}
	s.acc[0] = make([]float32, tw*3)
	s.acc[1] = make([]float32, tw*3)
	return s
}

// split returns the target cell source cell i starts in and the share of i
// that falls in it (the rest falls in the next cell).
func split(i int, f float64, n int) (int, float64) {
	t := int(float64(i) / f)
	if t >= n {
		return n - 1, 1
	}
	end := float64(t+1) * f
	if float64(i+1) <= end || t+1 >= n {
		return t, 1
	}
	return t, end - float64(i)
}

// row adds the next source row, given as opaque RGB (3 bytes a pixel).
func (s *areaScaler) row(rgb []byte) {
	t, wy := split(s.y, s.fy, s.th)
	s.y++
	for t > s.ty {
		s.emit()
	}
	a0, a1 := s.acc[0], s.acc[1]
	for x := 0; x < s.sw; x++ {
		c, w := int(s.col[x])*3, s.wcol[x]
		r, g, b := float32(rgb[3*x]), float32(rgb[3*x+1]), float32(rgb[3*x+2])
		w0, w1 := w*float32(wy), (1-w)*float32(wy)
		a0[c] += r * w0
		a0[c+1] += g * w0
		a0[c+2] += b * w0
		if w < 1 {
			a0[c+3] += r * w1
			a0[c+4] += g * w1
			a0[c+5] += b * w1
		}
		if wy < 1 {
			v0, v1 := w*float32(1-wy), (1-w)*float32(1-wy)
			a1[c] += r * v0
			a1[c+1] += g * v0
			a1[c+2] += b * v0
			if w < 1 {
				a1[c+3] += r * v1
				a1[c+4] += g * v1
				a1[c+5] += b * v1
			}
		}
	}
}

// emit writes target row ty from its sums and moves on to the next.
func (s *areaScaler) emit() {
	if s.ty >= s.th {
		return
	}
	area := float32(s.fx * s.fy)
	out := s.dst.Pix[s.ty*s.dst.Stride:]
	a := s.acc[0]
	for x := 0; x < s.tw; x++ {
		for c := 0; c < 3; c++ {
			v := a[3*x+c]/area + 0.5
			out[4*x+c] = uint8(min(max(v, 0), 255))
		}
		out[4*x+3] = 0xff
	}
	clear(a)
	s.acc[0], s.acc[1] = s.acc[1], a
	s.ty++
}

// finish writes the rows left and returns the picture.
func (s *areaScaler) finish() *image.RGBA {
	for s.ty < s.th {
		s.emit()
	}
	return s.dst
}

// scaleImage shrinks a decoded picture to tw×th on white, a row at a time.
func scaleImage(src image.Image, tw, th int) *image.RGBA {
	b := src.Bounds()
	s := newAreaScaler(b.Dx(), b.Dy(), tw, th)
	tmp := image.NewRGBA(image.Rect(0, 0, b.Dx(), 1))
	rgb := make([]byte, 3*b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		stddraw.Draw(tmp, tmp.Rect, src, image.Pt(b.Min.X, y), stddraw.Src)
		for x := 0; x < b.Dx(); x++ { // premultiplied colour over white
			p := tmp.Pix[4*x : 4*x+4]
			rgb[3*x], rgb[3*x+1], rgb[3*x+2] = p[0]+255-p[3], p[1]+255-p[3], p[2]+255-p[3]
		}
		s.row(rgb)
	}
	return s.finish()
}
