package tips

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"gopkg.in/yaml.v3"
)

// useNewKey makes a key outside any spool folder and points $RASD_TIPS_KEY_FILE at it.
func useNewKey(t *testing.T) *Key {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys", "tips.key")
	k, err := NewKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(KeyEnv, path)
	return k
}

func newKeyAt(t *testing.T) (*Key, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tips.key")
	k, err := NewKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return k, path
}

func yamlNode(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// Reporters' contacts as flaggers send them; none may appear in the spool file.
var contacts = []Reporter{
	{Flagger: "ngo-basra-field-team", Contact: "سارة الموسوي +9647701234567 sara.m@example.org"},
	{Flagger: "press-freedom-desk", Contact: "signal: @hidden_source_42"},
}

func fill(t *testing.T, s *Spool, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		r := contacts[i%len(contacts)]
		if _, err := s.Append(Tip{Text: fmt.Sprintf("منشور %d", i), Received: time.Now().UTC()}, r); err != nil {
			t.Fatal(err)
		}
	}
}

func assertNoContactBytes(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range contacts {
		for _, secret := range []string{r.Flagger, r.Contact, "سارة", "+9647701234567", "sara.m@example.org", "hidden_source_42"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("spool file %s holds %q on disk", path, secret)
			}
		}
	}
}

func assertReveals(t *testing.T, s *Spool, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		r, err := s.RevealReporter(fmt.Sprintf("tips:%d", i+1), "legal@rasd", "test")
		if err != nil {
			t.Fatalf("tip %d: %v", i+1, err)
		}
		if r != contacts[i%len(contacts)] {
			t.Fatalf("tip %d: reporter %+v", i+1, r)
		}
	}
}

func TestSpoolFileHoldsNoReporterBytes(t *testing.T) {
	k, _ := newKeyAt(t)
	path := filepath.Join(t.TempDir(), "tips.db")
	s, err := OpenSpool(path, SpoolOptions{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 4)
	assertNoContactBytes(t, path)
	assertReveals(t, s, 4)
	if s.KeyID() != k.ID() || len(k.ID()) != 8 {
		t.Fatalf("key id %q, want %q", s.KeyID(), k.ID())
	}
	// Each record has its own nonce: the same reporter twice gives different bytes.
	var recs [][]byte
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReporters).ForEach(func(_, v []byte) error {
			recs = append(recs, append([]byte(nil), v...))
			return nil
		})
	})
	db.Close()
	if len(recs) != 4 || bytes.Equal(recs[0][8:20], recs[2][8:20]) {
		t.Fatalf("records %d, nonces of equal reporters equal: % x", len(recs), recs[0][:20])
	}
}

func TestConnectorSpoolEncrypted(t *testing.T) {
	c := goodTips(t)
	fill(t, c.Spool(), 2)
	assertNoContactBytes(t, c.Spool().Path())
	assertReveals(t, c.Spool(), 2)
}

func TestPlaintextSpoolMigratedOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tips.db")
	s, err := OpenSpool(path, SpoolOptions{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 5)
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(contacts[0].Contact)) {
		t.Fatal("a plaintext spool should hold the contact as written (test premise)")
	}
	k, _ := newKeyAt(t)
	s, err = OpenSpool(path, SpoolOptions{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	if s.Migrated() != 5 {
		t.Fatalf("migrated %d, want 5", s.Migrated())
	}
	assertNoContactBytes(t, path)
	assertReveals(t, s, 5)
	ev, err := s.KeyEvents()
	if err != nil || len(ev) != 1 || ev[0].Event != "encrypted" || ev[0].To != k.ID() || ev[0].Records != 5 {
		t.Fatalf("key events %+v, %v", ev, err)
	}
	// Opening again migrates nothing; new tips keep their numbers after compaction.
	if s, err = OpenSpool(path, SpoolOptions{Key: k}); err != nil || s.Migrated() != 0 {
		t.Fatalf("reopen: %v, migrated %d", err, s.Migrated())
	}
	if seq, err := s.Append(Tip{Text: "x"}, contacts[0]); err != nil || seq != 6 {
		t.Fatalf("append after migration: %d, %v", seq, err)
	}
	// A plaintext open of an encrypted spool is refused.
	if _, err := OpenSpool(path, SpoolOptions{InsecurePlaintext: true}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("plaintext open of an encrypted spool: %v", err)
	}
}

func TestRotateKey(t *testing.T) {
	defer func(n int) { rotateBatch = n }(rotateBatch)
	rotateBatch = 3 // several transactions
	k1, _ := newKeyAt(t)
	k2, _ := newKeyAt(t)
	path := filepath.Join(t.TempDir(), "tips.db")
	s, err := OpenSpool(path, SpoolOptions{Key: k1})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 10)
	n, err := s.RotateKey(k2)
	if err != nil || n != 10 {
		t.Fatalf("rotate: %d records, %v", n, err)
	}
	// Every record is now under k2, and nothing under k1 is left in the file.
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, append(append([]byte(nil), recordMagic...), k1.id[:]...)) {
		t.Fatal("a record under the old key is still in the file")
	}
	assertNoContactBytes(t, path)
	only2, err := OpenSpool(path, SpoolOptions{Key: k2})
	if err != nil {
		t.Fatalf("open with the new key alone: %v", err)
	}
	assertReveals(t, only2, 10)
	_, err = OpenSpool(path, SpoolOptions{Key: k1})
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), k2.ID()) {
		t.Fatalf("open with the old key: %v", err)
	}
	ev, _ := only2.KeyEvents()
	if len(ev) != 1 || ev[0].Event != "rotated" || ev[0].To != k2.ID() || len(ev[0].From) != 1 || ev[0].From[0] != k1.ID() || ev[0].Records != 10 {
		t.Fatalf("key events %+v", ev)
	}
}

