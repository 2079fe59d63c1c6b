package train

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/rasd-iq/rasd/models"
)

// JointRule describes how Config.JointThresholds sets the serious labels'
// thresholds together (the %d are the items and the violating ones among
// them).
const JointRule = "serious labels (incitement, hate, terrorism, threat) set together, as the engine uses them (a post is flagged serious when any of them reaches its threshold): from each label's threshold of the rule above, one label at a time moves to the threshold that most raises violating items flagged minus other items flagged (each as a share of its class), until no move raises it; among equal figures the threshold nearest the label's start is kept. Chosen on the %d items (%d violating) whose corpus annotates every serious label: training items scored out of fold, validation items by the model"

// JointOrdinaryRule is added to JointRule when Config.JointOrdinary puts
// the ordinary posts in the pool (the %d is their number).
const JointOrdinaryRule = ", minus the share of the %d ordinary posts (Config.Ordinary, each scored out of fold) flagged"

// JointOrdinaryWeightRule is JointOrdinaryRule when
// Config.JointOrdinaryWeight is not 1 (the %g is the weight).
const JointOrdinaryWeightRule = ", minus %g times the share of the %d ordinary posts (Config.Ordinary, each scored out of fold) flagged"

// jointEps is the smallest change of the joint figure that counts as a
// change (shares of a few thousand items differ by far more).
const jointEps = 1e-12

// jointPool holds the items the joint rule is chosen on: their scores for
// the serious labels and their class: violating (any serious label
// positive), other labelled items, or ordinary posts (Config.Ordinary, when
// Config.JointOrdinary puts them in the pool).
type jointPool struct {
	scores [][]float64 // per item, per serious label
	class  []jointClass
	n      [nJointClasses]int
	// ordWeight multiplies the share of ordinary posts flagged in the
	// objective (0 counts as 1).
	ordWeight float64
}

// jointClass is an item's class in the joint pool.
type jointClass uint8

const (
	jointOther jointClass = iota
	jointViolating
	jointOrdinary
	nJointClasses
)

// poolForJoint gathers the joint rule's items from exs: those whose corpus
// annotates every column in cols, training items with their out-of-fold
// probabilities (when oof has them), validation items scored by net and
// discounted by d (oof's probabilities are discounted already when the
// card has a stance: sideScores.discounted).
// Augmented copies are left out, and so are ordinary posts unless ordinary
// is set (they have out-of-fold probabilities only); ordWeight prices them.
func poolForJoint(net *models.Net, d models.Discount, exs []example, cols []int, oof *sideScores, ordinary bool, ordWeight float64) jointPool {
	p := jointPool{ordWeight: ordWeight}
	x := make([]float32, net.Dim+net.Dense)
	h := make([]float32, net.Hidden)
	z := make([]float32, net.Labels)
	for i, e := range exs {
		if (e.aug && !(ordinary && e.ordinary)) || !allAnnotated(e, cols) {
			continue
		}
		var probs []float32
		switch {
		case e.valid:
			predict(net, d, e, x, h, z)
			probs = z
		case oof != nil:
			probs = oof.probs[i]
		}
		if probs == nil {
			continue
		}
		row := make([]float64, len(cols))
		class := jointOther
		if e.ordinary {
			class = jointOrdinary
		}
		for j, k := range cols {
			row[j] = float64(probs[k])
			if e.y[k] == 1 {
				class = jointViolating
			}
		}
		p.add(row, class)
	}
	return p
}

