package lofo

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/eval/gold"
	"github.com/rasd-iq/rasd/models"
)

// memoriser is a Trainer whose "model" flags a serious label on a text that
// contains the text of a training item carrying that label, and nothing
// else: it knows only what it was trained on, so a held-out item that
// leaked into training shows.
type memoriser struct {
	mu     sync.Mutex
	trains map[string][]string // model name → training texts
	valids map[string][]string // model name → validation texts
}

func (m *memoriser) Train(_ context.Context, name string, train, valid []string, out string) error {
	kw := map[string][]string{}
	for _, l := range eval.DefaultSerious {
		kw[l] = []string{"\x00never"}
	}
	var texts, vtexts []string
	for _, p := range train {
		for _, it := range readJSONL(p) {
			texts = append(texts, it.Text)
			for _, l := range it.Labels {
				kw[l] = append(kw[l], it.Text)
			}
		}
	}
	for _, p := range valid {
		for _, it := range readJSONL(p) {
			vtexts = append(vtexts, it.Text)
		}
	}
	m.mu.Lock()
	m.trains[name], m.valids[name] = texts, vtexts
	m.mu.Unlock()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b, _ := json.Marshal(kw)
	return os.WriteFile(filepath.Join(out, "kw.json"), b, 0o644)
}

func openMemoriser(dir string) (eval.Scorer, func() error, error) {
	b, err := os.ReadFile(filepath.Join(dir, "kw.json"))
	if err != nil {
		return nil, nil, err
	}
	f := &evaltest.Fake{Name: "memoriser@1"}
	if err := json.Unmarshal(b, &f.Keywords); err != nil {
		return nil, nil, err
	}
	return f, func() error { return nil }, nil
}

func readJSONL(p string) []gold.Item {
	f, err := os.Open(p)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var out []gold.Item
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it gold.Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			panic(err)
		}
		out = append(out, it)
	}
	return out
}

// writeGold writes a small gold set: functionality A (violating), B
// (protected), and a spelling variant in the train split whose source is a
// test item of A.
func writeGold(t *testing.T) string {
	t.Helper()
	items := []gold.Item{
		{ID: "ig-a-001", Text: "قذر واحد", Labels: []string{"hate"}, Functionality: "a"},
		{ID: "ig-a-002", Text: "قذر اثنين", Labels: []string{"hate"}, Functionality: "a"},
		{ID: "ig-a-003", Text: "قذر واحد!!", Labels: []string{"hate"}, Functionality: "a"},
		{ID: "ig-a-004", Text: "قذر ثلاثة!", Labels: []string{"hate"}, Functionality: "a"},
		{ID: "ig-s-001", Text: "قذر ثلاثة", Labels: []string{"hate"}, Functionality: "s", Template: "ig-a-004"},
		{ID: "ig-b-001", Text: "ورد جميل", Labels: []string{}, Functionality: "b"},
		{ID: "ig-b-002", Text: "ورد جميل اليوم", Labels: []string{}, Functionality: "b"},
		{ID: "ig-b-003", Text: "ورد احمر", Labels: []string{}, Functionality: "b"},
	}
	splits := map[string]string{
		"ig-a-001": gold.Train, "ig-a-002": gold.Dev, "ig-a-003": gold.Test, "ig-a-004": gold.Test,
		"ig-s-001": gold.Train, "ig-b-001": gold.Train, "ig-b-003": gold.Dev, "ig-b-002": gold.Test,
	}
	dir := t.TempDir()
	if err := gold.Write(dir, items, splits); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunHoldsOutFunctionalityAndItsVariants(t *testing.T) {
	g := writeGold(t)
	tr := &memoriser{trains: map[string][]string{}, valids: map[string][]string{}}
	res, err := Run(context.Background(), Options{Gold: g, Work: t.TempDir(), Jobs: 2, Recipe: "--x"}, tr, openMemoriser)
	if err != nil {
		t.Fatal(err)
	}
	want := []models.LOFOFunctionality{
		// Trained on, both test items of a contain a training text; held
		// out, neither does (the variant ig-s-001 left with its source).
		{Name: "a", Expect: "violating", Items: 2, HeldOut: 5, Seen: 2, Unseen: 0},
		{Name: "b", Expect: "non-violating", Items: 1, HeldOut: 3, Seen: 1, Unseen: 1},
	}
	if !slices.Equal(res.Functionalities, want) {
		t.Fatalf("rows %+v, want %+v", res.Functionalities, want)
	}
	if res.Seen != 1 || res.Unseen != 0.5 || res.Recipe != "--x" || res.Rule != eval.FunctionalRule {
		t.Fatalf("summary seen %v unseen %v recipe %q", res.Seen, res.Unseen, res.Recipe)
	}
	if got := tr.trains["lofo-a"]; !slices.Equal(got, []string{"ورد جميل"}) {
		t.Fatalf("fold a trained on %q", got)
	}
	if got := tr.valids["lofo-a"]; !slices.Equal(got, []string{"ورد احمر"}) {
		t.Fatalf("fold a validated on %q", got)
	}
	if got := tr.trains["lofo-every"]; len(got) != 3 {
		t.Fatalf("the model on every functionality trained on %q", got)
	}
	for name, texts := range tr.trains {
		for _, x := range texts {
			for _, it := range readJSONL(filepath.Join(g, "test.jsonl")) {
				if x == it.Text {
					t.Fatalf("%s trained on test item %s", name, it.ID)
				}
			}
		}
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	g := writeGold(t)
	tr := &memoriser{trains: map[string][]string{}, valids: map[string][]string{}}
	if _, err := Run(context.Background(), Options{Gold: g, Work: t.TempDir(), Jobs: 1, Only: []string{"zzz"}}, tr, openMemoriser); err == nil || !strings.Contains(err.Error(), `"zzz"`) {
		t.Fatalf("unknown functionality: %v", err)
	}
	if _, err := Run(context.Background(), Options{Gold: g, Work: t.TempDir(), Jobs: 0}, tr, openMemoriser); err == nil {
		t.Fatal("accepted 0 jobs")
	}
	if _, err := Run(context.Background(), Options{Gold: t.TempDir(), Work: t.TempDir(), Jobs: 1}, tr, openMemoriser); err == nil {
		t.Fatal("accepted a directory without a gold set")
	}
	res, err := Run(context.Background(), Options{Gold: g, Work: t.TempDir(), Jobs: 1, Only: []string{"b"}}, tr, openMemoriser)
	if err != nil || len(res.Functionalities) != 1 || res.Functionalities[0].Name != "b" {
		t.Fatalf("--only b: %+v, %v", res, err)
	}
}
