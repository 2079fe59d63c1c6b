package pipeline

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

// forgetfulStore acknowledges its first Complete without keeping any of it,
// as a Redis that dies before its append-only file reaches the disk does:
// the batch's records, sightings and acknowledgements are gone, and the
// work entries come back.
type forgetfulStore struct {
	store.Backend
	forgot bool
}

func (f *forgetfulStore) Complete(ctx context.Context, recs []store.Record, sightings []store.Sighting, ds []store.Delivery) error {
	if !f.forgot {
		f.forgot = true
		return f.Backend.Release(ctx, ds)
	}
	return f.Backend.Complete(ctx, recs, sightings, ds)
}

func TestAStoreThatLosesABatchLosesNoPost(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs := &forgetfulStore{Backend: st}
	p, err := New(Config{Store: fs, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}})
	if err != nil {
		t.Fatal(err)
	}
	text := "نص واحد ينشر في حسابين"
	posts := []ingest.Post{
		{ID: "x:first", Platform: "x", Source: "s", NativeID: "first", Text: text},
		{ID: "x:copy", Platform: "x", Source: "s", NativeID: "copy", Text: text},
	}
	if _, err := st.Ingest(ctx, "s", "1", posts); err != nil {
		t.Fatal(err)
	}
	// The first batch is acknowledged and forgotten; the same posts are
	// handed out again, which the duplicate index has seen by id.
	for round := range 2 {
		ds, err := st.Claim(ctx, 10)
		if err != nil || len(ds) != 2 {
			t.Fatalf("round %d: claimed %d (%v), want 2", round, len(ds), err)
		}
		if err := p.Process(ctx, ds); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if _, err := st.Get(ctx, "x:first"); err != nil {
		t.Fatalf("the canonical post was not recorded again: %v", err)
	}
	ss, err := st.Sightings(ctx, "x:first")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ss, func(s store.Sighting) bool { return s.PostID == "x:copy" }) {
		t.Fatalf("the copy was lost: sightings %+v", ss)
	}
	if _, _, work, _ := st.Counts(ctx); work != 0 {
		t.Fatalf("work left: %d", work)
	}
}
