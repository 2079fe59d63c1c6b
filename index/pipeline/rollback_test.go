package pipeline

import (
	"context"
	"errors"
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

// replyLostStore commits its first Complete and reports an error all the
// same, as a Redis killed between applying a transaction and replying does.
type replyLostStore struct {
	store.Backend
	lost bool
}

func (r *replyLostStore) Complete(ctx context.Context, recs []store.Record, sightings []store.Sighting, ds []store.Delivery) error {
	if err := r.Backend.Complete(ctx, recs, sightings, ds); err != nil {
		return err
	}
	if !r.lost {
		r.lost = true
		return errors.New("EOF: the reply was lost")
	}
	return nil
}

// A batch stored but not indexed (its reply lost, the worker retrying it)
// is indexed when it is processed again: the post is found stored, and its
// document put again under the same id.
func TestABatchWhoseReplyWasLostIsIndexed(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix := openIndex(t)
	p, err := New(Config{Store: &replyLostStore{Backend: st}, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{}})
	if err != nil {
		t.Fatal(err)
	}
	posts := []ingest.Post{{ID: "x:one", Platform: "x", Source: "s", NativeID: "one", Text: "منشور واحد يضيع رده"}}
	if _, err := st.Ingest(ctx, "s", "1", posts); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Claim(ctx, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claimed %d (%v), want 1", len(ds), err)
	}
	if err := p.Process(ctx, ds); err == nil {
		t.Fatal("the lost reply was not reported")
	}
	if _, err := st.Get(ctx, "x:one"); err != nil {
		t.Fatalf("the batch was not committed: %v", err)
	}
	if err := p.Process(ctx, ds); err != nil {
		t.Fatalf("processing the batch again: %v", err)
	}
	if n, _ := ix.Count(); n != 1 {
		t.Fatalf("indexed %d, want 1: a post stored by a batch whose reply was lost is never indexed", n)
	}
}
