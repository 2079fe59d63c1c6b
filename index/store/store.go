// Package store is Rasd's embedded transactional store (bbolt) for the
// monitoring pipeline: posts with their scores and routing, the durable work
// queue between ingest and scoring, the review queue, and source cursors.
//
// Ingest appends posts to the work queue and advances the source's cursor in
// one transaction, and processing writes a post's record, its review-queue
// entry and the work-queue acknowledgement in one transaction, so a crash at
// any moment neither loses a post nor records one twice.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	json "github.com/go-json-experiment/json/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

var (
	bucketPosts   = []byte("posts")
	bucketWork    = []byte("work")
	bucketQueue   = []byte("review_queue")
	bucketCursors = []byte("cursors")
	bucketSeen    = []byte("seen")
	bucketSights  = []byte("sightings")
	bucketMedia   = []byte("media_pending")
	bucketTally   = []byte("tally")
)

// Record is a processed post: the post, its scores and how policy routed it.
type Record struct {
	Post ingest.Post `json:"post"`
	// Scores, Flags and Context are the model's output.
	Scores  map[string]float64 `json:"scores,omitempty"`
	Flags   []string           `json:"flags,omitempty"`
	Context []string           `json:"context,omitempty"`
	Spans   []Span             `json:"spans,omitempty"`
	// Model is the NAME@VERSION that scored it.
	Model string `json:"model,omitempty"`
	// Governorate is the gazetteer's attribution.
	Governorate string `json:"governorate,omitempty"`
	// Queued is true when policy routed it to review; Priority orders the queue.
	Queued   bool `json:"queued"`
	Priority int  `json:"priority,omitempty"`
	// Sample is true when policy did not route the post to review and the
	// random sample of unrouted posts sent it there all the same, so that
	// reviewers measure what the rules miss. It never makes the post count
	// as flagged.
	Sample  bool     `json:"sample,omitempty"`
	Urgent  bool     `json:"urgent,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	// Judgement is what the engine decided about the post when it routed it:
	// scores on the policy's scale, signals and the routing decision. Queued,
	// Priority, Urgent and Reasons above repeat its decision for the queue.
	// Nil for records stored before judgements were kept.
	Judgement *policy.Judgement `json:"judgement,omitempty"`
	// Sightings counts copies of the same text seen elsewhere (filled in on read).
	Sightings int `json:"-"`
	// Processed is when the pipeline finished with it.
	Processed time.Time `json:"processed"`
	// Media holds what the media stage found in Post.Media, one result per
	// item in the same order; empty until the stage has run (see NeedsMedia).
	Media []MediaResult `json:"media,omitempty"`
}

// NeedsMedia reports whether r carries media the media stage has not
// processed yet.
func NeedsMedia(r *Record) bool { return len(r.Post.Media) > 0 && len(r.Media) == 0 }

// MediaResult is what the media stage found in one media item of a post.
type MediaResult struct {
	// URL is the item's URL (Post.Media[i].URL).
	URL string `json:"url"`
	// Type is the media type sniffed from the fetched bytes.
	Type string `json:"type,omitempty"`
	// SHA256 and MD5 are hex digests of the fetched bytes (the blob's key
	// and the exact-match hash banks use); Size is their length.
	SHA256 string `json:"sha256,omitempty"`
	MD5    string `json:"md5,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// PDQ is the image's perceptual hash (hex), or the first keyframe's of a
	// video; Quality is PDQ's quality metric (0–100); Frames counts the
	// video keyframes hashed.
	PDQ     string `json:"pdq,omitempty"`
	Quality int    `json:"quality,omitempty"`
	Frames  int    `json:"frames,omitempty"`
	// Matches are the hash-bank entries the item matched.
	Matches []KnownMatch `json:"matches,omitempty"`
	// OCR is the text read in the image; OCRSpans the evidence in it (model
	// terms and signals), as byte ranges of OCR.
	OCR      string `json:"ocr,omitempty"`
	OCRSpans []Span `json:"ocr_spans,omitempty"`
	// Error says why the item could not be fetched or read, when it could not.
	Error string `json:"error,omitempty"`
	// At is when the stage processed it.
	At time.Time `json:"at"`
}

