// Package boltstore is review.Store in the pipeline's embedded bbolt file:
// its own buckets beside the pipeline's, each change in one transaction.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
)

var (
	bucketUsers     = []byte("review_users")
	bucketSessions  = []byte("review_sessions")
	bucketItems     = []byte("review_items")
	bucketIndex     = []byte("review_index")
	bucketDecisions = []byte("review_decisions")
	bucketAuthors   = []byte("review_authors")
	bucketReferrals = []byte("review_referrals")
	bucketAppeals   = []byte("review_appeals")
	bucketMeta      = []byte("review_meta")
	// keyIndexOrder records the review.IndexOrder the index was built in.
	keyIndexOrder = []byte("index_order")
)

// Store is review.Store over a bbolt database.
type Store struct{ db *bolt.DB }

var _ review.Store = (*Store)(nil)

// New creates the review buckets in db (e.g. store.Store.DB()) and returns
// the store. Closing db is the caller's job.
func New(db *bolt.DB) (*Store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketUsers, bucketSessions, bucketItems, bucketIndex, bucketDecisions, bucketAuthors, bucketReferrals, bucketAppeals, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("creating bucket %s: %w", b, err)
			}
		}
		return reindex(tx)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing review buckets: %w", err)
	}
	return &Store{db: db}, nil
}

// reindex rebuilds the queue index when it was built in another order than
// review.IndexOrder (by an earlier version).
func reindex(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if string(meta.Get(keyIndexOrder)) == review.IndexOrder {
		return nil
	}
	if err := tx.DeleteBucket(bucketIndex); err != nil {
		return fmt.Errorf("rebuilding the queue index: %w", err)
	}
	ix, err := tx.CreateBucket(bucketIndex)
	if err != nil {
		return fmt.Errorf("rebuilding the queue index: %w", err)
	}
	err = tx.Bucket(bucketItems).ForEach(func(k, v []byte) error {
		var it review.Item
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("decoding item %q: %w", k, err)
		}
		if it.Status == review.StatusClosed {
			return nil
		}
		return ix.Put([]byte(review.IndexKey(&it)), nil)
	})
	if err != nil {
		return fmt.Errorf("rebuilding the queue index: %w", err)
	}
	return meta.Put(keyIndexOrder, []byte(review.IndexOrder))
}

func put(b *bolt.Bucket, k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", k, err)
	}
	return b.Put([]byte(k), data)
}

func get(b *bolt.Bucket, k string, v any) error {
	data := b.Get([]byte(k))
	if data == nil {
		return fmt.Errorf("%s: %w", k, review.ErrNotFound)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decoding %s: %w", k, err)
	}
	return nil
}

// PutUser implements review.Store.
func (s *Store) PutUser(_ context.Context, u review.User) error {
	return s.db.Update(func(tx *bolt.Tx) error { return put(tx.Bucket(bucketUsers), u.Name, u) })
}

// User implements review.Store.
func (s *Store) User(_ context.Context, name string) (review.User, error) {
	var u review.User
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bucketUsers), name, &u) })
	return u, err
}

// UpdateUser implements review.Store.
func (s *Store) UpdateUser(_ context.Context, name string, fn func(*review.User) error) (review.User, error) {
	u, err := change(s, bucketUsers, name, fn)
	if err != nil {
		return u, fmt.Errorf("updating user %s: %w", name, err)
	}
	return u, nil
}

// Users implements review.Store.
func (s *Store) Users(_ context.Context) ([]review.User, error) {
	var out []review.User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var u review.User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decoding user %s: %w", k, err)
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// PutSession implements review.Store.
func (s *Store) PutSession(_ context.Context, se review.Session) error {
	return s.db.Update(func(tx *bolt.Tx) error { return put(tx.Bucket(bucketSessions), se.IDHash, se) })
}

// Session implements review.Store.
func (s *Store) Session(_ context.Context, idHash string) (review.Session, error) {
	var se review.Session
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bucketSessions), idHash, &se) })
	return se, err
}

// DeleteSession implements review.Store.
func (s *Store) DeleteSession(_ context.Context, idHash string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSessions).Delete([]byte(idHash)) })
}

