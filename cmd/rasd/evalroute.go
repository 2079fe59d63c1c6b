package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/decisionpath"
	"github.com/rasd-iq/rasd/index/pipeline"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/signals"
)

// runEvalRoute runs labelled posts through the engine's decision path (the
// model, the signals stage and the routing policy, as `rasd run` wires
// them) and reports what reaches a reviewer.
func runEvalRoute(env *Env, args []string) error {
	c := &command{Name: "eval route", Summary: "run labelled posts through the decision path (model, signals, policy) and count what is queued",
		Usage:   "eval route --data FILE [--model DIR] [--policy FILE] [--source-kind KIND] [--disable-signals A,B] [--known-defenders FILE] [--serious L,…] [--defender-targets T,…] [--json out.json] [--routed out.jsonl] [--sweep L,… [--grid F:T:S] [--max-protected S] [--floor L=S,…] [--traffic FILE [--max-traffic S]] [--write-policy FILE [--policy-version V]]] [data flags as for rasd eval]",
		Example: "rasd eval route --data eval/data/iraqi-gold/test.jsonl --routed routed.jsonl"}
	fs := newFlagSet(env, c)
	var f evalFlags
	f.labelCols.split = true
	f.serious.split = true
	var disabled, defenders stringList
	disabled.split, defenders.split = true, true
	fs.Var(&f.models, "model", "model `DIR` (default models/default)")
	fs.StringVar(&f.data, "data", "", "labelled data `FILE` (.jsonl, .csv or .tsv; - for stdin with --format)")
	fs.StringVar(&f.format, "format", "", "data format: jsonl, csv or tsv (default: from the extension)")
	fs.StringVar(&f.textCol, "text-col", "", "field or column with the text (default text)")
	fs.Var(&f.labelCols, "label-col", "field(s) or column(s) with labels, comma-separated (default labels)")
	fs.StringVar(&f.idCol, "id-col", "", "field or column with the item id (default id when present)")
	fs.StringVar(&f.targetCol, "target-col", "", "field or column with the target group (default target when present)")
	fs.StringVar(&f.funcCol, "functionality-col", "", "field or column with the functionality (default functionality when present)")
	fs.Var(&f.maps, "map", "label `MAP`: VALUE=LABEL[+LABEL],…; repeatable")
	fs.StringVar(&f.labelSep, "label-sep", "", "split raw label values on `SEP` and map each token")
	fs.StringVar(&f.header, "header", "auto", "CSV/TSV header row: yes, no, or auto")
	fs.StringVar(&f.newlineToken, "newline-token", "<LF>", "token in CSV/TSV texts that stands for a line break (empty: none)")
	fs.StringVar(&f.jsonPath, "json", "", "write the JSON report to `FILE` (- for stdout)")
	fs.Var(&f.serious, "serious", "labels that make an item violating (default incitement,hate,terrorism,threat)")
	fs.StringVar(&f.scorer.Device, "device", "cpu", "cpu or cuda")
	fs.StringVar(&f.scorer.ORTLib, "ort-lib", "", "ONNX Runtime library (default $RASD_ORT_LIB, then .cache/onnxruntime)")
	fs.StringVar(&f.render, "render", "", "rewrite every text before routing: arabizi or typos (seeded by --seed)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of --render")
	policyFile := fs.String("policy", "", "routing policy `FILE` (default: the built-in policy)")
	sourceKind := fs.String("source-kind", "", "the kind of source the posts come from as sources.yaml gives it (news, official, ngo, community; default unknown)")
	fs.Var(&disabled, "disable-signals", "signals to switch off, comma-separated (as signals.disabled in rasd.yaml)")
	fs.Var(&defenders, "defender-targets", "target values that name activists, journalists, defenders or protesters (default activists,journalists,…)")
	routedPath := fs.String("routed", "", "write every item with its decision to `FILE` (JSONL, for a person to read)")
	var sweep, floors stringList
	sweep.split, floors.split = true, true
	fs.Var(&sweep, "sweep", "violation `LABELS` whose thresholds to sweep, comma-separated (e.g. threat,incitement,terrorism,hate): route under every setting over --grid and report the one that queues the most violating items within --max-protected and the --floor recalls")
	grid := fs.String("grid", "0.40:0.80:0.05", "values of each swept threshold, `FROM:TO:STEP` on the policy's scale")
	maxProtected := fs.Float64("max-protected", 0.05, "with --sweep: the largest share of protected or ordinary items the chosen setting may queue")
	writePolicy := fs.String("write-policy", "", "with --sweep: write the policy with the chosen thresholds to `FILE` (every other line as it was), to check with rasd policy check and review as a diff")
	policyVersion := fs.String("policy-version", "", "with --write-policy: the version of the written policy (default: the policy's own plus -tuned)")
	fs.Var(&floors, "floor", "with --sweep: `LABEL=SHARE`,… the smallest share of a serious label's items the chosen setting must queue (e.g. threat=0.9)")
	trafficFile := fs.String("traffic", "", "with --sweep: posts of real traffic (JSONL with text; labels are not read), routed under every setting; a setting that queues more than --max-traffic of them is not chosen (the reviewer load of ordinary posts)")
	maxTraffic := fs.Float64("max-traffic", 0.01, "with --traffic: the largest share of the traffic's posts the chosen setting may queue")
	knownFile := fs.String("known-defenders", "", "people known to be activists, journalists, defenders or protesters: `FILE` as signals.defenders_file in rasd.yaml")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := f.checkRender(); err != nil {
		return err
	}
	if f.data == "" {
		return usagef("--data is required")
	}
	sw, err := sweepOptions(sweep.vals, *grid, *maxProtected, floors.vals, f.serious.vals)
	if err != nil {
		return usagef("%v", err)
	}
	if sw == nil && (*writePolicy != "" || *policyVersion != "" || *trafficFile != "") {
		return usagef("--write-policy, --policy-version and --traffic need --sweep")
	}
	if !(*maxTraffic >= 0 && *maxTraffic <= 1) {
		return usagef("--max-traffic %v: want a share between 0 and 1", *maxTraffic)
	}
	var trafficItems []dataset.Item
	if *trafficFile != "" {
		if trafficItems, err = readTraffic(*trafficFile); err != nil {
			return usagef("--traffic: %v", err)
		}
		sw.MaxTraffic = *maxTraffic
	}
	if len(f.models.vals) > 1 {
		return usagef("--model given %d times; route one model at a time", len(f.models.vals))
	}
	if *sourceKind != "" && !slices.Contains(ingest.Kinds, *sourceKind) {
		return usagef("--source-kind %q is not one of %v", *sourceKind, ingest.Kinds)
	}
	if f.data == "-" && f.format == "" {
		return usagef("--format is required when the data comes from stdin")
	}
	pol, err := loadPolicyArg(*policyFile)
	if err != nil {
		return reportInvalid(env, *policyFile, err)
	}
	known, err := readDefenders(*knownFile)
	if err != nil {
		return usagef("--known-defenders: %v", err)
	}
	det, err := signals.New(signals.Options{Disabled: disabled.vals, Defenders: known})
	if err != nil {
		return usagef("%v", err)
	}
	d, err := f.loadData(env)
	if err != nil {
		return err
	}
	dir := ""
	if len(f.models.vals) == 1 {
		dir = f.models.vals[0]
	}
	if dir == "" {
		if dir, err = models.DefaultDir(); err != nil {
			return err
		}
	}
	lib, err := models.FindORTLib(f.scorer.ORTLib)
	if err != nil {
		return err
	}
	m, err := models.Load(dir, models.Options{Device: f.scorer.Device, ORTLib: lib})
	if err != nil {
		return err
	}
	defer m.Close()
	router := pipeline.PolicyRouter{Policy: pol, Model: m.ID(), Thresholds: m.Thresholds(),
		SourceKind: func(string) string { return *sourceKind }}
	scored, err := decisionpath.Score(context.Background(), pipeline.ModelScorer{Model: m}, det, d.Items)
	if err != nil {
		return fmt.Errorf("routing %s: %w", f.data, err)
	}
	routed, err := scored.Route(router)
	if err != nil {
		return fmt.Errorf("routing %s: %w", f.data, err)
	}
	rep := eval.SummarizeRouting(routed, f.serious.vals, defenders.vals)
	rep.Data, rep.Model, rep.Policy = filepath.Base(f.data), m.ID(), pol.Version
	if *routedPath != "" {
		if err := writeRouted(env, *routedPath, routed); err != nil {
			return err
		}
	}
	var swept *eval.SweepReport
	if sw != nil {
		sw.Workers = runtime.GOMAXPROCS(0)
		var traffic *decisionpath.Scored
		if trafficItems != nil {
			if traffic, err = decisionpath.Score(context.Background(), pipeline.ModelScorer{Model: m}, det, trafficItems); err != nil {
				return fmt.Errorf("routing %s: %w", *trafficFile, err)
			}
		}
		r, err := scored.Sweep(router, *sw, traffic)
		if err != nil {
			return usagef("--sweep: %v", err)
		}
		swept = &r
	}
	var js any = rep
	if swept != nil {
		js = struct {
			eval.RoutingReport
			Sweep *eval.SweepReport `json:"sweep"`
		}{rep, swept}
	}
	if err := f.writeReports(env, js, nil); err != nil { // JSON only: no --report here
		return err
	}
	out := f.summaryOut(env)
	if err := rep.WriteText(out); err != nil {
		return err
	}
	if swept == nil {
		return nil
	}
	if err := swept.WriteText(out); err != nil {
		return err
	}
	if *writePolicy != "" {
		version, err := decisionpath.WriteTuned(*writePolicy, pol, *policyVersion, *swept)
		if err != nil {
			return fmt.Errorf("--write-policy: %w", err)
		}
		fmt.Fprintf(out, "\nwrote %s (version %s): the chosen thresholds, every other line as in %s\n", *writePolicy, version, pol.File())
	}
	return nil
}

