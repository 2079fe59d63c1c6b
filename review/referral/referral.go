// Package referral carries a reviewer's "refer" to a platform or authority:
// the six-part Rabat assessment (policy.CheckReferral), the second
// reviewer's approval, the DSA-shaped package and its printable page
// (policy.BuildReferralPackage), the platform's answer and re-checks of the
// referred URL, appeals heard by a reviewer who did not decide the item, and
// the transparency report's records. Every step is appended to the audit log.
package referral

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/evidence"
)

// Errors returned by the service; check them with errors.Is.
var (
	// ErrNotReferred is returned when the assessor has not decided "refer" on the item.
	ErrNotReferred = errors.New("the assessor has not decided to refer this item")
	// ErrSelfApproval is returned when the assessor tries to approve their own referral.
	ErrSelfApproval = errors.New("a referral is approved by a reviewer other than its assessor")
	// ErrState is returned for a step the referral or appeal is not ready for.
	ErrState = errors.New("not in a state that allows this")
	// ErrInvalid is returned for malformed input.
	ErrInvalid = errors.New("invalid input")
)

// Notifier environment variables, read by DefaultNotifier.
const (
	// NotifierNameEnv names the sending organisation.
	NotifierNameEnv = "RASD_NOTIFIER_NAME"
	// NotifierEmailEnv is where platforms answer.
	NotifierEmailEnv = "RASD_NOTIFIER_EMAIL"
	// NotifierTrustedFlaggerEnv, set to "true", marks the organisation a
	// trusted flagger (DSA Art. 22).
	NotifierTrustedFlaggerEnv = "RASD_NOTIFIER_TRUSTED_FLAGGER"
)

// DefaultNotifier returns the notifier named by $RASD_NOTIFIER_NAME and
// $RASD_NOTIFIER_EMAIL (empty fields when unset: packages then refuse to
// build), a trusted flagger when $RASD_NOTIFIER_TRUSTED_FLAGGER is "true".
func DefaultNotifier() policy.Notifier {
	trusted, _ := strconv.ParseBool(os.Getenv(NotifierTrustedFlaggerEnv))
	return policy.Notifier{Name: os.Getenv(NotifierNameEnv), Email: os.Getenv(NotifierEmailEnv), TrustedFlagger: trusted}
}

// Service runs referrals and appeals over the review store.
type Service struct {
	// Store keeps items, decisions, referrals and appeals, and the accounts
	// appeals are assigned to.
	Store review.Store
	// Backend holds the pipeline's records (the post, scores, model version).
	Backend review.RecordReader
	// Policy is the referral bar and the routing that gives a referral its grounds.
	Policy *policy.Policy
	// Audit receives every referral, approval, outcome, export and appeal.
	Audit *audit.Log
	// Notifier is the sending organisation named in packages.
	Notifier policy.Notifier
	// RoleID maps a reviewer's name to the pseudonymous id packages show.
	RoleID func(user string) string
	// NormalizerVersion is recorded in packages when known.
	NormalizerVersion string
	// Media reads the media files the media stage stored; packages
	// include those it holds (checked against their SHA-256). Nil lists
	// media by URL and hash only.
	Media MediaReader
	// MaxMediaSize is the largest media file included; DefaultMaxMediaSize when zero.
	MaxMediaSize int64
	// Signer signs evidence bundles; nil refuses them (ErrNoSigner).
	Signer *evidence.Signer
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Log receives anomalies; discarded when nil.
	Log *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) roleID(user string) string {
	if s.RoleID == nil {
		return user
	}
	return s.RoleID(user)
}

func (s *Service) audit(ev audit.Event) {
	if s.Audit == nil {
		return
	}
	ev.Time = s.now()
	if _, err := s.Audit.Append(ev); err != nil && s.Log != nil {
		s.Log.Error("appending to the audit log", "type", ev.Type, "subject", ev.Subject, "err", err)
	}
}

// Form is what the assessor records on the referral form.
type Form struct {
	// The six parts of the Rabat test, each with a level and a short reason.
	Context        policy.Part `json:"context"`
	Speaker        policy.Part `json:"speaker"`
	Intent         policy.Part `json:"intent"`
	ContentAndForm policy.Part `json:"content_and_form"`
	Extent         policy.Part `json:"extent"`
	Likelihood     policy.Part `json:"likelihood"`
	// Explanation says why the content is illegal or against the platform's rules.
	Explanation string `json:"explanation"`
	// Facts are the facts and circumstances relied on.
	Facts string `json:"facts"`
	// ThreatToLife marks the referral urgent.
	ThreatToLife bool `json:"threat_to_life"`
	// Bases are the ids of the policy's grounds cited (at most 10); empty
	// means those of the rule that routed the post.
	Bases []string `json:"bases"`
}

