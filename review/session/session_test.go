package session_test

import (
	"testing"
	"time"

	"github.com/rasd-iq/rasd/review"
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
