package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/telegram"
	"github.com/rasd-iq/rasd/ingest/telegram/telegramtest"
	"gopkg.in/yaml.v3"
)

// TestTelegramBackfillResumesInBothStores walks a channel's history with
// the telegram connector's backfill into the embedded store and into Redis,
// stops the engine in the middle, starts it again on the same store, and
// checks that it went on from the backfill position the store kept with the
// posts, and that every message was stored.
func TestTelegramBackfillResumesInBothStores(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a channel history twice")
	}
	dir := t.TempDir()
	redisURL := ""
	backends := []struct {
		name string
		open func(t *testing.T) store.Backend
	}{
		{"embedded", func(t *testing.T) store.Backend {
			st, err := store.Open(filepath.Join(dir, "rasd.db"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"redis", func(t *testing.T) store.Backend {
			if redisURL == "" {
				redisURL = "redis://" + redistest.Start(t) + "/0"
			}
			st, err := redisstore.Open(context.Background(), redisURL, redisstore.Options{Consumer: "c"})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			h := telegramtest.NewHistory("iraq_archive", 1200)
			defer h.Close()
			connector := func() ingest.Connector {
				var node yaml.Node
				if err := node.Encode(map[string]any{"channel": "iraq_archive", "base_url": h.URL, "backfill": true}); err != nil {
					t.Fatal(err)
				}
				c, err := telegram.New(ingest.Spec{Name: "archive", Type: telegram.Name, Settings: &node, AllowInternal: true,
					Limits: ingest.Limits{MaxPages: 1, RatePerSec: 1e6}, File: "sources.yaml"})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			ingestRun := func(st store.Backend, stopAt int) {
				runCtx, stop := context.WithCancel(ctx)
				defer stop()
				p, err := New(Config{Role: RoleIngest, Store: st, MaxPending: 10000, Sources: []Source{{Name: "archive", Connector: connector(), Once: true}}})
				if err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- p.Run(runCtx) }()
				for stopAt > 0 {
					_, _, work, err := st.Counts(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if work >= stopAt {
						stop()
						break
					}
					select {
					case err := <-done:
						t.Fatalf("the walk ended (%v) with %d posts, before the stop", err, work)
					case <-time.After(time.Millisecond):
					}
				}
				if err := <-done; err != nil && ctx.Err() == nil && stopAt == 0 {
					t.Fatal(err)
				}
			}

			st := b.open(t)
			ingestRun(st, 300)
			saved, err := st.Cursor(ctx, "archive")
			if err != nil || !strings.Contains(string(saved), ";backfill;") {
				t.Fatalf("cursor after the stop %q (%v): want a backfill position", saved, err)
			}
			st.Close()

			// New messages arrive while it is down; the engine starts again
			// on the same store and goes on from the kept position.
			h.Add(1210)
			// A request the stopped run had already sent can still reach
			// the server after the run returned (cancelling a client does
			// not recall it): forget requests until none has come for
			// 100 ms, so that only the restart's are counted.
			for quiet := 0; quiet < 5; {
				time.Sleep(20 * time.Millisecond)
				if len(h.Requests()) == 0 {
					quiet++
				} else {
					quiet = 0
				}
			}
			st = b.open(t)
			defer st.Close()
			ingestRun(st, 0)
			reqs := h.Requests()
			_, rest, _ := strings.Cut(string(saved), ";backfill;")
			before, _, _ := strings.Cut(rest, "-")
			if len(reqs) < 2 || reqs[0] != "" || reqs[1] != before {
				t.Errorf("after the restart it asked for %q first; want the newest page, then before=%s (the saved %q)", reqs[:min(len(reqs), 3)], before, saved)
			}
			w, err := New(Config{Role: RoleWorker, Drain: true, Store: st, Scorer: &keywordScorer{}, Router: flagRouter{}})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Run(ctx); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			if err := st.ForEach(ctx, func(r *store.Record) error {
				got[r.Post.ID] = true
				ss, err := st.Sightings(ctx, r.Post.ID)
				for _, s := range ss {
					got[s.PostID] = true
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			ids := h.IDs()
			for _, id := range ids {
				if !got[ingest.MakeID(telegram.Name, fmt.Sprintf("iraq_archive/%d", id))] {
					t.Fatalf("message %d not stored (%d of %d)", id, len(got), len(ids))
				}
			}
			if len(got) != len(ids) {
				t.Errorf("%d stored, want %d", len(got), len(ids))
			}
			if cur, _ := st.Cursor(ctx, "archive"); cur != "1210;backfill" {
				t.Errorf("final cursor %q, want 1210;backfill", cur)
			}
		})
	}
}
