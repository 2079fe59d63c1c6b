package stream

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONStringEncoding(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"plain", "hello"},
		{"arabic", "الروافض جرذان"},
		{"quotes and backslash", `a "b" \c`},
		{"controls", "a\nb\tc\rd\x01e\x1f"},
		{"line separators", "a\u2028b\u2029c"},
		{"emoji", "🗡️ ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := appendJSONString(nil, tc.in)
			var back string
			if err := json.Unmarshal(b, &back); err != nil || back != tc.in {
				t.Errorf("%s round-trips to %q (err %v); bytes % x", b, back, err, b)
			}
		})
	}
	if got := string(appendJSONString(nil, "a\xffb")); got != "\"a\ufffdb\"" {
		t.Errorf("invalid UTF-8 encoded as %q", got)
	}
}

func TestParseObject(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		keys     string
		err      string
	}{
		{"simple", `{"id":1,"text":"x"}`, "id,text", ""},
		{"nested and spaces", ` { "a" : [1, -2.5e3, true, null, {"b":"\u0041"}] , "text":"y" } `, "a,text", ""},
		{"escaped key", `{"te\u0078t":"x"}`, "text", ""},
		{"empty", `{}`, "", ""},
		{"array", `[1]`, "", "must be a JSON object"},
		{"trailing", `{"a":1} x`, "", "after the object"},
		{"bad number", `{"a":01}`, "", "expected ','"},
		{"bad literal", `{"a":tru}`, "", "expected true"},
		{"unterminated", `{"a":"x`, "", "unterminated"},
		{"control char", "{\"a\":\"x\x01\"}", "", "control character"},
		{"bad escape", `{"a":"\q"}`, "", "bad escape"},
		{"missing colon", `{"a" 1}`, "", "expected ':'"},
		{"deep", strings.Repeat("[", 200) + strings.Repeat("]", 200), "", "must be a JSON object"},
		{"too deep", `{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, "", "nesting deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields, err := parseObject([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range fields {
				keys = append(keys, f.key)
			}
			if strings.Join(keys, ",") != tc.keys {
				t.Errorf("keys = %v, want %s", keys, tc.keys)
			}
			if json.Valid([]byte(tc.in)) != true {
				t.Errorf("accepted input that encoding/json rejects")
			}
		})
	}
}
