package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/policy"
)

func TestPolicyCommand(t *testing.T) {
	root := filepath.Join("..", "..")
	failing := filepath.Join(t.TempDir(), "cases.yaml")
	os.WriteFile(failing, []byte("tests:\n  - name: hate is not a threat\n    input: {scores: {hate: 0.8}}\n    expect: {queue: true, rule: threat-general}\n"), 0o600)
	uncomputable := filepath.Join(t.TempDir(), "uncomputable.yaml")
	bad := strings.Replace(string(policy.DefaultYAML()), "rules:\n", "rules:\n  - id: threat-mood\n    must_have: [threat, mood]\n    priority: 3\n    bases: [iq-penal-threat]\n", 1)
	bad = strings.Replace(bad, "  - name: threat\n", "  - name: mood\n    kind: signal\n  - name: tone\n    kind: signal\n  - name: threat\n", 1)
	bad = strings.Replace(bad, "  categories:\n", "  categories:\n    - id: cheerful\n      labels: [tone]\n", 1)
	os.WriteFile(uncomputable, []byte(bad), 0o600)
	routeIn := filepath.Join(t.TempDir(), "items.jsonl")
	os.WriteFile(routeIn, []byte(`{"id":"a","scores":{"threat":0.9},"signals":["named_person"]}
{"id":"b","scores":{"incitement":0.8},"source_type":"news"}
{"id":"c","scores":{"hate":1.7}}

{"id":"d","scroes":{}}
`), 0o600)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"example tests pass", []string{"policy", "test", filepath.Join(root, "examples/policy-tests.yaml")}, 0, "routing tests passed", ""},
		{"failing case", []string{"policy", "test", failing}, 1, `rule: want "threat-general", got "hate-speech"`, "1 of 1 routing tests failed"},
		{"check good", []string{"policy", "check", filepath.Join(root, "examples/policy.yaml")}, 0, "ok (version", ""},
		{"check good strict", []string{"policy", "check", "--strict", filepath.Join(root, "examples/policy.yaml")}, 0, "ok (version", ""},
		{"check warns without Arabic", []string{"policy", "check", filepath.Join(root, "testdata/policy/minimal.good.yaml")}, 0, "ok (version", `minimal.good.yaml:21: warning: basis "law-a" has no title_ar`},
		{"check strict fails without Arabic", []string{"policy", "check", "--strict", filepath.Join(root, "testdata/policy/minimal.good.yaml")}, 1, "", "1 without Arabic text (--strict)"},
		{"check bad names line", []string{"policy", "check", filepath.Join(root, "testdata/policy/supersedes-cycle.bad.yaml")}, 1, "", "supersedes-cycle.bad.yaml:27: rules form a supersedes cycle"},
		{"show default", []string{"policy", "show"}, 0, "1 URGENT threat-defender", ""},
		{"show json", []string{"policy", "show", "--json", filepath.Join(root, "examples/policy.yaml")}, 0, `"version": "` + policy.Default().Version + `"`, ""},
		{"check uncomputable signal", []string{"policy", "check", uncomputable}, 1, "", `rule "threat-mood": signal label "mood" is not computed by the signals stage`},
		{"check uncomputable protection", []string{"policy", "check", uncomputable}, 1, "", `protected category "cheerful": signal label "tone" is not computed`},
		{"signals list", []string{"policy", "signals"}, 0, "doxxing\n  The post exposes where a person lives", ""},
		{"signals used by", []string{"policy", "signals"}, 0, `used by: rule "threat-defender", rule "threat-words-defender", rule "incitement-defender"`, ""},
		{"signals unknown policy", []string{"policy", "signals", "--policy", "nope.yaml"}, 1, "", "reading policy"},
		{"test with other policy", []string{"policy", "test", "--policy", filepath.Join(root, "testdata/policy/minimal.good.yaml"), filepath.Join(root, "examples/policy-tests.yaml")}, 1, "FAIL", "routing tests failed"},
		{"no subcommand", []string{"policy"}, 2, "", "missing subcommand"},
		{"unknown subcommand", []string{"policy", "apply"}, 2, "", `unknown subcommand "apply"`},
		{"check without file", []string{"policy", "check"}, 2, "", "missing policy file"},
		{"route", []string{"policy", "route", routeIn}, 1, `"protected":[{"category":"news","detail":"source type \"news\""}],"held_back":["incitement-violence"]`, "items.jsonl:3: routing: score 1.7 for label \"hate\" is outside [0,1]\n" + routeIn + ":5: json: unknown field \"scroes\"\nrasd policy: 2 of 4 items could not be routed"},
		{"missing cases file", []string{"policy", "test", "nope.yaml"}, 1, "", "reading test cases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := auditRun(tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stdout ∋ %q, stderr ∋ %q", code, out, errs, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}
