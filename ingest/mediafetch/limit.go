package mediafetch

import (
	"context"
	"sync"
	"time"
)

// clock is the time the host limiter waits by; tests replace it.
type clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hostLimiter is a token bucket per host: burst requests at once, then one
// every interval. A request reserves its token before it waits, so waiting
// requests to one host go out in the order they came, evenly spaced.
type hostLimiter struct {
	clock    clock
	interval time.Duration
	burst    float64

	mu    sync.Mutex
	hosts map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxIdleHosts bounds the buckets kept; past it, full buckets (hosts not
// fetched for a while) are dropped, which changes nothing for them.
const maxIdleHosts = 4096

func newHostLimiter(c clock, interval time.Duration, burst int) *hostLimiter {
	return &hostLimiter{clock: c, interval: interval, burst: float64(burst), hosts: map[string]*bucket{}}
}

// Wait blocks until a request to host may go out, or ctx is done.
func (l *hostLimiter) Wait(ctx context.Context, host string) error {
	if l.interval <= 0 {
		return nil
	}
	l.mu.Lock()
	now := l.clock.Now()
	if len(l.hosts) >= maxIdleHosts {
		for h, b := range l.hosts {
			if l.refill(b, now) >= l.burst {
				delete(l.hosts, h)
			}
		}
	}
	b, ok := l.hosts[host]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.hosts[host] = b
	}
	b.tokens = l.refill(b, now) - 1
	b.at = now
	wait := time.Duration(-b.tokens * float64(l.interval))
	l.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	if err := l.clock.Sleep(ctx, wait); err != nil {
		l.mu.Lock()
		b.tokens++ // the request will not go out: its token is free again
		l.mu.Unlock()
		return err
	}
	return nil
}

func (l *hostLimiter) refill(b *bucket, now time.Time) float64 {
	t := b.tokens + float64(now.Sub(b.at))/float64(l.interval)
	return min(t, l.burst)
}
