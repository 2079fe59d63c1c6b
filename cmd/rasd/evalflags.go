package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"strings"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/report"
	"github.com/rasd-iq/rasd/models/train"
)

// evalFlags holds every flag of `rasd eval` and `rasd eval compare`.
type evalFlags struct {
	models          stringList
	data            string
	format          string
	textCol         string
	labelCols       stringList
	idCol           string
	targetCol       string
	funcCol         string
	maps            stringList
	labelSep        string
	header          string
	newlineToken    string
	reportPath      string
	jsonPath        string
	seed            uint64
	bootstrap       int
	targetPrecision float64
	serious         stringList
	maxListed       int
	scorer          scorerOptions
	verbose         bool
	traffic         stringList
	trafficFlagged  string
	render          string
}

func (f *evalFlags) register(fs *flag.FlagSet, compare bool) {
	f.labelCols.split = true
	f.traffic.split = true
	f.serious.split = true
	if compare {
		fs.Var(&f.models, "model", "model `DIR`; give it twice, A then B")
	} else {
		fs.Var(&f.models, "model", "model `DIR` (default models/default)")
	}
	fs.StringVar(&f.data, "data", "", "labelled data `FILE` (.jsonl, .csv or .tsv; - for stdin with --format)")
	fs.StringVar(&f.format, "format", "", "data format: jsonl, csv or tsv (default: from the extension)")
	fs.StringVar(&f.textCol, "text-col", "", "field or column with the text: header name or 1-based number (default text)")
	fs.Var(&f.labelCols, "label-col", "field(s) or column(s) with labels, comma-separated (default labels)")
	fs.StringVar(&f.idCol, "id-col", "", "field or column with the item id (default id when present)")
	fs.StringVar(&f.targetCol, "target-col", "", "field or column with the target group (default target when present)")
	fs.StringVar(&f.funcCol, "functionality-col", "", "field or column with the functionality (default functionality when present)")
	fs.Var(&f.maps, "map", "label `MAP`: VALUE=LABEL[+LABEL],… (empty LABEL: none); groups \"COL:…\" separated by ';' apply to one column; repeatable")
	fs.StringVar(&f.labelSep, "label-sep", "", "split raw label values on `SEP` and map each token (MLMA: _)")
	fs.StringVar(&f.header, "header", "auto", "CSV/TSV header row: yes, no, or auto (a header unless every column is a number)")
	fs.StringVar(&f.newlineToken, "newline-token", "<LF>", "token in CSV/TSV texts that stands for a line break (empty: none)")
	fs.StringVar(&f.reportPath, "report", "", "write the HTML report to `FILE`")
	fs.StringVar(&f.jsonPath, "json", "", "write the JSON report to `FILE` (- for stdout)")
	fs.Uint64Var(&f.seed, "seed", 1, "bootstrap seed")
	fs.IntVar(&f.bootstrap, "bootstrap", 1000, "bootstrap resamples for the confidence intervals (0: none)")
	fs.Float64Var(&f.targetPrecision, "target-precision", 0.9, "precision the threshold sweep looks for")
	fs.Var(&f.serious, "serious", "labels the functional tests treat as serious (default incitement,hate,terrorism,threat)")
	fs.IntVar(&f.maxListed, "max-listed", 50, "failing cases per functionality and disagreements listed")
	fs.StringVar(&f.scorer.Device, "device", "cpu", "cpu or cuda")
	fs.StringVar(&f.scorer.Head, "head", "", "read the labels through the model's head `NAME` (model-card.json heads; e.g. public: the public corpora's own definitions of hate and offensive). The engine never does")
	fs.StringVar(&f.scorer.ORTLib, "ort-lib", "", "ONNX Runtime library (default $RASD_ORT_LIB, then .cache/onnxruntime)")
	fs.IntVar(&f.scorer.Batch, "batch", 0, "texts per model batch (default: the model's)")
	fs.IntVar(&f.scorer.Threads, "threads", 0, "scoring threads (default: all cores)")
	fs.BoolVar(&f.verbose, "v", false, "log progress to stderr")
	fs.Var(&f.traffic, "traffic", "unannotated ordinary posts `FILE`(s), JSONL, comma-separated (e.g. ../shared/datasets/realtweets/test.jsonl): report how many each model flags serious")
	fs.StringVar(&f.render, "render", "", "rewrite every text before scoring: arabizi (as people type Arabizi) or typos (sound-alike letter swaps), seeded by --seed, to measure robustness to spelling")
	fs.StringVar(&f.trafficFlagged, "traffic-flagged", "", "write the ordinary posts flagged serious to `FILE` (JSONL, for a person to read; needs --traffic)")
}

func (f *evalFlags) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if f.data == "" {
		return usagef("--data is required")
	}
	if f.bootstrap < 0 {
		return usagef("--bootstrap must be 0 or more, not %d", f.bootstrap)
	}
	if !(f.targetPrecision > 0 && f.targetPrecision <= 1) {
		return usagef("--target-precision must be in (0, 1], not %v", f.targetPrecision)
	}
	if f.trafficFlagged != "" && len(f.traffic.vals) == 0 {
		return usagef("--traffic-flagged needs --traffic")
	}
	if f.maxListed < 0 {
		return usagef("--max-listed must be 0 or more")
	}
	if err := f.checkRender(); err != nil {
		return err
	}
	if f.format != "" {
		if _, err := dataset.ParseFormat(f.format); err != nil {
			return usagef("%v", err)
		}
	}
	if f.data == "-" && f.format == "" {
		return usagef("--format is required when the data comes from stdin")
	}
	return nil
}

