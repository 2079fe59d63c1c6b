package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// TestStanceIsChosenAndScoredAsTheCardSays trains the toy model with
// Config.Stance and checks the card's choice, then that a saved model
// reports its serious scores discounted by its context labels exactly as
// the card describes, and flags on the discounted scores.
func TestStanceIsChosenAndScoredAsTheCardSays(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(t, filepath.Join(dir, "m"), 1)
	cfg.LinearL2, cfg.LinearOnly, cfg.ThresholdFolds, cfg.Stance = 1e-4, true, 3, true
	var progress strings.Builder
	cfg.Progress = &progress
	card, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := card.Stance
	if s == nil || !slices.Equal(s.Labels, []string{"hate"}) || !slices.Equal(s.By, []string{"counter_speech"}) || !slices.Contains(StanceExponents, s.Exponent) {
		t.Fatalf("card stance %+v, want hate discounted by counter_speech with an exponent of %v", s, StanceExponents)
	}
	if !strings.Contains(s.Rule, "out-of-fold") || !strings.Contains(progress.String(), "stance discount: exponent") {
		t.Errorf("stance rule %q / progress lack the choice:\n%s", s.Rule, progress.String())
	}
	md, err := os.ReadFile(filepath.Join(cfg.Out, models.CardMarkdownFile))
	if err != nil || !strings.Contains(string(md), "Stance: the scores of hate") {
		t.Errorf("model card lacks the stance: %v", err)
	}

	// The same network read with a forced exponent and with none: the
	// discounted scores are the undiscounted ones times (1 − c)^a.
	raw := withStance(t, cfg.Out, filepath.Join(dir, "raw"), 0)
	forced := withStance(t, cfg.Out, filepath.Join(dir, "forced"), 2)
	posts := []string{"جرذان رايحة الجو", "نرفض جرذان اليوم", "لا للطائفية جرذان", "الفطور حلو بالمقهى", "سخيف جرذان والسوق"}
	rp, err := raw.Score(context.Background(), posts)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := forced.Score(context.Background(), posts)
	if err != nil {
		t.Fatal(err)
	}
	thr := forced.Thresholds()
	moved, recorded := false, false
	for i := range posts {
		r, f := rp[i].Scores, fp[i].Scores
		want := r["hate"] * math.Pow(1-r["counter_speech"], 2)
		if math.Abs(f["hate"]-want) > 1e-6 {
			t.Errorf("%q: hate %v, want %v × (1 − %v)² = %v", posts[i], f["hate"], r["hate"], r["counter_speech"], want)
		}
		if f["offensive"] != r["offensive"] || f["counter_speech"] != r["counter_speech"] {
			t.Errorf("%q: offensive or counter-speech moved: %v → %v", posts[i], r, f)
		}
		if slices.Contains(fp[i].Flags, "hate") != (f["hate"] >= thr["hate"]) {
			t.Errorf("%q: flags %v do not follow the discounted hate score %v against %v", posts[i], fp[i].Flags, f["hate"], thr["hate"])
		}
		moved = moved || f["hate"] < r["hate"]*0.99
		// The prediction keeps what the discount took off: the score
		// before it, for the labels it lowered by more than 5%.
		u, ok := fp[i].Undiscounted["hate"]
		recorded = recorded || ok
		if ok != (f["hate"] < r["hate"]*0.95) || ok && math.Abs(u-r["hate"]) > 1e-6 {
			t.Errorf("%q: undiscounted %v (recorded %v), want %v when the discount took more than 5%%", posts[i], u, ok, r["hate"])
		}
		if len(rp[i].Undiscounted) != 0 || len(fp[i].Undiscounted) > 1 {
			t.Errorf("%q: undiscounted scores %v without a discount, %v with one on hate", posts[i], rp[i].Undiscounted, fp[i].Undiscounted)
		}
	}
	if !moved || !recorded {
		t.Errorf("no post's hate score moved (%v) or none was recorded (%v) under the forced discount: %v", moved, recorded, fp)
	}
}

// withStance copies the model in src to dst with its stance exponent set
// to exp, and loads it.
func withStance(t *testing.T, src, dst string, exp float64) *models.Model {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(src, models.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, models.ModelFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	card, err := models.ReadCard(src)
	if err != nil {
		t.Fatal(err)
	}
	card.Stance.Exponent = exp
	if err := models.WriteCard(dst, card); err != nil {
		t.Fatal(err)
	}
	m, err := models.Load(dst, models.Options{ORTLib: testLib(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestStanceNeedsTheJointRuleOnOutOfFoldScores: the exponent is chosen on
// out-of-fold scores by the joint rule, so a configuration without them is
// refused before training.
func TestStanceNeedsTheJointRuleOnOutOfFoldScores(t *testing.T) {
	for name, set := range map[string]func(*Config){
		"no folds":          func(c *Config) { c.ThresholdFolds = 0 },
		"hidden layer":      func(c *Config) { c.LinearOnly = false },
		"per-label":         func(c *Config) { c.PerLabelThresholds = true },
		"operating point":   func(c *Config) { c.Traffic = []string{toyData(t)} },
		"with second stage": func(c *Config) { c.Reader = true },
	} {
		cfg := smallConfig(t, t.TempDir(), 1)
		cfg.LinearL2, cfg.LinearOnly, cfg.ThresholdFolds, cfg.Stance = 1e-4, true, 3, true
		set(&cfg)
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "stance") {
			t.Errorf("%s: err = %v, want a refusal naming the stance discount", name, err)
		}
	}
}
