package review

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rasd-iq/rasd/index/store"
)

// AuthorKey identifies a post's author across platforms: "PLATFORM:ID"
// (the handle when the platform gives no id); empty when unknown.
func AuthorKey(r *store.Record) string {
	a := r.Post.Author.ID
	if a == "" {
		a = r.Post.Author.Handle
	}
	if a == "" {
		return ""
	}
	return r.Post.Platform + ":" + a
}

// RecordReader reads the pipeline's stored records: referrals, appeals and
// the labels export read a referred or reviewed post and its judgement.
type RecordReader interface {
	// Get returns a record, or store.ErrNotFound.
	Get(ctx context.Context, id string) (store.Record, error)
}

// QueuedRecords is what Sync reads of the pipeline's store: the entries it
// routed to review and their records.
type QueuedRecords interface {
	RecordReader
	// Queue returns the entries the pipeline routed to review.
	Queue(ctx context.Context) ([]store.QueueEntry, error)
}

// ItemFor builds the review-queue item of a record the pipeline routed to
// review (or sampled: store.Record.Sample): its priority, urgency and
// labels (store.Labels: the model's flags and the deciding rule's label),
// and its score on the policy's scale (store.MaxScore).
func ItemFor(r *store.Record) Item {
	labels := store.Labels(r)
	if labels == nil {
		labels = []string{}
	}
	return Item{
		ID: r.Post.ID, Priority: r.Priority, Urgent: r.Urgent, Score: store.MaxScore(r), Labels: labels,
		Platform: r.Post.Platform, Source: r.Post.Source, Governorate: r.Governorate,
		Author: AuthorKey(r), Added: r.Processed, Status: StatusOpen,
		Support: r.Judgement != nil && r.Judgement.Decision.Support,
		Sample:  r.Sample && !r.Queued,
	}
}

// Enqueued reports whether the pipeline puts r's post in the review queue
// when it stores r: routed by policy, or sampled.
func Enqueued(r *store.Record) bool { return r.Queued || r.Sample }

// ItemFromRecord builds the queue item of a pipeline queue entry and its record.
func ItemFromRecord(q store.QueueEntry, r *store.Record) Item {
	it := ItemFor(r)
	it.Priority, it.Urgent, it.Score, it.Added = q.Priority, q.Urgent, q.MaxScore, q.Added
	if q.Labels != nil {
		it.Labels = q.Labels
	}
	return it
}

// Sync adds the pipeline's review-queue entries that st does not know yet
// and returns how many it added. The pipeline enqueues review items itself,
// in the transaction that stores their records; Sync repairs a store
// written before it did, once at start. Known entries are skipped, and an
// entry whose record vanished is skipped too.
func Sync(ctx context.Context, st Store, b QueuedRecords) (int, error) {
	entries, err := b.Queue(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading the pipeline's review queue: %w", err)
	}
	byID := make(map[string]store.QueueEntry, len(entries))
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		byID[e.ID] = e
		ids = append(ids, e.ID)
	}
	missing, err := st.Missing(ctx, ids)
	if err != nil {
		return 0, err
	}
	var added int
	for chunk := range slices.Chunk(missing, 500) {
		items := make([]Item, 0, len(chunk))
		for _, id := range chunk {
			r, err := b.Get(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return added, fmt.Errorf("reading record %s: %w", id, err)
			}
			items = append(items, ItemFromRecord(byID[id], &r))
		}
		if err := st.Add(ctx, items); err != nil {
			return added, err
		}
		added += len(items)
	}
	return added, nil
}
