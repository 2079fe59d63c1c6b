package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
)

func testReferralInput(t *testing.T) ReferralInput {
	t.Helper()
	d, err := Default().Route(Input{Scores: map[string]float64{"threat": 0.93}, Signals: []string{"named_person", "defender_targeted"}})
	if err != nil || !d.Queue {
		t.Fatalf("route: %+v %v", d, err)
	}
	created := time.Date(2026, 11, 19, 21, 4, 0, 0, time.FixedZone("AST", 3*3600))
	return ReferralInput{
		ID:      "ref-2026-0042",
		Created: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
		Post: ingest.Post{
			ID: "telegram:chan/881", Platform: "telegram", Source: "basra-channels",
			Permalink: "https://t.me/chan/881",
			Author:    ingest.Author{ID: "1001", Handle: "@chan"},
			Text:      "سنقتل فلان بن فلان غداً أمام بيته <script>alert(1)</script>",
			Lang:      []string{"ar-IQ"},
			Created:   created,
			Fetched:   time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC),
			RawSHA256: strings.Repeat("ab", 32),
			Location:  "Basra",
			Media: []ingest.Media{
				{URL: "https://cdn.t.me/file/1.jpg", Kind: ingest.MediaImage, Type: "image/jpeg", SHA256: strings.Repeat("1a", 32)},
				{URL: "https://cdn.t.me/file/2", Kind: ingest.MediaVideo, SHA256: strings.Repeat("2b", 32)},
				{URL: "https://cdn.t.me/file/3.png", Kind: ingest.MediaImage, Type: "image/png", SHA256: "../../etc/passwd"},
			},
			Capture:     []byte(`{"id":881,"message":"سنقتل فلان"}`),
			CaptureType: "application/json",
		},
		Signals:            []string{"named_person", "defender_targeted"},
		Media:              map[string]HeldMedia{strings.Repeat("2b", 32): {Size: 2048, MD5: strings.Repeat("c", 32), Type: "video/mp4"}},
		Decision:           d,
		Assessment:         fullAssessment(),
		Approvals:          []Approval{{ReviewerID: "u-2", RoleID: "R-02", At: time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC)}},
		Explanation:        "Explicit threat to kill a named resident at his home, with a time.",
		Facts:              "Posted in a channel with 200k subscribers; forwarded 40 times within an hour.",
		Notifier:           Notifier{Name: "Rasd Monitoring Unit", Email: "referrals@rasd.example"},
		AutomatedDetection: true,
		ModelVersion:       "iraqi-bert-2026.10",
		NormalizerVersion:  "3",
	}
}