func (p *jointPool) add(row []float64, c jointClass) {
	p.scores = append(p.scores, row)
	p.class = append(p.class, c)
	p.n[c]++
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

// flagged counts the items of each class that t flags (any column at or
// above its threshold).
func (p jointPool) flagged(t []float64) (n [nJointClasses]int) {
	for i, row := range p.scores {
		for c, s := range row {
			if s >= t[c] {
				n[p.class[i]]++
				break
			}
		}
	}
	return n
}

// objective is the joint rule's figure: the share of violating items
// flagged minus the share of other items flagged, minus the share of
// ordinary posts flagged (times ordWeight) when the pool has them.
func (p jointPool) objective(n [nJointClasses]int) float64 {
	o := float64(n[jointViolating])/float64(p.n[jointViolating]) - float64(n[jointOther])/float64(p.n[jointOther])
	if p.n[jointOrdinary] > 0 {
		w := p.ordWeight
		if w == 0 {
			w = 1
		}
		o -= w * float64(n[jointOrdinary]) / float64(p.n[jointOrdinary])
	}
	return o
}

// jointThresholds runs JointRule's coordinate ascent from start (one
// threshold per column of p.scores). It returns start unchanged when the
// pool lacks either class.
func jointThresholds(p jointPool, start []float64) []float64 {
	t := slices.Clone(start)
	if p.n[jointViolating] == 0 || p.n[jointOther] == 0 {
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
	var n [nJointClasses]int
	for i, row := range p.scores {
		for c, s := range row {
			if c != j && s >= t[c] {
				other[i] = true
				n[p.class[i]]++
				break
			}
		}
	}
	top := p.scores[order[0]][j]
	bestT := math.Nextafter(top, math.Inf(1))
	bestO := p.objective(n)
	bestD := logDistance(bestT, from)
	for a, i := range order {
		if !other[i] {
			n[p.class[i]]++
		}
		s := p.scores[i][j]
		if a+1 < len(order) && p.scores[order[a+1]][j] == s {
			continue
		}
		cand := s / 2
		if a+1 < len(order) {
			cand = (s + p.scores[order[a+1]][j]) / 2
		}
		o, d := p.objective(n), logDistance(cand, from)
		if o > bestO+jointEps || (o > bestO-jointEps && d < bestD) {
			bestT, bestO, bestD = cand, o, d
		}
	}
	return bestT, bestO
}

// seriousColumns returns the output columns of the card's serious labels
// (SeriousLabels), in card order.
func seriousColumns(card *models.Card) []int {
	var cols []int
	for k, l := range card.Labels {
		if slices.Contains(SeriousLabels, l) {
			cols = append(cols, k)
		}
	}
	return cols
}

// thresholdsAt returns the card's thresholds of the labels at cols.
func thresholdsAt(card *models.Card, cols []int) []float64 {
	t := make([]float64, len(cols))
	for j, k := range cols {
		t[j] = card.Thresholds[card.Labels[k]]
	}
	return t
}

// logDistance is how far apart two positive thresholds are on a log scale.
func logDistance(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return math.Inf(1)
	}
	return math.Abs(math.Log(a / b))
}

// applyJointRule moves card's serious-label thresholds by JointRule (with
// JointOrdinaryRule when ordinary is set, the ordinary posts' share weighted
// by ordWeight, which Config.fill sets to 1 when unset), updates their
// validation figures
// and the card's threshold rule, and returns a line for the progress output
// (empty when no item annotates every serious label or a class is missing).
func applyJointRule(net *models.Net, exs []example, card *models.Card, oof *sideScores, ordinary bool, ordWeight float64) string {
	cols := seriousColumns(card)
	p := poolForJoint(net, card.Discount(), exs, cols, oof, ordinary, ordWeight)
	if len(cols) == 0 || p.n[jointViolating] == 0 || p.n[jointOther] == 0 {
		return ""
	}
	start := thresholdsAt(card, cols)
	t := jointThresholds(p, start)
	vs, vt, _ := scoresFor(net, card.Discount(), exs, true)
	for j, k := range cols {
		l := card.Labels[k]
		card.Thresholds[l] = t[j]
		card.Validation[l] = validationMetrics(vs[k], vt[k], t[j])
	}
	labelled := p.n[jointViolating] + p.n[jointOther]
	card.Training.ThresholdRule += "; then " + fmt.Sprintf(JointRule, labelled, p.n[jointViolating])
	n0, n1 := p.flagged(start), p.flagged(t)
	line := fmt.Sprintf("joint thresholds on %d items annotating every serious label: violating flagged %d → %d of %d, others %d → %d of %d",
		labelled, n0[jointViolating], n1[jointViolating], p.n[jointViolating], n0[jointOther], n1[jointOther], p.n[jointOther])
	if p.n[jointOrdinary] > 0 {
		if ordWeight == 1 {
			card.Training.ThresholdRule += fmt.Sprintf(JointOrdinaryRule, p.n[jointOrdinary])
		} else {
			card.Training.ThresholdRule += fmt.Sprintf(JointOrdinaryWeightRule, ordWeight, p.n[jointOrdinary])
		}
		line += fmt.Sprintf(", ordinary posts (out of fold) %d → %d of %d", n0[jointOrdinary], n1[jointOrdinary], p.n[jointOrdinary])
		// What the ordinary posts cost: the rule without them.
		without := jointPool{n: p.n}
		without.n[jointOrdinary] = 0
		for i, c := range p.class {
			if c != jointOrdinary {
				without.scores, without.class = append(without.scores, p.scores[i]), append(without.class, c)
			}
		}
		tw := jointThresholds(without, start)
		nw := p.flagged(tw)
		var names []string
		for j, k := range cols {
			names = append(names, fmt.Sprintf("%s %.4f→%.4f", card.Labels[k], tw[j], t[j]))
		}
		line += fmt.Sprintf("; without them the rule would flag violating %d, others %d, ordinary %d (thresholds %s)",
			nw[jointViolating], nw[jointOther], nw[jointOrdinary], strings.Join(names, ", "))
	}
	return line
}
