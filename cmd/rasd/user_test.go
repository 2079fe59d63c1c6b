package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review/accounts"
)

func TestUserCommands(t *testing.T) {
	accounts.Cost = bcrypt.MinCost
	data := t.TempDir()
	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"add generates a password", "", []string{"add", "zainab", "--role", "analyst"}, 0, "password: ", ""},
		{"add with a password from stdin", "correct-horse-battery\n", []string{"add", "--role", "senior", "ali", "--password-stdin"}, 0, "added ali (senior)\nthe senior role requires two-factor login: ali enrols at the first login", ""},
		{"add twice", "", []string{"add", "ali", "--role", "analyst"}, 1, "", "already exists"},
		{"short password", "short\n", []string{"add", "omar", "--role", "admin", "--password-stdin"}, 1, "", "at least 10"},
		{"unknown role", "", []string{"add", "omar", "--role", "boss"}, 2, "", "unknown role"},
		{"missing role", "", []string{"add", "omar"}, 2, "", "--role is required"},
		{"bad name", "", []string{"add", "Bad Name", "--role", "analyst"}, 1, "", "invalid account name"},
		{"role change", "", []string{"role", "zainab", "researcher"}, 0, "zainab is now researcher", ""},
		{"add an auditor", "", []string{"add", "huda", "--role", "auditor"}, 0, "added huda (auditor)", ""},
		{"disable", "", []string{"disable", "ali"}, 0, "disabled ali", ""},
		{"disable unknown", "", []string{"disable", "ghost"}, 1, "", "no such account"},
		{"passwd", "another-long-password\n", []string{"passwd", "zainab", "--password-stdin"}, 0, "changed the password", ""},
		{"list", "", []string{"list"}, 0, "senior      disabled", ""},
		{"add with TOTP", "a-long-password-1\n", []string{"add", "sara", "--role", "admin", "--password-stdin", "--totp"}, 0, "totp uri: otpauth://totp/Rasd:sara?", ""},
		{"list shows two-factor state", "", []string{"list"}, 0, "  on\n", ""},
		{"totp reset", "", []string{"totp", "reset", "sara"}, 0, "removed the two-factor enrolment of sara", ""},
		{"totp reset unknown", "", []string{"totp", "reset", "ghost"}, 1, "", "no such account"},
		{"totp unknown action", "", []string{"totp", "show", "sara"}, 2, "", "want reset"},
		{"sessions", "", []string{"sessions", "sara"}, 0, "SESSION", ""},
		{"revoke all", "", []string{"revoke", "sara"}, 0, "ended every session of sara", ""},
		{"revoke unknown session", "", []string{"revoke", "sara", "abc"}, 1, "", "not found"},
		{"unknown subcommand", "", []string{"promote", "ali"}, 2, "", "unknown subcommand"},
		{"wrong arity", "", []string{"role", "ali"}, 2, "", "takes 2 argument"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := runCmd(t, s.stdin, append(append([]string{"user"}, s.args...), "--data", data)...)
			if code != s.code || !strings.Contains(out, s.stdout) || !strings.Contains(errs, s.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out, errs, s.code, s.stdout, s.stderr)
			}
		})
	}
	f, err := os.Open(filepath.Join(data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := audit.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Type == audit.TypeRoleChange {
			actions = append(actions, e.Subject+" "+strings.Trim(string(e.Details), "{}"))
		}
	}
	if len(actions) != 10 {
		t.Fatalf("audit log role changes: %q, want add, add, role, add, disable, passwd, add, totp_enrol, totp_reset, revoke", actions)
	}
	for _, a := range actions {
		if strings.Contains(a, "secret") || strings.Contains(a, "recovery\"") {
			t.Fatalf("audit entry holds a secret: %s", a)
		}
	}
}
