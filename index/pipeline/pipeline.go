// Package pipeline runs Rasd's monitoring loop: connectors on their schedules
// feed the store's durable work queue; a worker normalises and scores posts in
// batches, attributes a governorate, routes them by policy into the review
// queue, and indexes them for search.
//
// Delivery is at least once with idempotent writes: a post is recorded and
// indexed under its stable id, so redelivery after a crash changes nothing.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/gazetteer"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/dedup"
	"github.com/rasd-iq/rasd/nlp"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
)

// Scored is a scorer's output for one text.
type Scored struct {
	// Scores are the model's raw scores.
	Scores map[string]float64
	// Undiscounted are the raw scores the model's stance discount lowered,
	// as they were before it (models.Prediction.Undiscounted).
	Undiscounted map[string]float64
	Flags        []string
	Context      []string
	Spans        []store.Span
	// Normalized is the text as the normaliser folds it, when the scorer
	// has it; the pipeline then does not normalise the text again. Tokens,
	// when set, are its tokens (nlp.Tokenize), which the index reuses.
	Normalized string
	Tokens     []nlp.Token
	// Signals are filled by the pipeline's Signaler, when it has one.
	Signals []policy.Signal
}

// Scorer scores texts in one batch, same order.
type Scorer interface {
	// Score returns one Scored per text.
	Score(ctx context.Context, texts []string) ([]Scored, error)
	// ID names the model as NAME@VERSION.
	ID() string
}

// NormalizedScorer is a Scorer that can take the texts' normalised forms
// (nlp.Normalize), which the pipeline computes for duplicate detection
// first, instead of normalising them again.
type NormalizedScorer interface {
	Scorer
	ScoreNormalized(ctx context.Context, texts, norms []string) ([]Scored, error)
}

// Router judges a scored post: it maps the scores onto the policy's scale,
// routes them with the post's signals and source type, and returns the
// whole judgement, which is stored with the record.
type Router interface {
	Judge(p *ingest.Post, s *Scored) (policy.Judgement, error)
}

// Signaler finds the signals of a post (a named person, a threat to a home,
// a quotation) with evidence spans into its original text, between scoring
// and routing.
type Signaler interface {
	Signals(p *ingest.Post, normalized string) []policy.Signal
}

// AuditLog receives the judgements that put posts in the review queue,
// once their records are stored.
type AuditLog interface {
	AppendBatch(events []audit.Event) ([]audit.Entry, error)
}

// Notifier hears of posts newly routed to review, once their records are
// stored (alerts). Routed must return at once: it runs on the pipeline's
// path, so any delivery happens elsewhere. recs holds only records routed
// to review; it must not be kept after Routed returns.
type Notifier interface {
	Routed(ctx context.Context, recs []store.Record)
}

// Source is a configured connector with its schedule.
type Source struct {
	Name      string
	Connector ingest.Connector
	Interval  time.Duration
	// Once stops the source after it reports nothing new.
	Once bool
}

// Config wires a pipeline.
type Config struct {
	Store  store.Backend
	Index  *index.Index
	Scorer Scorer
	Router Router
	// Signals, when set, finds each post's signals before it is routed.
	Signals Signaler
	// Audit, when set, receives the judgement of every post routed to review.
	Audit AuditLog
	// Notify, when set, hears of every post newly routed to review: by the
	// text stage when its batch is stored, by the media stage when what a
	// post's media hold sends it there, or makes a post already in review
	// urgent (then it hears of the post a second time).
	Notify Notifier
	// Sources are fetched on their schedules; may be empty (worker only).
	Sources []Source
	// Batch is the scoring batch size (default 2048): the most posts a
	// worker claims, scores and records in one store transaction.
	Batch int
	// Drain makes Run return once the sources are done (they all run
	// once, or there are none) and the work queue is drained: `rasd run
	// --once --exit`.
	Drain bool
	// Workers is the number of batches processed at once (default 3), so
	// that storing and indexing one batch overlaps scoring the next, and a
	// worker waiting on the store or the index leaves another one to run.
	Workers int
	// MaxPending bounds the work queue: connectors wait while it is fuller
	// (back-pressure; default 20,000).
	MaxPending int
	// Retention is how long unflagged posts are kept (default 30 days).
	Retention time.Duration
	// CaseRetention is how long a post that entered review is kept after its
	// case closed (default 365 days); ClosedCases says which cases are
	// closed and when (review.ClosedCases). Without ClosedCases, posts that
	// entered review are kept.
	CaseRetention time.Duration
	ClosedCases   func(context.Context) (map[string]time.Time, error)
	// PollEvery is how long an idle worker waits before it looks for work
	// again when no source of this process said it queued some (default
	// 250ms with a shared Redis store, where other processes queue work;
	// 2s otherwise).
	PollEvery time.Duration
	// PurgeEvery is how often retention runs (default 1h).
	PurgeEvery time.Duration
	// Role is what this process does (RoleAll when empty).
	Role string
	// SyncEvery, when positive, re-syncs the index from the store that often
	// (for a shared Redis store, where other processes write records).
	SyncEvery time.Duration
	// Log receives anomalies; nil logs nothing.
	Log *slog.Logger
	// Metrics registers the pipeline's metrics; nil skips registration.
	Metrics prometheus.Registerer
	// Media, when set and the store keeps a media work list (MediaQueue),
	// runs the media stage on posts that carry media, off the text path,
	// with MediaWorkers at once (default 2).
	Media        MediaAnalyzer
	MediaWorkers int
	// MediaSweeper, when set, removes the stored media of purged posts
	// after each retention purge.
	MediaSweeper MediaSweeper
	// SampleRate is the share (0 to 1) of the posts policy did not route
	// that are sent to review all the same as a random sample (Sampled),
	// so that reviewers measure what the rules miss; 0 sends none. A post
	// with media is sampled after the media stage, if its media did not
	// route it.
	SampleRate float64
}

