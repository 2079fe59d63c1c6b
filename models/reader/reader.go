// Package reader is Rasd's second-stage classifier: a small convolutional
// network over subword tokens that reads word order («يجب قتل» next to a
// group, a negation before a verb), which the first stage's bag of n-grams
// cannot. The scorer runs it only on the posts the first stage puts near or
// above a threshold and mixes the two scores (see models.ReaderCard).
//
// One post becomes a sequence of words (nlp.Tokenize over the text the
// first stage reads); each word is the mean of the embeddings of its
// subwords: the word itself, its consonant skeleton and its character
// trigrams, hashed into Buckets rows (row 0 is padding and stays zero).
// A width-3 convolution slides over the words, padded by one empty word on
// each side; a ReLU and a max over positions give one vector per post, and
// one sigmoid per label reads it:
//
//	x_t = Σ_s w_ts·Emb[id_ts]                     (Dim; w_ts = 1/subwords of word t)
//	h_t = relu(b + x_{t-1}·C0 + x_t·C1 + x_{t+1}·C2) (Filters)
//	p   = max_t h_t
//	y   = sigmoid(prior + p·U + c)                  (Labels)
//
// prior is the first stage's logit for the post: the reader learns what to
// add to the first stage's judgement (a residual), starting from it, rather
// than a second judgement from scratch. Its output weights start near zero,
// so an untrained reader repeats the first stage.
//
// Training (Train) is plain Go; the network is exported to ONNX (Net.ONNX)
// with the same arithmetic, so the scorer runs it in ONNX Runtime on the
// CPU or a GPU. Encode is the one tokeniser both sides use.
package reader

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

// Config is the reader's shape.
type Config struct {
	// Buckets is the number of subword hash buckets, a power of two.
	Buckets int `json:"buckets"`
	// Dim is the subword embedding width.
	Dim int `json:"dim"`
	// Filters is the number of convolution filters.
	Filters int `json:"filters"`
	// MaxWords caps the words read from one post (the first ones).
	MaxWords int `json:"max_words"`
	// MaxSubwords caps the subwords of one word.
	MaxSubwords int `json:"max_subwords"`
}

// Width is the convolution width, in words.
const Width = 3

// DefaultConfig returns the shape of the default reader.
func DefaultConfig() Config {
	return Config{Buckets: 1 << 16, Dim: 32, Filters: 96, MaxWords: 64, MaxSubwords: 16}
}

// Validate checks the shape.
func (c Config) Validate() error {
	switch {
	case c.Buckets < 2 || c.Buckets&(c.Buckets-1) != 0:
		return fmt.Errorf("reader: buckets %d is not a power of two", c.Buckets)
	case c.Dim < 1 || c.Dim > 1024:
		return fmt.Errorf("reader: dim %d out of range 1..1024", c.Dim)
	case c.Filters < 1 || c.Filters > 4096:
		return fmt.Errorf("reader: filters %d out of range 1..4096", c.Filters)
	case c.MaxWords < 1 || c.MaxWords > 1024:
		return fmt.Errorf("reader: max_words %d out of range 1..1024", c.MaxWords)
	case c.MaxSubwords < 2 || c.MaxSubwords > 64:
		return fmt.Errorf("reader: max_subwords %d out of range 2..64", c.MaxSubwords)
	}
	return nil
}

// Encode turns the text a model reads (normalised, or an Arabizi reading)
// into words of subword bucket ids, at most MaxWords words of at most
// MaxSubwords ids each. A post without words gives none; the network reads
// it as one empty word.
func (c Config) Encode(text string) [][]int32 {
	toks := nlp.Tokenize(text)
	n := min(len(toks), c.MaxWords)
	words := make([][]int32, 0, n)
	for _, tk := range toks[:n] {
		words = append(words, c.word(tk.Text))
	}
	return words
}

// word returns one word's subword ids: the word, its skeleton when it
// differs, then its character trigrams with < and > marking its ends.
func (c Config) word(w string) []int32 {
	ids := make([]int32, 0, c.MaxSubwords)
	ids = append(ids, c.bucket('w', w))
	if sk := skeleton(w); sk != "" && sk != w {
		ids = append(ids, c.bucket('k', sk))
	}
	rs := make([]rune, 0, utf8.RuneCountInString(w)+2)
	rs = append(rs, '<')
	rs = append(rs, []rune(w)...)
	rs = append(rs, '>')
	for i := 0; i+3 <= len(rs) && len(ids) < c.MaxSubwords; i++ {
		ids = append(ids, c.bucket('c', string(rs[i:i+3])))
	}
	return ids
}

