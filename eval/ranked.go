package eval

import (
	"math"
	"slices"
	"sort"
	"sync"
)

// Ranked holds one label's scores sorted once, highest first, with tied scores
// grouped, so that every threshold metric (ROC-AUC, average precision, the
// confusion matrix at a threshold, expected calibration error) is one O(n)
// pass — for the plain data or for a bootstrap resample given as weights.
type Ranked struct {
	n      int
	order  []int32   // item index by rank
	pos    []uint8   // 1 for a positive, 0 for a negative, by rank
	gEnd   []int32   // rank one past the end of each group of tied scores
	gScore []float64 // the score of each group
	gBin   []uint8   // the calibration bin of each group
	q      []int32   // by rank: the score clamped to [0,1] in units of 2^-30, for integer calibration sums
	segs   []segment // runs of untied ranks within one bin, and groups of tied scores
	// oneClass is 1 when every item is positive, -1 when every item is
	// negative, else 0; Pass then needs only the calibration sums.
	oneClass int

	onesOnce sync.Once
	onesW    []uint8
}

// Bins is the number of equal-width calibration bins over [0,1].
const Bins = 10

// segment is a range of ranks that Pass handles in one loop: either a run of
// items whose scores are all distinct and fall in one calibration bin, or one
// group of tied scores.
type segment struct {
	start, end int32
	tie        bool
	bin        uint8
}

// calOne is the fixed-point unit of scores in calibration sums: integer sums
// keep the resample pass free of floating-point dependency chains, and 2^-30
// is far below the precision any report shows.
const calOne = 1 << 30

func binOf(s float64) uint8 {
	b := int(s * Bins)
	if b < 0 {
		b = 0
	}
	if b >= Bins {
		b = Bins - 1
	}
	return uint8(b)
}

// NewRanked sorts scores (one per item) with their gold labels. Scores are
// expected in [0,1] for calibration; ranking metrics accept any real score.
// NaN scores rank last.
func NewRanked(scores []float64, gold []bool) *Ranked {
	n := len(scores)
	r := &Ranked{n: n, order: make([]int32, n), pos: make([]uint8, n)}
	type entry struct {
		s float64
		i int32
	}
	es := make([]entry, n)
	for i, s := range scores {
		if math.IsNaN(s) {
			s = math.Inf(-1)
		}
		es[i] = entry{s, int32(i)}
	}
	// Highest score first; ties in item order, so the ranking is deterministic.
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return int(a.i - b.i)
	})
	r.q = make([]int32, n)
	start := int32(0)
	for k, e := range es {
		r.order[k] = e.i
		if gold[e.i] {
			r.pos[k] = 1
		}
		r.q[k] = int32(math.Round(math.Max(0, math.Min(1, e.s)) * calOne))
		if k == n-1 || es[k+1].s != e.s {
			end := int32(k + 1)
			b := binOf(e.s)
			r.gEnd = append(r.gEnd, end)
			r.gScore = append(r.gScore, e.s)
			r.gBin = append(r.gBin, b)
			tie := end-start > 1
			if last := len(r.segs) - 1; !tie && last >= 0 && !r.segs[last].tie && r.segs[last].bin == b {
				r.segs[last].end = end
			} else {
				r.segs = append(r.segs, segment{start: start, end: end, tie: tie, bin: b})
			}
			start = end
		}
	}
	var np int
	for _, p := range r.pos {
		np += int(p)
	}
	switch np {
	case n:
		r.oneClass = 1
	case 0:
		r.oneClass = -1
	}
	return r
}

// Len is the number of items.
func (r *Ranked) Len() int { return r.n }

// cutGroups returns the number of groups whose score is at or above thr.
func (r *Ranked) cutGroups(thr float64) int {
	return sort.Search(len(r.gScore), func(g int) bool { return r.gScore[g] < thr })
}

// Stats are the sums of one pass over a Ranked at one threshold.
type Stats struct {
	// P and N are the (weighted) numbers of positives and negatives.
	P, N float64
	// TP and FP are the (weighted) true and false positives at the threshold.
	TP, FP float64
	// aucSum is Σ over negatives of the positives ranked above (ties count half).
	aucSum float64
	// apSum is Σ over thresholds of ΔTP × precision.
	apSum float64
	// calSum is Σ over bins of |Σ w·(score − gold)|.
	calSum float64
}

