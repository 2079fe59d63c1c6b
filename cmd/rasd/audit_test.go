package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/policy/audit"
)

func auditRun(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(&Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestAuditVerifyTamper(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"login-1", "dec-1", "dec-2", "export-1"} {
		if _, err := l.Append(audit.Event{ID: id, Type: audit.TypeDecision, Actor: "R-01", Subject: "telegram:1", Details: map[string]string{"verdict": "dismissed"}}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()

	code, out, errs := auditRun("audit", "verify", "--log", path)
	if code != 0 || !strings.Contains(out, "ok, 4 entries") {
		t.Fatalf("clean log: exit %d, %q %q", code, out, errs)
	}

	data, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = strings.Replace(lines[2], "dismissed", "referred", 1)
	os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600)

	code, out, errs = auditRun("audit", "verify", "--log", path)
	if code != 1 || out != "" {
		t.Fatalf("tampered log: exit %d, stdout %q", code, out)
	}
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "entry 2 (id dec-2)") || !strings.Contains(errs, "2 entries before it verified") {
		t.Fatalf("stderr %q does not name entry 2 (dec-2) in one line", errs)
	}
}

func TestAuditUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit"}, 2, "missing subcommand"},
		{[]string{"audit", "rewrite"}, 2, `unknown subcommand "rewrite"`},
		{[]string{"audit", "verify", "extra"}, 2, "unexpected argument"},
		{[]string{"audit", "verify", "--log", "/nonexistent/audit.jsonl"}, 1, "opening audit log"},
		{[]string{"audit", "verify", "--help"}, 0, ""},
	} {
		code, _, errs := auditRun(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d stderr %q; want %d %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}
