package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/policy/jsonschema"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	s, err := jsonschema.Load("../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkAgainstSchema(t *testing.T, schema map[string]any, doc []byte) []string {
	t.Helper()
	errs, err := jsonschema.Check(schema, doc)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

func TestBuiltPackageMatchesSchema(t *testing.T) {
	schema := loadSchema(t)
	for name, in := range map[string]ReferralInput{
		"full":           testReferralInput(t),
		"tip, no author": withPlatform(testReferralInput(t), "tips"),
	} {
		t.Run(name, func(t *testing.T) {
			pkg, err := BuildReferralPackage(in, Default())
			if err != nil {
				t.Fatal(err)
			}
			doc, err := json.Marshal(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if errs := checkAgainstSchema(t, schema, doc); len(errs) > 0 {
				t.Fatalf("package does not match schema:\n%s\n%s", strings.Join(errs, "\n"), doc)
			}
		})
	}
}

func withPlatform(in ReferralInput, p string) ReferralInput {
	in.Post.Platform = p
	return in
}

// TestSchemaValidatorCatches makes sure the checker above can fail: each
// mutation of a valid package must be reported.
func TestSchemaValidatorCatches(t *testing.T) {
	schema := loadSchema(t)
	pkg, err := BuildReferralPackage(testReferralInput(t), Default())
	if err != nil {
		t.Fatal(err)
	}
	base, _ := json.Marshal(pkg)
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"missing required", func(m map[string]any) { delete(m, "notice") }, `missing required property "notice"`},
		{"extra property", func(m map[string]any) { m["reporter"] = "x" }, `property "reporter" is not allowed`},
		{"nested extra property", func(m map[string]any) { m["content"].(map[string]any)["reporter_email"] = "a@b" }, `property "reporter_email" is not allowed`},
		{"bad enum", func(m map[string]any) { m["statement_of_reasons"].(map[string]any)["decision_ground"] = "vibes" }, "is not one of"},
		{"old category name", func(m map[string]any) { m["statement_of_reasons"].(map[string]any)["category"] = "violence" }, "is not one of"},
		{"automated decision", func(m map[string]any) {
			m["statement_of_reasons"].(map[string]any)["automated_decision"] = "AUTOMATED_DECISION_FULLY"
		}, "is not one of"},
		{"media file outside media/", func(m map[string]any) {
			m["content"].(map[string]any)["media"].([]any)[1].(map[string]any)["file"] = "media/../../etc/passwd"
		}, "does not match"},
		{"capture without its hash", func(m map[string]any) { delete(m["content"].(map[string]any)["capture"].(map[string]any), "sha256") }, `missing required property "sha256"`},
		{"bad pattern", func(m map[string]any) { m["content"].(map[string]any)["sha256"] = "XYZ" }, "does not match"},
		{"bad date", func(m map[string]any) { m["created_at"] = "yesterday" }, "not an RFC 3339 date-time"},
		{"empty string", func(m map[string]any) { m["notice"].(map[string]any)["explanation"] = "" }, "shorter than 1"},
		{"wrong type", func(m map[string]any) { m["urgent"] = "yes" }, "want boolean"},
		{"bad ref target", func(m map[string]any) {
			m["assessment"].(map[string]any)["intent"].(map[string]any)["level"] = "extreme"
		}, "$.assessment.intent.level"},
		{"empty array", func(m map[string]any) { m["bases"] = []any{} }, "fewer than 1 items"},
		{"bad item", func(m map[string]any) { m["labels"] = []any{"OK"} }, "$.labels[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(base, &m)
			tc.edit(m)
			doc, _ := json.Marshal(m)
			errs := checkAgainstSchema(t, schema, doc)
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Fatalf("errors %q lack %q", errs, tc.want)
			}
		})
	}
	bad := map[string]any{"type": "object", "oneOf": []any{}}
	if errs := checkAgainstSchema(t, bad, []byte("{}")); len(errs) == 0 {
		t.Fatal("unsupported keyword accepted")
	}
}
