package web

import (
	"context"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/redisstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// benchQueue times the queue page and /api/queue at 100,000 queued items.
func benchQueue(b *testing.B, e *env) {
	c := e.login(b, "ana")
	for _, bc := range []struct{ name, path string }{
		{"page", "/queue"},
		{"api", "/api/queue"},
		{"api-filtered", "/api/queue?label=threat&platform=telegram&min_score=0.5"},
		{"api-page-20", "/api/queue?offset=1000"},
		{"page-sorted-score", "/queue?sort=score&dir=asc"},
		{"page-sorted-label", "/queue?sort=label&dir=desc"},
		{"api-sorted-filtered", "/api/queue?sort=time&label=threat&platform=telegram&min_score=0.5"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if w := e.do(c, "GET", bc.path, nil, nil); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", bc.path, w.Code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

const benchItems = 100_000

func BenchmarkQueueBolt(b *testing.B) {
	e := newEnv(b, reviewtest.Items(benchItems))
	if p, _ := e.st.List(context.Background(), review.Filter{Limit: 1}); p.Open != benchItems {
		b.Fatalf("queue holds %d items, want %d", p.Open, benchItems)
	}
	benchQueue(b, e)
}

func BenchmarkQueueRedis(b *testing.B) {
	addr := redistest.Start(b)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { rdb.Close() })
	e := newEnvWith(b, reviewtest.Items(benchItems), redisstore.New(rdb, "bench:"))
	if p, _ := e.st.List(context.Background(), review.Filter{Limit: 1}); p.Open != benchItems {
		b.Fatalf("queue holds %d items, want %d", p.Open, benchItems)
	}
	benchQueue(b, e)
}
