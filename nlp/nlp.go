// Package nlp is Rasd's Iraqi-dialect text normaliser and tokeniser.
//
// Every post passes through Normalize before it is scored or indexed, so that
// the models and the search index see the same text.
//
// NOTE: this file is a placeholder with the agreed API; the full normaliser
// replaces its internals while keeping these names.
package nlp

import "strings"

// Version identifies the normaliser's behaviour; it changes whenever output changes.
const Version = "0"

// Options selects which distinctions the normaliser folds away.
type Options struct{}

// DefaultOptions returns the options used by the models.
func DefaultOptions() Options { return Options{} }

// Normalizer normalises text with fixed options. It is safe for concurrent use.
type Normalizer struct{ opts Options }

// New returns a Normalizer for opts.
func New(opts Options) *Normalizer { return &Normalizer{opts: opts} }

// Normalize returns the normalised text with the default options.
func Normalize(s string) string { return strings.ToLower(s) }

// Normalize returns the normalised form of s.
func (n *Normalizer) Normalize(s string) string { return Normalize(s) }

// Result is a normalisation with its offset map and diagnostics.
type Result struct {
	// Original is the input text.
	Original string
	// Text is the normalised text.
	Text string
	// Offsets has len(Text)+1 entries: Offsets[i] is the byte offset in Original
	// of the character that produced byte i of Text.
	Offsets []int
}

// NormalizeWithOffsets normalises s and keeps a map back to the original.
func (n *Normalizer) NormalizeWithOffsets(s string) Result {
	t := n.Normalize(s)
	off := make([]int, len(t)+1)
	for i := range off {
		off[i] = min(i, len(s))
	}
	return Result{Original: s, Text: t, Offsets: off}
}

// OriginalRange maps a byte range [start,end) of r.Text to a byte range of r.Original.
func (r *Result) OriginalRange(start, end int) (int, int) {
	return r.Offsets[start], r.Offsets[end]
}

// TokenKind says what a token is.
type TokenKind int

// Token kinds.
const (
	Word TokenKind = iota
	Number
	Hashtag
	Mention
	URL
	Emoji
)

// Token is one token of normalised text with its byte range in that text.
type Token struct {
	Text       string
	Kind       TokenKind
	Start, End int
}

// Tokenize splits normalised text into tokens.
func Tokenize(s string) []Token {
	var toks []Token
	for _, f := range strings.Fields(s) {
		i := strings.Index(s, f)
		toks = append(toks, Token{Text: f, Kind: Word, Start: i, End: i + len(f)})
	}
	return toks
}

// ModelTokens returns the tokens the models see: URLs become "<url>" and
// mentions "<user>"; everything else is the token text.
func ModelTokens(s string) []string { return strings.Fields(s) }
