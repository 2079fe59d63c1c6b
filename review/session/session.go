// Package session logs reviewers in and out: password checks behind a
// login throttle, random session ids of which only the SHA-256 is stored,
// per-session CSRF tokens, and idle and absolute expiry.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
)

// Errors of Login and Lookup; check them with errors.Is.
var (
	// ErrBadLogin is a wrong name or password, or a disabled account (the
	// caller cannot tell which).
	ErrBadLogin = errors.New("wrong name or password")
	// ErrThrottled is returned while too many recent logins failed.
	ErrThrottled = errors.New("too many failed logins; try again later")
	// ErrNoSession is a missing, unknown or expired session.
	ErrNoSession = errors.New("no valid session")
)

// Manager creates and checks sessions.
type Manager struct {
	Store review.Accounts
	// Idle ends a session unused for this long (default 30 minutes).
	Idle time.Duration
	// Absolute ends a session this long after login (default 12 hours).
	Absolute time.Duration
	// Now returns the current time (tests move it).
	Now func() time.Time
	// Throttle limits failed logins.
	Throttle *Throttle
}

// New returns a manager with the default limits.
func New(st review.Accounts) *Manager {
	return &Manager{Store: st, Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Now: time.Now, Throttle: NewThrottle(5, 15*time.Minute)}
}

// HashID returns the hex SHA-256 of a session id: what the store keeps.
func HashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

func random32() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// dummy is compared against when the account does not exist, so that the
// time taken does not tell whether a name exists.
var dummy = sync.OnceValue(func() []byte {
	h, _ := accounts.Hash("not-a-real-password-0")
	return h
})

// Login checks name and password (client identifies the caller for the
// throttle, e.g. its IP) and returns a new session and its secret id, to be
// sent in the cookie.
func (m *Manager) Login(ctx context.Context, name, password, client string) (review.Session, review.User, string, error) {
	now := m.Now()
	keys := []string{"user:" + name, "client:" + client}
	// The attempt is counted before the password is checked, so that
	// parallel attempts cannot all pass the throttle before one fails.
	if m.Throttle != nil {
		if !m.Throttle.Begin(now, keys...) {
			return review.Session{}, review.User{}, "", ErrThrottled
		}
		defer m.Throttle.End(keys...)
	}
	u, err := m.Store.User(ctx, name)
	if err != nil && !errors.Is(err, review.ErrNotFound) {
		return review.Session{}, u, "", err
	}
	hash := u.Hash
	if err != nil {
		hash = dummy()
	}
	ok := accounts.Check(hash, password) && err == nil && !u.Disabled
	if !ok {
		if m.Throttle != nil {
			m.Throttle.Fail(now, keys...)
		}
		return review.Session{}, u, "", ErrBadLogin
	}
	if m.Throttle != nil {
		m.Throttle.Reset("user:" + name)
	}
	id := random32()
	s := review.Session{IDHash: HashID(id), User: u.Name, CSRF: random32(), Created: now.UTC(), Expires: now.Add(m.Absolute).UTC(), Seen: now.UTC()}
	if err := m.Store.PutSession(ctx, s); err != nil {
		return s, u, "", fmt.Errorf("saving session: %w", err)
	}
	return s, u, id, nil
}

// Lookup returns the live session of id and its account; expired sessions
// and sessions of disabled accounts are ended and refused.
func (m *Manager) Lookup(ctx context.Context, id string) (review.Session, review.User, error) {
	if id == "" {
		return review.Session{}, review.User{}, ErrNoSession
	}
	now := m.Now()
	s, err := m.Store.Session(ctx, HashID(id))
	if errors.Is(err, review.ErrNotFound) {
		return s, review.User{}, ErrNoSession
	}
	if err != nil {
		return s, review.User{}, err
	}
	if !now.Before(s.Expires) || now.Sub(s.Seen) >= m.Idle {
		_ = m.Store.DeleteSession(ctx, s.IDHash)
		return s, review.User{}, ErrNoSession
	}
	u, err := m.Store.User(ctx, s.User)
	if err != nil || u.Disabled {
		_ = m.Store.DeleteSession(ctx, s.IDHash)
		return s, u, ErrNoSession
	}
	if now.Sub(s.Seen) > time.Minute {
		s.Seen = now.UTC()
		if err := m.Store.PutSession(ctx, s); err != nil {
			return s, u, fmt.Errorf("refreshing session: %w", err)
		}
	}
	return s, u, nil
}

// Logout ends the session of id.
func (m *Manager) Logout(ctx context.Context, id string) error {
	return m.Store.DeleteSession(ctx, HashID(id))
}

// CheckCSRF reports whether token is the session's CSRF token (in constant time).
func CheckCSRF(s review.Session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(token)) == 1
}

// Throttle counts failed logins per key (account, client) and blocks a key
// after Max failures within Window, until the window since the last failure
// passes. Attempts still being checked count as failures until they end,
// so parallel attempts are throttled as sequential ones are. It is per
// process.
type Throttle struct {
	Max    int
	Window time.Duration

	mu      sync.Mutex
	fails   map[string][]time.Time
	pending map[string]int
}

// NewThrottle returns a throttle allowing max failures per window.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{Max: max, Window: window, fails: map[string][]time.Time{}, pending: map[string]int{}}
}

// Begin reports whether an attempt for keys may go ahead, and if so counts
// it as pending until End: none of keys has Max failures and pending
// attempts together within the window.
func (t *Throttle) Begin(now time.Time, keys ...string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = map[string]int{}
	}
	for _, k := range keys {
		if len(t.recent(now, k))+t.pending[k] >= t.Max {
			return false
		}
	}
	for _, k := range keys {
		t.pending[k]++
	}
	return true
}

// End ends an attempt that Begin let through (Fail or Reset records how it
// went).
func (t *Throttle) End(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if t.pending[k] <= 1 {
			delete(t.pending, k)
		} else {
			t.pending[k]--
		}
	}
}

func (t *Throttle) recent(now time.Time, key string) []time.Time {
	fs := t.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.Window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = fs
	}
	return fs
}

// Blocked reports whether any of keys has Max failures within the window.
func (t *Throttle) Blocked(now time.Time, keys ...string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if len(t.recent(now, k)) >= t.Max {
			return true
		}
	}
	return false
}

// Fail records a failure for each of keys.
func (t *Throttle) Fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.fails[k] = append(t.recent(now, k), now)
	}
}

// Reset forgets the failures of key.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}
