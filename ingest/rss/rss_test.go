package rss

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

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
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", "rss", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newConnector(t *testing.T, url string, limits ingest.Limits) ingest.Connector {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("url: "+url+"\nretry: {base_delay: 1ms, max_delay: 5ms}\n"), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "rss-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml", AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseFeeds(t *testing.T) {
	tests := []struct {
		name, file, ct string
		wantItems      int
		wantTitle      string
		wantLang       string
		check          func(t *testing.T, f *Feed)
	}{
		{name: "rss 2.0", file: "feed.xml", ct: "application/rss+xml", wantItems: 5, wantTitle: "أخبار العراق اليوم", wantLang: "ar-iq",
			check: func(t *testing.T, f *Feed) {
				cdata := f.Items[3] // n-1002
				if cdata.GUID != "n-1002" || cdata.Summary != "قال ناشطون إن تقرير ديوان الرقابة كشف هدراً في المال العام." {
					t.Errorf("CDATA item: %q %q", cdata.GUID, cdata.Summary)
				}
				esc := f.Items[2] // n-1003, escaped HTML with &amp;amp;
				if !strings.Contains(esc.Summary, "ضفتي الفرات & يخفف") || strings.Contains(esc.Summary, "<p>") {
					t.Errorf("escaped HTML item summary %q", esc.Summary)
				}
				if len(esc.MediaCaptions) != 2 || esc.MediaCaptions[0] != "الجسر الجديد من الجو" {
					t.Errorf("media captions %q", esc.MediaCaptions)
				}
				if f.Items[1].Author != "سارة الجبوري" {
					t.Errorf("dc:creator %q", f.Items[1].Author)
				}
				if got := f.Items[0].Published.Format("2006-01-02T15:04Z07:00"); got != "2026-11-18T04:00Z" {
					t.Errorf("pubDate %s", got)
				}
				if !strings.HasPrefix(string(f.Items[0].Raw), "<item>") || !strings.HasSuffix(string(f.Items[0].Raw), "</item>") {
					t.Errorf("raw item bytes %q", f.Items[0].Raw)
				}
			}},
		{name: "atom", file: "atom.xml", ct: "application/atom+xml", wantItems: 3, wantTitle: "مدونة شؤون عراقية", wantLang: "ar",
			check: func(t *testing.T, f *Feed) {
				e := f.Items[0]
				if e.Title != "قراءة في قانون الانتخابات الجديد" || e.Summary != "يثير القانون الجديد نقاشاً واسعاً حول الدوائر المتعددة." {
					t.Errorf("html entry: %q / %q", e.Title, e.Summary)
				}
				if e.Link != "https://blog.example.iq/2026/11/election-law" || e.AuthorID != "https://blog.example.iq/authors/ali" {
					t.Errorf("link/author %q %q", e.Link, e.AuthorID)
				}
				if f.Items[1].Summary != "التقى رجال دين من طوائف مختلفة لتعزيز التعايش." || f.Items[1].Published.IsZero() {
					t.Errorf("xhtml entry %q %v", f.Items[1].Summary, f.Items[1].Published)
				}
				if f.Items[2].Lang != "ckb" || f.Items[2].Summary != "بارانێکی زۆر لە هەولێر باری." {
					t.Errorf("cdata entry %q %q", f.Items[2].Lang, f.Items[2].Summary)
				}
			}},
		{name: "windows-1256 declaration", file: "feed-windows-1256.xml", ct: "text/xml", wantItems: 5, wantTitle: "أخبار العراق اليوم", wantLang: "ar-iq",
			check: func(t *testing.T, f *Feed) {
				if f.Items[0].Title != "الأنواء الجوية: موجة برد تضرب المحافظات الشمالية" || f.Items[0].Raw != nil {
					t.Errorf("transcoded item %q raw %d", f.Items[0].Title, len(f.Items[0].Raw))
				}
			}},
		{name: "windows-1256 header wins", file: "feed-windows-1256.xml", ct: "text/xml; charset=windows-1256", wantItems: 5, wantTitle: "أخبار العراق اليوم", wantLang: "ar-iq"},
		{name: "truncated", file: "feed-truncated.xml", ct: "application/rss+xml", wantItems: 3, wantTitle: "أخبار العراق اليوم", wantLang: "ar-iq",
			check: func(t *testing.T, f *Feed) {
				if f.Truncated == nil {
					t.Error("truncation not reported")
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(readFixture(t, tc.file), tc.ct)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != tc.wantItems || f.Title != tc.wantTitle || f.Lang != tc.wantLang {
				t.Fatalf("items %d title %q lang %q", len(f.Items), f.Title, f.Lang)
			}
			for _, it := range f.Items {
				if it.GUID == "" || it.Title == "" || strings.ContainsAny(it.Summary, "<>") {
					t.Errorf("item %+v", it)
				}
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, body string
		want       error
	}{
		{"html page", "<html><body>hi</body></html>", ErrNotFeed},
		{"empty", "", ErrNotFeed},
		{"json", `{"items":[]}`, ErrNotFeed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse([]byte(tc.body), ""); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Parse([]byte(`<rss><channel><item><title>x</ti`), ""); err == nil {
		t.Error("truncated first item accepted")
	}
}

func TestFetchCursorAndConditional(t *testing.T) {
	var mu sync.Mutex
	file := "feed.xml"
	var conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := file
		mu.Unlock()
		etag := `"` + f + `"`
		if r.Header.Get("If-None-Match") == etag {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(readFixture(t, f))
	}))
	defer srv.Close()
	c := newConnector(t, srv.URL+"/feed", ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 5 {
		t.Fatalf("first fetch: %d posts, %v", len(posts), err)
	}
	if posts[0].NativeID != "n-1001" || posts[4].NativeID != "n-1005" {
		t.Errorf("not oldest first: %s … %s", posts[0].NativeID, posts[4].NativeID)
	}
	p := posts[1]
	if p.ID != "rss:n-1002" || p.Permalink != "https://news.example.iq/article/1002" || p.Lang[0] != "ar-iq" ||
		!strings.HasPrefix(p.Text, "ناشطون: ملفات فساد") || !strings.Contains(p.Text, "\nقال ناشطون") || len(p.RawSHA256) != 64 {
		t.Errorf("post fields: %+v", p)
	}
	if posts[0].RawSHA256 == posts[1].RawSHA256 {
		t.Error("items share a raw hash; want per-item hashes")
	}
	again, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(again) != 0 || cur2 != cur || conditional.Load() != 1 {
		t.Fatalf("unchanged feed: %d posts, cursor changed %v, 304s %d, err %v", len(again), cur2 != cur, conditional.Load(), err)
	}
	mu.Lock()
	file = "feed-new.xml"
	mu.Unlock()
	fresh, cur3, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(fresh) != 2 || fresh[0].NativeID != "n-1006" || fresh[1].NativeID != "n-1007" {
		t.Fatalf("new items: %d posts %v", len(fresh), err)
	}
	if _, _, err := c.Fetch(context.Background(), cur3); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Fetch(context.Background(), "{broken"); err == nil {
		t.Error("bad cursor accepted")
	}
}

func TestFetchFaults(t *testing.T) {
	tests := []struct {
		name      string
		handler   func(n int32, w http.ResponseWriter)
		limits    ingest.Limits
		wantPosts int
		wantErr   error
		errText   string
	}{
		{"500 then success", func(n int32, w http.ResponseWriter) {
			if n < 3 {
				w.WriteHeader(502)
				return
			}
			w.Write(readFixture(t, "feed.xml"))
		}, ingest.Limits{}, 5, nil, ""},
		{"429 then success", func(n int32, w http.ResponseWriter) {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(429)
				return
			}
			w.Write(readFixture(t, "atom.xml"))
		}, ingest.Limits{}, 3, nil, ""},
		{"truncated feed keeps items", func(n int32, w http.ResponseWriter) {
			w.Write(readFixture(t, "feed-truncated.xml"))
		}, ingest.Limits{}, 3, nil, "cut short"},
		{"not a feed", func(n int32, w http.ResponseWriter) {
			w.Write([]byte("<html><body>Maintenance</body></html>"))
		}, ingest.Limits{}, 0, ErrNotFeed, ""},
		{"huge feed", func(n int32, w http.ResponseWriter) {
			w.Write([]byte("<rss><channel>" + strings.Repeat("<item><title>خبر</title></item>", 2000) + "</channel></rss>"))
		}, ingest.Limits{MaxBodyBytes: 10000}, 0, httpx.ErrBodyTooLarge, ""},
		{"max posts", func(n int32, w http.ResponseWriter) {
			w.Write(readFixture(t, "feed.xml"))
		}, ingest.Limits{MaxPosts: 2}, 2, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.handler(n.Add(1), w) }))
			defer srv.Close()
			posts, _, err := newConnector(t, srv.URL, tc.limits).Fetch(context.Background(), "")
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), "rss-test") {
					t.Fatalf("err = %v, want %v naming the source", err, tc.wantErr)
				}
			case tc.errText != "":
				var se *ingest.SkipError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want SkipError %q", err, tc.errText)
				}
			case err != nil:
				t.Fatal(err)
			}
			if len(posts) != tc.wantPosts {
				t.Fatalf("got %d posts, want %d", len(posts), tc.wantPosts)
			}
		})
	}
}

func TestMaxPostsLeavesRestForNextFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"same"`)
		w.Write(readFixture(t, "feed.xml"))
	}))
	defer srv.Close()
	c := newConnector(t, srv.URL, ingest.Limits{MaxPosts: 3})
	var all []string
	var cur ingest.Cursor
	for i := 0; i < 3; i++ {
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			all = append(all, p.NativeID)
		}
		cur = next
	}
	if strings.Join(all, ",") != "n-1001,n-1002,n-1003,n-1004,n-1005" {
		t.Fatalf("items over three capped fetches: %v", all)
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, n := range []string{"feed.xml", "atom.xml", "feed-windows-1256.xml", "feed-truncated.xml"} {
		f.Add(readFixture(f, n), "application/xml")
	}
	f.Add([]byte(`<rss><channel><item><description><![CDATA[<b>x</b>]]></description></item></channel></rss>`), "text/xml; charset=windows-1256")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		feed, err := Parse(body, ct)
		if err != nil {
			return
		}
		for _, it := range feed.Items {
			if it.Raw != nil && !strings.Contains(string(body), string(it.Raw)) {
				t.Fatalf("raw item bytes not in the input")
			}
		}
	})
}

// The caller fetches until the cursor stops changing; a feed whose ETag
// changes on every request must still let it stop.
func TestDrainConvergesWithChangingETag(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"`+strings.Repeat("x", int(n.Add(1)))+`"`)
		w.Write(readFixture(t, "feed.xml"))
	}))
	defer srv.Close()
	c := newConnector(t, srv.URL, ingest.Limits{})
	var cur ingest.Cursor
	total := 0
	for i := 0; ; i++ {
		if i == 5 {
			t.Fatal("cursor still changing after 5 fetches")
		}
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		total += len(posts)
		if next == cur {
			break
		}
		cur = next
	}
	if total != 5 {
		t.Errorf("got %d posts in total, want 5", total)
	}
}

