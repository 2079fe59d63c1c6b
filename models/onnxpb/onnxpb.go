// Package onnxpb writes ONNX model files (the ModelProto protobuf message)
// without an ONNX code generator: the few messages Rasd needs are encoded by
// hand with protowire, using the field numbers of onnx.proto.
//
// Only what a small feed-forward graph needs is covered: float32 and int64
// tensors, nodes with int/float/ints attributes, typed inputs and outputs
// with symbolic or fixed dimensions, opset imports and metadata properties.
package onnxpb

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// Tensor element types (TensorProto.DataType in onnx.proto).
const (
	Float = 1
	Int64 = 7
)

// Field numbers of onnx.proto, grouped by message.
const (
	modelIRVersion       = 1
	modelProducerName    = 2
	modelProducerVersion = 3
	modelDocString       = 6
	modelGraph           = 7
	modelOpsetImport     = 8
	modelMetadataProps   = 14

	opsetDomain  = 1
	opsetVersion = 2

	entryKey   = 1
	entryValue = 2

	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12

	nodeInput  = 1
	nodeOutput = 2
	nodeName   = 3
	nodeOpType = 4
	nodeAttr   = 5

	attrName   = 1
	attrF      = 2
	attrI      = 3
	attrInts   = 8
	attrType   = 20
	attrFloat  = 1 // AttributeProto.FLOAT
	attrInt    = 2 // AttributeProto.INT
	attrIntsTy = 7 // AttributeProto.INTS

	tensorDims      = 1
	tensorDataType  = 2
	tensorFloatData = 4
	tensorName      = 8
	tensorRawData   = 9

	valueName = 1
	valueType = 2

	typeTensor     = 1
	tensorElemType = 1
	tensorShape    = 2
	shapeDim       = 1
	dimValue       = 1
	dimParam       = 2
)

// Model is an ONNX model: one graph plus the opset it is written against.
type Model struct {
	// IRVersion is the ONNX IR version (8 fits opset 17).
	IRVersion int64
	// Opset is the default-domain operator set version.
	Opset int64
	// Producer and ProducerVersion name the program that wrote the file.
	Producer, ProducerVersion string
	// Doc is a free-text description.
	Doc string
	// Metadata is written as metadata_props, in the order given.
	Metadata [][2]string
	// Graph is the computation.
	Graph Graph
}

// Graph is a named list of nodes with its inputs, outputs and constant initializers.
type Graph struct {
	// Name names the graph.
	Name string
	// Nodes are in topological order.
	Nodes []Node
	// Initializers are the constant tensors (weights).
	Initializers []Tensor
	// Inputs and Outputs are the graph's typed interface.
	Inputs, Outputs []ValueInfo
}

// Node is one operator application.
type Node struct {
	// Op is the operator type, e.g. "Gemm".
	Op string
	// Name names the node (optional but useful in error messages).
	Name string
	// Inputs and Outputs are value names; "" marks an omitted optional input.
	Inputs, Outputs []string
	// Attrs are the node's attributes.
	Attrs []Attr
}

// Attr is a node attribute holding exactly one of an int, a float or a list of ints.
type Attr struct {
	// Name is the attribute name, e.g. "axis".
	Name string
	// Kind selects the value: 'i' for Int, 'f' for Float, 'I' for Ints.
	Kind byte
	// Int is the value of an 'i' attribute.
	Int int64
	// Float is the value of an 'f' attribute.
	Float float32
	// Ints is the value of an 'I' attribute.
	Ints []int64
}

// IntAttr returns an integer attribute.
func IntAttr(name string, v int64) Attr { return Attr{Name: name, Kind: 'i', Int: v} }

// FloatAttr returns a float attribute.
func FloatAttr(name string, v float32) Attr { return Attr{Name: name, Kind: 'f', Float: v} }

// IntsAttr returns an attribute holding a list of integers.
func IntsAttr(name string, v ...int64) Attr { return Attr{Name: name, Kind: 'I', Ints: v} }

// Tensor is a constant tensor. Exactly one of Floats and Int64s is used,
// according to DataType.
type Tensor struct {
	// Name is the value name nodes refer to.
	Name string
	// Dims is the shape; an empty shape is a scalar.
	Dims []int64
	// DataType is Float or Int64.
	DataType int32
	// Floats holds Float data in row-major order.
	Floats []float32
	// Int64s holds Int64 data in row-major order.
	Int64s []int64
}

// ValueInfo declares a graph input or output. Each dimension is either a
// fixed size (Dims[i] >= 0) or symbolic (Dims[i] < 0, named by Params[i]).
type ValueInfo struct {
	// Name is the value name.
	Name string
	// ElemType is Float or Int64.
	ElemType int32
	// Dims holds fixed sizes, or -1 for a symbolic dimension.
	Dims []int64
	// Params names symbolic dimensions (same length as Dims; "" where fixed).
	Params []string
}

