package models

import (
	"fmt"
	"math"

	"github.com/rasd-iq/rasd/nlp"
)

// FeatureConfig sets how normalised text becomes hashed n-gram features.
//
// Word n-grams (1..WordMax) are taken over nlp.ModelTokens; character
// n-grams (CharMin..CharMax runes) are taken inside each word padded with a
// space on both sides, so that n-grams mark word starts and ends. Every
// n-gram is hashed (FNV-1a over runes, one seed per kind) into Buckets
// buckets; a post keeps at most MaxFeatures distinct buckets, in order of
// first occurrence, each with its sublinear count 1+ln(count).
type FeatureConfig struct {
	// Buckets is the number of hash buckets, a power of two.
	Buckets int `json:"buckets"`
	// CharMin and CharMax bound the character n-gram lengths (0 disables).
	CharMin int `json:"char_min"`
	CharMax int `json:"char_max"`
	// WordMax is the longest word n-gram (0 disables word features).
	WordMax int `json:"word_max"`
	// MaxFeatures caps the distinct features of one post.
	MaxFeatures int `json:"max_features"`
	// ArabiziReading makes the features (n-grams and lexicon inputs) of a
	// post written in Arabizi read its Arabic reading (nlp.ReadArabizi)
	// instead of its Latin letters, so that what the model learnt from
	// Arabic script applies to it. Models trained before it have it off.
	ArabiziReading bool `json:"arabizi_reading,omitempty"`
	// ArabiziWords, with ArabiziReading, reads an Arabizi post with
	// nlp.ReadArabiziWords, which spells each Latin word as the common
	// Arabic word it most likely stands for, instead of nlp.ReadArabizi's
	// letter rules. Models trained before it have it off.
	ArabiziWords bool `json:"arabizi_words,omitempty"`
	// QuoteScope adds, for every word inside quotation marks, a copy of
	// its word feature marked as quoted, and NegationScope for the words
	// just after a negation one marked as negated (see Extractor.scoped),
	// so that a quoted or negated slur can weigh differently from the same
	// slur asserted. Models trained before them have them off.
	QuoteScope    bool `json:"quote_scope,omitempty"`
	NegationScope bool `json:"negation_scope,omitempty"` // see QuoteScope
}

// ModelText returns the text the features read for a post: its Arabic
// reading when ArabiziReading is on and the post is written in Arabizi
// (guided by the word list with ArabiziWords), else norm, the post's
// normalisation (computed here when "").
func (c FeatureConfig) ModelText(text, norm string) string {
	if c.ArabiziReading {
		read := nlp.ReadArabizi
		if c.ArabiziWords {
			read = nlp.ReadArabiziWords
		}
		if r := read(text); r != nil {
			return r.Text
		}
	}
	if norm == "" {
		norm = nlp.Normalize(text)
	}
	return norm
}

// DefaultFeatures returns the feature settings of the default model.
func DefaultFeatures() FeatureConfig {
	return FeatureConfig{Buckets: 1 << 18, CharMin: 2, CharMax: 5, WordMax: 2, MaxFeatures: 1500, ArabiziReading: true, ArabiziWords: true}
}

// Validate checks the settings.
func (c FeatureConfig) Validate() error {
	switch {
	case c.Buckets < 2 || c.Buckets&(c.Buckets-1) != 0:
		return fmt.Errorf("features: buckets %d is not a power of two", c.Buckets)
	case c.CharMin < 0 || c.CharMax < c.CharMin || c.CharMax > 8:
		return fmt.Errorf("features: bad character n-gram range %d..%d", c.CharMin, c.CharMax)
	case c.WordMax < 0 || c.WordMax > 3:
		return fmt.Errorf("features: word n-gram length %d is outside 0..3", c.WordMax)
	case c.CharMax == 0 && c.WordMax == 0:
		return fmt.Errorf("features: no features enabled")
	case c.MaxFeatures < 1:
		return fmt.Errorf("features: max_features must be positive")
	}
	return nil
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
	seedWord  = 0x9e3779b9
	seedChar  = 0x85ebca6b
)

