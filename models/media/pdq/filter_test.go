package pdq

import (
	"math/rand/v2"
	"testing"
)

// plainDownsample is the reference's filter written plainly: four
// out-of-place passes of box1D over the whole matrix (rows, columns, rows,
// columns), then decimation.
func plainDownsample(luma []float32, rows, cols int) (out [64][64]float32) {
	a := append([]float32(nil), luma...)
	b := make([]float32, len(a))
	wRow := (cols + windowDivisor - 1) / windowDivisor
	wCol := (rows + windowDivisor - 1) / windowDivisor
	col := func(m []float32, c int) []float32 {
		v := make([]float32, rows)
		for r := range rows {
			v[r] = m[r*cols+c]
		}
		return v
	}
	for range 2 {
		for r := range rows {
			box1D(a[r*cols:(r+1)*cols], b[r*cols:(r+1)*cols], wRow)
		}
		for c := range cols {
			v := make([]float32, rows)
			box1D(col(b, c), v, wCol)
			for r := range rows {
				a[r*cols+c] = v[r]
			}
		}
	}
	for i := range 64 {
		ini := int((float64(i) + 0.5) * float64(rows) / 64)
		for j := range 64 {
			inj := int((float64(j) + 0.5) * float64(cols) / 64)
			out[i][j] = a[ini*cols+inj]
		}
	}
	return out
}

// TestDownsampleMatchesPlainFilter: the in-place, four-rows-at-a-time,
// sampled-columns filter gives bit for bit what the plain passes give, for
// sizes whose windows range from 1 to 9 and row counts not divisible by 4.
func TestDownsampleMatchesPlainFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	sizes := [][2]int{{1, 1}, {1, 7}, {7, 1}, {3, 5}, {64, 64}, {63, 65}, {129, 130}, {257, 383}, {771, 1030}, {1100, 97}}
	for _, sz := range sizes {
		rows, cols := sz[0], sz[1]
		luma := make([]float32, rows*cols)
		for i := range luma {
			luma[i] = float32(r.IntN(256)) * 0.7
		}
		want := plainDownsample(luma, rows, cols)
		var got [64][64]float32
		downsample(append([]float32(nil), luma...), rows, cols, &got)
		if got != want {
			t.Errorf("%d×%d: downsample differs from the plain filter", rows, cols)
		}
	}
}
