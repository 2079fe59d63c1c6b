// Package alerts pushes warnings out as posts are routed to review: alert
// rules select routed posts (by policy rule, label, signal, urgency or
// governorate) and deliver a small alert to channels (a signed webhook,
// email, a Telegram bot). Delivery runs off the pipeline's path, on a
// bounded queue, with retries and back-off; what still fails lands in a
// dead-letter list an admin can retry. Every delivery and every failure is
// audited. An alert carries no author, no permalink and, unless a channel
// asks for it, no text (docs/alerts.md).
package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy/audit"
)

// TypeAlert is the audit event type of an alert delivered, failed or dead.
const TypeAlert = "alert"

// Outcomes counted by rasd_alerts_total and written in the audit log.
const (
	OutcomeSent    = "sent"
	OutcomeFailed  = "failed"
	OutcomeDead    = "dead"
	OutcomeDropped = "dropped"
)

// AuditLog receives an event for every alert delivered, failed or given up.
type AuditLog interface {
	AppendBatch(events []audit.Event) ([]audit.Entry, error)
}

// Options are what a Notifier needs besides its configuration.
type Options struct {
	// Data is the data folder; the dead-letter list is DATA/alerts/dead.jsonl.
	Data string
	// Audit, when set, receives every delivery, failure and dead letter.
	Audit AuditLog
	// Log receives anomalies; nil logs nothing.
	Log *slog.Logger
	// Metrics registers rasd_alerts_total; nil skips registration.
	Metrics prometheus.Registerer
	// Getenv reads the channels' secrets (default os.Getenv).
	Getenv func(string) string
	// Sleep waits between tries (default a timer; tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Accounts, when set, adds the searches accounts saved with alerts on
	// in the web UI to the saved searches the notifier runs.
	Accounts Accounts
}

// job is one alert for one channel.
type job struct {
	alert   Alert
	channel string
}

// Notifier raises alerts about routed posts and delivers them.
type Notifier struct {
	cfg      Config
	opts     Options
	senders  map[string]sender
	channels map[string]ChannelConfig
	dead     *deadFile
	total    *prometheus.CounterVec

	// tensionMu and searchMu serialise the tension rules' and the saved
	// searches' state files.
	tensionMu, searchMu sync.Mutex
	// mu guards closed and sends on queue.
	mu     sync.RWMutex
	closed bool
	queue  chan job
	// ctx stops deliveries when Close runs out of time.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open checks cfg, reads the channels' secrets and starts the delivery
// workers. Close stops them.
func Open(cfg Config, o Options) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Data == "" {
		return nil, errors.New("alerts: a data folder is required for the dead-letter list")
	}
	n := &Notifier{cfg: cfg, opts: o, senders: map[string]sender{}, channels: map[string]ChannelConfig{},
		dead: &deadFile{path: DeadLetterPath(o.Data)}, queue: make(chan job, cfg.Queue),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_alerts_total",
			Help: "Alert deliveries by channel and outcome (sent, failed: one try failed, dead: given up, dropped: queue full)."}, []string{"channel", "outcome"})}
	for _, ch := range cfg.Channels {
		s, err := openSender(ch, cfg.Timeout, o.Getenv, o.Now)
		if err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		n.senders[ch.Name], n.channels[ch.Name] = s, ch
	}
	if o.Metrics != nil {
		if err := o.Metrics.Register(n.total); err != nil {
			return nil, fmt.Errorf("alerts: registering metrics: %w", err)
		}
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	for range cfg.Workers {
		n.wg.Add(1)
		go n.work()
	}
	return n, nil
}

// Routed raises the alerts about records newly routed to review and queues
// them for delivery without waiting: when the queue is full an alert is
// dropped, logged and counted. Records not queued for review are skipped.
// Each channel gets at most one alert per record, from the first rule
// (in configuration order) that selects it for that channel.
func (n *Notifier) Routed(_ context.Context, recs []store.Record) {
	now := n.opts.Now().UTC()
	var jobs []job
	for i := range recs {
		r := &recs[i]
		if !r.Queued {
			continue
		}
		sent := map[string]bool{}
		for _, rule := range n.cfg.Rules {
			if !rule.Match.matches(r) {
				continue
			}
			base := newAlert(rule.Name, r, n.cfg.BaseURL, now)
			for _, ch := range rule.Channels {
				if sent[ch] {
					continue
				}
				sent[ch] = true
				a := base
				a.ID = newID()
				if n.channels[ch].IncludeText {
					a.Text = clip(r.Post.Text, maxText)
				}
				jobs = append(jobs, job{alert: a, channel: ch})
			}
		}
	}
	n.enqueue(jobs) // after Close, nothing is queued
}

// Close stops taking alerts and waits for the queued ones to be delivered.
// When ctx ends first, deliveries still running or waiting stop and go to
// the dead-letter list, so that none is lost silently.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	close(n.queue)
	n.mu.Unlock()
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		n.cancel()
		return nil
	case <-ctx.Done():
		n.cancel()
		<-done
		return fmt.Errorf("alerts: closing before every alert was delivered: %w", ctx.Err())
	}
}

