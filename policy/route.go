package policy

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/rasd-iq/rasd/policy/audit"
)

// Input is what the pipeline knows about one item when it is routed.
type Input struct {
	// Scores maps label names to model scores in [0,1]. Labels the policy
	// does not declare are ignored and listed in Decision.Ignored.
	Scores map[string]float64 `yaml:"scores,omitempty" json:"scores,omitempty"`
	// ContextLabels are the context labels the model reported, e.g. "news_report".
	ContextLabels []string `yaml:"context_labels,omitempty" json:"context_labels,omitempty"`
	// Signals are lexicon, keyword and connector signals, e.g. "named_person".
	Signals []string `yaml:"signals,omitempty" json:"signals,omitempty"`
	// SourceType is the connector's kind of source, e.g. "news".
	SourceType string `yaml:"source_type,omitempty" json:"source_type,omitempty"`
}

// Reason explains why an item was considered protected speech.
type Reason struct {
	// Category is the protected category's id, e.g. "news".
	Category string `json:"category"`
	// Detail says what marked it, e.g. `context label "news_report" reported by the model`.
	Detail string `json:"detail"`
}

// Decision is the routing of one item.
type Decision struct {
	// Queue is true when the item enters the review queue.
	Queue bool `json:"queue"`
	// RuleID is the rule that put it there (the one with the lowest priority
	// among those that fired and were not superseded).
	RuleID string `json:"rule_id,omitempty"`
	// Label is the deciding rule's violation label (Rule.Label), the one a
	// reviewer files the item under, whatever the model scored.
	Label string `json:"label,omitempty"`
	// Priority orders the queue: lower is reviewed sooner.
	Priority int `json:"priority,omitempty"`
	// Urgent puts the item above every non-urgent one (threats to life).
	Urgent bool `json:"urgent,omitempty"`
	// Labels are the violation labels at or above their bar, highest score first.
	Labels []string `json:"labels,omitempty"`
	// Reasons explain, for the reviewer and the audit log, why each rule
	// fired, was superseded or was held back.
	Reasons []string `json:"reasons,omitempty"`
	// Protected explains why the item was considered protected speech.
	Protected []Reason `json:"protected,omitempty"`
	// Bases are the grounds a referral of the item may cite, the deciding rule's first.
	Bases []Basis `json:"bases,omitempty"`
	// Category is the deciding rule's statement-of-reasons category.
	Category string `json:"category,omitempty"`
	// Fired lists every rule whose conditions held, superseded or not.
	Fired []string `json:"fired,omitempty"`
	// Superseded lists fired rules silenced by another fired rule.
	Superseded []string `json:"superseded,omitempty"`
	// HeldBack lists rules that would have fired had the item not been protected.
	HeldBack []string `json:"held_back,omitempty"`
	// Support is true when a support rule decided the item (blackmail,
	// sextortion): it goes to the victim-support queue for help and
	// removal of the victim's images, and is never referred.
	Support bool `json:"support,omitempty"`
	// MaxScore is the highest score among Labels, used to order equal priorities.
	MaxScore float64 `json:"max_score,omitempty"`
	// Ignored lists scored labels the policy does not declare.
	Ignored []string `json:"ignored,omitempty"`
	// PolicyVersion is the version of the policy that made the decision.
	PolicyVersion string `json:"policy_version"`
}

// Before reports whether a is reviewed before b: urgent items first, then
// lower priority, then higher score. Items that are not queued come last.
func Before(a, b Decision) bool {
	if a.Queue != b.Queue {
		return a.Queue
	}
	if a.Urgent != b.Urgent {
		return a.Urgent
	}
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.MaxScore > b.MaxScore
}

// AuditEvent returns the decision as an audit event about item, so that
// every firing can be appended to the audit log.
func (d Decision) AuditEvent(item string) audit.Event {
	bases := make([]string, len(d.Bases))
	for i, b := range d.Bases {
		bases[i] = b.ID
	}
	details := map[string]any{
		"queue":          d.Queue,
		"rule_id":        d.RuleID,
		"label":          d.Label,
		"priority":       d.Priority,
		"urgent":         d.Urgent,
		"labels":         d.Labels,
		"reasons":        d.Reasons,
		"protected":      d.Protected,
		"bases":          bases,
		"fired":          d.Fired,
		"superseded":     d.Superseded,
		"held_back":      d.HeldBack,
		"support":        d.Support,
		"policy_version": d.PolicyVersion,
	}
	return audit.Event{Type: audit.TypeRouting, Actor: "policy", Subject: item, Details: details}
}

