package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
)

// countingScorer counts every text it scores, across workers.
type countingScorer struct {
	keywordScorer
	texts *atomic.Int64
}

func (c *countingScorer) Score(ctx context.Context, texts []string) ([]Scored, error) {
	c.texts.Add(int64(len(texts)))
	return c.keywordScorer.Score(ctx, texts)
}

func TestRedisIngestTwoWorkersAndAnAPINode(t *testing.T) {
	url := "redis://" + redistest.Start(t) + "/0"
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	open := func(consumer string) *redisstore.Store {
		s, err := redisstore.Open(ctx, url, redisstore.Options{Consumer: consumer})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	const n = 3000
	var scoredTexts atomic.Int64

	// Two workers on "two machines" share the scoring.
	workCtx, stopWorkers := context.WithCancel(ctx)
	var wg sync.WaitGroup
	perWorker := make([]*atomic.Int64, 2)
	for i := range 2 {
		perWorker[i] = &atomic.Int64{}
		w, err := New(Config{Role: RoleWorker, Store: open(fmt.Sprint("w", i)), Scorer: &countingScorer{texts: perWorker[i]}, Router: flagRouter{}, Batch: 50})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(workCtx); err != nil {
				t.Error(err)
			}
		}()
	}
	// One ingest process fetches the source once.
	in, err := New(Config{Role: RoleIngest, Store: open("in"), Sources: []Source{{Name: "s", Connector: &sliceConnector{n: n, size: 500}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := open("check")
	for {
		records, queued, work, err := st.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if records == n && work == 0 {
			if queued != n/10 {
				t.Fatalf("queued %d, want %d", queued, n/10)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("timed out with %d records, %d queued, %d work", records, queued, work)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopWorkers()
	wg.Wait()
	a, b := perWorker[0].Load(), perWorker[1].Load()
	scoredTexts.Add(a + b)
	if scoredTexts.Load() != n {
		t.Errorf("scored %d texts for %d posts (a post scored twice or lost)", scoredTexts.Load(), n)
	}
	if a == 0 || b == 0 {
		t.Errorf("work not shared: worker a %d, worker b %d", a, b)
	}

	// An API node builds its own index from the shared store.
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	api, err := New(Config{Role: RoleAPI, Store: open("api"), Index: ix, SyncEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	apiCtx, stopAPI := context.WithTimeout(ctx, 10*time.Second)
	defer stopAPI()
	go api.Run(apiCtx)
	for {
		if c, _ := ix.Count(); c == n {
			break
		}
		if apiCtx.Err() != nil {
			c, _ := ix.Count()
			t.Fatalf("api node indexed %d of %d", c, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, err := ix.Search(ctx, index.Query{Labels: []string{"hate"}})
	if err != nil || r.Total != n/10 {
		t.Fatalf("flagged in the api node's search: %v %v", r, err)
	}
}
