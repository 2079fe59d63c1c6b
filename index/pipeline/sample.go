package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"math"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy/audit"
)

// DefaultSampleRate is the share of unrouted posts sent to review as a
// random sample when the configuration does not say (0.5%).
const DefaultSampleRate = 0.005

// SampleReason is why a sample item is in review.
const SampleReason = "random sample of posts no rule queued"

// sampleScale is the resolution of a sample rate: one in a million.
const sampleScale = 1_000_000

// Sampled reports whether the post id falls in the random sample of
// unrouted posts at rate (0 to 1): the SHA-256 of the id, read as a number
// modulo a million, is below rate × a million. The choice depends on the
// id alone, so every worker, and a worker after a restart or a
// redelivery, makes the same one, and a post is sampled once at most.
func Sampled(id string, rate float64) bool {
	if rate <= 0 || id == "" {
		return false
	}
	if rate >= 1 {
		return true
	}
	h := sha256.Sum256([]byte(id))
	return binary.BigEndian.Uint64(h[:8])%sampleScale < uint64(math.Round(rate*sampleScale))
}

// sampleEvent is the audit event of a post the sample sent to review.
func sampleEvent(r *store.Record, rate float64) audit.Event {
	return audit.Event{Type: audit.TypeRouting, Actor: "pipeline", Subject: r.Post.ID, Time: r.Processed, Details: map[string]any{
		"sample": true, "sample_rate": rate, "reason": SampleReason, "labels": r.Flags,
	}}
}
