package all

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/tips"
)

// fixture sets up one connector type for the conformance test. Each
// connector contributes one from its own file in this package, in init():
//
//	func init() { fixtures["rss"] = fixture{settings: func(t *testing.T) map[string]any { … }} }
type fixture struct {
	// settings returns the source's settings, starting any local servers it
	// needs (stop them with t.Cleanup). Relative paths are resolved from dir.
	settings func(t *testing.T, dir string) map[string]any
	// limits for the source, if any.
	limits ingest.Limits
	// prepare, if set, runs after the connector is built and before Fetch.
	prepare func(t *testing.T, c ingest.Connector)
}

// fixtures maps connector type to its fixture.
var fixtures = map[string]fixture{}

func init() {
	fixtures["file"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		abs, err := filepath.Abs("../../testdata/ingest/file/tweets.csv")
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"path": abs, "columns": map[string]string{"id": "tweet_id", "text": "tweet", "author": "user", "created": "date"}}
	}}
	const token = "conformance-token-0123456789"
	fixtures["tips"] = fixture{
		settings: func(t *testing.T, dir string) map[string]any {
			sum := sha256.Sum256([]byte(token))
			return map[string]any{"spool": "tips.db", "flaggers": []map[string]string{{"id": "f1", "token_sha256": hex.EncodeToString(sum[:])}}}
		},
		prepare: func(t *testing.T, c ingest.Connector) {
			h := c.(*tips.Connector).Handler()
			for _, body := range []string{`{"text":"تهديد بالقتل لصحفي في البصرة","url":"https://example.org/p/1"}`, `{"text":"دعوة للعنف ضد المتظاهرين"}`} {
				if code := submitTip(h, token, body); code != 202 {
					t.Fatalf("submitting tip: %d", code)
				}
			}
		},
	}
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestConformance walks the connector registry and checks that every
// connector fills the shared Post fields the same way.
func TestConformance(t *testing.T) {
	for _, typ := range ingest.Types() {
		t.Run(typ, func(t *testing.T) {
			fx, ok := fixtures[typ]
			if !ok {
				t.Fatalf("connector type %q has no conformance fixture: add one in ingest/all/conformance_%s_test.go", typ, typ)
			}
			dir := t.TempDir()
			var node yaml.Node
			if err := node.Encode(fx.settings(t, dir)); err != nil {
				t.Fatal(err)
			}
			spec := ingest.Spec{Name: "conf-" + typ, Type: typ, Interval: time.Minute, Limits: fx.limits, Settings: &node,
				File: filepath.Join(dir, "sources.yaml")}
			factory, _ := ingest.Lookup(typ)
			conn, err := factory(spec)
			if err != nil {
				t.Fatalf("building connector: %v", err)
			}
			if cl, ok := conn.(interface{ Close() error }); ok {
				t.Cleanup(func() { cl.Close() })
			}
			if fx.prepare != nil {
				fx.prepare(t, conn)
			}
			first := fetchAll(t, conn)
			if len(first) == 0 {
				t.Fatal("fixture yields no posts")
			}
			start := time.Now().Add(-time.Hour)
			seen := map[string]bool{}
			for _, p := range first {
				where := p.ID
				switch {
				case p.Platform != typ:
					t.Errorf("%s: platform %q, want %q", where, p.Platform, typ)
				case !strings.HasPrefix(p.ID, typ+":") || len(p.ID) == len(typ)+1:
					t.Errorf("%s: id not of the form %s:NATIVEID", where, typ)
				case p.NativeID != "" && p.ID != ingest.MakeID(typ, p.NativeID):
					t.Errorf("%s: id does not match MakeID(%q, %q)", where, typ, p.NativeID)
				}
				if seen[p.ID] {
					t.Errorf("%s: id repeated within one read", where)
				}
				seen[p.ID] = true
				if p.Source != spec.Name {
					t.Errorf("%s: source %q, want %q", where, p.Source, spec.Name)
				}
				if strings.TrimSpace(p.Text) == "" || !utf8.ValidString(p.Text) {
					t.Errorf("%s: text empty or not UTF-8: %q", where, p.Text)
				}
				if p.Fetched.Before(start) || p.Fetched.After(time.Now().Add(time.Minute)) {
					t.Errorf("%s: fetched time %v is not now", where, p.Fetched)
				}
				if !hex64.MatchString(p.RawSHA256) {
					t.Errorf("%s: raw_sha256 %q is not a hex SHA-256", where, p.RawSHA256)
				}
				if !p.Created.IsZero() && p.Created.After(time.Now().Add(24*time.Hour)) {
					t.Errorf("%s: created %v is in the future", where, p.Created)
				}
			}
			// Ids are stable: a second read from the start gives the same ones.
			second := fetchAll(t, conn)
			if !slices.Equal(postIDs(first), postIDs(second)) {
				t.Errorf("ids differ between two reads:\n%q\n%q", postIDs(first), postIDs(second))
			}
		})
	}
}

// fetchAll fetches from the start until the cursor stops moving.
func fetchAll(t *testing.T, c ingest.Connector) []ingest.Post {
	t.Helper()
	var (
		out []ingest.Post
		cur ingest.Cursor
	)
	for range 1000 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		posts, next, err := c.Fetch(ctx, cur)
		cancel()
		var skip *ingest.SkipError
		if err != nil && !errors.As(err, &skip) {
			t.Fatalf("fetch at %q: %v", cur, err)
		}
		out = append(out, posts...)
		if next == cur {
			return out
		}
		cur = next
	}
	t.Fatal("cursor never settled")
	return nil
}

func postIDs(posts []ingest.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}
