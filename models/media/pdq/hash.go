// Package pdq computes PDQ perceptual hashes of images: Meta's 256-bit hash
// for finding known images again after resizing, recompression, small crops
// and rotations. Two images match when the Hamming distance between their
// hashes is at most 31 bits (see Distance); a hash whose quality is below 50
// describes a nearly featureless image and should not be matched on.
//
// FromImage hashes a decoded image, FromReader and FromFile decode JPEG, PNG,
// GIF (first frame) and WebP first, refusing images larger than MaxPixels;
// Dihedral returns the hashes of the eight rotations and flips of an image
// from one transform. The algorithm follows Meta's reference hasher
// (facebook/ThreatExchange, pdq/); Hash.String prints the same 64 hex digits.
package pdq

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
)

// Hash is a 256-bit PDQ hash. Its bytes are in the order of the reference
// hasher's hex form: byte 0 holds the highest bits of the last DCT row.
type Hash [32]byte

// String returns the hash as 64 lowercase hex digits, as the reference
// hashers print it.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes the hash as 64 hex digits.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes 64 hex digits (either case).
func (h *Hash) UnmarshalText(text []byte) error {
	v, err := ParseHash(string(text))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash reads a hash written as 64 hex digits (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("pdq hash %q: want 64 hex digits, got %d characters", clip(s), len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("pdq hash %q: %w", clip(s), err)
	}
	return h, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Distance returns the Hamming distance between a and b: the number of the
// 256 bits in which they differ.
func Distance(a, b Hash) int {
	n := 0
	for i := 0; i < len(a); i += 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]))
	}
	return n
}

// setBit sets bit k (0..255) in the reference's numbering: bit k is bit k%16
// of 16-bit word k/16, and word 15 is printed first.
func (h *Hash) setBit(k int) {
	w := k >> 4
	b := k & 15
	i := 2 * (15 - w)
	if b >= 8 {
		h[i] |= 1 << (b - 8)
	} else {
		h[i+1] |= 1 << b
	}
}

// Bit reports whether bit k (0..255, the reference's numbering: row k/16 and
// column k%16 of the 16×16 DCT) is set.
func (h Hash) Bit(k int) bool {
	k &= 255
	w := k >> 4
	b := k & 15
	i := 2 * (15 - w)
	if b >= 8 {
		return h[i]&(1<<(b-8)) != 0
	}
	return h[i+1]&(1<<b) != 0
}
