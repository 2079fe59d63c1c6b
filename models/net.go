package models

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/rasd-iq/rasd/models/onnxpb"
)

// Graph input and output names in model.onnx.
const (
	// InputIDs is int64 [batch, features]: bucket ids, padded with 0.
	InputIDs = "ids"
	// InputWeights is float [batch, features]: each feature's tf·idf weight,
	// L2-normalised per post (see Net.Weights), 0 for padding.
	InputWeights = "weights"
	// InputDense is float [batch, dense]: lexicon features.
	InputDense = "dense"
	// OutputScores is float [batch, labels]: one sigmoid per label.
	OutputScores = "scores"
)

// Opset is the ONNX operator set the graph is written against.
const Opset = 17

// Net is the classifier network with its weights. For one post with bucket
// ids id_i, term frequencies tf_i and dense inputs d:
//
//	w_i = tf_i·IDF[id_i] / ‖tf·IDF‖₂              (computed in Go: Weights)
//	x   = [Σ_i w_i·Emb[id_i] ; d]                 (Dim+Dense)
//	h   = relu(x·W1 + B1)                          (Hidden)
//	p   = sigmoid(h·W2 + B2 + x·W3)                (Labels)
//
// The ONNX graph takes ids and w and computes the rest; IDF travels in the
// same file as an initializer the graph does not use, read by Load.
// Matrices are row-major with the input dimension first.
type Net struct {
	// Buckets, Dim, Dense, Hidden and Labels are the sizes.
	Buckets, Dim, Dense, Hidden, Labels int
	// Emb is [Buckets][Dim].
	Emb []float32
	// IDF is [Buckets].
	IDF []float32
	// W1 is [Dim+Dense][Hidden], B1 [Hidden].
	W1, B1 []float32
	// W2 is [Hidden][Labels], B2 [Labels].
	W2, B2 []float32
	// W3 is [Dim+Dense][Labels]: the linear path.
	W3 []float32
}

// NewNet allocates a zero network of the given sizes.
func NewNet(buckets, dim, dense, hidden, labels int) *Net {
	in := dim + dense
	return &Net{
		Buckets: buckets, Dim: dim, Dense: dense, Hidden: hidden, Labels: labels,
		Emb: make([]float32, buckets*dim), IDF: make([]float32, buckets),
		W1: make([]float32, in*hidden), B1: make([]float32, hidden),
		W2: make([]float32, hidden*labels), B2: make([]float32, labels),
		W3: make([]float32, in*labels),
	}
}

// Weights appends to w the L2-normalised tf·idf weights of a post's
// features and returns it.
func Weights(idf []float32, ids []int64, tf []float32, w []float32) []float32 {
	start := len(w)
	var ss float32
	for i, id := range ids {
		v := tf[i] * idf[id]
		w = append(w, v)
		ss += v * v
	}
	if ss == 0 {
		return w
	}
	inv := 1 / float32(math.Sqrt(float64(ss)))
	for i := start; i < len(w); i++ {
		w[i] *= inv
	}
	return w
}

// Input fills x (len Dim+Dense) with the network input for one post and
// returns the normalised weights it used in w (reused when large enough).
func (n *Net) Input(ids []int64, tf []float32, dense []float32, x, w []float32) []float32 {
	w = Weights(n.IDF, ids, tf, w[:0])
	clear(x[:n.Dim])
	for i, id := range ids {
		row := n.Emb[int(id)*n.Dim : int(id+1)*n.Dim]
		for k, e := range row {
			x[k] += w[i] * e
		}
	}
	copy(x[n.Dim:], dense)
	return w
}

// Forward computes the label probabilities of one post into out (len Labels).
func (n *Net) Forward(ids []int64, tf []float32, dense []float32, out []float32) {
	in := n.Dim + n.Dense
	x := make([]float32, in)
	n.Input(ids, tf, dense, x, nil)
	h := make([]float32, n.Hidden)
	n.Head(x, h, out)
	for k := range out {
		out[k] = sigmoid(out[k])
	}
}

// Head computes the hidden activations h and the logits z from the input x.
func (n *Net) Head(x, h, z []float32) {
	in := n.Dim + n.Dense
	copy(h, n.B1)
	for i := 0; i < in; i++ {
		xi := x[i]
		if xi == 0 {
			continue
		}
		row := n.W1[i*n.Hidden : (i+1)*n.Hidden]
		for j, w := range row {
			h[j] += xi * w
		}
	}
	for j := range h {
		h[j] = max(h[j], 0)
	}
	copy(z, n.B2)
	for j := 0; j < n.Hidden; j++ {
		if h[j] == 0 {
			continue
		}
		row := n.W2[j*n.Labels : (j+1)*n.Labels]
		for k, w := range row {
			z[k] += h[j] * w
		}
	}
	for i := 0; i < in; i++ {
		row := n.W3[i*n.Labels : (i+1)*n.Labels]
		for k, w := range row {
			z[k] += x[i] * w
		}
	}
}

func sigmoid(z float32) float32 { return float32(1 / (1 + math.Exp(-float64(z)))) }

