package policy

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Thresholds returns the threshold of every violation label, by name.
func (p *Policy) Thresholds() map[string]float64 {
	out := map[string]float64{}
	for _, l := range p.Labels {
		if l.Kind == KindViolation && l.Threshold != nil {
			out[l.Name] = *l.Threshold
		}
	}
	return out
}

// WithThresholds returns a copy of p whose violation labels named in th
// have those thresholds (on the policy's scale); p is left as it was. It
// checks them as a policy file's are checked: every name a violation label,
// every value in [0,1] and at most the protected bar. The copy keeps p's
// version and marks its digest as tuned: it is a draft to measure (rasd eval
// route --sweep), not a policy to run, until its file is written and given
// a version of its own.
func (p *Policy) WithThresholds(th map[string]float64) (*Policy, error) {
	names := make([]string, 0, len(th))
	for n := range th {
		names = append(names, n)
	}
	sort.Strings(names)
	q := *p
	q.Labels = slices.Clone(p.Labels)
	q.labels = make(map[string]*Label, len(q.Labels))
	for i := range q.Labels {
		q.labels[q.Labels[i].Name] = &q.Labels[i]
	}
	var tuned []string
	for _, n := range names {
		v := th[n]
		l := q.labels[n]
		switch {
		case l == nil:
			return nil, fmt.Errorf("policy %s: no label %q to set a threshold on", p.Version, n)
		case l.Kind != KindViolation:
			return nil, fmt.Errorf("policy %s: label %q is a %s label; only violation labels have thresholds", p.Version, n, l.Kind)
		case badScore(v):
			return nil, fmt.Errorf("policy %s: threshold %v of label %q is outside [0,1]", p.Version, v, n)
		case v > p.Protected.Bar:
			return nil, fmt.Errorf("policy %s: threshold %v of label %q is above the protected bar %v", p.Version, v, n, p.Protected.Bar)
		}
		l.Threshold = &v
		tuned = append(tuned, n+"="+strconv.FormatFloat(v, 'f', -1, 64))
	}
	q.digest = p.digest + "+tuned:" + strings.Join(tuned, ",")
	return &q, nil
}