// mix finalises a hash (murmur3 fmix32).
func mix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// Extractor turns normalised text into feature ids and weights. It keeps
// scratch buffers, so one Extractor must not be used by two goroutines at once.
type Extractor struct {
	cfg   FeatureConfig
	mask  uint32
	slots []slot
	gen   uint32
	runes []rune
	at    []int
	words []uint32
	toks  []string

	// IDs and Counts hold the last Extract result (distinct buckets, in order of first occurrence).
	IDs    []int64
	Counts []float32
}

type slot struct {
	key, gen uint32
	idx      int32
}

// NewExtractor returns an Extractor for cfg, which must be valid.
func NewExtractor(cfg FeatureConfig) *Extractor {
	n := 1
	for n < 4*cfg.MaxFeatures {
		n <<= 1
	}
	return &Extractor{cfg: cfg, mask: uint32(cfg.Buckets - 1), slots: make([]slot, n)}
}

// add records one occurrence of hash h.
func (e *Extractor) add(h uint32) {
	b := mix(h) & e.mask
	m := uint32(len(e.slots) - 1)
	for i := (b * 0x9e3779b1) & m; ; i = (i + 1) & m {
		s := &e.slots[i]
		if s.gen != e.gen {
			if len(e.IDs) >= e.cfg.MaxFeatures {
				return
			}
			*s = slot{key: b, gen: e.gen, idx: int32(len(e.IDs))}
			e.IDs = append(e.IDs, int64(b))
			e.Counts = append(e.Counts, 1)
			return
		}
		if s.key == b {
			e.Counts[s.idx]++
			return
		}
	}
}

// Extract computes the features of normalised text into e.IDs and e.Counts;
// Counts are turned into sublinear term frequencies 1+ln(count).
func (e *Extractor) Extract(normalized string) {
	e.ExtractTokens(normalized, nlp.Tokenize(normalized))
}

// ExtractTokens is Extract for normalised text and its tokens
// (nlp.Tokenize(normalized)), for a caller that has them already.
func (e *Extractor) ExtractTokens(normalized string, tokens []nlp.Token) {
	e.IDs, e.Counts = e.IDs[:0], e.Counts[:0]
	e.gen++
	if e.gen == 0 { // wrapped: clear so stale generations cannot match
		clear(e.slots)
		e.gen = 1
	}
	e.toks = nlp.AppendModelTokens(e.toks[:0], tokens)
	toks := e.toks
	// Each token's runes are decoded once, padded with a space on both
	// sides for the character n-grams: token k is e.runes[e.at[k]:e.at[k+1]].
	e.runes, e.at, e.words = e.runes[:0], e.at[:0], e.words[:0]
	for _, t := range toks {
		e.at = append(e.at, len(e.runes))
		e.runes = append(e.runes, ' ')
		h := uint32(seedWord)
		for i := 0; i < len(t); {
			r, size := nlp.DecodeRune(t, i)
			h = (h ^ uint32(r)) * fnvPrime
			e.runes = append(e.runes, r)
			i += size
		}
		e.runes = append(e.runes, ' ')
		e.words = append(e.words, h)
	}
	e.at = append(e.at, len(e.runes))
	for n := 1; n <= e.cfg.WordMax; n++ {
		for i := 0; i+n <= len(e.words); i++ {
			h := uint32(fnvOffset) ^ uint32(n)
			for _, w := range e.words[i : i+n] {
				h = (h ^ w) * fnvPrime
			}
			e.add(h)
		}
	}
	if e.cfg.CharMax > 0 {
		for k, t := range toks {
			if t == "<url>" || t == "<user>" {
				continue
			}
			rs := e.runes[e.at[k]:e.at[k+1]]
			for i := range rs {
				h := uint32(seedChar)
				for n := 1; n <= e.cfg.CharMax && i+n <= len(rs); n++ {
					h = (h ^ uint32(rs[i+n-1])) * fnvPrime
					if n >= e.cfg.CharMin && !(n == 1 && rs[i] == ' ') {
						e.add(h ^ uint32(n)<<24)
					}
				}
			}
		}
	}
	if e.cfg.QuoteScope || e.cfg.NegationScope {
		e.scoped(normalized, tokens)
	}
	for i, c := range e.Counts {
		if c > 1 {
			e.Counts[i] = 1 + float32(math.Log(float64(c)))
		}
	}
}

