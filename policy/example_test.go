package policy_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/policy"
)

func ExamplePolicy_Route() {
	p := policy.Default()

	// A threat against a named activist goes to the top of the queue.
	d, _ := p.Route(policy.Input{
		Scores:  map[string]float64{"threat": 0.91},
		Signals: []string{"named_person", "defender_targeted"},
	})
	fmt.Println(d.Queue, d.RuleID, d.Priority, d.Urgent)

	// A news report quoting incitement stays out of the queue below the protected bar.
	d, _ = p.Route(policy.Input{
		Scores:     map[string]float64{"incitement": 0.85},
		SourceType: "news",
	})
	fmt.Println(d.Queue, d.Protected[0].Category, d.HeldBack)
	// Output:
	// true threat-defender 1 true
	// false news [incitement-violence]
}

func ExampleCheckReferral() {
	p := policy.Default()
	a := policy.RabatAssessment{
		ReviewerID:     "u-1",
		RoleID:         "R-01",
		Context:        policy.Part{Level: policy.LevelHigh, Reason: "armed clashes in the district this week"},
		Speaker:        policy.Part{Level: policy.LevelHigh, Reason: "faction commander, 200k followers"},
		Intent:         policy.Part{Level: policy.LevelHigh, Reason: "explicit call to attack, not reporting"},
		ContentAndForm: policy.Part{Level: policy.LevelMedium, Reason: "imperative, names the target"},
		Extent:         policy.Part{Level: policy.LevelHigh, Reason: "forwarded to 40 channels"},
		Likelihood:     policy.Part{Level: policy.LevelLow, Reason: "no time or place given"},
	}
	fmt.Println(policy.CheckReferral(a, p, nil))

	a.Likelihood = policy.Part{Level: policy.LevelHigh, Reason: "names a place and a time tomorrow"}
	fmt.Println(policy.CheckReferral(a, p, []policy.Approval{{ReviewerID: "u-2", RoleID: "R-02"}}))
	// Output:
	// referral not ready: likelihood: level low is below the policy's bar (medium); approval by a second reviewer other than the assessor
	// <nil>
}
