package reader

import (
	"math"
	"math/rand"
	"testing"
)

func tinyNet(t *testing.T, labels int) *Net {
	t.Helper()
	c := Config{Buckets: 1 << 8, Dim: 4, Filters: 5, MaxWords: 10, MaxSubwords: 6}
	r := rand.New(rand.NewSource(3))
	return NewNet(c, labels, func() float64 { return 2*r.Float64() - 1 })
}

// loss is the masked binary cross-entropy of one example, as add computes it.
func loss(n *Net, e Example) float64 {
	var s state
	n.forward(e.Words, e.Prior, &s)
	var l float64
	for k, y := range e.Y {
		if y < 0 {
			continue
		}
		p := float64(sigmoid(s.z[k]))
		if y > 0 {
			l -= math.Log(p)
		} else {
			l -= math.Log(1 - p)
		}
	}
	return l
}

// TestGradientsMatchFiniteDifferences checks the backward pass weight by weight.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	n := tinyNet(t, 3)
	e := Example{Words: n.Encode("يجب قتل جميع الكفار الان"), Y: []float32{1, 0, -1}, Prior: []float32{-1.5, 0.7, 2}}
	g := newGrads(n, 1)
	g.add(n, e, 0)
	check := func(name string, w, gw []float32, idx []int) {
		for _, i := range idx {
			old := w[i]
			const h = 2e-3
			w[i] = old + h
			lp := loss(n, e)
			w[i] = old - h
			lm := loss(n, e)
			w[i] = old
			num := (lp - lm) / (2 * h)
			if math.Abs(num-float64(gw[i])) > 2e-3+0.02*math.Abs(num) {
				t.Errorf("%s[%d]: backprop %.5f, finite difference %.5f", name, i, gw[i], num)
			}
		}
	}
	all := func(k int) []int {
		idx := make([]int, k)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	check("conv", n.Conv, g.conv, all(len(n.Conv)))
	check("conv_b", n.ConvB, g.convB, all(len(n.ConvB)))
	check("out", n.Out, g.out, all(len(n.Out)))
	check("out_b", n.OutB, g.outB, all(len(n.OutB)))
	if g.outB[2] != 0 {
		t.Errorf("an unannotated label has gradient %v", g.outB[2])
	}
	var idx []int
	for _, id := range g.touched[:4] {
		for i := 0; i < n.Dim; i++ {
			idx = append(idx, int(id)*n.Dim+i)
		}
	}
	check("emb", n.Emb, g.emb, idx)
}

// TestReadsWordOrder trains on a task no bag of words can learn: the same
// two words are violating in one order and harmless in the other.
func TestReadsWordOrder(t *testing.T) {
	c := Config{Buckets: 1 << 10, Dim: 8, Filters: 16, MaxWords: 16, MaxSubwords: 8}
	r := rand.New(rand.NewSource(5))
	n := NewNet(c, 1, func() float64 { return 2*r.Float64() - 1 })
	fillers := []string{"والله", "اليوم", "هسه", "بالشارع", "كلهم", "صدك", "اخي", "الناس"}
	post := func(a, b string) string {
		return fillers[r.Intn(len(fillers))] + " " + a + " " + b + " " + fillers[r.Intn(len(fillers))]
	}
	var train []Example
	for i := 0; i < 400; i++ {
		train = append(train, Example{Words: c.Encode(post("اقتلوا", "الكذب")), Y: []float32{1}})
		train = append(train, Example{Words: c.Encode(post("الكذب", "اقتلوا")), Y: []float32{0}})
	}
	best, _, err := Train(n, train, TrainConfig{Epochs: 6, LearningRate: 0.01, BatchSize: 16, Seed: 1, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	out := []float32{0}
	best.Predict(c.Encode("اخي اقتلوا الكذب هسه"), nil, out)
	pos := out[0]
	best.Predict(c.Encode("اخي الكذب اقتلوا هسه"), nil, out)
	neg := out[0]
	if pos < 0.9 || neg > 0.1 {
		t.Fatalf("word order not learnt: %.3f for the violating order, %.3f for the other", pos, neg)
	}
}

func TestEncode(t *testing.T) {
	c := Config{Buckets: 1 << 8, Dim: 4, Filters: 5, MaxWords: 3, MaxSubwords: 4}
	w := c.Encode("ارهابي ارهابى كلمة رابعة")
	if len(w) != 3 {
		t.Fatalf("%d words, want MaxWords 3", len(w))
	}
	for _, ids := range w {
		if len(ids) > 4 {
			t.Errorf("%d subwords, want at most 4", len(ids))
		}
		for _, id := range ids {
			if id < 1 || id >= 1<<8 {
				t.Errorf("id %d outside 1..255", id)
			}
		}
	}
	// Spelling variants share their skeleton subword.
	if w[0][1] != w[1][1] {
		t.Errorf("skeletons differ: %v and %v", w[0], w[1])
	}
	if len(c.Encode("  ")) != 0 {
		t.Errorf("blank text gave words")
	}
	if err := (Config{Buckets: 100, Dim: 4, Filters: 4, MaxWords: 4, MaxSubwords: 4}).Validate(); err == nil {
		t.Errorf("buckets 100 accepted")
	}
}