func (f *evalFlags) loadData(env *Env) (*dataset.Dataset, error) {
	opts := dataset.Options{TextCol: f.textCol, LabelCols: f.labelCols.vals, IDCol: f.idCol, TargetCol: f.targetCol,
		FunctionalityCol: f.funcCol, LabelSep: f.labelSep, Header: f.header, NewlineToken: f.newlineToken}
	if f.format != "" {
		opts.Format, _ = dataset.ParseFormat(f.format)
	}
	if len(f.maps.vals) > 0 {
		m, err := dataset.ParseMap(f.maps.vals...)
		if err != nil {
			return nil, usagef("--map: %v", err)
		}
		opts.Map = m
	}
	if f.data == "-" {
		d, err := dataset.Read(env.Stdin, opts)
		if err != nil {
			return nil, fmt.Errorf("stdin: %w", err)
		}
		d.Path = "-"
		f.renderItems(d)
		return d, nil
	}
	if opts.Format == "" {
		if _, err := dataset.DetectFormat(f.data); err != nil {
			return nil, usagef("%v", err)
		}
	}
	d, err := dataset.LoadFile(f.data, opts)
	if err != nil {
		return nil, err
	}
	f.renderItems(d)
	return d, nil
}

// renderItems rewrites the texts as --render asks, one seeded generator per
// item so that an item's rendering does not depend on the others.
func (f *evalFlags) renderItems(d *dataset.Dataset) {
	if f.render == "" {
		return
	}
	render := train.Renderers[f.render]
	for i := range d.Items {
		r := rand.New(rand.NewSource(int64(f.seed)*1_000_003 + int64(i)))
		d.Items[i].Text = render(d.Items[i].Text, r)
	}
}

// checkRender refuses a --render that names no rendering.
func (f *evalFlags) checkRender() error {
	if _, ok := train.Renderers[f.render]; f.render != "" && !ok {
		return usagef("--render must be arabizi or typos, not %q", f.render)
	}
	return nil
}

func (f *evalFlags) options(env *Env) eval.Options {
	o := eval.Options{
		Bootstrap:       eval.BootstrapOptions{Resamples: f.bootstrap, Seed: f.seed},
		TargetPrecision: f.targetPrecision,
		Serious:         f.serious.vals,
		MaxListed:       f.maxListed,
	}
	if f.bootstrap == 0 {
		o.Bootstrap.Resamples = -1
	}
	if f.maxListed == 0 {
		o.MaxListed = -1
	}
	if f.verbose {
		o.Log = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return o
}

// commandLine renders the invocation for the report, quoting where needed.
func commandLine(args []string) string {
	parts := []string{"rasd", "eval"}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>*?()[]{}#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// writeReports writes the JSON and HTML reports that were asked for.
func (f *evalFlags) writeReports(env *Env, v any, html func(io.Writer) error) error {
	if f.jsonPath != "" {
		w, closeOut, err := openOutput(env, f.jsonPath)
		if err != nil {
			return err
		}
		if err := report.WriteJSON(w, v); err != nil {
			closeOut()
			return err
		}
		if err := closeOut(); err != nil {
			return fmt.Errorf("writing JSON report: %w", err)
		}
	}
	if f.reportPath != "" {
		w, closeOut, err := openOutput(env, f.reportPath)
		if err != nil {
			return err
		}
		if err := html(w); err != nil {
			closeOut()
			return err
		}
		if err := closeOut(); err != nil {
			return fmt.Errorf("writing HTML report: %w", err)
		}
	}
	return nil
}

// summaryOut is where the text summary goes: stdout, unless a report goes there.
func (f *evalFlags) summaryOut(env *Env) io.Writer {
	if f.jsonPath == "-" || f.reportPath == "-" {
		return env.Stderr
	}
	return env.Stdout
}

// trafficRun scores the ordinary-traffic sample with each model, writing the
// posts flagged serious to --traffic-flagged; nil results without --traffic.
func (f *evalFlags) trafficRun(env *Env, models ...eval.Scorer) ([]*eval.TrafficResult, error) {
	if len(f.traffic.vals) == 0 {
		return make([]*eval.TrafficResult, len(models)), nil
	}
	posts, sums, err := eval.LoadTraffic(f.traffic.vals)
	if err != nil {
		return nil, err
	}
	var out io.Writer
	closeOut := func() error { return nil }
	if f.trafficFlagged != "" {
		out, closeOut, err = openOutput(env, f.trafficFlagged)
		if err != nil {
			return nil, err
		}
	}
	var res []*eval.TrafficResult
	for _, m := range models {
		r, err := eval.Traffic(context.Background(), m, posts, f.traffic.vals, sums, f.serious.vals, f.scorer.Batch, out)
		if err != nil {
			closeOut()
			return nil, err
		}
		res = append(res, r)
	}
	if err := closeOut(); err != nil {
		return nil, fmt.Errorf("writing flagged traffic posts: %w", err)
	}
	return res, nil
}

func (f *evalFlags) open(dir string) (eval.Scorer, func() error, error) {
	s, closeFn, err := openScorer(dir, f.scorer)
	if err != nil {
		return nil, nil, fmt.Errorf("loading model %s: %w", dir, err)
	}
	return s, closeFn, nil
}
