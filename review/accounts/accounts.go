// Package accounts manages reviewer accounts: bcrypt password hashes,
// adding, disabling and re-keying accounts and changing roles (each change
// appended to the audit log), and the keyed pseudonyms that researchers see
// instead of author identities.
package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

// MinPassword is the shortest password accepted, in characters.
const MinPassword = 10

// Cost is the bcrypt cost of new hashes.
var Cost = 11

// ErrExists is returned when adding an account whose name is taken.
var ErrExists = errors.New("account already exists")

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// Hash returns the bcrypt hash of password, refusing passwords shorter than
// MinPassword characters or longer than bcrypt's 72 bytes.
func Hash(password string) ([]byte, error) {
	if utf8.RuneCountInString(password) < MinPassword {
		return nil, fmt.Errorf("password must have at least %d characters", MinPassword)
	}
	if len(password) > 72 {
		return nil, fmt.Errorf("password must be at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), Cost)
	if err != nil {
		return nil, fmt.Errorf("hashing password: %w", err)
	}
	return h, nil
}

// Check reports whether password matches hash.
func Check(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

// GeneratePassword returns a random 20-character password.
func GeneratePassword() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Manager changes accounts and records every change in the audit log.
type Manager struct {
	Store review.Accounts
	// Audit receives one event per change; nil records nothing (tests only).
	Audit *audit.Log
	// Actor names who makes the changes, e.g. "cli:root".
	Actor string
	// Now returns the current time.
	Now func() time.Time
}

func (m *Manager) now() time.Time {
	if m.Now == nil {
		return time.Now().UTC()
	}
	return m.Now()
}

func (m *Manager) record(ctx context.Context, user, action string, details map[string]any) error {
	if m.Audit == nil {
		return nil
	}
	details["action"] = action
	_, err := m.Audit.Append(audit.Event{Type: audit.TypeRoleChange, Actor: m.Actor, Subject: "user:" + user, Details: details, Time: m.now()})
	if err != nil {
		return fmt.Errorf("recording %s of %s in the audit log: %w", action, user, err)
	}
	return nil
}

// Add creates an account.
func (m *Manager) Add(ctx context.Context, name string, role review.Role, password string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("invalid account name %q: use 2-32 lowercase letters, digits, '.', '_' or '-'", name)
	}
	if _, err := review.ParseRole(string(role)); err != nil {
		return err
	}
	if _, err := m.Store.User(ctx, name); err == nil {
		return fmt.Errorf("adding %s: %w", name, ErrExists)
	} else if !errors.Is(err, review.ErrNotFound) {
		return err
	}
	h, err := Hash(password)
	if err != nil {
		return err
	}
	now := m.now()
	if err := m.Store.PutUser(ctx, review.User{Name: name, Role: role, Hash: h, Created: now, Changed: now}); err != nil {
		return fmt.Errorf("adding %s: %w", name, err)
	}
	return m.record(ctx, name, "add", map[string]any{"role": string(role)})
}

func (m *Manager) change(ctx context.Context, name, action string, details map[string]any, fn func(u *review.User) error) error {
	u, err := m.Store.User(ctx, name)
	if err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	if err := fn(&u); err != nil {
		return err
	}
	u.Changed = m.now()
	if err := m.Store.PutUser(ctx, u); err != nil {
		return fmt.Errorf("changing %s: %w", name, err)
	}
	if err := m.Store.DeleteSessions(ctx, name); err != nil {
		return err
	}
	return m.record(ctx, name, action, details)
}

// Disable stops an account from logging in and ends its sessions.
func (m *Manager) Disable(ctx context.Context, name string) error {
	return m.change(ctx, name, "disable", map[string]any{}, func(u *review.User) error {
		u.Disabled = true
		return nil
	})
}

// Enable lets a disabled account log in again.
func (m *Manager) Enable(ctx context.Context, name string) error {
	return m.change(ctx, name, "enable", map[string]any{}, func(u *review.User) error {
		u.Disabled = false
		return nil
	})
}

// Passwd sets a new password and ends the account's sessions.
func (m *Manager) Passwd(ctx context.Context, name, password string) error {
	h, err := Hash(password)
	if err != nil {
		return err
	}
	return m.change(ctx, name, "passwd", map[string]any{}, func(u *review.User) error {
		u.Hash = h
		return nil
	})
}

// SetRole changes an account's role and ends its sessions.
func (m *Manager) SetRole(ctx context.Context, name string, role review.Role) error {
	if _, err := review.ParseRole(string(role)); err != nil {
		return err
	}
	var old review.Role
	details := map[string]any{"role": string(role)}
	return m.change(ctx, name, "role", details, func(u *review.User) error {
		old = u.Role
		details["previous"] = string(old)
		u.Role = role
		return nil
	})
}

// Pseudonymizer replaces author identities with keyed pseudonyms: the same
// author always gets the same pseudonym under one key, and without the key
// a pseudonym cannot be traced back.
type Pseudonymizer struct{ key []byte }

// NewPseudonymizer returns a pseudonymiser keyed with key (at least 16 bytes).
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("pseudonym key must have at least 16 bytes, not %d", len(key))
	}
	return &Pseudonymizer{key: key}, nil
}

// Pseudonym returns "anon-" and 16 hex digits of HMAC-SHA256(key, id); "" for "".
func (p *Pseudonymizer) Pseudonym(id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(id))
	return "anon-" + hex.EncodeToString(m.Sum(nil))[:16]
}

// KeyEnv is the environment variable holding the pseudonym key (hex or text).
const KeyEnv = "RASD_PSEUDONYM_KEY"

// LoadKey returns the pseudonym key from $RASD_PSEUDONYM_KEY, or else from
// dir/pseudonym.key, generating that file (mode 0600) on first use.
func LoadKey(dir string) ([]byte, error) {
	if k := os.Getenv(KeyEnv); k != "" {
		if b, err := hex.DecodeString(k); err == nil && len(b) >= 16 {
			return b, nil
		}
		return []byte(k), nil
	}
	path := filepath.Join(dir, "pseudonym.key")
	data, err := os.ReadFile(path)
	if err == nil {
		b, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(b) < 16 {
			return nil, fmt.Errorf("reading %s: not a hex key of at least 16 bytes", path)
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading pseudonym key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKey(dir) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("creating pseudonym key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(b[:]) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return b[:], nil
}
