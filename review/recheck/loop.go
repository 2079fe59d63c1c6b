package recheck

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rasd-iq/rasd/review/referral"
)

// Loop re-checks due referrals on a schedule.
type Loop struct {
	// Service records the checks and removals.
	Service *referral.Service
	// Prober asks the platforms (usually *Platforms).
	Prober referral.Prober
	// Every is the schedule: each pass re-checks the referrals whose last
	// check is older than nine tenths of it (so that a pass is never skipped
	// for a referral checked a moment late the time before).
	Every time.Duration
	// Log receives a line per pass that found something or failed; nil
	// means slog.Default().
	Log *slog.Logger
}

// Run re-checks at once and then every Every until ctx ends; it returns nil
// then. A pass that fails is logged and the next one tried on time.
func (l *Loop) Run(ctx context.Context) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	if l.Every <= 0 {
		return errors.New("re-check loop: every must be positive")
	}
	tick := time.NewTicker(l.Every)
	defer tick.Stop()
	for {
		st, err := l.Service.RecheckDue(ctx, l.Prober, l.Every-l.Every/10)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Warn("re-checking referrals", "err", err)
		case st.Removed > 0 || len(st.Failed) > 0:
			log.Info("re-checked referrals", "checked", st.Checked, "removed", st.Removed, "failed", len(st.Failed))
		}
		for _, f := range st.Failed {
			log.Warn("re-check failed", "err", f)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Start runs Run on its own goroutine; stop ends it and returns once it
// has stopped.
func (l *Loop) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = l.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
