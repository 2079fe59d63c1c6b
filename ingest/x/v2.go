package x

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

type v2Response struct {
	Data     []json.RawMessage `json:"data"`
	Includes struct {
		Users  []v2User          `json:"users"`
		Media  []v2Media         `json:"media"`
		Tweets []json.RawMessage `json:"tweets"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	Errors []v2Error `json:"errors"`
}

// v2Error is one element of a v2 response's errors (partial errors, e.g. a
// referenced tweet that is no longer visible, or a user not found).
type v2Error struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
}

type v2User struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Location      string `json:"location"`
	PublicMetrics struct {
		Followers int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

type v2Media struct {
	Key             string `json:"media_key"`
	Type            string `json:"type"`
	URL             string `json:"url"`
	PreviewImageURL string `json:"preview_image_url"`
	AltText         string `json:"alt_text"`
	Variants        []struct {
		BitRate     int64  `json:"bit_rate"`
		ContentType string `json:"content_type"`
		URL         string `json:"url"`
	} `json:"variants"`
}

type v2Tweet struct {
	ID            string `json:"id"`
	Text          string `json:"text"`
	AuthorID      string `json:"author_id"`
	CreatedAt     string `json:"created_at"`
	Lang          string `json:"lang"`
	PublicMetrics struct {
		Retweets    int64 `json:"retweet_count"`
		Quotes      int64 `json:"quote_count"`
		Likes       int64 `json:"like_count"`
		Impressions int64 `json:"impression_count"`
	} `json:"public_metrics"`
	Referenced []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Attachments struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
	NoteTweet struct {
		Text string `json:"text"`
	} `json:"note_tweet"`
}

// fullText is a v2 tweet's whole text: its note_tweet (a long post) or text.
func (t *v2Tweet) fullText() string {
	if t.NoteTweet.Text != "" {
		return t.NoteTweet.Text
	}
	return t.Text
}

// v2 request fields, the same for every endpoint.
const (
	v2TweetFields = "created_at,author_id,lang,public_metrics,referenced_tweets,attachments,note_tweet,entities"
	v2Expansions  = "author_id,attachments.media_keys,referenced_tweets.id,referenced_tweets.id.author_id"
	v2UserFields  = "username,public_metrics,location"
	v2MediaFields = "alt_text,type,url,preview_image_url,variants"
)

// v2Page is what one v2 page lends to the tweets in its data.
type v2Page struct {
	users  map[string]v2User
	media  map[string]v2Media
	tweets map[string]v2Ref
}

// v2Ref is a tweet from includes.tweets: decoded, and its bytes for the capture.
type v2Ref struct {
	t   v2Tweet
	raw json.RawMessage
}

// endpoint returns the path and the name of the paging parameter for the mode.
func (c *Connector) endpoint(ctx context.Context) (path, pageParam, what string, err error) {
	switch c.mode {
	case ModeSearch:
		return "/2/tweets/search/recent", "next_token", "recent search", nil
	case ModeMentions:
		id, err := c.resolveUser(ctx)
		if err != nil {
			return "", "", "", err
		}
		return "/2/users/" + id + "/mentions", "pagination_token", "mentions of user " + id, nil
	default:
		id, err := c.resolveUser(ctx)
		if err != nil {
			return "", "", "", err
		}
		return "/2/users/" + id + "/tweets", "pagination_token", "timeline of user " + id, nil
	}
}

// resolveUser returns the account's id: user_id as configured, else the id
// that /2/users/by/username/:username gives, looked up once.
func (c *Connector) resolveUser(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.userID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	res, err := c.client.Get(ctx, c.base+"/2/users/by/username/"+url.PathEscape(c.set.Username), httpx.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("looking up @%s: %w", c.set.Username, err)
	}
	var r struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
		Errors []v2Error `json:"errors"`
	}
	if err := json.Unmarshal(res.Raw, &r); err != nil {
		return "", fmt.Errorf("looking up @%s: decoding %s: %w", c.set.Username, res.URL, err)
	}
	if !userIDRE.MatchString(r.Data.ID) {
		why := "no user id in the response"
		if len(r.Errors) > 0 {
			why = strings.TrimSpace(r.Errors[0].Title + ": " + r.Errors[0].Detail)
		}
		return "", fmt.Errorf("looking up @%s: %s", c.set.Username, why)
	}
	c.mu.Lock()
	c.userID = r.Data.ID
	c.mu.Unlock()
	return r.Data.ID, nil
}

// fetchV2 pages a v2 timeline, mentions or recent search back from the
// newest tweet to since.
func (c *Connector) fetchV2(ctx context.Context, since int64) ([]ingest.Post, []ingest.Skip, error) {
	path, pageParam, what, err := c.endpoint(ctx)
	if err != nil {
		return nil, nil, err
	}
	var (
		posts []ingest.Post
		skips []ingest.Skip
		token string
		seen  = map[string]bool{}
	)
	for page := 0; ; page++ {
		if page == c.maxPages {
			if since > 0 {
				c.log.Warn("page cap reached before the cursor: older tweets not fetched", "max_pages", c.maxPages, "since_id", since)
			}
			break
		}
		q := url.Values{}
		if c.mode == ModeSearch {
			q.Set("query", c.set.Query)
		}
		q.Set("max_results", strconv.Itoa(c.set.PageSize))
		if since > 0 {
			q.Set("since_id", strconv.FormatInt(since, 10))
		}
		if token != "" {
			q.Set(pageParam, token)
		}
		q.Set("tweet.fields", v2TweetFields)
		q.Set("expansions", v2Expansions)
		q.Set("user.fields", v2UserFields)
		q.Set("media.fields", v2MediaFields)
		res, err := c.client.Get(ctx, c.base+path+"?"+q.Encode(), httpx.GetOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		var r v2Response
		if err := json.Unmarshal(res.Raw, &r); err != nil {
			return nil, nil, fmt.Errorf("%s: decoding %s: %w", what, res.URL, err)
		}
		pg := v2Page{
			users:  make(map[string]v2User, len(r.Includes.Users)),
			media:  make(map[string]v2Media, len(r.Includes.Media)),
			tweets: make(map[string]v2Ref, len(r.Includes.Tweets)),
		}
		for _, u := range r.Includes.Users {
			pg.users[u.ID] = u
		}
		for _, m := range r.Includes.Media {
			pg.media[m.Key] = m
		}
		for _, raw := range r.Includes.Tweets {
			var t v2Tweet
			if json.Unmarshal(raw, &t) == nil && t.ID != "" {
				pg.tweets[t.ID] = v2Ref{t, raw}
			}
		}
		now := time.Now().UTC()
		for i, raw := range r.Data {
			p, err := c.v2Post(raw, &pg, now)
			if err != nil {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s page %d tweet %d", what, page+1, i), Err: err})
				continue
			}
			if idNum(p.NativeID) > since && !seen[p.NativeID] {
				seen[p.NativeID] = true
				posts = append(posts, p)
			}
		}
		token = r.Meta.NextToken
		if token == "" || len(r.Data) == 0 {
			break
		}
	}
	return posts, skips, nil
}

func (c *Connector) v2Post(raw json.RawMessage, pg *v2Page, now time.Time) (ingest.Post, error) {
	var t v2Tweet
	if err := json.Unmarshal(raw, &t); err != nil {
		return ingest.Post{}, fmt.Errorf("malformed tweet: %w", err)
	}
	if idNum(t.ID) <= 0 {
		return ingest.Post{}, fmt.Errorf("tweet without a valid id")
	}
	created, err := time.Parse(time.RFC3339, t.CreatedAt)
	if err != nil {
		return ingest.Post{}, fmt.Errorf("tweet %s: created_at %q: %w", t.ID, t.CreatedAt, err)
	}
	p := ingest.Post{
		ID: ingest.MakeID(Name, t.ID), Platform: Name, Source: c.source, NativeID: t.ID,
		Text: t.fullText(), Created: created.UTC(), Fetched: now, RawSHA256: httpx.SHA256Hex(raw),
		Engagement: ingest.Engagement{Views: t.PublicMetrics.Impressions, Shares: t.PublicMetrics.Retweets + t.PublicMetrics.Quotes, Likes: t.PublicMetrics.Likes},
		Permalink:  "https://x.com/i/web/status/" + t.ID,
	}
	if u, ok := pg.users[t.AuthorID]; ok {
		p.Author = ingest.Author{ID: u.ID, Handle: u.Username}
		p.Engagement.Followers = u.PublicMetrics.Followers
		p.Location = strings.TrimSpace(u.Location)
		if screenNameRE.MatchString(u.Username) {
			p.Permalink = "https://x.com/" + u.Username + "/status/" + t.ID
		}
	} else {
		p.Author.ID = t.AuthorID
	}
	if t.Lang != "" && t.Lang != "und" {
		p.Lang = []string{t.Lang}
	}
	var used []json.RawMessage // referenced tweets whose text the post carries
	mediaKeys := t.Attachments.MediaKeys
	for _, ref := range t.Referenced {
		switch ref.Type {
		case "replied_to":
			p.ReplyTo = ingest.MakeID(Name, ref.ID)
		case "retweeted":
			p.ForwardOf = ingest.MakeID(Name, ref.ID)
			if o, ok := pg.tweets[ref.ID]; ok && o.t.fullText() != "" {
				p.Text = o.t.fullText()
				used = append(used, o.raw)
				if len(mediaKeys) == 0 {
					mediaKeys = o.t.Attachments.MediaKeys
				}
			}
		}
	}
	for _, ref := range t.Referenced {
		if ref.Type != "quoted" || p.ForwardOf != "" {
			continue // a retweet's text is already the original's
		}
		o, ok := pg.tweets[ref.ID]
		if !ok || o.t.fullText() == "" {
			continue
		}
		p.Text += QuoteSeparator
		if u, ok := pg.users[o.t.AuthorID]; ok && u.Username != "" {
			p.Text += "@" + u.Username + ": "
		}
		p.Text += o.t.fullText()
		used = append(used, o.raw)
		break
	}
	p.SetCapture(withIncludes(raw, used), "application/json")
	for i, k := range mediaKeys {
		if i == ingest.MaxMedia {
			break
		}
		m, ok := pg.media[k]
		if !ok {
			continue
		}
		if s := strings.TrimSpace(m.AltText); s != "" {
			p.MediaCaptions = append(p.MediaCaptions, s)
		}
		still := m.URL
		if still == "" {
			still = m.PreviewImageURL
		}
		vs := make([]variant, len(m.Variants))
		for i, v := range m.Variants {
			vs[i] = variant{v.ContentType, v.BitRate, v.URL}
		}
		addMedia(&p, m.Type, still, vs)
	}
	return p, nil
}

// withIncludes returns {"data": raw, "includes": {"tweets": refs}} with
// each object's bytes as received, or raw alone when there are no refs or
// the whole would not fit in ingest.MaxCapture.
func withIncludes(raw json.RawMessage, refs []json.RawMessage) []byte {
	if len(refs) == 0 {
		return raw
	}
	var b bytes.Buffer
	b.WriteString(`{"data":`)
	b.Write(raw)
	b.WriteString(`,"includes":{"tweets":[`)
	for i, r := range refs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r)
	}
	b.WriteString(`]}}`)
	if b.Len() > ingest.MaxCapture {
		return raw
	}
	return b.Bytes()
}

// variant is one encoding of a video or GIF.
type variant struct {
	contentType string
	bitRate     int64
	url         string
}

// addMedia adds one photo, video or GIF. A photo is its image; a video or
// GIF is its highest-bitrate mp4 variant (kind video), then its still
// (kind image).
func addMedia(p *ingest.Post, typ, still string, variants []variant) {
	if typ == "video" || typ == "animated_gif" {
		best, rate := "", int64(-1)
		for _, v := range variants {
			if strings.EqualFold(v.contentType, "video/mp4") && v.bitRate > rate {
				best, rate = v.url, v.bitRate
			}
		}
		p.AddMedia(ingest.Media{URL: best, Kind: ingest.MediaVideo, Type: "video/mp4"})
	}
	p.AddMedia(ingest.Media{URL: still, Kind: ingest.MediaImage})
}
