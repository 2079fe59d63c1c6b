package index

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/rasd-iq/rasd/nlp"
)

// TokenizerName is the bleve tokenizer that runs Rasd's normaliser and emits
// normalised terms whose offsets point into the original text, so that bleve's
// highlighter marks the text as it was posted.
const TokenizerName = "rasd_normalizing"

// AnalyzerName is the bleve analyser used for post text: the normalising
// tokenizer and nothing else, so that queries and documents fold the same way
// as the models see them.
const AnalyzerName = "rasd_ar"

// normalizingTokenizer implements analysis.Tokenizer on top of nlp.
type normalizingTokenizer struct{ n *nlp.Normalizer }

// Tokenize normalises input and returns its word, number and hashtag tokens with
// original byte offsets.
func (t normalizingTokenizer) Tokenize(input []byte) analysis.TokenStream {
	res := t.n.NormalizeWithOffsets(string(input))
	toks := nlp.Tokenize(res.Text)
	out := make(analysis.TokenStream, 0, len(toks))
	pos := 0
	for _, tk := range toks {
		typ := analysis.AlphaNumeric
		switch tk.Kind {
		case nlp.Number:
			typ = analysis.Numeric
		case nlp.URL, nlp.Mention, nlp.Emoji:
			typ = analysis.Single
		}
		start, end := res.OriginalRange(tk.Start, tk.End)
		if end <= start {
			// A token the original cannot place (should not happen): keep it
			// searchable, highlight nothing wrong.
			start, end = 0, 0
		}
		pos++
		out = append(out, &analysis.Token{
			Term:     []byte(tk.Text),
			Start:    start,
			End:      end,
			Position: pos,
			Type:     typ,
		})
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