// Route decides whether an item enters the review queue and why. It fails
// only on malformed input: a score that is not a number in [0,1].
func (p *Policy) Route(in Input) (Decision, error) {
	d := Decision{PolicyVersion: p.Version}
	// Labels are sorted only when one is out of range or unknown, so that
	// errors and Ignored come in a fixed order.
	odd := false
	for name, s := range in.Scores {
		if badScore(s) || p.labels[name] == nil {
			odd = true
			break
		}
	}
	for _, name := range oddLabels(odd, in.Scores) {
		s := in.Scores[name]
		if badScore(s) {
			return Decision{}, fmt.Errorf("routing: score %v for label %q is outside [0,1]", s, name)
		}
		if p.labels[name] == nil {
			d.Ignored = append(d.Ignored, name)
		}
	}

	d.Protected = p.protectedReasons(in)
	protected := len(d.Protected) > 0

	// Evaluate every rule; with protection, violation labels need the bar,
	// unless the rule ignores every category that marks the item.
	var fired []*Rule
	for i := range p.Rules {
		r := &p.Rules[i]
		if !p.matches(r, in, 0) {
			continue
		}
		bar := p.ruleBar(r, d.Protected)
		prot := bar > 0
		if prot && p.signalsOnly(r) {
			// No score can reach the protected bar: a rule that rests on
			// signals alone is held back by every category it does not ignore.
			d.HeldBack = append(d.HeldBack, r.ID)
			d.Reasons = append(d.Reasons, fmt.Sprintf("rule %s held back: item is protected and the rule rests on signals alone", r.ID))
			continue
		}
		if bar >= 1 {
			// A category whose bar is 1 holds back every rule it marks.
			d.HeldBack = append(d.HeldBack, r.ID)
			d.Reasons = append(d.Reasons, fmt.Sprintf("rule %s held back: item is protected by a category whose bar no score reaches", r.ID))
			continue
		}
		if prot && !p.matches(r, in, bar) {
			d.HeldBack = append(d.HeldBack, r.ID)
			d.Reasons = append(d.Reasons, fmt.Sprintf("rule %s held back: item is protected and %s", r.ID, p.belowBar(r, in, bar)))
			continue
		}
		if protected && !prot {
			d.Reasons = append(d.Reasons, fmt.Sprintf("rule %s is not held back by the protection of this item (%s): it ignores those categories", r.ID, categoryList(d.Protected)))
		}
		fired = append(fired, r)
		d.Fired = append(d.Fired, r.ID)
	}

	// Supersession.
	silenced := map[string]string{}
	for _, r := range fired {
		for _, s := range p.covers[r.ID] {
			if _, done := silenced[s]; !done {
				silenced[s] = r.ID
			}
		}
	}
	var live []*Rule
	for _, r := range fired {
		if by, ok := silenced[r.ID]; ok && slices.Contains(d.Fired, by) && by != r.ID {
			d.Superseded = append(d.Superseded, r.ID)
			d.Reasons = append(d.Reasons, fmt.Sprintf("rule %s superseded by %s", r.ID, by))
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		if protected && len(d.HeldBack) == 0 {
			d.Reasons = append(d.Reasons, "item is protected; no violation label reached a rule")
		}
		return d, nil
	}
	sort.SliceStable(live, func(i, j int) bool {
		if live[i].Urgent != live[j].Urgent {
			return live[i].Urgent
		}
		return live[i].Priority < live[j].Priority
	})
	win := live[0]
	d.Queue = true
	d.RuleID = win.ID
	d.Label = win.Label
	d.Priority = win.Priority
	d.Category = win.Category
	seenBasis := map[string]bool{}
	var reasons []string
	for _, r := range live {
		d.Urgent = d.Urgent || r.Urgent
		d.Support = d.Support || r.Queue == QueueSupport
		d.Priority = min(d.Priority, r.Priority)
		for _, id := range r.Bases {
			if !seenBasis[id] {
				seenBasis[id] = true
				d.Bases = append(d.Bases, *p.bases[id])
			}
		}
		reasons = append(reasons, fmt.Sprintf("rule %s fired: %s", r.ID, p.evidence(r, in, p.ruleBar(r, d.Protected))))
	}
	if d.Support {
		reasons = append(reasons, "routed for victim support: not referable")
	}
	d.Reasons = append(reasons, d.Reasons...)

	winBar := p.ruleBar(win, d.Protected)
	for _, l := range p.Labels {
		if l.Kind == KindViolation && p.present(l.Name, in, winBar) {
			d.Labels = append(d.Labels, l.Name)
			d.MaxScore = math.Max(d.MaxScore, in.Scores[l.Name])
		}
	}
	sort.SliceStable(d.Labels, func(i, j int) bool { return in.Scores[d.Labels[i]] > in.Scores[d.Labels[j]] })
	return d, nil
}

// categoryList names the categories of reasons, each once.
func categoryList(reasons []Reason) string {
	var ids []string
	for _, pr := range reasons {
		if !slices.Contains(ids, pr.Category) {
			ids = append(ids, pr.Category)
		}
	}
	return strings.Join(ids, ", ")
}

// ruleBar returns the bar that the item's protection sets for r: 0 when no
// category that marks the item holds r (every one is ignored by r), and
// otherwise the highest bar of the categories that do: a category's own bar,
// or the policy's protected bar.
func (p *Policy) ruleBar(r *Rule, reasons []Reason) float64 {
	bar := 0.0
	for _, pr := range reasons {
		if !slices.Contains(r.IgnoresProtection, pr.Category) {
			bar = math.Max(bar, p.categoryBar(pr.Category))
		}
	}
	return bar
}

// categoryBar returns the bar of the protected category id.
func (p *Policy) categoryBar(id string) float64 {
	for _, c := range p.Protected.Categories {
		if c.ID == id && c.Bar != nil {
			return math.Max(*c.Bar, p.Protected.Bar)
		}
	}
	return p.Protected.Bar
}

// bar returns the score a violation label must reach: its threshold, or
// the protected bar when that is higher (0: the item is not protected).
func (p *Policy) bar(l *Label, protectedBar float64) float64 {
	return math.Max(*l.Threshold, protectedBar)
}

// present reports whether the named label holds for the item, with the
// protected bar protectedBar (0 when unprotected).
func (p *Policy) present(name string, in Input, protectedBar float64) bool {
	l := p.labels[name]
	if l == nil {
		return false
	}
	switch l.Kind {
	case KindViolation:
		s, ok := in.Scores[name]
		return ok && s >= p.bar(l, protectedBar)
	case KindContext:
		if slices.Contains(in.ContextLabels, name) {
			return true
		}
		s, ok := in.Scores[name]
		return ok && l.Threshold != nil && s >= *l.Threshold
	case KindSignal:
		return slices.ContainsFunc(in.Signals, func(s string) bool { return signalIs(s, name) })
	}
	return false
}

// matches reports whether r's conditions hold. Must-not-have labels are
// always judged at their ordinary thresholds.
func (p *Policy) matches(r *Rule, in Input, protectedBar float64) bool {
	for _, name := range r.MustHave {
		if !p.present(name, in, protectedBar) {
			return false
		}
	}
	for _, name := range r.MustNotHave {
		if p.present(name, in, 0) {
			return false
		}
	}
	return true
}

// signalsOnly reports whether r names no violation label among what it
// must have: it fires on signals (and context) alone.
func (p *Policy) signalsOnly(r *Rule) bool {
	for _, name := range r.MustHave {
		if p.labels[name].Kind == KindViolation {
			return false
		}
	}
	return true
}

func (p *Policy) evidence(r *Rule, in Input, protectedBar float64) string {
	var parts []string
	for _, name := range r.MustHave {
		l := p.labels[name]
		switch l.Kind {
		case KindViolation:
			parts = append(parts, fmt.Sprintf("%s %.2f ≥ %.2f", name, in.Scores[name], p.bar(l, protectedBar)))
		case KindContext:
			parts = append(parts, "context "+name)
		case KindSignal:
			parts = append(parts, "signal "+name)
		}
	}
	if protectedBar > 0 {
		parts = append(parts, fmt.Sprintf("protected item above the protected bar %.2f", protectedBar))
	}
	return strings.Join(parts, ", ")
}

func (p *Policy) belowBar(r *Rule, in Input, protectedBar float64) string {
	var parts []string
	for _, name := range r.MustHave {
		l := p.labels[name]
		if l.Kind == KindViolation && !p.present(name, in, protectedBar) {
			parts = append(parts, fmt.Sprintf("%s %.2f < protected bar %.2f", name, in.Scores[name], p.bar(l, protectedBar)))
		}
	}
	return strings.Join(parts, ", ")
}

func (p *Policy) protectedReasons(in Input) []Reason {
	var out []Reason
	for _, c := range p.Protected.Categories {
		for _, name := range c.Labels {
			if !p.present(name, in, 0) {
				continue
			}
			how := "signal %q"
			if p.labels[name].Kind == KindContext {
				how = "context label %q reported by the model"
			}
			out = append(out, Reason{Category: c.ID, Detail: fmt.Sprintf(how, name)})
		}
		if in.SourceType != "" && slices.Contains(c.SourceTypes, in.SourceType) {
			out = append(out, Reason{Category: c.ID, Detail: fmt.Sprintf("source type %q", in.SourceType)})
		}
	}
	return out
}

// oddLabels returns the labels of scores in order when odd, else none.
func oddLabels(odd bool, scores map[string]float64) []string {
	if !odd {
		return nil
	}
	return slices.Sorted(maps.Keys(scores))
}

// signalIs reports whether the signal s is the label name: the same, or
// name with a qualifier after a colon ("known_content:gifct" is
// "known_content").
func signalIs(s, name string) bool {
	return s == name || len(s) > len(name) && s[len(name)] == ':' && s[:len(name)] == name
}
