package checkpoint

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest/dedup"
)

func TestCommitters(t *testing.T) {
	dir := t.TempDir()
	impls := []struct {
		name   string
		open   func(t *testing.T) Committer
		reopen func(t *testing.T, c Committer) Committer
	}{
		{
			name: "bbolt",
			open: func(t *testing.T) Committer {
				db, err := Open(filepath.Join(dir, "sub", "crawl.db"))
				if err != nil {
					t.Fatal(err)
				}
				return db
			},
			reopen: func(t *testing.T, c Committer) Committer {
				if err := c.(*DB).Close(); err != nil {
					t.Fatal(err)
				}
				db, err := Open(filepath.Join(dir, "sub", "crawl.db"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			},
		},
		{
			name:   "memory",
			open:   func(*testing.T) Committer { return NewMemory() },
			reopen: func(_ *testing.T, c Committer) Committer { return c },
		},
	}
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			c := impl.open(t)
			if cur, err := c.Get("rss-news"); err != nil || cur != "" {
				t.Fatalf("fresh cursor %q, %v", cur, err)
			}
			// A copy listed before its canonical post is still replayed after it.
			batch := Batch{
				Source: "rss-news",
				Cursor: "120:7",
				Seen: []dedup.Entry{
					{ID: "rss:b", Canonical: "rss:a"},
					{ID: "rss:a", TextHash: 1, SimHash: 2},
					{}, // DuplicateID verdicts carry no entry
				},
				Marks: map[string]int64{"out:/tmp/posts.jsonl": 4096},
			}
			if err := c.Commit(batch); err != nil {
				t.Fatal(err)
			}
			if err := c.Put("tips", "9"); err != nil {
				t.Fatal(err)
			}
			c = impl.reopen(t, c)
			for src, want := range map[string]string{"rss-news": "120:7", "tips": "9"} {
				if got, err := c.Get(src); err != nil || string(got) != want {
					t.Fatalf("cursor of %s = %q, %v; want %q", src, got, err, want)
				}
			}
			if off, ok, err := c.Mark("out:/tmp/posts.jsonl"); err != nil || !ok || off != 4096 {
				t.Fatalf("mark = %d %v %v", off, ok, err)
			}
			if _, ok, _ := c.Mark("nothing"); ok {
				t.Fatal("unknown mark found")
			}
			var order []string
			if err := c.Seen(func(e dedup.Entry) error { order = append(order, e.ID+">"+e.Canonical); return nil }); err != nil {
				t.Fatal(err)
			}
			if strings.Join(order, ",") != "rss:a>,rss:b>rss:a" {
				t.Fatalf("seen order %q", order)
			}
			idx := dedup.NewIndex(dedup.Options{})
			n, err := Rebuild(c, idx)
			if err != nil || n != 2 {
				t.Fatalf("rebuild: %d, %v", n, err)
			}
			if canon, ok := idx.Contains("rss:b"); !ok || canon != "rss:a" {
				t.Fatalf("rebuilt index: rss:b -> %q %v", canon, ok)
			}
		})
	}
}

func TestMemoryFailure(t *testing.T) {
	m := NewMemory()
	m.Fail = errors.New("disk full")
	if err := m.Put("a", "1"); err == nil {
		t.Fatal("commit did not fail")
	}
	if cur, _ := m.Get("a"); cur != "" {
		t.Fatalf("failed commit moved the cursor to %q", cur)
	}
}

func TestOpenLocked(t *testing.T) {
	defer func(d time.Duration) { lockTimeout = d }(lockTimeout)
	lockTimeout = 100 * time.Millisecond
	p := filepath.Join(t.TempDir(), "crawl.db")
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
}
