package train

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/rasd-iq/rasd/models"
)

// JointRule describes how the serious labels' thresholds are set together
// (the %s describes the items they are chosen on).
const JointRule = "serious labels (incitement, hate, terrorism, threat) set together, as the engine uses them (a post is flagged serious when any of them reaches its threshold): from each label's threshold of the rule above, one label at a time moves to the threshold that most raises the share of violating items flagged minus the share of other items flagged (with ordinary posts, minus the mean of that share and the share of ordinary posts flagged), until no move raises it; among equal figures the threshold nearest the label's start is kept. Chosen on %s"

// Item classes of the joint rule's pool.
const (
	jointOther     = iota // annotated, violates nothing: protected or ordinary speech
	jointViolating        // annotated with a serious label
	jointOrdinary         // an unannotated ordinary post (Config.Ordinary), scored out of fold
)

// jointPool holds the items the joint rule is chosen on: their scores for
// the serious labels, their class, and the size of each class.
type jointPool struct {
	scores [][]float64 // per item, per serious label
	class  []int
	n      [3]int
}

// poolForJoint gathers the joint rule's items from exs: those whose corpus
// annotates every column in cols, training items with their out-of-fold
// probabilities (when oof has them), validation items scored by net; and
// the ordinary posts, with their out-of-fold probabilities. Augmented
// copies are left out.
func poolForJoint(net *models.Net, exs []example, cols []int, oof *sideScores) jointPool {
	var p jointPool
	x := make([]float32, net.Dim+net.Dense)
	h := make([]float32, net.Hidden)
	z := make([]float32, net.Labels)
	for i, e := range exs {
		if (e.aug && !e.ordinary) || (!e.ordinary && !allAnnotated(e, cols)) {
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
		class := jointOther
		for j, k := range cols {
			row[j] = float64(probs[k])
			if e.y[k] == 1 {
				class = jointViolating
			}
		}
		if e.ordinary {
			class = jointOrdinary
		}
		p.add(row, class)
	}
	return p
}

func (p *jointPool) add(row []float64, class int) {
	p.scores = append(p.scores, row)
	p.class = append(p.class, class)
	p.n[class]++
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

// flagged counts, per class, the items that t flags (any column at or
// above its threshold).
func (p jointPool) flagged(t []float64) (c [3]int) {
	for i, row := range p.scores {
		for j, s := range row {
			if s >= t[j] {
				c[p.class[i]]++
				break
			}
		}
	}
	return c
}

// objective is the joint rule's figure for per-class flag counts c: the
// share of violating items flagged minus the share of other items flagged,
// or minus the mean of that share and the ordinary posts' when the pool
// has ordinary posts.
func (p jointPool) objective(c [3]int) float64 {
	alarms := float64(c[jointOther]) / float64(p.n[jointOther])
	if p.n[jointOrdinary] > 0 {
		alarms = (alarms + float64(c[jointOrdinary])/float64(p.n[jointOrdinary])) / 2
	}
	return float64(c[jointViolating])/float64(p.n[jointViolating]) - alarms
}

// jointThresholds runs JointRule's coordinate ascent from start (one
// threshold per column of p.scores). It returns start unchanged when the
// pool lacks violating or other annotated items.
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
	const eps = 1e-12
	cur := p.objective(p.flagged(t))
	for moved := true; moved; {
		moved = false
		for j := range t {
			c, o := p.bestFor(j, t, start[j], order[j])
			if o > cur+eps {
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
	var c [3]int
	for i, row := range p.scores {
		for k, s := range row {
			if k != j && s >= t[k] {
				other[i] = true
				c[p.class[i]]++
				break
			}
		}
	}
	const eps = 1e-12
	top := p.scores[order[0]][j]
	bestT := math.Nextafter(top, math.Inf(1))
	bestO := p.objective(c)
	bestD := logDistance(bestT, from)
	for a, i := range order {
		if !other[i] {
			c[p.class[i]]++
		}
		s := p.scores[i][j]
		if a+1 < len(order) && p.scores[order[a+1]][j] == s {
			continue
		}
		cand := s / 2
		if a+1 < len(order) {
			cand = (s + p.scores[order[a+1]][j]) / 2
		}
		o, d := p.objective(c), logDistance(cand, from)
		if o > bestO+eps || (o > bestO-eps && d < bestD) {
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
	if len(cols) == 0 || p.n[jointViolating] == 0 || p.n[jointOther] == 0 {
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
	on := fmt.Sprintf("the %d items (%d violating) whose corpus annotates every serious label, training items scored out of fold and validation items by the model", p.n[jointOther]+p.n[jointViolating], p.n[jointViolating])
	if p.n[jointOrdinary] > 0 {
		on += fmt.Sprintf(", and %d ordinary posts scored out of fold", p.n[jointOrdinary])
	}
	card.Training.ThresholdRule += "; then " + fmt.Sprintf(JointRule, on)
	c0, c1 := p.flagged(start), p.flagged(t)
	line := fmt.Sprintf("joint thresholds: violating flagged %d → %d of %d, other annotated %d → %d of %d",
		c0[jointViolating], c1[jointViolating], p.n[jointViolating], c0[jointOther], c1[jointOther], p.n[jointOther])
	if p.n[jointOrdinary] > 0 {
		line += fmt.Sprintf(", ordinary %d → %d of %d", c0[jointOrdinary], c1[jointOrdinary], p.n[jointOrdinary])
	}
	return line
}
