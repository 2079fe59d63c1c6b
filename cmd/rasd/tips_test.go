package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestTipsEncryptedInLiveEngine: rasd run refuses a tips source without a
// key, and with one, a tip submitted to the live endpoint leaves no byte of
// its reporter in the spool file.
func TestTipsEncryptedInLiveEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the engine")
	}
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "tips.key") // apart from the data folder
	k, err := tips.NewKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tipsAddr := freeAddr(t)
	const token = "live-engine-tips-token-0123456789"
	sources := fmt.Sprintf("sources:\n  - name: flaggers\n    type: tips\n    interval: 1s\n    settings:\n      spool: data/tips-flaggers.db\n      listen: %s\n      flaggers:\n        - {id: ngo-secret-team, token_env: RASD_TEST_TIPS_TOKEN}\n", tipsAddr)
	os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte(sources), 0o644)
	cfg := filepath.Join(dir, "rasd.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data: %s\nlisten: %s\nsources: sources.yaml\nmodel: %s\n", filepath.Join(dir, "data"), freeAddr(t), requireDefaultModel(t))), 0o644)
	bin := buildRasd(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, tips.KeyEnv+"=") {
			env = append(env, kv)
		}
	}
	env = append(env, "RASD_TEST_TIPS_TOKEN="+token)

	noKey := exec.Command(bin, "run", "--config", cfg)
	noKey.Env = env
	out, err := noKey.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no key for reporters") || !strings.Contains(string(out), tips.KeyEnv) {
		t.Fatalf("rasd run with a tips source and no key: %v\n%s", err, out)
	}

	var log bytes.Buffer
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Env = append(env, tips.KeyEnv+"="+keyFile)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	const contact = "شاهدة من البصرة +9647709998877"
	body := `{"text":"تهديد صريح لصحفي في البصرة","reporter":"` + contact + `"}`
	var resp *http.Response
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest("POST", "http://"+tipsAddr+"/v1/tips", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tips endpoint not served: %v\n%s", err, log.String())
		}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("tip: %d", resp.StatusCode)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	spool := filepath.Join(dir, "data", "tips-flaggers.db")
	raw, err := os.ReadFile(spool)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{contact, "+9647709998877", "ngo-secret-team"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the spool file holds %q", secret)
		}
	}
	s, err := tips.OpenSpool(spool, tips.SpoolOptions{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.RevealReporter("tips:1", "legal@rasd", "test"); err != nil || r.Contact != contact || r.Flagger != "ngo-secret-team" {
		t.Fatalf("reporter read back with the key: %+v, %v", r, err)
	}
}
