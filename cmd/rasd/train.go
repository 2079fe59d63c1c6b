package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/rasd-iq/rasd/models/train"
)

func init() {
	register(&command{
		Name:    "train",
		Summary: "train a text classifier on labelled JSONL and export it as an ONNX model",
		Usage:   "train --data A.jsonl[,B.jsonl…] [--valid DEV.jsonl] --out models/NAME [--seed N] [--epochs N] [--ordinary ORDINARY.jsonl] [--head NAME=A.jsonl,…] [--reader | --first-stage DIR]",
		Example: "rasd train --data ../shared/datasets/osact2020/train.jsonl --out models/mine",
		Run:     runTrain,
	})
}

func runTrain(env *Env, args []string) error {
	c := commands["train"]
	fs := newFlagSet(env, c)
	read := trainFlags(fs)
	quiet := fs.Bool("quiet", false, "do not print progress")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := read()
	if err != nil {
		return err
	}
	if len(cfg.Data) == 0 || cfg.Out == "" {
		return usagef("--data and --out are required")
	}
	cfg.Log = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if !*quiet {
		cfg.Progress = env.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	card, err := train.Run(ctx, cfg)
	if err != nil {
		return err
	}
	var parts []string
	for _, l := range card.Labels {
		parts = append(parts, fmt.Sprintf("%s auc=%.3f macroF1=%.3f thr=%.3f", l, card.Validation[l].ROCAUC, card.Validation[l].MacroF1, card.Thresholds[l]))
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%s): %s\n", cfg.Out, card.ID(), strings.Join(parts, "; "))
	return nil
}

// trainFlags registers rasd train's flags on fs and returns a function
// that reads them, once fs is parsed, into a training configuration.
func trainFlags(fs *flag.FlagSet) func() (train.Config, error) {
	d := train.Defaults()
	data := fs.String("data", "", "comma-separated JSONL training files ({\"text\":…,\"labels\":[…]})")
	valid := fs.String("valid", "", "comma-separated JSONL files used only for validation (epoch, thresholds), e.g. a gold dev split")
	out := fs.String("out", "", "model directory to write (model.onnx, model-card.json, MODEL_CARD.md)")
	name := fs.String("name", "", "model name (default: the base name of --out)")
	ver := fs.String("version", d.Version, "model version")
	seed := fs.Int64("seed", d.Seed, "random seed; the same seed and data give a byte-identical model.onnx")
	epochs := fs.Int("epochs", d.Epochs, "passes over the training data")
	lr := fs.Float64("lr", d.LearningRate, "Adam learning rate")
	dim := fs.Int("dim", d.Dim, "embedding width (0: one column per label plus 4)")
	hidden := fs.Int("hidden", d.Hidden, "hidden layer width")
	buckets := fs.Int("buckets", d.Features.Buckets, "hash buckets (a power of two)")
	charMin := fs.Int("char-min", d.Features.CharMin, "shortest character n-gram")
	charMax := fs.Int("char-max", d.Features.CharMax, "longest character n-gram (0: none)")
	wordMax := fs.Int("word-max", d.Features.WordMax, "longest word n-gram (0: none)")
	validPct := fs.Int("valid-percent", d.ValidPercent, "share of items held out for validation and thresholds")
	fdrop := fs.Float64("feature-dropout", d.FeatureDropout, "rate at which n-gram features are dropped during training")
	wd := fs.Float64("weight-decay", d.WeightDecay, "decoupled weight decay")
	elr := fs.Float64("embedding-lr", d.EmbeddingLR, "SGD rate of the embedding table, decaying linearly (0: Adam like the other weights)")
	l2 := fs.Float64("linear-l2", d.LinearL2, "L2 penalty of the linear path fitted first by L-BFGS (0: skip that stage)")
	nb := fs.Bool("nb", d.NB, "scale the linear path's features by naive-Bayes log-count ratios (NB-LR)")
	iters := fs.Int("linear-iters", d.LinearIters, "most L-BFGS iterations of the linear path (fewer: faster, less converged)")
	minDF := fs.Int("min-df", d.MinDF, "ignore hash buckets seen in fewer training items")
	dropout := fs.Float64("dropout", d.Dropout, "hidden-layer dropout")
	minPos := fs.Int("min-positives", d.MinPositives, "leave out labels with fewer training items")
	folds := fs.Int("threshold-folds", d.ThresholdFolds, "choose thresholds on out-of-fold scores of every training item plus the validation part, with this many folds (0: the validation part only)")
	traffic := fs.String("traffic", "", "comma-separated JSONL files of unannotated ordinary posts (e.g. realtweets/train.jsonl): set each flag label's threshold at the operating point (--target-precision at --prevalence)")
	ordinary := fs.String("ordinary", "", "comma-separated unannotated ordinary posts (e.g. realtweets/train.jsonl) trained on as negatives for the serious labels (incitement, hate, terrorism, threat) only")
	trafficCheck := fs.String("traffic-check", "", "comma-separated held-out ordinary posts (e.g. realtweets/test.jsonl): the card reports how many the model flags serious (the reviewer load per 10,000 posts)")
	targetP := fs.Float64("target-precision", 0.5, "precision the operating point aims at (with --traffic)")
	prev := fs.Float64("prevalence", 0.005, "expected share of ordinary posts carrying a flag label (with --traffic)")
	augArabizi := fs.Float64("augment-arabizi", d.AugmentArabizi, "share of training items added again written in Arabizi (0: none)")
	augTypos := fs.Float64("augment-typos", d.AugmentTypos, "share of training items added again with spelling variants (0: none)")
	augIdentity := fs.Float64("augment-identity", d.AugmentIdentity, "share of the training items naming a sect, religion or ethnicity added again with the group swapped for another (0: none)")
	arabiziReading := fs.Bool("arabizi-reading", d.Features.ArabiziReading, "the features of a post written in Arabizi read its Arabic reading")
	arabiziWords := fs.Bool("arabizi-words", d.Features.ArabiziWords, "with -arabizi-reading, the reading spells each Latin word as the common Arabic word it most likely stands for (nlp.ReadArabiziWords), not by letter rules alone")
	quoteScope := fs.Bool("quote-scope", d.Features.QuoteScope, "add scope features for the words inside quotation marks (marked as quoted)")
	negScope := fs.Bool("negation-scope", d.Features.NegationScope, "add scope features for the three words after a negation (marked as negated)")
	scope := fs.Bool("scope", false, "both --quote-scope and --negation-scope")
	linearOnly := fs.Bool("linear-only", d.LinearOnly, "keep the linear path as the model: do not train the hidden layer (needs --linear-l2 above 0)")
	jointOrd := fs.Bool("joint-ordinary", d.JointOrdinary, "count the ordinary posts (--ordinary, scored out of fold) in the joint threshold rule: the share of them flagged is subtracted too (needs --threshold-folds 2 or more)")
	jointOrdW := fs.Float64("joint-ordinary-weight", 1, "with --joint-ordinary, the weight of the share of ordinary posts flagged in the joint rule (above 1: an ordinary post flagged costs more)")
	stance := fs.Bool("stance", d.Stance, "discount the serious labels' scores by the post's counter-speech and news scores, (1 − c)^a with a chosen on the out-of-fold scores by the joint rule (needs --linear-only and --threshold-folds 2 or more; not with --traffic, --per-label-thresholds or --reader)")
	perLabel := fs.Bool("per-label-thresholds", false, "keep each serious label's own macro-F1 threshold instead of setting the serious labels' thresholds together, as the engine uses them (see docs/models.md)")
	second := fs.Bool("reader", d.Reader, "train a second stage that reads word order and re-scores the posts the first stage puts near or above a threshold")
	readerEpochs := fs.Int("reader-epochs", d.ReaderEpochs, "passes of the second stage (with --reader)")
	readerGate := fs.Float64("reader-gate", d.ReaderGate, "share of a first-stage threshold at which a post is re-read (with --reader)")
	readerDim := fs.Int("reader-dim", d.ReaderShape.Dim, "subword embedding width of the second stage")
	readerFilters := fs.Int("reader-filters", d.ReaderShape.Filters, "convolution filters of the second stage")
	readerLR := fs.Float64("reader-lr", d.ReaderLR, "Adam step size of the second stage")
	readerDropout := fs.Float64("reader-dropout", d.ReaderDropout, "dropout of the second stage's pooled filters")
	readerFull := fs.Float64("reader-full-weight", d.ReaderFullWeight, "weight of the second stage's loss on items labelled with the whole taxonomy (the gold set)")
	firstStage := fs.String("first-stage", "", "keep the model in `DIR` as the first stage and train only a second stage on top of it (implies --reader)")
	var heads []train.HeadSpec
	fs.Func("head", "`NAME=FILE[,FILE…]`: add a head that learns each label from these training files alone (corpora sharing their own definition, e.g. public=osact2020/train.jsonl,…), for rasd score/eval --head; the engine never reads it; repeatable", func(v string) error {
		name, files, ok := strings.Cut(v, "=")
		if !ok || strings.TrimSpace(name) == "" || len(splitList(files)) == 0 {
			return fmt.Errorf("want NAME=FILE[,FILE…], got %q", v)
		}
		heads = append(heads, train.HeadSpec{Name: strings.TrimSpace(name), Files: splitList(files)})
		return nil
	})
	return func() (train.Config, error) {
		cfg := d
		for _, p := range strings.Split(*data, ",") {
			if p = strings.TrimSpace(p); p != "" {
				cfg.Data = append(cfg.Data, p)
			}
		}
		for _, p := range strings.Split(*valid, ",") {
			if p = strings.TrimSpace(p); p != "" {
				cfg.Valid = append(cfg.Valid, p)
			}
		}
		cfg.Out = *out
		cfg.Heads = heads
		cfg.Name = *name
		if cfg.Name == "" {
			cfg.Name = baseName(*out)
		}
		cfg.Version, cfg.Seed, cfg.Epochs, cfg.LearningRate = *ver, *seed, *epochs, *lr
		cfg.Dim, cfg.Hidden, cfg.ValidPercent, cfg.MinPositives = *dim, *hidden, *validPct, *minPos
		cfg.Features.Buckets = *buckets
		cfg.Features.CharMin, cfg.Features.CharMax, cfg.Features.WordMax = *charMin, *charMax, *wordMax
		cfg.MinDF, cfg.LinearL2, cfg.NB, cfg.LinearIters = *minDF, *l2, *nb, *iters
		if *folds < 0 || *folds == 1 {
			return cfg, usagef("--threshold-folds must be 0 or at least 2, not %d", *folds)
		}
		cfg.ThresholdFolds = *folds
		cfg.Traffic, cfg.TrafficCheck, cfg.Ordinary = splitList(*traffic), splitList(*trafficCheck), splitList(*ordinary)
		if !(*targetP > 0 && *targetP < 1) || !(*prev > 0 && *prev < 1) {
			return cfg, usagef("--target-precision and --prevalence must be in (0, 1)")
		}
		cfg.TargetPrecision, cfg.Prevalence = *targetP, *prev
		cfg.PerLabelThresholds = *perLabel
		if *jointOrd && (len(cfg.Ordinary) == 0 || cfg.ThresholdFolds < 2) {
			return cfg, usagef("--joint-ordinary needs --ordinary and --threshold-folds 2 or more (the ordinary posts are scored out of fold)")
		}
		if !(*jointOrdW > 0) {
			return cfg, usagef("--joint-ordinary-weight must be above 0, not %g", *jointOrdW)
		}
		if *jointOrdW != 1 && !*jointOrd {
			return cfg, usagef("--joint-ordinary-weight needs --joint-ordinary")
		}
		cfg.JointOrdinary, cfg.JointOrdinaryWeight = *jointOrd, *jointOrdW
		cfg.Stance = *stance
		cfg.FeatureDropout, cfg.WeightDecay, cfg.Dropout, cfg.EmbeddingLR = *fdrop, *wd, *dropout, *elr
		if *augArabizi < 0 || *augArabizi > 1 || *augTypos < 0 || *augTypos > 1 || *augIdentity < 0 || *augIdentity > 1 {
			return cfg, usagef("--augment-arabizi, --augment-typos and --augment-identity must be in [0, 1]")
		}
		cfg.AugmentArabizi, cfg.AugmentTypos, cfg.AugmentIdentity = *augArabizi, *augTypos, *augIdentity
		if *linearOnly && *l2 <= 0 {
			return cfg, usagef("--linear-only needs --linear-l2 above 0")
		}
		cfg.LinearOnly = *linearOnly
		if *readerEpochs < 1 || !(*readerGate > 0 && *readerGate <= 1) {
			return cfg, usagef("--reader-epochs must be at least 1 and --reader-gate in (0, 1]")
		}
		cfg.ReaderShape = d.ReaderShape
		cfg.ReaderShape.Dim, cfg.ReaderShape.Filters = *readerDim, *readerFilters
		if err := cfg.ReaderShape.Validate(); err != nil {
			return cfg, usagef("%v", err)
		}
		if !(*readerLR > 0) || !(*readerDropout > 0 && *readerDropout < 1) {
			return cfg, usagef("--reader-lr must be above 0 and --reader-dropout in (0, 1)")
		}
		if !(*readerFull > 0) {
			return cfg, usagef("--reader-full-weight must be above 0")
		}
		cfg.ReaderLR, cfg.ReaderDropout, cfg.ReaderFullWeight = *readerLR, *readerDropout, *readerFull
		cfg.Reader, cfg.ReaderEpochs, cfg.ReaderGate, cfg.FirstStage = *second || *firstStage != "", *readerEpochs, *readerGate, *firstStage
		cfg.Features.ArabiziReading, cfg.Features.QuoteScope, cfg.Features.NegationScope = *arabiziReading, *quoteScope || *scope, *negScope || *scope
		cfg.Features.ArabiziWords = *arabiziReading && *arabiziWords
		if err := cfg.Features.Validate(); err != nil {
			return cfg, usagef("%v", err)
		}
		return cfg, nil
	}
}

// baseName returns the last element of a slash-separated path.
func baseName(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// splitList splits a comma-separated flag value, dropping empty parts.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
