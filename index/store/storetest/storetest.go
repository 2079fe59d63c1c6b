// Package storetest checks that a store.Backend keeps the contract the
// pipeline and the review queue rely on. Each implementation's tests call Run.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

// Posts returns n posts with ids file:FROM … file:FROM+n-1.
func Posts(from, n int) []ingest.Post {
	ps := make([]ingest.Post, 0, n)
	for i := from; i < from+n; i++ {
		ps = append(ps, ingest.Post{ID: fmt.Sprintf("file:%d", i), Platform: "file", Source: "s", Text: fmt.Sprintf("نص %d", i)})
	}
	return ps
}

// Run checks the contract on a fresh, empty backend from open.
func Run(t *testing.T, open func(t *testing.T) store.Backend) {
	ctx := context.Background()
	t.Run("ingest skips posts seen before and sets the cursor", func(t *testing.T) {
		s := open(t)
		if n, err := s.Ingest(ctx, "s", "10", Posts(0, 10)); err != nil || n != 10 {
			t.Fatalf("ingest: %d, %v", n, err)
		}
		if n, err := s.Ingest(ctx, "s", "12", Posts(8, 4)); err != nil || n != 2 {
			t.Fatalf("re-ingest: %d new, %v; want 2", n, err)
		}
		if c, err := s.Cursor(ctx, "s"); err != nil || c != "12" {
			t.Fatalf("cursor %q, %v", c, err)
		}
		if c, err := s.Cursor(ctx, "other"); err != nil || c != "" {
			t.Fatalf("unknown source cursor %q, %v", c, err)
		}
		if d, _ := s.WorkDepth(ctx); d != 12 {
			t.Fatalf("work depth %d, want 12", d)
		}
		if _, err := s.Ingest(ctx, "s", "13", []ingest.Post{{Text: "no id"}}); err == nil {
			t.Fatal("a post without id was accepted")
		}
	})
	t.Run("the tally counts a batch's posts by day, not later recordings", func(t *testing.T) {
		s := open(t)
		tl, ok := s.(store.Tallier)
		if !ok {
			t.Skip("no tally")
		}
		s.Ingest(ctx, "s", "6", Posts(0, 6))
		ds, err := s.Claim(ctx, 6)
		if err != nil || len(ds) != 6 {
			t.Fatalf("claim: %d, %v", len(ds), err)
		}
		day := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC)
		var recs []store.Record
		for i, d := range ds {
			at := day
			if i == 5 {
				at = day.Add(time.Hour) // the next day
			}
			recs = append(recs, store.Record{Post: d.Post, Queued: i < 2, Sample: i == 2, Processed: at})
		}
		if err := s.Complete(ctx, recs, nil, ds); err != nil {
			t.Fatal(err)
		}
		// A later recording without work entries (the media stage, a
		// reroute) is not counted again.
		if err := s.Complete(ctx, recs[:1], nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			from, to time.Time
			want     store.Tally
		}{
			{day, day, store.Tally{Processed: 5, Routed: 2, Sampled: 1}},
			{day, day.Add(24 * time.Hour), store.Tally{Processed: 6, Routed: 2, Sampled: 1}},
			{day.Add(-48 * time.Hour), day.Add(-24 * time.Hour), store.Tally{}},
		} {
			got, err := tl.Tally(ctx, c.from, c.to)
			if err != nil || got != c.want {
				t.Errorf("tally %s to %s: %+v, %v; want %+v", store.Day(c.from), store.Day(c.to), got, err, c.want)
			}
		}
		if got, _ := tl.Tally(ctx, day, day.Add(24*time.Hour)); got.Unrouted() != 4 {
			t.Errorf("unrouted %d, want 4", got.Unrouted())
		}
	})
	t.Run("claim, release and complete deliver each post once", func(t *testing.T) {
		s := open(t)
		s.Ingest(ctx, "s", "20", Posts(0, 20))
		seen := map[string]int{}
		var first []store.Delivery
		for len(seen) < 20 {
			ds, err := s.Claim(ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) == 0 {
				t.Fatalf("claim returned nothing with %d of 20 seen", len(seen))
			}
			if first == nil {
				first = ds
				if err := s.Release(ctx, ds); err != nil {
					t.Fatal(err)
				}
				continue
			}
			var recs []store.Record
			for i, d := range ds {
				seen[d.Post.ID]++
				recs = append(recs, store.Record{Post: d.Post, Scores: map[string]float64{"hate": 0.9}, Flags: []string{"hate"}, Queued: i%2 == 0, Priority: 2, Processed: time.Now()})
			}
			if err := s.Complete(ctx, recs, nil, ds); err != nil {
				t.Fatal(err)
			}
			// A redelivered batch completed again changes nothing.
			if err := s.Complete(ctx, recs, nil, ds); err != nil {
				t.Fatal(err)
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s delivered %d times", id, n)
			}
		}
		records, queued, work, err := s.Counts(ctx)
		if err != nil || records != 20 || work != 0 || queued == 0 || queued >= 20 {
			t.Fatalf("counts: records %d queued %d work %d (%v)", records, queued, work, err)
		}
		q, err := s.Queue(ctx)
		if err != nil || len(q) != queued || q[0].Priority != 2 || q[0].MaxScore != 0.9 {
			t.Fatalf("queue: %+v %v", q, err)
		}
		var walked int
		if err := s.ForEach(ctx, func(*store.Record) error { walked++; return nil }); err != nil || walked != 20 {
			t.Fatalf("ForEach walked %d (%v)", walked, err)
		}
		stop := errors.New("stop")
		if err := s.ForEach(ctx, func(*store.Record) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("ForEach did not return fn's error: %v", err)
		}
	})
	t.Run("queue files a post under its deciding rule's label", func(t *testing.T) {
		s := open(t)
		s.Ingest(ctx, "s", "2", Posts(0, 2))
		ds, _ := s.Claim(ctx, 2)
		judged := func(flags []string, label string) store.Record {
			return store.Record{Flags: flags, Queued: true, Priority: 4, Processed: time.Now(),
				Judgement: &policy.Judgement{Decision: policy.Decision{Queue: true, RuleID: "r", Label: label, Priority: 4}}}
		}
		// Routed on the words of hate with the model's hate score below its
		// flag: filed under hate all the same; flagged already: once.
		recs := []store.Record{judged(nil, "hate"), judged([]string{"hate", "offensive"}, "hate")}
		for i := range recs {
			recs[i].Post = ds[i].Post
		}
		if err := s.Complete(ctx, recs, nil, ds); err != nil {
			t.Fatal(err)
		}
		q, err := s.Queue(ctx)
		if err != nil || len(q) != 2 {
			t.Fatalf("queue: %+v %v", q, err)
		}
		want := map[string][]string{ds[0].Post.ID: {"hate"}, ds[1].Post.ID: {"hate", "offensive"}}
		for _, e := range q {
			if !slices.Equal(e.Labels, want[e.ID]) {
				t.Errorf("%s filed under %v, want %v", e.ID, e.Labels, want[e.ID])
			}
		}
	})
	t.Run("get, sightings and purge", func(t *testing.T) {
		s := open(t)
		s.Ingest(ctx, "s", "4", Posts(0, 4))
		ds, _ := s.Claim(ctx, 4)
		old := time.Now().Add(-48 * time.Hour)
		recs := []store.Record{
			{Post: ds[0].Post, Processed: old},
			{Post: ds[1].Post, Processed: old, Queued: true, Flags: []string{"threat"}, Scores: map[string]float64{"threat": 0.7}},
			{Post: ds[2].Post, Processed: time.Now()},
			// Flagged but below the policy's bar: kept as evidence.
			{Post: ds[3].Post, Processed: old, Flags: []string{"hate"}, Scores: map[string]float64{"hate": 0.4}},
		}
		var sights []store.Sighting
		for i := range 3 {
			sights = append(sights, store.Sighting{Canonical: "file:1", PostID: fmt.Sprintf("telegram:%d", i), Source: "c", Platform: "telegram", Kind: "same_text", Time: old})
		}
		// Completed twice (a redelivery): sightings are counted once.
		for range 2 {
			if err := s.Complete(ctx, recs, sights, ds); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get unknown: %v", err)
		}
		if r, err := s.Get(ctx, "file:1"); err != nil || r.Sightings != 3 || r.Scores["threat"] != 0.7 {
			t.Fatalf("get: %+v %v", r, err)
		}
		got, err := s.Sightings(ctx, "file:1")
		if err != nil || len(got) != 3 || got[0].PostID != "telegram:0" || got[2].Platform != "telegram" {
			t.Fatalf("sightings: %+v %v", got, err)
		}
		var counted int
		s.ForEach(ctx, func(r *store.Record) error { counted += r.Sightings; return nil })
		if counted != 3 {
			t.Fatalf("ForEach counted %d sightings, want 3", counted)
		}
		ids, err := s.Purge(ctx, store.Retention{Unflagged: time.Now().Add(-24 * time.Hour)})
		if err != nil || len(ids) != 1 || ids[0] != "file:0" {
			t.Fatalf("purge removed %v (%v), want only the old unflagged, unqueued record", ids, err)
		}
		if records, _, _, _ := s.Counts(ctx); records != 3 {
			t.Fatalf("records after purge: %d", records)
		}
		// A case closed recently stays, and so does a flagged post younger
		// than the case retention.
		dayAgo := time.Now().Add(-24 * time.Hour)
		if ids, err := s.Purge(ctx, store.Retention{Unflagged: dayAgo, Closed: map[string]time.Time{"file:1": time.Now()}, ClosedBefore: old.Add(-time.Hour)}); err != nil || len(ids) != 0 {
			t.Fatalf("purge with a recently closed case removed %v (%v)", ids, err)
		}
		// A case closed long enough ago goes with its queue entry and
		// sightings; so does a post flagged below the bar (no case) as old.
		ids, err = s.Purge(ctx, store.Retention{Unflagged: dayAgo, Closed: map[string]time.Time{"file:1": old}, ClosedBefore: dayAgo})
		slices.Sort(ids)
		if err != nil || len(ids) != 2 || ids[0] != "file:1" || ids[1] != "file:3" {
			t.Fatalf("purge of closed cases removed %v (%v), want [file:1 file:3]", ids, err)
		}
		records, queued, _, err := s.Counts(ctx)
		if err != nil || records != 1 || queued != 0 {
			t.Fatalf("after purging closed cases: records %d queued %d (%v), want 1 and 0", records, queued, err)
		}
		if got, err := s.Sightings(ctx, "file:1"); err != nil || len(got) != 0 {
			t.Fatalf("sightings of a purged post: %d (%v), want none", len(got), err)
		}
	})
	t.Run("media work: pending until the record has results, claimed once, released, purged", func(t *testing.T) {
		s := open(t)
		mq, ok := s.(MediaQueue)
		if !ok {
			t.Fatalf("%T has no media work list", s)
		}
		s.Ingest(ctx, "s", "3", Posts(0, 3))
		ds, _ := s.Claim(ctx, 3)
		old := time.Now().Add(-48 * time.Hour)
		recs := make([]store.Record, 3)
		for i := range recs {
			recs[i] = store.Record{Post: ds[i].Post, Processed: old}
		}
		img := ingest.Media{URL: "https://example.org/a.jpg", Kind: ingest.MediaImage}
		recs[0].Post.Media = []ingest.Media{img}
		recs[1].Post.Media = []ingest.Media{img}
		if err := s.Complete(ctx, recs, nil, ds); err != nil {
			t.Fatal(err)
		}
		if n, err := mq.MediaDepth(ctx); err != nil || n != 2 {
			t.Fatalf("media depth %d (%v), want 2", n, err)
		}
		a, err := mq.ClaimMedia(ctx, 10)
		if err != nil || len(a) != 2 {
			t.Fatalf("first claim: %v %v", a, err)
		}
		if b, err := mq.ClaimMedia(ctx, 10); err != nil || len(b) != 0 {
			t.Fatalf("second claim took held posts: %v %v", b, err)
		}
		if err := mq.ReleaseMedia(ctx, a[1:]); err != nil {
			t.Fatal(err)
		}
		if b, err := mq.ClaimMedia(ctx, 10); err != nil || len(b) != 1 || b[0] != a[1] {
			t.Fatalf("claim after release: %v %v, want [%s]", b, err, a[1])
		}
		// Results recorded: no longer pending, and a second Complete of the
		// same record does not bring it back.
		done := recs[0]
		done.Media = []store.MediaResult{{URL: img.URL, SHA256: strings.Repeat("ab", 32), At: time.Now()}}
		for range 2 {
			if err := s.Complete(ctx, []store.Record{done}, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := mq.MediaDepth(ctx); n != 1 {
			t.Fatalf("media depth after results: %d, want 1", n)
		}
		if r, err := s.Get(ctx, done.Post.ID); err != nil || len(r.Media) != 1 || r.Media[0].SHA256 != done.Media[0].SHA256 {
			t.Fatalf("stored media results: %+v %v", r.Media, err)
		}
		if _, err := s.Purge(ctx, store.Retention{Unflagged: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if n, _ := mq.MediaDepth(ctx); n != 0 {
			t.Fatalf("media depth after purge: %d, want 0", n)
		}
	})
}

// MediaQueue is the media work list both stores keep beside the records.
type MediaQueue interface {
	ClaimMedia(ctx context.Context, max int) ([]string, error)
	ReleaseMedia(ctx context.Context, ids []string) error
	DropMedia(ctx context.Context, ids []string) error
	MediaDepth(ctx context.Context) (int, error)
}
