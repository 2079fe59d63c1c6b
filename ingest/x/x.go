// Package x is the connector for X (Twitter): an account's timeline, the
// tweets that mention it, and recent search, all through the v2 API with
// plain net/http; the v1.1 API (user_timeline, standard search) through
// dghubble/go-twitter remains only behind `api: v1`, for access that still
// has it. Authentication is an app bearer token read from the environment.
//
// Settings:
//
//	mode: timeline                 # timeline | mentions | search (user_timeline and recent_search still accepted)
//	username: some_account         # timeline, mentions (screen_name still accepted)
//	user_id: "2244994945"          # instead of username: no lookup needed
//	query: "الكهرباء lang:ar -is:retweet"   # search
//	api: v2                        # default; v1 for timeline and search through v1.1
//	token_env: RASD_X_BEARER       # env var holding the bearer token (required)
//	base_url: https://api.twitter.com   # default; v1.1 under /1.1/, v2 under /2/
//	page_size: 100                 # v2 max_results (timeline, mentions 5-100; search 10-100), v1.1 count
//	retry: {max_retries: 4, base_delay: 500ms, max_wait: 15m}
//
// v2 requests ask for expansions author_id, attachments.media_keys,
// referenced_tweets.id and referenced_tweets.id.author_id, and for
// note_tweet (long posts), referenced_tweets and entities among the tweet
// fields. A retweet arrives truncated ("RT @x: …"): its text is the
// original's full text from includes.tweets, and its media the original's
// when it has none of its own. A quote tweet keeps its own text first and
// then, after QuoteSeparator and the quoted account's handle, the quoted
// tweet's full text, so that offsets into the post's own words stay as they
// are. A handle (username) is resolved once through
// /2/users/by/username/:username.
//
// x-rate-limit-remaining / x-rate-limit-reset are obeyed: when a window is
// spent the next request waits for its reset (up to retry.max_wait), and a
// 429 is retried after the reset. The cursor is the highest tweet id seen
// (since_id); each fetch pages back from the newest (max_id for v1.1,
// pagination_token / next_token for v2) until the cursor or Limits.MaxPages
// (default 5). Post.RawSHA256 is the SHA-256 of the tweet's own JSON object
// as received. Post.Capture is that object (v1.1: the status; v2: the
// element of data); when the text was completed from includes.tweets it is
// {"data": own object, "includes": {"tweets": [the referenced tweets]}} so
// that the evidence holds every word of the text. Post.Media lists each
// photo, and for a video or GIF its highest-bitrate mp4 (kind video) and its
// still: v1.1 from extended_entities (else entities, else the retweeted
// status's), v2 from includes.media through attachments.media_keys.
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

// MaxQuery bounds the length of a search query (the v2 limit for the
// highest access tier).
const MaxQuery = 4096

// QuoteSeparator comes between a quote tweet's own text and the quoted
// tweet's text, followed by "@handle: " when the quoted author is known.
const QuoteSeparator = "\n\n[quoted] "

// Modes.
const (
	// ModeTimeline reads an account's tweets (v2 /2/users/:id/tweets; v1.1
	// statuses/user_timeline with api: v1).
	ModeTimeline = "timeline"
	// ModeMentions reads the tweets that mention an account (v2
	// /2/users/:id/mentions).
	ModeMentions = "mentions"
	// ModeSearch runs a search (v2 /2/tweets/search/recent; v1.1
	// search/tweets with api: v1).
	ModeSearch = "search"
	// ModeUserTimeline is the former name of ModeTimeline, still accepted.
	ModeUserTimeline = "user_timeline"
	// ModeRecentSearch is the former name of ModeSearch on v2, still accepted.
	ModeRecentSearch = "recent_search"
)

// API versions.
const (
	// APIv2 is the default.
	APIv2 = "v2"
	// APIv1 is v1.1 through go-twitter, for timeline and search only.
	APIv1 = "v1"
)

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// Mode picks what is read: timeline, mentions or search.
	Mode string `yaml:"mode"`
	// Username is the account's handle (timeline, mentions).
	Username string `yaml:"username"`
	// ScreenName is the former name of Username, still accepted.
	ScreenName string `yaml:"screen_name"`
	// UserID is the account's numeric id, instead of Username.
	UserID string `yaml:"user_id"`
	// Query is the search query (search).
	Query string `yaml:"query"`
	// API is v2 (the default) or v1 (v1.1, timeline and search only).
	API string `yaml:"api"`
	// TokenEnv names the environment variable holding the bearer token.
	TokenEnv string `yaml:"token_env"`
	// BaseURL replaces https://api.twitter.com.
	BaseURL string `yaml:"base_url"`
	// PageSize is the tweets asked for per request.
	PageSize int `yaml:"page_size"`
	// Retry tunes back-off and the longest rate-limit wait.
	Retry httpx.RetrySettings `yaml:"retry"`
}

var (
	screenNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	userIDRE     = regexp.MustCompile(`^[1-9][0-9]{0,19}$`)
)

