package eval

import (
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func bools(xs ...int) []bool {
	out := make([]bool, len(xs))
	for i, x := range xs {
		out[i] = x == 1
	}
	return out
}

// Hand-computed values: each case's comment shows the arithmetic.
func TestRankingMetrics(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name   string
		scores []float64
		gold   []bool
		auc    float64
		ap     float64
	}{
		// Positives at 0.9, 0.8, 0.6 beat 3, 3 and 2 of the 3 negatives: 8/9.
		// AP: recall steps of 1/3 at precisions 1, 1, 3/4: (1+1+0.75)/3.
		{"distinct scores", []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4}, bools(1, 1, 0, 1, 0, 0), 8.0 / 9, 2.75 / 3},
		// All tied: every pair counts half; one threshold with precision 1/2.
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, bools(1, 0, 1, 0), 0.5, 0.5},
		// 0.8 beats both negatives (2); the tied 0.5 pair counts half and beats 0.2 (1.5): 3.5/4.
		// AP: 0.8 gives precision 1 at recall 1/2; the 0.5 group gives 2/3 at recall 1.
		{"partial tie", []float64{0.8, 0.5, 0.5, 0.2}, bools(1, 1, 0, 0), 0.875, (1 + 2.0/3) / 2},
		{"perfect", []float64{0.9, 0.1}, bools(1, 0), 1, 1},
		{"inverted", []float64{0.1, 0.9}, bools(1, 0), 0, 0.5},
		{"only positives", []float64{0.9, 0.1}, bools(1, 1), nan, 1},
		{"only negatives", []float64{0.9, 0.1}, bools(0, 0), nan, nan},
		{"empty", nil, nil, nan, nan},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ROCAUC(c.scores, c.gold); !near(got, c.auc) {
				t.Errorf("ROCAUC = %v, want %v", got, c.auc)
			}
			if got := AveragePrecision(c.scores, c.gold); !near(got, c.ap) {
				t.Errorf("AveragePrecision = %v, want %v", got, c.ap)
			}
		})
	}
}

func TestThresholdMetrics(t *testing.T) {
	cases := []struct {
		name         string
		scores       []float64
		gold         []bool
		thr          float64
		want         Confusion
		p, r, f1     float64
		fpr, fnr     float64
		undefinedPre bool
	}{
		// Flag scores >= 0.5: 0.9 (pos), 0.5 (neg), 0.5 (pos).
		{"ties at threshold", []float64{0.9, 0.5, 0.5, 0.1}, bools(1, 0, 1, 0), 0.5, Confusion{TP: 2, FP: 1, TN: 1, FN: 0}, 2.0 / 3, 1, 0.8, 0.5, 0, false},
		{"nothing flagged", []float64{0.4, 0.3}, bools(1, 0), 0.5, Confusion{TN: 1, FN: 1}, math.NaN(), 0, 0, 0, 1, true},
		{"all flagged", []float64{0.6, 0.7}, bools(1, 0), 0.5, Confusion{TP: 1, FP: 1}, 0.5, 1, 2.0 / 3, 1, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ConfusionAt(c.scores, c.gold, c.thr)
			if got != c.want {
				t.Fatalf("ConfusionAt = %+v, want %+v", got, c.want)
			}
			st := NewRanked(c.scores, c.gold).Pass(nil, c.thr)
			for _, m := range []struct {
				name      string
				conf, pas float64
				want      float64
			}{
				{"precision", got.Precision(), st.Precision(), c.p},
				{"recall", got.Recall(), st.Recall(), c.r},
				{"f1", got.F1(), st.F1(), c.f1},
				{"fpr", got.FPR(), st.FPR(), c.fpr},
				{"fnr", got.FNR(), st.FNR(), c.fnr},
			} {
				if !near(m.conf, m.want) || !near(m.pas, m.want) {
					t.Errorf("%s: confusion %v, pass %v, want %v", m.name, m.conf, m.pas, m.want)
				}
			}
		})
	}
}

