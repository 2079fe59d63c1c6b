package models

import (
	"strings"
	"testing"
)

func TestCardValidatesHeads(t *testing.T) {
	base := func() *Card {
		return &Card{Name: "m", Version: "1", Labels: []string{"hate", "offensive", "counter_speech", "hate@public"},
			Thresholds:    map[string]float64{"hate": 0.5, "offensive": 0.5, "counter_speech": 0.5, "hate@public": 0.3},
			ContextLabels: []string{"counter_speech"},
			Heads:         []Head{{Name: "public", Data: []string{"a.jsonl"}, Labels: map[string]string{"hate": "hate@public"}}},
			Features:      DefaultFeatures(), Net: NetConfig{Dim: 8, Hidden: 4}}
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("a well-formed card with a head: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Card)
		want string
	}{
		{"output no head lists", func(c *Card) { c.Heads = nil }, "no head lists it"},
		{"label after the heads", func(c *Card) {
			c.Labels = []string{"hate", "hate@public", "offensive", "counter_speech"}
		}, "must come last"},
		{"output of another name", func(c *Card) { c.Heads[0].Labels["hate"] = "hate@other" }, "is not \"hate@public\""},
		{"head on a label the model lacks", func(c *Card) {
			c.Heads[0].Labels = map[string]string{"threat": "threat@public"}
			c.Labels[3], c.Thresholds["threat@public"] = "threat@public", 0.3
		}, "not one of the model's own labels"},
		{"head on a context label", func(c *Card) {
			c.Heads[0].Labels = map[string]string{"counter_speech": "counter_speech@public"}
			c.Labels[3], c.Thresholds["counter_speech@public"] = "counter_speech@public", 0.3
		}, "context label"},
		{"nameless head", func(c *Card) { c.Heads[0].Name = "" }, "unique name"},
	} {
		c := base()
		tc.edit(c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	c := base()
	if h, err := c.Head("public"); err != nil || h.Labels["hate"] != "hate@public" {
		t.Errorf("Head(public) = %+v, %v", h, err)
	}
	if _, err := c.Head("x"); err == nil || !strings.Contains(err.Error(), "heads: public") {
		t.Errorf("Head(x): %v", err)
	}
	if l, h, ok := SplitHeadLabel(HeadLabel("hate", "public")); !ok || l != "hate" || h != "public" {
		t.Errorf("SplitHeadLabel(HeadLabel) = %q %q %v", l, h, ok)
	}
	for _, s := range []string{"hate", "@public", "hate@"} {
		if _, _, ok := SplitHeadLabel(s); ok {
			t.Errorf("SplitHeadLabel(%q) took it for a head's output", s)
		}
	}
}
