package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/ingest"
)

// ReferralSchemaVersion is the version of the referral package format
// described by docs/referral.schema.json.
const ReferralSchemaVersion = "1"

// Notifier is the organisation that sends referrals. Individual reviewers
// and tip reporters are never named in a referral.
type Notifier struct {
	// Name is the organisation's name.
	Name string `json:"name"`
	// Email is where the platform answers.
	Email string `json:"email"`
}

// ReferralInput is everything BuildReferralPackage needs about one referral.
type ReferralInput struct {
	// ID identifies the referral.
	ID string
	// Created is when the package is built.
	Created time.Time
	// Post is the referred item as captured. For posts that came in as
	// tips, nothing about the person who sent the tip is copied.
	Post ingest.Post
	// Decision is the item's routing decision.
	Decision Decision
	// Assessment is the reviewer's six-part assessment.
	Assessment RabatAssessment
	// Approvals are second reviewers' approvals.
	Approvals []Approval
	// Explanation is the reviewer's explanation of why the content is
	// illegal or against the platform's rules.
	Explanation string
	// Facts are the facts and circumstances relied on.
	Facts string
	// Notifier is the sending organisation.
	Notifier Notifier
	// AutomatedDetection is true when a model or list first flagged the item.
	AutomatedDetection bool
	// ModelVersion identifies the model that scored the item.
	ModelVersion string
	// NormalizerVersion identifies the text normaliser.
	NormalizerVersion string
}

// ReferralPackage is the JSON package sent per referral, shaped after the EU
// Digital Services Act notice (Art. 16) and statement of reasons (Art. 17).
// docs/referral.schema.json describes it.
type ReferralPackage struct {
	// SchemaVersion is ReferralSchemaVersion.
	SchemaVersion string `json:"schema_version"`
	// ReferralID identifies the referral.
	ReferralID string `json:"referral_id"`
	// CreatedAt is when the package was built.
	CreatedAt time.Time `json:"created_at"`
	// Urgent marks threats to life.
	Urgent bool `json:"urgent"`
	// Notice holds the Art. 16 notice fields.
	Notice Notice `json:"notice"`
	// StatementOfReasons holds the statement-of-reasons fields.
	StatementOfReasons StatementOfReasons `json:"statement_of_reasons"`
	// Content identifies the referred content and its evidence hash.
	Content ReferredContent `json:"content"`
	// Labels are the violation labels that routed the item.
	Labels []string `json:"labels"`
	// RuleID is the policy rule that routed the item.
	RuleID string `json:"rule_id"`
	// Bases are the legal and platform grounds cited.
	Bases []Basis `json:"bases"`
	// Assessment is the six-part Rabat reasoning.
	Assessment Rabat6 `json:"assessment"`
	// Reviewers lists reviewers by role id only.
	Reviewers []ReviewerRole `json:"reviewers"`
	// Versions records the policy, model and normaliser versions.
	Versions Versions `json:"versions"`
}

// Notice holds the fields of a DSA Art. 16(2) notice.
type Notice struct {
	// Explanation is the substantiated explanation of why the content is illegal (a).
	Explanation string `json:"explanation"`
	// URL is the exact location of the content (b).
	URL string `json:"url"`
	// Notifier is the notifier's name and email (c).
	Notifier Notifier `json:"notifier"`
	// GoodFaithStatement is the notifier's bona fide statement (d).
	GoodFaithStatement string `json:"good_faith_statement"`
}

// StatementOfReasons holds statement-of-reasons fields.
type StatementOfReasons struct {
	// Category is one of Categories.
	Category string `json:"category"`
	// Ground is "illegal_content" when a legal basis is cited, else "incompatible_content".
	Ground string `json:"ground"`
	// LegalGround names the legal provisions cited.
	LegalGround string `json:"legal_ground,omitempty"`
	// ContractualGround names the platform rules cited.
	ContractualGround string `json:"contractual_ground,omitempty"`
	// Explanation is the explanation of the grounds.
	Explanation string `json:"explanation"`
	// Facts are the facts and circumstances relied on.
	Facts string `json:"facts"`
	// ContentDate is when the content was posted, or captured when unknown.
	ContentDate time.Time `json:"content_date"`
	// Language is the content's language tag, e.g. "ar-IQ".
	Language string `json:"language"`
	// AutomatedDetection is whether automated means first flagged the content.
	AutomatedDetection bool `json:"automated_detection"`
	// AutomatedDecision is always false: a human decided the referral.
	AutomatedDecision bool `json:"automated_decision"`
}

