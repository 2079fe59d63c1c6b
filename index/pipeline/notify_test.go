package pipeline

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
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
