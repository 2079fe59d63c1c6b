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
