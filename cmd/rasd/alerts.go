package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review/alerts"
)

func init() {
	register(&command{
		Name:    "alerts",
		Summary: "alerts that could not be delivered: list the dead letters, retry them",
		Usage:   "alerts dead [--json] [--config rasd.yaml | --data DIR] | alerts retry ID... [--config rasd.yaml] [--actor NAME]",
		Example: "rasd alerts dead --config examples/rasd.yaml",
		Run:     runAlerts,
	})
}

func runAlerts(env *Env, args []string) error {
	c := commands["alerts"]
	if len(args) == 0 {
		return usagef("missing subcommand: dead or retry")
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "dead", "retry":
	default:
		return usagef("unknown subcommand %q (want dead or retry)", sub)
	}
	fs := newFlagSet(env, c)
	cfgPath := fs.String("config", "", "engine configuration `file` (rasd.yaml)")
	data := fs.String("data", "", "data `folder` (default the config's, else rasd-data)")
	asJSON := fs.Bool("json", false, "dead: one JSON dead letter a line")
	actor := fs.String("actor", "", "retry: who retries (recorded in the audit log; default $USER)")
	ids, err := parseMixed(env, c, fs, args[1:])
	if err != nil {
		return err
	}
	cfg, err := loadRunConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *data != "" {
		cfg.Data = *data
	}
	if sub == "dead" {
		if len(ids) > 0 {
			return usagef("dead: unexpected argument %q", ids[0])
		}
		list, err := alerts.ListDeadLetters(cfg.Data)
		if err != nil {
			return err
		}
		return printDead(env, list, *asJSON)
	}
	if len(ids) == 0 {
		return usagef("retry: name the dead letters to retry (rasd alerts dead lists them)")
	}
	if !cfg.Alerts.Enabled() {
		return fmt.Errorf("retry: %s configures no alerts: the channels to retry on are unknown", orNone(*cfgPath))
	}
	who := *actor
	if who == "" {
		who = os.Getenv("USER")
	}
	al, err := audit.Open(filepath.Join(cfg.Data, "audit.jsonl"))
	if err != nil {
		return err
	}
	defer al.Close()
	n, err := alerts.Open(cfg.Alerts, alerts.Options{Data: cfg.Data, Audit: al})
	if err != nil {
		return err
	}
	defer n.Close(context.Background())
	failed := 0
	for _, id := range ids {
		if err := n.Retry(context.Background(), id, "user:"+who); err != nil {
			fmt.Fprintf(env.Stderr, "%v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: delivered\n", id)
	}
	if failed > 0 {
		return fmt.Errorf("retry: %d of %d not delivered", failed, len(ids))
	}
	return nil
}

// printDead writes the dead letters as a table or as JSON lines.
func printDead(env *Env, list []alerts.DeadLetter, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		for _, dl := range list {
			if err := enc.Encode(dl); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tCHANNEL\tRULE\tITEM\tTRIES\tERROR")
	for _, dl := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", dl.ID, dl.At.Format(time.RFC3339), dl.Channel, dl.Alert.Rule, dl.Alert.Item, dl.Tries, dl.Error)
	}
	return tw.Flush()
}
