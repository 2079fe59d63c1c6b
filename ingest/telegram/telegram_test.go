package telegram

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", "telegram", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newSpec(t testing.TB, settings string, limits ingest.Limits) ingest.Spec {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &doc); err != nil {
		t.Fatal(err)
	}
	return ingest.Spec{Name: "tg-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml", AllowInternal: true}
}

// server replays the recorded pages; first is served for the newest page.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	first    string
	requests []string
	hook     func(w http.ResponseWriter, r *http.Request) bool
}

func newServer(t *testing.T) *server {
	s := &server{first: "page1.html"}
	pages := map[string][]byte{}
	for _, n := range []string{"page1.html", "page1-new.html", "page2.html", "page3.html", "malformed.html"} {
		pages[n] = readFixture(t, n)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.RequestURI())
		first, hook := s.first, s.hook
		s.mu.Unlock()
		if hook != nil && hook(w, r) {
			return
		}
		if r.URL.Path != "/s/iraq_now_news" {
			http.NotFound(w, r)
			return
		}
		name := first
		switch r.URL.Query().Get("before") {
		case "":
		case "1236":
			name = "page2.html"
		case "1231":
			name = "page3.html"
		default:
			w.Write([]byte(`<html><body><section class="tgme_channel_history"></section></body></html>`))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[name])
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) connector(t *testing.T, limits ingest.Limits) ingest.Connector {
	t.Helper()
	c, err := New(newSpec(t, "channel: iraq_now_news\nbase_url: "+s.URL+"\nretry: {base_delay: 1ms, max_delay: 5ms}\n", limits))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetchPagingAndCursor(t *testing.T) {
	s := newServer(t)
	c := s.connector(t, ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 15 || cur != "1240" {
		t.Fatalf("got %d posts, cursor %q; want 15, 1240", len(posts), cur)
	}
	if len(s.requests) != 3 {
		t.Errorf("%d requests, want 3 (page 3 has no older-messages link): %v", len(s.requests), s.requests)
	}
	byNum := map[int64]ingest.Post{}
	for i, p := range posts {
		if i > 0 && msgNum(posts[i-1]) >= msgNum(p) {
			t.Errorf("posts not oldest first at %d", i)
		}
		if p.ID != ingest.MakeID(Name, p.NativeID) || p.Source != "tg-test" || p.Platform != Name || p.Fetched.IsZero() || len(p.RawSHA256) != 64 {
			t.Errorf("post %s: shared fields not filled: %+v", p.NativeID, p)
		}
		byNum[msgNum(p)] = p
	}
	checks := []struct {
		name string
		num  int64
		ok   func(p ingest.Post) bool
	}{
		{"text and permalink", 1227, func(p ingest.Post) bool {
			return strings.HasPrefix(p.Text, "شكد صارلنا نسمع وعود؟") && p.Permalink == s.URL+"/iraq_now_news/1227"
		}},
		{"br becomes newline", 1226, func(p ingest.Post) bool {
			return strings.Contains(p.Text, "بغداد\nمنذ") || strings.Count(p.Text, "\n") == 1
		}},
		{"views with K", 1228, func(p ingest.Post) bool { return p.Engagement.Views == 8100 }},
		{"views plain", 1232, func(p ingest.Post) bool { return p.Engagement.Views == 987 }},
		{"forwarded from", 1228, func(p ingest.Post) bool { return p.ForwardOf == "telegram:tahrir_square_iq/4821" }},
		{"photo caption", 1229, func(p ingest.Post) bool { return len(p.MediaCaptions) == 1 && p.MediaCaptions[0] == p.Text }},
		{"document title", 1230, func(p ingest.Post) bool {
			return len(p.MediaCaptions) >= 2 && p.MediaCaptions[1] == "محضر_الجلسة_البرلمانية.pdf"
		}},
		{"reply", 1231, func(p ingest.Post) bool {
			return p.ReplyTo == "telegram:iraq_now_news/1229" && !strings.Contains(p.Text, "سؤال عن الدوام")
		}},
		{"signed author", 1233, func(p ingest.Post) bool {
			return p.Author.Handle == "أحمد الساعدي" && p.Author.ID == "iraq_now_news"
		}},
		{"channel author", 1234, func(p ingest.Post) bool { return p.Author.Handle == "العراق الآن | أخبار" }},
		{"link preview", 1236, func(p ingest.Post) bool {
			return len(p.MediaCaptions) == 2 && p.MediaCaptions[0] == "أسعار الخضار اليوم في أسواق بغداد"
		}},
		{"date", 1240, func(p ingest.Post) bool { return p.Created.Format("2006-01-02T15:04") == "2026-11-14T20:38" }},
		{"followers", 1240, func(p ingest.Post) bool { return p.Engagement.Followers == 184000 }},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := byNum[tc.num]
			if !ok || !tc.ok(p) {
				t.Errorf("post %d: %+v", tc.num, p)
			}
		})
	}

	// New messages arrive: only they are returned, from the first page alone.
	s.mu.Lock()
	s.first = "page1-new.html"
	s.requests = nil
	s.mu.Unlock()
	posts, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 || posts[0].NativeID != "iraq_now_news/1241" || cur2 != "1242" {
		t.Fatalf("second fetch: %d posts, cursor %q", len(posts), cur2)
	}
	if len(s.requests) != 1 {
		t.Errorf("second fetch made %d requests, want 1: %v", len(s.requests), s.requests)
	}
	posts, cur3, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(posts) != 0 || cur3 != cur2 {
		t.Fatalf("third fetch: %d posts, cursor %q, err %v", len(posts), cur3, err)
	}
}

