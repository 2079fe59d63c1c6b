package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCmd runs rasd with args and stdin, returning exit status, stdout and stderr.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCmd(t, "", "help")
	if code != 0 {
		t.Fatalf("rasd help exited %d", code)
	}
	for name := range commands {
		if !strings.Contains(out, "  "+name+" ") {
			t.Errorf("rasd help does not list %q:\n%s", name, out)
		}
	}
}

func TestEveryCommandHasHelpWithExample(t *testing.T) {
	for name, c := range commands {
		t.Run(name, func(t *testing.T) {
			if c.Summary == "" || c.Usage == "" || c.Example == "" {
				t.Fatalf("command %q lacks summary, usage or example", name)
			}
			code, out, errs := runCmd(t, "", name, "--help")
			if code != 0 {
				t.Fatalf("rasd %s --help exited %d: %s", name, code, errs)
			}
			if !strings.Contains(out, "Usage:") || !strings.Contains(out, c.Example) {
				t.Errorf("rasd %s --help lacks usage or example:\n%s", name, out)
			}
		})
	}
}

func TestExitStatuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{"no arguments is misuse", nil, 2, "Usage"},
		{"unknown command is misuse", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag is misuse", []string{"version", "--nope"}, 2, "flag provided but not defined"},
		{"stray argument is misuse", []string{"version", "extra"}, 2, `unexpected argument "extra"`},
		{"help for one command", []string{"help", "version"}, 0, ""},
		{"help for unknown command", []string{"help", "nope"}, 2, "unknown command"},
		{"version succeeds", []string{"version"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCmd(t, "", tt.args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.want, errs)
			}
			if tt.msg != "" && !strings.Contains(errs, tt.msg) {
				t.Errorf("stderr %q lacks %q", errs, tt.msg)
			}
			if tt.want != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 && tt.args != nil {
				t.Errorf("error output should be one line, got %q", errs)
			}
		})
	}
}