// withoutSecondReviewer is p with the two-person rule waived, to check an
// assessment before anyone approved it.
func withoutSecondReviewer(p *policy.Policy) *policy.Policy {
	q := *p
	no := false
	q.Referral.SecondReviewer = &no
	return &q
}

// Create records user's six-part assessment of item as a referral. The
// user must have decided "refer" on the item, and the assessment must meet
// the policy's bar; the referral then awaits a second reviewer's approval
// (or is approved at once where the policy waives it).
func (s *Service) Create(ctx context.Context, item, user string, f Form) (review.Referral, error) {
	if strings.TrimSpace(item) == "" {
		return review.Referral{}, fmt.Errorf("%w: the item to refer is required", ErrInvalid)
	}
	it, err := s.Store.Item(ctx, item)
	if err != nil {
		return review.Referral{}, fmt.Errorf("referring %s: %w", item, err)
	}
	if it.Support {
		return review.Referral{}, fmt.Errorf("referring %s: %w: it was routed for victim support, which is never referred in public", item, ErrState)
	}
	ds, err := s.Store.Decisions(ctx, item)
	if err != nil {
		return review.Referral{}, fmt.Errorf("referring %s: %w", item, err)
	}
	if open, err := s.Active(ctx, item); err != nil {
		return review.Referral{}, err
	} else if open != nil {
		return review.Referral{}, fmt.Errorf("referring %s: %w: referral %s is %s", item, ErrState, open.ID, open.Status)
	}
	var dec *review.Decision
	for i := range ds {
		if ds[i].Reviewer == user && ds[i].Action == review.ActionRefer {
			dec = &ds[i]
		}
	}
	if dec == nil {
		return review.Referral{}, fmt.Errorf("referring %s: %w", item, ErrNotReferred)
	}
	now := s.now()
	a := policy.RabatAssessment{ReviewerID: user, RoleID: s.roleID(user), At: now,
		Context: f.Context, Speaker: f.Speaker, Intent: f.Intent, ContentAndForm: f.ContentAndForm, Extent: f.Extent, Likelihood: f.Likelihood}
	var missing []string
	if err := policy.CheckReferral(a, withoutSecondReviewer(s.Policy), nil); err != nil {
		var re *policy.ReferralError
		if !errors.As(err, &re) {
			return review.Referral{}, fmt.Errorf("referring %s: %w", item, err)
		}
		missing = re.Missing
	}
	for _, t := range []struct {
		field, text string
		max         int
	}{{"explanation", f.Explanation, review.MaxLong}, {"facts", f.Facts, review.MaxLong},
		{"context", f.Context.Reason, review.MaxReason}, {"speaker", f.Speaker.Reason, review.MaxReason}, {"intent", f.Intent.Reason, review.MaxReason},
		{"content_and_form", f.ContentAndForm.Reason, review.MaxReason}, {"extent", f.Extent.Reason, review.MaxReason}, {"likelihood", f.Likelihood.Reason, review.MaxReason}} {
		if err := review.CheckText(t.field, t.text, t.max); err != nil {
			return review.Referral{}, fmt.Errorf("referring %s: %w: %w", item, ErrInvalid, err)
		}
	}
	bases, err := s.checkBases(f.Bases)
	if err != nil {
		return review.Referral{}, fmt.Errorf("referring %s: %w: %w", item, ErrInvalid, err)
	}
	if strings.TrimSpace(f.Explanation) == "" {
		missing = append(missing, "explanation")
	}
	if strings.TrimSpace(f.Facts) == "" {
		missing = append(missing, "facts")
	}
	if len(missing) > 0 {
		return review.Referral{}, fmt.Errorf("referring %s: %w", item, &policy.ReferralError{Missing: missing})
	}
	r := review.Referral{
		ID: review.NewID(), Reference: review.NewReference(), Item: item, Decision: dec.ID, Platform: it.Platform, Urgent: it.Urgent || f.ThreatToLife,
		Assessment: a, Explanation: strings.TrimSpace(f.Explanation), Facts: strings.TrimSpace(f.Facts),
		Status: review.ReferralAwaiting, Created: now, Bases: bases,
	}
	if !s.Policy.SecondReviewerRequired() {
		r.Status, r.Approved = review.ReferralApproved, now
	}
	if err := s.Store.PutReferral(ctx, r); err != nil {
		return review.Referral{}, fmt.Errorf("storing referral of %s: %w", item, err)
	}
	s.audit(audit.Event{Type: audit.TypeReferral, Actor: "user:" + user, Subject: item, Details: map[string]any{
		"action": "assessed", "referral": r.ID, "urgent": r.Urgent, "status": r.Status, "policy_version": s.Policy.Version,
		"levels": levels(a),
	}})
	return r, nil
}