func TestFetchLimits(t *testing.T) {
	s := newServer(t)
	posts, cur, err := s.connector(t, ingest.Limits{MaxPages: 2}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 10 || cur != "1240" {
		t.Fatalf("max_pages 2: %d posts, cursor %q, err %v", len(posts), cur, err)
	}
	posts, cur, err = s.connector(t, ingest.Limits{MaxPosts: 4}).Fetch(context.Background(), "1230")
	if err != nil || len(posts) != 4 || cur != "1234" {
		t.Fatalf("max_posts 4: %d posts, cursor %q, err %v", len(posts), cur, err)
	}
}

func TestFetchFaults(t *testing.T) {
	page1 := readFixture(t, "page1.html")
	w1256, err := encoding.ReplaceUnsupported(charmap.Windows1256.NewEncoder()).Bytes([]byte(strings.Replace(string(page1), `<meta charset="utf-8">`, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		hook      func(n int32) func(w http.ResponseWriter, r *http.Request) bool
		limits    ingest.Limits
		wantPosts int
		wantCur   ingest.Cursor
		wantErr   error // errors.Is target; nil means success
		errText   string
	}{
		{name: "500 on page 2 keeps page 1", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Query().Get("before") == "1236" {
					w.WriteHeader(500)
					return true
				}
				return false
			}
		}, wantPosts: 5, wantCur: "", errText: "HTTP 500"},
		{name: "429 then success", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(429)
					return true
				}
				return false
			}
		}, wantPosts: 15, wantCur: "1240"},
		{name: "truncated and malformed messages", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Write(readFixture(t, "malformed.html"))
				return true
			}
		}, limits: ingest.Limits{MaxPages: 1}, wantPosts: 2, wantCur: "1237", errText: "2 malformed item(s)"},
		{name: "windows-1256 page", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "text/html; charset=windows-1256")
				w.Write(w1256)
				return true
			}
		}, limits: ingest.Limits{MaxPages: 1}, wantPosts: 5, wantCur: "1240"},
		{name: "not a channel page", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Write([]byte("<html><body><div class=tgme_page>If you have Telegram, you can contact</div></body></html>"))
				return true
			}
		}, wantErr: ErrNotChannelPage},
		{name: "huge page", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Write([]byte(strings.Repeat("<p>نص</p>", 10000)))
				return true
			}
		}, limits: ingest.Limits{MaxBodyBytes: 20000}, wantErr: httpx.ErrBodyTooLarge},
		{name: "redirect loop", hook: func(n int32) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/s/iraq_now_news" {
					http.Redirect(w, r, "/s/loop", http.StatusFound)
				} else {
					http.Redirect(w, r, "/s/iraq_now_news", http.StatusFound)
				}
				return true
			}
		}, wantErr: httpx.ErrRedirectLoop},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			var n atomic.Int32
			s.hook = func(w http.ResponseWriter, r *http.Request) bool { return tc.hook(n.Add(1))(w, r) }
			posts, cur, err := s.connector(t, tc.limits).Fetch(context.Background(), "")
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), "tg-test") {
					t.Errorf("error does not name the source: %v", err)
				}
				return
			case tc.errText != "":
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want %q", err, tc.errText)
				}
			case err != nil:
				t.Fatal(err)
			}
			if len(posts) != tc.wantPosts || cur != tc.wantCur {
				t.Fatalf("got %d posts, cursor %q; want %d, %q", len(posts), cur, tc.wantPosts, tc.wantCur)
			}
			for _, p := range posts {
				if strings.ContainsRune(p.Text, '\uFFFD') || p.Text == "" && len(p.MediaCaptions) == 0 {
					t.Errorf("post %s text %q", p.NativeID, p.Text)
				}
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct{ name, settings, want string }{
		{"no channel", "base_url: https://t.me\n", "channel"},
		{"url as channel", "channel: https://t.me/s/x\n", "channel"},
		{"bad base url", "channel: iraq_now_news\nbase_url: t.me\n", "base_url"},
		{"unknown key", "channel: iraq_now_news\nchanel: x\n", "chanel"},
		{"negative retry", "channel: iraq_now_news\nretry: {base_delay: -1s}\n", "retry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(newSpec(t, tc.settings, ingest.Limits{}))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "sources.yaml") {
				t.Fatalf("err = %v, want mention of %q and the file", err, tc.want)
			}
		})
	}
	c, _ := New(newSpec(t, "channel: iraq_now_news\n", ingest.Limits{}))
	if _, _, err := c.Fetch(context.Background(), "not-a-number"); err == nil {
		t.Error("bad cursor accepted")
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"987", 987, true}, {"1.2K", 1200, true}, {"15K", 15000, true}, {"3.4M", 3400000, true},
		{" 12,345 ", 12345, true}, {"", 0, false}, {"K", 0, false}, {"abc", 0, false}, {"-5", 0, false}, {"1e300", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCount(tc.in)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("ParseCount(%q) = %d, %v", tc.in, got, err)
			}
		})
	}
}

