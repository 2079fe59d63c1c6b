package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/index/pipeline"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/ingest/discovery"
)

// runSources is the engine's run-time sources: the catalogue over
// sources.yaml and the candidates discovery proposes, kept in the store.
type runSources struct {
	kv      kvstore.Store
	catalog *catalog.Catalog
	finder  *discovery.Finder
	// stop ends the background work (recording candidates, following
	// changes other processes make); done closes when it has ended.
	stop context.CancelFunc
	done chan struct{}
}

// refreshEvery is how often a process sharing a Redis store reads the
// run-time sources again for changes another process made.
const refreshEvery = 5 * time.Second

// openRunSources opens the run-time state in the store (Redis) or the data
// folder (embedded), the catalogue over base, and discovery.
func openRunSources(cfg runConfig, b any, base *ingest.Config, al catalog.Auditor, log *slog.Logger) (_ *runSources, err error) {
	rs := &runSources{}
	if r, ok := b.(*redisstore.Store); ok {
		rs.kv = kvstore.NewRedis(r.Client(), r.Prefix())
	} else if rs.kv, err = kvstore.OpenBolt(filepath.Join(cfg.Data, "state.db")); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			rs.kv.Close()
		}
	}()
	ctx := context.Background()
	rs.catalog, err = catalog.Open(ctx, catalog.Options{Base: base, Store: rs.kv, Audit: al, Log: log,
		Load: ingest.LoadOptions{AllowInternal: cfg.AllowInternal}})
	if err != nil {
		return nil, err
	}
	rs.finder, err = discovery.New(discovery.Options{Store: rs.kv, Sources: rs.catalog, Audit: al, Log: log})
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// wire makes router read the sources' kinds from the catalogue and returns
// the sources the pipeline starts with (none when role does not fetch).
func (rs *runSources) wire(router *pipeline.PolicyRouter, role string, once bool) []pipeline.Source {
	router.SourceKind = rs.catalog.Kind
	if role != pipeline.RoleAll && role != pipeline.RoleIngest {
		return nil
	}
	var out []pipeline.Source
	for _, s := range rs.catalog.Sources() {
		out = append(out, pipelineSource(s, once))
	}
	return out
}

func pipelineSource(s ingest.Source, once bool) pipeline.Source {
	return pipeline.Source{Name: s.Name, Connector: s.Connector, Interval: s.Interval, Once: once}
}

// start runs the background work: discovery records candidates where posts
// are routed; with a shared store, a fetching process follows the changes
// made elsewhere. The catalogue drives p from now on when this process
// fetches.
func (rs *runSources) start(p *pipeline.Pipeline, role string, once, shared bool, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	rs.stop, rs.done = cancel, make(chan struct{})
	fetches := role == pipeline.RoleAll || role == pipeline.RoleIngest
	if fetches {
		rs.catalog.Attach(pipeRunner{p: p, once: once})
	}
	go func() {
		defer close(rs.done)
		var watching sync.WaitGroup
		if fetches && shared {
			watching.Go(func() { rs.catalog.Watch(ctx, refreshEvery) })
		}
		rs.finder.Run(ctx)
		watching.Wait()
	}()
	log.Debug("run-time sources ready", "fetches", fetches, "shared", shared)
}

// Close stops the background work and closes the run-time state (nothing
// when rs is nil: the engine failed before opening it).
func (rs *runSources) Close() {
	if rs == nil {
		return
	}
	if rs.stop != nil {
		rs.stop()
		<-rs.done
	}
	rs.catalog.Close()
	rs.kv.Close()
}

// pipeRunner is the pipeline as the catalogue drives it.
type pipeRunner struct {
	p    *pipeline.Pipeline
	once bool
}

func (r pipeRunner) StartSource(ctx context.Context, s ingest.Source) error {
	if err := r.p.StartSource(ctx, pipelineSource(s, r.once)); err != nil {
		return fmt.Errorf("starting source %q: %w", s.Name, err)
	}
	return nil
}

func (r pipeRunner) StopSource(ctx context.Context, name string) error {
	return r.p.StopSource(ctx, name)
}

// notifiers hands routed records to each notifier in turn.
type notifiers []pipeline.Notifier

// Routed implements pipeline.Notifier.
func (ns notifiers) Routed(ctx context.Context, recs []store.Record) {
	for _, n := range ns {
		n.Routed(ctx, recs)
	}
}
