package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/index/pipeline"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/index/trends"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/youtube"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/models/signals"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/alerts"
	"github.com/rasd-iq/rasd/review/queue"
	"github.com/rasd-iq/rasd/review/recheck"
	"github.com/rasd-iq/rasd/review/referral"
	"github.com/rasd-iq/rasd/review/web"
)

// engine is the opened parts of a running rasd.
type engine struct {
	store   store.Backend
	index   *index.Index
	model   *models.Model
	sources *ingest.Config
	pipe    *pipeline.Pipeline
	audit   *audit.Log
	alerts  *alerts.Notifier
	handler http.Handler
	// recheck re-checks referred posts on a schedule; nil when off.
	recheck *recheck.Loop
	run     *runSources // the sources changed at run time, and discovery
	// watchers are the alerts' loops over the tension index and the
	// saved searches, run where the web UI is served.
	watchers []func(context.Context)
}

// Close releases everything the engine opened.
func (e *engine) Close() {
	if e.alerts != nil {
		// Alerts still queued are delivered, or kept as dead letters.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		e.alerts.Close(ctx)
		cancel()
	}
	e.run.Close()
	if e.sources != nil {
		e.sources.Close()
	}
	if e.model != nil {
		e.model.Close()
	}
	if e.index != nil {
		e.index.Close()
	}
	if e.store != nil {
		e.store.Close()
	}
	if e.audit != nil {
		e.audit.Close()
	}
}

