package policy

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/ingest"
)

// ReferralSchemaVersion is the version of the referral package format
// described by docs/referral.schema.json. Version 2 added the evidence
// (content.capture, content.media) and took the Transparency Database's
// statement-of-reasons fields; nothing in Rasd reads version 1 packages.
const ReferralSchemaVersion = "2"

// Notifier is the organisation that sends referrals. Individual reviewers
// and tip reporters are never named in a referral.
type Notifier struct {
	// Name is the organisation's name.
	Name string `json:"name"`
	// Email is where the platform answers.
	Email string `json:"email"`
	// TrustedFlagger is true when the organisation is a trusted flagger
	// under DSA Art. 22; the statement of reasons then names
	// SourceTrustedFlagger instead of SourceArticle16.
	TrustedFlagger bool `json:"trusted_flagger,omitempty"`
}

// ReferralInput is everything BuildReferralPackage needs about one referral.
type ReferralInput struct {
	// ID identifies the referral.
	ID string
	// Reference is the referral's public reference, printed in the notice.
	Reference string
	// Created is when the package is built.
	Created time.Time
	// Post is the referred item as captured. For posts that came in as
	// tips, nothing about the person who sent the tip is copied.
	Post ingest.Post
	// Decision is the item's routing decision.
	Decision Decision
	// Signals are the names of the cues the signals stage found (e.g.
	// "doxxing"); those in LabelGrounds add to the statement of reasons.
	Signals []string
	// Media describes the media files Rasd holds, by hex SHA-256: those
	// of the post's media found here are included in the package's
	// evidence. Nil when media are not read: they are listed, not included.
	Media map[string]HeldMedia
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
	// Reference is the referral's public reference: the author of the
	// content can quote it in a complaint to the notifier.
	Reference string `json:"reference,omitempty"`
	// Notifier is the notifier's name and email (c).
	Notifier Notifier `json:"notifier"`
	// GoodFaithStatement is the notifier's bona fide statement (d).
	GoodFaithStatement string `json:"good_faith_statement"`
}

// StatementOfReasons holds the statement of reasons the notifier proposes,
// in the fields and values of the DSA Transparency Database (see dsa.go):
// what the content is, on which grounds, and what the notifier asks the
// platform to do. The platform decides and files its own.
type StatementOfReasons struct {
	// DecisionVisibility is the restriction asked for: VisibilityRemoved.
	DecisionVisibility []string `json:"decision_visibility"`
	// DecisionGround is GroundIllegal when a legal basis is cited, else GroundIncompatible.
	DecisionGround string `json:"decision_ground"`
	// IllegalContentLegalGround names the legal provisions cited.
	IllegalContentLegalGround string `json:"illegal_content_legal_ground,omitempty"`
	// IllegalContentExplanation explains why the content is illegal under them.
	IllegalContentExplanation string `json:"illegal_content_explanation,omitempty"`
	// IncompatibleContentGround names the platform rules cited.
	IncompatibleContentGround string `json:"incompatible_content_ground,omitempty"`
	// IncompatibleContentExplanation explains why the content breaks them.
	IncompatibleContentExplanation string `json:"incompatible_content_explanation,omitempty"`
	// IncompatibleContentIllegal is "Yes" when the content breaking the
	// platform's rules is also held illegal (a legal basis is cited), else "No".
	IncompatibleContentIllegal string `json:"incompatible_content_illegal,omitempty"`
	// Category is the deciding rule's category: DSACategory of Decision.Category.
	Category string `json:"category"`
	// CategoryAddition lists the other categories the labels fall under (LabelGrounds).
	CategoryAddition []string `json:"category_addition,omitempty"`
	// CategorySpecification lists the keywords of the labels and signals (LabelGrounds).
	CategorySpecification []string `json:"category_specification,omitempty"`
	// ContentType lists what the content is made of: text, then the media's types.
	ContentType []string `json:"content_type"`
	// ContentLanguage is the ISO 639-1 code of the text's language in upper
	// case, e.g. "AR"; absent for languages without one (e.g. Sorani, "ckb").
	ContentLanguage string `json:"content_language,omitempty"`
	// ContentDate is the day the content was posted (or captured, when
	// unknown), YYYY-MM-DD in UTC.
	ContentDate string `json:"content_date"`
	// TerritorialScope lists the countries (ISO 3166-1 alpha-2) where the
	// notifier asks for the restriction: the jurisdictions of the legal
	// bases cited. Empty when only platform rules are cited, whose
	// breach the platform handles everywhere. The platform decides.
	TerritorialScope []string `json:"territorial_scope"`
	// SourceType is SourceTrustedFlagger or SourceArticle16.
	SourceType string `json:"source_type"`
	// DecisionFacts are the facts and circumstances relied on.
	DecisionFacts string `json:"decision_facts"`
	// AutomatedDetection is "Yes" when a model or list first flagged the content, else "No".
	AutomatedDetection string `json:"automated_detection"`
	// AutomatedDecision is always AutomatedDecisionNone: people decided the referral.
	AutomatedDecision string `json:"automated_decision"`
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
	// Language is the text's language tag, e.g. "ar-IQ".
	Language string `json:"language"`
	// RawSHA256 is the hex SHA-256 of the raw bytes fetched (the page or
	// API answer the message came in), when kept.
	RawSHA256 string `json:"raw_sha256,omitempty"`
	// Capture is the raw form of this one message as fetched, when kept;
	// never for tips, whose raw form is what the reporter sent.
	Capture *Capture `json:"capture,omitempty"`
	// Media lists the post's media, each with its hashes and whether the
	// package's evidence includes the bytes.
	Media []MediaEvidence `json:"media,omitempty"`
	// CapturedAt is when Rasd fetched it.
	CapturedAt time.Time `json:"captured_at"`
	// PostedAt is when it was posted, when known.
	PostedAt *time.Time `json:"posted_at,omitempty"`
	// AuthorHandle is the public handle of the author; omitted for tips.
	AuthorHandle string `json:"author_handle,omitempty"`
}

