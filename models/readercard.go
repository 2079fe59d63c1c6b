package models

import (
	"fmt"
	"math"

	"github.com/rasd-iq/rasd/models/reader"
)

// ReaderFile is the second-stage network in a model directory.
const ReaderFile = "reader.onnx"

// ReaderCard describes a model's second stage (package reader): which posts
// it re-reads and how its score is mixed with the first stage's. With a
// reader, Card.Thresholds apply to the mixed scores, and Prediction.Scores
// are mixed scores.
type ReaderCard struct {
	// Config is the reader's shape and tokeniser settings.
	Config reader.Config `json:"config"`
	// Gate holds, per flag label, the first-stage score at or above which
	// a post is re-read (GateShare × the first stage's threshold). A post is
	// re-read when any flag label reaches its gate; every label of a re-read
	// post is then mixed.
	Gate      map[string]float64 `json:"gate"`
	GateShare float64            `json:"gate_share"`
	// Mix holds, per label, the reader's weight a in the mixed score
	// (1−a)·first + a·reader of a re-read post.
	Mix map[string]float64 `json:"mix"`
	// FirstStageThresholds are the first stage's own thresholds, kept for
	// comparison; Card.Thresholds hold those of the mixed scores.
	FirstStageThresholds map[string]float64 `json:"first_stage_thresholds"`
	// Rule says how the reader, its mix and the thresholds were chosen.
	Rule string `json:"rule"`
	// Epochs and BestEpoch are the passes made and the one kept.
	Epochs    int `json:"epochs"`
	BestEpoch int `json:"best_epoch"`
	// ValidationGated is the share of validation items re-read.
	ValidationGated float64 `json:"validation_gated"`
}

// validate checks the reader section against the card's labels.
func (r *ReaderCard) validate(c *Card) error {
	if err := r.Config.Validate(); err != nil {
		return err
	}
	if r.GateShare <= 0 || r.GateShare > 1 {
		return fmt.Errorf("reader gate share %v is outside (0,1]", r.GateShare)
	}
	for _, l := range c.Labels {
		a, ok := r.Mix[l]
		if !ok || a < 0 || a > 1 {
			return fmt.Errorf("reader mix for %q missing or outside [0,1]", l)
		}
		if _, ok := r.Gate[l]; !ok && !c.IsContext(l) {
			return fmt.Errorf("reader gate for flag label %q missing", l)
		}
	}
	return nil
}

// ReaderGates returns, in card label order, the gate of each flag label
// (+Inf for context labels, which never open the gate); nil without a reader.
func (c *Card) ReaderGates() []float64 {
	if c.Reader == nil {
		return nil
	}
	g := make([]float64, len(c.Labels))
	for k, l := range c.Labels {
		if t, ok := c.Reader.Gate[l]; ok && !c.IsContext(l) {
			g[k] = t
		} else {
			g[k] = math.Inf(1)
		}
	}
	return g
}

// Gated reports whether a post whose first-stage scores (card label order)
// are first is re-read by the reader: some flag label reaches its gate.
func Gated(gates []float64, first []float32) bool {
	for k, t := range gates {
		if float64(first[k]) >= t {
			return true
		}
	}
	return false
}

// MixScore is the mixed score of one label of a re-read post.
func MixScore(a float64, first, second float32) float32 {
	return float32((1-a)*float64(first) + a*float64(second))
}
