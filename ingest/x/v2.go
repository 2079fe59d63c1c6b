package x

import (
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
		Users []v2User  `json:"users"`
		Media []v2Media `json:"media"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
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

// fetchRecent pages /2/tweets/search/recent with next_token down to since.
func (c *Connector) fetchRecent(ctx context.Context, since int64) ([]ingest.Post, []ingest.Skip, error) {
	var (
		posts []ingest.Post
		skips []ingest.Skip
		token string
	)
	for page := 0; ; page++ {
		if page == c.maxPages {
			if since > 0 {
				c.log.Warn("page cap reached before the cursor: older tweets not fetched", "max_pages", c.maxPages, "since_id", since)
			}
			break
		}
		q := url.Values{}
		q.Set("query", c.set.Query)
		q.Set("max_results", strconv.Itoa(c.set.PageSize))
		if since > 0 {
			q.Set("since_id", strconv.FormatInt(since, 10))
		}
		if token != "" {
			q.Set("next_token", token)
		}
		q.Set("tweet.fields", "created_at,author_id,lang,public_metrics,referenced_tweets,attachments,note_tweet")
		q.Set("expansions", "author_id,attachments.media_keys")
		q.Set("user.fields", "username,public_metrics,location")
		q.Set("media.fields", "alt_text,type,url,preview_image_url,variants")
		res, err := c.client.Get(ctx, c.base+"/2/tweets/search/recent?"+q.Encode(), httpx.GetOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("recent search: %w", err)
		}
		var r v2Response
		if err := json.Unmarshal(res.Raw, &r); err != nil {
			return nil, nil, fmt.Errorf("recent search: decoding %s: %w", res.URL, err)
		}
		users := make(map[string]v2User, len(r.Includes.Users))
		for _, u := range r.Includes.Users {
			users[u.ID] = u
		}
		media := make(map[string]v2Media, len(r.Includes.Media))
		for _, m := range r.Includes.Media {
			media[m.Key] = m
		}
		now := time.Now().UTC()
		for i, raw := range r.Data {
			p, err := c.v2Post(raw, users, media, now)
			if err != nil {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("recent search page %d tweet %d", page+1, i), Err: err})
				continue
			}
			if idNum(p.NativeID) > since {
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

func (c *Connector) v2Post(raw json.RawMessage, users map[string]v2User, media map[string]v2Media, now time.Time) (ingest.Post, error) {
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
		Text: t.Text, Created: created.UTC(), Fetched: now, RawSHA256: httpx.SHA256Hex(raw),
		Engagement: ingest.Engagement{Views: t.PublicMetrics.Impressions, Shares: t.PublicMetrics.Retweets + t.PublicMetrics.Quotes, Likes: t.PublicMetrics.Likes},
		Permalink:  "https://x.com/i/web/status/" + t.ID,
	}
	p.SetCapture(raw, "application/json")
	if t.NoteTweet.Text != "" {
		p.Text = t.NoteTweet.Text
	}
	if u, ok := users[t.AuthorID]; ok {
		p.Author = ingest.Author{ID: u.ID, Handle: u.Username}
		p.Engagement.Followers = u.PublicMetrics.Followers
		p.Location = strings.TrimSpace(u.Location)
		p.Permalink = "https://x.com/" + u.Username + "/status/" + t.ID
	} else {
		p.Author.ID = t.AuthorID
	}
	if t.Lang != "" && t.Lang != "und" {
		p.Lang = []string{t.Lang}
	}
	for _, ref := range t.Referenced {
		switch ref.Type {
		case "replied_to":
			p.ReplyTo = ingest.MakeID(Name, ref.ID)
		case "retweeted":
			p.ForwardOf = ingest.MakeID(Name, ref.ID)
		}
	}
	for i, k := range t.Attachments.MediaKeys {
		if i == ingest.MaxMedia {
			break
		}
		m, ok := media[k]
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
