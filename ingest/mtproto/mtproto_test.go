package mtproto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mtproto/mtprototest"
)

const hashEnv = "RASD_TEST_TG_API_HASH"

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

func newSpec(t testing.TB, settings string, limits ingest.Limits) ingest.Spec {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &doc); err != nil {
		t.Fatal(err)
	}
	return ingest.Spec{Name: "mt-test", Type: Name, Settings: doc.Content[0], Limits: limits, File: "sources.yaml"}
}

// clock is a fake clock that moves only when the connector waits.
type clock struct {
	now   time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time { return c.now }

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func newConnector(t *testing.T, srv *mtprototest.Server, extra string, limits ingest.Limits) (*Connector, *clock) {
	t.Helper()
	t.Setenv(hashEnv, "0123456789abcdef0123456789abcdef")
	c, err := New(newSpec(t, "peer: '@"+srv.Channel.Username+"'\napi_id: 123456\napi_hash_env: "+hashEnv+"\nsession: "+filepath.Join(t.TempDir(), "tg.session")+"\n"+extra, limits))
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*Connector)
	conn.SetDialer(srv)
	clk := &clock{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	conn.SetClock(clk.Now, clk.Sleep)
	return conn, clk
}

const chanID = 1700000001

// channel builds a broadcast channel with n messages (every ninth deleted,
// every thirteenth a service message) and a few of each kind.
func channel(n int) *mtprototest.Server {
	srv := mtprototest.NewServer("basra_voice", chanID, "صوت البصرة", false)
	srv.Chats = []tg.ChatClass{&tg.Channel{ID: 1700000002, AccessHash: 5, Username: "tahrir_square_iq", Title: "ساحة التحرير", Photo: &tg.ChatPhotoEmpty{}}}
	for id := 1; id <= n; id++ {
		addMessage(srv, id)
	}
	return srv
}

func addMessage(srv *mtprototest.Server, id int) {
	date := int(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()) + id*3600
	switch {
	case id%9 == 0:
		return
	case id%13 == 0:
		srv.AddService(id, date)
		return
	}
	m := &tg.Message{ID: id, Date: date, Message: "منشور رقم " + strconv.Itoa(id) + " عن البصرة"}
	m.SetViews(id * 10)
	m.SetForwards(id % 5)
	switch id % 10 {
	case 2:
		m.SetFwdFrom(tg.MessageFwdHeader{Date: date - 60, FromID: &tg.PeerChannel{ChannelID: 1700000002}, ChannelPost: 4821})
	case 3:
		m.SetReplyTo(&tg.MessageReplyHeader{ReplyToMsgID: id - 2})
	case 4:
		m.SetPostAuthor("أحمد الساعدي")
	case 5:
		m.SetMedia(&tg.MessageMediaDocument{Document: &tg.Document{ID: int64(id), Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeFilename{FileName: "بيان_" + strconv.Itoa(id) + ".pdf"}}}})
	case 6:
		m.Message = "" // a photo with no caption: nothing to read
		m.SetMedia(&tg.MessageMediaPhoto{Photo: &tg.PhotoEmpty{ID: int64(id)}})
	case 7:
		m.SetMedia(&tg.MessageMediaWebPage{Webpage: &tg.WebPage{ID: int64(id), URL: "https://example.org/a", DisplayURL: "example.org/a", Title: "أسعار الخضار اليوم", Type: "article"}})
	}
	srv.Add(m)
}

// readable lists the ids a reader should get: text or captions, no service messages.
func readable(srv *mtprototest.Server) []int64 {
	var out []int64
	for _, id := range srv.IDs() {
		if id%13 != 0 && id%10 != 6 {
			out = append(out, int64(id))
		}
	}
	return out
}

// drain fetches until the cursor settles, failing on any post twice.
func drain(t *testing.T, c ingest.Connector, cur ingest.Cursor, between func(fetch int)) ([]ingest.Post, ingest.Cursor, int) {
	t.Helper()
	var all []ingest.Post
	seen := map[string]bool{}
	for fetch := 0; fetch < 200; fetch++ {
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatalf("fetch %d at %q: %v", fetch, cur, err)
		}
		for i, p := range posts {
			if seen[p.ID] {
				t.Errorf("%s read twice", p.ID)
			}
			seen[p.ID] = true
			if i > 0 && msgID(posts[i-1]) >= msgID(p) {
				t.Errorf("not oldest first at %s", p.ID)
			}
		}
		all = append(all, posts...)
		if between != nil {
			between(fetch)
		}
		if next == cur && len(posts) == 0 {
			return all, cur, fetch + 1
		}
		cur = next
	}
	t.Fatal("cursor never settled")
	return nil, "", 0
}

