package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/ingest"
)

// ErrNotFetching is returned by StartSource and StopSource when this
// process does not fetch sources (its role) or its Run has ended.
var ErrNotFetching = errors.New("pipeline: this process is not fetching sources")

// manager is the source manager's state shared with StartSource and
// StopSource: before Run the configured list, while Run runs the channel
// of its requests.
type manager struct {
	mu sync.Mutex
	// ctl takes requests while Run's manager runs; nil before.
	ctl chan sourceReq
	// stopped is closed when the manager has stopped every source.
	stopped chan struct{}
	// ended is set once Run's manager has stopped.
	ended bool
}

// sourceReq asks the manager to start (start set) or stop (stop named) a
// source; the manager answers on done.
type sourceReq struct {
	start *Source
	stop  string
	done  chan error
}

// runner is one running source.
type runner struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// beginManaging hands Run the configured sources and the manager's
// request channel.
func (p *Pipeline) beginManaging() (chan sourceReq, chan struct{}, []Source) {
	p.mgr.mu.Lock()
	defer p.mgr.mu.Unlock()
	p.mgr.ctl, p.mgr.stopped = make(chan sourceReq), make(chan struct{})
	return p.mgr.ctl, p.mgr.stopped, slices.Clone(p.cfg.Sources)
}

// launch starts s under ctx, counted in wg.
func (p *Pipeline) launch(ctx context.Context, s Source, wg *sync.WaitGroup) *runner {
	ctx, cancel := context.WithCancel(ctx)
	r := &runner{cancel: cancel, done: make(chan struct{})}
	p.setRunning(s.Name, true)
	wg.Go(func() {
		defer close(r.done)
		defer p.setRunning(s.Name, false)
		p.runSource(ctx, s)
	})
	return r
}

// manageSources serves StartSource and StopSource while ctx lasts, then
// stops every source it started and returns once they have all stopped.
func (p *Pipeline) manageSources(ctx context.Context, ctl chan sourceReq, stopped chan struct{}, live map[string]*runner) {
	var started sync.WaitGroup
	defer func() {
		p.mgr.mu.Lock()
		p.mgr.ended = true
		p.mgr.mu.Unlock()
		close(stopped)
	}()
	defer started.Wait()
	stop := func(name string) bool {
		r, ok := live[name]
		if ok {
			r.cancel()
			<-r.done
			delete(live, name)
			p.setFailing(name, nil)
			p.setDegraded(p.cfg.Log.With("source", name), name, nil)
		}
		return ok
	}
	for {
		select {
		case <-ctx.Done():
			for _, r := range live {
				r.cancel()
			}
			return
		case req := <-ctl:
			if req.start != nil {
				restarted := stop(req.start.Name)
				live[req.start.Name] = p.launch(ctx, *req.start, &started)
				p.cfg.Log.Info("source started", "source", req.start.Name, "restarted", restarted)
				req.done <- nil
				continue
			}
			if !stop(req.stop) {
				req.done <- fmt.Errorf("stopping source %q: %w", req.stop, ErrNoSource)
				continue
			}
			p.cfg.Log.Info("source stopped", "source", req.stop)
			req.done <- nil
		}
	}
}

// ErrNoSource is returned by StopSource for a source that is not running.
var ErrNoSource = errors.New("no such source running")

// StartSource starts fetching s without a restart, in place of the source
// of the same name if one runs (that one is stopped first, its fetch in
// progress cancelled; its cursor stays, so nothing is skipped). Before Run,
// s joins the configured sources. It fails with ErrNotFetching when this
// process does not fetch sources.
func (p *Pipeline) StartSource(ctx context.Context, s Source) error {
	if s.Name == "" || s.Connector == nil || s.Interval <= 0 {
		return fmt.Errorf("starting source %q: a name, a connector and an interval are required", s.Name)
	}
	return p.request(ctx, sourceReq{start: &s}, func() {
		p.cfg.Sources = slices.DeleteFunc(p.cfg.Sources, func(x Source) bool { return x.Name == s.Name })
		p.cfg.Sources = append(p.cfg.Sources, s)
	})
}

