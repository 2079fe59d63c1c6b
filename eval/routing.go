package eval

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"text/tabwriter"

	"github.com/rasd-iq/rasd/eval/dataset"
)

// RoutedItem is one labelled item and what the engine's decision path
// (model, signals stage, routing policy) decided for it.
type RoutedItem struct {
	// Item is the labelled item.
	Item dataset.Item `json:"item"`
	// Queued is true when the item entered a queue (review or support).
	Queued bool `json:"queued"`
	// Urgent is true when it went above every non-urgent item.
	Urgent bool `json:"urgent,omitempty"`
	// Support is true when it went to the victim-support queue.
	Support bool `json:"support,omitempty"`
	// Rule is the routing rule that decided it.
	Rule string `json:"rule,omitempty"`
	// Signals are the names of the signals the stage found.
	Signals []string `json:"signals,omitempty"`
	// Protected names the protected categories the policy found.
	Protected []string `json:"protected,omitempty"`
}

// RoutingGroup counts what was decided for the items of one group.
type RoutingGroup struct {
	// Name is the functionality, the label or the target.
	Name string `json:"name"`
	// Items is how many items the group holds.
	Items int `json:"items"`
	// Queued, Urgent and Support count the items so decided.
	Queued  int `json:"queued"`
	Urgent  int `json:"urgent"`
	Support int `json:"support"`
}

// Share is the part of a group's items that is counted by n.
func (g RoutingGroup) share(n int) float64 {
	if g.Items == 0 {
		return 0
	}
	return float64(n) / float64(g.Items)
}

// RoutingReport says what the live decision path does with labelled data:
// how many violating posts reach a reviewer, how many protected or ordinary
// posts are queued, whether threats against defenders are urgent.
type RoutingReport struct {
	// Data, Model and Policy name what was run.
	Data   string `json:"data"`
	Model  string `json:"model"`
	Policy string `json:"policy"`
	// Violating counts the items with a serious label (recall through the engine).
	Violating RoutingGroup `json:"violating"`
	// Protected counts the items annotated for every serious label and
	// carrying none: protected or ordinary speech (queued is the harm).
	Protected RoutingGroup `json:"protected"`
	// CounterSpeech counts the items labelled counter_speech.
	CounterSpeech RoutingGroup `json:"counter_speech"`
	// DefenderThreats counts the threats whose target is a defender group
	// (DefenderTargets): each should be urgent.
	DefenderThreats RoutingGroup `json:"defender_threats"`
	// Unannotated counts the items whose corpus annotates no serious label
	// (ordinary traffic): the share queued is the reviewer load it makes.
	Unannotated RoutingGroup `json:"unannotated"`
	// Functionalities and Labels break the items down.
	Functionalities []RoutingGroup `json:"functionalities,omitempty"`
	Labels          []RoutingGroup `json:"labels,omitempty"`
	// Serious and DefenderTargets are the settings used.
	Serious         []string `json:"serious"`
	DefenderTargets []string `json:"defender_targets"`
}

// DefaultDefenderTargets are the target values (the data's target field)
// that name activists, journalists, defenders and protesters.
var DefaultDefenderTargets = []string{"activists", "activist", "journalists", "journalist", "defenders", "human_rights_defenders", "protesters"}

// SummarizeRouting counts the decisions in items. serious are the labels
// that make an item violating (DefaultSerious when empty); defenderTargets
// the target values of defenders (DefaultDefenderTargets when empty).
func SummarizeRouting(items []RoutedItem, serious, defenderTargets []string) RoutingReport {
	if len(serious) == 0 {
		serious = DefaultSerious
	}
	if len(defenderTargets) == 0 {
		defenderTargets = DefaultDefenderTargets
	}
	r := RoutingReport{Serious: serious, DefenderTargets: defenderTargets}
	r.Violating.Name, r.Protected.Name, r.CounterSpeech.Name = "violating", "protected or ordinary", "counter_speech"
	r.DefenderThreats.Name, r.Unannotated.Name = "threats against defenders", "unannotated"
	funcs, labels := map[string]*RoutingGroup{}, map[string]*RoutingGroup{}
	group := func(m map[string]*RoutingGroup, name string) *RoutingGroup {
		g := m[name]
		if g == nil {
			g = &RoutingGroup{Name: name}
			m[name] = g
		}
		return g
	}
	for i := range items {
		it := &items[i]
		var gs []*RoutingGroup
		violating, annotated := false, 0
		for _, l := range serious {
			if it.Item.Annotated(l) {
				annotated++
			}
			violating = violating || it.Item.HasLabel(l)
		}
		switch {
		case violating:
			gs = append(gs, &r.Violating)
		case annotated == len(serious):
			gs = append(gs, &r.Protected)
		case annotated == 0:
			gs = append(gs, &r.Unannotated)
		}
		if it.Item.HasLabel("counter_speech") {
			gs = append(gs, &r.CounterSpeech)
		}
		if it.Item.HasLabel("threat") && slices.ContainsFunc(it.Item.Targets, func(t string) bool { return slices.Contains(defenderTargets, t) }) {
			gs = append(gs, &r.DefenderThreats)
		}
		if it.Item.Functionality != "" {
			gs = append(gs, group(funcs, it.Item.Functionality))
		}
		for _, l := range it.Item.Labels {
			gs = append(gs, group(labels, l))
		}
		if len(it.Item.Labels) == 0 && annotated > 0 {
			gs = append(gs, group(labels, "(none)"))
		}
		for _, g := range gs {
			g.Items++
			if it.Queued {
				g.Queued++
			}
			if it.Urgent {
				g.Urgent++
			}
			if it.Support {
				g.Support++
			}
		}
	}
	r.Functionalities, r.Labels = sortedGroups(funcs), sortedGroups(labels)
	return r
}

func sortedGroups(m map[string]*RoutingGroup) []RoutingGroup {
	out := make([]RoutingGroup, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WriteText writes the report for a person: the headline figures, then the
// groups.
func (r RoutingReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "routing of %s by %s under policy %s\n\n", r.Data, r.Model, r.Policy)
	line := func(g RoutingGroup, what string, n int) {
		if g.Items == 0 {
			return
		}
		fmt.Fprintf(tw, "%s\t%d of %d %s\t%.1f%%\n", g.Name, n, g.Items, what, 100*g.share(n))
	}
	line(r.Violating, "queued", r.Violating.Queued)
	line(r.Protected, "queued", r.Protected.Queued)
	line(r.CounterSpeech, "queued", r.CounterSpeech.Queued)
	line(r.DefenderThreats, "urgent", r.DefenderThreats.Urgent)
	line(r.Unannotated, "queued", r.Unannotated.Queued)
	for _, part := range []struct {
		title string
		gs    []RoutingGroup
	}{{"functionality", r.Functionalities}, {"label", r.Labels}} {
		if len(part.gs) == 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s\titems\tqueued\turgent\tsupport\n", part.title)
		for _, g := range part.gs {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", g.Name, g.Items, g.Queued, g.Urgent, g.Support)
		}
	}
	return tw.Flush()
}
