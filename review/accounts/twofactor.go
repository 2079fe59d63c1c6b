package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/totp"
)

// Errors of the two-factor operations; check them with errors.Is.
var (
	// ErrBadCode is a wrong, reused or expired TOTP or recovery code.
	ErrBadCode = errors.New("wrong or already used two-factor code")
	// ErrEnrolled is returned when enrolling an account that already has TOTP.
	ErrEnrolled = errors.New("two-factor login is already enrolled")
	// ErrNotEnrolled is returned for operations that need a TOTP enrolment.
	ErrNotEnrolled = errors.New("two-factor login is not enrolled")
	// ErrTOTPRequired is returned when turning two-factor login off for a
	// role that requires it.
	ErrTOTPRequired = errors.New("the role requires two-factor login")
)

// Issuer names Rasd in authenticator apps.
const Issuer = "Rasd"

// RecoveryCodes is how many recovery codes an enrolment gives.
const RecoveryCodes = 10

// PendingTTL is how long a secret shown for enrolment waits for its first code.
const PendingTTL = 15 * time.Minute

var recoveryAlphabet = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newRecovery returns a fresh salt, RecoveryCodes codes ("xxxxx-xxxxx", 50
// random bits each) and their hashes.
func newRecovery() (salt []byte, codes, hashes []string) {
	salt = make([]byte, 16)
	_, _ = rand.Read(salt)
	for range RecoveryCodes {
		var b [7]byte
		_, _ = rand.Read(b[:])
		c := recoveryAlphabet.EncodeToString(b[:])[:10]
		codes = append(codes, c[:5]+"-"+c[5:])
		hashes = append(hashes, hashRecovery(salt, c))
	}
	return salt, codes, hashes
}

// hashRecovery returns the hex SHA-256 of salt and the normalised code.
func hashRecovery(salt []byte, code string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(normRecovery(code)))
	return hex.EncodeToString(h.Sum(nil))
}

// normRecovery drops dashes and spaces and lowers the case.
func normRecovery(code string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
}

// Second-factor methods CheckCode reports.
const (
	MethodTOTP     = "totp"
	MethodRecovery = "recovery"
)

// CheckCode checks a TOTP code or a recovery code for account name at now
// and consumes it, atomically: a TOTP code's step and everything before it
// is refused afterwards, a recovery code is removed. It returns which kind
// of code it was; a wrong or reused code is ErrBadCode.
func CheckCode(ctx context.Context, st review.Accounts, name, code string, now time.Time) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 32 {
		return "", ErrBadCode
	}
	var method string
	_, err := st.UpdateUser(ctx, name, func(u *review.User) error {
		method = ""
		tf := &u.TwoFactor
		if !u.HasTOTP() {
			return ErrNotEnrolled
		}
		if step, ok := totp.Verify(tf.Secret, code, now, tf.Last); ok {
			tf.Last, method = step, MethodTOTP
			return nil
		}
		h := hashRecovery(tf.Salt, code)
		for i, r := range tf.Recovery {
			if subtle.ConstantTimeCompare([]byte(r), []byte(h)) == 1 {
				tf.Recovery = append(tf.Recovery[:i:i], tf.Recovery[i+1:]...)
				method = MethodRecovery
				return nil
			}
		}
		return ErrBadCode
	})
	if errors.Is(err, ErrNotEnrolled) || errors.Is(err, review.ErrNotFound) {
		return "", ErrBadCode
	}
	if err != nil {
		return "", err
	}
	return method, nil
}

