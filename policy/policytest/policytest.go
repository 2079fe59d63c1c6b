// Package policytest helps tests derive policies from the built-in default
// without writing its current thresholds into them.
package policytest

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// WithThreshold returns the policy file data with the threshold of the
// violation label named label set to v. It fails t when data has no such
// label with a threshold, so that a renamed label or a reformatted file
// cannot leave a test running on the unedited policy.
func WithThreshold(t testing.TB, data []byte, label string, v float64) []byte {
	t.Helper()
	re := regexp.MustCompile(fmt.Sprintf(`(- name: %s\n    kind: violation\n    threshold: )[0-9.]+`, regexp.QuoteMeta(label)))
	if !re.Match(data) {
		t.Fatalf("policy has no violation label %q with a threshold", label)
	}
	return re.ReplaceAll(data, []byte("${1}"+strconv.FormatFloat(v, 'f', -1, 64)))
}
