package pipeline

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mediafetch"
	"github.com/rasd-iq/rasd/models/media/pdq"
	"github.com/rasd-iq/rasd/models/ocr/ocrtest"
	"github.com/rasd-iq/rasd/policy"
)

// recordingNotifier keeps the ids of the records it hears of, in order.
type recordingNotifier struct {
	mu  sync.Mutex
	ids []string
	// notQueued counts records handed over that were not routed to review.
	notQueued int
}

func (n *recordingNotifier) Routed(_ context.Context, recs []store.Record) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := range recs {
		if !recs[i].Queued {
			n.notQueued++
		}
		n.ids = append(n.ids, recs[i].Post.ID)
	}
}

func (n *recordingNotifier) heard() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.ids)
}

// TestNotifierHearsOfEachPostNewlyRoutedOnce runs posts through a real
// store twice: the notifier hears of exactly the posts stored as queued,
// each once, and of nothing when the same posts come again.
func TestNotifierHearsOfEachPostNewlyRoutedOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, _ := openQueued(t, dir)
	n := &recordingNotifier{}
	p, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64, Notify: n,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 300, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var want []string
	err = st.ForEach(ctx, func(r *store.Record) error {
		if r.Queued {
			want = append(want, r.Post.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 30 {
		t.Fatalf("%d posts routed to review, want 30 (every tenth)", len(want))
	}
	got := n.heard()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("notifier heard of %d posts %v, want the %d queued %v", len(got), got, len(want), want)
	}
	if n.notQueued != 0 {
		t.Fatalf("notifier heard of %d posts not routed to review", n.notQueued)
	}

	// The same posts again, from another source, in a restarted pipeline:
	// copies become sightings, nothing is newly routed.
	again := &recordingNotifier{}
	p2, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64, Notify: again,
		Sources: []Source{{Name: "s2", Connector: &sliceConnector{n: 300, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if h := again.heard(); len(h) != 0 {
		t.Fatalf("posts seen before were notified again: %v", h)
	}
}

// escalatingPost's words are queued by the text stage; its image matches
// a bank, which makes it urgent in the media stage.
type escalatingPost struct{ base string }

func (c escalatingPost) Fetch(_ context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	if cur != "" {
		return nil, cur, nil
	}
	p := ingest.Post{ID: ingest.MakeID("x", "esc"), Platform: "x", Source: "s", Text: "لازم نقتل الخونة", Fetched: time.Now()}
	p.AddMedia(ingest.Media{URL: c.base + "/banner.png", Kind: ingest.MediaImage})
	return []ingest.Post{p}, "done", nil
}

// TestNotifierHearsOfAPostItsMediaMakeUrgent: a post in review already
// is handed over again when its media make it urgent, so that rules for
// urgent posts hear of it.
func TestNotifierHearsOfAPostItsMediaMakeUrgent(t *testing.T) {
	banner := ocrtest.Render(t, "■ ● ▲ ◆ ■ ● ▲")
	h, _, err := pdq.FromReader(bytes.NewReader(banner))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(banner) }))
	defer srv.Close()
	st, _ := openQueued(t, t.TempDir())
	blobs, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := mediafetch.New(blobs, mediafetch.Config{AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	n := &recordingNotifier{}
	var urgent []bool
	p, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Notify: notifyFunc(func(recs []store.Record) {
		n.Routed(context.Background(), recs)
		for _, r := range recs {
			urgent = append(urgent, r.Urgent)
		}
	}),
		Media:   &mediastage.Stage{Fetch: f, Blobs: blobs, Banks: oneBank{name: "demo", hs: []pdq.Hash{h}}},
		Router:  PolicyRouter{Policy: policy.Default(), Model: "keyword@1", Thresholds: map[string]float64{"hate": 0.5}},
		Sources: []Source{{Name: "s", Connector: escalatingPost{base: srv.URL}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := n.heard(); !slices.Equal(got, []string{"x:esc", "x:esc"}) || !slices.Equal(urgent, []bool{false, true}) {
		t.Fatalf("notifier heard of %v (urgent %v), want x:esc queued, then x:esc urgent", got, urgent)
	}
}

// notifyFunc adapts a function to Notifier.
type notifyFunc func([]store.Record)

func (f notifyFunc) Routed(_ context.Context, recs []store.Record) { f(recs) }
