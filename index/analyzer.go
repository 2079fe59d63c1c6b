package index

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/rasd-iq/rasd/nlp"
)

// TokenizerName is the bleve tokenizer that runs Rasd's normaliser and emits
// its word, number and hashtag tokens, so that queries and posts fold the same
// way as the models see them. Token offsets point into the normalised text:
// the index keeps no term vectors, and search highlights are recomputed on the
// original text (see Highlights).
const TokenizerName = "rasd_normalizing"

// AnalyzerName is the bleve analyser used for post text: the normalising
// tokenizer and nothing else.
const AnalyzerName = "rasd_ar"

// normalizingTokenizer implements analysis.Tokenizer on top of nlp.
type normalizingTokenizer struct{ n *nlp.Normalizer }

// Tokenize normalises input and returns its tokens.
func (t normalizingTokenizer) Tokenize(input []byte) analysis.TokenStream {
	return tokens([]byte(t.n.Normalize(string(input))))
}

// tokens splits normalised text into bleve tokens, their terms sharing norm's
// bytes and the tokens one allocation.
func tokens(norm []byte) analysis.TokenStream {
	toks := nlp.Tokenize(string(norm))
	vals := make([]analysis.Token, len(toks))
	out := make(analysis.TokenStream, len(toks))
	for i, tk := range toks {
		typ := analysis.AlphaNumeric
		switch tk.Kind {
		case nlp.Number:
			typ = analysis.Numeric
		case nlp.URL, nlp.Mention, nlp.Emoji:
			typ = analysis.Single
		}
		vals[i] = analysis.Token{Term: norm[tk.Start:tk.End:tk.End], Start: tk.Start, End: tk.End, Position: i + 1, Type: typ}
		out[i] = &vals[i]
	}
	return out
}

func init() {
	registry.RegisterTokenizer(TokenizerName, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return normalizingTokenizer{n: nlp.New(nlp.DefaultOptions())}, nil
	})
	registry.RegisterAnalyzer(AnalyzerName, func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(TokenizerName)
		if err != nil {
			return nil, err
		}
		return &analysis.DefaultAnalyzer{Tokenizer: tok}, nil
	})
}
