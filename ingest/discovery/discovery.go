// Package discovery proposes Telegram channels to watch: it follows the
// forwards and t.me links of the posts the policy routes to review to the
// channels they come from, scores each channel by how much flagged content
// leads to it (weighted by urgency), and keeps the candidates for analysts
// to approve, which adds the channel as a source that starts fetching at
// once, or reject, which keeps it from being proposed again. Candidates
// persist in the engine's store (kvstore: the data folder, or Redis).
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/policy/audit"
)

// Bucket is the kvstore bucket of the candidates.
const Bucket = "discovery"

// States of a candidate.
const (
	// StateProposed candidates wait for an analyst.
	StateProposed = "proposed"
	// StateApproved candidates became sources.
	StateApproved = "approved"
	// StateRejected candidates are not proposed again.
	StateRejected = "rejected"
)

// Weights of a post that leads to a candidate: an urgent one counts more.
const (
	// WeightRouted is a post routed to review.
	WeightRouted = 1.0
	// WeightUrgent is a post routed to review as urgent.
	WeightUrgent = 3.0
)

// maxExamples bounds the example posts a candidate keeps; maxCounted the
// post ids it remembers so that a post delivered twice counts once.
const (
	maxExamples = 10
	maxCounted  = 1000
)

// Errors of the analysts' actions, matched with errors.Is.
var (
	// ErrNotFound is an unknown candidate.
	ErrNotFound = errors.New("no such candidate")
	// ErrDecided is a candidate approved or rejected already.
	ErrDecided = errors.New("candidate decided already")
)

// Candidate is a channel that flagged content leads to.
type Candidate struct {
	// ID is the channel's username in lower case (Telegram usernames
	// ignore case).
	ID string `json:"id"`
	// Channel is the username as first seen.
	Channel string `json:"channel"`
	// Score sums the weights of the flagged posts that lead to it.
	Score float64 `json:"score"`
	// Posts counts those posts; Forwards and Links say how they lead to it
	// (a post may do both).
	Posts    int `json:"posts"`
	Forwards int `json:"forwards"`
	Links    int `json:"links"`
	// Urgent counts the urgent ones among Posts.
	Urgent int `json:"urgent"`
	// Examples are ids of some of those posts.
	Examples []string `json:"examples,omitempty"`
	// Via names the sources whose posts led to it.
	Via []string `json:"via,omitempty"`
	// Counted are the ids of the posts counted (up to maxCounted).
	Counted []string `json:"counted,omitempty"`
	// FirstSeen and LastSeen bound when posts led to it.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// State is StateProposed, StateApproved or StateRejected.
	State string `json:"state"`
	// DecidedBy and Decided say who approved or rejected it, and when.
	DecidedBy string    `json:"decided_by,omitempty"`
	Decided   time.Time `json:"decided,omitzero"`
	// Source is the name of the source its approval added.
	Source string `json:"source,omitempty"`
}

// Sources is the catalogue approvals add sources to.
type Sources interface {
	// Add adds the source given as YAML, fetching it at once.
	Add(ctx context.Context, who string, data []byte) (catalog.Entry, error)
	// List returns every source.
	List(ctx context.Context) ([]catalog.Entry, error)
}

// Auditor records the analysts' actions.
type Auditor interface {
	Append(ev audit.Event) (audit.Entry, error)
}

// Options configure a Finder.
type Options struct {
	// Store keeps the candidates; Sources is where approvals go; Audit
	// records approvals and rejections. All required.
	Store   kvstore.Store
	Sources Sources
	Audit   Auditor
	// Log receives anomalies; nil logs nothing.
	Log *slog.Logger
	// Now returns the time; time.Now when nil.
	Now func() time.Time
}

// Finder finds candidates in routed posts (it is a pipeline Notifier) and
// serves the analysts' list, approvals and rejections.
type Finder struct {
	o Options
	// in carries routed batches from Routed to Run.
	in chan []lead
	// approveMu makes approvals one at a time, so that two never pick the
	// same source name.
	approveMu sync.Mutex
}

