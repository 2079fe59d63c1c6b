package youtube

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

const (
	uploadCh = "UCk9Rb2mTq4Wx7Yz1Lp3Nv8H"
	uploadPL = "UUk9Rb2mTq4Wx7Yz1Lp3Nv8H"
	query    = "البصرة مظاهرات"
	plPage2  = "EAAaBlBUOkNBSQ"
)

// discoveryAPI replays channels.list, playlistItems.list, search.list and
// commentThreads.list the way the Data API answers them.
type discoveryAPI struct {
	*httptest.Server
	mu       sync.Mutex
	playlist string   // the first page of the uploads playlist
	requests []string // endpoint and the parameter that names what was asked
	after    []string // search.list publishedAfter values
}

func newDiscoveryAPI(t *testing.T) *discoveryAPI {
	a := &discoveryAPI{playlist: "playlist-p1.json"}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		endpoint := strings.TrimPrefix(r.URL.Path, "/youtube/v3/")
		a.mu.Lock()
		a.requests = append(a.requests, endpoint+":"+q.Get("id")+q.Get("playlistId")+q.Get("q")+q.Get("videoId"))
		if endpoint == "search" {
			a.after = append(a.after, q.Get("publishedAfter"))
		}
		playlist := a.playlist
		a.mu.Unlock()
		if q.Get("key") != apiKey {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		switch endpoint {
		case "channels":
			if q.Get("part") != "contentDetails" {
				w.WriteHeader(400)
				return
			}
			if q.Get("id") == uploadCh {
				w.Write(readFixture(t, "channels-contentDetails.json"))
			} else {
				w.Write(readFixture(t, "channels-none.json"))
			}
		case "playlistItems":
			if q.Get("part") != "snippet,contentDetails" || q.Get("playlistId") != uploadPL || q.Get("maxResults") != "2" {
				w.WriteHeader(400)
				return
			}
			if q.Get("pageToken") == plPage2 {
				w.Write(readFixture(t, "playlist-p2.json"))
			} else {
				w.Write(readFixture(t, playlist))
			}
		case "search":
			if q.Get("part") != "snippet" || q.Get("type") != "video" || q.Get("regionCode") != "IQ" ||
				q.Get("relevanceLanguage") != "ar" || q.Get("order") != "date" || q.Get("q") != query {
				w.WriteHeader(400)
				return
			}
			switch q.Get("publishedAfter") {
			case "":
				w.Write(readFixture(t, "search-p1.json"))
			case "2026-11-22T18:20:00Z":
				w.Write(readFixture(t, "search-new.json"))
			default:
				w.Write([]byte(`{"kind":"youtube#searchListResponse","etag":"e","regionCode":"IQ","pageInfo":{"totalResults":0,"resultsPerPage":0},"items":[]}`))
			}
		case "commentThreads":
			switch q.Get("videoId") {
			case "bT3kLm9QxP2":
				w.Write(readFixture(t, "comments-discovered.json"))
			case "cR7wNz4Hj1E":
				w.WriteHeader(403)
				w.Write(readFixture(t, "error-comments-disabled.json"))
			default:
				w.Write(readFixture(t, "comments-empty.json"))
			}
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *discoveryAPI) take() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.requests
	a.requests = nil
	return r
}

func newDiscoverer(t *testing.T, base, name, extra string) *Connector {
	t.Helper()
	var doc yaml.Node
	s := "upload_channels: [" + uploadCh + "]\nsearch_queries: [\"" + query + "\"]\nkey_env: " + keyEnv +
		"\nbase_url: " + base + "/youtube/v3\npage_size: 2\nretry: {base_delay: 1ms, max_delay: 5ms}\n" + extra
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: name, Type: Name, Settings: doc.Content[0], File: "sources.yaml", AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

// rawItems maps video id → the item's JSON bytes in discovery fixtures.
func rawItems(t *testing.T, files ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range files {
		var vl videoList
		if err := json.Unmarshal(readFixture(t, f), &vl); err != nil {
			t.Fatal(err)
		}
		for _, raw := range vl.Items {
			var it struct {
				ID             json.RawMessage
				ContentDetails struct{ VideoID string }
			}
			json.Unmarshal(raw, &it)
			id := it.ContentDetails.VideoID
			if id == "" {
				var sid struct{ VideoID string }
				json.Unmarshal(it.ID, &sid)
				id = sid.VideoID
			}
			if _, dup := out[id]; !dup {
				out[id] = raw
			}
		}
	}
	return out
}

func TestDiscovery(t *testing.T) {
	a := newDiscoveryAPI(t)
	c := newDiscoverer(t, a.URL, "yt-discovery", "")
	units0 := testutil.ToFloat64(QuotaUnits.WithLabelValues("yt-discovery"))
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byID := map[string]ingest.Post{}
	for _, p := range posts {
		ids = append(ids, p.NativeID)
		byID[p.NativeID] = p
	}
	// uploads oldest first, then the search's new video (its other result was
	// found in the uploads), then the one comment of a discovered video
	want := []string{"dF2gHs8Kq5T", "cR7wNz4Hj1E", "bT3kLm9QxP2", "sQ4rTy7Ui0P", "UgxR7kPq2Wm9Tz4Lb1N4AaABAg"}
	if !slices.Equal(ids, want) {
		t.Fatalf("posts %v, want %v", ids, want)
	}
	raws := rawItems(t, "playlist-p1.json", "playlist-p2.json", "search-p1.json")
	for _, id := range want[:4] {
		p := byID[id]
		if p.ID != "youtube:"+id || p.Permalink != "https://www.youtube.com/watch?v="+id || p.Source != "yt-discovery" ||
			p.RawSHA256 != httpx.SHA256Hex(raws[id]) || string(p.Capture) != string(raws[id]) || p.CaptureType != "application/json" || p.Created.IsZero() {
			t.Errorf("video %s fields: %+v", id, p)
		}
	}
	for _, tc := range []struct{ id, thumb string }{
		{"bT3kLm9QxP2", "hqdefault"}, {"cR7wNz4Hj1E", "mqdefault"}, {"dF2gHs8Kq5T", "default"}, {"sQ4rTy7Ui0P", "hqdefault"},
	} {
		want := []ingest.Media{{URL: "https://i.ytimg.com/vi/" + tc.id + "/" + tc.thumb + ".jpg", Kind: ingest.MediaImage}}
		if !slices.Equal(byID[tc.id].Media, want) {
			t.Errorf("video %s: media %+v, want %+v", tc.id, byID[tc.id].Media, want)
		}
	}
	if p := byID["bT3kLm9QxP2"]; p.Text != "تقرير: احتجاجات أبي الخصيب تدخل يومها الخامس\n\nالمتظاهرون يطالبون بحلول لأزمة المياه.\nتابعونا على قناتنا." ||
		p.Author != (ingest.Author{ID: uploadCh, Handle: "قناة الرافدين الإخبارية"}) || p.Created.Format(time.RFC3339) != "2026-11-22T15:00:00Z" {
		t.Errorf("upload: %+v", p)
	}
	if p := byID["sQ4rTy7Ui0P"]; !strings.HasPrefix(p.Text, "\"لازم يطلعون\" - رأي الشارع بالمتظاهرين & الحكومة\n\n") || p.Author.Handle != "صوت الشارع العراقي" {
		t.Errorf("search result (HTML escapes undone): %q", p.Text)
	}
	if p := byID["UgxR7kPq2Wm9Tz4Lb1N4AaABAg"]; p.Text != "الله يساعد أهل البصرة، الماء مالح من شهور" || !strings.Contains(p.Permalink, "v=bT3kLm9QxP2&lc=") {
		t.Errorf("comment of a discovered video: %+v", p)
	}
	reqs := a.take()
	wantReqs := []string{"channels:" + uploadCh, "playlistItems:" + uploadPL, "playlistItems:" + uploadPL, "search:" + query,
		"commentThreads:sQ4rTy7Ui0P", "commentThreads:bT3kLm9QxP2", "commentThreads:cR7wNz4Hj1E", "commentThreads:dF2gHs8Kq5T"}
	if !slices.Equal(reqs, wantReqs) {
		t.Errorf("requests %v, want %v", reqs, wantReqs)
	}
	if day, units := c.QuotaSpent(); units != 3+100+4 || day == "" {
		t.Errorf("quota spent %d on %q, want 107", units, day)
	}
	if got := testutil.ToFloat64(QuotaUnits.WithLabelValues("yt-discovery")) - units0; got != 107 {
		t.Errorf("rasd_youtube_quota_units_total rose by %v, want 107", got)
	}
	if err := c.Health(); err != nil {
		t.Errorf("health: %v", err)
	}

	// resumed from the cursor: the playlist is known, the search asks only
	// for what is newer, the video with comments disabled is not asked again
	a.mu.Lock()
	a.playlist = "playlist-new.json"
	a.mu.Unlock()
	fresh, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil {
		t.Fatal(err)
	}
	ids = nil
	for _, p := range fresh {
		ids = append(ids, p.NativeID)
	}
	if !slices.Equal(ids, []string{"eM6vBn1Xc9Y", "tW8eRq3Zx6N"}) {
		t.Fatalf("second fetch: %v", ids)
	}
	reqs = a.take()
	wantReqs = []string{"playlistItems:" + uploadPL, "search:" + query, "commentThreads:tW8eRq3Zx6N", "commentThreads:eM6vBn1Xc9Y",
		"commentThreads:sQ4rTy7Ui0P", "commentThreads:bT3kLm9QxP2", "commentThreads:dF2gHs8Kq5T"}
	if !slices.Equal(reqs, wantReqs) {
		t.Errorf("second fetch requests %v, want %v", reqs, wantReqs)
	}
	if a.after[1] != "2026-11-22T18:20:00Z" {
		t.Errorf("publishedAfter %q, want the newest search result's time", a.after[1])
	}

	none, cur3, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(none) != 0 || cur3 != cur2 || a.after[2] != "2026-11-23T10:00:00Z" {
		t.Fatalf("caught up: %d posts, cursor changed %v, publishedAfter %q, %v", len(none), cur3 != cur2, a.after[2], err)
	}
}

func TestWatchVideosAndComments(t *testing.T) {
	for _, tc := range []struct {
		extra string
		want  []string
	}{
		{"watch_videos: 2\n", []string{"commentThreads:sQ4rTy7Ui0P", "commentThreads:bT3kLm9QxP2"}},
		{"comments: false\n", nil},
	} {
		t.Run(tc.extra, func(t *testing.T) {
			a := newDiscoveryAPI(t)
			c := newDiscoverer(t, a.URL, "yt-watch", tc.extra)
			posts, cur, err := c.Fetch(context.Background(), "")
			if err != nil || len(posts) < 4 {
				t.Fatalf("%d posts, %v", len(posts), err)
			}
			var comments []string
			for _, r := range a.take() {
				if strings.HasPrefix(r, "commentThreads:") {
					comments = append(comments, r)
				}
			}
			if !slices.Equal(comments, tc.want) {
				t.Errorf("comment requests %v, want %v", comments, tc.want)
			}
			var marks map[string]mark
			json.Unmarshal([]byte(cur), &marks)
			var followed int
			for k := range marks {
				if strings.HasPrefix(k, "video:") {
					followed++
				}
			}
			if followed != len(tc.want) {
				t.Errorf("cursor follows %d videos, want %d: %s", followed, len(tc.want), cur)
			}
		})
	}
}

func TestQuotaBudget(t *testing.T) {
	a := newDiscoveryAPI(t)
	c := newDiscoverer(t, a.URL, "yt-budget", "daily_quota: 105\n")
	clock := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) // 12:00 Pacific
	c.now = func() time.Time { return clock }
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	// channels 1 + playlistItems 2 + search 100 + two comment pages = 105
	if len(posts) != 5 || len(a.take()) != 6 {
		t.Fatalf("%d posts", len(posts))
	}
	if _, units := c.QuotaSpent(); units != 105 {
		t.Errorf("spent %d, want 105", units)
	}
	h := ingest.HealthOf(c)
	if h == nil || !strings.Contains(h.Error(), "daily_quota of 105 units reached on quota day 2026-11-23") || !strings.Contains(h.Error(), "yt-budget") {
		t.Fatalf("health = %v", h)
	}
	var marks map[string]mark
	json.Unmarshal([]byte(cur), &marks)
	if marks["video:cR7wNz4Hj1E"].Closed || marks["uploads:"+uploadCh].Playlist != uploadPL {
		t.Errorf("cursor after the stop: %s", cur)
	}

	if marks[quotaKey+"2026-11-23"].Spent != 105 {
		t.Errorf("cursor does not keep the day's spending: %s", cur)
	}

	again, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(again) != 0 || cur2 != cur || len(a.take()) != 0 || c.Health() == nil {
		t.Fatalf("same quota day: %d posts, %v; want nothing asked", len(again), err)
	}

	// A restart on the same quota day: the new process counts on from the
	// cursor and asks nothing.
	restarted := newDiscoverer(t, a.URL, "yt-budget", "daily_quota: 105\n")
	restarted.now = func() time.Time { return clock }
	if again, _, err := restarted.Fetch(context.Background(), cur); err != nil || len(again) != 0 || len(a.take()) != 0 || restarted.Health() == nil {
		t.Fatalf("after a restart: %d posts, %v, health %v; want nothing asked", len(again), err, restarted.Health())
	}

	clock = clock.Add(12 * time.Hour) // past midnight Pacific
	if err := c.Health(); err != nil {
		t.Fatalf("new quota day: health %v", err)
	}
	_, _, err = c.Fetch(context.Background(), cur)
	if err != nil {
		t.Fatal(err)
	}
	reqs := a.take()
	if len(reqs) == 0 || reqs[0] != "playlistItems:"+uploadPL {
		t.Errorf("new quota day: requests %v", reqs)
	}
	if day, _ := c.QuotaSpent(); day != "2026-11-24" {
		t.Errorf("quota day %s", day)
	}
}

func TestAPIQuotaExceededIsHealth(t *testing.T) {
	a := newAPI(t)
	a.hook = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(403)
		w.Write(readFixture(t, "error-quota.json"))
		return true
	}
	c := newConnector(t, a.URL, ingest.Limits{})
	if _, _, err := c.Fetch(context.Background(), ""); err == nil {
		t.Fatal("want error")
	}
	h := ingest.HealthOf(c)
	if h == nil || !strings.Contains(h.Error(), "refused commentThreads.list for quota") {
		t.Fatalf("health = %v", h)
	}
	a.mu.Lock()
	n := len(a.requests)
	a.mu.Unlock()
	if n != 1 {
		t.Errorf("%d requests after the API's quota refusal, want 1", n)
	}
}

