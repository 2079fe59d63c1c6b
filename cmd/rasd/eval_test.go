package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/policy"
)

// withFakeScorers makes `rasd eval` load evaltest fakes: model directory "a"
// is evaltest.Arabic("a"), "b" the same with fewer hate keywords; anything
// else fails to load.
func withFakeScorers(t *testing.T) {
	t.Helper()
	old := openScorer
	t.Cleanup(func() { openScorer = old })
	openScorer = func(dir string, _ scorerOptions) (eval.Scorer, func() error, error) {
		switch dir {
		case "a", "":
			return evaltest.Arabic("a"), func() error { return nil }, nil
		case "b":
			f := evaltest.Arabic("b")
			f.Keywords["hate"] = []string{"خنازير"}
			return f, func() error { return nil }, nil
		}
		return nil, nil, errors.New("no such model")
	}
}

func sharedData(t *testing.T, rel string) string {
	t.Helper()
	dir, err := dataset.SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data set %s not found (set RASD_DATASETS): %v", p, err)
	}
	return p
}

func readResult(t *testing.T, path string) *eval.Result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r eval.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return &r
}

var osactArgs = []string{"--text-col", "1", "--label-col", "2,3", "--map", "OFF=offensive,NOT_OFF=,HS=hate,NOT_HS="}

// evalOSACTBothWays runs rasd eval on OSACT2020 dev in its original TSV and
// on its JSONL twin and checks that every figure is the same.
func evalOSACTBothWays(t *testing.T, model string) {
	tsv := sharedData(t, "osact2020/dev.tsv")
	jsonl := sharedData(t, "osact2020/dev.jsonl")
	dir := t.TempDir()
	common := []string{"eval", "--bootstrap", "200", "--seed", "7"}
	if model != "" {
		common = append(common, "--model", model)
	}
	a := filepath.Join(dir, "tsv.json")
	code, out, errs := runCmd(t, "", append(append(append([]string{}, common...), osactArgs...), "--data", tsv, "--json", a)...)
	if code != 0 {
		t.Fatalf("rasd eval on the TSV exited %d: %s", code, errs)
	}
	if !strings.Contains(out, "hate") || !strings.Contains(out, "1000 items") {
		t.Errorf("summary lacks the labels or the item count:\n%s", out)
	}
	b := filepath.Join(dir, "jsonl.json")
	if code, _, errs := runCmd(t, "", append(common, "--data", jsonl, "--json", b)...); code != 0 {
		t.Fatalf("rasd eval on the JSONL exited %d: %s", code, errs)
	}
	ra, rb := readResult(t, a), readResult(t, b)
	if ra.Data.Items != 1000 || ra.Data.Format != "tsv" || rb.Data.Format != "jsonl" {
		t.Errorf("data info: %+v / %+v", ra.Data, rb.Data)
	}
	if !reflect.DeepEqual(ra.Data.LabelCounts, rb.Data.LabelCounts) || ra.Data.LabelCounts["hate"] != 44 || ra.Data.LabelCounts["offensive"] != 179 {
		t.Errorf("gold label counts differ: %v vs %v (want hate 44, offensive 179)", ra.Data.LabelCounts, rb.Data.LabelCounts)
	}
	// The JSONL twin says OSACT annotates hate and offensive only, so the
	// model's other labels are left out there; those two must match.
	var shared []eval.LabelResult
	for _, l := range ra.Labels {
		if l.Label == "hate" || l.Label == "offensive" {
			shared = append(shared, l)
		}
	}
	if model != "a" && len(rb.Labels) != 2 {
		t.Errorf("JSONL twin: %d labels evaluated, want hate and offensive (the labels OSACT annotates)", len(rb.Labels))
	}
	ja, _ := json.Marshal(shared)
	jb, _ := json.Marshal(rb.Labels)
	if string(ja) != string(jb) {
		t.Errorf("figures differ between the TSV and its JSONL twin:\n%.600s\n%.600s", ja, jb)
	}
	if !strings.Contains(ra.Run.Command, "--label-col 2,3") || ra.Run.Seed != 7 || ra.Model.CardSHA256 == "" || ra.Data.SHA256 == rb.Data.SHA256 {
		t.Errorf("reproducibility record incomplete: %+v %+v", ra.Run, ra.Model)
	}
}

