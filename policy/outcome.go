package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OutcomeStatus is what became of a referral on the platform.
type OutcomeStatus string

const (
	// OutcomePending means no answer yet and the content is still up.
	OutcomePending OutcomeStatus = "pending"
	// OutcomeRemoved means the platform removed the content.
	OutcomeRemoved OutcomeStatus = "removed"
	// OutcomeRestricted means the platform restricted it (geo-blocked, age-gated, demoted).
	OutcomeRestricted OutcomeStatus = "restricted"
	// OutcomeDeclined means the platform decided not to act.
	OutcomeDeclined OutcomeStatus = "declined"
)

// OutcomeStatuses lists every status, for validation and forms.
var OutcomeStatuses = []OutcomeStatus{OutcomePending, OutcomeRemoved, OutcomeRestricted, OutcomeDeclined}

// ParseOutcomeStatus parses a status name.
func ParseOutcomeStatus(s string) (OutcomeStatus, error) {
	st := OutcomeStatus(strings.TrimSpace(s))
	if !slices.Contains(OutcomeStatuses, st) {
		return "", fmt.Errorf("outcome %q is not one of pending, removed, restricted, declined", s)
	}
	return st, nil
}

// OutcomeSource says how an outcome was learned.
type OutcomeSource string

const (
	// SourcePlatformResponse is an answer the platform sent.
	SourcePlatformResponse OutcomeSource = "platform_response"
	// SourceRecheck is Rasd re-fetching the referred URL.
	SourceRecheck OutcomeSource = "recheck"
)

// Outcome is one recorded answer or re-check for a referral. A referral
// may collect several; the latest one is current.
type Outcome struct {
	// ReferralID is the referral the outcome belongs to.
	ReferralID string `json:"referral_id"`
	// Status is what became of the content.
	Status OutcomeStatus `json:"status"`
	// Source is how the outcome was learned.
	Source OutcomeSource `json:"source"`
	// At is when it was learned.
	At time.Time `json:"at"`
	// Note is the platform's answer or the re-check's finding, e.g. "HTTP 404".
	Note string `json:"note,omitempty"`
}

// Validate checks that the outcome is complete.
func (o Outcome) Validate() error {
	if strings.TrimSpace(o.ReferralID) == "" {
		return errors.New("outcome: referral id is empty")
	}
	if _, err := ParseOutcomeStatus(string(o.Status)); err != nil {
		return fmt.Errorf("outcome for %s: %w", o.ReferralID, err)
	}
	if o.Source != SourcePlatformResponse && o.Source != SourceRecheck {
		return fmt.Errorf("outcome for %s: source %q is not one of platform_response, recheck", o.ReferralID, o.Source)
	}
	if o.At.IsZero() {
		return fmt.Errorf("outcome for %s: time is missing", o.ReferralID)
	}
	return nil
}

// CurrentOutcome returns the latest of outcomes, or OutcomePending when there are none.
func CurrentOutcome(outcomes []Outcome) OutcomeStatus {
	var cur Outcome
	for _, o := range outcomes {
		if cur.Status == "" || !o.At.Before(cur.At) {
			cur = o
		}
	}
	if cur.Status == "" {
		return OutcomePending
	}
	return cur.Status
}

// AppealOutcome is the result of an appeal.
type AppealOutcome string

const (
	// AppealPending means the appeal has not been decided.
	AppealPending AppealOutcome = "pending"
	// AppealUpheld means the original decision stands.
	AppealUpheld AppealOutcome = "upheld"
	// AppealReversed means the original decision was overturned; the item
	// goes back to training data with the corrected label.
	AppealReversed AppealOutcome = "reversed"
)

// Appeal is an appeal against a referral or a reviewer's decision.
type Appeal struct {
	// ID identifies the appeal.
	ID string `json:"id"`
	// Target is "referral" or "decision".
	Target string `json:"target"`
	// TargetID is the referral or item id appealed.
	TargetID string `json:"target_id"`
	// Deciders are every reviewer who decided, assessed or approved the
	// appealed item; none of them may hear the appeal.
	Deciders []string `json:"deciders"`
	// Appellant is the user who filed the appeal, when it is a user of Rasd.
	Appellant string `json:"appellant,omitempty"`
	// Reviewer is who hears the appeal.
	Reviewer string `json:"reviewer,omitempty"`
	// Outcome is the appeal's result.
	Outcome AppealOutcome `json:"outcome"`
}

// ErrIneligibleReviewer is matched (errors.Is) when a reviewer may not hear an appeal.
var ErrIneligibleReviewer = errors.New("reviewer may not hear this appeal")

// EligibleAppealReviewer returns nil when candidate may hear the appeal: a
// named reviewer who did not decide the item and did not file the appeal.
func EligibleAppealReviewer(candidate string, a Appeal) error {
	c := strings.TrimSpace(candidate)
	switch {
	case c == "":
		return fmt.Errorf("appeal %s: no reviewer named: %w", a.ID, ErrIneligibleReviewer)
	case slices.ContainsFunc(a.Deciders, func(d string) bool { return strings.TrimSpace(d) == c }):
		return fmt.Errorf("appeal %s: %s decided the appealed item: %w", a.ID, c, ErrIneligibleReviewer)
	case strings.TrimSpace(a.Appellant) == c:
		return fmt.Errorf("appeal %s: %s filed the appeal: %w", a.ID, c, ErrIneligibleReviewer)
	}
	return nil
}

// PickAppealReviewer returns the first eligible reviewer of candidates, in order.
func PickAppealReviewer(candidates []string, a Appeal) (string, error) {
	for _, c := range candidates {
		if EligibleAppealReviewer(c, a) == nil {
			return strings.TrimSpace(c), nil
		}
	}
	return "", fmt.Errorf("appeal %s: none of %d candidates is eligible: %w", a.ID, len(candidates), ErrIneligibleReviewer)
}
