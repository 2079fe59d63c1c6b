package train

import (
	"math"
	"sort"
)

// ROCAUC returns the area under the ROC curve of scores against binary
// labels (ties count one half); NaN when one class is absent.
func ROCAUC(scores []float64, labels []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks are 1-based
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += avg
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// Confusion counts outcomes at a threshold.
type Confusion struct{ TP, FP, TN, FN int }

// At counts outcomes when score >= threshold is a positive decision.
func At(scores []float64, labels []bool, threshold float64) Confusion {
	var c Confusion
	for i, s := range scores {
		switch p := s >= threshold; {
		case p && labels[i]:
			c.TP++
		case p:
			c.FP++
		case labels[i]:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

func f1(tp, fp, fn int) float64 {
	if tp == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(2*tp+fp+fn)
}

// F1 is the positive class's F1.
func (c Confusion) F1() float64 { return f1(c.TP, c.FP, c.FN) }

// MacroF1 averages the F1 of the positive and the negative class.
func (c Confusion) MacroF1() float64 { return (f1(c.TP, c.FP, c.FN) + f1(c.TN, c.FN, c.FP)) / 2 }

// Precision is TP/(TP+FP), 0 when nothing is predicted positive.
func (c Confusion) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 0
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN), 0 when there are no positives.
func (c Confusion) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 0
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

// BestThreshold returns the threshold with the highest macro-F1: a midpoint
// between two adjacent distinct scores, so that small numeric differences
// between runtimes do not change decisions.
func BestThreshold(scores []float64, labels []bool) float64 {
	return BestThresholdGrouped(scores, labels, make([]int, len(scores)))
}

// BestThresholdGrouped returns the threshold with the highest mean over
// groups (e.g. source corpora) of each group's macro-F1, so that one large
// group does not set the threshold for all. Groups are small integers.
func BestThresholdGrouped(scores []float64, labels []bool, groups []int) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	G := 0
	for _, g := range groups {
		G = max(G, g+1)
	}
	pos, size := make([]int, G), make([]int, G)
	for i, l := range labels {
		size[groups[i]]++
		if l {
			pos[groups[i]]++
		}
	}
	tp, fp := make([]int, G), make([]int, G)
	n := len(scores)
	best, bestT := -1.0, 0.5
	for i := 0; i < n; i++ {
		j := idx[i]
		if labels[j] {
			tp[groups[j]]++
		} else {
			fp[groups[j]]++
		}
		if i+1 < n && scores[idx[i+1]] == scores[j] {
			continue
		}
		var sum float64
		var used int
		for g := 0; g < G; g++ {
			if size[g] == 0 {
				continue
			}
			fn := pos[g] - tp[g]
			tn := size[g] - pos[g] - fp[g]
			sum += (f1(tp[g], fp[g], fn) + f1(tn, fn, fp[g])) / 2
			used++
		}
		if m := sum / float64(used); m > best {
			best = m
			if i+1 < n {
				bestT = (scores[j] + scores[idx[i+1]]) / 2
			} else {
				bestT = scores[j]
			}
		}
	}
	return bestT
}
