// Package crawler runs configured sources: each on its own goroutine and
// interval, deduplicating what they fetch, writing new posts (and sightings of
// copies) to JSON Lines outputs, and checkpointing cursors.
//
// Order of work for each batch, so that a crash never loses or repeats a post:
// observe the batch in the dedup index; write new posts and sightings; flush
// and fsync the outputs; then commit, in one transaction, the source's next
// cursor, the dedup entries and the outputs' sizes. On start, lines written
// after the last commit are read back from the outputs' tails and recorded as
// seen (a torn last line is cut off), so re-fetching from the committed cursor
// emits nothing twice.
package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/checkpoint"
	"github.com/rasd-iq/rasd/ingest/dedup"
)

// Options configure a Runner.
type Options struct {
	// Sources to run (from ingest.LoadConfig).
	Sources []ingest.Source
	// State keeps cursors, seen entries and output sizes.
	State checkpoint.Committer
	// Out receives new posts, one JSON object per line.
	Out *Output
	// Sightings, when set, receives one dedup.Sighting per copy of a known post.
	Sightings *Output
	// Once fetches each source until it is caught up, then stops it.
	Once bool
	// Retries is how many times a failing source is retried in a row before
	// it is given up (Once mode only; default 5). Without Once it is retried forever.
	Retries int
	// BackoffBase is the first retry delay (default 1s); it doubles per failure.
	BackoffBase time.Duration
	// BackoffMax caps the retry delay (default 5m, and never above the source's interval).
	BackoffMax time.Duration
	// Dedup are the index options.
	Dedup dedup.Options
	// Logger receives structured progress and problems (default slog.Default()).
	Logger *slog.Logger
}

// State is where a source is in its schedule.
type State string

// Source states.
const (
	Fetching State = "fetching"
	Waiting  State = "waiting"
	Retrying State = "retrying"
	Done     State = "done"
	Failed   State = "failed"
)

// Stats are a source's counters since the runner started.
type Stats struct {
	// Source is the source's name and Type its connector type.
	Source, Type string
	// State is where the source is in its schedule.
	State State
	// Fetched counts posts returned by the connector.
	Fetched int
	// New counts posts written to the output.
	New int
	// Duplicates counts re-fetches, same-text copies and near duplicates.
	Duplicates int
	// Skipped counts malformed items the connector reported and skipped.
	Skipped int
	// Errors counts failed fetches.
	Errors int
	// LastError is the latest failure, cleared by a successful round.
	LastError string
	// Degraded is what the connector reports wrong while its fetches
	// succeed (see ingest.HealthReporter); empty while it is healthy.
	Degraded string
	// NextRun is when the source is fetched next (zero while fetching or done).
	NextRun time.Time
	// LastCursor is the cursor committed last.
	LastCursor ingest.Cursor
}

// Runner runs sources. Create it with New, then call Run once.
type Runner struct {
	opts Options
	log  *slog.Logger
	idx  *dedup.Index

	mu    sync.Mutex // serialises observe+write+sync+commit across sources
	fatal error

	statsMu sync.Mutex
	stats   map[string]*Stats
}

// ErrSourcesFailed is returned by Run in Once mode when a source gave up.
var ErrSourcesFailed = errors.New("sources failed")

