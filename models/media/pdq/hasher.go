// The hashing steps in this file (luminance coefficients, the Jarosz
// tent-filter downsampling, decimation to 64×64, the quality metric, the
// 16×16 DCT, the median threshold and the dihedral sign patterns) follow
// Meta's reference PDQ hasher closely and carry its notice:
//
// Copyright (c) Meta Platforms, Inc. and affiliates.
//
// Redistribution and use in source and binary forms, with or without
// modification, are permitted provided that the following conditions are met:
//
//   - Redistributions of source code must retain the above copyright notice,
//     this list of conditions and the following disclaimer.
//   - Redistributions in binary form must reproduce the above copyright
//     notice, this list of conditions and the following disclaimer in the
//     documentation and/or other materials provided with the distribution.
//   - Neither the name Facebook nor the names of its contributors may be used
//     to endorse or promote products derived from this software without
//     specific prior written permission.
//
// THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
// AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
// IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
// ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
// LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
// CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
// SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
// INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
// CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
// ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
// POSSIBILITY OF SUCH DAMAGE.

package pdq

import (
	"image"
	"math"
	"slices"
	"sync"
)

// Luminance from RGB (the Y of YUV), in single precision as in the reference.
const (
	lumaR float32 = 0.299
	lumaG float32 = 0.587
	lumaB float32 = 0.114
)

// windowDivisor: each of the two X,Y passes of box filters averages over
// 1/128 of the image's width (height), so that together they cover the
// 1/64 that becomes one pixel of the 64×64 downsample.
const windowDivisor = 128

// dct is the 16×64 matrix of DCT basis rows 1..16 (row 0, the mean, is left
// out), scaled by sqrt(2/64).
var dct = func() (d [16][64]float32) {
	scale := math.Sqrt(2.0 / 64.0)
	for i := range 16 {
		for j := range 64 {
			d[i][j] = float32(scale * math.Cos((math.Pi/2/64.0)*float64(i+1)*float64(2*j+1)))
		}
	}
	return d
}()

// FromImage returns the PDQ hash of img and its quality, 0 (featureless) to
// 100. An empty image has the zero hash and quality 0.
func FromImage(img image.Image) (Hash, int) {
	var m [16][16]float32
	q, ok := transform(img, &m)
	if !ok {
		return Hash{}, 0
	}
	return toBits(&m), q
}

// Dihedral returns the hashes of img and of its seven rotations and flips,
// computed from one transform, in the reference's order: original, rotated
// 90°, 180° and 270°, flipped about the x axis, about the y axis, and about
// the two diagonals (plus 1, minus 1); and the quality of img.
func Dihedral(img image.Image) ([8]Hash, int) {
	var out [8]Hash
	var m [16][16]float32
	q, ok := transform(img, &m)
	if !ok {
		return out, 0
	}
	for k := range out {
		var t [16][16]float32
		dihedral(k, &m, &t)
		out[k] = toBits(&t)
	}
	return out, q
}

// The order of Dihedral's hashes.
const (
	// Original is the index of the untransformed image's hash in Dihedral's result.
	Original = iota
	// Rotate90 is the index of the hash of the image rotated by 90°.
	Rotate90
	// Rotate180 is the index of the hash of the image rotated by 180°.
	Rotate180
	// Rotate270 is the index of the hash of the image rotated by 270°.
	Rotate270
	// FlipX is the index of the hash of the image flipped about the x axis.
	FlipX
	// FlipY is the index of the hash of the image flipped about the y axis.
	FlipY
	// FlipPlus1 is the index of the hash of the image flipped about its main diagonal.
	FlipPlus1
	// FlipMinus1 is the index of the hash of the image flipped about its other diagonal.
	FlipMinus1
)

// dihedral writes into b the DCT of the k-th dihedral transform of the image
// whose DCT is a: a transpose for the quarter turns and diagonal flips, and
// a sign pattern by row and column parity.
func dihedral(k int, a, b *[16][16]float32) {
	for i := range 16 {
		for j := range 16 {
			v := a[i][j]
			switch k {
			case Original:
				b[i][j] = v
			case Rotate90:
				if j&1 == 0 {
					v = -v
				}
				b[j][i] = v
			case Rotate180:
				if (i+j)&1 != 0 {
					v = -v
				}
				b[i][j] = v
			case Rotate270:
				if i&1 == 0 {
					v = -v
				}
				b[j][i] = v
			case FlipX:
				if i&1 == 0 {
					v = -v
				}
				b[i][j] = v
			case FlipY:
				if j&1 == 0 {
					v = -v
				}
				b[i][j] = v
			case FlipPlus1:
				b[j][i] = v
			case FlipMinus1:
				if (i+j)&1 != 0 {
					v = -v
				}
				b[j][i] = v
			}
		}
	}
}

// toBits sets each bit whose DCT coefficient is above the median of the 256.
func toBits(m *[16][16]float32) Hash {
	var all [256]float32
	for i := range 16 {
		copy(all[i*16:], m[i][:])
	}
	slices.Sort(all[:])
	// The reference's Torben median of 256 values is the 128th smallest.
	median := all[127]
	var h Hash
	for i := range 16 {
		for j := range 16 {
			if m[i][j] > median {
				h.setBit(i*16 + j)
			}
		}
	}
	return h
}

