// Package discord is the connector for messages of Discord channels that a
// bot has been added to, read over the REST API
// (GET /channels/{id}/messages?after=…&limit=100, "Authorization: Bot TOKEN").
//
// Settings:
//
//	channel_ids: ["1180000000000000001"]   # required
//	guild_id: "1170000000000000000"        # optional, for permalinks
//	token_env: RASD_DISCORD_TOKEN          # env var holding the bot token (required)
//	base_url: https://discord.com/api/v10  # default
//	retry: {max_retries: 4, base_delay: 500ms}
//
// Rate limits are obeyed through X-RateLimit-Remaining /
// X-RateLimit-Reset-After and the retry_after of 429 answers. The cursor is
// the last message snowflake per channel; each fetch pages forward from it (a
// new channel from its first message) up to Limits.MaxPages pages (default
// 10) of page_size messages per channel. A failing channel is reported and
// does not hold up the others. Post.RawSHA256 is the SHA-256 of the
// message's own JSON object as received, and Post.Capture is that object.
//
// Post.Media lists the message's attachments (kind from content_type, else
// the file name), its embeds' images and thumbnails, and an embed's video
// when Discord proxies it as a file (a GIF's mp4; a YouTube player is left
// to its thumbnail); a forward adds the forwarded message's. A bot without
// the MESSAGE_CONTENT privileged intent is shown messages with content,
// attachments and embeds blanked: the connector keeps them and reports
// ErrNoMessageContent through Health (see ingest.HealthReporter).
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "discord"

// DefaultBaseURL is Discord's REST API root.
const DefaultBaseURL = "https://discord.com/api/v10"

// DefaultMaxPages bounds the pages per channel in one fetch.
const DefaultMaxPages = 10

// MaxPageSize is the API's maximum number of messages per request.
const MaxPageSize = 100

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// ChannelIDs are the channels to read.
	ChannelIDs []string `yaml:"channel_ids"`
	// GuildID, when set, makes permalinks.
	GuildID string `yaml:"guild_id"`
	// TokenEnv names the environment variable holding the bot token.
	TokenEnv string `yaml:"token_env"`
	// BaseURL replaces the API root.
	BaseURL string `yaml:"base_url"`
	// PageSize is the messages asked for per request, 1 to 100 (default 100).
	PageSize int `yaml:"page_size"`
	// Retry tunes back-off.
	Retry httpx.RetrySettings `yaml:"retry"`
}

var snowflakeRE = regexp.MustCompile(`^[0-9]{1,20}$`)

// Connector reads the configured channels.
type Connector struct {
	source   string
	set      Settings
	base     string
	token    ingest.Secret
	maxPages int
	maxPosts int
	client   *httpx.Client
	log      *slog.Logger
	// healthMu guards health, what Health reports.
	healthMu sync.Mutex
	health   error
}

// New builds the connector from a source spec; the token must be in the environment.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	if len(s.ChannelIDs) == 0 {
		return nil, httpx.SpecErrorf(spec, "channel_ids: at least one channel id is required")
	}
	for _, id := range append(append([]string{}, s.ChannelIDs...), s.GuildID) {
		if id != "" && !snowflakeRE.MatchString(id) {
			return nil, httpx.SpecErrorf(spec, "id %q is not a Discord snowflake (digits)", id)
		}
	}
	if s.PageSize == 0 {
		s.PageSize = MaxPageSize
	}
	if s.PageSize < 1 || s.PageSize > MaxPageSize {
		return nil, httpx.SpecErrorf(spec, "page_size %d: want 1 to %d", s.PageSize, MaxPageSize)
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
	o.Header = http.Header{"Authorization": {"Bot " + tok.Reveal()}}
	o.UserAgent = "DiscordBot (https://github.com/rasd-iq/rasd, 1.0)"
	c := &Connector{
		source: spec.Name, set: s, base: base, token: tok,
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
	return fmt.Sprintf("discord source %q (%d channels, token %s)", c.source, len(c.set.ChannelIDs), c.token)
}

// GoString is String, so that %#v cannot print the token either.
func (c *Connector) GoString() string { return c.String() }

type message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	Type      int    `json:"type"`
	Content   string `json:"content"`
	Timestamp string `json:"timestamp"`
	Author    struct {
		ID         string `json:"id"`
		Username   string `json:"username"`
		GlobalName string `json:"global_name"`
		Bot        bool   `json:"bot"`
	} `json:"author"`
	Attachments []attachment `json:"attachments"`
	Embeds      []embed      `json:"embeds"`
	Reference   *struct {
		Type      int    `json:"type"` // 0 reply, 1 forward
		MessageID string `json:"message_id"`
		ChannelID string `json:"channel_id"`
	} `json:"message_reference"`
	Snapshots []struct {
		Message struct {
			Content     string       `json:"content"`
			Attachments []attachment `json:"attachments"`
			Embeds      []embed      `json:"embeds"`
		} `json:"message"`
	} `json:"message_snapshots"`
	Reactions []struct {
		Count int64 `json:"count"`
	} `json:"reactions"`
	// What else a message can carry, and whom it mentions: read only to
	// tell a message whose content the API withheld (see hollow).
	Components      []json.RawMessage `json:"components"`
	StickerItems    []json.RawMessage `json:"sticker_items"`
	Poll            json.RawMessage   `json:"poll"`
	Mentions        []json.RawMessage `json:"mentions"`
	MentionRoles    []json.RawMessage `json:"mention_roles"`
	MentionEveryone bool              `json:"mention_everyone"`
}