// FN is the (weighted) number of false negatives.
func (s Stats) FN() float64 { return s.P - s.TP }

// TN is the (weighted) number of true negatives.
func (s Stats) TN() float64 { return s.N - s.FP }

// ROCAUC is the area under the ROC curve, ties counting half; NaN without both classes.
func (s Stats) ROCAUC() float64 {
	if s.P == 0 || s.N == 0 {
		return math.NaN()
	}
	return s.aucSum / (s.P * s.N)
}

// AveragePrecision is the PR-AUC as average precision (Σ ΔRecall × Precision
// over distinct thresholds); NaN without positives.
func (s Stats) AveragePrecision() float64 {
	if s.P == 0 {
		return math.NaN()
	}
	return s.apSum / s.P
}

// Precision at the threshold; NaN when nothing is flagged.
func (s Stats) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall at the threshold; NaN without positives.
func (s Stats) Recall() float64 { return ratio(s.TP, s.P) }

// F1 at the threshold; NaN when there are no positives and nothing is flagged.
func (s Stats) F1() float64 { return ratio(2*s.TP, 2*s.TP+s.FP+s.FN()) }

// FPR is the false-positive rate at the threshold; NaN without negatives.
func (s Stats) FPR() float64 { return ratio(s.FP, s.N) }

// FNR is the false-negative rate at the threshold; NaN without positives.
func (s Stats) FNR() float64 { return ratio(s.FN(), s.P) }

