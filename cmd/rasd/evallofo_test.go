package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval/gold"
	"github.com/rasd-iq/rasd/models"
)

// toyGold writes the toy training set as a gold set: one functionality per
// kind of item (dehumanising words, insults, everyday talk, counter-speech),
// split by item number.
func toyGold(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "models", "toy-train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []gold.Item
	splits := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		var it struct {
			Text   string   `json:"text"`
			Labels []string `json:"labels"`
		}
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatal(err)
		}
		fn := "everyday"
		switch strings.Join(it.Labels, ",") {
		case "hate,offensive":
			fn = "dehumanise"
		case "offensive":
			fn = "insult"
		case "counter_speech":
			fn = "counter"
		}
		id := fmt.Sprintf("ig-%s-%03d", fn, n)
		items = append(items, gold.Item{ID: id, Text: it.Text, Labels: it.Labels, Functionality: fn, Target: "none", Dialect: "baghdadi"})
		splits[id] = []string{gold.Train, gold.Train, gold.Dev, gold.Test}[(n/4)%4] // the kinds repeat every four items
	}
	dir := t.TempDir()
	if err := gold.Write(dir, items, splits); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestEvalLOFOAddsToCard trains a model, runs rasd eval lofo with the same
// recipe on a gold set whose only hateful functionality is the
// dehumanising words, and checks that the model trained without them finds
// none of them while the one trained on them finds them, that the result
// reaches the model card and MODEL_CARD.md, and that the network is left
// as it is.
func TestEvalLOFOAddsToCard(t *testing.T) {
	g := toyGold(t)
	recipe := []string{"--buckets", "4096", "--min-positives", "5", "--dim", "8", "--hidden", "8", "--linear-l2", "1e-4", "--linear-only", "--quiet"}
	model := filepath.Join(t.TempDir(), "m")
	if code, out, errs := runCmd(t, "", append([]string{"train", "--data", filepath.Join(g, "train.jsonl"), "--valid", filepath.Join(g, "dev.jsonl"), "--out", model}, recipe...)...); code != 0 {
		t.Fatalf("rasd train: exit %d: %s %s", code, out, errs)
	}
	before, err := os.ReadFile(filepath.Join(model, models.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(t.TempDir(), "lofo.json")
	code, out, errs := runCmd(t, "", append([]string{"eval", "lofo", "--gold", g, "--jobs", "2", "--card", model, "--json", js}, recipe...)...)
	if code != 0 {
		t.Fatalf("rasd eval lofo: exit %d: %s %s", code, out, errs)
	}
	card, err := models.ReadCard(model)
	if err != nil {
		t.Fatal(err)
	}
	l := card.LOFO
	if l == nil || len(l.Functionalities) != 3 { // the counter-speech items all fall in train and dev
		t.Fatalf("card's result %+v", l)
	}
	for _, r := range l.Functionalities {
		if r.Name == "dehumanise" {
			if r.Expect != "violating" || r.Items != 25 || r.Seen < 20 || r.Unseen != 0 {
				t.Errorf("dehumanise: %+v: want most found when trained on, none when held out", r)
			}
		}
	}
	if !strings.Contains(l.Recipe, "--buckets 4096") || !strings.Contains(l.Recipe, "--linear-only") || strings.Contains(l.Recipe, "quiet") || strings.Contains(l.Recipe, "--card") {
		t.Errorf("recipe %q", l.Recipe)
	}
	if !strings.Contains(out, "dehumanise") || !strings.Contains(out, "mean over 3 functionalities") {
		t.Errorf("printed:\n%s", out)
	}
	md, err := os.ReadFile(filepath.Join(model, models.CardMarkdownFile))
	if err != nil || !strings.Contains(string(md), "## Leave one functionality out") || !strings.Contains(string(md), "| dehumanise | violating | 25 |") {
		t.Errorf("MODEL_CARD.md lacks the result (%v):\n%s", err, md)
	}
	after, _ := os.ReadFile(filepath.Join(model, models.ModelFile))
	if string(after) != string(before) {
		t.Error("rasd eval lofo --card changed model.onnx")
	}
	var fromJSON models.LOFO
	if b, err := os.ReadFile(js); err != nil || json.Unmarshal(b, &fromJSON) != nil || fromJSON.Unseen != l.Unseen {
		t.Errorf("--json: %v %+v", err, fromJSON)
	}

	for _, bad := range [][]string{
		{"eval", "lofo", "--gold", g, "--out", "x"},
		{"eval", "lofo", "--gold", g, "--jobs", "0"},
		{"eval", "lofo", "--gold", g, "--only", "dehumanise", "--card", model},
	} {
		if code, _, errs := runCmd(t, "", bad...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, %q: want a usage error", bad, code, errs)
		}
	}
}
