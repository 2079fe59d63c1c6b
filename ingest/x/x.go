// Package x is the connector for X (Twitter): user timelines and search
// through the v1.1 API with dghubble/go-twitter, and the v2 recent-search
// endpoint through plain net/http. Authentication is an app bearer token
// read from the environment.
//
// Settings:
//
//	mode: recent_search            # user_timeline | search | recent_search
//	screen_name: some_account      # user_timeline
//	query: "الكهرباء lang:ar -is:retweet"   # search, recent_search
//	token_env: RASD_X_BEARER       # env var holding the bearer token (required)
//	base_url: https://api.twitter.com   # default; v1.1 under /1.1/, v2 under /2/
//	page_size: 100                 # count (v1.1, ≤200) or max_results (v2, 10-100)
//	retry: {max_retries: 4, base_delay: 500ms, max_wait: 15m}
//
// x-rate-limit-remaining / x-rate-limit-reset are obeyed: when a window is
// spent the next request waits for its reset (up to retry.max_wait), and a
// 429 is retried after the reset. The cursor is the highest tweet id seen
// (since_id); each fetch pages back from the newest (max_id for v1.1,
// next_token for v2) until the cursor or Limits.MaxPages (default 5).
// Post.RawSHA256 is the SHA-256 of the tweet's own JSON object as received,
// and Post.Capture is that object (v1.1: the status; v2: the element of
// data). Post.Media lists each photo, and for a video or GIF its
// highest-bitrate mp4 (kind video) and its still: v1.1 from
// extended_entities (else entities, else the retweeted status's), v2 from
// includes.media through attachments.media_keys.
//
// go-twitter always calls https://api.twitter.com/1.1/; its requests are
// rewritten by a RoundTripper onto base_url.
package x

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/dghubble/go-twitter/twitter"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "x"

// DefaultBaseURL is the API host.
const DefaultBaseURL = "https://api.twitter.com"

// DefaultMaxPages bounds the pages of one fetch.
const DefaultMaxPages = 5

// Modes.
const (
	// ModeUserTimeline reads an account's tweets (v1.1 statuses/user_timeline).
	ModeUserTimeline = "user_timeline"
	// ModeSearch runs a v1.1 standard search (search/tweets).
	ModeSearch = "search"
	// ModeRecentSearch runs a v2 recent search (/2/tweets/search/recent).
	ModeRecentSearch = "recent_search"
)

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// Mode picks the endpoint.
	Mode string `yaml:"mode"`
	// ScreenName is the account whose timeline is read (user_timeline).
	ScreenName string `yaml:"screen_name"`
	// Query is the search query (search, recent_search).
	Query string `yaml:"query"`
	// TokenEnv names the environment variable holding the bearer token.
	TokenEnv string `yaml:"token_env"`
	// BaseURL replaces https://api.twitter.com.
	BaseURL string `yaml:"base_url"`
	// PageSize is the tweets asked for per request.
	PageSize int `yaml:"page_size"`
	// Retry tunes back-off and the longest rate-limit wait.
	Retry httpx.RetrySettings `yaml:"retry"`
}

var screenNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)

// Connector reads one timeline or query.
type Connector struct {
	source   string
	set      Settings
	base     string
	token    ingest.Secret
	maxPages int
	maxPosts int
	baseURL  *url.URL
	client   *httpx.Client
	log      *slog.Logger
}

