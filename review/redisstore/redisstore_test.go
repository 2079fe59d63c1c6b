package redisstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/redisstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

func TestConformance(t *testing.T) {
	addr := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 32})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	n := 0
	reviewtest.Run(t, func(t *testing.T) review.Store {
		n++
		return redisstore.New(rdb, fmt.Sprintf("t%d:", n))
	})
}

// TestIndexUpgrade: an index an earlier version built in its order is
// rebuilt in review.IndexOrder on first use.
func TestIndexUpgrade(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	items := reviewtest.Items(120)
	if err := redisstore.New(rdb, "up:").Add(ctx, items); err != nil {
		t.Fatal(err)
	}
	// Back to what an earlier version wrote: old keys, no recorded order.
	rdb.Del(ctx, "up:review:index", "up:review:index_order")
	for i := range items {
		rdb.ZAdd(ctx, "up:review:index", redis.Z{Member: reviewtest.OldIndexKey(&items[i])})
	}
	reviewtest.CheckReordered(t, redisstore.New(rdb, "up:"), 120)
}
