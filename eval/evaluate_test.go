package eval_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/evaltest"
)

// tableScorer returns fixed scores per text.
type tableScorer struct {
	labels []string
	thr    map[string]float64
	scores map[string]map[string]float64
}

func (s *tableScorer) Labels() []string               { return s.labels }
func (s *tableScorer) Thresholds() map[string]float64 { return s.thr }
func (s *tableScorer) ID() string                     { return "table@1" }
func (s *tableScorer) CardHash() string               { return "00" }
func (s *tableScorer) Score(_ context.Context, texts []string) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(texts))
	for i, t := range texts {
		sc, ok := s.scores[t]
		if !ok {
			return nil, errors.New("unknown text " + t)
		}
		out[i] = sc
	}
	return out, nil
}

func item(id, text string, labels []string, fn string, targets ...string) dataset.Item {
	return dataset.Item{ID: id, Text: text, Labels: labels, Functionality: fn, Targets: targets}
}

func TestFunctionalRule(t *testing.T) {
	s := &tableScorer{
		labels: []string{"hate", "offensive", "threat"},
		thr:    map[string]float64{"hate": 0.5, "offensive": 0.5, "threat": 0.5},
		scores: map[string]map[string]float64{
			"a": {"hate": 0.9, "offensive": 0.1, "threat": 0.1}, // hate flagged
			"b": {"hate": 0.1, "offensive": 0.9, "threat": 0.1}, // only offensive flagged
			"c": {"hate": 0.1, "offensive": 0.1, "threat": 0.1}, // nothing flagged
			"d": {"hate": 0.1, "offensive": 0.1, "threat": 0.7}, // threat flagged
		},
	}
	d := &dataset.Dataset{Path: "mem", Items: []dataset.Item{
		item("1", "a", []string{"hate"}, "slur"),                      // violating, hate flagged: correct
		item("2", "b", []string{"hate", "offensive"}, "slur"),         // violating, only offensive flagged: fails
		item("3", "c", []string{"terrorism"}, "glorify"),              // violating with a label the model lacks: fails
		item("4", "b", []string{"offensive"}, "profanity"),            // offensive only is not violating; no serious flag: correct
		item("5", "d", nil, "criticism"),                              // non-violating, threat flagged: fails
		item("6", "c", []string{"counter_speech"}, "counter"),         // non-violating, nothing flagged: correct
		item("7", "a", []string{"incitement", "hate"}, "incite"),      // hate among its gold serious labels flagged: correct
		item("8", "d", []string{"incitement", "hate"}, "incite"),      // threat flagged but not a gold label: fails
		item("9", "c", []string{"hate"}, ""),                          // no functionality: not counted
		item("10", "a", []string{"hate"}, "slur"),                     // correct
		item("11", "a", nil, "criticism"),                             // non-violating, hate flagged: fails
		item("12", "c", []string{"offensive", "news_report"}, "news"), // correct
	}}
	res, err := eval.Evaluate(context.Background(), s, d, eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: -1}})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Functional
	if f == nil {
		t.Fatal("no functional result")
	}
	if f.N != 11 || f.Correct != 6 {
		t.Errorf("functional: %d of %d correct, want 6 of 11", f.Correct, f.N)
	}
	if strings.Join(f.Missing, ",") != "incitement,terrorism" || strings.Join(f.Serious, ",") != "hate,threat" {
		t.Errorf("serious %v, missing %v", f.Serious, f.Missing)
	}
	want := map[string]struct {
		n, correct int
		expect     string
		failing    string
	}{
		"slur":      {3, 2, "violating", "2"},
		"glorify":   {1, 0, "violating", "3"},
		"profanity": {1, 1, "non-violating", ""},
		"criticism": {2, 0, "non-violating", "5,11"},
		"counter":   {1, 1, "non-violating", ""},
		"incite":    {2, 1, "violating", "8"},
		"news":      {1, 1, "non-violating", ""},
	}
	if len(f.Functionality) != len(want) {
		t.Fatalf("%d functionalities, want %d", len(f.Functionality), len(want))
	}
	for _, r := range f.Functionality {
		w := want[r.Name]
		var ids []string
		for _, c := range r.Failures {
			ids = append(ids, c.ID)
		}
		if r.N != w.n || r.Correct != w.correct || r.Expect != w.expect || strings.Join(ids, ",") != w.failing || r.FailuresTotal != len(ids) {
			t.Errorf("%s: n %d correct %d expect %s failing %v; want %+v", r.Name, r.N, r.Correct, r.Expect, ids, w)
		}
	}
}

