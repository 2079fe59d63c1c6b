// Package youtube is the connector for comments on YouTube videos and
// channels, read with the Data API v3 commentThreads endpoint
// (part=snippet,replies; videoId or allThreadsRelatedToChannelId; paged with
// nextPageToken).
//
// Settings:
//
//	video_ids: [dQw4w9WgXcQ]          # videos whose comments to read
//	channel_ids: [UCxxxxxxxxxxxxxxxxxxxxxx]   # all threads related to a channel
//	key_env: RASD_YOUTUBE_KEY         # env var holding the API key (required)
//	base_url: https://www.googleapis.com/youtube/v3   # default
//	page_size: 100                    # maxResults, 1-100
//	retry: {max_retries: 4, base_delay: 500ms}
//
// Threads are read newest first (order=time). The cursor keeps, per video or
// channel, the newest publication time seen and the ids published at that
// instant; a fetch pages back until it reaches that time or Limits.MaxPages
// (default 5). Replies arrive inside their thread (up to the five the API
// embeds), so a late reply to an old thread is not seen. Post.RawSHA256 is
// the SHA-256 of the comment's own JSON object as received, and
// Post.Capture is that object (a reply's, not its thread's). Comments carry
// no media; the connector reads no video data.
package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "youtube"

// DefaultBaseURL is the Data API v3 root.
const DefaultBaseURL = "https://www.googleapis.com/youtube/v3"

// DefaultMaxPages bounds the pages per video or channel in one fetch.
const DefaultMaxPages = 5

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// VideoIDs are videos whose comment threads are read.
	VideoIDs []string `yaml:"video_ids"`
	// ChannelIDs are channels whose related threads are read.
	ChannelIDs []string `yaml:"channel_ids"`
	// KeyEnv names the environment variable holding the API key.
	KeyEnv string `yaml:"key_env"`
	// BaseURL replaces the API root.
	BaseURL string `yaml:"base_url"`
	// PageSize is maxResults per request, 1 to 100 (default 100).
	PageSize int `yaml:"page_size"`
	// Retry tunes back-off.
	Retry httpx.RetrySettings `yaml:"retry"`
}

var (
	videoRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	channelRE = regexp.MustCompile(`^UC[A-Za-z0-9_-]{22}$`)
)

// Connector reads the configured videos and channels.
type Connector struct {
	source   string
	set      Settings
	base     string
	key      ingest.Secret
	maxPages int
	maxPosts int
	client   *httpx.Client
	log      *slog.Logger
}

