package onnxpb

import (
	"slices"
	"strings"
	"testing"
)

func TestReadFloatInitializerRoundTrip(t *testing.T) {
	m := Model{IRVersion: 8, Opset: 17, Producer: "test", Graph: Graph{
		Name: "g",
		Initializers: []Tensor{
			{Name: "axes", Dims: []int64{1}, DataType: Int64, Int64s: []int64{1}},
			{Name: "w", Dims: []int64{2, 3}, DataType: Float, Floats: []float32{1, -2, 3.5, 0, 1e-7, 6}},
		},
		Nodes:   []Node{{Op: "Identity", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Inputs:  []ValueInfo{{Name: "x", ElemType: Float, Dims: []int64{-1, 3}, Params: []string{"batch", ""}}},
		Outputs: []ValueInfo{{Name: "y", ElemType: Float, Dims: []int64{-1, 3}, Params: []string{"batch", ""}}},
	}}
	b := m.Marshal()
	dims, vals, err := ReadFloatInitializer(b, "w")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dims, []int64{2, 3}) || !slices.Equal(vals, m.Graph.Initializers[1].Floats) {
		t.Errorf("read %v %v", dims, vals)
	}
	for _, tc := range []struct {
		name, init string
		data       []byte
		want       string
	}{
		{"missing", "nope", b, "no initializer"},
		{"not float", "axes", b, "data type 7"},
		{"truncated", "w", b[:len(b)/2], "reading"},
		{"no graph", "w", []byte{}, "no graph"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadFloatInitializer(tc.data, tc.init)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if !slices.Equal(m.Marshal(), b) {
		t.Error("Marshal is not deterministic")
	}
}

func TestReadIORoundTrip(t *testing.T) {
	ins := []ValueInfo{
		{Name: "ids", ElemType: Int64, Dims: []int64{-1, -1}, Params: []string{"batch", "features"}},
		{Name: "dense", ElemType: Float, Dims: []int64{-1, 5}, Params: []string{"batch", ""}},
		{Name: "fixed", ElemType: Float, Dims: []int64{2, 3}},
	}
	outs := []ValueInfo{{Name: "scores", ElemType: Float, Dims: []int64{-1, 7}, Params: []string{"batch", ""}}}
	// An input that is also an initializer is an overridable constant, not
	// an input a caller must feed.
	withConst := append(slices.Clone(ins), ValueInfo{Name: "w", ElemType: Float, Dims: []int64{1}})
	m := Model{IRVersion: 8, Opset: 17, Graph: Graph{
		Name:         "g",
		Initializers: []Tensor{{Name: "w", Dims: []int64{1}, DataType: Float, Floats: []float32{1}}},
		Nodes:        []Node{{Op: "Identity", Inputs: []string{"dense"}, Outputs: []string{"scores"}}},
		Inputs:       withConst, Outputs: outs,
	}}
	gotIns, gotOuts, err := ReadIO(m.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	eq := func(a, b ValueInfo) bool {
		return a.Name == b.Name && a.ElemType == b.ElemType && slices.Equal(a.Dims, b.Dims) && slices.Equal(a.Params, b.Params)
	}
	if !slices.EqualFunc(gotIns, ins, eq) || !slices.EqualFunc(gotOuts, outs, eq) {
		t.Errorf("read inputs %+v outputs %+v; want %+v and %+v", gotIns, gotOuts, ins, outs)
	}
	for _, bad := range [][]byte{{}, m.Marshal()[:40]} {
		if _, _, err := ReadIO(bad); err == nil {
			t.Errorf("ReadIO(%d bytes) gave no error", len(bad))
		}
	}
}
