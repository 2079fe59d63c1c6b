// Package nlp is Rasd's Iraqi-dialect text normaliser and tokeniser.
//
// Every post passes through Normalize before it is scored or indexed, so that
// the models and the search index see the same text. The normaliser works in
// one pass over the runes with a lookup table for the Latin and Arabic blocks,
// followed by word-level passes that only run when a post needs them:
//
//   - Unicode: invalid UTF-8 repaired, NFKC (skipped when the text is already
//     NFKC), zero-width and bidi controls removed, Eastern Arabic and Persian
//     digits folded to ASCII, whitespace collapsed to single spaces.
//   - Orthography: diacritics and tatweel removed; أ إ آ ٱ → ا; ى → ي; ة → ه;
//     ؤ ئ → ء when Options.FoldHamzaCarriers is set; Persian letter forms
//     (ک ی ھ) folded to their Arabic equivalents.
//   - Iraqi letters: گ → ق, چ → ك, پ → ب, ڤ → ف, ژ → ز.
//   - Kurdish (Sorani) text, recognised by ڕ ڵ ێ ۆ ە, is left intact.
//   - Elongation: letter runs, repeated punctuation and emoji runs collapsed.
//   - Arabizi (Latin letters and digits for Arabic) transliterated.
//   - Evasion: spaced or split letters joined, look-alikes inside Arabic
//     words mapped, hashtags split into words.
//
// NormalizeWithOffsets keeps a map from the normalised text back to the
// original so that reviewers see highlights on what was posted. See
// docs/normaliser.md for every rule and option.
package nlp

import (
	"slices"
	"unicode/utf8"
)

// Version identifies the normaliser's behaviour; it changes whenever output changes.
const Version = "1"

// Options selects which distinctions the normaliser folds away. The zero
// value folds everything (the models' view); each Keep field keeps one
// distinction, for example for an exact-spelling index field.
type Options struct {
	// KeepDiacritics keeps tashkeel (fatha, damma, kasra, shadda, sukun, tanwin, …).
	KeepDiacritics bool
	// KeepTatweel keeps the tatweel (kashida) elongation character ـ.
	KeepTatweel bool
	// KeepAlefForms keeps أ إ آ ٱ distinct from ا.
	KeepAlefForms bool
	// KeepAlefMaqsura keeps ى distinct from ي.
	KeepAlefMaqsura bool
	// KeepTehMarbuta keeps ة distinct from ه.
	KeepTehMarbuta bool
	// FoldHamzaCarriers folds ؤ and ئ to ء (off by default).
	FoldHamzaCarriers bool
	// KeepIraqiLetters keeps گ چ پ ڤ ژ instead of mapping them to ق ك ب ف ز.
	KeepIraqiLetters bool
	// KeepPersianForms keeps ک ی ھ ہ ے instead of folding them to ك ي ه ه ي.
	KeepPersianForms bool
	// KeepDigits keeps Eastern Arabic and Persian digits instead of folding them to 0-9.
	KeepDigits bool
	// KeepCase keeps upper-case letters instead of lower-casing them.
	KeepCase bool
	// KeepElongation keeps letter, punctuation and emoji runs.
	KeepElongation bool
	// KeepArabizi keeps Arabizi words in Latin script.
	KeepArabizi bool
	// ReadArabiziPosts reads a post written in Arabizi whole (see
	// ReadArabizi): every Latin word that can be Arabizi is transliterated,
	// listed or not, short vowels inside a word are dropped as Arabic
	// spelling drops them, a doubled consonant is written once and the
	// article (el, al, il, lil, bil …) joins its noun. Off by default: the models read
	// the default normalisation.
	ReadArabiziPosts bool
	// ReadArabiziWords, with ReadArabiziPosts, spells each Latin word of an
	// Arabizi post outside the lists as the most likely Arabic word it can
	// stand for in an embedded word list ("si6ara" → سيطره, not سطره), and
	// by the rules only when none fits (see ReadArabiziWords).
	ReadArabiziWords bool
	// KeepEvasion turns off the anti-evasion rules: spaced and split letters
	// stay apart and look-alikes inside Arabic words are kept.
	KeepEvasion bool
	// KeepHashtags keeps hashtags whole ("#الموت_للخونه") instead of turning
	// them into words ("الموت للخونه").
	KeepHashtags bool
}

