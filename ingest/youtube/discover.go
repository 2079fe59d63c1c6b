package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// The Data API's documented cost of each call, in quota units.
const (
	// CostSearch is the cost of one search.list call.
	CostSearch = 100
	// CostList is the cost of one channels.list, playlistItems.list or
	// commentThreads.list call.
	CostList = 1
)

// QuotaUnits counts the Data API quota units each source has spent, at the
// documented cost of each call made (a retry inside one call is not counted
// again). The package registers it nowhere: the engine adds it to the
// registry it serves on /metrics.
var QuotaUnits = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "rasd_youtube_quota_units_total",
	Help: "YouTube Data API quota units spent, by source (search.list 100, channels.list, playlistItems.list and commentThreads.list 1).",
}, []string{"source"})

// errBudget stops a fetch when the next call would pass daily_quota.
var errBudget = errors.New("daily quota budget reached")

// pacific is the zone whose midnight starts a new quota day.
var pacific = func() *time.Location {
	if l, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return l
	}
	return time.FixedZone("PST", -8*60*60)
}()

// quotaDay names the quota day that t falls in.
func quotaDay(t time.Time) string { return t.In(pacific).Format("2006-01-02") }

// rollDay starts a new quota day when t falls past the current one; c.mu is held.
func (c *Connector) rollDay(t time.Time) {
	if d := quotaDay(t); d != c.day {
		c.day, c.spent, c.health = d, 0, nil
	}
}

// spend counts units for one call, or refuses it with errBudget (and
// records why in Health) when the day's budget has no room for it.
func (c *Connector) spend(units int64, call string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rollDay(c.now())
	if c.health != nil {
		return errBudget
	}
	if c.spent+units > c.set.DailyQuota {
		c.health = fmt.Errorf("youtube source %q: daily_quota of %d units reached on quota day %s (%d spent, %s costs %d): fetching resumes after midnight Pacific time; raise daily_quota or fetch less often",
			c.source, c.set.DailyQuota, c.day, c.spent, call, units)
		return errBudget
	}
	c.spent += units
	QuotaUnits.WithLabelValues(c.source).Add(float64(units))
	return nil
}

// Health reports the source degraded, until the next quota day, once the
// daily_quota budget is reached or the API has refused a call for quota.
func (c *Connector) Health() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rollDay(c.now())
	return c.health
}

// restoreQuota takes the units spent today from the cursor's marks when
// they are more than this process counted (it restarted during the quota
// day), and returns the units spent before this fetch.
func (c *Connector) restoreQuota(marks map[string]mark) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rollDay(c.now())
	if m, ok := marks[quotaKey+c.day]; ok && m.Spent > c.spent {
		c.spent = m.Spent
	}
	return c.spent
}

// QuotaSpent returns the current quota day (a date in Pacific time) and the
// units spent on it.
func (c *Connector) QuotaSpent() (day string, units int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rollDay(c.now())
	return c.day, c.spent
}

// apiReason reports whether err is the API's refusal with the given reason
// (httpx puts the first error's reason in parentheses after the message).
func apiReason(err error, reason string) bool {
	var se *httpx.StatusError
	return errors.As(err, &se) && se.Code == 403 && strings.HasSuffix(se.Snippet, "("+reason+")")
}

// call spends the units for one call of endpoint and makes it.
func (c *Connector) call(ctx context.Context, endpoint string, units int64, q url.Values) (*httpx.Response, error) {
	if err := c.spend(units, endpoint+".list"); err != nil {
		return nil, err
	}
	q.Set("key", c.key.Reveal())
	res, err := c.client.Get(ctx, c.base+"/"+endpoint+"?"+q.Encode(), httpx.GetOptions{})
	if err != nil && (apiReason(err, "quotaExceeded") || apiReason(err, "dailyLimitExceeded")) {
		c.mu.Lock()
		c.rollDay(c.now())
		c.health = fmt.Errorf("youtube source %q: the API refused %s.list for quota on quota day %s: fetching resumes after midnight Pacific time", c.source, endpoint, c.day)
		c.mu.Unlock()
	}
	return res, err
}

// videoList is a search.list or playlistItems.list response.
type videoList struct {
	NextPageToken string            `json:"nextPageToken"`
	Items         []json.RawMessage `json:"items"`
}

