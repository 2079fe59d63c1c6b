package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
	bolt "go.etcd.io/bbolt"
)

func TestConformance(t *testing.T) {
	reviewtest.Run(t, func(t *testing.T) review.Store {
		st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		rs, err := boltstore.New(st.DB())
		if err != nil {
			t.Fatal(err)
		}
		return rs
	})
}

// TestIndexUpgrade: an index an earlier version built in its order is
// rebuilt in review.IndexOrder when the store opens.
func TestIndexUpgrade(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := boltstore.New(st.DB())
	if err != nil {
		t.Fatal(err)
	}
	items := reviewtest.Items(120)
	if err := rs.Add(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	// Back to what an earlier version wrote: old keys, no recorded order.
	err = st.DB().Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("review_index")); err != nil {
			return err
		}
		ix, err := tx.CreateBucket([]byte("review_index"))
		if err != nil {
			return err
		}
		for i := range items {
			if err := ix.Put([]byte(reviewtest.OldIndexKey(&items[i])), nil); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("review_meta")).Delete([]byte("index_order"))
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err = boltstore.New(st.DB())
	if err != nil {
		t.Fatal(err)
	}
	reviewtest.CheckReordered(t, rs, 120)
}