// Marshal encodes m as an ONNX ModelProto. The output is deterministic.
func (m *Model) Marshal() []byte {
	var b []byte
	b = appendVarintField(b, modelIRVersion, uint64(m.IRVersion))
	b = appendStringField(b, modelProducerName, m.Producer)
	b = appendStringField(b, modelProducerVersion, m.ProducerVersion)
	if m.Doc != "" {
		b = appendStringField(b, modelDocString, m.Doc)
	}
	b = protowire.AppendTag(b, modelGraph, protowire.BytesType)
	b = protowire.AppendBytes(b, m.Graph.marshal())
	var op []byte
	op = appendStringField(op, opsetDomain, "")
	op = appendVarintField(op, opsetVersion, uint64(m.Opset))
	b = protowire.AppendTag(b, modelOpsetImport, protowire.BytesType)
	b = protowire.AppendBytes(b, op)
	for _, kv := range m.Metadata {
		var e []byte
		e = appendStringField(e, entryKey, kv[0])
		e = appendStringField(e, entryValue, kv[1])
		b = protowire.AppendTag(b, modelMetadataProps, protowire.BytesType)
		b = protowire.AppendBytes(b, e)
	}
	return b
}

func (g *Graph) marshal() []byte {
	var b []byte
	for i := range g.Nodes {
		b = appendMessage(b, graphNode, g.Nodes[i].marshal())
	}
	b = appendStringField(b, graphName, g.Name)
	for i := range g.Initializers {
		b = appendMessage(b, graphInitializer, g.Initializers[i].marshal())
	}
	for i := range g.Inputs {
		b = appendMessage(b, graphInput, g.Inputs[i].marshal())
	}
	for i := range g.Outputs {
		b = appendMessage(b, graphOutput, g.Outputs[i].marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, in := range n.Inputs {
		b = appendStringField(b, nodeInput, in)
	}
	for _, out := range n.Outputs {
		b = appendStringField(b, nodeOutput, out)
	}
	if n.Name != "" {
		b = appendStringField(b, nodeName, n.Name)
	}
	b = appendStringField(b, nodeOpType, n.Op)
	for i := range n.Attrs {
		b = appendMessage(b, nodeAttr, n.Attrs[i].marshal())
	}
	return b
}

func (a *Attr) marshal() []byte {
	var b []byte
	b = appendStringField(b, attrName, a.Name)
	switch a.Kind {
	case 'f':
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.Float))
		b = appendVarintField(b, attrType, attrFloat)
	case 'I':
		var packed []byte
		for _, v := range a.Ints {
			packed = protowire.AppendVarint(packed, uint64(v))
		}
		b = appendMessage(b, attrInts, packed)
		b = appendVarintField(b, attrType, attrIntsTy)
	default:
		b = appendVarintField(b, attrI, uint64(a.Int))
		b = appendVarintField(b, attrType, attrInt)
	}
	return b
}

func (t *Tensor) marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		var packed []byte
		for _, d := range t.Dims {
			packed = protowire.AppendVarint(packed, uint64(d))
		}
		b = appendMessage(b, tensorDims, packed)
	}
	b = appendVarintField(b, tensorDataType, uint64(t.DataType))
	b = appendStringField(b, tensorName, t.Name)
	var raw []byte
	switch t.DataType {
	case Int64:
		raw = make([]byte, 8*len(t.Int64s))
		for i, v := range t.Int64s {
			binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
		}
	default:
		raw = make([]byte, 4*len(t.Floats))
		for i, v := range t.Floats {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
	}
	b = appendMessage(b, tensorRawData, raw)
	return b
}

func (v *ValueInfo) marshal() []byte {
	var shape []byte
	for i, d := range v.Dims {
		var dim []byte
		if d >= 0 {
			dim = appendVarintField(dim, dimValue, uint64(d))
		} else {
			dim = appendStringField(dim, dimParam, v.Params[i])
		}
		shape = appendMessage(shape, shapeDim, dim)
	}
	var tt []byte
	tt = appendVarintField(tt, tensorElemType, uint64(v.ElemType))
	tt = appendMessage(tt, tensorShape, shape)
	var typ []byte
	typ = appendMessage(typ, typeTensor, tt)
	var b []byte
	b = appendStringField(b, valueName, v.Name)
	b = appendMessage(b, valueType, typ)
	return b
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

// ReadFloatInitializer finds the float32 initializer called name in an
// encoded ModelProto and returns its shape and values. It reads raw_data and
// float_data encodings.
func ReadFloatInitializer(model []byte, name string) ([]int64, []float32, error) {
	graph, err := field(model, modelGraph)
	if err != nil {
		return nil, nil, fmt.Errorf("reading onnx model: %w", err)
	}
	if graph == nil {
		return nil, nil, fmt.Errorf("reading onnx model: no graph")
	}
	var found []byte
	err = each(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != graphInitializer || typ != protowire.BytesType || found != nil {
			return nil
		}
		n, err := field(v, tensorName)
		if err != nil {
			return err
		}
		if string(n) == name {
			found = v
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading onnx model: %w", err)
	}
	if found == nil {
		return nil, nil, fmt.Errorf("onnx model has no initializer %q", name)
	}
	var dims []int64
	var vals []float32
	dtype := uint64(0)
	err = each(found, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == tensorDims && typ == protowire.BytesType:
			for len(v) > 0 {
				d, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return protowire.ParseError(n)
				}
				dims = append(dims, int64(d))
				v = v[n:]
			}
		case num == tensorDims && typ == protowire.VarintType:
			d, _ := protowire.ConsumeVarint(v)
			dims = append(dims, int64(d))
		case num == tensorDataType:
			dtype, _ = protowire.ConsumeVarint(v)
		case num == tensorRawData || num == tensorFloatData && typ == protowire.BytesType:
			if len(v)%4 != 0 {
				return fmt.Errorf("initializer %q: %d data bytes is not a multiple of 4", name, len(v))
			}
			vals = make([]float32, len(v)/4)
			for i := range vals {
				vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(v[4*i:]))
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading initializer %q: %w", name, err)
	}
	if dtype != Float {
		return nil, nil, fmt.Errorf("initializer %q has data type %d, want float", name, dtype)
	}
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	if n != int64(len(vals)) {
		return nil, nil, fmt.Errorf("initializer %q has shape %v but %d values", name, dims, len(vals))
	}
	return dims, vals, nil
}

// each calls fn for every field of a message; for varint and fixed fields v
// holds the encoded value, for length-delimited ones the payload.
func each(msg []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return protowire.ParseError(n)
		}
		msg = msg[n:]
		var v []byte
		switch typ {
		case protowire.BytesType:
			b, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return protowire.ParseError(m)
			}
			v, n = b, m
		default:
			m := protowire.ConsumeFieldValue(num, typ, msg)
			if m < 0 {
				return protowire.ParseError(m)
			}
			v, n = msg[:m], m
		}
		if err := fn(num, typ, v); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return nil
}

