package referral

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

// maxBases bounds the grounds one referral cites.
const maxBases = 10

// checkBases returns ids deduplicated, each a basis of the policy.
func (s *Service) checkBases(ids []string) ([]string, error) {
	if len(ids) > maxBases {
		return nil, fmt.Errorf("bases: at most %d grounds, not %d", maxBases, len(ids))
	}
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if _, ok := s.Policy.Basis(id); !ok {
			return nil, fmt.Errorf("bases: %q is not a ground of policy %s", id, s.Policy.Version)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Reject records user's refusal of referral id, with a note saying why:
// the referral is never exported. user must not be its assessor.
func (s *Service) Reject(ctx context.Context, id, user, note string) (review.Referral, error) {
	return s.secondReview(ctx, id, user, note, review.ReferralRejected)
}

// SendBack returns referral id to its assessor with user's note: the
// assessor may refer the item again with a new assessment. user must not
// be its assessor.
func (s *Service) SendBack(ctx context.Context, id, user, note string) (review.Referral, error) {
	return s.secondReview(ctx, id, user, note, review.ReferralReturned)
}

func (s *Service) secondReview(ctx context.Context, id, user, note string, to review.ReferralStatus) (review.Referral, error) {
	what := map[review.ReferralStatus]string{review.ReferralRejected: "rejecting", review.ReferralReturned: "sending back"}[to]
	note = strings.TrimSpace(note)
	if note == "" {
		return review.Referral{}, fmt.Errorf("%s referral %s: %w: a note saying why is required", what, id, ErrInvalid)
	}
	if err := review.CheckText("note", note, review.MaxReason); err != nil {
		return review.Referral{}, fmt.Errorf("%s referral %s: %w: %w", what, id, ErrInvalid, err)
	}
	now := s.now()
	r, err := s.Store.UpdateReferral(ctx, id, func(r *review.Referral) error {
		switch {
		case r.Status != review.ReferralAwaiting:
			return fmt.Errorf("%w: referral is %s", ErrState, r.Status)
		case strings.TrimSpace(user) == "" || user == r.Assessment.ReviewerID:
			return ErrSelfApproval
		}
		r.Status = to
		r.Notes = append(slices.Clone(r.Notes), review.ReferralNote{By: user, At: now, Status: to, Text: note})
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("%s referral %s: %w", what, id, err)
	}
	s.audit(audit.Event{Type: audit.TypeReferral, Actor: "user:" + user, Subject: r.Item, Details: map[string]any{
		"action": string(to), "referral": r.ID, "note": note, "policy_version": s.Policy.Version,
	}})
	return r, nil
}