func TestNewRejectsBadDiscoverySettings(t *testing.T) {
	for _, tc := range []struct{ name, settings, want string }{
		{"bad upload channel", "upload_channels: [rafidain]\n", "upload_channels"},
		{"empty query", "search_queries:\n  - البصرة\n  - \" \"\n", "sources.yaml:3: source \"yt\": search_queries[1]"},
		{"bad upload channel in a list", "upload_channels:\n  - " + uploadCh + "\n  - rafidain\n", "sources.yaml:3: source \"yt\": upload_channels: \"rafidain\""},
		{"long query", "search_queries: [" + strings.Repeat("a", MaxQueryLen+1) + "]\n", "search_queries[0]"},
		{"region", "search_queries: [x]\nregion_code: iraq\n", "region_code"},
		{"language", "search_queries: [x]\nrelevance_language: Arabic\n", "relevance_language"},
		{"quota", "search_queries: [x]\ndaily_quota: -5\n", "sources.yaml:2: source \"yt\": daily_quota -5"},
		{"watch", "search_queries: [x]\nwatch_videos: 501\n", "watch_videos 501"},
		{"too many", "search_queries: [" + strings.Repeat("x,", MaxTargets) + "x]\n", "at most 200"},
		{"unknown key", "search_queries: [x]\nquota: 5\n", "sources.yaml:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			yaml.Unmarshal([]byte(tc.settings+"key_env: "+keyEnv+"\n"), &doc)
			_, err := New(ingest.Spec{Name: "yt", Settings: doc.Content[0], File: "sources.yaml"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestMaxPostsClipsDiscovery: a target with more new videos than
// Limits.MaxPosts gives the oldest now and the rest next time.
func TestMaxPostsClipsDiscovery(t *testing.T) {
	a := newDiscoveryAPI(t)
	var doc yaml.Node
	s := "upload_channels: [" + uploadCh + "]\ncomments: false\nkey_env: " + keyEnv + "\nbase_url: " + a.URL + "/youtube/v3\npage_size: 2\n"
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "yt-clip", Type: Name, Settings: doc.Content[0], File: "sources.yaml", AllowInternal: true, Limits: ingest.Limits{MaxPosts: 2}})
	if err != nil {
		t.Fatal(err)
	}
	var cur ingest.Cursor
	for i, want := range [][]string{{"dF2gHs8Kq5T", "cR7wNz4Hj1E"}, {"bT3kLm9QxP2"}, nil} {
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range posts {
			ids = append(ids, p.NativeID)
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("fetch %d: %v, want %v", i+1, ids, want)
		}
		cur = next
	}
}
