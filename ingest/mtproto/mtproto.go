// Package mtproto is the connector for Telegram groups and channels read
// through Telegram's own API (MTProto) with an operator's account session,
// for the public groups and channels that have no web preview. It uses the
// maintained client github.com/gotd/td.
//
// Settings:
//
//	peer: iraq_talk_group            # public @username (required)
//	api_id: 1234567                  # the operator's app id (my.telegram.org)
//	api_hash_env: RASD_TG_API_HASH   # env var holding the app's api_hash (required)
//	session: rasd-data/telegram.session  # session file made by `rasd telegram login`
//	page_size: 100                   # messages per messages.getHistory (1-100)
//	max_flood_wait: 5m               # longest FLOOD_WAIT waited out inside a fetch
//
// The cursor is the highest message id handed downstream. Each fetch pages
// forward from it, oldest first, with messages.getHistory (offset_id =
// cursor+1, add_offset = -page_size), so the first fetches read the whole
// history from the first message and later ones read what is new; a restart
// continues from the saved cursor. Limits.MaxPages (default 10) bounds the
// requests of one fetch and Limits.RatePerSec (default 1) their pace; a
// FLOOD_WAIT is waited out up to max_flood_wait.
//
// Post.Capture is the message's own TL bytes (CaptureType), and
// Post.RawSHA256 the SHA-256 of the TL bytes of the page it came in.
package mtproto

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "telegram-mtproto"

// Defaults for the settings and limits left out.
const (
	DefaultPageSize     = 100
	DefaultMaxPages     = 10
	DefaultRatePerSec   = 1.0
	DefaultMaxFloodWait = 5 * time.Minute
	DefaultSession      = "rasd-data/telegram.session"
)

// CaptureType is the media type of Post.Capture: one TL-serialised message
// object as Telegram's API sends it (decode it with DecodeCapture).
const CaptureType = "application/x-telegram-tl"

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// Peer is the group's or channel's public username, with or without "@"
	// or https://t.me/.
	Peer string `yaml:"peer"`
	// APIID is the operator's application id from my.telegram.org.
	APIID int `yaml:"api_id"`
	// APIHashEnv names the environment variable holding the application's api_hash.
	APIHashEnv string `yaml:"api_hash_env"`
	// Session is the session file made by `rasd telegram login`.
	Session string `yaml:"session"`
	// PageSize is how many messages one messages.getHistory asks for (1-100).
	PageSize int `yaml:"page_size"`
	// MaxFloodWait is the longest FLOOD_WAIT a fetch waits out; a longer
	// one ends the fetch.
	MaxFloodWait time.Duration `yaml:"max_flood_wait"`
}

// Sentinel errors of a source that cannot read, also reported by Health.
var (
	// ErrNoSession means the session file is missing or empty.
	ErrNoSession = errors.New("no telegram session: create one with `rasd telegram login`")
	// ErrBadSession means the session file cannot be read as a session.
	ErrBadSession = errors.New("telegram session file is not a valid session: create it again with `rasd telegram login`")
	// ErrNotAuthorized means Telegram no longer accepts the session (logged
	// out, revoked or the account deactivated).
	ErrNotAuthorized = errors.New("telegram session is not authorised: log in again with `rasd telegram login`")
	// ErrPeerNotFound means the username resolves to nothing.
	ErrPeerNotFound = errors.New("telegram username not found")
	// ErrPrivate means the group or channel is private and the account not in it.
	ErrPrivate = errors.New("telegram group or channel is private or the account is banned from it")
	// ErrFloodWait means Telegram asked to wait longer than max_flood_wait.
	ErrFloodWait = errors.New("telegram asked to wait longer than max_flood_wait")
)

// Dialer opens a connection to Telegram for the length of fn, which uses
// api to call the API. The connector's own dialer uses the session file;
// tests replay recorded exchanges through another (see mtprototest).
type Dialer interface {
	Dial(ctx context.Context, fn func(ctx context.Context, api tg.Invoker) error) error
}

var peerRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)

// Connector reads one public group or channel.
type Connector struct {
	source   string
	username string
	pageSize int
	maxPages int
	maxPosts int
	interval time.Duration
	maxFlood time.Duration
	log      *slog.Logger
	dialMu   sync.Mutex
	dial     Dialer
	sleep    func(ctx context.Context, d time.Duration) error
	now      func() time.Time
	paceMu   sync.Mutex // held across a request, so requests keep the pace
	lastCall time.Time
	peerMu   sync.Mutex
	peer     tg.InputPeerClass
	healthMu sync.Mutex
	health   error
}

