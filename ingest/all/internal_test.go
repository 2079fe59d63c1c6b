package all

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// TestInternalAddressRefused points every network connector at a local
// server (127.0.0.1): without allow_internal the fetch fails with
// httpx.ErrInternalAddress and says so; with it the same source reads posts.
func TestInternalAddressRefused(t *testing.T) {
	for _, typ := range dialers {
		t.Run(typ, func(t *testing.T) {
			fx, ok := fixtures[typ]
			if !ok {
				t.Fatalf("no conformance fixture for %q", typ)
			}
			if _, ok := ingest.Lookup(typ); !ok {
				t.Fatalf("connector type %q is not registered", typ)
			}
			dir := t.TempDir()
			var node yaml.Node
			if err := node.Encode(fx.settings(t, dir)); err != nil {
				t.Fatal(err)
			}
			for _, allow := range []bool{false, true} {
				spec := ingest.Spec{Name: "internal-" + typ, Type: typ, Interval: time.Minute, Limits: fx.limits, Settings: &node,
					AllowInternal: allow, File: filepath.Join(dir, "sources.yaml")}
				factory, _ := ingest.Lookup(typ)
				conn, err := factory(spec)
				if err != nil {
					t.Fatalf("building connector: %v", err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				posts, _, err := conn.Fetch(ctx, "")
				cancel()
				if cl, ok := conn.(interface{ Close() error }); ok {
					cl.Close()
				}
				if allow {
					var skipped *ingest.SkipError
					if errors.As(err, &skipped) {
						err = nil // a malformed item in the fixture, reported beside the posts
					}
					if err != nil || len(posts) == 0 {
						t.Fatalf("allow_internal: %d posts, %v; want posts", len(posts), err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("without allow_internal: %d posts and no error; want the local server refused", len(posts))
				}
				if !errors.Is(err, httpx.ErrInternalAddress) || !strings.Contains(err.Error(), "internal address") {
					t.Fatalf("without allow_internal: %v; want ErrInternalAddress saying \"internal address\"", err)
				}
				if len(posts) != 0 {
					t.Errorf("without allow_internal: %d posts read", len(posts))
				}
			}
		})
	}
}