// skeleton drops the letters that spelling varies most: long vowels and
// hamza carriers, so that «يقتلون» and «يقتلوون», «ارهابي» and «ارهابى»
// share a subword.
func skeleton(w string) string {
	out := make([]rune, 0, len(w))
	for _, r := range w {
		switch r {
		case 'ا', 'و', 'ي', 'ى', 'ء', 'أ', 'إ', 'آ', 'ؤ', 'ئ':
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// bucket hashes kind and s (FNV-1a) into 1..Buckets-1.
func (c Config) bucket(kind byte, s string) int32 {
	h := uint32(2166136261)
	h = (h ^ uint32(kind)) * 16777619
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	h ^= h >> 15
	h *= 0x2c1b3c6d
	h ^= h >> 12
	return int32(1 + h%uint32(c.Buckets-1))
}

// Net is the reader with its weights. Matrices are row-major with the input
// dimension first.
type Net struct {
	// Config is the shape; Labels the number of outputs.
	Config
	Labels int
	// Emb is [Buckets][Dim]; row 0 stays zero.
	Emb []float32
	// Conv is [Width][Dim][Filters]; ConvB [Filters].
	Conv, ConvB []float32
	// Out is [Filters][Labels]; OutB [Labels].
	Out, OutB []float32
}

// NewNet returns a network of the given shape with small random weights
// drawn from rnd (uniform in ±1), which must not be nil.
func NewNet(c Config, labels int, rnd func() float64) *Net {
	n := &Net{Config: c, Labels: labels,
		Emb: make([]float32, c.Buckets*c.Dim), Conv: make([]float32, Width*c.Dim*c.Filters), ConvB: make([]float32, c.Filters),
		Out: make([]float32, c.Filters*labels), OutB: make([]float32, labels)}
	fill := func(w []float32, scale float64) {
		for i := range w {
			w[i] = float32(rnd() * scale)
		}
	}
	fill(n.Emb[c.Dim:], 0.1)
	fill(n.Conv, math.Sqrt(3/float64(Width*c.Dim)))
	fill(n.Out, 0.01)
	return n
}

// Check reports a network whose arrays do not match its shape.
func (n *Net) Check() error {
	if err := n.Config.Validate(); err != nil {
		return err
	}
	if n.Labels < 1 || len(n.Emb) != n.Buckets*n.Dim || len(n.Conv) != Width*n.Dim*n.Filters || len(n.ConvB) != n.Filters ||
		len(n.Out) != n.Filters*n.Labels || len(n.OutB) != n.Labels {
		return fmt.Errorf("reader: weights do not match the shape %+v with %d labels", n.Config, n.Labels)
	}
	return nil
}

// state holds one forward pass, kept for the backward pass.
type state struct {
	x    []float32 // [(n+2)][Dim]: word vectors with one empty word on each side
	h    []float32 // [n][Filters] pre-activation
	arg  []int     // [Filters]: position of the max
	pool []float32 // [Filters]
	z    []float32 // [Labels] logits
}

// embed fills s.x with the word vectors of words (one empty word when
// there are none) and returns the number of positions n.
func (n *Net) embed(words [][]int32, s *state) int {
	T := max(len(words), 1)
	D := n.Dim
	s.x = resize(s.x, (T+2)*D)
	clear(s.x)
	for t, w := range words {
		if len(w) == 0 {
			continue
		}
		inv := 1 / float32(len(w))
		xt := s.x[(t+1)*D : (t+2)*D]
		for _, id := range w {
			row := n.Emb[int(id)*D : int(id+1)*D]
			for k, v := range row {
				xt[k] += inv * v
			}
		}
	}
	return T
}

// forward computes the logits of one post into s.z, starting from prior
// (the first stage's logits; nil means 0).
func (n *Net) forward(words [][]int32, prior []float32, s *state) {
	T := n.embed(words, s)
	D, F := n.Dim, n.Filters
	s.h = resize(s.h, T*F)
	for t := 0; t < T; t++ {
		ht := s.h[t*F : (t+1)*F]
		copy(ht, n.ConvB)
		for j := 0; j < Width; j++ {
			xr := s.x[(t+j)*D : (t+j+1)*D]
			cj := n.Conv[j*D*F : (j+1)*D*F]
			for i, xv := range xr {
				if xv == 0 {
					continue
				}
				row := cj[i*F : (i+1)*F]
				for f, cv := range row {
					ht[f] += xv * cv
				}
			}
		}
	}
	s.arg = resize(s.arg, F)
	s.pool = resize(s.pool, F)
	for f := 0; f < F; f++ {
		best, at := s.h[f], 0
		for t := 1; t < T; t++ {
			if v := s.h[t*F+f]; v > best {
				best, at = v, t
			}
		}
		s.arg[f] = at
		s.pool[f] = max(best, 0)
	}
	s.z = resize(s.z, n.Labels)
	copy(s.z, n.OutB)
	for k, v := range prior {
		s.z[k] += v
	}
	for f, p := range s.pool {
		if p == 0 {
			continue
		}
		row := n.Out[f*n.Labels : (f+1)*n.Labels]
		for k, u := range row {
			s.z[k] += p * u
		}
	}
}

// Predict returns the label probabilities of one encoded post in out (len
// Labels), given the first stage's logits prior (nil means 0).
func (n *Net) Predict(words [][]int32, prior, out []float32) {
	var s state
	n.forward(words, prior, &s)
	for k, z := range s.z {
		out[k] = sigmoid(z)
	}
}

func sigmoid(z float32) float32 { return float32(1 / (1 + math.Exp(-float64(z)))) }

// Logit is the inverse of the sigmoid, with p clamped to [1e-6, 1−1e-6]:
// the prior the reader expects from a first-stage probability.
func Logit(p float32) float32 {
	q := math.Min(math.Max(float64(p), 1e-6), 1-1e-6)
	return float32(math.Log(q / (1 - q)))
}

// resize returns b with length n, reusing its array when large enough;
// callers overwrite the contents.
func resize[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}
