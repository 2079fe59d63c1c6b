// Package train trains Rasd's text classifier on labelled JSONL data and
// exports it as a model directory that models.Load opens.
//
// Training runs on the CPU in one goroutine, so that a fixed seed gives a
// byte-identical model.onnx. It holds out a validation part (chosen by a hash
// of the text), picks the epoch with the best validation ROC-AUC, chooses one
// threshold per label for macro-F1 on the validation part, and writes
// model.onnx, model-card.json and MODEL_CARD.md.
package train

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/reader"
	"github.com/rasd-iq/rasd/nlp"
	"github.com/rasd-iq/rasd/policy"
)

// Taxonomy is the default label set, in output order; a model keeps the
// labels its training data has enough examples of.
var Taxonomy = policy.ModelLabels

// ContextLabels are the taxonomy's speech-protecting labels.
var ContextLabels = policy.ContextLabels

// FreeDim is the number of embedding columns beyond one per label when
// Config.Dim is 0.
const FreeDim = 4

// Config configures a training run. Zero fields take the defaults of Defaults.
type Config struct {
	// Name and Version name the model.
	Name, Version string
	// Data are the JSONL training files; ValidPercent of their items are
	// held out for validation.
	Data []string
	// Valid are JSONL files used only for validation (epoch choice,
	// thresholds, metrics), e.g. a gold set's dev split; never for fitting.
	Valid []string
	// Out is the model directory to write.
	Out string
	// Seed makes the run reproducible.
	Seed int64
	// Epochs is the number of passes over the training part.
	Epochs int
	// LearningRate is Adam's step size.
	LearningRate float64
	// BatchSize is the number of items per update.
	BatchSize int
	// Dropout is the hidden-layer dropout rate.
	Dropout float64
	// FeatureDropout is the rate at which n-gram features are dropped from a
	// training item at each step (kept ones are scaled up to compensate).
	FeatureDropout float64
	// WeightDecay is the decoupled (AdamW) weight decay of the weight matrices.
	WeightDecay float64
	// EmbeddingLR, when positive, trains the embedding table with plain SGD
	// at this per-item rate, decaying linearly to zero over the epochs,
	// instead of Adam: rare n-grams then move in proportion to their
	// gradient rather than a full step each, which overfits less.
	EmbeddingLR float64
	// Dim is the embedding width; 0 means the number of labels plus FreeDim.
	// With the linear path, its first columns (one per label) hold the
	// linear weights and the rest are free for the hidden layer.
	Dim int
	// Hidden is the hidden-layer width.
	Hidden int
	// Features are the feature settings.
	Features models.FeatureConfig
	// ValidPercent is the share of items held out for validation.
	ValidPercent int
	// LinearL2 is the L2 penalty of the linear path, fitted first as a
	// logistic regression (convex, L-BFGS) and then kept fixed while the
	// embedding's other columns and the hidden layer learn what it misses.
	// Zero skips that stage.
	LinearL2 float64
	// LinearIters bounds the L-BFGS iterations.
	LinearIters int
	// NB scales the linear path's features by naive-Bayes log-count ratios (NB-LR).
	NB bool
	// MinDF zeroes the idf of buckets seen in fewer training items, so that
	// n-grams seen once cannot be memorised (and unseen ones count nothing).
	MinDF int
	// MinPositives drops labels with fewer training positives.
	MinPositives int
	// ThresholdFolds, when above 1 and the kept model is the linear path,
	// chooses thresholds on every item rather than the validation part
	// alone: training items are scored by linear paths fitted on the other
	// folds (out of fold), validation items by the model. Ten times as many
	// items make the thresholds steadier; the fits cost ThresholdFolds
	// times the linear stage.
	ThresholdFolds int
	// Traffic are JSONL files of unannotated ordinary posts (e.g.
	// realtweets' train split); when given, each flag label's threshold is
	// the operating point of OperatingRule at TargetPrecision and Prevalence.
	Traffic []string
	// Ordinary are JSONL files of unannotated ordinary posts (e.g.
	// realtweets' train split) trained on as negatives for OrdinaryLabels
	// only: almost no ordinary post carries those labels, so the model
	// learns that everyday rudeness, politics and religion are not them.
	// They never choose a threshold or the epoch.
	Ordinary []string
	// OrdinaryLabels are the labels ordinary posts count as negatives for
	// (default: SeriousLabels).
	OrdinaryLabels []string
	// TrafficCheck are held-out ordinary posts on which the card reports
	// how many posts the first stage flags serious (the reviewer load),
	// with or without Traffic's operating point.
	TrafficCheck []string
	// TargetPrecision and Prevalence set the operating point (defaults 0.5
	// and 0.005).
	TargetPrecision, Prevalence float64
	// PerLabelThresholds keeps each serious label's threshold as the
	// per-label rule chose it. By default (false) the serious labels'
	// thresholds are then set together by JointRule, on the items whose
	// corpus annotates every serious label; Traffic's operating point
	// replaces both.
	PerLabelThresholds bool
	// JointOrdinary puts the ordinary posts (Ordinary), scored out of fold,
	// in the joint rule as a third class whose share flagged is subtracted
	// too (JointOrdinaryRule), so the thresholds pay for the reviewer load
	// ordinary traffic brings. It needs ThresholdFolds of 2 or more.
	JointOrdinary bool
	// JointOrdinaryWeight multiplies the share of ordinary posts flagged in
	// the joint rule (with JointOrdinary; 0 counts as 1): above 1, a
	// flagged ordinary post costs more than its share, as it does in
	// traffic where ordinary posts far outnumber violating ones.
	JointOrdinaryWeight float64
	// Stance discounts the serious labels' probabilities by the context
	// labels' (models.Stance), with the exponent StanceRule chooses on the
	// out-of-fold scores; the thresholds are then set on the discounted
	// scores. It needs the joint rule on out-of-fold scores (LinearOnly,
	// ThresholdFolds of 2 or more, no PerLabelThresholds, no Traffic) and
	// no second stage (Reader), which learns from undiscounted scores.
	Stance bool
	// LinearOnly keeps the linear path as the model: the hidden layer is not
	// trained, so thresholds can come from out-of-fold scores.
	LinearOnly bool
	// AugmentArabizi and AugmentTypos are the shares of training items
	// added again written in Arabizi (RenderArabizi) or with spelling
	// variants (RenderTypos); 0 adds none. See AugmentRule.
	AugmentArabizi, AugmentTypos float64
	// AugmentIdentity is the share of the training items naming a sect,
	// religion or ethnicity that are added again with the group swapped
	// (SwapIdentity); 0 adds none. See IdentityRule.
	AugmentIdentity float64
	// Reader trains a second stage (package reader) after the first and
	// mixes it into the model's scores; ReaderEpochs (default 4) and
	// ReaderGate (default 0.5, the share of a first-stage threshold at
	// which a post is re-read) set it up.
	Reader       bool
	ReaderEpochs int
	ReaderGate   float64
	// FirstStage, when set, is a model directory whose network is kept as
	// the first stage: it is not retrained, and only the second stage is
	// trained on top of it (Reader is implied; its labels, features,
	// thresholds and training record are kept).
	FirstStage string
	// ReaderShape, ReaderLR and ReaderDropout set the second stage's shape
	// and training (zero values: reader.DefaultConfig, 0.002 and 0.3).
	ReaderShape   reader.Config
	ReaderLR      float64
	ReaderDropout float64
	// ReaderFullWeight scales the second stage's loss on items labelled
	// with the whole taxonomy (no annotates list: the Iraqi gold set),
	// whose labels are the ones the engine decides on (0 means 1).
	ReaderFullWeight float64
	// Heads add outputs that learn a label from some training files only:
	// corpora that share a definition of hate or offensive which the
	// engine's labels do not follow (see HeadSpec). The engine never reads
	// them; `rasd score --head` and `rasd eval --head` do.
	Heads []HeadSpec
	// Progress receives one line per epoch; nil means no progress output.
	Progress io.Writer
	// Log receives warnings; nil means slog.Default().
	Log *slog.Logger
}

