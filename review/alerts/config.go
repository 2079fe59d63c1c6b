package alerts

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/gazetteer"
)

// Channel types.
const (
	// TypeWebhook posts the alert as JSON to a URL, signed with HMAC-SHA256.
	TypeWebhook = "webhook"
	// TypeEmail sends the alert by SMTP.
	TypeEmail = "email"
	// TypeTelegram sends the alert through a Telegram bot.
	TypeTelegram = "telegram"
)

// Limits on the configuration.
const (
	maxRules    = 100
	maxChannels = 50
	maxList     = 200
	maxQueue    = 100000
	maxWorkers  = 32
	maxTries    = 20
)

// Config is the alerts: section of rasd.yaml: which routed posts raise an
// alert (Rules) and where alerts go (Channels). An empty Config raises none.
type Config struct {
	// BaseURL is the web UI's address; an alert links to BASE/items/ID.
	BaseURL string `yaml:"base_url"`
	// Queue bounds the alerts waiting for delivery (default 1000); alerts
	// raised while it is full are dropped and counted.
	Queue int `yaml:"queue"`
	// Workers deliver alerts at once (default 2).
	Workers int `yaml:"workers"`
	// Tries is how many times a delivery is attempted before the alert goes
	// to the dead-letter list (default 5).
	Tries int `yaml:"tries"`
	// Backoff is the wait after the first failed try, doubled after each
	// next one, with jitter (default 2s; at most 10m between tries).
	Backoff time.Duration `yaml:"backoff"`
	// Timeout bounds one delivery attempt (default 15s).
	Timeout time.Duration `yaml:"timeout"`
	// Rules say which posts raise alerts and to which channels.
	Rules []Rule `yaml:"rules"`
	// Channels are the destinations rules name.
	Channels []ChannelConfig `yaml:"channels"`
	// Tension rules raise an alert when a governorate's tension index (the
	// early-warning dashboard's) rises to a level.
	Tension []TensionRule `yaml:"tension"`
	// TensionEvery is how often the tension index is computed for the
	// tension rules (default 10m).
	TensionEvery time.Duration `yaml:"tension_every"`
	// Searches are saved searches that raise an alert for every new post
	// they match.
	Searches []SearchRule `yaml:"searches"`
	// SearchEvery is how often the saved searches run (default 5m), those
	// of this file and those accounts saved with alerts on in the web UI.
	SearchEvery time.Duration `yaml:"search_every"`
	// AccountChannels are the channels (names from Channels) that also
	// receive the alerts of the searches accounts saved with alerts on in
	// the web UI; empty keeps those alerts in the accounts' inboxes only.
	AccountChannels []string `yaml:"account_channels"`
}

// TensionRule raises an alert on its channels when a governorate's tension
// index rises to Above with at least MinRecent flagged posts in the recent
// window. It fires once per rise: again only after the index fell below
// Above.
type TensionRule struct {
	// Name identifies the rule in alerts and the audit log.
	Name string `yaml:"name"`
	// Above is the index level (default 2: twice the baseline's daily flags).
	Above float64 `yaml:"above"`
	// MinRecent is the fewest flagged posts in the recent window (default 5),
	// so that two posts in a quiet governorate do not raise an alert.
	MinRecent int `yaml:"min_recent"`
	// Governorates limits the rule to these gazetteer ids; empty means all.
	Governorates []string `yaml:"governorates"`
	// Channels are names from Config.Channels.
	Channels []string `yaml:"channels"`
}

// Rule raises an alert on the channels it names for every post newly routed
// to review that Match accepts.
type Rule struct {
	// Name identifies the rule in alerts and the audit log.
	Name string `yaml:"name"`
	// Match selects posts; an empty Match selects every routed post.
	Match Match `yaml:"match"`
	// Channels are names from Config.Channels.
	Channels []string `yaml:"channels"`
}

// Match selects routed posts. Every criterion that is set must hold; within
// a list, one entry is enough.
type Match struct {
	// Rules are policy rule ids (the rule that routed the post).
	Rules []string `yaml:"rules"`
	// Labels are violation labels at or above their bar.
	Labels []string `yaml:"labels"`
	// Signals are signal names; "known_content" also matches every
	// "known_content:BANK".
	Signals []string `yaml:"signals"`
	// Urgent selects urgent posts only.
	Urgent bool `yaml:"urgent"`
	// Governorates are gazetteer ids (baghdad, nineveh, …).
	Governorates []string `yaml:"governorates"`
}

