package ingest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	_ "github.com/rasd-iq/rasd/ingest/file"
	_ "github.com/rasd-iq/rasd/ingest/rss"
	"github.com/rasd-iq/rasd/ingest/tips"
)

// TestBadConfigs loads each testdata/ingest/config/NAME.bad.yaml and checks
// its error against NAME.bad.yaml.err: "LINE: text" means the error must
// contain "FILE:LINE: text"; otherwise it must contain the file and the text.
func TestBadConfigs(t *testing.T) {
	t.Setenv(tips.KeyEnv, "") // tips-no-key.bad.yaml: no key from the environment either
	files, err := filepath.Glob("../testdata/ingest/config/*.bad.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f + ".err")
			if err != nil {
				t.Fatalf("fixture without expected error: %v", err)
			}
			w := strings.TrimSpace(string(want))
			cfg, err := ingest.LoadConfig(f)
			if err == nil {
				cfg.Close()
				t.Fatalf("loaded without error; want %q", w)
			}
			got := err.Error()
			if w[0] >= '0' && w[0] <= '9' {
				w = f + ":" + w
			} else if !strings.Contains(got, f+":") {
				t.Errorf("error does not name the file %s: %q", f, got)
			}
			if !strings.Contains(got, w) {
				t.Errorf("error\n  %q\nwant it to contain\n  %q", got, w)
			}
		})
	}
}

func TestGoodConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(`{"text":"مرحبا"}`+"\n"), 0o644)
	sum := sha256.Sum256([]byte("a-long-enough-token"))
	cfg := `# partner data and flagger tips
sources:
  - name: partner
    type: file
    interval: 6h
    limits: {max_posts: 500, timeout: 30s, rate_per_sec: 0.5, max_body_bytes: 1048576}
    settings:
      path: in.jsonl          # relative to this file
  - name: flaggers
    type: tips
    settings:
      spool: data/tips.db
      key_file: keys/tips.key # apart from the data folder
      flaggers:
        - {id: ngo, token_sha256: ` + hex.EncodeToString(sum[:]) + `}
  - name: old-dump
    type: file
    enabled: false
    settings: {path: missing-but-disabled.jsonl}
`
	path := filepath.Join(dir, "sources.yaml")
	os.WriteFile(path, []byte(cfg), 0o644)
	if _, err := tips.NewKeyFile(filepath.Join(dir, "keys", "tips.key")); err != nil {
		t.Fatal(err)
	}
	c, err := ingest.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Sources) != 2 {
		t.Fatalf("%d sources, want 2 (one disabled)", len(c.Sources))
	}
	p, ok := c.Lookup("partner")
	want := ingest.Limits{MaxPosts: 500, Timeout: 30 * time.Second, RatePerSec: 0.5, MaxBodyBytes: 1 << 20}
	if !ok || p.Interval != 6*time.Hour || p.Limits != want || p.Connector == nil {
		t.Fatalf("partner: %+v", p.Spec)
	}
	f, _ := c.Lookup("flaggers")
	if f.Interval != ingest.DefaultInterval || f.Type != "tips" {
		t.Fatalf("flaggers: %+v", f.Spec)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "tips.db")); err != nil {
		t.Fatalf("spool not resolved next to sources.yaml: %v", err)
	}
}

func TestAllErrorsReported(t *testing.T) {
	_, err := ingest.ParseConfig("s.yaml", []byte(`sources:
  - name: a
    type: nosuch
  - name: b
    type: file
    interval: never
    limits: {max_pages: -1}
    settings: {path: x.jsonl}
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{`s.yaml:3: source "a": unknown type "nosuch"`, `s.yaml:6: bad interval "never"`, `s.yaml:7: limits: max_pages must not be negative`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("%d problems reported, want 3: %q", n, err)
	}
}

func TestExampleSources(t *testing.T) {
	const p = "../examples/sources.yaml"
	if _, err := os.Stat("../examples/sample-posts.jsonl"); err != nil {
		t.Skip("examples/sample-posts.jsonl not present")
	}
	c, err := ingest.LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestAllowInternal(t *testing.T) {
	cfg, err := ingest.ParseConfig("s.yaml", []byte(`sources:
  - name: intranet
    type: rss
    allow_internal: true
    settings: {url: "http://10.0.0.5/feed"}
  - name: public
    type: rss
    settings: {url: "https://example.org/feed"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := cfg.Sources[0].AllowInternal, cfg.Sources[1].AllowInternal; !a || b {
		t.Errorf("allow_internal: intranet %v, public %v; want true, false", a, b)
	}
	_, err = ingest.ParseConfig("s.yaml", []byte("sources:\n  - name: a\n    type: rss\n    allow_internal: \"yes\"\n    settings: {url: \"https://example.org/feed\"}\n"))
	if err == nil || !strings.Contains(err.Error(), `s.yaml:4: bad allow_internal "yes"`) {
		t.Errorf("quoted allow_internal: %v", err)
	}
}

// TestLoadSpecs: the specs are checked as LoadConfig checks them, but no
// connector is built, so a tips spool is not opened.
func TestLoadSpecs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sources.yaml")
	os.WriteFile(path, []byte(`sources:
  - name: feed
    type: rss
    allow_internal: true
    settings: {url: "http://10.0.0.5/feed"}
  - name: flaggers
    type: tips
    settings: {spool: tips.db, flaggers: [{id: f1, token_env: RASD_TEST_UNSET_TOKEN}]}
  - name: off
    type: rss
    enabled: false
    settings: {url: "https://example.org/feed"}
`), 0o644)
	specs, err := ingest.LoadSpecs(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Name != "feed" || !specs[0].AllowInternal || specs[1].Type != "tips" {
		t.Fatalf("specs %+v", specs)
	}
	if _, err := os.Stat(filepath.Join(dir, "tips.db")); !os.IsNotExist(err) {
		t.Errorf("the tips spool was opened: %v", err)
	}
	os.WriteFile(path, []byte("sources:\n  - name: a\n    type: rss\n    intervall: 1h\n"), 0o644)
	if _, err := ingest.LoadSpecs(path); err == nil || !strings.Contains(err.Error(), `sources.yaml:4: unknown key "intervall"`) {
		t.Errorf("a bad key: %v", err)
	}
}

// TestLoadConfigWithAllowInternal: the engine's --allow-internal allows
// every source.
func TestLoadConfigWithAllowInternal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sources.yaml")
	os.WriteFile(path, []byte("sources:\n  - name: feed\n    type: rss\n    settings: {url: \"http://10.0.0.5/feed\"}\n"), 0o644)
	for _, allow := range []bool{false, true} {
		cfg, err := ingest.LoadConfigWith(path, ingest.LoadOptions{AllowInternal: allow})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Sources[0].AllowInternal; got != allow {
			t.Errorf("LoadOptions.AllowInternal %v: source allows internal %v", allow, got)
		}
		cfg.Close()
	}
}
