// Package labels turns reviewers' final verdicts into labelled data in the
// schema of the shared research corpora ({"id","text","labels","source"}),
// so that models are evaluated and retrained on what reviewers saw.
package labels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
)

// Source is the source field of exported examples.
const Source = "rasd-review"

// Example is one labelled item, as in ../shared/datasets/*/*.jsonl.
type Example struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Labels []string `json:"labels"`
	Source string   `json:"source"`
	// Reason is the reason code of a dismissal (review.ReasonCodes).
	Reason review.ReasonCode `json:"reason,omitempty"`
}

// Final reports whether a decision closed its item or corrected it on
// appeal; a later one (an appeal's) replaces an earlier one.
func Final(d review.Decision) bool {
	switch d.Stage {
	case review.StageFinal, review.StageAgreed, review.StageSenior, review.StageAppeal:
		return true
	}
	return false
}

// FromDecision returns the labels a closing decision gives an item whose
// model flagged flagged: the flagged labels for a true positive, none for a
// false positive, the reviewer's labels for a wrong label.
func FromDecision(d review.Decision, flagged []string) []string {
	var out []string
	switch d.Verdict {
	case review.VerdictTruePositive:
		out = slices.Clone(flagged)
	case review.VerdictWrongLabel:
		out = slices.Clone(d.Labels)
	}
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Stats counts what Export wrote and skipped.
type Stats struct {
	// Written is the number of examples written.
	Written int
	// Undecided counts items with decisions but no final one yet.
	Undecided int
	// Missing counts decided items whose post is no longer stored.
	Missing int
	// Unreasoned counts items dismissed without a reason code: nobody said
	// why, so they are not clean data and are left out.
	Unreasoned int
}

// Export writes one example per decided item, in item id order, as JSON
// Lines. A dismissal carries its reason code; one without a reason code is
// left out (Stats.Unreasoned).
func Export(ctx context.Context, st review.Queue, b review.RecordReader, w io.Writer) (Stats, error) {
	var stats Stats
	closing := map[string]review.Decision{}
	seen := map[string]bool{}
	err := st.EachDecision(ctx, func(d review.Decision) error {
		seen[d.Item] = true
		if Final(d) {
			closing[d.Item] = d
		}
		return nil
	})
	if err != nil {
		return stats, fmt.Errorf("reading decisions: %w", err)
	}
	stats.Undecided = len(seen) - len(closing)
	ids := make([]string, 0, len(closing))
	for id := range closing {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, id := range ids {
		d := closing[id]
		if d.Action == review.ActionDismiss && d.ReasonCode == "" {
			stats.Unreasoned++
			continue
		}
		rec, err := b.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			stats.Missing++
			continue
		}
		if err != nil {
			return stats, fmt.Errorf("reading post %s: %w", id, err)
		}
		flagged := rec.Flags
		if it, err := st.Item(ctx, id); err == nil && len(flagged) == 0 {
			flagged = it.Labels
		}
		ex := Example{ID: id, Text: rec.Post.Text, Labels: FromDecision(d, flagged), Source: Source, Reason: d.ReasonCode}
		if err := enc.Encode(ex); err != nil {
			return stats, fmt.Errorf("writing example %s: %w", id, err)
		}
		stats.Written++
	}
	return stats, nil
}
