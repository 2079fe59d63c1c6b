package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOperatingThresholdReachesTargetPrecision(t *testing.T) {
	// Positives score 0.5..0.99; traffic is mostly low with a tail.
	var pos, traffic []float64
	for i := range 50 {
		pos = append(pos, 0.5+float64(i)/100)
	}
	for i := range 1000 {
		traffic = append(traffic, float64(i)/1000*0.8) // 0 .. 0.8
	}
	ol := operatingThreshold(pos, traffic, 0.5, 0.01)
	if !ol.Reached || ol.Precision < 0.5 {
		t.Fatalf("operating point %+v does not reach precision 0.5", ol)
	}
	// At the chosen threshold, the estimate follows the formula.
	r, f := atLeast(sortedCopy(pos), ol.Threshold), atLeast(sortedCopy(traffic), ol.Threshold)
	if p := 0.01 * r / (0.01*r + 0.99*f); p < 0.5 || round4(r) != ol.Recall || round4(f) != ol.TrafficRate {
		t.Errorf("estimate at %v: recall %v traffic %v precision %v; got %+v", ol.Threshold, r, f, p, ol)
	}
	// It is the lowest such threshold: one positive lower misses the target.
	for i, t0 := range pos {
		if t0 == ol.Threshold && i > 0 {
			lo := pos[i-1]
			r, f := atLeast(sortedCopy(pos), lo), atLeast(sortedCopy(traffic), lo)
			if 0.01*r/(0.01*r+0.99*f) >= 0.5 {
				t.Errorf("threshold %v reaches the target too; %v is not the lowest", lo, ol.Threshold)
			}
		}
	}
	// A higher prevalence allows a lower threshold (more recall).
	if hi := operatingThreshold(pos, traffic, 0.5, 0.1); hi.Threshold > ol.Threshold {
		t.Errorf("prevalence 0.1 gave threshold %v above %v at 0.01", hi.Threshold, ol.Threshold)
	}
	// Unreachable: traffic scores above every positive.
	bad := operatingThreshold([]float64{0.1, 0.2}, []float64{0.9, 0.95, 0.99}, 0.5, 0.01)
	if bad.Reached {
		t.Errorf("unreachable target reported reached: %+v", bad)
	}
}

func sortedCopy(v []float64) []float64 {
	out := append([]float64(nil), v...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestTrainSetsOperatingPointOnTraffic(t *testing.T) {
	dir := t.TempDir()
	// Ordinary posts: everyday toy words, some rude (offensive) ones.
	var b strings.Builder
	words := []string{"الجو", "حلو", "رايحة", "والسوق", "بالمقهى", "اليوم", "الفطور", "جاي", "سخيف"}
	for i := range 400 {
		b.WriteString(`{"text":"` + words[i%9] + " " + words[(i/9)%9] + " " + words[(i+4)%9] + `","labels":null,"annotates":[]}` + "\n")
	}
	traffic := filepath.Join(dir, "traffic.jsonl")
	if err := os.WriteFile(traffic, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig(t, filepath.Join(dir, "m"), 1)
	cfg.LinearL2, cfg.NB, cfg.Epochs = 1e-4, true, 1
	cfg.Traffic, cfg.TrafficCheck = []string{traffic}, []string{traffic}
	card, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	op := card.Training.Operating
	if op == nil || op.TrafficPosts != 400 || op.Check == nil || op.Check.Posts != 400 {
		t.Fatalf("operating point %+v", op)
	}
	if ol, ok := op.Labels["hate"]; !ok || card.Thresholds["hate"] != ol.Threshold {
		t.Errorf("hate: operating %+v, card threshold %v", ol, card.Thresholds["hate"])
	}
	for _, l := range []string{"offensive", "counter_speech"} {
		if _, ok := op.Labels[l]; ok {
			t.Errorf("%s is not serious but got an operating point", l)
		}
	}
	if !strings.Contains(card.Training.ThresholdRule, "estimated precision") {
		t.Errorf("threshold rule %q does not state the operating point", card.Training.ThresholdRule)
	}
	md, err := os.ReadFile(filepath.Join(dir, "m", "MODEL_CARD.md"))
	if err != nil || !strings.Contains(string(md), "per 10,000 posts") {
		t.Errorf("model card lacks the reviewer load: %v", err)
	}
}
