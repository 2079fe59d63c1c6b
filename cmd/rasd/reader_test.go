package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// TestSecondStageThroughDecisionPath trains a model with a second stage
// with rasd train, routes labelled posts with it through the decision path
// (rasd eval route: pipeline, signals, policy, queue), adds a second stage
// to a plain first stage with --first-stage, and refuses to stack a second
// reader on a model that has one.
func TestSecondStageThroughDecisionPath(t *testing.T) {
	dir := t.TempDir()
	toy := filepath.Join("..", "..", "testdata", "models", "toy-train.jsonl")
	small := []string{"--buckets", "4096", "--valid-percent", "25", "--min-positives", "5", "--dim", "8", "--hidden", "8",
		"--threshold-folds", "3", "--reader-epochs", "2", "--quiet"}
	withReader := filepath.Join(dir, "with")
	args := append([]string{"train", "--data", toy, "--out", withReader, "--linear-l2", "1e-4", "--linear-only", "--reader"}, small...)
	if code, out, errs := runCmd(t, "", args...); code != 0 {
		t.Fatalf("rasd train --reader: exit %d: %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(withReader, models.ReaderFile)); err != nil {
		t.Fatal(err)
	}
	card, err := models.ReadCard(withReader)
	if err != nil || card.Reader == nil {
		t.Fatalf("card %+v, %v: want a reader section", card, err)
	}
	code, out, errs := runCmd(t, "", "eval", "route", "--model", withReader, "--data", toy)
	if code != 0 {
		t.Fatalf("rasd eval route with a second stage: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "violating              100 of 100 queued") || !strings.Contains(out, "protected or ordinary  0 of 300 queued") {
		t.Errorf("routing with the second stage:\n%s", out)
	}

	// A second stage on top of an existing linear first stage.
	plain := filepath.Join(dir, "plain")
	args = append([]string{"train", "--data", toy, "--out", plain, "--linear-l2", "1e-4", "--linear-only"}, small...)
	if code, out, errs := runCmd(t, "", args...); code != 0 {
		t.Fatalf("rasd train: exit %d: %s %s", code, out, errs)
	}
	added := filepath.Join(dir, "added")
	args = append([]string{"train", "--data", toy, "--out", added, "--first-stage", plain, "--name", "toy", "--version", "2"}, small...)
	if code, out, errs := runCmd(t, "", args...); code != 0 {
		t.Fatalf("rasd train --first-stage: exit %d: %s %s", code, out, errs)
	}
	before, _, err := models.ReadNet(plain)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := models.ReadNet(added)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before.Emb, after.Emb) || !slices.Equal(before.IDF, after.IDF) || !slices.Equal(before.W3, after.W3) {
		t.Errorf("--first-stage changed the first stage's network")
	}
	if c, err := models.ReadCard(added); err != nil || c.Reader == nil || c.ID() != "toy@2" {
		t.Errorf("card after --first-stage: %v %v", c, err)
	}

	// Bad input: a clear error.
	args = append([]string{"train", "--data", toy, "--out", filepath.Join(dir, "again"), "--first-stage", withReader}, small...)
	if code, _, errs := runCmd(t, "", args...); code != 1 || !strings.Contains(errs, "has a second stage already") {
		t.Errorf("stacking a second reader: exit %d, %s", code, errs)
	}
	if code, _, errs := runCmd(t, "", "train", "--data", toy, "--out", filepath.Join(dir, "x"), "--reader", "--reader-gate", "1.5"); code != 2 || !strings.Contains(errs, "--reader-gate") {
		t.Errorf("bad gate: exit %d, %s", code, errs)
	}
}
