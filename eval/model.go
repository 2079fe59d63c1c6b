package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rasd-iq/rasd/models"
)

// ModelOptions say how to run a model for evaluation.
type ModelOptions struct {
	// Device is cpu or cuda; ORTLib the ONNX Runtime library (found by
	// models.FindORTLib when empty).
	Device, ORTLib string
	// Batch and Threads are the model's batch size and workers (0: defaults).
	Batch, Threads int
	// Head names the model head to read the labels through (models.Options.Head; empty: none).
	Head string
}

// modelScorer adapts a loaded *models.Model to Scorer.
type modelScorer struct {
	m    *models.Model
	hash string
}

// Labels implements Scorer.
func (s *modelScorer) Labels() []string { return s.m.Labels() }

// Thresholds implements Scorer.
func (s *modelScorer) Thresholds() map[string]float64 { return s.m.Thresholds() }

// ID implements Scorer: the model's ID, and the head it reads through.
func (s *modelScorer) ID() string { return models.ReadingID(s.m.ID(), s.m.Head()) }

// CardHash implements Scorer.
func (s *modelScorer) CardHash() string { return s.hash }

// Score implements Scorer.
func (s *modelScorer) Score(ctx context.Context, texts []string) ([]map[string]float64, error) {
	preds, err := s.m.Score(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]float64, len(preds))
	for i, p := range preds {
		out[i] = p.Scores
	}
	return out, nil
}

// OpenModel loads the model in dir (models/default when empty) as a Scorer
// and hashes its model card; the function it returns closes the model.
func OpenModel(dir string, o ModelOptions) (Scorer, func() error, error) {
	if dir == "" {
		d, err := models.DefaultDir()
		if err != nil {
			return nil, nil, err
		}
		dir = d
	}
	card, err := os.ReadFile(filepath.Join(dir, models.CardFile))
	if err != nil {
		return nil, nil, fmt.Errorf("reading model card: %w", err)
	}
	lib, err := models.FindORTLib(o.ORTLib)
	if err != nil {
		return nil, nil, err
	}
	m, err := models.Load(dir, models.Options{Device: o.Device, ORTLib: lib, Batch: o.Batch, Threads: o.Threads, Head: o.Head})
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(card)
	return &modelScorer{m: m, hash: hex.EncodeToString(sum[:])}, m.Close, nil
}