func TestEvalOSACTOriginalEqualsJSONLFake(t *testing.T) {
	withFakeScorers(t)
	evalOSACTBothWays(t, "a")
}

func TestEvalOSACTOriginalEqualsJSONLDefaultModel(t *testing.T) {
	dir, err := models.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, models.ModelFile)); err != nil {
		t.Skipf("no default model at %s (run `make model`): %v", dir, err)
	}
	evalOSACTBothWays(t, "")
}

func TestEvalWritesReports(t *testing.T) {
	withFakeScorers(t)
	dir := t.TempDir()
	data := filepath.Join("..", "..", "testdata", "eval", "gold-like.jsonl")
	html, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	code, out, errs := runCmd(t, "", "eval", "--data", data, "--report", html, "--json", js, "--bootstrap", "50")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "functional: ") || !strings.Contains(out, "model lacks serious labels incitement, terrorism, threat") {
		t.Errorf("summary lacks the functional line:\n%s", out)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), `dir="auto"`) {
		t.Errorf("HTML report missing or without charts: %v", err)
	}
	r := readResult(t, js)
	if r.Functional == nil || r.Functional.N != 3 || len(r.Fairness) == 0 {
		t.Errorf("JSON report lacks functional or fairness results: %+v", r.Functional)
	}
	// --json - sends the report to stdout and the summary to stderr.
	code, out, errs = runCmd(t, "", "eval", "--data", data, "--json", "-", "--bootstrap", "0")
	var back eval.Result
	if code != 0 || json.Unmarshal([]byte(out), &back) != nil || !strings.Contains(errs, "functional") {
		t.Errorf("--json -: exit %d, stdout not a report or summary not on stderr:\n%s\n%s", code, out, errs)
	}
	if back.Labels[0].F1.Lo.Valid() {
		t.Errorf("--bootstrap 0 still produced intervals")
	}
}

func TestEvalCompareCommand(t *testing.T) {
	withFakeScorers(t)
	data := sharedData(t, "mlma/test.jsonl")
	js := filepath.Join(t.TempDir(), "cmp.json")
	code, out, errs := runCmd(t, "", "eval", "compare", "--model", "a", "--model", "b", "--data", data, "--json", js, "--bootstrap", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "A fake-a@1 vs B fake-b@1") || !strings.Contains(out, "items flagged differently") {
		t.Errorf("summary:\n%s", out)
	}
	b, _ := os.ReadFile(js)
	var c eval.Comparison
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.DisagreementsTotal == 0 || len(c.Labels) != 2 || c.Labels[0].Metrics[0].Diff.Lo.Valid() == false {
		t.Errorf("comparison: %d disagreements, %d labels", c.DisagreementsTotal, len(c.Labels))
	}
}

func TestEvalExitStatuses(t *testing.T) {
	withFakeScorers(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tsv := write("x.tsv", "نص اول\tOFF\tNOT_HS\nنص ثان\tOFFF\tNOT_HS\n")
	empty := write("empty.jsonl", "")
	txt := write("x.txt", "a")
	good := write("good.jsonl", `{"text":"يا حمار","labels":["offensive"]}`+"\n")
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no data", []string{"eval"}, 2, "--data is required"},
		{"unknown format", []string{"eval", "--data", good, "--format", "xml"}, 2, `unknown format "xml"`},
		{"extension unknown", []string{"eval", "--data", txt}, 2, "cannot tell the format"},
		{"stdin without format", []string{"eval", "--data", "-"}, 2, "--format is required"},
		{"negative bootstrap", []string{"eval", "--data", good, "--bootstrap", "-1"}, 2, "--bootstrap"},
		{"bad target precision", []string{"eval", "--data", good, "--target-precision", "2"}, 2, "--target-precision"},
		{"bad map", []string{"eval", "--data", tsv, "--map", "OFF"}, 2, "want VALUE=LABEL"},
		{"bad render", []string{"eval", "--data", good, "--render", "latin"}, 2, "--render must be arabizi or typos"},
		{"two models without compare", []string{"eval", "--data", good, "--model", "a", "--model", "b"}, 2, "eval compare"},
		{"compare with one model", []string{"eval", "compare", "--data", good, "--model", "a"}, 2, "--model twice"},
		{"label missing from map", append([]string{"eval", "--data", tsv}, osactArgs...), 1, `line 2: label "OFFF" (column 2) is not in the label map`},
		{"empty file", []string{"eval", "--data", empty}, 1, "no items"},
		{"missing file", []string{"eval", "--data", filepath.Join(dir, "nope.jsonl")}, 1, "no such file"},
		{"model fails to load", []string{"eval", "--data", good, "--model", "zzz"}, 1, "loading model zzz: no such model"},
		{"from stdin", []string{"eval", "--data", "-", "--format", "jsonl", "--bootstrap", "0"}, 0, ""},
		{"compare help", []string{"eval", "compare", "--help"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdin := ""
			if c.name == "from stdin" {
				stdin = `{"text":"يا حمار","labels":["offensive"]}` + "\n"
			}
			code, _, errs := runCmd(t, stdin, c.args...)
			if code != c.code || !strings.Contains(errs, c.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, c.code, c.msg)
			}
			if c.code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("error is not one line: %q", errs)
			}
		})
	}
}

