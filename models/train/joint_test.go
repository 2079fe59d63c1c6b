package train

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// candidates lists, per column, the thresholds bestFor can choose.
func candidates(p jointPool, j int) []float64 {
	var s []float64
	for _, row := range p.scores {
		s = append(s, row[j])
	}
	slices.Sort(s)
	s = slices.Compact(s)
	out := []float64{s[0] / 2, s[len(s)-1] * 2}
	for i := 1; i < len(s); i++ {
		out = append(out, (s[i-1]+s[i])/2)
	}
	return out
}

// TestJointThresholdsReachACoordinateOptimum checks, on random pools of two
// correlated labels, that the rule never ends below where it started, that
// no single label can then move to a better figure, and that the result is
// within reach of the brute-force optimum over every pair of thresholds.
func TestJointThresholdsReachACoordinateOptimum(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 40; trial++ {
		var p jointPool
		for i := 0; i < 60; i++ {
			viol := rng.Float64() < 0.4
			base := rng.Float64() * 0.5
			if viol {
				base += 0.3
			}
			p.add([]float64{base + rng.Float64()*0.3, base*0.5 + rng.Float64()*0.4}, classOf(viol))
		}
		start := []float64{0.5 + rng.Float64()*0.4, 0.3 + rng.Float64()*0.5}
		got := jointThresholds(p, start)
		obj := p.objective(p.flagged(got))
		if s := p.objective(p.flagged(start)); obj < s-1e-12 {
			t.Fatalf("trial %d: objective fell from %.4f to %.4f", trial, s, obj)
		}
		best := -2.0
		for _, a := range candidates(p, 0) {
			for _, b := range candidates(p, 1) {
				best = max(best, p.objective(p.flagged([]float64{a, b})))
			}
			tt := []float64{a, got[1]}
			if o := p.objective(p.flagged(tt)); o > obj+1e-12 {
				t.Fatalf("trial %d: moving label 0 to %.4f raises %.4f to %.4f", trial, a, obj, o)
			}
		}
		for _, b := range candidates(p, 1) {
			if o := p.objective(p.flagged([]float64{got[0], b})); o > obj+1e-12 {
				t.Fatalf("trial %d: moving label 1 to %.4f raises %.4f to %.4f", trial, b, obj, o)
			}
		}
		if obj > best+1e-12 || obj < best-0.15 {
			t.Errorf("trial %d: objective %.4f, brute-force optimum %.4f", trial, obj, best)
		}
	}
}

// TestJointThresholdsUseOneLabelsCoverForAnother: every violating item with
// a high score in label 1 is already flagged by label 0, so label 1's
// threshold rises to stop its false alarms, while label 0's falls to reach
// the one violating item only it can see.
func TestJointThresholdsUseOneLabelsCoverForAnother(t *testing.T) {
	var p jointPool
	p.add([]float64{0.9, 0.9}, jointViolating)
	p.add([]float64{0.8, 0.8}, jointViolating)
	p.add([]float64{0.4, 0.1}, jointViolating) // only label 0, below its start
	p.add([]float64{0.1, 0.6}, jointOther)
	p.add([]float64{0.1, 0.1}, jointOther)
	p.add([]float64{0.2, 0.2}, jointOther)
	got := jointThresholds(p, []float64{0.5, 0.5})
	if !(got[0] > 0.2 && got[0] <= 0.4) || !(got[1] > 0.6) {
		t.Errorf("thresholds %v: want label 0 in (0.2, 0.4] and label 1 above 0.6", got)
	}
	if n := p.flagged(got); n[jointViolating] != 3 || n[jointOther] != 0 {
		t.Errorf("flagged %d violating and %d others, want 3 and 0", n[jointViolating], n[jointOther])
	}
}

// classOf is the joint class of a labelled item.
func classOf(violating bool) jointClass {
	if violating {
		return jointViolating
	}
	return jointOther
}

// fourAndFour is a pool of four violating items, the last at 0.3 on label
// 0, and four others all below it.
func fourAndFour() jointPool {
	var p jointPool
	for _, row := range [][]float64{{0.9, 0.1}, {0.8, 0.1}, {0.1, 0.7}, {0.3, 0.1}} {
		p.add(row, jointViolating)
	}
	for _, row := range [][]float64{{0.1, 0.1}, {0.2, 0.1}, {0.1, 0.2}, {0.05, 0.05}} {
		p.add(row, jointOther)
	}
	return p
}

// TestJointThresholdsPayForOrdinaryPosts: a label whose low scores reach
// one more violating item but also a third of the ordinary posts stays high
// once the ordinary posts are in the pool, and goes low without them.
func TestJointThresholdsPayForOrdinaryPosts(t *testing.T) {
	labelled := fourAndFour()
	withOrdinary := labelled
	withOrdinary.scores, withOrdinary.class = slices.Clone(labelled.scores), slices.Clone(labelled.class)
	for i := range 30 {
		s := 0.05
		if i%3 == 0 {
			s = 0.35 // above the violating item at 0.3
		}
		withOrdinary.add([]float64{s, 0.05}, jointOrdinary)
	}
	start := []float64{0.5, 0.5}
	low := jointThresholds(labelled, start)
	high := jointThresholds(withOrdinary, start)
	if !(low[0] > 0.2 && low[0] <= 0.3) {
		t.Errorf("without ordinary posts label 0's threshold is %.3f, want it in (0.2, 0.3] to reach the item at 0.3", low[0])
	}
	if !(high[0] > 0.35) {
		t.Errorf("with ordinary posts label 0's threshold is %.3f, want it above 0.35 (a third of them score 0.35)", high[0])
	}
	if n := withOrdinary.flagged(high); n[jointOrdinary] != 0 || n[jointViolating] != 3 {
		t.Errorf("with ordinary posts: flagged %v, want 3 violating and no ordinary post", n)
	}
}

