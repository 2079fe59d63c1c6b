package policy

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// LabelKind says where a label's presence comes from.
type LabelKind string

const (
	// KindViolation labels are scored by a model; they count when the score
	// reaches the label's threshold.
	KindViolation LabelKind = "violation"
	// KindContext labels are context the model reports (counter-speech, news);
	// they count when the model lists them or their score reaches the threshold.
	KindContext LabelKind = "context"
	// KindSignal labels come from lexicons, keyword lists or connector
	// metadata; they count when the pipeline passes them in Input.Signals.
	KindSignal LabelKind = "signal"
)

// BasisKind says whether a basis is a law or a platform rule.
type BasisKind string

const (
	// BasisLegal is a provision of law, e.g. a penal code article.
	BasisLegal BasisKind = "legal"
	// BasisPlatform is a platform's own rule, e.g. a violent-speech policy.
	BasisPlatform BasisKind = "platform"
)

// Label is one entry of the taxonomy.
type Label struct {
	// Name is the label as models and rules write it, e.g. "incitement".
	Name string `yaml:"name" json:"name"`
	// Kind is violation, context or signal.
	Kind LabelKind `yaml:"kind" json:"kind"`
	// Threshold is the score at or above which the label counts; required for
	// violation labels, optional for context labels, not allowed for signals.
	Threshold *float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
	// Description says what the label means, for reviewers.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// RoutesAlone marks a signal that is evidence of harm by itself (a bank
	// match, blackmail, words of a death threat), so that a rule may route
	// on it without a violation label; only signal labels take it. Such a
	// rule is held back by every protected category it does not ignore.
	RoutesAlone bool `yaml:"routes_alone,omitempty" json:"routes_alone,omitempty"`
	// DescriptionAr is Description in Arabic, for reviewers reading Arabic.
	DescriptionAr string `yaml:"description_ar,omitempty" json:"description_ar,omitempty"`
}

// DescriptionIn is the label's description in lang ("ar" for Arabic, else
// English); the English when the policy gives no Arabic.
func (l Label) DescriptionIn(lang string) string {
	if lang == LangArabic && l.DescriptionAr != "" {
		return l.DescriptionAr
	}
	return l.Description
}

// LangArabic is the language code the *In methods read as Arabic.
const LangArabic = "ar"

// Basis is a legal or platform ground a referral may cite.
type Basis struct {
	// ID is how rules refer to the basis.
	ID string `yaml:"id" json:"id"`
	// Kind is legal or platform.
	Kind BasisKind `yaml:"kind" json:"kind"`
	// Title names the law or platform rule.
	Title string `yaml:"title" json:"title"`
	// Provision names the article or section, when there is one.
	Provision string `yaml:"provision,omitempty" json:"provision,omitempty"`
	// Jurisdiction is an ISO 3166 code for laws, or the platform's name.
	Jurisdiction string `yaml:"jurisdiction,omitempty" json:"jurisdiction,omitempty"`
	// URL points to the text of the law or rule.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// TitleAr, ProvisionAr and JurisdictionAr are the title, provision and
	// jurisdiction in Arabic, with the Arabic legal terms (قانون العقوبات
	// العراقي رقم 111 لسنة 1969), for readers and authorities reading Arabic.
	TitleAr        string `yaml:"title_ar,omitempty" json:"title_ar,omitempty"`
	ProvisionAr    string `yaml:"provision_ar,omitempty" json:"provision_ar,omitempty"`
	JurisdictionAr string `yaml:"jurisdiction_ar,omitempty" json:"jurisdiction_ar,omitempty"`
}

// In returns the basis with its title, provision and jurisdiction in lang
// ("ar" for Arabic, else English) and ok true; where the policy gives no
// Arabic title, the basis as written and ok false. A provision or
// jurisdiction without Arabic is dropped rather than mixed in, except a
// jurisdiction that is a country code.
func (b Basis) In(lang string) (Basis, bool) {
	if lang != LangArabic {
		return b, true
	}
	if b.TitleAr == "" {
		return b, false
	}
	out := b
	out.Title, out.Provision, out.Jurisdiction = b.TitleAr, b.ProvisionAr, b.JurisdictionAr
	if out.Jurisdiction == "" && countryRE.MatchString(b.Jurisdiction) {
		out.Jurisdiction = b.Jurisdiction
	}
	return out, true
}