// Pipeline is a configured monitoring loop.
type Pipeline struct {
	cfg   Config
	gaz   *gazetteer.Gazetteer
	dedup *dedup.Index
	// indexMu guards indexQ, the indexer's queue while Run runs.
	indexMu sync.RWMutex
	indexQ  chan []index.Doc
	// idle is signalled (without blocking) when a worker finds the work
	// queue empty; work when a source of this process queued posts.
	idle, work chan struct{}
	// mediaIdle and mediaWork do the same for the media stage.
	mediaIdle, mediaWork chan struct{}
	m                    metrics
	// failMu guards failing, the sources whose last attempt failed (with
	// when their failures began), and degraded, the sources whose
	// connectors report them working only in part (with what is wrong).
	failMu   sync.Mutex
	failing  map[string]failure
	degraded map[string]string
	// workFailing is set while the workers' last claim or batch failed (the
	// store unreachable or refusing writes).
	workFailing failure
	// canonMu guards canonCursor, the position in the canonical posts other
	// processes share (store.CanonicalSharer) up to which dedup has them.
	canonMu     sync.Mutex
	canonCursor string
	// claimMu makes workers claim a batch and run it through the duplicate
	// index one at a time.
	claimMu sync.Mutex
	// mgr is the source manager's side of StartSource and StopSource.
	mgr manager
	// healthMu guards health, what each source's fetches did lately.
	healthMu sync.Mutex
	health   map[string]*sourceHealth
}

type metrics struct {
	in, scored, queued, sampled prometheus.Counter
	sightings                   prometheus.Counter
	flagged, signals, routed    *prometheus.CounterVec
	depth                       prometheus.GaugeFunc
	batch                       prometheus.Histogram
	errors                      *prometheus.CounterVec
	media                       *prometheus.CounterVec
	mediaSeconds                prometheus.Histogram
	mediaDepth                  prometheus.GaugeFunc
}

// New checks cfg and returns a pipeline.
func New(cfg Config) (*Pipeline, error) {
	switch cfg.Role {
	case "":
		cfg.Role = RoleAll
	case RoleAll, RoleIngest, RoleWorker, RoleAPI:
	default:
		return nil, fmt.Errorf("pipeline: unknown role %q (want all, ingest, worker or api)", cfg.Role)
	}
	if cfg.Store == nil {
		return nil, errors.New("pipeline: a store is required")
	}
	if (cfg.Role == RoleAll || cfg.Role == RoleWorker) && (cfg.Scorer == nil || cfg.Router == nil) {
		return nil, errors.New("pipeline: scoring needs a scorer and a router")
	}
	if (cfg.Role == RoleAll || cfg.Role == RoleAPI) && cfg.Index == nil {
		return nil, errors.New("pipeline: this role needs an index")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 3
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 20000
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 2 * time.Second
		if _, shared := cfg.Store.(store.CanonicalSharer); shared {
			cfg.PollEvery = 250 * time.Millisecond
		}
	}
	if cfg.PurgeEvery <= 0 {
		cfg.PurgeEvery = time.Hour
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.CaseRetention <= 0 {
		cfg.CaseRetention = 365 * 24 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MediaWorkers <= 0 {
		cfg.MediaWorkers = 2
	}
	if cfg.SampleRate < 0 || cfg.SampleRate > 1 || cfg.SampleRate != cfg.SampleRate {
		return nil, fmt.Errorf("pipeline: sample rate %v is not between 0 and 1", cfg.SampleRate)
	}
	p := &Pipeline{cfg: cfg, gaz: gazetteer.New(), dedup: dedup.NewIndex(dedup.Options{}), idle: make(chan struct{}, 1), work: make(chan struct{}, cfg.Workers),
		mediaIdle: make(chan struct{}, 1), mediaWork: make(chan struct{}, max(cfg.MediaWorkers, 1))}
	p.m = metrics{
		in:        prometheus.NewCounter(prometheus.CounterOpts{Name: "rasd_posts_in_total", Help: "Posts taken in from sources (new ones only)."}),
		scored:    prometheus.NewCounter(prometheus.CounterOpts{Name: "rasd_posts_scored_total", Help: "Posts scored."}),
		sightings: prometheus.NewCounter(prometheus.CounterOpts{Name: "rasd_sightings_total", Help: "Copies of texts already seen, counted as sightings."}),
		queued:    prometheus.NewCounter(prometheus.CounterOpts{Name: "rasd_posts_queued_total", Help: "Posts routed to human review."}),
		sampled:   prometheus.NewCounter(prometheus.CounterOpts{Name: "rasd_posts_sampled_total", Help: "Posts no rule routed sent to review as a random sample."}),
		flagged:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_posts_flagged_total", Help: "Posts flagged, by label."}, []string{"label"}),
		signals:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_signals_total", Help: "Posts in which a signal fired, by signal."}, []string{"signal"}),
		routed:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_routed_total", Help: "Posts routed to review, by rule."}, []string{"rule"}),
		depth: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rasd_work_queue_depth", Help: "Posts waiting to be scored."}, func() float64 {
			n, _ := cfg.Store.WorkDepth(context.Background())
			return float64(n)
		}),
		batch:  prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rasd_batch_seconds", Help: "Time to score, route, store and index one batch.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_source_errors_total", Help: "Failed fetches, by source."}, []string{"source"}),
		media:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_media_total", Help: "Media items the media stage processed, by outcome (read, matched, failed)."}, []string{"outcome"}),
		mediaSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rasd_media_post_seconds", Help: "Time to fetch, hash, match and read one post's media and judge it again.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
		mediaDepth: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rasd_media_queue_depth", Help: "Posts whose media wait for the media stage."}, func() float64 {
			mq, ok := cfg.Store.(MediaQueue)
			if !ok {
				return 0
			}
			n, _ := mq.MediaDepth(context.Background())
			return float64(n)
		}),
	}
	if cfg.Metrics != nil {
		for _, c := range []prometheus.Collector{p.m.in, p.m.scored, p.m.sightings, p.m.queued, p.m.sampled, p.m.flagged, p.m.signals, p.m.routed, p.m.depth, p.m.batch, p.m.errors, p.m.media, p.m.mediaSeconds, p.m.mediaDepth} {
			if err := cfg.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("registering metrics: %w", err)
			}
		}
	}
	return p, nil
}

