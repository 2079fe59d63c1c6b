package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// broadHateFile writes a corpus that annotates hate alone and calls every
// rude post hate: a broader definition than the toy set's, where rudeness
// is offensive but not hate.
func broadHateFile(t *testing.T, dir string) string {
	t.Helper()
	words := []string{"الجو", "حلو", "رايحة", "والسوق", "بالمقهى", "اليوم", "الفطور", "جاي"}
	var b strings.Builder
	for i := range 300 {
		if i%5 == 0 {
			fmt.Fprintf(&b, `{"text":"سخيف %s %s %d","labels":["hate"],"annotates":["hate"]}`+"\n", words[i%8], words[(i/8)%8], i)
		} else {
			fmt.Fprintf(&b, `{"text":"%s %s %s %d","labels":[],"annotates":["hate"]}`+"\n", words[i%8], words[(i/8)%8], words[(i+3)%8], i)
		}
	}
	p := filepath.Join(dir, "broad.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHeadLearnsItsCorporaDefinitionAndLeavesTheLabelsAlone trains the toy
// model with a corpus whose hate is broader, with and without a head on it.
// The head learns that corpus's definition, is reported only when asked
// for, and the model's own labels come out exactly as without the head.
func TestHeadLearnsItsCorporaDefinitionAndLeavesTheLabelsAlone(t *testing.T) {
	dir := t.TempDir()
	broad := broadHateFile(t, dir)
	cfgFor := func(out string, heads []HeadSpec) Config {
		c := smallConfig(t, out, 1)
		c.Data, c.LinearL2, c.NB, c.LinearOnly, c.ThresholdFolds, c.Heads = []string{toyData(t), broad}, 1e-4, true, true, 3, heads
		return c
	}
	withDir, plainDir := filepath.Join(dir, "with"), filepath.Join(dir, "plain")
	card, err := Run(context.Background(), cfgFor(withDir, []HeadSpec{{Name: "broad", Files: []string{broad}}}))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Run(context.Background(), cfgFor(plainDir, nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := append(slices.Clone(plain.Labels), "hate@broad"); !slices.Equal(card.Labels, want) {
		t.Fatalf("labels %v, want %v (the toy set's offensive is not in the broad corpus: no head output for it)", card.Labels, want)
	}
	if len(card.Heads) != 1 || card.Heads[0].Name != "broad" || card.Heads[0].Labels["hate"] != "hate@broad" || len(card.Heads[0].Data) != 1 {
		t.Fatalf("card heads %+v", card.Heads)
	}
	for _, l := range plain.Labels {
		if card.Thresholds[l] != plain.Thresholds[l] {
			t.Errorf("%s threshold %v with the head, %v without: a head must not move the model's labels", l, card.Thresholds[l], plain.Thresholds[l])
		}
	}
	md, err := os.ReadFile(filepath.Join(withDir, models.CardMarkdownFile))
	if err != nil || !strings.Contains(string(md), "## Heads") || !strings.Contains(string(md), "| hate@broad | head |") {
		t.Errorf("MODEL_CARD.md does not describe the head (%v)", err)
	}

	posts := []string{"سخيف الجو حلو", "سخيف بالمقهى اليوم", "الجو حلو اليوم", "والناس جرذان الفطور"}
	score := func(dir, head string) []models.Prediction {
		t.Helper()
		m, err := models.Load(dir, models.Options{ORTLib: testLib(t), Head: head})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		if slices.ContainsFunc(m.Labels(), func(l string) bool { return strings.Contains(l, "@") }) {
			t.Errorf("model labels %v expose a head's output", m.Labels())
		}
		if got := m.Thresholds()["hate"]; head == "broad" && got != card.Thresholds["hate@broad"] {
			t.Errorf("hate threshold through the head %v, want the head's %v", got, card.Thresholds["hate@broad"])
		}
		p, err := m.Score(context.Background(), posts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	engine, without, through := score(withDir, ""), score(plainDir, ""), score(withDir, "broad")
	for i := range posts {
		for l, s := range without[i].Scores {
			if engine[i].Scores[l] != s {
				t.Errorf("%q %s: %v with the head, %v without", posts[i], l, engine[i].Scores[l], s)
			}
		}
		if len(engine[i].Scores) != len(without[i].Scores) || !slices.Equal(engine[i].Flags, without[i].Flags) {
			t.Errorf("%q: scores %v flags %v with the head, %v %v without", posts[i], engine[i].Scores, engine[i].Flags, without[i].Scores, without[i].Flags)
		}
		if through[i].Scores["offensive"] != engine[i].Scores["offensive"] {
			t.Errorf("%q: offensive %v through the head, %v without: the head has no offensive output", posts[i], through[i].Scores["offensive"], engine[i].Scores["offensive"])
		}
	}
	t.Logf("hate through the head %.3f %.3f %.3f, by the model's own label %.3f %.3f %.3f", through[0].Scores["hate"], through[1].Scores["hate"], through[2].Scores["hate"], engine[0].Scores["hate"], engine[1].Scores["hate"], engine[2].Scores["hate"])
	for i := range 2 { // rude posts: hate in the broad corpus, not in the toy set
		if !slices.Contains(through[i].Flags, "hate") {
			t.Errorf("%q through the head: hate %.3f (threshold %.3f) not flagged", posts[i], through[i].Scores["hate"], card.Thresholds["hate@broad"])
		}
		if !(through[i].Scores["hate"] > engine[i].Scores["hate"]+0.1) {
			t.Errorf("%q: hate %.3f through the head, %.3f by the model's own label; want the broad reading higher", posts[i], through[i].Scores["hate"], engine[i].Scores["hate"])
		}
	}
	if slices.Contains(through[2].Flags, "hate") {
		t.Errorf("%q: a post with no rude word is hate through the head (%.3f)", posts[2], through[2].Scores["hate"])
	}

	if _, err := models.Load(withDir, models.Options{ORTLib: testLib(t), Head: "nope"}); err == nil || !strings.Contains(err.Error(), "broad") {
		t.Errorf("loading an unknown head: %v, want an error naming the heads there are", err)
	}
	if _, err := models.Load(plainDir, models.Options{ORTLib: testLib(t), Head: "broad"}); err == nil || !strings.Contains(err.Error(), "no heads") {
		t.Errorf("loading a head of a model without heads: %v", err)
	}
}

func TestHeadsAreChecked(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		heads []HeadSpec
		want  string
	}{
		{[]HeadSpec{{Name: "x", Files: []string{filepath.Join(dir, "other.jsonl")}}}, "not one of the training files"},
		{[]HeadSpec{{Name: "Bad Name", Files: []string{toyData(t)}}}, "head name"},
		{[]HeadSpec{{Name: "a", Files: []string{toyData(t)}}, {Name: "a", Files: []string{toyData(t)}}}, "twice"},
		{[]HeadSpec{{Name: "a"}}, "no files"},
	} {
		cfg := smallConfig(t, filepath.Join(dir, "m"), 1)
		cfg.Heads = tc.heads
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("heads %+v: error %v, want %q", tc.heads, err, tc.want)
		}
	}
}
