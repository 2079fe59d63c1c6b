package telegram

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/checkpoint"
	"github.com/rasd-iq/rasd/ingest/telegram/telegramtest"
)

type history struct {
	*telegramtest.History
}

const (
	fast        = 1e6 // requests a second: pacing is not what these tests look at
	histChannel = "iraq_archive"
	perPage     = telegramtest.PerPage
)

func newHistory(t *testing.T, upTo int64) *history {
	h := &history{telegramtest.NewHistory(histChannel, upTo)}
	t.Cleanup(h.Close)
	return h
}

func (h *history) want() []int64 { return h.IDs() }

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
		if p.Source != "tg-test" || p.Text != telegramtest.Text(n) || p.Engagement.Followers != 12500 {
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
	c := h.connector(t, true, ingest.Limits{MaxPages: 2, RatePerSec: fast})
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
			h.Add(460) // new messages arrive mid-backfill, more than the page cap reads at once
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
	plain := h.connector(t, false, ingest.Limits{MaxPages: 2, RatePerSec: fast})
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
	c := h.connector(t, true, ingest.Limits{MaxPages: 1, RatePerSec: fast})
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
	h.Fail(resumeAt, true)
	if _, n, err := step(c, store); err == nil || !strings.Contains(err.Error(), "502") || n != 0 {
		t.Fatalf("failing page: %d posts, err %v", n, err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: a new connector and the reopened checkpoint. New messages
	// arrived while it was down (fewer than a page: the stretch between
	// them and the cursor is tested in TestBackfillReadsWholeHistoryWhileNewArrive).
	h.Fail(resumeAt, false)
	h.Requests()
	h.Add(313)
	store, err = checkpoint.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c = h.connector(t, true, ingest.Limits{MaxPages: 1, RatePerSec: fast})
	if _, _, err := step(c, store); err != nil {
		t.Fatal(err)
	}
	first := h.Requests()
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
	c := h.connector(t, true, ingest.Limits{MaxPages: 3, MaxPosts: 7, RatePerSec: fast})
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
			h.Add(150)
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
	c := h.connector(t, true, ingest.Limits{RatePerSec: fast})
	if _, _, err := c.Fetch(context.Background(), "50;backfill;60-0"); err == nil || !strings.Contains(err.Error(), "bad cursor") {
		t.Errorf("cursor with a span above the newest id: %v", err)
	}
}

func TestBackfillFromCursorSavedWithout(t *testing.T) {
	h := newHistory(t, 200)
	posts, cur, err := h.connector(t, false, ingest.Limits{MaxPages: 2, RatePerSec: fast}).Fetch(context.Background(), "")
	if err != nil || len(posts) != 2*perPage || cur != "200" {
		t.Fatalf("without backfill: %d posts, cursor %q, %v", len(posts), cur, err)
	}
	// Backfill is turned on: the history below the saved cursor is walked
	// once (the pages read before come again; dedup drops them).
	c := h.connector(t, true, ingest.Limits{MaxPages: 2, RatePerSec: fast})
	in := &ingested{t: t, ids: map[int64]bool{}}
	h.Add(208)
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

func TestBackfillPace(t *testing.T) {
	for _, tc := range []struct {
		backfill bool
		rate     float64
		want     time.Duration
	}{{false, 0, 0}, {true, 0, time.Second}, {true, 4, 250 * time.Millisecond}, {false, 2, 500 * time.Millisecond}} {
		c, err := New(newSpec(t, fmt.Sprintf("channel: %s\nbackfill: %v\n", histChannel, tc.backfill), ingest.Limits{RatePerSec: tc.rate}))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.(*Connector).interval; got != tc.want {
			t.Errorf("backfill %v, rate_per_sec %v: %v between requests, want %v", tc.backfill, tc.rate, got, tc.want)
		}
	}
}

// BenchmarkBackfillWalk measures walking a 1,000-message history (about
// 43 pages) from a local preview server, 10 older pages a fetch.
func BenchmarkBackfillWalk(b *testing.B) {
	h := telegramtest.NewHistory(histChannel, 1000)
	defer h.Close()
	c, err := New(newSpec(b, fmt.Sprintf("channel: %s\nbase_url: %s\nbackfill: true\n", histChannel, h.URL), ingest.Limits{RatePerSec: fast}))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var cur ingest.Cursor
		n := 0
		for {
			posts, next, err := c.Fetch(context.Background(), cur)
			if err != nil {
				b.Fatal(err)
			}
			n += len(posts)
			if next == cur && len(posts) == 0 {
				break
			}
			cur = next
		}
		if n != len(h.IDs()) {
			b.Fatalf("%d posts, want %d", n, len(h.IDs()))
		}
	}
}