// TestJointOrdinaryWeightPricesOrdinaryPosts: one ordinary post in thirty
// above the last violating item is worth flagging at weight 1 (a quarter
// of the violating items against a thirtieth of the ordinary posts) and not
// at weight 10.
func TestJointOrdinaryWeightPricesOrdinaryPosts(t *testing.T) {
	p := fourAndFour()
	for i := range 30 {
		s := 0.05
		if i == 0 {
			s = 0.35
		}
		p.add([]float64{s, 0.05}, jointOrdinary)
	}
	start := []float64{0.5, 0.5}
	for _, c := range []struct {
		weight   float64
		violated int
		ordinary int
	}{{0, 4, 1}, {1, 4, 1}, {10, 3, 0}} {
		p.ordWeight = c.weight
		n := p.flagged(jointThresholds(p, start))
		if n[jointViolating] != c.violated || n[jointOrdinary] != c.ordinary {
			t.Errorf("weight %g: flagged %d violating and %d ordinary, want %d and %d", c.weight, n[jointViolating], n[jointOrdinary], c.violated, c.ordinary)
		}
	}
}

// TestJointThresholdsKeepTheStartWhenNothingImproves: a start that already
// separates the classes stays exactly where it is, and a pool without
// violating items changes nothing.
func TestJointThresholdsKeepTheStartWhenNothingImproves(t *testing.T) {
	var p jointPool
	p.add([]float64{0.9, 0.1}, jointViolating)
	p.add([]float64{0.1, 0.9}, jointViolating)
	p.add([]float64{0.2, 0.2}, jointOther)
	start := []float64{0.55, 0.45}
	if got := jointThresholds(p, start); !slices.Equal(got, start) {
		t.Errorf("thresholds %v, want the start %v", got, start)
	}
	var neg jointPool
	neg.add([]float64{0.9, 0.9}, jointOther)
	if got := jointThresholds(neg, start); !slices.Equal(got, start) {
		t.Errorf("without violating items: thresholds %v, want %v", got, start)
	}
}

// TestTrainSetsSeriousThresholdsTogether trains the toy model with and
// without the joint rule: by default the card names the rule, only serious
// labels' thresholds move, and the saved model decides at the joint
// thresholds; PerLabelThresholds keeps the per-label rule.
func TestTrainSetsSeriousThresholdsTogether(t *testing.T) {
	dir := t.TempDir()
	// Held-out ordinary posts, some with the toy hate cue, for the reviewer
	// load the card reports without an operating point.
	var b strings.Builder
	var posts []string
	words := []string{"الجو", "حلو", "رايحة", "والسوق", "بالمقهى", "اليوم", "الفطور", "جرذان", "سخيف"}
	for i := range 90 {
		posts = append(posts, words[i%9]+" "+words[(i/9)%9]+" "+words[(i+4)%9])
		b.WriteString(`{"text":"` + posts[i] + `","labels":null}` + "\n")
	}
	check := filepath.Join(dir, "check.jsonl")
	if err := os.WriteFile(check, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, perLabel bool) (*models.Card, string) {
		cfg := smallConfig(t, filepath.Join(dir, name), 1)
		cfg.LinearL2, cfg.LinearOnly, cfg.ThresholdFolds, cfg.PerLabelThresholds = 1e-4, true, 3, perLabel
		cfg.TrafficCheck = []string{check}
		var progress strings.Builder
		cfg.Progress = &progress
		card, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return card, progress.String()
	}
	per, perOut := run("per", true)
	joint, jointOut := run("joint", false)
	if strings.Contains(per.Training.ThresholdRule, "set together") || strings.Contains(perOut, "joint thresholds") {
		t.Errorf("--per-label-thresholds card rule %q names the joint rule", per.Training.ThresholdRule)
	}
	if !strings.Contains(joint.Training.ThresholdRule, "set together") || !strings.Contains(jointOut, "joint thresholds on") {
		t.Fatalf("default card rule %q / progress %q lack the joint rule", joint.Training.ThresholdRule, jointOut)
	}
	for _, l := range joint.Labels {
		if !slices.Contains(SeriousLabels, l) && joint.Thresholds[l] != per.Thresholds[l] {
			t.Errorf("%s is not serious but its threshold moved: %v → %v", l, per.Thresholds[l], joint.Thresholds[l])
		}
	}
	m, err := models.Load(filepath.Join(dir, "joint"), models.Options{ORTLib: testLib(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Card().Thresholds["hate"] != joint.Thresholds["hate"] {
		t.Errorf("loaded hate threshold %v, card %v", m.Card().Thresholds["hate"], joint.Thresholds["hate"])
	}
	// The reviewer load is what the saved model flags among the held-out posts.
	preds, err := m.Score(context.Background(), posts)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, p := range preds {
		for _, l := range p.Flags {
			if slices.Contains(SeriousLabels, l) {
				flagged++
				break
			}
		}
	}
	chk := joint.Training.TrafficCheck
	if chk == nil || chk.Posts != 90 || chk.Flagged != flagged || flagged == 0 || joint.Training.Operating != nil {
		t.Errorf("traffic check %+v, want 90 posts and the %d the saved model flags serious", chk, flagged)
	}
	md, err := os.ReadFile(filepath.Join(dir, "joint", "MODEL_CARD.md"))
	if err != nil || !strings.Contains(string(md), "## Reviewer load") || !strings.Contains(string(md), "set together") {
		t.Errorf("model card lacks the reviewer load or the joint rule: %v", err)
	}
	if v := joint.Validation["hate"]; v.Recall < 0.8 {
		t.Errorf("hate validation at the joint threshold %+v: want recall ≥ 0.8 on the separable toy task", v)
	}
}
