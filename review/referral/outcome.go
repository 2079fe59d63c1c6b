package referral

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

// RecordOutcome records a platform's answer to approved referral id,
// reported by user.
func (s *Service) RecordOutcome(ctx context.Context, id, user string, status policy.OutcomeStatus, note string) (review.Referral, error) {
	if err := review.CheckText("note", note, review.MaxReason); err != nil {
		return review.Referral{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	o := policy.Outcome{ReferralID: id, Status: status, Source: policy.SourcePlatformResponse, At: s.now(), Note: strings.TrimSpace(note)}
	if err := o.Validate(); err != nil {
		return review.Referral{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r, err := s.Store.UpdateReferral(ctx, id, func(r *review.Referral) error {
		if r.Status == review.ReferralAwaiting {
			return fmt.Errorf("%w: referral awaits approval and was never sent", ErrState)
		}
		r.Outcomes = append(r.Outcomes, o)
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("recording the outcome of referral %s: %w", id, err)
	}
	s.audit(audit.Event{Type: audit.TypeReferral, Actor: "user:" + user, Subject: r.Item, Details: map[string]any{
		"action": "outcome", "referral": id, "status": status, "note": o.Note,
	}})
	return r, nil
}

// A Prober asks a referred post's platform whether the post is still up.
type Prober interface {
	// Probe looks post up and returns what it found: Result
	// review.CheckRemoved, review.CheckPresent or review.CheckUnknown, with
	// a Note saying why (never a credential) and the HTTP Code when there
	// was an answer. The caller sets At.
	Probe(ctx context.Context, post ingest.Post) review.Check
}

// Checker re-fetches referred URLs to find removed content: the check for
// platforms without a check of their own (HTTP 404 or 410 means removed).
type Checker struct {
	// Client makes the requests; it should have a timeout and refuse
	// internal addresses. httpx.GuardedClient (20 s) when nil.
	Client *http.Client
	// UserAgent is sent with each request.
	UserAgent string
}

// Fetch asks for url with HEAD (GET where HEAD is refused) and returns what it found.
func (c *Checker) Fetch(ctx context.Context, url string) review.Check {
	cl := c.Client
	if cl == nil {
		cl = httpx.GuardedClient(20*time.Second, false)
	}
	var code int
	var err error
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		var req *http.Request
		req, err = http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			break
		}
		if c.UserAgent != "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		var resp *http.Response
		resp, err = cl.Do(req)
		if err != nil {
			break
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		code = resp.StatusCode
		if code != http.StatusMethodNotAllowed && code != http.StatusNotImplemented {
			break
		}
	}
	if err != nil {
		// What a failed request says (addresses, host names of the
		// network it tried) is not recorded: only that it failed.
		note := "request failed"
		var ne interface{ Timeout() bool }
		switch {
		case errors.Is(err, httpx.ErrInternalAddress):
			note = "refused: not a public internet address"
		case errors.As(err, &ne) && ne.Timeout():
			note = "request timed out"
		}
		return review.Check{Note: note, Result: review.CheckUnknown, Method: MethodHTTP}
	}
	res := review.CheckPresent
	switch {
	case code == http.StatusNotFound || code == http.StatusGone:
		res = review.CheckRemoved
	case code >= 400:
		res = review.CheckUnknown // refused, rate-limited or failing: not an answer about the content
	}
	return review.Check{Code: code, Note: fmt.Sprintf("HTTP %d", code), Result: res, Method: MethodHTTP}
}

// MethodHTTP is the Check.Method of Checker.
const MethodHTTP = "http"

// Probe fetches the post's permalink (implements Prober).
func (c *Checker) Probe(ctx context.Context, post ingest.Post) review.Check {
	if post.Permalink == "" {
		return review.Check{Note: "no URL to check", Result: review.CheckUnknown, Method: MethodHTTP}
	}
	return c.Fetch(ctx, post.Permalink)
}

// Removed reports whether a check shows the content gone (see
// review.Check.Removed).
func Removed(c review.Check) bool {
	return c.Removed()
}

// Recheck asks the platform of referral id's post, through p, whether the
// post is still up, and records the check; a removal records the outcome
// "removed" (source recheck) with the check's time and note.
func (s *Service) Recheck(ctx context.Context, p Prober, id string) (review.Check, error) {
	r, err := s.Store.Referral(ctx, id)
	if err != nil {
		return review.Check{}, fmt.Errorf("re-checking referral %s: %w", id, err)
	}
	rec, err := s.Backend.Get(ctx, r.Item)
	if err != nil {
		return review.Check{}, fmt.Errorf("re-checking referral %s: reading item %s: %w", id, r.Item, err)
	}
	if rec.Post.Permalink == "" && rec.Post.NativeID == "" {
		return review.Check{}, fmt.Errorf("re-checking referral %s: %w: item %s has no URL", id, ErrInvalid, r.Item)
	}
	ch := p.Probe(ctx, rec.Post)
	if ch.Result == "" {
		ch.Result = review.CheckUnknown
	}
	ch.At = s.now()
	_, err = s.Store.UpdateReferral(ctx, id, func(r *review.Referral) error {
		r.Checks = append(r.Checks, ch)
		if Removed(ch) && r.Outcome() != policy.OutcomeRemoved {
			r.Outcomes = append(r.Outcomes, policy.Outcome{ReferralID: id, Status: policy.OutcomeRemoved, Source: policy.SourceRecheck, At: ch.At, Note: ch.Note})
		}
		return nil
	})
	if err != nil {
		return ch, fmt.Errorf("recording the re-check of referral %s: %w", id, err)
	}
	s.audit(audit.Event{Type: audit.TypeReferral, Actor: "recheck", Subject: r.Item, Details: map[string]any{
		"action": "recheck", "referral": id, "platform": rec.Post.Platform, "method": ch.Method, "result": ch.Result,
		"code": ch.Code, "note": ch.Note, "removed": Removed(ch),
	}})
	return ch, nil
}

// RecheckStats counts what RecheckDue did.
type RecheckStats struct {
	// Checked counts referrals fetched; Removed those found gone.
	Checked, Removed int
	// Failed names referrals that could not be checked, with why.
	Failed []string
}

// RecheckDue re-checks, through p, every approved referral not yet known
// removed whose last check is older than every (all of them when every is 0).
func (s *Service) RecheckDue(ctx context.Context, p Prober, every time.Duration) (RecheckStats, error) {
	var st RecheckStats
	rs, err := s.Store.Referrals(ctx)
	if err != nil {
		return st, fmt.Errorf("reading referrals: %w", err)
	}
	now := s.now()
	for _, r := range rs {
		if r.Status != review.ReferralApproved || r.Outcome() == policy.OutcomeRemoved {
			continue
		}
		if n := len(r.Checks); n > 0 && every > 0 && now.Sub(r.Checks[n-1].At) < every {
			continue
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		ch, err := s.Recheck(ctx, p, r.ID)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return st, err
			}
			st.Failed = append(st.Failed, err.Error())
			continue
		}
		st.Checked++
		if Removed(ch) {
			st.Removed++
		}
	}
	return st, nil
}
