package models

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Card file names inside a model directory.
const (
	// ModelFile is the ONNX network.
	ModelFile = "model.onnx"
	// CardFile is the machine-readable model card.
	CardFile = "model-card.json"
	// CardMarkdownFile is the model card for people.
	CardMarkdownFile = "MODEL_CARD.md"
)

// Card is the JSON model card (model-card.json) that travels with model.onnx.
type Card struct {
	// Name and Version identify the model; ID joins them as NAME@VERSION.
	Name    string `json:"name"`
	Version string `json:"version"`
	// Created is the training date (RFC 3339, UTC).
	Created string `json:"created,omitempty"`
	// Labels are the network outputs, in output order. Context labels are
	// included, and so are the heads' outputs (see Heads), which come last.
	Labels []string `json:"labels"`
	// Heads are outputs that learnt a label from some training files only
	// (corpora sharing their own definition of it). The engine never reads
	// them: a Model exposes them in place of their labels only when loaded
	// with Options.Head.
	Heads []Head `json:"heads,omitempty"`
	// Thresholds holds one decision threshold per label, chosen on validation data.
	Thresholds map[string]float64 `json:"thresholds"`
	// ContextLabels are labels that protect speech (counter-speech, news):
	// they are reported in Prediction.Context, never in Flags.
	ContextLabels []string `json:"context_labels"`
	// Normalizer is the nlp.Version the model was trained with.
	Normalizer string `json:"normalizer"`
	// Features are the feature-extraction settings the network expects.
	Features FeatureConfig `json:"features"`
	// Net describes the network's shape.
	Net NetConfig `json:"net"`
	// Lexicons summarises the lexicons whose counts feed the network.
	Lexicons LexiconInfo `json:"lexicons"`
	// Training records how the model was trained.
	Training TrainingInfo `json:"training"`
	// Validation holds per-label metrics on the held-out validation part.
	Validation map[string]LabelMetrics `json:"validation"`
	// Reader is the second stage, when the model has one (ReaderFile).
	Reader *ReaderCard `json:"reader,omitempty"`
	// Stance, when set, discounts the serious labels' probabilities by the
	// post's context labels before the thresholds apply (see Stance).
	Stance *Stance `json:"stance,omitempty"`
	// LOFO, when set, is the leave-one-functionality-out result of the
	// model's training recipe on the Iraqi gold set (rasd eval lofo --card).
	LOFO *LOFO `json:"lofo,omitempty"`
}

// Head is a set of outputs that learnt labels from some training files
// only, for a researcher comparing the model with those corpora's own
// definitions (e.g. the public corpora's "hate", broader than the
// taxonomy's).
type Head struct {
	// Name names the head (rasd score --head NAME).
	Name string `json:"name"`
	// Data are the training files the head learnt from.
	Data []string `json:"data"`
	// Labels maps each label the head reads to its output (HeadLabel).
	Labels map[string]string `json:"labels"`
}

// HeadLabel is the output name of head's reading of label: label@head.
func HeadLabel(label, head string) string { return label + "@" + head }

// SplitHeadLabel splits a head output's name into its label and head; ok
// is false for any other label.
func SplitHeadLabel(name string) (label, head string, ok bool) {
	label, head, ok = strings.Cut(name, "@")
	return label, head, ok && label != "" && head != ""
}

// IsHeadLabel reports whether label is a head's output.
func (c *Card) IsHeadLabel(label string) bool {
	_, _, ok := SplitHeadLabel(label)
	return ok
}

