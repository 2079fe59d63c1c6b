package eval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/rasd-iq/rasd/eval/dataset"
)

// Scorer is a model under evaluation.
type Scorer interface {
	// Labels returns the labels the model scores, in the model card's order.
	Labels() []string
	// Thresholds returns the card's flagging threshold per label (flag when score >= threshold).
	Thresholds() map[string]float64
	// Score returns one label → score map per text, in the same order; every
	// label of Labels must have a score.
	Score(ctx context.Context, texts []string) ([]map[string]float64, error)
	// ID returns the model's "NAME@VERSION".
	ID() string
	// CardHash returns the hex SHA-256 of the model card, for reproducibility.
	CardHash() string
}

// Options configures an evaluation. The zero value gets defaults.
type Options struct {
	// Bootstrap configures the confidence intervals; Resamples 0 means 1000,
	// negative disables them.
	Bootstrap BootstrapOptions
	// Confidence is the interval's coverage; default 0.95.
	Confidence float64
	// TargetPrecision is the precision the threshold sweep looks for; default 0.9.
	TargetPrecision float64
	// Serious are the labels the functional rule calls serious; default DefaultSerious.
	Serious []string
	// MaxListed caps the failing cases per functionality and the disagreements listed; default 50.
	MaxListed int
	// BatchSize is how many texts go to the scorer per call; default 4096.
	BatchSize int
	// Log receives progress; nil is quiet.
	Log *slog.Logger
}