// New builds the connector from a source spec; the token must be in the environment.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	s.ScreenName = strings.TrimPrefix(strings.TrimSpace(s.ScreenName), "@")
	switch s.Mode {
	case ModeUserTimeline:
		if !screenNameRE.MatchString(s.ScreenName) {
			return nil, httpx.SpecErrorf(spec, "screen_name %q: want an X handle (1-15 letters, digits or _)", s.ScreenName)
		}
		if s.Query != "" {
			return nil, httpx.SpecErrorf(spec, "query is not used by mode user_timeline")
		}
	case ModeSearch, ModeRecentSearch:
		if strings.TrimSpace(s.Query) == "" {
			return nil, httpx.SpecErrorf(spec, "query is required for mode %s", s.Mode)
		}
		if s.ScreenName != "" {
			return nil, httpx.SpecErrorf(spec, "screen_name is not used by mode %s", s.Mode)
		}
	default:
		return nil, httpx.SpecErrorf(spec, "mode %q: want user_timeline, search or recent_search", s.Mode)
	}
	lo, hi := 1, 200
	if s.Mode == ModeRecentSearch {
		lo, hi = 10, 100
	} else if s.Mode == ModeSearch {
		hi = 100
	}
	if s.PageSize == 0 {
		s.PageSize = min(hi, 100)
	}
	if s.PageSize < lo || s.PageSize > hi {
		return nil, httpx.SpecErrorf(spec, "page_size %d: want %d to %d for mode %s", s.PageSize, lo, hi, s.Mode)
	}
	if err := s.Retry.Validate(); err != nil {
		return nil, httpx.SpecErrorf(spec, "%v", err)
	}
	base, err := httpx.BaseURL(spec, s.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	tok, err := httpx.SecretFromEnv(spec, "token_env", s.TokenEnv)
	if err != nil {
		return nil, err
	}
	o := httpx.OptionsFor(spec, s.Retry, base, tok)
	o.Header = http.Header{"Authorization": {"Bearer " + tok.Reveal()}}
	bu, _ := url.Parse(base)
	c := &Connector{
		source: spec.Name, set: s, base: base, token: tok, baseURL: bu,
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts,
		client: httpx.New(o),
		log:    slog.Default().With("source", spec.Name, "connector", Name),
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	return c, nil
}

// String describes the connector without its token.
func (c *Connector) String() string {
	return fmt.Sprintf("x source %q (%s, token %s)", c.source, c.set.Mode, c.token)
}

// GoString is String, so that %#v cannot print the token either.
func (c *Connector) GoString() string { return c.String() }

// Fetch returns the tweets newer than the cursor (a tweet id), oldest first,
// and the newest id as the next cursor. A failure part-way returns the error
// alone with the unchanged cursor (the pages run newest first, so keeping a
// part would leave a gap). Malformed tweets are reported in an
// *ingest.SkipError.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	var since int64
	if cursor != "" {
		n, err := strconv.ParseInt(string(cursor), 10, 64)
		if err != nil || n < 0 {
			return nil, cursor, fmt.Errorf("x source %q: bad cursor %q: want a tweet id", c.source, cursor)
		}
		since = n
	}
	var (
		posts []ingest.Post
		skips []ingest.Skip
		err   error
	)
	if c.set.Mode == ModeRecentSearch {
		posts, skips, err = c.fetchRecent(ctx, since)
	} else {
		posts, skips, err = c.fetchV1(ctx, since)
	}
	if err != nil {
		return nil, cursor, fmt.Errorf("x source %q: %w", c.source, httpx.Scrub(err, c.token))
	}
	sortByID(posts)
	if c.maxPosts > 0 && len(posts) > c.maxPosts {
		posts = posts[:c.maxPosts] // the oldest; the rest come next time
	}
	next := cursor
	if len(posts) > 0 {
		next = ingest.Cursor(posts[len(posts)-1].NativeID)
	}
	if len(skips) > 0 {
		return posts, next, &ingest.SkipError{Items: skips}
	}
	return posts, next, nil
}

func idNum(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func sortByID(posts []ingest.Post) {
	for i := 1; i < len(posts); i++ { // insertion sort keeps it stable and simple
		for j := i; j > 0 && idNum(posts[j-1].NativeID) > idNum(posts[j].NativeID); j-- {
			posts[j-1], posts[j] = posts[j], posts[j-1]
		}
	}
}

// twitterClient returns a go-twitter client for one fetch: its requests carry
// ctx, go to base_url, pass through the retrying httpx transport, and leave
// their bodies in the returned capture.
func (c *Connector) twitterClient(ctx context.Context) (*twitter.Client, *captureTransport) {
	capture := &captureTransport{next: c.client.Transport()}
	hc := &http.Client{
		Transport:     &rewriteTransport{ctx: ctx, base: c.baseURL, next: capture},
		CheckRedirect: c.client.Transport().CheckRedirect,
	}
	return twitter.NewClient(hc), capture
}

// rewriteTransport moves go-twitter's fixed https://api.twitter.com requests
// onto the configured base URL.
type rewriteTransport struct {
	ctx  context.Context // the fetch's context; go-twitter has no ctx parameter
	base *url.URL
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "api.twitter.com" && (t.base.Host != req.URL.Host || t.base.Scheme != req.URL.Scheme || t.base.Path != "") {
		r2 := req.Clone(req.Context())
		r2.URL.Scheme = t.base.Scheme
		r2.URL.Host = t.base.Host
		r2.URL.Path = strings.TrimRight(t.base.Path, "/") + req.URL.Path
		r2.URL.RawPath = ""
		r2.Host = ""
		req = r2
	}
	return t.next.RoundTrip(req.WithContext(t.ctx))
}

// captureTransport keeps the body of the last response so that each tweet's
// own JSON bytes can be hashed after go-twitter decodes them.
type captureTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	last []byte
}

// RoundTrip implements http.RoundTripper.
func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// the httpx transport has already read the body into memory
	body, err := httpx.ReadCapped(res.Body, 1<<40)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.last = body
	t.mu.Unlock()
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

func (t *captureTransport) take() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.last
	t.last = nil
	return b
}
