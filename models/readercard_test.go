package models

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models/reader"
	"github.com/rasd-iq/rasd/nlp"
)

// TestSecondStageThroughLoad saves a model with a random second stage and
// checks that Score re-reads exactly the gated posts, mixing the reader's
// scores (computed in Go) into the first stage's.
func TestSecondStageThroughLoad(t *testing.T) {
	lib := testORT(t)
	labels := []string{"hate", "offensive", "counter_speech"}
	dir, _, card := randomModel(t, 5, labels)
	texts := []string{"", "   ", "الروافض جرذان اقتلوهم", "@user https://x.y داعش", "a7eb el 3arab kolhom",
		"لازم نكتل كل واحد منهم", "ما اريد اكتل احد، الكتل حرام", "#الحشد\n#داعش هسه بالشارع"}
	r := rand.New(rand.NewPCG(9, 9))
	alphabet := []rune("ابتثجحخدذرسشصعغفقكلمنهويءة ")
	for i := 0; i < 40; i++ {
		var b strings.Builder
		for j := r.IntN(120); j > 0; j-- {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	// First-stage scores, from the model without its second stage.
	plain, err := Load(dir, Options{ORTLib: lib})
	if err != nil {
		t.Fatal(err)
	}
	firstPreds, err := plain.Score(context.Background(), texts)
	plain.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Gate hate at the median first-stage score, so that some posts are
	// re-read and some not; offensive's gate opens for none.
	var hs []float64
	for _, p := range firstPreds {
		hs = append(hs, p.Scores["hate"])
	}
	med := median(hs)
	rc := reader.Config{Buckets: 1 << 10, Dim: 6, Filters: 7, MaxWords: 12, MaxSubwords: 5}
	rr := rand.New(rand.NewPCG(2, 3))
	rn := reader.NewNet(rc, len(labels), func() float64 { return 2*rr.Float64() - 1 })
	for i := range rn.OutB {
		rn.OutB[i] = float32(rr.NormFloat64())
	}
	for i := range rn.Out {
		rn.Out[i] = float32(rr.NormFloat64())
	}
	b, err := rn.ONNX(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReaderFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	card.Reader = &ReaderCard{Config: rc, GateShare: 0.5, Gate: map[string]float64{"hate": med, "offensive": 2},
		Mix: map[string]float64{"hate": 0.5, "offensive": 1, "counter_speech": 0.25}, Rule: "test"}
	if err := WriteCard(dir, card); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, Options{ORTLib: lib, Batch: 7, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	preds, err := m.Score(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	second := make([]float32, len(labels))
	reread := 0
	for i, text := range texts {
		gated := firstPreds[i].Scores["hate"] >= med
		if gated {
			reread++
		}
		var prior []float32
		for _, l := range labels {
			prior = append(prior, reader.Logit(float32(firstPreds[i].Scores[l])))
		}
		rn.Predict(rc.Encode(nlp.Normalize(text)), prior, second)
		for k, l := range labels {
			want := firstPreds[i].Scores[l]
			if gated {
				a := card.Reader.Mix[l]
				want = (1-a)*want + a*float64(second[k])
			}
			if got := preds[i].Scores[l]; math.Abs(got-want) > 1e-5 {
				t.Errorf("text %d (re-read %v) label %s: scored %.6f, want %.6f", i, gated, l, got, want)
			}
		}
	}
	if reread == 0 || reread == len(texts) {
		t.Fatalf("%d of %d posts re-read; the test needs both kinds", reread, len(texts))
	}

	// A card that names a second stage without its file is refused.
	if err := os.Remove(filepath.Join(dir, ReaderFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, Options{ORTLib: lib}); err == nil || !strings.Contains(err.Error(), "second stage") {
		t.Errorf("missing reader.onnx: got %v", err)
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// TestReadNetRoundTrip reads a saved network back exactly.
func TestReadNetRoundTrip(t *testing.T) {
	dir, n, card := randomModel(t, 4, []string{"hate", "offensive", "counter_speech"})
	got, gotCard, err := ReadNet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if gotCard.ID() != card.ID() {
		t.Errorf("card %s, want %s", gotCard.ID(), card.ID())
	}
	for _, p := range [][2][]float32{{got.Emb, n.Emb}, {got.IDF, n.IDF}, {got.W1, n.W1}, {got.B1, n.B1}, {got.W2, n.W2}, {got.B2, n.B2}, {got.W3, n.W3}} {
		if !slices.Equal(p[0], p[1]) {
			t.Fatal("weights differ after a round trip")
		}
	}
}
