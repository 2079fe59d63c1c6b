// Package hashbank keeps banks of known content (hashes of images and
// videos already judged, such as a GIFCT or ThreatExchange export) and
// matches media against them: PDQ hashes by Hamming distance, MD5 and
// SHA-256 digests exactly.
//
// A Bank is a named list of entries; on disk each bank is one CSV file,
// DIR/NAME.csv, and DIR/NAME.disabled switches it off. ReadCSV reads the
// CSV shapes that hasher-matcher-actioner and ThreatExchange tools write
// (see ReadCSV); WriteCSV writes this package's own shape. A Set built from
// banks (LoadDir) answers Match for a PDQ hash with a multi-index hash
// table (Index) that stays fast at millions of hashes, and MatchMD5 and
// MatchSHA256 from maps.
package hashbank

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

// Kind is the kind of hash an entry holds.
type Kind string

// The kinds of hash a bank holds.
const (
	// KindPDQ is a 256-bit PDQ perceptual image hash, matched within a distance.
	KindPDQ Kind = "pdq"
	// KindMD5 is the MD5 digest of a file, matched exactly.
	KindMD5 Kind = "md5"
	// KindSHA256 is the SHA-256 digest of a file, matched exactly.
	KindSHA256 Kind = "sha256"
)

// hexLen is the number of hex digits of each kind's value.
var hexLen = map[Kind]int{KindPDQ: 64, KindMD5: 32, KindSHA256: 64}

// Entry is one known item in a bank.
type Entry struct {
	// Kind is the kind of hash.
	Kind Kind
	// Value is the hash in lowercase hex (64 digits for pdq and sha256, 32 for md5).
	Value string
	// ID names the item in the bank's source (e.g. a ThreatExchange
	// indicator id or a file name); it may be empty.
	ID string
	// Tags are the source's labels, e.g. the kind of content.
	Tags []string
	// Quality is a PDQ hash's quality, 1 to 100, or 0 when unknown.
	Quality int
}

// Bank is a named list of known content.
type Bank struct {
	// Name names the bank: letters, digits, '.', '_' and '-', starting with
	// a letter or digit, at most 64 characters.
	Name string
	// Disabled banks are loaded but never match.
	Disabled bool
	// Entries are the bank's items.
	Entries []Entry
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports an error unless name can name a bank (and its file).
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("bank name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters", name)
	}
	return nil
}

// ParseKind reads a kind of hash as the tools that share banks name it:
// pdq (also HASH_PDQ), md5 (also HASH_MD5, video_md5, photo_md5,
// HASH_VIDEO_MD5, HASH_PHOTO_MD5) and sha256 (also sha-256, HASH_SHA256), in
// either case. ok is false for any other kind (tmk, vpdq, url, …).
func ParseKind(s string) (k Kind, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pdq", "hash_pdq", "pdq_hash", "photo_pdq":
		return KindPDQ, true
	case "md5", "hash_md5", "video_md5", "photo_md5", "hash_video_md5", "hash_photo_md5", "md5_hash":
		return KindMD5, true
	case "sha256", "sha-256", "hash_sha256", "sha256_hash":
		return KindSHA256, true
	}
	return "", false
}

// normalizeValue checks that v is a hash of kind k and returns it in
// lowercase hex.
func normalizeValue(k Kind, v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	n := hexLen[k]
	if len(v) != n {
		return "", fmt.Errorf("%s hash %q: want %d hex digits, got %d characters", k, clip(v), n, len(v))
	}
	if _, err := hex.DecodeString(v); err != nil {
		return "", fmt.Errorf("%s hash %q: not hex", k, clip(v))
	}
	return v, nil
}

// guessKind names the kind of a bare hash from its length: 32 hex digits
// are an MD5 digest and 64 a PDQ hash (a SHA-256 digest needs its type
// named).
func guessKind(v string) (Kind, error) {
	switch len(strings.TrimSpace(v)) {
	case 32:
		return KindMD5, nil
	case 64:
		return KindPDQ, nil
	}
	return "", fmt.Errorf("hash %q: %d characters is neither a PDQ hash (64 hex digits) nor an MD5 digest (32); name the type in a signal_type column", clip(v), len(strings.TrimSpace(v)))
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// splitTags splits a tags field on spaces, commas, semicolons and bars.
func splitTags(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == ';' || r == '|'
	})
	if len(f) == 0 {
		return nil
	}
	return f
}

// key identifies an entry for de-duplication: the same hash under the same id.
func (e Entry) key() string { return string(e.Kind) + ":" + e.Value + ":" + e.ID }

// Merge adds to b the entries it does not hold yet (same kind, value and
// id), in order, and returns how many it added.
func (b *Bank) Merge(entries []Entry) int {
	seen := make(map[string]bool, len(b.Entries)+len(entries))
	for _, e := range b.Entries {
		seen[e.key()] = true
	}
	n := 0
	for _, e := range entries {
		if seen[e.key()] {
			continue
		}
		seen[e.key()] = true
		b.Entries = append(b.Entries, e)
		n++
	}
	return n
}

// Counts returns the number of entries of each kind.
func (b *Bank) Counts() map[Kind]int {
	c := map[Kind]int{}
	for _, e := range b.Entries {
		c[e.Kind]++
	}
	return c
}

// PDQ returns the entry's PDQ hash; ok is false for other kinds.
func (e Entry) PDQ() (h pdq.Hash, ok bool) {
	if e.Kind != KindPDQ {
		return h, false
	}
	h, err := pdq.ParseHash(e.Value)
	return h, err == nil
}
