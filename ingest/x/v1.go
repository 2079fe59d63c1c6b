package x

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dghubble/go-twitter/twitter"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// fetchV1 pages a v1.1 timeline or search back from the newest tweet to since.
func (c *Connector) fetchV1(ctx context.Context, since int64) ([]ingest.Post, []ingest.Skip, error) {
	tw, capture := c.twitterClient(ctx)
	yes := true
	var (
		posts []ingest.Post
		skips []ingest.Skip
		maxID int64
		seen  = map[string]bool{}
	)
	for page := 0; ; page++ {
		if page == c.maxPages {
			if since > 0 {
				c.log.Warn("page cap reached before the cursor: older tweets not fetched", "max_pages", c.maxPages, "since_id", since)
			}
			break
		}
		var (
			tweets []twitter.Tweet
			resp   *http.Response
			err    error
			what   string
		)
		switch c.mode {
		case ModeTimeline:
			what = "user_timeline of @" + c.set.ScreenName
			uid, _ := strconv.ParseInt(c.set.UserID, 10, 64)
			if uid > 0 {
				what = "user_timeline of user " + c.set.UserID
			}
			tweets, resp, err = tw.Timelines.UserTimeline(&twitter.UserTimelineParams{
				ScreenName: c.set.ScreenName, UserID: uid, Count: c.set.PageSize, SinceID: since, MaxID: maxID,
				TweetMode: "extended", IncludeRetweets: &yes,
			})
		default:
			what = "search"
			var s *twitter.Search
			s, resp, err = tw.Search.Tweets(&twitter.SearchTweetParams{
				Query: c.set.Query, Count: c.set.PageSize, SinceID: since, MaxID: maxID,
				TweetMode: "extended", ResultType: "recent",
			})
			if s != nil {
				tweets = s.Statuses
			}
		}
		body := capture.take()
		if err == nil && resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			err = &httpx.StatusError{URL: httpx.RedactURL(resp.Request.URL.String()), Code: resp.StatusCode}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		raws := v1RawByID(body, c.mode == ModeSearch)
		if len(tweets) == 0 {
			break
		}
		var minID int64
		for i, t := range tweets {
			p, err := c.v1Post(t, raws[t.IDStr], body)
			if err != nil {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s page %d tweet %d", what, page+1, i), Err: err})
				continue
			}
			if n := idNum(p.NativeID); minID == 0 || n < minID {
				minID = n
			}
			if idNum(p.NativeID) <= since || seen[p.NativeID] {
				continue
			}
			seen[p.NativeID] = true
			posts = append(posts, p)
		}
		if minID == 0 || minID <= since+1 {
			break
		}
		maxID = minID - 1
	}
	return posts, skips, nil
}

// v1RawByID maps id_str to each tweet's JSON bytes in a v1.1 response.
func v1RawByID(body []byte, search bool) map[string][]byte {
	var raws []json.RawMessage
	if search {
		var s struct {
			Statuses []json.RawMessage `json:"statuses"`
		}
		if json.Unmarshal(body, &s) != nil {
			return nil
		}
		raws = s.Statuses
	} else if json.Unmarshal(body, &raws) != nil {
		return nil
	}
	out := make(map[string][]byte, len(raws))
	for _, r := range raws {
		var v struct {
			IDStr string `json:"id_str"`
		}
		if json.Unmarshal(r, &v) == nil && v.IDStr != "" {
			out[v.IDStr] = r
		}
	}
	return out
}

func fullText(t *twitter.Tweet) string {
	switch {
	case t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "":
		return t.ExtendedTweet.FullText
	case t.FullText != "":
		return t.FullText
	}
	return t.Text
}

func (c *Connector) v1Post(t twitter.Tweet, raw, body []byte) (ingest.Post, error) {
	if t.IDStr == "" || idNum(t.IDStr) <= 0 {
		return ingest.Post{}, fmt.Errorf("tweet without a valid id_str")
	}
	created, err := t.CreatedAtTime()
	if err != nil {
		return ingest.Post{}, fmt.Errorf("tweet %s: created_at %q: %w", t.IDStr, t.CreatedAt, err)
	}
	p := ingest.Post{
		ID: ingest.MakeID(Name, t.IDStr), Platform: Name, Source: c.source, NativeID: t.IDStr,
		Text: fullText(&t), Created: created.UTC(), Fetched: time.Now().UTC(),
		Engagement: ingest.Engagement{Shares: int64(t.RetweetCount + t.QuoteCount), Likes: int64(t.FavoriteCount)},
		Permalink:  "https://x.com/i/web/status/" + t.IDStr,
	}
	if raw != nil {
		p.RawSHA256 = httpx.SHA256Hex(raw)
		p.SetCapture(raw, "application/json")
	} else {
		p.RawSHA256 = httpx.SHA256Hex(body)
	}
	if u := t.User; u != nil {
		p.Author = ingest.Author{ID: u.IDStr, Handle: u.ScreenName}
		p.Engagement.Followers = int64(u.FollowersCount)
		p.Location = strings.TrimSpace(u.Location)
		if u.ScreenName != "" {
			p.Permalink = "https://x.com/" + u.ScreenName + "/status/" + t.IDStr
		}
	}
	if t.Lang != "" && t.Lang != "und" {
		p.Lang = []string{t.Lang}
	}
	if t.InReplyToStatusIDStr != "" {
		p.ReplyTo = ingest.MakeID(Name, t.InReplyToStatusIDStr)
	}
	if rt := t.RetweetedStatus; rt != nil && rt.IDStr != "" {
		p.ForwardOf = ingest.MakeID(Name, rt.IDStr)
		p.Text = fullText(rt)
	} else if qt := t.QuotedStatus; qt != nil && fullText(qt) != "" {
		p.Text += QuoteSeparator
		if qt.User != nil && qt.User.ScreenName != "" {
			p.Text += "@" + qt.User.ScreenName + ": "
		}
		p.Text += fullText(qt)
	}
	var alt struct {
		ExtendedEntities struct {
			Media []struct {
				ExtAltText string `json:"ext_alt_text"`
			} `json:"media"`
		} `json:"extended_entities"`
	}
	if raw != nil && json.Unmarshal(raw, &alt) == nil {
		for _, m := range alt.ExtendedEntities.Media {
			if s := strings.TrimSpace(m.ExtAltText); s != "" {
				p.MediaCaptions = append(p.MediaCaptions, s)
			}
		}
	}
	for _, m := range v1Media(&t) {
		vs := make([]variant, len(m.VideoInfo.Variants))
		for i, v := range m.VideoInfo.Variants {
			vs[i] = variant{v.ContentType, int64(v.Bitrate), v.URL}
		}
		addMedia(&p, m.Type, m.MediaURLHttps, vs)
	}
	return p, nil
}

// v1Media returns a tweet's media entities: extended_entities (every photo,
// the video or GIF), else entities (the first photo), else those of the
// retweeted status.
func v1Media(t *twitter.Tweet) []twitter.MediaEntity {
	for _, s := range []*twitter.Tweet{t, t.RetweetedStatus} {
		if s == nil {
			continue
		}
		if s.ExtendedEntities != nil && len(s.ExtendedEntities.Media) > 0 {
			return s.ExtendedEntities.Media
		}
		if s.Entities != nil && len(s.Entities.Media) > 0 {
			return s.Entities.Media
		}
	}
	return nil
}
