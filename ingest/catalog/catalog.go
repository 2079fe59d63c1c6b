// Package catalog keeps the sources the engine fetches while it runs:
// sources.yaml is the base configuration, and on top of it the sources
// added, edited, paused and resumed at run time (the admin page and API),
// persisted in the engine's store (kvstore: the data folder, or Redis) so
// that they survive a restart. Every change is checked as sources.yaml is,
// with "file:line: reason" errors, audited, and applied to the running
// pipeline without a restart.
package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy/audit"
)

// Bucket is the kvstore bucket of the run-time sources.
const Bucket = "sources"

// Errors of the catalogue's changes, matched with errors.Is.
var (
	// ErrInvalid is a source that does not pass the checks of sources.yaml.
	ErrInvalid = errors.New("invalid source")
	// ErrExists is a source added under a name already taken.
	ErrExists = errors.New("a source of that name exists")
	// ErrNotFound is a change to a source that does not exist.
	ErrNotFound = errors.New("no such source")
)

// Record is what is stored of a source changed at run time.
type Record struct {
	// Name is the source's name.
	Name string `json:"name"`
	// YAML is the source's definition as given (the keys of an entry of
	// sources.yaml); empty for a source of sources.yaml that was only
	// paused or resumed.
	YAML string `json:"yaml,omitempty"`
	// Paused sources are not fetched.
	Paused bool `json:"paused,omitempty"`
	// By is who changed it last ("user:NAME", "discovery").
	By string `json:"by"`
	// Changed is when.
	Changed time.Time `json:"changed"`
}

// Origins of a source in the catalogue.
const (
	// OriginConfig is a source of sources.yaml as written there.
	OriginConfig = "config"
	// OriginRuntime is a source added at run time.
	OriginRuntime = "runtime"
	// OriginEdited is a source of sources.yaml replaced at run time.
	OriginEdited = "edited"
)

// Entry is one source as the admin page and API list it.
type Entry struct {
	Name     string        `json:"name"`
	Type     string        `json:"type"`
	Kind     string        `json:"kind"`
	Interval time.Duration `json:"interval_ns"`
	// Origin is OriginConfig, OriginRuntime or OriginEdited.
	Origin string `json:"origin"`
	Paused bool   `json:"paused"`
	// YAML is the source's definition as it applies now.
	YAML    string    `json:"yaml"`
	By      string    `json:"by,omitempty"`
	Changed time.Time `json:"changed,omitzero"`
	// Problem says why a stored source cannot run (it no longer passes
	// the checks, e.g. a connector type was removed); empty when it runs.
	Problem string `json:"problem,omitempty"`
}

// Runner starts and stops sources in the running pipeline.
type Runner interface {
	// StartSource starts s, in place of a running source of its name.
	StartSource(ctx context.Context, s ingest.Source) error
	// StopSource stops the source called name.
	StopSource(ctx context.Context, name string) error
}

// Auditor records changes.
type Auditor interface {
	Append(ev audit.Event) (audit.Entry, error)
}

// Options open a Catalog.
type Options struct {
	// Base is sources.yaml, loaded; nil when there is none.
	Base *ingest.Config
	// Store persists the run-time changes.
	Store kvstore.Store
	// Audit records every change; required.
	Audit Auditor
	// Load is how run-time sources are built (AllowInternal).
	Load ingest.LoadOptions
	// Log receives anomalies; nil logs nothing.
	Log *slog.Logger
}

// Catalog is the set of sources: the base configuration with the run-time
// changes on top.
type Catalog struct {
	o Options
	// mu guards what follows and serialises Refresh.
	mu sync.Mutex
	// runner, once set, is kept in step with the catalogue.
	runner Runner
	// records are the stored run-time changes by name, as last read.
	records map[string]Record
	// built are the sources built from records, by name, with the YAML
	// they were built from; problems say why a record could not be built.
	built    map[string]builtSource
	problems map[string]string
	// applied is what the runner was last given: name → fingerprint.
	applied map[string]string
	// retired are connectors replaced by another process's change, to
	// close once the runner no longer runs them.
	retired []ingest.Connector
}

type builtSource struct {
	src  ingest.Source
	yaml string
}

