package policy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"math"
	"slices"
	"time"

	"github.com/rasd-iq/rasd/policy/audit"
)

// Signal is one cue found in a post besides the model's scores, with the
// evidence for it: a named person, a threat to someone's home, a quotation,
// criticism of an official. Its Name is a signal label of the policy.
type Signal struct {
	// Name is the signal label, e.g. "named_person".
	Name string `json:"name"`
	// Start and End are the byte range of the evidence in the original text;
	// both zero when the signal has no span (a source's type, say).
	Start int `json:"start,omitempty"`
	End   int `json:"end,omitempty"`
	// Detail says what was found, e.g. `role "activist"`.
	Detail string `json:"detail,omitempty"`
}

// Judgement is what the engine decided about one post, made once when the post
// is routed and kept with its record: the model and the scores it gave (raw
// and on the policy's scale), the signals found, and the routing decision.
// Reviewers see it, the audit log holds it, and a referral package is built
// from it: a later policy or model never rewrites it.
type Judgement struct {
	// Model is the NAME@VERSION that scored the post.
	Model string `json:"model"`
	// Normalizer is the version of the text normaliser the model read.
	Normalizer string `json:"normalizer,omitempty"`
	// Raw are the model's scores as it gave them.
	Raw map[string]float64 `json:"raw_scores,omitempty"`
	// Undiscounted are the raw scores that the model's stance discount
	// lowered, as they were before it: what the words scored before the
	// model read the post as counter-speech or news (models.Stance).
	Undiscounted map[string]float64 `json:"undiscounted_scores,omitempty"`
	// Thresholds are the model card's operating points the raw scores were
	// mapped with (see PolicyScores).
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
	// Scores are the scores on the policy's scale, the ones routed.
	Scores map[string]float64 `json:"scores,omitempty"`
	// Signals are the cues found besides the scores.
	Signals []Signal `json:"signals,omitempty"`
	// SourceType is the kind of source the post came from, e.g. "news".
	SourceType string `json:"source_type,omitempty"`
	// Decision is the routing under the policy of the time.
	Decision Decision `json:"decision"`
	// At is when the judgement was made.
	At time.Time `json:"at"`
}

// PolicyScores maps a model's raw scores onto the policy's scale, the one
// scale that routing, the queue and every page use: each raw score s of a
// label whose model-card threshold is t becomes σ(logit(s) − logit(t)). The
// map is monotone and puts the model's own operating point at 0.5, so the
// policy's bars (0.6 to 0.9) sit above it for every model. A label without
// a threshold in (0,1) keeps its raw score.
func PolicyScores(raw, thresholds map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(raw))
	for l, s := range raw {
		out[l] = PolicyScore(s, thresholds[l])
	}
	return out
}

// PolicyScore maps one raw score s for a label with threshold t; see PolicyScores.
func PolicyScore(s, t float64) float64 {
	if t <= 0 || t >= 1 || math.IsNaN(s) {
		return s
	}
	s = math.Min(math.Max(s, 0), 1)
	// σ(logit(s) − logit(t)) = s(1−t) / (s(1−t) + t(1−s)): no logarithm
	// or exponential, for every label of every post.
	a, b := s*(1-t), t*(1-s)
	return a / (a + b)
}

// KnownContentSignal is the signal a media item matching a bank of known
// content raises, as "known_content:BANK"; rules name it without the bank.
const KnownContentSignal = "known_content"