// ChannelConfig is one destination. Secrets are never written in the file:
// the fields ending in _env name environment variables that hold them.
type ChannelConfig struct {
	// Name is what rules call the channel.
	Name string `yaml:"name"`
	// Type is webhook, email or telegram.
	Type string `yaml:"type"`
	// IncludeText adds the post's text to the alert (off by default: an
	// alert then carries no words of the post).
	IncludeText bool `yaml:"include_text"`
	// AllowInternal lets the channel reach loopback and private addresses
	// (tests, an internal relay); refused by default.
	AllowInternal bool `yaml:"allow_internal"`

	// URL is the webhook's address (http or https).
	URL string `yaml:"url"`
	// SecretEnv names the variable holding the webhook's HMAC secret.
	SecretEnv string `yaml:"secret_env"`

	// TokenEnv names the variable holding the Telegram bot token.
	TokenEnv string `yaml:"token_env"`
	// ChatID is the Telegram chat the bot writes to.
	ChatID string `yaml:"chat_id"`
	// APIURL is Telegram's Bot API address (default https://api.telegram.org).
	APIURL string `yaml:"api_url"`

	// SMTP is the mail server as host:port.
	SMTP string `yaml:"smtp"`
	// From and To are the sender and recipients.
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	// UsernameEnv and PasswordEnv name the variables holding the SMTP
	// credentials; both empty sends without authentication.
	UsernameEnv string `yaml:"username_env"`
	PasswordEnv string `yaml:"password_env"`
}

// Enabled reports whether c raises any alert.
func (c Config) Enabled() bool { return len(c.Rules) > 0 || len(c.Tension) > 0 || len(c.Searches) > 0 }

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	envRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
)

