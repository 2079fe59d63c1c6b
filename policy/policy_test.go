package policy

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const fixtures = "../testdata/policy"

// TestBadPolicies loads every testdata/policy/*.bad.yaml and compares the
// error with the sibling .err file, line for line.
func TestBadPolicies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*.bad.yaml"))
	if err != nil || len(files) < 15 {
		t.Fatalf("found %d bad fixtures (%v)", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".bad.yaml"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatalf("missing expected error: %v", err)
			}
			_, err = Parse(name, data)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, want a *ValidationError", err)
			}
			if got := err.Error(); got != strings.TrimSpace(string(want)) {
				t.Fatalf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestGoodPolicies(t *testing.T) {
	for _, f := range []string{filepath.Join(fixtures, "minimal.good.yaml"), "../examples/policy.yaml", "default.yaml"} {
		if _, err := Load(f); err != nil {
			t.Errorf("Load(%s): %v", f, err)
		}
	}
	if _, err := Load(filepath.Join(fixtures, "missing.yaml")); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("Load of a missing file = %v, want a read error", err)
	}
}

func TestDefaultIsTheExample(t *testing.T) {
	ex, err := os.ReadFile("../examples/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ex, DefaultYAML()) {
		t.Fatal("policy/default.yaml differs from examples/policy.yaml; copy the example over it")
	}
	if Default().Version == "" {
		t.Fatal("default policy has no version")
	}
}

func TestExampleRoutingTests(t *testing.T) {
	tf, err := LoadTests("../examples/policy-tests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(tf.PolicyPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range RunTests(p, tf) {
		if !r.Passed() {
			t.Errorf("%s (line %d): %s", r.Name, r.Line, strings.Join(r.Failures, "; "))
		}
	}
}

