// Package youtube is the connector for YouTube (Data API v3): it
// discovers videos by channel uploads and by keyword search, keeps each
// video as a post, and reads the comment threads of the configured videos,
// of the discovered ones and of whole channels (commentThreads;
// part=snippet,replies; videoId or allThreadsRelatedToChannelId; paged with
// nextPageToken).
//
// Settings:
//
//	video_ids: [dQw4w9WgXcQ]          # videos whose comments to read
//	channel_ids: [UCxxxxxxxxxxxxxxxxxxxxxx]   # all threads related to a channel
//	upload_channels: [UCxxxxxxxxxxxxxxxxxxxxxx]   # discover each channel's uploads
//	search_queries: ["البصرة مظاهرات"]  # discover videos by keyword (search.list)
//	region_code: IQ                   # search.list regionCode (default IQ)
//	relevance_language: ar            # search.list relevanceLanguage (default ar)
//	comments: true                    # read the comments of discovered videos (default true)
//	watch_videos: 20                  # the newest discovered videos whose comments are followed
//	daily_quota: 10000                # API units this source may spend per day (default 10000)
//	key_env: RASD_YOUTUBE_KEY         # env var holding the API key (required)
//	base_url: https://www.googleapis.com/youtube/v3   # default
//	page_size: 100                    # maxResults, 1-100 (discovery asks for at most 50)
//	retry: {max_retries: 4, base_delay: 500ms}
//
// Discovery: an upload channel's uploads playlist comes from
// channels.list?part=contentDetails (looked up once and kept in the
// cursor) and is paged with playlistItems.list newest first; a query runs
// search.list?part=snippet&type=video&order=date with regionCode,
// relevanceLanguage and publishedAfter set to the newest video seen. Each
// video is a post: title, a blank line and description as text (search.list
// escapes HTML, which is undone), the highest thumbnail (high, medium,
// default) as an image, https://www.youtube.com/watch?v=ID as permalink and
// the search result or playlist item's JSON object as capture.
//
// Quota: every call is counted at the API's documented cost (search.list
// 100 units, channels.list, playlistItems.list and commentThreads.list 1)
// in the Prometheus counter QuotaUnits (rasd_youtube_quota_units_total,
// labelled by source) and against daily_quota for the current quota day
// (midnight to midnight Pacific time, as the API counts). A call that would
// pass the budget is not made: the fetch stops there, keeps what it has, and
// Health reports the source degraded until the next quota day. A quota
// error from the API itself (quotaExceeded) is reported the same way.
//
// Threads are read newest first (order=time). The cursor keeps, per video,
// channel, upload channel or query, the newest publication time seen and
// the ids published at that instant; a fetch pages back until it reaches
// that time or Limits.MaxPages (default 5). Replies arrive inside their
// thread (up to the five the API embeds), so a late reply to an old thread
// is not seen. Post.RawSHA256 is the SHA-256 of the comment's (or video
// item's) own JSON object as received, and Post.Capture is that object (a
// reply's, not its thread's). Comments carry no media; the connector reads
// no video data.
package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// DefaultDailyQuota is the API's default daily quota for a project.
const DefaultDailyQuota = 10000

// DefaultWatchVideos is how many discovered videos have their comments followed.
const DefaultWatchVideos = 20

// Bounds on the settings.
const (
	// MaxTargets bounds video_ids, channel_ids, upload_channels and search_queries, each.
	MaxTargets = 200
	// MaxQueryLen bounds one search query, in bytes.
	MaxQueryLen = 500
	// MaxWatchVideos bounds watch_videos.
	MaxWatchVideos = 500
	// MaxDailyQuota bounds daily_quota.
	MaxDailyQuota = 100_000_000
)

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// VideoIDs are videos whose comment threads are read.
	VideoIDs []string `yaml:"video_ids"`
	// ChannelIDs are channels whose related threads are read.
	ChannelIDs []string `yaml:"channel_ids"`
	// UploadChannels are channels whose uploads are discovered as posts.
	UploadChannels []string `yaml:"upload_channels"`
	// SearchQueries are keyword searches whose videos are discovered as posts.
	SearchQueries []string `yaml:"search_queries"`
	// RegionCode is search.list's regionCode (default IQ).
	RegionCode string `yaml:"region_code"`
	// RelevanceLanguage is search.list's relevanceLanguage (default ar).
	RelevanceLanguage string `yaml:"relevance_language"`
	// Comments reads the comment threads of discovered videos (default true).
	Comments *bool `yaml:"comments"`
	// WatchVideos is how many of the newest discovered videos have their
	// comments followed (default 20).
	WatchVideos int `yaml:"watch_videos"`
	// DailyQuota is the API units this source may spend per quota day
	// (default 10000).
	DailyQuota int64 `yaml:"daily_quota"`
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
	videoRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	channelRE  = regexp.MustCompile(`^UC[A-Za-z0-9_-]{22}$`)
	playlistRE = regexp.MustCompile(`^[A-Za-z0-9_-]{2,64}$`)
	regionRE   = regexp.MustCompile(`^[A-Z]{2}$`)
	languageRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
)

