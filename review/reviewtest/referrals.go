package reviewtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

func testReferrals(t *testing.T, s review.Store) {
	ctx := context.Background()
	if rs, err := s.Referrals(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("empty store: referrals %v, %v", rs, err)
	}
	if _, err := s.Referral(ctx, "nope"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("absent referral: %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateReferral(ctx, "nope", func(*review.Referral) error { return nil }); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("updating an absent referral: %v, want ErrNotFound", err)
	}
	mk := func(id string, urgent bool, at time.Duration) review.Referral {
		return review.Referral{ID: id, Item: "x:" + id, Platform: "telegram", Urgent: urgent, Status: review.ReferralAwaiting, Created: t0.Add(at),
			Assessment: policy.RabatAssessment{ReviewerID: "a", RoleID: "anon-a", Context: policy.Part{Level: policy.LevelHigh, Reason: "سياق متوتر"}}}
	}
	for _, r := range []review.Referral{mk("r1", false, 0), mk("r2", true, time.Hour), mk("r3", false, -time.Hour)} {
		if err := s.PutReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutReferral(ctx, mk("r1", false, 0)); !errors.Is(err, review.ErrExists) {
		t.Fatalf("storing r1 twice: %v, want ErrExists", err)
	}
	rs, err := s.Referrals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range rs {
		order = append(order, r.ID)
	}
	if fmt.Sprint(order) != "[r2 r3 r1]" {
		t.Fatalf("referrals in order %v, want urgent first then oldest: [r2 r3 r1]", order)
	}
	got, err := s.Referral(ctx, "r1")
	if err != nil || got.Assessment.Context.Level != policy.LevelHigh || got.Assessment.Context.Reason != "سياق متوتر" || !got.Created.Equal(t0) {
		t.Fatalf("r1 read back as %+v, %v", got, err)
	}

	// A failing update changes nothing; 20 concurrent outcome appends all land.
	boom := errors.New("boom")
	if _, err := s.UpdateReferral(ctx, "r1", func(r *review.Referral) error { r.Status = review.ReferralApproved; return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing update: %v, want its error", err)
	}
	if got, _ := s.Referral(ctx, "r1"); got.Status != review.ReferralAwaiting {
		t.Fatalf("a failed update changed the status to %s", got.Status)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, err := s.UpdateReferral(ctx, "r1", func(r *review.Referral) error {
				r.Outcomes = append(r.Outcomes, policy.Outcome{ReferralID: "r1", Status: policy.OutcomeDeclined, Source: policy.SourcePlatformResponse, At: t0.Add(time.Duration(i) * time.Minute)})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := s.Referral(ctx, "r1"); len(got.Outcomes) != 20 || got.Outcome() != policy.OutcomeDeclined {
		t.Fatalf("after 20 concurrent outcomes: %d recorded, current %s", len(got.Outcomes), got.Outcome())
	}
}

func testAppeals(t *testing.T, s review.Store) {
	ctx := context.Background()
	if err := s.Add(ctx, Items(2)); err != nil {
		t.Fatal(err)
	}
	a := review.Appeal{Appeal: policy.Appeal{ID: "ap1", Target: "decision", TargetID: "x:000000", Deciders: []string{"a"}, Outcome: policy.AppealPending}, Item: "x:000000", Reason: "نقد لا تحريض", Filed: t0}
	if err := s.PutAppeal(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAppeal(ctx, a); !errors.Is(err, review.ErrExists) {
		t.Fatalf("storing ap1 twice: %v, want ErrExists", err)
	}
	b := a
	b.ID, b.Filed = "ap0", t0.Add(-time.Minute)
	if err := s.PutAppeal(ctx, b); err != nil {
		t.Fatal(err)
	}
	as, err := s.Appeals(ctx)
	if err != nil || len(as) != 2 || as[0].ID != "ap0" || as[1].ID != "ap1" || as[1].Reason != a.Reason || as[1].Deciders[0] != "a" {
		t.Fatalf("appeals %+v, %v; want ap0 then ap1 as stored", as, err)
	}
	up, err := s.UpdateAppeal(ctx, "ap1", func(x *review.Appeal) error { x.Outcome, x.Reviewer = policy.AppealReversed, "c"; return nil })
	if err != nil || up.Outcome != policy.AppealReversed {
		t.Fatalf("update: %+v, %v", up, err)
	}
	if got, err := s.Appeal(ctx, "ap1"); err != nil || got.Outcome != policy.AppealReversed || got.Reviewer != "c" {
		t.Fatalf("ap1 after update: %+v, %v", got, err)
	}
	if _, err := s.Appeal(ctx, "nope"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("absent appeal: %v, want ErrNotFound", err)
	}

	// An appeal's decision is recorded after the item's others and leaves the item alone.
	who := review.Reviewer{Name: "a"}
	if _, _, err := decide(ctx, s, "x:000000", who, review.ActionRefer, review.VerdictTruePositive, nil, review.Rules{}, t0); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Item(ctx, "x:000000")
	d := review.Decision{ID: "fix", Item: "x:000000", Reviewer: "c", Action: review.ActionDismiss, Verdict: review.VerdictFalsePositive, Stage: review.StageAppeal, Time: t0.Add(time.Hour)}
	if err := s.AppendDecision(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendDecision(ctx, review.Decision{ID: "x", Item: "nope"}); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("decision about an unknown item: %v, want ErrNotFound", err)
	}
	ds, err := s.Decisions(ctx, "x:000000")
	if err != nil || len(ds) != 2 || ds[1].ID != "fix" || ds[1].Stage != review.StageAppeal {
		t.Fatalf("decisions %+v, %v; want the refer then the appeal's", ds, err)
	}
	var last review.Decision
	if err := s.EachDecision(ctx, func(x review.Decision) error {
		if x.Item == "x:000000" {
			last = x
		}
		return nil
	}); err != nil || last.ID != "fix" {
		t.Fatalf("EachDecision's last about the item: %+v, %v; want the appeal's", last, err)
	}
	after, _ := s.Item(ctx, "x:000000")
	if after.Status != before.Status || after.Outcome != before.Outcome || len(after.Reviewers) != len(before.Reviewers) {
		t.Fatalf("the appeal's decision changed the item: %+v -> %+v", before, after)
	}
}