// ECE is the expected calibration error over Bins equal-width bins:
// Σ_b (n_b/n)·|mean score_b − positive rate_b|; NaN for no items.
func (s Stats) ECE() float64 { return ratio(s.calSum, s.P+s.N) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// Pass computes the Stats at threshold thr (flagged means score >= thr). w
// holds one weight per item (bootstrap counts); nil means every item counts once.
//
// This is the bootstrap's inner loop: one pass in rank order with integer
// sums, untied scores in a tight loop, tied ones a group at a time.
func (r *Ranked) Pass(w []uint8, thr float64) Stats {
	if w == nil {
		w = r.ones()
	}
	var ps passState
	cutRank := int32(0)
	if cut := r.cutGroups(thr); cut > 0 {
		cutRank = r.gEnd[cut-1]
	}
	r.scan(&ps, w, 0, cutRank)
	cutTP, cutFP := ps.tp, ps.fp
	r.scan(&ps, w, cutRank, int32(r.n))
	st := Stats{P: float64(ps.tp), N: float64(ps.fp), TP: float64(cutTP), FP: float64(cutFP),
		aucSum: float64(ps.auc2) / 2, apSum: ps.ap}
	for _, c := range ps.cal {
		st.calSum += math.Abs(float64(c)) / calOne
	}
	return st
}

// passState holds the running sums of a Pass.
type passState struct {
	tp, fp int64
	auc2   int64 // twice Σ over negatives of the positives ranked above, ties counting half
	ap     float64
	cal    [Bins]int64 // per bin Σ w·(score − gold), in units of 2^-30
}

// scan adds ranks [from, to) to ps; from and to fall on group boundaries.
func (r *Ranked) scan(ps *passState, w []uint8, from, to int32) {
	if from >= to {
		return
	}
	i := sort.Search(len(r.segs), func(i int) bool { return r.segs[i].end > from })
	if r.oneClass != 0 {
		r.scanOneClass(ps, w, i, from, to)
		return
	}
	tp, fp, auc2, ap := ps.tp, ps.fp, ps.auc2, ps.ap
	for ; i < len(r.segs) && r.segs[i].start < to; i++ {
		sg := r.segs[i]
		a, b := max(sg.start, from), min(sg.end, to)
		ord, pos, q := r.order[a:b], r.pos[a:b], r.q[a:b]
		var calAcc int64
		if sg.tie {
			var gt, gp int64
			for k, it := range ord {
				wi := int64(w[it])
				gt += wi
				gp += wi & -int64(pos[k])
			}
			gn := gt - gp
			auc2 += gn * (2*tp + gp)
			tp += gp
			fp += gn
			if gp != 0 {
				ap += float64(gp) * float64(tp) / float64(tp+fp)
			}
			calAcc = int64(q[0])*gt - gp*calOne
		} else {
			pos = pos[:len(ord)]
			q = q[:len(ord)]
			for k, it := range ord {
				wi := int64(w[it])
				p := wi & -int64(pos[k])
				n := wi - p
				auc2 += 2 * n * tp
				tp += p
				fp += n
				if p != 0 { // rare enough that the branch beats an unconditional division
					ap += float64(p) * float64(tp) / float64(tp+fp)
				}
				calAcc += int64(q[k])*wi - p*calOne
			}
		}
		ps.cal[sg.bin] += calAcc
	}
	ps.tp, ps.fp, ps.auc2, ps.ap = tp, fp, auc2, ap
}

// scanOneClass is scan for data with one class only, from segment i on:
// there is no pair to rank, so only the totals and calibration sums move.
// With positives only, every flagged item has precision 1, so the average
// precision sum is the positive total.
func (r *Ranked) scanOneClass(ps *passState, w []uint8, i int, from, to int32) {
	var tot int64
	for ; i < len(r.segs) && r.segs[i].start < to; i++ {
		sg := r.segs[i]
		a, b := max(sg.start, from), min(sg.end, to)
		ord, q := r.order[a:b], r.q[a:b]
		q = q[:len(ord)]
		var sum, calAcc int64
		for k, it := range ord {
			wi := int64(w[it])
			sum += wi
			calAcc += int64(q[k]) * wi
		}
		if r.oneClass > 0 {
			calAcc -= sum * calOne
		}
		ps.cal[sg.bin] += calAcc
		tot += sum
	}
	if r.oneClass > 0 {
		ps.tp += tot
		ps.ap += float64(tot)
	} else {
		ps.fp += tot
	}
}

// ones returns a weight of 1 for every item.
func (r *Ranked) ones() []uint8 {
	r.onesOnce.Do(func() {
		r.onesW = make([]uint8, r.n)
		for i := range r.onesW {
			r.onesW[i] = 1
		}
	})
	return r.onesW
}

// Point is one point of a curve.
type Point struct {
	// X is the false-positive rate (ROC) or the recall (PR).
	X Float `json:"x"`
	// Y is the true-positive rate (ROC) or the precision (PR).
	Y Float `json:"y"`
	// T is the threshold the point belongs to.
	T Float `json:"t"`
}

// SweepRow is precision and recall when flagging scores >= Threshold.
type SweepRow struct {
	// Threshold flags scores at or above it.
	Threshold Float `json:"threshold"`
	// Precision, Recall and F1 at the threshold; undefined values are NaN.
	Precision Float `json:"precision"`
	Recall    Float `json:"recall"` // see Precision
	F1        Float `json:"f1"`     // see Precision
	// Flagged is the number of items flagged.
	Flagged int `json:"flagged"`
}

// Curves returns the ROC curve (FPR, TPR) and the precision–recall curve
// (recall, precision) at every distinct score, starting from the highest
// threshold; the ROC curve starts at (0,0).
func (r *Ranked) Curves() (roc, pr []Point) {
	var P, N float64
	for _, p := range r.pos {
		P += float64(p)
	}
	N = float64(r.n) - P
	roc = append(roc, Point{0, 0, Float(math.Inf(1))})
	var tp, fp float64
	start := int32(0)
	for g, end := range r.gEnd {
		for k := start; k < end; k++ {
			tp += float64(r.pos[k])
		}
		fp = float64(end) - tp
		t := Float(r.gScore[g])
		roc = append(roc, Point{Float(ratio(fp, N)), Float(ratio(tp, P)), t})
		pr = append(pr, Point{Float(ratio(tp, P)), Float(ratio(tp, tp+fp)), t})
		start = end
	}
	return roc, pr
}

// Sweep returns precision, recall and F1 at every distinct score used as the threshold,
// highest threshold first.
func (r *Ranked) Sweep() []SweepRow {
	var P float64
	for _, p := range r.pos {
		P += float64(p)
	}
	rows := make([]SweepRow, 0, len(r.gEnd))
	var tp float64
	start := int32(0)
	for g, end := range r.gEnd {
		for k := start; k < end; k++ {
			tp += float64(r.pos[k])
		}
		fp := float64(end) - tp
		rows = append(rows, SweepRow{
			Threshold: Float(r.gScore[g]),
			Precision: Float(ratio(tp, tp+fp)),
			Recall:    Float(ratio(tp, P)),
			F1:        Float(ratio(2*tp, tp+fp+P)),
			Flagged:   int(end),
		})
		start = end
	}
	return rows
}

// ThresholdForPrecision returns the lowest threshold (so the highest recall)
// at which precision is at least target, with the precision and recall there;
// ok is false when no threshold reaches the target.
func (r *Ranked) ThresholdForPrecision(target float64) (row SweepRow, ok bool) {
	for _, s := range r.Sweep() {
		if float64(s.Precision) >= target {
			row, ok = s, true
		}
	}
	return row, ok
}

// Bin is one bin of a reliability diagram.
type Bin struct {
	// Lo and Hi bound the scores in the bin: [Lo, Hi), the last bin including 1.
	Lo Float `json:"lo"`
	Hi Float `json:"hi"` // upper bound of the bin
	// Count is the number of items in the bin.
	Count int `json:"count"`
	// MeanScore is the mean predicted score of the items in the bin.
	MeanScore Float `json:"mean_score"`
	// PositiveRate is the fraction of gold positives in the bin.
	PositiveRate Float `json:"positive_rate"`
}

// Reliability returns the reliability diagram over Bins equal-width bins.
func (r *Ranked) Reliability() []Bin {
	var cnt [Bins]int
	var sum, posn [Bins]float64
	start := int32(0)
	for g, end := range r.gEnd {
		b := r.gBin[g]
		cnt[b] += int(end - start)
		sum[b] += r.gScore[g] * float64(end-start)
		for k := start; k < end; k++ {
			posn[b] += float64(r.pos[k])
		}
		start = end
	}
	out := make([]Bin, Bins)
	for b := range out {
		out[b] = Bin{
			Lo: Float(float64(b) / Bins), Hi: Float(float64(b+1) / Bins), Count: cnt[b],
			MeanScore: Float(ratio(sum[b], float64(cnt[b]))), PositiveRate: Float(ratio(posn[b], float64(cnt[b]))),
		}
	}
	return out
}

// ROCAUC returns the area under the ROC curve of scores against gold, with tied
// scores counting half (the Mann–Whitney statistic); NaN when gold has only one class.
func ROCAUC(scores []float64, gold []bool) float64 {
	return NewRanked(scores, gold).Pass(nil, math.Inf(1)).ROCAUC()
}

// AveragePrecision returns the PR-AUC as average precision over distinct
// thresholds (tied scores form one threshold); NaN without positives.
func AveragePrecision(scores []float64, gold []bool) float64 {
	return NewRanked(scores, gold).Pass(nil, math.Inf(1)).AveragePrecision()
}

// ECE returns the expected calibration error of scores over Bins equal-width bins.
func ECE(scores []float64, gold []bool) float64 {
	return NewRanked(scores, gold).Pass(nil, math.Inf(1)).ECE()
}

// Confusion is a confusion matrix at one threshold.
type Confusion struct {
	TP int `json:"tp"` // flagged gold positives
	FP int `json:"fp"` // flagged gold negatives
	TN int `json:"tn"` // unflagged gold negatives
	FN int `json:"fn"` // unflagged gold positives
}

// ConfusionAt returns the confusion matrix when flagging scores >= thr.
func ConfusionAt(scores []float64, gold []bool, thr float64) Confusion {
	var c Confusion
	for i, s := range scores {
		switch flag := s >= thr; {
		case flag && gold[i]:
			c.TP++
		case flag:
			c.FP++
		case gold[i]:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

// Precision is TP/(TP+FP); NaN when nothing is flagged.
func (c Confusion) Precision() float64 { return ratio(float64(c.TP), float64(c.TP+c.FP)) }

// Recall is TP/(TP+FN); NaN without positives.
func (c Confusion) Recall() float64 { return ratio(float64(c.TP), float64(c.TP+c.FN)) }

// F1 is the harmonic mean of precision and recall, 2TP/(2TP+FP+FN).
func (c Confusion) F1() float64 { return ratio(float64(2*c.TP), float64(2*c.TP+c.FP+c.FN)) }

// FPR is FP/(FP+TN); NaN without negatives.
func (c Confusion) FPR() float64 { return ratio(float64(c.FP), float64(c.FP+c.TN)) }

// FNR is FN/(FN+TP); NaN without positives.
func (c Confusion) FNR() float64 { return ratio(float64(c.FN), float64(c.FN+c.TP)) }
