// Package checkpoint persists what a crawler must remember across restarts:
// each source's cursor, the dedup entries of every post seen, and marks (the
// committed length of each output file). A Batch is committed atomically, so
// a cursor never moves without the posts it covers being remembered as seen.
package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/dedup"
)

// DefaultPath is the checkpoint database used when none is given.
const DefaultPath = "rasd-data/crawl.db"

// Store keeps one cursor per source.
type Store interface {
	// Get returns the source's cursor, or "" when it has none.
	Get(source string) (ingest.Cursor, error)
	// Put saves the source's cursor.
	Put(source string, c ingest.Cursor) error
}

// Batch is what one crawler step commits at once.
type Batch struct {
	// Source whose cursor moves; empty to commit only seen entries and marks.
	Source string
	// Cursor is the source's new cursor.
	Cursor ingest.Cursor
	// Seen are dedup entries of the posts handled in this step.
	Seen []dedup.Entry
	// Marks are named offsets to save, e.g. the committed size of an output file.
	Marks map[string]int64
}

// Committer is a Store that also keeps seen entries and marks, committed together.
type Committer interface {
	Store
	// Commit saves the batch atomically: all of it or none.
	Commit(b Batch) error
	// Mark returns a saved mark.
	Mark(name string) (int64, bool, error)
	// Seen calls fn for every saved entry, canonical entries before copies,
	// so that fn can be dedup.Index.Add.
	Seen(fn func(dedup.Entry) error) error
}

var (
	bucketCursors = []byte("cursors")
	bucketSeen    = []byte("seen")
	bucketMarks   = []byte("marks")
)

// lockTimeout is how long Open waits for another process to release the file.
var lockTimeout = 3 * time.Second

// DB is a Committer in a bbolt file. Only one process may open it at a time.
type DB struct {
	db *bolt.DB
}

// Open opens (creating if needed) the checkpoint database at path. It fails
// after a few seconds if another process holds it.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating checkpoint directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("opening checkpoints %s: in use by another rasd process", path)
		}
		return nil, fmt.Errorf("opening checkpoints %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCursors, bucketSeen, bucketMarks} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialising checkpoints %s: %w", path, err)
	}
	return &DB{db: db}, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Get returns the source's cursor.
func (d *DB) Get(source string) (ingest.Cursor, error) {
	var c ingest.Cursor
	err := d.db.View(func(tx *bolt.Tx) error {
		c = ingest.Cursor(tx.Bucket(bucketCursors).Get([]byte(source)))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading cursor of %q: %w", source, err)
	}
	return c, nil
}

// Put saves the source's cursor.
func (d *DB) Put(source string, c ingest.Cursor) error {
	return d.Commit(Batch{Source: source, Cursor: c})
}

// Commit saves the batch in one transaction (fsynced before it returns).
func (d *DB) Commit(b Batch) error {
	err := d.db.Update(func(tx *bolt.Tx) error {
		if b.Source != "" {
			if err := tx.Bucket(bucketCursors).Put([]byte(b.Source), []byte(b.Cursor)); err != nil {
				return err
			}
		}
		seen := tx.Bucket(bucketSeen)
		for _, e := range b.Seen {
			if e.ID == "" {
				continue
			}
			v, _ := e.MarshalBinary()
			if err := seen.Put([]byte(e.ID), v); err != nil {
				return fmt.Errorf("seen %q: %w", e.ID, err)
			}
		}
		marks := tx.Bucket(bucketMarks)
		for name, off := range b.Marks {
			if err := marks.Put([]byte(name), binary.BigEndian.AppendUint64(nil, uint64(off))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("committing checkpoint of %q: %w", b.Source, err)
	}
	return nil
}

// Mark returns a saved mark.
func (d *DB) Mark(name string) (int64, bool, error) {
	var (
		off int64
		ok  bool
	)
	err := d.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMarks).Get([]byte(name))
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("mark %q: %d bytes, want 8", name, len(v))
		}
		off, ok = int64(binary.BigEndian.Uint64(v)), true
		return nil
	})
	return off, ok, err
}

// Seen calls fn for every saved entry, canonical entries first.
func (d *DB) Seen(fn func(dedup.Entry) error) error {
	return d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		for pass := range 2 {
			err := b.ForEach(func(k, v []byte) error {
				var e dedup.Entry
				if err := e.UnmarshalBinary(v); err != nil {
					return fmt.Errorf("seen %q: %w", k, err)
				}
				e.ID = string(k)
				if (pass == 0) == (e.Canonical == "") {
					return fn(e)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Memory is an in-memory Committer for tests.
type Memory struct {
	mu      sync.Mutex
	cursors map[string]ingest.Cursor
	seen    map[string]dedup.Entry
	order   []string
	marks   map[string]int64
	// Fail, when set, makes Commit fail with it (to test faults).
	Fail error
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{cursors: map[string]ingest.Cursor{}, seen: map[string]dedup.Entry{}, marks: map[string]int64{}}
}

// Get returns the source's cursor.
func (m *Memory) Get(source string) (ingest.Cursor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[source], nil
}

// Put saves the source's cursor.
func (m *Memory) Put(source string, c ingest.Cursor) error {
	return m.Commit(Batch{Source: source, Cursor: c})
}

// Commit saves the batch.
func (m *Memory) Commit(b Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	if b.Source != "" {
		m.cursors[b.Source] = b.Cursor
	}
	for _, e := range b.Seen {
		if e.ID == "" {
			continue
		}
		if _, ok := m.seen[e.ID]; !ok {
			m.order = append(m.order, e.ID)
		}
		m.seen[e.ID] = e
	}
	for n, off := range b.Marks {
		m.marks[n] = off
	}
	return nil
}

// Mark returns a saved mark.
func (m *Memory) Mark(name string) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	off, ok := m.marks[name]
	return off, ok, nil
}

// Seen calls fn for every saved entry, canonical entries first.
func (m *Memory) Seen(fn func(dedup.Entry) error) error {
	m.mu.Lock()
	entries := make([]dedup.Entry, 0, len(m.order))
	for _, id := range m.order {
		entries = append(entries, m.seen[id])
	}
	m.mu.Unlock()
	for pass := range 2 {
		for _, e := range entries {
			if (pass == 0) == (e.Canonical == "") {
				if err := fn(e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Rebuild replays every saved entry into idx and returns how many there were.
func Rebuild(c Committer, idx *dedup.Index) (int, error) {
	n := 0
	err := c.Seen(func(e dedup.Entry) error {
		n++
		return idx.Add(e)
	})
	if err != nil {
		return n, fmt.Errorf("rebuilding dedup index: %w", err)
	}
	return n, nil
}
