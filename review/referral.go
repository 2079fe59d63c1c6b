package review

import (
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/policy"
)

// ErrExists is returned when a referral or appeal with the same id is already stored.
var ErrExists = errors.New("already exists")

// StageAppeal is the decision an appeal reviewer records when an appeal
// reverses an item's decision: it replaces the item's label in the
// labelled data, and leaves the item's review state as it is.
const StageAppeal Stage = "appeal"

// ReferralStatus is where a referral stands.
type ReferralStatus string

// The referral statuses.
const (
	// ReferralAwaiting waits for a second reviewer's approval.
	ReferralAwaiting ReferralStatus = "awaiting_approval"
	// ReferralApproved passed policy.CheckReferral and may be exported.
	ReferralApproved ReferralStatus = "approved"
	// ReferralWithdrawn was reversed on appeal; it is never exported again.
	ReferralWithdrawn ReferralStatus = "withdrawn"
	// ReferralRejected was refused by the second reviewer; it is never
	// exported.
	ReferralRejected ReferralStatus = "rejected"
	// ReferralReturned was sent back to its assessor by the second
	// reviewer, with a note; the assessor may refer the item again.
	ReferralReturned ReferralStatus = "sent_back"
)

// ReferralNote is a second reviewer's note on a referral they rejected or
// sent back.
type ReferralNote struct {
	// By is the reviewer; At when they wrote it.
	By string    `json:"by"`
	At time.Time `json:"at"`
	// Status is what the reviewer did: rejected or sent_back.
	Status ReferralStatus `json:"status"`
	// Text is the note.
	Text string `json:"text"`
}

// What a re-check found.
const (
	// CheckRemoved means the platform no longer shows the content.
	CheckRemoved = "removed"
	// CheckPresent means the content is still up.
	CheckPresent = "present"
	// CheckUnknown means the check could not tell (request failed, no
	// credentials, an answer not understood).
	CheckUnknown = "unknown"
)

// Check is one re-check of a referred post on its platform.
type Check struct {
	// At is when the platform was asked.
	At time.Time `json:"at"`
	// Code is the HTTP status, 0 when the request failed.
	Code int `json:"code"`
	// Note is what was found, e.g. "HTTP 404", "X: Not Found Error" or why
	// the check failed.
	Note string `json:"note"`
	// Result is CheckRemoved, CheckPresent or CheckUnknown; empty in checks
	// recorded before platforms were asked through their own APIs, which
	// count as removed on HTTP 404 or 410.
	Result string `json:"result,omitempty"`
	// Method is how the platform was asked, e.g. "x-api", "telegram-embed",
	// "youtube-api" or "http".
	Method string `json:"method,omitempty"`
}

// Removed reports whether the check found the content gone.
func (c Check) Removed() bool {
	if c.Result != "" {
		return c.Result == CheckRemoved
	}
	return c.Code == 404 || c.Code == 410
}

// Referral is a reviewer's referral of an item: the six-part assessment,
// the approvals, and what became of it on the platform. It never holds
// anything about a tip's reporter.
type Referral struct {
	// ID identifies the referral.
	ID string `json:"id"`
	// Reference is the referral's public reference (NewReference): printed
	// in the notice sent to the platform, so that a person whose post was
	// referred can name it in a complaint. Empty for referrals stored
	// before references existed.
	Reference string `json:"reference,omitempty"`
	// Item is the referred item's id.
	Item string `json:"item"`
	// Decision is the id of the assessor's refer decision.
	Decision string `json:"decision"`
	// Platform is the item's platform, for filtering exports.
	Platform string `json:"platform"`
	// Urgent marks threats to life; urgent referrals are listed first.
	Urgent bool `json:"urgent"`
	// Assessment is the six-part Rabat assessment.
	Assessment policy.RabatAssessment `json:"assessment"`
	// Approvals are second reviewers' approvals.
	Approvals []policy.Approval `json:"approvals,omitempty"`
	// Explanation says why the content is illegal or against the platform's rules.
	Explanation string `json:"explanation"`
	// Facts are the facts and circumstances relied on.
	Facts string `json:"facts"`
	// Status is where the referral stands.
	Status ReferralStatus `json:"status"`
	// Bases are the ids of the policy's legal and platform grounds the
	// assessor cited; empty means those of the rule that routed the post.
	Bases []string `json:"bases,omitempty"`
	// Notes are the second reviewers' notes, oldest first.
	Notes []ReferralNote `json:"notes,omitempty"`
	// Created is when the assessment was recorded; Approved when it passed.
	Created  time.Time `json:"created"`
	Approved time.Time `json:"approved,omitzero"`
	// Outcomes are the platform's answers and removals found by re-checks.
	Outcomes []policy.Outcome `json:"outcomes,omitempty"`
	// Checks are the re-checks of the referred URL, oldest first.
	Checks []Check `json:"checks,omitempty"`
}

// Outcome returns the referral's current outcome.
func (r *Referral) Outcome() policy.OutcomeStatus { return policy.CurrentOutcome(r.Outcomes) }

// Appeal is an appeal against a referral or a decision, with its hearing.
type Appeal struct {
	policy.Appeal
	// Item is the appealed item (for a referral, the referred item).
	Item string `json:"item"`
	// Reason is why the appellant contests the decision.
	Reason string `json:"reason"`
	// Filed is when the appeal was filed; Decided when it was heard.
	Filed   time.Time `json:"filed"`
	Decided time.Time `json:"decided,omitzero"`
	// Note is the appeal reviewer's reasoning.
	Note string `json:"note,omitempty"`
	// Decision is the id of the corrected decision a reversal recorded.
	Decision string `json:"decision,omitempty"`
	// Origin is OriginComplaint for a complaint from an affected person;
	// empty for an appeal a user of Rasd filed.
	Origin string `json:"origin,omitempty"`
	// Contact is the complainant's optional e-mail address, kept only to
	// send the ruling; only roles that see author identities read it.
	Contact string `json:"contact,omitempty"`
}

// OriginComplaint marks an appeal that a person whose post was referred
// filed through the public complaint form.
const OriginComplaint = "complaint"

// referenceAlphabet is Crockford's base32: no I, L, O or U, so that a
// reference read aloud or copied by hand is not mistaken.
const referenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ReferenceLen is the length of a referral's public reference.
const ReferenceLen = 10

// NewReference returns a random public reference: ReferenceLen characters
// of Crockford's base32 (50 random bits), which says nothing about the
// referral, its item or when it was made.
func NewReference() string {
	var b [ReferenceLen]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = referenceAlphabet[b[i]&31]
	}
	return string(b[:])
}

// NormalizeReference returns ref as stored: upper case, without spaces or
// dashes, with O read as 0 and I or L as 1; "" when it cannot be a reference.
func NormalizeReference(ref string) string {
	if len(ref) > 4*ReferenceLen {
		return ""
	}
	var b strings.Builder
	for _, c := range strings.ToUpper(ref) {
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c == 'O':
			c = '0'
		case c == 'I' || c == 'L':
			c = '1'
		}
		if !strings.ContainsRune(referenceAlphabet, c) {
			return ""
		}
		b.WriteRune(c)
	}
	if b.Len() != ReferenceLen {
		return ""
	}
	return b.String()
}