func TestRotationInterruptedStaysReadable(t *testing.T) {
	k1, _ := newKeyAt(t)
	k2, _ := newKeyAt(t)
	path := filepath.Join(t.TempDir(), "tips.db")
	s, err := OpenSpool(path, SpoolOptions{Key: k1})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 4)
	// Half the records re-encrypted, as a rotation cut short leaves them.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReporters)
		for seq := uint64(1); seq <= 2; seq++ {
			plain, err := k1.open(seq, b.Get(seqKey(seq)))
			if err != nil {
				return err
			}
			sealed, _ := k2.seal(seq, plain)
			if err := b.Put(seqKey(seq), sealed); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSpool(path, SpoolOptions{Key: k2}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("mixed spool with the new key alone: %v", err)
	}
	both, err := OpenSpool(path, SpoolOptions{Key: k2, OldKeys: []*Key{k1}})
	if err != nil {
		t.Fatal(err)
	}
	assertReveals(t, both, 4)
	if n, err := both.RotateKey(k2); err != nil || n != 2 {
		t.Fatalf("finishing the rotation: %d, %v", n, err)
	}
	only2, err := OpenSpool(path, SpoolOptions{Key: k2})
	if err != nil {
		t.Fatal(err)
	}
	assertReveals(t, only2, 4)
}

func TestWrongKeyIsAClearError(t *testing.T) {
	k1, _ := newKeyAt(t)
	k2, _ := newKeyAt(t)
	path := filepath.Join(t.TempDir(), "tips.db")
	s, err := OpenSpool(path, SpoolOptions{Key: k1})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 2)
	_, err = OpenSpool(path, SpoolOptions{Key: k2})
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), k1.ID()) || !strings.Contains(err.Error(), k2.ID()) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := OpenSpool(path, SpoolOptions{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	// A record altered on disk does not authenticate: an error, not garbage.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReporters)
		v := append([]byte(nil), b.Get(seqKey(1))...)
		v[len(v)-1] ^= 1
		return b.Put(seqKey(1), v)
	})
	db.Close()
	if _, err := s.RevealReporter("tips:1", "legal@rasd", "test"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("altered record: %v", err)
	}
	// A record moved to another tip does not authenticate either.
	db, _ = bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReporters)
		return b.Put(seqKey(1), append([]byte(nil), b.Get(seqKey(2))...))
	})
	db.Close()
	if _, err := s.RevealReporter("tips:1", "legal@rasd", "test"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("moved record: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	k, path := newKeyAt(t)
	raw, _ := os.ReadFile(path)
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(out, strings.TrimSpace(string(raw))) || !strings.Contains(out, "<secret") {
			t.Fatalf("key printed: %q", out)
		}
	}
	again, err := LoadKey(path)
	if err != nil || again.ID() != k.ID() {
		t.Fatalf("reload: %v", err)
	}
	if _, err := NewKeyFile(path); err == nil {
		t.Fatal("an existing key file was overwritten")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	if _, err := LoadKey(bad); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("bad key: %v", err)
	}
}
