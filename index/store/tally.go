package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tally counts the posts the text stage recorded over some days: how many
// it processed, how many policy routed to review and how many the random
// sample of unrouted posts sent there. Retention removes unflagged records
// after a while; the tally stays, so that estimates of what the rules miss
// can be scaled to all the traffic of a period. A post redelivered after a
// failed acknowledgement may be counted twice (rare).
type Tally struct {
	Processed int64 `json:"processed"`
	Routed    int64 `json:"routed"`
	Sampled   int64 `json:"sampled"`
}

// Unrouted is the number of processed posts policy did not route to review.
func (t Tally) Unrouted() int64 { return max(0, t.Processed-t.Routed) }

// Add adds u to t.
func (t *Tally) Add(u Tally) {
	t.Processed += u.Processed
	t.Routed += u.Routed
	t.Sampled += u.Sampled
}

// Tallier is a store that keeps the tally per day (both stores do).
type Tallier interface {
	// Tally returns the counts of the days (UTC) from from's day to to's
	// day, both included.
	Tally(ctx context.Context, from, to time.Time) (Tally, error)
}

// Day is the tally's key of t: its UTC date.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Days lists the days (UTC dates) from from's to to's, both included, at
// most 3700 (about ten years, the oldest dropped).
func Days(from, to time.Time) []string {
	f := from.UTC().Truncate(24 * time.Hour)
	t := to.UTC().Truncate(24 * time.Hour)
	if t.Sub(f) > 3700*24*time.Hour {
		f = t.Add(-3699 * 24 * time.Hour)
	}
	var out []string
	for d := f; !d.After(t); d = d.Add(24 * time.Hour) {
		out = append(out, Day(d))
	}
	return out
}

// TallyOf counts recs by the day each was processed.
func TallyOf(recs []Record) map[string]Tally {
	out := map[string]Tally{}
	for i := range recs {
		r := &recs[i]
		day := Day(r.Processed)
		t := out[day]
		t.Processed++
		if r.Queued {
			t.Routed++
		} else if r.Sample {
			t.Sampled++
		}
		out[day] = t
	}
	return out
}

// tallyTx adds recs to the tally in tx.
func tallyTx(tx *bolt.Tx, recs []Record) error {
	b := tx.Bucket(bucketTally)
	for day, add := range TallyOf(recs) {
		var t Tally
		if v := b.Get([]byte(day)); v != nil {
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decoding the tally of %s: %w", day, err)
			}
		}
		t.Add(add)
		v, _ := json.Marshal(t)
		if err := b.Put([]byte(day), v); err != nil {
			return err
		}
	}
	return nil
}

// Tally implements Tallier.
func (s *Store) Tally(_ context.Context, from, to time.Time) (Tally, error) {
	var out Tally
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTally)
		for _, day := range Days(from, to) {
			v := b.Get([]byte(day))
			if v == nil {
				continue
			}
			var t Tally
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decoding the tally of %s: %w", day, err)
			}
			out.Add(t)
		}
		return nil
	})
	return out, err
}
