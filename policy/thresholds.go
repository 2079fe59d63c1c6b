package policy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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

// versionRE is what RewriteThresholds accepts as a new version.
var versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

// RewriteThresholds returns the policy file data with the thresholds of the
// labels in th and its version replaced, every other byte as it was
// (comments, descriptions, order), so that a tuned policy is reviewed as a
// two-line diff. The result is parsed and checked as any policy file is.
func RewriteThresholds(file string, data []byte, version string, th map[string]float64) ([]byte, error) {
	if !versionRE.MatchString(version) {
		return nil, fmt.Errorf("policy %s: version %q: want letters, digits and . _ + - (at most 64)", file, version)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("policy %s: not a policy file: %v", file, err)
	}
	doc := root.Content[0]
	type edit struct {
		line, col int
		text      string
	}
	var edits []edit
	found := map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		switch k, v := doc.Content[i], doc.Content[i+1]; k.Value {
		case "version":
			edits = append(edits, edit{v.Line, v.Column, strconv.Quote(version)})
		case "labels":
			for _, l := range v.Content {
				name, thr := "", (*yaml.Node)(nil)
				for j := 0; j+1 < len(l.Content); j += 2 {
					switch l.Content[j].Value {
					case "name":
						name = l.Content[j+1].Value
					case "threshold":
						thr = l.Content[j+1]
					}
				}
				if val, ok := th[name]; ok {
					if thr == nil {
						return nil, fmt.Errorf("policy %s: label %q has no threshold to replace", file, name)
					}
					found[name] = true
					if old, err := strconv.ParseFloat(thr.Value, 64); err == nil && old == val {
						continue // unchanged: the line stays as written (0.50)
					}
					edits = append(edits, edit{thr.Line, thr.Column, strconv.FormatFloat(val, 'f', -1, 64)})
				}
			}
		}
	}
	for name := range th {
		if !found[name] {
			return nil, fmt.Errorf("policy %s: no label %q with a threshold", file, name)
		}
	}
	lines := strings.SplitAfter(string(data), "\n")
	for _, e := range edits {
		if e.line < 1 || e.line > len(lines) {
			return nil, fmt.Errorf("policy %s: line %d out of range", file, e.line)
		}
		ln := lines[e.line-1]
		start := e.col - 1
		if start < 0 || start >= len(ln) {
			return nil, fmt.Errorf("policy %s:%d: column %d out of range", file, e.line, e.col)
		}
		end := start
		if q := ln[start]; q == '"' || q == '\'' {
			end = start + 1 + strings.IndexByte(ln[start+1:], q) + 1
			if end <= start+1 {
				return nil, fmt.Errorf("policy %s:%d: unterminated quoted value", file, e.line)
			}
		} else {
			for end < len(ln) && !strings.ContainsRune(" \t#\r\n", rune(ln[end])) {
				end++
			}
		}
		lines[e.line-1] = ln[:start] + e.text + ln[end:]
	}
	out := []byte(strings.Join(lines, ""))
	p, err := Parse(file, out)
	if err != nil {
		return nil, err
	}
	got := p.Thresholds()
	for name, val := range th {
		if got[name] != val {
			return nil, fmt.Errorf("policy %s: label %q reads %v after rewriting, want %v", file, name, got[name], val)
		}
	}
	if p.Version != version {
		return nil, fmt.Errorf("policy %s: version reads %q after rewriting, want %q", file, p.Version, version)
	}
	return out, nil
}
