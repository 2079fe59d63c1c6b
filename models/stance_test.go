package models

import (
	"math"
	"strings"
	"testing"
)

func TestDiscountScalesTheSeriousColumnsByTheLargestContext(t *testing.T) {
	row := []float32{0.8, 0.6, 0.5, 0.2, 0.4}
	d := NewDiscount(2, []int{0, 1}, []int{3, 4})
	d.Apply(row)
	f := math.Pow(1-0.4, 2)
	for k, want := range []float64{0.8 * f, 0.6 * f, 0.5, 0.2, 0.4} {
		if math.Abs(float64(row[k])-want) > 1e-6 {
			t.Errorf("column %d = %v, want %v", k, row[k], want)
		}
	}
	same := []float32{0.8, 0.6, 0.5, 0.2, 0.4}
	Discount{}.Apply(same)
	NewDiscount(0, []int{0}, []int{3}).Apply(same)
	if same[0] != 0.8 || same[1] != 0.6 {
		t.Errorf("the zero discount and exponent 0 changed the row: %v", same)
	}
}

func TestCardValidatesStance(t *testing.T) {
	base := func() *Card {
		return &Card{Name: "m", Version: "1", Labels: []string{"hate", "offensive", "counter_speech", "hate@public"},
			Heads:      []Head{{Name: "public", Data: []string{"x"}, Labels: map[string]string{"hate": "hate@public"}}},
			Thresholds: map[string]float64{"hate": 0.5, "offensive": 0.5, "counter_speech": 0.5, "hate@public": 0.5}, ContextLabels: []string{"counter_speech"},
			Features: FeatureConfig{Buckets: 1 << 10, CharMin: 2, CharMax: 4, WordMax: 2, MaxFeatures: 100}, Net: NetConfig{Dim: 4, Hidden: 4}}
	}
	ok := base()
	ok.Stance = &Stance{Exponent: 1, Labels: []string{"hate"}, By: []string{"counter_speech"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid stance refused: %v", err)
	}
	for name, s := range map[string]*Stance{
		"negative":        {Exponent: -1, Labels: []string{"hate"}, By: []string{"counter_speech"}},
		"not finite":      {Exponent: math.Inf(1), Labels: []string{"hate"}, By: []string{"counter_speech"}},
		"unknown label":   {Exponent: 1, Labels: []string{"threat"}, By: []string{"counter_speech"}},
		"context label":   {Exponent: 1, Labels: []string{"counter_speech"}, By: []string{"counter_speech"}},
		"head output":     {Exponent: 1, Labels: []string{"hate@public"}, By: []string{"counter_speech"}},
		"not by context":  {Exponent: 1, Labels: []string{"hate"}, By: []string{"offensive"}},
		"nothing to read": {Exponent: 1, Labels: []string{"hate"}},
	} {
		c := base()
		c.Stance = s
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "stance") {
			t.Errorf("%s: err = %v, want a stance error", name, err)
		}
	}
}
