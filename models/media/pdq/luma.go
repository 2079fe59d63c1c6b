package pdq

import (
	"image"
	"image/color"
)

// fillLuma writes the luminance of every pixel of img into dst, row by row.
// Alpha is ignored, as by the reference hashers: a pixel counts with its
// colour as stored (not premultiplied).
func fillLuma(img image.Image, dst []float32) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.YCbCr:
		fillLumaYCbCr(m, dst)
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			out := dst[(y-b.Min.Y)*w : (y-b.Min.Y+1)*w]
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range out {
				v := row[x]
				out[x] = luma8(v, v, v)
			}
		}
	case *image.RGBA:
		fillLumaRGBA(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, b.Dy(), dst)
	case *image.NRGBA:
		fillLumaRGBA(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, b.Dy(), dst)
	case *image.Paletted:
		lut := make([]float32, 256)
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = luma8(n.R, n.G, n.B)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			out := dst[(y-b.Min.Y)*w : (y-b.Min.Y+1)*w]
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range out {
				out[x] = lut[row[x]]
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			out := dst[(y-b.Min.Y)*w : (y-b.Min.Y+1)*w]
			for x := b.Min.X; x < b.Max.X; x++ {
				n := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				out[x-b.Min.X] = luma8(n.R, n.G, n.B)
			}
		}
	}
}

// fillLumaRGBA reads 8-bit RGBA or NRGBA pixels starting at pix[off].
func fillLumaRGBA(pix []uint8, stride, off, w, h int, dst []float32) {
	for y := range h {
		row := pix[off+y*stride : off+y*stride+4*w]
		out := dst[y*w : (y+1)*w]
		for x := range out {
			p := row[4*x : 4*x+3 : 4*x+3]
			out[x] = luma8(p[0], p[1], p[2])
		}
	}
}

// fillLumaYCbCr converts as color.YCbCrToRGB does, then to luminance.
func fillLumaYCbCr(m *image.YCbCr, dst []float32) {
	b := m.Rect
	w := b.Dx()
	// Chroma sample of each column, relative to the row's first.
	cx := make([]int, w)
	c0 := m.COffset(b.Min.X, b.Min.Y)
	for i := range cx {
		cx[i] = m.COffset(b.Min.X+i, b.Min.Y) - c0
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		out := dst[(y-b.Min.Y)*w : (y-b.Min.Y+1)*w]
		ys := m.Y[m.YOffset(b.Min.X, y):]
		ys = ys[:len(out)]
		ci := m.COffset(b.Min.X, y)
		cbs, crs := m.Cb[ci:], m.Cr[ci:]
		for x := range out {
			c := cx[x]
			yy1 := int32(ys[x]) * 0x10101
			cb1 := int32(cbs[c]) - 128
			cr1 := int32(crs[c]) - 128
			r := yy1 + 91881*cr1
			if uint32(r)&0xff000000 == 0 {
				r >>= 16
			} else {
				r = ^(r >> 31)
			}
			g := yy1 - 22554*cb1 - 46802*cr1
			if uint32(g)&0xff000000 == 0 {
				g >>= 16
			} else {
				g = ^(g >> 31)
			}
			bl := yy1 + 116130*cb1
			if uint32(bl)&0xff000000 == 0 {
				bl >>= 16
			} else {
				bl = ^(bl >> 31)
			}
			out[x] = float32(lumaTab[0][uint8(r)]+lumaTab[1][uint8(g)]) + lumaTab[2][uint8(bl)]
		}
	}
}

// lumaTab holds each channel's term of luma8, rounded as luma8 rounds it.
var lumaTab = func() (t [3][256]float32) {
	for v := range 256 {
		t[0][v] = lumaR * float32(v)
		t[1][v] = lumaG * float32(v)
		t[2][v] = lumaB * float32(v)
	}
	return t
}()

// luma8 is the luminance of an 8-bit RGB colour, in single precision.
func luma8(r, g, b uint8) float32 {
	return float32(float32(lumaR*float32(r))+float32(lumaG*float32(g))) + float32(lumaB*float32(b))
}