// Connector reads the configured videos, channels and discoveries.
type Connector struct {
	source   string
	set      Settings
	comments bool
	base     string
	key      ingest.Secret
	maxPages int
	maxPosts int
	client   *httpx.Client
	log      *slog.Logger
	now      func() time.Time

	mu     sync.Mutex
	day    string // the quota day the counts below belong to
	spent  int64  // units spent on day
	health error  // why fetching stopped on day, or nil
}

// New builds the connector from a source spec; the key must be in the environment.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	if len(s.VideoIDs)+len(s.ChannelIDs)+len(s.UploadChannels)+len(s.SearchQueries) == 0 {
		return nil, httpx.SpecErrorf(spec, "video_ids, channel_ids, upload_channels or search_queries: at least one is required")
	}
	for key, n := range map[string]int{"video_ids": len(s.VideoIDs), "channel_ids": len(s.ChannelIDs), "upload_channels": len(s.UploadChannels), "search_queries": len(s.SearchQueries)} {
		if n > MaxTargets {
			return nil, httpx.KeyErrorf(spec, key, -1, "%s: %d entries, want at most %d", key, n, MaxTargets)
		}
	}
	for i, v := range s.VideoIDs {
		if !videoRE.MatchString(v) {
			return nil, httpx.KeyErrorf(spec, "video_ids", i, "video_ids: %q is not a YouTube video id (11 characters)", v)
		}
	}
	for i, ch := range s.ChannelIDs {
		if !channelRE.MatchString(ch) {
			return nil, httpx.KeyErrorf(spec, "channel_ids", i, "channel_ids: %q is not a YouTube channel id (UC + 22 characters)", ch)
		}
	}
	for i, ch := range s.UploadChannels {
		if !channelRE.MatchString(ch) {
			return nil, httpx.KeyErrorf(spec, "upload_channels", i, "upload_channels: %q is not a YouTube channel id (UC + 22 characters)", ch)
		}
	}
	for i, q := range s.SearchQueries {
		s.SearchQueries[i] = strings.TrimSpace(q)
		if s.SearchQueries[i] == "" || len(q) > MaxQueryLen {
			return nil, httpx.KeyErrorf(spec, "search_queries", i, "search_queries[%d]: want 1 to %d bytes of text", i, MaxQueryLen)
		}
	}
	if s.RegionCode == "" {
		s.RegionCode = "IQ"
	}
	if !regionRE.MatchString(s.RegionCode) {
		return nil, httpx.KeyErrorf(spec, "region_code", -1, "region_code %q: want an ISO 3166-1 alpha-2 code such as IQ", s.RegionCode)
	}
	if s.RelevanceLanguage == "" {
		s.RelevanceLanguage = "ar"
	}
	if !languageRE.MatchString(s.RelevanceLanguage) {
		return nil, httpx.KeyErrorf(spec, "relevance_language", -1, "relevance_language %q: want an ISO 639-1 code such as ar", s.RelevanceLanguage)
	}
	if s.WatchVideos == 0 {
		s.WatchVideos = DefaultWatchVideos
	}
	if s.WatchVideos < 0 || s.WatchVideos > MaxWatchVideos {
		return nil, httpx.KeyErrorf(spec, "watch_videos", -1, "watch_videos %d: want 1 to %d", s.WatchVideos, MaxWatchVideos)
	}
	if s.DailyQuota == 0 {
		s.DailyQuota = DefaultDailyQuota
	}
	if s.DailyQuota < 1 || s.DailyQuota > MaxDailyQuota {
		return nil, httpx.KeyErrorf(spec, "daily_quota", -1, "daily_quota %d: want 1 to %d units", s.DailyQuota, MaxDailyQuota)
	}
	if s.PageSize == 0 {
		s.PageSize = 100
	}
	if s.PageSize < 1 || s.PageSize > 100 {
		return nil, httpx.KeyErrorf(spec, "page_size", -1, "page_size %d: want 1 to 100", s.PageSize)
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
		source: spec.Name, set: s, base: base, key: key, comments: s.Comments == nil || *s.Comments,
		maxPages: spec.Limits.MaxPages, maxPosts: spec.Limits.MaxPosts,
		client: httpx.New(httpx.OptionsFor(spec, s.Retry, base, key)),
		log:    slog.Default().With("source", spec.Name, "connector", Name),
		now:    time.Now,
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	QuotaUnits.WithLabelValues(spec.Name) // the series exists from the start
	return c, nil
}