// New builds the connector from a source spec; the key must be in the environment.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	if len(s.VideoIDs)+len(s.ChannelIDs) == 0 {
		return nil, httpx.SpecErrorf(spec, "video_ids or channel_ids: at least one is required")
	}
	for _, v := range s.VideoIDs {
		if !videoRE.MatchString(v) {
			return nil, httpx.SpecErrorf(spec, "video_ids: %q is not a YouTube video id (11 characters)", v)
		}
	}
	for _, ch := range s.ChannelIDs {
		if !channelRE.MatchString(ch) {
			return nil, httpx.SpecErrorf(spec, "channel_ids: %q is not a YouTube channel id (UC + 22 characters)", ch)
		}
	}
	if s.PageSize == 0 {
		s.PageSize = 100
	}
	if s.PageSize < 1 || s.PageSize > 100 {
		return nil, httpx.SpecErrorf(spec, "page_size %d: want 1 to 100", s.PageSize)
	}
	if err := s.Retry.Validate(); err != nil {
		return nil, httpx.SpecErrorf(spec, "%v", err)
	}
	base, err := httpx.BaseURL(spec, s.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	key, err := httpx.SecretFromEnv(spec, "key_env", s.KeyEnv)
	if err != nil {
		return nil, err
	}
	c := &Connector{
		source: spec.Name, set: s, base: base, key: key,
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts,
		client: httpx.New(httpx.OptionsFor(spec, s.Retry, base, key)),
		log:    slog.Default().With("source", spec.Name, "connector", Name),
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	return c, nil
}

// String describes the connector without its key.
func (c *Connector) String() string {
	return fmt.Sprintf("youtube source %q (%d videos, %d channels, key %s)", c.source, len(c.set.VideoIDs), len(c.set.ChannelIDs), c.key)
}

// GoString is String, so that %#v cannot print the key either.
func (c *Connector) GoString() string { return c.String() }

// mark is one target's position: the newest time seen and the ids at it.
type mark struct {
	Newest time.Time `json:"newest"`
	IDs    []string  `json:"ids,omitempty"`
}

func (m mark) covers(id string, t time.Time) bool {
	if t.Before(m.Newest) {
		return true
	}
	if t.Equal(m.Newest) {
		for _, x := range m.IDs {
			if x == id {
				return true
			}
		}
	}
	return false
}

type target struct{ key, param, id string }

// Fetch returns the comments and replies published after each target's
// mark, oldest first. A target that fails is reported in an
// *ingest.SkipError when other targets worked (it is tried again next time);
// when every target fails the error is returned alone.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	marks := map[string]mark{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &marks); err != nil {
			return nil, cursor, fmt.Errorf("youtube source %q: bad cursor: %w", c.source, err)
		}
	}
	var targets []target
	for _, v := range c.set.VideoIDs {
		targets = append(targets, target{"video:" + v, "videoId", v})
	}
	for _, ch := range c.set.ChannelIDs {
		targets = append(targets, target{"channel:" + ch, "allThreadsRelatedToChannelId", ch})
	}
	var (
		posts []ingest.Post
		skips []ingest.Skip
		fails []error
	)
	now := time.Now().UTC()
	for _, t := range targets {
		got, m, bad, err := c.fetchTarget(ctx, t, marks[t.key], now)
		skips = append(skips, bad...)
		if err != nil {
			err = fmt.Errorf("youtube source %q: %s: %w", c.source, t.key, err)
			fails = append(fails, err)
			skips = append(skips, ingest.Skip{Where: t.key, Err: err})
			continue
		}
		if c.maxPosts > 0 && len(posts)+len(got) > c.maxPosts {
			break // this target waits for the next fetch
		}
		posts = append(posts, got...)
		if len(got) > 0 {
			marks[t.key] = m
		}
	}
	if len(fails) == len(targets) {
		return nil, cursor, errors.Join(fails...)
	}
	next := cursor
	if len(posts) > 0 {
		b, err := json.Marshal(marks)
		if err != nil {
			return nil, cursor, fmt.Errorf("youtube source %q: encoding cursor: %w", c.source, err)
		}
		next = ingest.Cursor(b)
	}
	if len(skips) > 0 {
		return posts, next, &ingest.SkipError{Items: skips}
	}
	return posts, next, nil
}

type threadList struct {
	NextPageToken string            `json:"nextPageToken"`
	Items         []json.RawMessage `json:"items"`
}

type thread struct {
	ID      string `json:"id"`
	Snippet struct {
		VideoID         string          `json:"videoId"`
		TopLevelComment json.RawMessage `json:"topLevelComment"`
	} `json:"snippet"`
	Replies struct {
		Comments []json.RawMessage `json:"comments"`
	} `json:"replies"`
}

type comment struct {
	ID      string `json:"id"`
	Snippet struct {
		VideoID           string `json:"videoId"`
		TextOriginal      string `json:"textOriginal"`
		TextDisplay       string `json:"textDisplay"`
		AuthorDisplayName string `json:"authorDisplayName"`
		AuthorChannelID   struct {
			Value string `json:"value"`
		} `json:"authorChannelId"`
		ParentID    string `json:"parentId"`
		LikeCount   int64  `json:"likeCount"`
		PublishedAt string `json:"publishedAt"`
	} `json:"snippet"`
}

