package dedup

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/nlp"
)

func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for tok := range tokens(nlp.Normalize(stripHashtags(s))) {
		if !volatile(tok) {
			set[tok] = true
		}
	}
	return set
}

// TestNearDuplicatesOnArabicCorpora runs the public Arabic tweet corpora
// through the index and checks that every near duplicate it reports shares
// most of its words with its canonical post: the SimHash threshold finds
// copies, not posts that merely look alike.
func TestNearDuplicatesOnArabicCorpora(t *testing.T) {
	dir := evaltest.DatasetsDir(t)
	var texts []string
	for _, f := range []string{"osact2020/train.jsonl", "lhsab/train.jsonl", "mlma/train.jsonl"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Skipf("data sets not available: %v", err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var item struct{ Text string }
			if err := json.Unmarshal(sc.Bytes(), &item); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			texts = append(texts, item.Text)
		}
		fh.Close()
	}
	x := NewIndex(Options{})
	byID := map[string]string{}
	near := 0
	for i, text := range texts {
		id := "c:" + string(rune('a'+i%26)) + string(rune(i))
		byID[id] = text
		res, _ := x.Observe(id, text)
		if res.Kind != NearDuplicate {
			continue
		}
		near++
		a, b := wordSet(byID[res.Canonical]), wordSet(text)
		inter := 0
		for w := range a {
			if b[w] {
				inter++
			}
		}
		union := len(a) + len(b) - inter
		if j := float64(inter) / float64(union); j < 0.5 {
			t.Errorf("near duplicate at distance %d shares only %.0f%% of words:\n  %q\n  %q", res.Distance, 100*j, byID[res.Canonical], text)
		}
	}
	t.Logf("%d texts, %d near duplicates", len(texts), near)
	if near < 20 {
		t.Fatalf("only %d near duplicates found in %d tweets with retweets and truncations", near, len(texts))
	}
}
