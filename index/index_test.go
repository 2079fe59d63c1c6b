package index

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/rasd-iq/rasd/nlp"
)

var day = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

func sampleDocs() []Doc {
	return []Doc{
		{ID: "t:1", Text: "الدولة باقية و د.ا.ع.ش راجعين", Platform: "telegram", Source: "ch1", Governorate: "nineveh",
			Created: day, Labels: []string{"terrorism"}, MaxScore: 0.91},
		{ID: "x:2", Text: "خبر: القبض على خلية داعش في الانبار", Platform: "x", Source: "news", Governorate: "anbar",
			Created: day.Add(-48 * time.Hour), Context: []string{"news_report"}, MaxScore: 0.4},
		{ID: "x:3", Text: "شلونكم اليوم؟ الجو حار بالبصرة", Platform: "x", Source: "chat", Governorate: "basra",
			Created: day.Add(-24 * time.Hour), MaxScore: 0.01},
		{ID: "t:4", Text: "گال راح نجي للدكة", Platform: "telegram", Source: "ch2", Governorate: "maysan",
			Created: day.Add(-72 * time.Hour), Labels: []string{"threat"}, MaxScore: 0.8},
	}
}

func openTest(t *testing.T, dir string) *Index {
	t.Helper()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	if err := x.Put(sampleDocs()...); err != nil {
		t.Fatal(err)
	}
	return x
}

func ids(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchFindsObfuscatedAndDialectSpellings(t *testing.T) {
	x := openTest(t, "")
	tests := []struct {
		name, q string
		want    []string
	}{
		{"plain query finds dotted spelling and plain spelling", "داعش", []string{"t:1", "x:2"}},
		{"dotted query finds both too", "د.ا.ع.ش", []string{"t:1", "x:2"}},
		{"qaf query finds gaf spelling", "قال", []string{"t:4"}},
		{"no match", "كهرباء", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := x.Search(context.Background(), Query{Text: tt.q, Sort: "score"})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(r)
			if len(got) != len(tt.want) || int(r.Total) != len(tt.want) {
				t.Fatalf("query %q: got %v (total %d), want %v", tt.q, got, r.Total, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("query %q: got %v, want %v (sorted by score)", tt.q, got, tt.want)
				}
			}
		})
	}
}

func TestHighlightsPointIntoOriginalText(t *testing.T) {
	tests := []struct {
		name, text, query string
		want              []string
	}{
		{"dotted spelling found by plain query", "الدولة باقية و د.ا.ع.ش راجعين", "داعش", []string{"د.ا.ع.ش"}},
		{"gaf spelling found by qaf query", "گال راح نجي للدكة", "قال", []string{"گال"}},
		{"two words, diacritics kept in the original", "قُتِلَ الرجلُ ثم قتل", "قتل", []string{"قُتِلَ", "قتل"}},
		{"no match", "الجو حار", "داعش", nil},
		{"empty query", "الجو حار", "  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range Highlights(tt.text, tt.query) {
				got = append(got, tt.text[r.Start:r.End])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Highlights(%q, %q) marks %q, want %q", tt.text, tt.query, got, tt.want)
			}
		})
	}
}

