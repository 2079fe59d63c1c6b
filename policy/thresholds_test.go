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
	in := Input{Scores: map[string]float64{"hate": 0.50}}
	if d, err := p.Route(in); err != nil || d.Queue {
		t.Fatalf("default policy, hate 0.50: %+v %v (bar %v)", d, err, before["hate"])
	}
	q, err := p.WithThresholds(map[string]float64{"hate": 0.45, "threat": 0.80})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := q.Route(in); err != nil || !d.Queue || d.RuleID != "hate-speech" {
		t.Fatalf("hate bar 0.45, hate 0.50: %+v %v", d, err)
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
	if q.Version != p.Version || q.Digest() == p.Digest() || !strings.Contains(q.Digest(), "hate=0.45") {
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