// ReferredContent identifies the referred content.
type ReferredContent struct {
	// URL is the exact public URL.
	URL string `json:"url"`
	// Platform is the platform it is on.
	Platform string `json:"platform"`
	// ItemID is Rasd's id of the item.
	ItemID string `json:"item_id"`
	// Text is the text as captured.
	Text string `json:"text"`
	// SHA256 is the hex SHA-256 of Text in UTF-8.
	SHA256 string `json:"sha256"`
	// RawSHA256 is the hex SHA-256 of the raw bytes fetched, when kept.
	RawSHA256 string `json:"raw_sha256,omitempty"`
	// CapturedAt is when Rasd fetched it.
	CapturedAt time.Time `json:"captured_at"`
	// PostedAt is when it was posted, when known.
	PostedAt *time.Time `json:"posted_at,omitempty"`
	// AuthorHandle is the public handle of the author; omitted for tips.
	AuthorHandle string `json:"author_handle,omitempty"`
}

// Rabat6 is the six-part reasoning as it appears in a referral.
type Rabat6 struct {
	// Context is the social and political context.
	Context Part `json:"context"`
	// Speaker is the speaker's status and reach.
	Speaker Part `json:"speaker"`
	// Intent is the speaker's intent.
	Intent Part `json:"intent"`
	// ContentAndForm is the content and form of the speech.
	ContentAndForm Part `json:"content_and_form"`
	// Extent is the extent of the speech.
	Extent Part `json:"extent"`
	// Likelihood is the likelihood and imminence of harm.
	Likelihood Part `json:"likelihood"`
}

// ReviewerRole is a reviewer as a referral shows them: by role id only.
type ReviewerRole struct {
	// RoleID is the reviewer's pseudonymous role id.
	RoleID string `json:"role_id"`
	// Action is "assessed" or "approved".
	Action string `json:"action"`
	// At is when they acted.
	At time.Time `json:"at"`
}

// Versions records what produced the referral.
type Versions struct {
	// Policy is the policy version.
	Policy string `json:"policy"`
	// Model is the model version.
	Model string `json:"model"`
	// Normalizer is the normaliser version, when known.
	Normalizer string `json:"normalizer,omitempty"`
}

var roleIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ErrNotReferable is matched (errors.Is) when a decision routed an item for
// victim support (blackmail, sextortion): such an item is never packaged
// for a platform or authority, since the package would repeat the harm.
var ErrNotReferable = errors.New("routed for victim support; not referable")

