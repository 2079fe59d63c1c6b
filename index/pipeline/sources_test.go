package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

// prefixConnector serves n posts with ids under its own prefix, then nothing;
// fetches counts its calls.
type prefixConnector struct {
	prefix  string
	n       int
	fetches atomic.Int64
}

func (c *prefixConnector) Fetch(_ context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	c.fetches.Add(1)
	from, _ := strconv.Atoi(string(cur))
	var ps []ingest.Post
	for i := from; i < c.n; i++ {
		ps = append(ps, ingest.Post{ID: ingest.MakeID("file", c.prefix+strconv.Itoa(i)), Platform: "file", Source: c.prefix,
			Text: fmt.Sprintf("منشور %s %s", c.prefix, word(i)), Created: time.Now().Add(-time.Minute), Fetched: time.Now()})
	}
	return ps, ingest.Cursor(strconv.Itoa(c.n)), nil
}

// waitFor polls cond until it holds or the test's time runs out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSourcesStartAndStopWhileRunning(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	a := &prefixConnector{prefix: "a", n: 3}
	p, err := New(Config{Store: st, Scorer: &keywordScorer{}, Router: flagRouter{}, Role: RoleWorker, PollEvery: 10 * time.Millisecond,
		Sources: []Source{{Name: "a", Connector: a, Interval: time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	// A worker-only process fetches nothing.
	if err := p.StartSource(context.Background(), Source{Name: "b", Connector: a, Interval: time.Hour}); !errors.Is(err, ErrNotFetching) {
		t.Fatalf("worker role: %v, want ErrNotFetching", err)
	}
	p, err = New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{}, PollEvery: 10 * time.Millisecond, Workers: 1,
		Sources: []Source{{Name: "a", Connector: a, Interval: time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stored := func(id string) func() bool {
		return func() bool { _, err := st.Get(ctx, id); return err == nil }
	}
	waitFor(t, "source a's posts", stored("file:a2"))

	b := &prefixConnector{prefix: "b", n: 5}
	if err := p.StartSource(ctx, Source{Name: "b", Connector: b, Interval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "source b's posts, started at run time", stored("file:b4"))
	health := func(name string) ingest.SourceHealth {
		for _, h := range p.Health() {
			if h.Name == name {
				return h
			}
		}
		t.Fatalf("no health for %s in %+v", name, p.Health())
		return ingest.SourceHealth{}
	}
	waitFor(t, "b's health", func() bool { return health("b").PostsLastHour == 5 })
	if h := health("b"); !h.Running || h.LastSuccess.IsZero() || h.LastError != "" || h.Lag < time.Minute {
		t.Fatalf("b's health: %+v", h)
	}

	// Restarting b with another connector (an edit) stops the first.
	b2 := &prefixConnector{prefix: "b", n: 7}
	if err := p.StartSource(ctx, Source{Name: "b", Connector: b2, Interval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b's edited connector", stored("file:b6"))
	before := b.fetches.Load()
	if err := p.StopSource(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if h := health("b"); h.Running {
		t.Fatalf("b still running after StopSource: %+v", h)
	}
	if b.fetches.Load() != before {
		t.Fatal("the first connector of b was fetched after it was replaced")
	}
	if err := p.StopSource(ctx, "b"); !errors.Is(err, ErrNoSource) {
		t.Fatalf("stopping a stopped source: %v, want ErrNoSource", err)
	}
	if !health("a").Running {
		t.Fatal("stopping b stopped a")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := p.StartSource(context.Background(), Source{Name: "c", Connector: a, Interval: time.Hour}); !errors.Is(err, ErrNotFetching) {
		t.Fatalf("after Run: %v, want ErrNotFetching", err)
	}
	for _, h := range p.Health() {
		if h.Running {
			t.Fatalf("%s still running after Run returned", h.Name)
		}
	}
}
