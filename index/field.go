package index

import (
	"slices"
	"strings"

	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/rasd-iq/rasd/nlp"
)

// termsField is a document field whose terms are known when the document is
// built, so bleve's analysis chain (a token stream, then a frequency map) is
// skipped: keywords carry their own value as their one term, and post text
// is tokenised once from its normalised form. It implements bleve's
// document.Field.
type termsField struct {
	name   string
	value  []byte
	opts   bindex.FieldIndexingOptions
	length int
	freqs  bindex.TokenFrequencies
	size   int
}

func (f *termsField) Name() string                                      { return f.name }
func (f *termsField) ArrayPositions() []uint64                          { return nil }
func (f *termsField) Options() bindex.FieldIndexingOptions              { return f.opts }
func (f *termsField) Analyze()                                          {}
func (f *termsField) Value() []byte                                     { return f.value }
func (f *termsField) NumPlainTextBytes() uint64                         { return uint64(len(f.value)) }
func (f *termsField) EncodedFieldType() byte                            { return 't' }
func (f *termsField) AnalyzedLength() int                               { return f.length }
func (f *termsField) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }

// Size estimates the field's memory, for bleve's batch accounting.
func (f *termsField) Size() int { return f.size }

// newTermsField returns the field, its size estimated once.
func newTermsField(name string, value []byte, opts bindex.FieldIndexingOptions, length int, freqs bindex.TokenFrequencies) *termsField {
	// The struct, the value, and per distinct term a map entry and a TokenFreq.
	size := 96 + len(name) + len(value) + 64*len(freqs)
	return &termsField{name: name, value: value, opts: opts, length: length, freqs: freqs, size: size}
}

// textField returns the field of normalised text with the given tokens
// (nlp.Tokenize(norm)) as terms, with their counts, the terms sharing one
// copy of norm.
func textField(name, norm string, toks []nlp.Token, opts bindex.FieldIndexingOptions) *termsField {
	value := []byte(norm)
	freqs := make(bindex.TokenFrequencies, len(toks))
	slab := make([]bindex.TokenFreq, 0, len(toks))
	for _, tk := range toks {
		key := norm[tk.Start:tk.End] // map keys share norm's bytes
		if tf, ok := freqs[key]; ok {
			tf.SetFrequency(tf.Frequency() + 1)
			continue
		}
		slab = append(slab, bindex.TokenFreq{Term: value[tk.Start:tk.End:tk.End]})
		tf := &slab[len(slab)-1]
		tf.SetFrequency(1)
		freqs[key] = tf
	}
	return newTermsField(name, value, opts, len(toks), freqs)
}

// keywordFields builds the keyword fields of one batch, each value one
// exact term. A field of few distinct values (platforms, labels, days) is
// built once per batch and shared by the documents that hold it: bleve only
// reads fields, as long as a document holds each field name once (several
// values of one field go into one field, see field). It is used by one
// goroutine.
type keywordFields map[keywordKey]*termsField

// keywordKey names a shared keyword field: its name and its values, joined
// by NUL when there are several.
type keywordKey struct{ name, values string }

// field returns the field name with the given values as its terms (empty
// values are left out; none gives nil). With shared set, the field is taken
// from, or added to, k.
func (k keywordFields) field(name string, opts bindex.FieldIndexingOptions, shared bool, values ...string) *termsField {
	if slices.Contains(values, "") {
		values = slices.DeleteFunc(slices.Clone(values), func(v string) bool { return v == "" })
	}
	if len(values) == 0 {
		return nil
	}
	joined := values[0]
	if len(values) > 1 {
		joined = strings.Join(values, "\x00")
	}
	key := keywordKey{name, joined}
	if shared {
		if f, ok := k[key]; ok {
			return f
		}
	}
	freqs := make(bindex.TokenFrequencies, len(values))
	for _, v := range values {
		if tf, ok := freqs[v]; ok {
			tf.SetFrequency(tf.Frequency() + 1)
			continue
		}
		tf := &bindex.TokenFreq{Term: []byte(v)}
		tf.SetFrequency(1)
		freqs[v] = tf
	}
	f := newTermsField(name, []byte(joined), opts, len(values), freqs)
	if shared {
		k[key] = f
	}
	return f
}
