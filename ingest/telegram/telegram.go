// Package telegram is the connector for public Telegram channels, read from
// their web preview pages (BASE/s/CHANNEL, paged back with ?before=ID). No
// account or token is needed: only what Telegram shows to anyone is fetched.
//
// Settings:
//
//	channel: iraq_now          # public channel username (required)
//	base_url: https://t.me     # default
//	retry: {max_retries: 4, base_delay: 500ms}
//	backfill: true             # also page back through the whole history
//
// The cursor is the highest message id seen. Each fetch reads the newest page
// and pages back until it reaches the cursor or Limits.MaxPages (default 10).
// Limits.RatePerSec paces the requests (default: none, or
// DefaultBackfillRate with backfill). With backfill, each fetch then reads
// up to Limits.MaxPages older pages, and
// the cursor also holds how far back it has read ("1240;backfill;1231-0":
// ids below 1231 and above 0 are still to read), so a restart resumes there.
// Post.RawSHA256 is the SHA-256 of the raw bytes of the page the message was
// on. Post.Capture is the message's element (.tgme_widget_message) as it
// stands in the page (see httpx.PageSource), and Post.Media its photos,
// video and round-video thumbnails with the videos themselves when the page
// links them, voice messages, and link-preview images.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "telegram"

// DefaultBaseURL is where public channel previews are served.
const DefaultBaseURL = "https://t.me"

// DefaultMaxPages bounds one fetch when Limits.MaxPages is zero.
const DefaultMaxPages = 10

// DefaultBackfillRate is the request rate (per second) of a backfilling
// source when Limits.RatePerSec is zero: a history walk is many requests
// in a row, and t.me should not see them as a flood.
const DefaultBackfillRate = 1.0

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// Channel is the public channel username, without "@" or URL.
	Channel string `yaml:"channel"`
	// BaseURL replaces https://t.me (tests point it at a local server).
	BaseURL string `yaml:"base_url"`
	// Retry tunes back-off.
	Retry httpx.RetrySettings `yaml:"retry"`
	// Backfill makes the connector page back through the channel's whole
	// history, Limits.MaxPages older pages per fetch, besides reading new
	// messages.
	Backfill bool `yaml:"backfill"`
}

var channelRE = regexp.MustCompile(`^[A-Za-z0-9_]{3,64}$`)

// Connector fetches one public channel.
type Connector struct {
	source   string
	channel  string
	base     string
	maxPages int
	maxPosts int
	backfill bool
	interval time.Duration // between requests; 0: none
	paceMu   sync.Mutex
	lastGet  time.Time
	client   *httpx.Client
	log      *slog.Logger
}

// New builds the connector from a source spec.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	s.Channel = strings.TrimPrefix(strings.TrimSpace(s.Channel), "@")
	if !channelRE.MatchString(s.Channel) {
		return nil, httpx.SpecErrorf(spec, "channel %q: want a public channel username (3-64 letters, digits or _)", s.Channel)
	}
	if err := s.Retry.Validate(); err != nil {
		return nil, httpx.SpecErrorf(spec, "%v", err)
	}
	base, err := httpx.BaseURL(spec, s.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	c := &Connector{
		source: spec.Name, channel: s.Channel, base: base,
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts, backfill: s.Backfill,
		client: httpx.New(httpx.OptionsFor(spec, s.Retry, base)),
		log:    slog.Default().With("source", spec.Name, "connector", Name),
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	rate := spec.Limits.RatePerSec
	if rate <= 0 && s.Backfill {
		rate = DefaultBackfillRate
	}
	if rate > 0 {
		c.interval = time.Duration(float64(time.Second) / rate)
	}
	return c, nil
}

// Fetch returns the channel's messages newer than cursor, oldest first, and
// the highest message id as the next cursor. If a later page fails, the posts
// already parsed are returned with the unchanged cursor and the error, so
// nothing is skipped (a retry may return them again; dedup drops repeats).
// Malformed messages are reported in an *ingest.SkipError.
//
// With backfill on, a fetch then reads up to Limits.MaxPages more pages of
// older history, continuing from the oldest message it had reached, and the
// cursor carries that position (see position) so that a restart resumes
// where the last committed fetch stopped. Stretches left unread because the
// newest pages outran the page cap are remembered and read the same way.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	pos, err := parsePosition(string(cursor))
	if err != nil {
		return nil, cursor, fmt.Errorf("telegram source %q: bad cursor %q: %v", c.source, cursor, err)
	}
	last := pos.newest
	rd := &reader{c: c, seen: map[int64]bool{}, now: time.Now().UTC()}
	fw, err := rd.readBack(ctx, span{after: last}, c.maxPages)
	if err != nil {
		return finish(fw.posts, cursor, err)
	}
	posts := fw.posts
	sortPosts(posts)
	if c.maxPosts > 0 && len(posts) > c.maxPosts {
		posts = posts[:c.maxPosts]
	}
	next := pos
	if len(posts) > 0 {
		next.newest = msgNum(posts[len(posts)-1])
	}
	if c.backfill && !pos.backfill {
		// Backfill starts: everything up to the cursor is to be read
		// (from a cursor saved without backfill, what was read below it
		// comes again once and dedup drops it).
		next.backfill = true
		next.addSpan(span{before: last + 1, after: 0})
	}
	if !fw.done {
		switch {
		case c.backfill:
			if !next.addSpan(span{before: fw.low, after: last}) {
				c.log.Warn("too many unread stretches: older messages not fetched", "before", fw.low, "after", last)
			}
		case last > 0:
			c.log.Warn("page cap reached before the cursor: older messages not fetched",
				"max_pages", c.maxPages, "cursor", last, "oldest_fetched", fw.low)
		}
	}
	if c.backfill {
		older, err := rd.backfill(ctx, &next, c.maxPosts-len(posts))
		posts = append(older, posts...)
		if err != nil {
			return finish(posts, cursor, err)
		}
	}
	if len(rd.skips) > 0 {
		return posts, ingest.Cursor(next.String()), &ingest.SkipError{Items: rd.skips}
	}
	return posts, ingest.Cursor(next.String()), nil
}

