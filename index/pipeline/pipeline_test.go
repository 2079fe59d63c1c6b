package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

// keywordScorer flags "hate" for texts containing قتل and reports a batch count.
type keywordScorer struct{ batches atomic.Int64 }

func (k *keywordScorer) Score(_ context.Context, texts []string) ([]Scored, error) {
	k.batches.Add(1)
	out := make([]Scored, len(texts))
	for i, t := range texts {
		out[i].Scores = map[string]float64{"hate": 0.1}
		if at := strings.Index(t, "قتل"); at >= 0 {
			out[i].Scores["hate"] = 0.95
			out[i].Flags = []string{"hate"}
			out[i].Spans = []store.Span{{Start: at, End: at + len("قتل"), Label: "hate", Term: "قتل"}}
		}
	}
	return out, nil
}

func (k *keywordScorer) ID() string { return "keyword@1" }

type flagRouter struct{}

func (flagRouter) Judge(_ *ingest.Post, s *Scored) (policy.Judgement, error) {
	return policy.Judgement{Raw: s.Scores, Scores: s.Scores, Signals: s.Signals,
		Decision: policy.Decision{Queue: len(s.Flags) > 0, Priority: 3, Reasons: s.Flags}}, nil
}

// sliceConnector serves n posts in pages of size, the cursor being the next index.
type sliceConnector struct {
	n, size int
	fails   atomic.Int64
}

func (c *sliceConnector) Fetch(_ context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	if c.fails.Load() > 0 {
		c.fails.Add(-1)
		return nil, cur, fmt.Errorf("source unreachable")
	}
	from := 0
	if cur != "" {
		from, _ = strconv.Atoi(string(cur))
	}
	var ps []ingest.Post
	for i := from; i < min(from+c.size, c.n); i++ {
		// Distinct short texts (digits alone would not tell copies apart).
		text := fmt.Sprintf("منشور %s البصرة", word(i))
		if i%10 == 0 {
			text = fmt.Sprintf("لازم نقتل %s", word(i))
		}
		ps = append(ps, ingest.Post{ID: ingest.MakeID("file", strconv.Itoa(i)), Platform: "file", Source: "s", Text: text, Fetched: time.Now()})
	}
	return ps, ingest.Cursor(strconv.Itoa(from + len(ps))), nil
}

// word spells i in Arabic letters, a ل between digits so that no letter
// repeats (the normaliser collapses elongation): a distinct token per post.
func word(i int) string {
	letters := []rune("بتثجحخدذرزسشصضطظعغفق")
	var b []rune
	for {
		b = append(b, letters[i%len(letters)], 'ل')
		i /= len(letters)
		if i == 0 {
			return string(b)
		}
	}
}