// DefaultOptions returns the options used by the models: everything folded.
func DefaultOptions() Options { return Options{} }

// Normalizer normalises text with fixed options. It is safe for concurrent use.
type Normalizer struct {
	opts Options
	tab  *table
	// kurd is the table used for Kurdish text, which is left intact.
	kurd *table
	// forceArabizi reads every text as an Arabizi post (NormalizeArabizi).
	forceArabizi bool
}

// New returns a Normalizer for opts.
func New(opts Options) *Normalizer {
	return &Normalizer{opts: opts, tab: buildTable(opts, false), kurd: kurdishTable()}
}

var defaultNormalizer = New(DefaultOptions())

// Normalize returns the normalised text with the default options. It is the
// hot path used by the models; it computes no offsets.
func Normalize(s string) string { return defaultNormalizer.Normalize(s) }

// NormalizeWithOffsets normalises s with the default options and keeps a map
// back to the original.
func NormalizeWithOffsets(s string) Result { return defaultNormalizer.NormalizeWithOffsets(s) }

var (
	postReader   = New(Options{ReadArabiziPosts: true})
	wordReader   = New(Options{ReadArabiziPosts: true, ReadArabiziWords: true})
	forcedReader = func() *Normalizer { n := New(Options{ReadArabiziPosts: true}); n.forceArabizi = true; return n }()
)

// ReadArabizi reads s as a post written in Arabizi: it returns nil unless s
// holds a strong Arabizi word and no English function word, and otherwise
// the normalisation with the ReadArabiziPosts option, with offsets
// ("sajjad el ka3bi, re9a9a wa7da tikfeek" → "سجد الكعبي, رصصه وحده
// تكفيك"). A post without a strong Arabizi word is passed over without
// normalising.
func ReadArabizi(s string) *Result {
	if !mayBeArabizi(s) {
		return nil
	}
	return readArabizi(postReader, s)
}

// ReadArabiziWords is ReadArabizi with the ReadArabiziWords option: a word
// outside the lists is spelt as the word of an embedded list of Arabic
// words (nlp/data/README.md) it can most likely stand for, weighing how
// common the word is against how unusual the spelling would be (long vowels
// written as one Latin vowel or left out, h for ح, t for ط, a clitic joined
// to the word), and by the rules when no listed word fits ("wa7ed mn
// el-mo5abarat" → "واحد من المخابرات"). It reads common words better and
// rare names worse than ReadArabizi, which the wording rules' tables
// are written for; the models read it.
func ReadArabiziWords(s string) *Result {
	if !mayBeArabizi(s) {
		return nil
	}
	return readArabizi(wordReader, s)
}

func readArabizi(n *Normalizer, s string) *Result {
	r := n.NormalizeWithOffsets(s)
	if !slices.Contains(r.Steps, stepNameList[stepArabiziPost]) {
		return nil
	}
	return &r
}

// NormalizeArabizi is Normalize for a text known to be Arabizi, such as a
// cue written in Latin letters ("tishreen"): every Latin word that can be
// Arabizi is transliterated as ReadArabizi transliterates a post.
func NormalizeArabizi(s string) string { return forcedReader.Normalize(s) }

