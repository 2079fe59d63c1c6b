package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestLabelGroundsCoverTheTaxonomy: every serious label has a category and
// specification, and every label or signal in the table is one the default
// policy declares.
func TestLabelGroundsCoverTheTaxonomy(t *testing.T) {
	for _, l := range SeriousLabels {
		if _, ok := LabelGrounds[l]; !ok {
			t.Errorf("serious label %q has no statement-of-reasons ground", l)
		}
	}
	declared := map[string]bool{}
	for _, l := range Default().Labels {
		declared[l.Name] = true
	}
	for l, g := range LabelGrounds {
		if !declared[l] || !slices.Contains(labelOrder, l) {
			t.Errorf("LabelGrounds names %q, which the default policy does not declare or labelOrder lacks", l)
		}
		if !strings.HasPrefix(g.Category, "STATEMENT_CATEGORY_") || !slices.Contains(Categories, strings.ToLower(strings.TrimPrefix(g.Category, "STATEMENT_CATEGORY_"))) ||
			!strings.HasPrefix(g.Specification, "KEYWORD_") {
			t.Errorf("%s: %+v is not a Transparency Database category and keyword", l, g)
		}
	}
}

func TestDSACategory(t *testing.T) {
	for in, want := range map[string]string{
		"violence":                  "STATEMENT_CATEGORY_VIOLENCE",
		"":                          "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
		"non_consensual_behaviour":  "STATEMENT_CATEGORY_CYBER_VIOLENCE",
		"scope_of_platform_service": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
		"risk_for_public_security":  "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
	} {
		if got := DSACategory(in); got != want {
			t.Errorf("DSACategory(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStatementOfReasonsPerRule routes a post under the default policy's
// rules and checks the statement of reasons each gives.
func TestStatementOfReasonsPerRule(t *testing.T) {
	cases := []struct {
		name                      string
		scores                    map[string]float64
		signals                   []string
		trusted                   bool
		rule, ground, category    string
		additions, specs, scope   string
		incompatibleAlsoIllegal   string
		sourceType                string
		legalGround, platformRule bool
	}{
		{name: "terrorism and incitement, trusted flagger", scores: map[string]float64{"terrorism": 0.9, "incitement": 0.9}, trusted: true,
			rule: "terrorism-incitement", ground: GroundIllegal, category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
			additions: "[STATEMENT_CATEGORY_VIOLENCE]", specs: "[KEYWORD_TERRORIST_CONTENT KEYWORD_INCITEMENT_VIOLENCE_HATRED]", scope: "[IQ]",
			incompatibleAlsoIllegal: "Yes", sourceType: SourceTrustedFlagger, legalGround: true, platformRule: true},
		{name: "hate speech", scores: map[string]float64{"hate": 0.9},
			rule: "hate-speech", ground: GroundIllegal, category: "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
			additions: "[]", specs: "[KEYWORD_HATE_SPEECH]", scope: "[IQ]", incompatibleAlsoIllegal: "Yes", sourceType: SourceArticle16, legalGround: true, platformRule: true},
		{name: "threat with doxxing", scores: map[string]float64{"threat": 0.9}, signals: []string{"doxxing"},
			rule: "threat-doxxing", ground: GroundIllegal, category: "STATEMENT_CATEGORY_VIOLENCE",
			additions: "[STATEMENT_CATEGORY_CYBER_VIOLENCE]", specs: "[KEYWORD_CYBER_HARASSMENT]", scope: "[IQ]", incompatibleAlsoIllegal: "Yes", sourceType: SourceArticle16, legalGround: true, platformRule: true},
		{name: "harassment: platform rules only", scores: map[string]float64{"offensive": 0.95}, signals: []string{"named_person", "severe_abuse"},
			rule: "harassment-named-person", ground: GroundIncompatible, category: "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
			additions: "[]", specs: "[]", scope: "[]", incompatibleAlsoIllegal: "No", sourceType: SourceArticle16, platformRule: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Default().Route(Input{Scores: c.scores, Signals: c.signals})
			if err != nil || !d.Queue || d.RuleID != c.rule {
				t.Fatalf("route: %+v %v; want rule %s", d, err, c.rule)
			}
			in := testReferralInput(t)
			in.Decision, in.Signals, in.Notifier.TrustedFlagger = d, c.signals, c.trusted
			pkg, err := BuildReferralPackage(in, Default())
			if err != nil {
				t.Fatal(err)
			}
			s := pkg.StatementOfReasons
			got := fmt.Sprintf("%s %s %v %v %v %s %s %v %v", s.DecisionGround, s.Category, s.CategoryAddition, s.CategorySpecification, s.TerritorialScope,
				s.IncompatibleContentIllegal, s.SourceType, s.IllegalContentLegalGround != "", s.IncompatibleContentGround != "")
			want := fmt.Sprintf("%s %s %s %s %s %s %s %v %v", c.ground, c.category, c.additions, c.specs, c.scope, c.incompatibleAlsoIllegal, c.sourceType, c.legalGround, c.platformRule)
			if got != want {
				t.Errorf("statement of reasons\n got %s\nwant %s", got, want)
			}
			if (s.IllegalContentExplanation != "") != c.legalGround || s.DecisionVisibility[0] != VisibilityRemoved {
				t.Errorf("explanations and visibility: %+v", s)
			}
		})
	}
}

// TestLegacyCategoryAccepted: a policy naming a category the Transparency
// Database dropped still loads; an unknown one does not.
func TestLegacyCategoryAccepted(t *testing.T) {
	base := string(DefaultYAML())
	if !strings.Contains(base, "category: non_consensual_behaviour") {
		t.Fatal("the default policy no longer uses a legacy category; pick another line to edit")
	}
	if _, err := Parse("legacy.yaml", []byte(strings.Replace(base, "category: violence", "category: scope_of_platform_service", 1))); err != nil {
		t.Fatalf("legacy category refused: %v", err)
	}
	_, err := Parse("bad.yaml", []byte(strings.Replace(base, "category: violence", "category: STATEMENT_CATEGORY_VIOLENCE", 1)))
	if err == nil || !strings.Contains(err.Error(), "is not one of") {
		t.Fatalf("unknown category: %v", err)
	}
}
