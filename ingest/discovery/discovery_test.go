package discovery_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/ingest/discovery"
	_ "github.com/rasd-iq/rasd/ingest/telegram"
	"github.com/rasd-iq/rasd/policy/audit"
)

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
  - name: watched
    type: telegram
    interval: 2m
    allow_internal: true
    limits: {max_pages: 2}
    settings:
      channel: alpha_iq
      base_url: http://127.0.0.1:9
`

func TestDiscoveryBolt(t *testing.T) {
	st, err := kvstore.OpenBolt(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runDiscovery(t, st)
}

func TestDiscoveryRedis(t *testing.T) {
	opt, err := redis.ParseURL("redis://" + redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	runDiscovery(t, kvstore.NewRedis(rdb, "t:"))
}

// routed is a record of source "watched" routed to review.
func routed(id, text, forward string, urgent bool) store.Record {
	return store.Record{Queued: true, Urgent: urgent, Post: ingest.Post{ID: "telegram:alpha_iq/" + id, Platform: "telegram", Source: "watched",
		Author: ingest.Author{ID: "alpha_iq"}, Text: text, ForwardOf: forward}}
}

func runDiscovery(t *testing.T, st kvstore.Store) {
	ctx := context.Background()
	cfg, err := ingest.ParseConfig("sources.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	al := &auditor{}
	cat, err := catalog.Open(ctx, catalog.Options{Base: cfg, Store: st, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	f, err := discovery.New(discovery.Options{Store: st, Sources: cat, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	recs := []store.Record{
		routed("1", "منشور", "telegram:Beta_Chan/10", false),
		routed("2", "شوفوا https://t.me/beta_chan/11 و t.me/gamma_chan", "", true),
		routed("3", "قناتنا t.me/alpha_iq و https://t.me/joinchat/abc", "telegram:alpha_iq/3", false),
		{Queued: false, Post: ingest.Post{ID: "telegram:alpha_iq/4", Platform: "telegram", Source: "watched", Text: "t.me/delta_chan"}},
		routed("5", "t.me/watched_elsewhere", "Some Channel Name", false),
	}
	if err := f.Record(ctx, recs); err != nil {
		t.Fatal(err)
	}
	// A redelivered post counts once.
	if err := f.Record(ctx, recs[:1]); err != nil {
		t.Fatal(err)
	}
	cs, err := f.List(ctx, discovery.StateProposed)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]discovery.Candidate{}
	var order []string
	for _, c := range cs {
		got[c.ID] = c
		order = append(order, c.ID)
	}
	if strings.Join(order, ",") != "beta_chan,gamma_chan,watched_elsewhere" {
		t.Fatalf("candidates %v (want beta_chan first: two posts, one urgent)", order)
	}
	if b := got["beta_chan"]; b.Posts != 2 || b.Forwards != 1 || b.Links != 1 || b.Urgent != 1 || b.Score != 4 || b.Channel != "Beta_Chan" || len(b.Via) != 1 {
		t.Fatalf("beta_chan %+v", b)
	}
	if g := got["gamma_chan"]; g.Score != 3 || g.Posts != 1 {
		t.Fatalf("gamma_chan %+v", g)
	}

	// Approving adds a Telegram source modelled on the one the posts came from.
	c, err := f.Approve(ctx, "user:ana", "beta_chan")
	if err != nil {
		t.Fatal(err)
	}
	if c.State != discovery.StateApproved || c.Source != "tg-beta_chan" || c.DecidedBy != "user:ana" {
		t.Fatalf("approved %+v", c)
	}
	e, err := cat.Lookup(ctx, "tg-beta_chan")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"channel: Beta_Chan", "base_url: http://127.0.0.1:9", "interval: 2m", "allow_internal: true", "max_pages: 2", "kind: unknown"} {
		if !strings.Contains(e.YAML, want) {
			t.Fatalf("new source lacks %q:\n%s", want, e.YAML)
		}
	}
	if _, err := f.Approve(ctx, "user:ana", "beta_chan"); !errors.Is(err, discovery.ErrDecided) {
		t.Fatalf("approving twice: %v", err)
	}
	if _, err := f.Reject(ctx, "user:ana", "gamma_chan"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Reject(ctx, "user:ana", "nosuch"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("rejecting an unknown candidate: %v", err)
	}
	// What leads to a rejected or approved (now watched) channel later is
	// not counted: neither is proposed again.
	if err := f.Record(ctx, []store.Record{routed("9", "t.me/gamma_chan t.me/beta_chan", "", true)}); err != nil {
		t.Fatal(err)
	}
	all, err := f.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		switch c.ID {
		case "gamma_chan":
			if c.State != discovery.StateRejected || c.Posts != 1 {
				t.Fatalf("rejected candidate %+v", c)
			}
		case "beta_chan":
			if c.Posts != 2 {
				t.Fatalf("approved candidate counted again: %+v", c)
			}
		}
	}
	var kinds []string
	for _, ev := range al.evs {
		kinds = append(kinds, ev.Type)
	}
	if strings.Join(kinds, ",") != "source_change,discovery,discovery" {
		t.Fatalf("audit events %v", kinds)
	}
}
