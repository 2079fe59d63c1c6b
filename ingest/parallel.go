package ingest

import (
	"runtime"
	"sync"
)

// Parallel calls fn(0..n-1) on up to GOMAXPROCS goroutines, each taking a
// contiguous chunk of at least minChunk indices (so that small inputs run on
// the caller's goroutine). fn must be safe to call concurrently for
// different indices.
func Parallel(n, minChunk int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+minChunk-1)/max(minChunk, 1))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}
