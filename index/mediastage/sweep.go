package mediastage

import (
	"context"
	"fmt"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/store"
)

// Sweeper removes stored media that no record names: media are kept as
// long as the posts that carry them (retention).
type Sweeper struct {
	Store blob.Store
	// Grace keeps media stored more recently than this, whose post the
	// media stage may not have recorded yet (default one hour).
	Grace time.Duration
	// Now returns the time (time.Now when nil).
	Now func() time.Time
}

// SweepMedia implements pipeline.MediaSweeper: it reads which media the
// records name and removes the others.
func (s Sweeper) SweepMedia(ctx context.Context, records store.Records) (int, error) {
	named := map[string]bool{}
	err := records.ForEach(ctx, func(r *store.Record) error {
		for _, m := range r.Media {
			if m.SHA256 != "" {
				named[m.SHA256] = true
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reading which media records name: %w", err)
	}
	grace, now := s.Grace, time.Now
	if grace <= 0 {
		grace = time.Hour
	}
	if s.Now != nil {
		now = s.Now
	}
	cutoff := now().Add(-grace)
	return s.Store.Sweep(ctx, func(i blob.Info) bool { return named[i.SHA256] || i.Modified.After(cutoff) })
}