func TestRunProcessesEveryPostOnce(t *testing.T) {
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
	sc := &keywordScorer{}
	conn := &sliceConnector{n: 1000, size: 100}
	p, err := New(Config{Store: st, Index: ix, Scorer: sc, Router: flagRouter{}, Batch: 64, MaxPending: 300,
		Sources: []Source{{Name: "s", Connector: conn, Once: true, Interval: time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	records, queued, work, _ := st.Counts(ctx)
	n, _ := ix.Count()
	if records != 1000 || queued != 100 || work != 0 || n != 1000 {
		t.Fatalf("records %d queued %d work %d indexed %d; want 1000/100/0/1000", records, queued, work, n)
	}
	r, err := ix.Search(ctx, index.Query{Labels: []string{"hate"}, Governorate: ""})
	if err != nil || r.Total != 100 {
		t.Fatalf("flagged in search: %v %v", r, err)
	}
	rec, err := st.Get(ctx, "file:5")
	if err != nil || rec.Governorate != "basra" || rec.Model != "keyword@1" {
		t.Fatalf("record: %+v %v", rec, err)
	}

	// A second run over the same source (cursor persisted) adds nothing.
	p2, _ := New(Config{Store: st, Index: ix, Scorer: sc, Router: flagRouter{},
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 1000, size: 100}, Once: true}}})
	if err := p2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if records2, _, _, _ := st.Counts(ctx); records2 != 1000 {
		t.Fatalf("second run: %d records", records2)
	}
}

func TestReconcileRepairsAnIndexThatLagsTheStore(t *testing.T) {
	dir := t.TempDir()
	st, _ := store.Open(filepath.Join(dir, "rasd.db"))
	defer st.Close()
	ix, _ := index.Open("")
	defer ix.Close()
	p, _ := New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{}})
	// Records reach the store but not the index (a crash in between).
	ctx := context.Background()
	if _, err := st.Ingest(ctx, "s", "3", []ingest.Post{{ID: "a:1", Text: "x"}, {ID: "a:2", Text: "y"}, {ID: "a:3", Text: "z"}}); err != nil {
		t.Fatal(err)
	}
	ds, _ := st.Claim(ctx, 10)
	var recs []store.Record
	for _, d := range ds {
		recs = append(recs, store.Record{Post: d.Post, Processed: time.Now()})
	}
	if err := st.Complete(ctx, recs, nil, ds); err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(index.Doc{ID: "a:1", Text: "x"}, index.Doc{ID: "gone:9", Text: "purged"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := ix.IDs()
	if len(got) != 3 {
		t.Fatalf("index after reconcile: %v", got)
	}
	for _, id := range []string{"a:1", "a:2", "a:3"} {
		if _, ok := got[id]; !ok {
			t.Errorf("%s missing from index", id)
		}
	}
}

func TestFailingSourceIsRetriedWithoutStoppingOthers(t *testing.T) {
	dir := t.TempDir()
	st, _ := store.Open(filepath.Join(dir, "rasd.db"))
	defer st.Close()
	ix, _ := index.Open("")
	defer ix.Close()
	bad := &sliceConnector{n: 5, size: 5}
	bad.fails.Store(1)
	p, _ := New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{}, Sources: []Source{
		{Name: "bad", Connector: bad, Once: true},
		{Name: "good", Connector: &sliceConnector{n: 50, size: 20}, Once: true},
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Both sources share ids (same connector type), so 50 distinct posts.
	if records, _, _, _ := st.Counts(ctx); records != 50 {
		t.Fatalf("records %d, want 50", records)
	}
	if c, _ := st.Cursor(ctx, "bad"); c != "5" {
		t.Fatalf("failing source did not recover: cursor %q", c)
	}
}

// servingConnector receives posts through its own endpoint (like tips).
type servingConnector struct {
	sliceConnector
	served chan struct{}
}

func (c *servingConnector) Serve(ctx context.Context) error {
	close(c.served)
	<-ctx.Done()
	return nil
}

func TestReceivingSourcesServeWhileRunning(t *testing.T) {
	st, _ := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	defer st.Close()
	ix, _ := index.Open("")
	defer ix.Close()
	conn := &servingConnector{sliceConnector: sliceConnector{n: 3, size: 3}, served: make(chan struct{})}
	p, _ := New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{},
		Sources: []Source{{Name: "tips", Connector: conn, Interval: time.Hour}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case <-conn.served:
	case <-time.After(10 * time.Second):
		t.Fatal("the source's endpoint was not served")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRetentionPurgesUnflaggedPostsFromStoreAndIndex(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	defer st.Close()
	ix, _ := index.Open("")
	defer ix.Close()
	p, _ := New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Router: flagRouter{}, Retention: 24 * time.Hour,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 50, size: 50}, Once: true}}})
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Purge(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("fresh posts purged: %d (%v)", n, err)
	}
	n, err := p.Purge(ctx, time.Now().Add(48*time.Hour))
	if err != nil || n != 45 {
		t.Fatalf("purged %d (%v), want the 45 unflagged posts", n, err)
	}
	records, queued, _, _ := st.Counts(ctx)
	indexed, _ := ix.Count()
	if records != 5 || queued != 5 || indexed != 5 {
		t.Fatalf("after purge: records %d queued %d indexed %d, want the 5 flagged", records, queued, indexed)
	}
	// A copy of a purged text arriving later is a new post, not a sighting
	// of a post that is gone.
	copyOf := ingest.Post{ID: "file:copy-of-1", Platform: "file", Source: "s", Text: fmt.Sprintf("منشور %s البصرة", word(1)), Fetched: time.Now()}
	if _, err := st.Ingest(ctx, "later", "1", []ingest.Post{copyOf}); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Claim(ctx, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claimed %d (%v), want the copy", len(ds), err)
	}
	if err := p.Process(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, copyOf.ID); err != nil {
		t.Fatalf("copy of a purged text: %v, want it recorded as a new post", err)
	}
	if n, err := p.Purge(ctx, time.Now().Add(48*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purged %d (%v), want the unflagged copy", n, err)
	}
	// Two cases closed over a year ago, one closed yesterday: the first two go.
	q, _ := st.Queue(ctx)
	closed := map[string]time.Time{q[0].ID: time.Now().Add(-400 * 24 * time.Hour), q[1].ID: time.Now().Add(-366 * 24 * time.Hour), q[2].ID: time.Now().Add(-24 * time.Hour)}
	p.cfg.ClosedCases = func(context.Context) (map[string]time.Time, error) { return closed, nil }
	if n, err := p.Purge(ctx, time.Now()); err != nil || n != 2 {
		t.Fatalf("purged %d (%v), want the 2 posts whose case closed over a year ago", n, err)
	}
	for _, id := range []string{q[0].ID, q[1].ID} {
		if _, err := st.Get(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v after its case's retention, want ErrNotFound", id, err)
		}
	}
	records, queued, _, _ = st.Counts(ctx)
	indexed, _ = ix.Count()
	if records != 3 || queued != 3 || indexed != 3 {
		t.Fatalf("after purging closed cases: records %d queued %d indexed %d, want 3", records, queued, indexed)
	}
}

func TestSplitDocsKeepsEveryDocInOrder(t *testing.T) {
	docs := make([]index.Doc, 5000)
	for i := range docs {
		docs[i].ID = fmt.Sprint(i)
	}
	for _, tc := range []struct{ n, docs, least, parts int }{
		{2, 5000, 1024, 2}, {2, 2047, 1024, 1}, {2, 2048, 1024, 2}, {3, 5000, 1024, 3},
		{4, 5000, 1024, 4}, {8, 5000, 1024, 4}, {2, 10, 1024, 1}, {2, 0, 1024, 0},
	} {
		parts := splitDocs(docs[:tc.docs], tc.n, tc.least)
		if len(parts) != tc.parts {
			t.Errorf("%d docs in %d parts of at least %d: %d parts, want %d", tc.docs, tc.n, tc.least, len(parts), tc.parts)
		}
		var next int
		for _, part := range parts {
			if len(parts) > 1 && len(part) < tc.least {
				t.Errorf("%d docs in %d parts: a part of %d", tc.docs, tc.n, len(part))
			}
			for _, d := range part {
				if d.ID != fmt.Sprint(next) {
					t.Fatalf("%d docs in %d parts: doc %s where %d was due", tc.docs, tc.n, d.ID, next)
				}
				next++
			}
		}
		if next != tc.docs {
			t.Errorf("%d docs in %d parts: %d kept", tc.docs, tc.n, next)
		}
	}
}
