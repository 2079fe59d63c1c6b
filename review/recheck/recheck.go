// Package recheck asks platforms whether referred posts are still up, each
// through its own signal, and runs those checks on a schedule inside the
// engine:
//
//   - X: the API v2 tweet lookup (GET /2/tweets?ids=…), which answers 200
//     with an errors entry for a deleted tweet ("Not Found Error") and for
//     one withheld or of a suspended account ("Authorization Error");
//   - Telegram: the message's public embed page (CHANNEL/ID?embed=1), which
//     answers 200 and shows a tgme_widget_message_error element ("Post not
//     found") when the message is gone;
//   - YouTube: the Data API videos.list for a video id, comments.list for a
//     comment id (the YouTube connector stores comments); no items means
//     removed;
//   - every other platform: the permalink itself, HTTP 404 or 410 meaning
//     removed (referral.Checker).
//
// The X bearer token and YouTube API key are the ones the connectors use:
// the environment variables named by the first x and youtube sources in
// sources.yaml, whose base_url the checks follow too. Every request dials
// only public addresses unless the source (or, for the permalink check,
// Config.AllowInternal) allows internal ones.
package recheck

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/ingest/mtproto"
	"github.com/rasd-iq/rasd/ingest/telegram"
	"github.com/rasd-iq/rasd/ingest/x"
	"github.com/rasd-iq/rasd/ingest/youtube"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/referral"
)

// Defaults of Config.
const (
	// DefaultEvery is how often referrals are re-checked.
	DefaultEvery = 6 * time.Hour
	// DefaultTimeout bounds one request to a platform.
	DefaultTimeout = 20 * time.Second
	// MinEvery is the shortest schedule Validate accepts.
	MinEvery = time.Minute
)

// Config is the recheck section of rasd.yaml.
type Config struct {
	// Every is how often approved referrals not yet known removed are
	// re-checked; 0 turns the schedule off.
	Every time.Duration `yaml:"every"`
	// Timeout bounds one request to a platform.
	Timeout time.Duration `yaml:"timeout"`
	// AllowInternal lets the permalink check fetch loopback, private and
	// link-local addresses (tests, an intranet deployment).
	AllowInternal bool `yaml:"allow_internal"`
}

// UnmarshalYAML reads the section over the values already in c, taking
// durations such as 6h, 20s, and a bare 0 for every (off). Unknown keys are
// rejected.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		Every         *string `yaml:"every"`
		Timeout       *string `yaml:"timeout"`
		AllowInternal *bool   `yaml:"allow_internal"`
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; k {
			case "every", "timeout", "allow_internal":
			default:
				return fmt.Errorf("line %d: recheck: unknown key %q (allowed: every, timeout, allow_internal)", n.Content[i].Line, k)
			}
		}
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		s    *string
		d    *time.Duration
	}{{"every", raw.Every, &c.Every}, {"timeout", raw.Timeout, &c.Timeout}} {
		if f.s == nil {
			continue
		}
		if *f.s == "0" {
			*f.d = 0
			continue
		}
		d, err := time.ParseDuration(*f.s)
		if err != nil {
			return fmt.Errorf("line %d: recheck: bad %s %q: want a duration such as 6h or 20s", n.Line, f.name, *f.s)
		}
		*f.d = d
	}
	if raw.AllowInternal != nil {
		c.AllowInternal = *raw.AllowInternal
	}
	return nil
}

// DefaultConfig is the configuration when rasd.yaml says nothing.
func DefaultConfig() Config { return Config{Every: DefaultEvery, Timeout: DefaultTimeout} }

// Validate reports a schedule or timeout out of range.
func (c Config) Validate() error {
	if c.Every < 0 || (c.Every > 0 && c.Every < MinEvery) {
		return fmt.Errorf("recheck: every must be 0 (off) or at least %s, not %s", MinEvery, c.Every)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("recheck: timeout must be positive, not %s", c.Timeout)
	}
	return nil
}

// Metrics count checks by platform and result.
type Metrics struct {
	checks *prometheus.CounterVec
}

// NewMetrics registers rasd_referral_rechecks_total on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rasd_referral_rechecks_total",
		Help: "Re-checks of referred posts, by platform and result (removed, present, unknown)."}, []string{"platform", "result"})}
	if err := reg.Register(m.checks); err != nil {
		return nil, fmt.Errorf("registering re-check metrics: %w", err)
	}
	return m, nil
}

// Platforms sends each post to its platform's check (implements
// referral.Prober). A platform whose check is nil falls back to Web.
type Platforms struct {
	// X checks posts of platform x; nil without a bearer token.
	X *X
	// Telegram checks posts of platforms telegram and telegram-mtproto.
	Telegram *Telegram
	// YouTube checks posts of platform youtube; nil without an API key.
	YouTube *YouTube
	// Web checks every other post by its permalink.
	Web referral.Prober
	// Metrics, when set, counts the checks.
	Metrics *Metrics
}

