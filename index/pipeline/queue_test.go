package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	reviewredis "github.com/rasd-iq/rasd/review/redisstore"
)

// checkEnqueued checks that every record the pipeline routed to review is
// in the review store, with its priority and its score on the policy's
// scale, and nothing else is, without any sync between the two.
func checkEnqueued(t *testing.T, ctx context.Context, b store.Backend, rs review.Store) {
	t.Helper()
	want := map[string]store.Record{}
	err := b.ForEach(ctx, func(r *store.Record) error {
		if r.Queued {
			want[r.Post.ID] = *r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("nothing was routed to review; the test proves nothing")
	}
	p, err := rs.List(ctx, review.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if p.Open != len(want) || len(p.Items) != len(want) {
		t.Fatalf("review queue holds %d items (%d listed), want the %d routed records", p.Open, len(p.Items), len(want))
	}
	for _, it := range p.Items {
		r, ok := want[it.ID]
		if !ok {
			t.Fatalf("review item %s has no queued record", it.ID)
		}
		if it.Priority != r.Priority || it.Score != store.MaxScore(&r) || it.Status != review.StatusOpen {
			t.Errorf("item %+v does not match its record (priority %d, score %v)", it, r.Priority, store.MaxScore(&r))
		}
	}
	// A reviewer can take the first item at once.
	if _, err := rs.ClaimNext(ctx, review.Reviewer{Name: "ana"}, review.Filter{}, time.Now(), time.Minute); err != nil {
		t.Fatalf("claiming the first item: %v", err)
	}
}

// openQueued opens an embedded store in dir with the review queue beside
// it, as rasd run wires them; both close with the test.
func openQueued(t testing.TB, dir string) (*store.Store, *boltstore.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rs, err := boltstore.New(st.DB())
	if err != nil {
		t.Fatal(err)
	}
	st.EnqueueWith(rs)
	return st, rs
}

func TestPipelineEnqueuesForReviewInTheRecordsTransaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, rs := openQueued(t, dir)
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	p, err := New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 300, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checkEnqueued(t, ctx, st, rs)
}

func TestRedisPipelineEnqueuesForReviewInTheRecordsTransaction(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st := redisOpener(ctx, t)("w0")
	rs := reviewredis.New(st.Client(), st.Prefix())
	st.EnqueueWith(rs)
	p, err := New(Config{Role: RoleAll, Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 300, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checkEnqueued(t, ctx, st, rs)
}

func openIndex(t testing.TB) *index.Index {
	t.Helper()
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// flakyStore fails its first reads of the work queue's depth, as a Redis
// that restarts does.
type flakyStore struct {
	store.Backend
	fails atomic.Int64
}

func (f *flakyStore) WorkDepth(ctx context.Context) (int, error) {
	if f.fails.Add(-1) >= 0 {
		return 0, errors.New("connection refused")
	}
	return f.Backend.WorkDepth(ctx)
}

// TestSourcesOutliveAStoreOutage: a store that cannot be read for a while
// stops no source; every post arrives once it answers again.
func TestSourcesOutliveAStoreOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs := &flakyStore{Backend: st}
	fs.fails.Store(2)
	var sawFailing []string
	p, err := New(Config{Store: fs, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 200, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for sawFailing == nil {
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before the outage was reported", err)
		case <-time.After(20 * time.Millisecond):
			if f := p.Failing(); len(f) > 0 {
				sawFailing = f
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sawFailing[0], "source s failing") {
		t.Fatalf("during the outage Failing said %q", sawFailing)
	}
	if f := p.Failing(); len(f) != 0 {
		t.Fatalf("after the outage Failing still says %q", f)
	}
	if records, _, _, _ := st.Counts(ctx); records != 200 {
		t.Fatalf("after the outage %d of 200 posts were recorded", records)
	}
}

// wordSignaler reports a named_person signal on every post that holds word,
// with the word as evidence.
type wordSignaler struct{ word string }

func (w wordSignaler) Signals(p *ingest.Post, _ string) []policy.Signal {
	if i := strings.Index(p.Text, w.word); i >= 0 {
		return []policy.Signal{{Name: "named_person", Start: i, End: i + len(w.word)}}
	}
	return nil
}

// TestSignalsAreStoredAndCounted: the signals stage's findings reach the
// router, are stored with the judgement, and are counted in /metrics.
func TestSignalsAreStoredAndCounted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, _ := openQueued(t, dir)
	reg := prometheus.NewRegistry()
	p, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Signals: wordSignaler{"نقتل"}, Metrics: reg,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 100, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	withSignal := 0
	st.ForEach(ctx, func(r *store.Record) error {
		if r.Judgement != nil && len(r.Judgement.Signals) == 1 && r.Post.Text[r.Judgement.Signals[0].Start:r.Judgement.Signals[0].End] == "نقتل" {
			withSignal++
		}
		return nil
	})
	if withSignal != 10 {
		t.Fatalf("%d records carry the signal with its evidence, want the 10 that hold the word", withSignal)
	}
	if got := testutil.ToFloat64(p.m.signals.WithLabelValues("named_person")); got != 10 {
		t.Fatalf("rasd_signals_total{signal=named_person} = %v, want 10", got)
	}
}

// degradedConnector is a sliceConnector whose connector reports itself
// degraded (posts arrive, but incomplete).
type degradedConnector struct{ *sliceConnector }

func (degradedConnector) Health() error { return errors.New("bot lacks the message content intent") }

// TestDegradedSourceIsReportedAndKept: a source whose connector reports
// itself degraded has every post recorded and is named by Failing.
func TestDegradedSourceIsReportedAndKept(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64,
		Sources: []Source{{Name: "hollow", Connector: degradedConnector{&sliceConnector{n: 150, size: 100}}, Once: true},
			{Name: "fine", Connector: &sliceConnector{n: 0, size: 10}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if records, _, _, _ := st.Counts(ctx); records != 150 {
		t.Fatalf("%d of 150 posts recorded", records)
	}
	if f := p.Failing(); len(f) != 1 || f[0] != "source hollow degraded: bot lacks the message content intent" {
		t.Fatalf("Failing = %q", f)
	}
}

// skippingConnector is a sliceConnector that reports one malformed item
// with every batch, as connectors do for a bad message among good ones.
type skippingConnector struct{ *sliceConnector }

func (c skippingConnector) Fetch(ctx context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	posts, next, err := c.sliceConnector.Fetch(ctx, cur)
	if err != nil || len(posts) == 0 {
		return posts, next, err
	}
	return posts, next, &ingest.SkipError{Items: []ingest.Skip{{Where: "page " + string(cur), Err: errors.New("message without a date")}}}
}

// TestSkippedItemsKeepTheBatch: a fetch that skipped a malformed item hands
// over its posts and cursor like any other; the source is not failing.
func TestSkippedItemsKeepTheBatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64,
		Sources: []Source{{Name: "s", Connector: skippingConnector{&sliceConnector{n: 250, size: 100}}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if records, _, _, _ := st.Counts(ctx); records != 250 {
		t.Fatalf("%d of 250 posts recorded", records)
	}
	if f := p.Failing(); len(f) != 0 {
		t.Fatalf("Failing = %q", f)
	}
}
