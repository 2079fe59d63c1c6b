package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotd/td/session"
)

func TestTelegramCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.session")
	if err := (&session.Loader{Storage: &session.FileStorage{Path: good}}).Save(context.Background(), &session.Data{DC: 2, Addr: "149.154.167.50:443", AuthKey: make([]byte, 256), AuthKeyID: make([]byte, 8)}); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.session")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		code    int
		out     string // in stdout when code is 0, in stderr otherwise
		envHash string
	}{
		{args: []string{"telegram", "check", "--session", good}, code: 0, out: "a session file telegram-mtproto sources can use"},
		{args: []string{"telegram", "check", "--session", filepath.Join(dir, "none.session")}, code: 1, out: "rasd telegram login"},
		{args: []string{"telegram", "check", "--session", bad}, code: 1, out: "not a valid session"},
		{args: []string{"telegram"}, code: 2, out: "missing subcommand"},
		{args: []string{"telegram", "logout"}, code: 2, out: "unknown subcommand"},
		{args: []string{"telegram", "login", "--phone", "+9647700000000"}, code: 2, out: "--api-id is required", envHash: "h"},
		{args: []string{"telegram", "login", "--api-id", "5", "--api-hash-env", "RASD_TEST_NO_SUCH_VAR", "--phone", "+9647700000000"}, code: 2, out: "RASD_TEST_NO_SUCH_VAR"},
		{args: []string{"telegram", "login", "--api-id", "5", "--phone", "07700000000"}, code: 2, out: "international form", envHash: "h"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			t.Setenv("RASD_TG_API_HASH", tc.envHash)
			code, out, errs := auditRun(tc.args...)
			where := out
			if tc.code != 0 {
				where = errs
			}
			if code != tc.code || !strings.Contains(where, tc.out) {
				t.Fatalf("exit %d (want %d); stdout %q stderr %q; want %q", code, tc.code, out, errs, tc.out)
			}
		})
	}
}