// Seeds of the scope features (FeatureConfig.QuoteScope and NegationScope).
const (
	seedQuote = 0x27d4eb2f
	seedNeg   = 0x165667b1
)

// quoteSpan is the feature of one quoted span.
var quoteSpan = func() uint32 { h := uint32(seedQuote); return h * fnvPrime }()

// negationWindow is how many words after a negation are in its scope.
const negationWindow = 3

// negations are the negation words (MSA and Iraqi/Gulf dialect) that open a
// negation scope, in normalised form.
var negations = func() map[string]bool {
	out := map[string]bool{}
	for _, w := range []string{"ما", "مو", "مش", "مب", "موب", "ماكو", "مافي", "ليس", "ليست", "لست", "لسنا", "ليسوا", "لا", "لم", "لن", "مهو", "مهي", "ماهو", "ماهي", "مااكو"} {
		out[nlp.Normalize(w)] = true
	}
	return out
}()

// quoteState follows quotation marks through normalised text: straight
// double quotes toggle, « » and “ ” nest, and a single quote opens after a
// space or the start and closes before a space, punctuation or the end
// (so the apostrophes inside Arabizi words do not count).
type quoteState struct {
	double       bool
	nest, single int
}

func (q *quoteState) inside() bool { return q.double || q.nest > 0 || q.single > 0 }

func (q *quoteState) step(text string, i int, r rune) {
	switch r {
	case '"':
		q.double = !q.double
	case '«', '“':
		q.nest++
	case '»', '”':
		q.nest = max(0, q.nest-1)
	case '\'':
		prev, next := ' ', ' '
		if i > 0 {
			prev = rune(text[i-1])
		}
		if i+1 < len(text) {
			next = rune(text[i+1])
		}
		switch {
		case q.single == 0 && (prev == ' ' || prev == '\n' || i == 0) && next != ' ':
			q.single = 1
		case q.single > 0 && (next == ' ' || next == '\n' || next == '.' || next == ',' || i+1 == len(text)):
			q.single = 0
		}
	}
}

// scoped adds the scope features of normalised text whose tokens are
// tokens (e.words holds their word hashes, one per token): with QuoteScope, for each
// word inside quotation marks its word hash under seedQuote, and one
// feature for each quoted span; with NegationScope, for each of the
// negationWindow words after a negation its word hash under seedNeg.
// Mentions and links are skipped.
func (e *Extractor) scoped(text string, tokens []nlp.Token) {
	var q quoteState
	pos, wasInside, negLeft := 0, false, 0
	for k, t := range tokens {
		for pos < t.Start && pos < len(text) {
			r, size := nlp.DecodeRune(text, pos)
			q.step(text, pos, r)
			pos += size
		}
		pos = max(pos, t.End)
		in := q.inside() && e.cfg.QuoteScope
		if in && !wasInside {
			e.add(quoteSpan)
		}
		wasInside = in
		if t.Kind == nlp.URL || t.Kind == nlp.Mention {
			continue
		}
		w := e.words[k]
		if in {
			e.add((uint32(seedQuote) ^ w) * fnvPrime)
		}
		if negLeft > 0 {
			e.add((uint32(seedNeg) ^ w) * fnvPrime)
			negLeft--
		}
		if negations[t.Text] && e.cfg.NegationScope {
			negLeft = negationWindow
		}
	}
}