// Probe asks post's platform whether it is still up.
func (p *Platforms) Probe(ctx context.Context, post ingest.Post) review.Check {
	var pr referral.Prober = p.Web
	switch {
	case post.Platform == x.Name && p.X != nil:
		pr = p.X
	case (post.Platform == telegram.Name || post.Platform == mtproto.Name) && p.Telegram != nil:
		// A public group's or channel's message read through the API has
		// an embed page like a preview channel's (USERNAME/ID).
		pr = p.Telegram
	case post.Platform == youtube.Name && p.YouTube != nil:
		pr = p.YouTube
	}
	if pr == nil {
		pr = &referral.Checker{}
	}
	ch := pr.Probe(ctx, post)
	if ch.Result == "" {
		ch.Result = review.CheckUnknown
	}
	if p.Metrics != nil {
		p.Metrics.checks.WithLabelValues(post.Platform, ch.Result).Inc()
	}
	return ch
}

// Options build Platforms.
type Options struct {
	// Config gives the timeout and whether the permalink check may reach
	// internal addresses.
	Config Config
	// Sources are the configured sources: the first x and youtube sources
	// give the credentials and API roots, the first telegram source the
	// preview host.
	Sources []ingest.Spec
	// UserAgent is sent with each request (default httpx.DefaultUserAgent).
	UserAgent string
	// Metrics, when set, counts the checks.
	Metrics *Metrics
}

// New builds the platform checks. X and YouTube are checked through their
// APIs only when a source of that type is configured and its credential is
// set; otherwise their posts get the permalink check.
func New(o Options) (*Platforms, error) {
	if o.Config.Timeout <= 0 {
		o.Config.Timeout = DefaultTimeout
	}
	p := &Platforms{Metrics: o.Metrics,
		Web: &referral.Checker{Client: httpx.GuardedClient(o.Config.Timeout, o.Config.AllowInternal), UserAgent: o.UserAgent}}
	opts := func(spec ingest.Spec, base string, secrets ...ingest.Secret) httpx.Options {
		ho := httpx.OptionsFor(spec, httpx.RetrySettings{}, base, secrets...)
		ho.Timeout, ho.MaxWait, ho.MaxRetries, ho.MaxBodyBytes = o.Config.Timeout, o.Config.Timeout, 1, 1<<20
		ho.UserAgent = o.UserAgent
		return ho
	}
	for _, spec := range o.Sources {
		switch spec.Type {
		case x.Name:
			if p.X != nil {
				continue
			}
			var s x.Settings
			if err := spec.DecodeSettings(&s); err != nil {
				return nil, fmt.Errorf("re-checks: %w", err)
			}
			base, err := httpx.BaseURL(spec, s.BaseURL, x.DefaultBaseURL)
			if err != nil {
				return nil, fmt.Errorf("re-checks: %w", err)
			}
			tok := ingest.Secret(strings.TrimSpace(os.Getenv(s.TokenEnv)))
			if s.TokenEnv == "" || tok == "" {
				continue
			}
			p.X = &X{Base: base, Token: tok, Client: httpx.New(opts(spec, base, tok))}
		case youtube.Name:
			if p.YouTube != nil {
				continue
			}
			var s youtube.Settings
			if err := spec.DecodeSettings(&s); err != nil {
				return nil, fmt.Errorf("re-checks: %w", err)
			}
			base, err := httpx.BaseURL(spec, s.BaseURL, youtube.DefaultBaseURL)
			if err != nil {
				return nil, fmt.Errorf("re-checks: %w", err)
			}
			key := ingest.Secret(strings.TrimSpace(os.Getenv(s.KeyEnv)))
			if s.KeyEnv == "" || key == "" {
				continue
			}
			p.YouTube = &YouTube{Base: base, Key: key, Client: httpx.New(opts(spec, base, key))}
		case telegram.Name:
			if p.Telegram != nil {
				continue
			}
			var s telegram.Settings
			if err := spec.DecodeSettings(&s); err != nil {
				return nil, fmt.Errorf("re-checks: %w", err)
			}
			base, err := httpx.BaseURL(spec, s.BaseURL, telegram.DefaultBaseURL)
			if err != nil {
				return nil, fmt.Errorf("re-checks: %w", err)
			}
			p.Telegram = &Telegram{Base: base, Client: httpx.New(opts(spec, base))}
		}
	}
	if p.Telegram == nil {
		// Public previews need no credential: Telegram posts are checked
		// there even when no Telegram source is configured.
		p.Telegram = &Telegram{Base: telegram.DefaultBaseURL, Client: httpx.New(opts(ingest.Spec{}, telegram.DefaultBaseURL))}
	}
	return p, nil
}

// failed is the Check of a request that got no usable answer. What a failed
// request says (addresses, host names) is not recorded: only its kind.
func failed(method string, err error) review.Check {
	note := "request failed"
	var se *httpx.StatusError
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &se):
		return review.Check{Code: se.Code, Note: fmt.Sprintf("HTTP %d", se.Code), Result: review.CheckUnknown, Method: method}
	case errors.Is(err, httpx.ErrInternalAddress):
		note = "refused: not a public internet address"
	case errors.Is(err, httpx.ErrRateLimited):
		note = "rate limited"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		note = "request timed out"
	}
	return review.Check{Note: note, Result: review.CheckUnknown, Method: method}
}

// client returns c, or a guarded default client when c is nil.
func client(c *httpx.Client) *httpx.Client {
	if c != nil {
		return c
	}
	return httpx.New(httpx.Options{Timeout: DefaultTimeout, MaxWait: DefaultTimeout, MaxRetries: 1})
}