func TestECEAndReliability(t *testing.T) {
	// Bins: [0,.1) holds 0.05 (neg): |0.05−0|; [.1,.2) holds 0.15 (neg): |0.15−0|;
	// [.9,1] holds 0.95 (pos) and 0.95 (neg): |1.9−1|. ECE = (0.05+0.15+0.9)/4.
	scores := []float64{0.05, 0.15, 0.95, 0.95}
	gold := bools(0, 0, 1, 0)
	if got := ECE(scores, gold); !near(got, 1.1/4) {
		t.Errorf("ECE = %v, want %v", got, 1.1/4)
	}
	bins := NewRanked(scores, gold).Reliability()
	if len(bins) != Bins {
		t.Fatalf("%d bins, want %d", len(bins), Bins)
	}
	if b := bins[9]; b.Count != 2 || !near(float64(b.MeanScore), 0.95) || !near(float64(b.PositiveRate), 0.5) {
		t.Errorf("top bin = %+v, want 2 items, mean 0.95, rate 0.5", b)
	}
	if b := bins[5]; b.Count != 0 || b.MeanScore.Valid() {
		t.Errorf("empty bin = %+v, want no items and no mean", b)
	}
	// A score of exactly 1 falls in the last bin, 0 in the first.
	if got := ECE([]float64{1, 0}, bools(1, 0)); !near(got, 0) {
		t.Errorf("ECE of perfect 0/1 scores = %v, want 0", got)
	}
	if got := ECE(nil, nil); !math.IsNaN(got) {
		t.Errorf("ECE of nothing = %v, want NaN", got)
	}
}

func TestThresholdForPrecision(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.7, 0.6, 0.5}
	gold := bools(1, 1, 0, 1, 0)
	cases := []struct {
		name   string
		target float64
		ok     bool
		thr    float64
		recall float64
	}{
		// At 0.6: 3 positives and 1 negative flagged, precision 0.75, recall 1.
		{"reachable at full recall", 0.75, true, 0.6, 1},
		// Precision is 1 down to 0.8 and drops to 2/3 at 0.7.
		{"needs a high threshold", 0.9, true, 0.8, 2.0 / 3},
		{"unreachable", 1.01, false, 0, 0},
	}
	r := NewRanked(scores, gold)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row, ok := r.ThresholdForPrecision(c.target)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v", ok, c.ok)
			}
			if ok && (!near(float64(row.Threshold), c.thr) || !near(float64(row.Recall), c.recall)) {
				t.Errorf("got threshold %v recall %v, want %v and %v", row.Threshold, row.Recall, c.thr, c.recall)
			}
		})
	}
}

func TestCurves(t *testing.T) {
	roc, pr := NewRanked([]float64{0.9, 0.5, 0.5, 0.1}, bools(1, 1, 0, 0)).Curves()
	wantROC := [][2]float64{{0, 0}, {0, 0.5}, {0.5, 1}, {1, 1}}
	if len(roc) != len(wantROC) {
		t.Fatalf("ROC has %d points, want %d: %+v", len(roc), len(wantROC), roc)
	}
	for i, w := range wantROC {
		if !near(float64(roc[i].X), w[0]) || !near(float64(roc[i].Y), w[1]) {
			t.Errorf("ROC point %d = (%v,%v), want %v", i, roc[i].X, roc[i].Y, w)
		}
	}
	if len(pr) != 3 || !near(float64(pr[1].Y), 2.0/3) || !near(float64(pr[2].Y), 0.5) {
		t.Errorf("PR curve = %+v", pr)
	}
}

// A weighted pass must equal an unweighted pass over the data with each item
// repeated as often as its weight: this is what makes the bootstrap correct.
func TestWeightedPassEqualsDuplication(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.8, 0.7, 0.4, 0.4, 0.3, 0.2, 0.15, 0.05}
	gold := bools(1, 0, 1, 1, 0, 1, 0, 0, 1, 0)
	w := []uint8{2, 0, 1, 3, 1, 0, 2, 1, 1, 4}
	var ds []float64
	var dg []bool
	for i, k := range w {
		for range k {
			ds, dg = append(ds, scores[i]), append(dg, gold[i])
		}
	}
	for _, thr := range []float64{0, 0.3, 0.4, 0.8, 0.95} {
		a := NewRanked(scores, gold).Pass(w, thr)
		b := NewRanked(ds, dg).Pass(nil, thr)
		for _, m := range Metrics {
			if !near(a.Of(m), b.Of(m)) {
				t.Errorf("threshold %v, %s: weighted %v, duplicated %v", thr, m, a.Of(m), b.Of(m))
			}
		}
	}
}

