package main

// The loop from reviewers through the live engine: with every unrouted post
// sampled, samples wait in the queue marked as such after the flagged
// items; reviewers decide samples and routed items through the API, and the
// researchers' quality estimates read back exactly what they decided.

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/labels"
	"github.com/rasd-iq/rasd/review/quality"
)

func TestReviewLoopEmbedded(t *testing.T) {
	runReviewLoop(t, "")
}

func TestReviewLoopRedis(t *testing.T) {
	runReviewLoop(t, "redis://"+redistest.Start(t)+"/0")
}

func runReviewLoop(t *testing.T, redisURL string) {
	if testing.Short() {
		t.Skip("the end-to-end suite builds and runs the engine")
	}
	f := loadScenarios(t)
	e := setupEngine(t, f, redisURL, "review:\n  sample_rate: 1\n")
	ana, res := login(t, e, "ana"), login(t, e, "res")

	type item struct {
		ID     string   `json:"id"`
		Urgent bool     `json:"urgent"`
		Sample bool     `json:"sample"`
		Labels []string `json:"labels"`
		Lease  struct {
			Token string `json:"token"`
		} `json:"lease"`
	}
	var page struct {
		Items []item `json:"items"`
	}
	ana.call("GET", "/api/queue?limit=200", nil, http.StatusOK, &page)
	var routed, samples []string
	for _, it := range page.Items {
		if it.Sample {
			samples = append(samples, it.ID)
			continue
		}
		routed = append(routed, it.ID)
		if len(samples) > 0 {
			t.Errorf("flagged item %s listed after a sample", it.ID)
		}
	}
	// Every scenario no rule routes is sampled (the rate is 1), and only
	// those; a pending scenario may be routed either way.
	sampled := map[string]bool{}
	for _, id := range samples {
		sampled[id] = true
	}
	for _, s := range f.Scenarios {
		id := "x:" + s.ID
		if s.Pending == "" && sampled[id] == s.Expect.Queued {
			t.Errorf("%s: sampled %v, routed as expected %v", id, sampled[id], s.Expect.Queued)
		}
	}
	if len(samples) < 3 || len(routed) < 2 {
		t.Fatalf("%d samples and %d routed items; the walk needs 3 and 2", len(samples), len(routed))
	}
	var support struct {
		Items []item `json:"items"`
	}
	ana.call("GET", "/api/queue?queue=support&limit=200", nil, http.StatusOK, &support)
	for _, it := range support.Items {
		if it.Sample {
			t.Errorf("sample %s in the support queue", it.ID)
		}
	}

	decide := func(id string, d map[string]any, want int) {
		t.Helper()
		var it item
		ana.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
		d["item"], d["lease"] = id, it.Lease.Token
		ana.call("POST", "/api/decisions", d, want, nil)
	}
	// Routed: one confirmed, one a false positive.
	decide(routed[0], map[string]any{"action": "monitor", "verdict": "true_positive"}, http.StatusCreated)
	decide(routed[1], map[string]any{"action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive"}, http.StatusCreated)
	// Samples: one violating (labelled by the reviewer), one clean; a
	// sample is never dismissed as a false positive.
	decide(samples[0], map[string]any{"action": "monitor", "verdict": "wrong_label", "labels": []string{"hate"}}, http.StatusCreated)
	decide(samples[1], map[string]any{"action": "dismiss", "verdict": "false_positive", "reason_code": "clean"}, http.StatusCreated)
	decide(samples[2], map[string]any{"action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive"}, http.StatusBadRequest)

	var rep quality.Report
	body := string(res.call("GET", "/api/research/quality", nil, http.StatusOK, &rep))
	if rep.Routed != 2 || rep.Samples != 2 {
		t.Fatalf("decided routed %d, samples %d; want 2, 2: %s", rep.Routed, rep.Samples, body)
	}
	o := rep.Overall
	if o.Precision.Hits != 1 || o.Precision.Of != 2 || o.MissRate.Hits != 1 || o.MissRate.Of != 2 || o.Precision.Enough || o.MissRate.Enough {
		t.Errorf("overall precision %d/%d, miss rate %d/%d (enough %v, %v); want 1/2, 1/2, too few",
			o.Precision.Hits, o.Precision.Of, o.MissRate.Hits, o.MissRate.Of, o.Precision.Enough, o.MissRate.Enough)
	}
	if rep.Tally.Processed != int64(len(f.Scenarios)) || rep.Tally.Unrouted() < int64(len(samples)) {
		t.Errorf("tally %+v: want %d processed, at least %d unrouted", rep.Tally, len(f.Scenarios), len(samples))
	}
	if want := 1 / (1 + 0.5*float64(rep.Tally.Unrouted())); !o.Recall.Known || math.Abs(o.Recall.Value-want) > 1e-9 {
		t.Errorf("overall recall %+v, want %.4f", o.Recall, want)
	}
	var hate *quality.Estimate
	for i := range rep.Labels {
		if rep.Labels[i].Label == "hate" {
			hate = &rep.Labels[i]
		}
	}
	if hate == nil || hate.MissRate.Hits != 1 || hate.MissRate.Of != 2 {
		t.Errorf("hate: %+v", hate)
	}
	// No identity reaches the page or the JSON.
	html := string(res.call("GET", "/research/quality", nil, http.StatusOK, nil))
	for _, s := range []string{body, html} {
		if strings.Contains(s, "poster_") || strings.Contains(s, "x.com/i/status") {
			t.Errorf("an identity in the quality report: %.300s", s)
		}
	}
	if !strings.Contains(html, `id="q-estimates"`) || !strings.Contains(html, `id="q-too-few"`) {
		t.Errorf("quality page: %.300s", html)
	}
	// The analyst reads no estimates.
	ana.call("GET", "/api/research/quality", nil, http.StatusForbidden, nil)
	e.stop(t)

	// The decided samples flow back as labelled data: the violating one
	// with its label, the clean one with none, and `rasd train` (what
	// scripts/train-default.sh runs with RASD_REVIEWED) takes the export.
	exported := e.rasd(t, "", append([]string{"review", "export", "--labels"}, e.storeArgs()...)...)
	byID := map[string]labels.Example{}
	for _, line := range strings.Split(strings.TrimSpace(exported), "\n") {
		var ex labels.Example
		if err := json.Unmarshal([]byte(line), &ex); err != nil {
			t.Fatalf("labels export line %q: %v", line, err)
		}
		byID[ex.ID] = ex
	}
	if ex := byID[samples[0]]; len(ex.Labels) != 1 || ex.Labels[0] != "hate" {
		t.Errorf("violating sample exported as %+v", ex)
	}
	if ex := byID[samples[1]]; len(ex.Labels) != 0 || ex.Reason != review.ReasonClean || ex.Text == "" {
		t.Errorf("clean sample exported as %+v", ex)
	}
	reviewed := filepath.Join(t.TempDir(), "reviewed.jsonl")
	if err := os.WriteFile(reviewed, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	trainOnReviewed(t, reviewed)
}

// trainOnReviewed trains a small model on the toy data plus reviewed, a
// labels export, as scripts/train-default.sh adds RASD_REVIEWED.
func trainOnReviewed(t *testing.T, reviewed string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "toy")
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	code := run(env, []string{"train", "--data", "../../testdata/models/toy-train.jsonl," + reviewed, "--out", out,
		"--epochs", "1", "--dim", "8", "--hidden", "8", "--buckets", "4096", "--valid-percent", "25", "--min-positives", "5", "--quiet"})
	if code != 0 {
		t.Fatalf("rasd train on the toy data and a labels export exited %d: %s", code, stderr.String())
	}
}
