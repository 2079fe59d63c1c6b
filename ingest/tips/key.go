package tips

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyEnv names the environment variable that holds the path of the key file
// reporter records are encrypted with, when a source's settings name none.
const KeyEnv = "RASD_TIPS_KEY_FILE"

// Errors about keys; check them with errors.Is.
var (
	// ErrNoKey is returned when a spool that keeps reporters is opened without a key.
	ErrNoKey = errors.New("no key for tip reporters")
	// ErrWrongKey is returned when a reporter record is encrypted under a key
	// that was not given.
	ErrWrongKey = errors.New("reporter records are encrypted with another key")
	// ErrDecrypt is returned when a record does not authenticate under the key
	// its id names: the record is corrupt or the key file was altered.
	ErrDecrypt = errors.New("reporter record does not authenticate under its key")
)

// Key is an AES-256-GCM key for reporter records. It prints as <secret> with
// its id; the key bytes never leave it.
type Key struct {
	id   [4]byte
	aead cipher.AEAD
}

// keyIDSize is the length of a key id as stored in each record.
const keyIDSize = 4

// ParseKey builds a key from a key file's contents: 64 hex digits (32 bytes),
// surrounding white space ignored.
func ParseKey(data []byte) (*Key, error) {
	raw, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(raw) != 32 {
		return nil, errors.New("a tips key is 64 hex digits (32 bytes); make one with `rasd tips new-key FILE`")
	}
	return newKey(raw)
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("tips key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("tips key: %w", err)
	}
	k := &Key{aead: aead}
	sum := sha256.Sum256(append([]byte("rasd tips key id\x00"), raw...))
	copy(k.id[:], sum[:keyIDSize])
	return k, nil
}

// LoadKey reads the key file at path. It refuses a file that others than its
// owner may read.
func LoadKey(path string) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading tips key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("tips key %s may be read by others (mode %o): chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading tips key: %w", err)
	}
	k, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("tips key %s: %w", path, err)
	}
	return k, nil
}

// NewKeyFile makes a random key and writes it to path (mode 0600); it never
// overwrites an existing file.
func NewKeyFile(path string) (*Key, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("making tips key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("making tips key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("writing tips key: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(raw)); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing tips key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing tips key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing tips key %s: %w", path, err)
	}
	return newKey(raw)
}

// ID is the key's id, 8 hex digits, stored with every record it encrypts.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// String prints the key as <secret> with its id.
func (k *Key) String() string { return "<secret tips key " + k.ID() + ">" }

// GoString prints the key as String does.
func (k *Key) GoString() string { return k.String() }

// Encrypted records are: magic, key id, nonce, then the GCM-sealed JSON of the
// Reporter. The tip's number is the additional data, so a record moved to
// another tip does not authenticate.
var recordMagic = []byte("RSE1")

func recordAAD(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("rasd tips reporter\x00"), seq)
}

func (k *Key) seal(seq uint64, plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("making nonce: %w", err)
	}
	out := make([]byte, 0, len(recordMagic)+keyIDSize+len(nonce)+len(plain)+k.aead.Overhead())
	out = append(out, recordMagic...)
	out = append(out, k.id[:]...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plain, recordAAD(seq)), nil
}

// isEncrypted reports whether a stored reporter record is encrypted, and under which key id.
func isEncrypted(v []byte) (id string, ok bool) {
	if len(v) < len(recordMagic)+keyIDSize || !bytes.HasPrefix(v, recordMagic) {
		return "", false
	}
	return hex.EncodeToString(v[len(recordMagic) : len(recordMagic)+keyIDSize]), true
}

func (k *Key) open(seq uint64, v []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	head := len(recordMagic) + keyIDSize
	if len(v) < head+ns+k.aead.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := k.aead.Open(nil, v[head:head+ns], v[head+ns:], recordAAD(seq))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// keyring is the key new records are sealed with and the others still read.
type keyring struct {
	primary *Key
	byID    map[string]*Key
}

func newKeyring(primary *Key, old []*Key) *keyring {
	kr := &keyring{primary: primary, byID: map[string]*Key{}}
	for _, k := range append([]*Key{primary}, old...) {
		if k != nil {
			kr.byID[k.ID()] = k
		}
	}
	return kr
}

func (kr *keyring) ids() []string {
	var out []string
	for id := range kr.byID {
		out = append(out, id)
	}
	return out
}
