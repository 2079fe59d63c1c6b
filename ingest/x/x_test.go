package x

import (
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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

const (
	token  = "AAAAAAAAAAAAAAAAAAAAAtest-bearer-token%2Fsecret"
	tokEnv = "RASD_TEST_X_BEARER"
	base   = int64(1858000000000000000)
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Setenv(tokEnv, token)
	os.Exit(m.Run())
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", "x", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rawTweets(t testing.TB, name string, search bool) []json.RawMessage {
	var raws []json.RawMessage
	b := readFixture(t, name)
	if search {
		var s struct{ Statuses []json.RawMessage }
		json.Unmarshal(b, &s)
		return s.Statuses
	}
	if err := json.Unmarshal(b, &raws); err != nil {
		t.Fatal(err)
	}
	return raws
}

func idOf(r json.RawMessage) int64 {
	var v struct {
		IDStr string `json:"id_str"`
	}
	json.Unmarshal(r, &v)
	return idNum(v.IDStr)
}

// api replays recorded v1.1 and v2 responses, paging the way the API does.
type api struct {
	*httptest.Server
	mu       sync.Mutex
	timeline []json.RawMessage
	requests []string
	hook     func(n int, w http.ResponseWriter, r *http.Request) bool
}

func newAPI(t *testing.T) *api {
	a := &api{timeline: rawTweets(t, "user_timeline.json", false)}
	search := rawTweets(t, "search_tweets.json", true)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
		n, hook, tl := len(a.requests), a.hook, a.timeline
		a.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"title":"Unauthorized","detail":"bad header %s","status":401}`, r.Header.Get("Authorization"))
			return
		}
		if hook != nil && hook(n, w, r) {
			return
		}
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Header().Set("x-rate-limit-limit", "900")
		w.Header().Set("x-rate-limit-remaining", "899")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10))
		page := func(all []json.RawMessage) string {
			since, _ := strconv.ParseInt(q.Get("since_id"), 10, 64)
			maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
			count, _ := strconv.Atoi(q.Get("count"))
			var out []string
			for _, raw := range all {
				id := idOf(raw)
				if id > since && (maxID == 0 || id <= maxID) && len(out) < count {
					out = append(out, string(raw))
				}
			}
			return "[" + strings.Join(out, ",") + "]"
		}
		switch r.URL.Path {
		case "/1.1/statuses/user_timeline.json":
			if q.Get("screen_name") != "iraq_daily_news" || q.Get("tweet_mode") != "extended" {
				w.WriteHeader(400)
				return
			}
			io.WriteString(w, page(tl))
		case "/1.1/search/tweets.json":
			if q.Get("q") != "البصرة" || q.Get("result_type") != "recent" {
				w.WriteHeader(400)
				return
			}
			io.WriteString(w, `{"statuses":`+page(search)+`,"search_metadata":{"count":100}}`)
		case "/2/tweets/search/recent":
			file := "recent_search-p1.json"
			switch {
			case q.Get("since_id") == strconv.FormatInt(base+900, 10):
				file = "recent_search-new.json"
			case q.Get("since_id") != "":
				file = "recent_search-empty.json"
			case q.Get("next_token") == "b26v89c19zqg8o3fr5rvvz7kmjg7o2x3a8bxfbg4dbm2l":
				file = "recent_search-p2.json"
			}
			w.Write(readFixture(t, file))
		case "/2/users/by/username/iraq_daily_news":
			w.Write(readFixture(t, "users_by_username.json"))
		case "/2/users/by/username/no_such_account":
			w.Write(readFixture(t, "users_by_username-not-found.json"))
		case "/2/users/3344556677/tweets":
			file := "user_tweets-p1.json"
			switch {
			case q.Get("since_id") != "":
				file = "recent_search-empty.json"
			case q.Get("pagination_token") == "7140dibdnow9c7btw3z2vwioqbz8ra5h2mbyxapj1h9ji":
				file = "user_tweets-p2.json"
			}
			w.Write(readFixture(t, file))
		case "/2/users/3344556677/mentions":
			file := "mentions.json"
			if q.Get("since_id") != "" {
				file = "recent_search-empty.json"
			}
			w.Write(readFixture(t, file))
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"errors":[{"code":34,"message":"Sorry, that page does not exist."}]}`)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func newConnector(t *testing.T, baseURL, settings string, limits ingest.Limits) ingest.Connector {
	t.Helper()
	var doc yaml.Node
	s := settings + "token_env: " + tokEnv + "\nbase_url: " + baseURL + "\nretry: {base_delay: 1ms, max_delay: 5ms, max_wait: 3s}\n"
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "x-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml", AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const timelineSettings = "mode: user_timeline\napi: v1\nscreen_name: \"@iraq_daily_news\"\npage_size: 2\n"

func TestUserTimeline(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, timelineSettings, ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 6 || cur != ingest.Cursor(strconv.FormatInt(base+600, 10)) {
		t.Fatalf("got %d posts, cursor %s", len(posts), cur)
	}
	raws := map[string][]byte{}
	for _, r := range a.timeline {
		raws[strconv.FormatInt(idOf(r), 10)] = r
	}
	for i, p := range posts {
		if i > 0 && idNum(posts[i-1].NativeID) >= idNum(p.NativeID) {
			t.Errorf("not oldest first at %d", i)
		}
		if p.ID != ingest.MakeID(Name, p.NativeID) || p.Source != "x-test" || p.Created.IsZero() || p.Author.Handle == "" ||
			p.RawSHA256 != httpx.SHA256Hex(raws[p.NativeID]) || p.Lang[0] != "ar" || !strings.HasSuffix(p.Permalink, "/status/"+p.NativeID) {
			t.Errorf("post %d fields: %+v", i, p)
		}
	}
	byID := func(off int64) ingest.Post {
		for _, p := range posts {
			if p.NativeID == strconv.FormatInt(base+off, 10) {
				return p
			}
		}
		t.Fatalf("no tweet %d", off)
		return ingest.Post{}
	}
	if p := byID(500); p.ForwardOf != ingest.MakeID(Name, strconv.FormatInt(base-5000, 10)) || strings.HasPrefix(p.Text, "RT @") {
		t.Errorf("retweet: %+v", p)
	}
	if p := byID(400); len(p.MediaCaptions) != 1 || !strings.HasPrefix(p.MediaCaptions[0], "متظاهرون يحملون") || p.Engagement.Likes != 1500 {
		t.Errorf("alt text: %+v", p)
	}
	if p := byID(300); p.ReplyTo != ingest.MakeID(Name, strconv.FormatInt(base+200, 10)) {
		t.Errorf("reply: %+v", p)
	}
	if p := byID(600); p.Engagement.Followers != 245000 || p.Location != "بغداد، العراق" || p.Created.Format(time.RFC3339) != "2026-11-20T18:30:00Z" {
		t.Errorf("user fields: %+v", p)
	}
	img := func(u string) ingest.Media { return ingest.Media{URL: u, Kind: ingest.MediaImage} }
	for _, tc := range []struct {
		name  string
		off   int64
		media []ingest.Media
	}{
		{"photo", 400, []ingest.Media{img("https://pbs.twimg.com/media/Fx1858000000000000400.jpg")}},
		{"video: highest-bitrate mp4, then its still", 200, []ingest.Media{
			{URL: "https://video.twimg.com/ext_tw_video/1858000000000000201/pu/vid/avc1/1280x720/Nq2bT8xWk5Rm1Lp4.mp4?tag=12", Kind: ingest.MediaVideo, Type: "video/mp4"},
			img("https://pbs.twimg.com/ext_tw_video_thumb/1858000000000000201/pu/img/Ra7Lq2Wm9Tx4Kc1B.jpg")}},
		{"retweet: the original's photo", 500, []ingest.Media{img("https://pbs.twimg.com/media/Fw1857999999999995001.jpg")}},
		{"no media", 600, nil},
	} {
		if p := byID(tc.off); !slices.Equal(p.Media, tc.media) {
			t.Errorf("%s: media %+v, want %+v", tc.name, p.Media, tc.media)
		}
	}
	for _, p := range posts {
		checkCapture(t, p, raws[p.NativeID], "id_str")
	}

	a.mu.Lock()
	a.requests = nil
	a.mu.Unlock()
	none, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(none) != 0 || cur2 != cur || len(a.requests) != 1 || !strings.Contains(a.requests[0], "since_id="+string(cur)) {
		t.Fatalf("caught up: %d posts, cursor %s, requests %v, %v", len(none), cur2, a.requests, err)
	}
	a.mu.Lock()
	a.timeline = append([]json.RawMessage{json.RawMessage(`{"created_at":"Sat Nov 21 09:00:00 +0000 2026","id":1858000000000000700,"id_str":"1858000000000000700","full_text":"تغريدة جديدة عن الأمطار","user":{"id_str":"3344556677","screen_name":"iraq_daily_news"},"lang":"ar"}`)}, a.timeline...)
	a.mu.Unlock()
	fresh, cur3, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(fresh) != 1 || fresh[0].Text != "تغريدة جديدة عن الأمطار" {
		t.Fatalf("new tweet: %d posts, %v", len(fresh), err)
	}
	a.mu.Lock()
	a.timeline = append([]json.RawMessage{json.RawMessage(`{"created_at":"Sat Nov 21 10:00:00 +0000 2026","id":1858000000000000800,"id_str":"1858000000000000800","full_text":"كلام خطير","is_quote_status":true,"quoted_status_id_str":"1858000000000000100","quoted_status":{"created_at":"Sat Nov 21 08:00:00 +0000 2026","id_str":"1858000000000000100","full_text":"نص التغريدة المقتبسة","user":{"id_str":"5566778899","screen_name":"some_agitator"}},"user":{"id_str":"3344556677","screen_name":"iraq_daily_news"},"lang":"ar"}`)}, a.timeline...)
	a.mu.Unlock()
	quote, _, err := c.Fetch(context.Background(), cur3)
	if err != nil || len(quote) != 1 || quote[0].Text != "كلام خطير"+QuoteSeparator+"@some_agitator: نص التغريدة المقتبسة" {
		t.Fatalf("v1.1 quote tweet: %d posts %+v, %v", len(quote), quote, err)
	}
}

func TestSearchV1(t *testing.T) {
	a := newAPI(t)
	posts, cur, err := newConnector(t, a.URL, "mode: search\napi: v1\nquery: البصرة\n", ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 4 || cur != ingest.Cursor(strconv.FormatInt(base+600, 10)) {
		t.Fatalf("%d posts, cursor %s, %v", len(posts), cur, err)
	}
	raws := rawTweets(t, "search_tweets.json", true)
	if posts[3].RawSHA256 != httpx.SHA256Hex(raws[0]) {
		t.Error("raw hash of a search result is not its own JSON")
	}
	checkCapture(t, posts[3], raws[0], "id_str")
}

// checkCapture asserts that p's capture is exactly raw, its own tweet object.
func checkCapture(t *testing.T, p ingest.Post, raw []byte, idKey string) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(p.Capture, &v); err != nil || v[idKey] != p.NativeID || string(p.Capture) != string(raw) || p.CaptureType != "application/json" {
		t.Errorf("tweet %s: capture %.80q… (%s) is not its own object", p.NativeID, p.Capture, p.CaptureType)
	}
}

func TestRecentSearchV2(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, "mode: recent_search\nquery: \"الكهرباء lang:ar\"\npage_size: 10\n", ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 4 || cur != ingest.Cursor(strconv.FormatInt(base+900, 10)) {
		t.Fatalf("%d posts, cursor %s, %v", len(posts), cur, err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"retweet", posts[0].ForwardOf == ingest.MakeID(Name, strconv.FormatInt(base+600, 10))},
		{"reply", posts[1].ReplyTo == ingest.MakeID(Name, strconv.FormatInt(base+600, 10))},
		{"media alt text", len(posts[2].MediaCaptions) == 1 && posts[2].MediaCaptions[0] == "الوزير خلال المؤتمر الصحفي"},
		{"metrics", posts[2].Engagement.Views == 41000 && posts[2].Engagement.Likes == 610 && posts[2].Engagement.Shares == 89},
		{"author", posts[3].Author.Handle == "basra_voice" && posts[3].Engagement.Followers == 18300 && posts[3].Permalink == "https://x.com/basra_voice/status/"+posts[3].NativeID},
		{"text", posts[3].Text == "الكهرباء رجعت بعد ١٢ ساعة انقطاع، شكراً للكوادر الفنية"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: wrong", ch.name)
		}
	}
	q, _ := url.ParseQuery(a.requests[0][strings.IndexByte(a.requests[0], '?')+1:])
	for _, f := range []string{"type", "url", "preview_image_url", "variants", "alt_text"} {
		if !slices.Contains(strings.Split(q.Get("media.fields"), ","), f) {
			t.Errorf("media.fields %q lacks %s", q.Get("media.fields"), f)
		}
	}
	if !slices.Contains(strings.Split(q.Get("expansions"), ","), "attachments.media_keys") {
		t.Errorf("expansions %q lack attachments.media_keys", q.Get("expansions"))
	}
	img := func(u string) ingest.Media { return ingest.Media{URL: u, Kind: ingest.MediaImage} }
	wantMedia := [][]ingest.Media{
		nil,
		{{URL: "https://video.twimg.com/tweet_video/Gd1858000000000000821.mp4", Kind: ingest.MediaVideo, Type: "video/mp4"},
			img("https://pbs.twimg.com/tweet_video_thumb/Gd1858000000000000821.jpg")},
		{img("https://pbs.twimg.com/media/Gc1858000000000000851.jpg")},
		{{URL: "https://video.twimg.com/ext_tw_video/1858000000000000901/pu/vid/avc1/720x1280/Ij90Kl12Mn34Op56.mp4?tag=12", Kind: ingest.MediaVideo, Type: "video/mp4"},
			img("https://pbs.twimg.com/ext_tw_video_thumb/1858000000000000901/pu/img/Qm2xT7s1pLk9aB3c.jpg")},
	}
	raws := map[string][]byte{}
	for _, f := range []string{"recent_search-p1.json", "recent_search-p2.json"} {
		var r struct{ Data []json.RawMessage }
		if err := json.Unmarshal(readFixture(t, f), &r); err != nil {
			t.Fatal(err)
		}
		for _, d := range r.Data {
			var v struct{ ID string }
			json.Unmarshal(d, &v)
			raws[v.ID] = d
		}
	}
	for i, p := range posts {
		if !slices.Equal(p.Media, wantMedia[i]) {
			t.Errorf("tweet %s: media %+v, want %+v", p.NativeID, p.Media, wantMedia[i])
		}
		checkCapture(t, p, raws[p.NativeID], "id")
	}
	fresh, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(fresh) != 1 || cur2 != ingest.Cursor(strconv.FormatInt(base+950, 10)) {
		t.Fatalf("new: %d posts, cursor %s, %v", len(fresh), cur2, err)
	}
	none, cur3, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(none) != 0 || cur3 != cur2 {
		t.Fatalf("caught up: %d posts, %v", len(none), err)
	}
}

func TestRateLimitsAndFaults(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		hook     func(n int, w http.ResponseWriter, r *http.Request) bool
		want     int
		wantErr  error
		errText  string
		minTime  time.Duration
	}{
		{"v1 429 waits for x-rate-limit-reset", timelineSettings, func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n == 1 {
				w.Header().Set("x-rate-limit-remaining", "0")
				w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
				w.WriteHeader(429)
				w.Write(readFixture(t, "v1-rate-limited.json"))
				return true
			}
			return false
		}, 6, nil, "", 5 * time.Millisecond},
		{"v2 reset beyond max_wait", "mode: recent_search\nquery: x\n", func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			w.WriteHeader(429)
			w.Write(readFixture(t, "v2-rate-limited.json"))
			return true
		}, 0, httpx.ErrRateLimited, "", 0},
		{"v2 500 then success", "mode: recent_search\nquery: x\n", func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n == 1 {
				w.WriteHeader(500)
				return true
			}
			return false
		}, 4, nil, "", 0},
		{"v1 500 forever", timelineSettings, func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(500)
			return true
		}, 0, nil, "HTTP 500", 0},
		{"v1 error body", timelineSettings, func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(404)
			io.WriteString(w, `{"errors":[{"code":34,"message":"Sorry, that page does not exist."}]}`)
			return true
		}, 0, nil, "that page does not exist", 0},
		{"v2 truncated json", "mode: recent_search\nquery: x\n", func(n int, w http.ResponseWriter, r *http.Request) bool {
			b := readFixture(t, "recent_search-p1.json")
			w.Write(b[:len(b)/3])
			return true
		}, 0, nil, "decoding", 0},
		{"v1 truncated json", timelineSettings, func(n int, w http.ResponseWriter, r *http.Request) bool {
			b := readFixture(t, "user_timeline.json")
			w.Write(b[:len(b)/3])
			return true
		}, 0, nil, "user_timeline", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			a.hook = tc.hook
			start := time.Now()
			posts, _, err := newConnector(t, a.URL, tc.settings, ingest.Limits{}).Fetch(context.Background(), "")
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case tc.errText != "":
				if err == nil || !strings.Contains(err.Error(), tc.errText) || !strings.Contains(err.Error(), "x-test") {
					t.Fatalf("err = %v, want %q", err, tc.errText)
				}
			case err != nil:
				t.Fatal(err)
			}
			if len(posts) != tc.want {
				t.Fatalf("got %d posts, want %d", len(posts), tc.want)
			}
			if el := time.Since(start); el < tc.minTime {
				t.Errorf("returned after %s, want ≥ %s", el, tc.minTime)
			}
		})
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	for _, settings := range []string{timelineSettings, "mode: recent_search\nquery: x\n", "mode: timeline\nusername: iraq_daily_news\n", "mode: mentions\nuser_id: \"3344556677\"\n"} {
		a := newAPI(t)
		a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"errors":[{"code":220,"message":"forbidden for %s"}],"title":"x","detail":"%s"}`, r.Header.Get("Authorization"), r.Header.Get("Authorization"))
			return true
		}
		c := newConnector(t, a.URL, settings, ingest.Limits{})
		_, _, err := c.Fetch(context.Background(), "")
		if err == nil {
			t.Fatal("want error")
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
			if strings.Contains(s, "test-bearer-token") {
				t.Errorf("token leaked: %s", s)
			}
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct{ name, settings, want string }{
		{"no mode", "query: x\ntoken_env: " + tokEnv + "\n", "mode"},
		{"timeline without handle", "mode: user_timeline\ntoken_env: " + tokEnv + "\n", "username (or user_id) is required"},
		{"search without query", "mode: search\ntoken_env: " + tokEnv + "\n", "query is required"},
		{"v2 page size", "mode: recent_search\nquery: x\npage_size: 5\ntoken_env: " + tokEnv + "\n", "page_size"},
		{"v2 timeline page size", "mode: timeline\nusername: a\npage_size: 101\ntoken_env: " + tokEnv + "\n", "sources.yaml:3: source \"x\": page_size 101: want 5 to 100"},
		{"mentions on v1", "mode: mentions\nusername: a\napi: v1\ntoken_env: " + tokEnv + "\n", "v2 only"},
		{"recent_search on v1", "mode: recent_search\nquery: x\napi: v1\ntoken_env: " + tokEnv + "\n", "v2 only"},
		{"bad api", "mode: search\nquery: x\napi: v3\ntoken_env: " + tokEnv + "\n", "api \"v3\""},
		{"username and user_id", "mode: timeline\nusername: a\nuser_id: \"12\"\ntoken_env: " + tokEnv + "\n", "set one"},
		{"screen_name and username differ", "mode: timeline\nusername: a\nscreen_name: b\ntoken_env: " + tokEnv + "\n", "differ"},
		{"bad user_id", "mode: mentions\nuser_id: \"12ab\"\ntoken_env: " + tokEnv + "\n", "sources.yaml:2: source \"x\": user_id \"12ab\""},
		{"bad screen_name", "mode: timeline\napi: v1\nscreen_name: \"a b\"\ntoken_env: " + tokEnv + "\n", "sources.yaml:3: source \"x\": username \"a b\""},
		{"bad handle", "mode: timeline\nusername: \"with space\"\ntoken_env: " + tokEnv + "\n", "username"},
		{"query too long", "mode: search\nquery: " + strings.Repeat("x", MaxQuery+1) + "\ntoken_env: " + tokEnv + "\n", "at most"},
		{"query on timeline", "mode: timeline\nusername: a\nquery: x\ntoken_env: " + tokEnv + "\n", "not used"},
		{"unknown key", "mode: timeline\nusername: a\nuser: b\ntoken_env: " + tokEnv + "\n", "sources.yaml:3"},
		{"unset token", "mode: search\nquery: x\ntoken_env: RASD_TEST_UNSET_X\n", "RASD_TEST_UNSET_X"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			yaml.Unmarshal([]byte(tc.settings), &doc)
			_, err := New(ingest.Spec{Name: "x", Settings: doc.Content[0], File: "sources.yaml"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestV1RefusesInternal: go-twitter's requests (user_timeline, search) go
// through the guarded transport too, so a base_url on 127.0.0.1 is refused
// without the source's allow_internal.
func TestV1RefusesInternal(t *testing.T) {
	a := newAPI(t)
	var doc yaml.Node
	s := timelineSettings + "token_env: " + tokEnv + "\nbase_url: " + a.URL + "\n"
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "x-test", Type: Name, Settings: doc.Content[0], File: "sources.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	posts, _, err := c.Fetch(context.Background(), "")
	if !errors.Is(err, httpx.ErrInternalAddress) || len(posts) != 0 {
		t.Fatalf("user_timeline on %s: %d posts, %v; want ErrInternalAddress", a.URL, len(posts), err)
	}
}

// v2Raws maps tweet id → its element of data in v2 fixtures.
func v2Raws(t *testing.T, files ...string) map[string][]byte {
	raws := map[string][]byte{}
	for _, f := range files {
		var r struct{ Data []json.RawMessage }
		if err := json.Unmarshal(readFixture(t, f), &r); err != nil {
			t.Fatal(err)
		}
		for _, d := range r.Data {
			var v struct{ ID string }
			json.Unmarshal(d, &v)
			raws[v.ID] = d
		}
	}
	return raws
}

func TestTimelineV2(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, "mode: timeline\nusername: \"@iraq_daily_news\"\npage_size: 5\n", ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 4 || cur != ingest.Cursor(strconv.FormatInt(base+1100, 10)) {
		t.Fatalf("got %d posts, cursor %s", len(posts), cur)
	}
	if len(a.requests) != 3 || !strings.HasPrefix(a.requests[0], "/2/users/by/username/iraq_daily_news?") ||
		!strings.Contains(a.requests[2], "pagination_token=7140dibdnow9c7btw3z2vwioqbz8ra5h2mbyxapj1h9ji") {
		t.Fatalf("requests: %v", a.requests)
	}
	q, _ := url.ParseQuery(a.requests[1][strings.IndexByte(a.requests[1], '?')+1:])
	for key, want := range map[string][]string{
		"expansions":   {"author_id", "attachments.media_keys", "referenced_tweets.id", "referenced_tweets.id.author_id"},
		"tweet.fields": {"note_tweet", "referenced_tweets", "entities", "created_at", "public_metrics"},
		"max_results":  {"5"},
	} {
		for _, f := range want {
			if !slices.Contains(strings.Split(q.Get(key), ","), f) {
				t.Errorf("%s %q lacks %s", key, q.Get(key), f)
			}
		}
	}
	raws := v2Raws(t, "user_tweets-p1.json", "user_tweets-p2.json")
	byID := map[string]ingest.Post{}
	for i, p := range posts {
		byID[p.NativeID] = p
		if i > 0 && idNum(posts[i-1].NativeID) >= idNum(p.NativeID) {
			t.Errorf("not oldest first at %d", i)
		}
		if p.Author.Handle != "iraq_daily_news" || p.RawSHA256 != httpx.SHA256Hex(raws[p.NativeID]) ||
			p.Permalink != "https://x.com/iraq_daily_news/status/"+p.NativeID {
			t.Errorf("post %s fields: %+v", p.NativeID, p)
		}
	}
	id := func(off int64) string { return strconv.FormatInt(base+off, 10) }

	rt := byID[id(1100)]
	wantRT := "بيان | أهالي أبي الخصيب يطالبون بمحاسبة المسؤولين عن تلوث المياه، ويحذرون من أن صبر الناس له حدود وأن الاعتصام مستمر حتى تنفيذ المطالب كاملة دون تسويف. نرفض أي اعتداء على المتظاهرين السلميين ونحمّل الحكومة المحلية المسؤولية."
	if rt.Text != wantRT || rt.ForwardOf != "x:1857999999999993000" {
		t.Errorf("retweet: text %q, forward_of %q; want the original's full note_tweet text", rt.Text, rt.ForwardOf)
	}
	if !slices.Equal(rt.Media, []ingest.Media{{URL: "https://pbs.twimg.com/media/Gf1857999999999993001.jpg", Kind: ingest.MediaImage}}) ||
		!slices.Equal(rt.MediaCaptions, []string{"صورة البيان"}) {
		t.Errorf("retweet: media %+v captions %q; want the original's photo", rt.Media, rt.MediaCaptions)
	}
	var capture struct {
		Data     json.RawMessage
		Includes struct{ Tweets []json.RawMessage }
	}
	if err := json.Unmarshal(rt.Capture, &capture); err != nil || string(capture.Data) != string(raws[rt.NativeID]) ||
		len(capture.Includes.Tweets) != 1 || !strings.Contains(string(capture.Includes.Tweets[0]), "ونحمّل الحكومة المحلية") {
		t.Errorf("retweet capture %.120q… lacks its own object or the original (%v)", rt.Capture, err)
	}

	qt := byID[id(1050)]
	own := "هذا الكلام تحريض صريح ويجب أن يحاسب قائله https://t.co/Qx7ZkP2mLa"
	if qt.Text != own+QuoteSeparator+"@some_agitator: اطردوهم من المنطقة قبل لا يكثرون، هذولة مو منّا" || qt.ForwardOf != "" {
		t.Errorf("quote tweet: %q", qt.Text)
	}
	if !strings.HasPrefix(qt.Text, own) || qt.Engagement.Shares != 42 || qt.Engagement.Views != 52000 {
		t.Errorf("quote tweet: own text first, metrics: %+v", qt)
	}

	long := byID[id(1020)]
	if !strings.HasSuffix(long.Text, "محطات التحلية المتوقفة منذ سنوات.") {
		t.Errorf("long post: %q, want note_tweet's text", long.Text)
	}
	checkCapture(t, long, raws[long.NativeID], "id")

	reply := byID[id(1010)]
	if reply.ReplyTo != "x:1857999999999991000" || reply.Text != "@basra_voice صورة من محطة التحلية المتوقفة https://t.co/Lm3NpQ8rSt" ||
		!slices.Equal(reply.Media, []ingest.Media{{URL: "https://pbs.twimg.com/media/Gg1858000000000001011.jpg", Kind: ingest.MediaImage}}) {
		t.Errorf("reply: %+v", reply)
	}
	checkCapture(t, reply, raws[reply.NativeID], "id") // a replied-to tweet lends no text: own object alone

	// caught up: the handle is not looked up again and since_id is the cursor
	a.mu.Lock()
	a.requests = nil
	a.mu.Unlock()
	none, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(none) != 0 || cur2 != cur || len(a.requests) != 1 ||
		!strings.HasPrefix(a.requests[0], "/2/users/3344556677/tweets?") || !strings.Contains(a.requests[0], "since_id="+string(cur)) {
		t.Fatalf("caught up: %d posts, cursor %s, requests %v, %v", len(none), cur2, a.requests, err)
	}
}

func TestMentionsV2(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, "mode: mentions\nuser_id: \"3344556677\"\n", ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 2 || cur != ingest.Cursor(strconv.FormatInt(base+1200, 10)) {
		t.Fatalf("%d posts, cursor %s, %v", len(posts), cur, err)
	}
	if len(a.requests) != 1 || !strings.HasPrefix(a.requests[0], "/2/users/3344556677/mentions?") {
		t.Fatalf("user_id needs no lookup: %v", a.requests)
	}
	p := posts[1]
	if p.Author.Handle != "some_agitator" || p.Text != "@iraq_daily_news انتو تنشرون أكاذيب، راح نعرف مكانكم" ||
		p.ReplyTo != ingest.MakeID(Name, strconv.FormatInt(base+1050, 10)) || p.Permalink != "https://x.com/some_agitator/status/"+p.NativeID {
		t.Errorf("mention: %+v", p)
	}
	if posts[0].Author.Handle != "basra_voice" || posts[0].Engagement.Followers != 18300 {
		t.Errorf("mention: %+v", posts[0])
	}
	none, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(none) != 0 || cur2 != cur {
		t.Fatalf("caught up: %d posts, %v", len(none), err)
	}
}

func TestUnknownUsername(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, "mode: timeline\nusername: no_such_account\n", ingest.Limits{})
	_, cur, err := c.Fetch(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "Could not find user with username") || !strings.Contains(err.Error(), "x-test") || cur != "" {
		t.Fatalf("err = %v, cursor %q", err, cur)
	}
}