// HeadSpec asks for a head: for every label that its files teach (at
// least MinPositives positives among their training items), an output
// models.HeadLabel(label, Name) that learns the label from those files
// alone (no other item counts for it, positive or negative), with its own
// threshold chosen on them. Heads are fitted apart from the other labels,
// which come out exactly as they would without them.
type HeadSpec struct {
	// Name names the head (lower-case letters, digits and '-').
	Name string
	// Files are training files, each also listed in Config.Data.
	Files []string
}

// Defaults returns the settings of the default model.
func Defaults() Config {
	return Config{Name: "rasd-default", Version: "1", Seed: 1, Epochs: 2, LearningRate: 0.0005, BatchSize: 32, NB: true,
		Dropout: 0.2, Hidden: 32, Features: models.DefaultFeatures(), ValidPercent: 10, MinDF: 2, MinPositives: 15, LinearL2: 1e-5, LinearIters: 200,
		OrdinaryLabels: slices.Clone(SeriousLabels), ReaderEpochs: 4, ReaderGate: 0.5, ReaderShape: reader.DefaultConfig(), ReaderLR: 0.002, ReaderDropout: 0.3, ReaderFullWeight: 1}
}

func (c *Config) fill() error {
	d := Defaults()
	if c.Name == "" {
		c.Name = d.Name
	}
	if c.Version == "" {
		c.Version = d.Version
	}
	if c.Epochs <= 0 {
		c.Epochs = d.Epochs
	}
	if c.ReaderEpochs <= 0 {
		c.ReaderEpochs = d.ReaderEpochs
	}
	if c.ReaderShape == (reader.Config{}) {
		c.ReaderShape = d.ReaderShape
	}
	if c.ReaderLR <= 0 {
		c.ReaderLR = d.ReaderLR
	}
	if c.ReaderDropout == 0 {
		c.ReaderDropout = d.ReaderDropout
	}
	if len(c.OrdinaryLabels) == 0 {
		c.OrdinaryLabels = d.OrdinaryLabels
	}
	if err := c.checkHeads(); err != nil {
		return err
	}
	if c.ReaderGate == 0 {
		c.ReaderGate = d.ReaderGate
	}
	if c.ReaderGate < 0 || c.ReaderGate > 1 {
		return fmt.Errorf("reader gate %v is outside (0,1]", c.ReaderGate)
	}
	if c.JointOrdinary && (len(c.Ordinary) == 0 || c.ThresholdFolds < 2) {
		return fmt.Errorf("joint ordinary posts need ordinary posts and 2 or more threshold folds (they are scored out of fold)")
	}
	if c.Stance && (!c.LinearOnly || c.LinearL2 <= 0 || c.ThresholdFolds < 2 || c.PerLabelThresholds || len(c.Traffic) > 0 || c.Reader) {
		return fmt.Errorf("the stance discount is chosen with the joint rule on out-of-fold scores: it needs the linear path alone (with an L2 penalty above 0), 2 or more threshold folds, the joint rule, no operating point and no second stage")
	}
	if c.JointOrdinaryWeight < 0 {
		return fmt.Errorf("joint ordinary weight %v is below 0", c.JointOrdinaryWeight)
	}
	if c.JointOrdinaryWeight == 0 {
		c.JointOrdinaryWeight = 1
	}
	if c.LearningRate <= 0 {
		c.LearningRate = d.LearningRate
	}
	if c.BatchSize <= 0 {
		c.BatchSize = d.BatchSize
	}
	if c.Dropout < 0 || c.Dropout >= 1 || c.FeatureDropout < 0 || c.FeatureDropout >= 1 {
		return fmt.Errorf("dropout rates %v and %v must be in [0,1)", c.Dropout, c.FeatureDropout)
	}
	if c.WeightDecay < 0 {
		return fmt.Errorf("weight decay %v is negative", c.WeightDecay)
	}
	if c.Dim < 0 {
		return fmt.Errorf("embedding width %d is negative", c.Dim)
	}
	if c.Hidden <= 0 {
		c.Hidden = d.Hidden
	}
	if c.Features == (models.FeatureConfig{}) {
		c.Features = d.Features
	}
	if c.ValidPercent <= 0 || c.ValidPercent >= 100 {
		if c.ValidPercent != 0 {
			return fmt.Errorf("validation percent %d is outside 1..99", c.ValidPercent)
		}
		c.ValidPercent = d.ValidPercent
	}
	if c.MinDF <= 0 {
		c.MinDF = d.MinDF
	}
	if c.MinPositives <= 0 {
		c.MinPositives = d.MinPositives
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.TargetPrecision == 0 {
		c.TargetPrecision = 0.5
	}
	if c.Prevalence == 0 {
		c.Prevalence = 0.005
	}
	if !(c.TargetPrecision > 0 && c.TargetPrecision < 1) || !(c.Prevalence > 0 && c.Prevalence < 1) {
		return fmt.Errorf("target precision %v and prevalence %v must be in (0,1)", c.TargetPrecision, c.Prevalence)
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if len(c.Data) == 0 {
		return fmt.Errorf("no training data given")
	}
	if c.Out == "" {
		return fmt.Errorf("no output directory given")
	}
	return c.Features.Validate()
}

// ordinaryOrigin marks, in the origin list, an ordinary post (Config.Ordinary).
const ordinaryOrigin = -2

// example is one item turned into network inputs.
type example struct {
	ids   []int32
	w     []float32 // normalised tf·idf weights
	tf    []float32
	dense []float32
	y     []float32 // 1 positive, 0 negative, Unknown where the item's corpus does not annotate the label
	valid bool
	src   int // index of the training file
	// fold places a training item in an out-of-fold fold (its position
	// among the training items read from the files); an augmented copy
	// (aug) shares its item's fold and is never scored out of fold, nor is
	// an ordinary post (aug too), which no threshold or epoch choice sees.
	fold int
	aug  bool
	// ordinary marks an ordinary post (Config.Ordinary; aug is set too).
	ordinary bool
	// item is the example's index among the items read (and augmented).
	item int
}

// Run trains a model as cfg says, writes it to cfg.Out and returns its card.
func Run(ctx context.Context, cfg Config) (*models.Card, error) {
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	lex, err := models.DefaultLexicon()
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	var items []Item
	var srcs []int
	var files []models.DataFile
	for fi, p := range append(slices.Clone(cfg.Data), cfg.Valid...) {
		its, info, err := ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		info.Path = DisplayPath(p)
		info.Role = "train"
		if fi >= len(cfg.Data) {
			info.Role = "validation"
		}
		items = append(items, its...)
		for range its {
			srcs = append(srcs, fi)
		}
		files = append(files, info)
	}
	validFrom := len(cfg.Data) // srcs at or above this are validation-only files
	nRead := len(items)
	items, srcs, origin := augment(items, srcs, validFrom, cfg)
	nCopies := len(items) - nRead
	for _, p := range cfg.Ordinary {
		texts, err := readTexts([]string{p})
		if err != nil {
			return nil, fmt.Errorf("training: ordinary posts: %w", err)
		}
		sum, err := fileSHA256(p)
		if err != nil {
			return nil, fmt.Errorf("training: ordinary posts: %w", err)
		}
		info := models.DataFile{Path: DisplayPath(p), Role: "ordinary", Items: len(texts), SHA256: sum, LabelCounts: map[string]int{}}
		fi := len(files)
		for _, t := range texts {
			items = append(items, Item{Text: t, Labels: []string{}, Annotates: cfg.OrdinaryLabels})
			srcs = append(srcs, fi)
			origin = append(origin, ordinaryOrigin)
		}
		files = append(files, info)
		fmt.Fprintf(cfg.Progress, "ordinary posts: %d from %s, negatives for %s\n", len(texts), info.Path, strings.Join(cfg.OrdinaryLabels, ","))
	}
	var augInfo *models.Augmentation
	if nCopies > 0 {
		augInfo = &models.Augmentation{Rule: AugmentRule, Arabizi: cfg.AugmentArabizi, Typos: cfg.AugmentTypos, Copies: nCopies}
		if cfg.AugmentIdentity > 0 {
			augInfo.Identity, augInfo.IdentityRule = cfg.AugmentIdentity, IdentityRule
		}
		fmt.Fprintf(cfg.Progress, "augmented: %d copies of training items (Arabizi %.2f, spelling variants %.2f, groups swapped %.2f)\n", nCopies, cfg.AugmentArabizi, cfg.AugmentTypos, cfg.AugmentIdentity)
	}
	if cfg.FirstStage != "" {
		return addReader(ctx, cfg, items, srcs, origin, validFrom, lex)
	}
	labels, err := chooseLabels(items, srcs, validFrom, cfg)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	labels = append(labels, headLabels(items, srcs, labels, cfg)...)
	start := time.Now()
	exs, nTrain := featurize(items, srcs, origin, validFrom, labels, cfg, lex)
	if nTrain == 0 || nTrain == len(exs) {
		return nil, fmt.Errorf("training: need items on both sides of the validation split, have %d train and %d validation", nTrain, len(exs)-nTrain)
	}
	fmt.Fprintf(cfg.Progress, "training %s@%s: %d train and %d validation items, labels %s (features in %.1fs)\n",
		cfg.Name, cfg.Version, nTrain, len(exs)-nTrain, strings.Join(labels, ","), time.Since(start).Seconds())

	views := 1
	if cfg.LinearL2 > 0 && cfg.NB {
		views = 2
	}
	if cfg.Dim == 0 {
		cfg.Dim = len(labels) + FreeDim
	}
	net := models.NewNet(cfg.Features.Buckets, cfg.Dim, len(lex.Categories), cfg.Hidden, len(labels))
	setIDF(net, exs, cfg.MinDF)
	for i := range exs {
		exs[i].w = normWeights(net, exs[i])
	}
	t := newTrainer(net, cfg, exs)
	best, bestEpoch, bestAUC := (*models.Net)(nil), 0, math.Inf(-1)
	linearMix := make([]float64, net.Labels)
	if cfg.LinearL2 > 0 {
		if net.Dim <= net.Labels {
			return nil, fmt.Errorf("training: embedding width %d must exceed the %d labels to hold the linear path", net.Dim, net.Labels)
		}
		// One or two linear views: plain logistic regression and, with NB,
		// NB-LR; their logits are mixed with the weight that does best on
		// the validation part (1, ½ or 0 for NB-LR).
		var lms []*linearModel
		for v := 0; v < views; v++ {
			start := time.Now()
			lm := fitLinearSplit(exs, net.Labels, mainLabels(labels), net.Buckets, net.Dense, cfg.LinearL2, cfg.LinearIters, f32to64(net.B2), v == 1)
			lms = append(lms, lm)
			name := "logistic regression"
			if v == 1 {
				name = "NB-LR"
			}
			fmt.Fprintf(cfg.Progress, "linear path %d/%d: %s (L-BFGS, L2 %g, %d evaluations, %.1fs)\n", v+1, views, name, cfg.LinearL2, lm.evals, time.Since(start).Seconds())
		}
		mixes := []float64{0}
		if views == 2 {
			mixes = []float64{1, 0.5, 0}
		}
		// Per label, the mix with the best validation ROC-AUC.
		bestMix := make([]float64, net.Labels)
		bestLabelAUC := make([]float64, net.Labels)
		for i := range bestLabelAUC {
			bestLabelAUC[i] = math.Inf(-1)
		}
		for _, a := range mixes {
			for k := range bestMix {
				linearMix[k] = a
			}
			t.setLinear(lms, linearMix)
			aucs, _ := validAUC(net, exs, labels)
			fmt.Fprintf(cfg.Progress, "linear path, NB-LR weight %.1f: validation ROC-AUC %s\n", a, aucs)
			for k, auc := range aucs.aucs {
				if auc > bestLabelAUC[k] || math.IsNaN(bestLabelAUC[k]) {
					bestLabelAUC[k], bestMix[k] = auc, a
				}
			}
		}
		copy(linearMix, bestMix)
		t.setLinear(lms, linearMix)
		aucs, mean := validAUC(net, exs, labels)
		fmt.Fprintf(cfg.Progress, "linear path, NB-LR weights %v: validation ROC-AUC %s\n", linearMix, aucs)
		best, bestAUC = cloneNet(net), mean
	}
	for epoch := 1; epoch <= cfg.Epochs && !(cfg.LinearOnly && best != nil); epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		start := time.Now()
		loss := t.epoch()
		aucs, mean := validAUC(net, exs, labels)
		fmt.Fprintf(cfg.Progress, "epoch %d/%d  loss %.4f  validation ROC-AUC %s  (%.1fs)\n", epoch, cfg.Epochs, loss, aucs, time.Since(start).Seconds())
		if mean > bestAUC {
			best, bestEpoch, bestAUC = cloneNet(net), epoch, mean
		}
	}
	net = best
	card := &models.Card{
		Name: cfg.Name, Version: cfg.Version, Created: time.Now().UTC().Format(time.RFC3339),
		Labels: labels, Heads: cardHeads(labels, cfg), Thresholds: map[string]float64{}, Normalizer: nlp.Version, Features: cfg.Features,
		Net:      models.NetConfig{Dim: net.Dim, Dense: net.Dense, Hidden: net.Hidden, Opset: models.Opset},
		Lexicons: lex.Info(),
		Training: models.TrainingInfo{Seed: cfg.Seed, Epochs: cfg.Epochs, BestEpoch: bestEpoch, LearningRate: cfg.LearningRate,
			BatchSize: cfg.BatchSize, Dropout: cfg.Dropout, FeatureDropout: cfg.FeatureDropout, WeightDecay: cfg.WeightDecay, EmbeddingLR: cfg.EmbeddingLR, MinDF: cfg.MinDF, LinearL2: cfg.LinearL2, NB: cfg.NB, NBMix: linearMix, ValidationRule: fmt.Sprintf("%s (valid_percent %d)", ValidationRule, cfg.ValidPercent),
			ThresholdRule: ThresholdRule, LabelRule: LabelRule, Augmentation: augInfo,
			TrainItems: nTrain, ValidationItems: len(exs) - nTrain, Data: files},
		Validation: map[string]models.LabelMetrics{},
	}
	for _, l := range labels {
		if slices.Contains(ContextLabels, l) {
			card.ContextLabels = append(card.ContextLabels, l)
		}
	}
	var oofp *sideScores
	if cfg.ThresholdFolds > 1 && cfg.LinearL2 > 0 && bestEpoch == 0 {
		start := time.Now()
		oof := outOfFold(exs, net, cfg, views, linearMix, mainLabels(labels))
		oofp = &oof
		card.Training.ThresholdRule = fmt.Sprintf(FoldThresholdRule, cfg.ThresholdFolds)
		var line string
		if cfg.Stance {
			// Each exponent tried sets the per-label thresholds itself.
			oof, line = chooseStance(net, exs, card, oof, cfg)
		}
		if line == "" {
			chooseThresholdsOn(net, exs, card, oof)
		} else {
			fmt.Fprintln(cfg.Progress, line)
		}
		fmt.Fprintf(cfg.Progress, "thresholds on %d out-of-fold training scores and the validation part (%d folds, %.1fs)\n", len(oof.groups[0]), cfg.ThresholdFolds, time.Since(start).Seconds())
	} else {
		if cfg.ThresholdFolds > 1 {
			cfg.Log.Warn("out-of-fold thresholds need the linear path as the kept model; choosing them on the validation part", "best_epoch", bestEpoch, "linear_l2", cfg.LinearL2)
		}
		chooseThresholds(net, exs, card, cfg.Log)
	}
	if !cfg.PerLabelThresholds && len(cfg.Traffic) == 0 {
		if line := applyJointRule(net, exs, card, oofp, cfg.JointOrdinary, cfg.JointOrdinaryWeight); line != "" {
			fmt.Fprintln(cfg.Progress, line)
		}
	}
	if len(cfg.Traffic) > 0 {
		start := time.Now()
		if err := setOperatingPoint(net, exs, card, oofp, cfg, lex); err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		card.Training.ThresholdRule = card.Training.Operating.Rule + "; context labels: " + card.Training.ThresholdRule
		fmt.Fprintf(cfg.Progress, "operating point on %d traffic posts (%.1fs)\n", card.Training.Operating.TrafficPosts, time.Since(start).Seconds())
	}
	if len(cfg.TrafficCheck) > 0 {
		chk, err := checkTraffic(net, card, cfg, lex)
		if err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		if op := card.Training.Operating; op != nil {
			op.Check = chk
		} else {
			card.Training.TrafficCheck = chk
		}
		fmt.Fprintf(cfg.Progress, "held-out ordinary posts flagged serious: %d of %d (%.0f per 10,000)\n", chk.Flagged, chk.Posts, chk.PerTenThousand)
	}
	var second *reader.Net
	if cfg.Reader {
		if oofp == nil {
			return nil, fmt.Errorf("training: the second stage learns from out-of-fold first-stage scores: use --threshold-folds 2 or more with the linear path kept (--linear-only)")
		}
		second, err = trainReader(ctx, net, exs, items, card, cfg, oofp.probs)
		if err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
	}
	return card, save(cfg, net, card, second)
}

// save writes the model, its cards and the second stage when there is one.
func save(cfg Config, net *models.Net, card *models.Card, second *reader.Net) error {
	if err := models.SaveNet(cfg.Out, net, card); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	if second != nil {
		b, err := second.ONNX([][2]string{{"rasd.model", card.ID()}, {"rasd.labels", fmt.Sprint(card.Labels)}})
		if err != nil {
			return fmt.Errorf("training: %w", err)
		}
		if err := os.WriteFile(filepath.Join(cfg.Out, models.ReaderFile), b, 0o644); err != nil {
			return fmt.Errorf("training: writing the second stage: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, models.CardMarkdownFile), []byte(Markdown(card)), 0o644); err != nil {
		return fmt.Errorf("training: writing model card: %w", err)
	}
	return nil
}

// DisplayPath makes p relative to the repository root when it lies inside
// the repository's parent directory (e.g. ../shared/datasets/…), so that
// cards do not record one machine's directories.
func DisplayPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	root, err := models.RepoRoot()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "../..") {
		return rel
	}
	return p
}

// chooseLabels returns the labels with at least MinPositives training items:
// taxonomy labels first in taxonomy order, then any others sorted.
func chooseLabels(items []Item, srcs []int, validFrom int, cfg Config) ([]string, error) {
	count := trainPositives(items, srcs, func(src int) bool { return src < validFrom }, cfg.ValidPercent)
	var others []string
	for l := range count {
		if !slices.Contains(Taxonomy, l) {
			others = append(others, l)
		}
	}
	sort.Strings(others)
	var labels []string
	for _, l := range append(slices.Clone(Taxonomy), others...) {
		switch n := count[l]; {
		case n >= cfg.MinPositives:
			labels = append(labels, l)
		case n > 0:
			cfg.Log.Warn("label left out: too few training items", "label", l, "items", n, "need", cfg.MinPositives)
		}
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("no label has %d or more training items", cfg.MinPositives)
	}
	return labels, nil
}

// trainPositives counts, per label, the positive training items (outside
// the validation part) among those whose source keep accepts.
func trainPositives(items []Item, srcs []int, keep func(src int) bool, validPercent int) map[string]int {
	count := map[string]int{}
	for n, it := range items {
		if !keep(srcs[n]) || InValidation(it.Text, validPercent) {
			continue
		}
		for _, l := range it.Labels {
			if it.Annotated(l) {
				count[l]++
			}
		}
	}
	return count
}

// featurize turns items into examples; training examples come first.
func featurize(items []Item, srcs, origin []int, validFrom int, labels []string, cfg Config, lex *models.Lexicon) ([]example, int) {
	ex := models.NewExtractor(cfg.Features)
	sources := labelSources(labels, cfg)
	var train, valid []example
	folds := make([]int, len(items))
	nTrain := 0
	for n, it := range items {
		norm := cfg.Features.ModelText(it.Text, "")
		ex.Extract(norm)
		e := example{ids: make([]int32, len(ex.IDs)), tf: slices.Clone(ex.Counts),
			dense: make([]float32, len(lex.Categories)), y: make([]float32, len(labels)),
			valid: srcs[n] >= validFrom || InValidation(it.Text, cfg.ValidPercent), src: srcs[n], item: n}
		switch {
		case origin[n] == ordinaryOrigin:
			e.valid, e.aug, e.fold, e.ordinary = false, true, n, true
		case origin[n] >= 0:
			e.valid, e.aug, e.fold = false, true, folds[origin[n]]
		case !e.valid:
			e.fold, folds[n] = nTrain, nTrain
			nTrain++
		}
		for i, id := range ex.IDs {
			e.ids[i] = int32(id)
		}
		lex.Dense(lex.Match(norm, nil), e.dense)
		for k, ls := range sources {
			switch {
			case ls.srcs != nil && !ls.srcs[srcs[n]], !it.Annotated(ls.base):
				e.y[k] = Unknown
			case slices.Contains(it.Labels, ls.base):
				e.y[k] = 1
			}
		}
		if e.valid {
			valid = append(valid, e)
		} else {
			train = append(train, e)
		}
	}
	return append(train, valid...), len(train)
}

// setIDF sets smoothed inverse document frequencies from the training part,
// ln((1+N)/(1+df)) + 1, and 0 for buckets with df < minDF.
func setIDF(net *models.Net, exs []example, minDF int) {
	df := make([]int32, net.Buckets)
	n := 0
	for _, e := range exs {
		if e.valid {
			continue
		}
		n++
		for _, id := range e.ids {
			df[id]++
		}
	}
	for b := range net.IDF {
		if int(df[b]) < minDF {
			net.IDF[b] = 0
			continue
		}
		net.IDF[b] = float32(math.Log(float64(1+n)/float64(1+df[b])) + 1)
	}
}

// normWeights computes an example's normalised weights exactly as the network does.
func normWeights(net *models.Net, e example) []float32 {
	ids := make([]int64, len(e.ids))
	for i, id := range e.ids {
		ids[i] = int64(id)
	}
	x := make([]float32, net.Dim+net.Dense)
	return net.Input(ids, e.tf, e.dense, x, nil)
}

func f32to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func cloneNet(n *models.Net) *models.Net {
	c := *n
	c.Emb, c.IDF = slices.Clone(n.Emb), slices.Clone(n.IDF)
	c.W1, c.B1, c.W2, c.B2, c.W3 = slices.Clone(n.W1), slices.Clone(n.B1), slices.Clone(n.W2), slices.Clone(n.B2), slices.Clone(n.W3)
	return &c
}

// predict returns the network's probabilities for an example, discounted
// by d (the zero Discount leaves them as the network gives them).
func predict(net *models.Net, d models.Discount, e example, x, h, z []float32) {
	bag(net, e, x)
	net.Head(x, h, z)
	for k := range z {
		z[k] = float32(1 / (1 + math.Exp(-float64(z[k]))))
	}
	d.Apply(z)
}

// bag fills x with the pooled embedding and the dense inputs.
func bag(net *models.Net, e example, x []float32) {
	d := net.Dim
	clear(x[:d])
	for i, id := range e.ids {
		w := e.w[i]
		row := net.Emb[int(id)*d : int(id+1)*d]
		for k, v := range row {
			x[k] += w * v
		}
	}
	copy(x[d:], e.dense)
}

// scoresFor predicts every example of one side of the split, discounted by d.
func scoresFor(net *models.Net, d models.Discount, exs []example, validSide bool) (scores [][]float64, truth [][]bool, groups [][]int) {
	K := net.Labels
	scores, truth, groups = make([][]float64, K), make([][]bool, K), make([][]int, K)
	x := make([]float32, net.Dim+net.Dense)
	h := make([]float32, net.Hidden)
	z := make([]float32, K)
	for _, e := range exs {
		if e.valid != validSide {
			continue
		}
		predict(net, d, e, x, h, z)
		for k := range K {
			if e.y[k] < 0 {
				continue
			}
			groups[k] = append(groups[k], e.src)
			scores[k] = append(scores[k], float64(z[k]))
			truth[k] = append(truth[k], e.y[k] == 1)
		}
	}
	return scores, truth, groups
}

type aucList struct {
	labels []string
	aucs   []float64
}

func (a aucList) String() string {
	var b strings.Builder
	for i, l := range a.labels {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s %.3f", l, a.aucs[i])
	}
	return b.String()
}

// validAUC returns the per-label validation ROC-AUC and their mean over
// labels with both classes present.
func validAUC(net *models.Net, exs []example, labels []string) (aucList, float64) {
	scores, truth, _ := scoresFor(net, models.Discount{}, exs, true)
	out := aucList{labels: labels}
	var sum float64
	var n int
	for k := range labels {
		a := ROCAUC(scores[k], truth[k])
		out.aucs = append(out.aucs, a)
		if !math.IsNaN(a) {
			sum += a
			n++
		}
	}
	if n == 0 {
		return out, 0
	}
	return out, sum / float64(n)
}

// minValidPositives is the fewest validation positives a threshold is chosen on;
// with fewer, the training part is used and the card says so in a log line.
const minValidPositives = 5

// chooseThresholds sets per-label thresholds and validation metrics on the card.
func chooseThresholds(net *models.Net, exs []example, card *models.Card, log *slog.Logger) {
	vs, vt, vg := scoresFor(net, models.Discount{}, exs, true)
	var ts [][]float64
	var tt [][]bool
	var tg [][]int
	for k, l := range card.Labels {
		pos := 0
		for _, y := range vt[k] {
			if y {
				pos++
			}
		}
		s, y, g := vs[k], vt[k], vg[k]
		if pos < minValidPositives {
			if ts == nil {
				ts, tt, tg = scoresFor(net, models.Discount{}, exs, false)
			}
			log.Warn("too few validation items for a threshold; choosing it on training data", "label", l, "validation_items", pos)
			s, y, g = ts[k], tt[k], tg[k]
		}
		thr := BestThresholdGrouped(s, y, g)
		card.Thresholds[l] = thr
		card.Validation[l] = validationMetrics(vs[k], vt[k], thr)
	}
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// trainer holds the optimiser state.
type trainer struct {
	net   *models.Net
	cfg   Config
	exs   []example
	nTr   int
	rng   *rand.Rand
	order []int
	step  int
	dense []param
	embM  []float32
	embV  []float32
	gEmb  []float32
	mark  []int32
	rows  []int32
	wk    []float32 // the current item's weights after feature dropout
	// frozenCols leading embedding columns (the linear path) are not trained.
	frozenCols int
}

// dropBag is bag with feature dropout; the weights used are left in t.wk.
func (t *trainer) dropBag(e example, x []float32) {
	net := t.net
	d := net.Dim
	clear(x[:d])
	t.wk = t.wk[:0]
	keep := float32(1 - t.cfg.FeatureDropout)
	for i, id := range e.ids {
		w := e.w[i]
		if keep < 1 {
			if t.rng.Float32() >= keep {
				w = 0
			} else {
				w /= keep
			}
		}
		t.wk = append(t.wk, w)
		if w == 0 {
			continue
		}
		row := net.Emb[int(id)*d : int(id+1)*d]
		for k, v := range row {
			x[k] += w * v
		}
	}
	copy(x[d:], e.dense)
}

// param is one dense weight slice with its gradient and Adam moments;
// only w[lo:hi] is trained.
type param struct {
	w, g, m, v []float32
	lo, hi     int
}

func newParam(w []float32) param {
	return param{w: w, g: make([]float32, len(w)), m: make([]float32, len(w)), v: make([]float32, len(w)), hi: len(w)}
}

// setLinear puts the fitted linear views into the network's linear path.
// The views' logits are mixed per label (a[k] for the second view, 1-a[k]
// for the first), and since both are linear in the same features the mix is
// one set of weights: embedding column k holds label k's mixed sparse
// weights, W3 routes it to logit k, W3's dense rows and B2 hold the mixed
// dense weights and biases. Those weights are then frozen.
func (t *trainer) setLinear(lms []*linearModel, a []float64) {
	net := t.net
	K, D := net.Labels, net.Dim
	for k := 0; k < K; k++ {
		mix := []float64{1}
		if len(lms) == 2 {
			mix = []float64{1 - a[k], a[k]}
		}
		for i := 0; i < D+net.Dense; i++ {
			net.W3[i*K+k] = 0
		}
		net.W3[k*K+k] = 1
		net.B2[k] = 0
		for b := 0; b < net.Buckets; b++ {
			var v float64
			for j, lm := range lms {
				v += mix[j] * lm.theta[lm.at(b, k)]
			}
			net.Emb[b*D+k] = float32(v)
		}
		for j, lm := range lms {
			for f := 0; f < net.Dense; f++ {
				net.W3[(D+f)*K+k] += float32(mix[j] * lm.theta[lm.at(lm.V+f, k)])
			}
			net.B2[k] += float32(mix[j] * lm.theta[lm.at(lm.V+lm.F, k)])
		}
	}
	// W1 must not read the linear columns at first: the hidden layer starts
	// from the free columns and the dense inputs.
	for i := 0; i < K; i++ {
		clear(net.W1[i*net.Hidden : (i+1)*net.Hidden])
	}
	t.frozenCols = K
	w3 := &t.dense[4]
	w3.lo, w3.hi = K*K, D*K // only the free embedding columns' rows of W3 train
}

func newTrainer(net *models.Net, cfg Config, exs []example) *trainer {
	nTr := 0
	for _, e := range exs {
		if !e.valid {
			nTr++
		}
	}
	t := &trainer{net: net, cfg: cfg, exs: exs, nTr: nTr, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed)),
		embM: make([]float32, len(net.Emb)), embV: make([]float32, len(net.Emb)), gEmb: make([]float32, len(net.Emb)),
		mark: make([]int32, net.Buckets)}
	r := t.rng
	a := float32(1 / math.Sqrt(float64(net.Dim)))
	for i := range net.Emb {
		net.Emb[i] = (2*r.Float32() - 1) * a * 0.1
	}
	in := net.Dim + net.Dense
	s1 := math.Sqrt(2 / float64(in))
	for i := range net.W1 {
		net.W1[i] = float32(r.NormFloat64() * s1)
	}
	s2 := math.Sqrt(1 / float64(net.Hidden))
	for i := range net.W2 {
		net.W2[i] = float32(r.NormFloat64() * s2 * 0.1)
	}
	if cfg.LinearL2 > 0 {
		// The hidden layer starts silent, so that before its first epoch the
		// network is exactly the fitted linear path.
		clear(net.W2)
	}
	// Start the output biases at the training prevalence.
	for k := range net.B2 {
		pos, known := 0, 0
		for _, e := range exs[:nTr] {
			if e.y[k] == 1 {
				pos++
			}
			if e.y[k] >= 0 {
				known++
			}
		}
		p := (float64(pos) + 1) / (float64(known) + 2)
		net.B2[k] = float32(math.Log(p / (1 - p)))
	}
	t.dense = []param{newParam(net.W1), newParam(net.B1), newParam(net.W2), newParam(net.B2), newParam(net.W3)}
	t.order = make([]int, nTr)
	for i := range t.order {
		t.order[i] = i
	}
	return t
}