// field returns the payload of the first length-delimited field num of msg, or nil.
func field(msg []byte, num protowire.Number) ([]byte, error) {
	var out []byte
	err := each(msg, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if n == num && typ == protowire.BytesType && out == nil {
			out = v
		}
		return nil
	})
	return out, err
}

// ReadIO returns the declared inputs and outputs of an encoded ModelProto's
// graph, in order, without the inputs that are also initializers (constants
// a caller may override, which ONNX Runtime does not list as inputs either).
// A symbolic dimension has Dims[i] -1 and its name in Params[i]; Params is
// nil when every dimension is fixed.
func ReadIO(model []byte) (inputs, outputs []ValueInfo, err error) {
	graph, err := field(model, modelGraph)
	if err != nil {
		return nil, nil, fmt.Errorf("reading onnx model: %w", err)
	}
	if graph == nil {
		return nil, nil, fmt.Errorf("reading onnx model: no graph")
	}
	consts := map[string]bool{}
	err = each(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case graphInitializer:
			n, err := field(v, tensorName)
			if err != nil {
				return err
			}
			consts[string(n)] = true
		case graphInput, graphOutput:
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			if num == graphInput {
				inputs = append(inputs, vi)
			} else {
				outputs = append(outputs, vi)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading onnx model inputs and outputs: %w", err)
	}
	inputs = slices.DeleteFunc(inputs, func(vi ValueInfo) bool { return consts[vi.Name] })
	return inputs, outputs, nil
}

// readValueInfo decodes a ValueInfoProto of a tensor.
func readValueInfo(msg []byte) (ValueInfo, error) {
	var vi ValueInfo
	var hasParam bool
	err := each(msg, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == valueName && typ == protowire.BytesType:
			vi.Name = string(v)
		case num == valueType && typ == protowire.BytesType:
			tt, err := field(v, typeTensor)
			if err != nil || tt == nil {
				return err
			}
			return each(tt, func(num protowire.Number, typ protowire.Type, v []byte) error {
				switch {
				case num == tensorElemType && typ == protowire.VarintType:
					e, _ := protowire.ConsumeVarint(v)
					vi.ElemType = int32(e)
				case num == tensorShape && typ == protowire.BytesType:
					return each(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
						if num != shapeDim || typ != protowire.BytesType {
							return nil
						}
						d, param := int64(-1), ""
						err := each(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
							switch {
							case num == dimValue && typ == protowire.VarintType:
								n, _ := protowire.ConsumeVarint(v)
								d = int64(n)
							case num == dimParam && typ == protowire.BytesType:
								param, hasParam = string(v), true
							}
							return nil
						})
						vi.Dims = append(vi.Dims, d)
						vi.Params = append(vi.Params, param)
						return err
					})
				}
				return nil
			})
		}
		return nil
	})
	if !hasParam {
		vi.Params = nil
	}
	return vi, err
}

// FloatTensor returns a float32 initializer.
func FloatTensor(name string, dims []int64, v []float32) Tensor {
	return Tensor{Name: name, Dims: dims, DataType: Float, Floats: v}
}

// Int64Vector returns a one-dimensional int64 initializer holding v.
func Int64Vector(name string, v ...int64) Tensor {
	return Tensor{Name: name, Dims: []int64{int64(len(v))}, DataType: Int64, Int64s: v}
}

// Op returns a node with one output, named after it.
func Op(op string, ins []string, out string, attrs ...Attr) Node {
	return Node{Op: op, Name: out, Inputs: ins, Outputs: []string{out}, Attrs: attrs}
}
