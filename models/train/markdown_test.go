package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// TestModelCardMarkdownStatesTheAugmentation: a model trained with
// augmented copies says in MODEL_CARD.md how many were added and how, as
// its model-card.json records them; one trained without says nothing of it.
func TestModelCardMarkdownStatesTheAugmentation(t *testing.T) {
	dir := t.TempDir()
	for _, aug := range []bool{false, true} {
		cfg := smallConfig(t, filepath.Join(dir, fmt.Sprint(aug)), 1)
		if aug {
			cfg.AugmentTypos, cfg.AugmentIdentity = 0.5, 1
		}
		card, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		md, err := os.ReadFile(filepath.Join(cfg.Out, models.CardMarkdownFile))
		if err != nil {
			t.Fatal(err)
		}
		a := card.Training.Augmentation
		if !aug {
			if a != nil || strings.Contains(string(md), "Augmentation:") {
				t.Errorf("trained without augmentation, the card says %+v and MODEL_CARD.md names it", a)
			}
			continue
		}
		if a == nil || a.Copies == 0 {
			t.Fatalf("trained with augmentation, the card records %+v", a)
		}
		want := fmt.Sprintf("Augmentation: %d copies of training items", a.Copies)
		if !strings.Contains(string(md), want) || !strings.Contains(string(md), "0.50 with spelling variants") || !strings.Contains(string(md), "Group swaps: ") {
			t.Errorf("MODEL_CARD.md does not state the augmentation (%q, the typo share and the group swaps):\n%s", want, md)
		}
	}
}
