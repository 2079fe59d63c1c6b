package store

import (
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
	path := filepath.Join(t.TempDir(), "rasd.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Ingest("s", "10", posts(0, 10))
	if err != nil || n != 10 {
		t.Fatalf("ingest: %d, %v", n, err)
	}
	// The same posts again (a connector re-fetching) are not queued twice.
	if n, err := s.Ingest("s", "12", posts(8, 4)); err != nil || n != 2 {
		t.Fatalf("re-ingest: %d new, %v; want 2", n, err)
	}
	if c, _ := s.Cursor("s"); c != "12" {
		t.Fatalf("cursor %q", c)
	}
	ds, err := s.Pending(0, 5)
	if err != nil || len(ds) != 5 || ds[0].Post.ID != "file:0" {
		t.Fatalf("pending: %v %v", ds, err)
	}
	var recs []Record
	var seqs []uint64
	for _, d := range ds {
		recs = append(recs, Record{Post: d.Post, Scores: map[string]float64{"hate": 0.9}, Flags: []string{"hate"}, Queued: d.Seq%2 == 0, Processed: time.Now()})
		seqs = append(seqs, d.Seq)
	}
	// Completing twice (a redelivery) records each post once.
	for range 2 {
		if err := s.Complete(recs, seqs); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	records, queued, work, err := s.Counts()
	if err != nil || records != 5 || queued != 2 || work != 7 {
		t.Fatalf("counts after reopen: records %d queued %d work %d (%v)", records, queued, work, err)
	}
	rest, _ := s.Pending(0, 100)
	if len(rest) != 7 || rest[0].Post.ID != "file:5" || rest[6].Post.ID != "file:11" {
		t.Fatalf("remaining work: %d entries starting %v", len(rest), rest)
	}
	if err := s.AddSighting("file:1"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get("file:1"); err != nil || r.Sightings != 1 || MaxScore(&r) != 0.9 {
		t.Fatalf("get: %+v %v", r, err)
	}
	ids, err := s.Purge(time.Now().Add(time.Hour))
	if err != nil || len(ids) != 3 {
		t.Fatalf("purge removed %v (%v), want the 3 unqueued records", ids, err)
	}
}
