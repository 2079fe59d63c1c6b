package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/gold"
	"github.com/rasd-iq/rasd/eval/lofo"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/train"
)

// lofoOwnFlags are rasd eval lofo's flags that are not training flags.
var lofoOwnFlags = []string{"gold", "work", "only", "jobs", "card", "json", "device", "ort-lib", "quiet", "data"}

// lofoRefused are training flags that a leave-one-functionality-out run
// sets itself.
var lofoRefused = []string{"valid", "out", "name", "version", "head"}

// runEvalLOFO measures a training recipe by leaving one functionality of
// the gold set out at a time (package eval/lofo).
func runEvalLOFO(env *Env, args []string) error {
	c := &command{Name: "eval lofo", Summary: "leave one functionality out: train a recipe without each functionality of the gold set and score that functionality's test items",
		Usage:   "eval lofo [--gold DIR] [--data EXTRA.jsonl,…] [--work DIR] [--only F,…] [--jobs N] [--card MODEL_DIR] [--json out.json] [any rasd train flag but --valid, --out, --name, --version, --head]",
		Example: "rasd eval lofo --linear-only --augment-identity 1 --card models/default"}
	fs := newFlagSet(env, c)
	read := trainFlags(fs)
	goldDir := fs.String("gold", "", "the gold set's `DIR` with train.jsonl, dev.jsonl and test.jsonl (default eval/data/iraqi-gold)")
	work := fs.String("work", "", "`DIR` for the folds' data and models (default: a new temporary directory, removed afterwards)")
	var only stringList
	only.split = true
	fs.Var(&only, "only", "measure only these functionalities, comma-separated")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "folds trained at once")
	cardDir := fs.String("card", "", "add the result to the model card in `DIR` (model-card.json and MODEL_CARD.md; the network is left as it is)")
	jsonPath := fs.String("json", "", "write the result as JSON to `FILE` (- for stdout)")
	device := fs.String("device", "cpu", "cpu or cuda, to score the folds' models")
	ortLib := fs.String("ort-lib", "", "ONNX Runtime library (default $RASD_ORT_LIB, then .cache/onnxruntime)")
	quiet := fs.Bool("quiet", false, "do not print progress")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var recipe []string
	var refused []string
	fs.Visit(func(f *flag.Flag) {
		switch {
		case slices.Contains(lofoRefused, f.Name):
			refused = append(refused, "--"+f.Name)
		case !slices.Contains(lofoOwnFlags, f.Name):
			recipe = append(recipe, flagText(f))
		}
	})
	if len(refused) > 0 {
		return usagef("%s: a leave-one-functionality-out run sets these itself", strings.Join(refused, ", "))
	}
	if *jobs < 1 {
		return usagef("--jobs must be at least 1, not %d", *jobs)
	}
	if *cardDir != "" && len(only.vals) > 0 {
		return usagef("--card needs every functionality: drop --only")
	}
	cfg, err := read()
	if err != nil {
		return err
	}
	if *goldDir == "" {
		d, err := gold.DefaultDir()
		if err != nil {
			return err
		}
		*goldDir = d
	}
	var card *models.Card
	if *cardDir != "" {
		// Read first: a card that cannot take the result should fail before
		// the hours of training, not after.
		if card, err = models.ReadCard(*cardDir); err != nil {
			return err
		}
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "rasd-lofo-"); err != nil {
			return fmt.Errorf("leave-one-functionality-out: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := lofo.Options{Gold: *goldDir, Extra: cfg.Data, Work: dir, Only: only.vals, Jobs: *jobs, Recipe: strings.Join(recipe, " ")}
	if !*quiet {
		o.Progress = env.Stderr
	}
	tr := recipeTrainer{cfg: cfg, log: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	open := func(dir string) (eval.Scorer, func() error, error) {
		return eval.OpenModel(dir, eval.ModelOptions{Device: *device, ORTLib: *ortLib})
	}
	res, err := lofo.Run(ctx, o, tr, open)
	if err != nil {
		return err
	}
	res.Gold = train.DisplayPath(res.Gold)
	for i, p := range res.Extra {
		res.Extra[i] = train.DisplayPath(p)
	}
	printLOFO(env, res)
	if *jsonPath != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding the result: %w", err)
		}
		w, closeOut, err := openOutput(env, *jsonPath)
		if err != nil {
			return err
		}
		_, werr := w.Write(append(b, '\n'))
		if err := errors.Join(werr, closeOut()); err != nil {
			return fmt.Errorf("writing %s: %w", *jsonPath, err)
		}
	}
	if card != nil {
		card.LOFO = res
		if err := train.RewriteCard(*cardDir, card); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added the result to the model card in %s\n", *cardDir)
	}
	return nil
}

// recipeTrainer trains each model of a leave-one-functionality-out run with
// the flags given, on the files the run hands it.
type recipeTrainer struct {
	cfg train.Config
	log *slog.Logger
}

// Train implements lofo.Trainer.
func (t recipeTrainer) Train(ctx context.Context, name string, data, valid []string, out string) error {
	cfg := t.cfg
	cfg.Data, cfg.Valid, cfg.Out, cfg.Name, cfg.Version = data, valid, out, name, "1"
	cfg.Log, cfg.Progress = t.log, nil
	_, err := train.Run(ctx, cfg)
	return err
}

// flagText writes a set flag as it would be typed.
func flagText(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		if f.Value.String() == "true" {
			return "--" + f.Name
		}
		return "--" + f.Name + "=" + f.Value.String()
	}
	return "--" + f.Name + " " + f.Value.String()
}

// printLOFO prints one line per functionality and the means.
func printLOFO(env *Env, r *models.LOFO) {
	fmt.Fprintf(env.Stdout, "leave one functionality out: rasd train %s on %s train split + %d extra files\n\n", r.Recipe, r.Gold, len(r.Extra))
	fmt.Fprintf(env.Stdout, "%-28s %-14s %6s %12s %12s\n", "functionality", "expect", "items", "trained on", "held out")
	for _, f := range r.Functionalities {
		fmt.Fprintf(env.Stdout, "%-28s %-14s %6d %5d %5.1f%% %5d %5.1f%%\n", f.Name, f.Expect, f.Items,
			f.Seen, 100*float64(f.Seen)/float64(f.Items), f.Unseen, 100*float64(f.Unseen)/float64(f.Items))
	}
	fmt.Fprintf(env.Stdout, "\nmean over %d functionalities: %.3f trained on, %.3f held out\n", len(r.Functionalities), r.Seen, r.Unseen)
}
