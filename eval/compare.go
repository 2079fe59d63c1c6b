package eval

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/rasd-iq/rasd/eval/dataset"
)

// MetricDiff is one metric of two models with the paired difference B − A.
type MetricDiff struct {
	Metric string   `json:"metric"` // the Metric's name
	A      Estimate `json:"a"`      // model A's figure
	B      Estimate `json:"b"`      // model B's figure
	// Diff is B − A with a paired bootstrap interval (both models scored on the
	// same resamples); an interval excluding 0 means the difference is unlikely
	// to be resampling noise.
	Diff Estimate `json:"diff"`
}

// LabelComparison compares two models on one label.
type LabelComparison struct {
	Label      string       `json:"label"`       // the label both models score
	ThresholdA Float        `json:"threshold_a"` // model A's card threshold
	ThresholdB Float        `json:"threshold_b"` // model B's card threshold
	Positives  int          `json:"positives"`   // gold positives
	Metrics    []MetricDiff `json:"metrics"`     // every Metric, in Metrics order
	// ROCA, ROCB, PRA and PRB are the ROC and PR curves of both models,
	// thinned as in LabelResult.
	ROCA []Point `json:"roc_a"`
	ROCB []Point `json:"roc_b"` // see ROCA
	PRA  []Point `json:"pr_a"`  // see ROCA
	PRB  []Point `json:"pr_b"`  // see ROCA
}

// FunctionalityComparison is the accuracy of both models on one functionality.
type FunctionalityComparison struct {
	Name      string `json:"name"`       // the functionality
	N         int    `json:"n"`          // its items
	AccuracyA Float  `json:"accuracy_a"` // model A's accuracy
	AccuracyB Float  `json:"accuracy_b"` // model B's accuracy
}

// Disagreement is an item the two models flag differently.
type Disagreement struct {
	ID            string           `json:"id"`                      // the item's id
	Line          int              `json:"line"`                    // its line in the data file
	Text          string           `json:"text"`                    // its text
	Functionality string           `json:"functionality,omitempty"` // its functionality, if any
	Targets       []string         `json:"targets,omitempty"`       // its target groups, if any
	Gold          []string         `json:"gold"`                    // its gold labels
	FlagsA        []string         `json:"flags_a"`                 // model A's flags
	FlagsB        []string         `json:"flags_b"`                 // model B's flags
	ScoresA       map[string]Float `json:"scores_a"`                // model A's scores
	ScoresB       map[string]Float `json:"scores_b"`                // model B's scores
	// Delta is the largest absolute score difference over the shared labels.
	Delta Float `json:"delta"`
}

// Comparison is two models evaluated on the same data.
type Comparison struct {
	A    ModelInfo `json:"a"`    // model A
	B    ModelInfo `json:"b"`    // model B
	Data DataInfo  `json:"data"` // the data both were scored on
	Run  Run       `json:"run"`  // how the comparison was made
	// Labels compares the labels both models score; OnlyA and OnlyB list the rest.
	Labels []LabelComparison `json:"labels"`
	// TrafficA and TrafficB are each model's flag rate on ordinary posts
	// (set by the caller with Traffic); nil when no traffic sample was given.
	TrafficA *TrafficResult `json:"traffic_a,omitempty"`
	TrafficB *TrafficResult `json:"traffic_b,omitempty"` // see TrafficA
	OnlyA    []string       `json:"only_a,omitempty"`    // labels only A scores
	OnlyB    []string       `json:"only_b,omitempty"`    // labels only B scores
	// Functional compares functional accuracy, when items carry a functionality.
	Functional []FunctionalityComparison `json:"functional,omitempty"`
	// FunctionalA and FunctionalB are the overall functional accuracies.
	FunctionalA Float `json:"functional_accuracy_a"`
	FunctionalB Float `json:"functional_accuracy_b"` // see FunctionalA
	// Disagreements lists items flagged differently on the shared labels,
	// largest score difference first (at most the listing limit); DisagreementsTotal counts them all.
	Disagreements      []Disagreement `json:"disagreements"`
	DisagreementsTotal int            `json:"disagreements_total"` // all disagreements, listed or not
}

