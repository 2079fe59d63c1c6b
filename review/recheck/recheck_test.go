package recheck

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

const (
	xToken     = "recheck-test-bearer-0123456789"
	youtubeKey = "recheck-test-youtube-key-0123"
)

func fixtureFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "recheck", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// platformServer answers as X's v2 tweet lookup, Telegram's embed pages,
// YouTube's videos.list and comments.list, and a site whose removed page
// answers 404, each in the shape the real service uses.
func platformServer(t *testing.T) *httptest.Server {
	var lookup struct {
		Data   []json.RawMessage `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(fixtureFile(t, "x-lookup.json"), &lookup); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/2/tweets":
			if r.Header.Get("Authorization") != "Bearer "+xToken {
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`))
				return
			}
			// One lookup answers each id in data or in errors, as X does.
			id := q.Get("ids")
			out := map[string][]json.RawMessage{}
			for k, list := range map[string][]json.RawMessage{"data": lookup.Data, "errors": lookup.Errors} {
				for _, e := range list {
					if strings.Contains(string(e), `"`+id+`"`) {
						out[k] = append(out[k], e)
					}
				}
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(w).Encode(out)
		case r.URL.Path == "/iraq_now_news/1236" && q.Get("embed") == "1":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(fixtureFile(t, "telegram-embed.html"))
		case r.URL.Path == "/iraq_now_news/1237" && q.Get("embed") == "1":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(fixtureFile(t, "telegram-embed-not-found.html")) // 200, as Telegram answers
		case strings.HasPrefix(r.URL.Path, "/youtube/v3/"):
			if q.Get("key") != youtubeKey || q.Get("part") != "id" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			name := map[string]string{
				"/youtube/v3/videos kJ8sD2fQw1E":                      "youtube-videos.json",
				"/youtube/v3/videos Xv9aaaaaaaa":                      "youtube-videos-empty.json",
				"/youtube/v3/comments Ugzac3478d69a3c81fa62e64AaABAg": "youtube-comments-empty.json",
			}[r.URL.Path+" "+q.Get("id")]
			if name == "" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.Write(fixtureFile(t, name))
		case r.URL.Path == "/forum/gone":
			http.NotFound(w, r)
		case r.URL.Path == "/forum/up", strings.HasPrefix(r.URL.Path, "/plain/"):
			w.Write([]byte("<p>still here</p>"))
		default:
			t.Errorf("unexpected request %s", r.URL)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sourceSpecs are sources.yaml's x, youtube and telegram sources pointed at
// srv: the re-checks take their credentials and API roots from there.
func sourceSpecs(t *testing.T, srv string) []ingest.Spec {
	t.Helper()
	t.Setenv("RASD_TEST_X_BEARER", xToken)
	t.Setenv("RASD_TEST_YOUTUBE_KEY", youtubeKey)
	dir := t.TempDir()
	yml := `sources:
  - name: x-watch
    type: x
    allow_internal: true
    settings: {mode: recent_search, query: "البصرة", token_env: RASD_TEST_X_BEARER, base_url: "` + srv + `"}
  - name: yt-watch
    type: youtube
    allow_internal: true
    settings: {video_ids: [kJ8sD2fQw1E], key_env: RASD_TEST_YOUTUBE_KEY, base_url: "` + srv + `/youtube/v3"}
  - name: tg-watch
    type: telegram
    allow_internal: true
    settings: {channel: iraq_now_news, base_url: "` + srv + `"}
`
	cfg, err := ingest.ParseConfig(filepath.Join(dir, "sources.yaml"), []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cfg.Close() })
	var specs []ingest.Spec
	for _, s := range cfg.Sources {
		specs = append(specs, s.Spec)
	}
	return specs
}