func TestBuildReferralPackage(t *testing.T) {
	in := testReferralInput(t)
	pkg, err := BuildReferralPackage(in, Default())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(in.Post.Text))
	captureSum := sha256.Sum256(in.Post.Capture)
	sor := pkg.StatementOfReasons
	checks := []struct {
		name string
		ok   bool
	}{
		{"urgent threat", pkg.Urgent},
		{"url", pkg.Notice.URL == in.Post.Permalink && pkg.Content.URL == in.Post.Permalink},
		{"sha256 of text", pkg.Content.SHA256 == hex.EncodeToString(sum[:])},
		{"raw sha kept", pkg.Content.RawSHA256 == in.Post.RawSHA256},
		{"capture time", pkg.Content.CapturedAt.Equal(in.Post.Fetched)},
		{"content date is the post's day in UTC", sor.ContentDate == "2026-11-19" && pkg.Content.PostedAt.Equal(in.Post.Created) && pkg.Content.PostedAt.Location() == time.UTC},
		{"illegal content ground", sor.DecisionGround == GroundIllegal && strings.Contains(sor.IllegalContentLegalGround, "Arts. 430-432") && sor.IllegalContentExplanation == in.Explanation},
		{"platform ground, also illegal", strings.Contains(sor.IncompatibleContentGround, "Violent speech") && sor.IncompatibleContentExplanation == in.Explanation && sor.IncompatibleContentIllegal == "Yes"},
		{"category from rule", sor.Category == "STATEMENT_CATEGORY_VIOLENCE"},
		{"threat is cyber harassment", fmt.Sprint(sor.CategoryAddition) == "[STATEMENT_CATEGORY_CYBER_VIOLENCE]" && fmt.Sprint(sor.CategorySpecification) == "[KEYWORD_CYBER_HARASSMENT]"},
		{"requested removal in Iraq", fmt.Sprint(sor.DecisionVisibility) == "["+VisibilityRemoved+"]" && fmt.Sprint(sor.TerritorialScope) == "[IQ]"},
		{"content types", fmt.Sprint(sor.ContentType) == "[CONTENT_TYPE_TEXT CONTENT_TYPE_IMAGE CONTENT_TYPE_VIDEO]"},
		{"language", sor.ContentLanguage == "AR" && pkg.Content.Language == "ar-IQ"},
		{"notice under Art. 16", sor.SourceType == SourceArticle16 && sor.DecisionFacts == in.Facts},
		{"automated detection, human decision", sor.AutomatedDetection == "Yes" && sor.AutomatedDecision == AutomatedDecisionNone},
		{"capture", pkg.Content.Capture != nil && bytes.Equal(pkg.Content.Capture.Data, in.Post.Capture) && pkg.Content.Capture.File == "evidence/capture.json" &&
			pkg.Content.Capture.SHA256 == hex.EncodeToString(captureSum[:]) && pkg.Content.Capture.Size == len(in.Post.Capture) && len(pkg.Content.Capture.MD5) == 32},
		{"media listed, the held one included", len(pkg.Content.Media) == 3 && !pkg.Content.Media[0].Included && pkg.Content.Media[0].SHA256 == strings.Repeat("1a", 32) &&
			pkg.Content.Media[1] == MediaEvidence{URL: "https://cdn.t.me/file/2", Kind: "video", Type: "video/mp4", SHA256: strings.Repeat("2b", 32), MD5: strings.Repeat("c", 32),
				Size: 2048, Included: true, File: "media/" + strings.Repeat("2b", 32) + ".mp4"}},
		{"a malformed media hash is dropped", pkg.Content.Media[2].SHA256 == "" && !pkg.Content.Media[2].Included && pkg.Content.Media[2].File == ""},
		{"good faith statement", strings.HasPrefix(pkg.Notice.GoodFaithStatement, "The notifier has a bona fide belief")},
		{"reviewers by role", len(pkg.Reviewers) == 2 && pkg.Reviewers[0].RoleID == "R-01" && pkg.Reviewers[1] == ReviewerRole{RoleID: "R-02", Action: "approved", At: in.Approvals[0].At}},
		{"versions", pkg.Versions == Versions{Policy: Default().Version, Model: "iraqi-bert-2026.10", Normalizer: "3"}},
		{"six parts", pkg.Assessment.Likelihood == in.Assessment.Likelihood && pkg.Assessment.Context == in.Assessment.Context},
		{"rule and labels", pkg.RuleID == "threat-defender" && len(pkg.Labels) == 1 && pkg.Labels[0] == "threat"},
		{"author of a public post", pkg.Content.AuthorHandle == "@chan"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: package %+v", c.name, pkg)
		}
	}
	doc, _ := json.Marshal(pkg)
	for _, secret := range []string{"u-1", "u-2", "Basra", "basra-channels"} {
		if bytes.Contains(doc, []byte(`"`+secret+`"`)) {
			t.Errorf("package leaks %q: %s", secret, doc)
		}
	}
	again, _ := BuildReferralPackage(in, Default())
	doc2, _ := json.Marshal(again)
	if !bytes.Equal(doc, doc2) {
		t.Error("BuildReferralPackage is not deterministic")
	}
}

