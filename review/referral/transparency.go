package referral

import (
	"context"
	"fmt"
	"slices"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

// CaseRecords returns one policy.CaseRecord per item the review store
// knows, samples of unrouted posts (review.Item.Sample) aside: flagged when it entered the queue, decided by its first closing
// decision (dismissed for a false positive or a dismissal, referred when an
// approved referral was sent, else confirmed), with its referral's current
// outcome and whether it was appealed and reversed.
func CaseRecords(ctx context.Context, st review.Cases) ([]policy.CaseRecord, error) {
	items := map[string]review.Item{}
	for _, support := range []bool{false, true} { // the review and the victim-support queues
		f := review.Filter{Limit: 500, Support: support}
		for {
			p, err := st.List(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("listing the queue: %w", err)
			}
			for _, it := range p.Items {
				items[it.ID] = it
			}
			if !p.More || len(p.Items) == 0 {
				break
			}
			f.Offset += len(p.Items)
		}
	}
	first := map[string]review.Decision{}
	err := st.EachDecision(ctx, func(d review.Decision) error {
		switch d.Stage {
		case review.StageFinal, review.StageAgreed, review.StageSenior:
			if _, ok := first[d.Item]; !ok {
				first[d.Item] = d
			}
		}
		if _, ok := items[d.Item]; !ok {
			it, err := st.Item(ctx, d.Item)
			if err != nil {
				return fmt.Errorf("reading item %s: %w", d.Item, err)
			}
			items[d.Item] = it
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	sent := map[string]review.Referral{}
	rs, err := st.Referrals(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading referrals: %w", err)
	}
	for _, r := range rs {
		if r.Status != review.ReferralAwaiting {
			sent[r.Item] = r
		}
	}
	as, err := st.Appeals(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading appeals: %w", err)
	}
	appealed, reversed := map[string]bool{}, map[string]bool{}
	for _, a := range as {
		appealed[a.Item] = true
		if a.Outcome == policy.AppealReversed {
			reversed[a.Item] = true
		}
	}
	out := make([]policy.CaseRecord, 0, len(items))
	for id, it := range items {
		if it.Sample { // a random sample of unrouted posts: never flagged
			continue
		}
		c := policy.CaseRecord{ItemID: id, Platform: it.Platform, Labels: it.Labels, FlaggedAt: it.Added}
		if d, ok := first[id]; ok {
			c.DecidedAt = d.Time
			r, referred := sent[id]
			switch {
			case d.Verdict == review.VerdictFalsePositive || d.Action == review.ActionDismiss:
				c.Verdict = policy.VerdictDismissed
			case d.Action == review.ActionRefer && referred:
				c.Verdict, c.Outcome = policy.VerdictReferred, r.Outcome()
			default:
				c.Verdict = policy.VerdictConfirmed
			}
			c.Appealed, c.Reversed = appealed[id], reversed[id]
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b policy.CaseRecord) int {
		if a.ItemID < b.ItemID {
			return -1
		}
		if a.ItemID > b.ItemID {
			return 1
		}
		return 0
	})
	return out, nil
}

// Transparency computes the transparency report for period from the store.
func Transparency(ctx context.Context, st review.Cases, period policy.Period) (policy.Report, error) {
	recs, err := CaseRecords(ctx, st)
	if err != nil {
		return policy.Report{}, err
	}
	rep := policy.Transparency(recs, period)
	cs, err := ComplaintRecords(ctx, st)
	if err != nil {
		return policy.Report{}, err
	}
	rep.Complaints = policy.CountComplaints(cs, period)
	return rep, nil
}

// ComplaintRecords returns one policy.ComplaintRecord per appeal of origin
// review.OriginComplaint.
func ComplaintRecords(ctx context.Context, st review.Referrals) ([]policy.ComplaintRecord, error) {
	as, err := st.Appeals(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading appeals: %w", err)
	}
	var out []policy.ComplaintRecord
	for _, a := range as {
		if a.Origin == review.OriginComplaint {
			out = append(out, policy.ComplaintRecord{FiledAt: a.Filed, Outcome: a.Outcome})
		}
	}
	return out, nil
}