// Capture is the raw form of the referred message as fetched (the API's
// JSON object or the HTML fragment of its page).
type Capture struct {
	// Type is its media type, e.g. "application/json" or "text/html".
	Type string `json:"type"`
	// Size is its length in bytes.
	Size int `json:"size"`
	// SHA256 is the hex SHA-256 of Data.
	SHA256 string `json:"sha256"`
	// MD5 is the hex MD5 of Data, for tools that still index by it.
	MD5 string `json:"md5"`
	// File is where a bundle carries it: see CaptureFile.
	File string `json:"file"`
	// Data are the bytes (base64 in JSON).
	Data []byte `json:"data"`
}

// MediaEvidence is one of the post's media as a referral lists it.
type MediaEvidence struct {
	// URL is where the platform served it.
	URL string `json:"url"`
	// Kind is image, video, audio or file.
	Kind string `json:"kind"`
	// Type is its media type: as the platform stated it, else as Rasd
	// recognised the bytes; empty when neither is known.
	Type string `json:"type,omitempty"`
	// SHA256 is the hex SHA-256 of the bytes fetched; empty when Rasd never
	// fetched them.
	SHA256 string `json:"sha256,omitempty"`
	// MD5 is the hex MD5 of the bytes, when included.
	MD5 string `json:"md5,omitempty"`
	// Size is the length in bytes, when included.
	Size int64 `json:"size,omitempty"`
	// Included is true when the evidence carries the bytes, at File,
	// checked against SHA256.
	Included bool `json:"included"`
	// File is where a bundle carries the bytes: see MediaFile.
	File string `json:"file,omitempty"`
}