func TestFairnessHandComputed(t *testing.T) {
	s := &tableScorer{
		labels: []string{"hate"},
		thr:    map[string]float64{"hate": 0.5},
		scores: map[string]map[string]float64{
			"g+": {"hate": 0.9}, "g-": {"hate": 0.85}, "g-2": {"hate": 0.2},
			"b+": {"hate": 0.8}, "b-": {"hate": 0.3}, "b-2": {"hate": 0.1},
		},
	}
	d := &dataset.Dataset{Path: "mem", Items: []dataset.Item{
		item("1", "g+", []string{"hate"}, "", "shia"),
		item("2", "g-", nil, "", "shia"),
		item("3", "g-2", nil, "", "shia"),
		item("4", "b+", []string{"hate"}, "", "none"),
		item("5", "b-", nil, ""),
		item("6", "b-2", nil, "", "other"),
	}}
	// Four copies of each item: the figures stay the same and the group is
	// large enough (eval.MinGroupSize) to be named among the worst.
	d.Items = append(append(append(d.Items, d.Items...), d.Items...), d.Items...)
	res, err := eval.Evaluate(context.Background(), s, d, eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fairness) != 1 || len(res.Fairness[0].Groups) != 1 {
		t.Fatalf("fairness = %+v, want one label with one group (none/other are background)", res.Fairness)
	}
	f := res.Fairness[0]
	g := f.Groups[0]
	// Group: pos 0.9; negs 0.85, 0.2 → subgroup AUC 1.
	// BPSN: background pos 0.8 vs group negs 0.85, 0.2 → 1/2.
	// BNSP: group pos 0.9 vs background negs 0.3, 0.1 → 1.
	// FPR in group 1/2 (0.85 flagged); overall 1/4 (negs 0.85, 0.2, 0.3, 0.1) → gap +0.25. FNR 0 everywhere.
	checks := []struct {
		name      string
		got, want float64
	}{
		{"subgroup AUC", float64(g.SubgroupAUC), 1},
		{"BPSN", float64(g.BPSN), 0.5},
		{"BNSP", float64(g.BNSP), 1},
		{"FPR", float64(g.FPR), 0.5},
		{"FPR gap", float64(g.FPRGap), 0.25},
		{"FNR gap", float64(g.FNRGap), 0},
		{"overall FPR", float64(f.OverallFPR), 0.25},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if g.Target != "shia" || g.N != 12 || g.Positives != 4 {
		t.Errorf("group = %+v", g)
	}
	var worst []string
	for _, w := range f.Worst {
		worst = append(worst, w.Measure+"="+w.Target)
	}
	if !strings.Contains(strings.Join(worst, " "), "bpsn_auc=shia") {
		t.Errorf("worst gaps %v do not name shia for BPSN", worst)
	}
}

func osactLike() *dataset.Dataset {
	texts := []struct {
		t string
		l []string
	}{
		{"يا كلب يا حقير", []string{"offensive"}},
		{"الله يحفظك يا اخي", nil},
		{"هؤلاء خنازير يجب طردهم", []string{"hate", "offensive"}},
		{"صباح الخير على الجميع", nil},
		{"انت حمار", []string{"offensive"}},
		{"مباراة جميلة اليوم", nil},
		{"الروافض كلاب", []string{"hate", "offensive"}},
		{"شكرا لكم", nil},
		{"يا زبالة", []string{"offensive"}},
		{"الجو حار جدا", nil},
	}
	d := &dataset.Dataset{Path: "mem"}
	for k := 0; k < 20; k++ {
		for i, x := range texts {
			d.Items = append(d.Items, item("x", x.t+strings.Repeat(" .", k), x.l, "", []string{"a", "b"}[i%2]))
		}
	}
	return d
}

func TestEvaluateEndToEnd(t *testing.T) {
	d := osactLike()
	opts := eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: 200, Seed: 3}, BatchSize: 7}
	fake := evaltest.Arabic("a")
	res, err := eval.Evaluate(context.Background(), fake, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if fake.Calls != (len(d.Items)+6)/7 {
		t.Errorf("scorer called %d times for %d items in batches of 7", fake.Calls, len(d.Items))
	}
	if len(res.Labels) != 2 || res.Labels[0].Label != "hate" {
		t.Fatalf("labels = %+v", res.Labels)
	}
	for _, l := range res.Labels {
		c := l.Confusion
		if c.TP+c.FP+c.TN+c.FN != len(d.Items) || c.TP+c.FN != l.Positives {
			t.Errorf("%s: confusion %+v does not add up to %d items / %d positives", l.Label, c, len(d.Items), l.Positives)
		}
		for _, e := range []eval.Estimate{l.Precision, l.Recall, l.F1, l.ROCAUC, l.PRAUC, l.ECE} {
			if !e.Value.Valid() || !(e.Lo <= e.Value+1e-12 && e.Value <= e.Hi+1e-12) {
				t.Errorf("%s: estimate %+v has no value or its interval misses it", l.Label, e)
			}
		}
		if len(l.Reliability) != eval.Bins || len(l.ROC) < 2 || len(l.Sweep) < 19 {
			t.Errorf("%s: missing curves", l.Label)
		}
	}
	// The same seed gives the same report; another seed other intervals.
	again, _ := eval.Evaluate(context.Background(), evaltest.Arabic("a"), d, opts)
	opts.Bootstrap.Seed = 4
	other, _ := eval.Evaluate(context.Background(), evaltest.Arabic("a"), d, opts)
	if again.Labels[0].F1 != res.Labels[0].F1 {
		t.Errorf("same seed: %+v then %+v", res.Labels[0].F1, again.Labels[0].F1)
	}
	if other.Labels[1].ECE == res.Labels[1].ECE && other.Labels[1].F1 == res.Labels[1].F1 {
		t.Errorf("seeds 3 and 4 gave identical intervals: %+v", res.Labels[1].ECE)
	}
	if len(res.Fairness) != 2 {
		t.Errorf("fairness for %d labels, want 2", len(res.Fairness))
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("result does not encode as JSON: %v", err)
	}
}

