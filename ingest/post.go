// Package ingest defines the Post record that every connector produces and the
// Connector interface behind which each source sits.
package ingest

import (
	"context"
	"time"
)

// Post is one public post, comment or message as fetched from a source.
type Post struct {
	// ID is stable across fetches: "PLATFORM:NATIVEID" (see MakeID).
	ID string `json:"id"`
	// Platform is the connector type that fetched it: web, telegram, rss, x, youtube, discord, file, tips.
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
