package models

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/nlp"
)

// plainExtract computes the features the plain way (each token decoded
// twice, once for its word hash and once for its character n-grams), which
// ExtractTokens must reproduce exactly: the trained models depend on it.
func plainExtract(cfg FeatureConfig, normalized string) (ids []int64, counts []float32) {
	mask := uint32(cfg.Buckets - 1)
	index := map[uint32]int{}
	add := func(h uint32) {
		b := mix(h) & mask
		if i, ok := index[b]; ok {
			counts[i]++
			return
		}
		if len(ids) >= cfg.MaxFeatures {
			return
		}
		index[b] = len(ids)
		ids = append(ids, int64(b))
		counts = append(counts, 1)
	}
	toks := nlp.ModelTokens(normalized)
	var words []uint32
	for _, t := range toks {
		h := uint32(seedWord)
		for _, r := range t {
			h = (h ^ uint32(r)) * fnvPrime
		}
		words = append(words, h)
	}
	for n := 1; n <= cfg.WordMax; n++ {
		for i := 0; i+n <= len(words); i++ {
			h := uint32(fnvOffset) ^ uint32(n)
			for _, w := range words[i : i+n] {
				h = (h ^ w) * fnvPrime
			}
			add(h)
		}
	}
	for _, t := range toks {
		if cfg.CharMax == 0 || t == "<url>" || t == "<user>" {
			continue
		}
		rs := append(append([]rune{' '}, []rune(t)...), ' ')
		for i := range rs {
			h := uint32(seedChar)
			for n := 1; n <= cfg.CharMax && i+n <= len(rs); n++ {
				h = (h ^ uint32(rs[i+n-1])) * fnvPrime
				if n >= cfg.CharMin && !(n == 1 && rs[i] == ' ') {
					add(h ^ uint32(n)<<24)
				}
			}
		}
	}
	for i, c := range counts {
		if c > 1 {
			counts[i] = 1 + float32(math.Log(float64(c)))
		}
	}
	return ids, counts
}

func TestExtractMatchesPlainComputation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"الروافض", "جرذان", "اقتلوهم", "گلب", "چاي", "داعش", "و", "ال", "7abibi", "3ala", "😡", "🇮🇶",
		"https://t.co/x", "@user", "#تشرين", "2019", "٢٠١٩", "é", "\xff\xfe", "ـــ", "ﻻ", "a", "", "وبالروافض"}
	cfgs := []FeatureConfig{DefaultFeatures(), {Buckets: 1 << 10, CharMin: 1, CharMax: 3, WordMax: 3, MaxFeatures: 40}}
	// One extractor per setting serves every text, as in scoring: its table
	// is sized to each post and holds slots of the posts before.
	exs := make([]*Extractor, len(cfgs))
	for i, cfg := range cfgs {
		exs[i] = NewExtractor(cfg)
	}
	var nonEmpty int
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			b.WriteString([]string{" ", "", "،", "\n", "."}[rng.IntN(5)])
		}
		norm := nlp.Normalize(b.String())
		for i, cfg := range cfgs {
			e := exs[i]
			e.Extract(norm)
			ids, counts := plainExtract(cfg, norm)
			if !slices.Equal(e.IDs, ids) || !slices.Equal(e.Counts, counts) {
				t.Fatalf("%q (%v): ids %v counts %v, plain %v %v", norm, cfg, e.IDs, e.Counts, ids, counts)
			}
			if len(ids) > 0 {
				nonEmpty++
			}
		}
	}
	if nonEmpty < 3000 {
		t.Fatalf("only %d texts had features; the test checks too little", nonEmpty)
	}
}

// TestScopeFeatures checks what the scope features add: nothing when off;
// when on, one feature per quoted word and per quoted span, one per word in
// a negation's window, none for apostrophes inside Arabizi words.
func TestScopeFeatures(t *testing.T) {
	off := FeatureConfig{Buckets: 1 << 20, CharMin: 2, CharMax: 4, WordMax: 1, MaxFeatures: 1000}
	on := off
	on.QuoteScope, on.NegationScope = true, true
	extra := func(text string) []int64 {
		t.Helper()
		norm := nlp.Normalize(text)
		a, b := NewExtractor(off), NewExtractor(on)
		a.Extract(norm)
		b.Extract(norm)
		if !slices.Equal(a.IDs, b.IDs[:len(a.IDs)]) {
			t.Fatalf("%q: scope features must come after the plain ones, which stay as they were", text)
		}
		return slices.Clone(b.IDs[len(a.IDs):])
	}
	if got := extra("الكرد خونة والشيعة صفويين"); len(got) != 0 {
		t.Errorf("no quote and no negation: %d scope features", len(got))
	}
	quoted := extra(`واحد كتب «الكرد خونة» ورديت عليه`)
	if len(quoted) != 3 { // the span, الكرد, خونه
		t.Errorf("«الكرد خونة»: %d scope features, want 3", len(quoted))
	}
	if again := extra(`واحد كتب "الكرد خونة" ورديت عليه`); !slices.Equal(again, quoted) {
		t.Errorf("straight quotes mark the same words as guillemets: %v vs %v", again, quoted)
	}
	if got := extra(`gal 'el kurd 5wana' w radait`); len(got) != 4 { // the span and three words
		t.Errorf("single quotes around words: %d scope features, want 4", len(got))
	}
	if got := extra(`ta'adhamun wyak ya 3ali`); len(got) != 0 {
		t.Errorf("an apostrophe inside an Arabizi word opened a quote: %d scope features", len(got))
	}
	neg := extra("الكرد مو خونة ولا عملاء ابد ابد")
	// مو: خونه، ولا، عملاء (3); ولا is not لا, so nothing more.
	if len(neg) != 3 {
		t.Errorf("negation: %d scope features, want 3", len(neg))
	}
	asserted := NewExtractor(on)
	asserted.Extract(nlp.Normalize("الكرد خونة"))
	if slices.Contains(asserted.IDs, quoted[1]) || slices.Contains(asserted.IDs, quoted[2]) {
		t.Errorf("a quoted word's scope feature equals a plain feature of the word")
	}
}

func TestQuoteAndNegationScopesAreSeparate(t *testing.T) {
	cfg := FeatureConfig{Buckets: 1 << 20, CharMin: 2, CharMax: 4, WordMax: 1, MaxFeatures: 1000}
	count := func(quote, neg bool, text string) int {
		c := cfg
		c.QuoteScope, c.NegationScope = quote, neg
		e := NewExtractor(c)
		e.Extract(nlp.Normalize(text))
		return len(e.IDs)
	}
	text := `كتب «الكرد خونة» والكرد مو خونة`
	plain := count(false, false, text)
	if q, n, both := count(true, false, text)-plain, count(false, true, text)-plain, count(true, true, text)-plain; q != 3 || n != 1 || both != 4 {
		t.Errorf("scope features: quotes %d, negation %d, both %d; want 3, 1, 4", q, n, both)
	}
}
