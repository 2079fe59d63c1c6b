package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rasd-iq/rasd/models/signals"
	"github.com/rasd-iq/rasd/policy"
)

func init() {
	register(&command{
		Name:    "policy",
		Summary: "check, show, test and route with the routing policy (policy.yaml)",
		Usage: "policy check [--strict] FILE...\n" +
			"  rasd policy show [--json] [FILE]\n" +
			"  rasd policy signals [--policy FILE]\n" +
			"  rasd policy test [--policy FILE] [-v] CASES.yaml...\n" +
			"  rasd policy route [--policy FILE] [-o OUT.jsonl] [ITEMS.jsonl]\n" +
			"  rasd policy reroute [--policy FILE] --reason TEXT [store flags] ID...",
		Example: "rasd policy test examples/policy-tests.yaml",
		Run:     runPolicy,
	})
}

func runPolicy(env *Env, args []string) error {
	c := commands["policy"]
	if len(args) == 0 {
		return usagef("missing subcommand: check, show, signals, test, route or reroute")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "check":
		return policyCheck(env, c, args[1:])
	case "show":
		return policyShow(env, c, args[1:])
	case "signals":
		return policySignals(env, c, args[1:])
	case "test":
		return policyTest(env, c, args[1:])
	case "route":
		return policyRoute(env, c, args[1:])
	case "reroute":
		return policyReroute(env, c, args[1:])
	}
	return usagef("unknown subcommand %q (want check, show, signals, test, route or reroute)", args[0])
}

// reportInvalid prints each problem of a policy error on its own line and
// returns a one-line summary for the exit message.
func reportInvalid(env *Env, what string, err error) error {
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Fprintln(env.Stderr, p)
		}
		n := len(ve.Problems)
		return fmt.Errorf("%s is invalid (%d problem%s)", what, n, plural(n))
	}
	return err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func policyCheck(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	strict := fs.Bool("strict", false, "count labels, rules and bases without Arabic text as problems, not warnings")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("check: missing policy file")
	}
	bad := 0
	for _, path := range fs.Args() {
		p, err := policy.Load(path)
		if err == nil {
			err = p.CheckSignals(append(signals.Names(), policy.KnownContentSignal))
		}
		if err != nil {
			var ve *policy.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			reportInvalid(env, path, err)
			bad++
			continue
		}
		// Text without Arabic is shown in English to Arabic readers.
		if w := p.Untranslated(); len(w) > 0 {
			for _, pr := range w {
				fmt.Fprintln(env.Stderr, pr)
			}
			if *strict {
				fmt.Fprintf(env.Stderr, "%s: %d without Arabic text (--strict)\n", path, len(w))
				bad++
				continue
			}
		}
		fmt.Fprintf(env.Stdout, "%s: ok (version %s, sha256 %.12s, %d labels, %d rules, %d bases)\n", path, p.Version, p.Digest(), len(p.Labels), len(p.Rules), len(p.Bases))
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d policy files invalid", bad, fs.NArg())
	}
	return nil
}

func loadPolicyArg(path string) (*policy.Policy, error) {
	if path == "" {
		return policy.Default(), nil
	}
	return policy.Load(path)
}

func policyShow(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	asJSON := fs.Bool("json", false, "print the validated policy as JSON")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("show: at most one policy file, got %d", fs.NArg())
	}
	p, err := loadPolicyArg(fs.Arg(0))
	if err != nil {
		return reportInvalid(env, fs.Arg(0), err)
	}
	w, done, err := openOutput(env, "")
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			return fmt.Errorf("encoding policy: %w", err)
		}
	} else {
		policy.WriteText(w, p)
	}
	return done()
}

func policyTest(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	policyFile := fs.String("policy", "", "policy file to test (default: the one named in each cases file, else the built-in policy)")
	verbose := fs.Bool("v", false, "also list passing cases")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("test: missing test cases file")
	}
	total, failed := 0, 0
	for _, path := range fs.Args() {
		tf, err := policy.LoadTests(path)
		if err != nil {
			return reportInvalid(env, path, err)
		}
		pp := *policyFile
		if pp == "" {
			pp = tf.PolicyPath()
		}
		p, err := loadPolicyArg(pp)
		if err != nil {
			return reportInvalid(env, pp, err)
		}
		for _, r := range policy.RunTests(p, tf) {
			total++
			if r.Passed() {
				if *verbose {
					fmt.Fprintf(env.Stdout, "PASS %s:%d %s\n", path, r.Line, r.Name)
				}
				continue
			}
			failed++
			fmt.Fprintf(env.Stdout, "FAIL %s:%d %s\n", path, r.Line, r.Name)
			for _, f := range r.Failures {
				fmt.Fprintf(env.Stdout, "     %s\n", f)
			}
			for _, reason := range r.Got.Reasons {
				fmt.Fprintf(env.Stdout, "     (%s)\n", reason)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d routing tests failed", failed, total)
	}
	fmt.Fprintf(env.Stdout, "ok: %d routing tests passed\n", total)
	return nil
}

// routeItem is one line of `rasd policy route` input: an item id and what
// the pipeline knows about it.
type routeItem struct {
	ID string `json:"id"`
	policy.Input
}

// routeOutput is one line of `rasd policy route` output.
type routeOutput struct {
	ID       string          `json:"id"`
	Decision policy.Decision `json:"decision"`
}

func policyRoute(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	policyFile := fs.String("policy", "", "policy file (default: the built-in policy)")
	outPath := fs.String("o", "-", "output JSONL file of decisions (- for stdout)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("route: at most one input file, got %d", fs.NArg())
	}
	p, err := loadPolicyArg(*policyFile)
	if err != nil {
		return reportInvalid(env, *policyFile, err)
	}
	in, closeIn, err := openInput(env, fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeIn()
	w, done, err := openOutput(env, *outPath)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	name := fs.Arg(0)
	if name == "" || name == "-" {
		name = "stdin"
	}
	lineNo, bad, routed := 0, 0, 0
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var item routeItem
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		err := dec.Decode(&item)
		var d policy.Decision
		if err == nil {
			d, err = p.Route(item.Input)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s:%d: %v\n", name, lineNo, err)
			bad++
			continue
		}
		if err := enc.Encode(routeOutput{ID: item.ID, Decision: d}); err != nil {
			return fmt.Errorf("writing decision: %w", err)
		}
		routed++
	}
	if err := sc.Err(); err != nil {
		done()
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if err := done(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d items could not be routed (see above)", bad, bad+routed)
	}
	return nil
}