// DeleteSessions implements review.Store.
func (s *Store) DeleteSessions(_ context.Context, user string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		var del [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var se review.Session
			if json.Unmarshal(v, &se) != nil || se.User == user {
				del = append(del, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range del {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return err
	})
}

// Sessions implements review.Store.
func (s *Store) Sessions(_ context.Context, user string) ([]review.Session, error) {
	var out []review.Session
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var se review.Session
			if err := json.Unmarshal(v, &se); err != nil {
				return fmt.Errorf("decoding session: %w", err)
			}
			if se.User == user {
				out = append(out, se)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading sessions of %s: %w", user, err)
	}
	review.SortSessions(out)
	return out, nil
}

// Missing implements review.Store.
func (s *Store) Missing(_ context.Context, ids []string) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		for _, id := range ids {
			if b.Get([]byte(id)) == nil {
				out = append(out, id)
			}
		}
		return nil
	})
	return out, err
}

func authorKey(author, id string) []byte { return []byte(author + "\x00" + id) }

// Add implements review.Store.
func (s *Store) Add(_ context.Context, items []review.Item) error {
	return s.db.Update(func(tx *bolt.Tx) error { return addTx(tx, items) })
}

// EnqueueTx implements store.TxEnqueuer: the pipeline's store calls it in
// the transaction that records a batch, so that a post routed to review is
// in the review queue as soon as its record exists, and never one without
// the other.
func (s *Store) EnqueueTx(tx *bolt.Tx, recs []store.Record) error {
	var items []review.Item
	for i := range recs {
		if review.Enqueued(&recs[i]) {
			items = append(items, review.ItemFor(&recs[i]))
		}
	}
	if len(items) == 0 {
		return nil
	}
	return addTx(tx, items)
}

// addTx adds the items tx does not hold yet.
func addTx(tx *bolt.Tx, items []review.Item) error {
	b, ix, au := tx.Bucket(bucketItems), tx.Bucket(bucketIndex), tx.Bucket(bucketAuthors)
	if b == nil {
		return fmt.Errorf("adding items: the review buckets do not exist (open the review store first)")
	}
	for i := range items {
		it := items[i]
		if it.ID == "" {
			return fmt.Errorf("adding item: empty id")
		}
		if b.Get([]byte(it.ID)) != nil {
			continue
		}
		if it.Status == "" {
			it.Status = review.StatusOpen
		}
		if err := put(b, it.ID, it); err != nil {
			return err
		}
		if it.Status != review.StatusClosed {
			if err := ix.Put([]byte(review.IndexKey(&it)), nil); err != nil {
				return err
			}
		}
		if it.Author != "" {
			if err := au.Put(authorKey(it.Author, it.ID), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk calls fn for each undecided item in review order until fn returns false.
func walk(tx *bolt.Tx, fn func(it *review.Item) (bool, error)) error {
	b := tx.Bucket(bucketItems)
	c := tx.Bucket(bucketIndex).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		id := review.IDFromKey(string(k))
		var it review.Item
		if err := get(b, id, &it); err != nil {
			return fmt.Errorf("queue index entry %q: %w", k, err)
		}
		more, err := fn(&it)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// List implements review.Store.
func (s *Store) List(_ context.Context, f review.Filter) (review.Page, error) {
	var p review.Page
	p.Items = []review.Item{}
	take := f.Collect(&p)
	err := s.db.View(func(tx *bolt.Tx) error {
		p.Open = tx.Bucket(bucketIndex).Stats().KeyN
		if f.Sort == "" {
			return walk(tx, take)
		}
		return walkSorted(tx, &f, take)
	})
	return p, err
}

// walkSorted calls fn with the queued items in the order f.Sort asks for,
// sorting the index keys alone and reading only the items fn is called with.
func walkSorted(tx *bolt.Tx, f *review.Filter, fn func(it *review.Item) (bool, error)) error {
	ix := tx.Bucket(bucketIndex)
	keys := make([]string, 0, ix.Stats().KeyN)
	c := ix.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		keys = append(keys, string(k))
	}
	b := tx.Bucket(bucketItems)
	for _, k := range review.Ordered(keys, f) {
		var it review.Item
		if err := get(b, review.IDFromKey(k), &it); err != nil {
			return fmt.Errorf("queue index entry %q: %w", k, err)
		}
		if more, err := fn(&it); err != nil || !more {
			return err
		}
	}
	return nil
}

// Item implements review.Store.
func (s *Store) Item(_ context.Context, id string) (review.Item, error) {
	var it review.Item
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bucketItems), id, &it) })
	return it, err
}

