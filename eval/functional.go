package eval

import (
	"sort"

	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/policy"
)

// DefaultSerious are the serious violation labels of the project's taxonomy.
var DefaultSerious = policy.SeriousLabels

// FunctionalRule states how an item of a functional test is judged; reports print it.
const FunctionalRule = "An item is violating when its gold labels include a serious label. " +
	"A violating item is correct when the model flags at least one of its gold serious labels " +
	"(a serious label the model does not have cannot be flagged, so such an item fails). " +
	"A non-violating item is correct when the model flags none of the serious labels. " +
	"Offensive alone and the context labels are not serious."

// Case is one item as the model saw it, listed among failures or disagreements.
type Case struct {
	ID            string           `json:"id"`                      // the item's id
	Line          int              `json:"line"`                    // its line in the data file
	Text          string           `json:"text"`                    // its text
	Functionality string           `json:"functionality,omitempty"` // its functionality, if any
	Targets       []string         `json:"targets,omitempty"`       // its target groups, if any
	Gold          []string         `json:"gold"`                    // its gold labels
	Flags         []string         `json:"flags"`                   // the labels the model flagged
	Scores        map[string]Float `json:"scores"`                  // the model's scores
}

// FunctionalityResult is the accuracy on one functionality.
type FunctionalityResult struct {
	Name string `json:"name"` // the functionality
	// Expect is "violating", "non-violating" or "mixed", from the gold labels.
	Expect   string `json:"expect"`
	N        int    `json:"n"`        // its items
	Correct  int    `json:"correct"`  // items judged correct by FunctionalRule
	Accuracy Float  `json:"accuracy"` // Correct / N
	// Failures lists failing cases (at most the listing limit); FailuresTotal counts them all.
	Failures      []Case `json:"failures"`
	FailuresTotal int    `json:"failures_total"` // see Failures
}

// Functional is the HateCheck-style functional result.
type Functional struct {
	Rule string `json:"rule"` // FunctionalRule, for the reader
	// Serious are the serious labels the model has; Missing those it lacks.
	Serious []string `json:"serious"`
	Missing []string `json:"missing,omitempty"` // see Serious
	N       int      `json:"n"`                 // items with a functionality
	Correct int      `json:"correct"`           // of those, judged correct
	// Accuracy is over all items that carry a functionality.
	Accuracy      Float                 `json:"accuracy"`
	Functionality []FunctionalityResult `json:"functionalities"` // sorted by name
}

// functionalCorrect judges one item by FunctionalRule.
func functionalCorrect(gold []string, flagged func(string) bool, serious []string) (violating, correct bool) {
	isSerious := func(l string) bool {
		for _, s := range serious {
			if s == l {
				return true
			}
		}
		return false
	}
	for _, l := range gold {
		if isSerious(l) {
			violating = true
			if flagged(l) {
				return true, true
			}
		}
	}
	if violating {
		return true, false
	}
	for _, s := range serious {
		if flagged(s) {
			return false, false
		}
	}
	return false, true
}

// functional computes the functional result; nil when no item has a functionality.
func functional(items []dataset.Item, sc *scored, serious []string, maxListed int) *Functional {
	has := false
	for i := range items {
		if items[i].Functionality != "" {
			has = true
			break
		}
	}
	if !has {
		return nil
	}
	f := &Functional{Rule: FunctionalRule}
	for _, s := range serious {
		if sc.hasLabel(s) {
			f.Serious = append(f.Serious, s)
		} else {
			f.Missing = append(f.Missing, s)
		}
	}
	byName := map[string]*FunctionalityResult{}
	viol := map[string][2]int{}
	for i := range items {
		it := &items[i]
		if it.Functionality == "" {
			continue
		}
		r := byName[it.Functionality]
		if r == nil {
			r = &FunctionalityResult{Name: it.Functionality, Failures: []Case{}}
			byName[it.Functionality] = r
		}
		v, ok := functionalCorrect(it.Labels, func(l string) bool { return sc.flagged(l, i) }, serious)
		c := viol[it.Functionality]
		if v {
			c[0]++
		} else {
			c[1]++
		}
		viol[it.Functionality] = c
		r.N++
		f.N++
		if ok {
			r.Correct++
			f.Correct++
			continue
		}
		r.FailuresTotal++
		if len(r.Failures) < maxListed {
			r.Failures = append(r.Failures, sc.caseOf(it, i))
		}
	}
	f.Accuracy = Float(ratio(float64(f.Correct), float64(f.N)))
	for name, r := range byName {
		r.Accuracy = Float(ratio(float64(r.Correct), float64(r.N)))
		switch c := viol[name]; {
		case c[1] == 0:
			r.Expect = "violating"
		case c[0] == 0:
			r.Expect = "non-violating"
		default:
			r.Expect = "mixed"
		}
		f.Functionality = append(f.Functionality, *r)
	}
	sort.Slice(f.Functionality, func(a, b int) bool { return f.Functionality[a].Name < f.Functionality[b].Name })
	return f
}