// String describes the connector without its key.
func (c *Connector) String() string {
	return fmt.Sprintf("youtube source %q (%d videos, %d channels, %d upload channels, %d queries, key %s)", c.source,
		len(c.set.VideoIDs), len(c.set.ChannelIDs), len(c.set.UploadChannels), len(c.set.SearchQueries), c.key)
}

// GoString is String, so that %#v cannot print the key either.
func (c *Connector) GoString() string { return c.String() }

// mark is one target's position: the newest time seen and the ids at it.
// A discovered video's mark also holds the video's publication time (it
// decides which discovered videos stay followed); an upload channel's
// holds its uploads playlist.
type mark struct {
	Newest   time.Time `json:"newest"`
	IDs      []string  `json:"ids,omitempty"`
	Video    time.Time `json:"video,omitzero"`
	Closed   bool      `json:"closed,omitempty"` // a discovered video whose comments are disabled
	Playlist string    `json:"playlist,omitempty"`
	// Spent is, under the key quotaKey, the quota units spent on the quota
	// day the key names, so that a restart keeps counting against the
	// day's budget.
	Spent int64 `json:"spent,omitempty"`
}

// quotaKey prefixes the cursor entry that carries a quota day's spending.
const quotaKey = "quota:"

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

// advance moves m to the post's time when it is newer, or adds its id at
// the same instant.
func (m *mark) advance(p ingest.Post) {
	switch {
	case p.Created.After(m.Newest):
		m.Newest, m.IDs = p.Created, []string{p.NativeID}
	case p.Created.Equal(m.Newest):
		m.IDs = append(m.IDs, p.NativeID)
	}
}

type target struct{ key, param, id string }

