package models

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

func TestLexiconMatch(t *testing.T) {
	lx, err := DefaultLexicon()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text string
		want       string // "term/category" of each match, space-separated
	}{
		{"plain slur", "هؤلاء روافض", "روافض/sectarian_slur"},
		{"clitic و+ال", "والروافض كلهم", "روافض/sectarian_slur"},
		{"clitic بال", "بالدواعش", "دواعش/organisation"},
		{"multi-word organisation", "بيان الدولة الاسلامية اليوم", "الدولة الاسلامية/organisation"},
		{"bare state is not matched", "الدولة فاشلة والحكومة فاسدة", ""},
		{"tribal threat phrase", "صارت دكة عشائرية البارحة", "دكة عشائرية/tribal_threat"},
		{"violent verb", "اقتلوهم وين ما تلكوهم", "اقتلوهم/violent_verb"},
		{"no partial word", "داعشستان", ""},
		{"several", "جرذان وحشرات", "جرذان/dehumanising حشرات/dehumanising"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			norm := nlp.Normalize(tc.text)
			var got []string
			for _, m := range lx.Match(norm, nil) {
				got = append(got, m.Entry.Term+"/"+m.Entry.Category)
				if m.Start < 0 || m.End > len(norm) || m.Start >= m.End {
					t.Errorf("bad range %d..%d in %q", m.Start, m.End, norm)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("matches in %q (normalised % x) = %q, want %q", tc.text, norm, g, tc.want)
			}
		})
	}
	dense := make([]float32, len(lx.Categories))
	lx.Dense(lx.Match(nlp.Normalize("جرذان حشرات داعش"), nil), dense)
	var nonzero int
	for _, v := range dense {
		if v > 0 {
			nonzero++
		}
	}
	if nonzero != 2 {
		t.Errorf("dense = %v, want two categories set", dense)
	}
}

func TestLexiconFilesAreDocumented(t *testing.T) {
	lx, err := DefaultLexicon()
	if err != nil {
		t.Fatal(err)
	}
	if len(lx.Categories) != 5 || len(lx.Entries) < 40 {
		t.Errorf("categories %v, %d entries", lx.Categories, len(lx.Entries))
	}
	for _, e := range lx.Entries {
		if e.Note == "" || e.Label == "" || e.Dialect == "" {
			t.Errorf("entry %q is not documented: %+v", e.Term, e)
		}
	}
	header := "# lexicon: x\n# label: hate\n# source: s\n# licence: l\n# applies: after normalising\n"
	for _, tc := range []struct{ name, body, want string }{
		{"missing header", "# lexicon: x\nكلمة\tall\tnote\n", "header line"},
		{"two fields", header + "كلمة\tall\n", "want 3 tab-separated fields"},
		{"bad dialect", header + "كلمة\tmars\tnote\n", "dialect"},
		{"no note", header + "كلمة\tall\t\n", "no note"},
		{"duplicate", header + "كلمة\tall\tn\nكلمة\tall\tn\n", "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLexicons(fstest.MapFS{"l/x.tsv": {Data: []byte(tc.body)}}, "l")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "l/x.tsv:") {
				t.Errorf("err = %v, want file:line and %q", err, tc.want)
			}
		})
	}
}

// plainMatch is Match written the plain way (every clitic tried on every
// word, runes counted), which the fast scan must agree with.
func plainMatch(lx *Lexicon, normalized string) []LexMatch {
	var words []span
	start := -1
	for i, r := range normalized {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			words = append(words, span{start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, span{start: start, end: len(normalized)})
	}
	var out []LexMatch
	for wi, w := range words {
		word := normalized[w.start:w.end]
		if len(word) < 2 {
			continue
		}
	prefixes:
		for _, pre := range clitics {
			rest, ok := strings.CutPrefix(word, pre)
			if !ok || utf8.RuneCountInString(rest) < 2 {
				continue
			}
			cands := lx.byFirst[rest]
			if pre == "لل" || pre == "ولل" {
				cands = append(slices.Clone(cands), lx.byFirst["ال"+rest]...)
			}
			for _, ei := range cands {
				e := &lx.Entries[ei]
				if wi+len(e.words) > len(words) {
					continue
				}
				ok := true
				for k := 1; k < len(e.words); k++ {
					if normalized[words[wi+k].start:words[wi+k].end] != e.words[k] {
						ok = false
						break
					}
				}
				if ok {
					out = append(out, LexMatch{Start: w.start, End: words[wi+len(e.words)-1].end, Entry: e})
					break prefixes
				}
			}
		}
	}
	return out
}

func TestLexiconMatchAgreesWithPlainScan(t *testing.T) {
	lx, err := DefaultLexicon()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fillers := []string{"و", "ال", "في", "x", "2", "😡", "#وسم", "abc", "ـ", "گلب", "!", "ا", "لل", "بال"}
	var hits int
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			if rng.IntN(2) == 0 {
				e := lx.Entries[rng.IntN(len(lx.Entries))]
				b.WriteString(clitics[rng.IntN(len(clitics))] + strings.Join(e.words, " "))
			} else {
				b.WriteString(fillers[rng.IntN(len(fillers))])
			}
			b.WriteString([]string{" ", "،", ".", "\n", ""}[rng.IntN(5)])
		}
		norm := nlp.Normalize(b.String())
		got, want := lx.Match(norm, nil), plainMatch(lx, norm)
		if !slices.Equal(got, want) {
			t.Fatalf("in %q: Match = %v, plain scan = %v", norm, got, want)
		}
		hits += len(got)
	}
	if hits < 1000 {
		t.Fatalf("only %d matches in the generated texts; the test checks too little", hits)
	}
}
