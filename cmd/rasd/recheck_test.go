package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rasd-iq/rasd/review/recheck"
)

func TestRecheckConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	c, err := loadRunConfig("")
	if err != nil || c.Recheck.Every != recheck.DefaultEvery || c.Recheck.Timeout != recheck.DefaultTimeout {
		t.Fatalf("default recheck %+v, %v; want every %s, timeout %s", c.Recheck, err, recheck.DefaultEvery, recheck.DefaultTimeout)
	}
	for _, tc := range []struct{ yaml, err string }{
		{"recheck: {every: 12h, timeout: 5s}\n", ""},
		{"recheck: {every: 0}\n", ""},
		{"recheck: {every: 10s}\n", "every must be 0 (off) or at least 1m0s"},
		{"recheck: {timeout: 0s}\n", "timeout must be positive"},
		{"recheck: {evry: 1h}\n", `unknown key "evry"`},
		{"recheck: {every: soon}\n", `bad every "soon"`},
	} {
		os.WriteFile(cfg, []byte(tc.yaml), 0o644)
		_, err := loadRunConfig(cfg)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.yaml, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want an error saying %q", tc.yaml, err, tc.err)
		}
	}
	os.WriteFile(cfg, []byte("recheck: {every: 12h, timeout: 5s, allow_internal: true}\n"), 0o644)
	if c, err = loadRunConfig(cfg); err != nil || c.Recheck != (recheck.Config{Every: 12 * time.Hour, Timeout: 5 * time.Second, AllowInternal: true}) {
		t.Fatalf("recheck read as %+v, %v", c.Recheck, err)
	}
}

// TestAllowInternalConfig: allow_internal in rasd.yaml is read (rasd run
// --allow-internal sets it too).
func TestAllowInternalConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(cfg, []byte("allow_internal: true\n"), 0o644)
	if c, err := loadRunConfig(cfg); err != nil || !c.AllowInternal || c.Media.AllowInternal || c.Recheck.AllowInternal {
		t.Fatalf("allow_internal read as %v (media %v, recheck %v), %v", c.AllowInternal, c.Media.AllowInternal, c.Recheck.AllowInternal, err)
	}
}

// TestRecheckExample: the bundled configuration schedules re-checks.
func TestRecheckExample(t *testing.T) {
	c, err := loadRunConfig("../../examples/rasd.yaml")
	if err != nil || c.Recheck.Every != 6*time.Hour || c.Recheck.Timeout != 20*time.Second {
		t.Fatalf("examples/rasd.yaml recheck %+v, %v", c.Recheck, err)
	}
}

// TestRecheckWiring builds the engine's re-check schedule: its counter is
// on the engine's registry (served at /metrics).
func TestRecheckWiring(t *testing.T) {
	reg := prometheus.NewRegistry()
	l, err := openRecheck(recheck.Config{Every: time.Hour, Timeout: time.Second}, nil, nil, nil, nil, nil, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Every != time.Hour || l.Service == nil || l.Prober == nil {
		t.Fatalf("loop %+v", l)
	}
	if err := reg.Register(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_referral_rechecks_total", Help: "x"}, []string{"platform", "result"})); err == nil {
		t.Fatal("rasd_referral_rechecks_total not registered on the engine's registry")
	}
}

// TestRecheckCommandAsksThePlatform: with the engine's configuration, rasd
// referrals recheck asks X's tweet lookup (through the x source's token and
// base_url), which reports the tweet deleted while its page answers 200.
func TestRecheckCommandAsksThePlatform(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/2/tweets" {
			w.WriteHeader(http.StatusOK) // the permalink: X answers 200 for removed tweets
			return
		}
		if r.Header.Get("Authorization") != "Bearer cmd-test-bearer-0123456789" || r.URL.Query().Get("ids") != "2" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"errors":[{"value":"2","detail":"Could not find tweet with ids: [2].","title":"Not Found Error","resource_type":"tweet",` +
			`"parameter":"ids","resource_id":"2","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`))
	}))
	defer site.Close()
	data := referralData(t, site.URL)
	t.Setenv("RASD_CMD_TEST_X", "cmd-test-bearer-0123456789")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte("sources:\n  - name: xs\n    type: x\n    allow_internal: true\n"+
		"    settings: {mode: recent_search, query: q, token_env: RASD_CMD_TEST_X, base_url: \""+site.URL+"\"}\n"), 0o644)
	cfg := filepath.Join(dir, "rasd.yaml")
	os.WriteFile(cfg, []byte("data: "+data+"\nsources: sources.yaml\n"), 0o644)
	code, stdout, stderr := runCmd(t, "", "referrals", "recheck", "--config", cfg, "--every", "0")
	if code != 0 || !strings.Contains(stdout, "re-checked 1 referrals: 1 removed, 0 failed") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(data, "audit.jsonl"))
	if err != nil || !strings.Contains(string(b), `"method":"x-api"`) || !strings.Contains(string(b), `X: Not Found Error (deleted)`) {
		t.Fatalf("audit log lacks the X lookup's answer: %v\n%s", err, b)
	}
}