// BenchmarkEval100k compares the time to score 100,000 posts with the default
// model (or $RASD_EVAL_MODEL) against the time `rasd eval` then spends on all
// metrics with 1,000 bootstrap resamples. The posts are the shared corpora's
// train splits, repeated. Reported, wall clock and CPU (all threads):
// score-s, metrics-s, metrics/score, score-cpu-s, metrics-cpu-s.
func BenchmarkEval100k(b *testing.B) {
	dir := os.Getenv("RASD_EVAL_MODEL")
	if dir == "" {
		d, err := models.DefaultDir()
		if err != nil {
			b.Fatal(err)
		}
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, models.ModelFile)); err != nil {
		b.Skipf("no model at %s (run `make model`): %v", dir, err)
	}
	shared, err := dataset.SharedDir()
	if err != nil {
		b.Fatal(err)
	}
	var pool []dataset.Item
	for _, f := range []string{"osact2020/train.jsonl", "lhsab/train.jsonl", "mlma/train.jsonl"} {
		d, err := dataset.LoadFile(filepath.Join(shared, f), dataset.Options{})
		if err != nil {
			b.Skipf("shared data: %v", err)
		}
		pool = append(pool, d.Items...)
	}
	const n = 100000
	d := &dataset.Dataset{Path: "bench", Items: make([]dataset.Item, n)}
	texts := make([]string, n)
	for i := range d.Items {
		d.Items[i] = pool[i%len(pool)]
		texts[i] = d.Items[i].Text
	}
	s, closeModel, err := eval.OpenModel(dir, scorerOptions{Device: "cpu"})
	if err != nil {
		b.Fatal(err)
	}
	defer closeModel()
	b.ResetTimer()
	var score, metrics, scoreCPU, metricsCPU float64
	for range b.N {
		w0, c0 := time.Now(), cpuTime()
		rep := &replayScorer{Scorer: s}
		for start := 0; start < n; start += 4096 {
			out, err := s.Score(b.Context(), texts[start:min(start+4096, n)])
			if err != nil {
				b.Fatal(err)
			}
			rep.scores = append(rep.scores, out...)
		}
		w1, c1 := time.Now(), cpuTime()
		if _, err := eval.Evaluate(b.Context(), rep, d, eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: 1000, Seed: 1}}); err != nil {
			b.Fatal(err)
		}
		w2, c2 := time.Now(), cpuTime()
		score += w1.Sub(w0).Seconds()
		metrics += w2.Sub(w1).Seconds()
		scoreCPU += (c1 - c0).Seconds()
		metricsCPU += (c2 - c1).Seconds()
	}
	b.ReportMetric(score/float64(b.N), "score-s")
	b.ReportMetric(metrics/float64(b.N), "metrics-s")
	b.ReportMetric(metrics/score, "metrics/score")
	b.ReportMetric(scoreCPU/float64(b.N), "score-cpu-s")
	b.ReportMetric(metricsCPU/float64(b.N), "metrics-cpu-s")
}

// replayScorer returns scores computed earlier, in order, so that a benchmark
// times the metrics alone.
type replayScorer struct {
	eval.Scorer
	scores []map[string]float64
	next   int
}

func (r *replayScorer) Score(_ context.Context, texts []string) ([]map[string]float64, error) {
	out := r.scores[r.next : r.next+len(texts)]
	r.next += len(texts)
	return out, nil
}