// New builds the connector from a source spec. The session file need not
// exist yet: fetching without one fails with ErrNoSession.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	peer := strings.TrimSpace(s.Peer)
	for _, p := range []string{"https://t.me/", "http://t.me/", "t.me/", "@"} {
		peer = strings.TrimPrefix(peer, p)
	}
	if !peerRE.MatchString(peer) {
		return nil, httpx.SpecErrorf(spec, "peer %q: want a public @username (5-32 letters, digits or _); private invite links are not read", s.Peer)
	}
	if s.APIID <= 0 {
		return nil, httpx.SpecErrorf(spec, "api_id is required: the operator's application id from my.telegram.org")
	}
	hash, err := httpx.SecretFromEnv(spec, "api_hash_env", s.APIHashEnv)
	if err != nil {
		return nil, err
	}
	switch {
	case s.PageSize == 0:
		s.PageSize = DefaultPageSize
	case s.PageSize < 1 || s.PageSize > 100:
		return nil, httpx.SpecErrorf(spec, "page_size %d: want 1 to 100", s.PageSize)
	}
	switch {
	case s.MaxFloodWait == 0:
		s.MaxFloodWait = DefaultMaxFloodWait
	case s.MaxFloodWait < 0:
		return nil, httpx.SpecErrorf(spec, "max_flood_wait %v: want a positive duration", s.MaxFloodWait)
	}
	if s.Session == "" {
		s.Session = DefaultSession
	}
	rate := spec.Limits.RatePerSec
	if rate <= 0 {
		rate = DefaultRatePerSec
	}
	c := &Connector{
		source: spec.Name, username: peer, pageSize: s.PageSize,
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts,
		interval: time.Duration(float64(time.Second) / rate), maxFlood: s.MaxFloodWait,
		log:   slog.Default().With("source", spec.Name, "connector", Name),
		dial:  &sessionDialer{appID: s.APIID, appHash: hash, path: s.Session, allowInternal: spec.AllowInternal},
		sleep: sleepCtx, now: time.Now,
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	return c, nil
}

// SetDialer replaces how the connector reaches Telegram.
func (c *Connector) SetDialer(d Dialer) {
	c.dialMu.Lock()
	defer c.dialMu.Unlock()
	c.dial = d
}

// SetClock replaces the clock the connector paces its requests by and how
// it waits between them and out a FLOOD_WAIT (tests record the waits on a
// clock of their own instead of sleeping).
func (c *Connector) SetClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) {
	c.dialMu.Lock()
	defer c.dialMu.Unlock()
	c.now, c.sleep = now, sleep
}

// Health returns the session or authorisation problem that stopped the last
// fetch, or nil once a fetch got through.
func (c *Connector) Health() error {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	return c.health
}

func (c *Connector) setHealth(err error) {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	c.health = err
}

// Fetch returns the messages after cursor, oldest first, and the highest
// message id read as the next cursor. When a later page fails, the pages
// already read are returned with their cursor and no error (they are
// complete up to it); a failure of the first page is returned.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	var last int64
	if cursor != "" {
		n, err := strconv.ParseInt(string(cursor), 10, 64)
		if err != nil || n < 0 || n > 1<<31 {
			return nil, cursor, fmt.Errorf("%s source %q: bad cursor %q: want a message id", Name, c.source, cursor)
		}
		last = n
	}
	c.dialMu.Lock()
	dial, sleep, now := c.dial, c.sleep, c.now
	c.dialMu.Unlock()
	var (
		posts []ingest.Post
		skips []ingest.Skip
		next  = last
	)
	err := dial.Dial(ctx, func(ctx context.Context, inv tg.Invoker) error {
		api := tg.NewClient(&paced{c: c, inv: inv, sleep: sleep, now: now})
		peer, err := c.resolve(ctx, api)
		if err != nil {
			return err
		}
		for page := 0; page < c.maxPages; page++ {
			limit := c.pageSize
			if c.maxPosts > 0 {
				if limit = min(limit, c.maxPosts-len(posts)); limit <= 0 {
					break
				}
			}
			res, err := api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{
				Peer: peer, OffsetID: int(next) + 1, AddOffset: -limit, Limit: limit, MinID: int(next),
			})
			if err != nil {
				if page > 0 && ctx.Err() == nil {
					c.log.Warn("page failed: returning the pages read", "cursor", next, "err", err)
					return nil
				}
				return fmt.Errorf("reading history after message %d: %w", next, err)
			}
			pg, err := c.convertPage(res, next, time.Now().UTC())
			if err != nil {
				return err
			}
			skips = append(skips, pg.skips...)
			posts = append(posts, pg.posts...)
			if pg.high <= next {
				break
			}
			next = pg.high
			if pg.count < limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		err = c.classify(err)
		return posts, cursor, fmt.Errorf("%s source %q: %w", Name, c.source, err)
	}
	c.setHealth(nil)
	out := cursor
	if next != last {
		out = ingest.Cursor(strconv.FormatInt(next, 10))
	}
	if len(skips) > 0 {
		return posts, out, &ingest.SkipError{Items: skips}
	}
	return posts, out, nil
}

