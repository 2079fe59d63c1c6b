package review_test

import (
	"testing"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

func BenchmarkOrdered(b *testing.B) {
	items := reviewtest.Items(100_000)
	keys := make([]string, len(items))
	for i := range items {
		keys[i] = review.IndexKey(&items[i])
	}
	f := review.Filter{Sort: review.SortScore}
	for b.Loop() {
		review.Ordered(keys, &f)
	}
}
