package models

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/nlp"
)

// testORT returns the ONNX Runtime library or fails the test clearly.
func testORT(t testing.TB) string {
	t.Helper()
	lib, err := FindORTLib("")
	if err != nil {
		t.Fatalf("these tests need ONNX Runtime (make ort): %v", err)
	}
	return lib
}

// randomModel writes a random network and its card to a temp dir.
func randomModel(t testing.TB, seed uint64, labels []string) (string, *Net, *Card) {
	t.Helper()
	return randomModelEdited(t, seed, labels, nil)
}

// randomModelEdited is randomModel with edit applied to the network before
// it is saved.
func randomModelEdited(t testing.TB, seed uint64, labels []string, edit func(*Net)) (string, *Net, *Card) {
	t.Helper()
	lex, err := DefaultLexicon()
	if err != nil {
		t.Fatal(err)
	}
	feat := FeatureConfig{Buckets: 1 << 12, CharMin: 2, CharMax: 4, WordMax: 2, MaxFeatures: 300}
	n := NewNet(feat.Buckets, 8, len(lex.Categories), 6, len(labels))
	r := rand.New(rand.NewPCG(seed, 1))
	for _, s := range [][]float32{n.Emb, n.W1, n.B1, n.W2, n.B2, n.W3} {
		for i := range s {
			s[i] = float32(r.NormFloat64())
		}
	}
	for i := range n.IDF {
		n.IDF[i] = 1 + 3*r.Float32()
	}
	if edit != nil {
		edit(n)
	}
	card := &Card{Name: "rand", Version: "1", Labels: labels, Thresholds: map[string]float64{},
		Normalizer: nlp.Version, Features: feat, Lexicons: lex.Info(),
		Net: NetConfig{Dim: n.Dim, Dense: n.Dense, Hidden: n.Hidden, Opset: Opset}}
	for _, l := range labels {
		card.Thresholds[l] = 0.5
	}
	if len(labels) > 2 {
		card.ContextLabels = labels[len(labels)-1:]
	}
	dir := t.TempDir()
	if err := SaveNet(dir, n, card); err != nil {
		t.Fatal(err)
	}
	return dir, n, card
}

func TestGoForwardMatchesONNXRuntime(t *testing.T) {
	t.Run("every bucket trained", func(t *testing.T) { testGoForwardMatchesONNXRuntime(t, nil) })
	// Buckets no training post filled have idf 0; the scorer leaves their
	// features out of the ONNX input, the Go network keeps them.
	t.Run("untrained buckets", func(t *testing.T) {
		testGoForwardMatchesONNXRuntime(t, func(n *Net) {
			for i := range n.IDF {
				if i%3 == 0 {
					n.IDF[i] = 0
				}
			}
		})
	})
}