// Citation is the basis as one line in lang, as In gives it: title, then
// provision.
func (b Basis) Citation(lang string) string {
	c, ok := b.In(lang)
	sep := ", "
	if ok && lang == LangArabic {
		sep = "، "
	}
	if c.Provision == "" {
		return c.Title
	}
	return c.Title + sep + c.Provision
}

// ProtectedCategory is a kind of speech that is never routed as a violation
// on its own account, e.g. news reporting or criticism of officials.
type ProtectedCategory struct {
	// ID names the category, e.g. "news".
	ID string `yaml:"id" json:"id"`
	// Description says what the category protects, for reviewers.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Labels are context or signal labels whose presence marks the category.
	Labels []string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// SourceTypes are connector source types that mark it, e.g. "news".
	SourceTypes []string `yaml:"source_types,omitempty" json:"source_types,omitempty"`
	// Bar, when set, is the score a violation label must reach on an item
	// this category marks, instead of the policy's protected bar; it may
	// only be higher. A bar of 1 holds back every rule that does not
	// ignore the category, whatever the scores: for speech that is plainly
	// about speech, such as a call quoted in order to condemn it.
	Bar *float64 `yaml:"bar,omitempty" json:"bar,omitempty"`
}

// Protection holds the protected categories and the bar they raise.
type Protection struct {
	// Bar is the score a violation label of a protected item must reach for
	// the item to enter review; it is at least every violation threshold.
	Bar float64 `yaml:"bar" json:"bar"`
	// Categories are the protected kinds of speech.
	Categories []ProtectedCategory `yaml:"categories" json:"categories"`
}

// Rule routes items that carry all of MustHave and none of MustNotHave.
type Rule struct {
	// ID names the rule in decisions, audit events and referrals.
	ID string `yaml:"id" json:"id"`
	// Description says what the rule is for.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// DescriptionAr is Description in Arabic.
	DescriptionAr string `yaml:"description_ar,omitempty" json:"description_ar,omitempty"`
	// MustHave lists labels that must all be present; at least one is a violation label.
	MustHave []string `yaml:"must_have" json:"must_have"`
	// MustNotHave lists labels none of which may be present.
	MustNotHave []string `yaml:"must_not_have,omitempty" json:"must_not_have,omitempty"`
	// Priority orders the queue: lower is reviewed sooner; at least 1.
	Priority int `yaml:"priority" json:"priority"`
	// Urgent puts items at the top of the queue (threats to life).
	Urgent bool `yaml:"urgent,omitempty" json:"urgent,omitempty"`
	// Supersedes lists rules this rule silences when both fire (transitively).
	Supersedes []string `yaml:"supersedes,omitempty" json:"supersedes,omitempty"`
	// Bases lists the ids of the bases a referral under this rule may cite.
	Bases []string `yaml:"bases" json:"bases"`
	// Category is the statement-of-reasons category; see Categories.
	Category string `yaml:"category,omitempty" json:"category,omitempty"`
	// IgnoresProtection lists protected categories that do not raise this
	// rule's bar: a threat against a named person is not made acceptable by
	// also criticising a minister, so such a rule ignores the categories
	// marked by topic (criticism, protest, religion) and by signal cues.
	IgnoresProtection []string `yaml:"ignores_protection,omitempty" json:"ignores_protection,omitempty"`
	// Label is the violation label a reviewer files an item under when this
	// rule decides it: the queue shows it and filters by it even when the
	// model's score is below the label's bar (a rule on the words of hate
	// routes whatever the score). It defaults to the first violation label
	// of MustHave; a rule that routes on signals alone names it.
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// Queue is "review" (the default) or "support": items a support rule
	// decides go to the victim-support queue (blackmail, sextortion), for
	// help and removal of the victim's images, and are never referred. A
	// support rule may route on signal labels alone.
	Queue string `yaml:"queue,omitempty" json:"queue,omitempty"`
}

// Queues a rule may send items to.
const (
	// QueueReview is the review queue, from which referrals may be made.
	QueueReview = "review"
	// QueueSupport is the victim-support queue: never referred.
	QueueSupport = "support"
)

