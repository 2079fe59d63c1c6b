package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"time"

	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/stream"
)

func init() {
	register(&command{
		Name:    "score",
		Summary: "score JSONL posts with a classifier (scores, flags, context labels, evidence spans)",
		Usage:   "score [--model DIR] [--in posts.jsonl] [--out scored.jsonl] [--device cpu|cuda] [--batch N] [--head NAME]",
		Example: "rasd score --in posts.jsonl --out scored.jsonl",
		Run:     runScore,
	})
}

func runScore(env *Env, args []string) error {
	c := commands["score"]
	fs := newFlagSet(env, c)
	modelDir := fs.String("model", "", "model directory (default: models/default of this repository)")
	in := fs.String("in", "", "input JSONL posts with \"text\" (and usually \"id\"); default stdin")
	out := fs.String("out", "", "output JSONL, one line per input line, same order; default stdout")
	device := fs.String("device", "cpu", "cpu or cuda (falls back to the cpu with one warning when CUDA is unavailable)")
	batch := fs.Int("batch", 256, "posts per worker batch")
	threads := fs.Int("threads", 0, "parallel workers (default: number of CPUs)")
	ortLib := fs.String("ort-lib", "", "ONNX Runtime library (default: $RASD_ORT_LIB, then .cache/onnxruntime)")
	head := fs.String("head", "", "read the labels through the model's head `NAME` (model-card.json heads; e.g. public: the public corpora's own definitions of hate and offensive). The engine never does")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *device != "cpu" && *device != "cuda" {
		return usagef("--device must be cpu or cuda, not %q", *device)
	}
	if *batch < 1 {
		return usagef("--batch must be at least 1")
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	m, err := models.Load(*modelDir, models.Options{Device: *device, ORTLib: *ortLib, Batch: *batch, Threads: *threads, Log: log, Head: *head})
	if err != nil {
		return err
	}
	defer m.Close()
	r, closeIn, err := openInput(env, *in)
	if err != nil {
		return err
	}
	defer closeIn()
	w, closeOut, err := openOutput(env, *out)
	if err != nil {
		return err
	}
	// The heap holds a few chunks of posts at a time; collecting it less
	// often saves CPU at a cost of some megabytes.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	st, err := stream.Score(ctx, m, r, w)
	if cerr := closeOut(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	msg := fmt.Sprintf("rasd score: %d posts scored with %s on %s in %.1fs (%.0f posts/s), %d malformed lines", st.Scored, m.ID(), m.Device(), secs, float64(st.Scored)/max(secs, 1e-9), st.Malformed)
	if st.Malformed > 0 {
		msg += fmt.Sprintf(" (first: line %d)", st.FirstBad)
	}
	fmt.Fprintln(env.Stderr, msg)
	return nil
}