func TestRunTestsReportsFailures(t *testing.T) {
	tf, err := ParseTests("cases.yaml", []byte(`
tests:
  - name: wrong rule
    input: {scores: {hate: 0.8}}
    expect: {queue: true, rule: threat-general, priority: 2, labels: [threat]}
  - name: right
    input: {scores: {hate: 0.8}}
    expect: {queue: true, rule: hate-speech}
  - name: bad score
    input: {scores: {hate: 1.8}}
    expect: {queue: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := RunTests(Default(), tf)
	if len(res) != 3 || res[0].Passed() || !res[1].Passed() || res[2].Passed() {
		t.Fatalf("results = %+v", res)
	}
	got := strings.Join(res[0].Failures, "\n")
	for _, want := range []string{`rule: want "threat-general", got "hate-speech"`, "priority: want 2, got 4", `labels: want ["threat"], got ["hate"]`} {
		if !strings.Contains(got, want) {
			t.Errorf("failures %q lack %q", got, want)
		}
	}
	if res[0].Line != 3 {
		t.Errorf("line = %d, want 3", res[0].Line)
	}
}

func TestParseTestsRejects(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"no tests", "policy: p.yaml\n", "cases.yaml:1: no tests"},
		{"no queue", "tests:\n  - name: a\n    expect: {rule: x}\n", `cases.yaml:3: test "a": expect.queue is required`},
		{"no name", "tests:\n  - expect: {queue: true}\n", "cases.yaml:2: test 1 has no name"},
		{"duplicate", "tests:\n  - name: a\n    expect: {queue: true}\n  - name: a\n    expect: {queue: true}\n", `cases.yaml:4: test "a" appears twice`},
		{"unknown key", "tests:\n  - name: a\n    expect: {queue: true, urgnet: true}\n", "cases.yaml:3: field urgnet not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTests("cases.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func ids(rs []Reason) []string { return protectedIDs(rs) }

// TestRoute checks each routing rule of the default policy directly.
func TestRoute(t *testing.T) {
	p := Default()
	threatBar := labelBar(t, p, "threat")
	for _, tc := range []struct {
		name       string
		in         Input
		queue      bool
		rule       string
		urgent     bool
		protected  []string
		heldBack   []string
		superseded []string
	}{
		{name: "empty input", in: Input{}},
		{name: "threat at threshold counts", in: Input{Scores: map[string]float64{"threat": threatBar}}, queue: true, rule: "threat-general"},
		{name: "threat to named person first but not urgent", in: Input{Scores: map[string]float64{"threat": 0.7}, Signals: []string{"named_person"}}, queue: true, rule: "threat-named-person", superseded: []string{"threat-general"}},
		{name: "threat to a defender urgent", in: Input{Scores: map[string]float64{"threat": 0.7}, Signals: []string{"named_person", "defender_targeted"}}, queue: true, rule: "threat-defender", urgent: true, superseded: []string{"threat-named-person", "threat-general"}},
		{name: "urgent wins over lower priority number", in: Input{Scores: map[string]float64{"threat": 0.7, "incitement": 0.99}, Signals: []string{"defender_targeted"}}, queue: true, rule: "threat-defender", urgent: true, superseded: []string{"threat-general", "incitement-violence"}},
		{name: "supersedes is transitive", in: Input{Scores: map[string]float64{"terrorism": 0.9, "incitement": 0.9, "hate": 0.9}}, queue: true, rule: "terrorism-incitement", superseded: []string{"incitement-violence", "terrorism-propaganda", "hate-speech"}},
		{name: "must_not_have blocks", in: Input{Scores: map[string]float64{"offensive": 0.9, "hate": 0.76}, Signals: []string{"named_person"}}, queue: true, rule: "hate-speech"},
		{name: "harassment fires without hate", in: Input{Scores: map[string]float64{"offensive": 0.9}, Signals: []string{"named_person", "severe_abuse"}}, queue: true, rule: "harassment-named-person"},
		{name: "an insult alone is no harassment", in: Input{Scores: map[string]float64{"offensive": 0.99}, Signals: []string{"named_person"}}},
		{name: "counter speech from context labels", in: Input{Scores: map[string]float64{"hate": 0.89}, ContextLabels: []string{"counter_speech"}}, protected: []string{"counter_speech"}, heldBack: []string{"hate-speech"}},
		{name: "counter speech score below its threshold does not protect", in: Input{Scores: map[string]float64{"hate": 0.8, "counter_speech": 0.4}}, queue: true, rule: "hate-speech"},
		{name: "protected item at bar enters review", in: Input{Scores: map[string]float64{"hate": 0.90}, Signals: []string{"religious_debate"}}, queue: true, rule: "hate-speech", protected: []string{"religious_debate"}},
		{name: "several protections", in: Input{Scores: map[string]float64{"incitement": 0.8}, Signals: []string{"protest", "anti_corruption"}, SourceType: "news"}, protected: []string{"news", "anti_corruption", "protest"}, heldBack: []string{"incitement-violence"}},
		{name: "unrelated source type does not protect", in: Input{Scores: map[string]float64{"incitement": 0.8}, SourceType: "telegram"}, queue: true, rule: "incitement-violence"},
		{name: "undeclared score ignored", in: Input{Scores: map[string]float64{"neutral": 0.99}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Route(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Queue != tc.queue || d.RuleID != tc.rule || d.Urgent != tc.urgent {
				t.Fatalf("got queue=%v rule=%q urgent=%v, want %v %q %v\nreasons: %q", d.Queue, d.RuleID, d.Urgent, tc.queue, tc.rule, tc.urgent, d.Reasons)
			}
			if !sameSet(ids(d.Protected), tc.protected) || !sameSet(d.HeldBack, tc.heldBack) || !sameSet(d.Superseded, tc.superseded) {
				t.Fatalf("protected %v held back %v superseded %v; want %v %v %v", ids(d.Protected), d.HeldBack, d.Superseded, tc.protected, tc.heldBack, tc.superseded)
			}
			if d.Queue && (len(d.Bases) == 0 || len(d.Reasons) == 0 || d.Priority < 1 || d.Category == "") {
				t.Fatalf("queued decision lacks bases, reasons, priority or category: %+v", d)
			}
			if !d.Queue && (len(d.Bases) != 0 || d.RuleID != "") {
				t.Fatalf("unqueued decision carries a rule: %+v", d)
			}
			for _, r := range d.Protected {
				if r.Detail == "" {
					t.Fatalf("protected reason without detail: %+v", r)
				}
			}
			if d.PolicyVersion != p.Version {
				t.Fatalf("policy version %q", d.PolicyVersion)
			}
		})
	}
}

// TestRouteLabel: the decision carries the deciding rule's label, declared for
// a rule on signals alone and the first violation label of must_have
// otherwise; an undeclared or non-violation label is refused.
func TestRouteLabel(t *testing.T) {
	p := Default()
	for _, tc := range []struct {
		in   Input
		rule string
		want string
	}{
		{Input{Scores: map[string]float64{"hate": 0.1}, Signals: []string{"contempt"}}, "hate-words-contempt", "hate"},
		{Input{Scores: map[string]float64{"threat": 0.1}, Signals: []string{"threat_cue", "named_person"}}, "threat-words-named", "threat"},
		{Input{Scores: map[string]float64{"hate": 0.95}}, "hate-speech", "hate"},
		{Input{Scores: map[string]float64{"offensive": 0.2}, Signals: []string{"named_person", "severe_abuse"}}, "harassment-named-person", "offensive"},
	} {
		d, err := p.Route(tc.in)
		if err != nil || d.RuleID != tc.rule || d.Label != tc.want {
			t.Errorf("%+v: rule %q label %q (%v), want %q %q", tc.in, d.RuleID, d.Label, err, tc.rule, tc.want)
		}
	}
	for _, label := range []string{"contempt", "no_such_label"} {
		src := strings.Replace(string(Default().Source()), "    must_have: [contempt]\n    label: hate", "    must_have: [contempt]\n    label: "+label, 1)
		if _, err := Parse("label.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), `rule "hate-words-contempt": label "`+label+`" is not a violation label`) {
			t.Errorf("label %s: %v", label, err)
		}
	}
}

func TestRouteProtectedReasonSaysWhy(t *testing.T) {
	d, err := Default().Route(Input{Scores: map[string]float64{"incitement": 0.8}, ContextLabels: []string{"news_report"}, SourceType: "news"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Reason{
		{Category: "news", Detail: `source type "news"`},
		{Category: "news_reading", Detail: `context label "news_report" reported by the model`},
	}
	if !slices.Equal(d.Protected, want) {
		t.Fatalf("Protected = %+v, want %+v", d.Protected, want)
	}
	if len(d.Reasons) != 1 || !strings.Contains(d.Reasons[0], "incitement 0.80 < protected bar 0.90") {
		t.Fatalf("Reasons = %q", d.Reasons)
	}
}

func TestRouteRejectsBadScores(t *testing.T) {
	for _, s := range []float64{-0.1, 1.01, nan()} {
		if _, err := Default().Route(Input{Scores: map[string]float64{"hate": s}}); err == nil || !strings.Contains(err.Error(), `label "hate"`) {
			t.Errorf("score %v: err = %v", s, err)
		}
	}
}

func nan() float64 { return math.NaN() }

// labelBar returns the threshold of violation label name in p.
func labelBar(t *testing.T, p *Policy, name string) float64 {
	t.Helper()
	l, ok := p.Label(name)
	if !ok || l.Threshold == nil {
		t.Fatalf("policy has no threshold for %s", name)
	}
	return *l.Threshold
}

func TestBeforeOrdersQueue(t *testing.T) {
	p := Default()
	route := func(scores map[string]float64, signals ...string) Decision {
		d, err := p.Route(Input{Scores: scores, Signals: signals})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	items := map[string]Decision{
		"hate":      route(map[string]float64{"hate": 0.99}),
		"nothing":   route(map[string]float64{"hate": 0.1}),
		"incite-lo": route(map[string]float64{"incitement": 0.71}),
		"incite-hi": route(map[string]float64{"incitement": 0.95}),
		"threat":    route(map[string]float64{"threat": labelBar(t, p, "threat") + 0.01}, "named_person"),
		"terror":    route(map[string]float64{"terrorism": 0.9}),
	}
	names := []string{"hate", "nothing", "incite-lo", "incite-hi", "threat", "terror"}
	sort.SliceStable(names, func(i, j int) bool { return Before(items[names[i]], items[names[j]]) })
	want := []string{"threat", "incite-hi", "incite-lo", "terror", "hate", "nothing"}
	if !slices.Equal(names, want) {
		t.Fatalf("queue order %v, want %v", names, want)
	}
}

func TestDecisionAuditEvent(t *testing.T) {
	d, _ := Default().Route(Input{Scores: map[string]float64{"threat": 0.8}, Signals: []string{"named_person", "defender_targeted"}})
	ev := d.AuditEvent("telegram:9")
	det := ev.Details.(map[string]any)
	if ev.Type != "routing" || ev.Subject != "telegram:9" || det["rule_id"] != "threat-defender" || det["urgent"] != true || det["support"] != false {
		t.Fatalf("event = %+v", ev)
	}
	if b := det["bases"].([]string); !slices.Equal(b, []string{"iq-penal-threat", "platform-violent-speech"}) {
		t.Fatalf("bases = %v", b)
	}
}

func fullAssessment() RabatAssessment {
	part := func(r string) Part { return Part{Level: LevelHigh, Reason: r} }
	return RabatAssessment{
		ReviewerID: "u-1", RoleID: "R-01", At: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Context:        part("sectarian clashes in the district this week"),
		Speaker:        part("militia commander with 200k followers"),
		Intent:         part("explicit call to attack, not reporting"),
		ContentAndForm: part("direct imperative, names the target"),
		Extent:         part("forwarded to 40 channels, 90k views"),
		Likelihood:     part("names a place and a time tomorrow"),
	}
}

func TestCheckReferral(t *testing.T) {
	p := Default()
	second := []Approval{{ReviewerID: "u-2", RoleID: "R-02"}}
	for _, tc := range []struct {
		name      string
		edit      func(a *RabatAssessment)
		approvals []Approval
		want      []string // each must appear; nil means allowed
	}{
		{name: "complete and approved", approvals: second},
		{name: "no approval", want: []string{"approval by a second reviewer"}},
		{name: "self approval does not count", approvals: []Approval{{ReviewerID: "u-1"}}, want: []string{"approval by a second reviewer"}},
		{name: "blank approval does not count", approvals: []Approval{{ReviewerID: "  "}}, want: []string{"approval by a second reviewer"}},
		{name: "part missing", edit: func(a *RabatAssessment) { a.Intent = Part{} }, approvals: second, want: []string{"intent: not recorded"}},
		{name: "reason missing", edit: func(a *RabatAssessment) { a.Extent.Reason = " " }, approvals: second, want: []string{"extent: reason not recorded"}},
		{name: "level missing", edit: func(a *RabatAssessment) { a.Speaker.Level = LevelUnset }, approvals: second, want: []string{"speaker: level not recorded"}},
		{name: "reason too short", edit: func(a *RabatAssessment) { a.Context.Reason = "توتر" }, approvals: second, want: []string{"context: reason too short (4 characters, need 10)"}},
		{name: "below bar", edit: func(a *RabatAssessment) { a.Likelihood.Level = LevelLow }, approvals: second, want: []string{"likelihood: level low is below the policy's bar (medium)"}},
		{name: "no assessor", edit: func(a *RabatAssessment) { a.ReviewerID = "" }, approvals: second, want: []string{"assessment has no reviewer"}},
		{name: "everything missing", edit: func(a *RabatAssessment) { *a = RabatAssessment{ReviewerID: "u-1"} }, want: []string{
			"context: not recorded", "speaker: not recorded", "intent: not recorded", "content_and_form: not recorded", "extent: not recorded", "likelihood: not recorded", "approval by a second reviewer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fullAssessment()
			if tc.edit != nil {
				tc.edit(&a)
			}
			err := CheckReferral(a, p, tc.approvals)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckReferral = %v, want nil", err)
				}
				return
			}
			var re *ReferralError
			if !errors.As(err, &re) || !errors.Is(err, ErrReferralNotReady) {
				t.Fatalf("CheckReferral = %v, want *ReferralError", err)
			}
			if len(re.Missing) != len(tc.want) {
				t.Fatalf("missing %q, want %d items", re.Missing, len(tc.want))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckReferralPolicyKnobs(t *testing.T) {
	data := bytes.Replace(DefaultYAML(), []byte("  second_reviewer: true\n"), []byte("  second_reviewer: false\n"), 1)
	data = bytes.Replace(data, []byte("    likelihood: medium\n"), []byte("    likelihood: high\n    extent: low\n"), 1)
	p, err := Parse("knobs.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	a := fullAssessment()
	a.Extent.Level = LevelLow
	if err := CheckReferral(a, p, nil); err != nil {
		t.Fatalf("single reviewer with extent low allowed by policy: %v", err)
	}
	a.Likelihood.Level = LevelMedium
	if err := CheckReferral(a, p, nil); err == nil || !strings.Contains(err.Error(), "likelihood: level medium is below the policy's bar (high)") {
		t.Fatalf("err = %v", err)
	}
}

func TestLevelText(t *testing.T) {
	for _, l := range []Level{LevelAbsent, LevelLow, LevelMedium, LevelHigh} {
		b, err := l.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Level
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Fatalf("%v -> %q -> %v (%v)", l, b, back, err)
		}
	}
	var l Level
	if err := l.UnmarshalText([]byte("extreme")); err == nil {
		t.Fatal("accepted an unknown level")
	}
	if _, err := Level(9).MarshalText(); err == nil {
		t.Fatal("marshalled an invalid level")
	}
}

func TestDigestTracksContent(t *testing.T) {
	a, err := Parse("a.yaml", DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	// One threshold moved by a hundredth (its first digit after the point
	// kept, a 1 added): whatever the default's bars, the content differs.
	edited := regexp.MustCompile(`threshold: 0\.(\d)`).ReplaceAll(DefaultYAML(), []byte("threshold: 0.${1}1"))
	if bytes.Equal(edited, DefaultYAML()) {
		t.Fatal("the default policy has no threshold to edit")
	}
	b, err := Parse("b.yaml", edited)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Digest()) != 64 || a.Digest() == b.Digest() || a.Digest() != Default().Digest() {
		t.Fatalf("digests %s %s", a.Digest(), b.Digest())
	}
}

func BenchmarkRoute(b *testing.B) {
	p := Default()
	in := Input{
		Scores:        map[string]float64{"threat": 0.3, "incitement": 0.82, "hate": 0.9, "terrorism": 0.1, "offensive": 0.5, "counter_speech": 0.2},
		ContextLabels: []string{"news_report"},
		Signals:       []string{"named_person"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Route(in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseReportsEveryFieldError(t *testing.T) {
	data := bytes.Replace(DefaultYAML(), []byte("    priority: 4\n"), []byte("    priority: soon\n    colour: red\n"), 1)
	_, err := Parse("p.yaml", data)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("err = %v, want two problems", err)
	}
	if !strings.Contains(ve.Problems[0].Msg, "cannot unmarshal !!str `soon` into int") || !strings.Contains(ve.Problems[1].Msg, "field colour not found") || ve.Problems[1].Line != ve.Problems[0].Line+1 {
		t.Fatalf("problems %+v", ve.Problems)
	}
}

// TestCategoryBar checks a protected category's own bar: the highest bar
// of the categories that hold a rule applies, a bar of 1 holds back every
// rule the category marks whatever the score, a rule that ignores the
// category is not held by it, and a bar below the protected bar is refused.
func TestCategoryBar(t *testing.T) {
	p, err := Parse("test.yaml", []byte(strings.Replace(string(DefaultYAML()), `    - id: religious_debate
      description: Religious debate.`, `    - id: religious_debate
      description: Religious debate.
      bar: 0.95`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		in      Input
		queue   bool
		rule    string
		because string
	}{
		{"above the policy bar, below the category's", Input{Scores: map[string]float64{"incitement": 0.92}, Signals: []string{"religious_debate"}}, false, "", "incitement 0.92 < protected bar 0.95"},
		{"above the category's bar", Input{Scores: map[string]float64{"incitement": 0.96}, Signals: []string{"religious_debate"}}, true, "incitement-violence", "protected item above the protected bar 0.95"},
		{"the highest bar of two categories", Input{Scores: map[string]float64{"incitement": 0.92}, Signals: []string{"religious_debate", "protest"}}, false, "", "< protected bar 0.95"},
		{"only the policy bar", Input{Scores: map[string]float64{"incitement": 0.92}, Signals: []string{"protest"}}, true, "incitement-violence", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Route(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Queue != tc.queue || d.RuleID != tc.rule {
				t.Fatalf("queue %v rule %q, want %v %q; reasons %q", d.Queue, d.RuleID, tc.queue, tc.rule, d.Reasons)
			}
			if tc.because != "" && !slices.ContainsFunc(d.Reasons, func(r string) bool { return strings.Contains(r, tc.because) }) {
				t.Fatalf("no reason says %q: %q", tc.because, d.Reasons)
			}
		})
	}
	d, err := Default().Route(Input{Scores: map[string]float64{"incitement": 0.99}, Signals: []string{"condemned_quote"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Queue || !slices.Contains(d.HeldBack, "incitement-violence") {
		t.Fatalf("a condemned quote scoring 0.99 was routed: %+v", d)
	}
	d, err = Default().Route(Input{Scores: map[string]float64{"incitement": 0.99}, Signals: []string{"condemned_quote", "incitement_cue", "named_person", "defender_targeted"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Queue {
		t.Fatalf("a condemned quote of a call against an activist was routed: %+v", d)
	}
	if _, err := Parse("test.yaml", []byte(strings.Replace(string(DefaultYAML()), `    - id: satire
      description: Satire and jokes.`, `    - id: satire
      description: Satire and jokes.
      bar: 0.5`, 1))); err == nil || !strings.Contains(err.Error(), "must lie between the protected bar") {
		t.Fatalf("a category bar below the protected bar was accepted: %v", err)
	}
}
