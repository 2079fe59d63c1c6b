package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/index/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		s, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestWorkSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rasd.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Ingest(ctx, "s", "10", storetest.Posts(0, 10))
	ds, _ := s.Claim(ctx, 4)
	// Claimed but never completed: a crash before Complete.
	s.Close()
	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again, err := s.Claim(ctx, 100)
	if err != nil || len(again) != 10 || again[0].Post.ID != ds[0].Post.ID {
		t.Fatalf("after reopen %d entries (%v), want all 10 from the first", len(again), err)
	}
	if c, _ := s.Cursor(ctx, "s"); c != "10" {
		t.Fatalf("cursor after reopen %q", c)
	}
	// Posts handed out from memory before the restart and decoded from the
	// work bucket after it are the same.
	for i := range ds {
		a, _ := json.Marshal(ds[i].Post)
		b, _ := json.Marshal(again[i].Post)
		if !bytes.Equal(a, b) {
			t.Errorf("entry %d before the restart %s, after %s", i, a, b)
		}
	}
}

// Posts arriving in id order fill the store's pages instead of leaving them
// half empty, so the file and each commit's writes stay small.
func TestPostsInIDOrderFillPages(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for from := 10000; from < 30000; from += 1000 {
		if _, err := s.Ingest(ctx, "s", "", storetest.Posts(from, 1000)); err != nil {
			t.Fatal(err)
		}
		ds, err := s.Claim(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		recs := make([]store.Record, len(ds))
		for i, d := range ds {
			recs[i] = store.Record{Post: d.Post, Scores: map[string]float64{"hate": 0.1}}
		}
		if err := s.Complete(ctx, recs, nil, ds); err != nil {
			t.Fatal(err)
		}
	}
	err = s.DB().View(func(tx *bolt.Tx) error {
		for _, name := range []string{"posts", "seen"} {
			st := tx.Bucket([]byte(name)).Stats()
			if fill := float64(st.LeafInuse) / float64(st.LeafAlloc); fill < 0.8 {
				t.Errorf("%s: leaf pages %.0f%% full, want at least 80%%", name, 100*fill)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenFailsCleanly: a data folder that is a file, or a store file that
// another process holds, is an error that names it, and closing what the
// failed open returned does not panic.
func TestOpenFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "data")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(file, "rasd.db"))
	if err == nil || !strings.Contains(err.Error(), "data") {
		t.Fatalf("opening under a file: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("closing a store that failed to open: %v", err)
	}
	var b store.Backend = st // as the engine holds it
	if err := b.Close(); err != nil {
		t.Fatalf("closing it through the interface: %v", err)
	}
}
