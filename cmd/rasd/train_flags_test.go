package main

import (
	"strings"
	"testing"
)

// TestTrainJointOrdinaryUsage: --joint-ordinary without ordinary posts or
// without out-of-fold scores, and a weight without it or below zero, are
// usage errors rather than silently training without them.
func TestTrainJointOrdinaryUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--joint-ordinary", "--threshold-folds", "5"}, "--joint-ordinary needs --ordinary"},
		{[]string{"--joint-ordinary", "--ordinary", "o.jsonl", "--threshold-folds", "0"}, "--threshold-folds 2 or more"},
		{[]string{"--joint-ordinary-weight", "4"}, "--joint-ordinary-weight needs --joint-ordinary"},
		{[]string{"--joint-ordinary", "--ordinary", "o.jsonl", "--threshold-folds", "3", "--joint-ordinary-weight", "-1"}, "must be above 0"},
	} {
		args := append([]string{"train", "--data", "missing.jsonl", "--out", t.TempDir()}, c.args...)
		if code, _, errs := runCmd(t, "", args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("rasd %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
}