// videoItem is a searchResult or a playlistItem.
type videoItem struct {
	Kind    string          `json:"kind"`
	ID      json.RawMessage `json:"id"` // searchResult: {"kind","videoId"}; playlistItem: a string
	Snippet struct {
		PublishedAt            string `json:"publishedAt"`
		ChannelID              string `json:"channelId"`
		ChannelTitle           string `json:"channelTitle"`
		Title                  string `json:"title"`
		Description            string `json:"description"`
		VideoOwnerChannelID    string `json:"videoOwnerChannelId"`
		VideoOwnerChannelTitle string `json:"videoOwnerChannelTitle"`
		Thumbnails             map[string]struct {
			URL string `json:"url"`
		} `json:"thumbnails"`
	} `json:"snippet"`
	ContentDetails struct {
		VideoID          string `json:"videoId"`
		VideoPublishedAt string `json:"videoPublishedAt"`
	} `json:"contentDetails"`
}

// errUnavailable marks a playlist item whose video is private or deleted.
var errUnavailable = errors.New("video private or deleted")

// videoPost makes a post of a search result or a playlist item.
func (c *Connector) videoPost(raw json.RawMessage, now time.Time) (ingest.Post, error) {
	var it videoItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return ingest.Post{}, fmt.Errorf("malformed video item: %w", err)
	}
	sn := it.Snippet
	var id, published string
	author := ingest.Author{ID: sn.ChannelID, Handle: sn.ChannelTitle}
	title, desc := sn.Title, sn.Description
	switch it.Kind {
	case "youtube#searchResult":
		var sid struct {
			VideoID string `json:"videoId"`
		}
		json.Unmarshal(it.ID, &sid) // checked below
		id, published = sid.VideoID, sn.PublishedAt
		title, desc = html.UnescapeString(title), html.UnescapeString(desc) // search.list escapes HTML
	case "youtube#playlistItem":
		id, published = it.ContentDetails.VideoID, it.ContentDetails.VideoPublishedAt
		if published == "" {
			return ingest.Post{}, errUnavailable
		}
		if sn.VideoOwnerChannelID != "" {
			author = ingest.Author{ID: sn.VideoOwnerChannelID, Handle: sn.VideoOwnerChannelTitle}
		}
	default:
		return ingest.Post{}, fmt.Errorf("video item of kind %q: want youtube#searchResult or youtube#playlistItem", it.Kind)
	}
	if !videoRE.MatchString(id) {
		return ingest.Post{}, fmt.Errorf("%s without a valid video id (%q)", it.Kind, id)
	}
	created, err := time.Parse(time.RFC3339, published)
	if err != nil {
		return ingest.Post{}, fmt.Errorf("video %s: published %q: %w", id, published, err)
	}
	text := strings.TrimSpace(title)
	if d := strings.TrimSpace(desc); d != "" {
		text += "\n\n" + d
	}
	p := ingest.Post{
		ID: ingest.MakeID(Name, id), Platform: Name, NativeID: id, Source: c.source,
		Permalink: "https://www.youtube.com/watch?v=" + id,
		Author:    author, Text: text, Created: created.UTC(), Fetched: now,
		RawSHA256: httpx.SHA256Hex(raw),
	}
	p.SetCapture(raw, "application/json")
	for _, size := range []string{"high", "medium", "default"} {
		if u := sn.Thumbnails[size].URL; u != "" {
			p.AddMedia(ingest.Media{URL: u, Kind: ingest.MediaImage})
			break
		}
	}
	return p, nil
}

// pageSize is maxResults for the discovery lists (at most 50).
func (c *Connector) pageSize() string { return strconv.Itoa(min(c.set.PageSize, 50)) }

