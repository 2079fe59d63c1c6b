package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeLog appends n events to a new log and returns its path.
func writeLog(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range n {
		if _, err := l.Append(Event{Type: TypeDecision, Actor: "user:ana", Subject: "x:" + string(rune('a'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// keepLines keeps the first n lines of the log at path.
func keepLines(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if err := os.WriteFile(path, bytes.Join(lines[:n], nil), 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestTruncationAndRollbackAreCaught: cutting 1, 10 or all entries off the
// end, and rolling the log back to an earlier copy, each still leave a
// valid chain, and each is reported by VerifyFile and refused by Open.
func TestTruncationAndRollbackAreCaught(t *testing.T) {
	for _, c := range []struct {
		name string
		cut  func(t *testing.T, path string)
	}{
		{"last entry cut", func(t *testing.T, p string) { keepLines(t, p, 29) }},
		{"ten entries cut", func(t *testing.T, p string) { keepLines(t, p, 20) }},
		{"every entry cut", func(t *testing.T, p string) { os.WriteFile(p, nil, 0o640) }},
		{"rolled back to an earlier copy", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			old := bytes.SplitAfter(b, []byte("\n"))[:25]
			// the copy is longer than a cut would be: it goes on differently
			l2path := filepath.Join(t.TempDir(), "other.jsonl")
			os.WriteFile(l2path, bytes.Join(old, nil), 0o640)
			os.Remove(CheckpointPath(l2path))
			l2, err := Open(l2path)
			if err != nil {
				t.Fatal(err)
			}
			for range 10 {
				l2.Append(Event{Type: TypeDecision, Actor: "user:mallory", Subject: "x:z"})
			}
			l2.Close()
			b2, _ := os.ReadFile(l2path)
			os.WriteFile(p, b2, 0o640)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeLog(t, 30)
			if n, _, err := VerifyFile(path); err != nil || n != 30 {
				t.Fatalf("intact log: %d entries, %v", n, err)
			}
			c.cut(t, path)
			if _, err := Verify(mustOpen(t, path)); err != nil && c.name != "rolled back to an earlier copy" {
				t.Fatalf("the cut chain itself should still verify (%v); the checkpoint is what catches it", err)
			}
			_, _, err := VerifyFile(path)
			if !errors.Is(err, ErrBroken) || !(strings.Contains(err.Error(), "cut off") || strings.Contains(err.Error(), "rewritten")) {
				t.Fatalf("VerifyFile after %s: %v", c.name, err)
			}
			if l, err := Open(path); err == nil {
				l.Close()
				t.Fatalf("Open appends after %s", c.name)
			}
		})
	}
}

func TestSignedCheckpointCannotBeForged(t *testing.T) {
	t.Setenv(KeyEnv, "a key of at least sixteen characters")
	path := writeLog(t, 5)
	if _, _, err := VerifyFile(path); err != nil {
		t.Fatal(err)
	}
	// Cut the log and write a matching checkpoint without the key.
	keepLines(t, path, 3)
	n, head, err := VerifyFile(path)
	if err == nil {
		t.Fatal("cut log verified")
	}
	t.Setenv(KeyEnv, "")
	if err := writeCheckpoint(path, int64(n), head, time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Setenv(KeyEnv, "a key of at least sixteen characters")
	if _, _, err := VerifyFile(path); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("forged checkpoint: %v", err)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