// Connector reads one timeline, mentions or query.
type Connector struct {
	source   string
	set      Settings
	mode     string // ModeTimeline, ModeMentions or ModeSearch
	base     string
	token    ingest.Secret
	maxPages int
	maxPosts int
	baseURL  *url.URL
	client   *httpx.Client
	log      *slog.Logger

	mu     sync.Mutex
	userID string // resolved from Username, or UserID
}

// New builds the connector from a source spec; the token must be in the environment.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	s.ScreenName = strings.TrimPrefix(strings.TrimSpace(s.ScreenName), "@")
	s.Username = strings.TrimPrefix(strings.TrimSpace(s.Username), "@")
	s.UserID = strings.TrimSpace(s.UserID)
	switch {
	case s.ScreenName != "" && s.Username != "" && !strings.EqualFold(s.ScreenName, s.Username):
		return nil, httpx.KeyErrorf(spec, "screen_name", -1, "screen_name %q and username %q differ: set username alone", s.ScreenName, s.Username)
	case s.Username == "":
		s.Username = s.ScreenName
	}
	s.ScreenName = s.Username
	if s.API == "" {
		s.API = APIv2
	}
	if s.API != APIv2 && s.API != APIv1 {
		return nil, httpx.KeyErrorf(spec, "api", -1, "api %q: want v2 or v1", s.API)
	}
	mode := s.Mode
	switch s.Mode {
	case ModeUserTimeline:
		mode = ModeTimeline
	case ModeRecentSearch:
		if s.API == APIv1 {
			return nil, httpx.KeyErrorf(spec, "api", -1, "mode recent_search is v2 only: use mode search with api: v1 for v1.1 search")
		}
		mode = ModeSearch
	}
	switch mode {
	case ModeTimeline, ModeMentions:
		if s.Username == "" && s.UserID == "" {
			return nil, httpx.KeyErrorf(spec, "mode", -1, "username (or user_id) is required for mode %s", s.Mode)
		}
		if s.Username != "" && s.UserID != "" {
			return nil, httpx.KeyErrorf(spec, "user_id", -1, "username and user_id: set one, not both")
		}
		if s.Username != "" && !screenNameRE.MatchString(s.Username) {
			return nil, httpx.KeyErrorf(spec, usernameKey(spec), -1, "username %q: want an X handle (1-15 letters, digits or _)", s.Username)
		}
		if _, err := strconv.ParseUint(s.UserID, 10, 64); s.UserID != "" && (err != nil || !userIDRE.MatchString(s.UserID)) {
			return nil, httpx.KeyErrorf(spec, "user_id", -1, "user_id %q: want an X account's numeric id", s.UserID)
		}
		if s.Query != "" {
			return nil, httpx.KeyErrorf(spec, "query", -1, "query is not used by mode %s", s.Mode)
		}
		if mode == ModeMentions && s.API == APIv1 {
			return nil, httpx.KeyErrorf(spec, "api", -1, "mode mentions is v2 only: remove api: v1")
		}
	case ModeSearch:
		if strings.TrimSpace(s.Query) == "" {
			return nil, httpx.KeyErrorf(spec, "mode", -1, "query is required for mode %s", s.Mode)
		}
		if len(s.Query) > MaxQuery {
			return nil, httpx.KeyErrorf(spec, "query", -1, "query: %d bytes, want at most %d", len(s.Query), MaxQuery)
		}
		if s.Username != "" || s.UserID != "" {
			return nil, httpx.KeyErrorf(spec, "mode", -1, "username, screen_name and user_id are not used by mode %s", s.Mode)
		}
	default:
		return nil, httpx.KeyErrorf(spec, "mode", -1, "mode %q: want timeline, mentions or search", s.Mode)
	}
	lo, hi := 1, 200 // v1.1 user_timeline count
	switch {
	case s.API == APIv2 && mode == ModeSearch:
		lo, hi = 10, 100
	case s.API == APIv2:
		lo, hi = 5, 100
	case mode == ModeSearch:
		hi = 100
	}
	if s.PageSize == 0 {
		s.PageSize = 100
	}
	if s.PageSize < lo || s.PageSize > hi {
		return nil, httpx.KeyErrorf(spec, "page_size", -1, "page_size %d: want %d to %d for mode %s (api %s)", s.PageSize, lo, hi, s.Mode, s.API)
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
		source: spec.Name, set: s, mode: mode, base: base, token: tok, baseURL: bu,
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts,
		client: httpx.New(o), userID: s.UserID,
		log: slog.Default().With("source", spec.Name, "connector", Name),
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	return c, nil
}

// usernameKey is the settings key that names the account: username, or
// its former name screen_name.
func usernameKey(spec ingest.Spec) string {
	if n := spec.Settings; n != nil {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "screen_name" {
				return "screen_name"
			}
		}
	}
	return "username"
}

// String describes the connector without its token.
func (c *Connector) String() string {
	return fmt.Sprintf("x source %q (%s, api %s, token %s)", c.source, c.mode, c.set.API, c.token)
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
	if c.set.API == APIv1 {
		posts, skips, err = c.fetchV1(ctx, since)
	} else {
		posts, skips, err = c.fetchV2(ctx, since)
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
