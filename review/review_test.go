package review_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
)

func TestIndexKeyOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// In review order: urgent first, then higher score, lower priority, older, id:
	// a 93% terrorism post before a 2% threat of a higher-priority rule.
	want := []review.Item{
		{ID: "u", Urgent: true, Priority: 9, Score: 0.1, Added: t0},
		{ID: "p10", Priority: 10, Score: 1, Added: t0},
		{ID: "p100", Priority: 100, Score: 1, Added: t0},
		{ID: "p0-high", Priority: 0, Score: 0.99, Added: t0},
		{ID: "terrorism-93", Priority: 2, Score: 0.93, Added: t0},
		{ID: "p0-low-old", Priority: 0, Score: 0.5, Added: t0},
		{ID: "p0-low-new-a", Priority: 0, Score: 0.5, Added: t0.Add(time.Hour)},
		{ID: "p0-low-new-b", Priority: 0, Score: 0.5, Added: t0.Add(time.Hour)},
		{ID: "neg", Priority: -3, Score: 0.2, Added: t0},
		{ID: "threat-2", Priority: 0, Score: 0.02, Added: t0},
	}
	keys := make([]string, len(want))
	for i := range want {
		keys[i] = review.IndexKey(&want[i])
		if got := review.IDFromKey(keys[i]); got != want[i].ID {
			t.Fatalf("IDFromKey(%q) = %q, want %q", keys[i], got, want[i].ID)
		}
	}
	shuffled := slices.Clone(keys)
	slices.Reverse(shuffled)
	sort.Strings(shuffled)
	if !slices.Equal(shuffled, keys) {
		t.Fatalf("sorted keys %q, want %q", shuffled, keys)
	}
}

// backend is a pipeline store holding records and queue entries.
type backend struct {
	store.Backend
	recs  map[string]store.Record
	queue []store.QueueEntry
}

func (b *backend) Get(_ context.Context, id string) (store.Record, error) {
	r, ok := b.recs[id]
	if !ok {
		return r, fmt.Errorf("post %s: %w", id, store.ErrNotFound)
	}
	return r, nil
}

func (b *backend) Queue(context.Context) ([]store.QueueEntry, error) { return b.queue, nil }

func TestSync(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "r.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, _ := boltstore.New(db)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &backend{recs: map[string]store.Record{}}
	add := func(id string, author ingest.Author) {
		b.recs[id] = store.Record{Post: ingest.Post{ID: id, Platform: "telegram", Source: "ch", Author: author}, Governorate: "basra"}
		b.queue = append(b.queue, store.QueueEntry{ID: id, Priority: 1, MaxScore: 0.8, Labels: []string{"threat"}, Added: t0})
	}
	add("telegram:1", ingest.Author{ID: "42", Handle: "@a"})
	add("telegram:2", ingest.Author{Handle: "@b"})
	b.queue = append(b.queue, store.QueueEntry{ID: "telegram:gone"}) // record purged
	cases := []struct {
		name string
		add  func()
		want int
	}{
		{"first sync", func() {}, 2},
		{"nothing new", func() {}, 0},
		{"one more", func() { add("telegram:3", ingest.Author{}) }, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.add()
			n, err := review.Sync(ctx, st, b)
			if err != nil || n != c.want {
				t.Fatalf("Sync = %d, %v; want %d", n, err, c.want)
			}
		})
	}
	it, err := st.Item(ctx, "telegram:1")
	if err != nil || it.Author != "telegram:42" || it.Governorate != "basra" || it.Platform != "telegram" || it.Score != 0.8 || it.Status != review.StatusOpen {
		t.Fatalf("synced item %+v, %v", it, err)
	}
	if it, _ := st.Item(ctx, "telegram:2"); it.Author != "telegram:@b" {
		t.Fatalf("author without id: %q, want the handle", it.Author)
	}
	if it, _ := st.Item(ctx, "telegram:3"); it.Author != "" {
		t.Fatalf("unknown author: %q, want empty", it.Author)
	}
}