func TestPoissonWeights(t *testing.T) {
	const n = 200000
	w := make([]uint8, n)
	poissonWeights(w, 7, 3)
	var sum, sq float64
	zeros := 0
	for _, x := range w {
		sum += float64(x)
		sq += float64(x) * float64(x)
		if x == 0 {
			zeros++
		}
	}
	mean := sum / n
	variance := sq/n - mean*mean
	// Poisson(1): mean 1, variance 1, P(0) = e^-1.
	if math.Abs(mean-1) > 0.01 || math.Abs(variance-1) > 0.02 || math.Abs(float64(zeros)/n-math.Exp(-1)) > 0.005 {
		t.Errorf("mean %v, variance %v, zeros %v: not Poisson(1)", mean, variance, float64(zeros)/n)
	}
	w2 := make([]uint8, n)
	poissonWeights(w2, 7, 3)
	if !slices.Equal(w, w2) {
		t.Error("same seed and resample gave different weights")
	}
	poissonWeights(w2, 7, 4)
	if slices.Equal(w, w2) {
		t.Error("different resamples gave the same weights")
	}
}

func synthetic(n int, seed uint64) ([]float64, []bool) {
	s := seed
	scores := make([]float64, n)
	gold := make([]bool, n)
	for i := range scores {
		u := float64(splitmix64(&s)>>11) / (1 << 53)
		gold[i] = u < 0.2
		v := float64(splitmix64(&s)>>11) / (1 << 53)
		if gold[i] {
			scores[i] = 0.3 + 0.7*v
		} else {
			scores[i] = 0.7 * v
		}
		scores[i] = math.Round(scores[i]*100) / 100 // ties on purpose
	}
	return scores, gold
}

func TestResampleDeterministicAcrossWorkers(t *testing.T) {
	scores, gold := synthetic(3000, 1)
	tg := []Target{{NewRanked(scores, gold), 0.5}}
	a := Resample(len(scores), tg, BootstrapOptions{Resamples: 64, Seed: 9, Workers: 1})
	b := Resample(len(scores), tg, BootstrapOptions{Resamples: 64, Seed: 9, Workers: 5})
	c := Resample(len(scores), tg, BootstrapOptions{Resamples: 64, Seed: 10, Workers: 5})
	for _, m := range Metrics {
		if !slices.Equal(a[0][m], b[0][m]) {
			t.Errorf("%s: 1 worker and 5 workers differ", m)
		}
		if slices.Equal(a[0][m], c[0][m]) {
			t.Errorf("%s: seeds 9 and 10 gave the same resamples", m)
		}
	}
}

func TestBootstrapIntervalCoversValue(t *testing.T) {
	scores, gold := synthetic(5000, 2)
	r := NewRanked(scores, gold)
	st := r.Pass(nil, 0.5)
	s := Resample(len(scores), []Target{{r, 0.5}}, BootstrapOptions{Resamples: 400, Seed: 1})
	for _, m := range Metrics {
		lo, hi := Interval(s[0][m], 0.95)
		v := st.Of(m)
		if !(lo <= v && v <= hi) || !(hi-lo > 0) || hi-lo > 0.1 {
			t.Errorf("%s = %v, interval [%v, %v]: should hold the value and be narrow but not empty", m, v, lo, hi)
		}
	}
}

func TestInterval(t *testing.T) {
	xs := make([]float64, 0, 103)
	for i := 100; i >= 0; i-- {
		xs = append(xs, float64(i))
	}
	xs = append(xs, math.NaN(), math.Inf(1))
	lo, hi := Interval(xs, 0.95)
	if !near(lo, 2.5) || !near(hi, 97.5) {
		t.Errorf("Interval = [%v, %v], want [2.5, 97.5]", lo, hi)
	}
	if lo, hi := Interval([]float64{math.NaN()}, 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Interval of NaNs = [%v, %v], want NaN", lo, hi)
	}
}

func TestFloatJSON(t *testing.T) {
	cases := []struct {
		in   Float
		want string
	}{{0.25, "0.25"}, {Float(math.NaN()), "null"}, {Float(math.Inf(1)), "null"}, {1, "1"}}
	for _, c := range cases {
		b, err := c.in.MarshalJSON()
		if err != nil || string(b) != c.want {
			t.Errorf("MarshalJSON(%v) = %s, %v; want %s", float64(c.in), b, err, c.want)
		}
	}
	var f Float
	if err := f.UnmarshalJSON([]byte("null")); err != nil || f.Valid() {
		t.Errorf("null decoded to %v, %v", f, err)
	}
}