// KnownMatch is a match of a media item against a bank of known content.
type KnownMatch struct {
	// Bank names the hash bank; Entry is the matched entry's id there.
	Bank  string `json:"bank"`
	Entry string `json:"entry"`
	// Kind is the hash that matched: "pdq", "md5" or "sha256".
	Kind string `json:"kind"`
	// Distance is the Hamming distance of a PDQ match (0 for exact ones).
	Distance int `json:"distance"`
}

// Span is a highlighted byte range of the original text.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Label string `json:"label"`
	Term  string `json:"term,omitempty"`
}

// QueueEntry is a review-queue item: enough to list and order the queue.
type QueueEntry struct {
	ID       string    `json:"id"`
	Priority int       `json:"priority"`
	Urgent   bool      `json:"urgent"`
	MaxScore float64   `json:"max_score"`
	Labels   []string  `json:"labels"`
	Added    time.Time `json:"added"`
}

// Delivery is a work-queue entry handed to a worker.
type Delivery struct {
	// Token identifies the entry to Complete and Release.
	Token string
	Post  ingest.Post
}

// TxEnqueuer puts the review items of a batch's records that policy routed
// to review into the review queue, inside the transaction that stores the
// records (review's embedded store implements it), so that the queue and
// the records never disagree.
type TxEnqueuer interface {
	EnqueueTx(tx *bolt.Tx, recs []Record) error
}

// Store is an open embedded store. It is safe for concurrent use, by one
// process (bbolt locks the file).
type Store struct {
	db *bolt.DB
	// claimed is the last work sequence handed out by Claim.
	claimMu sync.Mutex
	claimed uint64
	// queued keeps the posts of work entries this process ingested, by
	// sequence, so that Claim hands them out without decoding them again;
	// the work bucket stays the source of truth (after a restart, or past
	// maxQueued, entries are decoded from it).
	queuedMu sync.Mutex
	queued   map[uint64]ingest.Post
	// enqueuer, when set, adds review items in Complete's transaction.
	enqueuer TxEnqueuer
	// mediaClaimed holds the posts ClaimMedia handed out and not yet
	// completed or released.
	mediaMu      sync.Mutex
	mediaClaimed map[string]bool
}

// EnqueueWith makes Complete put the review items of queued records into
// e's review queue in the same transaction. Set it before the pipeline runs.
func (s *Store) EnqueueWith(e TxEnqueuer) { s.enqueuer = e }

// Page fill on split for buckets written mostly in key order. bbolt splits
// pages half full by default, which suits random keys; the work queue's keys
// are a sequence, and post ids (platform ids, mostly increasing per source)
// arrive largely in order, so half-full pages would double the file and the
// bytes each commit writes.
const (
	fillAppend       = 1.0
	fillMostlyAppend = 0.9
)

// maxQueued bounds Store.queued.
const maxQueued = 1 << 16

// Open opens (creating if needed) the store file at path.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating store folder: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketPosts, bucketWork, bucketQueue, bucketCursors, bucketSeen, bucketSights, bucketMedia, bucketTally} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// DB returns the underlying bbolt database, so that other parts of Rasd (the
// review queue) keep their own buckets in the same file and transactions.
func (s *Store) DB() *bolt.DB { return s.db }

// Close closes the store; closing a nil store (one that failed to open)
// does nothing.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	return s.db.Close()
}

func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// Ingest appends posts to the work queue and sets source's cursor in one
// transaction. Posts whose id was ingested before are skipped, so a connector
// that fetches a post again never queues it twice. It returns how many were new.
func (s *Store) Ingest(_ context.Context, source string, cursor ingest.Cursor, posts []ingest.Post) (int, error) {
	var added int
	var seqs []uint64
	var fresh []int
	err := s.db.Update(func(tx *bolt.Tx) error {
		seqs, fresh = seqs[:0], fresh[:0]
		work, seen := tx.Bucket(bucketWork), tx.Bucket(bucketSeen)
		work.FillPercent, seen.FillPercent = fillAppend, fillMostlyAppend
		for i := range posts {
			id := []byte(posts[i].ID)
			if len(id) == 0 {
				return fmt.Errorf("post %d from %s has no id", i, source)
			}
			if seen.Get(id) != nil {
				continue
			}
			n, err := work.NextSequence()
			if err != nil {
				return err
			}
			if err := work.Put(seqKey(n), EncodePost(nil, &posts[i])); err != nil {
				return err
			}
			if err := seen.Put(id, []byte{1}); err != nil {
				return err
			}
			seqs, fresh = append(seqs, n), append(fresh, i)
			added++
		}
		return tx.Bucket(bucketCursors).Put([]byte(source), []byte(cursor))
	})
	if err != nil {
		return 0, fmt.Errorf("ingesting %d posts from %s: %w", len(posts), source, err)
	}
	s.queuedMu.Lock()
	if s.queued == nil {
		s.queued = map[uint64]ingest.Post{}
	}
	for j, n := range seqs {
		if len(s.queued) >= maxQueued {
			break
		}
		s.queued[n] = posts[fresh[j]]
	}
	s.queuedMu.Unlock()
	return added, nil
}

