// Package rss is the connector for RSS 2.0 and Atom feeds, parsed with
// encoding/xml. Charset declarations (HTTP header or XML declaration), CDATA
// and HTML in descriptions are handled; HTML is stripped to text.
//
// Settings:
//
//	url: https://example.iq/feed.xml   # the feed (required)
//	retry: {max_retries: 4, base_delay: 500ms}
//
// The cursor remembers the ids (guid, else link, else id) of the items seen,
// the newest item date, and the feed's ETag / Last-Modified, so an unchanged
// feed costs one 304 and each item is returned once. Post.RawSHA256 is the
// SHA-256 of the item's own XML bytes as fetched when the feed is UTF-8, and
// of the whole fetched feed when it had to be transcoded. Post.Capture is
// the item's XML element (converted to UTF-8 when the feed was not), and
// Post.Media its enclosures, Media RSS content and thumbnails, and the
// images in its HTML, resolved against the item's link (else the feed's).
package rss

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "rss"

// MaxSeen bounds the item ids kept in the cursor.
const MaxSeen = 2000

// XMLCaptureType is the Post.CaptureType of an item's XML element; the
// element is always UTF-8 (a feed in another encoding is converted first).
const XMLCaptureType = "application/xml"

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// URL is the feed's address.
	URL string `yaml:"url"`
	// Retry tunes back-off.
	Retry httpx.RetrySettings `yaml:"retry"`
}

// Connector fetches one feed.
type Connector struct {
	source   string
	url      string
	maxPosts int
	client   *httpx.Client
	log      *slog.Logger
}

// state is the cursor, JSON-encoded.
type state struct {
	Seen         []string  `json:"seen,omitempty"`
	Newest       time.Time `json:"newest,omitzero"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
}

// New builds the connector from a source spec.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	if s.URL == "" {
		return nil, httpx.SpecErrorf(spec, "url is required (the feed address)")
	}
	if _, err := httpx.BaseURL(spec, s.URL, ""); err != nil {
		return nil, httpx.SpecErrorf(spec, "url %q: want an absolute http(s) URL", s.URL)
	}
	if err := s.Retry.Validate(); err != nil {
		return nil, httpx.SpecErrorf(spec, "%v", err)
	}
	return &Connector{
		source: spec.Name, url: s.URL, maxPosts: spec.Limits.MaxPosts,
		client: httpx.New(httpx.OptionsFor(spec, s.Retry, s.URL)),
		log:    slog.Default().With("source", spec.Name, "connector", Name),
	}, nil
}

// Fetch returns the feed's items not seen before, oldest first. A feed that
// ends early or turns malformed after some items yields those items with an
// *ingest.SkipError describing the damage; its validators are then not
// stored, so the next fetch reads it in full again.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	var st state
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &st); err != nil {
			return nil, cursor, fmt.Errorf("rss source %q: bad cursor: %w", c.source, err)
		}
	}
	hdr := http.Header{}
	if st.ETag != "" {
		hdr.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		hdr.Set("If-Modified-Since", st.LastModified)
	}
	res, err := c.client.Get(ctx, c.url, httpx.GetOptions{Header: hdr})
	if err != nil {
		return nil, cursor, fmt.Errorf("rss source %q: %w", c.source, err)
	}
	if res.Status == http.StatusNotModified {
		return nil, cursor, nil
	}
	feed, err := Parse(res.Raw, res.Header.Get("Content-Type"))
	if err != nil {
		return nil, cursor, fmt.Errorf("rss source %q: parsing %s: %w", c.source, res.URL, err)
	}
	seen := make(map[string]bool, len(st.Seen))
	for _, id := range st.Seen {
		seen[id] = true
	}
	now := time.Now().UTC()
	feedURL, err := url.Parse(res.URL)
	if err != nil {
		return nil, cursor, fmt.Errorf("rss source %q: feed url %q: %w", c.source, res.URL, err)
	}
	var posts []ingest.Post
	for i := len(feed.Items) - 1; i >= 0; i-- { // feeds list newest first
		it := feed.Items[i]
		id := it.GUID
		if id == "" {
			id = it.Link
		}
		if id == "" {
			id = "sha256:" + httpx.SHA256Hex([]byte(it.Title+"\x00"+it.Summary))
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		st.Seen = append(st.Seen, id)
		p := ingest.Post{
			ID: ingest.MakeID(Name, id), Platform: Name, Source: c.source, NativeID: id,
			Permalink: it.Link, Author: ingest.Author{ID: it.AuthorID, Handle: it.Author},
			Text: joinText(it.Title, it.Summary), Created: it.Published, Fetched: now,
			MediaCaptions: it.MediaCaptions, RawSHA256: res.SHA256,
		}
		if it.Raw != nil {
			p.RawSHA256 = httpx.SHA256Hex(it.Raw)
		}
		p.SetCapture(it.XML, XMLCaptureType)
		base := feedURL
		if l, err := url.Parse(it.Link); err == nil && (l.Scheme == "http" || l.Scheme == "https") && l.Host != "" {
			base = l
		}
		for _, m := range it.Media {
			m.URL = httpx.ResolveMedia(base, m.URL)
			p.AddMedia(m)
		}
		if l := firstNonEmpty(it.Lang, feed.Lang); l != "" {
			p.Lang = []string{l}
		}
		if it.Published.After(st.Newest) {
			st.Newest = it.Published
		}
		posts = append(posts, p)
	}
	sort.SliceStable(posts, func(i, j int) bool {
		a, b := posts[i].Created, posts[j].Created
		return !a.IsZero() && !b.IsZero() && a.Before(b)
	})
	if c.maxPosts > 0 && len(posts) > c.maxPosts {
		// keep the oldest; forget the rest so they come next time
		drop := map[string]bool{}
		for _, p := range posts[c.maxPosts:] {
			drop[p.NativeID] = true
		}
		posts = posts[:c.maxPosts]
		kept := st.Seen[:0]
		for _, id := range st.Seen {
			if !drop[id] {
				kept = append(kept, id)
			}
		}
		st.Seen = kept
		st.ETag, st.LastModified = "", ""
	} else if feed.Truncated == nil {
		st.ETag, st.LastModified = res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	} else {
		st.ETag, st.LastModified = "", ""
	}
	if len(st.Seen) > MaxSeen {
		st.Seen = st.Seen[len(st.Seen)-MaxSeen:]
	}
	if len(posts) == 0 && cursor != "" {
		// nothing new: keep the cursor, so that a feed whose ETag changes on
		// every request cannot keep the caller fetching
		if feed.Truncated != nil {
			return nil, cursor, &ingest.SkipError{Items: []ingest.Skip{{Where: res.URL, Err: fmt.Errorf("feed cut short after %d items: %w", len(feed.Items), feed.Truncated)}}}
		}
		return nil, cursor, nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return posts, cursor, fmt.Errorf("rss source %q: encoding cursor: %w", c.source, err)
	}
	if feed.Truncated != nil {
		c.log.Warn("feed damaged; kept the items before the damage", "url", res.URL, "items", len(feed.Items), "err", feed.Truncated)
		return posts, ingest.Cursor(b), &ingest.SkipError{Items: []ingest.Skip{{Where: res.URL, Err: fmt.Errorf("feed cut short after %d items: %w", len(feed.Items), feed.Truncated)}}}
	}
	return posts, ingest.Cursor(b), nil
}

func joinText(title, summary string) string {
	switch {
	case summary == "":
		return title
	case title == "" || len(summary) >= len(title) && summary[:len(title)] == title:
		return summary
	}
	return title + "\n" + summary
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
