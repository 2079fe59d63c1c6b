// Package mediastage is the media stage of the pipeline: for each media
// item a post names, it fetches the bytes (with the fetcher's limits) into
// the media store, hashes them (SHA-256, MD5, and PDQ for images and video
// keyframes), matches the hashes against the banks of known content and
// reads the text in images (OCR). The pipeline scores that text and routes
// the post again with what its media hold.
package mediastage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mediafetch"
	"github.com/rasd-iq/rasd/models/media/pdq"
)

// Fetcher fetches a media URL into the media store, with its limits on
// size, type and rate, refusing internal addresses (mediafetch.Fetcher,
// or Local for files).
type Fetcher interface {
	Fetch(ctx context.Context, url string) (mediafetch.Result, error)
}

// Blobs opens stored media by SHA-256.
type Blobs interface {
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// Matcher matches an item's hashes against the enabled banks of known
// content. pdqOK is false when the item has no PDQ hash.
type Matcher interface {
	Match(h pdq.Hash, quality int, pdqOK bool, md5, sha256 string) []store.KnownMatch
}

// TextReader reads the text in an encoded image (OCR).
type TextReader interface {
	Read(ctx context.Context, img []byte) (string, error)
}

// VideoHasher hashes the keyframes of the video in the file at path.
type VideoHasher interface {
	HashVideo(ctx context.Context, path string) ([]pdq.Hash, []int, error)
}

// Stage implements the pipeline's MediaAnalyzer.
type Stage struct {
	// Fetch and Blobs are required.
	Fetch Fetcher
	Blobs Blobs
	// Banks, OCR and Video are optional: without them no matching, no text
	// reading, no keyframes.
	Banks Matcher
	OCR   TextReader
	Video VideoHasher
	// MaxDecode bounds the image bytes decoded for hashing and OCR
	// (default 20 MiB).
	MaxDecode int64
	// TempDir holds videos while their keyframes are hashed (default the
	// system's).
	TempDir string
}

// ErrUnavailable wraps failures of the media store itself: the post is
// tried again later rather than recorded as failed.
var ErrUnavailable = errors.New("media store unavailable")

// Analyze implements pipeline.MediaAnalyzer: one result per item of
// post.Media. An item that cannot be fetched or read gets its error in its
// result; Analyze fails only when the media store fails (ErrUnavailable).
func (s *Stage) Analyze(ctx context.Context, post *ingest.Post) ([]store.MediaResult, error) {
	out := make([]store.MediaResult, len(post.Media))
	for i, m := range post.Media {
		r := &out[i]
		r.URL = m.URL
		if err := s.one(ctx, m, r); err != nil {
			if errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
				return nil, err
			}
			r.Error = err.Error()
		}
		r.At = time.Now().UTC()
	}
	return out, nil
}

// one processes a single media item into r.
func (s *Stage) one(ctx context.Context, m ingest.Media, r *store.MediaResult) error {
	f, err := s.Fetch.Fetch(ctx, m.URL)
	if err != nil {
		if errors.Is(err, mediafetch.ErrStore) {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return err
	}
	r.SHA256, r.MD5, r.Size, r.Type = f.SHA256, f.MD5, f.Size, f.Type
	var h pdq.Hash
	var hashed bool
	switch {
	case strings.HasPrefix(f.Type, "image/"):
		img, err := s.read(ctx, f)
		if err != nil {
			return err
		}
		if hh, q, err := pdq.FromReader(bytes.NewReader(img)); err == nil {
			h, hashed, r.PDQ, r.Quality = hh, true, hh.String(), q
		} else {
			r.Error = fmt.Sprintf("perceptual hash: %v", err)
		}
		if s.OCR != nil {
			text, err := s.OCR.Read(ctx, img)
			if err != nil {
				r.Error = joinErr(r.Error, fmt.Sprintf("reading text: %v", err))
			}
			r.OCR = text
		}
	case strings.HasPrefix(f.Type, "video/") && s.Video != nil:
		hs, qs, err := s.videoHashes(ctx, f)
		if err != nil {
			r.Error = fmt.Sprintf("video keyframes: %v", err)
			break
		}
		r.Frames = len(hs)
		if len(hs) > 0 {
			h, hashed, r.PDQ, r.Quality = hs[0], true, hs[0].String(), qs[0]
		}
		if s.Banks != nil {
			// Every keyframe is matched; the item keeps each bank entry once.
			for k := 1; k < len(hs); k++ {
				r.Matches = addMatches(r.Matches, s.Banks.Match(hs[k], qs[k], true, "", ""))
			}
		}
	}
	if s.Banks != nil {
		r.Matches = addMatches(s.Banks.Match(h, r.Quality, hashed, r.MD5, r.SHA256), r.Matches)
	}
	return nil
}

// read returns a stored image's bytes, up to MaxDecode.
func (s *Stage) read(ctx context.Context, f mediafetch.Result) ([]byte, error) {
	limit := s.MaxDecode
	if limit <= 0 {
		limit = 20 << 20
	}
	if f.Size > limit {
		return nil, fmt.Errorf("image of %d bytes is over the limit of %d for hashing and reading", f.Size, limit)
	}
	rc, err := s.Blobs.Open(ctx, f.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %v", ErrUnavailable, f.SHA256, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrUnavailable, f.SHA256, err)
	}
	return b, nil
}

// videoHashes copies a stored video to a temporary file for ffmpeg and
// hashes its keyframes.
func (s *Stage) videoHashes(ctx context.Context, f mediafetch.Result) ([]pdq.Hash, []int, error) {
	rc, err := s.Blobs.Open(ctx, f.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: opening %s: %v", ErrUnavailable, f.SHA256, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(s.TempDir, "rasd-video-*")
	if err != nil {
		return nil, nil, fmt.Errorf("temporary file for a video: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, rc)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("copying a video to %s: %w", filepath.Base(tmp.Name()), err)
	}
	return s.Video.HashVideo(ctx, tmp.Name())
}

// addMatches appends to dst the matches not in it yet (same bank and entry).
func addMatches(dst, more []store.KnownMatch) []store.KnownMatch {
	for _, m := range more {
		dup := false
		for _, d := range dst {
			if d.Bank == m.Bank && d.Entry == m.Entry {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, m)
		}
	}
	return dst
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