// Compare evaluates a and b on d and compares them label by label with paired
// bootstrap intervals on the differences.
func Compare(ctx context.Context, a, b Scorer, d *dataset.Dataset, opts Options) (*Comparison, error) {
	opts.defaults()
	if len(d.Items) == 0 {
		return nil, dataset.ErrEmpty
	}
	t0 := time.Now()
	sa, err := score(ctx, a, d.Items, &opts)
	if err != nil {
		return nil, err
	}
	sb, err := score(ctx, b, d.Items, &opts)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	var shared []string
	c := &Comparison{A: sa.info, B: sb.info, Data: dataInfo(d, append(slices.Clone(sa.labels), sb.labels...)),
		Run: Run{Seed: opts.Bootstrap.Seed, Resamples: opts.Bootstrap.Resamples, Confidence: opts.Confidence,
			Created: t0.UTC().Format(time.RFC3339)}, Disagreements: []Disagreement{}}
	c.Data.NotAnnotated = sa.notAnnotated(sb)
	for _, l := range sa.labels {
		if sb.hasLabel(l) {
			shared = append(shared, l)
		} else {
			c.OnlyA = append(c.OnlyA, l)
		}
	}
	for _, l := range sb.labels {
		if !sa.hasLabel(l) {
			c.OnlyB = append(c.OnlyB, l)
		}
	}
	var targets []Target
	for _, l := range shared {
		targets = append(targets, Target{sa.ranked[l], sa.thresholds[l]}, Target{sb.ranked[l], sb.thresholds[l]})
	}
	samples := Resample(len(d.Items), targets, opts.Bootstrap)
	for k, l := range shared {
		la, lb := labelResult(sa, l, &opts), labelResult(sb, l, &opts)
		intervals(&la, samples[2*k], opts.Confidence)
		intervals(&lb, samples[2*k+1], opts.Confidence)
		lc := LabelComparison{Label: l, ThresholdA: la.Threshold, ThresholdB: lb.Threshold, Positives: la.Positives,
			ROCA: la.ROC, ROCB: lb.ROC, PRA: la.PR, PRB: lb.PR}
		for _, m := range Metrics {
			md := MetricDiff{Metric: m.String(), A: la.Estimate(m), B: lb.Estimate(m)}
			md.Diff = Estimate{Value: md.B.Value - md.A.Value, Lo: Float(math.NaN()), Hi: Float(math.NaN())}
			if opts.Bootstrap.Resamples > 0 {
				lo, hi := Interval(Diff(samples[2*k][m], samples[2*k+1][m]), opts.Confidence)
				md.Diff.Lo, md.Diff.Hi = Float(lo), Float(hi)
			}
			lc.Metrics = append(lc.Metrics, md)
		}
		c.Labels = append(c.Labels, lc)
	}
	fa := functional(d.Items, sa, opts.Serious, 0)
	fb := functional(d.Items, sb, opts.Serious, 0)
	if fa != nil && fb != nil {
		c.FunctionalA, c.FunctionalB = fa.Accuracy, fb.Accuracy
		for i, r := range fa.Functionality {
			c.Functional = append(c.Functional, FunctionalityComparison{Name: r.Name, N: r.N,
				AccuracyA: r.Accuracy, AccuracyB: fb.Functionality[i].Accuracy})
		}
	} else {
		c.FunctionalA, c.FunctionalB = Float(math.NaN()), Float(math.NaN())
	}
	for i := range d.Items {
		differ := false
		delta := 0.0
		for _, l := range shared {
			if sa.flagged(l, i) != sb.flagged(l, i) {
				differ = true
			}
			delta = max(delta, math.Abs(sa.scores[l][i]-sb.scores[l][i]))
		}
		if !differ {
			continue
		}
		c.DisagreementsTotal++
		ca, cb := sa.caseOf(&d.Items[i], i), sb.caseOf(&d.Items[i], i)
		dis := Disagreement{ID: ca.ID, Line: ca.Line, Text: ca.Text, Functionality: ca.Functionality, Targets: ca.Targets,
			Gold: ca.Gold, FlagsA: ca.Flags, FlagsB: cb.Flags, ScoresA: ca.Scores, ScoresB: cb.Scores, Delta: Float(delta)}
		c.Disagreements = append(c.Disagreements, dis)
	}
	sort.SliceStable(c.Disagreements, func(x, y int) bool { return c.Disagreements[x].Delta > c.Disagreements[y].Delta })
	if limit := max(opts.MaxListed, 0); len(c.Disagreements) > limit {
		c.Disagreements = c.Disagreements[:limit]
	}
	c.Run.ScoreSeconds = t1.Sub(t0).Seconds()
	c.Run.MetricsSeconds = time.Since(t1).Seconds()
	return c, nil
}
