package tips

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tip is one submitted tip as the spool keeps it, without who sent it.
type Tip struct {
	// Seq numbers tips in the order they arrived, from 1.
	Seq uint64 `json:"seq"`
	// URL is the tipped post's address, if given.
	URL string `json:"url,omitempty"`
	// Text is the tipped post's text.
	Text string `json:"text"`
	// Platform is where the tipped post was seen (free text, e.g. "telegram").
	Platform string `json:"platform,omitempty"`
	// Author is the tipped post's author, if the flagger gave it.
	Author string `json:"author,omitempty"`
	// Note is the flagger's note for reviewers.
	Note string `json:"note,omitempty"`
	// Received is when the tip arrived.
	Received time.Time `json:"received"`
	// RawSHA256 is the hex SHA-256 of the request body as received.
	RawSHA256 string `json:"raw_sha256"`
}

// Reporter is who sent a tip; it is kept apart from the tip and never put in a Post.
type Reporter struct {
	// Flagger is the id of the trusted flagger whose token was used.
	Flagger string `json:"flagger"`
	// Contact is what the flagger wrote in the tip's reporter field, if anything.
	Contact string `json:"contact,omitempty"`
}

// Access records one lookup of a tip's reporter.
type Access struct {
	// Tip is the post id of the tip whose reporter was read.
	Tip string `json:"tip"`
	// By is who read it.
	By string `json:"by"`
	// Reason is why, e.g. the reference of a legal request.
	Reason string `json:"reason"`
	// Time is when it was read.
	Time time.Time `json:"time"`
}

var (
	bucketTips      = []byte("tips")
	bucketReporters = []byte("reporters")
	bucketAccess    = []byte("access")
)

// Spool is the durable queue of tips in a bbolt file. Each operation opens
// the file and closes it again, so that the submission endpoint and the
// crawler may run in different processes; within one process operations on
// the same file are serialised.
type Spool struct {
	path string
}

var spoolLocks sync.Map // path -> *sync.Mutex

// OpenSpool returns the spool at path, creating the file and its directory.
func OpenSpool(path string) (*Spool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("tips spool %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("creating tips spool directory: %w", err)
	}
	s := &Spool{path: abs}
	err = s.update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketTips, bucketReporters, bucketAccess} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the spool file.
func (s *Spool) Path() string { return s.path }

func (s *Spool) with(readOnly bool, fn func(tx *bolt.Tx) error) error {
	mu, _ := spoolLocks.LoadOrStore(s.path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("opening tips spool %s: %w", s.path, err)
	}
	if readOnly {
		err = db.View(fn)
	} else {
		err = db.Update(fn)
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing tips spool: %w", cerr)
	}
	return err
}

func (s *Spool) update(fn func(tx *bolt.Tx) error) error { return s.with(false, fn) }
func (s *Spool) view(fn func(tx *bolt.Tx) error) error   { return s.with(true, fn) }

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Append stores the tip and, separately, its reporter; it sets and returns the tip's Seq.
func (s *Spool) Append(t Tip, r Reporter) (uint64, error) {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTips)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		t.Seq = seq
		tb, _ := json.Marshal(t)
		rb, _ := json.Marshal(r)
		if err := b.Put(seqKey(seq), tb); err != nil {
			return err
		}
		return tx.Bucket(bucketReporters).Put(seqKey(seq), rb)
	})
	if err != nil {
		return 0, fmt.Errorf("storing tip: %w", err)
	}
	return t.Seq, nil
}

// After returns up to max tips with Seq greater than after, in order.
func (s *Spool) After(after uint64, max int) ([]Tip, error) {
	var out []Tip
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTips).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < max; k, v = c.Next() {
			var t Tip
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("tip %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading tips: %w", err)
	}
	return out, nil
}

// ErrNoTip is returned for a tip id the spool does not have.
var ErrNoTip = errors.New("no such tip")

// RevealReporter returns who sent the tip with the given post id ("tips:42").
// It is for authorised use only (e.g. a legal request): by and reason are
// required and every lookup is recorded in the spool (see Accesses).
func (s *Spool) RevealReporter(tipID, by, reason string) (Reporter, error) {
	var r Reporter
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
		return r, errors.New("revealing a reporter needs who asks and why")
	}
	seq, err := strconv.ParseUint(strings.TrimPrefix(tipID, Name+":"), 10, 64)
	if err != nil {
		return r, fmt.Errorf("bad tip id %q: %w", tipID, ErrNoTip)
	}
	err = s.update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketReporters).Get(seqKey(seq))
		if v == nil {
			return fmt.Errorf("tip %q: %w", tipID, ErrNoTip)
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("reporter of %q: %w", tipID, err)
		}
		ab, _ := json.Marshal(Access{Tip: tipID, By: by, Reason: reason, Time: time.Now().UTC()})
		b := tx.Bucket(bucketAccess)
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		return b.Put(seqKey(n), ab)
	})
	return r, err
}

// Accesses lists every reporter lookup, oldest first.
func (s *Spool) Accesses() ([]Access, error) {
	var out []Access
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccess).ForEach(func(_, v []byte) error {
			var a Access
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}
