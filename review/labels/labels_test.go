package labels_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/labels"
)

type backend struct {
	store.Backend
	recs map[string]store.Record
}

func (b backend) Get(_ context.Context, id string) (store.Record, error) {
	r, ok := b.recs[id]
	if !ok {
		return r, store.ErrNotFound
	}
	return r, nil
}

func TestExport(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "r.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, _ := boltstore.New(db)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	be := backend{recs: map[string]store.Record{}}
	var items []review.Item
	for i := range 6 {
		id := fmt.Sprintf("x:%d", i)
		items = append(items, review.Item{ID: id, Labels: []string{"hate"}, Added: now})
		if i != 3 { // x:3's post was purged
			be.recs[id] = store.Record{Post: ingest.Post{ID: id, Text: "نص " + id}, Flags: []string{"hate"}}
		}
	}
	if err := st.Add(ctx, items); err != nil {
		t.Fatal(err)
	}
	a, b := review.Reviewer{Name: "a"}, review.Reviewer{Name: "b", Senior: true}
	decide := func(id string, who review.Reviewer, act review.Action, v review.Verdict, ls []string) {
		it, err := st.Claim(ctx, id, who, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		d := review.Decision{Item: id, Reviewer: who.Name, Action: act, Verdict: v, Labels: ls, Lease: it.Lease.Token}
		if act == review.ActionDismiss && id != "x:5" { // x:5 is dismissed without saying why
			d.ReasonCode = review.ReasonFalsePositive
		}
		if _, _, err := st.Decide(ctx, d, who, review.Rules{}, now); err != nil {
			t.Fatal(err)
		}
	}
	decide("x:0", a, review.ActionRefer, review.VerdictTruePositive, nil)
	decide("x:1", a, review.ActionDismiss, review.VerdictFalsePositive, nil)
	decide("x:2", a, review.ActionEscalate, review.VerdictTruePositive, nil)
	decide("x:2", b, review.ActionMonitor, review.VerdictWrongLabel, []string{"offensive", "threat"})
	decide("x:3", a, review.ActionDismiss, review.VerdictFalsePositive, nil)
	decide("x:4", a, review.ActionEscalate, review.VerdictTruePositive, nil) // not final yet
	decide("x:5", a, review.ActionDismiss, review.VerdictFalsePositive, nil)

	var buf bytes.Buffer
	stats, err := labels.Export(ctx, st, be, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (labels.Stats{Written: 3, Undecided: 1, Missing: 1, Unreasoned: 1}) {
		t.Fatalf("stats %+v", stats)
	}
	want := map[string][]string{"x:0": {"hate"}, "x:1": {}, "x:2": {"offensive", "threat"}}
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		fields := 4
		if _, ok := raw["reason"]; ok {
			fields++
		}
		if len(raw) != fields {
			t.Fatalf("line %s: want exactly id, text, labels, source (and reason for a dismissal)", sc.Text())
		}
		var ex labels.Example
		json.Unmarshal(sc.Bytes(), &ex)
		if (ex.ID == "x:1") != (ex.Reason == review.ReasonFalsePositive) {
			t.Fatalf("example %+v: only the dismissal x:1 carries its reason", ex)
		}
		if ex.Labels == nil || !slices.Equal(ex.Labels, want[ex.ID]) || ex.Text != "نص "+ex.ID || ex.Source != labels.Source {
			t.Fatalf("example %+v, want labels %v", ex, want[ex.ID])
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d lines", n)
	}
}
