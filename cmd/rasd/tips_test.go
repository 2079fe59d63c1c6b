package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/ingest/tips"
	"github.com/rasd-iq/rasd/policy/audit"
)

func TestTipsRotateKeyCommand(t *testing.T) {
	keys := t.TempDir()
	data := t.TempDir()
	oldKey, newKey := filepath.Join(keys, "old.key"), filepath.Join(keys, "new.key")
	for _, p := range []string{oldKey, newKey} {
		if code, out, errs := auditRun("tips", "new-key", p); code != 0 || !strings.Contains(out, "new tips key") {
			t.Fatalf("new-key: %d %q %q", code, out, errs)
		}
	}
	if code, _, errs := auditRun("tips", "new-key", oldKey); code != 1 || !strings.Contains(errs, "exists") {
		t.Fatalf("new-key over an existing key: %d %q", code, errs)
	}
	k1, err := tips.LoadKey(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	spoolPath := filepath.Join(data, "tips-flaggers.db")
	s, err := tips.OpenSpool(spoolPath, tips.SpoolOptions{Key: k1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"reporter one +9647700000001", "reporter two +9647700000002", "reporter three"} {
		if _, err := s.Append(tips.Tip{Text: "نص"}, tips.Reporter{Flagger: "ngo", Contact: c}); err != nil {
			t.Fatal(err)
		}
	}
	auditPath := filepath.Join(data, "audit.jsonl")
	code, out, errs := auditRun("tips", "rotate-key", "--spool", spoolPath, "--key", oldKey, "--new-key", newKey,
		"--audit", auditPath, "--by", "admin@rasd")
	if code != 0 || !strings.Contains(out, "3 reporter records re-encrypted") {
		t.Fatalf("rotate-key: %d %q %q", code, out, errs)
	}
	// The old key is not needed any more: the new one alone reads everything, the old one alone is refused.
	k2, _ := tips.LoadKey(newKey)
	s2, err := tips.OpenSpool(spoolPath, tips.SpoolOptions{Key: k2})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s2.RevealReporter("tips:2", "legal@rasd", "test"); err != nil || r.Contact != "reporter two +9647700000002" {
		t.Fatalf("after rotation: %+v, %v", r, err)
	}
	if _, err := tips.OpenSpool(spoolPath, tips.SpoolOptions{Key: k1}); !errors.Is(err, tips.ErrWrongKey) {
		t.Fatalf("old key after rotation: %v", err)
	}
	raw, _ := os.ReadFile(spoolPath)
	if strings.Contains(string(raw), "+9647700000001") {
		t.Fatal("reporter contact in the spool file")
	}
	// The rotation is in the audit log, which still verifies.
	f, err := os.Open(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := audit.ReadAll(f)
	if err != nil || len(entries) != 1 || entries[0].Type != typeTipsKeyRotated || entries[0].Actor != "admin@rasd" ||
		!strings.Contains(string(entries[0].Details), k2.ID()) || !strings.Contains(string(entries[0].Details), k1.ID()) {
		t.Fatalf("audit entries %+v, %v", entries, err)
	}
	if code, _, errs := auditRun("audit", "verify", "--log", auditPath); code != 0 {
		t.Fatalf("audit verify: %q", errs)
	}
	// Rotating with a key that is not the one in use is a clear error.
	other := filepath.Join(keys, "other.key")
	auditRun("tips", "new-key", other)
	code, _, errs = auditRun("tips", "rotate-key", "--spool", spoolPath, "--key", oldKey, "--new-key", other, "--audit", auditPath)
	if code != 1 || !strings.Contains(errs, "encrypted with another key") || !strings.Contains(errs, k2.ID()) {
		t.Fatalf("rotate with the wrong key: %d %q", code, errs)
	}
	if code, _, _ := auditRun("tips", "rotate-key", "--spool", spoolPath); code != 2 {
		t.Fatalf("rotate-key without --new-key: %d", code)
	}
}