func TestPlatformsRecordRemovals(t *testing.T) {
	srv := platformServer(t)
	posts := []ingest.Post{
		{ID: "x:1861000000000000001", Platform: "x", NativeID: "1861000000000000001", Permalink: "https://x.com/i/web/status/1861000000000000001"},
		{ID: "x:1861000000000000002", Platform: "x", NativeID: "1861000000000000002", Permalink: "https://x.com/i/web/status/1861000000000000002"},
		{ID: "x:1861000000000000003", Platform: "x", NativeID: "1861000000000000003", Permalink: "https://x.com/i/web/status/1861000000000000003"},
		{ID: "x:1861000000000000004", Platform: "x", NativeID: "1861000000000000004", Permalink: "https://x.com/i/web/status/1861000000000000004"},
		{ID: "telegram:iraq_now_news/1236", Platform: "telegram", NativeID: "iraq_now_news/1236", Permalink: srv.URL + "/iraq_now_news/1236"},
		{ID: "telegram:iraq_now_news/1237", Platform: "telegram", NativeID: "iraq_now_news/1237", Permalink: srv.URL + "/iraq_now_news/1237"},
		{ID: "telegram-mtproto:iraq_now_news/1236", Platform: "telegram-mtproto", NativeID: "iraq_now_news/1236", Permalink: "https://t.me/iraq_now_news/1236"},
		{ID: "telegram-mtproto:iraq_now_news/1237", Platform: "telegram-mtproto", NativeID: "iraq_now_news/1237", Permalink: "https://t.me/iraq_now_news/1237"},
		{ID: "youtube:Ugzac3478d69a3c81fa62e64AaABAg", Platform: "youtube", NativeID: "Ugzac3478d69a3c81fa62e64AaABAg",
			Permalink: "https://www.youtube.com/watch?v=kJ8sD2fQw1E&lc=Ugzac3478d69a3c81fa62e64AaABAg"},
		{ID: "youtube:kJ8sD2fQw1E", Platform: "youtube", NativeID: "kJ8sD2fQw1E", Permalink: "https://www.youtube.com/watch?v=kJ8sD2fQw1E"},
		{ID: "youtube:Xv9aaaaaaaa", Platform: "youtube", NativeID: "Xv9aaaaaaaa", Permalink: "https://www.youtube.com/watch?v=Xv9aaaaaaaa"},
		{ID: "web:gone", Platform: "web", NativeID: "gone", Permalink: srv.URL + "/forum/gone"},
		{ID: "web:up", Platform: "web", NativeID: "up", Permalink: srv.URL + "/forum/up"},
	}
	f, ids := newFixture(t, posts)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Config: Config{Timeout: 5 * time.Second, AllowInternal: true}, Sources: sourceSpecs(t, srv.URL), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	if p.X == nil || p.YouTube == nil || p.Telegram == nil {
		t.Fatalf("platform checks not built from the sources: %+v", p)
	}
	ctx := context.Background()
	f.advance(time.Hour)
	cases := []struct {
		item, result, method, note string
	}{
		{"x:1861000000000000001", review.CheckPresent, MethodX, "X: tweet is up"},
		{"x:1861000000000000002", review.CheckRemoved, MethodX, "X: Not Found Error (deleted)"},
		{"x:1861000000000000003", review.CheckRemoved, MethodX, "X: Authorization Error (withheld, protected or account suspended)"},
		{"x:1861000000000000004", review.CheckPresent, MethodX, "X: tweet is up, withheld in IQ"},
		{"telegram:iraq_now_news/1236", review.CheckPresent, MethodTelegram, "Telegram: message is up"},
		{"telegram:iraq_now_news/1237", review.CheckRemoved, MethodTelegram, "Telegram: Post not found"},
		{"telegram-mtproto:iraq_now_news/1236", review.CheckPresent, MethodTelegram, "Telegram: message is up"},
		{"telegram-mtproto:iraq_now_news/1237", review.CheckRemoved, MethodTelegram, "Telegram: Post not found"},
		{"youtube:Ugzac3478d69a3c81fa62e64AaABAg", review.CheckRemoved, MethodYouTube, "YouTube: no such comment (removed)"},
		{"youtube:kJ8sD2fQw1E", review.CheckPresent, MethodYouTube, "YouTube: video is up"},
		{"youtube:Xv9aaaaaaaa", review.CheckRemoved, MethodYouTube, "YouTube: no such video (removed)"},
		{"web:gone", review.CheckRemoved, "http", "HTTP 404"},
		{"web:up", review.CheckPresent, "http", "HTTP 200"},
	}
	for _, tc := range cases {
		t.Run(tc.item, func(t *testing.T) {
			ch, err := f.svc.Recheck(ctx, p, ids[tc.item])
			if err != nil {
				t.Fatal(err)
			}
			if ch.Result != tc.result || ch.Method != tc.method || ch.Note != tc.note || !ch.At.Equal(t0.Add(time.Hour)) {
				t.Fatalf("check %+v; want result %s, method %s, note %q at %v", ch, tc.result, tc.method, tc.note, t0.Add(time.Hour))
			}
			r, err := f.st.Referral(ctx, ids[tc.item])
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Checks) != 1 || r.Checks[0] != ch {
				t.Fatalf("checks stored %+v, want [%+v]", r.Checks, ch)
			}
			removed := r.Outcome() == policy.OutcomeRemoved
			if removed != (tc.result == review.CheckRemoved) {
				t.Fatalf("outcome %s after a check that found %s", r.Outcome(), tc.result)
			}
			if removed {
				o := r.Outcomes[len(r.Outcomes)-1]
				if o.Source != policy.SourceRecheck || !o.At.Equal(ch.At) || o.Note != tc.note {
					t.Fatalf("removal recorded as %+v; want source recheck at %v noting %q", o, ch.At, tc.note)
				}
			}
		})
	}
	evs := auditedRechecks(t, f.audit)
	if len(evs) != len(cases) {
		t.Fatalf("%d re-checks audited, want %d", len(evs), len(cases))
	}
	for i, ev := range evs {
		if ev["result"] != cases[i].result || ev["method"] != cases[i].method || ev["note"] != cases[i].note {
			t.Errorf("audited %v; want result %s, method %s, note %q", ev, cases[i].result, cases[i].method, cases[i].note)
		}
	}
	if b, _ := os.ReadFile(f.audit); strings.Contains(string(b), xToken) || strings.Contains(string(b), youtubeKey) {
		t.Error("a credential was written to the audit log")
	}
	for _, c := range []struct {
		platform, result string
		want             float64
	}{{"x", "removed", 2}, {"x", "present", 2}, {"telegram", "removed", 1}, {"youtube", "removed", 2}, {"youtube", "present", 1}, {"web", "removed", 1}} {
		if got := testutil.ToFloat64(m.checks.WithLabelValues(c.platform, c.result)); got != c.want {
			t.Errorf("rasd_referral_rechecks_total{platform=%q,result=%q} = %v, want %v", c.platform, c.result, got, c.want)
		}
	}
}