// Cursor returns the persisted cursor of source ("" when none).
func (s *Store) Cursor(_ context.Context, source string) (ingest.Cursor, error) {
	var c ingest.Cursor
	err := s.db.View(func(tx *bolt.Tx) error {
		c = ingest.Cursor(tx.Bucket(bucketCursors).Get([]byte(source)))
		return nil
	})
	return c, err
}

// Claim hands out up to limit work-queue entries not yet handed out, oldest
// first. Entries stay in the queue until Complete; after a restart, or a
// Release, they are handed out again.
func (s *Store) Claim(_ context.Context, limit int) ([]Delivery, error) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	var out []Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		s.queuedMu.Lock()
		defer s.queuedMu.Unlock()
		out = make([]Delivery, 0, min(limit, max(len(s.queued), 64)))
		c := tx.Bucket(bucketWork).Cursor()
		k, v := c.Seek(seqKey(s.claimed + 1))
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			var d Delivery
			d.Token = strconv.FormatUint(seq, 10)
			if p, ok := s.queued[seq]; ok {
				d.Post = p
			} else if err := DecodePost(v, &d.Post); err != nil {
				return fmt.Errorf("decoding work entry %d: %w", seq, err)
			}
			out = append(out, d)
			s.claimed = seq
		}
		return nil
	})
	return out, err
}

// Release returns claimed entries to the queue so that Claim hands them out
// again (after a failed batch).
func (s *Store) Release(_ context.Context, ds []Delivery) error {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	for _, d := range ds {
		seq, err := strconv.ParseUint(d.Token, 10, 64)
		if err != nil {
			return fmt.Errorf("releasing work entry %q: %w", d.Token, err)
		}
		s.claimed = min(s.claimed, seq-1)
	}
	return nil
}

// WorkDepth returns the number of unprocessed work-queue entries.
func (s *Store) WorkDepth(_ context.Context) (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketWork).Stats().KeyN
		return nil
	})
	return n, err
}