const (
	beta1   = 0.9
	beta2   = 0.999
	adamEps = 1e-8
)

// epoch runs one pass over the training part and returns the mean loss.
func (t *trainer) epoch() float64 {
	net := t.net
	t.rng.Shuffle(len(t.order), func(i, j int) { t.order[i], t.order[j] = t.order[j], t.order[i] })
	in, H, K, D := net.Dim+net.Dense, net.Hidden, net.Labels, net.Dim
	x := make([]float32, in)
	a := make([]float32, H)
	h := make([]float32, H)
	mask := make([]float32, H)
	z := make([]float32, K)
	dz := make([]float32, K)
	dh := make([]float32, H)
	dx := make([]float32, in)
	keep := float32(1 - t.cfg.Dropout)
	var lossSum float64
	for lo := 0; lo < len(t.order); lo += t.cfg.BatchSize {
		batch := t.order[lo:min(lo+t.cfg.BatchSize, len(t.order))]
		scale := 1 / float32(len(batch))
		t.step++
		t.rows = t.rows[:0]
		for _, ei := range batch {
			e := t.exs[ei]
			t.dropBag(e, x)
			// hidden layer with dropout
			copy(a, net.B1)
			for i := 0; i < in; i++ {
				if x[i] == 0 {
					continue
				}
				row := net.W1[i*H : (i+1)*H]
				for j, w := range row {
					a[j] += x[i] * w
				}
			}
			for j := range h {
				mask[j] = 0
				if t.rng.Float32() < keep {
					mask[j] = 1 / keep
				}
				h[j] = max(a[j], 0) * mask[j]
			}
			copy(z, net.B2)
			for j := 0; j < H; j++ {
				if h[j] == 0 {
					continue
				}
				row := net.W2[j*K : (j+1)*K]
				for k, w := range row {
					z[k] += h[j] * w
				}
			}
			for i := 0; i < in; i++ {
				row := net.W3[i*K : (i+1)*K]
				for k, w := range row {
					z[k] += x[i] * w
				}
			}
			for k := range z {
				p := 1 / (1 + math.Exp(-float64(z[k])))
				y := float64(e.y[k])
				if y < 0 { // label not annotated for this item: no loss
					dz[k] = 0
					continue
				}
				lossSum -= y*math.Log(p+1e-12) + (1-y)*math.Log(1-p+1e-12)
				dz[k] = float32(p-y) * scale
			}
			// gradients
			gW1, gB1, gW2, gB2, gW3 := t.dense[0].g, t.dense[1].g, t.dense[2].g, t.dense[3].g, t.dense[4].g
			for k := range dz {
				gB2[k] += dz[k]
			}
			clear(dh)
			for j := 0; j < H; j++ {
				row := net.W2[j*K : (j+1)*K]
				grow := gW2[j*K : (j+1)*K]
				for k := range dz {
					grow[k] += h[j] * dz[k]
					dh[j] += row[k] * dz[k]
				}
				if a[j] <= 0 {
					dh[j] = 0
				} else {
					dh[j] *= mask[j]
				}
				gB1[j] += dh[j]
			}
			for i := 0; i < in; i++ {
				var s float32
				w3 := net.W3[i*K : (i+1)*K]
				g3 := gW3[i*K : (i+1)*K]
				for k := range dz {
					g3[k] += x[i] * dz[k]
					s += w3[k] * dz[k]
				}
				w1 := net.W1[i*H : (i+1)*H]
				g1 := gW1[i*H : (i+1)*H]
				for j := range dh {
					g1[j] += x[i] * dh[j]
					s += w1[j] * dh[j]
				}
				dx[i] = s
			}
			for i, id := range e.ids {
				w := t.wk[i]
				if w == 0 {
					continue
				}
				if t.mark[id] != int32(t.step) {
					t.mark[id] = int32(t.step)
					t.rows = append(t.rows, id)
				}
				g := t.gEmb[int(id)*D : int(id+1)*D]
				for k := range g {
					g[k] += w * dx[k]
				}
			}
		}
		t.update()
	}
	return lossSum / float64(len(t.order)*net.Labels)
}

