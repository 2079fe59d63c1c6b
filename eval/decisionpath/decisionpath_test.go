package decisionpath

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/index/pipeline"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/signals"
	"github.com/rasd-iq/rasd/policy"
)

// defaultModel loads the committed default model with ONNX Runtime,
// failing under `make test` without them and skipping otherwise.
func defaultModel(t *testing.T) *models.Model {
	t.Helper()
	dir, err := models.DefaultDir()
	var lib string
	if err == nil {
		lib, err = models.FindORTLib("")
	}
	var m *models.Model
	if err == nil {
		m, err = models.Load(dir, models.Options{ORTLib: lib})
	}
	if err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("default model: %v", err)
		}
		t.Skipf("default model: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestRouteAndSweep: items are scored once and routed as the engine routes
// them (words of a call to harm routed whatever the score, the same words
// denied held back); a sweep's point for a setting equals a plain routing
// under a policy with those thresholds; a tuned policy is written only when
// a setting meets the target.
func TestRouteAndSweep(t *testing.T) {
	m := defaultModel(t)
	det, err := signals.New(signals.Options{})
	if err != nil {
		t.Fatal(err)
	}
	items := []dataset.Item{
		{ID: "a", Line: 1, Text: "اي وحدة تطلع بالليل بدون اذن اهلها تستاهل الضرب، هيچ تربينا", Labels: []string{"incitement"}},
		{ID: "b", Line: 2, Text: "ماكو وحدة تستاهل الضرب، اللي يمد ايده على مرة مو رجال"},
		{ID: "c", Line: 3, Text: "المعدان عث، وين ما يسكنون يخربون الهدوم والبيوت", Labels: []string{"hate"}},
		{ID: "d", Line: 4, Text: "الجو اليوم حلو بالبصرة، رحنا للكورنيش"},
	}
	s, err := Score(context.Background(), pipeline.ModelScorer{Model: m}, det, items)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	router := pipeline.PolicyRouter{Policy: pol, Model: m.ID(), Thresholds: m.Thresholds()}
	routed, err := s.Route(router)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "incitement-words-general", "b": "", "c": "hate-words-dehumanising", "d": ""}
	for _, r := range routed {
		if r.Rule != want[r.Item.ID] || r.Queued != (want[r.Item.ID] != "") {
			t.Errorf("%s: queued %v rule %q, want %q (signals %v)", r.Item.ID, r.Queued, r.Rule, want[r.Item.ID], r.Signals)
		}
	}
	grid, _ := eval.Grid(0.4, 0.8, 0.2)
	rep, err := s.Sweep(router, eval.SweepOptions{Labels: []string{"hate", "threat"}, Grid: grid, MaxProtected: 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Settings != 9 || rep.Best == nil {
		t.Fatalf("sweep %+v", rep)
	}
	q, err := pol.WithThresholds(rep.Best.Thresholds)
	if err != nil {
		t.Fatal(err)
	}
	rt := router
	rt.Policy = q
	again, err := s.Route(rt)
	if err != nil {
		t.Fatal(err)
	}
	if got := eval.SummarizeRouting(again, nil, nil); got.Violating.Queued != rep.Best.Violating || got.Protected.Queued != rep.Best.Protected {
		t.Errorf("routing under the chosen thresholds: %d violating, %d protected; the sweep said %+v", got.Violating.Queued, got.Protected.Queued, rep.Best)
	}
	if _, err := s.Sweep(router, eval.SweepOptions{Labels: []string{"named_person"}, Grid: grid}, nil); err == nil || !strings.Contains(err.Error(), "not a violation label") {
		t.Errorf("sweeping a signal: %v", err)
	}
	path := filepath.Join(t.TempDir(), "tuned.yaml")
	version, err := WriteTuned(path, pol, "", rep)
	if err != nil || version != pol.Version+"-tuned" {
		t.Fatalf("WriteTuned: %q %v", version, err)
	}
	if p, err := policy.Load(path); err != nil || p.Thresholds()["hate"] != rep.Best.Thresholds["hate"] {
		t.Fatalf("tuned policy: %v", err)
	}
	none := rep
	none.Best = nil
	if _, err := WriteTuned(filepath.Join(t.TempDir(), "none.yaml"), pol, "v", none); err == nil {
		t.Error("a tuned policy written with no chosen setting")
	}
}
