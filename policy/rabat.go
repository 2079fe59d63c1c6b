package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Level is how strongly one part of the Rabat test points to incitement.
// The zero value means the part was not assessed.
type Level int

const (
	// LevelUnset means the reviewer has not assessed the part.
	LevelUnset Level = iota
	// LevelAbsent means the part does not point to incitement at all.
	LevelAbsent
	// LevelLow means the part points weakly to incitement.
	LevelLow
	// LevelMedium means the part points clearly to incitement.
	LevelMedium
	// LevelHigh means the part points strongly to incitement.
	LevelHigh
)

var levelNames = []string{"", "absent", "low", "medium", "high"}

// String returns the level's name, or "unset".
func (l Level) String() string {
	if l <= LevelUnset || int(l) >= len(levelNames) {
		return "unset"
	}
	return levelNames[l]
}

// ParseLevel parses absent, low, medium or high.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if i > 0 && n == s {
			return Level(i), nil
		}
	}
	return LevelUnset, fmt.Errorf("level %q is not one of absent, low, medium, high", s)
}

// MarshalText writes the level's name; an unset level is written as "".
func (l Level) MarshalText() ([]byte, error) {
	if l == LevelUnset {
		return []byte{}, nil
	}
	if l < LevelUnset || int(l) >= len(levelNames) {
		return nil, fmt.Errorf("invalid level %d", int(l))
	}
	return []byte(levelNames[l]), nil
}

// UnmarshalText parses a level's name; "" is LevelUnset.
func (l *Level) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*l = LevelUnset
		return nil
	}
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// UnmarshalYAML parses a level's name, naming the line on error.
func (l *Level) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a level must be one of absent, low, medium, high", n.Line)
	}
	if err := l.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// Part is one of the six parts of the Rabat test as a reviewer recorded it.
type Part struct {
	// Level is how strongly this part points to incitement.
	Level Level `json:"level"`
	// Reason is the reviewer's short justification.
	Reason string `json:"reason"`
}

// PartNames are the six parts of the Rabat Plan of Action threshold test, in order.
var PartNames = []string{"context", "speaker", "intent", "content_and_form", "extent", "likelihood"}

// RabatAssessment is a reviewer's six-part assessment of one item under the
// Rabat Plan of Action threshold test for incitement.
type RabatAssessment struct {
	// ReviewerID identifies the reviewer who made the assessment.
	ReviewerID string `json:"reviewer_id"`
	// RoleID is the reviewer's pseudonymous role id, which referrals show.
	RoleID string `json:"role_id"`
	// At is when the assessment was recorded.
	At time.Time `json:"at"`
	// Context is the social and political context at the time of the speech.
	Context Part `json:"context"`
	// Speaker is the speaker's status and reach.
	Speaker Part `json:"speaker"`
	// Intent is whether the speaker intended to incite, not merely to inform.
	Intent Part `json:"intent"`
	// ContentAndForm is the content, style and form of the speech.
	ContentAndForm Part `json:"content_and_form"`
	// Extent is the reach: audience, followers, sightings.
	Extent Part `json:"extent"`
	// Likelihood is the likelihood and imminence of harm.
	Likelihood Part `json:"likelihood"`
}

// Parts returns the six parts in the order of PartNames.
func (a RabatAssessment) Parts() []Part {
	return []Part{a.Context, a.Speaker, a.Intent, a.ContentAndForm, a.Extent, a.Likelihood}
}

// Approval is a second reviewer's approval of a referral.
type Approval struct {
	// ReviewerID identifies the approving reviewer.
	ReviewerID string `json:"reviewer_id"`
	// RoleID is the approving reviewer's pseudonymous role id.
	RoleID string `json:"role_id"`
	// At is when the approval was given.
	At time.Time `json:"at"`
}

// ErrReferralNotReady is matched (errors.Is) by every *ReferralError.
var ErrReferralNotReady = errors.New("referral not ready")

// ReferralError lists what a referral still lacks.
type ReferralError struct {
	// Missing names each missing or insufficient element.
	Missing []string
}

// Error names everything missing.
func (e *ReferralError) Error() string {
	return "referral not ready: " + strings.Join(e.Missing, "; ")
}

// Is makes errors.Is(err, ErrReferralNotReady) true.
func (e *ReferralError) Is(target error) bool { return target == ErrReferralNotReady }

// MinLevelFor returns the level the policy requires for the named part.
func (p *Policy) MinLevelFor(part string) Level {
	if lv, ok := p.Referral.PartMinLevels[part]; ok {
		return lv
	}
	return p.Referral.MinLevel
}

// CheckReferral reports whether an assessed item may be referred under p:
// all six parts recorded with a reason, each at or above the policy's bar,
// and, unless the policy waives it, approval by a second, different
// reviewer. The error is a *ReferralError naming everything missing.
func CheckReferral(a RabatAssessment, p *Policy, approvals []Approval) error {
	var missing []string
	if strings.TrimSpace(a.ReviewerID) == "" {
		missing = append(missing, "assessment has no reviewer")
	}
	for i, part := range a.Parts() {
		name := PartNames[i]
		reason := strings.TrimSpace(part.Reason)
		switch {
		case part.Level == LevelUnset && reason == "":
			missing = append(missing, name+": not recorded")
			continue
		case part.Level == LevelUnset:
			missing = append(missing, name+": level not recorded")
		case part.Level < LevelUnset || part.Level > LevelHigh:
			missing = append(missing, fmt.Sprintf("%s: invalid level %d", name, int(part.Level)))
		case part.Level < p.MinLevelFor(name):
			missing = append(missing, fmt.Sprintf("%s: level %s is below the policy's bar (%s)", name, part.Level, p.MinLevelFor(name)))
		}
		if reason == "" {
			missing = append(missing, name+": reason not recorded")
		} else if n := utf8.RuneCountInString(reason); n < p.Referral.MinReasonChars {
			missing = append(missing, fmt.Sprintf("%s: reason too short (%d characters, need %d)", name, n, p.Referral.MinReasonChars))
		}
	}
	if p.SecondReviewerRequired() && !hasSecondReviewer(a.ReviewerID, approvals) {
		missing = append(missing, "approval by a second reviewer other than the assessor")
	}
	if len(missing) > 0 {
		return &ReferralError{Missing: missing}
	}
	return nil
}

func hasSecondReviewer(assessor string, approvals []Approval) bool {
	for _, ap := range approvals {
		id := strings.TrimSpace(ap.ReviewerID)
		if id != "" && id != strings.TrimSpace(assessor) {
			return true
		}
	}
	return false
}
