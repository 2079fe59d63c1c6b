package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy/audit"
)

// Add checks the source given as YAML (or JSON) and, when it passes, stores
// it, starts fetching it and audits the change as done by who. A name
// already taken, in sources.yaml or at run time, is ErrExists.
func (c *Catalog) Add(ctx context.Context, who string, data []byte) (Entry, error) {
	src, err := ingest.ParseSource(RequestFile, data, c.o.Load)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(ctx); err != nil {
		closeConnector(src.Connector, c.o.Log)
		return Entry{}, err
	}
	name := src.Name
	if _, ok := c.base(name); ok {
		closeConnector(src.Connector, c.o.Log)
		return Entry{}, fmt.Errorf("adding source %q: %w in sources.yaml (edit it instead)", name, ErrExists)
	}
	rec := Record{Name: name, YAML: string(data), By: who, Changed: time.Now().UTC()}
	err = c.put(ctx, rec, func(old *Record) error {
		if old != nil {
			return fmt.Errorf("adding source %q: %w", name, ErrExists)
		}
		return nil
	})
	if err != nil {
		closeConnector(src.Connector, c.o.Log)
		return Entry{}, err
	}
	c.built[name] = builtSource{src: src, yaml: rec.YAML}
	c.changed(ctx, who, "add", rec)
	return c.entry(name), nil
}

