package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCrawlAllowInternal: a feed on 127.0.0.1 is refused unless the source
// or --allow-internal allows internal addresses.
func TestCrawlAllowInternal(t *testing.T) {
	feed, err := os.ReadFile("../../testdata/ingest/rss/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(feed)
	}))
	defer srv.Close()
	dir := t.TempDir()
	src := func(name, extra string) string {
		p := filepath.Join(dir, name+".yaml")
		os.WriteFile(p, []byte("sources:\n  - name: "+name+"\n    type: rss\n"+extra+"    settings: {url: \""+srv.URL+"/feed\", retry: {max_retries: -1}}\n"), 0o644)
		return p
	}
	for _, tc := range []struct {
		name, sources string
		flag          bool
		posts         bool
		stderr        string
	}{
		{"refused", src("plain", ""), false, false, "refused: internal address, not on the public internet"},
		{"source allows", src("intranet", "    allow_internal: true\n"), false, true, "new "},
		{"flag allows", src("flagged", ""), true, true, "new "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"crawl", "--sources", tc.sources, "--once", "--retries", "1", "--progress", "log", "--data", filepath.Join(dir, "data-"+tc.name)}
			if tc.flag {
				args = append(args, "--allow-internal")
			}
			_, out, errs := runCmd(t, "", args...)
			if got := strings.Contains(out, `"platform":"rss"`); got != tc.posts || !strings.Contains(errs, tc.stderr) {
				t.Fatalf("posts written %v, want %v\nstdout %.300q\nstderr %.600q", got, tc.posts, out, errs)
			}
		})
	}
}