// Head returns the head called name, or an error naming the heads there are.
func (c *Card) Head(name string) (*Head, error) {
	for i := range c.Heads {
		if c.Heads[i].Name == name {
			return &c.Heads[i], nil
		}
	}
	var names []string
	for _, h := range c.Heads {
		names = append(names, h.Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("model %s has no head %q: it has no heads", c.ID(), name)
	}
	return nil, fmt.Errorf("model %s has no head %q (heads: %s)", c.ID(), name, strings.Join(names, ", "))
}

// NetConfig is the shape of the network in model.onnx.
type NetConfig struct {
	// Dim is the embedding width.
	Dim int `json:"dim"`
	// Dense is the number of dense (lexicon) inputs.
	Dense int `json:"dense"`
	// Hidden is the hidden layer width.
	Hidden int `json:"hidden"`
	// Opset is the ONNX opset the graph is written against.
	Opset int `json:"opset"`
}

// LexiconInfo identifies the lexicons a model was trained with.
type LexiconInfo struct {
	// Categories are the dense input columns, in order.
	Categories []string `json:"categories"`
	// Entries is the number of lexicon entries.
	Entries int `json:"entries"`
	// SHA256 is the digest of the lexicon files as loaded.
	SHA256 string `json:"sha256"`
}

// Augmentation records the training-time augmentation.
type Augmentation struct {
	// Rule says how copies are made and chosen.
	Rule string `json:"rule"`
	// Arabizi and Typos are the shares of training items copied in Arabizi
	// and with spelling variants.
	Arabizi float64 `json:"arabizi"`
	Typos   float64 `json:"typos"`
	// Identity is the share of the training items naming a group copied
	// with the group swapped for another, and IdentityRule says how.
	Identity     float64 `json:"identity,omitempty"`
	IdentityRule string  `json:"identity_rule,omitempty"`
	// Copies counts the copies added (part of TrainItems).
	Copies int `json:"copies"`
}

// TrainingInfo records the training run.
type TrainingInfo struct {
	// Seed makes training reproducible.
	Seed int64 `json:"seed"`
	// Epochs run and the epoch kept (best validation).
	Epochs    int `json:"epochs"`
	BestEpoch int `json:"best_epoch"`
	// LearningRate, BatchSize and Dropout are the optimiser settings (Adam).
	LearningRate float64 `json:"learning_rate"`
	BatchSize    int     `json:"batch_size"`
	Dropout      float64 `json:"dropout"`
	// FeatureDropout and WeightDecay are the regularisation settings.
	FeatureDropout float64 `json:"feature_dropout"`
	WeightDecay    float64 `json:"weight_decay"`
	// EmbeddingLR is the SGD rate of the embedding table (0: Adam).
	EmbeddingLR float64 `json:"embedding_lr,omitempty"`
	// LinearL2 is the L2 penalty of the linear path fitted first (0: none).
	LinearL2 float64 `json:"linear_l2,omitempty"`
	// NB is true when the linear path used naive-Bayes feature scaling (NB-LR).
	NB bool `json:"nb,omitempty"`
	// NBMix is, per label in label order, the weight of the NB-LR view in
	// the linear path (the plain logistic regression view has the rest),
	// chosen on validation data.
	NBMix []float64 `json:"nb_mix,omitempty"`
	// MinDF is the fewest training items a bucket must occur in to count.
	MinDF int `json:"min_df"`
	// LabelRule says which items count for a label (label masking).
	LabelRule string `json:"label_rule,omitempty"`
	// ThresholdRule says how thresholds were chosen.
	ThresholdRule string `json:"threshold_rule"`
	// ValidationRule says how items were assigned to the validation part.
	ValidationRule string `json:"validation_rule"`
	// Augmentation records the augmented copies added to the training
	// part (none when nil).
	Augmentation *Augmentation `json:"augmentation,omitempty"`
	// TrainItems and ValidationItems count the two parts.
	TrainItems      int `json:"train_items"`
	ValidationItems int `json:"validation_items"`
	// Data lists the training files.
	Data []DataFile `json:"data"`
	// Operating is the operating point, when thresholds were set on traffic.
	Operating *OperatingPoint `json:"operating_point,omitempty"`
	// TrafficCheck is the flag rate on held-out ordinary posts when the
	// thresholds were not set on traffic (otherwise it is Operating.Check).
	TrafficCheck *TrafficCheck `json:"traffic_check,omitempty"`
}

// OperatingPoint records how thresholds were set for real traffic, where
// almost every post is benign: per serious label, the lowest threshold whose
// estimated precision at the expected prevalence reaches the target.
type OperatingPoint struct {
	// TargetPrecision is the share of flagged posts that should be real.
	TargetPrecision float64 `json:"target_precision"`
	// Prevalence is the expected share of ordinary posts carrying a label.
	Prevalence float64 `json:"prevalence"`
	// Rule says how the thresholds follow from the two.
	Rule string `json:"rule"`
	// Traffic lists the unannotated posts the thresholds were set on and
	// TrafficPosts counts them.
	Traffic      []string `json:"traffic"`
	TrafficPosts int      `json:"traffic_posts"`
	// Labels holds each flag label's operating point.
	Labels map[string]OperatingLabel `json:"labels"`
	// Check is the flag rate on held-out ordinary posts, when given.
	Check *TrafficCheck `json:"check,omitempty"`
}

// OperatingLabel is one label's operating point.
type OperatingLabel struct {
	// Threshold is the chosen threshold (also in Card.Thresholds);
	// F1Threshold the one the macro-F1 rule would have chosen.
	Threshold   float64 `json:"threshold"`
	F1Threshold float64 `json:"f1_threshold"`
	// Recall is the share of labelled positives at or above Threshold.
	Recall float64 `json:"recall"`
	// TrafficRate is the share of the traffic sample at or above Threshold.
	TrafficRate float64 `json:"traffic_rate"`
	// Precision is the estimate π·recall / (π·recall + (1−π)·traffic rate).
	Precision float64 `json:"precision"`
	// Reached is false when no threshold reaches the target (the one with
	// the best estimated precision is used).
	Reached bool `json:"reached"`
}

// TrafficCheck is how many held-out ordinary posts the model flags.
type TrafficCheck struct {
	Traffic []string `json:"traffic"` // the files
	Posts   int      `json:"posts"`   // posts scored
	// Flagged counts posts with a serious flag (incitement, hate, terrorism,
	// threat); PerTenThousand is the reviewer load per 10,000 ordinary posts.
	Flagged        int            `json:"flagged"`
	Rate           float64        `json:"rate"`      // Flagged / Posts
	PerTenThousand float64        `json:"per_10000"` // Rate × 10,000
	ByLabel        map[string]int `json:"by_label"`  // posts flagged per label
}

// DataFile is one training file with its size, digest and label counts.
type DataFile struct {
	// Path is the file as given to training, relative to the repository's
	// parent directory when it lies inside it.
	Path string `json:"path"`
	// Role is "train" (fitted, with a hash-chosen part held out) or
	// "validation" (only used to choose the epoch and thresholds).
	Role string `json:"role"`
	// Items is the number of items read.
	Items int `json:"items"`
	// SHA256 is the file's digest.
	SHA256 string `json:"sha256"`
	// LabelCounts counts items per label.
	LabelCounts map[string]int `json:"label_counts"`
}

// LabelMetrics are one label's validation figures.
type LabelMetrics struct {
	// Positives is the number of validation items with the label.
	Positives int `json:"positives"`
	// ROCAUC is the area under the ROC curve.
	ROCAUC float64 `json:"roc_auc"`
	// F1, Precision and Recall are for the positive class at the threshold.
	F1        float64 `json:"f1"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// MacroF1 averages the F1 of the positive and negative classes at the threshold.
	MacroF1 float64 `json:"macro_f1"`
}

// ID returns NAME@VERSION.
func (c *Card) ID() string { return c.Name + "@" + c.Version }

// IsContext reports whether label is a context label.
func (c *Card) IsContext(label string) bool { return slices.Contains(c.ContextLabels, label) }

// Validate checks that the card is complete and consistent.
func (c *Card) Validate() error {
	switch {
	case c.Name == "" || c.Version == "":
		return fmt.Errorf("model card: name and version are required")
	case len(c.Labels) == 0:
		return fmt.Errorf("model card %s: no labels", c.ID())
	}
	seen := map[string]bool{}
	for _, l := range c.Labels {
		if seen[l] {
			return fmt.Errorf("model card %s: label %q listed twice", c.ID(), l)
		}
		seen[l] = true
		t, ok := c.Thresholds[l]
		if !ok {
			return fmt.Errorf("model card %s: no threshold for label %q", c.ID(), l)
		}
		if t < 0 || t > 1 {
			return fmt.Errorf("model card %s: threshold %v for %q is outside [0,1]", c.ID(), t, l)
		}
	}
	for _, l := range c.ContextLabels {
		if !seen[l] {
			return fmt.Errorf("model card %s: context label %q is not a label", c.ID(), l)
		}
	}
	if err := c.validateHeads(seen); err != nil {
		return fmt.Errorf("model card %s: %w", c.ID(), err)
	}
	if err := c.Features.Validate(); err != nil {
		return fmt.Errorf("model card %s: %w", c.ID(), err)
	}
	if c.Net.Dim <= 0 || c.Net.Hidden <= 0 || c.Net.Dense < 0 {
		return fmt.Errorf("model card %s: bad net shape %+v", c.ID(), c.Net)
	}
	if c.Net.Dense != len(c.Lexicons.Categories) {
		return fmt.Errorf("model card %s: net has %d dense inputs but %d lexicon categories", c.ID(), c.Net.Dense, len(c.Lexicons.Categories))
	}
	if c.Stance != nil {
		if err := c.Stance.validate(c); err != nil {
			return fmt.Errorf("model card %s: %w", c.ID(), err)
		}
	}
	if c.LOFO != nil {
		if err := c.LOFO.validate(); err != nil {
			return fmt.Errorf("model card %s: %w", c.ID(), err)
		}
	}
	if c.Reader != nil {
		if err := c.Reader.validate(c); err != nil {
			return fmt.Errorf("model card %s: %w", c.ID(), err)
		}
	}
	return nil
}

// ReadCard reads and validates dir/model-card.json.
func ReadCard(dir string) (*Card, error) {
	p := filepath.Join(dir, CardFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading model card: %w", err)
	}
	var c Card
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", p, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &c, nil
}

// WriteCard writes c as indented JSON to dir/model-card.json.
func WriteCard(dir string, c *Card) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding model card: %w", err)
	}
	b = append(b, '\n')
	p := filepath.Join(dir, CardFile)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("writing model card: %w", err)
	}
	return nil
}

// SaveNet writes net as dir/model.onnx and card as dir/model-card.json,
// creating dir. The card's Net and Labels must describe net.
func SaveNet(dir string, net *Net, card *Card) error {
	if card.Net.Dim != net.Dim || card.Net.Hidden != net.Hidden || card.Net.Dense != net.Dense || len(card.Labels) != net.Labels || card.Features.Buckets != net.Buckets {
		return fmt.Errorf("saving model %s: card does not describe the network", card.ID())
	}
	if err := card.Validate(); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	b, err := net.ONNX([][2]string{{"rasd.model", card.ID()}, {"rasd.labels", fmt.Sprint(card.Labels)}})
	if err != nil {
		return fmt.Errorf("saving model %s: %w", card.ID(), err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ModelFile), b, 0o644); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	return WriteCard(dir, card)
}

// validateHeads checks that head outputs come after the other labels, that
// each belongs to exactly one head and reads a label of the card that is
// not a context label.
func (c *Card) validateHeads(labels map[string]bool) error {
	owned := map[string]bool{}
	names := map[string]bool{}
	for _, h := range c.Heads {
		if h.Name == "" || names[h.Name] || len(h.Labels) == 0 {
			return fmt.Errorf("head %q: a head needs a unique name and at least one label", h.Name)
		}
		names[h.Name] = true
		for base, out := range h.Labels {
			switch {
			case out != HeadLabel(base, h.Name) || !labels[out]:
				return fmt.Errorf("head %q: output %q for %q is not %q among the labels", h.Name, out, base, HeadLabel(base, h.Name))
			case !labels[base] || c.IsHeadLabel(base):
				return fmt.Errorf("head %q: %q is not one of the model's own labels", h.Name, base)
			case c.IsContext(base):
				return fmt.Errorf("head %q: context label %q cannot have a head", h.Name, base)
			}
			owned[out] = true
		}
	}
	inHeads := false
	for _, l := range c.Labels {
		switch {
		case c.IsHeadLabel(l) && !owned[l]:
			return fmt.Errorf("label %q looks like a head's output but no head lists it", l)
		case c.IsHeadLabel(l):
			inHeads = true
		case inHeads:
			return fmt.Errorf("label %q comes after the heads' outputs, which must come last", l)
		}
	}
	return nil
}
