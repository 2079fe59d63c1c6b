package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/rasd-iq/rasd/index/pipeline"
)

func init() {
	register(&command{
		Name:    "run",
		Summary: "run the monitoring engine: sources → normalise → score → index → review queue, with the web UI",
		Usage:   "run [--config rasd.yaml] [--data DIR] [--listen ADDR] [--redis URL --role all|ingest|worker|api] [--once] [--exit] [--allow-internal]",
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
	internal := fs.Bool("allow-internal", false, "let sources, media and re-checks reach loopback and private addresses (tests, an intranet)")
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
	cfg.RedisVolatile, cfg.AllowInternal = cfg.RedisVolatile || *volatile, cfg.AllowInternal || *internal
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
	if eng.recheck != nil {
		defer eng.recheck.Start(ctx)()
	}
	for _, watch := range eng.watchers {
		go watch(ctx)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	// Bounded reads, writes and idle connections: a client that stalls
	// never holds a connection for long.
	srv := &http.Server{Handler: eng.handler, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: 64 << 10,
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
	// Requests in flight get 5 s to finish. A client that holds a
	// connection open without a request (browsers open spare ones) does
	// not keep the engine from stopping: it is cut off then.
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("connections still open after 5s: closed", "err", err)
		return srv.Close()
	}
	return nil
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

// The web server's bounds on slow clients: a connection that has not sent
// its headers, or its whole request, in time is closed.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
)