// openEngine opens store, index, model, policy and sources from cfg.
func openEngine(cfg runConfig, ortLib string, once, exit bool, log *slog.Logger) (_ *engine, err error) {
	eng := &engine{}
	if cfg.AllowInternal {
		cfg.Media.AllowInternal, cfg.Recheck.AllowInternal = true, true
	}
	defer func() {
		if err != nil {
			eng.Close()
		}
	}()
	pol := policy.Default()
	if cfg.Policy != "" {
		if pol, err = policy.Load(cfg.Policy); err != nil {
			return nil, err
		}
	}
	if cfg.Redis != "" {
		rs, err := redisstore.Open(context.Background(), cfg.Redis, redisstore.Options{})
		if err != nil {
			return nil, err
		}
		eng.store = rs
		// The work queue and the review queue live in Redis: a server that
		// keeps nothing on disk loses them when it restarts.
		if !cfg.RedisVolatile {
			p, err := rs.Persistence(context.Background())
			if err != nil {
				return nil, fmt.Errorf("%w (set redis_volatile: true to run without knowing)", err)
			}
			if p == "none" {
				return nil, fmt.Errorf("Redis at %s keeps nothing on disk (appendonly no, no save points): a restart would lose the work and review queues; turn on appendonly, or set redis_volatile: true (or --redis-volatile) to accept that", cfg.Redis)
			}
			if f, err := rs.AppendFsync(context.Background()); p == "aof" && err == nil && f != "always" {
				log.Warn("Redis syncs its append-only file to disk less than every write: a server that dies may lose the last writes it acknowledged; set appendfsync always to lose none", "appendfsync", f)
			}
		}
	} else if eng.store, err = store.Open(filepath.Join(cfg.Data, "rasd.db")); err != nil {
		return nil, err
	}
	if cfg.Role == pipeline.RoleAll || cfg.Role == pipeline.RoleAPI {
		if eng.index, err = index.Open(filepath.Join(cfg.Data, "index")); err != nil {
			return nil, err
		}
	}
	var scorer pipeline.Scorer
	var signaler pipeline.Signaler
	router := pipeline.PolicyRouter{Policy: pol, SourceKinds: map[string]string{}}
	if cfg.Role == pipeline.RoleAll || cfg.Role == pipeline.RoleWorker {
		if eng.model, err = models.Load(cfg.Model, models.Options{Device: cfg.Device, ORTLib: ortLib, Log: log}); err != nil {
			return nil, err
		}
		scorer = pipeline.ModelScorer{Model: eng.model}
		opts := signals.Options{Disabled: cfg.Signals.Disabled}
		if opts.Defenders, err = readDefenders(cfg.Signals.DefendersFile); err != nil {
			return nil, err
		}
		det, err := signals.New(opts)
		if err != nil {
			return nil, fmt.Errorf("signals: %w", err)
		}
		signaler = det
		router.Model, router.Thresholds = eng.model.ID(), eng.model.Thresholds()
	}
	// The media stage runs where posts are scored; every role that serves
	// pages reads the media store.
	var media pipeline.MediaAnalyzer
	var mediaStore blob.Store
	var sweeper pipeline.MediaSweeper
	if !cfg.Media.Disabled {
		if cfg.Role == pipeline.RoleAll || cfg.Role == pipeline.RoleWorker {
			m, err := mediastage.Open(context.Background(), cfg.Media, cfg.Data, "", log)
			if err != nil {
				return nil, err
			}
			media, mediaStore = m.Stage, m.Store
		} else if mediaStore, err = mediastage.OpenStore(context.Background(), cfg.Media, cfg.Data); err != nil {
			return nil, err
		}
		sweeper = mediastage.Sweeper{Store: mediaStore}
	}
	if cfg.Sources != "" {
		if eng.sources, err = ingest.LoadConfigWith(cfg.Sources, ingest.LoadOptions{AllowInternal: cfg.AllowInternal}); err != nil {
			return nil, err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(youtube.QuotaUnits) // the YouTube connector counts the API quota units its sources spend
	var syncEvery time.Duration
	if cfg.Redis != "" {
		syncEvery = 2 * time.Second // other processes write records: keep this node's index in step
	}
	// The pipeline enqueues what it routes to review in the transaction
	// that stores the records; entries of a store written before it did
	// are taken over once here.
	rs, err := queue.Open(eng.store)
	if err != nil {
		return nil, err
	}
	if n, err := review.Sync(context.Background(), rs, eng.store); err != nil {
		return nil, err
	} else if n > 0 {
		log.Info("review queue: took over entries recorded before the pipeline enqueued them", "items", n)
	}
	auditPath := filepath.Join(cfg.Data, "audit.jsonl")
	if eng.audit, err = audit.Open(auditPath); err != nil {
		return nil, err
	}
	if _, err := policy.RecordChange(eng.audit, auditPath, "rasd run", pol); err != nil {
		return nil, err
	}
	if eng.run, err = openRunSources(cfg, eng.store, eng.sources, eng.audit, log); err != nil { // sources.yaml and run-time changes
		return nil, err
	}
	sources := eng.run.wire(&router, cfg.Role, once)
	// Candidates found, alerts raised where posts are routed; tension alerts where the API is.
	notify := notifiers{eng.run.finder}
	routes, serves := cfg.Role == pipeline.RoleAll || cfg.Role == pipeline.RoleWorker, cfg.Role == pipeline.RoleAll || cfg.Role == pipeline.RoleAPI
	// Where the API is served, the searches accounts saved with alerts on
	// run too, whether or not rasd.yaml configures alerts.
	watches := serves
	if cfg.Alerts.Enabled() && routes || watches {
		var accounts alerts.Accounts
		if serves {
			accounts = web.AccountAlerts(rs, eng.audit, log)
		}
		if eng.alerts, err = alerts.Open(cfg.Alerts, alerts.Options{Data: cfg.Data, Audit: eng.audit, Log: log, Metrics: reg, Accounts: accounts}); err != nil {
			return nil, err
		}
		if routes {
			notify = append(notify, eng.alerts)
		}
	}
	eng.pipe, err = pipeline.New(pipeline.Config{Notify: notify,
		Role: cfg.Role, Store: eng.store, Index: eng.index, Scorer: scorer, Router: router, SyncEvery: syncEvery, Audit: eng.audit, Signals: signaler,
		Sources: sources, Batch: cfg.Batch, Retention: cfg.Retention, Log: log, Metrics: reg, Drain: exit,
		CaseRetention: cfg.CaseRetention, Media: media, MediaWorkers: cfg.Media.Workers, MediaSweeper: sweeper,
		SampleRate:  cfg.Review.SampleRate,
		ClosedCases: func(ctx context.Context) (map[string]time.Time, error) { return review.ClosedCases(ctx, rs) },
	})
	if err != nil {
		return nil, err
	}
	eng.run.start(eng.pipe, cfg.Role, once, cfg.Redis != "", log)
	// One web server serves every page and API behind its guard (roles,
	// CSRF); without an index (ingest and worker roles) search answers 503.
	proxies, err := proxyPrefixes(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	srv, err := openWeb(web.Config{TrustedProxies: proxies,
		Store: rs, Backend: eng.store, Index: eng.index, Metrics: reg, Audit: eng.audit, Policy: pol, Log: log,
		Thresholds: cardThresholds(router.Thresholds, cfg.Model), Failing: eng.pipe.Failing, Media: mediaReader(mediaStore),
		DeadAlerts: func() ([]alerts.DeadLetter, error) { return alerts.ListDeadLetters(cfg.Data) }, RetryAlert: retryAlert(eng.alerts),
		ComplaintLimits: web.ComplaintLimits{PerAddress: cfg.Complaints.PerAddress, Global: cfg.Complaints.Global, Window: cfg.Complaints.Window},
		Sources:         eng.run.catalog, SourceHealth: eng.pipe.Health, Discovery: eng.run.finder,
	}, cfg.Data)
	if err != nil {
		return nil, err
	}
	eng.handler = srv
	if eng.alerts != nil && watches {
		eng.watchers = append(eng.watchers, func(ctx context.Context) {
			eng.alerts.WatchTension(ctx, func(ctx context.Context) ([]trends.Tension, error) {
				rep, err := srv.Trends(ctx, 30)
				return rep.Tension, err
			})
		}, func(ctx context.Context) { eng.alerts.WatchSearches(ctx, eng.index) })
	}
	// Referred posts are re-checked where the API is served.
	if cfg.Recheck.Every > 0 && (cfg.Role == pipeline.RoleAll || cfg.Role == pipeline.RoleAPI) {
		if eng.recheck, err = openRecheck(cfg.Recheck, eng.sources, rs, eng.store, pol, eng.audit, reg, log); err != nil {
			return nil, err
		}
	}
	return eng, nil
}

// cardThresholds returns the model card's thresholds for the review UI:
// loaded ones when this process scores, else read from the model folder
// (nil when it has none; the UI then shows scores alone).
func cardThresholds(loaded map[string]float64, modelDir string) map[string]float64 {
	if loaded != nil {
		return loaded
	}
	if modelDir == "" {
		var err error
		if modelDir, err = models.DefaultDir(); err != nil {
			return nil
		}
	}
	card, err := models.ReadCard(modelDir)
	if err != nil {
		return nil
	}
	return card.Thresholds
}

// mediaReader is the media store as the web server reads it (nil when the
// media stage is off).
func mediaReader(st blob.Store) referral.MediaReader {
	if st == nil {
		return nil
	}
	return st
}
