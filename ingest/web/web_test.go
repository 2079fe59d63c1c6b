package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", "web", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const articleProfile = `
selectors:
  post: .comment
  text: .comment-body
  author: .comment-author
  author_id_attr: data-user-id
  time: time
  time_attr: datetime
  permalink: a.permalink
  id_attr: data-comment-id
  next_page: a.next
lang: [ar]
retry: {base_delay: 1ms, max_delay: 5ms}
`

// site serves the recorded article pages with ETags and robots.txt.
type site struct {
	*httptest.Server
	mu    sync.Mutex
	pages map[string][]byte // request URI → body
	hits  map[string]int
	hook  func(w http.ResponseWriter, r *http.Request) bool
}

func newSite(t *testing.T) *site {
	s := &site{hits: map[string]int{}, pages: map[string][]byte{
		"/article/5521":        readFixture(t, "article-p1.html"),
		"/article/5521?page=2": readFixture(t, "article-p2.html"),
		"/article/5521?page=3": readFixture(t, "article-p3.html"),
	}}
	robots := readFixture(t, "robots.txt")
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.RequestURI()]++
		body, ok := s.pages[r.URL.RequestURI()]
		hook := s.hook
		s.mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			w.Write(robots)
			return
		}
		if hook != nil && hook(w, r) {
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		etag := `"` + httpx.SHA256Hex(body)[:12] + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) hitCount(uri string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[uri]
}

func newConnector(t *testing.T, start, profile string, limits ingest.Limits) ingest.Connector {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("start_urls: ["+start+"]\n"+profile), &doc); err != nil {
		t.Fatal(err)
	}
	if limits.RatePerSec == 0 {
		limits.RatePerSec = 1000
	}
	c, err := New(ingest.Spec{Name: "web-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml", AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCrawlPagingConditionalAndCursor(t *testing.T) {
	s := newSite(t)
	c := newConnector(t, s.URL+"/article/5521", articleProfile, ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	var se *ingest.SkipError
	if !errors.As(err, &se) || len(se.Items) != 1 || !strings.Contains(se.Items[0].Err.Error(), "no text") {
		t.Fatalf("want one skipped empty comment, got %v", err)
	}
	if len(posts) != 9 {
		t.Fatalf("got %d posts, want 9", len(posts))
	}
	for i, p := range posts {
		want := fmt.Sprintf("c-%d", 88120+i)
		if p.NativeID != strings.TrimPrefix(s.URL, "http://")+"#"+want || p.ID != ingest.MakeID(Name, p.NativeID) {
			t.Errorf("post %d id %q, want …#%s", i, p.NativeID, want)
		}
		if p.Source != "web-test" || p.Text == "" || p.Author.ID == "" || p.Created.IsZero() || len(p.RawSHA256) != 64 || p.Lang[0] != "ar" {
			t.Errorf("post %d fields: %+v", i, p)
		}
	}
	if p := posts[0]; p.Author.Handle != "أبو علي البغدادي" || p.Author.ID != "u-5512" ||
		p.Permalink != s.URL+"/article/5521#comment-88120" || p.Created.Format(time.RFC3339) != "2026-11-19T05:00:00Z" ||
		!strings.HasPrefix(p.Text, "والله الكهرباء صارت حلم") {
		t.Errorf("first post %+v", p)
	}
	if posts[0].RawSHA256 != httpx.SHA256Hex(readFixture(t, "article-p1.html")) {
		t.Error("raw hash is not the page's")
	}

	var st state
	if err := json.Unmarshal([]byte(cur), &st); err != nil || len(st.Pages) != 3 || len(st.Seen) != 9 {
		t.Fatalf("cursor: %d pages, %d seen, %v", len(st.Pages), len(st.Seen), err)
	}
	if stale, _ := json.Marshal(state{Pages: map[string]pageState{s.URL + "/gone": {Next: []string{s.URL + "/gone2"}}}}); true {
		_, c2, _ := c.Fetch(context.Background(), ingest.Cursor(stale))
		var st2 state
		json.Unmarshal([]byte(c2), &st2)
		if _, ok := st2.Pages[s.URL+"/gone"]; ok || len(st2.Pages) != 3 {
			t.Errorf("unreachable page kept in the cursor: %v", st2.Pages)
		}
	}

	// Nothing changed: every page answers 304, next links are still followed, no posts.
	again, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(again) != 0 {
		t.Fatalf("unchanged site: %d posts, err %v", len(again), err)
	}
	if n := s.hitCount("/article/5521?page=3"); n != 3 { // first crawl, stale-cursor crawl, this one
		t.Errorf("page 3 fetched %d times, want 3 (followed from a 304 page)", n)
	}

	// A new comment on page 3.
	s.mu.Lock()
	p3 := string(s.pages["/article/5521?page=3"])
	s.pages["/article/5521?page=3"] = []byte(strings.Replace(p3, `<div class="pager">`,
		`<div class="comment" data-comment-id="c-99001"><span class="comment-author">زائر</span><div class="comment-body">تعليق جديد بعد النشر</div></div><div class="pager">`, 1))
	s.mu.Unlock()
	fresh, _, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(fresh) != 1 || fresh[0].Text != "تعليق جديد بعد النشر" {
		t.Fatalf("new comment: %d posts %v", len(fresh), err)
	}
}

func TestCrawlLimits(t *testing.T) {
	tests := []struct {
		name   string
		limits ingest.Limits
		want   int
	}{
		{"max pages 2", ingest.Limits{MaxPages: 2}, 6},
		{"max depth 1", ingest.Limits{MaxDepth: 1}, 3},
		{"max posts 4", ingest.Limits{MaxPosts: 4}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t)
			posts, _, err := newConnector(t, s.URL+"/article/5521", articleProfile, tc.limits).Fetch(context.Background(), "")
			var se *ingest.SkipError
			if err != nil && !errors.As(err, &se) {
				t.Fatal(err)
			}
			if len(posts) != tc.want {
				t.Fatalf("got %d posts, want %d", len(posts), tc.want)
			}
		})
	}
}

func TestRateLimitRule(t *testing.T) {
	s := newSite(t)
	start := time.Now()
	_, _, _ = newConnector(t, s.URL+"/article/5521", articleProfile, ingest.Limits{RatePerSec: 10}).Fetch(context.Background(), "")
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("3 pages at 10/s took %s, want ≥ 200ms", el)
	}
}

