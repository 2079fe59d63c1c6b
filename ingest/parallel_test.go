package ingest

import (
	"sync/atomic"
	"testing"
)

func TestParallelCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 1000, 4097} {
		seen := make([]atomic.Int32, n)
		Parallel(n, 64, func(i int) { seen[i].Add(1) })
		for i := range seen {
			if got := seen[i].Load(); got != 1 {
				t.Fatalf("n=%d: index %d called %d times", n, i, got)
			}
		}
	}
}
