package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/index/store/storetest"
)

func TestContract(t *testing.T) {
	addr := redistest.Start(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Backend {
		s, err := Open(context.Background(), "redis://"+addr+"/0", Options{Prefix: fmt.Sprintf("t%d:", n.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestIdleEntriesAreClaimedBackByAnotherWorker(t *testing.T) {
	ctx := context.Background()
	url := "redis://" + redistest.Start(t) + "/0"
	a, err := Open(ctx, url, Options{Consumer: "a", Lease: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, url, Options{Consumer: "b", Lease: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Ingest(ctx, "s", "5", storetest.Posts(0, 5))
	held, err := a.Claim(ctx, 5)
	if err != nil || len(held) != 5 {
		t.Fatalf("a claimed %d (%v)", len(held), err)
	}
	// Worker a dies holding them. Within the lease, b gets nothing.
	if ds, _ := b.Claim(ctx, 5); len(ds) != 0 {
		t.Fatalf("b claimed %d entries a still holds", len(ds))
	}
	time.Sleep(300 * time.Millisecond)
	ds, err := b.Claim(ctx, 5)
	if err != nil || len(ds) != 5 {
		t.Fatalf("after the lease b claimed %d (%v), want 5", len(ds), err)
	}
	recs := recordsOf(ds)
	if err := b.Complete(ctx, recs, nil, ds); err != nil {
		t.Fatal(err)
	}
	if records, _, work, _ := b.Counts(ctx); records != 5 || work != 0 {
		t.Fatalf("records %d work %d", records, work)
	}
}

// TestCompleteSharingRecordsAndSharesTogether checks that a batch's
// canonical posts are shared in the transaction that records it, and that a
// malformed call records nothing and shares nothing.
func TestCompleteSharingRecordsAndSharesTogether(t *testing.T) {
	ctx := context.Background()
	s, start := openAtCanonicalCursor(t)
	if _, err := s.Ingest(ctx, "s", "3", storetest.Posts(0, 3)); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Claim(ctx, 3)
	if err != nil || len(ds) != 3 {
		t.Fatalf("claimed %d (%v)", len(ds), err)
	}
	recs := recordsOf(ds)
	canon := []string{ds[0].Post.ID, ds[2].Post.ID}
	if err := s.CompleteSharing(ctx, recs, nil, ds, canon, [][]byte{{1}}); err == nil {
		t.Fatal("two canonical ids with one entry were accepted")
	}
	if records, _, _, _ := s.Counts(ctx); records != 0 {
		t.Fatalf("the rejected call recorded %d posts", records)
	}
	if ids, _, _, _ := s.SharedCanonicals(ctx, start, 10); len(ids) != 0 {
		t.Fatalf("the rejected call shared %v", ids)
	}
	if err := s.CompleteSharing(ctx, recs, nil, ds, canon, [][]byte{{1}, {2}}); err != nil {
		t.Fatal(err)
	}
	if records, _, work, _ := s.Counts(ctx); records != 3 || work != 0 {
		t.Fatalf("records %d work %d, want 3 and 0", records, work)
	}
	ids, entries, _, err := s.SharedCanonicals(ctx, start, 10)
	if err != nil || fmt.Sprint(ids, entries) != fmt.Sprint(canon, [][]byte{{1}, {2}}) {
		t.Fatalf("shared %v %v (%v), want %v", ids, entries, err, canon)
	}
}

// recordsOf returns a record, unscored, for each delivered post.
func recordsOf(ds []store.Delivery) []store.Record {
	recs := make([]store.Record, len(ds))
	for i, d := range ds {
		recs[i] = store.Record{Post: d.Post, Processed: time.Now()}
	}
	return recs
}

// openAtCanonicalCursor opens a store on a fresh redis-server, closed when
// the test ends, and returns the cursor of its newest shared canonical post.
func openAtCanonicalCursor(t *testing.T) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, "redis://"+redistest.Start(t)+"/0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	start, err := s.CanonicalCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s, start
}

func TestOpenRejectsBadURL(t *testing.T) {
	if _, err := Open(context.Background(), "http://nope", Options{}); err == nil {
		t.Fatal("bad url accepted")
	}
	if _, err := Open(context.Background(), "redis://127.0.0.1:1/0", Options{}); err == nil {
		t.Fatal("unreachable server accepted")
	}
}

func TestSharedCanonicalsComeInOrderFromTheCursor(t *testing.T) {
	ctx := context.Background()
	s, start := openAtCanonicalCursor(t)
	if err := s.ShareCanonicals(ctx, []string{"a", "b", "c"}, [][]byte{{1}, {2}, {3}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ShareCanonicals(ctx, []string{"a"}, nil); err == nil {
		t.Error("one id without its entry was accepted")
	}
	ids, entries, next, err := s.SharedCanonicals(ctx, start, 2)
	if err != nil || fmt.Sprint(ids, entries) != "[a b] [[1] [2]]" {
		t.Fatalf("first page: %v %v (%v), want a and b", ids, entries, err)
	}
	ids, _, next, err = s.SharedCanonicals(ctx, next, 2)
	if err != nil || fmt.Sprint(ids) != "[c]" {
		t.Fatalf("second page: %v (%v), want c", ids, err)
	}
	if ids, _, again, err := s.SharedCanonicals(ctx, next, 2); err != nil || len(ids) != 0 || again != next {
		t.Fatalf("past the end: %v, cursor %q → %q (%v)", ids, next, again, err)
	}
	if last, err := s.CanonicalCursor(ctx); err != nil || last != next {
		t.Errorf("newest cursor %q (%v), want %q", last, err, next)
	}
	if all, _, _, err := s.SharedCanonicals(ctx, "", 10); err != nil || len(all) != 3 {
		t.Errorf("from the oldest: %v (%v), want all three", all, err)
	}
}

func TestPersistenceAndAppendFsync(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		addr        string
		persistence string
		fsync       string
	}{
		{"append-only, synced on every write", redistest.Start(t), "aof", "always"},
		{"nothing on disk", redistest.StartVolatile(t), "none", "always"},
	} {
		s, err := Open(ctx, "redis://"+tc.addr+"/0", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if p, err := s.Persistence(ctx); err != nil || p != tc.persistence {
			t.Errorf("%s: Persistence = %q, %v; want %q", tc.name, p, err, tc.persistence)
		}
		if f, err := s.AppendFsync(ctx); err != nil || f != tc.fsync {
			t.Errorf("%s: AppendFsync = %q, %v; want %q", tc.name, f, err, tc.fsync)
		}
	}
}