// lumaPool recycles the full-size luminance buffers.
var lumaPool sync.Pool

// transform fills out with the 16×16 DCT of img's 64×64 downsample and
// returns its quality; ok is false for an empty image.
func transform(img image.Image, out *[16][16]float32) (quality int, ok bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return 0, false
	}
	n := w * h
	var buf []float32
	if p, _ := lumaPool.Get().(*[]float32); p != nil && cap(*p) >= n {
		buf = (*p)[:n]
	} else {
		buf = make([]float32, n)
	}
	defer lumaPool.Put(&buf)

	fillLuma(img, buf)
	var small [64][64]float32
	downsample(buf, h, w, &small)
	quality = qualityOf(&small)
	dct64To16(&small, out)
	return quality, true
}

// downsample applies the Jarosz filter (box filters along rows, columns,
// rows and columns, each window 1/128 of the dimension) to the rows×cols
// luminance in buf, then keeps the 64×64 pixels at the centres of a 64×64
// grid. The first three passes work in place; the last one is computed only
// for the 64 columns that are kept.
func downsample(buf []float32, rows, cols int, out *[64][64]float32) {
	wRow := (cols + windowDivisor - 1) / windowDivisor // window along each row
	wCol := (rows + windowDivisor - 1) / windowDivisor // window along each column

	var rowIdx, colIdx [64]int
	for i := range 64 {
		rowIdx[i] = int((float64(i) + 0.5) * float64(rows) / 64)
		colIdx[i] = int((float64(i) + 0.5) * float64(cols) / 64)
	}

	// Pass 1: rows.
	boxRows(buf, rows, cols, wRow, nil, nil)
	// Pass 2: columns.
	boxColumns(buf, rows, cols, wCol)
	// Pass 3: rows, keeping only the 64 sampled columns of each row.
	kept := make([]float32, 64*rows)
	want := make([]bool, cols)
	for _, c := range colIdx {
		want[c] = true
	}
	boxRows(buf, rows, cols, wRow, want, func(r int, line []float32) {
		k := kept[r*64 : (r+1)*64]
		for j, c := range colIdx {
			k[j] = line[c]
		}
	})
	// Pass 4: columns of the kept 64, read at the 64 sampled rows.
	boxColumns(kept, rows, 64, wCol)
	for i, r := range rowIdx {
		copy(out[i][:], kept[r*64:(r+1)*64])
	}
}

// boxRows is box1D along every row of the rows×cols matrix buf. With keep
// nil the result replaces buf; otherwise buf is left as it is and keep is
// given each filtered row, in which only the columns marked in want are
// computed. Four rows go through box1D4 together.
func boxRows(buf []float32, rows, cols, w int, want []bool, keep func(r int, line []float32)) {
	scratch := make([]float32, 4*cols)
	var in, out [4][]float32
	r := 0
	for ; r+4 <= rows; r += 4 {
		for i := range 4 {
			line := buf[(r+i)*cols : (r+i+1)*cols]
			tmp := scratch[i*cols : (i+1)*cols]
			if keep == nil {
				copy(tmp, line)
				in[i], out[i] = tmp, line
			} else {
				in[i], out[i] = line, tmp
			}
		}
		box1D4(&in, &out, w, want)
		if keep != nil {
			for i := range 4 {
				keep(r+i, out[i])
			}
		}
	}
	for ; r < rows; r++ {
		line := buf[r*cols : (r+1)*cols]
		tmp := scratch[:cols]
		if keep == nil {
			copy(tmp, line)
			box1D(tmp, line, w)
		} else {
			box1D(line, tmp, w)
			keep(r, tmp)
		}
	}
}

// box1D writes into out the running mean of in over a window of size w
// centred on each element, shrinking at both ends, as the reference's
// four-phase box1DFloat computes it (same order of additions).
func box1D(in, out []float32, w int) {
	n := len(in)
	half := (w + 2) / 2
	p1, p2, p3, p4 := half-1, w-half+1, n-w, half-1
	var sum float32
	cur := 0
	ri, li, oi := 0, 0, 0
	for range p1 {
		sum += in[ri]
		cur++
		ri++
	}
	for range p2 {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri++
		oi++
	}
	div := float32(cur)
	for range p3 {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / div
		li++
		ri++
		oi++
	}
	for range p4 {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li++
		oi++
	}
}