// New returns a Finder.
func New(o Options) (*Finder, error) {
	if o.Store == nil || o.Sources == nil || o.Audit == nil {
		return nil, errors.New("discovery: a store, the sources and an audit log are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Finder{o: o, in: make(chan []lead, 256)}, nil
}

// lead is one routed post's way to a channel.
type lead struct {
	channel, post, via string
	forward, link      bool
	urgent             bool
}

// linkRE finds t.me (and telegram.me) links to a channel or a post of it.
var linkRE = regexp.MustCompile(`(?i)(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?([A-Za-z0-9_]{3,64})\b`)

// channelRE is a public channel username, as the Telegram connector takes it.
var channelRE = regexp.MustCompile(`^[A-Za-z0-9_]{3,64}$`)

// notChannels are t.me paths that name no channel.
var notChannels = map[string]bool{"joinchat": true, "addstickers": true, "share": true, "proxy": true, "socks": true,
	"iv": true, "c": true, "s": true, "addlist": true, "setlanguage": true, "login": true, "bg": true, "addtheme": true}

// leadsOf returns the channels rec leads to: the channel it was forwarded
// from (telegram:CHANNEL/N) and those its text links to, its own channel
// excepted, each once.
func leadsOf(rec *store.Record) []lead {
	own := ""
	if rec.Post.Platform == "telegram" {
		own = strings.ToLower(rec.Post.Author.ID)
	}
	byID := map[string]*lead{}
	var order []string
	add := func(ch string, forward bool) {
		if !channelRE.MatchString(ch) || notChannels[strings.ToLower(ch)] {
			return
		}
		id := strings.ToLower(ch)
		if id == own {
			return
		}
		l := byID[id]
		if l == nil {
			l = &lead{channel: ch, post: rec.Post.ID, via: rec.Post.Source, urgent: rec.Urgent}
			byID[id] = l
			order = append(order, id)
		}
		if forward {
			l.forward = true
		} else {
			l.link = true
		}
	}
	if f, ok := strings.CutPrefix(rec.Post.ForwardOf, "telegram:"); ok {
		ch, _, _ := strings.Cut(f, "/")
		add(ch, true)
	}
	for _, m := range linkRE.FindAllStringSubmatch(rec.Post.Text, -1) {
		add(m[1], false)
	}
	out := make([]lead, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

// Routed implements the pipeline's Notifier: it takes the channels the
// routed records lead to and returns at once; Run records them. When Run
// falls behind by more than its buffer, the batch is dropped and logged
// (candidates are advice: the posts themselves are stored).
func (f *Finder) Routed(_ context.Context, recs []store.Record) {
	var ls []lead
	for i := range recs {
		if recs[i].Queued {
			ls = append(ls, leadsOf(&recs[i])...)
		}
	}
	if len(ls) == 0 {
		return
	}
	select {
	case f.in <- ls:
	default:
		f.o.Log.Warn("discovery behind: leads of a routed batch dropped", "leads", len(ls))
	}
}

// Run records what Routed takes until ctx ends.
func (f *Finder) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ls := <-f.in:
			if err := f.record(ctx, ls); err != nil && ctx.Err() == nil {
				f.o.Log.Error("recording discovery candidates", "err", err)
			}
		}
	}
}

// Record counts the channels recs lead to into their candidates, at once.
func (f *Finder) Record(ctx context.Context, recs []store.Record) error {
	var ls []lead
	for i := range recs {
		if recs[i].Queued {
			ls = append(ls, leadsOf(&recs[i])...)
		}
	}
	return f.record(ctx, ls)
}

func (f *Finder) record(ctx context.Context, ls []lead) error {
	if len(ls) == 0 {
		return nil
	}
	watched, err := f.watched(ctx)
	if err != nil {
		return err
	}
	now := f.o.Now().UTC()
	var errs []error
	for _, l := range ls {
		id := strings.ToLower(l.channel)
		if watched[id] {
			continue
		}
		err := f.o.Store.Update(ctx, Bucket, id, func(v []byte) ([]byte, error) {
			c := Candidate{ID: id, Channel: l.channel, State: StateProposed, FirstSeen: now}
			if v != nil {
				if err := json.Unmarshal(v, &c); err != nil {
					return nil, fmt.Errorf("reading candidate %q: %w", id, err)
				}
			}
			if c.State != StateProposed || slices.Contains(c.Counted, l.post) {
				return nil, kvstore.ErrUnchanged // decided ones are not proposed again
			}
			c.Posts++
			c.Score += WeightRouted
			if l.urgent {
				c.Urgent++
				c.Score += WeightUrgent - WeightRouted
			}
			if l.forward {
				c.Forwards++
			}
			if l.link {
				c.Links++
			}
			if len(c.Examples) < maxExamples {
				c.Examples = append(c.Examples, l.post)
			}
			if len(c.Counted) < maxCounted {
				c.Counted = append(c.Counted, l.post)
			}
			if l.via != "" && !slices.Contains(c.Via, l.via) {
				c.Via = append(c.Via, l.via)
			}
			c.LastSeen = now
			return json.Marshal(c)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// watched returns the channels of the Telegram sources, in lower case.
func (f *Finder) watched(ctx context.Context) (map[string]bool, error) {
	entries, err := f.o.Sources.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing sources: %w", err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		if ch := telegramChannel(e); ch != "" {
			out[strings.ToLower(ch)] = true
		}
	}
	return out, nil
}
