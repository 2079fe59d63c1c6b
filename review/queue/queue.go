// Package queue opens the one review queue beside the pipeline's store: the
// review store of the same bbolt file or the same Redis, set as the store's
// enqueuer so that the pipeline adds review items in the transaction that
// records their posts.
package queue

import (
	"fmt"

	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	reviewredis "github.com/rasd-iq/rasd/review/redisstore"
)

// Open returns the review store that lives beside the pipeline store b and
// makes b enqueue into it.
func Open(b store.Backend) (review.Store, error) {
	switch s := b.(type) {
	case *store.Store:
		rs, err := boltstore.New(s.DB())
		if err != nil {
			return nil, err
		}
		s.EnqueueWith(rs)
		return rs, nil
	case *redisstore.Store:
		rs := reviewredis.New(s.Client(), s.Prefix())
		s.EnqueueWith(rs)
		return rs, nil
	}
	return nil, fmt.Errorf("opening the review queue: no review store for a %T pipeline store", b)
}