// box1D4 is box1D on four vectors of the same length at once: the same
// operations in the same order for each, interleaved so that the four
// running sums do not wait on one another. With want set, only the outputs
// it marks are written (the sums still run through every element).
func box1D4(in, out *[4][]float32, w int, want []bool) {
	n := len(in[0])
	half := (w + 2) / 2
	p1, p2, p3, p4 := half-1, w-half+1, n-w, half-1
	a0, a1, a2, a3 := in[0][:n], in[1][:n], in[2][:n], in[3][:n]
	o0, o1, o2, o3 := out[0][:n], out[1][:n], out[2][:n], out[3][:n]
	if want != nil {
		want = want[:n]
	}
	var s0, s1, s2, s3 float32
	cur := 0
	for ri := range p1 {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		cur++
	}
	for oi := range p2 {
		ri := p1 + oi
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		cur++
		if want == nil || want[oi] {
			d := float32(cur)
			o0[oi], o1[oi], o2[oi], o3[oi] = s0/d, s1/d, s2/d, s3/d
		}
	}
	d := float32(cur)
	if want == nil {
		for li := range p3 {
			ri, oi := li+w, li+p2
			s0 = (s0 + a0[ri]) - a0[li]
			s1 = (s1 + a1[ri]) - a1[li]
			s2 = (s2 + a2[ri]) - a2[li]
			s3 = (s3 + a3[ri]) - a3[li]
			o0[oi], o1[oi], o2[oi], o3[oi] = s0/d, s1/d, s2/d, s3/d
		}
	} else {
		for li := range p3 {
			ri, oi := li+w, li+p2
			s0 = (s0 + a0[ri]) - a0[li]
			s1 = (s1 + a1[ri]) - a1[li]
			s2 = (s2 + a2[ri]) - a2[li]
			s3 = (s3 + a3[ri]) - a3[li]
			if want[oi] {
				o0[oi], o1[oi], o2[oi], o3[oi] = s0/d, s1/d, s2/d, s3/d
			}
		}
	}
	for li := p3; li < p3+p4; li++ {
		oi := li + p2
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		cur--
		if want == nil || want[oi] {
			d := float32(cur)
			o0[oi], o1[oi], o2[oi], o3[oi] = s0/d, s1/d, s2/d, s3/d
		}
	}
}

// boxColumns is box1D down every column of the rows×cols matrix buf, in
// place: whole rows at a time for the cache, with a ring of the original
// rows that are still to be subtracted after their place has been written.
func boxColumns(buf []float32, rows, cols, w int) {
	half := (w + 2) / 2
	p1, p2, p3, p4 := half-1, w-half+1, rows-w, half-1
	sum := make([]float32, cols)
	ring := make([]float32, p2*cols) // original rows oi-p2 .. oi-1
	row := func(i int) []float32 { return buf[i*cols : (i+1)*cols] }
	saved := func(i int) []float32 { s := i % p2; return ring[s*cols : (s+1)*cols] }
	cur := 0
	ri, li, oi := 0, 0, 0
	for range p1 {
		add(sum, row(ri))
		cur++
		ri++
	}
	for range p2 {
		add(sum, row(ri))
		cur++
		o := row(oi)
		copy(saved(oi), o)
		divInto(o, sum, float32(cur))
		ri++
		oi++
	}
	div := float32(cur)
	for range p3 {
		// saved(li) and saved(oi) are the same slot (oi-li = p2): read the
		// original row li from it, then keep the original row oi there.
		plus, ring, o := row(ri)[:cols], saved(li)[:cols], row(oi)[:cols]
		for c, sc := range sum {
			s := sc + plus[c]
			s -= ring[c]
			ring[c] = o[c]
			sum[c] = s
			o[c] = s / div
		}
		li++
		ri++
		oi++
	}
	for range p4 {
		sub(sum, saved(li))
		cur--
		divInto(row(oi), sum, float32(cur))
		li++
		oi++
	}
}

func add(sum, in []float32) {
	in = in[:len(sum)]
	for i := range sum {
		sum[i] += in[i]
	}
}

func sub(sum, in []float32) {
	in = in[:len(sum)]
	for i := range sum {
		sum[i] -= in[i]
	}
}

func divInto(out, sum []float32, d float32) {
	out = out[:len(sum)]
	for i := range sum {
		out[i] = sum[i] / d
	}
}

// qualityOf is the reference's heuristic: the sum of the quantised absolute
// differences between neighbouring pixels of the 64×64 downsample, over 90,
// capped at 100.
func qualityOf(m *[64][64]float32) int {
	sum := 0
	for i := range 63 {
		for j := range 64 {
			sum += absInt(int((m[i][j] - m[i+1][j]) * 100 / 255))
		}
	}
	for i := range 64 {
		for j := range 63 {
			sum += absInt(int((m[i][j] - m[i][j+1]) * 100 / 255))
		}
	}
	return min(sum/90, 100)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// dct64To16 computes rows and columns 1..16 of the 2-D DCT of a: D A Dᵀ.
func dct64To16(a *[64][64]float32, b *[16][16]float32) {
	var t [16][64]float32 // t = D A
	for i := range 16 {
		di := &dct[i]
		ti := &t[i]
		for k := range 64 {
			d := di[k]
			ak := &a[k]
			for j := range 64 {
				ti[j] += float32(d * ak[j])
			}
		}
	}
	for i := range 16 {
		for j := range 16 {
			var s float32
			for k := range 64 {
				s += float32(t[i][k] * dct[j][k])
			}
			b[i][j] = s
		}
	}
}