// Complete writes processed records, their review-queue entries, and removes
// their work-queue entries, all in one transaction; records completed with
// work entries (a batch's first recording) are counted in the tally. Writing a record that is
// already present replaces it, so a redelivered post is recorded once.
func (s *Store) Complete(_ context.Context, recs []Record, sightings []Sighting, ds []Delivery) error {
	seqs := make([]uint64, len(ds))
	for i, d := range ds {
		n, err := strconv.ParseUint(d.Token, 10, 64)
		if err != nil {
			return fmt.Errorf("completing work entry %q: %w", d.Token, err)
		}
		seqs[i] = n
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		posts, queue, work := tx.Bucket(bucketPosts), tx.Bucket(bucketQueue), tx.Bucket(bucketWork)
		posts.FillPercent, work.FillPercent = fillMostlyAppend, fillAppend
		media := tx.Bucket(bucketMedia)
		for i := range recs {
			r := &recs[i]
			if err := posts.Put([]byte(r.Post.ID), EncodeRecord(nil, r)); err != nil {
				return err
			}
			switch {
			case NeedsMedia(r):
				if err := media.Put([]byte(r.Post.ID), nil); err != nil {
					return err
				}
			case len(r.Media) > 0:
				if err := media.Delete([]byte(r.Post.ID)); err != nil {
					return err
				}
			}
			if r.Queued {
				qv, _ := json.Marshal(QueueEntryFor(r))
				if err := queue.Put([]byte(r.Post.ID), qv); err != nil {
					return err
				}
			}
		}
		if len(ds) > 0 {
			if err := tallyTx(tx, recs); err != nil {
				return fmt.Errorf("counting: %w", err)
			}
		}
		if s.enqueuer != nil {
			if err := s.enqueuer.EnqueueTx(tx, recs); err != nil {
				return fmt.Errorf("enqueuing for review: %w", err)
			}
		}
		sights := tx.Bucket(bucketSights)
		for i := range sightings {
			v, err := json.Marshal(&sightings[i])
			if err != nil {
				return fmt.Errorf("encoding sighting %s: %w", sightings[i].PostID, err)
			}
			if err := sights.Put(sightKey(sightings[i].Canonical, sightings[i].PostID), v); err != nil {
				return err
			}
		}
		for _, n := range seqs {
			if err := work.Delete(seqKey(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("completing %d records: %w", len(recs), err)
	}
	s.queuedMu.Lock()
	for _, n := range seqs {
		delete(s.queued, n)
	}
	s.queuedMu.Unlock()
	s.mediaMu.Lock()
	for i := range recs {
		if len(recs[i].Media) > 0 {
			delete(s.mediaClaimed, recs[i].Post.ID)
		}
	}
	s.mediaMu.Unlock()
	return nil
}

// ClaimMedia hands out up to max posts whose media the media stage has not
// processed yet and that no caller holds. Completing the post's record with
// its media results removes it from the list; ReleaseMedia gives it back.
func (s *Store) ClaimMedia(_ context.Context, limit int) ([]string, error) {
	s.mediaMu.Lock()
	defer s.mediaMu.Unlock()
	var ids []string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMedia).Cursor()
		for k, _ := c.First(); k != nil && len(ids) < limit; k, _ = c.Next() {
			if !s.mediaClaimed[string(k)] {
				ids = append(ids, string(k))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claiming media work: %w", err)
	}
	if s.mediaClaimed == nil {
		s.mediaClaimed = map[string]bool{}
	}
	for _, id := range ids {
		s.mediaClaimed[id] = true
	}
	return ids, nil
}

// ReleaseMedia gives claimed posts back to ClaimMedia.
func (s *Store) ReleaseMedia(_ context.Context, ids []string) error {
	s.mediaMu.Lock()
	defer s.mediaMu.Unlock()
	for _, id := range ids {
		delete(s.mediaClaimed, id)
	}
	return nil
}

// DropMedia removes posts from the media work list without results: posts
// purged, or gone from the store.
func (s *Store) DropMedia(_ context.Context, ids []string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMedia)
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dropping media work: %w", err)
	}
	return s.ReleaseMedia(context.Background(), ids)
}

// MediaDepth is the number of posts whose media wait for the media stage.
func (s *Store) MediaDepth(_ context.Context) (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketMedia).Stats().KeyN
		return nil
	})
	return n, err
}

// QueueEntryFor returns the review-queue entry of a queued record.
func QueueEntryFor(r *Record) QueueEntry {
	return QueueEntry{ID: r.Post.ID, Priority: r.Priority, Urgent: r.Urgent, MaxScore: MaxScore(r), Labels: Labels(r), Added: r.Processed}
}

// Labels returns what a record is filed under: the labels the model flagged,
// then the deciding rule's label when the model did not flag it (a post
// routed on the words of hate whatever its hate score is filed under hate).
func Labels(r *Record) []string {
	if r.Judgement == nil || r.Judgement.Decision.Label == "" || slices.Contains(r.Flags, r.Judgement.Decision.Label) {
		return r.Flags
	}
	return append(slices.Clip(r.Flags), r.Judgement.Decision.Label)
}

// MaxScore is the highest score among a record's flagged labels, or among all
// its violation scores when nothing is flagged, on the policy's scale (the
// judgement's scores; raw scores for records stored before judgements).
func MaxScore(r *Record) float64 {
	scores := r.Scores
	if r.Judgement != nil && r.Judgement.Scores != nil {
		scores = r.Judgement.Scores
	}
	var m float64
	for _, l := range r.Flags {
		m = max(m, scores[l])
	}
	if len(r.Flags) == 0 {
		for l, v := range scores {
			if !slices.Contains(r.Context, l) {
				m = max(m, v)
			}
		}
	}
	return m
}

func sightKey(canonical, post string) []byte {
	return []byte(canonical + "\x00" + post)
}

