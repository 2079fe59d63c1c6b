package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
)

func posts(from, n int) []ingest.Post {
	var ps []ingest.Post
	for i := from; i < from+n; i++ {
		ps = append(ps, ingest.Post{ID: fmt.Sprintf("file:%d", i), Platform: "file", Source: "s", Text: fmt.Sprintf("نص %d", i)})
	}
	return ps
}

func TestIngestProcessAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rasd.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Ingest(ctx, "s", "10", posts(0, 10))
	if err != nil || n != 10 {
		t.Fatalf("ingest: %d, %v", n, err)
	}
	// The same posts again (a connector re-fetching) are not queued twice.
	if n, err := s.Ingest(ctx, "s", "12", posts(8, 4)); err != nil || n != 2 {
		t.Fatalf("re-ingest: %d new, %v; want 2", n, err)
	}
	if c, _ := s.Cursor(ctx, "s"); c != "12" {
		t.Fatalf("cursor %q", c)
	}
	ds, err := s.Claim(ctx, 5)
	if err != nil || len(ds) != 5 || ds[0].Post.ID != "file:0" {
		t.Fatalf("claim: %v %v", ds, err)
	}
	// Claiming again hands out the next entries; releasing gives them back.
	more, _ := s.Claim(ctx, 2)
	if len(more) != 2 || more[0].Post.ID != "file:5" {
		t.Fatalf("second claim: %v", more)
	}
	if err := s.Release(ctx, more); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Claim(ctx, 1); len(again) != 1 || again[0].Post.ID != "file:5" {
		t.Fatalf("claim after release: %v", again)
	}
	var recs []Record
	for i, d := range ds {
		recs = append(recs, Record{Post: d.Post, Scores: map[string]float64{"hate": 0.9}, Flags: []string{"hate"}, Queued: i%2 == 1, Processed: time.Now()})
	}
	// Completing twice (a redelivery) records each post once.
	for range 2 {
		if err := s.Complete(ctx, recs, ds); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	records, queued, work, err := s.Counts(ctx)
	if err != nil || records != 5 || queued != 2 || work != 7 {
		t.Fatalf("counts after reopen: records %d queued %d work %d (%v)", records, queued, work, err)
	}
	rest, _ := s.Claim(ctx, 100)
	if len(rest) != 7 || rest[0].Post.ID != "file:5" || rest[6].Post.ID != "file:11" {
		t.Fatalf("remaining work: %d entries starting %v", len(rest), rest)
	}
	if err := s.AddSighting(ctx, "file:1"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "file:1"); err != nil || r.Sightings != 1 || MaxScore(&r) != 0.9 {
		t.Fatalf("get: %+v %v", r, err)
	}
	ids, err := s.Purge(ctx, time.Now().Add(time.Hour))
	if err != nil || len(ids) != 3 {
		t.Fatalf("purge removed %v (%v), want the 3 unqueued records", ids, err)
	}
}