// uploads pages back through a channel's uploads playlist until the mark.
func (c *Connector) uploads(ctx context.Context, channel string, old mark, now time.Time) ([]ingest.Post, mark, []ingest.Skip, error) {
	nm := old
	if !playlistRE.MatchString(nm.Playlist) {
		q := url.Values{}
		q.Set("part", "contentDetails")
		q.Set("id", channel)
		res, err := c.call(ctx, "channels", CostList, q)
		if err != nil {
			return nil, old, nil, fmt.Errorf("looking up the uploads playlist: %w", err)
		}
		var cl struct {
			Items []struct {
				ID             string `json:"id"`
				ContentDetails struct {
					RelatedPlaylists struct {
						Uploads string `json:"uploads"`
					} `json:"relatedPlaylists"`
				} `json:"contentDetails"`
			} `json:"items"`
		}
		if err := json.Unmarshal(res.Raw, &cl); err != nil {
			return nil, old, nil, fmt.Errorf("decoding %s: want a channelListResponse: %w", res.URL, err)
		}
		if len(cl.Items) == 0 {
			return nil, old, nil, fmt.Errorf("channel %s not found", channel)
		}
		if up := cl.Items[0].ContentDetails.RelatedPlaylists.Uploads; !playlistRE.MatchString(up) {
			return nil, old, nil, fmt.Errorf("channel %s: no uploads playlist (%q)", channel, up)
		}
		nm.Playlist = cl.Items[0].ContentDetails.RelatedPlaylists.Uploads
	}
	var (
		posts []ingest.Post
		skips []ingest.Skip
		token string
	)
	for page := 0; page < c.maxPages; page++ {
		q := url.Values{}
		q.Set("part", "snippet,contentDetails")
		q.Set("playlistId", nm.Playlist)
		q.Set("maxResults", c.pageSize())
		if token != "" {
			q.Set("pageToken", token)
		}
		res, err := c.call(ctx, "playlistItems", CostList, q)
		if err != nil {
			return nil, old, skips, err
		}
		var vl videoList
		if err := json.Unmarshal(res.Raw, &vl); err != nil {
			return nil, old, skips, fmt.Errorf("decoding %s: want a playlistItemListResponse: %w", res.URL, err)
		}
		reached := false
		for i, raw := range vl.Items {
			p, err := c.videoPost(raw, now)
			if errors.Is(err, errUnavailable) {
				continue
			}
			if err != nil {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s item %d", res.URL, i), Err: err})
				continue
			}
			if old.covers(p.NativeID, p.Created) {
				reached = true
				continue
			}
			posts = append(posts, p)
			nm.advance(p)
		}
		token = vl.NextPageToken
		if reached || token == "" {
			break
		}
		if page == c.maxPages-1 && !old.Newest.IsZero() {
			c.log.Warn("page cap reached before the cursor: older uploads not fetched", "channel", channel, "max_pages", c.maxPages)
		}
	}
	sortOldestFirst(posts)
	return posts, nm, skips, nil
}

// search runs one query for the videos published since the mark.
func (c *Connector) search(ctx context.Context, query string, old mark, now time.Time) ([]ingest.Post, mark, []ingest.Skip, error) {
	nm := old
	var (
		posts []ingest.Post
		skips []ingest.Skip
		token string
	)
	for page := 0; page < c.maxPages; page++ {
		q := url.Values{}
		q.Set("part", "snippet")
		q.Set("q", query)
		q.Set("type", "video")
		q.Set("order", "date")
		q.Set("regionCode", c.set.RegionCode)
		q.Set("relevanceLanguage", c.set.RelevanceLanguage)
		q.Set("maxResults", c.pageSize())
		if !old.Newest.IsZero() {
			q.Set("publishedAfter", old.Newest.UTC().Format(time.RFC3339))
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		res, err := c.call(ctx, "search", CostSearch, q)
		if err != nil {
			return nil, old, skips, err
		}
		var vl videoList
		if err := json.Unmarshal(res.Raw, &vl); err != nil {
			return nil, old, skips, fmt.Errorf("decoding %s: want a searchListResponse: %w", res.URL, err)
		}
		for i, raw := range vl.Items {
			p, err := c.videoPost(raw, now)
			if err != nil {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s item %d", res.URL, i), Err: err})
				continue
			}
			if old.covers(p.NativeID, p.Created) { // publishedAfter includes the mark's instant
				continue
			}
			posts = append(posts, p)
			nm.advance(p)
		}
		token = vl.NextPageToken
		if token == "" || len(vl.Items) == 0 {
			break
		}
	}
	sortOldestFirst(posts)
	return posts, nm, skips, nil
}

func sortOldestFirst(posts []ingest.Post) {
	for i := 1; i < len(posts); i++ { // insertion sort: stable, and the lists are short
		for j := i; j > 0 && posts[j].Created.Before(posts[j-1].Created); j-- {
			posts[j-1], posts[j] = posts[j], posts[j-1]
		}
	}
}
