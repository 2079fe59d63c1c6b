package models

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/rasd-iq/rasd/nlp"
)

//go:embed lexicons/*.tsv
var lexiconFiles embed.FS

// LexEntry is one lexicon term.
type LexEntry struct {
	// Term is the entry as written in the lexicon file.
	Term string
	// Category is the lexicon the entry belongs to, e.g. "sectarian_slur".
	Category string
	// Label is the model label the category explains, e.g. "hate".
	Label string
	// Dialect is "iraqi", "msa" or "all".
	Dialect string
	// Note says how the term is used.
	Note string

	words []string // normalised words
}

// Lexicon is the set of curated word lists under models/lexicons. Each file
// has a header (lexicon, label, source, licence, applies) and one entry a line:
// term, dialect and note separated by tabs. It is safe for concurrent use.
type Lexicon struct {
	// Categories are the lexicon names in a fixed order: the dense model inputs.
	Categories []string
	// Entries are all entries, file by file.
	Entries []LexEntry
	// SHA256 is the digest of the files as loaded.
	SHA256 string

	catIndex map[string]int
	byFirst  map[string][]int
	normSeen map[string]bool
	// filter has a bit set for the filterKey of every first word, so that
	// most words are rejected without a map lookup.
	filter [1 << 10]uint64
}

// filterKey hashes a word's length and first four bytes into 16 bits.
func filterKey(w string) uint32 {
	h := uint32(len(w)) * 0x9e3779b1
	for i := 0; i < len(w) && i < 4; i++ {
		h = (h ^ uint32(w[i])) * 16777619
	}
	return (h ^ h>>16) & 0xffff
}

func (lx *Lexicon) mayStart(w string) bool {
	k := filterKey(w)
	return lx.filter[k>>6]&(1<<(k&63)) != 0
}

// LexMatch is one lexicon hit in normalised text.
type LexMatch struct {
	// Start and End are byte offsets in the normalised text.
	Start, End int
	// Entry is the matched entry.
	Entry *LexEntry
}

// clitics are prefixes (after normalising) that may precede a lexicon term
// in the same word, longest first, after the empty prefix.
var clitics = []string{"", "وبال", "وال", "بال", "فال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك"}

// cliticsByLetter groups clitics by first letter, the empty prefix first.
var cliticsByLetter = nlp.NewPrefixSet(clitics...)

// wordRunes says, for runes below U+0700, whether isWordRune holds.
var wordRunes = func() (t [0x700]bool) {
	for r := range t {
		t[r] = isWordRune(rune(r))
	}
	return t
}()

// wordRune is isWordRune with a table for Latin and Arabic.
func wordRune(r rune) bool {
	if r < 0x700 {
		return wordRunes[r]
	}
	return isWordRune(r)
}

var (
	defaultLexOnce sync.Once
	defaultLex     *Lexicon
	defaultLexErr  error
)

// DefaultLexicon returns the embedded lexicons, parsed once.
func DefaultLexicon() (*Lexicon, error) {
	defaultLexOnce.Do(func() { defaultLex, defaultLexErr = ParseLexicons(lexiconFiles, "lexicons") })
	return defaultLex, defaultLexErr
}

// ParseLexicons reads every *.tsv file in dir of fsys.
func ParseLexicons(fsys fs.FS, dir string) (*Lexicon, error) {
	names, err := fs.Glob(fsys, dir+"/*.tsv")
	if err != nil {
		return nil, fmt.Errorf("listing lexicons: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no lexicon files in %s", dir)
	}
	sort.Strings(names)
	lx := &Lexicon{catIndex: map[string]int{}, byFirst: map[string][]int{}, normSeen: map[string]bool{}}
	h := sha256.New()
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading lexicon: %w", err)
		}
		h.Write(b)
		if err := lx.parseFile(name, string(b)); err != nil {
			return nil, err
		}
	}
	lx.SHA256 = hex.EncodeToString(h.Sum(nil))
	for i := range lx.Entries {
		first := lx.Entries[i].words[0]
		lx.byFirst[first] = append(lx.byFirst[first], i)
		k := filterKey(first)
		lx.filter[k>>6] |= 1 << (k & 63)
	}
	return lx, nil
}

