package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is where the signing key lives, relative to the data folder.
const KeyFile = "keys/referral-signing.key"

// ErrNoKey is matched (errors.Is) when the data folder holds no signing key
// and LoadSigner was not asked to create one.
var ErrNoKey = errors.New("no referral signing key")

// KeyID names a public key: the first 16 hex digits of the SHA-256 of its
// 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])[:16]
}

// Signer signs manifests with an Ed25519 private key. It never prints the
// key: its String names only the key id.
type Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewSigner returns a signer over key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, id: KeyID(key.Public().(ed25519.PublicKey))}
}

// KeyID is the id of the signer's public key.
func (s *Signer) KeyID() string { return s.id }

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns the Ed25519 signature of msg.
func (s *Signer) Sign(msg []byte) []byte { return ed25519.Sign(s.key, msg) }

// String names the key by id only.
func (s Signer) String() string { return "ed25519 signing key " + s.id + " <secret>" }

// GoString is String, so that %#v does not print the key either.
func (s Signer) GoString() string { return s.String() }

// LoadSigner reads the signing key from dataDir/KeyFile (PKCS #8 in PEM).
// With create, a missing key is generated and written there with mode
// 0600 (its folder 0700); without, a missing key is ErrNoKey.
func LoadSigner(dataDir string, create bool) (*Signer, error) {
	path := filepath.Join(dataDir, KeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		return parsePrivate(path, data)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the referral signing key: %w", err)
	}
	if !create {
		return nil, fmt.Errorf("%w in %s", ErrNoKey, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the referral signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding the referral signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadSigner(dataDir, false) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("creating the referral signing key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return NewSigner(key), nil
}

func parsePrivate(path string, data []byte) (*Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("reading %s: not a PEM PRIVATE KEY", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("reading %s: a %T, not an Ed25519 key", path, k)
	}
	return NewSigner(key), nil
}

// PublicKeyPEM encodes pub as a PEM PUBLIC KEY (PKIX, as OpenSSL reads
// it), preceded by a line naming its key id.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an ed25519.PublicKey always encodes
	}
	return append([]byte("key id "+KeyID(pub)+"\n"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)
}

// ParsePublicKey reads an Ed25519 public key written as a PEM PUBLIC KEY
// (text before the PEM block is ignored), or as the base64 of its 32 bytes
// or of its PKIX encoding.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("reading the public key: a PEM %s, want PUBLIC KEY", b.Type)
		}
		return fromPKIX(b.Bytes)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, errors.New("reading the public key: neither PEM nor base64")
	}
	if len(raw) == ed25519.PublicKeySize {
		return ed25519.PublicKey(raw), nil
	}
	return fromPKIX(raw)
}

func fromPKIX(der []byte) (ed25519.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("reading the public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("reading the public key: a %T, not an Ed25519 key", k)
	}
	return pub, nil
}
