package referral

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

// The targets an appeal may name.
const (
	// TargetReferral appeals a referral; the target id is the referral's id.
	TargetReferral = "referral"
	// TargetDecision appeals the decision on an item; the target id is the item's id.
	TargetDecision = "decision"
)

// closing returns the decision that currently stands for an item: the
// last closing or appeal decision, or nil while the item is undecided.
func closing(ds []review.Decision) *review.Decision {
	var out *review.Decision
	for i := range ds {
		switch ds[i].Stage {
		case review.StageFinal, review.StageAgreed, review.StageSenior, review.StageAppeal:
			out = &ds[i]
		}
	}
	return out
}

// deciders returns everyone who decided, assessed or approved the item.
func (s *Service) deciders(ctx context.Context, item string) ([]string, []review.Decision, error) {
	ds, err := s.Store.Decisions(ctx, item)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Reviewer)
	}
	rs, err := s.ForItem(ctx, item)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rs {
		out = append(out, r.Assessment.ReviewerID)
		for _, a := range r.Approvals {
			out = append(out, a.ReviewerID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), ds, nil
}

// File files an appeal by appellant against a referral or an item's
// decision and assigns it to the first reviewer (by name) who may decide
// items and did not decide, assess or approve the item nor file the appeal.
func (s *Service) File(ctx context.Context, target, targetID, appellant, reason string) (review.Appeal, error) {
	return s.file(ctx, review.Appeal{Appeal: policy.Appeal{Target: target, TargetID: targetID, Appellant: appellant}, Reason: reason}, "user:"+appellant)
}

// ErrUnknownReference is matched (errors.Is) when a complaint names a
// reference no referral has.
var ErrUnknownReference = errors.New("no referral has this reference")

// Complaint is what a person whose post was referred sends through the
// public complaint form.
type Complaint struct {
	// Reference is the public reference of the referral, as printed in the
	// notice the platform received.
	Reference string
	// Text is why the person contests the referral.
	Text string
	// Contact is an optional e-mail address for the ruling.
	Contact string
}

// Limits on a complaint's fields, in characters.
const (
	MaxComplaintText    = review.MaxReason
	MaxComplaintContact = 254
)

// CheckComplaint checks c's fields: a reference of the right form, a text
// within MaxComplaintText, and a contact that is empty or an e-mail
// address within MaxComplaintContact.
func CheckComplaint(c Complaint) error {
	if review.NormalizeReference(c.Reference) == "" {
		return fmt.Errorf("%w: the reference has %d characters of 0-9 and A-Z", ErrInvalid, review.ReferenceLen)
	}
	if err := review.CheckText("text", c.Text, MaxComplaintText); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if strings.TrimSpace(c.Text) == "" {
		return fmt.Errorf("%w: a complaint needs a text", ErrInvalid)
	}
	if err := review.CheckText("contact", c.Contact, MaxComplaintContact); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if ct := strings.TrimSpace(c.Contact); ct != "" {
		if a, err := mail.ParseAddress(ct); err != nil || a.Address != ct {
			return fmt.Errorf("%w: the contact is not an e-mail address", ErrInvalid)
		}
	}
	return nil
}

// ByReference returns the referral whose public reference is ref
// (ErrUnknownReference when none is).
func (s *Service) ByReference(ctx context.Context, ref string) (review.Referral, error) {
	ref = review.NormalizeReference(ref)
	if ref == "" {
		return review.Referral{}, ErrUnknownReference
	}
	rs, err := s.Store.Referrals(ctx)
	if err != nil {
		return review.Referral{}, fmt.Errorf("reading referrals: %w", err)
	}
	for _, r := range rs {
		if subtle.ConstantTimeCompare([]byte(r.Reference), []byte(ref)) == 1 {
			return r, nil
		}
	}
	return review.Referral{}, ErrUnknownReference
}

// FileComplaint files complaint c against the referral it names as an
// appeal of origin OriginComplaint, assigned as File assigns appeals. The
// contact is stored with the appeal for the reply and is never written to
// the audit log. A reference no referral has gives ErrUnknownReference and
// files nothing.
func (s *Service) FileComplaint(ctx context.Context, c Complaint) (review.Appeal, error) {
	if err := CheckComplaint(c); err != nil {
		return review.Appeal{}, err
	}
	r, err := s.ByReference(ctx, c.Reference)
	if err != nil {
		return review.Appeal{}, fmt.Errorf("filing a complaint: %w", err)
	}
	return s.file(ctx, review.Appeal{Appeal: policy.Appeal{Target: TargetReferral, TargetID: r.ID}, Reason: c.Text,
		Origin: review.OriginComplaint, Contact: strings.TrimSpace(c.Contact)}, "complainant")
}

// file stores draft (target, target id, appellant, reason, origin and
// contact set) as a pending appeal assigned to an eligible reviewer, and
// audits it as done by actor.
func (s *Service) file(ctx context.Context, draft review.Appeal, actor string) (review.Appeal, error) {
	target, targetID, reason := draft.Target, draft.TargetID, draft.Reason
	if err := review.CheckText("reason", reason, review.MaxReason); err != nil {
		return review.Appeal{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var item string
	switch target {
	case TargetReferral:
		r, err := s.Store.Referral(ctx, targetID)
		if err != nil {
			return review.Appeal{}, fmt.Errorf("appealing referral %s: %w", targetID, err)
		}
		if r.Status != review.ReferralApproved {
			return review.Appeal{}, fmt.Errorf("appealing referral %s: %w: it is %s", targetID, ErrState, r.Status)
		}
		item = r.Item
	case TargetDecision:
		item = targetID
	default:
		return review.Appeal{}, fmt.Errorf("%w: appeal target %q (want referral or decision)", ErrInvalid, target)
	}
	if strings.TrimSpace(reason) == "" {
		return review.Appeal{}, fmt.Errorf("%w: an appeal needs a reason", ErrInvalid)
	}
	deciders, ds, err := s.deciders(ctx, item)
	if err != nil {
		return review.Appeal{}, fmt.Errorf("appealing %s %s: %w", target, targetID, err)
	}
	if closing(ds) == nil {
		return review.Appeal{}, fmt.Errorf("appealing %s %s: %w: item %s is not decided", target, targetID, ErrState, item)
	}
	as, err := s.Store.Appeals(ctx)
	if err != nil {
		return review.Appeal{}, fmt.Errorf("reading appeals: %w", err)
	}
	for _, a := range as {
		if a.Target == target && a.TargetID == targetID && a.Outcome == policy.AppealPending {
			return review.Appeal{}, fmt.Errorf("appealing %s %s: %w: appeal %s is still pending", target, targetID, ErrState, a.ID)
		}
	}
	a := draft
	a.ID, a.Deciders, a.Outcome, a.Item, a.Reason, a.Filed = review.NewID(), deciders, policy.AppealPending, item, strings.TrimSpace(reason), s.now()
	users, err := s.Store.Users(ctx)
	if err != nil {
		return review.Appeal{}, fmt.Errorf("reading accounts: %w", err)
	}
	var candidates []string
	for _, u := range users {
		if !u.Disabled && u.Role.Can(review.PermDecide) {
			candidates = append(candidates, u.Name)
		}
	}
	slices.Sort(candidates)
	if a.Reviewer, err = policy.PickAppealReviewer(candidates, a.Appeal); err != nil {
		return review.Appeal{}, fmt.Errorf("assigning the appeal: %w", err)
	}
	if err := s.Store.PutAppeal(ctx, a); err != nil {
		return review.Appeal{}, fmt.Errorf("storing the appeal: %w", err)
	}
	details := map[string]any{"action": "filed", "appeal": a.ID, "target": target, "target_id": targetID, "reviewer": a.Reviewer, "reason": a.Reason}
	if a.Origin != "" {
		details["origin"] = a.Origin
	}
	s.audit(audit.Event{Type: audit.TypeAppeal, Actor: actor, Subject: item, Details: details})
	return a, nil
}

// Ruling is an appeal reviewer's decision.
type Ruling struct {
	// Outcome is upheld or reversed.
	Outcome policy.AppealOutcome `json:"outcome"`
	// Note is the reviewer's reasoning.
	Note string `json:"note"`
	// Verdict is the corrected verdict for a reversal; empty flips the
	// standing one (a true positive becomes a false positive and back).
	Verdict review.Verdict `json:"verdict,omitempty"`
	// Labels are the right labels for a wrong_label verdict.
	Labels []string `json:"labels,omitempty"`
}

// Decide records reviewer's ruling on appeal id. The reviewer must be
// eligible (policy.EligibleAppealReviewer). A reversal records the
// corrected decision (StageAppeal), which the labelled-data export then
// uses, and withdraws the item's referrals.
func (s *Service) Decide(ctx context.Context, id, reviewer string, rl Ruling) (review.Appeal, error) {
	a, err := s.Store.Appeal(ctx, id)
	if err != nil {
		return a, fmt.Errorf("deciding appeal %s: %w", id, err)
	}
	if a.Outcome != policy.AppealPending {
		return a, fmt.Errorf("deciding appeal %s: %w: already %s", id, ErrState, a.Outcome)
	}
	if rl.Outcome != policy.AppealUpheld && rl.Outcome != policy.AppealReversed {
		return a, fmt.Errorf("deciding appeal %s: %w: outcome %q (want upheld or reversed)", id, ErrInvalid, rl.Outcome)
	}
	if err := review.CheckText("note", rl.Note, review.MaxReason); err != nil {
		return a, fmt.Errorf("deciding appeal %s: %w: %w", id, ErrInvalid, err)
	}
	if strings.TrimSpace(rl.Note) == "" {
		return a, fmt.Errorf("deciding appeal %s: %w: a ruling needs a note", id, ErrInvalid)
	}
	// Deciders may have grown since filing (a second review): check against both.
	deciders, ds, err := s.deciders(ctx, a.Item)
	if err != nil {
		return a, fmt.Errorf("deciding appeal %s: %w", id, err)
	}
	check := a.Appeal
	check.Deciders = append(slices.Clone(a.Deciders), deciders...)
	if err := policy.EligibleAppealReviewer(reviewer, check); err != nil {
		return a, err
	}
	now := s.now()
	var fix review.Decision
	if rl.Outcome == policy.AppealReversed {
		cur := closing(ds)
		if cur == nil {
			return a, fmt.Errorf("deciding appeal %s: %w: item %s has no standing decision", id, ErrState, a.Item)
		}
		v := rl.Verdict
		if v == "" {
			v = review.VerdictFalsePositive
			if cur.Verdict == review.VerdictFalsePositive {
				v = review.VerdictTruePositive
			}
		}
		action := review.ActionMonitor
		if v == review.VerdictFalsePositive {
			action = review.ActionDismiss
		}
		fix = review.Decision{ID: review.NewID(), Item: a.Item, Reviewer: reviewer, Action: action, Verdict: v, Labels: rl.Labels,
			Reason: "appeal " + id + ": " + strings.TrimSpace(rl.Note), Stage: review.StageAppeal, Time: now}
		if action == review.ActionDismiss {
			fix.ReasonCode = review.ReasonFalsePositive // an appeal reversed to a false positive says why: the ruling
		}
		if err := fix.Validate(); err != nil {
			return a, fmt.Errorf("deciding appeal %s: %w", id, err)
		}
		if err := s.Store.AppendDecision(ctx, fix); err != nil {
			return a, fmt.Errorf("deciding appeal %s: %w", id, err)
		}
		rs, err := s.ForItem(ctx, a.Item)
		if err != nil {
			return a, err
		}
		for _, r := range rs {
			if _, err := s.Store.UpdateReferral(ctx, r.ID, func(r *review.Referral) error { r.Status = review.ReferralWithdrawn; return nil }); err != nil {
				return a, fmt.Errorf("withdrawing referral %s: %w", r.ID, err)
			}
		}
	}
	a, err = s.Store.UpdateAppeal(ctx, id, func(x *review.Appeal) error {
		if x.Outcome != policy.AppealPending {
			return fmt.Errorf("%w: already %s", ErrState, x.Outcome)
		}
		x.Outcome, x.Reviewer, x.Note, x.Decided, x.Decision = rl.Outcome, reviewer, strings.TrimSpace(rl.Note), now, fix.ID
		return nil
	})
	if err != nil {
		return a, fmt.Errorf("deciding appeal %s: %w", id, err)
	}
	s.audit(audit.Event{Type: audit.TypeAppeal, Actor: "user:" + reviewer, Subject: a.Item, Details: map[string]any{
		"action": "decided", "appeal": id, "outcome": rl.Outcome, "note": a.Note, "decision": fix.ID, "verdict": fix.Verdict, "labels": fix.Labels,
	}})
	return a, nil
}
