package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index"
)

// SearchRule is a saved search that raises an alert on its channels for
// every new post that matches it: a post made since the day before, indexed
// after the rule first looked.
type SearchRule struct {
	// Name identifies the rule in alerts and the audit log.
	Name string `yaml:"name"`
	// Query is the search, as on the search page.
	Query SearchQuery `yaml:"query"`
	// Channels are names from Config.Channels.
	Channels []string `yaml:"channels"`
}

// SearchQuery is a saved search's terms; at least one is set.
type SearchQuery struct {
	// Text is the free-text query, normalised like the posts.
	Text string `yaml:"text"`
	// Labels keeps posts flagged with any of these labels.
	Labels []string `yaml:"labels"`
	// Governorate, Platform and Source keep exact matches when set.
	Governorate string `yaml:"governorate"`
	Platform    string `yaml:"platform"`
	Source      string `yaml:"source"`
	// MinScore keeps posts scored at least this (0–1) on the policy's scale.
	MinScore float64 `yaml:"min_score"`
}

// empty reports whether q would match every post.
func (q SearchQuery) empty() bool {
	return q.Text == "" && len(q.Labels) == 0 && q.Governorate == "" && q.Platform == "" && q.Source == "" && q.MinScore == 0
}

// Searcher runs searches over the index.
type Searcher interface {
	Search(ctx context.Context, q index.Query) (*index.Result, error)
}

// searchPages bounds the hits read per rule and look (pages of 200).
const searchPages = 5

// maxSeen bounds the post ids remembered per saved search.
const maxSeen = 5000

// SearchStatePath is where the posts each saved search has already seen
// are kept, so that a restart does not alert them again.
func SearchStatePath(data string) string { return filepath.Join(data, "alerts", "searches.json") }

// searchState is, per rule, whether it has looked once and the ids seen
// (oldest first).
type searchState map[string]*seenPosts

type seenPosts struct {
	Primed bool     `json:"primed"`
	IDs    []string `json:"ids"`
}

// Searches runs every saved search once, those of the configuration and
// those accounts saved with alerts on (Options.Accounts), and queues an
// alert for each post one matches that it did not match before; the first
// look of a search only learns what already matches. An account's matches
// go to its inbox and to Config.AccountChannels. It returns how many
// alerts were queued for the channels.
func (n *Notifier) Searches(ctx context.Context, s Searcher) (int, error) {
	var accounts []AccountSearch
	if n.opts.Accounts != nil {
		var err error
		if accounts, err = n.opts.Accounts.AlertSearches(ctx); err != nil {
			return 0, fmt.Errorf("alerts: reading the accounts' saved searches: %w", err)
		}
	}
	if len(n.cfg.Searches) == 0 && len(accounts) == 0 && n.opts.Accounts == nil {
		return 0, nil
	}
	n.searchMu.Lock()
	defer n.searchMu.Unlock()
	state, err := n.readSearchState()
	if err != nil {
		return 0, err
	}
	now := n.opts.Now().UTC()
	since := now.AddDate(0, 0, -1)
	var jobs []job
	for _, rule := range n.cfg.Searches {
		q := index.Query{Text: rule.Query.Text, Labels: rule.Query.Labels, Governorate: rule.Query.Governorate, Platform: rule.Query.Platform,
			Source: rule.Query.Source, MinScore: rule.Query.MinScore, From: since}
		fresh, err := n.look(ctx, s, state, rule.Name, q)
		if err != nil {
			return 0, fmt.Errorf("alerts: saved search %s: %w", rule.Name, err)
		}
		for _, id := range fresh {
			for _, ch := range rule.Channels {
				jobs = append(jobs, job{channel: ch, alert: Alert{ID: newID(), Kind: KindSearch, Rule: rule.Name, Item: id,
					URL: itemURL(n.cfg.BaseURL, id), Routed: now}})
			}
		}
	}
	// The accounts' searches: their state is kept under a key of account,
	// name and query, so that a search saved anew, or whose alert was
	// turned off and on again, first learns what already matches.
	var matches []AccountMatch
	keep := map[string]bool{}
	for _, a := range accounts {
		key := accountKey(a)
		keep[key] = true
		q := a.Query
		if q.From.Before(since) {
			q.From = since
		}
		fresh, err := n.look(ctx, s, state, key, q)
		if err != nil {
			n.opts.Log.Error("alerts: an account's saved search", "user", a.User, "search", a.Name, "err", err)
			continue
		}
		rule := a.User + "/" + a.Name
		for _, id := range fresh {
			matches = append(matches, AccountMatch{User: a.User, Search: a.Name, Post: id, At: now})
			for _, ch := range n.cfg.AccountChannels {
				jobs = append(jobs, job{channel: ch, alert: Alert{ID: newID(), Kind: KindSearch, Rule: rule, Item: id,
					URL: itemURL(n.cfg.BaseURL, id), Routed: now}})
			}
		}
	}
	for key := range state {
		if strings.HasPrefix(key, accountPrefix) && !keep[key] {
			delete(state, key)
		}
	}
	if err := n.writeSearchState(state); err != nil {
		return 0, err
	}
	if len(matches) > 0 {
		if err := n.opts.Accounts.Notify(ctx, matches); err != nil {
			return 0, fmt.Errorf("alerts: adding the accounts' alerts: %w", err)
		}
	}
	return n.enqueue(jobs)
}