// update applies one Adam step to the dense weights and a lazy Adam step to
// the embedding rows touched by the batch, and clears the gradients.
func (t *trainer) update() {
	lr := float32(t.cfg.LearningRate * math.Sqrt(1-math.Pow(beta2, float64(t.step))) / (1 - math.Pow(beta1, float64(t.step))))
	decay := float32(1 - t.cfg.LearningRate*t.cfg.WeightDecay)
	adam := func(w, g, m, v []float32, decay float32) {
		for i, gi := range g {
			m[i] = beta1*m[i] + (1-beta1)*gi
			v[i] = beta2*v[i] + (1-beta2)*gi*gi
			w[i] = w[i]*decay - lr*m[i]/(float32(math.Sqrt(float64(v[i])))+adamEps)
			g[i] = 0
		}
	}
	for i, p := range t.dense {
		d := decay
		if i == 1 || i == 3 { // biases are not decayed
			d = 1
		}
		adam(p.w[p.lo:p.hi], p.g[p.lo:p.hi], p.m[p.lo:p.hi], p.v[p.lo:p.hi], d)
		clear(p.g)
	}
	D := t.net.Dim
	fc := t.frozenCols
	if t.cfg.EmbeddingLR > 0 {
		total := float64(t.cfg.Epochs * ((t.nTr + t.cfg.BatchSize - 1) / t.cfg.BatchSize))
		elr := float32(t.cfg.EmbeddingLR * float64(t.cfg.BatchSize) * max(0, 1-float64(t.step-1)/total))
		for _, r := range t.rows {
			lo, hi := int(r)*D, int(r+1)*D
			w, g := t.net.Emb[lo+fc:hi], t.gEmb[lo+fc:hi]
			for i, gi := range g {
				w[i] = w[i]*decay - elr*gi
			}
			clear(t.gEmb[lo:hi])
		}
		return
	}
	for _, r := range t.rows {
		lo, hi := int(r)*D, int(r+1)*D
		adam(t.net.Emb[lo+fc:hi], t.gEmb[lo+fc:hi], t.embM[lo+fc:hi], t.embV[lo+fc:hi], decay)
		clear(t.gEmb[lo:hi])
	}
}

