package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/policy/audit"
)

// List returns the candidates in state (every one when empty), highest
// score first.
func (f *Finder) List(ctx context.Context, state string) ([]Candidate, error) {
	raw, err := f.o.Store.All(ctx, Bucket)
	if err != nil {
		return nil, fmt.Errorf("listing candidates: %w", err)
	}
	out := make([]Candidate, 0, len(raw))
	for id, v := range raw {
		var c Candidate
		if err := json.Unmarshal(v, &c); err != nil {
			f.o.Log.Warn("skipping an unreadable candidate", "id", id, "err", err)
			continue
		}
		if state == "" || c.State == state {
			c.Counted = nil
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		switch {
		case a.Score != b.Score:
			if a.Score > b.Score {
				return -1
			}
			return 1
		case !a.LastSeen.Equal(b.LastSeen):
			return b.LastSeen.Compare(a.LastSeen)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Approve adds candidate id as a Telegram source, which starts fetching at
// once, and marks it approved, audited as done by who. The source takes
// the connection settings (base_url, retry), interval, limits and
// allow_internal of the source whose posts led to it first, and kind
// unknown.
func (f *Finder) Approve(ctx context.Context, who, id string) (Candidate, error) {
	f.approveMu.Lock()
	defer f.approveMu.Unlock()
	c, err := f.get(ctx, id)
	if err != nil {
		return Candidate{}, err
	}
	if c.State != StateProposed {
		return Candidate{}, fmt.Errorf("approving %q: %w (%s)", id, ErrDecided, c.State)
	}
	entries, err := f.o.Sources.List(ctx)
	if err != nil {
		return Candidate{}, fmt.Errorf("listing sources: %w", err)
	}
	def, name, err := sourceFor(c, entries)
	if err != nil {
		return Candidate{}, err
	}
	if _, err := f.o.Sources.Add(ctx, who, def); err != nil {
		return Candidate{}, fmt.Errorf("adding candidate %q as a source: %w", id, err)
	}
	return f.decide(ctx, who, id, StateApproved, name)
}

// Reject marks candidate id rejected, audited as done by who: it is not
// proposed again, whatever leads to it later.
func (f *Finder) Reject(ctx context.Context, who, id string) (Candidate, error) {
	return f.decide(ctx, who, id, StateRejected, "")
}

func (f *Finder) decide(ctx context.Context, who, id, state, source string) (Candidate, error) {
	var c Candidate
	err := f.o.Store.Update(ctx, Bucket, id, func(v []byte) ([]byte, error) {
		if v == nil {
			return nil, fmt.Errorf("candidate %q: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return nil, fmt.Errorf("reading candidate %q: %w", id, err)
		}
		if c.State != StateProposed {
			return nil, fmt.Errorf("candidate %q: %w (%s)", id, ErrDecided, c.State)
		}
		c.State, c.DecidedBy, c.Decided, c.Source = state, who, f.o.Now().UTC(), source
		return json.Marshal(c)
	})
	if err != nil {
		return Candidate{}, err
	}
	details := map[string]any{"action": state, "channel": c.Channel, "score": c.Score, "posts": c.Posts, "examples": c.Examples}
	if source != "" {
		details["source"] = source
	}
	if _, err := f.o.Audit.Append(audit.Event{Type: audit.TypeDiscovery, Actor: who, Subject: "candidate:" + id, Details: details, Time: c.Decided}); err != nil {
		f.o.Log.Error("auditing a discovery decision", "candidate", id, "err", err)
	}
	c.Counted = nil
	return c, nil
}

// get returns candidate id.
func (f *Finder) get(ctx context.Context, id string) (Candidate, error) {
	var c Candidate
	found := false
	err := f.o.Store.Update(ctx, Bucket, id, func(v []byte) ([]byte, error) {
		if v != nil {
			found = true
			if err := json.Unmarshal(v, &c); err != nil {
				return nil, fmt.Errorf("reading candidate %q: %w", id, err)
			}
		}
		return nil, kvstore.ErrUnchanged
	})
	if err != nil {
		return Candidate{}, err
	}
	if !found {
		return Candidate{}, fmt.Errorf("candidate %q: %w", id, ErrNotFound)
	}
	return c, nil
}

// telegramChannel returns the channel of a Telegram source ("" for others).
func telegramChannel(e catalog.Entry) string {
	if e.Type != "telegram" {
		return ""
	}
	var d struct {
		Settings struct {
			Channel string `yaml:"channel"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal([]byte(e.YAML), &d); err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSpace(d.Settings.Channel), "@")
}

var nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// sourceFor writes the definition of the source that approving c adds,
// modelled on the first Telegram source among c.Via, and returns it with
// the source's name (tg-CHANNEL, with a number when taken).
func sourceFor(c Candidate, entries []catalog.Entry) ([]byte, string, error) {
	taken := map[string]bool{}
	var model *catalog.Entry
	for i, e := range entries {
		taken[e.Name] = true
		if model == nil && e.Type == "telegram" && slices.Contains(c.Via, e.Name) {
			model = &entries[i]
		}
	}
	base := nameUnsafe.ReplaceAllString("tg-"+strings.ToLower(c.Channel), "_")
	base = base[:min(len(base), 60)]
	name := base
	for n := 2; taken[name]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	type def struct {
		Name          string         `yaml:"name"`
		Type          string         `yaml:"type"`
		Kind          string         `yaml:"kind"`
		Interval      string         `yaml:"interval,omitempty"`
		AllowInternal bool           `yaml:"allow_internal,omitempty"`
		Limits        map[string]any `yaml:"limits,omitempty"`
		Settings      map[string]any `yaml:"settings"`
	}
	d := def{Name: name, Type: "telegram", Kind: ingest.KindUnknown, Settings: map[string]any{}}
	if model != nil {
		var m struct {
			Interval      string         `yaml:"interval"`
			AllowInternal bool           `yaml:"allow_internal"`
			Limits        map[string]any `yaml:"limits"`
			Settings      map[string]any `yaml:"settings"`
		}
		if err := yaml.Unmarshal([]byte(model.YAML), &m); err != nil {
			return nil, "", fmt.Errorf("reading source %q to model the new one on: %w", model.Name, err)
		}
		d.Interval, d.AllowInternal, d.Limits = m.Interval, m.AllowInternal, m.Limits
		for _, k := range []string{"base_url", "retry"} {
			if v, ok := m.Settings[k]; ok {
				d.Settings[k] = v
			}
		}
	}
	d.Settings["channel"] = c.Channel
	b, err := yaml.Marshal(d)
	if err != nil {
		return nil, "", fmt.Errorf("writing the new source: %w", err)
	}
	return b, name, nil
}
