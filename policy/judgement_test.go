package policy_test

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
)

func TestPolicyScoreKeepsOrderAndCentresOnTheCardThreshold(t *testing.T) {
	if got := policy.PolicyScore(0.02, 0.02); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("a score at the card threshold maps to %v, want 0.5", got)
	}
	prev := -1.0
	for _, s := range []float64{0, 0.001, 0.01, 0.02, 0.1, 0.5, 0.9, 1} {
		got := policy.PolicyScore(s, 0.02)
		if got < prev || got < 0 || got > 1 {
			t.Errorf("PolicyScore(%v) = %v, not monotone in [0,1] (previous %v)", s, got, prev)
		}
		prev = got
	}
	if got := policy.PolicyScore(0.7, 0); got != 0.7 {
		t.Errorf("without a card threshold the score is kept: %v", got)
	}
}

// TestJudgeRoutesOnThePolicyScale: a raw threat score below the policy's bar
// but far above the model's operating point is routed on the policy scale,
// and the judgement keeps both scales and the signals it was routed with.
func TestJudgeRoutesOnThePolicyScale(t *testing.T) {
	p := policy.Default()
	th := map[string]float64{"threat": 0.0137}
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	j, err := p.Judge(policy.Scored{Model: "m@1", Raw: map[string]float64{"threat": 0.298},
		Signals: []policy.Signal{{Name: "named_person", Start: 0, End: 10, Detail: `role "activist"`}, {Name: "defender_targeted", Start: 0, End: 10, Detail: `role "activist"`}}}, th, at)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := p.Route(policy.Input{Scores: map[string]float64{"threat": 0.298}}); raw.Queue {
		t.Fatalf("a raw 0.298 should be below the policy's threat bar; the test no longer separates the scales")
	}
	d := j.Decision
	if !d.Queue || d.RuleID != "threat-defender" || !d.Urgent || len(d.Bases) == 0 {
		t.Errorf("judged %+v, want queued under threat-defender, urgent, with bases", d)
	}
	if j.Raw["threat"] != 0.298 || j.Scores["threat"] < 0.9 || j.Thresholds["threat"] != 0.0137 || !j.At.Equal(at) {
		t.Errorf("judgement keeps raw %v, policy %v, threshold %v, at %v", j.Raw, j.Scores, j.Thresholds, j.At)
	}
	ev := j.AuditEvent("x:1")
	if ev.Type != "routing" || ev.Subject != "x:1" {
		t.Errorf("audit event %+v", ev)
	}
}

// TestTaxonomyIsTheDefaultPolicys: every model label is declared by the
// default policy with its kind, and every violation or context label of the
// policy is a model label.
func TestTaxonomyIsTheDefaultPolicys(t *testing.T) {
	p := policy.Default()
	for _, l := range policy.ModelLabels {
		lab, ok := p.Label(l)
		want := policy.KindViolation
		if slices.Contains(policy.ContextLabels, l) {
			want = policy.KindContext
		}
		if !ok || lab.Kind != want {
			t.Errorf("model label %q: policy declares %+v (found %v), want kind %s", l, lab, ok, want)
		}
	}
	for _, lab := range p.Labels {
		if lab.Kind != policy.KindSignal && !slices.Contains(policy.ModelLabels, lab.Name) {
			t.Errorf("policy label %q (%s) is not a model label", lab.Name, lab.Kind)
		}
	}
}

// TestJudgementAuditDetailsAreCanonical: the routing event's details are
// written as they are, so they must already be the audit log's canonical
// form, or the entry would not verify.
func TestJudgementAuditDetailsAreCanonical(t *testing.T) {
	p := policy.Default()
	j, err := p.Judge(policy.Scored{Model: "m<1>&", Normalizer: "1", Raw: map[string]float64{"threat": 0.298, "hate": 0.9, "counter_speech": 0.4},
		Context: []string{"counter_speech"}, SourceType: "news",
		Signals: []policy.Signal{{Name: "named_person", Detail: "«الناشط»"}, {Name: "defender_targeted"}}},
		map[string]float64{"threat": 0.0137, "hate": 0.17, "counter_speech": 0.02}, time.Unix(1e9, 0).UTC())
	if err != nil {
		t.Fatal(err)
	}
	ev := j.AuditEvent("x:<1>")
	raw, ok := ev.Details.(audit.CanonicalDetails)
	if !ok {
		t.Fatalf("details are %T, want audit.CanonicalDetails", ev.Details)
	}
	canon, err := audit.CanonicalJSON(raw)
	if err != nil || !bytes.Equal(canon, raw) {
		t.Fatalf("details are not canonical (%v):\n got  %s\n want %s", err, raw, canon)
	}
	for _, want := range []string{`"rule_id":"` + j.Decision.RuleID + `"`, `"signals":["named_person","defender_targeted"]`, `"source_type":"news"`, `"model":"m<1>&"`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("details lack %s: %s", want, raw)
		}
	}
	// And the log takes them and verifies.
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendBatch([]audit.Event{ev, ev}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if n, _, err := audit.VerifyFile(path); err != nil || n != 2 {
		t.Fatalf("log of two routing events verifies %d entries: %v", n, err)
	}
}

// TestAdvertsAreCommercialSpeech: an advert that a model reads as a threat
// needs the protected bar; a threat aimed at a named person is not lowered
// by an advert's words.
func TestAdvertsAreCommercialSpeech(t *testing.T) {
	p := policy.Default()
	th := map[string]float64{"threat": 0.0137}
	raw := map[string]float64{"threat": 0.03} // 0.69 on the policy's scale: above threat's bar, below the protected bar
	at := time.Unix(1e9, 0)
	ad, err := p.Judge(policy.Scored{Raw: raw, Signals: []policy.Signal{{Name: "advert"}}}, th, at)
	if err != nil {
		t.Fatal(err)
	}
	if ad.Decision.Queue || len(ad.Decision.Protected) == 0 || ad.Decision.Protected[0].Category != "commercial" {
		t.Errorf("job advert read as a threat: %+v", ad.Decision)
	}
	plain, _ := p.Judge(policy.Scored{Raw: raw}, th, at)
	if !plain.Decision.Queue {
		t.Fatalf("the same scores without the advert should queue; the test no longer separates them")
	}
	targeted, _ := p.Judge(policy.Scored{Raw: raw, Signals: []policy.Signal{{Name: "advert"}, {Name: "named_person"}}}, th, at)
	if !targeted.Decision.Queue {
		t.Errorf("a threat naming a person was lowered by advert words: %+v", targeted.Decision)
	}
}
