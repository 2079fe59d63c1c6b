package gold

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/eval/dataset"
)

func TestCharGrams(t *testing.T) {
	// Punctuation, digits and spacing do not count; letters do.
	a := CharGrams("اقتلوهم، كلهم!!  ١٢٣", 4)
	b := CharGrams("اقتلوهم كلهم", 4)
	if Jaccard(a, b) != 1 {
		t.Errorf("same letters, different punctuation: Jaccard %.2f, want 1", Jaccard(a, b))
	}
	if g := CharGrams("...", 4); g != nil {
		t.Errorf("no letters: %q, want nil", g)
	}
	if g := CharGrams("هه", 4); len(g) != 1 || g[0] != "هه" {
		t.Errorf("shorter than n: %q, want the text itself", g)
	}
}

func TestOverlaps(t *testing.T) {
	heldout := []Item{
		{ID: "h1", Text: "يا شباب المنطقة لازم تطلعونهم قبل العيد"},
		{ID: "h2", Text: "الكهرباء مقطوعة من الصبح والمولدة عاطلة"},
	}
	train := []Item{
		{ID: "t1", Text: "يا شباب المنطقه لازم تطلعونهم بعد العيد 😡"}, // the same sentence shape
		{ID: "t2", Text: "نطالب بمحاسبة المسؤول عن الحادث بالقضاء"},   // unrelated
	}
	got := Overlaps(train, heldout, ScreenThreshold)
	if len(got) != 1 || got[0].Train != "t1" || got[0].Heldout != "h1" {
		t.Fatalf("Overlaps = %+v, want only t1 ~ h1", got)
	}
	if got[0].Jaccard < 0.5 || got[0].Jaccard >= 1 {
		t.Errorf("t1 ~ h1 Jaccard %.2f, want in [0.5, 1)", got[0].Jaccard)
	}
}

// TestTrainingSetsScreened checks that no post of the project's training
// sets (eval/data/*/train.jsonl outside the gold set, and the contrast data
// eval/data/*/stance.jsonl, groups.jsonl and concepts.jsonl) or development
// sets (eval/data/*/dev.jsonl outside the gold set) comes as close as
// ScreenThreshold to an item of a set that measures models: the gold set's
// dev and test splits, the held-out MSA/Gulf functional sets and, when the
// shared corpora are there, the test split of realtweets, whose flag rate
// stands for real traffic (a set phrase such as a common du'a written into a
// training set would otherwise teach the model that very test post).
func TestTrainingSetsScreened(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Dir(dir)
	var heldout []Item
	for _, p := range []string{
		filepath.Join(dir, "dev.jsonl"),
		filepath.Join(dir, "test.jsonl"),
		filepath.Join(data, "msa-functional", "test.jsonl"),
		filepath.Join(data, "msa-functional-2", "test.jsonl"),
	} {
		items, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		heldout = append(heldout, items...)
	}
	heldout = append(heldout, realTweetsTest(t)...)
	// Contrast data kept beside a training set (stance.jsonl, in make
	// model since 20261206.12; groups.jsonl and concepts.jsonl, not in it)
	// is screened the same way.
	var sets []string
	// Development sets (dev.jsonl beside the gold set: rules are read and
	// tuned on them) are screened the same way.
	for _, name := range []string{"train.jsonl", "stance.jsonl", "groups.jsonl", "concepts.jsonl", "dev.jsonl"} {
		found, err := filepath.Glob(filepath.Join(data, "*", name))
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, found...)
	}
	screened := 0
	for _, p := range sets {
		if filepath.Dir(p) == dir {
			continue // the gold set's own train split is kept apart by template groups
		}
		train, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(train) == 0 {
			t.Errorf("%s: no items", p)
		}
		for _, o := range Overlaps(train, heldout, ScreenThreshold) {
			t.Errorf("%s: %s is too close to held-out %s (character 4-gram Jaccard %.2f)", filepath.Base(filepath.Dir(p)), o.Train, o.Heldout, o.Jaccard)
		}
		screened++
	}
	if screened == 0 {
		t.Error("no project training set found under eval/data")
	}
}

// realTweetsTest returns the shared realtweets test split as items to screen
// against, or none (logged) when the shared corpora are not there.
func realTweetsTest(t *testing.T) []Item {
	t.Helper()
	dir, err := dataset.SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "realtweets", "test.jsonl")
	if _, err := os.Stat(p); err != nil {
		t.Logf("not screening against realtweets: %v (set RASD_DATASETS)", err)
		return nil
	}
	ds, err := dataset.LoadFile(p, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]Item, len(ds.Items))
	for i, it := range ds.Items {
		items[i] = Item{ID: it.ID, Text: it.Text}
	}
	return items
}
