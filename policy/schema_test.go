package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// schemaValidator checks JSON values against the subset of JSON Schema
// draft 2020-12 that docs/referral.schema.json uses: type, required,
// properties, additionalProperties (false), items, enum, pattern, format
// (date-time), minLength, minItems and local $ref into $defs. Any other
// keyword is an error, so the schema cannot silently outgrow the checker.
type schemaValidator struct {
	root map[string]any
	errs []string
}

var annotations = []string{"$schema", "$id", "title", "description", "$comment", "$defs"}

var supported = []string{"type", "required", "properties", "additionalProperties", "items", "enum", "pattern", "format", "minLength", "minItems", "$ref"}

func (v *schemaValidator) errf(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func (v *schemaValidator) validate(path string, schema map[string]any, val any) {
	for k := range schema {
		if !slices.Contains(supported, k) && !slices.Contains(annotations, k) {
			v.errf(path, "schema keyword %q is not supported by this validator", k)
		}
	}
	if ref, ok := schema["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/$defs/")
		defs, _ := v.root["$defs"].(map[string]any)
		target, ok := defs[name].(map[string]any)
		if !found || !ok {
			v.errf(path, "unresolvable $ref %q", ref)
			return
		}
		v.validate(path, target, val)
	}
	if t, ok := schema["type"].(string); ok && !hasType(t, val) {
		v.errf(path, "want %s, got %T", t, val)
		return
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(val) && hasSameKind(e, val) }) {
		v.errf(path, "%v is not one of %v", val, enum)
	}
	switch x := val.(type) {
	case string:
		if n, ok := schema["minLength"].(float64); ok && utf8.RuneCountInString(x) < int(n) {
			v.errf(path, "shorter than %v characters", n)
		}
		if p, ok := schema["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				v.errf(path, "bad pattern %q: %v", p, err)
			} else if !re.MatchString(x) {
				v.errf(path, "%q does not match %s", x, p)
			}
		}
		if f, ok := schema["format"].(string); ok {
			if f != "date-time" {
				v.errf(path, "format %q is not supported", f)
			} else if _, err := time.Parse(time.RFC3339, x); err != nil {
				v.errf(path, "%q is not an RFC 3339 date-time", x)
			}
		}
	case []any:
		if n, ok := schema["minItems"].(float64); ok && len(x) < int(n) {
			v.errf(path, "fewer than %v items", n)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range x {
				v.validate(fmt.Sprintf("%s[%d]", path, i), items, e)
			}
		}
	case map[string]any:
		for _, r := range asStrings(schema["required"]) {
			if _, ok := x[r]; !ok {
				v.errf(path, "missing required property %q", r)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				v.validate(path+"."+k, ps, x[k])
			} else if ap, ok := schema["additionalProperties"].(bool); ok && !ap {
				v.errf(path, "property %q is not allowed", k)
			}
		}
	}
}

func hasType(t string, val any) bool {
	switch t {
	case "object":
		_, ok := val.(map[string]any)
		return ok
	case "array":
		_, ok := val.([]any)
		return ok
	case "string":
		_, ok := val.(string)
		return ok
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "number":
		_, ok := val.(float64)
		return ok
	case "integer":
		f, ok := val.(float64)
		return ok && f == float64(int64(f))
	case "null":
		return val == nil
	}
	return false
}

func hasSameKind(a, b any) bool { return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b) }

func asStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("schema is not draft 2020-12: %v", s["$schema"])
	}
	return s
}

func checkAgainstSchema(t *testing.T, schema map[string]any, doc []byte) []string {
	t.Helper()
	var val any
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&val); err != nil {
		t.Fatal(err)
	}
	v := &schemaValidator{root: schema}
	v.validate("$", schema, val)
	return v.errs
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
		{"bad enum", func(m map[string]any) { m["statement_of_reasons"].(map[string]any)["ground"] = "vibes" }, "is not one of"},
		{"automated decision", func(m map[string]any) { m["statement_of_reasons"].(map[string]any)["automated_decision"] = true }, "is not one of"},
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
	v := &schemaValidator{root: bad}
	v.validate("$", bad, map[string]any{})
	if len(v.errs) == 0 {
		t.Fatal("unsupported keyword accepted")
	}
}
