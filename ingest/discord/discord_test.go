package discord

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
	channel = "1180000000000000001"
	token   = "MTE4MDAwMDAwMDAwMDAwMDAwMQ.Gx7yQk.fake-bot-token-for-tests"
	tokEnv  = "RASD_TEST_DISCORD_TOKEN"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Setenv(tokEnv, token)
	os.Exit(m.Run())
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ingest", "discord", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// api replays the recorded channel history the way Discord pages it:
// messages after the given id, at most limit, newest first.
type api struct {
	*httptest.Server
	mu       sync.Mutex
	msgs     []json.RawMessage
	requests int
	hook     func(n int, w http.ResponseWriter, r *http.Request) bool
}

func newAPI(t *testing.T) *api {
	a := &api{}
	if err := json.Unmarshal(readFixture(t, "channel-"+channel+".json"), &a.msgs); err != nil {
		t.Fatal(err)
	}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests++
		n, hook, msgs := a.requests, a.hook, a.msgs
		a.mu.Unlock()
		if r.Header.Get("Authorization") != "Bot "+token {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"message": "401: Unauthorized (got %s)", "code": 0}`, r.Header.Get("Authorization"))
			return
		}
		if hook != nil && hook(n, w, r) {
			return
		}
		if r.URL.Path != "/api/v10/channels/"+channel+"/messages" {
			w.WriteHeader(404)
			io.WriteString(w, `{"message": "Unknown Channel", "code": 10003}`)
			return
		}
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var page []json.RawMessage
		for _, m := range msgs {
			var v struct{ ID string }
			json.Unmarshal(m, &v)
			if id, _ := strconv.ParseUint(v.ID, 10, 64); id > after && len(page) < limit {
				page = append(page, m)
			}
		}
		parts := make([]string, len(page))
		for i, m := range page {
			parts[len(page)-1-i] = string(m) // newest first
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "4")
		w.Header().Set("X-RateLimit-Reset-After", "1.0")
		io.WriteString(w, "["+strings.Join(parts, ",")+"]")
	}))
	t.Cleanup(a.Close)
	return a
}

func newConnector(t *testing.T, base string, extra string, limits ingest.Limits) ingest.Connector {
	t.Helper()
	var doc yaml.Node
	s := "channel_ids: [\"" + channel + "\"]\nguild_id: \"1170000000000000000\"\ntoken_env: " + tokEnv +
		"\nbase_url: " + base + "/api/v10\npage_size: 3\nretry: {base_delay: 1ms, max_delay: 5ms}\n" + extra
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	c, err := New(ingest.Spec{Name: "dc-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml", AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetchPagingAndCursor(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, "", ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 7 || a.requests != 3 {
		t.Fatalf("got %d posts in %d requests, want 7 in 3", len(posts), a.requests)
	}
	for i, p := range posts {
		if i > 0 && !snowLess(posts[i-1].NativeID, p.NativeID) {
			t.Errorf("not oldest first at %d", i)
		}
		if p.ID != ingest.MakeID(Name, p.NativeID) || p.Source != "dc-test" || p.Created.IsZero() || p.Author.ID == "" ||
			p.RawSHA256 != httpx.SHA256Hex(a.msgs[i]) || !strings.HasPrefix(p.Permalink, "https://discord.com/channels/1170000000000000000/"+channel+"/") {
			t.Errorf("post %d fields: %+v", i, p)
		}
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"text", posts[0].Text == "السلام عليكم شباب، أحد يعرف شوكت يفتح التقديم على التعيينات؟" && posts[0].Author.Handle == "abu_mustafa"},
		{"reply", posts[1].ReplyTo == ingest.MakeID(Name, posts[0].NativeID)},
		{"attachment alt text", len(posts[2].MediaCaptions) == 1 && strings.HasPrefix(posts[2].MediaCaptions[0], "زحام الناس")},
		{"forward with snapshot text", posts[3].ForwardOf == ingest.MakeID(Name, posts[1].NativeID) && posts[3].Text == "بيان رسمي: تأجيل الامتحانات إلى إشعار آخر"},
		{"embed", len(posts[4].MediaCaptions) == 2 && posts[4].MediaCaptions[0] == "تأجيل الامتحانات الوزارية"},
		{"reactions", posts[5].Engagement.Likes == 6},
		{"created", posts[0].Created.Format(time.RFC3339Nano) == "2026-11-20T09:00:00Z"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: wrong", ch.name)
		}
	}
	if !strings.Contains(string(cur), posts[6].NativeID) {
		t.Errorf("cursor %s does not hold the last id", cur)
	}

	// caught up: one request, same cursor
	again, cur2, err := c.Fetch(context.Background(), cur)
	if err != nil || len(again) != 0 || cur2 != cur {
		t.Fatalf("caught up: %d posts, cursor changed %v, %v", len(again), cur2 != cur, err)
	}
	// a new message arrives
	a.mu.Lock()
	a.msgs = append(a.msgs, json.RawMessage(`{"id":"1180000029460128000","channel_id":"`+channel+`","type":0,"content":"رسالة جديدة","timestamp":"2026-11-21T10:00:00+00:00","author":{"id":"1","username":"new_user"}}`))
	a.mu.Unlock()
	fresh, _, err := c.Fetch(context.Background(), cur2)
	if err != nil || len(fresh) != 1 || fresh[0].Text != "رسالة جديدة" {
		t.Fatalf("new message: %d posts %v", len(fresh), err)
	}
}

func TestRateLimits(t *testing.T) {
	t.Run("remaining 0 waits for reset-after", func(t *testing.T) {
		a := newAPI(t)
		var times []time.Time
		a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
			times = append(times, time.Now())
			if n == 1 {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset-After", "0.2")
				io.WriteString(w, "[")
				var msgs []json.RawMessage
				json.Unmarshal(readFixture(t, "channel-"+channel+".json"), &msgs)
				io.WriteString(w, string(msgs[2])+","+string(msgs[1])+","+string(msgs[0])+"]")
				return true
			}
			return false
		}
		posts, _, err := newConnector(t, a.URL, "", ingest.Limits{MaxPages: 2}).Fetch(context.Background(), "")
		if err != nil || len(posts) != 6 {
			t.Fatalf("%d posts, %v", len(posts), err)
		}
		if gap := times[1].Sub(times[0]); gap < 180*time.Millisecond {
			t.Errorf("second request %s after the first, want ≥ 200ms", gap)
		}
	})
	t.Run("429 retry_after then success", func(t *testing.T) {
		a := newAPI(t)
		a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(429)
				w.Write(readFixture(t, "rate-limited.json"))
				return true
			}
			return false
		}
		start := time.Now()
		posts, _, err := newConnector(t, a.URL, "", ingest.Limits{}).Fetch(context.Background(), "")
		if err != nil || len(posts) != 7 {
			t.Fatalf("%d posts, %v", len(posts), err)
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Error("retry_after not honoured")
		}
	})
}

func TestFaults(t *testing.T) {
	t.Run("500 on page 2 keeps page 1", func(t *testing.T) {
		a := newAPI(t)
		a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("after") != "0" {
				w.WriteHeader(500)
				return true
			}
			return false
		}
		c := newConnector(t, a.URL, "", ingest.Limits{})
		posts, cur, err := c.Fetch(context.Background(), "")
		var se *ingest.SkipError
		if !errors.As(err, &se) || len(posts) != 3 || !strings.Contains(string(cur), posts[2].NativeID) || !strings.Contains(err.Error(), "HTTP 500") {
			t.Fatalf("%d posts, cursor %s, %v", len(posts), cur, err)
		}
		posts, cur2, err := c.Fetch(context.Background(), cur)
		if err == nil || errors.As(err, &se) || len(posts) != 0 || cur2 != cur || !strings.Contains(err.Error(), "HTTP 500") || !strings.Contains(err.Error(), "dc-test") {
			t.Fatalf("second call: %d posts, %v", len(posts), err)
		}
	})
	t.Run("a failing channel does not hold up the others", func(t *testing.T) {
		a := newAPI(t)
		var doc yaml.Node
		yaml.Unmarshal([]byte("channel_ids: [\"1180000000000000999\", \""+channel+"\"]\ntoken_env: "+tokEnv+"\nbase_url: "+a.URL+"/api/v10\nretry: {max_retries: -1}\n"), &doc)
		c, err := New(ingest.Spec{Name: "dc-test", Type: Name, Settings: doc.Content[0], File: "sources.yaml", AllowInternal: true})
		if err != nil {
			t.Fatal(err)
		}
		posts, cur, err := c.Fetch(context.Background(), "")
		var se *ingest.SkipError
		if !errors.As(err, &se) || len(posts) != 7 || !strings.Contains(err.Error(), "Unknown Channel") {
			t.Fatalf("%d posts, %v", len(posts), err)
		}
		_, cur2, err := c.Fetch(context.Background(), cur)
		if !errors.As(err, &se) || cur2 != cur {
			t.Fatalf("caught up with one channel failing: cursor changed %v, %v", cur2 != cur, err)
		}
	})
	t.Run("malformed messages", func(t *testing.T) {
		a := newAPI(t)
		a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.Write(readFixture(t, "malformed.json"))
			return true
		}
		posts, _, err := newConnector(t, a.URL, "", ingest.Limits{MaxPages: 1}).Fetch(context.Background(), "")
		var se *ingest.SkipError
		if !errors.As(err, &se) || len(se.Items) != 2 || len(posts) != 2 {
			t.Fatalf("%d posts, %v", len(posts), err)
		}
	})
	for _, tc := range []struct {
		name string
		body string
		want string
	}{
		{"truncated json", `[{"id":"1180000000100000000","content":"نص مقطو`, "JSON array"},
		{"object instead of array", `{"message":"Missing Access","code":50001}`, "JSON array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool { io.WriteString(w, tc.body); return true }
			_, _, err := newConnector(t, a.URL, "", ingest.Limits{}).Fetch(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSecretNeverLeaks(t *testing.T) {
	a := newAPI(t)
	a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(403)
		fmt.Fprintf(w, `{"message":"Missing Access for %s","code":50001}`, r.Header.Get("Authorization"))
		return true
	}
	c := newConnector(t, a.URL, "", ingest.Limits{})
	_, _, err := c.Fetch(context.Background(), "")
	if err == nil {
		t.Fatal("want error")
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%#v", c.(*Connector).token)} {
		if strings.Contains(s, token) || strings.Contains(s, "fake-bot-token") {
			t.Errorf("token leaked: %s", s)
		}
	}
	var doc yaml.Node
	yaml.Unmarshal([]byte("channel_ids: [\"1\"]\ntoken_env: RASD_TEST_UNSET_VAR\n"), &doc)
	_, err = New(ingest.Spec{Name: "dc", Settings: doc.Content[0], File: "sources.yaml"})
	if err == nil || !strings.Contains(err.Error(), "RASD_TEST_UNSET_VAR") {
		t.Errorf("missing token: %v", err)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct{ name, settings, want string }{
		{"no channels", "token_env: " + tokEnv + "\n", "channel_ids"},
		{"bad snowflake", "channel_ids: [general]\ntoken_env: " + tokEnv + "\n", "snowflake"},
		{"page size", "channel_ids: [\"1\"]\ntoken_env: " + tokEnv + "\npage_size: 500\n", "page_size"},
		{"no token env", "channel_ids: [\"1\"]\n", "token_env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			yaml.Unmarshal([]byte(tc.settings), &doc)
			_, err := New(ingest.Spec{Name: "dc", Settings: doc.Content[0], File: "sources.yaml"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// servePage makes the API answer the first page with a recorded file and
// every later one with no messages.
func servePage(t *testing.T, a *api, name string) {
	body := readFixture(t, name)
	a.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("after") == "0" {
			w.Write(body)
		} else {
			io.WriteString(w, "[]")
		}
		return true
	}
}

func TestMediaAndCapture(t *testing.T) {
	a := newAPI(t)
	c := newConnector(t, a.URL, "", ingest.Limits{})
	posts, _, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	// The recorded channel: the attachment and the link preview's thumbnail.
	if m := posts[2].Media; len(m) != 1 || m[0].Kind != ingest.MediaImage || m[0].Type != "image/jpeg" ||
		!strings.HasPrefix(m[0].URL, "https://cdn.discordapp.com/attachments/1180000000000000001/1180000000100000902/mutanabbi.jpg?ex=") {
		t.Errorf("attachment: %+v", m)
	}
	if m := posts[4].Media; len(m) != 1 || m[0].URL != "https://moe.example.iq/uploads/2026/11/exams.jpg" || m[0].Kind != ingest.MediaImage {
		t.Errorf("link preview thumbnail: %+v", m)
	}
	if posts[0].Media != nil {
		t.Errorf("a message without media has media: %+v", posts[0].Media)
	}
	for i, p := range posts {
		checkCapture(t, p, a.msgs[i])
	}

	a2 := newAPI(t)
	servePage(t, a2, "media.json")
	posts, _, err = newConnector(t, a2.URL, "", ingest.Limits{}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 7 {
		t.Fatalf("%d posts, %v", len(posts), err)
	}
	type m = ingest.Media
	cdn := "https://cdn.discordapp.com/attachments/1180000000000000001/"
	sig := "?ex=693f1a21&is=693dc8a1&hm=9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d&"
	want := []struct {
		name  string
		text  string
		media []m
	}{
		{"image only, no text", "", []m{{URL: cdn + "1180000029460128001/IMG_2031.png" + sig, Kind: "image", Type: "image/png"}}},
		{"video and a file without a type", "فيديو من ساحة التحرير قبل ساعة", []m{
			{URL: cdn + "1180000033654432001/tahrir.mp4" + sig, Kind: "video", Type: "video/mp4"},
			{URL: cdn + "1180000033654432002/bayan.pdf" + sig, Kind: "file"}}},
		{"gif: proxied video and thumbnail", "😂😂", []m{
			{URL: "https://media.tenor.com/Xk2b7Qp1aAAAAPo/iraq-dance.mp4", Kind: "video"},
			{URL: "https://media.tenor.com/Xk2b7Qp1aAAAAAAe/iraq-dance.png", Kind: "image"}}},
		{"youtube: thumbnail, not the player", "شوفوا هالتقرير https://www.youtube.com/watch?v=kJ8sD2fQw1E", []m{
			{URL: "https://i.ytimg.com/vi/kJ8sD2fQw1E/maxresdefault.jpg", Kind: "image"}}},
		{"rich embed image", "", []m{{URL: "https://static.example.iq/bayan-1121.jpg", Kind: "image"}}},
		{"forward carries the forwarded file", "", []m{{URL: cdn + "1180000000000009001/manshoor.jpg" + sig, Kind: "image", Type: "image/jpeg"}}},
		{"sticker only", "", nil},
	}
	for i, w := range want {
		p := posts[i]
		if p.Text != w.text || !slices.Equal(p.Media, w.media) {
			t.Errorf("%s: text %q media %+v, want %q %+v", w.name, p.Text, p.Media, w.text, w.media)
		}
	}
	if p := posts[4]; !slices.Equal(p.MediaCaptions, []string{"بيان", "نص البيان في الصورة"}) {
		t.Errorf("rich embed captions %q", p.MediaCaptions)
	}
	if err := c.(ingest.HealthReporter).Health(); err != nil {
		t.Errorf("media-only messages taken for withheld content: %v", err)
	}
}

// checkCapture asserts that p's capture is exactly raw, the one message.
func checkCapture(t *testing.T, p ingest.Post, raw []byte) {
	t.Helper()
	var v struct{ ID string }
	if err := json.Unmarshal(p.Capture, &v); err != nil || v.ID != p.NativeID || string(p.Capture) != string(raw) || p.CaptureType != "application/json" {
		t.Errorf("post %s: capture %q (%s) is not its own message object", p.NativeID, p.Capture, p.CaptureType)
	}
}

func TestMessageContentIntentMissing(t *testing.T) {
	a := newAPI(t)
	servePage(t, a, "no-message-content.json")
	c := newConnector(t, a.URL, "", ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 4 {
		t.Fatalf("%d posts, %v: the batch must be kept", len(posts), err)
	}
	if posts[2].Text != "<@1180000000000000077> شنو رأيك؟" {
		t.Errorf("a mention of the bot shows its content: %q", posts[2].Text)
	}
	health := ingest.HealthOf(c)
	if !errors.Is(health, ErrNoMessageContent) || !strings.Contains(health.Error(), "dc-test") ||
		!strings.Contains(health.Error(), "2 message(s)") || !strings.Contains(health.Error(), "e.g. 11800000") {
		t.Fatalf("health = %v", health)
	}
	// Nothing new: the warning stands.
	if _, _, err := c.Fetch(context.Background(), cur); err != nil || !errors.Is(ingest.HealthOf(c), ErrNoMessageContent) {
		t.Fatalf("after an empty fetch: %v, health %v", err, ingest.HealthOf(c))
	}
	// The intent is turned on: a message shows content without a mention.
	a.mu.Lock()
	a.hook = nil
	a.msgs = append(a.msgs, json.RawMessage(`{"id":"1180000075597472000","channel_id":"`+channel+`","type":0,"content":"رجعت الرسائل","mentions":[],"mention_roles":[],"timestamp":"2026-11-22T10:00:00+00:00","author":{"id":"1","username":"u"}}`))
	a.mu.Unlock()
	fresh, _, err := c.Fetch(context.Background(), cur)
	if err != nil || len(fresh) != 1 || ingest.HealthOf(c) != nil {
		t.Fatalf("after the intent is on: %d posts, %v, health %v", len(fresh), err, ingest.HealthOf(c))
	}

	// The recorded channel has a forward with empty content and no message
	// without content: it is healthy.
	b := newAPI(t)
	c2 := newConnector(t, b.URL, "", ingest.Limits{})
	if _, _, err := c2.Fetch(context.Background(), ""); err != nil || ingest.HealthOf(c2) != nil {
		t.Fatalf("recorded channel: %v, health %v", err, ingest.HealthOf(c2))
	}
}
