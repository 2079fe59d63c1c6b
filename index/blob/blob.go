// Package blob stores media bytes by content: each blob is named by the hex
// SHA-256 of its bytes, so the same image posted a thousand times is kept
// once and a post's media record points at its evidence by hash.
//
// Two stores keep the same contract (checked by blobtest.Run): Dir, the
// embedded default, under the data folder; and S3, any S3-compatible bucket,
// for deployments that scale out.
package blob

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"time"
)

// Store is the contract every blob store keeps; the media stage, the item
// page and retention consume it.
type Store interface {
	// Put reads r to its end and stores the bytes, hashing them while they
	// are written. It reads at most maxBytes (which must be positive): a
	// longer stream fails with ErrTooLarge and leaves nothing stored. The
	// bytes go to a temporary object first and are committed under their
	// SHA-256 only once complete, so a reader never sees a partial blob.
	// Storing bytes already stored does not rewrite them; it dates the blob
	// anew (Info.Modified) and reports Info.Existed.
	Put(ctx context.Context, r io.Reader, maxBytes int64) (Info, error)
	// Open returns the blob's bytes; ErrNotFound when there is none and
	// ErrBadKey when sha256 is not 64 lowercase hex digits.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
	// Stat describes the blob without reading it, with the same errors as Open.
	Stat(ctx context.Context, sha256 string) (Info, error)
	// Delete removes the blob; removing one that is not there is not an error.
	Delete(ctx context.Context, sha256 string) error
	// Sweep calls keep for every stored blob (Info without MD5, which a walk
	// does not read) and deletes those it returns false for, and removes
	// temporary objects left by interrupted Puts older than StaleTemp. It
	// returns how many blobs it deleted. A Put of the same bytes that runs
	// while Sweep deletes them may report a blob that is then gone; callers
	// that keep the hash re-Put on ErrNotFound.
	Sweep(ctx context.Context, keep func(Info) bool) (int, error)
}

// Info describes a stored blob.
type Info struct {
	// SHA256 is the hex SHA-256 of the bytes: the blob's key.
	SHA256 string `json:"sha256"`
	// MD5 is the hex MD5 of the bytes, for matching against hash lists
	// that still use it.
	MD5 string `json:"md5,omitempty"`
	// Size is the number of bytes.
	Size int64 `json:"size"`
	// Modified is when the bytes were last stored (first Put or a later Put
	// of the same bytes); retention counts from it.
	Modified time.Time `json:"modified"`
	// Existed reports, from Put only, that the bytes were already stored.
	Existed bool `json:"existed,omitempty"`
}

// StaleTemp is how old a temporary object left by an interrupted Put must be
// before Sweep removes it.
const StaleTemp = time.Hour

var (
	// ErrNotFound is returned for a key with no blob; it is an
	// fs.ErrNotExist, as readers of files expect.
	ErrNotFound = fmt.Errorf("blob not found: %w", fs.ErrNotExist)
	// ErrBadKey is returned for a key that is not 64 lowercase hex digits,
	// so that no key can name a path or object outside the store.
	ErrBadKey = errors.New("blob key is not a hex SHA-256")
	// ErrTooLarge is returned by Put for a stream longer than its maxBytes.
	ErrTooLarge = errors.New("blob larger than allowed")
)

// ValidKey reports whether key is a hex SHA-256 as blobs are named: exactly
// 64 characters from 0-9 and a-f.
func ValidKey(key string) bool {
	return len(key) == 2*sha256.Size && lowerHex(key)
}

// lowerHex reports whether s consists of 0-9 and a-f only.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%q: %w", key, ErrBadKey)
	}
	return nil
}

// DeleteOlderThan deletes every blob last stored before cutoff and returns
// how many it deleted. The media stage stores a post's media when the post
// comes in, and storing the same bytes again dates them anew, so deleting
// blobs older than the posts' retention keeps media exactly as long as the
// newest post that carries it.
func DeleteOlderThan(ctx context.Context, s Store, cutoff time.Time) (int, error) {
	n, err := s.Sweep(ctx, func(i Info) bool { return !i.Modified.Before(cutoff) })
	if err != nil {
		return n, fmt.Errorf("deleting blobs stored before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return n, nil
}

// hasher reads from r, hashing and counting, and fails with ErrTooLarge
// once more than max bytes have come, or with ctx's error once it is done.
type hasher struct {
	ctx      context.Context
	r        io.Reader
	sha, md5 hash.Hash
	n, max   int64
	tooLarge bool
}

func newHasher(ctx context.Context, r io.Reader, max int64) *hasher {
	return &hasher{ctx: ctx, r: r, sha: sha256.New(), md5: md5.New(), max: max}
}

func (h *hasher) Read(p []byte) (int, error) {
	if h.tooLarge {
		return 0, h.errTooLarge()
	}
	if err := h.ctx.Err(); err != nil {
		return 0, err
	}
	// Read at most one byte past the limit: enough to know it is exceeded.
	if left := h.max + 1 - h.n; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := h.r.Read(p)
	h.n += int64(n)
	if h.n > h.max {
		h.tooLarge = true
		return 0, h.errTooLarge()
	}
	h.sha.Write(p[:n])
	h.md5.Write(p[:n])
	return n, err
}

func (h *hasher) errTooLarge() error {
	return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, h.max)
}

// info returns what was read so far, as Info without Modified.
func (h *hasher) info() Info {
	return Info{SHA256: hex.EncodeToString(h.sha.Sum(nil)), MD5: hex.EncodeToString(h.md5.Sum(nil)), Size: h.n}
}

func checkMax(maxBytes int64) error {
	if maxBytes <= 0 {
		return fmt.Errorf("storing blob: maxBytes %d is not positive", maxBytes)
	}
	return nil
}