func testGoForwardMatchesONNXRuntime(t *testing.T, edit func(*Net)) {
	lib := testORT(t)
	dir, n, card := randomModelEdited(t, 7, []string{"hate", "offensive", "counter_speech"}, edit)
	m, err := Load(dir, Options{ORTLib: lib, Batch: 5, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("ابتثجحخدذرسشصعغفقكلمنهويءة ")
	var texts []string
	for i := 0; i < 23; i++ {
		var b strings.Builder
		for j := r.IntN(300); j > 0; j-- {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	texts = append(texts, "", "   ", "الروافض جرذان اقتلوهم", "@user https://x.y داعش")
	preds, err := m.Score(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	ex := NewExtractor(card.Features)
	lex, _ := DefaultLexicon()
	dense := make([]float32, n.Dense)
	want := make([]float32, n.Labels)
	for i, text := range texts {
		norm := nlp.Normalize(text)
		ex.Extract(norm)
		lex.Dense(lex.Match(norm, nil), dense)
		n.Forward(ex.IDs, ex.Counts, dense, want)
		for k, l := range card.Labels {
			if got := preds[i].Scores[l]; math.Abs(got-float64(want[k])) > 1e-5 {
				t.Errorf("text %d label %s: onnx runtime %.7f, go %.7f", i, l, got, want[k])
			}
		}
	}
}

func TestDropUnweighted(t *testing.T) {
	ids := []int64{1, 2, 3, 4, 5, 6}
	w := []float32{0, 0.5, 0, 0.25, 0.125, 0}
	gotIDs, gotW := dropUnweighted(ids, w, 1)
	if !slices.Equal(gotIDs, []int64{1, 2, 4, 5}) || !slices.Equal(gotW, []float32{0, 0.5, 0.25, 0.125}) {
		t.Errorf("got %v %v; want the zero weights after position 1 removed", gotIDs, gotW)
	}
}

func TestScoreFlagsContextAndSpans(t *testing.T) {
	lib := testORT(t)
	dir, _, card := randomModel(t, 11, []string{"hate", "offensive", "counter_speech"})
	// Thresholds come from the card: 0 flags everything, 1 flags nothing (sigmoid < 1).
	card.Thresholds = map[string]float64{"hate": 0, "offensive": 1, "counter_speech": 0}
	if err := WriteCard(dir, card); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, Options{ORTLib: lib})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	text := "يا ناس، الروافض والنواصب جرذان!"
	preds, err := m.Score(context.Background(), []string{text})
	if err != nil {
		t.Fatal(err)
	}
	p := preds[0]
	if strings.Join(p.Flags, ",") != "hate" {
		t.Errorf("flags = %v, want [hate]", p.Flags)
	}
	if strings.Join(p.Context, ",") != "counter_speech" {
		t.Errorf("context = %v, want [counter_speech]", p.Context)
	}
	var terms []string
	for _, s := range p.Spans {
		terms = append(terms, text[s.Start:s.End]+"="+s.Label)
	}
	if got, want := strings.Join(terms, " "), "الروافض=hate والنواصب=hate جرذان=hate"; got != want {
		t.Errorf("spans = %q, want %q", got, want)
	}
	if m.ID() != "rand@1" {
		t.Errorf("ID = %q", m.ID())
	}
}

func TestCUDAFallsBackToCPU(t *testing.T) {
	lib := testORT(t)
	dir, _, _ := randomModel(t, 5, []string{"hate", "offensive"})
	var logBuf bytes.Buffer
	m, err := Load(dir, Options{ORTLib: lib, Device: "cuda", Threads: 2, Log: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Device() != "cpu" {
		t.Skipf("a CUDA provider is available here (device %q); fallback not exercised", m.Device())
	}
	if got := strings.Count(logBuf.String(), "cuda execution provider unavailable"); got != 1 {
		t.Errorf("want exactly one cuda warning, got %d in %q", got, logBuf.String())
	}
	if _, err := m.Score(context.Background(), []string{"نص"}); err != nil {
		t.Errorf("scoring after fallback: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	lib := testORT(t)
	dir, _, _ := randomModel(t, 5, []string{"hate"})
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, CardFile), []byte("{"), 0o644)
	// A card that names more labels than the network scores.
	mismatch, _, card := randomModel(t, 6, []string{"hate"})
	card.Labels = append(card.Labels, "threat")
	card.Thresholds["threat"] = 0.5
	if err := WriteCard(mismatch, card); err != nil {
		t.Fatal(err)
	}
	// A file that is not an ONNX model.
	garbled, _, _ := randomModel(t, 7, []string{"hate"})
	os.WriteFile(filepath.Join(garbled, ModelFile), []byte{0x3a, 0xff, 0xff}, 0o644)
	for _, tc := range []struct {
		name, dir string
		opts      Options
		want      string
	}{
		{"missing dir", filepath.Join(dir, "nope"), Options{ORTLib: lib}, "reading model card"},
		{"bad card", bad, Options{ORTLib: lib}, "parsing"},
		{"bad device", dir, Options{ORTLib: lib, Device: "tpu"}, "unknown device"},
		{"missing library", dir, Options{ORTLib: filepath.Join(dir, "libnone.so")}, "onnx runtime library"},
		{"card and network disagree", mismatch, Options{ORTLib: lib}, "does not match the card's 2 labels"},
		{"not an onnx file", garbled, Options{ORTLib: lib}, "reading onnx model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.dir, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDefaultModelLoadsAndScores(t *testing.T) {
	lib := testORT(t)
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, ModelFile))
	if err != nil {
		t.Fatalf("the committed default model is missing (make model): %v", err)
	}
	if st.Size() > 30<<20 {
		t.Errorf("model.onnx is %d bytes, over the 30 MB budget", st.Size())
	}
	m, err := Load("", Options{ORTLib: lib})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	card := m.Card()
	for _, l := range []string{"hate", "offensive"} {
		if _, ok := card.Thresholds[l]; !ok {
			t.Errorf("default model lacks label %q: %v", l, card.Labels)
		}
	}
	for _, l := range card.ContextLabels {
		if l != "counter_speech" && l != "news_report" {
			t.Errorf("unexpected context label %q", l)
		}
	}
	preds, err := m.Score(context.Background(), []string{"الجو حلو اليوم", "والله الروافض ما ينفع وياهم غير السيف، اقتلوهم"})
	if err != nil {
		t.Fatal(err)
	}
	if len(preds[0].Flags) != 0 {
		t.Errorf("a post about the weather is flagged: %v %v", preds[0].Flags, preds[0].Scores)
	}
	if len(preds[1].Flags) == 0 || len(preds[1].Spans) != 2 {
		t.Errorf("an explicit sectarian call to kill is not flagged with evidence: %+v", preds[1])
	}
}

func TestScoreNormalizedMatchesScore(t *testing.T) {
	lib := testORT(t)
	dir, _, _ := randomModel(t, 5, []string{"hate", "offensive", "counter_speech"})
	m, err := Load(dir, Options{ORTLib: lib, Batch: 2, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	texts := []string{"يا ناس، الروافض جرذان! https://x.com/a @someone", "د.ا.ع.ش راجعين #بغداد", "", "7aram 3alaik"}
	want, err := m.Score(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	norms := make([]string, len(texts))
	for i, s := range texts {
		norms[i] = nlp.Normalize(s)
	}
	norms[1] = "" // normalised by the model
	got, err := m.ScoreNormalized(context.Background(), texts, norms)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("text %d: ScoreNormalized %+v, Score %+v", i, got[i], want[i])
		}
		if !reflect.DeepEqual(want[i].Tokens, nlp.Tokenize(want[i].Normalized)) {
			t.Errorf("text %d: tokens %v are not those of %q", i, want[i].Tokens, want[i].Normalized)
		}
	}
	if _, err := m.ScoreNormalized(context.Background(), texts, norms[:1]); err == nil {
		t.Error("ScoreNormalized took 1 normalised text for 4 texts")
	}
}
