package train

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/reader"
)

// ReaderRule describes how the second stage is chosen, for the model card.
const ReaderRule = "trained on the training part (augmented copies included, label masking as the first stage); the epoch with the best mean validation ROC-AUC of the reader alone is kept; a post is re-read when a flag label's first-stage score reaches gate_share × that label's first-stage threshold; per label, the reader's weight in (1−a)·first + a·reader (a in 0, ¼, ½, ¾, 1) is the one with the best validation ROC-AUC of the scores as the scorer gives them (re-read posts mixed, others first-stage only); labels with a > 0 get their threshold by the macro-F1 rule on those validation scores, labels with a = 0 keep the first stage's"

// readerMixes are the reader weights tried per label.
var readerMixes = []float64{0, 0.25, 0.5, 0.75, 1}

// trainReader trains the second stage on exs (items gives their texts),
// chooses its gate, mixes and the mixed thresholds on the validation part,
// and records them in card (whose thresholds it replaces).
//
// oof holds every training example's out-of-fold first-stage
// probabilities, the reader's priors for them; validation examples get the
// first stage's own, as the scorer gives them.
func trainReader(ctx context.Context, net *models.Net, exs []example, items []Item, card *models.Card, cfg Config, oof [][]float32) (*reader.Net, error) {
	rc := cfg.ReaderShape
	start := time.Now()
	K := len(card.Labels)
	logits := func(p []float32) []float32 {
		z := make([]float32, len(p))
		for k, v := range p {
			z[k] = reader.Logit(v)
		}
		return z
	}
	var trainEx, validEx []reader.Example
	var validIdx []int
	var first [][]float32 // validation items' first-stage probabilities
	x := make([]float32, net.Dim+net.Dense)
	h := make([]float32, net.Hidden)
	for i, e := range exs {
		re := reader.Example{Words: rc.Encode(cfg.Features.ModelText(items[e.item].Text, "")), Y: e.y}
		if e.valid {
			p := make([]float32, K)
			predict(net, models.Discount{}, e, x, h, p)
			re.Prior = logits(p)
			first = append(first, p)
			validEx = append(validEx, re)
			validIdx = append(validIdx, i)
			continue
		}
		if oof[i] == nil {
			return nil, fmt.Errorf("second stage: training item %d has no out-of-fold first-stage score", i)
		}
		re.Prior = logits(oof[i])
		if items[e.item].Annotates == nil && cfg.ReaderFullWeight > 0 {
			re.Weight = float32(cfg.ReaderFullWeight)
		}
		trainEx = append(trainEx, re)
	}
	fmt.Fprintf(cfg.Progress, "reader: %d train and %d validation posts encoded (%.1fs)\n", len(trainEx), len(validEx), time.Since(start).Seconds())
	rng := rand.New(rand.NewSource(cfg.Seed))
	rn := reader.NewNet(rc, K, func() float64 { return 2*rng.Float64() - 1 })
	second := make([][]float32, len(validEx))
	scoreAll := func(n *reader.Net) {
		for j, e := range validEx {
			if second[j] == nil {
				second[j] = make([]float32, K)
			}
			n.Predict(e.Words, e.Prior, second[j])
		}
	}
	validate := func(n *reader.Net) float64 {
		if ctx.Err() != nil {
			return math.Inf(-1)
		}
		scoreAll(n)
		var sum float64
		var cnt int
		var per []string
		for k := 0; k < K; k++ {
			s, y := labelScores(validEx, k, func(j int) float32 { return second[j][k] })
			if auc := ROCAUC(s, y); !math.IsNaN(auc) {
				sum += auc
				cnt++
				per = append(per, fmt.Sprintf("%s %.3f", card.Labels[k], auc))
			}
		}
		fmt.Fprintf(cfg.Progress, "reader alone, validation ROC-AUC %s\n", strings.Join(per, " "))
		return sum / float64(max(cnt, 1))
	}
	best, bestEpoch, err := reader.Train(rn, trainEx, reader.TrainConfig{Epochs: cfg.ReaderEpochs, LearningRate: cfg.ReaderLR, BatchSize: 32,
		Dropout: cfg.ReaderDropout, WeightDecay: 0.01, Seed: cfg.Seed, Threads: runtime.GOMAXPROCS(0), Validate: validate, Progress: cfg.Progress})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	scoreAll(best)
	info := &models.ReaderCard{Config: rc, Gate: map[string]float64{}, GateShare: cfg.ReaderGate, Mix: map[string]float64{},
		FirstStageThresholds: map[string]float64{}, Rule: ReaderRule, Epochs: cfg.ReaderEpochs, BestEpoch: bestEpoch}
	for _, l := range card.Labels {
		info.FirstStageThresholds[l] = card.Thresholds[l]
		if !card.IsContext(l) {
			info.Gate[l] = round4(cfg.ReaderGate * card.Thresholds[l])
		}
	}
	card.Reader = info
	gates := card.ReaderGates()
	gated := make([]bool, len(validEx))
	nGated := 0
	for j := range validEx {
		gated[j] = models.Gated(gates, first[j])
		if gated[j] {
			nGated++
		}
	}
	info.ValidationGated = round4(float64(nGated) / float64(max(len(validEx), 1)))
	groups := make([]int, len(validEx))
	for j, i := range validIdx {
		groups[j] = exs[i].src
	}
	for k, l := range card.Labels {
		mixed := func(a float64) func(int) float32 {
			return func(j int) float32 {
				if gated[j] {
					return models.MixScore(a, first[j][k], second[j][k])
				}
				return first[j][k]
			}
		}
		bestA, bestAUC := 0.0, math.Inf(-1)
		for _, a := range readerMixes {
			s, y := labelScores(validEx, k, mixed(a))
			auc := ROCAUC(s, y)
			if !math.IsNaN(auc) && auc > bestAUC+1e-4 {
				bestA, bestAUC = a, auc
			}
		}
		info.Mix[l] = bestA
		s, y := labelScores(validEx, k, mixed(bestA))
		if bestA > 0 {
			var g []int
			for j := range validEx {
				if validEx[j].Y[k] >= 0 {
					g = append(g, groups[j])
				}
			}
			card.Thresholds[l] = BestThresholdGrouped(s, y, g)
		}
		card.Validation[l] = validationMetrics(s, y, card.Thresholds[l])
	}
	fmt.Fprintf(cfg.Progress, "reader: epoch %d kept, %.1f%% of validation posts re-read, mix %v (%.1fs)\n",
		bestEpoch, 100*info.ValidationGated, mixList(card.Labels, info.Mix), time.Since(start).Seconds())
	return best, nil
}

