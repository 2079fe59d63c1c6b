package models

import (
	"fmt"
	"math"
	"slices"
)

// Stance discounts the probabilities of the labels that send a post to
// reviewers by how likely the network reads the post as protected speech
// about them: counter-speech that quotes or denounces hate, or news that
// reports an attack. Each probability p of Labels becomes p·(1−c)^Exponent,
// where c is the largest probability among By. A bag of n-grams sees the
// quoted slur in «whoever calls them X is a criminal» as it sees it in
// «they are X»; the context labels learnt what the quotation and the
// denouncing around it look like, and the discount lets that reading lower
// the serious scores instead of standing beside them. The card's thresholds
// apply to the discounted scores, and the discounted scores are the ones a
// Model reports.
type Stance struct {
	// Exponent is how strongly the context probability discounts (0: not
	// at all).
	Exponent float64 `json:"exponent"`
	// Labels are the discounted labels.
	Labels []string `json:"labels"`
	// By are the context labels whose largest probability discounts them.
	By []string `json:"by"`
	// Rule says how Exponent was chosen.
	Rule string `json:"rule,omitempty"`
}

// Discount applies a card's Stance to rows of network outputs (one
// probability per card label, in card order). The zero value leaves rows
// unchanged.
type Discount struct {
	exp    float64
	on, by []int
}

// Discount returns the discount the card's Stance describes, by network
// output column; the zero Discount when the card has none.
func (c *Card) Discount() Discount {
	s := c.Stance
	if s == nil || s.Exponent == 0 {
		return Discount{}
	}
	d := Discount{exp: s.Exponent}
	for _, l := range s.Labels {
		d.on = append(d.on, slices.Index(c.Labels, l))
	}
	for _, l := range s.By {
		d.by = append(d.by, slices.Index(c.Labels, l))
	}
	return d
}

// NewDiscount is the discount by exponent exp of the columns on by the
// largest of the columns by (indexes into a row of network outputs).
func NewDiscount(exp float64, on, by []int) Discount {
	return Discount{exp: exp, on: slices.Clone(on), by: slices.Clone(by)}
}

// Active reports whether d changes any row.
func (d Discount) Active() bool { return d.exp != 0 && len(d.on) > 0 && len(d.by) > 0 }

// factor is what an active d multiplies the discounted columns of row by.
func (d Discount) factor(row []float32) float64 {
	var c float32
	for _, k := range d.by {
		c = max(c, row[k])
	}
	return math.Pow(1-float64(min(max(c, 0), 1)), d.exp)
}

// Apply discounts row in place.
func (d Discount) Apply(row []float32) {
	if !d.Active() {
		return
	}
	f := d.factor(row)
	for _, k := range d.on {
		row[k] = float32(float64(row[k]) * f)
	}
}

// validate checks the stance against the card's labels.
func (s *Stance) validate(c *Card) error {
	if math.IsNaN(s.Exponent) || math.IsInf(s.Exponent, 0) || s.Exponent < 0 {
		return fmt.Errorf("stance exponent %v is not a finite number ≥ 0", s.Exponent)
	}
	for _, l := range s.Labels {
		if !slices.Contains(c.Labels, l) || c.IsContext(l) || c.IsHeadLabel(l) {
			return fmt.Errorf("stance discounts %q, which is not one of the card's own non-context labels", l)
		}
	}
	for _, l := range s.By {
		if !c.IsContext(l) {
			return fmt.Errorf("stance is read from %q, which is not a context label", l)
		}
	}
	if s.Exponent > 0 && (len(s.Labels) == 0 || len(s.By) == 0) {
		return fmt.Errorf("stance with exponent %v names no labels to discount or none to read", s.Exponent)
	}
	return nil
}
