// Package evaltest provides a deterministic fake model for tests of the
// evaluation harness, so that metric, loader and report tests run without
// ONNX Runtime or a trained model.
package evaltest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
)

// Fake scores a text for a label from keywords: 0.7 when a keyword of the
// label occurs, plus a hash of (label, text) in [0, 0.3). It is a pure function
// of the text, so the same text always gets the same scores.
type Fake struct {
	// Name is returned by ID.
	Name string
	// Keywords lists, per label, the substrings that push its score up.
	// The labels are the map's keys in sorted order.
	Keywords map[string][]string
	// Thresh holds the flagging thresholds; a missing label gets 0.5.
	Thresh map[string]float64
	// Calls counts calls of Score.
	Calls int
}

// Labels returns the keyword map's labels, sorted.
func (f *Fake) Labels() []string { return slices.Sorted(maps.Keys(f.Keywords)) }

// Thresholds returns Thresh with 0.5 for labels it lacks.
func (f *Fake) Thresholds() map[string]float64 {
	out := map[string]float64{}
	for _, l := range f.Labels() {
		t, ok := f.Thresh[l]
		if !ok {
			t = 0.5
		}
		out[l] = t
	}
	return out
}

// ScoreText returns the scores of one text.
func (f *Fake) ScoreText(text string) map[string]float64 {
	out := make(map[string]float64, len(f.Keywords))
	for l, kws := range f.Keywords {
		h := fnv.New64a()
		h.Write([]byte(l))
		h.Write([]byte{0})
		h.Write([]byte(text))
		s := 0.3 * float64(h.Sum64()%1000) / 1000
		for _, k := range kws {
			if strings.Contains(text, k) {
				s += 0.7
				break
			}
		}
		out[l] = s
	}
	return out
}

// Score scores every text.
func (f *Fake) Score(ctx context.Context, texts []string) ([]map[string]float64, error) {
	f.Calls++
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]map[string]float64, len(texts))
	for i, t := range texts {
		out[i] = f.ScoreText(t)
	}
	return out, nil
}

// ID returns "fake-NAME@1".
func (f *Fake) ID() string { return "fake-" + f.Name + "@1" }

// CardHash returns a hash of the name and keywords.
func (f *Fake) CardHash() string {
	h := sha256.New()
	h.Write([]byte(f.Name))
	for _, l := range f.Labels() {
		h.Write([]byte(l + "=" + strings.Join(f.Keywords[l], "|") + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Arabic returns a fake model for the public corpora's labels (hate,
// offensive) keyed on common Arabic insults and group words.
func Arabic(name string) *Fake {
	return &Fake{Name: name, Keywords: map[string][]string{
		"hate":      {"خنازير", "كلاب", "يهود", "الشيعة", "السنة", "روافض", "مجوس"},
		"offensive": {"كلب", "حمار", "خنزير", "زبالة", "حقير", "قذر", "يا ", "حثالة"},
	}}
}