// labelScores returns label k's scores (from score) and truth over the
// examples that know it.
func labelScores(exs []reader.Example, k int, score func(j int) float32) ([]float64, []bool) {
	var s []float64
	var y []bool
	for j, e := range exs {
		if e.Y[k] < 0 {
			continue
		}
		s = append(s, float64(score(j)))
		y = append(y, e.Y[k] > 0)
	}
	return s, y
}

func mixList(labels []string, mix map[string]float64) []string {
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		out = append(out, fmt.Sprintf("%s=%.2g", l, mix[l]))
	}
	return slices.Clip(out)
}

// addReader trains a second stage on top of the first stage in
// cfg.FirstStage and writes the combined model to cfg.Out.
func addReader(ctx context.Context, cfg Config, items []Item, srcs, origin []int, validFrom int, lex *models.Lexicon) (*models.Card, error) {
	net, card, err := models.ReadNet(cfg.FirstStage)
	if err != nil {
		return nil, fmt.Errorf("training: first stage: %w", err)
	}
	if card.Reader != nil {
		return nil, fmt.Errorf("training: first stage %s has a second stage already", card.ID())
	}
	if card.Lexicons.SHA256 != lex.SHA256 {
		return nil, fmt.Errorf("training: first stage %s was trained with other lexicons; retrain it", card.ID())
	}
	cfg.Features = card.Features
	exs, nTrain := featurize(items, srcs, origin, validFrom, card.Labels, cfg, lex)
	if nTrain == 0 || nTrain == len(exs) {
		return nil, fmt.Errorf("training: need items on both sides of the validation split, have %d train and %d validation", nTrain, len(exs)-nTrain)
	}
	for i := range exs {
		exs[i].w = normWeights(net, exs[i])
	}
	tr := card.Training
	if tr.BestEpoch != 0 || tr.LinearL2 <= 0 {
		return nil, fmt.Errorf("training: first stage %s is not the linear path alone (best epoch %d, linear L2 %g): its out-of-fold scores cannot be reproduced; train it with --linear-only", card.ID(), tr.BestEpoch, tr.LinearL2)
	}
	if cfg.ThresholdFolds < 2 {
		return nil, fmt.Errorf("training: the second stage learns from out-of-fold first-stage scores: use --threshold-folds 2 or more")
	}
	views := 1
	if tr.NB {
		views = 2
	}
	if len(tr.NBMix) != len(card.Labels) {
		return nil, fmt.Errorf("training: first stage %s records %d NB-LR weights for %d labels", card.ID(), len(tr.NBMix), len(card.Labels))
	}
	cfg.LinearL2 = tr.LinearL2
	start := time.Now()
	oof := outOfFold(exs, net, cfg, views, tr.NBMix, mainLabels(card.Labels))
	fmt.Fprintf(cfg.Progress, "second stage for %s: %d train and %d validation items, out-of-fold first-stage scores (%d folds, %.1fs)\n",
		card.ID(), nTrain, len(exs)-nTrain, cfg.ThresholdFolds, time.Since(start).Seconds())
	second, err := trainReader(ctx, net, exs, items, card, cfg, oof.probs)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	card.Name, card.Version, card.Created = cfg.Name, cfg.Version, time.Now().UTC().Format(time.RFC3339)
	return card, save(cfg, net, card, second)
}