// ReferralRules is the policy's bar for referrals.
type ReferralRules struct {
	// MinLevel is the level every Rabat part must reach; default "medium".
	MinLevel Level `yaml:"min_level,omitempty" json:"min_level"`
	// PartMinLevels raises or lowers the bar for single parts, by part name.
	PartMinLevels map[string]Level `yaml:"part_min_levels,omitempty" json:"part_min_levels,omitempty"`
	// SecondReviewer requires approval by a reviewer other than the assessor; default true.
	SecondReviewer *bool `yaml:"second_reviewer,omitempty" json:"second_reviewer"`
	// MinReasonChars is the shortest reason accepted for a Rabat part; default 10.
	MinReasonChars int `yaml:"min_reason_chars,omitempty" json:"min_reason_chars"`
	// GoodFaithStatement is the notifier's statement in every referral.
	GoodFaithStatement string `yaml:"good_faith_statement" json:"good_faith_statement"`
}

// Policy is a validated routing policy. Use Parse, Load or Default to get one.
type Policy struct {
	// Version identifies this policy; it is recorded in every decision and referral.
	Version string `yaml:"version" json:"version"`
	// Description says what the policy is for.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Labels is the taxonomy.
	Labels []Label `yaml:"labels" json:"labels"`
	// Protected holds the protected-speech categories and their bar.
	Protected Protection `yaml:"protected" json:"protected"`
	// Bases are the legal and platform grounds a referral may cite.
	Bases []Basis `yaml:"bases" json:"bases"`
	// Rules route items into the review queue.
	Rules []Rule `yaml:"rules" json:"rules"`
	// Referral is the bar for referrals.
	Referral ReferralRules `yaml:"referral" json:"referral"`

	file      string
	digest    string
	src       []byte // the file as read
	labels    map[string]*Label
	bases     map[string]*Basis
	rules     map[string]*Rule
	covers    map[string][]string // rule id -> rules it supersedes, transitively
	protLabel map[string]bool     // labels that mark a protected category
	signalUse []signalUse         // where rules and categories name signal labels
	// untranslated are warnings for text without Arabic; see Untranslated.
	untranslated []Problem
}

// signalUse is one place a rule or protected category names a signal label.
type signalUse struct {
	label, where string
	line         int
}

// Digest returns the hex SHA-256 of the policy file's bytes, so that two
// files carrying the same version string can still be told apart.
func (p *Policy) Digest() string { return p.digest }

// File returns the name the policy was loaded from.
func (p *Policy) File() string { return p.file }

// Source returns the policy file as it was read (RewriteThresholds edits it).
func (p *Policy) Source() []byte { return bytes.Clone(p.src) }

// Label returns the named label.
func (p *Policy) Label(name string) (Label, bool) {
	l, ok := p.labels[name]
	if !ok {
		return Label{}, false
	}
	return *l, true
}

// Basis returns the basis with the given id.
func (p *Policy) Basis(id string) (Basis, bool) {
	b, ok := p.bases[id]
	if !ok {
		return Basis{}, false
	}
	return *b, true
}

// Rule returns the rule with the given id.
func (p *Policy) Rule(id string) (Rule, bool) {
	r, ok := p.rules[id]
	if !ok {
		return Rule{}, false
	}
	return *r, true
}

