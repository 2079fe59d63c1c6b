package main

import (
	"context"
	"fmt"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review/referral"
)

func init() {
	register(&command{
		Name:    "report",
		Summary: "publishable reports: the transparency report of a period",
		Usage:   "report transparency --period YYYY|YYYY-QN|YYYY-MM [--format md|json] [--out FILE] [store flags]",
		Example: "rasd report transparency --period 2026-Q4 --format md --out transparency-2026-Q4.md",
		Run:     runReport,
	})
}

func runReport(env *Env, args []string) error {
	c := commands["report"]
	if len(args) == 0 {
		return usagef("missing subcommand: transparency")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "transparency":
	default:
		return usagef("unknown subcommand %q (want transparency)", args[0])
	}
	fs := newFlagSet(env, c)
	sf := addStoreFlags(fs)
	period := fs.String("period", "", "reporting `period`: a year, a quarter (2026-Q4) or a month (2026-11)")
	format := fs.String("format", "md", "output format: md or json")
	out := fs.String("out", "", "output `file` (default stdout)")
	if err := parseFlags(env, c, fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("transparency: unexpected argument %q", fs.Arg(0))
	}
	if *period == "" {
		return usagef("transparency: --period is required")
	}
	p, err := policy.ParsePeriod(*period)
	if err != nil {
		return usagef("transparency: %v", err)
	}
	if *format != "md" && *format != "json" {
		return usagef("transparency: --format %q (want md or json)", *format)
	}
	b, rs, al, _, err := sf.open()
	if err != nil {
		return err
	}
	defer b.Close()
	defer al.Close()
	rep, err := referral.Transparency(context.Background(), rs, p)
	if err != nil {
		return fmt.Errorf("computing the transparency report: %w", err)
	}
	w, closeOut, err := openOutput(env, *out)
	if err != nil {
		return err
	}
	if *format == "json" {
		err = rep.WriteJSON(w)
	} else {
		err = rep.WriteMarkdown(w)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if _, err := al.Append(audit.Event{Type: audit.TypeExport, Actor: "cli", Subject: "transparency", Details: map[string]any{"period": p.Label, "format": *format, "out": *out, "invalid": len(rep.Invalid)}}); err != nil {
		return fmt.Errorf("recording the export: %w", err)
	}
	if len(rep.Invalid) > 0 {
		fmt.Fprintf(env.Stderr, "%d malformed records left out of the counts\n", len(rep.Invalid))
	}
	return nil
}
