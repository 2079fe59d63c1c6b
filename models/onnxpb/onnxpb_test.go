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