// CheckSignals reports, as a *ValidationError, every rule and protected
// category that names a signal label not in computable: the engine could
// never set it, so the rule would never fire or the category never mark.
func (p *Policy) CheckSignals(computable []string) error {
	var probs []Problem
	for _, u := range p.signalUse {
		if !slices.Contains(computable, u.label) {
			probs = append(probs, Problem{File: p.file, Line: u.line, Msg: fmt.Sprintf("%s: signal label %q is not computed by the signals stage (known: %s)", u.where, u.label, strings.Join(computable, ", "))})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return &ValidationError{probs}
}

// SignalLabels returns the signal labels the policy's rules and protected
// categories use, each once, in file order.
func (p *Policy) SignalLabels() []string {
	var out []string
	for _, u := range p.signalUse {
		if !slices.Contains(out, u.label) {
			out = append(out, u.label)
		}
	}
	return out
}

// SignalUsers returns where the policy uses the signal label name: the
// rules and protected categories that name it.
func (p *Policy) SignalUsers(name string) []string {
	var out []string
	for _, u := range p.signalUse {
		if u.label == name && !slices.Contains(out, u.where) {
			out = append(out, u.where)
		}
	}
	return out
}

// SecondReviewerRequired reports whether a referral needs a second reviewer's approval.
func (p *Policy) SecondReviewerRequired() bool {
	return p.Referral.SecondReviewer == nil || *p.Referral.SecondReviewer
}

// Problem is one reason a policy file is invalid.
type Problem struct {
	// File is the file name given to Parse.
	File string
	// Line is the 1-based line the problem is on, or 0 when unknown.
	Line int
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as FILE:LINE: reason.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// ErrInvalid is matched (errors.Is) by every *ValidationError.
var ErrInvalid = errors.New("invalid policy")

// ValidationError lists every problem found in a policy file, in file order.
type ValidationError struct {
	// Problems are the problems, at least one.
	Problems []Problem
}

// Error returns the problems one per line.
func (e *ValidationError) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the text of the built-in policy (a copy of examples/policy.yaml).
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Default returns the built-in policy. It panics if the embedded file is
// invalid, which the package tests rule out.
func Default() *Policy {
	p, err := Parse("default policy.yaml", defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("policy: built-in policy invalid: %v", err))
	}
	return p
}

// Load reads and validates the policy file at path.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a policy. Unknown keys, contradictions and
// references to undeclared names are rejected; the error is a
// *ValidationError naming file, line and reason for each problem.
func Parse(file string, data []byte) (*Policy, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ValidationError{[]Problem{yamlProblem(file, err)}}
	}
	if len(root.Content) == 0 {
		return nil, &ValidationError{[]Problem{{File: file, Line: 1, Msg: "empty policy"}}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	sum := sha256.Sum256(data)
	p := &Policy{file: file, digest: hex.EncodeToString(sum[:]), src: bytes.Clone(data)}
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ValidationError{yamlProblems(file, err)}
	}
	v := validator{file: file, doc: root.Content[0]}
	v.validate(p)
	if len(v.problems) > 0 {
		sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
		return nil, &ValidationError{v.problems}
	}
	p.untranslated = v.untranslated(p)
	return p, nil
}

var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// yamlProblems turns a yaml.v3 decoding error into Problems, one for each
// field it names.
func yamlProblems(file string, err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{yamlProblem(file, err)}
	}
	out := make([]Problem, 0, len(te.Errors))
	for _, e := range te.Errors {
		out = append(out, yamlProblem(file, errors.New(e)))
	}
	return out
}

// yamlProblem turns a yaml.v3 error into a Problem, keeping the line it names.
func yamlProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = msg[len(m[0]):]
	}
	return Problem{File: file, Line: line, Msg: msg}
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)

type validator struct {
	file     string
	doc      *yaml.Node
	problems []Problem
}

// at returns the line of the node reached by following path (map keys and
// sequence indices) from the document root; the deepest node found counts.
func (v *validator) at(path ...any) int {
	n := v.doc
	line := n.Line
	for _, step := range path {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
	}
	return line
}

