package main

import (
	"fmt"
	"strings"

	"github.com/rasd-iq/rasd/models/signals"
)

// policySignals lists the signals the engine computes, with their
// definitions and the rules and protected categories of the policy that use them.
func policySignals(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	policyFile := fs.String("policy", "", "policy whose use of each signal is shown (default: the built-in policy)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("signals: unexpected argument %q", fs.Arg(0))
	}
	p, err := loadPolicyArg(*policyFile)
	if err != nil {
		return reportInvalid(env, *policyFile, err)
	}
	for _, d := range signals.Definitions() {
		fmt.Fprintf(env.Stdout, "%s\n  %s\n  evidence: %s\n", d.Name, d.Meaning, d.Evidence)
		if users := p.SignalUsers(d.Name); len(users) > 0 {
			fmt.Fprintf(env.Stdout, "  used by: %s\n", strings.Join(users, ", "))
		} else {
			fmt.Fprintln(env.Stdout, "  used by: nothing in this policy")
		}
	}
	return nil
}
