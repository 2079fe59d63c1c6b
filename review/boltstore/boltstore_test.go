package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
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
