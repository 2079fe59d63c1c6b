package policy

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func judge(t *testing.T, scores map[string]float64, source string, signals ...string) Decision {
	t.Helper()
	var sigs []Signal
	for _, s := range signals {
		sigs = append(sigs, Signal{Name: s})
	}
	j, err := Default().Judge(Scored{Model: "m@1", Raw: scores, Signals: sigs, SourceType: source}, nil, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return j.Decision
}

// TestProtectedCuesNeverLowerTargetedThreats routes each protected cue
// alone with a moderately high score, where it holds the item back, and
// with a threat against a named person, which it must not lower.
func TestProtectedCuesNeverLowerTargetedThreats(t *testing.T) {
	for _, cue := range []string{"criticism_official", "anti_corruption", "protest", "religious_debate", "satire", "quotation", "condemnation", "negation"} {
		t.Run(cue, func(t *testing.T) {
			scores := map[string]float64{"hate": 0.85, "threat": 0.7}
			if cue == "satire" {
				// A joke does not soften hate (TestSatireDoesNotSoftenHate).
				delete(scores, "hate")
			}
			alone := judge(t, scores, "", cue)
			if alone.Queue || len(alone.Protected) == 0 || !slices.Contains(alone.HeldBack, "threat-general") {
				t.Fatalf("%s alone: %+v, want protected and held back", cue, alone)
			}
			for _, target := range [][]string{{"named_person"}, {"doxxing"}, {"named_person", "defender_targeted"}} {
				d := judge(t, map[string]float64{"threat": 0.7}, "", append([]string{cue}, target...)...)
				if !d.Queue || !strings.HasPrefix(d.RuleID, "threat-") || d.RuleID == "threat-general" || d.Priority != 1 {
					t.Fatalf("%s with a threat against %v: %+v, want a targeted threat rule at priority 1", cue, target, d)
				}
			}
			inc := judge(t, map[string]float64{"incitement": 0.75}, "", cue, "named_person")
			if !inc.Queue || inc.RuleID != "incitement-targeted" {
				t.Fatalf("%s with incitement against a named person: %+v", cue, inc)
			}
		})
	}
}

// TestSatireDoesNotSoftenHate: satire protects mockery of those in power;
// a joke that attacks people for who they are, or calls for harm against
// them, is routed as the hate or incitement it is. Other protections beside
// the joke still hold, and so does satire for a threat with no target.
// Sports talk protects the terraces' violent idiom, not racism.
func TestSatireDoesNotSoftenHate(t *testing.T) {
	for _, tc := range []struct {
		scores  map[string]float64
		signals []string
		rule    string
	}{
		{map[string]float64{"hate": 0.85}, []string{"satire"}, "hate-speech"},
		{map[string]float64{"incitement": 0.8, "hate": 0.7}, []string{"satire"}, "incitement-violence"},
		{map[string]float64{"hate": 0.85}, []string{"satire", "criticism_official"}, ""},
		{map[string]float64{"threat": 0.8}, []string{"satire"}, ""},
		{map[string]float64{"hate": 0.85}, []string{"sports"}, "hate-speech"},
		{map[string]float64{"threat": 0.8}, []string{"sports"}, ""},
		{map[string]float64{"incitement": 0.8}, []string{"sports"}, ""},
	} {
		d := judge(t, tc.scores, "", tc.signals...)
		if d.RuleID != tc.rule || d.Queue != (tc.rule != "") {
			t.Errorf("%v with %v: rule %q queue %v, want %q", tc.scores, tc.signals, d.RuleID, d.Queue, tc.rule)
		}
	}
}

func TestSignalRouting(t *testing.T) {
	defender := judge(t, map[string]float64{"threat": 0.75}, "", "named_person", "defender_targeted")
	named := judge(t, map[string]float64{"threat": 0.75}, "", "named_person")
	general := judge(t, map[string]float64{"threat": 0.75}, "")
	if !defender.Urgent || defender.RuleID != "threat-defender" {
		t.Errorf("threat to a defender: %+v", defender)
	}
	if named.Urgent || named.RuleID != "threat-named-person" || named.Priority >= general.Priority || !Before(named, general) || !Before(defender, named) {
		t.Errorf("threat to a named person %+v, general %+v: want not urgent, ahead of general threats", named, general)
	}
	doxx := judge(t, map[string]float64{"threat": 0.75}, "", "doxxing")
	if doxx.RuleID != "threat-doxxing" || doxx.Priority != 1 || doxx.Urgent {
		t.Errorf("threat with doxxing: %+v", doxx)
	}
	minister := judge(t, map[string]float64{"offensive": 0.88, "threat": 0.3}, "", "criticism_official", "named_person")
	if minister.Queue {
		t.Errorf("criticism of a minister queued: %+v", minister)
	}
	criticThreat := judge(t, map[string]float64{"offensive": 0.88, "threat": 0.8}, "", "criticism_official", "named_person")
	if !criticThreat.Queue || criticThreat.RuleID != "threat-named-person" {
		t.Errorf("criticism with a threat against a person: %+v", criticThreat)
	}
	news := judge(t, map[string]float64{"threat": 0.85}, "news", "named_person", "defender_targeted", "quotation")
	if news.Queue || !slices.Contains(news.HeldBack, "threat-defender") {
		t.Errorf("news report of a threat: %+v", news)
	}
	if d := judge(t, map[string]float64{"threat": 0.93}, "news", "named_person", "defender_targeted"); !d.Queue || !d.Urgent {
		t.Errorf("news item above the protected bar: %+v", d)
	}
}

func TestBlackmailGoesToSupport(t *testing.T) {
	d := judge(t, map[string]float64{"threat": 0.8}, "", "blackmail", "named_person")
	if !d.Queue || d.RuleID != "blackmail-support" || !d.Support || d.Category != "non_consensual_behaviour" || !slices.Contains(d.Reasons, "routed for victim support: not referable") {
		t.Fatalf("blackmail: %+v", d)
	}
	if alone := judge(t, nil, "", "blackmail"); !alone.Queue || !alone.Support {
		t.Fatalf("blackmail on the signal alone: %+v", alone)
	}
	if plain := judge(t, map[string]float64{"threat": 0.8}, "", "named_person"); plain.Support {
		t.Fatalf("a threat is not a support item: %+v", plain)
	}
	in := testReferralInput(t)
	in.Decision = d
	_, err := BuildReferralPackage(in, Default())
	if !errors.Is(err, ErrNotReferable) || !strings.Contains(err.Error(), "routed for victim support; not referable") {
		t.Fatalf("package of a support item: %v", err)
	}
}

func TestRuleQueueAndIgnoresProtectionValidated(t *testing.T) {
	data := bytes.Replace(DefaultYAML(), []byte("    queue: support\n"), []byte("    queue: police\n"), 1)
	data = bytes.Replace(data, []byte("ignores_protection: [counter_speech_cue,"), []byte("ignores_protection: [no_such_category,"), 1)
	data = bytes.ReplaceAll(data, []byte("    routes_alone: true\n"), nil)
	data = bytes.Replace(data, []byte("  - name: threat\n    kind: violation\n"), []byte("  - name: threat\n    kind: violation\n    routes_alone: true\n"), 1)
	_, err := Parse("p.yaml", data)
	if err == nil {
		t.Fatal("bad queue and category accepted")
	}
	for _, want := range []string{`queue "police" is not one of review, support`, `ignores_protection names unknown protected category "no_such_category"`, `rule "blackmail-support": must_have needs at least one violation label or a signal that routes alone`, `rule "threat-words-named": must_have needs at least one violation label or a signal that routes alone`, `label "threat": only signal labels may route alone`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestCheckSignals(t *testing.T) {
	p := Default()
	used := p.SignalLabels()
	if err := p.CheckSignals(used); err != nil {
		t.Fatalf("all computable: %v", err)
	}
	err := p.CheckSignals(slices.DeleteFunc(slices.Clone(used), func(s string) bool { return s == "doxxing" }))
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("CheckSignals = %v", err)
	}
	if len(ve.Problems) != 2 || !strings.Contains(ve.Problems[0].Msg, `rule "threat-words-doxxing": signal label "doxxing" is not computed`) ||
		!strings.Contains(ve.Problems[1].Msg, `rule "threat-doxxing": signal label "doxxing" is not computed`) || ve.Problems[0].Line == 0 {
		t.Fatalf("problems %v", ve.Problems)
	}
	if users := p.SignalUsers("quotation"); !slices.Equal(users, []string{`protected category "reported_speech"`}) {
		t.Fatalf("users of quotation: %v", users)
	}
}
