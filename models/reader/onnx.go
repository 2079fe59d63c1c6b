package reader

import (
	"math"

	"github.com/rasd-iq/rasd/models/onnxpb"
)

// Graph input and output names in the reader's ONNX file.
const (
	// InputSubwords is int64 [batch, words+2, subwords]: subword bucket ids,
	// one empty word (all 0) before and after each post and 0 for padding.
	InputSubwords = "subwords"
	// InputSubwordWeights is float [batch, words+2, subwords]: 1/n for each
	// of a word's n subwords, 0 for padding.
	InputSubwordWeights = "subword_weights"
	// InputMask is float [batch, words, 1]: 0 where a post has a word (its
	// first one when it has none), -1e4 past its end.
	InputMask = "mask"
	// InputPrior is float [batch, labels]: the first stage's logits.
	InputPrior = "prior"
	// OutputScores is float [batch, labels]: one sigmoid per label.
	OutputScores = "scores"
)

// Opset is the ONNX operator set the graph is written against.
const Opset = 17

// maskOff is added past a post's end so that padding never wins the max.
const maskOff = -1e4

// Batch holds the ONNX inputs for a group of encoded posts.
type Batch struct {
	// B, T and S are the batch size, the longest post in words and the
	// most subwords of a word.
	B, T, S int
	// IDs, Weights, Mask and Prior are the four inputs, row-major.
	IDs     []int64
	Weights []float32
	Mask    []float32
	Prior   []float32
}

// Fill lays out posts (from Encode) with their first-stage logits (priors,
// Labels values each, concatenated) as the graph's inputs, reusing b's arrays.
func (b *Batch) Fill(posts [][][]int32, priors []float32) {
	b.Prior = append(b.Prior[:0], priors...)
	b.B, b.T, b.S = len(posts), 1, 1
	for _, p := range posts {
		b.T = max(b.T, len(p))
		for _, w := range p {
			b.S = max(b.S, len(w))
		}
	}
	P := b.T + 2
	n := b.B * P * b.S
	if cap(b.IDs) < n {
		b.IDs, b.Weights = make([]int64, n), make([]float32, n)
	}
	b.IDs, b.Weights = b.IDs[:n], b.Weights[:n]
	clear(b.IDs)
	clear(b.Weights)
	b.Mask = resize(b.Mask, b.B*b.T)
	for i, p := range posts {
		for t, w := range p {
			at := (i*P + t + 1) * b.S
			for s, id := range w {
				b.IDs[at+s] = int64(id)
				b.Weights[at+s] = 1 / float32(len(w))
			}
		}
		for t := 0; t < b.T; t++ {
			v := float32(0)
			if t >= max(len(p), 1) {
				v = maskOff
			}
			b.Mask[i*b.T+t] = v
		}
	}
}

// ONNX encodes the network as an ONNX model (opset 17) with inputs
// InputSubwords, InputSubwordWeights, InputMask and InputPrior and output OutputScores;
// meta goes into its metadata.
func (n *Net) ONNX(meta [][2]string) ([]byte, error) {
	if err := n.Check(); err != nil {
		return nil, err
	}
	D, F, L := int64(n.Dim), int64(n.Filters), int64(n.Labels)
	f, i64, node := onnxpb.FloatTensor, onnxpb.Int64Vector, onnxpb.Op
	inits := []onnxpb.Tensor{
		f("emb", []int64{int64(n.Buckets), D}, n.Emb),
		f("conv_b", []int64{F}, n.ConvB),
		f("out_w", []int64{F, L}, n.Out),
		f("out_b", []int64{L}, n.OutB),
		i64("axis1", 1), i64("axis2", 2), i64("axis3", 3),
	}
	nodes := []onnxpb.Node{
		node("Gather", []string{"emb", InputSubwords}, "sub_e", onnxpb.IntAttr("axis", 0)),
		node("Unsqueeze", []string{InputSubwordWeights, "axis3"}, "sub_w"),
		node("Mul", []string{"sub_e", "sub_w"}, "sub_ew"),
		node("ReduceSum", []string{"sub_ew", "axis2"}, "x", onnxpb.IntAttr("keepdims", 0)),
	}
	var terms []string
	for j := 0; j < Width; j++ {
		name := func(s string) string { return s + string(rune('0'+j)) }
		inits = append(inits, f(name("conv_w"), []int64{D, F}, n.Conv[int64(j)*D*F:int64(j+1)*D*F]))
		end := int64(j - (Width - 1))
		if end == 0 {
			end = math.MaxInt64
		}
		inits = append(inits, i64(name("start"), int64(j)), i64(name("end"), end))
		nodes = append(nodes,
			node("Slice", []string{"x", name("start"), name("end"), "axis1"}, name("x_shift")),
			node("MatMul", []string{name("x_shift"), name("conv_w")}, name("h_part")))
		terms = append(terms, name("h_part"))
	}
	nodes = append(nodes,
		node("Sum", append(terms, "conv_b"), "h_pre"),
		node("Relu", []string{"h_pre"}, "h"),
		node("Add", []string{"h", InputMask}, "h_masked"),
		node("ReduceMax", []string{"h_masked"}, "pool", onnxpb.IntsAttr("axes", 1), onnxpb.IntAttr("keepdims", 0)),
		node("Gemm", []string{"pool", "out_w", "out_b"}, "z_reader"),
		node("Add", []string{"z_reader", InputPrior}, "z"),
		node("Sigmoid", []string{"z"}, OutputScores),
	)
	g := onnxpb.Graph{
		Name: "rasd_reader", Nodes: nodes, Initializers: inits,
		Inputs: []onnxpb.ValueInfo{
			{Name: InputSubwords, ElemType: onnxpb.Int64, Dims: []int64{-1, -1, -1}, Params: []string{"batch", "positions", "subwords"}},
			{Name: InputSubwordWeights, ElemType: onnxpb.Float, Dims: []int64{-1, -1, -1}, Params: []string{"batch", "positions", "subwords"}},
			{Name: InputMask, ElemType: onnxpb.Float, Dims: []int64{-1, -1, 1}, Params: []string{"batch", "words", ""}},
			{Name: InputPrior, ElemType: onnxpb.Float, Dims: []int64{-1, L}, Params: []string{"batch", ""}},
		},
		Outputs: []onnxpb.ValueInfo{
			{Name: OutputScores, ElemType: onnxpb.Float, Dims: []int64{-1, L}, Params: []string{"batch", ""}},
		},
	}
	m := onnxpb.Model{IRVersion: 8, Opset: Opset, Producer: "rasd", ProducerVersion: "1",
		Doc: "Rasd second-stage reader: subword embeddings, width-3 convolution over words, max pooling, one sigmoid per label", Metadata: meta, Graph: g}
	return m.Marshal(), nil
}
