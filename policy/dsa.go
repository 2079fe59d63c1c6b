package policy

import (
	"slices"
	"strings"
)

// The values below are those of the statement-of-reasons fields of the EU
// Digital Services Act Transparency Database API
// (https://transparency.dsa.ec.europa.eu/page/api-documentation), in the
// form they took in 2025 with the categories of the transparency-report
// templates (Implementing Regulation (EU) 2024/2835). A referral uses them
// for what the notifier proposes; the platform makes the decision and files
// its own statement.

// Decision grounds (decision_ground).
const (
	// GroundIllegal: the content is illegal (a legal basis is cited).
	GroundIllegal = "DECISION_GROUND_ILLEGAL_CONTENT"
	// GroundIncompatible: the content breaks the platform's terms and conditions.
	GroundIncompatible = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
)

// Requested visibility restrictions (decision_visibility).
const (
	// VisibilityRemoved asks for the content to be removed.
	VisibilityRemoved = "DECISION_VISIBILITY_CONTENT_REMOVED"
	// VisibilityDisabled asks for access to be disabled (e.g. in a country).
	VisibilityDisabled = "DECISION_VISIBILITY_CONTENT_DISABLED"
)

// Source types (source_type): who notified the platform.
const (
	// SourceArticle16 is a notice under DSA Art. 16 from anyone.
	SourceArticle16 = "SOURCE_ARTICLE_16"
	// SourceTrustedFlagger is a notice from a trusted flagger (DSA Art. 22).
	SourceTrustedFlagger = "SOURCE_TRUSTED_FLAGGER"
)

// Automated decision (automated_decision): a referral is always decided by people.
const AutomatedDecisionNone = "AUTOMATED_DECISION_NOT_AUTOMATED"

// Content types (content_type).
const (
	// ContentTypeText is the post's text.
	ContentTypeText = "CONTENT_TYPE_TEXT"
	// ContentTypeImage is an attached image (or a video's thumbnail).
	ContentTypeImage = "CONTENT_TYPE_IMAGE"
	// ContentTypeVideo is an attached video.
	ContentTypeVideo = "CONTENT_TYPE_VIDEO"
	// ContentTypeAudio is an attached recording.
	ContentTypeAudio = "CONTENT_TYPE_AUDIO"
	// ContentTypeOther is any other attachment.
	ContentTypeOther = "CONTENT_TYPE_OTHER"
)

// Categories lists the statement-of-reasons categories a rule may declare
// (category in the policy), in lower case; the package carries them as
// "STATEMENT_CATEGORY_" + upper case (DSACategory). They are the
// Transparency Database's categories since 2025.
var Categories = []string{
	"animal_welfare",
	"consumer_information",
	"cyber_violence",
	"cyber_violence_against_women",
	"data_protection_and_privacy_violations",
	"illegal_or_harmful_speech",
	"intellectual_property_infringements",
	"negative_effects_on_civic_discourse_or_elections",
	"protection_of_minors",
	"risk_for_public_security",
	"scams_and_fraud",
	"self_harm",
	"unsafe_and_illegal_products",
	"violence",
	"other_violation_tc",
}

// LegacyCategories are categories the Transparency Database dropped in
// 2025, still accepted in policy files, with the category each is sent as.
var LegacyCategories = map[string]string{
	"non_consensual_behaviour":          "cyber_violence",
	"scope_of_platform_service":         "other_violation_tc",
	"pornography_or_sexualized_content": "other_violation_tc",
}

// DefaultCategory is the statement-of-reasons category of a rule that names none.
const DefaultCategory = "illegal_or_harmful_speech"

// knownCategory reports whether c may be named by a rule.
func knownCategory(c string) bool {
	_, legacy := LegacyCategories[c]
	return legacy || slices.Contains(Categories, c)
}

// DSACategory returns the Transparency Database value of a policy category,
// e.g. "violence" → "STATEMENT_CATEGORY_VIOLENCE"; a legacy name is sent as
// its replacement, and an empty one as DefaultCategory.
func DSACategory(c string) string {
	if c == "" {
		c = DefaultCategory
	}
	if to, ok := LegacyCategories[c]; ok {
		c = to
	}
	return "STATEMENT_CATEGORY_" + strings.ToUpper(c)
}

// LabelGround is what one label means in a statement of reasons: its
// category and category specification (keyword).
type LabelGround struct {
	// Category is the Transparency Database category, e.g. STATEMENT_CATEGORY_VIOLENCE.
	Category string
	// Specification is the keyword within it, e.g. KEYWORD_INCITEMENT_VIOLENCE_HATRED.
	Specification string
}

// LabelGrounds maps the taxonomy's violation labels, and the signals that
// change what a post is, to the Transparency Database's categories and
// specifications. It is the one table packages use; docs/referrals.md
// shows it. Labels absent from it (offensive alone, context labels, most
// signals) add nothing to a statement of reasons.
//
// A threat of violence against a person, and a post exposing where a person
// lives or works to set others on them, are "cyber harassment" in the sense
// of Directive (EU) 2024/1385 Art. 7, which the cyber-violence category
// follows.
var LabelGrounds = map[string]LabelGround{
	"terrorism":  {"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT"},
	"incitement": {"STATEMENT_CATEGORY_VIOLENCE", "KEYWORD_INCITEMENT_VIOLENCE_HATRED"},
	"threat":     {"STATEMENT_CATEGORY_CYBER_VIOLENCE", "KEYWORD_CYBER_HARASSMENT"},
	"hate":       {"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH"},
	"doxxing":    {"STATEMENT_CATEGORY_CYBER_VIOLENCE", "KEYWORD_CYBER_HARASSMENT"},
	"blackmail":  {"STATEMENT_CATEGORY_CYBER_VIOLENCE", "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"},
}

// labelOrder is the order in which labels' grounds are listed: the most
// serious first.
var labelOrder = []string{"terrorism", "incitement", "threat", "hate", "doxxing", "blackmail"}

// groundsOf returns the categories other than main and the specifications
// that labels (violation labels and signals) carry, in labelOrder, without
// repeats.
func groundsOf(main string, labels []string) (additions, specs []string) {
	for _, l := range labelOrder {
		if !slices.Contains(labels, l) {
			continue
		}
		g := LabelGrounds[l]
		if g.Category != main && !slices.Contains(additions, g.Category) {
			additions = append(additions, g.Category)
		}
		if !slices.Contains(specs, g.Specification) {
			specs = append(specs, g.Specification)
		}
	}
	return additions, specs
}

// contentTypeOf maps an ingest.Media kind to a content_type value.
func contentTypeOf(kind string) string {
	switch kind {
	case "image":
		return ContentTypeImage
	case "video":
		return ContentTypeVideo
	case "audio":
		return ContentTypeAudio
	}
	return ContentTypeOther
}