// Edit replaces the definition of the source called name (one of
// sources.yaml's, or one added at run time) with data, checked as Add
// checks it; a running source restarts with it, from its cursor, and a
// paused one stays paused.
func (c *Catalog) Edit(ctx context.Context, who, name string, data []byte) (Entry, error) {
	src, err := ingest.ParseSource(RequestFile, data, c.o.Load)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if src.Name != name {
		closeConnector(src.Connector, c.o.Log)
		return Entry{}, fmt.Errorf("%w: %s: the definition names %q, not %q (a new name is a new source: add it)", ErrInvalid, RequestFile, src.Name, name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(ctx); err != nil {
		closeConnector(src.Connector, c.o.Log)
		return Entry{}, err
	}
	rec := Record{Name: name, YAML: string(data), By: who, Changed: time.Now().UTC()}
	err = c.put(ctx, rec, func(old *Record) error {
		if _, ok := c.base(name); old == nil && !ok {
			return fmt.Errorf("editing source %q: %w", name, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		closeConnector(src.Connector, c.o.Log)
		return Entry{}, err
	}
	prev, hadPrev := c.built[name]
	c.built[name] = builtSource{src: src, yaml: rec.YAML}
	c.changed(ctx, who, "edit", rec)
	if hadPrev {
		closeConnector(prev.src.Connector, c.o.Log) // stopped by changed's apply
	}
	return c.entry(name), nil
}

// Pause stops fetching the source called name until it is resumed.
func (c *Catalog) Pause(ctx context.Context, who, name string) (Entry, error) {
	return c.setPaused(ctx, who, name, true)
}

// Resume fetches the paused source called name again, from its cursor.
func (c *Catalog) Resume(ctx context.Context, who, name string) (Entry, error) {
	return c.setPaused(ctx, who, name, false)
}

func (c *Catalog) setPaused(ctx context.Context, who, name string, paused bool) (Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(ctx); err != nil {
		return Entry{}, err
	}
	rec := Record{Name: name, Paused: paused, By: who, Changed: time.Now().UTC()}
	err := c.put(ctx, rec, func(old *Record) error {
		if _, ok := c.base(name); old == nil && !ok {
			return fmt.Errorf("pausing or resuming source %q: %w", name, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return Entry{}, err
	}
	action := "resume"
	if paused {
		action = "pause"
	}
	c.changed(ctx, who, action, rec)
	return c.entry(name), nil
}

// put stores rec once check has passed the stored record (nil when none):
// a pause or resume (no YAML) keeps the stored definition, an edit keeps
// whether the source is paused; mu is held.
func (c *Catalog) put(ctx context.Context, rec Record, check func(old *Record) error) error {
	var stored Record
	err := c.o.Store.Update(ctx, Bucket, rec.Name, func(v []byte) ([]byte, error) {
		var old *Record
		if v != nil {
			old = new(Record)
			if err := json.Unmarshal(v, old); err != nil {
				return nil, fmt.Errorf("reading stored source %q: %w", rec.Name, err)
			}
		}
		if err := check(old); err != nil {
			return nil, err
		}
		stored = rec
		if old != nil && rec.YAML == "" {
			stored.YAML = old.YAML
		}
		if old != nil && rec.YAML != "" && !rec.Paused {
			stored.Paused = old.Paused
		}
		return json.Marshal(stored)
	})
	if err != nil {
		return err
	}
	c.records[rec.Name] = stored
	return nil
}

// changed applies a stored change to the runner and audits it; mu is held.
func (c *Catalog) changed(ctx context.Context, who, action string, rec Record) {
	if err := c.apply(ctx); err != nil {
		c.o.Log.Error("applying a source change to the pipeline", "source", rec.Name, "action", action, "err", err)
	}
	rec = c.records[rec.Name]
	details := map[string]any{"action": action, "paused": rec.Paused}
	if action == "add" || action == "edit" {
		details["definition"] = rec.YAML
	}
	if _, err := c.o.Audit.Append(audit.Event{Type: audit.TypeSourceChange, Actor: who, Subject: "source:" + rec.Name, Details: details, Time: rec.Changed}); err != nil {
		c.o.Log.Error("auditing a source change", "source", rec.Name, "err", err)
	}
}

// base returns sources.yaml's source called name.
func (c *Catalog) base(name string) (ingest.Source, bool) {
	if c.o.Base == nil {
		return ingest.Source{}, false
	}
	return c.o.Base.Lookup(name)
}

// List returns every source, of sources.yaml and of run time, by name.
func (c *Catalog) List(ctx context.Context) ([]Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	if c.o.Base != nil {
		for _, s := range c.o.Base.Sources {
			names[s.Name] = true
		}
	}
	for n := range c.records {
		names[n] = true
	}
	out := make([]Entry, 0, len(names))
	for _, n := range slices.Sorted(maps.Keys(names)) {
		out = append(out, c.entry(n))
	}
	return out, nil
}

// Lookup returns the source called name as it applies now.
func (c *Catalog) Lookup(ctx context.Context, name string) (Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(ctx); err != nil {
		return Entry{}, err
	}
	if _, ok := c.records[name]; !ok {
		if _, ok := c.base(name); !ok {
			return Entry{}, fmt.Errorf("source %q: %w", name, ErrNotFound)
		}
	}
	return c.entry(name), nil
}

// entry describes the source called name; mu is held.
func (c *Catalog) entry(name string) Entry {
	e := Entry{Name: name, Origin: OriginConfig}
	var spec ingest.Spec
	base, inBase := c.base(name)
	if inBase {
		spec = base.Spec
		e.YAML = SpecYAML(spec)
	}
	if r, ok := c.records[name]; ok {
		e.Paused, e.By, e.Changed = r.Paused, r.By, r.Changed
		if r.YAML != "" {
			e.Origin, e.YAML = OriginRuntime, r.YAML
			if inBase {
				e.Origin = OriginEdited
			}
			if b, ok := c.built[name]; ok {
				spec = b.src.Spec
			}
		}
	}
	e.Problem = c.problems[name]
	e.Type, e.Kind, e.Interval = spec.Type, spec.Kind, spec.Interval
	return e
}

// SpecYAML writes spec back as the YAML of an entry of sources.yaml (the
// form an edit starts from).
func SpecYAML(spec ingest.Spec) string {
	type limits struct {
		MaxPages     int     `yaml:"max_pages,omitempty"`
		MaxPosts     int     `yaml:"max_posts,omitempty"`
		MaxDepth     int     `yaml:"max_depth,omitempty"`
		RatePerSec   float64 `yaml:"rate_per_sec,omitempty"`
		Concurrency  int     `yaml:"concurrency,omitempty"`
		Timeout      string  `yaml:"timeout,omitempty"`
		MaxBodyBytes int64   `yaml:"max_body_bytes,omitempty"`
	}
	doc := struct {
		Name          string     `yaml:"name"`
		Type          string     `yaml:"type"`
		Kind          string     `yaml:"kind,omitempty"`
		Interval      string     `yaml:"interval,omitempty"`
		AllowInternal bool       `yaml:"allow_internal,omitempty"`
		Limits        *limits    `yaml:"limits,omitempty"`
		Settings      *yaml.Node `yaml:"settings,omitempty"`
	}{Name: spec.Name, Type: spec.Type, Kind: spec.Kind, AllowInternal: spec.AllowInternal, Settings: spec.Settings}
	if spec.Interval > 0 {
		doc.Interval = spec.Interval.String()
	}
	if l := spec.Limits; l != (ingest.Limits{}) {
		doc.Limits = &limits{l.MaxPages, l.MaxPosts, l.MaxDepth, l.RatePerSec, l.Concurrency, "", l.MaxBodyBytes}
		if l.Timeout > 0 {
			doc.Limits.Timeout = l.Timeout.String()
		}
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return fmt.Sprintf("# cannot write the definition back: %v\n", err)
	}
	return string(b)
}