func levels(a policy.RabatAssessment) map[string]string {
	m := map[string]string{}
	for i, p := range a.Parts() {
		m[policy.PartNames[i]] = p.Level.String()
	}
	return m
}

// Approve records user's approval of referral id: user must not be its
// assessor, and with the approval the referral must pass policy.CheckReferral.
// A referral stored before public references existed gets one here, before
// any notice is sent.
func (s *Service) Approve(ctx context.Context, id, user string) (review.Referral, error) {
	cur, err := s.Store.Referral(ctx, id)
	if err != nil {
		return cur, fmt.Errorf("approving referral %s: %w", id, err)
	}
	if err := s.itemStillReferred(ctx, cur.Item); err != nil {
		return cur, fmt.Errorf("approving referral %s: %w", id, err)
	}
	now := s.now()
	r, err := s.Store.UpdateReferral(ctx, id, func(r *review.Referral) error {
		switch {
		case r.Status != review.ReferralAwaiting:
			return fmt.Errorf("%w: referral is %s", ErrState, r.Status)
		case strings.TrimSpace(user) == "" || user == r.Assessment.ReviewerID:
			return ErrSelfApproval
		}
		approvals := append(slices.Clone(r.Approvals), policy.Approval{ReviewerID: user, RoleID: s.roleID(user), At: now})
		if err := policy.CheckReferral(r.Assessment, s.Policy, approvals); err != nil {
			return err
		}
		r.Approvals, r.Status, r.Approved = approvals, review.ReferralApproved, now
		if r.Reference == "" { // stored before referrals had public references
			r.Reference = review.NewReference()
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("approving referral %s: %w", id, err)
	}
	s.audit(audit.Event{Type: audit.TypeReferral, Actor: "user:" + user, Subject: r.Item, Details: map[string]any{
		"action": "approved", "referral": r.ID, "urgent": r.Urgent, "policy_version": s.Policy.Version,
	}})
	return r, nil
}

// itemStillReferred checks that the item's review does not contradict the
// referral: it does not wait for a senior reviewer, and once closed its
// standing decision is refer.
func (s *Service) itemStillReferred(ctx context.Context, item string) error {
	it, err := s.Store.Item(ctx, item)
	if err != nil {
		return err
	}
	if it.Status == review.StatusSenior {
		return fmt.Errorf("%w: item %s waits for a senior reviewer", ErrState, item)
	}
	ds, err := s.Store.Decisions(ctx, item)
	if err != nil {
		return err
	}
	if d := closing(ds); it.Status == review.StatusClosed && d != nil && d.Action != review.ActionRefer {
		return fmt.Errorf("%w: item %s was finally decided %s, not refer", ErrState, item, d.Action)
	}
	return nil
}

// FollowReview withdraws the item's open referrals (awaiting approval or
// approved) once its review contradicts them: the item was finally decided
// something other than refer (dismissed, monitored). Each withdrawal is
// audited. Call it after every decision on an item; it returns the
// referrals it withdrew.
func (s *Service) FollowReview(ctx context.Context, item, actor string) ([]review.Referral, error) {
	it, err := s.Store.Item(ctx, item)
	if err != nil {
		return nil, fmt.Errorf("following the review of %s: %w", item, err)
	}
	if it.Status != review.StatusClosed {
		return nil, nil
	}
	ds, err := s.Store.Decisions(ctx, item)
	if err != nil {
		return nil, fmt.Errorf("following the review of %s: %w", item, err)
	}
	d := closing(ds)
	if d == nil || d.Action == review.ActionRefer {
		return nil, nil
	}
	rs, err := s.ForItem(ctx, item)
	if err != nil {
		return nil, err
	}
	var out []review.Referral
	for _, r := range rs {
		if r.Status != review.ReferralAwaiting && r.Status != review.ReferralApproved {
			continue
		}
		was := r.Status
		got, err := s.Store.UpdateReferral(ctx, r.ID, func(r *review.Referral) error { r.Status = review.ReferralWithdrawn; return nil })
		if err != nil {
			return out, fmt.Errorf("withdrawing referral %s: %w", r.ID, err)
		}
		s.audit(audit.Event{Type: audit.TypeReferral, Actor: actor, Subject: item, Details: map[string]any{
			"action": "withdrawn", "referral": r.ID, "was": was, "reason": "the item was finally decided " + string(d.Action), "decision": d.ID,
		}})
		out = append(out, got)
	}
	return out, nil
}

// Package builds referral r's package with policy.BuildReferralPackage,
// from the item's stored post and the judgement the engine stored when it
// routed the post: its rule, legal bases and policy version, never a new
// routing under whatever policy is current. The package carries the
// post's raw capture and lists its media, including those s.Media holds
// whose bytes match the recorded SHA-256. It is the same for the same
// referral, record and held media.
func (s *Service) Package(ctx context.Context, r review.Referral) (policy.ReferralPackage, error) {
	if r.Status != review.ReferralApproved {
		return policy.ReferralPackage{}, fmt.Errorf("packaging referral %s: %w: it is %s", r.ID, ErrState, r.Status)
	}
	// A referral never outlives the review that supports it.
	if err := s.itemStillReferred(ctx, r.Item); err != nil {
		return policy.ReferralPackage{}, fmt.Errorf("packaging referral %s: %w", r.ID, err)
	}
	rec, err := s.Backend.Get(ctx, r.Item)
	if err != nil {
		return policy.ReferralPackage{}, fmt.Errorf("packaging referral %s: reading item %s: %w", r.ID, r.Item, err)
	}
	j := rec.Judgement
	if j == nil {
		return policy.ReferralPackage{}, fmt.Errorf("packaging referral %s: %w: item %s has no stored routing decision (recorded before decisions were kept)", r.ID, ErrState, r.Item)
	}
	d := j.Decision
	d.Urgent = d.Urgent || r.Urgent
	if len(r.Bases) > 0 { // the grounds the assessor chose
		d.Bases = make([]policy.Basis, 0, len(r.Bases))
		for _, id := range r.Bases {
			if b, ok := s.Policy.Basis(id); ok {
				d.Bases = append(d.Bases, b)
			}
		}
	}
	normalizer := j.Normalizer
	if normalizer == "" {
		normalizer = s.NormalizerVersion
	}
	pkg, err := policy.BuildReferralPackage(policy.ReferralInput{
		ID: r.ID, Reference: r.Reference, Created: r.Approved, Post: rec.Post, Decision: d, Signals: policy.SignalNames(j.Signals), Media: s.heldMedia(ctx, rec.Post),
		Assessment: r.Assessment, Approvals: r.Approvals,
		Explanation: r.Explanation, Facts: r.Facts, Notifier: s.Notifier, AutomatedDetection: true,
		ModelVersion: j.Model, NormalizerVersion: normalizer,
	}, s.Policy)
	if err != nil {
		return pkg, fmt.Errorf("packaging: %w", err)
	}
	return pkg, nil
}

// Get returns referral id.
func (s *Service) Get(ctx context.Context, id string) (review.Referral, error) {
	r, err := s.Store.Referral(ctx, id)
	if err != nil {
		return r, fmt.Errorf("reading referral %s: %w", id, err)
	}
	return r, nil
}

// ForItem returns the referrals of item, urgent first then oldest first.
func (s *Service) ForItem(ctx context.Context, item string) ([]review.Referral, error) {
	rs, err := s.Store.Referrals(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading referrals: %w", err)
	}
	return slices.DeleteFunc(rs, func(r review.Referral) bool { return r.Item != item }), nil
}

// Active returns the item's referral that is awaiting approval or
// approved, or nil when there is none (none, or all withdrawn, rejected or
// sent back).
func (s *Service) Active(ctx context.Context, item string) (*review.Referral, error) {
	rs, err := s.ForItem(ctx, item)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if st := rs[i].Status; st == review.ReferralAwaiting || st == review.ReferralApproved {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// Exported records an export of n packages by actor in the audit log.
func (s *Service) Exported(actor, what string, ids []string) {
	s.audit(audit.Event{Type: audit.TypeExport, Actor: actor, Subject: what, Details: map[string]any{"referrals": ids, "count": len(ids)}})
}
