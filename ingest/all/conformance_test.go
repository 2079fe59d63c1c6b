package all

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mtproto"
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
	// noCapture marks a connector that keeps no capture of its posts.
	noCapture bool
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
		// A tip's request body holds the flagger's contact, which must stay
		// apart from the post: tips keep no capture.
		noCapture: true,
		settings: func(t *testing.T, dir string) map[string]any {
			sum := sha256.Sum256([]byte(token))
			key := filepath.Join(t.TempDir(), "tips.key") // apart from the spool's folder
			if _, err := tips.NewKeyFile(key); err != nil {
				t.Fatal(err)
			}
			return map[string]any{"spool": "tips.db", "key_file": key, "flaggers": []map[string]string{{"id": "f1", "token_sha256": hex.EncodeToString(sum[:])}}}
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
			spec := ingest.Spec{Name: "conf-" + typ, Type: typ, Interval: time.Minute, Limits: fx.limits, Settings: &node, AllowInternal: true,
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
				if strings.TrimSpace(p.Text) == "" && len(p.Media) == 0 || !utf8.ValidString(p.Text) {
					t.Errorf("%s: text empty (and no media) or not UTF-8: %q", where, p.Text)
				}
				checkMedia(t, where, p.Media)
				checkCapture(t, where, p, fx.noCapture)
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

// checkMedia checks that media are absolute http(s) URLs of a known kind,
// listed once, at most ingest.MaxMedia, with no SHA-256 (the media stage
// sets it).
func checkMedia(t *testing.T, where string, media []ingest.Media) {
	t.Helper()
	if len(media) > ingest.MaxMedia {
		t.Errorf("%s: %d media, more than %d", where, len(media), ingest.MaxMedia)
	}
	seen := map[string]bool{}
	for _, m := range media {
		u, err := url.Parse(m.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !u.IsAbs() {
			t.Errorf("%s: media URL %q is not absolute http(s)", where, m.URL)
		}
		if !ingest.ValidMediaKind(m.Kind) || m.SHA256 != "" || seen[m.URL] {
			t.Errorf("%s: media %+v: bad kind, a SHA-256 set, or listed twice", where, m)
		}
		seen[m.URL] = true
	}
}

// checkCapture checks that p carries the raw form of its message, within
// bounds and of a stated type that its bytes parse as.
func checkCapture(t *testing.T, where string, p ingest.Post, none bool) {
	t.Helper()
	switch {
	case none:
		if p.Capture != nil || p.CaptureType != "" {
			t.Errorf("%s: capture kept by a connector that must keep none", where)
		}
		return
	case len(p.Capture) == 0 || p.CaptureType == "":
		t.Errorf("%s: no capture (%d bytes, type %q)", where, len(p.Capture), p.CaptureType)
		return
	case len(p.Capture) > ingest.MaxCapture:
		t.Errorf("%s: capture of %d bytes, more than %d", where, len(p.Capture), ingest.MaxCapture)
	}
	mt, _, _ := strings.Cut(p.CaptureType, ";")
	switch mt {
	case "application/json":
		if !json.Valid(p.Capture) || !bytes.HasPrefix(bytes.TrimSpace(p.Capture), []byte("{")) {
			t.Errorf("%s: capture is not one JSON object: %.80q", where, p.Capture)
		}
	case "application/xml":
		if err := xml.Unmarshal(p.Capture, new(struct{})); err != nil {
			t.Errorf("%s: capture is not one XML element: %v", where, err)
		}
	case mtproto.CaptureType:
		if m, err := mtproto.DecodeCapture(p.Capture); err != nil || m.Message != p.Text {
			t.Errorf("%s: capture is not the message's TL object: %v", where, err)
		}
	case "text/html", "text/csv":
	default:
		t.Errorf("%s: capture type %q", where, p.CaptureType)
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