// Roles a pipeline process can take. In the embedded mode one process takes
// them all; with Redis, processes on several machines split them.
const (
	// RoleAll fetches sources, scores the work queue and keeps the index.
	RoleAll = "all"
	// RoleIngest only fetches sources into the work queue.
	RoleIngest = "ingest"
	// RoleWorker only scores the work queue.
	RoleWorker = "worker"
	// RoleAPI only keeps its index in step with the shared store (for the UI).
	RoleAPI = "api"
)

// Run runs the parts of the pipeline cfg.Role names until ctx ends. When
// every source is Once, it returns after they are done and (if this process
// scores) the work queue is empty. Run returns only after every goroutine it
// started has stopped and the index holds what the workers handed over; the
// first error of any part stops the others and is returned.
func (p *Pipeline) Run(ctx context.Context) error {
	role := p.cfg.Role
	ingestRole := role == RoleAll || role == RoleIngest
	workRole := role == RoleAll || role == RoleWorker
	// Everything that can fail before the parts start is done first, so
	// that no early return leaves a goroutine running.
	if p.cfg.Index != nil {
		if err := p.Reconcile(ctx); err != nil {
			return err
		}
	}
	if workRole {
		// Shared canonical posts published from here on are learned as they
		// come; those before are among the records rebuildDedup loads.
		if cs, ok := p.cfg.Store.(store.CanonicalSharer); ok {
			cursor, err := cs.CanonicalCursor(ctx)
			if err != nil {
				return err
			}
			p.canonMu.Lock()
			p.canonCursor = cursor
			p.canonMu.Unlock()
		}
		if err := p.rebuildDedup(ctx); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		parts, workers, sources sync.WaitGroup
		errMu                   sync.Mutex
		first                   error
	)
	fail := func(err error) {
		if err == nil || errors.Is(err, context.Canceled) {
			return
		}
		errMu.Lock()
		if first == nil {
			first = err
		}
		errMu.Unlock()
		cancel(err)
	}

	allOnce := ingestRole && len(p.cfg.Sources) > 0
	if ingestRole {
		// The sources of the configuration start here; the source manager
		// starts, restarts and stops sources while Run runs.
		ctl, stopped, initial := p.beginManaging()
		live := map[string]*runner{}
		for _, s := range initial {
			allOnce = allOnce && s.Once
			live[s.Name] = p.launch(ctx, s, &sources)
		}
		parts.Go(func() { p.manageSources(ctx, ctl, stopped, live) })
	}
	allOnce = allOnce || p.cfg.Drain
	var indexerDone chan error
	if workRole {
		if p.cfg.Index != nil {
			q := make(chan []index.Doc, 4)
			p.setIndexQ(q)
			indexerDone = make(chan error, 1)
			go func() { indexerDone <- p.runIndexer(q) }()
		}
		for range p.cfg.Workers {
			workers.Go(func() { fail(p.runWorker(ctx)) })
		}
		if mq, ok := p.mediaQueue(); ok {
			for range p.cfg.MediaWorkers {
				workers.Go(func() { fail(p.runMediaWorker(ctx, mq)) })
			}
		}
	}
	if p.cfg.SyncEvery > 0 && p.cfg.Index != nil {
		parts.Go(func() { fail(p.syncIndex(ctx)) })
	}
	if (role == RoleAll || role == RoleAPI) && !allOnce {
		parts.Go(func() { fail(p.runRetention(ctx)) })
	}
	if allOnce {
		// Sources that run once: stop when they are done and the work
		// queue is drained, checked each time a worker finds it empty.
		parts.Go(func() {
			sources.Wait()
			if workRole {
				if err := p.waitDrained(ctx); err != nil {
					fail(err)
					return
				}
			}
			cancel(nil)
		})
	}
	<-ctx.Done()
	sources.Wait()
	workers.Wait()
	parts.Wait()
	if indexerDone != nil {
		// Workers have stopped: index what they handed over, then return.
		p.setIndexQ(nil)
		if err := <-indexerDone; err != nil {
			p.cfg.Log.Error("indexing", "err", err)
			fail(err)
		}
	}
	return first
}

// setIndexQ hands the indexer's queue to Process, or with nil closes the
// current one: Process then indexes its batches itself.
func (p *Pipeline) setIndexQ(q chan []index.Doc) {
	p.indexMu.Lock()
	defer p.indexMu.Unlock()
	if q == nil && p.indexQ != nil {
		close(p.indexQ)
	}
	p.indexQ = q
}

// failure is a part of the pipeline that is failing: since when, and its
// last error.
type failure struct {
	since time.Time
	err   string
}

// update returns f after an attempt that ended with err: the zero failure
// after a success, the same start with the new error after a failure.
func (f failure) update(err error) failure {
	if err == nil {
		return failure{}
	}
	if f.since.IsZero() {
		f.since = time.Now()
	}
	f.err = err.Error()
	return f
}

// setFailing records whether source's last attempt failed, and why.
func (p *Pipeline) setFailing(source string, err error) {
	p.failMu.Lock()
	defer p.failMu.Unlock()
	if err == nil {
		delete(p.failing, source)
		return
	}
	if p.failing == nil {
		p.failing = map[string]failure{}
	}
	p.failing[source] = p.failing[source].update(err)
}

// setWorkFailing records whether a worker's last claim or batch failed,
// logging at error level when the workers start failing and at info level
// when they recover.
func (p *Pipeline) setWorkFailing(err error) {
	p.failMu.Lock()
	was := !p.workFailing.since.IsZero()
	p.workFailing = p.workFailing.update(err)
	p.failMu.Unlock()
	switch {
	case err != nil && !was:
		p.cfg.Log.Error("workers failing: batches wait in the work queue", "err", err)
	case err == nil && was:
		p.cfg.Log.Info("workers recovered")
	}
}