func (o *Options) defaults() {
	if o.Bootstrap.Resamples == 0 {
		o.Bootstrap.Resamples = 1000
	}
	if o.Bootstrap.Resamples < 0 {
		o.Bootstrap.Resamples = 0
	}
	if o.Confidence == 0 {
		o.Confidence = 0.95
	}
	if o.TargetPrecision == 0 {
		o.TargetPrecision = 0.9
	}
	if o.Serious == nil {
		o.Serious = DefaultSerious
	}
	if o.MaxListed == 0 {
		o.MaxListed = 50
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 4096
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// ModelInfo identifies the model a result belongs to.
type ModelInfo struct {
	ID         string           `json:"id"`          // NAME@VERSION
	CardSHA256 string           `json:"card_sha256"` // hex SHA-256 of the model card
	Labels     []string         `json:"labels"`      // the labels it scores
	Thresholds map[string]Float `json:"thresholds"`  // the card's thresholds
}

// DataInfo identifies the data a result belongs to.
type DataInfo struct {
	Path   string `json:"path"`   // the file as given
	Format string `json:"format"` // jsonl, csv or tsv
	SHA256 string `json:"sha256"` // hex SHA-256 of the file
	Items  int    `json:"items"`  // number of items
	// LabelCounts counts the gold labels.
	LabelCounts map[string]int `json:"label_counts"`
	// Unscored counts gold labels the model does not score (left out of the metrics).
	Unscored map[string]int `json:"unscored,omitempty"`
	// NotAnnotated lists model labels that some items' corpora do not
	// annotate (their "annotates" field), left out of the metrics.
	NotAnnotated []string `json:"not_annotated,omitempty"`
}

// Run records how a result was produced.
type Run struct {
	Command    string  `json:"command,omitempty"`   // the command line, set by the caller
	Seed       uint64  `json:"seed"`                // the bootstrap seed
	Resamples  int     `json:"bootstrap_resamples"` // number of resamples (0: no intervals)
	Confidence float64 `json:"confidence"`          // coverage of the intervals
	Created    string  `json:"created"`             // RFC 3339 time of the run
	// ScoreSeconds is the time spent scoring; MetricsSeconds the time spent on all metrics and resamples.
	ScoreSeconds   float64 `json:"score_seconds"`
	MetricsSeconds float64 `json:"metrics_seconds"` // see ScoreSeconds
}

// LabelResult holds the figures for one label.
type LabelResult struct {
	Label     string    `json:"label"`     // the label
	Threshold Float     `json:"threshold"` // the card's threshold
	Positives int       `json:"positives"` // gold positives
	Negatives int       `json:"negatives"` // gold negatives
	Confusion Confusion `json:"confusion"` // at the threshold
	Precision Estimate  `json:"precision"` // at the threshold, with its bootstrap interval
	Recall    Estimate  `json:"recall"`    // at the threshold, with its bootstrap interval
	F1        Estimate  `json:"f1"`        // at the threshold, with its bootstrap interval
	ROCAUC    Estimate  `json:"roc_auc"`   // over all scores, with its bootstrap interval
	PRAUC     Estimate  `json:"pr_auc"`    // average precision, with its bootstrap interval
	ECE       Estimate  `json:"ece"`       // expected calibration error, with its bootstrap interval
	// Reliability is the reliability diagram behind ECE.
	Reliability []Bin `json:"reliability"`
	// ROC and PR are the curves, thinned to at most 200 points.
	ROC []Point `json:"roc"`
	PR  []Point `json:"pr"` // see ROC
	// Sweep gives precision and recall on a grid of thresholds (0.05 steps,
	// the card's threshold and the target-precision threshold).
	Sweep []SweepRow `json:"sweep"`
	// TargetPrecision and AtTarget: the lowest threshold reaching the target
	// precision (nil when none does).
	TargetPrecision Float     `json:"target_precision"`
	AtTarget        *SweepRow `json:"at_target"` // see TargetPrecision
}

// Estimate returns the estimate of metric m.
func (r *LabelResult) Estimate(m Metric) Estimate {
	switch m {
	case Precision:
		return r.Precision
	case Recall:
		return r.Recall
	case F1:
		return r.F1
	case ROCAUCMetric:
		return r.ROCAUC
	case PRAUC:
		return r.PRAUC
	case ECEMetric:
		return r.ECE
	}
	return Estimate{}
}

func (r *LabelResult) setEstimate(m Metric, e Estimate) {
	switch m {
	case Precision:
		r.Precision = e
	case Recall:
		r.Recall = e
	case F1:
		r.F1 = e
	case ROCAUCMetric:
		r.ROCAUC = e
	case PRAUC:
		r.PRAUC = e
	case ECEMetric:
		r.ECE = e
	}
}

// Result is the evaluation of one model on one data set.
type Result struct {
	Model      ModelInfo     `json:"model"`                // the model evaluated
	Data       DataInfo      `json:"data"`                 // the data it was evaluated on
	Run        Run           `json:"run"`                  // how the result was produced
	Labels     []LabelResult `json:"labels"`               // one per model label, in card order
	Functional *Functional   `json:"functional,omitempty"` // nil when no item has a functionality
	Fairness   []Fairness    `json:"fairness,omitempty"`   // empty when no item has a target
	// Traffic is the flag rate on ordinary, unannotated posts (set by the
	// caller with Traffic); nil when no traffic sample was given.
	Traffic *TrafficResult `json:"traffic,omitempty"`
}

// scored is one model's scores on a data set, prepared for metrics.
type scored struct {
	info       ModelInfo
	labels     []string
	thresholds map[string]float64
	scores     map[string][]float64
	gold       map[string][]bool
	ranked     map[string]*Ranked
}

// notAnnotated returns the model labels (of s, then of also) that the data
// does not annotate on every item, once each.
func (s *scored) notAnnotated(also *scored) []string {
	var out []string
	for _, x := range []*scored{s, also} {
		if x == nil {
			continue
		}
		for _, l := range x.info.Labels {
			if !x.hasLabel(l) && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

func (s *scored) hasLabel(l string) bool { _, ok := s.scores[l]; return ok }

func (s *scored) flagged(l string, i int) bool {
	sc, ok := s.scores[l]
	return ok && sc[i] >= s.thresholds[l]
}

func (s *scored) flags(i int) []string {
	out := []string{}
	for _, l := range s.labels {
		if s.flagged(l, i) {
			out = append(out, l)
		}
	}
	return out
}

func (s *scored) caseOf(it *dataset.Item, i int) Case {
	c := Case{ID: it.ID, Line: it.Line, Text: it.Text, Functionality: it.Functionality, Targets: it.Targets,
		Gold: it.Labels, Flags: s.flags(i), Scores: map[string]Float{}}
	if c.Gold == nil {
		c.Gold = []string{}
	}
	for _, l := range s.labels {
		c.Scores[l] = Float(s.scores[l][i])
	}
	return c
}

// allAnnotate reports whether every item's corpus answers label l. A label
// that some items' corpora do not annotate is left out of the metrics:
// counting its absence as a negative would call a Let-Mi tweet "not
// offensive" when Let-Mi only said it was not misogynistic.
func allAnnotate(items []dataset.Item, l string) bool {
	for i := range items {
		if !items[i].Annotated(l) {
			return false
		}
	}
	return true
}

// ErrNoLabels is returned when a scorer reports no labels.
var ErrNoLabels = errors.New("model has no labels")

// score runs the scorer over all items in batches.
func score(ctx context.Context, sc Scorer, items []dataset.Item, opts *Options) (*scored, error) {
	labels := sc.Labels()
	if len(labels) == 0 {
		return nil, ErrNoLabels
	}
	all := labels
	labels = slices.DeleteFunc(slices.Clone(labels), func(l string) bool { return !allAnnotate(items, l) })
	if len(labels) == 0 {
		return nil, fmt.Errorf("the data annotates none of the labels of model %s (%v)", sc.ID(), sc.Labels())
	}
	thr := sc.Thresholds()
	s := &scored{labels: labels, thresholds: map[string]float64{}, scores: map[string][]float64{},
		gold: map[string][]bool{}, ranked: map[string]*Ranked{},
		info: ModelInfo{ID: sc.ID(), CardSHA256: sc.CardHash(), Labels: all, Thresholds: map[string]Float{}}}
	for _, l := range labels {
		t, ok := thr[l]
		if !ok {
			return nil, fmt.Errorf("model %s has no threshold for label %q", sc.ID(), l)
		}
		s.thresholds[l] = t
		s.info.Thresholds[l] = Float(t)
		s.scores[l] = make([]float64, len(items))
		g := make([]bool, len(items))
		for i := range items {
			g[i] = items[i].HasLabel(l)
		}
		s.gold[l] = g
	}
	texts := make([]string, 0, opts.BatchSize)
	for start := 0; start < len(items); start += opts.BatchSize {
		end := min(start+opts.BatchSize, len(items))
		texts = texts[:0]
		for i := start; i < end; i++ {
			texts = append(texts, items[i].Text)
		}
		preds, err := sc.Score(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("scoring items %d–%d with %s: %w", start+1, end, sc.ID(), err)
		}
		if len(preds) != len(texts) {
			return nil, fmt.Errorf("scoring with %s: %d results for %d texts", sc.ID(), len(preds), len(texts))
		}
		for k, p := range preds {
			for _, l := range labels {
				v, ok := p[l]
				if !ok {
					return nil, fmt.Errorf("model %s gave no %q score for line %d", sc.ID(), l, items[start+k].Line)
				}
				s.scores[l][start+k] = v
			}
		}
		opts.Log.Debug("scored", "model", sc.ID(), "done", end, "total", len(items))
	}
	for _, l := range labels {
		s.ranked[l] = NewRanked(s.scores[l], s.gold[l])
	}
	return s, nil
}

func dataInfo(d *dataset.Dataset, labels []string) DataInfo {
	di := DataInfo{Path: d.Path, Format: string(d.Format), SHA256: d.SHA256, Items: len(d.Items),
		LabelCounts: map[string]int{}}
	for i := range d.Items {
		for _, l := range d.Items[i].Labels {
			di.LabelCounts[l]++
			if !slices.Contains(labels, l) {
				if di.Unscored == nil {
					di.Unscored = map[string]int{}
				}
				di.Unscored[l]++
			}
		}
	}
	return di
}

// thin keeps at most max points of a curve, always keeping the first and last.
func thin(ps []Point, max int) []Point {
	if len(ps) <= max {
		return ps
	}
	out := make([]Point, 0, max+1)
	step := float64(len(ps)-1) / float64(max-1)
	for k := range max {
		out = append(out, ps[int(math.Round(float64(k)*step))])
	}
	return out
}

// sweepGrid returns precision and recall at 0.05 steps plus the extra thresholds.
func sweepGrid(r *Ranked, extra ...float64) []SweepRow {
	ths := extra
	for k := 1; k < 20; k++ {
		ths = append(ths, float64(k)/20)
	}
	sort.Float64s(ths)
	ths = slices.Compact(ths)
	rows := make([]SweepRow, 0, len(ths))
	for _, t := range ths {
		if math.IsNaN(t) {
			continue
		}
		st := r.Pass(nil, t)
		rows = append(rows, SweepRow{Threshold: Float(t), Precision: Float(st.Precision()), Recall: Float(st.Recall()),
			F1: Float(st.F1()), Flagged: int(st.TP + st.FP)})
	}
	return rows
}

// labelResult computes everything but the intervals for one label.
func labelResult(s *scored, l string, opts *Options) LabelResult {
	r := s.ranked[l]
	thr := s.thresholds[l]
	st := r.Pass(nil, thr)
	lr := LabelResult{Label: l, Threshold: Float(thr), Positives: int(st.P), Negatives: int(st.N),
		Confusion:       Confusion{TP: int(st.TP), FP: int(st.FP), TN: int(st.TN()), FN: int(st.FN())},
		Reliability:     r.Reliability(),
		TargetPrecision: Float(opts.TargetPrecision)}
	for _, m := range Metrics {
		v := Float(st.Of(m))
		lr.setEstimate(m, Estimate{Value: v, Lo: Float(math.NaN()), Hi: Float(math.NaN())})
	}
	roc, pr := r.Curves()
	lr.ROC, lr.PR = thin(roc, 200), thin(pr, 200)
	extra := []float64{thr}
	if row, ok := r.ThresholdForPrecision(opts.TargetPrecision); ok {
		lr.AtTarget = &row
		extra = append(extra, float64(row.Threshold))
	}
	lr.Sweep = sweepGrid(r, extra...)
	return lr
}

func (s *scored) targets() []Target {
	t := make([]Target, len(s.labels))
	for i, l := range s.labels {
		t[i] = Target{R: s.ranked[l], Threshold: s.thresholds[l]}
	}
	return t
}

func intervals(lr *LabelResult, samples [numMetrics][]float64, conf float64) {
	if len(samples[0]) == 0 {
		return
	}
	for _, m := range Metrics {
		e := lr.Estimate(m)
		lo, hi := Interval(samples[m], conf)
		e.Lo, e.Hi = Float(lo), Float(hi)
		lr.setEstimate(m, e)
	}
}

// Evaluate scores every item of d with sc and computes the per-label metrics
// with bootstrap intervals, the functional results (when items carry a
// functionality) and the fairness figures (when items carry a target).
func Evaluate(ctx context.Context, sc Scorer, d *dataset.Dataset, opts Options) (*Result, error) {
	opts.defaults()
	if len(d.Items) == 0 {
		return nil, dataset.ErrEmpty
	}
	t0 := time.Now()
	s, err := score(ctx, sc, d.Items, &opts)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	res := &Result{Model: s.info, Data: dataInfo(d, s.labels),
		Run: Run{Seed: opts.Bootstrap.Seed, Resamples: opts.Bootstrap.Resamples, Confidence: opts.Confidence,
			Created: t0.UTC().Format(time.RFC3339)}}
	res.Data.NotAnnotated = s.notAnnotated(nil)
	samples := Resample(len(d.Items), s.targets(), opts.Bootstrap)
	for i, l := range s.labels {
		lr := labelResult(s, l, &opts)
		intervals(&lr, samples[i], opts.Confidence)
		res.Labels = append(res.Labels, lr)
	}
	res.Functional = functional(d.Items, s, opts.Serious, opts.MaxListed)
	res.Fairness = fairness(d.Items, s)
	res.Run.ScoreSeconds = t1.Sub(t0).Seconds()
	res.Run.MetricsSeconds = time.Since(t1).Seconds()
	opts.Log.Info("evaluated", "model", s.info.ID, "items", len(d.Items),
		"score_s", res.Run.ScoreSeconds, "metrics_s", res.Run.MetricsSeconds)
	return res, nil
}
