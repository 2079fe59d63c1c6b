package reviewtest

import (
	"context"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

// testClosedCases checks which cases count as closed for retention, and when.
func testClosedCases(t *testing.T, s review.Store) {
	ctx := context.Background()
	if err := s.Add(ctx, Items(6)); err != nil {
		t.Fatal(err)
	}
	a := review.Reviewer{Name: "a"}
	one := review.Rules{}
	tp, fp := review.VerdictTruePositive, review.VerdictFalsePositive
	// x:0 dismissed; x:1 never decided; x:2 dismissed, appeal pending;
	// x:3 dismissed, appeal heard later; x:4 referred, awaiting approval;
	// x:5 referred, approved, platform removed it.
	for id, act := range map[string]review.Action{"x:000000": review.ActionDismiss, "x:000002": review.ActionDismiss, "x:000003": review.ActionDismiss, "x:000004": review.ActionRefer, "x:000005": review.ActionRefer} {
		v := fp
		if act == review.ActionRefer {
			v = tp
		}
		if _, _, err := decide(ctx, s, id, a, act, v, nil, one, t0); err != nil {
			t.Fatalf("deciding %s: %v", id, err)
		}
	}
	heard := t0.Add(48 * time.Hour)
	for _, ap := range []review.Appeal{
		{Appeal: policy.Appeal{ID: "ap2", Target: "decision", TargetID: "x:000002", Outcome: policy.AppealPending}, Item: "x:000002", Filed: t0.Add(time.Hour)},
		{Appeal: policy.Appeal{ID: "ap3", Target: "decision", TargetID: "x:000003", Outcome: policy.AppealUpheld}, Item: "x:000003", Filed: t0.Add(time.Hour), Decided: heard},
	} {
		if err := s.PutAppeal(ctx, ap); err != nil {
			t.Fatal(err)
		}
	}
	removed := t0.Add(72 * time.Hour)
	for _, r := range []review.Referral{
		{ID: "r4", Item: "x:000004", Platform: "telegram", Status: review.ReferralAwaiting, Created: t0},
		{ID: "r5", Item: "x:000005", Platform: "telegram", Status: review.ReferralApproved, Created: t0, Approved: t0,
			Outcomes: []policy.Outcome{{ReferralID: "r5", Status: policy.OutcomeRemoved, Source: policy.SourceRecheck, At: removed}}},
	} {
		if err := s.PutReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := review.ClosedCases(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"x:000000": t0, "x:000003": heard, "x:000005": removed}
	if len(got) != len(want) {
		t.Errorf("closed cases %v, want %v", got, want)
	}
	for id, at := range want {
		if !got[id].Equal(at) {
			t.Errorf("case %s closed at %v, want %v", id, got[id], at)
		}
	}
}
