package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
)

// Rerouted is a post whose judgement Reroute replaced.
type Rerouted struct {
	// ID is the post's id.
	ID string
	// Before and After are the routing decisions.
	Before, After policy.Decision
}

// ErrNoJudgement is returned by Reroute for a record stored before
// judgements were kept: it has no stored scale, signals or source type to
// route again from.
var ErrNoJudgement = errors.New("no stored judgement to route again")

// Reroute routes the stored posts ids again under pol: an explicit,
// audited act, since a policy change never rewrites a stored decision by
// itself. Each post is judged again from what its judgement stored (raw
// scores, the model card's thresholds, signals, source type), so only the
// policy changes. A post whose decision changes gets the new judgement, a
// post the new policy routes to review enters the review queue (through
// the store's enqueuer), and each change is appended to the audit log with
// actor and reason. A post already in review stays there: a reviewer
// decides it. It returns the changes.
func Reroute(ctx context.Context, b store.Backend, pol *policy.Policy, ids []string, actor, reason string, al AuditLog, now time.Time) ([]Rerouted, error) {
	var recs []store.Record
	var out []Rerouted
	var evs []audit.Event
	for _, id := range ids {
		r, err := b.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("rerouting %s: %w", id, err)
		}
		j := r.Judgement
		if j == nil {
			return nil, fmt.Errorf("rerouting %s: %w", id, ErrNoJudgement)
		}
		nj, err := pol.Judge(policy.Scored{Model: j.Model, Normalizer: j.Normalizer, Raw: j.Raw, Undiscounted: j.Undiscounted, Context: r.Context,
			Signals: j.Signals, SourceType: j.SourceType}, j.Thresholds, now.UTC())
		if err != nil {
			return nil, fmt.Errorf("rerouting %s: %w", id, err)
		}
		before, after := j.Decision, nj.Decision
		if sameRouting(before, after) {
			continue
		}
		r.Judgement = &nj
		r.Queued = r.Queued || after.Queue
		if after.Queue {
			r.Priority, r.Urgent, r.Reasons = after.Priority, after.Urgent, after.ReasonLines()
		}
		recs = append(recs, r)
		out = append(out, Rerouted{ID: id, Before: before, After: after})
		evs = append(evs, audit.Event{Type: audit.TypeReroute, Actor: actor, Subject: id, Time: now.UTC(), Details: map[string]any{
			"reason": reason, "before_rule": before.RuleID, "after_rule": after.RuleID,
			"before_policy": before.PolicyVersion, "after_policy": after.PolicyVersion,
			"before_queue": before.Queue, "after_queue": after.Queue, "after_urgent": after.Urgent, "after_priority": after.Priority,
		}})
	}
	if len(recs) == 0 {
		return nil, nil
	}
	if err := b.Complete(ctx, recs, nil, nil); err != nil {
		return nil, fmt.Errorf("storing the new judgements: %w", err)
	}
	if al != nil {
		if _, err := al.AppendBatch(evs); err != nil {
			return out, fmt.Errorf("auditing the rerouting: %w", err)
		}
	}
	return out, nil
}

// sameRouting reports whether two decisions route a post alike.
func sameRouting(a, b policy.Decision) bool {
	return a.Queue == b.Queue && a.RuleID == b.RuleID && a.Priority == b.Priority && a.Urgent == b.Urgent &&
		a.Support == b.Support && a.PolicyVersion == b.PolicyVersion
}
