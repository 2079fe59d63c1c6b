package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// TestTrainWithReader trains the toy model with a second stage and scores
// through models.Load: the card records the reader, its file is written,
// and the mixed scores still separate the toy task.
func TestTrainWithReader(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(t, dir, 1)
	cfg.LinearL2, cfg.LinearOnly, cfg.ThresholdFolds = 1e-4, true, 3
	cfg.Reader, cfg.ReaderEpochs = true, 3
	var progress strings.Builder
	cfg.Progress = &progress
	card, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := card.Reader
	if r == nil {
		t.Fatal("card has no reader section")
	}
	if r.BestEpoch < 1 || r.BestEpoch > 3 || r.GateShare != 0.5 || len(r.Mix) != len(card.Labels) || r.ValidationGated <= 0 {
		t.Errorf("reader section = %+v", r)
	}
	for _, l := range card.Labels {
		if card.IsContext(l) {
			continue
		}
		if want := round4(0.5 * r.FirstStageThresholds[l]); r.Gate[l] != want {
			t.Errorf("gate of %s = %v, want half the first-stage threshold %v", l, r.Gate[l], want)
		}
	}
	if !strings.Contains(progress.String(), "reader epoch 3/3") {
		t.Errorf("progress lacks reader epochs:\n%s", progress.String())
	}
	if _, err := os.Stat(filepath.Join(dir, models.ReaderFile)); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, models.CardMarkdownFile))
	if err != nil || !strings.Contains(string(md), "## Second stage") {
		t.Errorf("markdown card lacks the second stage: %v", err)
	}
	m, err := models.Load(dir, models.Options{ORTLib: testLib(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	preds, err := m.Score(context.Background(), []string{
		"الجو حلو والناس حشرات بالسوق",
		"شربنا جاي ويا الربع بعد الفطور",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(preds[0].Flags, ","), "hate") || len(preds[1].Flags) != 0 {
		t.Errorf("flags %v and %v; want hate on the first post and nothing on the second", preds[0].Flags, preds[1].Flags)
	}
}
