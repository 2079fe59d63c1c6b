package main

import (
	"errors"
	"fmt"

	"github.com/rasd-iq/rasd/policy/audit"
)

func init() {
	register(&command{
		Name:    "audit",
		Summary: "verify the hash-chained audit log",
		Usage:   "audit verify [--log FILE]",
		Example: "rasd audit verify --log rasd-data/audit.jsonl",
		Run:     runAudit,
	})
}

func runAudit(env *Env, args []string) error {
	c := commands["audit"]
	if len(args) == 0 {
		return usagef("missing subcommand: verify")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "verify":
	default:
		return usagef("unknown subcommand %q (want verify)", args[0])
	}
	fs := newFlagSet(env, c)
	path := fs.String("log", audit.DefaultPath, "audit log file")
	if err := parseFlags(env, c, fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("verify: unexpected argument %q", fs.Arg(0))
	}
	n, head, err := audit.VerifyFile(*path)
	if errors.Is(err, audit.ErrBroken) {
		return fmt.Errorf("%s: %w (%d entries before it verified)", *path, err, n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: ok, %d entries, head %s\n", *path, n, head)
	return nil
}
