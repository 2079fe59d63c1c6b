package alerts

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/index/trends"
)

// TensionStatePath is where the governorates above each tension rule's
// level are kept, so that a restart does not alert the same rise again.
func TensionStatePath(data string) string { return filepath.Join(data, "alerts", "tension.json") }

// TensionSource computes the current tension index per governorate.
type TensionSource func(ctx context.Context) ([]trends.Tension, error)

// tensionKey names one rule's state for one governorate.
func tensionKey(rule, gov string) string { return rule + "/" + gov }

// Tension raises the alerts of the tension rules for the governorates
// whose index rose to a rule's level since the last call, and returns how
// many alerts it queued. A governorate above the level stays quiet until it
// falls below it again; the state survives restarts.
func (n *Notifier) Tension(ctx context.Context, ts []trends.Tension) (int, error) {
	if len(n.cfg.Tension) == 0 {
		return 0, nil
	}
	n.tensionMu.Lock()
	defer n.tensionMu.Unlock()
	above, err := n.readTensionState()
	if err != nil {
		return 0, err
	}
	now := n.opts.Now().UTC()
	next := map[string]bool{}
	var jobs []job
	for _, rule := range n.cfg.Tension {
		for _, t := range ts {
			if len(rule.Governorates) > 0 && !slices.Contains(rule.Governorates, t.Governorate) {
				continue
			}
			if t.Index < rule.Above || t.Recent < rule.MinRecent {
				continue
			}
			key := tensionKey(rule.Name, t.Governorate)
			next[key] = true
			if above[key] {
				continue
			}
			for _, ch := range rule.Channels {
				jobs = append(jobs, job{channel: ch, alert: Alert{ID: newID(), Kind: KindTension, Rule: rule.Name,
					Governorate: t.Governorate, URL: strings.TrimRight(n.cfg.BaseURL, "/") + "/dashboard", Routed: now,
					Tension: &TensionFigures{Index: t.Index, Above: rule.Above, Recent: t.Recent, BaselinePerDay: t.BaselinePerDay, Z: t.Z}}})
			}
		}
	}
	// The state is written before the alerts are queued: a crash between
	// the two loses an alert rather than repeating it forever, and the
	// queued ones reach the dead-letter list if undeliverable.
	if err := n.writeTensionState(next); err != nil {
		return 0, err
	}
	return n.enqueue(jobs)
}

// WatchTension computes the tension index every TensionEvery with src and
// raises the tension rules' alerts, until ctx ends. Failures are logged and
// tried again at the next tick.
func (n *Notifier) WatchTension(ctx context.Context, src TensionSource) {
	n.watch(ctx, len(n.cfg.Tension) > 0, n.cfg.TensionEvery, "tension alerts", func() error {
		ts, err := src(ctx)
		if err == nil {
			_, err = n.Tension(ctx, ts)
		}
		return err
	})
}

func (n *Notifier) readTensionState() (map[string]bool, error) {
	keys, err := readState[[]string](TensionStatePath(n.opts.Data))
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m, err
}

// writeTensionState replaces the state file atomically.
func (n *Notifier) writeTensionState(above map[string]bool) error {
	keys := make([]string, 0, len(above))
	for k := range above {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b, _ := json.Marshal(keys)
	return writeAtomic(TensionStatePath(n.opts.Data), b)
}