type attachment struct {
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Description string `json:"description"`
}

type embedMedia struct {
	URL      string `json:"url"`
	ProxyURL string `json:"proxy_url"`
}

type embed struct {
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Image       *embedMedia `json:"image"`
	Thumbnail   *embedMedia `json:"thumbnail"`
	Video       *embedMedia `json:"video"`
}

// Message types that carry what a user wrote.
const (
	typeDefault = 0
	typeReply   = 19
)

// hollow reports a message whose content the API withheld: a user's message
// (default or reply) with no content, attachments, embeds, components,
// stickers, poll or forwarded snapshot. Discord sends no such message to a
// bot that may read content; it blanks exactly these fields for a bot
// without the MESSAGE_CONTENT intent, except in messages that mention it.
func (m *message) hollow() bool {
	return (m.Type == typeDefault || m.Type == typeReply) && m.Content == "" && len(m.Attachments) == 0 &&
		len(m.Embeds) == 0 && len(m.Components) == 0 && len(m.StickerItems) == 0 && !hasJSON(m.Poll) &&
		len(m.Snapshots) == 0
}

// showsContent reports a user's message whose content came through without
// mentioning anyone, which a bot without the intent would not be shown.
func (m *message) showsContent() bool {
	return (m.Type == typeDefault || m.Type == typeReply) && m.Content != "" && len(m.Mentions) == 0 &&
		len(m.MentionRoles) == 0 && !m.MentionEveryone
}

func hasJSON(r json.RawMessage) bool {
	s := strings.TrimSpace(string(r))
	return s != "" && s != "null"
}

// ErrNoMessageContent is wrapped by Health when messages arrive with their
// content withheld: the bot lacks the MESSAGE_CONTENT privileged intent.
var ErrNoMessageContent = errors.New("discord withholds message content: the bot lacks the MESSAGE_CONTENT privileged intent")

// Health reports ErrNoMessageContent (wrapped, with the source and an
// example message) from the fetch that first returns a message whose
// content was withheld until one that shows content to the bot without a
// mention and withholds none.
func (c *Connector) Health() error {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	return c.health
}

// noteContent updates Health from one fetch's counts.
func (c *Connector) noteContent(hollow int, example string, shown int) {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	switch {
	case hollow > 0:
		c.health = fmt.Errorf("discord source %q: %w (%d message(s) without content, e.g. %s): turn on \"Message Content Intent\" under Bot in the Discord developer portal", c.source, ErrNoMessageContent, hollow, example)
	case shown > 0:
		c.health = nil
	}
}

// Fetch returns the messages after each channel's cursor position, oldest
// first per channel. Paging runs forward, so when a request fails the
// messages already read from that channel are kept, with a cursor covering
// exactly them, and the other channels go on. Failed channels and malformed
// messages are then reported in an *ingest.SkipError (failed channels are
// tried again on the next call); when every channel fails and nothing was
// read, the error is returned alone.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	last := map[string]string{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &last); err != nil {
			return nil, cursor, fmt.Errorf("discord source %q: bad cursor: %w", c.source, err)
		}
	}
	var (
		posts []ingest.Post
		skips []ingest.Skip
		fails []error
		seen  contentSeen
	)
	now := time.Now().UTC()
	defer func() { c.noteContent(seen.hollow, seen.example, seen.shown) }()
channels:
	for _, ch := range c.set.ChannelIDs {
		after := last[ch]
		if after == "" {
			after = "0"
		}
		for page := 0; page < c.maxPages; page++ {
			if c.maxPosts > 0 && len(posts) >= c.maxPosts {
				break channels
			}
			u := fmt.Sprintf("%s/channels/%s/messages?after=%s&limit=%d", c.base, url.PathEscape(ch), url.QueryEscape(after), c.set.PageSize)
			batch, n, bad, err := c.page(ctx, u, now, &seen)
			skips = append(skips, bad...)
			if err != nil {
				err = fmt.Errorf("discord source %q: channel %s: %w", c.source, ch, err)
				fails = append(fails, err)
				skips = append(skips, ingest.Skip{Where: "channel " + ch, Err: err})
				if ctx.Err() != nil {
					break channels
				}
				continue channels
			}
			if c.maxPosts > 0 && len(posts)+len(batch) > c.maxPosts {
				batch = batch[:c.maxPosts-len(posts)]
				n = len(batch)
			}
			for _, p := range batch {
				posts = append(posts, p)
				after = p.NativeID
			}
			if len(batch) > 0 {
				last[ch] = after
			}
			if n < c.set.PageSize {
				break
			}
		}
	}
	if len(posts) == 0 && len(fails) > 0 && (len(fails) == len(c.set.ChannelIDs) || ctx.Err() != nil) {
		return nil, cursor, errors.Join(fails...)
	}
	next := cursor
	if len(posts) > 0 {
		b, err := json.Marshal(last)
		if err != nil {
			return nil, cursor, fmt.Errorf("discord source %q: encoding cursor: %w", c.source, err)
		}
		next = ingest.Cursor(b)
	}
	if len(skips) > 0 {
		return posts, next, &ingest.SkipError{Items: skips}
	}
	return posts, next, nil
}

