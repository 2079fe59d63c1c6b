// Package quality estimates the live model's precision and recall in
// production from reviewers' final decisions: routed items tell how often
// what the rules send to review violates something (precision); the random
// sample of unrouted posts (review.Item.Sample) tells how often what they
// let pass does (the miss rate), which, scaled to every unrouted post of
// the period, estimates recall. Every share comes with its 95% Wilson
// interval, and shares resting on fewer than MinDecisions decisions are
// marked as too few to read. No identity is read or reported.
package quality

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/labels"
)

// MinDecisions is the fewest decisions a share is read from; below it the
// report says there are too few.
const MinDecisions = 30

// z is the normal quantile of a two-sided 95% interval.
const z = 1.959964

// Wilson returns the 95% Wilson score interval of hits successes out of n
// trials: [0, 1] when n is 0.
func Wilson(hits, n int) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	hits = max(0, min(hits, n))
	nf, p := float64(n), float64(hits)/float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return max(0, centre-half), min(1, centre+half)
}

// Share is Hits out of Of, with its 95% Wilson interval.
type Share struct {
	Hits  int     `json:"hits"`
	Of    int     `json:"of"`
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	// Enough is false when Of is below MinDecisions: too few to read.
	Enough bool `json:"enough"`
}

// NewShare returns hits out of of with its interval.
func NewShare(hits, of int) Share {
	s := Share{Hits: hits, Of: of, Enough: of >= MinDecisions}
	s.Low, s.High = Wilson(hits, of)
	if of > 0 {
		s.Value = float64(hits) / float64(of)
	}
	return s
}

// Recall is an estimated recall with a conservative 95% range.
type Recall struct {
	// Known is false when there is nothing to estimate from: no routed or
	// no sampled decisions, or no unrouted posts counted.
	Known bool    `json:"known"`
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	// Enough is false when either share it rests on has too few decisions.
	Enough bool `json:"enough"`
	// Routed is the estimated number of violating posts among those
	// routed; Missed among those not routed.
	Routed float64 `json:"routed_violating"`
	Missed float64 `json:"missed_violating"`
}

// Estimate is what the decisions say about one label, or about any label
// (Label empty).
type Estimate struct {
	Label string `json:"label,omitempty"`
	// Precision is, of the decided routed items flagged with the label
	// (any routed item, overall), how many reviewers found violating it.
	Precision Share `json:"precision"`
	// Violating is, of the decided routed items, how many reviewers found
	// violating the label (flagged with it or not).
	Violating Share `json:"routed_violating"`
	// MissRate is, of the decided samples, how many reviewers found
	// violating the label.
	MissRate Share `json:"miss_rate"`
	// Recall estimates the share of all violating posts that were routed.
	Recall Recall `json:"recall"`
}

// Report is the estimate of a period.
type Report struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Tally counts the posts processed, routed and sampled in the period
	// (the store's count).
	Tally store.Tally `json:"tally"`
	// Routed and Samples count the decided items of each kind in the
	// period; Undecided the items with no final decision yet.
	Routed    int `json:"routed_decided"`
	Samples   int `json:"samples_decided"`
	Undecided int `json:"undecided"`
	// Overall is the estimate for any label; Labels one per label, by name.
	Overall      Estimate   `json:"overall"`
	Labels       []Estimate `json:"labels"`
	MinDecisions int        `json:"min_decisions"`
}

// Rows returns the overall estimate, then one per label.
func (r Report) Rows() []Estimate { return append([]Estimate{r.Overall}, r.Labels...) }

// Case is one decided item as the estimator sees it.
type Case struct {
	// Sample is true for a sampled unrouted post.
	Sample bool
	// Flagged are the labels it was routed with; Final the labels
	// reviewers gave it in the end (none: violates nothing).
	Flagged, Final []string
}