// ByAuthor implements review.Store.
func (s *Store) ByAuthor(_ context.Context, author string, max int) ([]review.Item, error) {
	var out []review.Item
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		prefix := []byte(author + "\x00")
		c := tx.Bucket(bucketAuthors).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var it review.Item
			if err := get(b, string(k[len(prefix):]), &it); err != nil {
				return err
			}
			out = append(out, it)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b review.Item) int { return b.Added.Compare(a.Added) })
	if len(out) > max {
		out = out[:max]
	}
	return out, err
}

// Claim implements review.Store.
func (s *Store) Claim(_ context.Context, id string, who review.Reviewer, now time.Time, ttl time.Duration) (review.Item, error) {
	var it review.Item
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		if err := get(b, id, &it); err != nil {
			return err
		}
		if err := review.ApplyClaim(&it, who, now, ttl); err != nil {
			return err
		}
		return put(b, id, it)
	})
	return it, err
}

var errFound = errors.New("found")

// ClaimNext implements review.Store.
func (s *Store) ClaimNext(_ context.Context, who review.Reviewer, f review.Filter, now time.Time, ttl time.Duration) (review.Item, error) {
	var got review.Item
	err := s.db.Update(func(tx *bolt.Tx) error {
		err := walk(tx, func(it *review.Item) (bool, error) {
			if !f.Match(it) || review.CanClaim(it, who, now) != nil {
				return true, nil
			}
			if err := review.ApplyClaim(it, who, now, ttl); err != nil {
				return false, err
			}
			got = *it
			return false, errFound
		})
		if errors.Is(err, errFound) {
			return put(tx.Bucket(bucketItems), got.ID, got)
		}
		if err == nil {
			err = review.ErrEmpty
		}
		return err
	})
	return got, err
}

// Release implements review.Store.
func (s *Store) Release(_ context.Context, id, who, token string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		var it review.Item
		if err := get(b, id, &it); err != nil {
			return err
		}
		if it.Lease == nil || it.Lease.Holder != who || it.Lease.Token != token {
			return review.ErrLeaseLost
		}
		it.Lease = nil
		return put(b, id, it)
	})
}

// decisionKey orders an item's decisions by the bucket's sequence.
func decisionKey(item string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(item+"\x00"), seq)
}

// Decide implements review.Store.
func (s *Store) Decide(_ context.Context, d review.Decision, who review.Reviewer, rules review.Rules, now time.Time) (review.Item, review.Decision, error) {
	var it review.Item
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		if err := get(b, d.Item, &it); err != nil {
			return err
		}
		key := review.IndexKey(&it)
		if err := review.Apply(&it, &d, who, rules, now); err != nil {
			return err
		}
		if err := put(b, it.ID, it); err != nil {
			return err
		}
		if it.Status == review.StatusClosed {
			if err := tx.Bucket(bucketIndex).Delete([]byte(key)); err != nil {
				return err
			}
		}
		v, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encoding decision: %w", err)
		}
		db := tx.Bucket(bucketDecisions)
		seq, err := db.NextSequence()
		if err != nil {
			return err
		}
		return db.Put(decisionKey(d.Item, seq), v)
	})
	if err != nil {
		return it, d, fmt.Errorf("deciding %s: %w", d.Item, err)
	}
	return it, d, nil
}

// Undo implements review.Store.
func (s *Store) Undo(_ context.Context, item, id string, who review.Reviewer, rules review.Rules, now time.Time) (review.Item, review.Decision, error) {
	var (
		it   review.Item
		last review.Decision
	)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		if err := get(b, item, &it); err != nil {
			return err
		}
		prefix := []byte(item + "\x00")
		c := tx.Bucket(bucketDecisions).Cursor()
		var lastKey []byte
		var prev *review.Decision
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if lastKey != nil {
				p := last
				prev = &p
			}
			last = review.Decision{}
			if err := json.Unmarshal(v, &last); err != nil {
				return fmt.Errorf("decoding decision %q: %w", k, err)
			}
			lastKey = slices.Clone(k)
		}
		if lastKey == nil || last.ID != id {
			return fmt.Errorf("%w: %s is not the item's last decision", review.ErrUndo, id)
		}
		wasClosed := it.Status == review.StatusClosed
		if err := review.Undo(&it, &last, prev, who, rules, now, rules.LeaseFor()); err != nil {
			return err
		}
		if err := put(b, it.ID, it); err != nil {
			return err
		}
		if wasClosed {
			if err := tx.Bucket(bucketIndex).Put([]byte(review.IndexKey(&it)), nil); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketDecisions).Delete(lastKey)
	})
	if err != nil {
		return it, last, fmt.Errorf("undoing decision %s about %s: %w", id, item, err)
	}
	return it, last, nil
}

