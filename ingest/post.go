// Package ingest defines the Post record that every connector produces and the
// Connector interface behind which each source sits.
package ingest

import (
	"bytes"
	"context"
	"strings"
	"time"
)

// Post is one public post, comment or message as fetched from a source.
type Post struct {
	// ID is stable across fetches: "PLATFORM:NATIVEID" (see MakeID).
	ID string `json:"id"`
	// Platform is the connector type that fetched it: web, telegram, telegram-mtproto, rss, x, youtube, discord, file, tips.
	Platform string `json:"platform"`
	// Source is the name of the source in sources.yaml.
	Source string `json:"source"`
	// NativeID is the platform's own id of the post.
	NativeID string `json:"native_id,omitempty"`
	// Permalink is the exact public URL of the post, when it has one.
	Permalink string `json:"permalink,omitempty"`
	// Author identifies who posted it on the platform.
	Author Author `json:"author"`
	// Text is the post's text as fetched (not normalised).
	Text string `json:"text"`
	// Lang holds language hints from the platform (e.g. "ar", "ckb").
	Lang []string `json:"lang,omitempty"`
	// Created is when the post was made, as the platform says; zero if unknown.
	Created time.Time `json:"created,omitzero"`
	// Fetched is when Rasd fetched it.
	Fetched time.Time `json:"fetched"`
	// Engagement counts, where the platform exposes them.
	Engagement Engagement `json:"engagement,omitzero"`
	// ReplyTo is the ID of the post this replies to, if any.
	ReplyTo string `json:"reply_to,omitempty"`
	// ForwardOf names the original channel/post this was forwarded from, if any.
	ForwardOf string `json:"forward_of,omitempty"`
	// MediaCaptions are captions of attached media.
	MediaCaptions []string `json:"media_captions,omitempty"`
	// RawSHA256 is the hex SHA-256 of the raw bytes fetched, kept as evidence.
	RawSHA256 string `json:"raw_sha256,omitempty"`
	// Location is the author's stated location, when known.
	Location string `json:"location,omitempty"`
	// Media lists what the post carries besides its text (photos, video
	// thumbnails, attachments, images in a page) as the platform links them.
	// The media stage fetches and hashes them; connectors only name them.
	Media []Media `json:"media,omitempty"`
	// Capture is the raw form of this one message as fetched: the API's JSON
	// object for it, or the HTML fragment of its page, at most MaxCapture
	// bytes (see SetCapture). It is kept as evidence for posts that enter
	// review and dropped for the others.
	Capture []byte `json:"capture,omitempty"`
	// CaptureType is Capture's media type, e.g. "application/json" or "text/html".
	CaptureType string `json:"capture_type,omitempty"`
}

// MaxMedia bounds how many media items a connector keeps for one post.
const MaxMedia = 16

// MaxCapture bounds the raw capture kept for one message.
const MaxCapture = 64 << 10

// Media is one image, video or file attached to a post.
type Media struct {
	// URL is where the platform serves it (absolute http or https).
	URL string `json:"url"`
	// Kind is what it is: "image", "video" (a video's thumbnail is its own
	// "image" item), "audio" or "file".
	Kind string `json:"kind"`
	// Type is the media type the platform states, when it does (e.g. "image/jpeg").
	Type string `json:"type,omitempty"`
	// SHA256 is the hex SHA-256 of the fetched bytes, set once the media
	// stage has them.
	SHA256 string `json:"sha256,omitempty"`
}

// Media kinds.
const (
	MediaImage = "image"
	MediaVideo = "video"
	MediaAudio = "audio"
	MediaFile  = "file"
)

// AddMedia appends m to p.Media unless its URL is empty, not http(s), longer
// than MaxMediaURL, already listed, or p already holds MaxMedia items.
func (p *Post) AddMedia(m Media) {
	if len(p.Media) >= MaxMedia || len(m.URL) > MaxMediaURL || !(strings.HasPrefix(m.URL, "https://") || strings.HasPrefix(m.URL, "http://")) {
		return
	}
	for _, x := range p.Media {
		if x.URL == m.URL {
			return
		}
	}
	p.Media = append(p.Media, m)
}

// AddFileMedia is AddMedia for importers of files that name media on disk:
// it takes an absolute file:// URL (the media stage reads it only from the
// folders its configuration allows).
func (p *Post) AddFileMedia(m Media) {
	if len(p.Media) >= MaxMedia || !strings.HasPrefix(m.URL, "file:///") {
		return
	}
	for _, x := range p.Media {
		if x.URL == m.URL {
			return
		}
	}
	p.Media = append(p.Media, m)
}

// SetCapture keeps raw as p's capture, cut to MaxCapture bytes.
func (p *Post) SetCapture(raw []byte, mediaType string) {
	if len(raw) > MaxCapture {
		raw = raw[:MaxCapture]
	}
	p.Capture = bytes.Clone(raw)
	p.CaptureType = mediaType
}

// Author identifies the poster on its platform.
type Author struct {
	// ID is the platform's id of the author.
	ID string `json:"id,omitempty"`
	// Handle is the public handle or display name.
	Handle string `json:"handle,omitempty"`
}

// Engagement holds reach figures where known; -1 or 0 means unknown.
type Engagement struct {
	// Views is how many times the post was seen.
	Views int64 `json:"views,omitempty"`
	// Shares counts shares, retweets or forwards.
	Shares int64 `json:"shares,omitempty"`
	// Followers is the author's follower or subscriber count.
	Followers int64 `json:"followers,omitempty"`
	// Likes counts likes or favourites (YouTube likeCount, X favorite_count).
	Likes int64 `json:"likes,omitempty"`
}

// MakeID returns the stable post ID for a platform's native id.
func MakeID(platform, nativeID string) string { return platform + ":" + nativeID }

// Cursor is a connector's opaque position; the empty cursor means "from the start".
type Cursor string

// Connector fetches posts from one source.
type Connector interface {
	// Fetch returns the posts after cursor and the cursor to pass next time.
	// Posts are handed downstream and the cursor persisted only after they are
	// safely stored, so a crash never skips posts. An empty batch with the same
	// cursor means nothing new.
	Fetch(ctx context.Context, cursor Cursor) ([]Post, Cursor, error)
}

// Server is implemented by connectors that receive posts rather than fetch
// them (e.g. tips submitted over HTTP). The crawler runs Serve beside the
// source's fetch loop until ctx ends.
type Server interface {
	Serve(ctx context.Context) error
}