func TestEvaluateErrors(t *testing.T) {
	d := &dataset.Dataset{Items: []dataset.Item{item("1", "a", nil, "")}}
	cases := []struct {
		name string
		s    eval.Scorer
		d    *dataset.Dataset
		want string
	}{
		{"empty data", evaltest.Arabic("a"), &dataset.Dataset{}, "no items"},
		{"no threshold", &tableScorer{labels: []string{"hate"}, thr: map[string]float64{}}, d, `no threshold for label "hate"`},
		{"missing score", &tableScorer{labels: []string{"hate"}, thr: map[string]float64{"hate": 0.5},
			scores: map[string]map[string]float64{"a": {}}}, d, `gave no "hate" score`},
		{"scorer fails", &tableScorer{labels: []string{"hate"}, thr: map[string]float64{"hate": 0.5}}, d, "unknown text"},
		{"no labels", &tableScorer{}, d, "no labels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := eval.Evaluate(context.Background(), c.s, c.d, eval.Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	d := osactLike()
	opts := eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: 200, Seed: 5}, MaxListed: 3}
	t.Run("same model", func(t *testing.T) {
		c, err := eval.Compare(context.Background(), evaltest.Arabic("a"), evaltest.Arabic("a"), d, opts)
		if err != nil {
			t.Fatal(err)
		}
		if c.DisagreementsTotal != 0 {
			t.Errorf("%d disagreements between a model and itself", c.DisagreementsTotal)
		}
		for _, l := range c.Labels {
			for _, m := range l.Metrics {
				if m.Diff.Value.Valid() && (m.Diff.Value != 0 || m.Diff.Lo != 0 || m.Diff.Hi != 0) {
					t.Errorf("%s %s: diff %+v, want exactly 0", l.Label, m.Metric, m.Diff)
				}
			}
		}
	})
	t.Run("different models", func(t *testing.T) {
		b := evaltest.Arabic("b")
		b.Keywords["hate"] = []string{"خنازير"} // misses half the hate items
		b.Keywords["threat"] = []string{"سنقتل"}
		c, err := eval.Compare(context.Background(), evaltest.Arabic("a"), b, d, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.OnlyB) != 1 || c.OnlyB[0] != "threat" || len(c.Labels) != 2 {
			t.Errorf("labels %d, only B %v", len(c.Labels), c.OnlyB)
		}
		if c.DisagreementsTotal == 0 || len(c.Disagreements) != 3 {
			t.Errorf("%d disagreements, %d listed; want some, 3 listed", c.DisagreementsTotal, len(c.Disagreements))
		}
		for _, dis := range c.Disagreements {
			if !strings.Contains(dis.Text, "الروافض") {
				t.Errorf("disagreement on %q, want only the item B misses", dis.Text)
			}
		}
		var recall eval.MetricDiff
		for _, m := range c.Labels[0].Metrics {
			if m.Metric == "recall" {
				recall = m
			}
		}
		if c.Labels[0].Label != "hate" || !(recall.Diff.Value < 0) || !(recall.Diff.Hi < 0) {
			t.Errorf("hate recall diff %+v: B misses half the hate items, want a negative difference with an interval below 0", recall.Diff)
		}
	})
}