// TestPlatformFailuresAreUnknown: a check that gets no answer about the
// content (bad credentials, a refused address, an answer not understood)
// records unknown and no removal.
func TestPlatformFailuresAreUnknown(t *testing.T) {
	srv := platformServer(t)
	ctx := context.Background()
	post := ingest.Post{ID: "x:1861000000000000002", Platform: "x", NativeID: "1861000000000000002"}
	if ch := (&X{Base: srv.URL, Token: "wrong-token", Client: localClient()}).Probe(ctx, post); ch.Result != review.CheckUnknown || ch.Code != 401 || strings.Contains(ch.Note, "wrong-token") {
		t.Errorf("lookup with a bad token: %+v; want unknown, HTTP 401", ch)
	}
	// Without the allowance the platform clients dial public addresses only.
	if ch := (&X{Base: srv.URL, Token: xToken}).Probe(ctx, post); ch.Result != review.CheckUnknown || ch.Note != "refused: not a public internet address" {
		t.Errorf("lookup on a local address without the allowance: %+v", ch)
	}
	tg := ingest.Post{Platform: "telegram", NativeID: "iraq_now_news/1237"}
	if ch := (&Telegram{Base: srv.URL}).Probe(ctx, tg); ch.Result != review.CheckUnknown || ch.Note != "refused: not a public internet address" {
		t.Errorf("embed page on a local address without the allowance: %+v", ch)
	}
	// A page with neither a message nor an error says nothing.
	if ch := (&Telegram{Base: srv.URL + "/plain", Client: localClient()}).Probe(ctx, ingest.Post{NativeID: "chan/1"}); ch.Result != review.CheckUnknown {
		t.Errorf("chan/1 on a site that is not Telegram: %+v", ch)
	}
	yt := ingest.Post{Platform: "youtube", NativeID: "kJ8sD2fQw1E"}
	if ch := (&YouTube{Base: srv.URL + "/youtube/v3", Key: "wrong-key", Client: localClient()}).Probe(ctx, yt); ch.Result != review.CheckUnknown || ch.Code != 400 {
		t.Errorf("videos.list with a bad key: %+v; want unknown, HTTP 400", ch)
	}
}

// TestNoCredentialFallsBack: without an x or youtube source (or with its
// credential unset) those posts get the permalink check.
func TestNoCredentialFallsBack(t *testing.T) {
	p, err := New(Options{Config: DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	if p.X != nil || p.YouTube != nil || p.Telegram == nil || p.Telegram.Base != "https://t.me" {
		t.Fatalf("checks without sources: X %v, YouTube %v, Telegram %+v", p.X, p.YouTube, p.Telegram)
	}
	srv := platformServer(t)
	specs := sourceSpecs(t, srv.URL)
	os.Unsetenv("RASD_TEST_X_BEARER")
	if p, err = New(Options{Config: DefaultConfig(), Sources: specs}); err != nil || p.X != nil || p.YouTube == nil {
		t.Fatalf("x source whose token is unset: X %v, YouTube %v, %v", p.X, p.YouTube, err)
	}
	f, ids := newFixture(t, []ingest.Post{{ID: "x:1", Platform: "x", NativeID: "1", Permalink: srv.URL + "/forum/gone"}})
	p.Web = &webChecker{}
	if ch, err := f.svc.Recheck(context.Background(), p, ids["x:1"]); err != nil || ch.Method != "http" || ch.Result != review.CheckRemoved {
		t.Fatalf("x post without a token: %+v, %v; want the permalink's 404", ch, err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c  Config
		ok bool
	}{
		{DefaultConfig(), true},
		{Config{Every: 0, Timeout: time.Second}, true},
		{Config{Every: 30 * time.Second, Timeout: time.Second}, false},
		{Config{Every: -time.Hour, Timeout: time.Second}, false},
		{Config{Every: time.Hour}, false},
	} {
		if err := tc.c.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", tc.c, err, tc.ok)
		}
	}
}