// reference computes the Stats metrics by brute force from weighted items.
func reference(scores []float64, gold []bool, w []uint8, thr float64) map[Metric]float64 {
	var P, N, tp, fp, pairs float64
	var binW, binS, binY [Bins]float64
	for i, s := range scores {
		wi := float64(w[i])
		b := binOf(s)
		binW[b] += wi
		binS[b] += wi * s
		if gold[i] {
			P += wi
			binY[b] += wi
			if s >= thr {
				tp += wi
			}
			for j, t := range scores {
				if !gold[j] {
					switch {
					case s > t:
						pairs += wi * float64(w[j])
					case s == t:
						pairs += 0.5 * wi * float64(w[j])
					}
				}
			}
		} else {
			N += wi
			if s >= thr {
				fp += wi
			}
		}
	}
	// Average precision over distinct thresholds.
	ths := slices.Clone(scores)
	slices.Sort(ths)
	ths = slices.Compact(ths)
	var ap, prevTP float64
	for k := len(ths) - 1; k >= 0; k-- {
		var t, f float64
		for i, s := range scores {
			if s >= ths[k] {
				if gold[i] {
					t += float64(w[i])
				} else {
					f += float64(w[i])
				}
			}
		}
		if t > prevTP {
			ap += (t - prevTP) * t / (t + f)
			prevTP = t
		}
	}
	var ece float64
	for b := range Bins {
		ece += math.Abs(binS[b] - binY[b])
	}
	return map[Metric]float64{
		Precision: ratio(tp, tp+fp), Recall: ratio(tp, P), F1: ratio(2*tp, tp+fp+P),
		ROCAUCMetric: ratio(pairs, P*N), PRAUC: ratio(ap, P), ECEMetric: ratio(ece, P+N),
	}
}

func TestPassMatchesBruteForce(t *testing.T) {
	for _, c := range []struct {
		name   string
		n      int
		digits float64 // scores rounded to this many steps: few steps, many ties
		class  int     // 1: positives only, -1: negatives only, 0: both
	}{{"distinct", 300, 0, 0}, {"some ties", 300, 1000, 0}, {"many ties", 300, 20, 0}, {"two values", 50, 1, 0},
		{"negatives only", 200, 0, -1}, {"positives only with ties", 200, 50, 1}} {
		t.Run(c.name, func(t *testing.T) {
			st := uint64(len(c.name))
			scores := make([]float64, c.n)
			gold := make([]bool, c.n)
			for i := range scores {
				scores[i] = float64(splitmix64(&st)>>11) / (1 << 53)
				if c.digits > 0 {
					scores[i] = math.Round(scores[i]*c.digits) / c.digits
				}
				gold[i] = float64(splitmix64(&st)>>11)/(1<<53) < 0.3+0.4*scores[i]
				if c.class != 0 {
					gold[i] = c.class > 0
				}
			}
			r := NewRanked(scores, gold)
			w := make([]uint8, c.n)
			for rs := range 5 {
				poissonWeights(w, 3, uint64(rs))
				for _, thr := range []float64{0, 0.25, scores[0], 0.5, 0.9, 2} {
					got := r.Pass(w, thr)
					want := reference(scores, gold, w, thr)
					for _, m := range Metrics {
						if g, x := got.Of(m), want[m]; !(math.Abs(g-x) < 1e-7 || math.IsNaN(g) && math.IsNaN(x)) {
							t.Errorf("resample %d, threshold %v, %s: pass %v, brute force %v", rs, thr, m, g, x)
						}
					}
				}
			}
		})
	}
}

func TestResampleSkipsLabelsWithoutPositives(t *testing.T) {
	scores, gold := synthetic(500, 4)
	none := make([]bool, len(gold))
	s := Resample(len(scores), []Target{{NewRanked(scores, gold), 0.5}, {NewRanked(scores, none), 0.5}},
		BootstrapOptions{Resamples: 20, Seed: 1})
	for _, m := range Metrics {
		if lo, hi := Interval(s[1][m], 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("%s: label without positives got interval [%v, %v]", m, lo, hi)
		}
		if lo, _ := Interval(s[0][m], 0.95); math.IsNaN(lo) {
			t.Errorf("%s: label with positives got no interval", m)
		}
	}
}
