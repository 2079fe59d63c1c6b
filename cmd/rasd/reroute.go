package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/pipeline"
)

// policyReroute routes stored posts again under a policy, on purpose and
// audited: `rasd policy reroute --policy FILE --reason TEXT ID...`.
func policyReroute(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	sf := addStoreFlags(fs)
	pol := fs.String("policy", "", "policy `file` to route with (default the built-in policy)")
	reason := fs.String("reason", "", "why the posts are routed again (recorded in the audit log; required)")
	actor := fs.String("actor", "", "who routes them again (recorded in the audit log; default $USER)")
	ids, err := parseMixed(env, c, fs, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("reroute: name the posts to route again")
	}
	if strings.TrimSpace(*reason) == "" {
		return usagef("reroute: say why with --reason")
	}
	if len(*reason) > 2000 {
		return usagef("reroute: --reason is at most 2000 characters")
	}
	p, err := loadPolicyArg(*pol)
	if err != nil {
		return reportInvalid(env, *pol, err)
	}
	who := *actor
	if who == "" {
		who = os.Getenv("USER")
	}
	b, _, al, _, err := sf.open()
	if err != nil {
		return err
	}
	defer b.Close()
	defer al.Close()
	changes, err := pipeline.Reroute(context.Background(), b, p, ids, "user:"+who, *reason, al, time.Now())
	if err != nil {
		return err
	}
	for _, ch := range changes {
		fmt.Fprintf(env.Stdout, "%s: %s (%s) → %s (%s), queued %v, urgent %v\n", ch.ID,
			orNone(ch.Before.RuleID), ch.Before.PolicyVersion, orNone(ch.After.RuleID), ch.After.PolicyVersion, ch.After.Queue, ch.After.Urgent)
	}
	fmt.Fprintf(env.Stdout, "rerouted %d of %d posts under policy %s\n", len(changes), len(ids), p.Version)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no rule"
	}
	return s
}
