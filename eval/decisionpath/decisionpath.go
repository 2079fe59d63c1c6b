// Package decisionpath runs labelled items through the engine's decision
// path as `rasd run` wires it: the model scores them, the signals stage
// reads them, and the routing policy decides (package eval counts the
// decisions). Scores and signals are computed once, so the same items can
// be routed again under other thresholds (Sweep).
package decisionpath

import (
	"context"
	"fmt"
	"os"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/index/pipeline"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/models/signals"
	"github.com/rasd-iq/rasd/policy"
)

// Scored holds items scored by the model and read by the signals stage.
type Scored struct {
	Items  []dataset.Item
	posts  []*ingest.Post
	scored []pipeline.Scored
}

// batch is how many items the model scores at once.
const batch = 512

// Score scores items in batches and finds their signals, as the pipeline
// does for every post before the router.
func Score(ctx context.Context, scorer pipeline.ModelScorer, det *signals.Detector, items []dataset.Item) (*Scored, error) {
	s := &Scored{Items: items, posts: make([]*ingest.Post, 0, len(items)), scored: make([]pipeline.Scored, 0, len(items))}
	for start := 0; start < len(items); start += batch {
		part := items[start:min(start+batch, len(items))]
		texts := make([]string, len(part))
		for i := range part {
			texts[i] = part[i].Text
		}
		scored, err := scorer.Score(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("scoring items %d to %d: %w", start+1, start+len(part), err)
		}
		for i := range part {
			post := &ingest.Post{ID: part[i].ID, Text: part[i].Text, Source: "eval"}
			scored[i].Signals = det.Signals(post, scored[i].Normalized)
			s.posts = append(s.posts, post)
			s.scored = append(s.scored, scored[i])
		}
	}
	return s, nil
}

// Route passes every scored item through router. It only reads s, so
// several routers may route the same items at once.
func (s *Scored) Route(router pipeline.PolicyRouter) ([]eval.RoutedItem, error) {
	out := make([]eval.RoutedItem, 0, len(s.Items))
	err := s.judge(router, func(i int, d policy.Decision) {
		r := eval.RoutedItem{Item: s.Items[i], Queued: d.Queue, Urgent: d.Urgent, Support: d.Support, Rule: d.RuleID}
		for _, sg := range s.scored[i].Signals {
			r.Signals = append(r.Signals, sg.Name)
		}
		for _, p := range d.Protected {
			r.Protected = append(r.Protected, p.Category)
		}
		out = append(out, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Queued returns how many of the scored items router queues, as Route
// would mark them, without building their reports.
func (s *Scored) Queued(router pipeline.PolicyRouter) (int, error) {
	n := 0
	err := s.judge(router, func(_ int, d policy.Decision) {
		if d.Queue {
			n++
		}
	})
	return n, err
}

// judge calls fn with router's decision on every scored item, in order.
func (s *Scored) judge(router pipeline.PolicyRouter, fn func(i int, d policy.Decision)) error {
	for i := range s.Items {
		jd, err := router.Judge(s.posts[i], &s.scored[i])
		if err != nil {
			return fmt.Errorf("item %s (line %d): %w", s.Items[i].ID, s.Items[i].Line, err)
		}
		fn(i, jd.Decision)
	}
	return nil
}

// Sweep routes the scored items under every setting of opts (eval.Sweep),
// each under a copy of router's policy with those thresholds. Labels not
// among the policy's violation labels are refused. traffic, when not nil,
// holds posts of real traffic scored the same way: each setting routes them
// too, and one that queues more than opts.MaxTraffic of them is not chosen.
func (s *Scored) Sweep(router pipeline.PolicyRouter, opts eval.SweepOptions, traffic *Scored) (eval.SweepReport, error) {
	pol := router.Policy
	current := pol.Thresholds()
	for _, l := range opts.Labels {
		if _, ok := current[l]; !ok {
			return eval.SweepReport{}, fmt.Errorf("%q is not a violation label of policy %s", l, pol.Version)
		}
	}
	opts.Current = current
	under := func(th map[string]float64) (pipeline.PolicyRouter, error) {
		q, err := pol.WithThresholds(th)
		if err != nil {
			return router, err
		}
		rt := router
		rt.Policy = q
		return rt, nil
	}
	if traffic != nil {
		opts.TrafficItems = len(traffic.Items)
		opts.Traffic = func(th map[string]float64) (int, error) {
			rt, err := under(th)
			if err != nil {
				return 0, err
			}
			return traffic.Queued(rt)
		}
	}
	return eval.Sweep(opts, func(th map[string]float64) ([]eval.RoutedItem, error) {
		rt, err := under(th)
		if err != nil {
			return nil, err
		}
		return s.Route(rt)
	})
}

// WriteTuned writes to path the policy pol was read from, with the
// thresholds rep chose and version (the policy's own plus -tuned when
// empty), every other line as it was; nothing is written when no setting
// met the target.
func WriteTuned(path string, pol *policy.Policy, version string, rep eval.SweepReport) (string, error) {
	if rep.Best == nil {
		return "", fmt.Errorf("no setting meets the protected target and the floors; %s not written", path)
	}
	if version == "" {
		version = pol.Version + "-tuned"
	}
	tuned, err := policy.RewriteThresholds(pol.File(), pol.Source(), version, rep.Best.Thresholds)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, tuned, 0o644); err != nil {
		return "", fmt.Errorf("writing the tuned policy: %w", err)
	}
	return version, nil
}