// cpuTime is the CPU time this process has used, all threads together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The Iraqi gold set loads as written and yields functional and fairness results.
func TestEvalGoldSet(t *testing.T) {
	withFakeScorers(t)
	gold := filepath.Join("..", "..", "eval", "data", "iraqi-gold", "test.jsonl")
	if _, err := os.Stat(gold); err != nil {
		t.Skipf("gold set not assembled yet: %v", err)
	}
	js := filepath.Join(t.TempDir(), "gold.json")
	if code, _, errs := runCmd(t, "", "eval", "--data", gold, "--json", js, "--bootstrap", "20"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := readResult(t, js)
	if r.Functional == nil || len(r.Functional.Functionality) < 10 || r.Functional.N != r.Data.Items {
		t.Fatalf("functional result missing or incomplete: %+v", r.Functional)
	}
	if len(r.Fairness) == 0 || len(r.Fairness[0].Groups) < 5 {
		t.Errorf("fairness result missing or with few groups")
	}
	if r.Data.Unscored["incitement"] == 0 {
		t.Errorf("gold incitement labels not reported as unscored by a hate/offensive model: %v", r.Data.Unscored)
	}
}

// TestEvalTrafficFlagRate: `rasd eval compare --traffic` scores the ordinary,
// unannotated posts of realtweets with both models, reports each model's
// serious-flag rate and writes the flagged posts for a person to read.
func TestEvalTrafficFlagRate(t *testing.T) {
	withFakeScorers(t)
	data := sharedData(t, "mlma/test.jsonl")
	traffic := sharedData(t, "realtweets/test.jsonl")
	dir := t.TempDir()
	js, flagged := filepath.Join(dir, "cmp.json"), filepath.Join(dir, "flagged.jsonl")
	code, out, errs := runCmd(t, "", "eval", "compare", "--model", "a", "--model", "b", "--data", data, "--json", js,
		"--bootstrap", "0", "--traffic", traffic, "--traffic-flagged", flagged)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(js)
	var c eval.Comparison
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.TrafficA == nil || c.TrafficB == nil || c.TrafficA.Posts < 2000 || len(c.TrafficA.Groups) < 3 {
		t.Fatalf("traffic results: %+v %+v", c.TrafficA, c.TrafficB)
	}
	if !strings.Contains(out, "A: ordinary traffic") || !strings.Contains(out, "B: ordinary traffic") {
		t.Errorf("summary lacks the traffic lines:\n%s", out)
	}
	fl, err := os.ReadFile(flagged)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(fl), "\n"); n != c.TrafficA.Flagged+c.TrafficB.Flagged {
		t.Errorf("flagged file has %d lines, results flag %d + %d", n, c.TrafficA.Flagged, c.TrafficB.Flagged)
	}
	if code, _, _ := runCmd(t, "", "eval", "--data", data, "--traffic-flagged", flagged); code != 2 {
		t.Errorf("--traffic-flagged without --traffic: exit %d, want 2", code)
	}
}

