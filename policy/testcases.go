package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// TestFile is a file of routing test cases, run by `rasd policy test`:
// posts with scores in, expected routing out.
type TestFile struct {
	// Policy is the policy file the cases are for, relative to the test
	// file; empty means the built-in default policy.
	Policy string `yaml:"policy"`
	// Tests are the cases.
	Tests []TestCase `yaml:"tests"`

	file string
}

// PolicyPath returns the policy file named by the test file, resolved
// against the test file's directory, or "" for the built-in policy.
func (tf *TestFile) PolicyPath() string {
	if tf.Policy == "" || filepath.IsAbs(tf.Policy) {
		return tf.Policy
	}
	return filepath.Join(filepath.Dir(tf.file), tf.Policy)
}

// TestCase is one routing test.
type TestCase struct {
	// Name describes the case.
	Name string `yaml:"name"`
	// Input is the item as the pipeline passes it to Route.
	Input Input `yaml:"input"`
	// Expect is the routing the case expects.
	Expect Expectation `yaml:"expect"`

	line int
}

// Expectation is the expected routing; fields left out are not checked,
// except Queue, which every case states.
type Expectation struct {
	// Queue is whether the item enters review.
	Queue *bool `yaml:"queue"`
	// Rule is the deciding rule's id.
	Rule *string `yaml:"rule"`
	// Priority is the item's priority.
	Priority *int `yaml:"priority"`
	// Urgent is whether the item is urgent.
	Urgent *bool `yaml:"urgent"`
	// Labels are the violation labels, in any order.
	Labels *[]string `yaml:"labels"`
	// Protected are the protected categories the item was found in, in any order.
	Protected *[]string `yaml:"protected"`
	// Bases are the basis ids a referral may cite, in any order.
	Bases *[]string `yaml:"bases"`
	// HeldBack are the rules held back by protection, in any order.
	HeldBack *[]string `yaml:"held_back"`
	// Superseded are the superseded rules, in any order.
	Superseded *[]string `yaml:"superseded"`
}

// LoadTests reads a routing test file, rejecting unknown keys and cases
// without a name or an expected queue value.
func LoadTests(path string) (*TestFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading test cases: %w", err)
	}
	return ParseTests(path, data)
}

// ParseTests is LoadTests for data already read; file names it in errors.
func ParseTests(file string, data []byte) (*TestFile, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ValidationError{[]Problem{yamlProblem(file, err)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	tf := &TestFile{file: file}
	if err := dec.Decode(tf); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ValidationError{yamlProblems(file, err)}
	}
	v := validator{file: file}
	if len(root.Content) > 0 {
		v.doc = root.Content[0]
	} else {
		v.doc = &root
	}
	if len(tf.Tests) == 0 {
		v.addf(v.at("tests"), "no tests")
	}
	names := map[string]bool{}
	for i := range tf.Tests {
		tc := &tf.Tests[i]
		tc.line = v.at("tests", i)
		switch {
		case strings.TrimSpace(tc.Name) == "":
			v.addf(tc.line, "test %d has no name", i+1)
		case names[tc.Name]:
			v.addf(tc.line, "test %q appears twice", tc.Name)
		}
		names[tc.Name] = true
		if tc.Expect.Queue == nil {
			v.addf(v.at("tests", i, "expect"), "test %q: expect.queue is required", tc.Name)
		}
	}
	if len(v.problems) > 0 {
		return nil, &ValidationError{v.problems}
	}
	return tf, nil
}

// TestResult is the outcome of one case.
type TestResult struct {
	// Name is the case's name.
	Name string
	// Line is where the case starts in the test file.
	Line int
	// Got is the routing the policy produced.
	Got Decision
	// Failures lists each expectation that did not hold; empty means pass.
	Failures []string
}

// Passed reports whether every expectation held.
func (r TestResult) Passed() bool { return len(r.Failures) == 0 }

// RunTests routes every case of tf through p and compares the result.
func RunTests(p *Policy, tf *TestFile) []TestResult {
	out := make([]TestResult, 0, len(tf.Tests))
	for _, tc := range tf.Tests {
		res := TestResult{Name: tc.Name, Line: tc.line}
		d, err := p.Route(tc.Input)
		res.Got = d
		if err != nil {
			res.Failures = append(res.Failures, err.Error())
			out = append(out, res)
			continue
		}
		e := tc.Expect
		fail := func(what string, want, got any) {
			res.Failures = append(res.Failures, fmt.Sprintf("%s: want %v, got %v", what, want, got))
		}
		if e.Queue != nil && *e.Queue != d.Queue {
			fail("queue", *e.Queue, d.Queue)
		}
		if e.Rule != nil && *e.Rule != d.RuleID {
			fail("rule", quote(*e.Rule), quote(d.RuleID))
		}
		if e.Priority != nil && *e.Priority != d.Priority {
			fail("priority", *e.Priority, d.Priority)
		}
		if e.Urgent != nil && *e.Urgent != d.Urgent {
			fail("urgent", *e.Urgent, d.Urgent)
		}
		sets := []struct {
			what string
			want *[]string
			got  []string
		}{
			{"labels", e.Labels, d.Labels},
			{"protected", e.Protected, protectedIDs(d.Protected)},
			{"bases", e.Bases, basisIDs(d.Bases)},
			{"held_back", e.HeldBack, d.HeldBack},
			{"superseded", e.Superseded, d.Superseded},
		}
		for _, s := range sets {
			if s.want != nil && !sameSet(*s.want, s.got) {
				fail(s.what, fmt.Sprintf("%q", sorted(*s.want)), fmt.Sprintf("%q", sorted(s.got)))
			}
		}
		out = append(out, res)
	}
	return out
}

func quote(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}

func protectedIDs(rs []Reason) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Category) {
			out = append(out, r.Category)
		}
	}
	return out
}

func basisIDs(bs []Basis) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return slices.Compact(c)
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }
