package catalog_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/policy/audit"
)

// testType is a connector type whose settings need a "word".
const testType = "catalogtest"

type testConn struct{ word string }

func (testConn) Fetch(_ context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	return nil, cur, nil
}

func init() {
	ingest.MustRegister(testType, func(spec ingest.Spec) (ingest.Connector, error) {
		var s struct {
			Word string `yaml:"word"`
		}
		if err := spec.DecodeSettings(&s); err != nil {
			return nil, err
		}
		if s.Word == "" {
			return nil, spec.Errorf("word is required")
		}
		return testConn{s.Word}, nil
	})
}

// runner records what the catalogue starts and stops.
type runner struct {
	mu  sync.Mutex
	log []string
	run map[string]ingest.Source
}

func (r *runner) StartSource(_ context.Context, s ingest.Source) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, "start "+s.Name+" "+s.Connector.(testConn).word)
	r.run[s.Name] = s
	return nil
}

func (r *runner) StopSource(_ context.Context, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, "stop "+name)
	delete(r.run, name)
	return nil
}

func (r *runner) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.log
	r.log = nil
	return l
}

type auditor struct {
	mu  sync.Mutex
	evs []audit.Event
}

func (a *auditor) Append(ev audit.Event) (audit.Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.evs = append(a.evs, ev)
	return audit.Entry{}, nil
}

const base = `sources:
  - name: base
    type: catalogtest
    interval: 1m
    settings:
      word: one
`

func TestCatalogBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	runCatalog(t, func() kvstore.Store {
		st, err := kvstore.OpenBolt(path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestCatalogRedis(t *testing.T) {
	opt, err := redis.ParseURL("redis://" + redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	runCatalog(t, func() kvstore.Store { return kvstore.NewRedis(rdb, "t:") })
}

func runCatalog(t *testing.T, open func() kvstore.Store) {
	ctx := context.Background()
	cfg, err := ingest.ParseConfig("sources.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	st := open()
	al := &auditor{}
	c, err := catalog.Open(ctx, catalog.Options{Base: cfg, Store: st, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(c.Sources()); !slices.Equal(got, []string{"base"}) {
		t.Fatalf("initial sources %v", got)
	}
	r := &runner{run: map[string]ingest.Source{}}
	c.Attach(r)

	// A bad source is refused with the loader's file:line errors.
	_, err = c.Add(ctx, "user:admin", []byte("name: added\ntype: catalogtest\ninterval: 1m\nsettings:\n  wrod: two\n"))
	if !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), "request:5: source \"added\": settings: unknown key \"wrod\"") {
		t.Fatalf("bad settings: %v", err)
	}
	_, err = c.Add(ctx, "user:admin", []byte("name: added\ntype: nosuch\n"))
	if !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), "request:2: source \"added\": unknown type \"nosuch\"") {
		t.Fatalf("bad type: %v", err)
	}
	if _, err := c.Add(ctx, "user:admin", []byte("name: base\ntype: catalogtest\nsettings: {word: x}\n")); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("taking sources.yaml's name: %v", err)
	}
	// JSON is YAML.
	e, err := c.Add(ctx, "user:admin", []byte(`{"name": "added", "type": "catalogtest", "kind": "news", "interval": "30s", "settings": {"word": "two"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Origin != catalog.OriginRuntime || e.Kind != "news" || e.Paused {
		t.Fatalf("added entry %+v", e)
	}
	if _, err := c.Add(ctx, "user:admin", []byte(`{"name": "added", "type": "catalogtest", "settings": {"word": "x"}}`)); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("adding twice: %v", err)
	}
	if got := r.take(); !slices.Equal(got, []string{"start added two"}) {
		t.Fatalf("runner after add: %v", got)
	}
	if c.Kind("added") != "news" {
		t.Fatalf("kind of added: %q", c.Kind("added"))
	}

	// Pause and resume a base source; edit it and the added one.
	if _, err := c.Pause(ctx, "user:admin", "base"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pause(ctx, "user:admin", "nosuch"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("pausing an unknown source: %v", err)
	}
	if _, err := c.Edit(ctx, "user:admin", "base", []byte("name: base\ntype: catalogtest\nsettings: {word: three}\n")); err != nil {
		t.Fatal(err)
	}
	if got := r.take(); !slices.Equal(got, []string{"stop base"}) {
		t.Fatalf("runner after pausing and editing base: %v (a paused source stays paused)", got)
	}
	if _, err := c.Edit(ctx, "user:admin", "base", []byte("name: other\ntype: catalogtest\nsettings: {word: x}\n")); !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("renaming in an edit: %v", err)
	}
	if _, err := c.Resume(ctx, "user:admin", "base"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Edit(ctx, "user:admin", "added", []byte("name: added\ntype: catalogtest\nkind: ngo\nsettings: {word: four}\n")); err != nil {
		t.Fatal(err)
	}
	if got := r.take(); !slices.Equal(got, []string{"start base three", "start added four"}) {
		t.Fatalf("runner after resuming base and editing added: %v", got)
	}
	list, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "added" || list[0].Kind != "ngo" || list[1].Origin != catalog.OriginEdited || list[1].By != "user:admin" {
		t.Fatalf("list %+v", list)
	}
	if n := len(al.evs); n != 5 {
		t.Fatalf("%d audit events, want 5 (add, pause, edit, resume, edit)", n)
	}
	for _, ev := range al.evs {
		if ev.Type != audit.TypeSourceChange || ev.Actor != "user:admin" {
			t.Fatalf("audit event %+v", ev)
		}
	}
	if _, err := c.Pause(ctx, "user:admin", "added"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	st.Close()

	// After a restart: the edited base source runs as edited, the added one
	// stays paused.
	st = open()
	defer st.Close()
	c, err = catalog.Open(ctx, catalog.Options{Base: cfg, Store: st, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srcs := c.Sources()
	if len(srcs) != 1 || srcs[0].Name != "base" || srcs[0].Connector.(testConn).word != "three" {
		t.Fatalf("sources after restart: %+v", srcs)
	}
	r2 := &runner{run: map[string]ingest.Source{}}
	c.Attach(r2)
	if _, err := c.Resume(ctx, "user:admin", "added"); err != nil {
		t.Fatal(err)
	}
	if got := r2.take(); !slices.Equal(got, []string{"start added four"}) {
		t.Fatalf("runner after resuming after a restart: %v", got)
	}
}

func names(srcs []ingest.Source) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, s.Name)
	}
	return out
}

// TestRefreshFollowsAnotherProcess: with a shared Redis store, a source
// added through one process (the API) starts in another (ingest) at its
// next Refresh.
func TestRefreshFollowsAnotherProcess(t *testing.T) {
	ctx := context.Background()
	opt, err := redis.ParseURL("redis://" + redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	al := &auditor{}
	api, err := catalog.Open(ctx, catalog.Options{Store: kvstore.NewRedis(rdb, "t:"), Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	ing, err := catalog.Open(ctx, catalog.Options{Store: kvstore.NewRedis(rdb, "t:"), Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	defer ing.Close()
	if len(ing.Sources()) != 0 {
		t.Fatal("sources before any was added")
	}
	r := &runner{run: map[string]ingest.Source{}}
	ing.Attach(r)
	if _, err := api.Add(ctx, "user:admin", []byte("name: added\ntype: catalogtest\nsettings: {word: two}\n")); err != nil {
		t.Fatal(err)
	}
	if err := ing.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Pause(ctx, "user:admin", "added"); err != nil {
		t.Fatal(err)
	}
	if err := ing.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.take(); !slices.Equal(got, []string{"start added two", "stop added"}) {
		t.Fatalf("the other process's runner: %v", got)
	}
}
