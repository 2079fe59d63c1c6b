// Package jsonschema checks JSON documents against the subset of JSON
// Schema draft 2020-12 that docs/referral.schema.json uses, so that tests
// anywhere in Rasd can check referral packages against the published schema.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Draft is the only $schema Load accepts.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// Load reads a schema file and checks that it declares Draft.
func Load(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading schema: %w", err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("schema %s is not JSON: %w", path, err)
	}
	if s["$schema"] != Draft {
		return nil, fmt.Errorf("schema %s is not draft 2020-12: %v", path, s["$schema"])
	}
	return s, nil
}

// Check validates the JSON document doc against schema and returns every
// violation as "path: problem" (none when it conforms). Keywords outside
// the supported subset are reported as violations too.
func Check(schema map[string]any, doc []byte) ([]string, error) {
	var val any
	if err := json.NewDecoder(bytes.NewReader(doc)).Decode(&val); err != nil {
		return nil, fmt.Errorf("decoding document: %w", err)
	}
	v := &validator{root: schema}
	v.validate("$", schema, val)
	return v.errs, nil
}

// validator checks JSON values against the subset of JSON Schema
// draft 2020-12 that docs/referral.schema.json uses: type, required,
// properties, additionalProperties (false), items, enum, pattern, format
// (date-time), minLength, minItems and local $ref into $defs. Any other
// keyword is an error, so the schema cannot silently outgrow the checker.
type validator struct {
	root map[string]any
	errs []string
}

var annotations = []string{"$schema", "$id", "title", "description", "$comment", "$defs"}

var supported = []string{"type", "required", "properties", "additionalProperties", "items", "enum", "pattern", "format", "minLength", "minItems", "$ref"}

func (v *validator) errf(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func (v *validator) validate(path string, schema map[string]any, val any) {
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
