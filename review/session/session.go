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

// ErrCodeRequired is returned by Login for an account with two-factor
// login when the attempt carries no code and may not defer it.
var ErrCodeRequired = errors.New("two-factor code required")

// ErrBadCode is a wrong or reused TOTP or recovery code.
var ErrBadCode = accounts.ErrBadCode

// PendingTTL is how long a session that still has a login step to pass
// (the code, or a required enrolment) lasts.
const PendingTTL = 10 * time.Minute

// Attempt is one login.
type Attempt struct {
	// Name and Password are the account's.
	Name, Password string
	// Code is the TOTP or a recovery code, for accounts with two-factor login.
	Code string
	// Client identifies the caller for the throttle (its IP); Agent is its
	// User-Agent, shortened, kept with the session for the owner's list.
	Client, Agent string
	// Deferred lets a right password without a code open a session that
	// waits for it (review.PendingCode: the login form's second step);
	// otherwise a missing code is ErrCodeRequired.
	Deferred bool
}

// Result is a successful login step.
type Result struct {
	// Session is the new session; ID is its secret id, for the cookie.
	Session review.Session
	User    review.User
	ID      string
	// Method is the second factor used (accounts.MethodTOTP or
	// accounts.MethodRecovery), empty when none was.
	Method string
}

// Login checks an attempt's name, password and, for accounts with
// two-factor login, code, behind the throttle (wrong passwords and wrong
// codes both count). It returns a new session: a full one; one waiting
// for the code (Deferred attempts without one); or, for a role that
// requires two-factor login and an account without it, one that may only
// enrol (review.PendingEnrol).
func (m *Manager) Login(ctx context.Context, a Attempt) (Result, error) {
	now := m.Now()
	keys := []string{"user:" + a.Name, "client:" + a.Client}
	// The attempt is counted before the password is checked, so that
	// parallel attempts cannot all pass the throttle before one fails.
	if m.Throttle != nil {
		if !m.Throttle.Begin(now, keys...) {
			return Result{}, ErrThrottled
		}
		defer m.Throttle.End(keys...)
	}
	u, err := m.Store.User(ctx, a.Name)
	if err != nil && !errors.Is(err, review.ErrNotFound) {
		return Result{}, err
	}
	hash := u.Hash
	if err != nil {
		hash = dummy()
	}
	ok := accounts.Check(hash, a.Password) && err == nil && !u.Disabled
	if !ok {
		m.fail(now, keys)
		return Result{User: u}, ErrBadLogin
	}
	pending, method := "", ""
	switch {
	case u.HasTOTP() && a.Code != "":
		method, err = accounts.CheckCode(ctx, m.Store, u.Name, a.Code, now)
		if errors.Is(err, accounts.ErrBadCode) {
			m.fail(now, keys)
			return Result{User: u}, ErrBadCode
		}
		if err != nil {
			return Result{User: u}, fmt.Errorf("checking the two-factor code: %w", err)
		}
	case u.HasTOTP() && !a.Deferred:
		return Result{User: u}, ErrCodeRequired
	case u.HasTOTP():
		pending = review.PendingCode
	case u.Role.NeedsTOTP():
		pending = review.PendingEnrol
	}
	if m.Throttle != nil && pending == "" {
		m.Throttle.Reset("user:" + a.Name)
	}
	res, err := m.open(ctx, u, pending, a.Client, a.Agent, now)
	res.Method = method
	return res, err
}

func (m *Manager) fail(now time.Time, keys []string) {
	if m.Throttle != nil {
		m.Throttle.Fail(now, keys...)
	}
}

// open saves a new session of u.
func (m *Manager) open(ctx context.Context, u review.User, pending, addr, agent string, now time.Time) (Result, error) {
	id := random32()
	exp := now.Add(m.Absolute)
	if pending != "" {
		exp = now.Add(min(PendingTTL, m.Absolute))
	}
	s := review.Session{IDHash: HashID(id), User: u.Name, CSRF: random32(), Created: now.UTC(), Expires: exp.UTC(), Seen: now.UTC(),
		Pending: pending, Addr: addr, Agent: agent}
	if err := m.Store.PutSession(ctx, s); err != nil {
		return Result{}, fmt.Errorf("saving session: %w", err)
	}
	return Result{Session: s, User: u, ID: id}, nil
}

// Verify checks the code of a session waiting for one (review.PendingCode)
// behind the throttle, and replaces the session with a full one under a new
// id.
func (m *Manager) Verify(ctx context.Context, s review.Session, code, client string) (Result, error) {
	if s.Pending != review.PendingCode {
		return Result{}, ErrNoSession
	}
	now := m.Now()
	keys := []string{"user:" + s.User, "client:" + client}
	if m.Throttle != nil {
		if !m.Throttle.Begin(now, keys...) {
			return Result{}, ErrThrottled
		}
		defer m.Throttle.End(keys...)
	}
	method, err := accounts.CheckCode(ctx, m.Store, s.User, code, now)
	if errors.Is(err, accounts.ErrBadCode) {
		m.fail(now, keys)
		return Result{}, ErrBadCode
	}
	if err != nil {
		return Result{}, fmt.Errorf("checking the two-factor code: %w", err)
	}
	if m.Throttle != nil {
		m.Throttle.Reset("user:" + s.User)
	}
	res, err := m.Promote(ctx, s)
	res.Method = method
	return res, err
}

// Promote replaces a session that passed its pending step (the code, or
// the enrolment) with a full session under a new id.
func (m *Manager) Promote(ctx context.Context, s review.Session) (Result, error) {
	u, err := m.Store.User(ctx, s.User)
	if err != nil {
		return Result{}, fmt.Errorf("reading account %s: %w", s.User, err)
	}
	if u.Disabled || u.Role.NeedsTOTP() && !u.HasTOTP() {
		return Result{}, ErrNoSession
	}
	if err := m.Store.DeleteSession(ctx, s.IDHash); err != nil {
		return Result{}, fmt.Errorf("ending the pending session: %w", err)
	}
	return m.open(ctx, u, "", s.Addr, s.Agent, m.Now())
}

// List returns the live sessions of user, oldest first.
func (m *Manager) List(ctx context.Context, user string) ([]review.Session, error) {
	ss, err := m.Store.Sessions(ctx, user)
	if err != nil {
		return nil, err
	}
	now := m.Now()
	out := ss[:0]
	for _, s := range ss {
		if now.Before(s.Expires) && now.Sub(s.Seen) < m.Idle {
			out = append(out, s)
		}
	}
	return out, nil
}

// Lookup returns the live session of id and its account; expired sessions
// and sessions of disabled accounts are ended and refused. A session of an
// account that must enrol in two-factor login is returned as
// review.PendingEnrol, whatever it was made as.
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
	// A full session of an account whose role requires two-factor login
	// and that has none (made before the requirement, or before a reset)
	// may only enrol.
	if s.Pending == "" && u.Role.NeedsTOTP() && !u.HasTOTP() {
		s.Pending = review.PendingEnrol
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
