package tips

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
)

const (
	tokenNGO   = "ngo-basra-token-0123456789"
	tokenTrust = "trust-team-token-abcdefghij"
)

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func newTips(t *testing.T, settings string, limits ingest.Limits) (*Connector, error) {
	t.Helper()
	if os.Getenv(KeyEnv) == "" {
		useNewKey(t)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "flaggers", Type: Name, Interval: time.Minute, Limits: limits,
		Settings: doc.Content[0], File: filepath.Join(t.TempDir(), "sources.yaml")})
	if err != nil {
		return nil, err
	}
	tc := c.(*Connector)
	tc.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	return tc, nil
}

func goodTips(t *testing.T) *Connector {
	t.Setenv("RASD_TEST_TRUST_TOKEN", tokenTrust)
	c, err := newTips(t, `
flaggers:
  - {id: ngo-basra, token_sha256: `+hashHex(tokenNGO)+`}
  - {id: trust-team, token_env: RASD_TEST_TRUST_TOKEN}
`, ingest.Limits{MaxBodyBytes: 2048, MaxPosts: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(t *testing.T, url, token, contentType, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]string
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestHandler(t *testing.T) {
	c := goodTips(t)
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	good := `{"url":"https://t.me/s/example/123","text":"منشور يحرض على العنف ضد جماعة","platform":"telegram","note":"منتشر بعدة قنوات","reporter":"سارة، 0770xxxxxxx"}`
	tests := []struct {
		name, token, ctype, body string
		code                     int
		errPart                  string
	}{
		{"no token", "", "application/json", good, 401, "token"},
		{"unknown token", "guess-guess-guess-guess", "application/json", good, 401, "token"},
		{"wrong content type", tokenNGO, "text/plain", good, 415, "application/json"},
		{"bad JSON", tokenNGO, "application/json", `{"text":`, 400, "bad JSON"},
		{"unknown field", tokenNGO, "application/json", `{"text":"x","password":"y"}`, 400, "unknown field"},
		{"no text", tokenNGO, "application/json", `{"url":"https://example.org/a"}`, 400, "text is required"},
		{"bad url", tokenNGO, "application/json", `{"text":"x","url":"javascript:alert(1)"}`, 400, "not an http(s) address"},
		{"too large", tokenNGO, "application/json", `{"text":"` + strings.Repeat("ا", 2000) + `"}`, 413, "larger than"},
		{"hashed token accepted", tokenNGO, "application/json", good, 202, ""},
		{"token from environment accepted", tokenTrust, "", `{"text":"تهديد صريح لصحفي","author":"@threat_acct"}`, 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(t, srv.URL, tt.token, tt.ctype, tt.body)
			if code != tt.code || !strings.Contains(body["error"], tt.errPart) {
				t.Fatalf("got %d %v, want %d with %q", code, body, tt.code, tt.errPart)
			}
			if code == 202 && !strings.HasPrefix(body["id"], "tips:") {
				t.Fatalf("no tip id in %v", body)
			}
		})
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}

	// Fetch returns the two accepted tips, in batches of max_posts (2), without the reporter.
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 2 || cur != "2" {
		t.Fatalf("fetch: %d posts, cursor %q, %v", len(posts), cur, err)
	}
	p := posts[0]
	if p.ID != "tips:1" || p.Platform != Name || p.Source != "flaggers" || p.Permalink != "https://t.me/s/example/123" ||
		p.Author != (ingest.Author{}) || len(p.RawSHA256) != 64 || p.Text == "" {
		t.Fatalf("first tip as post: %+v", p)
	}
	if posts[1].Author.Handle != "@threat_acct" {
		t.Fatalf("tipped author not kept: %+v", posts[1].Author)
	}
	for _, p := range posts {
		b, _ := json.Marshal(p)
		for _, secret := range []string{"سارة", "0770", "ngo-basra", "trust-team", tokenNGO, tokenTrust} {
			if strings.Contains(string(b), secret) {
				t.Fatalf("post %s leaks %q: %s", p.ID, secret, b)
			}
		}
	}
	if more, next, err := c.Fetch(context.Background(), cur); err != nil || len(more) != 0 || next != cur {
		t.Fatalf("fetch after the end: %d posts, %q, %v", len(more), next, err)
	}

	// The reporter is only revealed with a reason, and every lookup is recorded.
	if _, err := c.Spool().RevealReporter("tips:1", "", ""); err == nil {
		t.Fatal("reporter revealed without a reason")
	}
	r, err := c.Spool().RevealReporter("tips:1", "legal@rasd", "court order 17/2026")
	if err != nil || r.Flagger != "ngo-basra" || !strings.Contains(r.Contact, "سارة") {
		t.Fatalf("reveal: %+v, %v", r, err)
	}
	if r, err := c.Spool().RevealReporter("tips:2", "legal@rasd", "audit"); err != nil || r.Flagger != "trust-team" {
		t.Fatalf("reveal 2: %+v, %v", r, err)
	}
	if _, err := c.Spool().RevealReporter("tips:99", "legal@rasd", "audit"); !errors.Is(err, ErrNoTip) {
		t.Fatalf("unknown tip: %v", err)
	}
	acc, err := c.Spool().Accesses()
	if err != nil || len(acc) != 2 || acc[0].Reason != "court order 17/2026" || acc[0].Tip != "tips:1" {
		t.Fatalf("accesses %+v, %v", acc, err)
	}
}

func TestServe(t *testing.T) {
	c := goodTips(t)
	c.listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

func TestBadSettings(t *testing.T) {
	os.Unsetenv("RASD_TEST_NO_SUCH_TOKEN")
	tests := []struct{ name, settings, want string }{
		{"no flaggers", "spool: s.db", "no flaggers"},
		{"flagger without id", "flaggers: [{token_sha256: " + hashHex("x") + "}]", "has no id"},
		{"both token kinds", "flaggers: [{id: a, token_sha256: " + hashHex("x") + ", token_env: X}]", "exactly one"},
		{"short hash", "flaggers: [{id: a, token_sha256: abc}]", "64 hex digits"},
		{"missing env token", "flaggers: [{id: a, token_env: RASD_TEST_NO_SUCH_TOKEN}]", "unset or shorter"},
		{"duplicate flagger", "flaggers: [{id: a, token_sha256: " + hashHex("x") + "}, {id: a, token_sha256: " + hashHex("y") + "}]", "listed twice"},
		{"bad listen", "listen: nowhere\nflaggers: [{id: a, token_sha256: " + hashHex("x") + "}]", "bad listen address"},
		{"unknown key", "flagers: []", `unknown key "flagers"`},
		{"no key", "flaggers: [{id: a, token_sha256: " + hashHex("x") + "}]", "no key for reporters"},
		{"key in the data folder", "key_file: rasd-data/tips.key\nflaggers: [{id: a, token_sha256: " + hashHex("x") + "}]", "apart from the data"},
		{"key and plaintext", "insecure_plaintext: true\nflaggers: [{id: a, token_sha256: " + hashHex("x") + "}]", "drop one"},
		{"key file missing", "key_file: /nonexistent/tips.key\nflaggers: [{id: a, token_sha256: " + hashHex("x") + "}]", "reading tips key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no key" {
				t.Setenv(KeyEnv, "")
				os.Unsetenv(KeyEnv)
				_, err := New(ingest.Spec{Name: "flaggers", Type: Name, Interval: time.Minute, Settings: yamlNode(t, tt.settings),
					File: filepath.Join(t.TempDir(), "sources.yaml")})
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), KeyEnv) {
					t.Fatalf("error %v, want %q naming %s", err, tt.want, KeyEnv)
				}
				return
			}
			_, err := newTips(t, tt.settings, ingest.Limits{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSecretNotPrinted(t *testing.T) {
	s := ingest.Secret(tokenTrust)
	for _, out := range []string{s.String(), s.GoString()} {
		if strings.Contains(out, tokenTrust) {
			t.Fatalf("secret printed: %q", out)
		}
	}
	b, _ := json.Marshal(struct{ T ingest.Secret }{s})
	if strings.Contains(string(b), tokenTrust) {
		t.Fatalf("secret marshalled: %s", b)
	}
}