// TestEvalRouteThroughDecisionPath runs posts through the real model, the
// signals stage and the built-in policy: threats worded as Iraqi idiom
// against a journalist and an activist are urgent whatever the model's
// score, the same words condemned or joked about are not queued.
func TestEvalRouteThroughDecisionPath(t *testing.T) {
	model := requireDefaultModel(t)
	dir := t.TempDir()
	js, routed := filepath.Join(dir, "r.json"), filepath.Join(dir, "routed.jsonl")
	data := filepath.Join("..", "..", "testdata", "eval", "route-threats.jsonl")
	code, out, errs := runCmd(t, "", "eval", "route", "--model", model, "--data", data, "--json", js, "--routed", routed)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if !strings.Contains(out, "threats against defenders  2 of 2 urgent") || !strings.Contains(out, "protected or ordinary      0 of 3 queued") {
		t.Errorf("summary:\n%s", out)
	}
	var rep eval.RoutingReport
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.CounterSpeech.Items != 1 || rep.CounterSpeech.Queued != 0 || rep.Violating.Queued != 2 {
		t.Errorf("report %+v", rep)
	}
	lines, err := os.ReadFile(routed)
	if err != nil {
		t.Fatal(err)
	}
	var first eval.RoutedItem
	if err := json.Unmarshal([]byte(strings.SplitN(string(lines), "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Item.ID != "t1" || !first.Urgent || !strings.HasPrefix(first.Rule, "threat-") || !slices.Contains(first.Signals, "threat_cue") {
		t.Errorf("first routed item %+v", first)
	}
	// Bad input: a clear error, no report.
	if code, _, errs := runCmd(t, "", "eval", "route", "--data", data, "--source-kind", "blog"); code != 2 || !strings.Contains(errs, `--source-kind "blog" is not one of`) {
		t.Errorf("bad kind: exit %d, %s", code, errs)
	}
	if code, _, errs := runCmd(t, "", "eval", "route", "--data", data, "--disable-signals", "threats"); code != 2 || !strings.Contains(errs, `"threats"`) {
		t.Errorf("bad signal: exit %d, %s", code, errs)
	}
}

// TestEvalRouteSweep sweeps two thresholds through the real decision path
// on the gold dev split: the chosen setting keeps the target, and a plain
// eval route under a policy file with the chosen thresholds queues exactly
// what the sweep reported for it.
func TestEvalRouteSweep(t *testing.T) {
	model := requireDefaultModel(t)
	dir := t.TempDir()
	data := filepath.Join("..", "..", "eval", "data", "iraqi-gold", "dev.jsonl")
	js := filepath.Join(dir, "sweep.json")
	tuned := filepath.Join(dir, "tuned.yaml")
	code, out, errs := runCmd(t, "", "eval", "route", "--model", model, "--data", data, "--sweep", "threat,hate",
		"--grid", "0.40:0.80:0.10", "--max-protected", "0.06", "--floor", "threat=0.9", "--json", js,
		"--write-policy", tuned, "--policy-version", "2026.12.13-test")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if !strings.Contains(out, "threshold sweep: threat, hate over 5 values (25 settings)") || !strings.Contains(out, "frontier") ||
		!strings.Contains(out, "wrote "+tuned+" (version 2026.12.13-test)") {
		t.Errorf("summary:\n%s", out)
	}
	var rep struct {
		eval.RoutingReport
		Sweep eval.SweepReport `json:"sweep"`
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	sw := rep.Sweep
	if sw.Current.Violating != rep.Violating.Queued || sw.Current.Protected != rep.Protected.Queued {
		t.Errorf("the policy's own point %+v differs from its routing %+v %+v", sw.Current, rep.Violating, rep.Protected)
	}
	best := sw.Best
	if best == nil || float64(best.Protected) > 0.06*float64(sw.ProtectedItems) || float64(best.Labels["threat"]) < 0.9*float64(sw.LabelItems["threat"]) {
		t.Fatalf("chosen %+v of %d protected, %d threats", best, sw.ProtectedItems, sw.LabelItems["threat"])
	}
	for _, p := range sw.Frontier {
		if p.Protected <= best.Protected && p.Violating > best.Violating {
			t.Errorf("frontier point %+v beats the chosen one %+v within the target", p, best)
		}
	}
	// The written policy holds the chosen thresholds and the new version,
	// and routing under it queues what the sweep reported.
	p, err := policy.Load(tuned)
	if err != nil {
		t.Fatal(err)
	}
	if th := p.Thresholds(); p.Version != "2026.12.13-test" || th["threat"] != best.Thresholds["threat"] || th["hate"] != best.Thresholds["hate"] {
		t.Errorf("written policy %s thresholds %v; chosen %v", p.Version, th, best.Thresholds)
	}
	js2 := filepath.Join(dir, "tuned.json")
	if code, out, errs := runCmd(t, "", "eval", "route", "--model", model, "--data", data, "--policy", tuned, "--json", js2); code != 0 {
		t.Fatalf("tuned policy: exit %d: %s %s", code, out, errs)
	}
	var again eval.RoutingReport
	if b, err = os.ReadFile(js2); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if again.Violating.Queued != best.Violating || again.Protected.Queued != best.Protected {
		t.Errorf("under the chosen thresholds: %d violating, %d protected queued; the sweep said %d, %d",
			again.Violating.Queued, again.Protected.Queued, best.Violating, best.Protected)
	}
	// No setting within the target: nothing is written.
	none := filepath.Join(dir, "none.yaml")
	if code, _, errs := runCmd(t, "", "eval", "route", "--model", model, "--data", data, "--sweep", "hate", "--grid", "0.40:0.50:0.10",
		"--max-protected", "0", "--floor", "hate=1", "--write-policy", none); code != 1 || !strings.Contains(errs, "no setting meets") {
		t.Errorf("impossible target: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("%s written for an impossible target: %v", none, err)
	}
	// Real traffic routed under every setting: a post worded as a threat
	// is queued whatever the bars, so one of four posts is always queued;
	// a cap below that leaves no setting, one above it keeps the point.
	traffic := filepath.Join(dir, "traffic.jsonl")
	if err := os.WriteFile(traffic, []byte(`{"text":"الجو اليوم حلو بالبصرة، رحنا للكورنيش"}
{"text":"والله يا ابو علاوي لاخطفك من باب بيتك","labels":null}
{"text":"مبروك التخرج يا بطل، الله يوفقك"}
{"text":"شكد سعر الطماطة اليوم بسوك الشورجة؟"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	js3 := filepath.Join(dir, "traffic.json")
	code, out, errs = runCmd(t, "", "eval", "route", "--model", model, "--data", data, "--sweep", "threat,hate",
		"--grid", "0.40:0.80:0.20", "--max-protected", "0.06", "--traffic", traffic, "--max-traffic", "0.5", "--json", js3)
	if code != 0 || !strings.Contains(out, "at most 50.00% of 4 real-traffic posts queued") || !strings.Contains(out, "traffic queued") {
		t.Fatalf("with traffic: exit %d: %s %s", code, out, errs)
	}
	if b, err = os.ReadFile(js3); err != nil {
		t.Fatal(err)
	}
	var withTraffic struct {
		Sweep eval.SweepReport `json:"sweep"`
	}
	if err := json.Unmarshal(b, &withTraffic); err != nil {
		t.Fatal(err)
	}
	if tb := withTraffic.Sweep.Best; tb == nil || tb.Traffic != 1 || withTraffic.Sweep.TrafficItems != 4 || withTraffic.Sweep.Current.Traffic != 1 {
		t.Fatalf("with traffic: chosen %+v, current %+v, %d posts", tb, withTraffic.Sweep.Current, withTraffic.Sweep.TrafficItems)
	}
	if code, _, errs := runCmd(t, "", "eval", "route", "--model", model, "--data", data, "--sweep", "hate", "--grid", "0.40:0.80:0.20",
		"--traffic", traffic, "--max-traffic", "0.2", "--write-policy", none); code != 1 || !strings.Contains(errs, "no setting meets") {
		t.Errorf("traffic cap below the threat: exit %d, %s", code, errs)
	}
	// Bad input: a clear error.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sweep", "hate", "--traffic", traffic, "--max-traffic", "2"}, "--max-traffic"},
		{[]string{"--traffic", traffic}, "--traffic need --sweep"},
		{[]string{"--sweep", "hate", "--traffic", filepath.Join(dir, "missing.jsonl")}, "--traffic"},
		{[]string{"--sweep", "named_person"}, `"named_person" is not a violation label`},
		{[]string{"--sweep", "hate", "--grid", "0.9:0.1:0.1"}, "--grid"},
		{[]string{"--sweep", "hate", "--floor", "threat"}, "--floor"},
		{[]string{"--floor", "threat=0.9"}, "--floor needs --sweep"},
		{[]string{"--sweep", "hate", "--max-protected", "5"}, "--max-protected"},
		{[]string{"--write-policy", "x.yaml"}, "--write-policy, --policy-version and --traffic need --sweep"},
	} {
		args := append([]string{"eval", "route", "--model", model, "--data", data}, tc.args...)
		if code, _, errs := runCmd(t, "", args...); code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %s", tc.args, code, errs)
		}
	}
}

// TestEvalRenderRewritesTexts: --render arabizi writes every item in Latin
// letters, the same way for the same seed, before anything scores it.
func TestEvalRenderRewritesTexts(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.jsonl")
	os.WriteFile(p, []byte(`{"text":"الشيعة حشرات","labels":["hate"]}`+"\n"+`{"text":"نحب اهلنا الكرد","labels":[]}`+"\n"), 0o644)
	load := func(seed uint64) []string {
		f := evalFlags{data: p, render: "arabizi", seed: seed}
		d, err := f.loadData(&Env{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range d.Items {
			if strings.ContainsFunc(it.Text, func(r rune) bool { return r >= 0x0600 && r <= 0x06FF }) {
				t.Errorf("Arabic letters left in %q", it.Text)
			}
			out = append(out, it.Text)
		}
		return out
	}
	a, b := load(1), load(1)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different renderings: %q %q", a, b)
	}
}
