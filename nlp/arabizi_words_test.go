package nlp_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/nlp"
)

// arabiziWordSources are the texts nlp/data/arabizi-words.txt is built
// from: the project's own training sets (every word) and realtweets' train
// split (words seen at least twice), never a split that measures models.
var arabiziWordSources = []struct {
	path     string // under the module root; "$DATASETS/" for the shared datasets
	minCount int
}{
	{"eval/data/iraqi-train/train.jsonl", 1},
	{"eval/data/msa-gulf-train/train.jsonl", 1},
	{"eval/data/iraqi-gold/train.jsonl", 1},
	{"$DATASETS/realtweets/train.jsonl", 2},
}

// arabicScript normalises as the models do but keeps Arabizi in Latin
// letters: the list holds words written in Arabic script, not the letter
// rules' spellings of the Arabizi posts among its sources ("jama3a" is no
// evidence that جاماعا is a word).
var arabicScript = nlp.New(nlp.Options{KeepArabizi: true})

// buildArabiziWords returns the word list's lines from its sources, or
// ok false when a shared source is absent.
func buildArabiziWords(t *testing.T) (string, bool) {
	counts := map[string]int{}
	keep := map[string]bool{}
	for _, s := range arabiziWordSources {
		path := filepath.Join("..", s.path)
		if rest, ok := strings.CutPrefix(s.path, "$DATASETS/"); ok {
			path = filepath.Join(evaltest.DatasetsDir(t), rest)
			if _, err := os.Stat(path); err != nil {
				return "", false
			}
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("word list source: %v", err)
		}
		own := map[string]int{}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var it struct{ Text string }
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, w := range arabicWords(arabicScript.Normalize(it.Text)) {
				if utf8.RuneCountInString(w) > 1 && w != "ال" { // not a letter or the article alone
					own[w]++
				}
			}
		}
		f.Close()
		for w, c := range own {
			counts[w] += c
			if c >= s.minCount {
				keep[w] = true
			}
		}
	}
	words := make([]string, 0, len(keep))
	for w := range keep {
		words = append(words, w)
	}
	slices.Sort(words)
	var b strings.Builder
	for _, w := range words {
		fmt.Fprintf(&b, "%s %d\n", w, counts[w])
	}
	return b.String(), true
}

// arabicWords splits normalised text into its runs of Arabic letters.
func arabicWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < 'ء' || r > 'ي' })
}

// TestArabiziWordsCurrent checks that the embedded word list is the one its
// sources give with the current normaliser; RASD_REGENERATE=1 rewrites it.
func TestArabiziWordsCurrent(t *testing.T) {
	want, ok := buildArabiziWords(t)
	if !ok {
		t.Skip("the shared datasets are absent: the word list cannot be rebuilt here")
	}
	const file = "data/arabizi-words.txt"
	if os.Getenv("RASD_REGENERATE") != "" {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with its sources; run RASD_REGENERATE=1 go test ./nlp -run TestArabiziWordsCurrent", file)
	}
}

func TestWordCount(t *testing.T) {
	if n := nlp.WordCount("الله"); n < 100 {
		t.Errorf("WordCount(الله) = %d, want a word the sets write often", n)
	}
	if n := nlp.WordCount("اليههود"); n != 0 {
		t.Errorf("WordCount(اليههود) = %d, want 0 for a slip", n)
	}
}
