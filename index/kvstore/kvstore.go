// Package kvstore keeps small run-time state that must outlive a restart
// (sources added while the engine runs, discovery candidates) as JSON
// values in named buckets: in a bbolt file of the data folder (embedded
// mode) or in Redis hashes (Redis mode), behind one interface.
package kvstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// Store keeps values by bucket and key. Every method is safe for concurrent
// use; Update is atomic, across processes sharing a Redis store too.
type Store interface {
	// All returns every value of bucket by key (empty when none).
	All(ctx context.Context, bucket string) (map[string][]byte, error)
	// Update calls fn with key's value (nil when absent) and stores what it
	// returns, atomically; fn's error leaves the value as it was and is
	// returned. Returning ErrUnchanged stores nothing and is not an error.
	Update(ctx context.Context, bucket, key string, fn func(old []byte) ([]byte, error)) error
	// Close releases the store.
	Close() error
}

// ErrUnchanged, returned by an Update function, leaves the value as it is.
var ErrUnchanged = errors.New("kvstore: unchanged")

// Bolt is a Store in a bbolt file.
type Bolt struct{ db *bolt.DB }

// OpenBolt opens (creating) the bbolt file at path.
func OpenBolt(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening run-time state %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// All implements Store.
func (b *Bolt) All(_ context.Context, bucket string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucket))
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			out[string(k)] = append([]byte(nil), v...)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", bucket, err)
	}
	return out, nil
}

// Update implements Store.
func (b *Bolt) Update(_ context.Context, bucket, key string, fn func(old []byte) ([]byte, error)) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		var old []byte
		if v := bk.Get([]byte(key)); v != nil {
			old = append([]byte(nil), v...)
		}
		v, err := fn(old)
		if err != nil {
			return err
		}
		return bk.Put([]byte(key), v)
	})
	if errors.Is(err, ErrUnchanged) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating %s %q: %w", bucket, key, err)
	}
	return nil
}

// Close implements Store.
func (b *Bolt) Close() error { return b.db.Close() }

// Redis is a Store in Redis hashes, one per bucket, under a key prefix.
type Redis struct {
	rdb    *redis.Client
	prefix string
}

// NewRedis returns a Store over rdb whose keys start with prefix (the
// engine's store prefix); closing it leaves rdb open.
func NewRedis(rdb *redis.Client, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

func (r *Redis) key(bucket string) string { return r.prefix + "state:" + bucket }

// All implements Store.
func (r *Redis) All(ctx context.Context, bucket string) (map[string][]byte, error) {
	m, err := r.rdb.HGetAll(ctx, r.key(bucket)).Result()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", bucket, err)
	}
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out, nil
}

// maxTries bounds the optimistic transactions of Update under contention.
const maxTries = 50

// Update implements Store with an optimistic transaction (WATCH/MULTI).
func (r *Redis) Update(ctx context.Context, bucket, key string, fn func(old []byte) ([]byte, error)) error {
	hk := r.key(bucket)
	for range maxTries {
		err := r.rdb.Watch(ctx, func(tx *redis.Tx) error {
			old, err := tx.HGet(ctx, hk, key).Bytes()
			if errors.Is(err, redis.Nil) {
				old, err = nil, nil
			}
			if err != nil {
				return err
			}
			v, err := fn(old)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, hk, key, v)
				return nil
			})
			return err
		}, hk)
		switch {
		case errors.Is(err, redis.TxFailedErr):
			continue
		case errors.Is(err, ErrUnchanged):
			return nil
		case err != nil:
			return fmt.Errorf("updating %s %q: %w", bucket, key, err)
		}
		return nil
	}
	return fmt.Errorf("updating %s %q: too much contention", bucket, key)
}

// Close implements Store; the client stays open.
func (r *Redis) Close() error { return nil }
