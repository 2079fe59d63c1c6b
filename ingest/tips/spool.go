package tips

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
	bucketKeyLog    = []byte("keylog")
)

// SpoolOptions say how reporter records are protected.
type SpoolOptions struct {
	// Key encrypts new reporter records and reads those under its id.
	Key *Key
	// OldKeys still read records under their ids (during a key rotation).
	OldKeys []*Key
	// InsecurePlaintext keeps reporter records unencrypted, for demos only;
	// without it a spool needs a Key.
	InsecurePlaintext bool
}

// KeyEvent records one change to how a spool's reporter records are encrypted.
type KeyEvent struct {
	// Event is "encrypted" (plaintext records migrated) or "rotated".
	Event string `json:"event"`
	// From lists the key ids records were under before ("plaintext" for none).
	From []string `json:"from"`
	// To is the key id they are under now.
	To string `json:"to"`
	// Records is how many records were rewritten.
	Records int `json:"records"`
	// Time is when it finished.
	Time time.Time `json:"time"`
}

// Spool is the durable queue of tips in a bbolt file. Each operation opens
// the file and closes it again, so that the submission endpoint and the
// crawler may run in different processes; within one process operations on
// the same file are serialised.
//
// Who sent each tip is kept in a separate bucket, each record encrypted with
// AES-256-GCM under the spool's key, with a random nonce and the key's id.
type Spool struct {
	path     string
	keys     *keyring // nil: plaintext (SpoolOptions.InsecurePlaintext)
	migrated int
}

var spoolLocks sync.Map // path -> *sync.Mutex

