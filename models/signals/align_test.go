package signals

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/nlp"
)

// TestAlignAgreesWithOffsets checks the fast span mapping against the
// normaliser's own offsets on every word of the bundled and gold posts:
// the starts must agree and the end must cover the word.
func TestAlignAgreesWithOffsets(t *testing.T) {
	files, _ := filepath.Glob("../../eval/data/iraqi-gold/items/*.jsonl")
	files = append(files, "../../examples/sample-posts.jsonl")
	texts := []string{"الوزيرُ فاااشل #نريد_وطن Kak Rebwar ٠٧٧٠١٢٣٤٥٦٧ ـــالله"}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var it struct{ Text string }
			if json.Unmarshal(sc.Bytes(), &it) == nil {
				texts = append(texts, it.Text)
			}
		}
		fh.Close()
	}
	aligned := 0
	for _, text := range texts {
		r := nlp.NormalizeWithOffsets(text)
		offs, ok := align(text, r.Text, len(r.Text), nil)
		if !ok {
			continue
		}
		aligned++
		sp := spans{orig: text, offs: offs}
		for _, tok := range nlp.Tokenize(r.Text) {
			s, e := sp.original(tok.Start, tok.End)
			ws, we := r.OriginalRange(tok.Start, tok.End)
			if s != ws || e < we {
				t.Fatalf("%q: word %q maps to [%d,%d) %q, normaliser says [%d,%d) %q", text, tok.Text, s, e, text[s:e], ws, we, text[ws:we])
			}
		}
	}
	if aligned < len(texts)/2 {
		t.Fatalf("only %d of %d posts aligned without the normaliser's offsets", aligned, len(texts))
	}
}