// Compute returns the report of cases, with unrouted the number of posts
// not routed in the same period.
func Compute(cases []Case, unrouted int64) Report {
	r := Report{MinDecisions: MinDecisions}
	var names []string
	for _, c := range cases {
		if c.Sample {
			r.Samples++
		} else {
			r.Routed++
			names = append(names, c.Flagged...)
		}
		names = append(names, c.Final...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	r.Overall = estimate("", cases, unrouted, r.Routed)
	r.Labels = make([]Estimate, 0, len(names))
	for _, l := range names {
		r.Labels = append(r.Labels, estimate(l, cases, unrouted, r.Routed))
	}
	return r
}

func estimate(label string, cases []Case, unrouted int64, routed int) Estimate {
	has := func(ls []string) bool {
		if label == "" {
			return len(ls) > 0
		}
		return slices.Contains(ls, label)
	}
	var flagged, precise, violating, samples, missed int
	for _, c := range cases {
		switch {
		case c.Sample:
			samples++
			if has(c.Final) {
				missed++
			}
		default:
			if label == "" || slices.Contains(c.Flagged, label) {
				flagged++
				if has(c.Final) {
					precise++
				}
			}
			if has(c.Final) {
				violating++
			}
		}
	}
	e := Estimate{Label: label, Precision: NewShare(precise, flagged), Violating: NewShare(violating, routed), MissRate: NewShare(missed, samples)}
	e.Recall = recall(e.Violating, e.MissRate, unrouted)
	return e
}

// recall estimates recall as confirmed routed / (confirmed routed + miss
// rate × unrouted), its range from the ends of the miss rate's interval.
// Confirmed routed counts decided items: the estimate is low while routed
// items of the period wait for review.
func recall(violating, miss Share, unrouted int64) Recall {
	if violating.Of == 0 || miss.Of == 0 || unrouted <= 0 {
		return Recall{}
	}
	routed := float64(violating.Hits)
	u := float64(unrouted)
	at := func(m float64) float64 {
		if routed+m*u == 0 {
			return 0
		}
		return routed / (routed + m*u)
	}
	out := Recall{Known: routed > 0 || miss.Hits > 0, Routed: routed, Missed: miss.Value * u,
		Enough: violating.Enough && miss.Enough}
	if !out.Known {
		return out
	}
	out.Value, out.Low, out.High = at(miss.Value), at(miss.High), at(miss.Low)
	return out
}

// Source is what Read reads: the review queue and the store's tally.
type Source struct {
	Queue review.Queue
	Tally store.Tallier
}

// Read builds the report of the items added from from to to (a post's
// item is added when the pipeline processed it) from their final
// decisions, with the tally of the same days. Items a reviewer sent to
// review by hand are left out: neither routed nor sampled.
func Read(ctx context.Context, src Source, from, to time.Time) (Report, error) {
	closing := map[string]review.Decision{}
	seen := map[string]bool{}
	err := src.Queue.EachDecision(ctx, func(d review.Decision) error {
		seen[d.Item] = true
		if labels.Final(d) {
			closing[d.Item] = d
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("reading decisions: %w", err)
	}
	ids := make([]string, 0, len(closing))
	for id := range closing {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var cases []Case
	for _, id := range ids {
		it, err := src.Queue.Item(ctx, id)
		if err != nil {
			return Report{}, fmt.Errorf("reading item %s: %w", id, err)
		}
		if it.Manual || it.Added.Before(from) || it.Added.After(to) {
			continue
		}
		cases = append(cases, Case{Sample: it.Sample, Flagged: it.Labels, Final: labels.FromDecision(closing[id], it.Labels)})
	}
	var t store.Tally
	if src.Tally != nil {
		if t, err = src.Tally.Tally(ctx, from, to); err != nil {
			return Report{}, err
		}
	}
	r := Compute(cases, t.Unrouted())
	r.From, r.To, r.Tally = from.UTC(), to.UTC(), t
	r.Undecided = len(seen) - len(closing)
	return r, nil
}