// sideScores are per-label scores of a set of items, with their truth and
// data files.
type sideScores struct {
	scores [][]float64
	truth  [][]bool
	groups [][]int
	// probs holds, per example (index into exs), its out-of-fold
	// probabilities; nil for validation items. Augmented copies get them
	// too (from the fits without their item's fold) but are not in scores.
	probs [][]float32
	// items holds, per label, the example (index into exs) of each entry
	// of scores.
	items [][]int
}

// outOfFold scores every training item with linear paths fitted without it:
// the training part is split into cfg.ThresholdFolds folds by item order, and
// each fold is scored by the views fitted on the others, mixed per label as
// the final model mixes them (mix, the NB-LR weight).
func outOfFold(exs []example, net *models.Net, cfg Config, views int, mix []float64, split int) sideScores {
	K, folds := net.Labels, cfg.ThresholdFolds
	out := sideScores{scores: make([][]float64, K), truth: make([][]bool, K), groups: make([][]int, K), probs: make([][]float32, len(exs)), items: make([][]int, K)}
	var train []int
	for i, e := range exs {
		if !e.valid {
			train = append(train, i)
		}
	}
	z := make([]float64, K)
	zs := make([][]float64, views)
	for v := range zs {
		zs[v] = make([]float64, K)
	}
	for f := range folds {
		var fit []example
		for _, i := range train {
			if exs[i].fold%folds != f {
				fit = append(fit, exs[i])
			}
		}
		var lms []*linearModel
		for v := range views {
			lm := fitLinearSplit(fit, K, split, net.Buckets, net.Dense, cfg.LinearL2, cfg.LinearIters, make([]float64, K), v == 1)
			lm.r = nil // folded into theta by fitLinear
			lms = append(lms, lm)
		}
		for _, i := range train {
			if exs[i].fold%folds != f {
				continue
			}
			e := &exs[i]
			for v, lm := range lms {
				lm.logits(lm.theta, e, zs[v])
			}
			out.probs[i] = make([]float32, K)
			for k := range K {
				z[k] = zs[0][k]
				if views == 2 {
					z[k] = (1-mix[k])*zs[0][k] + mix[k]*zs[1][k]
				}
				p := 1 / (1 + math.Exp(-z[k]))
				out.probs[i][k] = float32(p)
				if e.y[k] < 0 || e.aug {
					continue
				}
				out.scores[k] = append(out.scores[k], p)
				out.truth[k] = append(out.truth[k], e.y[k] == 1)
				out.groups[k] = append(out.groups[k], e.src)
				out.items[k] = append(out.items[k], i)
			}
		}
	}
	return out
}

