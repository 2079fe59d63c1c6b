package main

import (
	"fmt"
	"os"

	"github.com/rasd-iq/rasd/ingest/tips"
	"github.com/rasd-iq/rasd/policy/audit"
)

func init() {
	register(&command{
		Name:    "tips",
		Summary: "manage the key tip reporters are encrypted with",
		Usage:   "tips new-key FILE | tips rotate-key --spool FILE [--key FILE] --new-key FILE [--audit FILE] [--by WHO]",
		Example: "rasd tips rotate-key --spool rasd-data/tips-flaggers.db --key ~/.config/rasd/tips.key --new-key ~/.config/rasd/tips-2027.key",
		Run:     runTips,
	})
}

// typeTipsKeyRotated is the audit event of a rotation of the tips key.
const typeTipsKeyRotated = "tips.key_rotated"

func runTips(env *Env, args []string) error {
	c := commands["tips"]
	if len(args) == 0 {
		return usagef("missing subcommand: new-key or rotate-key")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "new-key":
		return runTipsNewKey(env, c, args[1:])
	case "rotate-key":
		return runTipsRotateKey(env, c, args[1:])
	default:
		return usagef("unknown subcommand %q (want new-key or rotate-key)", args[0])
	}
}

func runTipsNewKey(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("new-key: want one FILE (outside the data folder)")
	}
	k, err := tips.NewKeyFile(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: new tips key %s (mode 600); point %s or key_file at it\n", fs.Arg(0), k.ID(), tips.KeyEnv)
	return nil
}

func runTipsRotateKey(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	spool := fs.String("spool", "", "the tips spool (bbolt file); stop the engine using it first")
	keyFile := fs.String("key", os.Getenv(tips.KeyEnv), "the key records are under now (default $"+tips.KeyEnv+")")
	newKeyFile := fs.String("new-key", "", "the key to re-encrypt every record with (make it with `rasd tips new-key`)")
	auditPath := fs.String("audit", audit.DefaultPath, "audit log the rotation is recorded in")
	by := fs.String("by", os.Getenv("USER"), "who rotates, for the audit log")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("rotate-key: unexpected argument %q", fs.Arg(0))
	}
	if *spool == "" || *newKeyFile == "" {
		return usagef("rotate-key: --spool and --new-key are required")
	}
	if *by == "" {
		*by = "operator"
	}
	if _, err := os.Stat(*spool); err != nil {
		return fmt.Errorf("tips spool: %w", err)
	}
	nk, err := tips.LoadKey(*newKeyFile)
	if err != nil {
		return err
	}
	opt := tips.SpoolOptions{Key: nk}
	if *keyFile != "" {
		old, err := tips.LoadKey(*keyFile)
		if err != nil {
			return err
		}
		opt.OldKeys = []*tips.Key{old}
	}
	s, err := tips.OpenSpool(*spool, opt)
	if err != nil {
		return err
	}
	al, err := audit.Open(*auditPath)
	if err != nil {
		return fmt.Errorf("opening audit log: %w", err)
	}
	defer al.Close()
	n, err := s.RotateKey(nk)
	if err != nil {
		return err
	}
	from := []string{}
	if len(opt.OldKeys) > 0 {
		from = append(from, opt.OldKeys[0].ID())
	}
	if _, err := al.Append(audit.Event{Type: typeTipsKeyRotated, Actor: *by, Subject: s.Path(),
		Details: map[string]any{"from": from, "to": nk.ID(), "records": n}}); err != nil {
		return fmt.Errorf("recording the rotation in the audit log: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%s: %d reporter records re-encrypted under key %s; the old key is no longer needed: set %s to %s\n",
		s.Path(), n, nk.ID(), tips.KeyEnv, *newKeyFile)
	return nil
}