// OpenSpool returns the spool at path, creating the file and its directory.
// Reporter records still in plaintext are encrypted under opt.Key (and the file
// compacted so that no plaintext is left in its free pages). It fails with
// ErrNoKey without a key (unless opt.InsecurePlaintext), and with ErrWrongKey
// when records are under a key not given.
func OpenSpool(path string, opt SpoolOptions) (*Spool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("tips spool %s: %w", path, err)
	}
	if opt.Key == nil && !opt.InsecurePlaintext {
		return nil, fmt.Errorf("tips spool %s: %w", abs, ErrNoKey)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("creating tips spool directory: %w", err)
	}
	s := &Spool{path: abs}
	if opt.Key != nil {
		s.keys = newKeyring(opt.Key, opt.OldKeys)
	}
	var from map[string]bool
	err = s.update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketTips, bucketReporters, bucketAccess, bucketKeyLog} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		var err error
		from, err = s.checkRecords(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening tips spool %s: %w", abs, err)
	}
	if s.migrated > 0 {
		if err := s.logKeyEvent(KeyEvent{Event: "encrypted", From: sortedKeys(from), To: s.keys.primary.ID(), Records: s.migrated}); err != nil {
			return nil, err
		}
		if err := s.compact(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkRecords makes sure every reporter record can be read with the spool's
// keys, encrypting plaintext ones (counted in s.migrated).
func (s *Spool) checkRecords(tx *bolt.Tx) (map[string]bool, error) {
	b := tx.Bucket(bucketReporters)
	from := map[string]bool{}
	unknown := map[string]int{}
	var plain [][]byte
	err := b.ForEach(func(k, v []byte) error {
		id, enc := isEncrypted(v)
		switch {
		case !enc:
			plain = append(plain, append([]byte(nil), k...))
		case s.keys == nil:
			unknown[id]++
		case s.keys.byID[id] == nil:
			unknown[id]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		if s.keys == nil {
			return nil, fmt.Errorf("%w: %d records under key %s, but the spool was opened in plaintext: set %s", ErrWrongKey, len(unknown), strings.Join(sortedKeys(unknown), ", "), KeyEnv)
		}
		return nil, fmt.Errorf("%w: records under key %s, but the key given is %s (set %s to the key in use, or finish `rasd tips rotate-key`)",
			ErrWrongKey, strings.Join(sortedKeys(unknown), ", "), strings.Join(s.keys.ids(), ", "), KeyEnv)
	}
	if s.keys == nil || len(plain) == 0 {
		return from, nil
	}
	from["plaintext"] = true
	for _, k := range plain {
		sealed, err := s.keys.primary.seal(binary.BigEndian.Uint64(k), b.Get(k))
		if err != nil {
			return nil, err
		}
		if err := b.Put(k, sealed); err != nil {
			return nil, err
		}
	}
	s.migrated = len(plain)
	return from, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Migrated is how many plaintext reporter records OpenSpool encrypted.
func (s *Spool) Migrated() int { return s.migrated }

// KeyID is the id of the key new reporter records are encrypted with, or ""
// for a plaintext spool.
func (s *Spool) KeyID() string {
	if s.keys == nil {
		return ""
	}
	return s.keys.primary.ID()
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
		rb, err := s.sealReporter(seq, r)
		if err != nil {
			return err
		}
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
		var err error
		if r, err = s.openReporter(seq, v); err != nil {
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

func (s *Spool) sealReporter(seq uint64, r Reporter) ([]byte, error) {
	rb, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding reporter: %w", err)
	}
	if s.keys == nil {
		return rb, nil
	}
	return s.keys.primary.seal(seq, rb)
}

func (s *Spool) openReporter(seq uint64, v []byte) (Reporter, error) {
	var r Reporter
	plain := v
	if id, enc := isEncrypted(v); enc {
		if s.keys == nil {
			return r, fmt.Errorf("%w: record under key %s, spool opened in plaintext", ErrWrongKey, id)
		}
		k := s.keys.byID[id]
		if k == nil {
			return r, fmt.Errorf("%w: record under key %s, key given is %s", ErrWrongKey, id, strings.Join(s.keys.ids(), ", "))
		}
		var err error
		if plain, err = k.open(seq, v); err != nil {
			return r, fmt.Errorf("key %s: %w", id, err)
		}
	} else if s.keys != nil {
		return r, fmt.Errorf("%w: record in plaintext in an encrypted spool", ErrDecrypt)
	}
	if err := json.Unmarshal(plain, &r); err != nil {
		return r, fmt.Errorf("decoding reporter: %w", err)
	}
	return r, nil
}

// rotateBatch is how many records one transaction of RotateKey rewrites.
var rotateBatch = 256

// RotateKey re-encrypts every reporter record under newKey, in batches; until
// it finishes, records under the spool's old keys stay readable with them, and
// running it again after an interruption finishes the work. Afterwards the
// spool is compacted (so no record under an old key is left in free pages),
// uses newKey only, and the rotation is recorded (see KeyEvents). It returns
// how many records were rewritten. Stop every process using the spool first.
func (s *Spool) RotateKey(newKey *Key) (int, error) {
	if s.keys == nil {
		return 0, fmt.Errorf("rotating tips key: %w", ErrNoKey)
	}
	if newKey == nil {
		return 0, fmt.Errorf("rotating tips key: no new key: %w", ErrNoKey)
	}
	kr := newKeyring(newKey, append([]*Key{s.keys.primary}, sortedKeyList(s.keys)...))
	from := map[string]bool{}
	total := 0
	for {
		n := 0
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketReporters)
			type rec struct {
				k, v []byte
			}
			var todo []rec
			c := b.Cursor()
			for k, v := c.First(); k != nil && len(todo) < rotateBatch; k, v = c.Next() {
				if id, enc := isEncrypted(v); enc && id == newKey.ID() {
					continue
				}
				todo = append(todo, rec{append([]byte(nil), k...), append([]byte(nil), v...)})
			}
			for _, r := range todo {
				seq := binary.BigEndian.Uint64(r.k)
				plain := r.v
				id, enc := isEncrypted(r.v)
				if enc {
					k := kr.byID[id]
					if k == nil {
						return fmt.Errorf("tip %d: %w: record under key %s", seq, ErrWrongKey, id)
					}
					var err error
					if plain, err = k.open(seq, r.v); err != nil {
						return fmt.Errorf("tip %d: key %s: %w", seq, id, err)
					}
				} else {
					id = "plaintext"
				}
				sealed, err := newKey.seal(seq, plain)
				if err != nil {
					return err
				}
				if err := b.Put(r.k, sealed); err != nil {
					return err
				}
				from[id] = true
			}
			n = len(todo)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("rotating tips key after %d records: %w", total, err)
		}
		total += n
		if n < rotateBatch {
			break
		}
	}
	s.keys = newKeyring(newKey, nil)
	if err := s.logKeyEvent(KeyEvent{Event: "rotated", From: sortedKeys(from), To: newKey.ID(), Records: total}); err != nil {
		return total, err
	}
	if err := s.compact(); err != nil {
		return total, err
	}
	return total, nil
}

func sortedKeyList(kr *keyring) []*Key {
	var out []*Key
	for _, id := range sortedKeys(kr.byID) {
		out = append(out, kr.byID[id])
	}
	return out
}

func (s *Spool) logKeyEvent(ev KeyEvent) error {
	ev.Time = time.Now().UTC()
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeyLog)
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		eb, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		return b.Put(seqKey(n), eb)
	})
	if err != nil {
		return fmt.Errorf("recording tips key event: %w", err)
	}
	return nil
}

// KeyEvents lists every migration and rotation of the spool's key, oldest first.
func (s *Spool) KeyEvents() ([]KeyEvent, error) {
	var out []KeyEvent
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeyLog).ForEach(func(_, v []byte) error {
			var e KeyEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading tips key events: %w", err)
	}
	return out, nil
}

// compact rewrites the spool file so that pages freed by re-encryption, which
// bbolt leaves as they were, are gone from the disk.
func (s *Spool) compact() error {
	mu, _ := spoolLocks.LoadOrStore(s.path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	src, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("compacting tips spool: %w", err)
	}
	defer src.Close()
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("compacting tips spool: %w", err)
	}
	if err := bolt.Compact(dst, src, 0); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compacting tips spool: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compacting tips spool: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compacting tips spool: %w", err)
	}
	if d, err := os.Open(filepath.Dir(s.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