// StopSource stops fetching the source called name: a fetch in progress is
// cancelled (its posts are not taken in, its cursor stays). It returns once
// the source has stopped, with ErrNoSource when none of that name runs.
func (p *Pipeline) StopSource(ctx context.Context, name string) error {
	return p.request(ctx, sourceReq{stop: name}, func() {
		p.cfg.Sources = slices.DeleteFunc(p.cfg.Sources, func(x Source) bool { return x.Name == name })
	})
}

// request hands req to Run's manager, or before Run applies before to the
// configured sources.
func (p *Pipeline) request(ctx context.Context, req sourceReq, before func()) error {
	if p.cfg.Role != RoleAll && p.cfg.Role != RoleIngest {
		return ErrNotFetching
	}
	p.mgr.mu.Lock()
	ctl, stopped, ended := p.mgr.ctl, p.mgr.stopped, p.mgr.ended
	if ctl == nil {
		before()
		p.mgr.mu.Unlock()
		return nil
	}
	p.mgr.mu.Unlock()
	if ended {
		return ErrNotFetching
	}
	req.done = make(chan error, 1)
	select {
	case ctl <- req:
	case <-stopped:
		return ErrNotFetching
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sourceHealth is a source's health record.
type sourceHealth struct {
	ingest.SourceHealth
	// taken lists when posts were taken in during the last hour, and how many.
	taken []takenIn
}

type takenIn struct {
	at time.Time
	n  int
}

// rate is the window of SourceHealth.PostsLastHour.
const rate = time.Hour

// entry returns name's health record, creating it; healthMu is held.
func (p *Pipeline) entry(name string) *sourceHealth {
	if p.health == nil {
		p.health = map[string]*sourceHealth{}
	}
	h := p.health[name]
	if h == nil {
		h = &sourceHealth{SourceHealth: ingest.SourceHealth{Name: name}}
		p.health[name] = h
	}
	return h
}

// setRunning records whether source name runs.
func (p *Pipeline) setRunning(name string, on bool) {
	p.healthMu.Lock()
	defer p.healthMu.Unlock()
	p.entry(name).Running = on
}

// noteFetch records the outcome of one of source's fetches: err, the
// posts it returned and how many of them were new.
func (p *Pipeline) noteFetch(source string, err error, posts []ingest.Post, n int) {
	now := time.Now()
	p.healthMu.Lock()
	defer p.healthMu.Unlock()
	h := p.entry(source)
	h.LastFetch = now
	if err != nil {
		h.LastError = err.Error()
		if h.FailingSince.IsZero() {
			h.FailingSince = now
		}
		return
	}
	h.LastSuccess, h.LastError, h.FailingSince = now, "", time.Time{}
	var newest time.Time
	for i := range posts {
		if posts[i].Created.After(newest) {
			newest = posts[i].Created
		}
	}
	if !newest.IsZero() {
		h.Lag = max(now.Sub(newest), 0)
	}
	if n > 0 {
		h.taken = append(slices.DeleteFunc(h.taken, func(t takenIn) bool { return now.Sub(t.at) > rate }), takenIn{at: now, n: n})
	}
}

// Health returns the health of every source this process has run, by name.
func (p *Pipeline) Health() []ingest.SourceHealth {
	now := time.Now()
	p.healthMu.Lock()
	out := make([]ingest.SourceHealth, 0, len(p.health))
	for _, h := range p.health {
		h.taken = slices.DeleteFunc(h.taken, func(t takenIn) bool { return now.Sub(t.at) > rate })
		sh := h.SourceHealth
		for _, t := range h.taken {
			sh.PostsLastHour += t.n
		}
		out = append(out, sh)
	}
	p.healthMu.Unlock()
	p.failMu.Lock()
	for i := range out {
		out[i].Degraded = p.degraded[out[i].Name]
	}
	p.failMu.Unlock()
	slices.SortFunc(out, func(a, b ingest.SourceHealth) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}
