package pipeline

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

// The fault tests run the whole pipeline (a source, workers, the indexer)
// while the store fails for faultOutage, and check that every post is
// counted exactly once, that ingestion resumes by itself, and that Failing
// (what /healthz reports as degraded) names the outage while it lasts and
// nothing after.

// faultPosts is the number of posts a fault test sends through the
// pipeline. It is smaller than the crash tests' 100,000 so that each fault
// test stays well under a minute on a two-core machine while the source
// still sends posts before, during and after the outage (with 100,000 posts
// the Redis test took 48 s there).
const faultPosts = 100000

// faultOutage is how long the store fails.
const faultOutage = 5 * time.Second

// copyEvery makes every copyEvery-th post an exact copy of the post before
// it: a sighting, not a record.
const copyEvery = 5

// pacedConnector serves n posts in pages of size, waiting pace before each
// page, so that posts keep arriving across an outage. Every copyEvery-th
// post repeats the text of the one before; every tenth distinct text is
// flagged.
type pacedConnector struct {
	n, size int
	pace    time.Duration
	served  atomic.Int64
}

func (c *pacedConnector) Fetch(ctx context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	select {
	case <-ctx.Done():
		return nil, cur, ctx.Err()
	case <-time.After(c.pace):
	}
	from := 0
	if cur != "" {
		from, _ = strconv.Atoi(string(cur))
	}
	var ps []ingest.Post
	for i := from; i < min(from+c.size, c.n); i++ {
		ps = append(ps, ingest.Post{ID: faultID(i), Platform: "file", Source: "s", Text: faultText(i), Fetched: time.Now()})
	}
	c.served.Store(int64(from + len(ps)))
	return ps, ingest.Cursor(strconv.Itoa(from + len(ps))), nil
}

func faultID(i int) string { return ingest.MakeID("file", strconv.Itoa(i)) }

func faultText(i int) string {
	if i%copyEvery == copyEvery-1 {
		i-- // a copy of the post before
	}
	if i%10 == 0 {
		return fmt.Sprintf("لازم نقتل %s", word(i))
	}
	return fmt.Sprintf("منشور %s البصرة", word(i))
}

// slowScorer is keywordScorer taking pause per batch, so that the workers
// lag the source and a backlog waits in the work queue when the store
// fails: workers and source both meet the outage.
type slowScorer struct {
	keywordScorer
	pause time.Duration
}

func (s *slowScorer) Score(ctx context.Context, texts []string) ([]Scored, error) {
	time.Sleep(s.pause)
	return s.keywordScorer.Score(ctx, texts)
}

// faultRun runs p until it returns, calling outage (which makes the store
// fail for faultOutage and lets it recover) once records reach a quarter
// of faultPosts. It returns what Failing said during the outage.
func faultRun(t *testing.T, p *Pipeline, st store.Backend, conn *pacedConnector, outage func(during func())) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- p.Run(ctx) }()
	for {
		records, _, _, err := st.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if records >= faultPosts/4 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) with %d records, before the outage", err, records)
		case <-time.After(20 * time.Millisecond):
		}
	}
	servedBefore := conn.served.Load()
	if _, _, work, err := st.Counts(ctx); err != nil || work == 0 {
		t.Fatalf("no backlog when the outage starts (%d, %v): the workers would not meet it", work, err)
	}
	seen := map[string]bool{}
	var said []string
	outageStart := time.Now()
	outage(func() {
		// Every distinct error of each part is kept: a worker's first may
		// be the reply cut off by the kill (EOF), the next the refused
		// connection.
		for _, f := range p.Failing() {
			who, rest := f[:strings.Index(f, " failing for")], ""
			if i := strings.Index(f, ": "); i >= 0 {
				rest = f[i+2:]
			}
			if !seen[who+"\x00"+rest] {
				seen[who+"\x00"+rest] = true
				said = append(said, f)
			}
		}
	})
	t.Logf("outage from %s to %s after the start; %d of %d posts served before it",
		outageStart.Sub(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond), servedBefore, faultPosts)
	if servedBefore >= faultPosts {
		t.Fatalf("the source had served every post before the outage: the test proves nothing")
	}
	if err := <-done; err != nil {
		t.Fatalf("run after the outage: %v", err)
	}
	t.Logf("run done %s after the start, %s after the outage", time.Since(start).Round(time.Millisecond), time.Since(outageStart).Round(time.Millisecond))
	if f := p.Failing(); len(f) != 0 {
		t.Errorf("after the outage Failing still says %q", f)
	}
	return said
}

