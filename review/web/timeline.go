package web

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/rasd-iq/rasd/review"
)

// timelineEntry is one step of an item's history: a decision, a referral's
// assessment, approval, second-review note or platform outcome, an appeal
// filed or heard. What and Detail are catalogue keys or values the
// template translates; Note is free text written by a reviewer.
type timelineEntry struct {
	At time.Time `json:"at"`
	// What is the catalogue key of the step (tl_decision, tl_referred, …).
	What string `json:"what"`
	// Detail is a status, action or outcome, translated by the page.
	Detail string `json:"detail,omitempty"`
	// Who is the reviewer, for decisions (masked as the decisions are).
	Who string `json:"who,omitempty"`
	// Note is a reviewer's note or reason.
	Note string `json:"note,omitempty"`
	// Link leads to the referral or the appeals page.
	Link string `json:"link,omitempty"`
}

// timeline merges the item's decisions (already masked for the caller),
// its referrals and its appeals into one history, oldest first.
func (s *Server) timeline(ctx context.Context, id string, decisions []review.Decision, canReferrals bool) []timelineEntry {
	var out []timelineEntry
	for _, d := range decisions {
		what := "tl_decision"
		if d.Stage == review.StageAppeal {
			what = "tl_appeal_ruling"
		}
		out = append(out, timelineEntry{At: d.Time, What: what, Detail: string(d.Action), Who: d.Reviewer, Note: d.Reason})
	}
	if canReferrals {
		if rs, err := s.ref.ForItem(ctx, id); err == nil {
			for _, r := range rs {
				link := "/referrals/" + url.PathEscape(r.ID)
				out = append(out, timelineEntry{At: r.Created, What: "tl_referred", Detail: string(r.Status), Link: link})
				for _, a := range r.Approvals {
					out = append(out, timelineEntry{At: a.At, What: "tl_approved", Link: link})
				}
				for _, n := range r.Notes {
					out = append(out, timelineEntry{At: n.At, What: "tl_second_review", Detail: string(n.Status), Note: n.Text, Link: link})
				}
				for _, o := range r.Outcomes {
					out = append(out, timelineEntry{At: o.At, What: "tl_outcome", Detail: string(o.Status), Link: link})
				}
			}
		}
	}
	if as, err := s.cfg.Store.Appeals(ctx); err == nil {
		for _, a := range as {
			if a.Item != id {
				continue
			}
			out = append(out, timelineEntry{At: a.Filed, What: "tl_appeal_filed", Detail: a.Target, Link: "/appeals"})
			if !a.Decided.IsZero() {
				out = append(out, timelineEntry{At: a.Decided, What: "tl_appeal_heard", Detail: string(a.Outcome), Note: a.Note, Link: "/appeals"})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b timelineEntry) int { return a.At.Compare(b.At) })
	return out
}
