package pipeline

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

func TestSampled(t *testing.T) {
	const n = 200_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("telegram:chan/%d", i)
	}
	for _, c := range []struct {
		name     string
		rate     float64
		min, max int
	}{
		{"off", 0, 0, 0},
		{"negative", -1, 0, 0},
		{"default half a percent", DefaultSampleRate, 850, 1150},
		{"ten percent", 0.1, 19_400, 20_600},
		{"all", 1, n, n},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := 0
			for _, id := range ids {
				if Sampled(id, c.rate) {
					got++
				}
			}
			if got < c.min || got > c.max {
				t.Errorf("rate %v sampled %d of %d, want %d to %d", c.rate, got, n, c.min, c.max)
			}
		})
	}
	t.Run("same choice every time, nested rates", func(t *testing.T) {
		for _, id := range ids[:20_000] {
			a := Sampled(id, 0.05)
			if a != Sampled(id, 0.05) {
				t.Fatalf("%s sampled once and not again", id)
			}
			if a && !Sampled(id, 0.2) {
				t.Fatalf("%s sampled at 5%% and not at 20%%", id)
			}
		}
	})
	if Sampled("", 1) {
		t.Error("an empty id was sampled")
	}
}

// recordingAudit keeps the events appended to it.
type recordingAudit struct {
	mu  sync.Mutex
	evs []audit.Event
}

func (a *recordingAudit) AppendBatch(evs []audit.Event) ([]audit.Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.evs = append(a.evs, evs...)
	return nil, nil
}

// TestSampledPostsEnterReview: the posts no rule routed that the sample
// chooses are stored as samples, enter the review queue as sample items in
// the records' transaction, are audited, and counted in the tally.
func TestSampledPostsEnterReview(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, rs := openQueued(t, dir)
	al := &recordingAudit{}
	const rate = 0.2
	p, err := New(Config{Store: st, Index: openIndex(t), Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: 64, Audit: al, SampleRate: rate,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: 300, size: 100}, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	routed := 0
	err = st.ForEach(ctx, func(r *store.Record) error {
		if r.Queued {
			routed++
		}
		if r.Sample != (!r.Queued && Sampled(r.Post.ID, rate)) {
			t.Errorf("%s: queued %v, sample %v", r.Post.ID, r.Queued, r.Sample)
		}
		if r.Sample {
			want[r.Post.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || routed == 0 {
		t.Fatalf("%d sampled, %d routed: the test proves nothing", len(want), routed)
	}
	page, err := rs.List(ctx, review.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for i, it := range page.Items {
		if it.Sample != want[it.ID] {
			t.Errorf("item %s sample %v", it.ID, it.Sample)
		}
		if it.Sample {
			got++
		} else if i > 0 && page.Items[i-1].Sample {
			t.Errorf("flagged item %s after a sample", it.ID)
		}
	}
	if got != len(want) || len(page.Items) != routed+len(want) {
		t.Errorf("queue holds %d items, %d samples; want %d routed and %d samples", len(page.Items), got, routed, len(want))
	}
	audited := map[string]bool{}
	for _, ev := range al.evs {
		if d, ok := ev.Details.(map[string]any); ok && ev.Type == audit.TypeRouting && d["sample"] == true {
			audited[ev.Subject] = true
		}
	}
	if len(audited) != len(want) {
		t.Errorf("%d samples audited, want %d", len(audited), len(want))
	}
	tl, err := st.Tally(ctx, time.Now().Add(-time.Hour), time.Now())
	if err != nil || tl.Processed != 300 || tl.Routed != int64(routed) || tl.Sampled != int64(len(want)) {
		t.Errorf("tally %+v, %v; want 300 processed, %d routed, %d sampled", tl, err, routed, len(want))
	}
}