func ids(posts []ingest.Post) []int64 {
	out := make([]int64, len(posts))
	for i, p := range posts {
		out[i] = msgID(p)
	}
	return out
}

func TestFetchWholeHistoryAndNewMessages(t *testing.T) {
	srv := channel(300)
	c, _ := newConnector(t, srv, "page_size: 40\n", ingest.Limits{MaxPages: 3})
	posts, cur, fetches := drain(t, c, "", func(fetch int) {
		if fetch == 1 {
			for id := 301; id <= 330; id++ {
				addMessage(srv, id)
			}
		}
	})
	if got, want := ids(posts), readable(srv); !slices.Equal(got, want) {
		t.Fatalf("read %d messages, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	if cur != "330" || fetches < 3 {
		t.Errorf("cursor %q after %d fetches; want 330 after several (3 pages of 40 a fetch)", cur, fetches)
	}
	resolves := 0
	for _, call := range srv.Calls() {
		if _, ok := call.(*tg.ContactsResolveUsernameRequest); ok {
			resolves++
		}
	}
	if resolves != 1 {
		t.Errorf("username resolved %d times, want once per connector", resolves)
	}

	byID := map[int64]ingest.Post{}
	for _, p := range posts {
		byID[msgID(p)] = p
		if p.Platform != Name || p.Source != "mt-test" || p.ID != ingest.MakeID(Name, p.NativeID) || len(p.RawSHA256) != 64 || p.Fetched.IsZero() {
			t.Errorf("%s: shared fields: %+v", p.ID, p)
		}
		m, err := DecodeCapture(p.Capture)
		if err != nil || int64(m.ID) != msgID(p) || m.Message != p.Text || p.CaptureType != CaptureType {
			t.Errorf("%s: capture is not the message: %v %+v", p.ID, err, m)
		}
	}
	checks := []struct {
		name string
		id   int64
		ok   func(p ingest.Post) bool
	}{
		{"text, permalink, date", 1, func(p ingest.Post) bool {
			return p.Text == "منشور رقم 1 عن البصرة" && p.Permalink == "https://t.me/basra_voice/1" &&
				p.Created.Equal(time.Date(2025, 1, 1, 1, 0, 0, 0, time.UTC))
		}},
		{"channel author and reach", 11, func(p ingest.Post) bool {
			return p.Author == ingest.Author{ID: "basra_voice", Handle: "صوت البصرة"} && p.Engagement.Views == 110 &&
				p.Engagement.Shares == 1 && p.Engagement.Followers == 4821
		}},
		{"forward", 12, func(p ingest.Post) bool { return p.ForwardOf == "telegram-mtproto:tahrir_square_iq/4821" }},
		{"reply", 23, func(p ingest.Post) bool { return p.ReplyTo == "telegram-mtproto:basra_voice/21" }},
		{"signature", 14, func(p ingest.Post) bool {
			return p.Author.Handle == "أحمد الساعدي" && p.Author.ID == "basra_voice"
		}},
		{"document", 15, func(p ingest.Post) bool {
			return slices.Equal(p.MediaCaptions, []string{p.Text, "بيان_15.pdf"})
		}},
		{"link preview", 17, func(p ingest.Post) bool {
			return slices.Equal(p.MediaCaptions, []string{"أسعار الخضار اليوم"})
		}},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			if p, ok := byID[tc.id]; !ok || !tc.ok(p) {
				t.Errorf("message %d: %+v", tc.id, p)
			}
		})
	}

	// A restart: a new connector from the saved cursor reads only what is new.
	for id := 331; id <= 335; id++ {
		addMessage(srv, id)
	}
	c2, _ := newConnector(t, srv, "page_size: 40\n", ingest.Limits{MaxPages: 3})
	more, cur2, _ := drain(t, c2, cur, nil)
	if got := ids(more); !slices.Equal(got, []int64{331, 332, 334, 335}) || cur2 != "335" {
		t.Errorf("after restart read %v, cursor %q", got, cur2)
	}
}