func (v *validator) addf(line int, format string, args ...any) {
	v.problems = append(v.problems, Problem{File: v.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func badScore(f float64) bool { return math.IsNaN(f) || f < 0 || f > 1 }

func (v *validator) validate(p *Policy) {
	if strings.TrimSpace(p.Version) == "" {
		v.addf(v.at("version"), "version is required")
	}

	p.labels = map[string]*Label{}
	for i := range p.Labels {
		l := &p.Labels[i]
		line := v.at("labels", i)
		switch {
		case !nameRE.MatchString(l.Name):
			v.addf(line, "label %q: name must match %s", l.Name, nameRE)
			continue
		case p.labels[l.Name] != nil:
			v.addf(line, "label %q declared twice", l.Name)
			continue
		}
		p.labels[l.Name] = l
		switch l.Kind {
		case KindViolation:
			if l.Threshold == nil {
				v.addf(line, "label %q: violation labels need a threshold", l.Name)
			}
		case KindContext:
		case KindSignal:
			if l.Threshold != nil {
				v.addf(v.at("labels", i, "threshold"), "label %q: signal labels take no threshold", l.Name)
			}
		default:
			v.addf(v.at("labels", i, "kind"), "label %q: kind %q is not one of violation, context, signal", l.Name, l.Kind)
		}
		if l.RoutesAlone && l.Kind != KindSignal {
			v.addf(v.at("labels", i, "routes_alone"), "label %q: only signal labels may route alone", l.Name)
		}
		if l.Threshold != nil && badScore(*l.Threshold) {
			v.addf(v.at("labels", i, "threshold"), "label %q: threshold %v is outside [0,1]", l.Name, *l.Threshold)
		}
	}
	if len(p.Labels) == 0 {
		v.addf(v.at("labels"), "no labels declared")
	}

	// Protected speech.
	if badScore(p.Protected.Bar) {
		v.addf(v.at("protected", "bar"), "protected bar %v is outside [0,1]", p.Protected.Bar)
	} else {
		for _, l := range p.Labels {
			if l.Kind == KindViolation && l.Threshold != nil && !badScore(*l.Threshold) && p.Protected.Bar < *l.Threshold {
				v.addf(v.at("protected", "bar"), "protected bar %v is below the threshold %v of label %q; it must be the higher bar", p.Protected.Bar, *l.Threshold, l.Name)
			}
		}
	}
	p.protLabel = map[string]bool{}
	seenCat := map[string]bool{}
	for i, c := range p.Protected.Categories {
		line := v.at("protected", "categories", i)
		if c.Bar != nil && (badScore(*c.Bar) || *c.Bar < p.Protected.Bar) {
			v.addf(v.at("protected", "categories", i, "bar"), "protected category %q: bar %v must lie between the protected bar %v and 1", c.ID, *c.Bar, p.Protected.Bar)
		}
		if !nameRE.MatchString(c.ID) {
			v.addf(line, "protected category %q: id must match %s", c.ID, nameRE)
		} else if seenCat[c.ID] {
			v.addf(line, "protected category %q declared twice", c.ID)
		}
		seenCat[c.ID] = true
		if len(c.Labels) == 0 && len(c.SourceTypes) == 0 {
			v.addf(line, "protected category %q: needs labels or source_types that mark it", c.ID)
		}
		for j, name := range c.Labels {
			l := p.labels[name]
			switch {
			case l == nil:
				v.addf(v.at("protected", "categories", i, "labels", j), "protected category %q: unknown label %q", c.ID, name)
			case l.Kind == KindViolation:
				v.addf(v.at("protected", "categories", i, "labels", j), "protected category %q: label %q is a violation label; only context and signal labels mark protected speech", c.ID, name)
			default:
				p.protLabel[name] = true
				if l.Kind == KindSignal {
					p.signalUse = append(p.signalUse, signalUse{name, fmt.Sprintf("protected category %q", c.ID), v.at("protected", "categories", i, "labels", j)})
				}
			}
		}
	}

	// Bases.
	p.bases = map[string]*Basis{}
	for i := range p.Bases {
		b := &p.Bases[i]
		line := v.at("bases", i)
		if !nameRE.MatchString(b.ID) {
			v.addf(line, "basis %q: id must match %s", b.ID, nameRE)
			continue
		}
		if p.bases[b.ID] != nil {
			v.addf(line, "basis %q declared twice", b.ID)
			continue
		}
		p.bases[b.ID] = b
		if b.Kind != BasisLegal && b.Kind != BasisPlatform {
			v.addf(v.at("bases", i, "kind"), "basis %q: kind %q is not one of legal, platform", b.ID, b.Kind)
		}
		if strings.TrimSpace(b.Title) == "" {
			v.addf(line, "basis %q: title is required", b.ID)
		}
	}

	// Rules.
	p.rules = map[string]*Rule{}
	for i := range p.Rules {
		r := &p.Rules[i]
		line := v.at("rules", i)
		if !nameRE.MatchString(r.ID) {
			v.addf(line, "rule %q: id must match %s", r.ID, nameRE)
			continue
		}
		if p.rules[r.ID] != nil {
			v.addf(v.at("rules", i, "id"), "rule %q declared twice (duplicate rule id)", r.ID)
			continue
		}
		p.rules[r.ID] = r
		v.rule(p, i, r)
	}
	if len(p.Rules) == 0 {
		v.addf(v.at("rules"), "no rules declared")
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if p.rules[r.ID] != r {
			continue
		}
		for j, s := range r.Supersedes {
			switch {
			case s == r.ID:
				v.addf(v.at("rules", i, "supersedes", j), "rule %q supersedes itself", r.ID)
			case p.rules[s] == nil:
				v.addf(v.at("rules", i, "supersedes", j), "rule %q supersedes unknown rule %q", r.ID, s)
			}
		}
	}
	v.cycles(p)
	p.covers = map[string][]string{}
	for _, r := range p.Rules {
		p.covers[r.ID] = reach(p, r.ID)
	}

	// Referral bar.
	ref := &p.Referral
	if ref.MinLevel == LevelUnset {
		ref.MinLevel = LevelMedium
	}
	if ref.SecondReviewer == nil {
		yes := true
		ref.SecondReviewer = &yes
	}
	if ref.MinReasonChars == 0 {
		ref.MinReasonChars = 10
	}
	if ref.MinReasonChars < 0 {
		v.addf(v.at("referral", "min_reason_chars"), "referral: min_reason_chars must not be negative")
	}
	for part, lv := range ref.PartMinLevels {
		if !slices.Contains(PartNames, part) {
			v.addf(v.at("referral", "part_min_levels", part), "referral: unknown Rabat part %q (want one of %s)", part, strings.Join(PartNames, ", "))
		}
		if lv == LevelUnset {
			v.addf(v.at("referral", "part_min_levels", part), "referral: part %q needs a level", part)
		}
	}
	if strings.TrimSpace(ref.GoodFaithStatement) == "" {
		v.addf(v.at("referral"), "referral: good_faith_statement is required")
	}
}

// DescriptionIn is the rule's description in lang ("ar" for Arabic, else
// English); the English when the policy gives no Arabic.
func (r Rule) DescriptionIn(lang string) string {
	if lang == LangArabic && r.DescriptionAr != "" {
		return r.DescriptionAr
	}
	return r.Description
}

// Untranslated lists, as warnings with their lines, the labels, rules and
// bases whose reviewer-facing text has no Arabic: a label or rule with a
// description but no description_ar, a basis without title_ar, or with a
// provision or a jurisdiction other than a country code but no Arabic for
// it. The Arabic UI shows such text in English. The built-in policy has none.
func (p *Policy) Untranslated() []Problem { return slices.Clone(p.untranslated) }

// untranslated finds what Untranslated reports.
func (v *validator) untranslated(p *Policy) []Problem {
	v = &validator{file: v.file, doc: v.doc}
	for i, l := range p.Labels {
		if strings.TrimSpace(l.Description) != "" && strings.TrimSpace(l.DescriptionAr) == "" {
			v.addf(v.at("labels", i), "warning: label %q has no description_ar (Arabic guidance)", l.Name)
		}
	}
	for i, b := range p.Bases {
		switch {
		case strings.TrimSpace(b.TitleAr) == "":
			v.addf(v.at("bases", i), "warning: basis %q has no title_ar (Arabic title)", b.ID)
		case b.Provision != "" && strings.TrimSpace(b.ProvisionAr) == "":
			v.addf(v.at("bases", i), "warning: basis %q has no provision_ar (Arabic provision)", b.ID)
		case b.Jurisdiction != "" && !countryRE.MatchString(b.Jurisdiction) && strings.TrimSpace(b.JurisdictionAr) == "":
			v.addf(v.at("bases", i), "warning: basis %q has no jurisdiction_ar (Arabic jurisdiction)", b.ID)
		}
	}
	for i, r := range p.Rules {
		if strings.TrimSpace(r.Description) != "" && strings.TrimSpace(r.DescriptionAr) == "" {
			v.addf(v.at("rules", i), "warning: rule %q has no description_ar", r.ID)
		}
	}
	return v.problems
}

func (v *validator) rule(p *Policy, i int, r *Rule) {
	line := v.at("rules", i)
	if len(r.MustHave) == 0 {
		v.addf(line, "rule %q: must_have is empty", r.ID)
	}
	hasViolation := false
	seen := map[string]bool{}
	for j, name := range r.MustHave {
		l := p.labels[name]
		at := v.at("rules", i, "must_have", j)
		switch {
		case l == nil:
			v.addf(at, "rule %q: unknown label %q in must_have", r.ID, name)
		case seen[name]:
			v.addf(at, "rule %q: label %q listed twice in must_have", r.ID, name)
		case p.protLabel[name]:
			v.addf(at, "rule %q: must_have label %q marks protected speech; an item may not be routed on that basis", r.ID, name)
		}
		if l != nil && l.Kind == KindViolation {
			if !hasViolation && r.Label == "" {
				// The label an item is filed under defaults to the
				// first violation label the rule needs.
				r.Label = name
			}
			hasViolation = true
		}
		seen[name] = true
	}
	if l := p.labels[r.Label]; r.Label != "" && (l == nil || l.Kind != KindViolation) {
		v.addf(v.at("rules", i, "label"), "rule %q: label %q is not a violation label", r.ID, r.Label)
	}
	switch r.Queue {
	case "":
		r.Queue = QueueReview
	case QueueReview, QueueSupport:
	default:
		v.addf(v.at("rules", i, "queue"), "rule %q: queue %q is not one of %s, %s", r.ID, r.Queue, QueueReview, QueueSupport)
	}
	// A signal that is evidence of harm by itself (a bank match, blackmail,
	// the words of a death threat: routes_alone) may route without a
	// violation label; a rule on the victim-support queue needs none either.
	alone := slices.ContainsFunc(r.MustHave, func(name string) bool { l := p.labels[name]; return l != nil && l.RoutesAlone })
	if len(r.MustHave) > 0 && !hasViolation && r.Queue != QueueSupport && !alone {
		v.addf(v.at("rules", i, "must_have"), "rule %q: must_have needs at least one violation label or a signal that routes alone", r.ID)
	}
	for j, name := range r.MustHave {
		if l := p.labels[name]; l != nil && l.Kind == KindSignal {
			p.signalUse = append(p.signalUse, signalUse{name, fmt.Sprintf("rule %q", r.ID), v.at("rules", i, "must_have", j)})
		}
	}
	for j, name := range r.MustNotHave {
		if l := p.labels[name]; l != nil && l.Kind == KindSignal {
			p.signalUse = append(p.signalUse, signalUse{name, fmt.Sprintf("rule %q", r.ID), v.at("rules", i, "must_not_have", j)})
		}
	}
	for j, id := range r.IgnoresProtection {
		if !slices.ContainsFunc(p.Protected.Categories, func(c ProtectedCategory) bool { return c.ID == id }) {
			v.addf(v.at("rules", i, "ignores_protection", j), "rule %q: ignores_protection names unknown protected category %q", r.ID, id)
		}
	}
	for j, name := range r.MustNotHave {
		at := v.at("rules", i, "must_not_have", j)
		switch {
		case p.labels[name] == nil:
			v.addf(at, "rule %q: unknown label %q in must_not_have", r.ID, name)
		case slices.Contains(r.MustHave, name):
			v.addf(at, "rule %q: label %q is both must_have and must_not_have", r.ID, name)
		}
	}
	if r.Priority < 1 {
		v.addf(v.at("rules", i, "priority"), "rule %q: priority must be 1 or more (lower is reviewed sooner)", r.ID)
	}
	if len(r.Bases) == 0 {
		v.addf(line, "rule %q: needs at least one basis a referral may cite", r.ID)
	}
	for j, b := range r.Bases {
		if p.bases[b] == nil {
			v.addf(v.at("rules", i, "bases", j), "rule %q: referral basis %q is not declared under bases", r.ID, b)
		}
	}
	if r.Category == "" {
		r.Category = DefaultCategory
	} else if !knownCategory(r.Category) {
		v.addf(v.at("rules", i, "category"), "rule %q: category %q is not one of %s", r.ID, r.Category, strings.Join(Categories, ", "))
	}
}

// cycles reports each supersedes cycle once, at the first rule on it.
func (v *validator) cycles(p *Policy) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	index := map[string]int{}
	for i, r := range p.Rules {
		if _, ok := index[r.ID]; !ok {
			index[r.ID] = i
		}
	}
	var stack []string
	var visit func(id string)
	visit = func(id string) {
		color[id] = grey
		stack = append(stack, id)
		for _, s := range p.rules[id].Supersedes {
			if p.rules[s] == nil || s == id {
				continue
			}
			switch color[s] {
			case white:
				visit(s)
			case grey:
				k := slices.Index(stack, s)
				cyc := append(slices.Clone(stack[k:]), s)
				v.addf(v.at("rules", index[s], "supersedes"), "rules form a supersedes cycle: %s", strings.Join(cyc, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		color[id] = black
	}
	for _, r := range p.Rules {
		if p.rules[r.ID] != nil && color[r.ID] == white {
			visit(r.ID)
		}
	}
}

// reach returns the rules id supersedes, directly or through other rules.
func reach(p *Policy, id string) []string {
	seen := map[string]bool{id: true}
	var out []string
	queue := []string{id}
	for len(queue) > 0 {
		r := p.rules[queue[0]]
		queue = queue[1:]
		if r == nil {
			continue
		}
		for _, s := range r.Supersedes {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
				queue = append(queue, s)
			}
		}
	}
	sort.Strings(out)
	return out
}
