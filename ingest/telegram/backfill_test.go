package telegram

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/checkpoint"
)

// history serves a channel's preview the way t.me/s/CHANNEL does: the
// newest perPage messages, ?before=ID for the perPage messages below ID, a
// "load older" link while older ones exist, and holes where messages were
// deleted.
type history struct {
	*httptest.Server
	mu       sync.Mutex
	ids      []int64 // ascending
	fail     map[string]bool
	requests []string
}

const (
	histChannel = "iraq_archive"
	perPage     = 20
)

func newHistory(t *testing.T, upTo int64) *history {
	h := &history{fail: map[string]bool{}}
	h.add(upTo)
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// add posts messages up to id, leaving every seventh id deleted.
func (h *history) add(upTo int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	from := int64(1)
	if n := len(h.ids); n > 0 {
		from = h.ids[n-1] + 1
	}
	for id := from; id <= upTo; id++ {
		if id%7 != 0 {
			h.ids = append(h.ids, id)
		}
	}
}

// want lists the ids the channel holds.
func (h *history) want() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ids)
}

func (h *history) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	before := r.URL.Query().Get("before")
	h.requests = append(h.requests, before)
	if r.URL.Path != "/s/"+histChannel {
		http.NotFound(w, r)
		return
	}
	if h.fail[before] {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	end := len(h.ids)
	if before != "" {
		b, _ := strconv.ParseInt(before, 10, 64)
		end, _ = slices.BinarySearch(h.ids, b)
	}
	page := h.ids[max(0, end-perPage):end]
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>أرشيف العراق – Telegram</title>`)
	if len(page) > 0 && page[0] > h.ids[0] {
		fmt.Fprintf(&b, `<link rel="prev" href="/s/%s?before=%d">`, histChannel, page[0])
	}
	b.WriteString(`</head><body class="widget_frame_base tgme_webpage_body"><main class="tgme_main">`)
	b.WriteString(`<section class="tgme_right_column"><div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">أرشيف العراق</span></div>`)
	b.WriteString(`<div class="tgme_channel_info_counter"><span class="counter_value">12.5K</span> <span class="counter_type">subscribers</span></div></div></section>`)
	b.WriteString(`<section class="tgme_channel_history js-message_history">`)
	if len(page) > 0 && page[0] > h.ids[0] {
		fmt.Fprintf(&b, `<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/%s?before=%d" class="tme_messages_more js-messages_more" data-before="%d"></a></div>`, histChannel, page[0], page[0])
	}
	start := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	for _, id := range page {
		fmt.Fprintf(&b, `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="%[1]s/%[2]d"><div class="tgme_widget_message_bubble">`+
			`<div class="tgme_widget_message_author accent_color js-message_author"><a class="tgme_widget_message_owner_name" href="https://t.me/%[1]s"><span dir="auto">أرشيف العراق</span></a></div>`+
			`<div class="tgme_widget_message_text js-message_text" dir="auto">منشور رقم %[2]d من الأرشيف</div>`+
			`<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info"><span class="tgme_widget_message_views">%[2]d</span><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/%[1]s/%[2]d"><time datetime="%[3]s" class="time">08:00</time></a></span></div></div>`+
			`</div></div></div>`+"\n", histChannel, id, start.Add(time.Duration(id)*time.Hour).Format(time.RFC3339))
	}
	b.WriteString(`</section></main></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(b.String()))
}

func (h *history) connector(t *testing.T, backfill bool, limits ingest.Limits) ingest.Connector {
	t.Helper()
	c, err := New(newSpec(t, fmt.Sprintf("channel: %s\nbase_url: %s\nbackfill: %v\nretry: {max_retries: 0, base_delay: 1ms}\n", histChannel, h.URL, backfill), limits))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ingested records what reached the store, failing on a message handed
// downstream twice.
type ingested struct {
	t   *testing.T
	ids map[int64]bool
}

func (in *ingested) take(posts []ingest.Post) {
	in.t.Helper()
	for i, p := range posts {
		n := msgNum(p)
		if in.ids[n] {
			in.t.Errorf("message %d ingested twice", n)
		}
		if i > 0 && msgNum(posts[i-1]) >= n {
			in.t.Errorf("posts not oldest first at %d", n)
		}
		if p.Source != "tg-test" || p.Text != "منشور رقم "+strconv.FormatInt(n, 10)+" من الأرشيف" || p.Engagement.Followers != 12500 {
			in.t.Errorf("message %d: %+v", n, p)
		}
		in.ids[n] = true
	}
}

func (in *ingested) sorted() []int64 {
	out := make([]int64, 0, len(in.ids))
	for id := range in.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func TestBackfillReadsWholeHistoryWhileNewArrive(t *testing.T) {
	h := newHistory(t, 400)
	c := h.connector(t, true, ingest.Limits{MaxPages: 2})
	in := &ingested{t: t, ids: map[int64]bool{}}
	var cur ingest.Cursor
	fetches := 0
	for ; fetches < 100; fetches++ {
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatalf("fetch %d at %q: %v", fetches, cur, err)
		}
		in.take(posts)
		if fetches == 2 {
			h.add(460) // new messages arrive mid-backfill, more than the page cap reads at once
		}
		if next == cur && len(posts) == 0 {
			break
		}
		cur = next
	}
	if got, want := in.sorted(), h.want(); !slices.Equal(got, want) {
		t.Fatalf("ingested %d messages, want %d: got %v", len(got), len(want), got)
	}
	if cur != "460;backfill" {
		t.Errorf("final cursor %q, want 460;backfill (nothing left to read)", cur)
	}
	// 395 messages (after holes) at 20 a page need about 20 older pages,
	// 2 a fetch: the backfill takes several fetches, as it must.
	if fetches < 8 {
		t.Errorf("history read in %d fetches: the page cap was not kept", fetches)
	}

	// Without backfill the same channel gives only what the page cap reaches.
	plain := h.connector(t, false, ingest.Limits{MaxPages: 2})
	posts, cur2, err := plain.Fetch(context.Background(), "")
	if err != nil || len(posts) != 2*perPage || cur2 != "460" {
		t.Fatalf("without backfill: %d posts, cursor %q, err %v", len(posts), cur2, err)
	}
}

func TestBackfillResumesAfterRestart(t *testing.T) {
	h := newHistory(t, 300)
	db := filepath.Join(t.TempDir(), "crawl.db")
	in := &ingested{t: t, ids: map[int64]bool{}}

	// step fetches once and commits like the crawler: the cursor is saved
	// only with the posts it covers.
	step := func(c ingest.Connector, store *checkpoint.DB) (ingest.Cursor, int, error) {
		cur, err := store.Get("tg-test")
		if err != nil {
			t.Fatal(err)
		}
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			return cur, len(posts), err
		}
		in.take(posts)
		if err := store.Put("tg-test", next); err != nil {
			t.Fatal(err)
		}
		return next, len(posts), nil
	}

	store, err := checkpoint.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	c := h.connector(t, true, ingest.Limits{MaxPages: 1})
	var cur ingest.Cursor
	for range 3 {
		if cur, _, err = step(c, store); err != nil {
			t.Fatal(err)
		}
	}
	pos, err := parsePosition(string(cur))
	if err != nil || len(pos.pending) != 1 || pos.pending[0].after != 0 {
		t.Fatalf("cursor %q mid-backfill: %+v, %v", cur, pos, err)
	}
	resumeAt := strconv.FormatInt(pos.pending[0].before, 10)

	// The next older page fails: the fetch's posts are not committed and
	// the saved cursor stays where it was; then the process is killed.
	h.mu.Lock()
	h.fail[resumeAt] = true
	h.mu.Unlock()
	if _, n, err := step(c, store); err == nil || !strings.Contains(err.Error(), "502") || n != 0 {
		t.Fatalf("failing page: %d posts, err %v", n, err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: a new connector and the reopened checkpoint. New messages
	// arrived while it was down (fewer than a page: the stretch between
	// them and the cursor is tested in TestBackfillReadsWholeHistoryWhileNewArrive).
	h.mu.Lock()
	h.fail = map[string]bool{}
	h.requests = nil
	h.mu.Unlock()
	h.add(313)
	store, err = checkpoint.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c = h.connector(t, true, ingest.Limits{MaxPages: 1})
	if _, _, err := step(c, store); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	first := slices.Clone(h.requests)
	h.mu.Unlock()
	if len(first) != 2 || first[0] != "" || first[1] != resumeAt {
		t.Errorf("after the restart the first fetch asked for %q, want the newest page then before=%s", first, resumeAt)
	}
	for range 100 {
		prev := cur
		next, n, err := step(c, store)
		if err != nil {
			t.Fatal(err)
		}
		cur = next
		if n == 0 && cur == prev {
			break
		}
	}
	if got, want := in.sorted(), h.want(); !slices.Equal(got, want) {
		t.Fatalf("after restart: ingested %d messages, want %d", len(got), len(want))
	}
	if cur != "313;backfill" {
		t.Errorf("final cursor %q, want 313;backfill", cur)
	}
}

func TestBackfillMaxPosts(t *testing.T) {
	h := newHistory(t, 120)
	c := h.connector(t, true, ingest.Limits{MaxPages: 3, MaxPosts: 7})
	in := &ingested{t: t, ids: map[int64]bool{}}
	var cur ingest.Cursor
	for range 200 {
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) > 7 {
			t.Fatalf("%d posts in one fetch, max_posts is 7", len(posts))
		}
		in.take(posts)
		if next == cur && len(posts) == 0 {
			break
		}
		cur = next
		if len(in.ids) == 30 {
			h.add(150)
		}
	}
	if got, want := in.sorted(), h.want(); !slices.Equal(got, want) {
		t.Fatalf("ingested %v\nwant %v", got, want)
	}
}

func TestPositionCursor(t *testing.T) {
	good := []string{"", "1240", "1240;backfill", "1240;backfill;1231-0", "900;backfill;850-700;640-0", "900;backfill;850-700;701-0"}
	for _, c := range good {
		p, err := parsePosition(c)
		if err != nil || p.String() != c {
			t.Errorf("%q: %+v %v (round trip %q)", c, p, err, p.String())
		}
	}
	bad := []string{"x", "-1", "1240;", "1240;1231-0", "1240;backfill;1231", "1240;backfill;5-9", "1240;backfill;1300-0",
		"900;backfill;640-0;850-700", "900;backfill;850-600;700-0", "900;backfill;850-700;702-0", "1240;backfill;a-0", "1240;backfill;backfill"}
	for _, c := range bad {
		if _, err := parsePosition(c); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
	p := position{newest: 2000, backfill: true}
	for i := range maxSpans + 2 {
		p.addSpan(span{before: int64(1000 - 10*i), after: int64(995 - 10*i)})
	}
	if len(p.pending) != maxSpans {
		t.Errorf("%d spans kept, want at most %d", len(p.pending), maxSpans)
	}
	if _, err := parsePosition(p.String()); err != nil {
		t.Errorf("full position does not read back: %v", err)
	}
	h := newHistory(t, 50)
	c := h.connector(t, true, ingest.Limits{})
	if _, _, err := c.Fetch(context.Background(), "50;backfill;60-0"); err == nil || !strings.Contains(err.Error(), "bad cursor") {
		t.Errorf("cursor with a span above the newest id: %v", err)
	}
}

func TestBackfillFromCursorSavedWithout(t *testing.T) {
	h := newHistory(t, 200)
	posts, cur, err := h.connector(t, false, ingest.Limits{MaxPages: 2}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 2*perPage || cur != "200" {
		t.Fatalf("without backfill: %d posts, cursor %q, %v", len(posts), cur, err)
	}
	// Backfill is turned on: the history below the saved cursor is walked
	// once (the pages read before come again; dedup drops them).
	c := h.connector(t, true, ingest.Limits{MaxPages: 2})
	in := &ingested{t: t, ids: map[int64]bool{}}
	h.add(208)
	for range 50 {
		posts, next, err := c.Fetch(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		in.take(posts)
		if next == cur && len(posts) == 0 {
			break
		}
		cur = next
	}
	if got, want := in.sorted(), h.want(); !slices.Equal(got, want) {
		t.Fatalf("ingested %d, want %d", len(got), len(want))
	}
	if cur != "208;backfill" {
		t.Errorf("final cursor %q", cur)
	}
}