// Decisions implements review.Store.
func (s *Store) Decisions(_ context.Context, item string) ([]review.Decision, error) {
	out := []review.Decision{}
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(item + "\x00")
		c := tx.Bucket(bucketDecisions).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var d review.Decision
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decoding decision %q: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// EachDecision implements review.Store.
func (s *Store) EachDecision(_ context.Context, fn func(review.Decision) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDecisions).ForEach(func(k, v []byte) error {
			var d review.Decision
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decoding decision %q: %w", k, err)
			}
			return fn(d)
		})
	})
}

// AppendDecision implements review.Store.
func (s *Store) AppendDecision(_ context.Context, d review.Decision) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketItems).Get([]byte(d.Item)) == nil {
			return fmt.Errorf("item %s: %w", d.Item, review.ErrNotFound)
		}
		v, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encoding decision: %w", err)
		}
		db := tx.Bucket(bucketDecisions)
		seq, err := db.NextSequence()
		if err != nil {
			return err
		}
		return db.Put(decisionKey(d.Item, seq), v)
	})
	if err != nil {
		return fmt.Errorf("recording decision about %s: %w", d.Item, err)
	}
	return nil
}

// create stores v under id in bucket unless the id is taken.
func (s *Store) create(bucket []byte, id string, v any) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get([]byte(id)) != nil {
			return fmt.Errorf("%s %s: %w", bucket, id, review.ErrExists)
		}
		return put(b, id, v)
	})
}

// change reads id from bucket into v, applies fn and writes v back in one transaction.
func change[T any](s *Store, bucket []byte, id string, fn func(*T) error) (T, error) {
	var v T
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		v = *new(T)
		if err := get(b, id, &v); err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
		return put(b, id, v)
	})
	return v, err
}

// all decodes every value of bucket.
func all[T any](s *Store, bucket []byte) ([]T, error) {
	out := []T{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, data []byte) error {
			var v T
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("decoding %s %q: %w", bucket, k, err)
			}
			out = append(out, v)
			return nil
		})
	})
	return out, err
}

// PutReferral implements review.Store.
func (s *Store) PutReferral(_ context.Context, r review.Referral) error {
	return s.create(bucketReferrals, r.ID, r)
}

// Referral implements review.Store.
func (s *Store) Referral(_ context.Context, id string) (review.Referral, error) {
	var r review.Referral
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bucketReferrals), id, &r) })
	return r, err
}

// UpdateReferral implements review.Store.
func (s *Store) UpdateReferral(_ context.Context, id string, fn func(*review.Referral) error) (review.Referral, error) {
	return change(s, bucketReferrals, id, fn)
}

// Referrals implements review.Store.
func (s *Store) Referrals(_ context.Context) ([]review.Referral, error) {
	rs, err := all[review.Referral](s, bucketReferrals)
	review.SortReferrals(rs)
	return rs, err
}

// PutAppeal implements review.Store.
func (s *Store) PutAppeal(_ context.Context, a review.Appeal) error {
	return s.create(bucketAppeals, a.ID, a)
}

// Appeal implements review.Store.
func (s *Store) Appeal(_ context.Context, id string) (review.Appeal, error) {
	var a review.Appeal
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bucketAppeals), id, &a) })
	return a, err
}

// UpdateAppeal implements review.Store.
func (s *Store) UpdateAppeal(_ context.Context, id string, fn func(*review.Appeal) error) (review.Appeal, error) {
	return change(s, bucketAppeals, id, fn)
}

// Appeals implements review.Store.
func (s *Store) Appeals(_ context.Context) ([]review.Appeal, error) {
	as, err := all[review.Appeal](s, bucketAppeals)
	review.SortAppeals(as)
	return as, err
}
