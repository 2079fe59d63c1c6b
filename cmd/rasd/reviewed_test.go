package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/labels"
)

// TestTrainTakesALabelsExport: the JSONL `rasd review export --labels`
// writes (labels.Example, dismissals with their reason code, clean samples
// with no label) is training data for `rasd train`, as
// scripts/train-default.sh adds it with RASD_REVIEWED.
func TestTrainTakesALabelsExport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reviewed.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for i := range 40 {
		ex := labels.Example{ID: fmt.Sprint("x:", i), Source: labels.Source, Labels: []string{}}
		switch i % 4 {
		case 0:
			ex.Text, ex.Labels = "والناس جرذان الجو حلو بالمقهى "+fmt.Sprint(i), []string{"hate", "offensive"}
		case 1:
			ex.Text, ex.Reason = "الجو حلو والسوق رايحة "+fmt.Sprint(i), review.ReasonClean
		case 2:
			ex.Text, ex.Reason = "الجو حلو ويا الفطور "+fmt.Sprint(i), review.ReasonFalsePositive
		default:
			ex.Text, ex.Labels = "سخيف الجو بالمقهى "+fmt.Sprint(i), []string{"offensive"}
		}
		if err := enc.Encode(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	trainOnReviewed(t, path)
}