// Check verifies that the weight slices match the sizes.
func (n *Net) Check() error {
	in := n.Dim + n.Dense
	for _, c := range []struct {
		name     string
		got, exp int
	}{
		{"emb", len(n.Emb), n.Buckets * n.Dim}, {"idf", len(n.IDF), n.Buckets},
		{"w1", len(n.W1), in * n.Hidden}, {"b1", len(n.B1), n.Hidden},
		{"w2", len(n.W2), n.Hidden * n.Labels}, {"b2", len(n.B2), n.Labels},
		{"w3", len(n.W3), in * n.Labels},
	} {
		if c.got != c.exp {
			return fmt.Errorf("net: %s has %d values, want %d", c.name, c.got, c.exp)
		}
	}
	return nil
}

// ONNX encodes the network as an ONNX model (opset 17). The encoding depends
// only on the weights and meta, so equal networks give byte-identical files.
func (n *Net) ONNX(meta [][2]string) ([]byte, error) {
	if err := n.Check(); err != nil {
		return nil, err
	}
	in := int64(n.Dim + n.Dense)
	f, i64, node := onnxpb.FloatTensor, onnxpb.Int64Vector, onnxpb.Op
	g := onnxpb.Graph{
		Name: "rasd_classifier",
		Initializers: []onnxpb.Tensor{
			f("emb", []int64{int64(n.Buckets), int64(n.Dim)}, n.Emb),
			f("idf", []int64{int64(n.Buckets)}, n.IDF),
			f("w1", []int64{in, int64(n.Hidden)}, n.W1),
			f("b1", []int64{int64(n.Hidden)}, n.B1),
			f("w2", []int64{int64(n.Hidden), int64(n.Labels)}, n.W2),
			f("b2", []int64{int64(n.Labels)}, n.B2),
			f("w3", []int64{in, int64(n.Labels)}, n.W3),
			i64("axis1", 1),
		},
		Nodes: []onnxpb.Node{
			node("Unsqueeze", []string{InputWeights, "axis1"}, "w_row"),
			node("Gather", []string{"emb", InputIDs}, "e", onnxpb.IntAttr("axis", 0)),
			node("MatMul", []string{"w_row", "e"}, "bag3"),
			node("Squeeze", []string{"bag3", "axis1"}, "bag"),
			node("Concat", []string{"bag", InputDense}, "x", onnxpb.IntAttr("axis", 1)),
			node("Gemm", []string{"x", "w1", "b1"}, "h_pre"),
			node("Relu", []string{"h_pre"}, "h"),
			node("Gemm", []string{"h", "w2", "b2"}, "z_mlp"),
			node("MatMul", []string{"x", "w3"}, "z_lin"),
			node("Add", []string{"z_mlp", "z_lin"}, "z"),
			node("Sigmoid", []string{"z"}, OutputScores),
		},
		Inputs: []onnxpb.ValueInfo{
			{Name: InputIDs, ElemType: onnxpb.Int64, Dims: []int64{-1, -1}, Params: []string{"batch", "features"}},
			{Name: InputWeights, ElemType: onnxpb.Float, Dims: []int64{-1, -1}, Params: []string{"batch", "features"}},
			{Name: InputDense, ElemType: onnxpb.Float, Dims: []int64{-1, int64(n.Dense)}, Params: []string{"batch", ""}},
		},
		Outputs: []onnxpb.ValueInfo{
			{Name: OutputScores, ElemType: onnxpb.Float, Dims: []int64{-1, int64(n.Labels)}, Params: []string{"batch", ""}},
		},
	}
	m := onnxpb.Model{
		IRVersion: 8, Opset: Opset, Producer: "rasd", ProducerVersion: "1",
		Doc: "Rasd text classifier: hashed n-gram embedding bag, hidden layer and linear path, one sigmoid per label", Metadata: meta, Graph: g,
	}
	return m.Marshal(), nil
}

// ReadNet reads the first-stage network of the model in dir back from its
// ONNX file, with its card, so that a second stage can be trained on top
// of it without retraining it.
func ReadNet(dir string) (*Net, *Card, error) {
	card, err := ReadCard(dir)
	if err != nil {
		return nil, nil, err
	}
	onnx, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		return nil, nil, fmt.Errorf("reading network: %w", err)
	}
	n := NewNet(card.Features.Buckets, card.Net.Dim, card.Net.Dense, card.Net.Hidden, len(card.Labels))
	for _, p := range []struct {
		name string
		dst  []float32
	}{{"emb", n.Emb}, {"idf", n.IDF}, {"w1", n.W1}, {"b1", n.B1}, {"w2", n.W2}, {"b2", n.B2}, {"w3", n.W3}} {
		_, v, err := onnxpb.ReadFloatInitializer(onnx, p.name)
		if err != nil {
			return nil, nil, fmt.Errorf("reading network %s: %w", card.ID(), err)
		}
		if len(v) != len(p.dst) {
			return nil, nil, fmt.Errorf("reading network %s: %s has %d values, the card's shape wants %d", card.ID(), p.name, len(v), len(p.dst))
		}
		copy(p.dst, v)
	}
	return n, card, nil
}
