package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

// copiesConnector serves n posts in pages of size; post i carries the text
// of group (i*7919)%groups, every third copy with links added (a near
// duplicate: same SimHash, other text hash).
type copiesConnector struct{ n, size, groups int }

func (c *copiesConnector) group(i int) int { return i * 7919 % c.groups }

func (c *copiesConnector) Fetch(_ context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	from := 0
	if cur != "" {
		from, _ = strconv.Atoi(string(cur))
	}
	var ps []ingest.Post
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := from; i < min(from+c.size, c.n); i++ {
		g := c.group(i)
		var text string
		for k := range 8 {
			text += word(g*8+k) + " "
		}
		if i%3 == 0 {
			// Many links: such posts take long to fingerprint, so that a
			// batch claimed later may be ready first.
			for k := range 400 * (i / 100 % 2) {
				text += fmt.Sprintf("https://t.co/x%dk%d ", i, k)
			}
			text += fmt.Sprintf("https://t.co/x%d", i)
		}
		ps = append(ps, ingest.Post{ID: ingest.MakeID("file", strconv.Itoa(i)), Platform: "file", Source: "s", Text: text,
			Created: base.Add(time.Duration(i) * time.Second), Fetched: time.Now()})
	}
	return ps, ingest.Cursor(strconv.Itoa(from + len(ps))), nil
}

// TestCanonicalPostsDoNotDependOnBatchesOrWorkers runs the same posts with
// different batch sizes and numbers of workers: each text's canonical post
// is the same every time, the first of its copies the source handed over.
func TestCanonicalPostsDoNotDependOnBatchesOrWorkers(t *testing.T) {
	const n, groups = 3000, 150
	conn := &copiesConnector{n: n, size: 250, groups: groups}
	want := map[string]string{} // post id -> canonical id
	firstOf := map[int]string{}
	for i := range n {
		id := ingest.MakeID("file", strconv.Itoa(i))
		if _, ok := firstOf[conn.group(i)]; !ok {
			firstOf[conn.group(i)] = id
		}
		want[id] = firstOf[conn.group(i)]
	}
	for _, run := range []struct{ batch, workers int }{{1000, 1}, {7, 3}, {64, 4}, {250, 2}} {
		t.Run(fmt.Sprintf("batch %d workers %d", run.batch, run.workers), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// The source fills the work queue, then the workers drain it
			// (no index: its cost is beside the point here).
			in, err := New(Config{Role: RoleIngest, Store: st, MaxPending: 2 * n, Sources: []Source{{Name: "s", Connector: conn, Once: true}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := in.Run(ctx); err != nil {
				t.Fatal(err)
			}
			w, err := New(Config{Role: RoleWorker, Drain: true, Store: st, Scorer: &keywordScorer{}, Router: flagRouter{}, Batch: run.batch, Workers: run.workers})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Run(ctx); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			err = st.ForEach(ctx, func(r *store.Record) error {
				got[r.Post.ID] = r.Post.ID
				ss, err := st.Sightings(ctx, r.Post.ID)
				for _, s := range ss {
					got[s.PostID] = r.Post.ID
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d posts recorded or sighted, want %d", len(got), n)
			}
			var wrong int
			for id, c := range want {
				if got[id] != c {
					if wrong < 3 {
						t.Errorf("%s: canonical %s, want %s (the first queued copy of its text)", id, got[id], c)
					}
					wrong++
				}
			}
			if wrong > 0 {
				t.Fatalf("%d of %d posts have another canonical post", wrong, n)
			}
		})
	}
}
