package train

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/rasd-iq/rasd/models"
)

// JointRule describes how Config.JointThresholds sets the serious labels'
// thresholds together (the %d are the items and the violating ones among
// them).
const JointRule = "serious labels (incitement, hate, terrorism, threat) set together, as the engine uses them (a post is flagged serious when any of them reaches its threshold): from each label's threshold of the rule above, one label at a time moves to the threshold that most raises violating items flagged minus other items flagged (each as a share of its class), until no move raises it; among equal figures the threshold nearest the label's start is kept. Chosen on the %d items (%d violating) whose corpus annotates every serious label: training items scored out of fold, validation items by the model"

// jointEps is the smallest change of the joint figure that counts as a
// change (shares of a few thousand items differ by far more).
const jointEps = 1e-12

// jointPool holds the items the joint rule is chosen on: their scores for
// the serious labels and whether they violate (any serious label positive).
type jointPool struct {
	scores    [][]float64 // per item, per serious label
	violating []bool
	nPos      int
	nNeg      int
}

// poolForJoint gathers the joint rule's items from exs: those whose corpus
// annotates every column in cols, training items with their out-of-fold
// probabilities (when oof has them), validation items scored by net.
// Augmented copies and ordinary posts are left out.
func poolForJoint(net *models.Net, exs []example, cols []int, oof *sideScores) jointPool {
	var p jointPool
	x := make([]float32, net.Dim+net.Dense)
	h := make([]float32, net.Hidden)
	z := make([]float32, net.Labels)
	for i, e := range exs {
		if e.aug || !allAnnotated(e, cols) {
			continue
		}
		var probs []float32
		switch {
		case e.valid:
			predict(net, e, x, h, z)
			probs = z
		case oof != nil:
			probs = oof.probs[i]
		}
		if probs == nil {
			continue
		}
		row := make([]float64, len(cols))
		viol := false
		for j, k := range cols {
			row[j] = float64(probs[k])
			viol = viol || e.y[k] == 1
		}
		p.add(row, viol)
	}
	return p
}

func (p *jointPool) add(row []float64, violating bool) {
	p.scores = append(p.scores, row)
	p.violating = append(p.violating, violating)
	if violating {
		p.nPos++
	} else {
		p.nNeg++
	}
}

// allAnnotated reports whether e's corpus annotates every label in cols.
func allAnnotated(e example, cols []int) bool {
	for _, k := range cols {
		if e.y[k] < 0 {
			return false
		}
	}
	return true
}

// flagged counts the violating and the other items that t flags (any
// column at or above its threshold).
func (p jointPool) flagged(t []float64) (pos, neg int) {
	for i, row := range p.scores {
		for c, s := range row {
			if s >= t[c] {
				if p.violating[i] {
					pos++
				} else {
					neg++
				}
				break
			}
		}
	}
	return pos, neg
}

// objective is the joint rule's figure: the share of violating items
// flagged minus the share of other items flagged.
func (p jointPool) objective(pos, neg int) float64 {
	return float64(pos)/float64(p.nPos) - float64(neg)/float64(p.nNeg)
}

// jointThresholds runs JointRule's coordinate ascent from start (one
// threshold per column of p.scores). It returns start unchanged when the
// pool lacks either class.
func jointThresholds(p jointPool, start []float64) []float64 {
	t := slices.Clone(start)
	if p.nPos == 0 || p.nNeg == 0 {
		return t
	}
	order := make([][]int, len(t))
	for j := range order {
		order[j] = make([]int, len(p.scores))
		for i := range order[j] {
			order[j][i] = i
		}
		sort.SliceStable(order[j], func(a, b int) bool { return p.scores[order[j][a]][j] > p.scores[order[j][b]][j] })
	}
	cur := p.objective(p.flagged(t))
	for moved := true; moved; {
		moved = false
		for j := range t {
			c, o := p.bestFor(j, t, start[j], order[j])
			if o > cur+jointEps {
				t[j], cur, moved = c, o, true
			}
		}
	}
	return t
}

// bestFor returns the threshold for column j that maximises the objective
// with the other columns held at t, and that figure; among equal figures,
// the candidate nearest from (on a log scale). Candidates are a threshold
// above every score, the midpoints between adjacent distinct scores, and
// half the lowest score. order lists the items by descending score in j.
func (p jointPool) bestFor(j int, t []float64, from float64, order []int) (float64, float64) {
	other := make([]bool, len(p.scores))
	pos, neg := 0, 0
	for i, row := range p.scores {
		for c, s := range row {
			if c != j && s >= t[c] {
				other[i] = true
				if p.violating[i] {
					pos++
				} else {
					neg++
				}
				break
			}
		}
	}
	top := p.scores[order[0]][j]
	bestT := math.Nextafter(top, math.Inf(1))
	bestO := p.objective(pos, neg)
	bestD := logDistance(bestT, from)
	for a, i := range order {
		if !other[i] {
			if p.violating[i] {
				pos++
			} else {
				neg++
			}
		}
		s := p.scores[i][j]
		if a+1 < len(order) && p.scores[order[a+1]][j] == s {
			continue
		}
		cand := s / 2
		if a+1 < len(order) {
			cand = (s + p.scores[order[a+1]][j]) / 2
		}
		o, d := p.objective(pos, neg), logDistance(cand, from)
		if o > bestO+jointEps || (o > bestO-jointEps && d < bestD) {
			bestT, bestO, bestD = cand, o, d
		}
	}
	return bestT, bestO
}

// logDistance is how far apart two positive thresholds are on a log scale.
func logDistance(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return math.Inf(1)
	}
	return math.Abs(math.Log(a / b))
}

// applyJointRule moves card's serious-label thresholds by JointRule, updates
// their validation figures and the card's threshold rule, and returns a
// line for the progress output (empty when no item annotates every serious
// label or a class is missing).
func applyJointRule(net *models.Net, exs []example, card *models.Card, oof *sideScores) string {
	var cols []int
	for k, l := range card.Labels {
		if slices.Contains(SeriousLabels, l) {
			cols = append(cols, k)
		}
	}
	p := poolForJoint(net, exs, cols, oof)
	if len(cols) == 0 || p.nPos == 0 || p.nNeg == 0 {
		return ""
	}
	start := make([]float64, len(cols))
	for j, k := range cols {
		start[j] = card.Thresholds[card.Labels[k]]
	}
	t := jointThresholds(p, start)
	vs, vt, _ := scoresFor(net, exs, true)
	for j, k := range cols {
		l := card.Labels[k]
		card.Thresholds[l] = t[j]
		card.Validation[l] = validationMetrics(vs[k], vt[k], t[j])
	}
	card.Training.ThresholdRule += "; then " + fmt.Sprintf(JointRule, len(p.scores), p.nPos)
	pos0, neg0 := p.flagged(start)
	pos1, neg1 := p.flagged(t)
	return fmt.Sprintf("joint thresholds on %d items annotating every serious label: violating flagged %d → %d of %d, others %d → %d of %d",
		len(p.scores), pos0, pos1, p.nPos, neg0, neg1, p.nNeg)
}