// reader reads pages of one fetch, keeping each message once.
type reader struct {
	c     *Connector
	seen  map[int64]bool
	now   time.Time
	skips []ingest.Skip
}

// readResult is what reading back through one stretch gave.
type readResult struct {
	posts []ingest.Post
	// low is the lowest message id on the last page read: where to go on.
	low int64
	// done reports that the stretch was read to its end (or the channel's start).
	done bool
	// pages counts the requests made.
	pages int
}

// readBack reads pages from s.before (0: the newest page) back towards
// s.after, at most maxPages of them, and keeps the messages inside s.
func (r *reader) readBack(ctx context.Context, s span, maxPages int) (readResult, error) {
	c := r.c
	var res readResult
	pageURL := c.base + "/s/" + url.PathEscape(c.channel)
	if s.before > 0 {
		pageURL += "?before=" + strconv.FormatInt(s.before, 10)
	}
	for res.pages < maxPages {
		res.pages++
		if err := c.pace(ctx); err != nil {
			return res, fmt.Errorf("telegram source %q: %w", c.source, err)
		}
		got, err := c.client.Get(ctx, pageURL, httpx.GetOptions{})
		if err == nil && len(got.Raw) == 0 {
			err = errors.New("empty page")
		}
		var p *Page
		if err == nil {
			p, err = ParsePage(got.Text(), c.base)
		}
		if err != nil {
			return res, fmt.Errorf("telegram source %q: fetching %s: %w", c.source, c.client.Redact(pageURL), err)
		}
		for _, sk := range p.Skipped {
			r.skips = append(r.skips, ingest.Skip{Where: got.URL, Err: sk})
		}
		minID := int64(-1)
		for _, m := range p.Messages {
			if minID < 0 || m.Num < minID {
				minID = m.Num
			}
			if m.Num <= s.after || (s.before > 0 && m.Num >= s.before) || r.seen[m.Num] || !strings.EqualFold(m.Channel, c.channel) {
				continue
			}
			r.seen[m.Num] = true
			post := m.Post
			post.Source = c.source
			post.Fetched = r.now
			post.RawSHA256 = got.SHA256
			post.Engagement.Followers = p.Subscribers
			res.posts = append(res.posts, post)
		}
		// A page that does not reach below where it was asked to start
		// would be asked for again forever: the stretch ends there.
		if minID < 0 || minID <= s.after+1 || !p.HasOlder || (s.before > 0 && minID >= s.before) {
			res.done = true
			return res, nil
		}
		res.low, s.before = minID, minID
		pageURL = c.base + "/s/" + url.PathEscape(c.channel) + "?before=" + strconv.FormatInt(minID, 10)
	}
	return res, nil
}

// backfill reads the pending stretches of pos, newest first, within the
// fetch's page cap and at most budget posts (no bound when maxPosts is 0),
// and moves pos to where it stopped. It returns the posts oldest first.
func (r *reader) backfill(ctx context.Context, pos *position, budget int) ([]ingest.Post, error) {
	c := r.c
	if c.maxPosts > 0 && budget <= 0 {
		return nil, nil
	}
	var out []ingest.Post
	pages := c.maxPages
	for len(pos.pending) > 0 && pages > 0 && (c.maxPosts <= 0 || budget > 0) {
		s := pos.pending[0]
		res, err := r.readBack(ctx, s, pages)
		out = append(out, res.posts...)
		if err != nil {
			return out, err
		}
		pages -= res.pages
		if c.maxPosts > 0 && len(res.posts) > 0 && len(res.posts) >= budget {
			// Keep the newest of what was read; the rest is read again later.
			kept := res.posts
			sortPosts(kept)
			kept = kept[len(kept)-budget:]
			out = append(out[:len(out)-len(res.posts)], kept...)
			pos.pending[0].before = msgNum(kept[0])
			if pos.pending[0].before <= s.after+1 {
				pos.pending = pos.pending[1:]
			}
			break
		}
		budget -= len(res.posts)
		if res.done {
			pos.pending = pos.pending[1:]
		} else {
			pos.pending[0].before = res.low
		}
	}
	sortPosts(out)
	return out, nil
}

// pace waits until the source's request interval has passed since its
// last request.
func (c *Connector) pace(ctx context.Context) error {
	if c.interval <= 0 {
		return nil
	}
	c.paceMu.Lock()
	defer c.paceMu.Unlock()
	if wait := c.interval - time.Since(c.lastGet); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	c.lastGet = time.Now()
	return nil
}

// finish returns what was parsed before a failure with the old cursor.
func finish(posts []ingest.Post, cursor ingest.Cursor, err error) ([]ingest.Post, ingest.Cursor, error) {
	sortPosts(posts)
	return posts, cursor, err
}

// sortPosts puts posts oldest first.
func sortPosts(posts []ingest.Post) {
	sort.Slice(posts, func(i, j int) bool { return msgNum(posts[i]) < msgNum(posts[j]) })
}

func msgNum(p ingest.Post) int64 {
	_, num, _ := strings.Cut(p.NativeID, "/")
	n, _ := strconv.ParseInt(num, 10, 64)
	return n
}