// withDefaults fills the unset tuning fields.
func (c Config) withDefaults() Config {
	if c.Queue == 0 {
		c.Queue = 1000
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.Tries == 0 {
		c.Tries = 5
	}
	if c.Backoff == 0 {
		c.Backoff = 2 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 15 * time.Second
	}
	if c.TensionEvery == 0 {
		c.TensionEvery = 10 * time.Minute
	}
	if c.SearchEvery == 0 {
		c.SearchEvery = 5 * time.Minute
	}
	c.Tension = slices.Clone(c.Tension)
	for i := range c.Tension {
		if c.Tension[i].Above == 0 {
			c.Tension[i].Above = 2
		}
		if c.Tension[i].MinRecent == 0 {
			c.Tension[i].MinRecent = 5
		}
	}
	for i := range c.Channels {
		if c.Channels[i].Type == TypeTelegram && c.Channels[i].APIURL == "" {
			c.Channels[i].APIURL = "https://api.telegram.org"
		}
	}
	return c
}

// Validate checks c, naming the field at fault as alerts.FIELD. It does not
// read the environment (Open does).
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("alerts.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.BaseURL != "" {
		if err := checkURL(c.BaseURL); err != nil {
			bad("base_url", "%v", err)
		}
	} else if c.Enabled() {
		bad("base_url", "required with rules: alerts link to the item or the dashboard in the web UI")
	}
	if c.Queue < 0 || c.Queue > maxQueue {
		bad("queue", "must be between 1 and %d, not %d", maxQueue, c.Queue)
	}
	if c.Workers < 0 || c.Workers > maxWorkers {
		bad("workers", "must be between 1 and %d, not %d", maxWorkers, c.Workers)
	}
	if c.Tries < 0 || c.Tries > maxTries {
		bad("tries", "must be between 1 and %d, not %d", maxTries, c.Tries)
	}
	if c.Backoff < 0 || c.Backoff > 10*time.Minute {
		bad("backoff", "must be between 0 and 10m, not %s", c.Backoff)
	}
	if c.Timeout < 0 || c.Timeout > 5*time.Minute {
		bad("timeout", "must be between 0 and 5m, not %s", c.Timeout)
	}
	if len(c.Rules) > maxRules {
		bad("rules", "at most %d rules, not %d", maxRules, len(c.Rules))
	}
	if len(c.Channels) > maxChannels {
		bad("channels", "at most %d channels, not %d", maxChannels, len(c.Channels))
	}
	channels := map[string]bool{}
	for i, ch := range c.Channels {
		f := fmt.Sprintf("channels[%d]", i)
		if !nameRE.MatchString(ch.Name) {
			bad(f+".name", "%q is not a name (letters, digits, _ . -; at most 64)", ch.Name)
		} else if channels[ch.Name] {
			bad(f+".name", "%q is named twice", ch.Name)
		}
		channels[ch.Name] = true
		for field, env := range map[string]string{"secret_env": ch.SecretEnv, "token_env": ch.TokenEnv, "username_env": ch.UsernameEnv, "password_env": ch.PasswordEnv} {
			if env != "" && !envRE.MatchString(env) {
				bad(f+"."+field, "%q is not an environment variable name", env)
			}
		}
		switch ch.Type {
		case TypeWebhook:
			if err := checkURL(ch.URL); err != nil {
				bad(f+".url", "%v", err)
			}
			if ch.SecretEnv == "" {
				bad(f+".secret_env", "required: webhook alerts are signed")
			}
		case TypeTelegram:
			if ch.TokenEnv == "" {
				bad(f+".token_env", "required for a telegram channel")
			}
			if ch.ChatID == "" || len(ch.ChatID) > 128 || strings.ContainsAny(ch.ChatID, " \t\r\n") {
				bad(f+".chat_id", "required, one word of at most 128 characters")
			}
			if ch.APIURL != "" {
				if err := checkURL(ch.APIURL); err != nil {
					bad(f+".api_url", "%v", err)
				}
			}
		case TypeEmail:
			if host, port, ok := strings.Cut(ch.SMTP, ":"); !ok || host == "" || port == "" {
				bad(f+".smtp", "want host:port, not %q", ch.SMTP)
			}
			if _, err := mail.ParseAddress(ch.From); err != nil {
				bad(f+".from", "%q is not an address", ch.From)
			}
			if len(ch.To) == 0 || len(ch.To) > maxList {
				bad(f+".to", "between 1 and %d recipients", maxList)
			}
			for j, to := range ch.To {
				if _, err := mail.ParseAddress(to); err != nil {
					bad(fmt.Sprintf("%s.to[%d]", f, j), "%q is not an address", to)
				}
			}
			if (ch.UsernameEnv == "") != (ch.PasswordEnv == "") {
				bad(f+".password_env", "username_env and password_env go together")
			}
		default:
			bad(f+".type", "%q is not webhook, email or telegram", ch.Type)
		}
	}
	names := map[string]bool{}
	// named checks a rule's name (unique across every kind of rule);
	// routes checks the channels it names.
	named := func(f, name string) {
		if !nameRE.MatchString(name) {
			bad(f+".name", "%q is not a name (letters, digits, _ . -; at most 64)", name)
		} else if names[name] {
			bad(f+".name", "%q is named twice", name)
		}
		names[name] = true
	}
	routes := func(f string, chs []string) {
		if len(chs) == 0 {
			bad(f+".channels", "name at least one channel")
		}
		for j, ch := range chs {
			if !channels[ch] {
				bad(fmt.Sprintf("%s.channels[%d]", f, j), "no channel is named %q", ch)
			}
		}
	}
	every := func(field string, d time.Duration) {
		if d < 0 || (d > 0 && d < time.Second) || d > 24*time.Hour {
			bad(field, "must be between 1s and 24h, not %s", d)
		}
	}
	for i, r := range c.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		named(f, r.Name)
		routes(f, r.Channels)
		m := r.Match
		for field, list := range map[string][]string{"rules": m.Rules, "labels": m.Labels, "signals": m.Signals, "governorates": m.Governorates} {
			if len(list) > maxList {
				bad(f+".match."+field, "at most %d entries", maxList)
			}
			if slices.Contains(list, "") {
				bad(f+".match."+field, "an entry is empty")
			}
		}
		for j, g := range m.Governorates {
			if _, ok := gazetteer.ByID(g); !ok {
				bad(fmt.Sprintf("%s.match.governorates[%d]", f, j), "%q is not a governorate id (baghdad, basra, nineveh, …)", g)
			}
		}
	}
	every("tension_every", c.TensionEvery)
	if len(c.Tension) > maxRules {
		bad("tension", "at most %d rules, not %d", maxRules, len(c.Tension))
	}
	for i, r := range c.Tension {
		f := fmt.Sprintf("tension[%d]", i)
		named(f, r.Name)
		if r.Above < 0 || (r.Above > 0 && r.Above <= 1) || r.Above > 1000 {
			bad(f+".above", "must be above 1 (the baseline) and at most 1000, not %g", r.Above)
		}
		if r.MinRecent < 0 || r.MinRecent > 1_000_000 {
			bad(f+".min_recent", "must be between 1 and 1000000, not %d", r.MinRecent)
		}
		routes(f, r.Channels)
		if len(r.Governorates) > maxList {
			bad(f+".governorates", "at most %d entries", maxList)
		}
		for j, g := range r.Governorates {
			if _, ok := gazetteer.ByID(g); !ok {
				bad(fmt.Sprintf("%s.governorates[%d]", f, j), "%q is not a governorate id (baghdad, basra, nineveh, …)", g)
			}
		}
	}
	every("search_every", c.SearchEvery)
	if len(c.Searches) > maxRules {
		bad("searches", "at most %d saved searches, not %d", maxRules, len(c.Searches))
	}
	for i, r := range c.Searches {
		f := fmt.Sprintf("searches[%d]", i)
		named(f, r.Name)
		q := r.Query
		if q.empty() {
			bad(f+".query", "set at least one of text, labels, governorate, platform, source, min_score")
		}
		if len(q.Text) > 500 {
			bad(f+".query.text", "at most 500 bytes")
		}
		if len(q.Labels) > maxList || slices.Contains(q.Labels, "") {
			bad(f+".query.labels", "at most %d labels, none empty", maxList)
		}
		if q.Governorate != "" {
			if _, ok := gazetteer.ByID(q.Governorate); !ok {
				bad(f+".query.governorate", "%q is not a governorate id (baghdad, basra, nineveh, …)", q.Governorate)
			}
		}
		if q.MinScore < 0 || q.MinScore > 1 {
			bad(f+".query.min_score", "must be between 0 and 1, not %g", q.MinScore)
		}
		routes(f, r.Channels)
	}
	for j, ch := range c.AccountChannels {
		if !channels[ch] {
			bad(fmt.Sprintf("account_channels[%d]", j), "no channel is named %q", ch)
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts absolute http and https URLs.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http or https URL", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries credentials; use the _env fields", s)
	}
	return nil
}