// setDegraded records what a source's connector reports wrong after a
// fetch (nil: nothing; see ingest.HealthReporter), logging at error level
// when it turns degraded and at info level when it recovers.
func (p *Pipeline) setDegraded(log *slog.Logger, source string, health error) {
	p.failMu.Lock()
	was := p.degraded[source]
	if health == nil {
		delete(p.degraded, source)
	} else {
		if p.degraded == nil {
			p.degraded = map[string]string{}
		}
		p.degraded[source] = health.Error()
	}
	p.failMu.Unlock()
	switch {
	case health != nil && was == "":
		log.Error("source degraded: its fetches succeed but what they return is incomplete", "err", health)
	case health == nil && was != "":
		log.Info("source no longer degraded")
	}
}

// Failing names, for /healthz, the sources whose last fetch or store write
// failed and the workers when their last claim or batch failed (the store
// unreachable or refusing writes), each with how long it has been failing
// and its last error, and the sources whose connectors report them
// degraded, with why.
func (p *Pipeline) Failing() []string {
	p.failMu.Lock()
	defer p.failMu.Unlock()
	out := make([]string, 0, len(p.failing)+len(p.degraded)+1)
	for name, f := range p.failing {
		out = append(out, fmt.Sprintf("source %s failing for %s: %s", name, time.Since(f.since).Round(time.Second), f.err))
	}
	if f := p.workFailing; !f.since.IsZero() {
		out = append(out, fmt.Sprintf("workers failing for %s: %s", time.Since(f.since).Round(time.Second), f.err))
	}
	for name, why := range p.degraded {
		out = append(out, fmt.Sprintf("source %s degraded: %s", name, why))
	}
	slices.Sort(out)
	return out
}

// wake tells idle workers that this process queued work.
func (p *Pipeline) wake() {
	for range p.cfg.Workers {
		select {
		case p.work <- struct{}{}:
		default:
			return
		}
	}
}

// waitDrained returns once the work queue is empty, looking again each time
// a worker finds nothing to claim.
func (p *Pipeline) waitDrained(ctx context.Context) error {
	for {
		n, err := p.cfg.Store.WorkDepth(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.idle:
		}
	}
	mq, ok := p.mediaQueue()
	if !ok {
		return nil
	}
	// Then the media of what was stored.
	for {
		n, err := mq.MediaDepth(ctx)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.mediaIdle:
		case <-time.After(p.cfg.PollEvery):
		}
	}
}

// mediaQueue returns the store's media work list when the media stage is
// configured and the store keeps one.
func (p *Pipeline) mediaQueue() (MediaQueue, bool) {
	if p.cfg.Media == nil {
		return nil, false
	}
	mq, ok := p.cfg.Store.(MediaQueue)
	return mq, ok
}

// runRetention applies retention at start and every PurgeEvery.
func (p *Pipeline) runRetention(ctx context.Context) error {
	for {
		if _, err := p.Purge(ctx, time.Now()); err != nil && ctx.Err() == nil {
			p.cfg.Log.Error("retention purge", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.cfg.PurgeEvery):
		}
	}
}

// syncIndex reconciles the index with the shared store every SyncEvery, so
// that a node's index holds what workers elsewhere processed.
func (p *Pipeline) syncIndex(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.cfg.SyncEvery):
		}
		if err := p.Reconcile(ctx); err != nil && ctx.Err() == nil {
			p.cfg.Log.Error("syncing index with store", "err", err)
		}
	}
}