// work delivers queued alerts until the queue is closed and empty.
func (n *Notifier) work() {
	defer n.wg.Done()
	for j := range n.queue {
		n.deliver(n.ctx, j, "")
	}
}

// deliver tries j up to the configured number of times, waiting longer
// after each failure; an alert that fails every try goes to the dead-letter
// list unless it came from there (retried by actor, not empty). It
// returns the last error.
func (n *Notifier) deliver(ctx context.Context, j job, actor string) error {
	retry := actor != ""
	s := n.senders[j.channel]
	var err error
	tries := 0
	for tries < n.cfg.Tries {
		if tries > 0 {
			if serr := n.opts.Sleep(ctx, n.backoff(tries)); serr != nil {
				err = fmt.Errorf("%w (stopped waiting to try again: %w)", err, serr)
				break
			}
		}
		tries++
		actx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
		err = s.send(actx, &j.alert)
		cancel()
		if err == nil {
			n.total.WithLabelValues(j.channel, OutcomeSent).Inc()
			n.audit(j, OutcomeSent, tries, actor, nil)
			return nil
		}
		n.total.WithLabelValues(j.channel, OutcomeFailed).Inc()
		if errors.Is(err, errPermanent) || ctx.Err() != nil {
			break
		}
	}
	if retry {
		n.audit(j, OutcomeFailed, tries, actor, err)
		return err
	}
	n.total.WithLabelValues(j.channel, OutcomeDead).Inc()
	n.opts.Log.Warn("alert undeliverable: kept in the dead-letter list", "item", j.alert.Item, "channel", j.channel, "tries", tries, "err", err)
	dl := DeadLetter{ID: j.alert.ID, Channel: j.channel, Alert: j.alert, Error: err.Error(), Tries: tries, At: n.opts.Now().UTC()}
	dl.Alert.Text = ""
	if derr := n.dead.append(deadRecord{Dead: &dl}); derr != nil {
		n.opts.Log.Error("keeping an undeliverable alert", "item", j.alert.Item, "channel", j.channel, "err", derr)
	}
	n.audit(j, OutcomeDead, tries, actor, err)
	return err
}

// backoff is the wait before try number tries+1: Backoff doubled after
// every failed try, at most 10 minutes, with jitter between half and all of it.
func (n *Notifier) backoff(tries int) time.Duration {
	d := n.cfg.Backoff
	for i := 1; i < tries && d < 10*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 10*time.Minute)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// audit records what became of j (retried from the dead-letter list by
// actor, when not empty).
func (n *Notifier) audit(j job, outcome string, tries int, actor string, err error) {
	if n.opts.Audit == nil {
		return
	}
	d := map[string]any{"alert": j.alert.ID, "kind": j.alert.Kind, "rule": j.alert.Rule, "channel": j.channel, "outcome": outcome, "tries": tries,
		"urgent": j.alert.Urgent, "text_included": j.alert.Text != ""}
	if actor != "" {
		d["retry"], d["by"] = true, actor
	}
	if err != nil {
		d["error"] = err.Error()
	}
	subject := j.alert.Item
	if j.alert.Kind == KindTension {
		subject = "governorate:" + j.alert.Governorate
		d["index"] = j.alert.Tension.Index
	}
	ev := audit.Event{Type: TypeAlert, Actor: "alerts", Subject: subject, Time: n.opts.Now().UTC(), Details: d}
	if _, aerr := n.opts.Audit.AppendBatch([]audit.Event{ev}); aerr != nil {
		n.opts.Log.Error("auditing an alert", "item", j.alert.Item, "err", aerr)
	}
}

// DeadLetters lists the alerts given up and not retried since, oldest first.
func (n *Notifier) DeadLetters() ([]DeadLetter, error) { return n.dead.list() }

// Retry delivers a dead letter again on its channel (with the configured
// tries), and takes it off the list when it arrives; actor is recorded in
// the audit log (default "admin").
func (n *Notifier) Retry(ctx context.Context, id, actor string) error {
	if actor == "" {
		actor = "admin"
	}
	list, err := n.dead.list()
	if err != nil {
		return err
	}
	for _, dl := range list {
		if dl.ID != id {
			continue
		}
		if _, ok := n.senders[dl.Channel]; !ok {
			return fmt.Errorf("retrying alert %s: channel %q is no longer configured", id, dl.Channel)
		}
		if err := n.deliver(ctx, job{alert: dl.Alert, channel: dl.Channel}, actor); err != nil {
			return fmt.Errorf("retrying alert %s on %s: %w", id, dl.Channel, err)
		}
		if err := n.dead.append(deadRecord{Resolved: id, At: n.opts.Now().UTC()}); err != nil {
			return fmt.Errorf("alert %s delivered, but %w", id, err)
		}
		return nil
	}
	return fmt.Errorf("retrying alert %s: %w", id, ErrNoDeadLetter)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
