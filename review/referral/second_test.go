package referral

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/review"
)

// TestSecondReviewerRejectsOrSendsBack: the second reviewer may reject a
// referral or send it back with a note (never without one, never their own);
// a rejected referral is not packaged; after a send-back the assessor refers
// again, citing the grounds they choose, and the package carries those.
func TestSecondReviewerRejectsOrSendsBack(t *testing.T) {
	f := newFixture(t, map[string]string{"x:1": "x", "x:2": "x"})
	ctx := context.Background()
	assess := func(item string) review.Referral {
		t.Helper()
		f.decide(t, item, "a", review.ActionRefer, review.VerdictTruePositive)
		r, err := f.svc.Create(ctx, item, "a", fullForm())
		if err != nil || r.Status != review.ReferralAwaiting {
			t.Fatalf("assessing %s: %+v %v", item, r, err)
		}
		return r
	}
	r1 := assess("x:1")
	if _, err := f.svc.Reject(ctx, r1.ID, "b", "  "); !errors.Is(err, ErrInvalid) {
		t.Fatalf("reject without a note: %v, want ErrInvalid", err)
	}
	if _, err := f.svc.Reject(ctx, r1.ID, "a", "mine"); !errors.Is(err, ErrSelfApproval) {
		t.Fatalf("the assessor rejecting: %v", err)
	}
	got, err := f.svc.Reject(ctx, r1.ID, "b", "نقد سياسي لا تهديد")
	if err != nil || got.Status != review.ReferralRejected || len(got.Notes) != 1 || got.Notes[0].By != "b" {
		t.Fatalf("reject: %+v %v", got, err)
	}
	if _, err := f.svc.Approve(ctx, r1.ID, "c"); !errors.Is(err, ErrState) {
		t.Fatalf("approving a rejected referral: %v", err)
	}
	if _, err := f.svc.Package(ctx, got); !errors.Is(err, ErrState) {
		t.Fatalf("packaging a rejected referral: %v", err)
	}

	r2 := assess("x:2")
	if got, err := f.svc.SendBack(ctx, r2.ID, "b", "the speaker part needs the account's reach"); err != nil || got.Status != review.ReferralReturned {
		t.Fatalf("send back: %+v %v", got, err)
	}
	form := fullForm()
	form.Bases = []string{"iq-penal-threat", "platform-violent-speech", "iq-penal-threat"}
	bad := fullForm()
	bad.Bases = []string{"iq-penal-226"}
	if _, err := f.svc.Create(ctx, "x:2", "a", bad); err == nil || !strings.Contains(err.Error(), "iq-penal-226") {
		t.Fatalf("an unknown ground: %v", err)
	}
	again, err := f.svc.Create(ctx, "x:2", "a", form)
	if err != nil || again.ID == r2.ID || len(again.Bases) != 2 {
		t.Fatalf("referring again after a send-back: %+v %v", again, err)
	}
	if again, err = f.svc.Approve(ctx, again.ID, "b"); err != nil {
		t.Fatal(err)
	}
	pkg, err := f.svc.Package(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range pkg.Bases {
		ids = append(ids, b.ID)
	}
	if strings.Join(ids, ",") != "iq-penal-threat,platform-violent-speech" {
		t.Fatalf("package cites %v, want the chosen grounds", ids)
	}
	types := auditTypes(t, f.audit)
	if types["referral/rejected"] != 1 || types["referral/sent_back"] != 1 {
		t.Fatalf("audit events %v", types)
	}
}
