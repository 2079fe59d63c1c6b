// Package totp computes and checks time-based one-time passwords (RFC 6238:
// HMAC-SHA-1, 6 digits, 30-second steps) for two-factor login, and makes
// the secrets and otpauth:// URIs that authenticator apps enrol from.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The parameters Rasd uses: those every authenticator app assumes.
const (
	// Digits is the length of a code.
	Digits = 6
	// Step is how long one code is valid.
	Step = 30 * time.Second
	// Window is how many steps before and after the current one are also
	// accepted, for clocks that drift.
	Window = 1
	// SecretSize is the size of a new secret in bytes (160 bits, as RFC
	// 4226 recommends).
	SecretSize = 20
)

// ErrBadSecret is returned for a secret that is not base32 or too short.
var ErrBadSecret = errors.New("not a base32 TOTP secret of at least 80 bits")

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random secret of SecretSize bytes.
func NewSecret() []byte {
	b := make([]byte, SecretSize)
	_, _ = rand.Read(b)
	return b
}

// Encode returns secret in unpadded base32, as authenticator apps take it.
func Encode(secret []byte) string { return b32.EncodeToString(secret) }

// Decode reads a base32 secret (case, spaces and padding ignored); it
// refuses secrets shorter than 10 bytes or longer than 64.
func Decode(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(strings.TrimSpace(s)))
	if len(s) > 128 {
		return nil, ErrBadSecret
	}
	b, err := b32.DecodeString(s)
	if err != nil || len(b) < 10 || len(b) > 64 {
		return nil, ErrBadSecret
	}
	return b, nil
}

// URI returns the otpauth:// URI of secret for account at issuer (Key Uri
// Format, as authenticator apps read it).
func URI(issuer, account string, secret []byte) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{"secret": {Encode(secret)}, "issuer": {issuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(Digits)}, "period": {fmt.Sprint(int(Step / time.Second))}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// Counter returns the time step of t: the count of Step since the Unix epoch.
func Counter(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// HOTP returns the digits-long HMAC-SHA-1 one-time password of secret at
// counter (RFC 4226, section 5.3).
func HOTP(secret []byte, counter int64, digits int) string {
	m := hmac.New(sha1.New, secret)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], uint64(counter))
	m.Write(c[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// Code returns the 6-digit code of secret at time t.
func Code(secret []byte, t time.Time) string { return HOTP(secret, Counter(t), Digits) }

// Verify checks code against secret at now, accepting the steps within
// Window of now's that are later than last (the step of the code last
// accepted, so that a code is used only once). It returns the step the
// code matched, to be stored as the new last.
func Verify(secret []byte, code string, now time.Time, last int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != Digits || strings.Trim(code, "0123456789") != "" || len(secret) == 0 {
		return 0, false
	}
	c := Counter(now)
	for step := c - Window; step <= c+Window; step++ {
		if step <= last {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(HOTP(secret, step, Digits)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