func TestRobotsTxt(t *testing.T) {
	s := newSite(t)
	s.pages["/blocked"] = readFixture(t, "article-p1.html")
	s.pages["/article/9"] = []byte(`<div class="comment"><div class="comment-body">تعليق</div></div><a class="next" href="/private/page">›</a>`)
	s.pages["/private/page"] = readFixture(t, "article-p2.html")
	_, _, err := newConnector(t, s.URL+"/blocked", articleProfile, ingest.Limits{}).Fetch(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "robots.txt") {
		t.Fatalf("blocked start: err = %v", err)
	}
	posts, _, err := newConnector(t, s.URL+"/article/9", articleProfile, ingest.Limits{}).Fetch(context.Background(), "")
	if len(posts) != 1 || err == nil || !strings.Contains(err.Error(), "robots.txt") {
		t.Fatalf("blocked next page: %d posts, err %v", len(posts), err)
	}
	if s.hitCount("/blocked") != 0 || s.hitCount("/private/page") != 0 {
		t.Error("a page disallowed by robots.txt was fetched")
	}
}

func TestWindows1256Forum(t *testing.T) {
	body := readFixture(t, "forum-windows-1256.html")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html") // charset only in <meta>
		w.Write(body)
	}))
	defer srv.Close()
	prof := "selectors: {post: tr.post, text: .msg, author: .user, time: .date, time_layout: \"2006-01-02 15:04\", id_attr: id}\n"
	posts, _, err := newConnector(t, srv.URL+"/forum/12", prof, ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 3 {
		t.Fatalf("%d posts, %v", len(posts), err)
	}
	if posts[0].Text != "السلام عليكم، شنو رأيكم بقرار تمديد العطلة؟" || posts[1].Author.Handle != "بنت الفرات" ||
		posts[2].Created.Format("2006-01-02 15:04") != "2026-11-19 07:12" || !strings.HasSuffix(posts[0].NativeID, "#post-3001") {
		t.Errorf("posts %+v", posts)
	}
	if posts[0].RawSHA256 != httpx.SHA256Hex(body) {
		t.Error("raw hash is not of the windows-1256 bytes")
	}
	// The capture is the post's row of the page converted to UTF-8.
	for _, p := range posts {
		if c := string(p.Capture); !strings.HasPrefix(c, "<tr class=") || !strings.Contains(c, p.Text) || strings.Count(c, "<tr") != 1 {
			t.Errorf("%s: capture %q", p.NativeID, c)
		}
	}
}

