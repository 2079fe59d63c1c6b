package all

// Conformance fixtures for the network connectors (web, telegram, rss, x,
// youtube, discord): each replays recorded responses from testdata/ingest
// through a local server.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/ingest"
)

func netFixture(t *testing.T, typ, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", typ, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serve(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

var fastRetry = map[string]any{"base_delay": "1ms", "max_delay": "5ms"}

func init() {
	fixtures["web"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		pages := map[string][]byte{
			"/article/5521":        netFixture(t, "web", "article-p1.html"),
			"/article/5521?page=2": netFixture(t, "web", "article-p2.html"),
			"/article/5521?page=3": netFixture(t, "web", "article-p3.html"),
			"/robots.txt":          netFixture(t, "web", "robots.txt"),
		}
		u := serve(t, func(w http.ResponseWriter, r *http.Request) {
			b, ok := pages[r.URL.RequestURI()]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write(b)
		})
		return map[string]any{
			"start_urls": []string{u + "/article/5521"},
			"selectors": map[string]string{"post": ".comment", "text": ".comment-body", "author": ".comment-author",
				"time": "time", "time_attr": "datetime", "permalink": "a.permalink", "id_attr": "data-comment-id", "next_page": "a.next"},
			"retry": fastRetry,
		}
	}, limits: limitsFast()}

	fixtures["telegram"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		u := serve(t, func(w http.ResponseWriter, r *http.Request) {
			name := map[string]string{"": "page1.html", "1236": "page2.html", "1231": "page3.html"}[r.URL.Query().Get("before")]
			if r.URL.Path != "/s/iraq_now_news" || name == "" {
				http.NotFound(w, r)
				return
			}
			w.Write(netFixture(t, "telegram", name))
		})
		return map[string]any{"channel": "iraq_now_news", "base_url": u, "retry": fastRetry}
	}}

	fixtures["rss"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		u := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Write(netFixture(t, "rss", "feed.xml"))
		})
		return map[string]any{"url": u + "/feed", "retry": fastRetry}
	}}

	fixtures["discord"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		t.Setenv("RASD_CONF_DISCORD_TOKEN", "conformance-discord-token")
		var msgs []json.RawMessage
		if err := json.Unmarshal(netFixture(t, "discord", "channel-1180000000000000001.json"), &msgs); err != nil {
			t.Fatal(err)
		}
		u := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bot conformance-discord-token" {
				w.WriteHeader(401)
				return
			}
			after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
			var out []string
			for _, m := range msgs {
				var v struct{ ID string }
				json.Unmarshal(m, &v)
				if id, _ := strconv.ParseUint(v.ID, 10, 64); id > after {
					out = append(out, string(m))
				}
			}
			io.WriteString(w, "["+strings.Join(out, ",")+"]")
		})
		return map[string]any{"channel_ids": []string{"1180000000000000001"}, "token_env": "RASD_CONF_DISCORD_TOKEN",
			"base_url": u + "/api/v10", "retry": fastRetry}
	}}

	fixtures["youtube"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		t.Setenv("RASD_CONF_YOUTUBE_KEY", "conformance-youtube-key")
		u := serve(t, func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if q.Get("key") != "conformance-youtube-key" {
				w.WriteHeader(400)
				return
			}
			var name string
			switch strings.TrimPrefix(r.URL.Path, "/youtube/v3/") {
			case "channels":
				name = "channels-contentDetails.json"
			case "playlistItems":
				name = "playlist-p1.json"
				if q.Get("pageToken") != "" {
					name = "playlist-p2.json"
				}
			case "search":
				name = "search-p1.json"
				if q.Get("publishedAfter") != "" {
					name = "search-new.json"
				}
			case "commentThreads":
				name = "comments-empty.json"
				switch {
				case q.Get("videoId") == "kJ8sD2fQw1E" && q.Get("pageToken") != "":
					name = "video-p2.json"
				case q.Get("videoId") == "kJ8sD2fQw1E":
					name = "video-p1.json"
				case q.Get("videoId") == "bT3kLm9QxP2":
					name = "comments-discovered.json"
				}
			default:
				w.WriteHeader(404)
				return
			}
			w.Write(netFixture(t, "youtube", name))
		})
		return map[string]any{"video_ids": []string{"kJ8sD2fQw1E"}, "upload_channels": []string{"UCk9Rb2mTq4Wx7Yz1Lp3Nv8H"},
			"search_queries": []string{"البصرة"}, "key_env": "RASD_CONF_YOUTUBE_KEY",
			"base_url": u + "/youtube/v3", "retry": fastRetry}
	}}

	fixtures["x"] = fixture{settings: func(t *testing.T, dir string) map[string]any {
		t.Setenv("RASD_CONF_X_BEARER", "conformance-x-bearer")
		u := serve(t, func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.Header.Get("Authorization") != "Bearer conformance-x-bearer" {
				w.WriteHeader(401)
				return
			}
			var name string
			switch r.URL.Path {
			case "/2/users/by/username/iraq_daily_news":
				name = "users_by_username.json"
			case "/2/users/3344556677/tweets":
				name = "user_tweets-p1.json"
				switch {
				case q.Get("since_id") != "":
					name = "recent_search-empty.json"
				case q.Get("pagination_token") != "":
					name = "user_tweets-p2.json"
				}
			default:
				w.WriteHeader(404)
				return
			}
			w.Write(netFixture(t, "x", name))
		})
		return map[string]any{"mode": "timeline", "username": "iraq_daily_news", "token_env": "RASD_CONF_X_BEARER",
			"base_url": u, "retry": fastRetry}
	}}
}

// dialers are the connector types that fetch over the network: each must
// refuse an internal address unless its source allows one.
var dialers = []string{"web", "telegram", "rss", "discord", "youtube", "x"}

func limitsFast() ingest.Limits { return ingest.Limits{RatePerSec: 1000} }