func FuzzParseTelegram(f *testing.F) {
	for _, n := range []string{"page1.html", "page2.html", "page3.html", "malformed.html"} {
		f.Add(readFixture(f, n))
	}
	f.Add([]byte(`<div class="tgme_widget_message" data-post="a/1"><time datetime="x"></time></div>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePage(body, "https://t.me")
		if err != nil {
			return
		}
		for _, m := range p.Messages {
			if m.Num <= 0 || m.Post.ID != ingest.MakeID(Name, m.Post.NativeID) {
				t.Fatalf("bad message %+v", m)
			}
		}
	})
}

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

func TestMediaAndCapture(t *testing.T) {
	s := newServer(t)
	page := readFixture(t, "media.html")
	s.hook = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
		return true
	}
	posts, _, err := s.connector(t, ingest.Limits{MaxPages: 1}).Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	const cdn = "https://cdn4.telesco.pe/file/"
	img := func(u string) ingest.Media { return ingest.Media{URL: u, Kind: ingest.MediaImage} }
	want := map[string][]ingest.Media{
		"1243": {img(cdn + "rT9x_1243a.jpg"), img(cdn + "vThumb_1244.jpg"), {URL: cdn + "f5e1c0a9_1244.mp4?token=Qx7_p3iTk2", Kind: ingest.MediaVideo}},
		"1245": {img(cdn + "vThumb_1245.jpg")},
		"1246": {{URL: cdn + "voice_1246.ogg?token=Vb2_kq", Kind: ingest.MediaAudio}},
		"1247": {img(cdn + "round_1247.jpg"), {URL: cdn + "round_1247.mp4?token=Rn4", Kind: ingest.MediaVideo}},
		"1248": {img("https://cdn4.telesco.pe/file/lp_884.jpg")},
		"1249": nil, // the document's link is the message's own page
		"1250": {img(cdn + "xP0_1250.jpg")},
	}
	if len(posts) != len(want) {
		t.Fatalf("%d posts, want %d", len(posts), len(want))
	}
	for _, p := range posts {
		num := strings.TrimPrefix(p.NativeID, "iraq_now_news/")
		if w := want[num]; !slices.Equal(p.Media, w) {
			t.Errorf("%s: media\n got %+v\nwant %+v", num, p.Media, w)
		}
		if !bytes.Contains(page, p.Capture) || !bytes.HasPrefix(p.Capture, []byte(`<div class="tgme_widget_message `)) ||
			!bytes.Contains(p.Capture, []byte(`data-post="`+p.NativeID+`"`)) || !bytes.HasSuffix(p.Capture, []byte("</div></div>")) ||
			p.CaptureType != "text/html" {
			t.Errorf("%s: capture is not the message's markup as fetched: %q", num, p.Capture)
		}
	}
	if p := posts[len(posts)-1]; p.Text != "" || len(p.Media) != 1 {
		t.Errorf("photo without a caption: %+v", p)
	}

	// The recorded pages: each capture holds its own message and no other.
	s2 := newServer(t)
	posts, _, err = s2.connector(t, ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	pages := string(readFixture(t, "page1.html")) + string(readFixture(t, "page2.html")) + string(readFixture(t, "page3.html"))
	for i, p := range posts {
		c := string(p.Capture)
		if !strings.Contains(pages, c) || !strings.Contains(c, `data-post="`+p.NativeID+`"`) || strings.Count(c, "data-post=") != 1 {
			t.Errorf("%s: capture %q", p.NativeID, c)
		}
		if first, _, _ := strings.Cut(p.Text, "\n"); !strings.Contains(c, first) {
			t.Errorf("%s: capture lacks the text %q", p.NativeID, first)
		}
		if i > 0 {
			if prev, _, _ := strings.Cut(posts[i-1].Text, "\n"); prev != "" && strings.Contains(c, prev) {
				t.Errorf("%s: capture holds the previous message's text %q", p.NativeID, prev)
			}
		}
		if num := msgNum(p); num == 1238 || num == 1229 {
			if len(p.Media) != 1 || !strings.HasSuffix(p.Media[0].URL, strconv.FormatInt(num, 10)+".jpg") {
				t.Errorf("%d: photo %+v", num, p.Media)
			}
		} else if p.Media != nil {
			t.Errorf("%d: media %+v in a message without any", num, p.Media)
		}
	}
}
