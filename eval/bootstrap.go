package eval

import (
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Metric names one figure computed from Stats.
type Metric int

// The metrics that get bootstrap confidence intervals.
const (
	Precision Metric = iota
	Recall
	F1
	ROCAUCMetric
	PRAUC
	ECEMetric
	numMetrics
)

// Metrics lists every Metric in report order.
var Metrics = []Metric{Precision, Recall, F1, ROCAUCMetric, PRAUC, ECEMetric}

// String is the metric's name as used in reports.
func (m Metric) String() string {
	switch m {
	case Precision:
		return "precision"
	case Recall:
		return "recall"
	case F1:
		return "f1"
	case ROCAUCMetric:
		return "roc_auc"
	case PRAUC:
		return "pr_auc"
	case ECEMetric:
		return "ece"
	}
	return "unknown"
}

// Of returns metric m of s.
func (s Stats) Of(m Metric) float64 {
	switch m {
	case Precision:
		return s.Precision()
	case Recall:
		return s.Recall()
	case F1:
		return s.F1()
	case ROCAUCMetric:
		return s.ROCAUC()
	case PRAUC:
		return s.AveragePrecision()
	case ECEMetric:
		return s.ECE()
	}
	return math.NaN()
}

// Estimate is a point value with a bootstrap confidence interval.
type Estimate struct {
	Value Float `json:"value"` // the figure on the data as given
	Lo    Float `json:"lo"`    // lower bound of the interval; NaN without resamples
	Hi    Float `json:"hi"`    // upper bound of the interval; NaN without resamples
}

// Target is one ranked score list and the threshold its flags use.
type Target struct {
	R         *Ranked // the label's ranking
	Threshold float64 // flag scores at or above it
}

// BootstrapOptions configures resampling.
type BootstrapOptions struct {
	// Resamples is the number of bootstrap resamples; 0 disables resampling.
	Resamples int
	// Seed makes the resamples reproducible: resample r draws from its own
	// generator seeded by (Seed, r), so results do not depend on scheduling.
	Seed uint64
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Samples holds, per target and metric, the metric's value in every resample.
type Samples [][numMetrics][]float64

// Resample draws opts.Resamples bootstrap resamples of n items and evaluates
// every target on each. All targets share a resample's item weights, so
// differences between targets (two models, one label) are paired.
//
// A resample gives every item a Poisson(1) count (the Poisson bootstrap, which
// approximates drawing n items with replacement) and each target is then one
// O(n) weighted pass over its pre-sorted order.
//
// A target without any positive item is not resampled (its samples are NaN):
// recall, AUC and average precision are undefined for it and precision and F1
// are 0 in every resample, so intervals would say nothing.
func Resample(n int, targets []Target, opts BootstrapOptions) Samples {
	out := make(Samples, len(targets))
	for t := range out {
		for m := range out[t] {
			out[t][m] = make([]float64, opts.Resamples)
		}
	}
	if opts.Resamples <= 0 || n == 0 {
		return out
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, opts.Resamples)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := make([]uint8, n)
			for {
				r := int(next.Add(1) - 1)
				if r >= opts.Resamples {
					return
				}
				poissonWeights(w, opts.Seed, uint64(r))
				for t, tg := range targets {
					if tg.R.oneClass < 0 {
						for _, m := range Metrics {
							out[t][m][r] = math.NaN()
						}
						continue
					}
					st := tg.R.Pass(w, tg.Threshold)
					for _, m := range Metrics {
						out[t][m][r] = st.Of(m)
					}
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// poissonTable maps 16 random bits to a Poisson(1) draw by inversion.
var poissonTable = func() *[1 << 16]uint8 {
	var t [1 << 16]uint8
	k, p := 0, math.Exp(-1)
	cdf := p
	for u := range t {
		for float64(u)+0.5 > cdf*(1<<16) && k < 255 {
			k++
			p /= float64(k)
			cdf += p
		}
		t[u] = uint8(k)
	}
	return &t
}()

// splitmix64 advances state and returns the next value of the SplitMix64 generator.
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// poissonWeights fills w with Poisson(1) counts for resample r of seed.
func poissonWeights(w []uint8, seed, r uint64) {
	state := seed ^ (r+1)*0xd1b54a32d192ed03
	splitmix64(&state)
	tab := poissonTable
	i := 0
	for ; i+4 <= len(w); i += 4 {
		x := splitmix64(&state)
		w[i] = tab[uint16(x)]
		w[i+1] = tab[uint16(x>>16)]
		w[i+2] = tab[uint16(x>>32)]
		w[i+3] = tab[uint16(x>>48)]
	}
	x := splitmix64(&state)
	for ; i < len(w); i++ {
		w[i] = tab[uint16(x)]
		x >>= 16
	}
}

// Interval returns the central percentile interval holding conf (e.g. 0.95)
// of the finite values in xs; NaN bounds when there are none. xs is not modified.
func Interval(xs []float64, conf float64) (lo, hi float64) {
	v := xs[:0:0]
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	sort.Float64s(v)
	a := (1 - conf) / 2
	return quantile(v, a), quantile(v, 1-a)
}

// quantile interpolates linearly between order statistics of sorted v.
func quantile(v []float64, q float64) float64 {
	pos := q * float64(len(v)-1)
	i := int(pos)
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	f := pos - float64(i)
	return v[i]*(1-f) + v[i+1]*f
}

// Diff returns b − a for every resample (a paired difference).
func Diff(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = b[i] - a[i]
	}
	return d
}