// sweepOptions reads the --sweep, --grid, --max-protected and --floor
// flags; nil when no label is swept.
func sweepOptions(labels []string, grid string, maxProtected float64, floors, serious []string) (*eval.SweepOptions, error) {
	if len(labels) == 0 {
		if len(floors) > 0 {
			return nil, fmt.Errorf("--floor needs --sweep")
		}
		return nil, nil
	}
	g, err := eval.ParseGrid(grid)
	if err != nil {
		return nil, fmt.Errorf("--grid: %w", err)
	}
	if !(maxProtected >= 0 && maxProtected <= 1) {
		return nil, fmt.Errorf("--max-protected %v: want a share between 0 and 1", maxProtected)
	}
	o := &eval.SweepOptions{Labels: labels, Grid: g, MaxProtected: maxProtected, Serious: serious, Floors: map[string]float64{}}
	for _, fl := range floors {
		name, v, ok := strings.Cut(fl, "=")
		share, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || !(share >= 0 && share <= 1) {
			return nil, fmt.Errorf("--floor %q: want LABEL=SHARE with a share between 0 and 1 (threat=0.9)", fl)
		}
		o.Floors[name] = share
	}
	return o, nil
}

// writeRouted writes one JSON line per routed item.
func writeRouted(env *Env, path string, routed []eval.RoutedItem) error {
	w, closeOut, err := openOutput(env, path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range routed {
		if err := enc.Encode(routed[i]); err != nil {
			closeOut()
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := closeOut(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// readTraffic reads posts of real traffic for a sweep (eval.LoadTraffic:
// the text of every JSONL line; labels are not read) as items, each with its
// position among the posts as its line (blank lines are not counted; its id
// names the file's line when the post has none).
func readTraffic(path string) ([]dataset.Item, error) {
	posts, _, err := eval.LoadTraffic([]string{path})
	if err != nil {
		return nil, err
	}
	if len(posts) == 0 {
		return nil, fmt.Errorf("%s: no posts", path)
	}
	items := make([]dataset.Item, len(posts))
	for i, p := range posts {
		items[i] = dataset.Item{ID: p.ID, Line: i + 1, Text: p.Text}
	}
	return items, nil
}