// New prepares a runner: it rebuilds the dedup index from the state and
// recovers the outputs' tails written after the last checkpoint.
func New(opts Options) (*Runner, error) {
	if opts.State == nil || opts.Out == nil {
		return nil, errors.New("crawler: state and output are required")
	}
	if opts.Retries <= 0 {
		opts.Retries = 5
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Runner{opts: opts, log: opts.Logger, idx: dedup.NewIndex(opts.Dedup), stats: map[string]*Stats{}}
	for _, s := range opts.Sources {
		r.stats[s.Name] = &Stats{Source: s.Name, Type: s.Type, State: Waiting}
	}
	n, err := checkpoint.Rebuild(opts.State, r.idx)
	if err != nil {
		return nil, err
	}
	if err := r.recover(); err != nil {
		return nil, err
	}
	r.log.Debug("dedup index rebuilt", "posts", n, "total", r.idx.Len())
	return r, nil
}

// Index returns the runner's dedup index.
func (r *Runner) Index() *dedup.Index { return r.idx }

func markName(o *Output) string { return "out:" + o.Name() }

// recover reads back what the outputs hold beyond their checkpointed sizes.
func (r *Runner) recover() error {
	var (
		entries []dedup.Entry
		marks   = map[string]int64{}
	)
	recoverOne := func(o *Output, fn func(line []byte) error) error {
		if o == nil || !o.Recoverable() {
			return nil
		}
		from, ok, err := r.opts.State.Mark(markName(o))
		if err != nil {
			return fmt.Errorf("reading checkpoint of %s: %w", o.Name(), err)
		}
		if !ok {
			from = 0 // a file we never wrote: whatever it holds counts as seen
		}
		if from > o.Size() {
			r.log.Warn("output is shorter than its checkpoint; reading it whole", "file", o.Name(), "size", o.Size(), "checkpoint", from)
			from = 0
		}
		size, lines, err := o.tail(from, fn)
		var torn *tornError
		if errors.As(err, &torn) {
			r.log.Warn("output tail cut after an interrupted run", "file", o.Name(), "at", size, "reason", torn.cause)
		} else if err != nil {
			return err
		}
		if lines > 0 {
			r.log.Info("recovered lines written after the last checkpoint", "file", o.Name(), "lines", lines)
		}
		marks[markName(o)] = size
		return nil
	}
	err := recoverOne(r.opts.Out, func(line []byte) error {
		var p struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(line, &p); err != nil || p.ID == "" {
			return fmt.Errorf("not a post: %v", err)
		}
		if e := r.idx.AddCanonical(p.ID, p.Text); e.ID != "" {
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = recoverOne(r.opts.Sightings, func(line []byte) error {
		var s dedup.Sighting
		if err := json.Unmarshal(line, &s); err != nil || s.PostID == "" || s.Canonical == "" {
			return fmt.Errorf("not a sighting: %v", err)
		}
		if _, known := r.idx.Contains(s.PostID); known {
			return nil
		}
		e := dedup.Entry{ID: s.PostID, Canonical: s.Canonical}
		if err := r.idx.Add(e); err != nil {
			r.log.Warn("sighting of an unknown post", "post", s.PostID, "canonical", s.Canonical)
			return nil
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.opts.State.Commit(checkpoint.Batch{Seen: entries, Marks: marks}); err != nil {
		return fmt.Errorf("recording recovered posts: %w", err)
	}
	return nil
}

// Stats returns a snapshot of every source's counters, by source name.
func (r *Runner) Stats() []Stats {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	out := make([]Stats, 0, len(r.stats))
	for _, s := range r.stats {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func (r *Runner) update(name string, fn func(s *Stats)) {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	fn(r.stats[name])
}

// Run runs every source until ctx ends (or, in Once mode, until each is
// caught up or has given up). A failing source never stops the others; a
// failure to write the output or the checkpoint stops all of them, since
// nothing could be kept. In Once mode it returns ErrSourcesFailed (wrapped)
// if any source gave up.
func (r *Runner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, src := range r.opts.Sources {
		if srv, ok := src.Connector.(ingest.Server); ok {
			wg.Go(func() {
				if err := srv.Serve(ctx); err != nil && ctx.Err() == nil {
					r.log.Error("source server stopped", "source", src.Name, "err", err)
				}
			})
		}
		wg.Go(func() { r.runSource(ctx, cancel, src) })
	}
	if r.opts.Once {
		// Servers run only while fetch loops do.
		go func() {
			r.waitFetchers(ctx)
			cancel(nil)
		}()
	}
	wg.Wait()
	r.mu.Lock()
	fatal := r.fatal
	r.mu.Unlock()
	if fatal != nil {
		return fatal
	}
	var failed []string
	for _, s := range r.Stats() {
		if s.State == Failed {
			failed = append(failed, s.Source)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %v", ErrSourcesFailed, failed)
	}
	return nil
}

// waitFetchers returns when every source is done or failed.
func (r *Runner) waitFetchers(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		all := true
		for _, s := range r.Stats() {
			if s.State != Done && s.State != Failed {
				all = false
			}
		}
		if all {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Runner) runSource(ctx context.Context, stop context.CancelCauseFunc, src ingest.Source) {
	failures := 0
	for ctx.Err() == nil {
		r.update(src.Name, func(s *Stats) { s.State = Fetching; s.NextRun = time.Time{} })
		err := r.drain(ctx, src)
		if ctx.Err() != nil {
			break
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			r.mu.Lock()
			if r.fatal == nil {
				r.fatal = fatal.err
			}
			r.mu.Unlock()
			r.log.Error("stopping: output or checkpoint failed", "source", src.Name, "err", fatal.err)
			stop(fatal.err)
			break
		}
		wait := src.Interval
		state := Waiting
		if err != nil {
			failures++
			r.update(src.Name, func(s *Stats) { s.Errors++; s.LastError = err.Error() })
			if r.opts.Once && failures > r.opts.Retries {
				r.log.Error("source failed; giving up", "source", src.Name, "attempts", failures, "err", err)
				r.update(src.Name, func(s *Stats) { s.State = Failed })
				return
			}
			wait = r.backoff(failures, src.Interval)
			state = Retrying
			r.log.Warn("fetch failed; retrying", "source", src.Name, "attempt", failures, "retry_in", wait.Round(time.Millisecond), "err", err)
		} else {
			failures = 0
			r.update(src.Name, func(s *Stats) { s.LastError = "" })
			if r.opts.Once {
				r.update(src.Name, func(s *Stats) { s.State = Done })
				r.logCaughtUp(src.Name, time.Time{})
				return
			}
		}
		next := time.Now().Add(wait)
		r.update(src.Name, func(s *Stats) { s.State = state; s.NextRun = next })
		if err == nil {
			r.logCaughtUp(src.Name, next)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	r.update(src.Name, func(s *Stats) {
		if s.State != Failed {
			s.State = Done
		}
	})
}

func (r *Runner) logCaughtUp(name string, next time.Time) {
	r.statsMu.Lock()
	s := *r.stats[name]
	r.statsMu.Unlock()
	args := []any{"source", name, "fetched", s.Fetched, "new", s.New, "duplicates", s.Duplicates, "skipped", s.Skipped, "errors", s.Errors}
	if !next.IsZero() {
		args = append(args, "next_run", next.Format(time.RFC3339))
	}
	r.log.Info("source caught up", args...)
}

// backoff returns the delay before retry number n: exponential from
// BackoffBase, capped at BackoffMax and the interval, with jitter in [d/2, d].
func (r *Runner) backoff(n int, interval time.Duration) time.Duration {
	d := r.opts.BackoffBase
	for i := 1; i < n && d < r.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, r.opts.BackoffMax, max(interval, r.opts.BackoffBase))
	return d/2 + rand.N(d/2+1)
}

// fatalError marks a failure of the output or the checkpoint store.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

// drain fetches the source until it is caught up (same cursor back).
func (r *Runner) drain(ctx context.Context, src ingest.Source) error {
	cur, err := r.opts.State.Get(src.Name)
	if err != nil {
		return &fatalError{fmt.Errorf("reading cursor of %q: %w", src.Name, err)}
	}
	for ctx.Err() == nil {
		fctx, cancel := ctx, context.CancelFunc(func() {})
		if src.Limits.Timeout > 0 {
			fctx, cancel = context.WithTimeout(ctx, src.Limits.Timeout)
		}
		posts, next, err := src.Connector.Fetch(fctx, cur)
		cancel()
		r.noteHealth(src.Name, ingest.HealthOf(src.Connector))
		var skipped *ingest.SkipError
		if errors.As(err, &skipped) {
			r.reportSkips(src.Name, skipped)
			err = nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fetching %q: %w", src.Name, err)
		}
		if len(posts) == 0 && next == cur {
			return nil
		}
		if err := r.commit(src, posts, next); err != nil {
			return &fatalError{err}
		}
		if next == cur {
			return nil
		}
		cur = next
	}
	return nil
}

// noteHealth records a source's health after a fetch, logging at error
// level once when it turns degraded and at info level when it recovers.
func (r *Runner) noteHealth(name string, health error) {
	msg := ""
	if health != nil {
		msg = health.Error()
	}
	var was string
	r.update(name, func(s *Stats) { was, s.Degraded = s.Degraded, msg })
	switch {
	case msg != "" && was == "":
		r.log.Error("source degraded: its fetches succeed but what they return is incomplete", "source", name, "err", health)
	case msg == "" && was != "":
		r.log.Info("source no longer degraded", "source", name)
	}
}

func (r *Runner) reportSkips(name string, e *ingest.SkipError) {
	const maxLogged = 5
	for i, it := range e.Items {
		if i == maxLogged {
			r.log.Warn("more malformed items skipped", "source", name, "count", len(e.Items)-maxLogged)
			break
		}
		r.log.Warn("malformed item skipped", "source", name, "at", it.Where, "err", it.Err)
	}
	r.update(name, func(s *Stats) { s.Skipped += len(e.Items) })
}

// commit dedups, writes and checkpoints one batch.
func (r *Runner) commit(src ingest.Source, posts []ingest.Post, next ingest.Cursor) error {
	ids, texts := make([]string, len(posts)), make([]string, len(posts))
	for i, p := range posts {
		ids[i], texts[i] = p.ID, p.Text
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal != nil {
		return r.fatal
	}
	results, entries := r.idx.ObserveBatch(ids, texts)
	fresh, dups := 0, 0
	for i, res := range results {
		p := &posts[i]
		switch res.Kind {
		case dedup.New:
			line, err := json.Marshal(p)
			if err != nil {
				return fmt.Errorf("encoding post %q: %w", p.ID, err)
			}
			if err := r.opts.Out.WriteLine(line); err != nil {
				return err
			}
			fresh++
		case dedup.SameText, dedup.NearDuplicate:
			dups++
			if r.opts.Sightings == nil {
				continue
			}
			t := p.Created
			if t.IsZero() {
				t = p.Fetched
			}
			line, _ := json.Marshal(dedup.Sighting{Canonical: res.Canonical, PostID: p.ID, Source: p.Source,
				Platform: p.Platform, Permalink: p.Permalink, Kind: res.Kind.String(), Distance: res.Distance, Time: t})
			if err := r.opts.Sightings.WriteLine(line); err != nil {
				return err
			}
		default:
			dups++
		}
	}
	marks := map[string]int64{}
	for _, o := range []*Output{r.opts.Out, r.opts.Sightings} {
		if o == nil {
			continue
		}
		if err := o.Sync(); err != nil {
			return err
		}
		if o.Recoverable() {
			marks[markName(o)] = o.Size()
		}
	}
	seen := entries[:0]
	for _, e := range entries {
		if e.ID != "" {
			seen = append(seen, e)
		}
	}
	if err := r.opts.State.Commit(checkpoint.Batch{Source: src.Name, Cursor: next, Seen: seen, Marks: marks}); err != nil {
		return err
	}
	r.update(src.Name, func(s *Stats) {
		s.Fetched += len(posts)
		s.New += fresh
		s.Duplicates += dups
		s.LastCursor = next
	})
	r.log.Debug("batch", "source", src.Name, "fetched", len(posts), "new", fresh, "duplicates", dups, "cursor", string(next))
	return nil
}