// mayBeArabizi reports whether s holds a strong Arabizi word ("3ala",
// "da3esh", "wallah") or two digitless markers ("el", "kilhum"), one of
// which an Arabizi post needs, without normalising s.
func mayBeArabizi(s string) bool {
	var buf [32]byte
	markers := 0
	for i := 0; i < len(s); {
		if !isASCIIAlnum(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isASCIIAlnum(s[j]) {
			j++
			// "7'" and "3'" write خ and غ inside a word ("a7'dr").
			if j+1 < len(s) && s[j] == '\'' && isArabiziDigitByte(s[j-1]) && isASCIILetter(s[j+1]) {
				j++
			}
		}
		// Handles, links and file names (@najaf_news_24, t.me/x) are
		// not words of the post.
		handle := i > 0 && (s[i-1] == '@' || s[i-1] == '/' || s[i-1] == '.' || s[i-1] == '_') ||
			j < len(s) && (s[j] == '.' || s[j] == '_' || s[j] == '/')
		if !handle && j-i <= len(buf) {
			k := buf[:0]
			for _, c := range []byte(s[i:j]) {
				if c == '\'' {
					continue
				}
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				k = append(k, c)
			}
			if arabiziStrength(k) == strongAz {
				return true
			}
			if digitlessMarkers[string(k)] || articleJoined(k) {
				markers++
			}
		}
		i = j
	}
	return markers >= 2 // perhaps Arabizi without digits (digitlessPost)
}

func isASCIIAlnum(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' }

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// Normalize returns the normalised form of s.
func (n *Normalizer) Normalize(s string) string {
	st := getState()
	n.run(st, s)
	out := n.encode(st, s, false)
	putState(st)
	return out
}

// Options returns the options n was built with.
func (n *Normalizer) Options() Options { return n.opts }

// Result is a normalisation with its offset map and diagnostics.
type Result struct {
	// Original is the input text.
	Original string
	// Text is the normalised text.
	Text string
	// Offsets has len(Text)+1 entries: Offsets[i] is the byte offset in Original
	// of the character that produced byte i of Text, and Offsets[len(Text)] is
	// len(Original). The entries never decrease. Texts are expected to be
	// posts: offsets are kept in 32 bits while normalising (texts under 2 GiB).
	Offsets []int
	// Kurdish reports that the text was recognised as Kurdish (Sorani) and
	// left intact apart from Unicode clean-up.
	Kurdish bool
	// Script counts the words of each script in the text.
	Script ScriptMix
	// Steps names the rules that changed the text, in pipeline order.
	Steps []string
	// Markers lists the Iraqi-dialect markers found, in order of first
	// appearance. Only Explain fills it.
	Markers []string
}

// NormalizeWithOffsets normalises s and keeps a map back to the original.
func (n *Normalizer) NormalizeWithOffsets(s string) Result {
	st := getState()
	n.run(st, s)
	text := n.encode(st, s, true)
	offs := make([]int, len(st.offs))
	copy(offs, st.offs)
	res := Result{
		Original: s,
		Text:     text,
		Offsets:  offs,
		Kurdish:  st.kurdish,
		Script:   st.scriptMix(),
		Steps:    stepNames(st.steps),
	}
	putState(st)
	return res
}

// Explain is NormalizeWithOffsets plus the Iraqi-dialect markers found in s.
func (n *Normalizer) Explain(s string) Result {
	r := n.NormalizeWithOffsets(s)
	r.Markers = DialectMarkers(s)
	return r
}

// OriginalRange maps a byte range [start,end) of r.Text to a byte range of
// r.Original. The range covers every original character that produced the
// bytes, plus what was folded into the last of them (diacritics, tatweel,
// invisible characters, the h of an Arabizi "sh"); it is empty only when
// start == end. Out-of-range arguments are clamped.
func (r *Result) OriginalRange(start, end int) (int, int) {
	if len(r.Offsets) == 0 {
		return 0, 0
	}
	last := len(r.Offsets) - 1
	start = max(0, min(start, last))
	end = max(start, min(end, last))
	os := r.Offsets[start]
	if start == end {
		return os, os
	}
	p := r.Offsets[end-1]
	_, w := utf8.DecodeRuneInString(r.Original[p:])
	oe := p + max(w, 1)
	limit := r.Offsets[end]
	for oe < limit {
		c, w := utf8.DecodeRuneInString(r.Original[oe:])
		if !droppedAfterLetter(c) && !(isWordRune(c) && isWordRune(lastRune(r.Text[:end]))) {
			break
		}
		oe += w
	}
	return os, max(oe, os)
}
