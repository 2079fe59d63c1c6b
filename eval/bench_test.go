package eval

import (
	"testing"
)

// BenchmarkResample100k: 1,000 bootstrap resamples of 100,000 items with two
// labels (the public model's hate and offensive), everything the report
// needs from each resample.
func BenchmarkResample100k(b *testing.B) {
	const n = 100000
	s1, g1 := syntheticDistinct(n, 1)
	s2, g2 := syntheticDistinct(n, 2)
	b.ResetTimer()
	for range b.N {
		tg := []Target{{NewRanked(s1, g1), 0.5}, {NewRanked(s2, g2), 0.5}}
		Resample(n, tg, BootstrapOptions{Resamples: 1000, Seed: 1})
	}
}

// BenchmarkPass100k is one weighted pass over 100,000 items.
func BenchmarkPass100k(b *testing.B) {
	const n = 100000
	s, g := syntheticDistinct(n, 1)
	r := NewRanked(s, g)
	w := make([]uint8, n)
	poissonWeights(w, 1, 1)
	b.ResetTimer()
	for range b.N {
		r.Pass(w, 0.5)
	}
}

// BenchmarkPoissonWeights100k draws one resample's weights for 100,000 items.
func BenchmarkPoissonWeights100k(b *testing.B) {
	w := make([]uint8, 100000)
	for i := range b.N {
		poissonWeights(w, 1, uint64(i))
	}
}

// syntheticDistinct is like a real model's output: nearly every score distinct.
func syntheticDistinct(n int, seed uint64) ([]float64, []bool) {
	st := seed
	scores := make([]float64, n)
	gold := make([]bool, n)
	for i := range scores {
		gold[i] = float64(splitmix64(&st)>>11)/(1<<53) < 0.2
		v := float64(splitmix64(&st)>>11) / (1 << 53)
		if gold[i] {
			scores[i] = 0.3 + 0.7*v
		} else {
			scores[i] = 0.7 * v
		}
	}
	return scores, gold
}
