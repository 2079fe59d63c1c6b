package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
)

func TestReviewExport(t *testing.T) {
	data := t.TempDir()
	st, err := store.Open(filepath.Join(data, "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := boltstore.New(st.DB())
	if err != nil {
		t.Fatal(err)
	}
	ctx, now := context.Background(), time.Now()
	if err := rs.Add(ctx, []review.Item{{ID: "x:1", Labels: []string{"hate"}, Added: now}, {ID: "x:2", Labels: []string{"hate"}, Added: now}}); err != nil {
		t.Fatal(err)
	}
	who := review.Reviewer{Name: "a"}
	for _, id := range []string{"x:1", "x:2"} {
		it, err := rs.Claim(ctx, id, who, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		act := review.ActionDismiss
		if id == "x:2" {
			act = review.ActionEscalate
		}
		d := review.Decision{Item: id, Reviewer: "a", Action: act, Verdict: review.VerdictFalsePositive, Lease: it.Lease.Token}
		if act == review.ActionDismiss {
			d.ReasonCode = review.ReasonFalsePositive
		}
		if _, _, err := rs.Decide(ctx, d, who, review.Rules{}, now); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"labels", []string{"export", "--labels", "--data", data}, 0, "exported 0 labelled items (1 awaiting a final decision, 1 whose post is gone, 0 dismissed without a reason code)"},
		{"nothing to export", []string{"export", "--data", data}, 2, "--labels"},
		{"unknown subcommand", []string{"import"}, 2, "unknown subcommand"},
		{"missing subcommand", nil, 2, "missing subcommand"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := runCmd(t, "", append([]string{"review"}, c.args...)...)
			if code != c.code || !strings.Contains(errs, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d, %q", code, errs, c.code, c.stderr)
			}
		})
	}
}
