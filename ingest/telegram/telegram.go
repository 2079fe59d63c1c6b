// Package telegram is the connector for public Telegram channels, read from
// their web preview pages (BASE/s/CHANNEL, paged back with ?before=ID). No
// account or token is needed: only what Telegram shows to anyone is fetched.
//
// Settings:
//
//	channel: iraq_now          # public channel username (required)
//	base_url: https://t.me     # default
//	retry: {max_retries: 4, base_delay: 500ms}
//
// The cursor is the highest message id seen. Each fetch reads the newest page
// and pages back until it reaches the cursor or Limits.MaxPages (default 10).
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

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// Channel is the public channel username, without "@" or URL.
	Channel string `yaml:"channel"`
	// BaseURL replaces https://t.me (tests point it at a local server).
	BaseURL string `yaml:"base_url"`
	// Retry tunes back-off.
	Retry httpx.RetrySettings `yaml:"retry"`
}

var channelRE = regexp.MustCompile(`^[A-Za-z0-9_]{3,64}$`)

// Connector fetches one public channel.
type Connector struct {
	source   string
	channel  string
	base     string
	maxPages int
	maxPosts int
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
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts,
		client: httpx.New(httpx.OptionsFor(spec, s.Retry, base)),
		log:    slog.Default().With("source", spec.Name, "connector", Name),
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	return c, nil
}

// Fetch returns the channel's messages newer than cursor, oldest first, and
// the highest message id as the next cursor. If a later page fails, the posts
// already parsed are returned with the unchanged cursor and the error, so
// nothing is skipped (a retry may return them again; dedup drops repeats).
// Malformed messages are reported in an *ingest.SkipError.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	var last int64
	if cursor != "" {
		n, err := strconv.ParseInt(string(cursor), 10, 64)
		if err != nil || n < 0 {
			return nil, cursor, fmt.Errorf("telegram source %q: bad cursor %q: want a message id", c.source, cursor)
		}
		last = n
	}
	pageURL := c.base + "/s/" + url.PathEscape(c.channel)
	var (
		posts []ingest.Post
		skips []ingest.Skip
		seen  = map[int64]bool{}
	)
	now := time.Now().UTC()
	for page := 1; ; page++ {
		res, err := c.client.Get(ctx, pageURL, httpx.GetOptions{})
		if err == nil && len(res.Raw) == 0 {
			err = errors.New("empty page")
		}
		var p *Page
		if err == nil {
			p, err = ParsePage(res.Text(), c.base)
		}
		if err != nil {
			err = fmt.Errorf("telegram source %q: fetching %s: %w", c.source, c.client.Redact(pageURL), err)
			return finish(posts, cursor, err)
		}
		for _, s := range p.Skipped {
			skips = append(skips, ingest.Skip{Where: res.URL, Err: s})
		}
		minID := int64(-1)
		for _, m := range p.Messages {
			if minID < 0 || m.Num < minID {
				minID = m.Num
			}
			if m.Num <= last || seen[m.Num] || !strings.EqualFold(m.Channel, c.channel) {
				continue
			}
			seen[m.Num] = true
			post := m.Post
			post.Source = c.source
			post.Fetched = now
			post.RawSHA256 = res.SHA256
			post.Engagement.Followers = p.Subscribers
			posts = append(posts, post)
		}
		if minID < 0 || minID <= last+1 || !p.HasOlder {
			break
		}
		if page >= c.maxPages {
			if last > 0 {
				c.log.Warn("page cap reached before the cursor: older messages not fetched",
					"max_pages", c.maxPages, "cursor", last, "oldest_fetched", minID)
			}
			break
		}
		pageURL = c.base + "/s/" + url.PathEscape(c.channel) + "?before=" + strconv.FormatInt(minID, 10)
	}
	sort.Slice(posts, func(i, j int) bool { return msgNum(posts[i]) < msgNum(posts[j]) })
	if c.maxPosts > 0 && len(posts) > c.maxPosts {
		posts = posts[:c.maxPosts]
	}
	next := cursor
	if len(posts) > 0 {
		next = ingest.Cursor(strconv.FormatInt(msgNum(posts[len(posts)-1]), 10))
	}
	if len(skips) > 0 {
		return posts, next, &ingest.SkipError{Items: skips}
	}
	return posts, next, nil
}

// finish returns what was parsed before a failure with the old cursor.
func finish(posts []ingest.Post, cursor ingest.Cursor, err error) ([]ingest.Post, ingest.Cursor, error) {
	sort.Slice(posts, func(i, j int) bool { return msgNum(posts[i]) < msgNum(posts[j]) })
	return posts, cursor, err
}

func msgNum(p ingest.Post) int64 {
	_, num, _ := strings.Cut(p.NativeID, "/")
	n, _ := strconv.ParseInt(num, 10, 64)
	return n
}