// BuildReferralPackage assembles a referral package. It refuses an item
// routed for victim support (ErrNotReferable), and (with an
// error naming what is missing) unless the decision queued the item, the
// assessment and approvals pass CheckReferral, and the content has an exact
// http(s) URL. It is pure: the same input gives the same package.
func BuildReferralPackage(in ReferralInput, p *Policy) (ReferralPackage, error) {
	if in.Decision.Support {
		return ReferralPackage{}, fmt.Errorf("building referral %s: rule %s routed the item for victim support: %w", in.ID, in.Decision.RuleID, ErrNotReferable)
	}
	var missing []string
	if err := CheckReferral(in.Assessment, p, in.Approvals); err != nil {
		var re *ReferralError
		if !errors.As(err, &re) {
			return ReferralPackage{}, fmt.Errorf("building referral %s: %w", in.ID, err)
		}
		missing = append(missing, re.Missing...)
	}
	d := in.Decision
	if strings.TrimSpace(in.ID) == "" {
		missing = append(missing, "referral id")
	}
	if !d.Queue || d.RuleID == "" || len(d.Bases) == 0 {
		missing = append(missing, "a routing decision that queued the item under a rule with bases")
	}
	u, err := url.Parse(in.Post.Permalink)
	if in.Post.Permalink == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		missing = append(missing, "exact http(s) URL of the content")
	}
	if strings.TrimSpace(in.Post.Text) == "" {
		missing = append(missing, "content text")
	}
	if in.Post.Fetched.IsZero() {
		missing = append(missing, "capture time")
	}
	if strings.TrimSpace(in.Explanation) == "" {
		missing = append(missing, "explanation")
	}
	if strings.TrimSpace(in.Facts) == "" {
		missing = append(missing, "facts")
	}
	if strings.TrimSpace(in.Notifier.Name) == "" || !strings.Contains(in.Notifier.Email, "@") {
		missing = append(missing, "notifier name and email")
	}
	if strings.TrimSpace(in.ModelVersion) == "" {
		missing = append(missing, "model version")
	}
	if in.Created.IsZero() {
		missing = append(missing, "creation time")
	}
	if !roleIDRE.MatchString(in.Assessment.RoleID) {
		missing = append(missing, "assessor's role id")
	}
	for _, a := range in.Approvals {
		if !roleIDRE.MatchString(a.RoleID) {
			missing = append(missing, "approver's role id")
			break
		}
	}
	if len(missing) > 0 {
		return ReferralPackage{}, fmt.Errorf("building referral %s: %w", in.ID, &ReferralError{Missing: missing})
	}

	var legal, platform []string
	for _, b := range d.Bases {
		s := b.Title
		if b.Provision != "" {
			s += ", " + b.Provision
		}
		if b.Kind == BasisLegal {
			legal = append(legal, s)
		} else {
			platform = append(platform, s)
		}
	}
	ground := "incompatible_content"
	if len(legal) > 0 {
		ground = "illegal_content"
	}
	sum := sha256.Sum256([]byte(in.Post.Text))
	content := ReferredContent{
		URL:        in.Post.Permalink,
		Platform:   in.Post.Platform,
		ItemID:     in.Post.ID,
		Text:       in.Post.Text,
		SHA256:     hex.EncodeToString(sum[:]),
		RawSHA256:  in.Post.RawSHA256,
		CapturedAt: in.Post.Fetched.UTC(),
	}
	contentDate := content.CapturedAt
	if !in.Post.Created.IsZero() {
		t := in.Post.Created.UTC()
		content.PostedAt = &t
		contentDate = t
	}
	// A tip's post may carry the reporter in its author fields: never copy them.
	if in.Post.Platform != "tips" {
		content.AuthorHandle = in.Post.Author.Handle
	}
	category := d.Category
	if category == "" {
		category = DefaultCategory
	}
	reviewers := []ReviewerRole{{RoleID: in.Assessment.RoleID, Action: "assessed", At: in.Assessment.At.UTC()}}
	for _, a := range in.Approvals {
		if a.ReviewerID == in.Assessment.ReviewerID {
			continue
		}
		reviewers = append(reviewers, ReviewerRole{RoleID: a.RoleID, Action: "approved", At: a.At.UTC()})
	}
	// The grounds are the stored decision's, so the package names the
	// policy that made it, even after the policy changed.
	policyVersion := d.PolicyVersion
	if policyVersion == "" {
		policyVersion = p.Version
	}
	a := in.Assessment
	return ReferralPackage{
		SchemaVersion: ReferralSchemaVersion,
		ReferralID:    in.ID,
		CreatedAt:     in.Created.UTC(),
		Urgent:        d.Urgent,
		Notice: Notice{
			Explanation:        in.Explanation,
			URL:                in.Post.Permalink,
			Notifier:           in.Notifier,
			GoodFaithStatement: strings.TrimSpace(p.Referral.GoodFaithStatement),
		},
		StatementOfReasons: StatementOfReasons{
			Category:           category,
			Ground:             ground,
			LegalGround:        strings.Join(legal, "; "),
			ContractualGround:  strings.Join(platform, "; "),
			Explanation:        in.Explanation,
			Facts:              in.Facts,
			ContentDate:        contentDate,
			Language:           languageTag(in.Post.Lang),
			AutomatedDetection: in.AutomatedDetection,
		},
		Content:    content,
		Labels:     append([]string{}, d.Labels...),
		RuleID:     d.RuleID,
		Bases:      append([]Basis{}, d.Bases...),
		Assessment: Rabat6{a.Context, a.Speaker, a.Intent, a.ContentAndForm, a.Extent, a.Likelihood},
		Reviewers:  reviewers,
		Versions:   Versions{Policy: policyVersion, Model: in.ModelVersion, Normalizer: in.NormalizerVersion},
	}, nil
}

var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// languageTag picks the first well-formed language hint, defaulting to Iraqi Arabic.
func languageTag(hints []string) string {
	for _, h := range hints {
		if langRE.MatchString(h) {
			return h
		}
	}
	return "ar-IQ"
}
