package session_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/session"
)

func TestThrottle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		fails   []time.Duration // failure times after t0
		at      time.Duration
		blocked bool
	}{
		{"none", nil, 0, false},
		{"four", []time.Duration{0, 1, 2, 3}, 4, false},
		{"five", []time.Duration{0, 1, 2, 3, 4}, 5, true},
		{"five spread beyond the window", []time.Duration{0, 5 * time.Minute, 10 * time.Minute, 14 * time.Minute, 16 * time.Minute}, 16 * time.Minute, false},
		{"five, then the window passes", []time.Duration{0, 1, 2, 3, 4}, 15*time.Minute + 4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := session.NewThrottle(5, 15*time.Minute)
			for _, f := range c.fails {
				th.Fail(t0.Add(f), "user:a")
			}
			if got := th.Blocked(t0.Add(c.at), "user:a", "client:x"); got != c.blocked {
				t.Fatalf("Blocked = %v, want %v", got, c.blocked)
			}
			if th.Blocked(t0.Add(c.at), "user:b") {
				t.Fatal("another key is blocked")
			}
		})
	}
}

func TestCSRFAndHash(t *testing.T) {
	s := review.Session{CSRF: "token-1"}
	for _, c := range []struct {
		tok string
		ok  bool
	}{{"token-1", true}, {"token-2", false}, {"", false}, {"token-", false}} {
		if session.CheckCSRF(s, c.tok) != c.ok {
			t.Fatalf("CheckCSRF(%q) != %v", c.tok, c.ok)
		}
	}
	if session.CheckCSRF(review.Session{}, "") {
		t.Fatal("an empty token must never pass")
	}
	if h := session.HashID("abc"); len(h) != 64 || h == "abc" || h != session.HashID("abc") {
		t.Fatalf("HashID = %q", h)
	}
}

// countingStore counts the password checks (account reads) of logins and
// makes each take a moment, as a bcrypt check does.
type countingStore struct {
	review.Store
	users atomic.Int64
}

func (c *countingStore) User(ctx context.Context, name string) (review.User, error) {
	c.users.Add(1)
	time.Sleep(5 * time.Millisecond)
	return c.Store.User(ctx, name)
}

// TestThrottleHoldsUnderParallelAttempts: 200 wrong passwords at once are
// not all checked; at most the throttle's limit are.
func TestThrottleHoldsUnderParallelAttempts(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "rasd.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := boltstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutUser(context.Background(), review.User{Name: "ana", Role: review.RoleAnalyst, Hash: []byte("$2a$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva")}); err != nil {
		t.Fatal(err)
	}
	slow := &countingStore{Store: st}
	m := session.New(slow)
	var wg sync.WaitGroup
	var throttled atomic.Int64
	for range 200 {
		wg.Go(func() {
			_, _, _, err := m.Login(context.Background(), "ana", "wrong-password-1", "192.0.2.7")
			if errors.Is(err, session.ErrThrottled) {
				throttled.Add(1)
			}
		})
	}
	wg.Wait()
	if checked := slow.users.Load(); checked > int64(m.Throttle.Max) {
		t.Fatalf("%d of 200 parallel wrong passwords were checked; the limit is %d", checked, m.Throttle.Max)
	}
	if throttled.Load() < 200-int64(m.Throttle.Max) {
		t.Fatalf("only %d attempts throttled", throttled.Load())
	}
}