// fetchTarget pages back through one target's threads until its mark.
func (c *Connector) fetchTarget(ctx context.Context, t target, old mark, now time.Time) ([]ingest.Post, mark, []ingest.Skip, error) {
	var (
		posts []ingest.Post
		skips []ingest.Skip
		token string
	)
	nm := old
	for page := 0; page < c.maxPages; page++ {
		q := url.Values{}
		q.Set("part", "snippet,replies")
		q.Set(t.param, t.id)
		q.Set("maxResults", strconv.Itoa(c.set.PageSize))
		q.Set("order", "time")
		q.Set("textFormat", "plainText")
		if token != "" {
			q.Set("pageToken", token)
		}
		q.Set("key", c.key.Reveal())
		res, err := c.client.Get(ctx, c.base+"/commentThreads?"+q.Encode(), httpx.GetOptions{})
		if err != nil {
			return nil, old, skips, err
		}
		var tl threadList
		if err := json.Unmarshal(res.Raw, &tl); err != nil {
			return nil, old, skips, fmt.Errorf("decoding %s: want a commentThreadListResponse: %w", res.URL, err)
		}
		reached := false
		for i, raw := range tl.Items {
			var th thread
			if err := json.Unmarshal(raw, &th); err != nil || len(th.Snippet.TopLevelComment) == 0 {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s item %d", res.URL, i), Err: fmt.Errorf("malformed comment thread: %v", err)})
				continue
			}
			for j, craw := range append([]json.RawMessage{th.Snippet.TopLevelComment}, th.Replies.Comments...) {
				p, err := c.toPost(craw, th.Snippet.VideoID, now)
				if err != nil {
					skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s thread %s", res.URL, th.ID), Err: err})
					continue
				}
				if old.covers(p.NativeID, p.Created) {
					if j == 0 {
						reached = true
					}
					continue
				}
				posts = append(posts, p)
				switch {
				case p.Created.After(nm.Newest):
					nm = mark{Newest: p.Created, IDs: []string{p.NativeID}}
				case p.Created.Equal(nm.Newest):
					nm.IDs = append(nm.IDs, p.NativeID)
				}
			}
		}
		token = tl.NextPageToken
		if reached || token == "" {
			break
		}
		if page == c.maxPages-1 && !old.Newest.IsZero() {
			c.log.Warn("page cap reached before the cursor: older comments not fetched", "target", t.key, "max_pages", c.maxPages)
		}
	}
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].Created.Before(posts[j].Created) })
	return posts, nm, skips, nil
}

func (c *Connector) toPost(raw json.RawMessage, videoID string, now time.Time) (ingest.Post, error) {
	var cm comment
	if err := json.Unmarshal(raw, &cm); err != nil {
		return ingest.Post{}, fmt.Errorf("malformed comment: %w", err)
	}
	if cm.ID == "" {
		return ingest.Post{}, errors.New("comment without id")
	}
	created, err := time.Parse(time.RFC3339, cm.Snippet.PublishedAt)
	if err != nil {
		return ingest.Post{}, fmt.Errorf("comment %s: publishedAt %q: %w", cm.ID, cm.Snippet.PublishedAt, err)
	}
	if cm.Snippet.VideoID != "" {
		videoID = cm.Snippet.VideoID
	}
	p := ingest.Post{
		ID: ingest.MakeID(Name, cm.ID), Platform: Name, NativeID: cm.ID, Source: c.source,
		Author:     ingest.Author{ID: cm.Snippet.AuthorChannelID.Value, Handle: cm.Snippet.AuthorDisplayName},
		Text:       cm.Snippet.TextOriginal,
		Created:    created.UTC(),
		Fetched:    now,
		Engagement: ingest.Engagement{Likes: cm.Snippet.LikeCount},
		RawSHA256:  httpx.SHA256Hex(raw),
	}
	p.SetCapture(raw, "application/json")
	if p.Text == "" {
		p.Text = cm.Snippet.TextDisplay
	}
	if videoID != "" {
		p.Permalink = "https://www.youtube.com/watch?v=" + url.QueryEscape(videoID) + "&lc=" + url.QueryEscape(cm.ID)
	}
	if cm.Snippet.ParentID != "" {
		p.ReplyTo = ingest.MakeID(Name, cm.Snippet.ParentID)
	}
	return p, nil
}