// Open reads the run-time changes and builds their sources.
func Open(ctx context.Context, o Options) (*Catalog, error) {
	if o.Store == nil || o.Audit == nil {
		return nil, errors.New("catalog: a store and an audit log are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	c := &Catalog{o: o, built: map[string]builtSource{}, problems: map[string]string{}, applied: map[string]string{}}
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// load reads the records and builds the sources of new or changed ones; mu
// is held (or c is not shared yet).
func (c *Catalog) load(ctx context.Context) error {
	raw, err := c.o.Store.All(ctx, Bucket)
	if err != nil {
		return fmt.Errorf("reading run-time sources: %w", err)
	}
	recs := make(map[string]Record, len(raw))
	for name, v := range raw {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			c.problems[name] = fmt.Sprintf("stored record unreadable: %v", err)
			continue
		}
		recs[name] = r
	}
	c.records = recs
	for name, b := range c.built {
		if r, ok := recs[name]; !ok || r.YAML != b.yaml {
			// It may still run: closed once the runner has let it go.
			c.retired = append(c.retired, b.src.Connector)
			delete(c.built, name)
		}
	}
	for name, r := range recs {
		if r.YAML == "" {
			delete(c.problems, name)
			continue
		}
		if _, ok := c.built[name]; ok {
			continue
		}
		src, err := ingest.ParseSource(recordFile(name), []byte(r.YAML), c.o.Load)
		if err != nil {
			c.problems[name] = err.Error()
			c.o.Log.Error("a run-time source no longer passes the checks; it is not fetched", "source", name, "err", err)
			continue
		}
		delete(c.problems, name)
		c.built[name] = builtSource{src: src, yaml: r.YAML}
	}
	return nil
}

// recordFile names a stored source in error messages.
func recordFile(name string) string { return "run-time source " + name }

// RequestFile names a source given in a request in error messages.
const RequestFile = "request"

// closeConnector closes a connector that holds resources.
func closeConnector(conn ingest.Connector, log *slog.Logger) {
	if cl, ok := conn.(interface{ Close() error }); ok {
		if err := cl.Close(); err != nil {
			log.Warn("closing a replaced source", "err", err)
		}
	}
}

// Close closes the connectors of the run-time sources (sources.yaml's are
// its Config's to close).
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, b := range c.built {
		closeConnector(b.src.Connector, c.o.Log)
		delete(c.built, name)
	}
	c.closeRetired()
	return nil
}

// closeRetired closes the retired connectors; mu is held.
func (c *Catalog) closeRetired() {
	for _, conn := range c.retired {
		closeConnector(conn, c.o.Log)
	}
	c.retired = nil
}

// effective returns the sources to fetch now with a fingerprint each; mu
// is held.
func (c *Catalog) effective() (map[string]ingest.Source, map[string]string) {
	srcs, prints := map[string]ingest.Source{}, map[string]string{}
	if c.o.Base != nil {
		for _, s := range c.o.Base.Sources {
			srcs[s.Name], prints[s.Name] = s, "config"
		}
	}
	for name, r := range c.records {
		if r.YAML != "" {
			b, ok := c.built[name]
			if !ok {
				delete(srcs, name) // a stored definition that no longer builds replaces the base one all the same
				delete(prints, name)
				continue
			}
			srcs[name], prints[name] = b.src, "runtime:"+r.YAML
		}
		if r.Paused {
			delete(srcs, name)
			delete(prints, name)
		}
	}
	return srcs, prints
}

// Sources returns the sources to fetch now, by name: the engine's initial
// set, before a Runner is attached.
func (c *Catalog) Sources() []ingest.Source {
	c.mu.Lock()
	defer c.mu.Unlock()
	srcs, prints := c.effective()
	out := make([]ingest.Source, 0, len(srcs))
	for _, name := range slices.Sorted(maps.Keys(srcs)) {
		out = append(out, srcs[name])
	}
	c.applied = prints
	return out
}

// Attach makes r follow the catalogue from now on: it runs what Sources
// returned last, and every change is applied to it.
func (c *Catalog) Attach(r Runner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runner = r
}

// Kind returns the kind of the source called name (ingest.KindUnknown when
// the catalogue has none): the policy reads it as the post's source type.
func (c *Catalog) Kind(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.built[name]; ok {
		return b.src.Kind
	}
	if c.o.Base != nil {
		if s, ok := c.o.Base.Lookup(name); ok {
			return s.Kind
		}
	}
	return ingest.KindUnknown
}

// Refresh reads the stored changes again (those another process made, with
// a shared Redis store) and applies the differences to the runner.
func (c *Catalog) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(ctx); err != nil {
		return err
	}
	return c.apply(ctx)
}

// apply starts, restarts and stops sources so that the runner runs what
// the catalogue says; mu is held.
func (c *Catalog) apply(ctx context.Context) error {
	if c.runner == nil {
		c.closeRetired() // nothing runs them
		return nil
	}
	defer c.closeRetired()
	srcs, prints := c.effective()
	var errs []error
	for name := range c.applied {
		if _, ok := prints[name]; ok {
			continue
		}
		if err := c.runner.StopSource(ctx, name); err != nil {
			errs = append(errs, fmt.Errorf("stopping source %q: %w", name, err))
		}
		delete(c.applied, name)
	}
	for _, name := range slices.Sorted(maps.Keys(prints)) {
		if c.applied[name] == prints[name] {
			continue
		}
		if err := c.runner.StartSource(ctx, srcs[name]); err != nil {
			errs = append(errs, fmt.Errorf("starting source %q: %w", name, err))
			continue
		}
		c.applied[name] = prints[name]
	}
	return errors.Join(errs...)
}

// Watch calls Refresh every interval until ctx ends, for processes that
// share a Redis store with the one where sources are changed.
func (c *Catalog) Watch(ctx context.Context, every time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.o.Log.Error("refreshing run-time sources", "err", err)
		}
	}
}