// StartTOTP returns the secret to show for account name's enrolment: the one
// already waiting when it is younger than PendingTTL, else a new one. It
// refuses an account that is enrolled (ErrEnrolled).
func (m *Manager) StartTOTP(ctx context.Context, name string) ([]byte, error) {
	now := m.now()
	u, err := m.Store.UpdateUser(ctx, name, func(u *review.User) error {
		tf := &u.TwoFactor
		if u.HasTOTP() {
			return ErrEnrolled
		}
		if len(tf.Pending) == 0 || now.Sub(tf.PendingSince) > PendingTTL {
			tf.Pending, tf.PendingSince = totp.NewSecret(), now
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("starting two-factor enrolment of %s: %w", name, err)
	}
	return u.TwoFactor.Pending, nil
}

// ConfirmTOTP enrols the secret StartTOTP showed once code is valid for it,
// and returns the recovery codes, to be shown once.
func (m *Manager) ConfirmTOTP(ctx context.Context, name, code string) ([]string, error) {
	now := m.now()
	salt, codes, hashes := newRecovery()
	_, err := m.Store.UpdateUser(ctx, name, func(u *review.User) error {
		tf := &u.TwoFactor
		switch {
		case u.HasTOTP():
			return ErrEnrolled
		case len(tf.Pending) == 0 || now.Sub(tf.PendingSince) > PendingTTL:
			return fmt.Errorf("%w: start the enrolment again", ErrBadCode)
		}
		step, ok := totp.Verify(tf.Pending, code, now, 0)
		if !ok {
			return ErrBadCode
		}
		*tf = review.TwoFactor{Secret: tf.Pending, Last: step, Salt: salt, Recovery: hashes, Enrolled: now}
		u.Changed = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("confirming two-factor enrolment of %s: %w", name, err)
	}
	return codes, m.record(ctx, name, "totp_enrol", map[string]any{})
}

// EnrolTOTP enrols secret for account name without asking for a code (the
// command line's user add --totp, for scripts) and returns the recovery
// codes.
func (m *Manager) EnrolTOTP(ctx context.Context, name string, secret []byte) ([]string, error) {
	if len(secret) < 10 {
		return nil, totp.ErrBadSecret
	}
	now := m.now()
	salt, codes, hashes := newRecovery()
	_, err := m.Store.UpdateUser(ctx, name, func(u *review.User) error {
		if u.HasTOTP() {
			return ErrEnrolled
		}
		u.TwoFactor = review.TwoFactor{Secret: secret, Salt: salt, Recovery: hashes, Enrolled: now}
		u.Changed = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enrolling two-factor login of %s: %w", name, err)
	}
	return codes, m.record(ctx, name, "totp_enrol", map[string]any{})
}

// RegenerateRecovery replaces account name's recovery codes with new ones,
// returned to be shown once.
func (m *Manager) RegenerateRecovery(ctx context.Context, name string) ([]string, error) {
	salt, codes, hashes := newRecovery()
	_, err := m.Store.UpdateUser(ctx, name, func(u *review.User) error {
		if !u.HasTOTP() {
			return ErrNotEnrolled
		}
		u.TwoFactor.Salt, u.TwoFactor.Recovery, u.Changed = salt, hashes, m.now()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("regenerating recovery codes of %s: %w", name, err)
	}
	return codes, m.record(ctx, name, "recovery_regenerate", map[string]any{})
}

// DisableTOTP turns account name's two-factor login off at its owner's
// request; roles that require it refuse (ErrTOTPRequired).
func (m *Manager) DisableTOTP(ctx context.Context, name string) error {
	_, err := m.Store.UpdateUser(ctx, name, func(u *review.User) error {
		switch {
		case u.Role.NeedsTOTP():
			return ErrTOTPRequired
		case !u.HasTOTP():
			return ErrNotEnrolled
		}
		u.TwoFactor, u.Changed = review.TwoFactor{}, m.now()
		return nil
	})
	if err != nil {
		return fmt.Errorf("turning two-factor login of %s off: %w", name, err)
	}
	return m.record(ctx, name, "totp_disable", map[string]any{})
}

// ResetTOTP removes account name's TOTP secret and recovery codes (an
// admin's recovery for a lost device) and ends its sessions: its next login
// enrols again where the role requires it.
func (m *Manager) ResetTOTP(ctx context.Context, name string) error {
	return m.change(ctx, name, "totp_reset", map[string]any{}, func(u *review.User) error {
		u.TwoFactor = review.TwoFactor{}
		return nil
	})
}

// Revoke ends session idHash of account name, or every session of the
// account when idHash is empty, and records it.
func (m *Manager) Revoke(ctx context.Context, name, idHash string) error {
	if _, err := m.Store.User(ctx, name); err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	details := map[string]any{}
	if idHash == "" {
		if err := m.Store.DeleteSessions(ctx, name); err != nil {
			return fmt.Errorf("ending the sessions of %s: %w", name, err)
		}
		details["sessions"] = "all"
	} else {
		se, err := m.Store.Session(ctx, idHash)
		if err != nil || se.User != name {
			return fmt.Errorf("session %s of %s: %w", idHash, name, review.ErrNotFound)
		}
		if err := m.Store.DeleteSession(ctx, idHash); err != nil {
			return fmt.Errorf("ending session of %s: %w", name, err)
		}
		details["session"] = idHash[:min(12, len(idHash))]
	}
	return m.record(ctx, name, "revoke", details)
}