// SignalNames returns the distinct names of signals, in first-seen order.
func SignalNames(signals []Signal) []string {
	var names []string
	for _, s := range signals {
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}

// Scored is what Judge needs about one post.
type Scored struct {
	// Model is the NAME@VERSION that scored it; Normalizer the normaliser's version.
	Model      string
	Normalizer string
	// Raw are the model's scores; Context its context labels.
	Raw     map[string]float64
	Context []string
	// Undiscounted are the raw scores the model's stance discount lowered,
	// before it.
	Undiscounted map[string]float64
	// Signals are the cues the signals stage found.
	Signals []Signal
	// SourceType is the source's kind from sources.yaml.
	SourceType string
}

// Judge maps a scored post's raw scores with thresholds, routes them with
// the signals and source type under p, and returns the whole judgement.
func (p *Policy) Judge(in Scored, thresholds map[string]float64, at time.Time) (Judgement, error) {
	v := Judgement{
		Model: in.Model, Normalizer: in.Normalizer, Raw: in.Raw, Undiscounted: in.Undiscounted, Thresholds: thresholds,
		Scores: PolicyScores(in.Raw, thresholds), Signals: in.Signals, SourceType: in.SourceType, At: at,
	}
	d, err := p.Route(Input{Scores: v.Scores, ContextLabels: in.Context, Signals: SignalNames(in.Signals), SourceType: in.SourceType})
	if err != nil {
		return v, fmt.Errorf("routing %s scores: %w", in.Model, err)
	}
	v.Decision = d
	return v, nil
}

// ReasonLines returns the decision's reasons followed by its protected-speech
// findings, one line each, as the queue shows them.
func (d *Decision) ReasonLines() []string {
	out := slices.Clone(d.Reasons)
	for _, pr := range d.Protected {
		out = append(out, "protected: "+pr.Category+": "+pr.Detail)
	}
	return out
}

// AuditEvent returns the judgement as the audit event of its routing
// decision about item, with the model, the scores of the labels it routed
// on (raw, threshold and policy scale), the signals and the source type.
// Its details are encoded once, in the audit log's canonical form.
func (j *Judgement) AuditEvent(item string) audit.Event {
	d := &j.Decision
	// Fields in the order of their JSON names, so that the encoding is
	// canonical (keys sorted at every level); a test checks it.
	type scoreDetail struct {
		Policy    float64 `json:"policy"`
		Raw       float64 `json:"raw"`
		Threshold float64 `json:"threshold"`
	}
	type details struct {
		Bases         []string               `json:"bases"`
		Fired         []string               `json:"fired"`
		HeldBack      []string               `json:"held_back"`
		Labels        []string               `json:"labels"`
		Model         string                 `json:"model"`
		Normalizer    string                 `json:"normalizer"`
		PolicyVersion string                 `json:"policy_version"`
		Priority      int                    `json:"priority"`
		Protected     []Reason               `json:"protected"`
		Queue         bool                   `json:"queue"`
		Reasons       []string               `json:"reasons"`
		RuleID        string                 `json:"rule_id"`
		Scores        map[string]scoreDetail `json:"scores"`
		Signals       []string               `json:"signals"`
		SourceType    string                 `json:"source_type"`
		Superseded    []string               `json:"superseded"`
		Support       bool                   `json:"support"`
		Urgent        bool                   `json:"urgent"`
	}
	v := details{
		Fired: d.Fired, HeldBack: d.HeldBack, Labels: d.Labels, Model: j.Model, Normalizer: j.Normalizer,
		PolicyVersion: d.PolicyVersion, Priority: d.Priority, Protected: d.Protected, Queue: d.Queue, Reasons: d.Reasons,
		RuleID: d.RuleID, Scores: make(map[string]scoreDetail, len(d.Labels)), Signals: SignalNames(j.Signals),
		SourceType: j.SourceType, Superseded: d.Superseded, Support: d.Support, Urgent: d.Urgent,
		Bases: make([]string, len(d.Bases)),
	}
	for i, b := range d.Bases {
		v.Bases[i] = b.ID
	}
	for _, l := range d.Labels {
		v.Scores[l] = scoreDetail{Policy: j.Scores[l], Raw: j.Raw[l], Threshold: j.Thresholds[l]}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	ev := audit.Event{Type: audit.TypeRouting, Actor: "policy", Subject: item, Time: j.At}
	if err := enc.Encode(v); err != nil { // strings, numbers and lists only
		ev.Details = map[string]any{"error": err.Error()}
		return ev
	}
	ev.Details = audit.CanonicalDetails(bytes.TrimRight(buf.Bytes(), "\n"))
	return ev
}