// classify maps Telegram's errors to the sentinel errors and records the
// ones about the session as the source's health.
func (c *Connector) classify(err error) error {
	var health error
	switch {
	case errors.Is(err, ErrNoSession), errors.Is(err, ErrBadSession), errors.Is(err, ErrNotAuthorized):
		health = err
	case tgerr.IsCode(err, 401):
		err = fmt.Errorf("%w: %w", ErrNotAuthorized, err)
		health = err
	case tgerr.Is(err, "USERNAME_NOT_OCCUPIED", "USERNAME_INVALID"):
		err = fmt.Errorf("%w: %q: %w", ErrPeerNotFound, c.username, err)
	case tgerr.Is(err, "CHANNEL_PRIVATE", "CHANNEL_INVALID", "CHAT_FORBIDDEN", "USER_BANNED_IN_CHANNEL"):
		err = fmt.Errorf("%w: %q: %w", ErrPrivate, c.username, err)
	}
	if health != nil {
		c.setHealth(health)
	}
	return err
}

// resolve returns the peer's input form, resolving the username once per
// connector (contacts.resolveUsername is rate-limited hard by Telegram).
func (c *Connector) resolve(ctx context.Context, api *tg.Client) (tg.InputPeerClass, error) {
	c.peerMu.Lock()
	defer c.peerMu.Unlock()
	if c.peer != nil {
		return c.peer, nil
	}
	res, err := api.ContactsResolveUsername(ctx, c.username)
	if err != nil {
		return nil, fmt.Errorf("resolving @%s: %w", c.username, err)
	}
	switch p := res.Peer.(type) {
	case *tg.PeerChannel:
		for _, ch := range res.Chats {
			if ch, ok := ch.(*tg.Channel); ok && ch.ID == p.ChannelID {
				c.peer = &tg.InputPeerChannel{ChannelID: ch.ID, AccessHash: ch.AccessHash}
				return c.peer, nil
			}
		}
		return nil, fmt.Errorf("resolving @%s: channel %d missing from the answer", c.username, p.ChannelID)
	case *tg.PeerChat:
		c.peer = &tg.InputPeerChat{ChatID: p.ChatID}
		return c.peer, nil
	default:
		return nil, fmt.Errorf("resolving @%s: %w: it names a person or bot, not a group or channel", c.username, ErrPeerNotFound)
	}
}

// paced is a tg.Invoker that keeps the connector's request pace and waits
// out FLOOD_WAIT errors up to the connector's max_flood_wait.
type paced struct {
	c     *Connector
	inv   tg.Invoker
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// Invoke implements tg.Invoker.
func (p *paced) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	p.c.paceMu.Lock()
	defer p.c.paceMu.Unlock()
	for attempt := 0; ; attempt++ {
		if wait := p.c.interval - p.now().Sub(p.c.lastCall); !p.c.lastCall.IsZero() && wait > 0 {
			if err := p.sleep(ctx, wait); err != nil {
				return err
			}
		}
		p.c.lastCall = p.now()
		err := p.inv.Invoke(ctx, input, output)
		d, flood := tgerr.AsFloodWait(err)
		if !flood {
			return err
		}
		if d > p.c.maxFlood || attempt >= 3 {
			return fmt.Errorf("%w (%v): %w", ErrFloodWait, d, err)
		}
		p.c.log.Warn("telegram asked to wait", "flood_wait", d)
		if err := p.sleep(ctx, d); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