func TestGroupSenders(t *testing.T) {
	srv := mtprototest.NewServer("iraq_talk_group", chanID, "نقاشات عراقية", true)
	srv.Users = []tg.UserClass{&tg.User{ID: 501, Username: "abu_ali", FirstName: "أبو", LastName: "علي"}, &tg.User{ID: 502, FirstName: "زينب"}}
	srv.Add(
		&tg.Message{ID: 1, Date: 1735700000, Message: "السلام عليكم", FromID: &tg.PeerUser{UserID: 501}},
		&tg.Message{ID: 2, Date: 1735700060, Message: "وعليكم السلام", FromID: &tg.PeerUser{UserID: 502}, ReplyTo: &tg.MessageReplyHeader{ReplyToMsgID: 1}},
		&tg.Message{ID: 3, Date: 1735700120, Message: "تنبيه من الإدارة", FromID: &tg.PeerChannel{ChannelID: chanID}},
	)
	c, _ := newConnector(t, srv, "", ingest.Limits{})
	posts, _, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 3 {
		t.Fatalf("%d posts, %v", len(posts), err)
	}
	want := []ingest.Author{{ID: "abu_ali", Handle: "أبو علي"}, {ID: "user/502", Handle: "زينب"}, {ID: "iraq_talk_group", Handle: "نقاشات عراقية"}}
	for i, p := range posts {
		if p.Author != want[i] {
			t.Errorf("message %d: author %+v, want %+v", i+1, p.Author, want[i])
		}
	}
	if posts[1].ReplyTo != "telegram-mtproto:iraq_talk_group/1" {
		t.Errorf("reply %q", posts[1].ReplyTo)
	}
}

func TestPacingAndFloodWait(t *testing.T) {
	srv := channel(100)
	srv.Fail = func(call int, req bin.Encoder) error {
		if call == 3 {
			return tgerr.New(420, "FLOOD_WAIT_7")
		}
		return nil
	}
	c, clk := newConnector(t, srv, "page_size: 20\n", ingest.Limits{RatePerSec: 2})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || cur != "100" || !slices.Equal(ids(posts), readable(srv)) {
		t.Fatalf("%d posts, cursor %q, err %v", len(posts), cur, err)
	}
	// Every call after the first waits out the pace (2 a second), except
	// the one repeated after the flood wait, which is waited in full.
	calls := len(srv.Calls())
	var pace, flood int
	for _, w := range clk.waits {
		switch w {
		case 500 * time.Millisecond:
			pace++
		case 7 * time.Second:
			flood++
		default:
			t.Errorf("unexpected wait %v", w)
		}
	}
	if flood != 1 || pace != calls-2 {
		t.Errorf("%d calls: %d pace waits, %d flood waits; want %d and 1 (waits %v)", calls, pace, flood, calls-2, clk.waits)
	}

	// A wait longer than max_flood_wait ends the fetch: with nothing read
	// it is an error; after a page it returns that page.
	for _, tc := range []struct {
		failAt    int
		wantPosts int
	}{{2, 0}, {3, 17}} {
		c, _ := newConnector(t, srv, "page_size: 20\nmax_flood_wait: 1m\n", ingest.Limits{})
		before := len(srv.Calls())
		srv.Fail = func(call int, req bin.Encoder) error {
			if call == before+tc.failAt {
				return tgerr.New(420, "FLOOD_WAIT_3600")
			}
			return nil
		}
		posts, cur, err := c.Fetch(context.Background(), "")
		if tc.wantPosts == 0 {
			if !errors.Is(err, ErrFloodWait) || cur != "" || !strings.Contains(err.Error(), "mt-test") {
				t.Errorf("flood wait on the first page: cursor %q, err %v", cur, err)
			}
			continue
		}
		if err != nil || len(posts) != tc.wantPosts || cur != "22" {
			t.Errorf("flood wait on the second page: %d posts, cursor %q, err %v", len(posts), cur, err)
		}
	}
}