func TestFiltersFacetsAndSort(t *testing.T) {
	x := openTest(t, "")
	ctx := context.Background()
	r, err := x.Search(ctx, Query{Labels: []string{"terrorism", "threat"}, Sort: "score"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 2 || got[0] != "t:1" || got[1] != "t:4" {
		t.Errorf("label filter sorted by score: got %v", got)
	}
	r, err = x.Search(ctx, Query{Sort: "time"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 4 || got[0] != "t:1" || got[3] != "t:4" {
		t.Errorf("sort by time: got %v", got)
	}
	if r.Facets["platform"]["telegram"] != 2 || r.Facets["platform"]["x"] != 2 || r.Facets["governorate"]["basra"] != 1 {
		t.Errorf("facets: %v", r.Facets)
	}
	// Dates filter by whole UTC days, both ends included; scores to three
	// decimals, both ends included.
	r, err = x.Search(ctx, Query{MinScore: 0.5, From: day.Add(-80 * time.Hour), To: day.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 1 || got[0] != "t:4" {
		t.Errorf("score and date range: got %v", got)
	}
	r, err = x.Search(ctx, Query{MinScore: 0.8, MaxScore: 0.8, From: day.Add(-72 * time.Hour), To: day.Add(-72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 1 || got[0] != "t:4" {
		t.Errorf("bounds equal to the post's score and day: got %v", got)
	}
	r, err = x.Search(ctx, Query{MinScore: 0.801, From: day.Add(-72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 1 || got[0] != "t:1" {
		t.Errorf("score just above t:4's: got %v", got)
	}
	r, err = x.Search(ctx, Query{Governorate: "anbar"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(r); len(got) != 1 || got[0] != "x:2" {
		t.Errorf("governorate filter: got %v", got)
	}
}

func TestBadQueriesAreRejected(t *testing.T) {
	x := openTest(t, "")
	for _, q := range []Query{
		{Sort: "random"},
		{MinScore: 0.9, MaxScore: 0.1},
		{MinScore: 2},
		{From: day, To: day.Add(-time.Hour)},
		{Offset: -1},
	} {
		if _, err := x.Search(context.Background(), q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("query %+v: got %v, want ErrBadQuery", q, err)
		}
	}
}

func TestReindexingIsIdempotentAndPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs := sampleDocs()
	for range 3 {
		if err := x.Put(docs...); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := x.Count(); n != uint64(len(docs)) {
		t.Fatalf("after three puts: %d docs, want %d", n, len(docs))
	}
	if err := x.Delete("x:3"); err != nil {
		t.Fatal(err)
	}
	x.Close()
	x, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if n, _ := x.Count(); n != uint64(len(docs)-1) {
		t.Fatalf("after reopen: %d docs, want %d", n, len(docs)-1)
	}
}

func TestScoreKeysSortLikeScores(t *testing.T) {
	scores := []float64{-1, 0, 0.0004, 0.001, 0.01, 0.099, 0.1, 0.5, 0.9999, 1, 2}
	for i := 1; i < len(scores); i++ {
		a, b := scoreKey(scores[i-1]), scoreKey(scores[i])
		if len(a) != 5 || len(b) != 5 || a > b {
			t.Errorf("scoreKey(%g)=%q, scoreKey(%g)=%q: want fixed width and same order", scores[i-1], a, scores[i], b)
		}
	}
	if scoreKey(0.4999) == scoreKey(0.5) {
		t.Errorf("0.4999 and 0.5 share a key %q", scoreKey(0.5))
	}
}

func TestOlderIndexFormatIsRebuilt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Put(Doc{ID: "a", Text: "نص", Created: day}); err != nil {
		t.Fatal(err)
	}
	if err := x.bi.SetInternal(formatKey, []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	x, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if n, err := x.Count(); err != nil || n != 0 {
		t.Fatalf("index in format 1 reopened with %d docs (err %v), want a fresh empty index", n, err)
	}
	if v, err := x.bi.GetInternal(formatKey); err != nil || string(v) != FormatVersion {
		t.Errorf("format after rebuild: %q, %v", v, err)
	}
}

func TestNormalizedTextIndexesLikeTheOriginal(t *testing.T) {
	texts := []string{"الدولة باقية و د.ا.ع.ش راجعين", "گال راح نجي للدكة 7aram #بغداد_تنتفض @user https://x.com/a 😡 ١٢٣", ""}
	for _, text := range texts {
		raw := normalizingTokenizer{n: nlp.New(nlp.DefaultOptions())}.Tokenize([]byte(text))
		want := analysis.TokenFrequency(raw, nil, bindex.IndexField)
		norm := nlp.Normalize(text)
		pre := textField("text", norm, nlp.Tokenize(norm), bindex.IndexField)
		if pre.AnalyzedLength() != len(raw) {
			t.Fatalf("%q: %d tokens from the original, %d from its normalised form", text, len(raw), pre.AnalyzedLength())
		}
		got := pre.AnalyzedTokenFrequencies()
		if len(got) != len(want) {
			t.Fatalf("%q: %d distinct terms from the original, %d from its normalised form", text, len(want), len(got))
		}
		for term, tf := range want {
			if g := got[term]; g == nil || g.Frequency() != tf.Frequency() || string(g.Term) != term {
				t.Errorf("%q term %q: %+v from the original, %+v from its normalised form", text, term, tf, g)
			}
		}
	}
	x := openTest(t, "")
	text := "الدولة باقية و د.ا.ع.ش راجعين"
	if err := x.Put(Doc{ID: "n:1", Text: text, Normalized: nlp.Normalize(text), Created: day}); err != nil {
		t.Fatal(err)
	}
	r, err := x.Search(context.Background(), Query{Text: "داعش"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids(r), "n:1") {
		t.Errorf("doc indexed from its normalised text not found: %v", ids(r))
	}
}

func TestDocTokensIndexLikeTheText(t *testing.T) {
	text := "گال راح نجي للدكة #بغداد_تنتفض @user https://x.com/a"
	norm := nlp.Normalize(text)
	x := openTest(t, "")
	if err := x.Put(Doc{ID: "a", Text: text, Created: day}, Doc{ID: "b", Text: text, Normalized: norm, Tokens: nlp.Tokenize(norm), Created: day}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"للدكة", "بغداد", "قال", "تنتفض"} {
		r, err := x.Search(context.Background(), Query{Text: q, Sort: "time"})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(r); !slices.Contains(got, "a") || !slices.Contains(got, "b") {
			t.Errorf("%q: hits %v, want both posts a and b", q, got)
		}
	}
}
