package review

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rasd-iq/rasd/policy"
)

// ClosedCases returns the items whose case is closed, each with when it
// closed, for retention: a post that entered review is kept until its case
// closed plus the configured time.
//
// A case is closed when its item is decided (StatusClosed), no appeal about
// it waits for a hearing, and no referral of it waits for a second reviewer's
// approval or, once approved, for the platform's answer. It closed at the
// latest of its decisions, appeal hearings and referral outcomes, so that an
// appeal or an outcome restarts the clock.
func ClosedCases(ctx context.Context, st Cases) (map[string]time.Time, error) {
	last := map[string]time.Time{}
	open := map[string]bool{}
	later := func(id string, t time.Time) {
		if t.After(last[id]) {
			last[id] = t
		}
	}
	if err := st.EachDecision(ctx, func(d Decision) error {
		later(d.Item, d.Time)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("reading decisions for retention: %w", err)
	}
	appeals, err := st.Appeals(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading appeals for retention: %w", err)
	}
	for _, a := range appeals {
		if a.Decided.IsZero() {
			open[a.Item] = true
		}
		later(a.Item, a.Decided)
	}
	refs, err := st.Referrals(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading referrals for retention: %w", err)
	}
	for _, r := range refs {
		switch {
		case r.Status == ReferralAwaiting:
			open[r.Item] = true
		case r.Status == ReferralApproved && r.Outcome() == policy.OutcomePending:
			open[r.Item] = true
		}
		for _, o := range r.Outcomes {
			later(r.Item, o.At)
		}
	}
	out := map[string]time.Time{}
	for id, t := range last {
		if open[id] {
			continue
		}
		it, err := st.Item(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading item %s for retention: %w", id, err)
		}
		if it.Status == StatusClosed {
			out[id] = t
		}
	}
	return out, nil
}
