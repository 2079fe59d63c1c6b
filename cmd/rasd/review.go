package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/evidence"
	"github.com/rasd-iq/rasd/review/labels"
	"github.com/rasd-iq/rasd/review/queue"
	"github.com/rasd-iq/rasd/review/web"
)

func init() {
	register(&command{
		Name:    "review",
		Summary: "the human review queue: export reviewers' verdicts as labelled data",
		Usage:   "review export --labels [--out FILE] [--config rasd.yaml | --data DIR | --redis URL]",
		Example: "rasd review export --labels --data rasd-data --out reviewed.jsonl",
		Run:     runReview,
	})
}

// storeFlags are the flags that say where the stores are.
type storeFlags struct{ config, data, redis *string }

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		config: fs.String("config", "", "engine configuration `file` (rasd.yaml)"),
		data:   fs.String("data", "", "data `folder` (default the config's, else rasd-data)"),
		redis:  fs.String("redis", "", "Redis `url` of a shared store (default the config's)"),
	}
}

// open opens the pipeline store, the review store and the audit log.
func (f storeFlags) open() (b store.Backend, rs review.Store, al *audit.Log, dataDir string, err error) {
	cfg, err := loadRunConfig(*f.config)
	if err != nil {
		return nil, nil, nil, "", err
	}
	if *f.data != "" {
		cfg.Data = *f.data
	}
	if *f.redis != "" {
		cfg.Redis = *f.redis
	}
	if cfg.Redis != "" {
		b, err = redisstore.Open(context.Background(), cfg.Redis, redisstore.Options{})
	} else {
		b, err = store.Open(filepath.Join(cfg.Data, "rasd.db"))
		if err != nil && strings.Contains(err.Error(), "timeout") {
			err = fmt.Errorf("%w (is `rasd run` using this data folder? stop it, or use --redis)", err)
		}
	}
	if err != nil {
		return nil, nil, nil, "", err
	}
	if rs, err = queue.Open(b); err != nil {
		b.Close()
		return nil, nil, nil, "", err
	}
	if al, err = audit.Open(filepath.Join(cfg.Data, "audit.jsonl")); err != nil {
		b.Close()
		return nil, nil, nil, "", err
	}
	return b, rs, al, cfg.Data, nil
}

// openWeb builds the web UI and API from cfg (accounts and sessions in its
// review store, decisions and logins in its audit log), with the pseudonym
// key from dataDir and the review rules from cfg's policy.
func openWeb(cfg web.Config, dataDir string) (*web.Server, error) {
	key, err := accounts.LoadKey(dataDir)
	if err != nil {
		return nil, err
	}
	ps, err := accounts.NewPseudonymizer(key)
	if err != nil {
		return nil, err
	}
	cfg.Pseudonyms = ps
	// The referral page offers the signed evidence bundle: the key is
	// created with the data folder's other keys. cfg.Media (the media
	// stage's store) is the caller's to set.
	if cfg.Signer, err = evidence.LoadSigner(dataDir, true); err != nil {
		return nil, err
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.Default()
	}
	cfg.Rules.SecondReviewRefer = cfg.Policy.SecondReviewerRequired()
	return web.New(cfg)
}

func runReview(env *Env, args []string) error {
	c := commands["review"]
	if len(args) == 0 {
		return usagef("missing subcommand: export")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "export":
	default:
		return usagef("unknown subcommand %q (want export)", args[0])
	}
	fs := newFlagSet(env, c)
	sf := addStoreFlags(fs)
	withLabels := fs.Bool("labels", false, "export final verdicts as labelled JSONL ({\"id\",\"text\",\"labels\",\"source\"})")
	out := fs.String("out", "", "output `file` (default stdout)")
	if err := parseFlags(env, c, fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("export: unexpected argument %q", fs.Arg(0))
	}
	if !*withLabels {
		return usagef("export: say what to export: --labels")
	}
	b, rs, al, _, err := sf.open()
	if err != nil {
		return err
	}
	defer b.Close()
	defer al.Close()
	w, closeOut, err := openOutput(env, *out)
	if err != nil {
		return err
	}
	stats, err := labels.Export(context.Background(), rs, b, w)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("exporting labels: %w", err)
	}
	if _, err := al.Append(audit.Event{Type: audit.TypeExport, Actor: "cli", Subject: "labels", Details: map[string]any{"out": *out, "written": stats.Written, "unreasoned": stats.Unreasoned}}); err != nil {
		return fmt.Errorf("recording the export: %w", err)
	}
	fmt.Fprintf(env.Stderr, "exported %d labelled items (%d awaiting a final decision, %d whose post is gone, %d dismissed without a reason code)\n", stats.Written, stats.Undecided, stats.Missing, stats.Unreasoned)
	return nil
}

// errNoUser wraps review.ErrNotFound for the CLI.
var errNoUser = errors.New("no such account")