func TestCrawlFaults(t *testing.T) {
	tests := []struct {
		name      string
		hook      func(n int, w http.ResponseWriter, r *http.Request) bool
		limits    ingest.Limits
		wantPosts int
		errText   string
	}{
		{"500 then success", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n <= 2 {
				w.WriteHeader(500)
				return true
			}
			return false
		}, ingest.Limits{}, 9, "no text"},
		{"429 then success", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(429)
				return true
			}
			return false
		}, ingest.Limits{}, 9, "no text"},
		{"page 2 always 503", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if r.URL.RawQuery == "page=2" {
				w.WriteHeader(503)
				return true
			}
			return false
		}, ingest.Limits{}, 3, "HTTP 503"},
		{"start page 404", func(n int, w http.ResponseWriter, r *http.Request) bool {
			http.NotFound(w, r)
			return true
		}, ingest.Limits{}, 0, "no page could be fetched"},
		{"huge page", func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(strings.Repeat(`<div class="comment"><div class="comment-body">نص طويل</div></div>`, 2000)))
			return true
		}, ingest.Limits{MaxBodyBytes: 50000}, 0, "size cap"},
		{"redirect loop", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/article/5521" {
				http.Redirect(w, r, "/loop", http.StatusFound)
			} else {
				http.Redirect(w, r, "/article/5521", http.StatusFound)
			}
			return true
		}, ingest.Limits{}, 0, "redirect loop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t)
			n := 0
			s.hook = func(w http.ResponseWriter, r *http.Request) bool {
				n++
				return tc.hook(n, w, r)
			}
			posts, _, err := newConnector(t, s.URL+"/article/5521", articleProfile, tc.limits).Fetch(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("err = %v, want %q", err, tc.errText)
			}
			if !strings.Contains(err.Error(), "web-test") && len(posts) == 0 {
				t.Errorf("error does not name the source: %v", err)
			}
			if len(posts) != tc.wantPosts {
				t.Fatalf("got %d posts, want %d", len(posts), tc.wantPosts)
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct{ name, settings, want string }{
		{"no start urls", "selectors: {post: .c}\n", "start_urls"},
		{"relative start url", "start_urls: [/x]\nselectors: {post: .c}\n", "start_urls"},
		{"no post selector", "start_urls: [https://a.iq/]\nselectors: {text: .c}\n", "post is required"},
		{"bad selector", "start_urls: [https://a.iq/]\nselectors: {post: \"div[\"}\n", "not a valid CSS selector"},
		{"host not allowed", "start_urls: [https://a.iq/]\nallowed_domains: [b.iq]\nselectors: {post: .c}\n", "allowed_domains"},
		{"unknown selector key", "start_urls: [https://a.iq/]\nselectors: {post: .c, body: .x}\n", "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.settings), &doc); err != nil {
				t.Fatal(err)
			}
			_, err := New(ingest.Spec{Name: "w", Type: Name, Settings: doc.Content[0], File: "sources.yaml"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParseWebPage(f *testing.F) {
	for _, n := range []string{"article-p1.html", "article-p2.html", "forum-windows-1256.html"} {
		f.Add(readFixture(f, n))
	}
	f.Add([]byte(`<div class="comment" data-comment-id=""><a class="permalink" href="javascript:x">`))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(articleProfile), &doc); err != nil {
		f.Fatal(err)
	}
	var s Settings
	if err := doc.Content[0].Decode(&s); err != nil {
		f.Fatal(err)
	}
	page, _ := url.Parse("https://alkhabar.example.iq/article/5521")
	f.Fuzz(func(t *testing.T, body []byte) {
		posts, next, _ := ParsePage(body, page, s.Selectors)
		for _, p := range posts {
			if p.Text == "" || p.NativeID == "" || p.ID != ingest.MakeID(Name, p.NativeID) {
				t.Fatalf("bad post %+v", p)
			}
		}
		for _, n := range next {
			if u, err := url.Parse(n); err != nil || !u.IsAbs() {
				t.Fatalf("bad next link %q", n)
			}
		}
	})
}

func TestMediaAndCapture(t *testing.T) {
	s := newSite(t)
	page := readFixture(t, "article-media.html")
	s.mu.Lock()
	s.pages["/article/6120"] = page
	s.mu.Unlock()
	img := func(u string) ingest.Media { return ingest.Media{URL: u, Kind: ingest.MediaImage} }

	// Comments: their own images only, not the article's picture.
	posts, _, err := newConnector(t, s.URL+"/article/6120", articleProfile, ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 3 {
		t.Fatalf("%d posts, %v", len(posts), err)
	}
	want := [][]ingest.Media{
		{img("https://i.imgur.example/Qz81Lp.jpg")}, // lazy image; the emoji and the avatar left out
		nil,
		{img(s.URL + "/uploads/comments/90003.webp")}, // resolved against the page
	}
	for i, p := range posts {
		if !slices.Equal(p.Media, want[i]) {
			t.Errorf("comment %d: media %+v, want %+v", i, p.Media, want[i])
		}
		id := strings.TrimPrefix(p.NativeID, strings.TrimPrefix(s.URL, "http://")+"#")
		if !bytes.Contains(page, p.Capture) || !bytes.HasPrefix(p.Capture, []byte(`<div class="comment" data-comment-id="`+id+`">`)) ||
			!bytes.HasSuffix(p.Capture, []byte("</div>")) || p.CaptureType != "text/html" {
			t.Errorf("comment %d: capture %q", i, p.Capture)
		}
		for j, q := range posts {
			first := string([]rune(q.Text)[:12])
			if in := bytes.Contains(p.Capture, []byte(first)); in != (i == j) {
				t.Errorf("comment %d: capture holds comment %d's text: %v", i, j, in)
			}
		}
	}

	// The article itself: the largest srcset candidate and the page's picture;
	// the tracking pixel and the logo left out.
	articleOnly := "selectors: {post: article.story, text: .lead, id_attr: data-article-id, page_media: true}\nretry: {base_delay: 1ms}\n"
	posts, _, err = newConnector(t, s.URL+"/article/6120", articleOnly, ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 1 {
		t.Fatalf("article: %d posts, %v", len(posts), err)
	}
	if got := posts[0].Media; len(got) != 2 || !strings.HasSuffix(got[0].URL, "-og.jpg") || !strings.HasSuffix(got[1].URL, "-tw.jpg") {
		t.Errorf("text element .lead holds no image: want the page's pictures alone, got %+v", got)
	}
	articleMedia := "selectors: {post: article.story, text: .lead, media: figure, id_attr: data-article-id, page_media: true}\nretry: {base_delay: 1ms}\n"
	posts, _, err = newConnector(t, s.URL+"/article/6120", articleMedia, ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 1 {
		t.Fatalf("article: %d posts, %v", len(posts), err)
	}
	wantArticle := []ingest.Media{
		img(s.URL + "/uploads/2026/11/maysan-1-1600.jpg"),
		img("https://alkhabar.example.iq/uploads/2026/11/maysan-flood-og.jpg"),
		img(s.URL + "/uploads/2026/11/maysan-flood-tw.jpg"),
	}
	if !slices.Equal(posts[0].Media, wantArticle) {
		t.Errorf("article media %+v, want %+v", posts[0].Media, wantArticle)
	}
	if c := posts[0].Capture; !bytes.Contains(page, c) || !bytes.HasPrefix(c, []byte(`<article class="story"`)) || !bytes.HasSuffix(c, []byte("</article>")) {
		t.Errorf("article capture %q", c)
	}
}