func TestMediaAndCapture(t *testing.T) {
	files := map[string]string{"/feed": "feed.xml", "/media": "feed-media.xml", "/yt": "youtube-atom.xml", "/1256": "feed-windows-1256.xml"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/1256" {
			w.Header().Set("Content-Type", "application/xml")
		}
		w.Write(readFixture(t, files[r.URL.Path]))
	}))
	defer srv.Close()
	fetch := func(path string) []ingest.Post {
		t.Helper()
		posts, _, err := newConnector(t, srv.URL+path, ingest.Limits{}).Fetch(context.Background(), "")
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return posts
	}
	img := func(u string) ingest.Media { return ingest.Media{URL: u, Kind: ingest.MediaImage} }
	checks := []struct {
		path, id string
		media    []ingest.Media
	}{
		{"/media", "https://rafidain.example.iq/news/7712", []ingest.Media{
			{URL: "https://video.rafidain.example.iq/7712/720p.mp4", Kind: ingest.MediaVideo, Type: "video/mp4"},
			{URL: "https://video.rafidain.example.iq/7712/360p.mp4", Kind: ingest.MediaVideo, Type: "video/mp4"},
			img("https://img.rafidain.example.iq/7712/poster.jpg")}},
		{"/media", "podcast-55", []ingest.Media{ // the PDF enclosure is no image, video or audio
			{URL: "https://cdn.rafidain.example.iq/podcast/55.mp3", Kind: ingest.MediaAudio, Type: "audio/mpeg"},
			img("https://cdn.rafidain.example.iq/podcast/55-thumb.jpg")}},
		{"/media", "https://rafidain.example.iq/news/7714", []ingest.Media{
			{URL: "https://img.rafidain.example.iq/7714/main.jpg", Kind: ingest.MediaImage, Type: "image/jpeg"},
			img("https://rafidain.example.iq/uploads/7714/street-1200.jpg"), // resolved against the item's link
			img("https://img.rafidain.example.iq/7714/bridge.jpg")}},
		{"/yt", "yt:video:kJ8sD2fQw1E", []ingest.Media{img("https://i2.ytimg.com/vi/kJ8sD2fQw1E/hqdefault.jpg")}},
		{"/feed", "n-1002", []ingest.Media{img("https://news.example.iq/article/a.jpg")}},
		{"/feed", "n-1003", []ingest.Media{img("https://news.example.iq/img/bridge.jpg")}},
		{"/feed", "n-1001", nil},
	}
	got := map[string][]ingest.Post{}
	for _, c := range checks {
		if got[c.path] == nil {
			got[c.path] = fetch(c.path)
		}
		var p *ingest.Post
		for i := range got[c.path] {
			if got[c.path][i].NativeID == c.id {
				p = &got[c.path][i]
			}
		}
		if p == nil {
			t.Fatalf("%s: no item %s", c.path, c.id)
		}
		if !slices.Equal(p.Media, c.media) {
			t.Errorf("%s: media\n got %+v\nwant %+v", c.id, p.Media, c.media)
		}
	}
	if p := got["/yt"][1]; len(p.MediaCaptions) != 2 || p.MediaCaptions[1] != "تقرير عن ملوحة المياه في البصرة وشح مياه الشرب." {
		t.Errorf("youtube media:group captions %q", p.MediaCaptions)
	}
	// Each capture is its own item's element, byte for byte.
	for path, posts := range got {
		feed := readFixture(t, files[path])
		for _, p := range posts {
			var el struct {
				XMLName xml.Name
				GUID    string `xml:"guid"`
				ID      string `xml:"id"`
			}
			if err := xml.Unmarshal(p.Capture, &el); err != nil || el.GUID+el.ID != p.NativeID || !bytes.Contains(feed, p.Capture) ||
				p.CaptureType != "application/xml" || p.RawSHA256 != httpx.SHA256Hex(p.Capture) {
				t.Errorf("%s %s: capture %q (%v)", path, p.NativeID, p.Capture, err)
			}
		}
	}
	// A windows-1256 feed: the item's element converted to UTF-8.
	for _, p := range fetch("/1256") {
		if !utf8.Valid(p.Capture) || !bytes.HasPrefix(p.Capture, []byte("<item>")) || !strings.Contains(string(p.Capture), p.NativeID) {
			t.Errorf("1256 %s: capture %q", p.NativeID, p.Capture)
		}
		if first, _, _ := strings.Cut(p.Text, "\n"); !strings.Contains(string(p.Capture), first) {
			t.Errorf("1256 %s: capture lacks the title %q", p.NativeID, first)
		}
	}
}