// countSightings counts the sightings of canonical in tx.
func countSightings(tx *bolt.Tx, canonical string) int {
	prefix := []byte(canonical + "\x00")
	c := tx.Bucket(bucketSights).Cursor()
	n := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// Sightings lists the copies seen of canonical's text.
func (s *Store) Sightings(_ context.Context, canonical string) ([]Sighting, error) {
	var out []Sighting
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(canonical + "\x00")
		c := tx.Bucket(bucketSights).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var si Sighting
			if err := json.Unmarshal(v, &si); err != nil {
				return fmt.Errorf("decoding sighting %q: %w", k, err)
			}
			out = append(out, si)
		}
		return nil
	})
	return out, err
}

// ErrNotFound is returned for ids the store does not hold.
var ErrNotFound = errors.New("not found")

// Get returns the record of id.
func (s *Store) Get(_ context.Context, id string) (Record, error) {
	var r Record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPosts).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("post %s: %w", id, ErrNotFound)
		}
		if err := DecodeRecord(v, &r); err != nil {
			return fmt.Errorf("decoding record %s: %w", id, err)
		}
		r.Sightings = countSightings(tx, id)
		return nil
	})
	return r, err
}

// Counts returns the number of records, review-queue entries and pending work.
func (s *Store) Counts(_ context.Context) (records, queued, work int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		records = tx.Bucket(bucketPosts).Stats().KeyN
		queued = tx.Bucket(bucketQueue).Stats().KeyN
		work = tx.Bucket(bucketWork).Stats().KeyN
		return nil
	})
	return
}

// ForEach calls fn for every record in id order; fn's error stops the walk.
func (s *Store) ForEach(_ context.Context, fn func(*Record) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
			var r Record
			if err := DecodeRecord(v, &r); err != nil {
				return fmt.Errorf("decoding record %s: %w", k, err)
			}
			r.Sightings = countSightings(tx, r.Post.ID)
			return fn(&r)
		})
	})
}

// Queue returns the review queue's entries.
func (s *Store) Queue(_ context.Context) ([]QueueEntry, error) {
	var out []QueueEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQueue).ForEach(func(k, v []byte) error {
			var q QueueEntry
			if err := json.Unmarshal(v, &q); err != nil {
				return fmt.Errorf("decoding queue entry %s: %w", k, err)
			}
			out = append(out, q)
			return nil
		})
	})
	return out, err
}

// Retention says which records may be removed.
type Retention struct {
	// Unflagged removes records nobody flagged and that never entered review,
	// processed before it.
	Unflagged time.Time
	// Closed maps the ids of posts whose review case is closed to when it
	// closed; ClosedBefore removes those that closed before it. Posts in
	// review stay while their case is open, however old. Posts flagged
	// below the policy's bar, which never entered review, have no case:
	// they go once processed before ClosedBefore.
	Closed       map[string]time.Time
	ClosedBefore time.Time
}

// Allows reports whether the rule lets retention remove r.
func (rt Retention) Allows(r *Record) bool {
	switch {
	case r.Queued || r.Sample:
		closed, ok := rt.Closed[r.Post.ID]
		return ok && closed.Before(rt.ClosedBefore)
	case len(r.Flags) > 0:
		return r.Processed.Before(rt.ClosedBefore)
	default:
		return r.Processed.Before(rt.Unflagged)
	}
}

// Purge deletes the records rule allows, with their review-queue entries and
// sightings, and returns their ids (so the index can drop them too).
func (s *Store) Purge(_ context.Context, rule Retention) ([]string, error) {
	var ids []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPosts)
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r Record
			if err := DecodeRecord(v, &r); err != nil {
				return fmt.Errorf("decoding record %s: %w", k, err)
			}
			if rule.Allows(&r) {
				ids = append(ids, string(bytes.Clone(k)))
			}
		}
		queue, sights, media := tx.Bucket(bucketQueue), tx.Bucket(bucketSights), tx.Bucket(bucketMedia)
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
			if err := queue.Delete([]byte(id)); err != nil {
				return err
			}
			if err := media.Delete([]byte(id)); err != nil {
				return err
			}
			prefix := []byte(id + "\x00")
			sc := sights.Cursor()
			for k, _ := sc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = sc.Seek(prefix) {
				if err := sc.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return ids, err
}
