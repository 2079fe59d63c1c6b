package session_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/session"
	"github.com/rasd-iq/rasd/review/totp"
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
			_, err := m.Login(context.Background(), session.Attempt{Name: "ana", Password: "wrong-password-1", Client: "192.0.2.7"})
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

// TestTwoFactorLogin: a senior without TOTP gets a session that may only
// enrol; once enrolled, a login needs a code, each code works once, a
// recovery code works once, and wrong codes count in the throttle.
func TestTwoFactorLogin(t *testing.T) {
	accounts.Cost = 4
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "rasd.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := boltstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	am := &accounts.Manager{Store: st, Now: clock}
	if err := am.Add(ctx, "sen", review.RoleSenior, "password-123"); err != nil {
		t.Fatal(err)
	}
	if err := am.Add(ctx, "ana", review.RoleAnalyst, "password-123"); err != nil {
		t.Fatal(err)
	}
	m := session.New(st)
	m.Now = clock
	login := func(name, code string, deferred bool) (session.Result, error) {
		return m.Login(ctx, session.Attempt{Name: name, Password: "password-123", Code: code, Client: "192.0.2.9", Deferred: deferred})
	}
	// Required for a senior: the right password opens an enrolment-only session.
	res, err := login("sen", "", false)
	if err != nil || res.Session.Pending != review.PendingEnrol || !res.Session.Expires.Equal(now.Add(session.PendingTTL)) {
		t.Fatalf("senior without TOTP: %+v, %v; want a pending enrolment session", res.Session, err)
	}
	if _, err := m.Promote(ctx, res.Session); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("promoting before enrolment: %v", err)
	}
	// Optional for an analyst.
	if res, err := login("ana", "", false); err != nil || res.Session.Pending != "" {
		t.Fatalf("analyst without TOTP: %+v, %v; want a full session", res.Session, err)
	}
	secret, err := am.StartTOTP(ctx, "sen")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := am.StartTOTP(ctx, "sen"); string(again) != string(secret) {
		t.Fatal("reloading the enrolment changed the secret")
	}
	if _, err := am.ConfirmTOTP(ctx, "sen", "000000"); !errors.Is(err, accounts.ErrBadCode) {
		t.Fatalf("confirming with a wrong code: %v", err)
	}
	recovery, err := am.ConfirmTOTP(ctx, "sen", totp.Code(secret, now))
	if err != nil || len(recovery) != accounts.RecoveryCodes {
		t.Fatalf("confirming: %d codes, %v", len(recovery), err)
	}
	if full, err := m.Promote(ctx, res.Session); err != nil || full.Session.Pending != "" || full.ID == res.ID {
		t.Fatalf("promoting after enrolment: %+v, %v", full.Session, err)
	}
	if _, err := st.Session(ctx, res.Session.IDHash); !errors.Is(err, review.ErrNotFound) {
		t.Fatal("the pending session survived its promotion")
	}
	// Now a code is required; the enrolment's own code is spent.
	if _, err := login("sen", "", false); !errors.Is(err, session.ErrCodeRequired) {
		t.Fatalf("login without a code: %v, want ErrCodeRequired", err)
	}
	if _, err := login("sen", totp.Code(secret, now), false); !errors.Is(err, session.ErrBadCode) {
		t.Fatalf("the enrolment's code again: %v, want ErrBadCode", err)
	}
	now = now.Add(totp.Step)
	code := totp.Code(secret, now)
	if res, err := login("sen", code, false); err != nil || res.Session.Pending != "" || res.Method != accounts.MethodTOTP {
		t.Fatalf("login with a code: %+v, %v", res, err)
	}
	if _, err := login("sen", code, false); !errors.Is(err, session.ErrBadCode) {
		t.Fatalf("replayed code: %v, want ErrBadCode", err)
	}
	// The form's two steps: a session waiting for the code, then the code.
	pend, err := login("sen", "", true)
	if err != nil || pend.Session.Pending != review.PendingCode {
		t.Fatalf("deferred login: %+v, %v", pend.Session, err)
	}
	if res, err := m.Verify(ctx, pend.Session, recovery[0], "192.0.2.9"); err != nil || res.Method != accounts.MethodRecovery || res.Session.Pending != "" {
		t.Fatalf("recovery code: %+v, %v", res, err)
	}
	if _, err := login("sen", recovery[0], false); !errors.Is(err, session.ErrBadCode) {
		t.Fatalf("recovery code used twice: %v, want ErrBadCode", err)
	}
	if res, err := login("sen", strings.ToUpper(strings.ReplaceAll(recovery[1], "-", "")), false); err != nil || res.Method != accounts.MethodRecovery {
		t.Fatalf("another recovery code, without its dash: %+v, %v", res, err)
	}
	// Wrong codes count: the throttle's limit of them blocks the right one.
	for range m.Throttle.Max - 3 { // three wrong codes from this client are already counted
		if _, err := login("sen", "123456", false); !errors.Is(err, session.ErrBadCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	now = now.Add(totp.Step)
	if _, err := login("sen", totp.Code(secret, now), false); !errors.Is(err, session.ErrThrottled) {
		t.Fatalf("after %d wrong codes: %v, want ErrThrottled", m.Throttle.Max, err)
	}
	// A reset removes the enrolment: enrolment is required again.
	if err := am.ResetTOTP(ctx, "sen"); err != nil {
		t.Fatal(err)
	}
	m.Throttle = nil
	if res, err := login("sen", "", false); err != nil || res.Session.Pending != review.PendingEnrol {
		t.Fatalf("after a reset: %+v, %v; want enrolment", res.Session, err)
	}
	if err := am.DisableTOTP(ctx, "sen"); !errors.Is(err, accounts.ErrTOTPRequired) {
		t.Fatalf("turning off two-factor for a senior: %v", err)
	}
}