func TestSessionAndAccessErrors(t *testing.T) {
	t.Setenv(hashEnv, "0123456789abcdef0123456789abcdef")
	dir := t.TempDir()
	build := func(session string) *Connector {
		c, err := New(newSpec(t, fmt.Sprintf("peer: basra_voice\napi_id: 1\napi_hash_env: %s\nsession: %s\n", hashEnv, session), ingest.Limits{}))
		if err != nil {
			t.Fatal(err)
		}
		return c.(*Connector)
	}
	// No session file: the fetch fails at once, without dialling, and the
	// source's health says what to do.
	c := build(filepath.Join(dir, "missing.session"))
	_, cur, err := c.Fetch(context.Background(), "12")
	if !errors.Is(err, ErrNoSession) || cur != "12" || !strings.Contains(err.Error(), "rasd telegram login") {
		t.Fatalf("missing session: cursor %q, err %v", cur, err)
	}
	if h := ingest.HealthOf(c); !errors.Is(h, ErrNoSession) {
		t.Errorf("health %v", h)
	}
	bad := filepath.Join(dir, "bad.session")
	if err := os.WriteFile(bad, []byte("not a session {"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := build(bad).Fetch(context.Background(), ""); !errors.Is(err, ErrBadSession) {
		t.Errorf("corrupt session: %v", err)
	}
	if err := CheckSession(context.Background(), bad); !errors.Is(err, ErrBadSession) {
		t.Errorf("CheckSession(corrupt) = %v", err)
	}

	// Telegram refuses the session: health degraded until a fetch works.
	srv := channel(5)
	revoked := true
	srv.Fail = func(int, bin.Encoder) error {
		if revoked {
			return tgerr.New(401, "SESSION_REVOKED")
		}
		return nil
	}
	c2, _ := newConnector(t, srv, "", ingest.Limits{})
	if _, _, err := c2.Fetch(context.Background(), ""); !errors.Is(err, ErrNotAuthorized) || !errors.Is(c2.Health(), ErrNotAuthorized) {
		t.Errorf("revoked session: err %v, health %v", err, c2.Health())
	}
	revoked = false
	if posts, _, err := c2.Fetch(context.Background(), ""); err != nil || len(posts) == 0 || c2.Health() != nil {
		t.Errorf("after a new login: %d posts, err %v, health %v", len(posts), err, c2.Health())
	}

	// A name nobody holds, and a private channel.
	other := mtprototest.NewServer("someone_else", 9, "x", false)
	c3, _ := newConnector(t, channel(1), "", ingest.Limits{})
	c3.SetDialer(other)
	if _, _, err := c3.Fetch(context.Background(), ""); !errors.Is(err, ErrPeerNotFound) || c3.Health() != nil {
		t.Errorf("unknown username: %v (health %v)", err, c3.Health())
	}
	srv.Fail = func(_ int, req bin.Encoder) error {
		if _, ok := req.(*tg.MessagesGetHistoryRequest); ok {
			return tgerr.New(400, "CHANNEL_PRIVATE")
		}
		return nil
	}
	if _, _, err := c2.Fetch(context.Background(), ""); !errors.Is(err, ErrPrivate) {
		t.Errorf("private channel: %v", err)
	}
	if _, _, err := c2.Fetch(context.Background(), "x1"); err == nil || !strings.Contains(err.Error(), "bad cursor") {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	t.Setenv(hashEnv, "secret-hash-value")
	base := "api_id: 5\napi_hash_env: " + hashEnv + "\n"
	tests := []struct{ name, settings, want string }{
		{"no peer", base, "peer"},
		{"invite link", base + "peer: https://t.me/+AbCdEf\n", "peer"},
		{"no api id", "peer: basra_voice\napi_hash_env: " + hashEnv + "\n", "api_id"},
		{"no api hash", "peer: basra_voice\napi_id: 5\n", "api_hash_env"},
		{"unset api hash", "peer: basra_voice\napi_id: 5\napi_hash_env: RASD_TEST_UNSET_VAR\n", "RASD_TEST_UNSET_VAR"},
		{"page size", base + "peer: basra_voice\npage_size: 500\n", "page_size"},
		{"negative flood wait", base + "peer: basra_voice\nmax_flood_wait: -1s\n", "max_flood_wait"},
		{"unknown key", base + "peer: basra_voice\nchannel: x\n", "channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(newSpec(t, tc.settings, ingest.Limits{}))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "sources.yaml") {
				t.Fatalf("err = %v, want mention of %q and the file", err, tc.want)
			}
		})
	}
	c, err := New(newSpec(t, base+"peer: t.me/basra_voice\n", ingest.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%+v %v", c, c); strings.Contains(s, "secret-hash-value") {
		t.Errorf("api hash printed: %s", s)
	}
}

// BenchmarkFetchPage measures one page of 100 messages: the request and
// answer through their TL form (mtprototest) and the mapping to posts.
func BenchmarkFetchPage(b *testing.B) {
	srv := channel(100)
	b.Setenv(hashEnv, "0123456789abcdef0123456789abcdef")
	conn, err := New(newSpec(b, "peer: basra_voice\napi_id: 1\napi_hash_env: "+hashEnv+"\n", ingest.Limits{MaxPages: 1, RatePerSec: 1e9}))
	if err != nil {
		b.Fatal(err)
	}
	c := conn.(*Connector)
	c.SetDialer(srv)
	b.ReportAllocs()
	for b.Loop() {
		posts, _, err := c.Fetch(context.Background(), "")
		if err != nil || len(posts) == 0 {
			b.Fatal(len(posts), err)
		}
	}
}
