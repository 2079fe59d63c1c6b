package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/alerts"
	"github.com/rasd-iq/rasd/review/recheck"
	"github.com/rasd-iq/rasd/review/referral"
)

// openRecheck builds the re-check schedule over the referral store, with
// the platform checks taking their credentials from the sources.
func openRecheck(cfg recheck.Config, sources *ingest.Config, rs review.Store, b store.Backend, pol *policy.Policy, al *audit.Log,
	reg prometheus.Registerer, log *slog.Logger) (*recheck.Loop, error) {
	m, err := recheck.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	p, err := recheck.New(recheck.Options{Config: cfg, Sources: sourceSpecs(sources), Metrics: m})
	if err != nil {
		return nil, err
	}
	svc := &referral.Service{Store: rs, Backend: b, Policy: pol, Audit: al}
	return &recheck.Loop{Service: svc, Prober: p, Every: cfg.Every, Log: log}, nil
}

// sourceSpecs lists the specs of the configured sources (none when nil).
func sourceSpecs(c *ingest.Config) []ingest.Spec {
	if c == nil {
		return nil
	}
	specs := make([]ingest.Spec, 0, len(c.Sources))
	for _, s := range c.Sources {
		specs = append(specs, s.Spec)
	}
	return specs
}

// retryAlert is the web UI's retry of a dead letter, where this process
// delivers alerts; nil otherwise.
func retryAlert(n *alerts.Notifier) func(ctx context.Context, id, actor string) error {
	if n == nil {
		return nil
	}
	return n.Retry
}