// look runs one saved search q (from its From on, newest first) and
// returns the posts it matches that its state, kept in state[key], has
// not seen; none on its first look, which only learns them.
func (n *Notifier) look(ctx context.Context, s Searcher, state searchState, key string, q index.Query) ([]string, error) {
	q.Sort, q.Size = "time", 200
	st := state[key]
	if st == nil {
		st = &seenPosts{}
		state[key] = st
	}
	seen := map[string]bool{}
	for _, id := range st.IDs {
		seen[id] = true
	}
	var fresh []string
	for page := range searchPages {
		q.Offset = page * q.Size
		res, err := s.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if !seen[h.ID] {
				seen[h.ID] = true
				fresh = append(fresh, h.ID)
			}
		}
		if len(res.Hits) < q.Size {
			break
		}
	}
	st.IDs = append(st.IDs, fresh...)
	if len(st.IDs) > maxSeen {
		st.IDs = st.IDs[len(st.IDs)-maxSeen:]
	}
	if !st.Primed {
		st.Primed = true
		return nil, nil
	}
	return fresh, nil
}

// WatchSearches runs the saved searches every SearchEvery until ctx ends.
func (n *Notifier) WatchSearches(ctx context.Context, s Searcher) {
	n.watch(ctx, len(n.cfg.Searches) > 0 || n.opts.Accounts != nil, n.cfg.SearchEvery, "saved-search alerts", func() error {
		_, err := n.Searches(ctx, s)
		return err
	})
}

// watch calls look at once and then every period until ctx ends, logging
// its failures.
func (n *Notifier) watch(ctx context.Context, on bool, every time.Duration, what string, look func() error) {
	if !on {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if err := look(); err != nil && ctx.Err() == nil {
			n.opts.Log.Error(what, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// enqueue queues jobs without waiting, dropping (and counting) those that
// find the queue full, and returns how many were queued.
func (n *Notifier) enqueue(jobs []job) (int, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		return 0, errors.New("alerts: closed")
	}
	queued := 0
	for _, j := range jobs {
		select {
		case n.queue <- j:
			queued++
		default:
			n.total.WithLabelValues(j.channel, OutcomeDropped).Inc()
			n.opts.Log.Warn("alert queue full: alert dropped", "kind", j.alert.Kind, "item", j.alert.Item, "rule", j.alert.Rule, "channel", j.channel)
		}
	}
	return queued, nil
}

func (n *Notifier) readSearchState() (searchState, error) {
	st, err := readState[searchState](SearchStatePath(n.opts.Data))
	if st == nil {
		st = searchState{}
	}
	return st, err
}

// readState reads the JSON state file at path; a missing file is the zero
// state.
func readState[T any](path string) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("alerts: reading %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("alerts: %s: %w", path, err)
	}
	return v, nil
}

func (n *Notifier) writeSearchState(st searchState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("alerts: encoding saved-search state: %w", err)
	}
	return writeAtomic(SearchStatePath(n.opts.Data), b)
}

// writeAtomic replaces path with b through a temporary file.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("alerts: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("alerts: writing %s: %w", path, err)
	}
	return nil
}
