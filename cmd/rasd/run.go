package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/index/pipeline"
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
}

func defaultRunConfig() runConfig {
	return runConfig{Data: "rasd-data", Listen: "127.0.0.1:8080", Batch: pipeline.DefaultBatch, Retention: 30 * 24 * time.Hour, CaseRetention: 365 * 24 * time.Hour, Role: pipeline.RoleAll}
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
	paths := []*string{&c.Data, &c.Sources, &c.Model, &c.Policy, &c.TLSCert, &c.TLSKey, &c.Media.Banks.Dir}
	for i := range c.Media.Files {
		paths = append(paths, &c.Media.Files[i])
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	if c.Batch <= 0 || c.Batch > 100000 {
		return c, fmt.Errorf("%s: batch must be between 1 and 100000, not %d", path, c.Batch)
	}
	if c.Retention < time.Hour {
		return c, fmt.Errorf("%s: retention must be at least 1h, not %s", path, c.Retention)
	}
	if c.CaseRetention < time.Hour {
		return c, fmt.Errorf("%s: case_retention must be at least 1h, not %s", path, c.CaseRetention)
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
	return c, nil
}

func init() {
	register(&command{
		Name:    "run",
		Summary: "run the monitoring engine: sources → normalise → score → index → review queue, with the web UI",
		Usage:   "run [--config rasd.yaml] [--data DIR] [--listen ADDR] [--redis URL --role all|ingest|worker|api] [--once] [--exit]",
		Example: "rasd run --config examples/rasd.yaml",
		Run:     runRun,
	})
}

func runRun(env *Env, args []string) error {
	c := commands["run"]
	fs := newFlagSet(env, c)
	cfgPath := fs.String("config", "", "engine configuration `file` (rasd.yaml)")
	data := fs.String("data", "", "data `folder` (overrides the config's data)")
	listen := fs.String("listen", "", "web UI and API `address` (overrides the config's listen)")
	redisURL := fs.String("redis", "", "share the store and work queue through Redis at `url` (redis://host:port/db)")
	role := fs.String("role", "", "what this process does with --redis: all, ingest, worker or api")
	volatile := fs.Bool("redis-volatile", false, "accept a Redis that keeps nothing on disk (a restart loses the queues)")
	once := fs.Bool("once", false, "fetch each source once instead of on its schedule")
	exit := fs.Bool("exit", false, "with --once: exit when every post is processed instead of serving the UI")
	modelDir := fs.String("model", "", "model `folder` (overrides the config's model; default models/default)")
	ortLib := fs.String("ort-lib", "", "ONNX Runtime shared library `path` (default $RASD_ORT_LIB, then .cache/onnxruntime)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *exit && !*once {
		return usagef("--exit needs --once")
	}
	tuneGC(os.Getenv)
	cfg, err := loadRunConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *data != "" {
		cfg.Data = *data
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if *redisURL != "" {
		cfg.Redis = *redisURL
	}
	if *modelDir != "" {
		cfg.Model = *modelDir
	}
	if *role != "" {
		cfg.Role = *role
	}
	cfg.RedisVolatile = cfg.RedisVolatile || *volatile
	switch cfg.Role {
	case pipeline.RoleAll:
	case pipeline.RoleIngest, pipeline.RoleWorker, pipeline.RoleAPI:
		if cfg.Redis == "" {
			return usagef("role %q needs --redis: the embedded store serves one process", cfg.Role)
		}
	default:
		return usagef("unknown role %q (want all, ingest, worker or api)", cfg.Role)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	eng, err := openEngine(cfg, *ortLib, *once, *exit, log)
	if err != nil {
		return err
	}
	defer eng.Close()

	pipeDone := make(chan error, 1)
	go func() { pipeDone <- eng.pipe.Run(ctx) }()
	if *exit {
		if err := <-pipeDone; err != nil {
			return err
		}
		records, queued, _, _ := eng.store.Counts(ctx)
		fmt.Fprintf(env.Stdout, "processed: %d posts stored, %d in the review queue\n", records, queued)
		return nil
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	// Bounded reads, writes and idle connections: a client that stalls
	// never holds a connection for long.
	srv := &http.Server{Handler: eng.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(env.Stdout, "rasd: serving on %s://%s (dashboard /dashboard, search /search, API /api/search, /api/trends, /metrics)\n", scheme, ln.Addr())
	serveErr := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			serveErr <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
			return
		}
		serveErr <- srv.Serve(ln)
	}()
	select {
	case err := <-pipeDone:
		if err != nil {
			srv.Close()
			return err
		}
		// Sources done (--once): keep serving until interrupted.
		select {
		case <-ctx.Done():
		case err := <-serveErr:
			return fmt.Errorf("serving: %w", err)
		}
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// runGCPercent is the garbage collector's target for rasd run: indexing
// allocates heavily and the heap it keeps is small, so collecting less often
// buys throughput (about 15%) for some memory. runMemoryLimit caps that
// trade: near it the collector runs as often as it must. GOGC and GOMEMLIMIT
// in the environment win.
const (
	runGCPercent   = 400
	runMemoryLimit = 1 << 30
)

// tuneGC applies runGCPercent and runMemoryLimit unless the operator set
// GOGC or GOMEMLIMIT.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(runGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(runMemoryLimit)
	}
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
