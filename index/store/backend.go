package store

import (
	"context"
	"time"

	"github.com/rasd-iq/rasd/ingest"
)

// WorkQueue is the durable queue between connectors and workers: posts
// taken in, claimed in batches, and completed with their records (the
// pipeline uses it).
type WorkQueue interface {
	// Ingest appends the posts not ingested before to the work queue and sets
	// source's cursor, atomically; it returns how many were new.
	Ingest(ctx context.Context, source string, cursor ingest.Cursor, posts []ingest.Post) (int, error)
	// Claim hands this worker up to max work entries nobody else holds.
	Claim(ctx context.Context, max int) ([]Delivery, error)
	// Release gives claimed entries back after a failed batch.
	Release(ctx context.Context, ds []Delivery) error
	// Complete records processed posts, their review-queue entries and the
	// sightings of copies, and acknowledges the work entries, atomically.
	// Recording a post or a sighting twice replaces it.
	Complete(ctx context.Context, recs []Record, sightings []Sighting, ds []Delivery) error
	// WorkDepth is the number of work entries not yet completed.
	WorkDepth(ctx context.Context) (int, error)
}

// Cursors keeps where each source got to (the connectors' checkpoints).
type Cursors interface {
	// Cursor returns source's persisted cursor.
	Cursor(ctx context.Context, source string) (ingest.Cursor, error)
}

// Records are the processed posts: what the web pages, referrals, the
// labels export, search repair and retention read.
type Records interface {
	// Get returns one record (ErrNotFound when absent), its Sightings counted.
	Get(ctx context.Context, id string) (Record, error)
	// Sightings lists the copies seen of a canonical record's text.
	Sightings(ctx context.Context, canonical string) ([]Sighting, error)
	// Counts returns the numbers of records, review-queue entries and work entries.
	Counts(ctx context.Context) (records, queued, work int, err error)
	// ForEach calls fn for every record, Sightings counted; fn's error stops the walk.
	ForEach(ctx context.Context, fn func(*Record) error) error
	// Queue returns the entries routed to review.
	Queue(ctx context.Context) ([]QueueEntry, error)
	// Purge removes the records rule allows, with their review-queue entries
	// and sightings, and returns their ids.
	Purge(ctx context.Context, rule Retention) ([]string, error)
}

// Backend is the contract of a Rasd store: the work queue, the cursors and
// the records. The embedded Store (bbolt, one machine) and the Redis store
// (index/redisstore, several machines) both implement it, so the pipeline,
// the views and the review queue run on either without change; each
// consumer asks for the part it uses.
type Backend interface {
	WorkQueue
	Cursors
	Records
	// Close releases the store.
	Close() error
}

// Sighting records that a post was a copy (same or nearly the same text) of
// a canonical post, seen in another place.
type Sighting struct {
	// Canonical is the id of the first post with this text.
	Canonical string `json:"canonical"`
	// PostID is the copy's id.
	PostID    string `json:"post_id"`
	Source    string `json:"source"`
	Platform  string `json:"platform"`
	Permalink string `json:"permalink,omitempty"`
	// Kind is same_text or near_duplicate.
	Kind string `json:"kind"`
	// Time is when the copy was posted (or fetched).
	Time time.Time `json:"time"`
}

var _ Backend = (*Store)(nil)

// TextClaimer is a Backend shared by several processes that agree on the
// first post of each text, so that a copy is a sighting of the same canonical
// post whichever worker sees it. The embedded store has one process and does
// not need it.
type TextClaimer interface {
	// ClaimTexts records ids[i] as the canonical post of the text with hash
	// hashes[i] where none is recorded yet, and returns each text's canonical
	// post id, in order. Purge forgets the texts of the posts it removes.
	ClaimTexts(ctx context.Context, hashes []uint64, ids []string) ([]string, error)
}

// CanonicalSharer is a Backend shared by several processes that tell one
// another the canonical posts each records, with their fingerprints, so that
// a near-duplicate of a post another process recorded is recognised too.
// Entries are opaque to the store (the pipeline writes encoded dedup
// entries); the store keeps the most recent ones.
type CanonicalSharer interface {
	// ShareCanonicals publishes entries[i] for the post ids[i]. An empty
	// entry says that the post was purged: processes forget it.
	ShareCanonicals(ctx context.Context, ids []string, entries [][]byte) error
	// CompleteSharing is Backend.Complete that also publishes entries[i]
	// for the post ids[i], as ShareCanonicals does, in the same
	// transaction: a batch is recorded and its canonical posts shared, or
	// neither.
	CompleteSharing(ctx context.Context, recs []Record, sightings []Sighting, ds []Delivery, ids []string, entries [][]byte) error
	// SharedCanonicals returns up to max entries published after cursor
	// ("" for the oldest kept), oldest first, and the cursor to pass next.
	SharedCanonicals(ctx context.Context, cursor string, max int) (ids []string, entries [][]byte, next string, err error)
	// CanonicalCursor returns the cursor of the newest entry published, for
	// a process that has loaded every post recorded so far.
	CanonicalCursor(ctx context.Context) (string, error)
}