// contentSeen counts, over one fetch, the messages whose content was
// withheld (with an example id) and those that show content unmentioned.
type contentSeen struct {
	hollow, shown int
	example       string
}

// page fetches and decodes one page; n is the number of array elements seen
// (for the paging decision), posts are sorted by id.
func (c *Connector) page(ctx context.Context, u string, now time.Time, seen *contentSeen) ([]ingest.Post, int, []ingest.Skip, error) {
	res, err := c.client.Get(ctx, u, httpx.GetOptions{})
	if err != nil {
		return nil, 0, nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(res.Raw, &raws); err != nil {
		return nil, 0, nil, fmt.Errorf("decoding %s: want a JSON array of messages: %w", res.URL, err)
	}
	var posts []ingest.Post
	var skips []ingest.Skip
	for i, raw := range raws {
		p, m, err := c.toPost(raw, now)
		if err != nil {
			skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s [%d]", res.URL, i), Err: err})
			continue
		}
		switch {
		case m.hollow():
			if seen.hollow == 0 {
				seen.example = m.ID
			}
			seen.hollow++
		case m.showsContent():
			seen.shown++
		}
		posts = append(posts, p)
	}
	sort.Slice(posts, func(i, j int) bool { return snowLess(posts[i].NativeID, posts[j].NativeID) })
	return posts, len(raws), skips, nil
}

func snowLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// toPost turns one message object into a Post; its capture is the object
// exactly as received.
func (c *Connector) toPost(raw json.RawMessage, now time.Time) (ingest.Post, *message, error) {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return ingest.Post{}, nil, fmt.Errorf("decoding message: %w", err)
	}
	if !snowflakeRE.MatchString(m.ID) {
		return ingest.Post{}, nil, errors.New("message without a valid id")
	}
	created, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		return ingest.Post{}, nil, fmt.Errorf("message %s: timestamp %q: %w", m.ID, m.Timestamp, err)
	}
	p := ingest.Post{
		ID: ingest.MakeID(Name, m.ID), Platform: Name, Source: c.source, NativeID: m.ID,
		Author:  ingest.Author{ID: m.Author.ID, Handle: m.Author.Username},
		Text:    m.Content,
		Created: created.UTC(), Fetched: now, RawSHA256: httpx.SHA256Hex(raw),
	}
	p.SetCapture(raw, "application/json")
	if c.set.GuildID != "" {
		p.Permalink = fmt.Sprintf("https://discord.com/channels/%s/%s/%s", c.set.GuildID, m.ChannelID, m.ID)
	}
	for _, r := range m.Reactions {
		p.Engagement.Likes += r.Count
	}
	if ref := m.Reference; ref != nil && snowflakeRE.MatchString(ref.MessageID) {
		if ref.Type == 1 {
			p.ForwardOf = ingest.MakeID(Name, ref.MessageID)
		} else {
			p.ReplyTo = ingest.MakeID(Name, ref.MessageID)
		}
	}
	attachments, embeds := m.Attachments, m.Embeds
	for _, s := range m.Snapshots {
		if p.Text == "" {
			p.Text = s.Message.Content
		}
		// a forward carries the forwarded message's files and embeds
		attachments = append(attachments, s.Message.Attachments...)
		embeds = append(embeds, s.Message.Embeds...)
	}
	for _, a := range attachments {
		if d := strings.TrimSpace(a.Description); d != "" {
			p.MediaCaptions = append(p.MediaCaptions, d)
		}
		kind := ingest.MediaKindOfType(a.ContentType)
		if kind == "" {
			kind = ingest.MediaKindOfName(a.Filename)
		}
		p.AddMedia(ingest.Media{URL: a.URL, Kind: kind, Type: a.ContentType})
	}
	for _, e := range embeds {
		for _, s := range []string{e.Title, e.Description} {
			if s = strings.TrimSpace(s); s != "" {
				p.MediaCaptions = append(p.MediaCaptions, s)
			}
		}
		// A video Discord proxies is a file (a GIF's mp4); one it does not
		// is a player page (YouTube's embed), left to its thumbnail.
		if v := e.Video; v != nil && v.ProxyURL != "" {
			p.AddMedia(ingest.Media{URL: v.URL, Kind: ingest.MediaVideo})
		}
		for _, im := range []*embedMedia{e.Image, e.Thumbnail} {
			if im != nil {
				p.AddMedia(ingest.Media{URL: im.URL, Kind: ingest.MediaImage})
			}
		}
	}
	return p, &m, nil
}