// checkOnce checks that each of faultPosts posts is either a record or a
// sighting of its canonical post, exactly once.
func checkOnce(t *testing.T, st store.Backend) {
	t.Helper()
	ctx := context.Background()
	count := map[string]int{}
	var records, queued int
	err := st.ForEach(ctx, func(r *store.Record) error {
		records++
		count[r.Post.ID]++
		if r.Queued {
			queued++
		}
		ss, err := st.Sightings(ctx, r.Post.ID)
		if err != nil {
			return err
		}
		for _, s := range ss {
			count[s.PostID]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, work, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range faultPosts {
		if n := count[faultID(i)]; n != 1 {
			t.Fatalf("post %d counted %d times (records and sightings), want once", i, n)
		}
	}
	sightings := len(count) - records
	wantRecords := faultPosts - faultPosts/copyEvery
	if len(count) != faultPosts || records != wantRecords || sightings != faultPosts/copyEvery || work != 0 || queued != faultPosts/10 {
		t.Fatalf("records %d + sightings %d = %d (want %d + %d), queued %d (want %d), work left %d",
			records, sightings, len(count), wantRecords, faultPosts/copyEvery, queued, faultPosts/10, work)
	}
}

// wantNamed fails unless the outage's reports name the source and the
// workers.
func wantNamed(t *testing.T, said []string, cause string) {
	t.Helper()
	var source, workers bool
	for _, f := range said {
		source = source || strings.HasPrefix(f, "source s failing for") && strings.Contains(f, cause)
		workers = workers || strings.HasPrefix(f, "workers failing for") && strings.Contains(f, cause)
	}
	if !source || !workers {
		t.Fatalf("during the outage Failing said %q; want the source and the workers named, with %q", said, cause)
	}
}

// TestRedisKilledAndRestartedLosesNothing kills redis-server with SIGKILL
// while posts flow, keeps it down for faultOutage and starts it again on
// the same port and append-only file.
func TestRedisKilledAndRestartedLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test runs 20,000 posts through a store outage")
	}
	srv := redistest.StartServer(t)
	// A lease shorter than the default lets entries claimed in the instant
	// the server died (their claim applied, its reply lost) come back soon.
	st, err := redisstore.Open(context.Background(), "redis://"+srv.Addr+"/0", redisstore.Options{Consumer: "one", Lease: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := index.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	conn := &pacedConnector{n: faultPosts, size: 200, pace: 25 * time.Millisecond}
	p, err := New(Config{Store: st, Index: ix, Scorer: &slowScorer{pause: 100 * time.Millisecond}, Router: flagRouter{}, Batch: 256, Workers: 2, MaxPending: 4000,
		Sources: []Source{{Name: "s", Connector: conn, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	said := faultRun(t, p, st, conn, func(during func()) {
		srv.Kill()
		for end := time.Now().Add(faultOutage); time.Now().Before(end); {
			during()
			time.Sleep(50 * time.Millisecond)
		}
		srv.Restart(t)
	})
	wantNamed(t, said, "connect")
	checkOnce(t, st)
	if n, _ := ix.Count(); n != faultPosts-faultPosts/copyEvery {
		t.Errorf("indexed %d, want %d", n, faultPosts-faultPosts/copyEvery)
	}
}
