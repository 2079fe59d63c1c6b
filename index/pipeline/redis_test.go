package pipeline

import (
	"context"
	"fmt"
	"math/bits"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/dedup"
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

// redisOpener starts a redis-server for the test and returns a function that
// opens a store on it as the named consumer (one per simulated process).
func redisOpener(ctx context.Context, t *testing.T) func(consumer string) *redisstore.Store {
	url := "redis://" + redistest.Start(t) + "/0"
	return func(consumer string) *redisstore.Store {
		s, err := redisstore.Open(ctx, url, redisstore.Options{Consumer: consumer})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestRedisIngestTwoWorkersAndAnAPINode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	open := redisOpener(ctx, t)
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

func TestCopiesReachingTwoWorkersAreOneCanonicalPost(t *testing.T) {
	ctx := context.Background()
	open := redisOpener(ctx, t)
	text := "انزلوا كلكم يوم الجمعة لساحة التحرير حتى نسترد وطننا من الفاسدين"
	posts := []ingest.Post{{ID: "x:1", Platform: "x", Source: "s", Text: text}, {ID: "telegram:2", Platform: "telegram", Source: "s", Text: text}}
	in := open("ingest")
	if _, err := in.Ingest(ctx, "s", "2", posts); err != nil {
		t.Fatal(err)
	}
	// Each worker claims one copy and processes it with its own duplicate index.
	for _, name := range []string{"w1", "w2"} {
		st := open(name)
		w, err := New(Config{Role: RoleWorker, Store: st, Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := st.Claim(ctx, 1)
		if err != nil || len(ds) != 1 {
			t.Fatalf("%s claimed %d (%v)", name, len(ds), err)
		}
		if err := w.Process(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	records, _, work, err := in.Counts(ctx)
	if err != nil || records != 1 || work != 0 {
		t.Fatalf("records %d, work %d (%v); want one canonical post and nothing left", records, work, err)
	}
	r, err := in.Get(ctx, "x:1")
	if err != nil || r.Sightings != 1 {
		t.Fatalf("canonical x:1: %+v, %v; want it recorded with one sighting", r.Sightings, err)
	}
	// Once the canonical post is purged, its text is new again.
	th, _ := dedup.Fingerprint(text, 6)
	if got, err := in.ClaimTexts(ctx, []uint64{th}, []string{"y:9"}); err != nil || got[0] != "x:1" {
		t.Fatalf("claiming the text again before the purge: %v, %v; want x:1", got, err)
	}
	later := time.Now().Add(time.Hour)
	ids, err := in.Purge(ctx, store.Retention{Unflagged: later, ClosedBefore: later, Closed: map[string]time.Time{"x:1": time.Now()}})
	if err != nil || len(ids) != 1 || ids[0] != "x:1" {
		t.Fatalf("purge removed %v (%v), want x:1", ids, err)
	}
	if got, err := in.ClaimTexts(ctx, []uint64{th}, []string{"y:9"}); err != nil || got[0] != "y:9" {
		t.Fatalf("claiming the text after its canonical post was purged: %v, %v; want y:9", got, err)
	}
}

func TestNearDuplicatesAcrossWorkersAreSightings(t *testing.T) {
	ctx := context.Background()
	open := redisOpener(ctx, t)
	text := "انزلوا كلكم يوم الجمعة لساحة التحرير حتى نسترد وطننا من الفاسدين والحرامية"
	variant := text + " #ثورة_تشرين"
	th1, sh1 := dedup.Fingerprint(text, 6)
	th2, sh2 := dedup.Fingerprint(variant, 6)
	if th1 == th2 || sh1 == 0 || bits.OnesCount64(sh1^sh2) > 5 {
		t.Fatalf("test texts must differ but be near duplicates: same text %v, SimHash distance %d", th1 == th2, bits.OnesCount64(sh1^sh2))
	}
	in := open("ingest")
	if _, err := in.Ingest(ctx, "s", "1", []ingest.Post{{ID: "x:1", Platform: "x", Source: "s", Text: text}}); err != nil {
		t.Fatal(err)
	}
	// Both workers start before anything is recorded; w1 records the first
	// post, then w2 gets the variant.
	var workers []*Pipeline
	var stores []*redisstore.Store
	for _, name := range []string{"w1", "w2"} {
		st := open(name)
		w, err := New(Config{Role: RoleWorker, Store: st, Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		workers, stores = append(workers, w), append(stores, st)
	}
	for i, post := range []ingest.Post{{}, {ID: "telegram:2", Platform: "telegram", Source: "s", Text: variant}} {
		if post.ID != "" {
			if _, err := in.Ingest(ctx, "s", "2", []ingest.Post{post}); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := stores[i].Claim(ctx, 1)
		if err != nil || len(ds) != 1 {
			t.Fatalf("worker %d claimed %d (%v)", i+1, len(ds), err)
		}
		if err := workers[i].Process(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	records, _, work, err := in.Counts(ctx)
	if err != nil || records != 1 || work != 0 {
		t.Fatalf("records %d, work %d (%v); want the variant recorded as a sighting of x:1", records, work, err)
	}
	sights, err := in.Sightings(ctx, "x:1")
	if err != nil || len(sights) != 1 || sights[0].PostID != "telegram:2" || sights[0].Kind != "near_duplicate" {
		t.Fatalf("sightings of x:1: %+v (%v); want telegram:2 as a near duplicate", sights, err)
	}

	// Retention, run by another process, purges x:1. The workers forget it:
	// a later variant is a new post, not a sighting of a post that is gone.
	apiIndex, err := index.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer apiIndex.Close()
	api, err := New(Config{Role: RoleAPI, Store: open("api"), Index: apiIndex, Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := api.Purge(ctx, time.Now().Add(48*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purged %d (%v), want x:1", n, err)
	}
	later := ingest.Post{ID: "telegram:3", Platform: "telegram", Source: "s", Text: text + " #نازلين"}
	if _, err := in.Ingest(ctx, "s", "3", []ingest.Post{later}); err != nil {
		t.Fatal(err)
	}
	ds, err := stores[1].Claim(ctx, 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("worker 2 claimed %d (%v)", len(ds), err)
	}
	if err := workers[1].Process(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Get(ctx, later.ID); err != nil {
		t.Fatalf("variant after the purge: %v, want it recorded as a new post", err)
	}
}