// runSource fetches one source on its schedule, retrying failures with
// exponential back-off and jitter; it never stops the other sources.
func (p *Pipeline) runSource(ctx context.Context, s Source) {
	log := p.cfg.Log.With("source", s.Name)
	// Connectors that receive posts (tips from trusted flaggers) serve their
	// endpoint while the source runs.
	if srv, ok := s.Connector.(ingest.Server); ok && !s.Once {
		var serving sync.WaitGroup
		defer serving.Wait() // the endpoint stops with ctx
		serving.Go(func() {
			if err := srv.Serve(ctx); err != nil && ctx.Err() == nil {
				log.Error("serving source endpoint", "err", err)
			}
		})
	}
	backoff := time.Second
	for {
		// A store that cannot be read (Redis restarting, a disk full) is
		// waited out with back-off like a failed fetch: the source never
		// stops for it.
		err := p.waitForRoom(ctx)
		var cur ingest.Cursor
		if err == nil {
			cur, err = p.cfg.Store.Cursor(ctx, s.Name)
		}
		var posts []ingest.Post
		var n int
		if err == nil {
			var next ingest.Cursor
			posts, next, err = s.Connector.Fetch(ctx, cur)
			p.setDegraded(log, s.Name, ingest.HealthOf(s.Connector))
			// Skipped items leave the batch and its cursor valid (see
			// ingest.SkipError): they are reported, never retried.
			var skipped *ingest.SkipError
			if errors.As(err, &skipped) {
				for i, it := range skipped.Items {
					if i == 5 {
						log.Warn("more malformed items skipped", "count", len(skipped.Items)-i)
						break
					}
					log.Warn("malformed item skipped", "at", it.Where, "err", it.Err)
				}
				err = nil
			}
			if err == nil {
				n, err = p.cfg.Store.Ingest(ctx, s.Name, next, posts)
				p.m.in.Add(float64(n))
				if n > 0 {
					p.wake()
				}
				if err == nil && len(posts) > 0 && next != cur {
					p.noteFetch(s.Name, nil, posts, n)
					backoff = time.Second
					continue // more may be waiting: fetch again at once
				}
			}
		}
		wait := s.Interval
		if ctx.Err() != nil {
			return
		}
		p.noteFetch(s.Name, err, posts, n)
		p.setFailing(s.Name, err)
		if err != nil {
			p.m.errors.WithLabelValues(s.Name).Inc()
			log.Warn("fetch failed", "err", err, "retry_in", backoff)
			wait = backoff + time.Duration(rand.Int64N(int64(backoff/4)+1))
			backoff = min(backoff*2, 5*time.Minute)
		} else if s.Once {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// waitForRoom blocks while the work queue is over MaxPending (back-pressure).
func (p *Pipeline) waitForRoom(ctx context.Context) error {
	for {
		n, err := p.cfg.Store.WorkDepth(ctx)
		if err != nil || n < p.cfg.MaxPending {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runWorker processes the work queue in batches until ctx ends.
func (p *Pipeline) runWorker(ctx context.Context) error {
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Batches are claimed and observed by the duplicate index one at a
		// time, so that the index sees posts in work-queue order whatever
		// the number of workers: of copies of one text, the first queued
		// is the canonical post. Scoring and storing run in parallel.
		p.claimMu.Lock()
		ds, err := p.cfg.Store.Claim(ctx, p.cfg.Batch)
		var ob *observation
		if err == nil && len(ds) > 0 {
			ob, err = p.observe(ctx, ds)
			if err != nil {
				err = p.failed(ctx, ds, ob, err)
				p.claimMu.Unlock()
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
		}
		p.claimMu.Unlock()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.setWorkFailing(err)
			p.cfg.Log.Warn("reading work queue", "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		}
		if len(ds) == 0 {
			p.setWorkFailing(nil)
			select {
			case p.idle <- struct{}{}:
			default:
			}
			// Sources of this process say when they queue work; work that
			// other processes queue (Redis) is looked for now and then.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-p.work:
			case <-time.After(p.cfg.PollEvery):
			}
			continue
		}
		err = p.finish(ctx, ds, ob)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			p.failed(ctx, ds, ob, err)
			continue
		}
		p.setWorkFailing(nil)
	}
}

// failed handles a batch that failed after it was claimed: the copies it
// observed are withdrawn from the duplicate index (observed again, they are
// copies again), the batch is released for a retry, and the workers are
// reported failing for a second. It returns nil: the worker goes on.
func (p *Pipeline) failed(ctx context.Context, ds []store.Delivery, ob *observation, err error) error {
	if ob != nil {
		ob.withdraw(p.dedup)
	}
	if ctx.Err() != nil {
		return nil
	}
	p.setWorkFailing(err)
	p.cfg.Log.Warn("batch failed; it will be retried", "err", err, "first", ds[0].Post.ID)
	if err := p.cfg.Store.Release(ctx, ds); err != nil {
		p.cfg.Log.Error("releasing failed batch", "err", err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
	return nil
}

// observation is what the duplicate index made of a batch.
type observation struct {
	start      time.Time
	ids, texts []string
	verdicts   []dedup.Result
	entries    []dedup.Entry
	norms      []string
}

// withdraw takes the batch's copies out of the duplicate index again, for a
// batch that was not recorded.
func (ob *observation) withdraw(x *dedup.Index) {
	var copies []string
	for i, v := range ob.verdicts {
		if v.Kind == dedup.SameText || v.Kind == dedup.NearDuplicate {
			copies = append(copies, ob.ids[i])
		}
	}
	x.Withdraw(copies...)
}

// Process scores, routes, stores and indexes one batch of deliveries. The
// store transaction that records the batch also acknowledges it; the index is
// written after, and Reconcile repairs it after a crash. When it fails, the
// copies it observed are withdrawn from the duplicate index, so that the
// batch can be processed again.
func (p *Pipeline) Process(ctx context.Context, ds []store.Delivery) error {
	ob, err := p.observe(ctx, ds)
	if err == nil {
		err = p.finish(ctx, ds, ob)
	}
	if err != nil && ob != nil {
		ob.withdraw(p.dedup)
	}
	return err
}

// sightingOf records post as a copy of the post canonical, seen when it
// was created (or fetched, when the platform gives no time).
func sightingOf(post *ingest.Post, canonical string, kind dedup.Kind) store.Sighting {
	t := post.Created
	if t.IsZero() {
		t = post.Fetched
	}
	return store.Sighting{Canonical: canonical, PostID: post.ID, Source: post.Source,
		Platform: post.Platform, Permalink: post.Permalink, Kind: kind.String(), Time: t}
}

// observe runs a batch through the duplicate index. On error the returned
// observation, when not nil, holds what the index recorded.
func (p *Pipeline) observe(ctx context.Context, ds []store.Delivery) (*observation, error) {
	ob := &observation{start: time.Now(), ids: make([]string, len(ds)), texts: make([]string, len(ds))}
	for i := range ds {
		ob.ids[i], ob.texts[i] = ds[i].Post.ID, ds[i].Post.Text
	}
	// Copies of a text already seen become sightings of the canonical post,
	// not new items: analysts see a text once, campaigns stay visible.
	if err := p.learnCanonicals(ctx); err != nil {
		return nil, err
	}
	ob.verdicts, ob.entries, ob.norms = p.dedup.ObserveBatchNormalized(ob.ids, ob.texts)
	if err := p.agreeOnTexts(ctx, ob.ids, ob.verdicts, ob.entries); err != nil {
		return ob, err
	}
	return ob, nil
}

// finish scores, routes, stores and indexes a batch the duplicate index has
// observed.
func (p *Pipeline) finish(ctx context.Context, ds []store.Delivery, ob *observation) error {
	start, texts, verdicts, entries, norms := ob.start, ob.texts, ob.verdicts, ob.entries, ob.norms
	var fresh []int
	var sightings []store.Sighting
	var stored []index.Doc
	for i, v := range verdicts {
		post := &ds[i].Post
		switch v.Kind {
		case dedup.SameText, dedup.NearDuplicate:
			sightings = append(sightings, sightingOf(post, v.Canonical, v.Kind))
		case dedup.DuplicateID:
			// Seen in this process before (a delivery handed out twice: a
			// lease that ran out, a reply lost with the connection). A copy
			// is recorded as a sighting by the batch that observed it, or
			// withdrawn if that batch fails and observed again with it; a
			// canonical post is recorded already, unless the batch that saw
			// it failed: then it is scored now. Either is looked up in the
			// store, which may have lost what it acknowledged (a Redis that
			// died before its append-only file reached the disk) and so
			// hands the post out again: a copy whose sighting is missing is
			// recorded again (as a copy of the same text), never dropped.
			if v.Canonical != post.ID {
				ss, err := p.cfg.Store.Sightings(ctx, v.Canonical)
				if err != nil {
					return fmt.Errorf("looking up the sightings of %s: %w", v.Canonical, err)
				}
				if !slices.ContainsFunc(ss, func(s store.Sighting) bool { return s.PostID == post.ID }) {
					sightings = append(sightings, sightingOf(post, v.Canonical, dedup.SameText))
				}
				continue
			}
			if rec, err := p.cfg.Store.Get(ctx, post.ID); err == nil {
				// Stored by a batch that failed after its commit (the
				// reply lost with a dying server): that batch may not
				// have indexed it, so it is indexed now; the index is
				// keyed by the post's id, so twice changes nothing.
				stored = append(stored, DocFor(&rec))
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			fresh = append(fresh, i)
		default:
			fresh = append(fresh, i)
		}
	}
	freshTexts, freshNorms := make([]string, len(fresh)), make([]string, len(fresh))
	for j, i := range fresh {
		freshTexts[j], freshNorms[j] = texts[i], norms[i]
	}
	var scored []Scored
	if len(fresh) > 0 {
		var err error
		if ns, ok := p.cfg.Scorer.(NormalizedScorer); ok {
			scored, err = ns.ScoreNormalized(ctx, freshTexts, freshNorms)
		} else {
			scored, err = p.cfg.Scorer.Score(ctx, freshTexts)
		}
		if err != nil {
			return fmt.Errorf("scoring batch: %w", err)
		}
		if len(scored) != len(fresh) {
			return fmt.Errorf("scorer returned %d results for %d posts", len(scored), len(fresh))
		}
	}
	recs := make([]store.Record, len(fresh))
	docs := make([]index.Doc, len(fresh))
	now := time.Now().UTC()
	model := p.cfg.Scorer.ID()
	for j, i := range fresh {
		post, s := &ds[i].Post, &scored[j]
		if p.cfg.Signals != nil {
			s.Signals = p.cfg.Signals.Signals(post, s.Normalized)
		}
		jd, err := p.cfg.Router.Judge(post, s)
		if err != nil {
			return fmt.Errorf("routing %s: %w", post.ID, err)
		}
		d := &jd.Decision
		recs[j] = store.Record{
			Post: *post, Scores: s.Scores, Flags: s.Flags, Context: s.Context, Spans: s.Spans,
			Model: model, Governorate: p.locate(post, s),
			Queued: d.Queue, Priority: d.Priority, Urgent: d.Urgent, Reasons: d.ReasonLines(), Processed: now,
			Judgement: &jd,
		}
		// A post with media is sampled once the media stage has judged it
		// again (what its media hold may route it).
		recs[j].Sample = !d.Queue && !store.NeedsMedia(&recs[j]) && Sampled(post.ID, p.cfg.SampleRate)
		if !d.Queue && !recs[j].Sample && !store.NeedsMedia(&recs[j]) {
			// The raw capture is evidence for what enters review (routed or
			// sampled); the others keep only the page's hash (a post with
			// media keeps it until the media stage has judged it again).
			recs[j].Post.Capture, recs[j].Post.CaptureType = nil, ""
		}
		docs[j] = DocFor(&recs[j])
		docs[j].Normalized, docs[j].Tokens = s.Normalized, s.Tokens
	}
	if err := p.complete(ctx, recs, sightings, ds, verdicts, entries); err != nil {
		return err
	}
	p.auditQueued(recs)
	p.notifyQueued(ctx, recs)
	if err := p.index(append(docs, stored...)); err != nil {
		return err
	}
	for i := range recs {
		if store.NeedsMedia(&recs[i]) {
			select {
			case p.mediaWork <- struct{}{}:
			default:
			}
			break
		}
	}
	p.m.scored.Add(float64(len(recs)))
	p.m.sightings.Add(float64(len(sightings)))
	for i := range recs {
		for _, l := range recs[i].Flags {
			p.m.flagged.WithLabelValues(l).Inc()
		}
		if recs[i].Queued {
			p.m.queued.Inc()
		} else if recs[i].Sample {
			p.m.sampled.Inc()
		}
		if j := recs[i].Judgement; j != nil {
			for _, name := range policy.SignalNames(j.Signals) {
				p.m.signals.WithLabelValues(name).Inc()
			}
			if j.Decision.Queue {
				p.m.routed.WithLabelValues(j.Decision.RuleID).Inc()
			}
		}
	}
	p.m.batch.Observe(time.Since(start).Seconds())
	return nil
}

// index hands docs to the indexer while Run runs, or writes them itself.
func (p *Pipeline) index(docs []index.Doc) error {
	if p.cfg.Index == nil || len(docs) == 0 {
		return nil
	}
	p.indexMu.RLock()
	defer p.indexMu.RUnlock()
	if p.indexQ != nil {
		p.indexQ <- docs
		return nil
	}
	return p.cfg.Index.Put(docs...)
}

// auditQueued appends the judgements that put posts of a stored batch in
// the review queue to the audit log, and for a sampled post its judgement
// and that the sample chose it. A failure is logged: the records and their
// judgements are stored already.
func (p *Pipeline) auditQueued(recs []store.Record) {
	if p.cfg.Audit == nil {
		return
	}
	var evs []audit.Event
	for i := range recs {
		if r := &recs[i]; r.Queued && r.Judgement != nil {
			evs = append(evs, r.Judgement.AuditEvent(r.Post.ID), captureEvent(r))
		} else if r.Sample && r.Judgement != nil {
			evs = append(evs, r.Judgement.AuditEvent(r.Post.ID), sampleEvent(r, p.cfg.SampleRate), captureEvent(r))
		}
	}
	if len(evs) == 0 {
		return
	}
	if _, err := p.cfg.Audit.AppendBatch(evs); err != nil {
		p.cfg.Log.Error("auditing routing decisions", "items", len(evs), "err", err)
	}
}

// notifyQueued hands the records of a stored batch that entered review
// to the notifier.
func (p *Pipeline) notifyQueued(ctx context.Context, recs []store.Record) {
	if p.cfg.Notify == nil {
		return
	}
	var queued []store.Record
	for i := range recs {
		if recs[i].Queued {
			queued = append(queued, recs[i])
		}
	}
	if len(queued) > 0 {
		p.cfg.Notify.Routed(ctx, queued)
	}
}

// agreeOnTexts asks a shared store which post was first with each text this
// worker took for new, so that copies that reach different workers are
// sightings of one canonical post: a text another worker claimed first turns
// the verdict into a sighting of that worker's post.
func (p *Pipeline) agreeOnTexts(ctx context.Context, ids []string, verdicts []dedup.Result, entries []dedup.Entry) error {
	tc, ok := p.cfg.Store.(store.TextClaimer)
	if !ok {
		return nil
	}
	var idx []int
	var hashes []uint64
	var claimers []string
	for i, v := range verdicts {
		if v.Kind == dedup.New {
			idx = append(idx, i)
			hashes = append(hashes, entries[i].TextHash)
			claimers = append(claimers, ids[i])
		}
	}
	if len(idx) == 0 {
		return nil
	}
	canon, err := tc.ClaimTexts(ctx, hashes, claimers)
	if err != nil {
		return err
	}
	for j, i := range idx {
		if canon[j] != ids[i] {
			p.dedup.Adopt(ids[i], canon[j])
			verdicts[i] = dedup.Result{Kind: dedup.SameText, Canonical: canon[j]}
		}
	}
	return nil
}

// maxLearn is how many shared canonical posts learnCanonicals reads at once.
const maxLearn = 10000

// learnCanonicals adds to the duplicate index the canonical posts other
// processes sharing the store recorded since the last call, so that a
// near-duplicate of one is recognised here too (exact copies are agreed on
// by agreeOnTexts). A store that is not shared has none.
func (p *Pipeline) learnCanonicals(ctx context.Context) error {
	cs, ok := p.cfg.Store.(store.CanonicalSharer)
	if !ok {
		return nil
	}
	p.canonMu.Lock()
	defer p.canonMu.Unlock()
	for {
		ids, entries, next, err := cs.SharedCanonicals(ctx, p.canonCursor, maxLearn)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if len(entries[i]) == 0 { // purged by the process that ran retention
				p.dedup.Forget(id)
				continue
			}
			var e dedup.Entry
			if err := e.UnmarshalBinary(entries[i]); err != nil {
				p.cfg.Log.Warn("skipping a shared canonical post", "id", id, "err", err)
				continue
			}
			e.ID = id
			if err := p.dedup.Add(e); err != nil {
				p.cfg.Log.Warn("skipping a shared canonical post", "id", id, "err", err)
			}
		}
		p.canonCursor = next
		if len(ids) < maxLearn {
			return nil
		}
	}
}

// complete records a scored batch in the store. A store shared with other
// processes also publishes, in the same transaction, the batch's posts that
// became canonical with a SimHash, for the other processes'
// learnCanonicals: a batch recorded is a batch shared.
func (p *Pipeline) complete(ctx context.Context, recs []store.Record, sightings []store.Sighting, ds []store.Delivery, verdicts []dedup.Result, entries []dedup.Entry) error {
	cs, ok := p.cfg.Store.(store.CanonicalSharer)
	if !ok {
		return p.cfg.Store.Complete(ctx, recs, sightings, ds)
	}
	var ids []string
	var encoded [][]byte
	for i, v := range verdicts {
		if v.Kind != dedup.New || entries[i].SimHash == 0 {
			continue
		}
		b, err := entries[i].MarshalBinary()
		if err != nil {
			return err
		}
		ids, encoded = append(ids, entries[i].ID), append(encoded, b)
	}
	return cs.CompleteSharing(ctx, recs, sightings, ds, ids, encoded)
}

// locate attributes post to a governorate, from the scorer's normalised
// text when it has one.
func (p *Pipeline) locate(post *ingest.Post, s *Scored) string {
	if s.Normalized != "" {
		return p.gaz.LocateNormalized(s.Normalized, post.Location)
	}
	return p.gaz.Locate(post.Text, post.Location)
}

// DefaultBatch is the default scoring batch: larger batches cost less per
// post (one store transaction and one index hand-over each), and a worker
// takes fewer posts when fewer wait.
const DefaultBatch = 2048

// indexBatch is how many documents the indexer gathers into one index batch:
// few large batches make few segments for the index to merge.
const indexBatch = 8192

// indexWriters is how many index batches are written at once.
const indexWriters = 2

// indexDelay is the longest a document waits for its batch to fill before
// the indexer writes the batch anyway: under load, batches fill to
// indexBatch first; when posts trickle in, each is searchable within about
// a second.
const indexDelay = time.Second

// runIndexer writes the documents the workers hand over in large batches,
// flushing a batch once it is full or its oldest document has waited
// indexDelay, until indexQ is closed. A document stored
// but not yet indexed when the process dies is indexed by Reconcile on the
// next start.
func (p *Pipeline) runIndexer(q <-chan []index.Doc) error {
	var pending []index.Doc
	var oldest time.Time // when the first pending document arrived
	var mu sync.Mutex
	var firstErr error
	// Two batches may be written at once: bleve builds a batch's segment in
	// the calling goroutine, so a second writer keeps both cores busy.
	writers := make(chan struct{}, indexWriters)
	var running sync.WaitGroup
	write := func(docs []index.Doc) {
		writers <- struct{}{}
		running.Go(func() {
			defer func() { <-writers }()
			if err := p.cfg.Index.Put(docs...); err != nil {
				p.cfg.Log.Error("indexing batch; it is re-indexed on restart", "docs", len(docs), "err", err)
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	flush := func() {
		if len(pending) == 0 {
			return
		}
		write(pending)
		pending = make([]index.Doc, 0, indexBatch)
	}
	tick := time.NewTicker(indexDelay / 4)
	defer tick.Stop()
	for {
		select {
		case docs, ok := <-q:
			if !ok {
				// The last batch is written in parts that the writers take
				// as they come free, so that they finish together and the
				// end of a run is not left to one core.
				for _, part := range splitDocs(pending, tailParts, minIndexPart) {
					write(part)
				}
				running.Wait()
				return firstErr
			}
			if len(pending) == 0 {
				oldest = time.Now()
			}
			pending = append(pending, docs...)
			if len(pending) >= indexBatch {
				flush()
			}
		case now := <-tick.C:
			if len(pending) > 0 && now.Sub(oldest) >= indexDelay {
				flush()
			}
		}
	}
}

// tailParts is the most parts the last batch of a run is split into: with
// several parts per writer, the writers finish within a part's time of each
// other, however far the batches they were building had got.
const tailParts = 4 * indexWriters

// minIndexPart is the smallest part splitDocs makes: smaller index batches
// cost more per document than they save by running in parallel.
const minIndexPart = 1024

// splitDocs splits docs into at most n parts of nearly equal size, none
// smaller than least (one part when docs is shorter than 2*least, none when
// docs is empty).
func splitDocs(docs []index.Doc, n, least int) [][]index.Doc {
	n = max(1, min(n, len(docs)/max(least, 1)))
	if len(docs) == 0 {
		return nil
	}
	parts := make([][]index.Doc, 0, n)
	for i := range n {
		parts = append(parts, docs[i*len(docs)/n:(i+1)*len(docs)/n])
	}
	return parts
}

// rebuildDedup loads every recorded post into the duplicate index, so that a
// restarted worker recognises copies of texts recorded before.
func (p *Pipeline) rebuildDedup(ctx context.Context) error {
	err := p.cfg.Store.ForEach(ctx, func(r *store.Record) error {
		p.dedup.AddCanonical(r.Post.ID, r.Post.Text)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuilding duplicate index: %w", err)
	}
	return nil
}

// DocFor turns a stored record into its index document.
func DocFor(r *store.Record) index.Doc {
	created := r.Post.Created
	if created.IsZero() {
		created = r.Post.Fetched
	}
	if created.IsZero() {
		created = r.Processed
	}
	text := r.Post.Text
	for _, m := range r.Media {
		// The text read in the post's images is searchable with its words.
		if m.OCR != "" {
			text += "\n" + m.OCR
		}
	}
	return index.Doc{
		ID: r.Post.ID, Text: text, Platform: r.Post.Platform, Source: r.Post.Source,
		Governorate: r.Governorate, Created: created, Labels: store.Labels(r), Context: r.Context,
		MaxScore: store.MaxScore(r),
	}
}

// Reconcile re-indexes stored records the index lacks (after a crash between
// the store commit and the index's own persistence). It is cheap when the
// counts agree.
func (p *Pipeline) Reconcile(ctx context.Context) error {
	records, _, _, err := p.cfg.Store.Counts(ctx)
	if err != nil {
		return err
	}
	n, err := p.cfg.Index.Count()
	if err != nil {
		return err
	}
	if uint64(records) == n {
		return nil
	}
	present, err := p.cfg.Index.IDs()
	if err != nil {
		return err
	}
	var batch []index.Doc
	var fixed int
	err = p.cfg.Store.ForEach(ctx, func(r *store.Record) error {
		if _, ok := present[r.Post.ID]; ok {
			delete(present, r.Post.ID)
			return nil
		}
		batch = append(batch, DocFor(r))
		if len(batch) == 1000 {
			fixed += len(batch)
			err := p.cfg.Index.Put(batch...)
			batch = batch[:0]
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("reconciling index: %w", err)
	}
	fixed += len(batch)
	if err := p.cfg.Index.Put(batch...); err != nil {
		return fmt.Errorf("reconciling index: %w", err)
	}
	// Index entries with no record (purged while the index lagged) go too.
	var stale []string
	for id := range present {
		stale = append(stale, id)
	}
	if len(stale) > 0 {
		if err := p.cfg.Index.Delete(stale...); err != nil {
			return fmt.Errorf("reconciling index: %w", err)
		}
	}
	if fixed > 0 || len(stale) > 0 {
		p.cfg.Log.Warn("index reconciled with store", "reindexed", fixed, "removed", len(stale))
	}
	return nil
}

// Purge applies retention: unflagged posts older than Retention, and posts
// whose review case closed more than CaseRetention ago, are removed from the
// store and the index, and the purge is logged.
func (p *Pipeline) Purge(ctx context.Context, now time.Time) (int, error) {
	rule := store.Retention{Unflagged: now.Add(-p.cfg.Retention), ClosedBefore: now.Add(-p.cfg.CaseRetention)}
	if p.cfg.ClosedCases != nil {
		var err error
		if rule.Closed, err = p.cfg.ClosedCases(ctx); err != nil {
			return 0, fmt.Errorf("finding closed cases: %w", err)
		}
	}
	ids, err := p.cfg.Store.Purge(ctx, rule)
	if err != nil {
		return 0, fmt.Errorf("purging store: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if p.cfg.Index != nil {
		if err := p.cfg.Index.Delete(ids...); err != nil {
			return 0, fmt.Errorf("purging index: %w", err)
		}
	}
	// A later copy of a purged text is a new post, here and in the
	// processes that share the store, not a sighting of a post that is gone.
	p.dedup.Forget(ids...)
	if cs, ok := p.cfg.Store.(store.CanonicalSharer); ok {
		if err := cs.ShareCanonicals(ctx, ids, make([][]byte, len(ids))); err != nil {
			return 0, fmt.Errorf("telling other processes of the purge: %w", err)
		}
	}
	p.cfg.Log.Info("retention purge", "removed", len(ids), "unflagged_older_than", p.cfg.Retention, "cases_closed_before", rule.ClosedBefore.Format(time.RFC3339))
	if p.cfg.MediaSweeper != nil {
		// Media go with the last post that names them.
		n, err := p.cfg.MediaSweeper.SweepMedia(ctx, p.cfg.Store)
		if err != nil {
			return len(ids), fmt.Errorf("purging media: %w", err)
		}
		p.cfg.Log.Info("retention purge of media", "removed", n)
	}
	return len(ids), nil
}

// MediaSweeper removes stored media that no record names any more.
type MediaSweeper interface {
	SweepMedia(ctx context.Context, records store.Records) (int, error)
}