func (lx *Lexicon) parseFile(name, text string) error {
	header := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	seen := map[string]bool{}
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(s, "#"); ok {
			k, v, ok := strings.Cut(rest, ":")
			if ok {
				header[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			continue
		}
		for _, k := range []string{"lexicon", "label", "source", "licence", "applies"} {
			if header[k] == "" {
				return fmt.Errorf("%s:%d: header line %q is missing before the first entry", name, line, "# "+k+":")
			}
		}
		f := strings.Split(s, "\t")
		if len(f) != 3 {
			return fmt.Errorf("%s:%d: want 3 tab-separated fields (term, dialect, note), got %d", name, line, len(f))
		}
		term, dialect, note := strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), strings.TrimSpace(f[2])
		switch {
		case term == "":
			return fmt.Errorf("%s:%d: empty term", name, line)
		case dialect != "iraqi" && dialect != "msa" && dialect != "all":
			return fmt.Errorf("%s:%d: dialect %q is not iraqi, msa or all", name, line, dialect)
		case note == "":
			return fmt.Errorf("%s:%d: entry %q has no note", name, line, term)
		}
		words := lexWords(nlp.Normalize(term))
		if len(words) == 0 {
			return fmt.Errorf("%s:%d: term %q has no letters after normalising", name, line, term)
		}
		if seen[term] {
			return fmt.Errorf("%s:%d: term %q listed twice", name, line, term)
		}
		seen[term] = true
		key := strings.Join(words, " ")
		if lx.normSeen[key] {
			continue // a spelling variant that the normaliser folds onto an earlier entry
		}
		lx.normSeen[key] = true
		cat := header["lexicon"]
		if _, ok := lx.catIndex[cat]; !ok {
			lx.catIndex[cat] = len(lx.Categories)
			lx.Categories = append(lx.Categories, cat)
		}
		lx.Entries = append(lx.Entries, LexEntry{Term: term, Category: cat, Label: header["label"], Dialect: dialect, Note: note, words: words})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

func isWordRune(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	case r >= 0x0621 && r <= 0x0669: // Arabic letters, harakat and digits
		return true
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// lexWords splits normalised text into words.
func lexWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
}

// span is a word's byte range and its first rune.
type span struct {
	start, end int
	first      rune
}

// Match appends to dst the lexicon hits in normalised text and returns it.
// A term matches at the start of a word, optionally after one clitic prefix
// (و ف ب ل ك ال وال بال …); multi-word terms match consecutive words.
func (lx *Lexicon) Match(normalized string, dst []LexMatch) []LexMatch {
	var buf [64]span
	words := buf[:0]
	start := -1
	var first rune
	for i := 0; i < len(normalized); {
		r, n := nlp.DecodeRune(normalized, i)
		if wordRune(r) {
			if start < 0 {
				start, first = i, r
			}
		} else if start >= 0 {
			words = append(words, span{start, i, first})
			start = -1
		}
		i += n
	}
	if start >= 0 {
		words = append(words, span{start, len(normalized), first})
	}
	for wi, w := range words {
		word := normalized[w.start:w.end]
		if len(word) < 2 {
			continue
		}
		pres := cliticsByLetter.For(w.first)
		matched := false
		for _, pre := range pres {
			if matched {
				break
			}
			rest, ok := strings.CutPrefix(word, pre)
			if !ok || !nlp.HasRunes(rest, 2) {
				continue
			}
			var cands []int
			if lx.mayStart(rest) {
				cands = lx.byFirst[rest]
			}
			if (pre == "لل" || pre == "ولل") && lx.mayStart("ال"+rest) {
				cands = append(cands[:len(cands):len(cands)], lx.byFirst["ال"+rest]...)
			}
			for _, ei := range cands {
				e := &lx.Entries[ei]
				n := len(e.words)
				if wi+n > len(words) {
					continue
				}
				ok := true
				for k := 1; k < n; k++ {
					if normalized[words[wi+k].start:words[wi+k].end] != e.words[k] {
						ok = false
						break
					}
				}
				if ok {
					dst = append(dst, LexMatch{Start: w.start, End: words[wi+n-1].end, Entry: e})
					matched = true
					break
				}
			}
		}
	}
	return dst
}

// Dense writes into dst (len(lx.Categories)) the model's dense inputs for
// matches: ln(1+count) per category.
func (lx *Lexicon) Dense(matches []LexMatch, dst []float32) {
	clear(dst)
	for _, m := range matches {
		dst[lx.catIndex[m.Entry.Category]]++
	}
	for i, c := range dst {
		if c > 0 {
			dst[i] = float32(math.Log1p(float64(c)))
		}
	}
}

// Info summarises the lexicon for a model card.
func (lx *Lexicon) Info() LexiconInfo {
	return LexiconInfo{Categories: append([]string(nil), lx.Categories...), Entries: len(lx.Entries), SHA256: lx.SHA256}
}
