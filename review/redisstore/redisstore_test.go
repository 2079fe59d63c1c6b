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
