package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	_ "github.com/rasd-iq/rasd/ingest/all" // every connector type
	"github.com/rasd-iq/rasd/ingest/checkpoint"
	"github.com/rasd-iq/rasd/ingest/crawler"
)

func init() {
	register(&command{
		Name:    "crawl",
		Summary: "fetch posts from the sources in sources.yaml and write new ones as JSON Lines",
		Usage:   "crawl --sources FILE [--once] [--out FILE] [--sightings FILE] [--data DIR] [--allow-internal]",
		Example: "rasd crawl --sources examples/sources.yaml --once --out posts.jsonl",
		Run:     runCrawl,
	})
}

func runCrawl(env *Env, args []string) error {
	c := commands["crawl"]
	fs := newFlagSet(env, c)
	sources := fs.String("sources", "", "sources file (YAML; see docs/sources.md)")
	once := fs.Bool("once", false, "fetch every source until it is caught up, then exit")
	out := fs.String("out", "-", "file to append new posts to (JSON Lines); - for stdout (no crash recovery)")
	sightings := fs.String("sightings", "", "file to append sightings of copies to (JSON Lines)")
	data := fs.String("data", "rasd-data", "directory for checkpoints (crawl.db)")
	retries := fs.Int("retries", 5, "with --once, retries of a failing source before it is given up")
	progress := fs.String("progress", "auto", "progress display: auto (table on a terminal, log lines otherwise), table, log")
	verbose := fs.Bool("v", false, "log every batch")
	internal := fs.Bool("allow-internal", false, "let every source reach loopback and private addresses (tests, an intranet)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *sources == "" {
		return usagef("--sources is required")
	}
	if *retries < 0 {
		return usagef("--retries must not be negative")
	}
	table := false
	switch *progress {
	case "auto":
		table = isTerminal(env.Stderr)
	case "table":
		table = true
	case "log":
	default:
		return usagef("bad --progress %q: want auto, table or log", *progress)
	}
	if *sightings != "" && *sightings == *out {
		return usagef("--sightings and --out must be different files")
	}

	cfg, err := ingest.LoadConfigWith(*sources, ingest.LoadOptions{AllowInternal: *internal})
	if err != nil {
		return err
	}
	defer cfg.Close()
	if len(cfg.Sources) == 0 {
		return fmt.Errorf("%s: no enabled sources", *sources)
	}
	db, err := checkpoint.Open(filepath.Join(*data, "crawl.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	var outW *crawler.Output
	if *out == "-" || *out == "" {
		outW = crawler.WriterOutput("stdout", env.Stdout)
	} else if outW, err = crawler.OpenOutput(*out); err != nil {
		return err
	}
	defer outW.Close()
	var sightW *crawler.Output
	if *sightings != "" {
		if sightW, err = crawler.OpenOutput(*sightings); err != nil {
			return err
		}
		defer sightW.Close()
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	var (
		logW io.Writer = env.Stderr
		tty  *ttyProgress
	)
	if table {
		tty = &ttyProgress{w: env.Stderr}
		logW = tty
	}
	log := slog.New(slog.NewTextHandler(logW, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := crawler.New(crawler.Options{Sources: cfg.Sources, State: db, Out: outW, Sightings: sightW,
		Once: *once, Retries: *retries, Logger: log})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	if tty != nil {
		wg.Go(func() { tty.loop(done, r.Stats) })
	}
	runErr := r.Run(ctx)
	close(done)
	wg.Wait()
	if err := outW.Close(); err != nil && runErr == nil {
		runErr = err
	}
	var tot crawler.Stats
	var degraded []string
	for _, s := range r.Stats() {
		tot.Fetched += s.Fetched
		tot.New += s.New
		tot.Duplicates += s.Duplicates
		tot.Skipped += s.Skipped
		tot.Errors += s.Errors
		if s.Degraded != "" {
			degraded = append(degraded, s.Source+": "+s.Degraded)
		}
	}
	fmt.Fprintf(env.Stderr, "crawl: %d sources: fetched %d, new %d, duplicates %d, malformed %d, errors %d\n",
		len(cfg.Sources), tot.Fetched, tot.New, tot.Duplicates, tot.Skipped, tot.Errors)
	for _, d := range degraded {
		fmt.Fprintf(env.Stderr, "crawl: degraded source %s\n", d)
	}
	if errors.Is(runErr, crawler.ErrSourcesFailed) {
		return fmt.Errorf("%w (see the log above)", runErr)
	}
	return runErr
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ttyProgress redraws a table of per-source progress on a terminal, with the
// latest log lines under it.
type ttyProgress struct {
	w     io.Writer
	mu    sync.Mutex
	logs  []string
	lines int // lines drawn last time
}

// Write keeps log lines for display under the table.
func (t *ttyProgress) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for l := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		t.logs = append(t.logs, l)
	}
	if len(t.logs) > 6 {
		t.logs = t.logs[len(t.logs)-6:]
	}
	return len(p), nil
}

func (t *ttyProgress) loop(done <-chan struct{}, stats func() []crawler.Stats) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		t.draw(stats())
		select {
		case <-done:
			t.draw(stats())
			return
		case <-tick.C:
		}
	}
}

func (t *ttyProgress) draw(stats []crawler.Stats) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tTYPE\tSTATE\tFETCHED\tNEW\tDUPLICATES\tMALFORMED\tERRORS\tNEXT RUN")
	for _, s := range stats {
		next := "-"
		if !s.NextRun.IsZero() {
			next = time.Until(s.NextRun).Round(time.Second).String()
		}
		state := string(s.State)
		if s.Degraded != "" {
			state += ", degraded"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.Source, s.Type, state, s.Fetched, s.New, s.Duplicates, s.Skipped, s.Errors, next)
	}
	tw.Flush()
	t.mu.Lock()
	for _, l := range t.logs {
		if len(l) > 160 {
			l = l[:160] + "…"
		}
		b.WriteString(l + "\n")
	}
	t.mu.Unlock()
	text := b.String()
	if t.lines > 0 {
		fmt.Fprintf(t.w, "\x1b[%dA\x1b[J", t.lines)
	}
	io.WriteString(t.w, text)
	t.lines = strings.Count(text, "\n")
}