// HeldMedia describes a media file Rasd holds, as read and checked.
type HeldMedia struct {
	// Size is its length in bytes.
	Size int64
	// MD5 is the hex MD5 of its bytes.
	MD5 string
	// Type is the media type recognised from its bytes, used when the
	// platform stated none.
	Type string
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA256 reports whether s is a lower-case hex SHA-256.
func ValidSHA256(s string) bool { return sha256RE.MatchString(s) }

// CaptureFile is the path of a capture of mediaType within a bundle:
// evidence/capture.json, evidence/capture.html, evidence/capture.txt or
// evidence/capture.bin.
func CaptureFile(mediaType string) string {
	return "evidence/capture" + extension(mediaType, ".bin")
}

// MediaFile is the path of the media file with hex SHA-256 sum and type
// mediaType within a bundle: media/<sha256>.<ext>.
func MediaFile(sum, mediaType string) string {
	return "media/" + sum + extension(mediaType, ".bin")
}

// extensions maps media types to file extensions; a fixed table, so a
// bundle's file names do not depend on the host's MIME database.
var extensions = map[string]string{
	"application/json": ".json", "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt",
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/avif": ".avif",
	"image/heic": ".heic", "image/bmp": ".bmp", "image/svg+xml": ".svg",
	"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov", "video/x-matroska": ".mkv", "video/mpeg": ".mpg",
	"audio/mpeg": ".mp3", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/wav": ".wav", "audio/webm": ".weba",
	"application/pdf": ".pdf",
}

// extension returns the extension of mediaType (parameters ignored, and
// any "+json" type as .json), or def.
func extension(mediaType, def string) string {
	t, _, _ := strings.Cut(mediaType, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	if e, ok := extensions[t]; ok {
		return e
	}
	if strings.HasSuffix(t, "+json") {
		return ".json"
	}
	return def
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

	var legal, platform, scope []string
	for _, b := range d.Bases {
		s := b.Title
		if b.Provision != "" {
			s += ", " + b.Provision
		}
		if b.Kind == BasisLegal {
			legal = append(legal, s)
			if countryRE.MatchString(b.Jurisdiction) && !slices.Contains(scope, b.Jurisdiction) {
				scope = append(scope, b.Jurisdiction)
			}
		} else {
			platform = append(platform, s)
		}
	}
	sor := StatementOfReasons{
		DecisionVisibility: []string{VisibilityRemoved},
		DecisionGround:     GroundIncompatible,
		Category:           DSACategory(d.Category),
		TerritorialScope:   append([]string{}, scope...),
		SourceType:         SourceArticle16,
		DecisionFacts:      in.Facts,
		AutomatedDetection: "No",
		AutomatedDecision:  AutomatedDecisionNone,
	}
	if len(legal) > 0 {
		sor.DecisionGround = GroundIllegal
		sor.IllegalContentLegalGround = strings.Join(legal, "; ")
		sor.IllegalContentExplanation = in.Explanation
	}
	if len(platform) > 0 {
		sor.IncompatibleContentGround = strings.Join(platform, "; ")
		sor.IncompatibleContentExplanation = in.Explanation
		sor.IncompatibleContentIllegal = "No"
		if len(legal) > 0 {
			sor.IncompatibleContentIllegal = "Yes"
		}
	}
	sor.CategoryAddition, sor.CategorySpecification = groundsOf(sor.Category, append(slices.Clone(d.Labels), in.Signals...))
	if in.Notifier.TrustedFlagger {
		sor.SourceType = SourceTrustedFlagger
	}
	if in.AutomatedDetection {
		sor.AutomatedDetection = "Yes"
	}
	sum := sha256.Sum256([]byte(in.Post.Text))
	lang := languageTag(in.Post.Lang)
	content := ReferredContent{
		URL:        in.Post.Permalink,
		Platform:   in.Post.Platform,
		ItemID:     in.Post.ID,
		Text:       in.Post.Text,
		SHA256:     hex.EncodeToString(sum[:]),
		Language:   lang,
		RawSHA256:  in.Post.RawSHA256,
		CapturedAt: in.Post.Fetched.UTC(),
	}
	contentDate := content.CapturedAt
	if !in.Post.Created.IsZero() {
		t := in.Post.Created.UTC()
		content.PostedAt = &t
		contentDate = t
	}
	sor.ContentDate = contentDate.Format(time.DateOnly)
	if l, _, _ := strings.Cut(lang, "-"); len(l) == 2 {
		sor.ContentLanguage = strings.ToUpper(l)
	}
	// A tip's post may carry the reporter in its author fields, and its raw
	// form is what the reporter sent: never copy them.
	if in.Post.Platform != "tips" {
		content.AuthorHandle = in.Post.Author.Handle
		if len(in.Post.Capture) > 0 {
			content.Capture = newCapture(in.Post.Capture, in.Post.CaptureType)
		}
	}
	sor.ContentType = []string{ContentTypeText}
	for _, m := range in.Post.Media {
		ev := MediaEvidence{URL: m.URL, Kind: m.Kind, Type: m.Type}
		if sum := strings.ToLower(m.SHA256); ValidSHA256(sum) {
			ev.SHA256 = sum
			if h, ok := in.Media[sum]; ok {
				if ev.Type == "" {
					ev.Type = h.Type
				}
				ev.Included, ev.Size, ev.MD5, ev.File = true, h.Size, h.MD5, MediaFile(sum, ev.Type)
			}
		}
		content.Media = append(content.Media, ev)
		if t := contentTypeOf(m.Kind); !slices.Contains(sor.ContentType, t) {
			sor.ContentType = append(sor.ContentType, t)
		}
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
			Reference:          in.Reference,
			Notifier:           in.Notifier,
			GoodFaithStatement: strings.TrimSpace(p.Referral.GoodFaithStatement),
		},
		StatementOfReasons: sor,
		Content:            content,
		Labels:             append([]string{}, d.Labels...),
		RuleID:             d.RuleID,
		Bases:              append([]Basis{}, d.Bases...),
		Assessment:         Rabat6{a.Context, a.Speaker, a.Intent, a.ContentAndForm, a.Extent, a.Likelihood},
		Reviewers:          reviewers,
		Versions:           Versions{Policy: policyVersion, Model: in.ModelVersion, Normalizer: in.NormalizerVersion},
	}, nil
}

// newCapture describes and copies the raw capture data of media type t.
func newCapture(data []byte, t string) *Capture {
	sum, m := sha256.Sum256(data), md5.Sum(data)
	if t == "" {
		t = "application/octet-stream"
	}
	return &Capture{Type: t, Size: len(data), SHA256: hex.EncodeToString(sum[:]), MD5: hex.EncodeToString(m[:]),
		File: CaptureFile(t), Data: slices.Clone(data)}
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

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