// Fetch discovers new videos (upload channels, then queries), then returns
// the comments and replies published after each comment target's mark
// (configured videos, channels, then the followed discovered videos), each
// target oldest first. A target that fails is reported in an
// *ingest.SkipError when other targets worked (it is tried again next time);
// when every target tried fails the error is returned alone. When the daily
// quota budget is reached the fetch stops and returns what it has.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	marks := map[string]mark{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &marks); err != nil {
			return nil, cursor, fmt.Errorf("youtube source %q: bad cursor: %w", c.source, err)
		}
	}
	spentBefore := c.restoreQuota(marks)
	var (
		posts   []ingest.Post
		skips   []ingest.Skip
		fails   []error
		tried   int
		changed bool
		stopped bool
	)
	now := c.now().UTC()
	fail := func(key string, err error) {
		err = fmt.Errorf("youtube source %q: %s: %w", c.source, key, err)
		fails = append(fails, err)
		skips = append(skips, ingest.Skip{Where: key, Err: err})
	}
	seen := map[string]bool{}
	type discovery struct {
		key string
		run func(context.Context, mark, time.Time) ([]ingest.Post, mark, []ingest.Skip, error)
	}
	var discoveries []discovery
	for _, ch := range c.set.UploadChannels {
		discoveries = append(discoveries, discovery{"uploads:" + ch, func(ctx context.Context, m mark, now time.Time) ([]ingest.Post, mark, []ingest.Skip, error) {
			return c.uploads(ctx, ch, m, now)
		}})
	}
	for _, q := range c.set.SearchQueries {
		discoveries = append(discoveries, discovery{"search:" + q, func(ctx context.Context, m mark, now time.Time) ([]ingest.Post, mark, []ingest.Skip, error) {
			return c.search(ctx, q, m, now)
		}})
	}
	for _, d := range discoveries {
		tried++
		old := marks[d.key]
		got, m, bad, err := d.run(ctx, old, now)
		skips = append(skips, bad...)
		if errors.Is(err, errBudget) {
			stopped, tried = true, tried-1
			break
		}
		if err != nil {
			fail(d.key, err)
			if c.Health() != nil {
				stopped = true
				break
			}
			continue
		}
		got, m, ok := c.clip(got, old, m, len(posts))
		if !ok {
			break // no room left: the rest wait for the next fetch
		}
		for _, p := range got {
			if seen[p.NativeID] {
				continue // found by two targets in one fetch
			}
			seen[p.NativeID] = true
			posts = append(posts, p)
			if k := "video:" + p.NativeID; c.comments {
				if _, ok := marks[k]; !ok {
					marks[k] = mark{Video: p.Created}
				}
			}
		}
		if len(got) > 0 || m.Playlist != old.Playlist {
			marks[d.key] = m
			changed = true
		}
	}
	c.prune(marks)

	var targets []target
	for _, v := range c.set.VideoIDs {
		targets = append(targets, target{"video:" + v, "videoId", v})
	}
	for _, ch := range c.set.ChannelIDs {
		targets = append(targets, target{"channel:" + ch, "allThreadsRelatedToChannelId", ch})
	}
	discovered := map[string]bool{}
	for _, k := range c.followed(marks) {
		discovered[k] = true
		targets = append(targets, target{k, "videoId", strings.TrimPrefix(k, "video:")})
	}
	for _, t := range targets {
		if stopped {
			break
		}
		tried++
		old := marks[t.key]
		got, m, bad, err := c.fetchTarget(ctx, t, old, now)
		skips = append(skips, bad...)
		switch {
		case errors.Is(err, errBudget):
			stopped, tried = true, tried-1
			continue
		case err != nil && discovered[t.key] && apiReason(err, "commentsDisabled"):
			old.Closed = true // a discovered video's comments are off: stop asking
			marks[t.key], changed = old, true
			continue
		case err != nil:
			fail(t.key, err)
			stopped = c.Health() != nil
			continue
		}
		got, m, ok := c.clip(got, old, m, len(posts))
		if !ok {
			break // no room left: the rest wait for the next fetch
		}
		posts = append(posts, got...)
		if len(got) > 0 {
			marks[t.key] = m
		}
	}
	if tried > 0 && len(fails) == tried {
		return nil, cursor, errors.Join(fails...)
	}
	// The day's spending rides along whenever the cursor moves; a fetch that
	// found nothing keeps the cursor as it was ("caught up"), so the units
	// of such polls are written with the next one that finds something.
	if day, spent := c.QuotaSpent(); spent != spentBefore && (len(posts) > 0 || changed) {
		for k := range marks {
			if strings.HasPrefix(k, quotaKey) {
				delete(marks, k)
			}
		}
		marks[quotaKey+day] = mark{Spent: spent}
	}
	next := cursor
	if len(posts) > 0 || changed {
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

// clip keeps the oldest of a target's posts (got, oldest first) that fit
// under Limits.MaxPosts beside the have already taken, with the mark that
// covers exactly those: the newer ones come next time. ok is false when
// there is no room at all.
func (c *Connector) clip(got []ingest.Post, old, m mark, have int) (kept []ingest.Post, nm mark, ok bool) {
	if c.maxPosts <= 0 || have+len(got) <= c.maxPosts {
		return got, m, true
	}
	room := c.maxPosts - have
	if room <= 0 {
		return nil, old, false
	}
	nm = old
	nm.IDs = slices.Clone(old.IDs)
	nm.Playlist = m.Playlist
	for _, p := range got[:room] {
		nm.advance(p)
	}
	return got[:room], nm, true
}

// followed lists the keys of the discovered videos whose comments are read,
// newest video first.
func (c *Connector) followed(marks map[string]mark) []string {
	configured := map[string]bool{}
	for _, v := range c.set.VideoIDs {
		configured["video:"+v] = true
	}
	var keys []string
	for k, m := range marks {
		if strings.HasPrefix(k, "video:") && !m.Video.IsZero() && !m.Closed && !configured[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := marks[keys[i]].Video, marks[keys[j]].Video
		if !a.Equal(b) {
			return a.After(b)
		}
		return keys[i] < keys[j]
	})
	return keys
}

// prune forgets the discovered videos beyond the newest watch_videos (and
// all of them when their comments are not read).
func (c *Connector) prune(marks map[string]mark) {
	configured := map[string]bool{}
	for _, v := range c.set.VideoIDs {
		configured["video:"+v] = true
	}
	var keys []string
	for k, m := range marks {
		if strings.HasPrefix(k, "video:") && !m.Video.IsZero() && !configured[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := marks[keys[i]].Video, marks[keys[j]].Video
		if !a.Equal(b) {
			return a.After(b)
		}
		return keys[i] < keys[j]
	})
	keep := c.set.WatchVideos
	if !c.comments {
		keep = 0
	}
	for i, k := range keys {
		if i >= keep {
			delete(marks, k)
		}
	}
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
		res, err := c.call(ctx, "commentThreads", CostList, q)
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
				nm.advance(p)
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
