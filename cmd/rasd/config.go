package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/index/pipeline"
	"github.com/rasd-iq/rasd/review/alerts"
	"github.com/rasd-iq/rasd/review/recheck"
)

// runConfig is rasd.yaml: where the engine keeps its data and what it runs.
// Relative paths are relative to the file's folder.
type runConfig struct {
	// Data is the folder of the embedded store and index.
	Data string `yaml:"data"`
	// Listen is the address of the web UI and API.
	Listen string `yaml:"listen"`
	// Sources is the sources.yaml file; empty runs no connectors.
	Sources string `yaml:"sources"`
	// Model is the model folder; empty means models/default.
	Model string `yaml:"model"`
	// Device is cpu or cuda.
	Device string `yaml:"device"`
	// Policy is policy.yaml; empty means the built-in default policy.
	Policy string `yaml:"policy"`
	// Batch is the scoring batch size.
	Batch int `yaml:"batch"`
	// Retention is how long unflagged posts are kept.
	Retention time.Duration `yaml:"retention"`
	// CaseRetention is how long a post that entered review is kept after
	// its case closed (and a post flagged below the review bar after it was
	// processed).
	CaseRetention time.Duration `yaml:"case_retention"`
	// TLSCert and TLSKey, both or neither, make the web UI and API serve
	// HTTPS with this certificate (PEM files); session cookies are then Secure.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// TrustedProxies are the addresses (CIDR) of reverse proxies in front
	// of rasd, whose X-Forwarded-For and X-Forwarded-Proto are believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Redis, when set (redis://host:port/db), moves the store and work queue
	// to Redis so that several processes share them.
	Redis string `yaml:"redis"`
	// RedisVolatile accepts a Redis that keeps nothing on disk (tests,
	// benchmarks); otherwise rasd run refuses one.
	RedisVolatile bool `yaml:"redis_volatile"`
	// Role is all, ingest, worker or api (the last three need Redis).
	Role string `yaml:"role"`
	// Signals configures the signals stage (docs/signals.md).
	Signals struct {
		// Disabled lists signals never computed.
		Disabled []string `yaml:"disabled"`
		// DefendersFile lists people known to be activists, journalists,
		// defenders or protesters (role, tab, name or @handle per line).
		DefendersFile string `yaml:"defenders_file"`
	} `yaml:"signals"`
	// Media configures the media stage (docs/media.md).
	Media mediastage.Config `yaml:"media"`
	// Complaints bound the public complaint form (docs/security.md); zero
	// keeps the defaults.
	Complaints struct {
		// PerAddress is how many complaints one address may post per window.
		PerAddress int `yaml:"per_address"`
		// Global is how many all addresses together may post per window.
		Global int `yaml:"global"`
		// Window is the period both count over.
		Window time.Duration `yaml:"window"`
	} `yaml:"complaints"`
	// Alerts says which routed posts raise alerts and where they go (docs/alerts.md).
	Alerts alerts.Config `yaml:"alerts"`
	// AllowInternal lets every outbound fetch (sources, media, re-checks) reach internal addresses.
	AllowInternal bool `yaml:"allow_internal"`
	// Recheck schedules re-checks of referred posts (docs/referrals.md).
	Recheck recheck.Config `yaml:"recheck"`
	// Review configures what the pipeline sends to review besides what
	// policy routes (docs/review.md).
	Review struct {
		// SampleRate is the share (0 to 1) of posts no rule routed that are
		// sent to review as a random sample; 0 sends none.
		SampleRate float64 `yaml:"sample_rate"`
	} `yaml:"review"`
}

func defaultRunConfig() runConfig {
	c := runConfig{Data: "rasd-data", Listen: "127.0.0.1:8080", Batch: pipeline.DefaultBatch, Retention: 30 * 24 * time.Hour, CaseRetention: 365 * 24 * time.Hour, Role: pipeline.RoleAll,
		Recheck: recheck.DefaultConfig()}
	c.Review.SampleRate = pipeline.DefaultSampleRate
	return c
}

// loadRunConfig reads path strictly (unknown keys rejected) over the defaults.
func loadRunConfig(path string) (runConfig, error) {
	c := defaultRunConfig()
	if path == "" {
		return c, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	for _, p := range []*string{&c.Data, &c.Sources, &c.Model, &c.Policy, &c.TLSCert, &c.TLSKey, &c.Signals.DefendersFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	c.Media.Resolve(base)
	if c.Batch <= 0 || c.Batch > 100000 {
		return c, fmt.Errorf("%s: batch must be between 1 and 100000, not %d", path, c.Batch)
	}
	if c.Retention < time.Hour {
		return c, fmt.Errorf("%s: retention must be at least 1h, not %s", path, c.Retention)
	}
	if c.CaseRetention < time.Hour {
		return c, fmt.Errorf("%s: case_retention must be at least 1h, not %s", path, c.CaseRetention)
	}
	if r := c.Review.SampleRate; !(r >= 0 && r <= 1) {
		return c, fmt.Errorf("%s: review: sample_rate must be between 0 (no sample) and 1 (every unrouted post), not %v", path, r)
	}
	if err := c.Recheck.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, fmt.Errorf("%s: tls_cert and tls_key go together", path)
	}
	if _, err := proxyPrefixes(c.TrustedProxies); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if cl := c.Complaints; cl.PerAddress < 0 || cl.Global < 0 || cl.Window < 0 || cl.Window > 24*time.Hour {
		return c, fmt.Errorf("%s: complaints: per_address and global must not be negative, window between 0 and 24h", path)
	}
	if err := c.Alerts.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// proxyPrefixes parses trusted_proxies: addresses or CIDR prefixes.
func proxyPrefixes(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, x := range ss {
		p, err := netip.ParsePrefix(x)
		if err != nil {
			a, aerr := netip.ParseAddr(x)
			if aerr != nil {
				return nil, fmt.Errorf("trusted_proxies: %q is not an address or CIDR prefix", x)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
