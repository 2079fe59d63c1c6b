package pipeline

import (
	"fmt"
	"testing"
)

func TestSampled(t *testing.T) {
	const n = 200_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("telegram:chan/%d", i)
	}
	for _, c := range []struct {
		name     string
		rate     float64
		min, max int
	}{
		{"off", 0, 0, 0},
		{"negative", -1, 0, 0},
		{"default half a percent", DefaultSampleRate, 850, 1150},
		{"ten percent", 0.1, 19_400, 20_600},
		{"all", 1, n, n},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := 0
			for _, id := range ids {
				if Sampled(id, c.rate) {
					got++
				}
			}
			if got < c.min || got > c.max {
				t.Errorf("rate %v sampled %d of %d, want %d to %d", c.rate, got, n, c.min, c.max)
			}
		})
	}
	t.Run("same choice every time, nested rates", func(t *testing.T) {
		for _, id := range ids[:20_000] {
			a := Sampled(id, 0.05)
			if a != Sampled(id, 0.05) {
				t.Fatalf("%s sampled once and not again", id)
			}
			if a && !Sampled(id, 0.2) {
				t.Fatalf("%s sampled at 5%% and not at 20%%", id)
			}
		}
	})
	if Sampled("", 1) {
		t.Error("an empty id was sampled")
	}
}
