package policy

import (
	"strings"
	"testing"
)

// TestWithThresholds: the copy routes by its own thresholds, the original
// is untouched, and thresholds a policy file could not hold are refused.
func TestWithThresholds(t *testing.T) {
	p := Default()
	before := p.Thresholds()
	if before["threat"] == 0 || before["hate"] == 0 {
		t.Fatalf("thresholds of the default policy: %v", before)
	}
	// A hate score just under the default's bar, and a copy whose bar is
	// under the score.
	score := before["hate"] - 0.05
	in := Input{Scores: map[string]float64{"hate": score}}
	if d, err := p.Route(in); err != nil || d.Queue {
		t.Fatalf("default policy, hate %.2f: %+v %v (bar %v)", score, d, err, before["hate"])
	}
	q, err := p.WithThresholds(map[string]float64{"hate": score - 0.05, "threat": 0.80})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := q.Route(in); err != nil || !d.Queue || d.RuleID != "hate-speech" {
		t.Fatalf("hate bar %.2f, hate %.2f: %+v %v", score-0.05, score, d, err)
	}
	if d, err := q.Route(Input{Scores: map[string]float64{"threat": 0.75}}); err != nil || d.Queue {
		t.Fatalf("threat bar 0.80, threat 0.75: %+v %v", d, err)
	}
	if got := p.Thresholds(); got["hate"] != before["hate"] || got["threat"] != before["threat"] {
		t.Fatalf("original changed: %v, was %v", got, before)
	}
	if d, err := p.Route(in); err != nil || d.Queue {
		t.Fatalf("original routes by the copy's bar: %+v %v", d, err)
	}
	if q.Version != p.Version || q.Digest() == p.Digest() || !strings.Contains(q.Digest(), "threat=0.8") {
		t.Fatalf("copy version %q digest %q; original %q %q", q.Version, q.Digest(), p.Version, p.Digest())
	}
	for _, bad := range []map[string]float64{
		{"nosuch": 0.5},
		{"counter_speech": 0.5},
		{"named_person": 0.5},
		{"hate": 1.5},
		{"hate": p.Protected.Bar + 0.01},
	} {
		if _, err := p.WithThresholds(bad); err == nil {
			t.Errorf("thresholds %v accepted", bad)
		}
	}
}

// TestRewriteThresholds: a tuned policy file differs from the default in
// the version line and the rewritten thresholds only, parses, and routes by
// the new thresholds.
func TestRewriteThresholds(t *testing.T) {
	data := DefaultYAML()
	out, err := RewriteThresholds("default.yaml", data, "2026.12.13-tuned", map[string]float64{"hate": 0.6, "threat": 0.7})
	if err != nil {
		t.Fatal(err)
	}
	before, after := strings.Split(string(data), "\n"), strings.Split(string(out), "\n")
	if len(before) != len(after) {
		t.Fatalf("%d lines became %d", len(before), len(after))
	}
	var changed []string
	for i := range before {
		if before[i] != after[i] {
			changed = append(changed, after[i])
		}
	}
	want := []string{`version: "2026.12.13-tuned"`, "    threshold: 0.7", "    threshold: 0.6"}
	if strings.Join(changed, "|") != strings.Join(want, "|") {
		t.Fatalf("changed lines %q, want %q", changed, want)
	}
	p, err := Parse("tuned.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	if th := p.Thresholds(); th["hate"] != 0.6 || th["threat"] != 0.7 || th["incitement"] != Default().Thresholds()["incitement"] {
		t.Fatalf("thresholds %v", th)
	}
	for _, bad := range []struct {
		version string
		th      map[string]float64
	}{
		{"2026 12", map[string]float64{"hate": 0.6}},
		{"v2", map[string]float64{"nosuch": 0.6}},
		{"v2", map[string]float64{"counter_speech": 0.6}},
		{"v2", map[string]float64{"hate": 0.95}}, // above the protected bar
	} {
		if _, err := RewriteThresholds("default.yaml", data, bad.version, bad.th); err == nil {
			t.Errorf("version %q thresholds %v accepted", bad.version, bad.th)
		}
	}
}
