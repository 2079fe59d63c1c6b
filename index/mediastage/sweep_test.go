package mediastage_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

func TestSweepKeepsMediaRecordsNameAndRecentOnes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := now.Add(-48 * time.Hour)
	dir, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir = dir.WithClock(func() time.Time { return clock })
	put := func(s string) string {
		info, err := dir.Put(ctx, strings.NewReader(s), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return info.SHA256
	}
	named, orphan := put("image of a kept post"), put("image of a purged post")
	clock = now.Add(-10 * time.Minute)
	fresh := put("image whose post is not recorded yet")

	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Ingest(ctx, "s", "1", []ingest.Post{{ID: "x:1", Text: "t"}})
	ds, _ := st.Claim(ctx, 1)
	rec := store.Record{Post: ds[0].Post, Media: []store.MediaResult{{URL: "https://example.org/a.jpg", SHA256: named}}}
	rec.Post.Media = []ingest.Media{{URL: "https://example.org/a.jpg", Kind: ingest.MediaImage}}
	if err := st.Complete(ctx, []store.Record{rec}, nil, ds); err != nil {
		t.Fatal(err)
	}
	n, err := mediastage.Sweeper{Store: dir, Now: func() time.Time { return now }}.SweepMedia(ctx, st)
	if err != nil || n != 1 {
		t.Fatalf("swept %d (%v), want 1", n, err)
	}
	if _, err := dir.Stat(ctx, orphan); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("orphan media: %v, want removed", err)
	}
	for _, k := range []string{named, fresh} {
		if _, err := dir.Stat(ctx, k); err != nil {
			t.Fatalf("kept media %s: %v", k[:8], err)
		}
	}
}