func ExampleApply() {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	it := review.Item{ID: "telegram:1", Status: review.StatusOpen}
	ana, omar := review.Reviewer{Name: "ana"}, review.Reviewer{Name: "omar"}
	rules := review.Rules{SecondReview: true}
	for _, who := range []review.Reviewer{ana, omar} {
		_ = review.ApplyClaim(&it, who, now, time.Minute)
		d := review.Decision{Item: it.ID, Reviewer: who.Name, Action: review.ActionRefer, Verdict: review.VerdictTruePositive, Lease: it.Lease.Token}
		if err := review.Apply(&it, &d, who, rules, now); err != nil {
			fmt.Println(err)
		}
		fmt.Println(who.Name, d.Stage, it.Status)
	}
	// Output:
	// ana first open
	// omar agreed closed
}

func TestNormalizeReference(t *testing.T) {
	cases := []struct{ in, want string }{
		{"7K3MQ9XR2D", "7K3MQ9XR2D"},
		{"7k3mq-9xr2d", "7K3MQ9XR2D"},
		{" 7K3 MQ9 XR2D ", "7K3MQ9XR2D"},
		{"OIL0000000", "0110000000"}, // O as 0, I and L as 1
		{"7K3MQ9XR2", ""},            // too short
		{"7K3MQ9XR2DD", ""},          // too long
		{"7K3MQ9XR2U", ""},           // U is not in the alphabet
		{"٧K3MQ9XR2D", ""},           // an Arabic-Indic digit
		{strings.Repeat("-", 100), ""},
	}
	for _, c := range cases {
		if got := review.NormalizeReference(c.in); got != c.want {
			t.Errorf("review.NormalizeReference(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	seen := map[string]bool{}
	for range 1000 {
		r := review.NewReference()
		if review.NormalizeReference(r) != r || seen[r] {
			t.Fatalf("NewReference gave %q (repeated: %v)", r, seen[r])
		}
		seen[r] = true
	}
}

func TestSamplesSortAfterFlaggedItems(t *testing.T) {
	now := time.Now()
	flagged := &review.Item{ID: "a", Score: 0.1, Priority: 9, Added: now}
	sample := &review.Item{ID: "b", Score: 0.99, Priority: 0, Added: now.Add(-time.Hour), Sample: true}
	urgent := &review.Item{ID: "c", Score: 0.2, Urgent: true, Added: now}
	if !(review.IndexKey(urgent) < review.IndexKey(flagged) && review.IndexKey(flagged) < review.IndexKey(sample)) {
		t.Errorf("keys out of order: urgent %s, flagged %s, sample %s", review.IndexKey(urgent), review.IndexKey(flagged), review.IndexKey(sample))
	}
	if review.IDFromKey(review.IndexKey(sample)) != "b" {
		t.Error("a sample's key does not end in its id")
	}
}

func TestSampleDismissedAsClean(t *testing.T) {
	now := time.Now()
	who := review.Reviewer{Name: "ana"}
	for _, c := range []struct {
		name   string
		sample bool
		code   review.ReasonCode
		ok     bool
	}{
		{"sample clean", true, review.ReasonClean, true},
		{"sample false positive", true, review.ReasonFalsePositive, false},
		{"sample not actionable", true, review.ReasonNotActionable, true},
		{"flagged clean", false, review.ReasonClean, false},
		{"flagged false positive", false, review.ReasonFalsePositive, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			it := review.Item{ID: "x", Status: review.StatusOpen, Sample: c.sample, Lease: &review.Lease{Holder: "ana", Token: "t", Expires: now.Add(time.Minute)}}
			d := review.Decision{Item: "x", Reviewer: "ana", Action: review.ActionDismiss, Verdict: review.VerdictFalsePositive, ReasonCode: c.code, Lease: "t"}
			err := review.Apply(&it, &d, who, review.Rules{}, now)
			if (err == nil) != c.ok {
				t.Errorf("Apply: %v, want ok %v", err, c.ok)
			}
		})
	}
}