func TestReferralOmitsTipReporter(t *testing.T) {
	in := testReferralInput(t)
	in.Post.Platform = "tips"
	in.Post.Author = ingest.Author{ID: "reporter-77", Handle: "worried.citizen@mail.example"}
	in.Post.Location = "Karbala"
	pkg, err := BuildReferralPackage(in, Default())
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Content.Capture != nil {
		t.Errorf("a tip's package carries its raw form: %+v", pkg.Content.Capture)
	}
	var page bytes.Buffer
	if err := WriteReferralHTML(&page, pkg); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(pkg)
	for _, out := range [][]byte{doc, page.Bytes()} {
		for _, secret := range []string{"reporter-77", "worried.citizen", "Karbala"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("tip reporter identity %q in referral output", secret)
			}
		}
	}
}

func TestBuildReferralPackageRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(in *ReferralInput)
		want []string
	}{
		{"no second reviewer", func(in *ReferralInput) { in.Approvals = nil }, []string{"approval by a second reviewer"}},
		{"incomplete assessment", func(in *ReferralInput) { in.Assessment.Intent = Part{} }, []string{"intent: not recorded"}},
		{"not queued", func(in *ReferralInput) { in.Decision = Decision{PolicyVersion: Default().Version} }, []string{"routing decision"}},
		{"no url", func(in *ReferralInput) { in.Post.Permalink = "" }, []string{"exact http(s) URL"}},
		{"relative url", func(in *ReferralInput) { in.Post.Permalink = "/chan/881" }, []string{"exact http(s) URL"}},
		{"javascript url", func(in *ReferralInput) { in.Post.Permalink = "javascript:alert(1)" }, []string{"exact http(s) URL"}},
		{"no notifier", func(in *ReferralInput) { in.Notifier = Notifier{} }, []string{"notifier"}},
		{"several gaps", func(in *ReferralInput) { in.Explanation, in.Facts, in.ModelVersion, in.ID = "", "", "", "" }, []string{"explanation", "facts", "model version", "referral id"}},
		{"bad role id", func(in *ReferralInput) { in.Assessment.RoleID = "Ali Hassan" }, []string{"assessor's role id"}},
		{"no capture time", func(in *ReferralInput) { in.Post.Fetched = time.Time{} }, []string{"capture time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testReferralInput(t)
			tc.edit(&in)
			_, err := BuildReferralPackage(in, Default())
			if !errors.Is(err, ErrReferralNotReady) {
				t.Fatalf("err = %v, want ErrReferralNotReady", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestBuildReferralPackageKeepsTheDecisionsPolicy: a decision stored under an
// earlier policy is packaged with its own rule, bases and policy version;
// the current policy does not rewrite it.
func TestBuildReferralPackageKeepsTheDecisionsPolicy(t *testing.T) {
	in := testReferralInput(t)
	in.Decision.PolicyVersion = "2020.1"
	in.Decision.Bases = []Basis{{ID: "old-basis", Kind: BasisLegal, Title: "An earlier law", Provision: "Art. 1"}}
	pkg, err := BuildReferralPackage(in, Default())
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Versions.Policy != "2020.1" || len(pkg.Bases) != 1 || pkg.Bases[0].ID != "old-basis" || !strings.Contains(pkg.StatementOfReasons.IllegalContentLegalGround, "An earlier law") {
		t.Errorf("package versions %+v, bases %+v, legal ground %q", pkg.Versions, pkg.Bases, pkg.StatementOfReasons.IllegalContentLegalGround)
	}
}

func TestWriteReferralHTML(t *testing.T) {
	pkg, err := BuildReferralPackage(testReferralInput(t), Default())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteReferralHTML(&b, pkg); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<html lang="ar" dir="rtl">`,
		"URGENT: threat to life",
		"سنقتل فلان بن فلان",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		`href="https://t.me/chan/881"`,
		pkg.Content.SHA256,
		"Likelihood and imminence of harm (high)",
		"Speaker (status, reach) (high)",
		"names a place and a time tomorrow",
		"R-02, 2026-11-20 11:00 UTC",
		"Posted</th><td class=\"ltr\">2026-11-19 18:04 UTC",
		"Automated detection</th><td class=\"ltr\">Yes",
		"STATEMENT_CATEGORY_VIOLENCE, STATEMENT_CATEGORY_CYBER_VIOLENCE",
		"evidence/capture.json (application/json, ",
		"included: media/" + strings.Repeat("2b", 32) + ".mp4 (2048 bytes)",
		"not included",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("content not escaped")
	}
	if n := strings.Count(page, "(high)</th>"); n != 6 {
		t.Errorf("page shows %d of 6 Rabat parts", n)
	}
	// The grounds cited, in English by default and in Arabic when asked.
	cited := func(p string) string {
		_, after, _ := strings.Cut(p, `id="bases"`)
		body, _, _ := strings.Cut(after, "</td>")
		return body
	}
	if got := cited(page); !strings.Contains(got, "<li>Iraqi Penal Code No. 111 of 1969, Arts. 430-432") || strings.Contains(got, "قانون") {
		t.Errorf("English grounds: %s", got)
	}
	b.Reset()
	if err := WriteReferralHTMLIn(&b, pkg, LangArabic); err != nil {
		t.Fatal(err)
	}
	got := cited(b.String())
	if !strings.Contains(got, "<li>قانون العقوبات العراقي رقم 111 لسنة 1969، المواد 430–432 (التهديد بارتكاب جريمة ضد شخص) (العراق)</li>") {
		t.Errorf("Arabic grounds: %s", got)
	}
	for _, bs := range pkg.Bases {
		if strings.Contains(got, bs.Title) {
			t.Errorf("Arabic grounds cite %q in English: %s", bs.Title, got)
		}
	}
}

func TestOutcomes(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if got := CurrentOutcome(nil); got != OutcomePending {
		t.Fatalf("no outcomes = %s", got)
	}
	outs := []Outcome{
		{ReferralID: "r", Status: OutcomeDeclined, Source: SourcePlatformResponse, At: t0.Add(time.Hour)},
		{ReferralID: "r", Status: OutcomeRemoved, Source: SourceRecheck, At: t0.Add(48 * time.Hour)},
		{ReferralID: "r", Status: OutcomePending, Source: SourcePlatformResponse, At: t0},
	}
	if got := CurrentOutcome(outs); got != OutcomeRemoved {
		t.Fatalf("current = %s, want removed (latest)", got)
	}
	for _, tc := range []struct {
		name string
		o    Outcome
		want string
	}{
		{"ok", outs[0], ""},
		{"no referral", Outcome{Status: OutcomeRemoved, Source: SourceRecheck, At: t0}, "referral id is empty"},
		{"bad status", Outcome{ReferralID: "r", Status: "deleted", Source: SourceRecheck, At: t0}, `outcome "deleted"`},
		{"bad source", Outcome{ReferralID: "r", Status: OutcomeRemoved, Source: "rumour", At: t0}, `source "rumour"`},
		{"no time", Outcome{ReferralID: "r", Status: OutcomeRemoved, Source: SourceRecheck}, "time is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEligibleAppealReviewer(t *testing.T) {
	a := Appeal{ID: "ap-1", Target: "referral", TargetID: "ref-1", Deciders: []string{"u-1", "u-2"}, Appellant: "u-9"}
	for _, tc := range []struct {
		candidate string
		ok        bool
	}{
		{"u-3", true},
		{"u-1", false},
		{" u-2 ", false},
		{"u-9", false},
		{"", false},
	} {
		err := EligibleAppealReviewer(tc.candidate, a)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrIneligibleReviewer)) {
			t.Errorf("EligibleAppealReviewer(%q) = %v, want ok=%v", tc.candidate, err, tc.ok)
		}
	}
	if got, err := PickAppealReviewer([]string{"u-2", "u-9", "u-4", "u-5"}, a); got != "u-4" || err != nil {
		t.Fatalf("Pick = %q, %v; want u-4", got, err)
	}
	if _, err := PickAppealReviewer([]string{"u-1", "u-2"}, a); !errors.Is(err, ErrIneligibleReviewer) {
		t.Fatalf("Pick with only deciders = %v", err)
	}
}
