package kvstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
)

func TestBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := kvstore.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	run(t, st)
	// What was stored survives reopening.
	st.Close()
	st, err = kvstore.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.All(context.Background(), "b")
	if err != nil || string(m["n"]) != "40" {
		t.Fatalf("after reopening: %q, %v", m, err)
	}
}

func TestRedis(t *testing.T) {
	opt, err := redis.ParseURL("redis://" + redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	run(t, kvstore.NewRedis(rdb, "t:"))
}

// run checks a store: values by bucket, atomic updates under concurrency,
// an error or ErrUnchanged leaving the value as it was.
func run(t *testing.T, st kvstore.Store) {
	ctx := context.Background()
	m, err := st.All(ctx, "b")
	if err != nil || len(m) != 0 {
		t.Fatalf("empty bucket: %v, %v", m, err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				err := st.Update(ctx, "b", "n", func(old []byte) ([]byte, error) {
					n, _ := strconv.Atoi(string(old))
					return []byte(strconv.Itoa(n + 1)), nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	boom := errors.New("boom")
	if err := st.Update(ctx, "b", "n", func([]byte) ([]byte, error) { return []byte("x"), boom }); !errors.Is(err, boom) {
		t.Fatalf("update error: %v", err)
	}
	if err := st.Update(ctx, "b", "n", func([]byte) ([]byte, error) { return nil, kvstore.ErrUnchanged }); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, "other", "n", func([]byte) ([]byte, error) { return []byte("1"), nil }); err != nil {
		t.Fatal(err)
	}
	m, err = st.All(ctx, "b")
	if err != nil || len(m) != 1 || string(m["n"]) != "40" {
		t.Fatalf("after 40 concurrent increments: %q, %v", m, err)
	}
}
