package policy

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteText writes p for a person to read, as `rasd policy show` prints it:
// the labels with their thresholds, the protected categories, the rules in
// queue order, the grounds and the referral bar.
func WriteText(w io.Writer, p *Policy) {
	src := p.File()
	fmt.Fprintf(w, "Policy %s (%s, sha256 %.12s)\n", p.Version, src, p.Digest())
	if d := strings.TrimSpace(p.Description); d != "" {
		fmt.Fprintf(w, "  %s\n", d)
	}
	fmt.Fprintln(w, "\nLabels (a violation label counts at or above its threshold):")
	for _, l := range p.Labels {
		th := "-"
		if l.Threshold != nil {
			th = fmt.Sprintf("%.2f", *l.Threshold)
		}
		fmt.Fprintf(w, "  %-20s %-9s %5s  %s\n", l.Name, l.Kind, th, l.Description)
	}
	fmt.Fprintf(w, "\nProtected speech (violation labels must reach %.2f):\n", p.Protected.Bar)
	for _, pc := range p.Protected.Categories {
		var marks []string
		marks = append(marks, pc.Labels...)
		for _, s := range pc.SourceTypes {
			marks = append(marks, "source:"+s)
		}
		fmt.Fprintf(w, "  %-24s %s\n", pc.ID, strings.Join(marks, ", "))
	}
	rules := append([]Rule(nil), p.Rules...)
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Urgent != rules[j].Urgent {
			return rules[i].Urgent
		}
		return rules[i].Priority < rules[j].Priority
	})
	fmt.Fprintln(w, "\nRules (in queue order):")
	for _, r := range rules {
		urgent := ""
		if r.Urgent {
			urgent = " URGENT"
		}
		if r.Queue == QueueSupport {
			urgent += " SUPPORT (never referred)"
		}
		fmt.Fprintf(w, "  %d%s %s: must have %s", r.Priority, urgent, r.ID, strings.Join(r.MustHave, "+"))
		if len(r.MustNotHave) > 0 {
			fmt.Fprintf(w, ", must not have %s", strings.Join(r.MustNotHave, ","))
		}
		if len(r.Supersedes) > 0 {
			fmt.Fprintf(w, "; supersedes %s", strings.Join(r.Supersedes, ","))
		}
		fmt.Fprintf(w, "\n      bases: %s\n", strings.Join(r.Bases, ", "))
		if len(r.IgnoresProtection) > 0 {
			fmt.Fprintf(w, "      not held back by: %s\n", strings.Join(r.IgnoresProtection, ", "))
		}
	}
	fmt.Fprintln(w, "\nBases:")
	for _, b := range p.Bases {
		prov := ""
		if b.Provision != "" {
			prov = ", " + b.Provision
		}
		fmt.Fprintf(w, "  %-32s %-8s %s%s\n", b.ID, b.Kind, b.Title, prov)
	}
	fmt.Fprintln(w, "\nReferral bar (Rabat six-part test):")
	for _, part := range PartNames {
		fmt.Fprintf(w, "  %-18s at least %s\n", part, p.MinLevelFor(part))
	}
	fmt.Fprintf(w, "  second reviewer: %v; reasons of at least %d characters\n", p.SecondReviewerRequired(), p.Referral.MinReasonChars)
}
