package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

const (
	videoID   = "kJ8sD2fQw1E"
	channelID = "UCq3Ht7aPwLkzR0x5mNcVb2A"
	apiKey    = "AIzaSyTEST-only-key-0123456789abcdefg"
	keyEnv    = "RASD_TEST_YOUTUBE_KEY"
	page2Tok  = "QURTSl9pMk5fZmpZMUVwS2x2eW5rNm9uT2dYYVJ2Y3M"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Setenv(keyEnv, apiKey)
	os.Exit(m.Run())
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", "youtube", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type api struct {
	*httptest.Server
	mu       sync.Mutex
	first    string
	requests []string
	hook     func(w http.ResponseWriter, r *http.Request) bool
}

func newAPI(t *testing.T) *api {
	a := &api{first: "video-p1.json"}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		a.mu.Lock()
		a.requests = append(a.requests, q.Get("videoId")+q.Get("allThreadsRelatedToChannelId")+"/"+q.Get("pageToken"))
		first, hook := a.first, a.hook
		a.mu.Unlock()
		if q.Get("key") != apiKey {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"code":400,"message":"API key not valid: %s"}}`, q.Get("key"))
			return
		}
		if hook != nil && hook(w, r) {
			return
		}
		if r.URL.Path != "/youtube/v3/commentThreads" || q.Get("part") != "snippet,replies" || q.Get("order") != "time" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		switch {
		case q.Get("videoId") == videoID && q.Get("pageToken") == "":
			w.Write(readFixture(t, first))
		case q.Get("videoId") == videoID && q.Get("pageToken") == page2Tok:
			w.Write(readFixture(t, "video-p2.json"))
		case q.Get("allThreadsRelatedToChannelId") == channelID:
			w.Write(readFixture(t, "channel.json"))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"error":{"code":404,"message":"video not found"}}`))
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func newConnector(t *testing.T, base string, limits ingest.Limits) ingest.Connector {
	t.Helper()
	var doc yaml.Node
	s := "video_ids: [" + videoID + "]\nchannel_ids: [" + channelID + "]\nkey_env: " + keyEnv +
		"\nbase_url: " + base + "/youtube/v3\npage_size: 3\nretry: {base_delay: 1ms, max_delay: 5ms}\n"
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "yt-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml", AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawComments maps comment id → the comment's JSON bytes in a fixture.
func rawComments(t *testing.T, files ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range files {
		var tl threadList
		if err := json.Unmarshal(readFixture(t, f), &tl); err != nil {
			t.Fatal(err)
		}
		for _, it := range tl.Items {
			var th thread
			json.Unmarshal(it, &th)
			for _, c := range append([]json.RawMessage{th.Snippet.TopLevelComment}, th.Replies.Comments...) {
				var cm comment
				json.Unmarshal(c, &cm)
				out[cm.ID] = c
			}
		}
	}
	return out
}

func TestFetchPagingAndCursor(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 9 {
		t.Fatalf("got %d posts, want 9 (5 threads + 2 replies on the video, 2 threads on the channel)", len(posts))
	}
	raws := rawComments(t, "video-p1.json", "video-p2.json", "channel.json")
	var replies int
	for i, p := range posts {
		if p.ID != ingest.MakeID(Name, p.NativeID) || p.Source != "yt-test" || p.Author.ID == "" || !strings.HasPrefix(p.Author.Handle, "@") ||
			p.Created.IsZero() || p.RawSHA256 != httpx.SHA256Hex(raws[p.NativeID]) || !strings.Contains(p.Permalink, "&lc="+p.NativeID) {
			t.Errorf("post %d fields: %+v", i, p)
		}
		var own struct {
			Kind, ID string
		}
		if err := json.Unmarshal(p.Capture, &own); err != nil || own.Kind != "youtube#comment" || own.ID != p.NativeID ||
			string(p.Capture) != string(raws[p.NativeID]) || p.CaptureType != "application/json" {
			t.Errorf("post %d: capture %.60q… is not its own comment object", i, p.Capture)
		}
		if p.Media != nil {
			t.Errorf("post %d: a comment has media %+v", i, p.Media)
		}
		if p.ReplyTo != "" {
			replies++
			if !strings.HasPrefix(p.NativeID, strings.TrimPrefix(p.ReplyTo, "youtube:")+".") {
				t.Errorf("reply %s points at %s", p.NativeID, p.ReplyTo)
			}
		}
	}
	if replies != 2 {
		t.Errorf("%d replies, want 2", replies)
	}
	if posts[0].Text != "سڵاو لە هەولێرەوە، بابەتێکی زۆر باشە" || posts[0].Engagement.Likes != 3 {
		t.Errorf("oldest video comment first: %+v", posts[0])
	}
	if !strings.Contains(posts[7].Permalink, "v=Zq1wX2eC3vB") {
		t.Errorf("channel thread permalink %s", posts[7].Permalink)
	}

	a.mu.Lock()
	a.first, a.requests = "video-p1-new.json", nil
	a.mu.Unlock()
	fresh, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(fresh) != 1 || fresh[0].Text != "تعليق جديد: متى الجزء الثاني؟" {
		t.Fatalf("second fetch: %d posts %v", len(fresh), err)
	}
	if len(a.requests) != 2 {
		t.Errorf("second fetch made %d requests, want 2 (one per target): %v", len(a.requests), a.requests)
	}
	none, cur3, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(none) != 0 || cur3 != cur2 {
		t.Fatalf("caught up: %d posts, cursor changed %v, %v", len(none), cur3 != cur2, err)
	}
}

func TestFetchLimitsAndFaults(t *testing.T) {
	tests := []struct {
		name      string
		hook      func(n int, w http.ResponseWriter, r *http.Request) bool
		limits    ingest.Limits
		wantPosts int
		skip      bool
		errText   string
	}{
		{"max pages 1", nil, ingest.Limits{MaxPages: 1}, 7, false, ""},
		{"comments disabled on the video", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("videoId") != "" {
				w.WriteHeader(403)
				w.Write(readFixture(t, "error-comments-disabled.json"))
				return true
			}
			return false
		}, ingest.Limits{}, 2, true, "disabled comments"},
		{"quota exceeded everywhere", func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(403)
			w.Write(readFixture(t, "error-quota.json"))
			return true
		}, ingest.Limits{}, 0, false, "exceeded your quota"},
		{"503 then success", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n <= 2 {
				w.WriteHeader(503)
				return true
			}
			return false
		}, ingest.Limits{}, 9, false, ""},
		{"truncated json", func(n int, w http.ResponseWriter, r *http.Request) bool {
			b := readFixture(t, "channel.json")
			w.Write(b[:len(b)/2])
			return true
		}, ingest.Limits{}, 0, false, "commentThreadListResponse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			n := 0
			if tc.hook != nil {
				a.hook = func(w http.ResponseWriter, r *http.Request) bool { n++; return tc.hook(n, w, r) }
			}
			posts, _, err := newConnector(t, a.URL, tc.limits).Fetch(context.Background(), "")
			var se *ingest.SkipError
			switch {
			case tc.skip:
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want SkipError %q", err, tc.errText)
				}
			case tc.errText != "":
				if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), tc.errText) || !strings.Contains(err.Error(), "yt-test") {
					t.Fatalf("err = %v, want %q", err, tc.errText)
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

func TestKeyNeverLeaks(t *testing.T) {
	a := newAPI(t)
	a.hook = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":{"code":400,"message":"bad request %s"}}`, r.URL.RawQuery)
		return true
	}
	c := newConnector(t, a.URL, ingest.Limits{})
	_, _, err := c.Fetch(context.Background(), "")
	if err == nil {
		t.Fatal("want error")
	}
	a.Close() // unreachable: the transport error quotes the URL
	_, _, err2 := c.Fetch(context.Background(), "")
	for _, s := range []string{err.Error(), fmt.Sprint(err2), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, apiKey) || strings.Contains(s, "TEST-only-key") {
			t.Errorf("key leaked: %s", s)
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct{ name, settings, want string }{
		{"nothing to read", "key_env: " + keyEnv + "\n", "video_ids, channel_ids, upload_channels or search_queries: at least one"},
		{"bad video id", "video_ids: [abc]\nkey_env: " + keyEnv + "\n", "video id"},
		{"bad channel id", "channel_ids: [mychannel]\nkey_env: " + keyEnv + "\n", "channel id"},
		{"unset key", "video_ids: [" + videoID + "]\nkey_env: RASD_TEST_UNSET\n", "RASD_TEST_UNSET"},
		{"page size", "video_ids: [" + videoID + "]\nkey_env: " + keyEnv + "\npage_size: 101\n", "page_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			yaml.Unmarshal([]byte(tc.settings), &doc)
			_, err := New(ingest.Spec{Name: "yt", Settings: doc.Content[0], File: "sources.yaml"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