// chooseThresholdsOn sets per-label thresholds on the out-of-fold training
// scores together with the validation part (scored by net and discounted
// by the card's stance, as oof's scores are), and the card's validation
// metrics at those thresholds.
func chooseThresholdsOn(net *models.Net, exs []example, card *models.Card, oof sideScores) {
	vs, vt, vg := scoresFor(net, card.Discount(), exs, true)
	for k, l := range card.Labels {
		s := append(slices.Clone(oof.scores[k]), vs[k]...)
		y := append(slices.Clone(oof.truth[k]), vt[k]...)
		g := append(slices.Clone(oof.groups[k]), vg[k]...)
		thr := BestThresholdGrouped(s, y, g)
		card.Thresholds[l] = thr
		card.Validation[l] = validationMetrics(vs[k], vt[k], thr)
	}
}

// validationMetrics are a label's validation figures at threshold thr.
func validationMetrics(scores []float64, truth []bool, thr float64) models.LabelMetrics {
	pos := 0
	for _, y := range truth {
		if y {
			pos++
		}
	}
	c := At(scores, truth, thr)
	auc := ROCAUC(scores, truth)
	if math.IsNaN(auc) {
		auc = 0
	}
	return models.LabelMetrics{Positives: pos, ROCAUC: round4(auc), F1: round4(c.F1()),
		Precision: round4(c.Precision()), Recall: round4(c.Recall()), MacroF1: round4(c.MacroF1())}
}
