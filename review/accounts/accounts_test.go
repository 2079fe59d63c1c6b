package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/boltstore"
)

func TestHash(t *testing.T) {
	accounts.Cost = bcrypt.MinCost
	cases := []struct {
		name, pw string
		ok       bool
	}{
		{"long enough", "abcdefghij", true},
		{"arabic counts characters", "كلمةمرورطويلة", true},
		{"too short", "abcdefghi", false},
		{"over 72 bytes", strings.Repeat("x", 73), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := accounts.Hash(c.pw)
			if (err == nil) != c.ok {
				t.Fatalf("Hash: %v, want ok %v", err, c.ok)
			}
			if c.ok && (!accounts.Check(h, c.pw) || accounts.Check(h, c.pw+"x") || bytes.Contains(h, []byte(c.pw))) {
				t.Fatalf("hash %q does not check right", h)
			}
		})
	}
	if a, b := accounts.GeneratePassword(), accounts.GeneratePassword(); a == b || len(a) < accounts.MinPassword {
		t.Fatalf("generated %q and %q", a, b)
	}
}

func TestManager(t *testing.T) {
	accounts.Cost = bcrypt.MinCost
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "r.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, _ := boltstore.New(db)
	al, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	ctx := context.Background()
	m := &accounts.Manager{Store: st, Audit: al, Actor: "cli"}
	if err := m.Add(ctx, "zainab", review.RoleAnalyst, "long-password-1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(ctx, "zainab", review.RoleAdmin, "long-password-1"); !errors.Is(err, accounts.ErrExists) {
		t.Fatalf("second add: %v, want ErrExists", err)
	}
	if err := st.PutSession(ctx, review.Session{IDHash: "s1", User: "zainab"}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetRole(ctx, "zainab", review.RoleSenior); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, "s1"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("a role change must end the account's sessions: %v", err)
	}
	if err := m.SetRole(ctx, "zainab", "boss"); err == nil {
		t.Fatal("unknown role accepted")
	}
	if err := m.Passwd(ctx, "ghost", "long-password-2"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("passwd of an unknown account: %v", err)
	}
	u, _ := st.User(ctx, "zainab")
	if u.Role != review.RoleSenior {
		t.Fatalf("role %s, want senior", u.Role)
	}
	al.Close()
	f, _ := os.Open(filepath.Join(dir, "audit.jsonl"))
	defer f.Close()
	es, err := audit.ReadAll(f)
	if err != nil || len(es) != 2 || es[1].Type != audit.TypeRoleChange || !strings.Contains(string(es[1].Details), `"previous":"analyst"`) {
		t.Fatalf("audit entries %+v, %v", es, err)
	}
}

func TestPseudonyms(t *testing.T) {
	if _, err := accounts.NewPseudonymizer([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
	p1, _ := accounts.NewPseudonymizer([]byte("0123456789abcdef"))
	p2, _ := accounts.NewPseudonymizer([]byte("fedcba9876543210"))
	a := p1.Pseudonym("telegram:42")
	if a != p1.Pseudonym("telegram:42") || a == p1.Pseudonym("telegram:43") || a == p2.Pseudonym("telegram:42") || strings.Contains(a, "42") || !strings.HasPrefix(a, "anon-") {
		t.Fatalf("pseudonym %q: not stable, not keyed or not opaque", a)
	}
	if p1.Pseudonym("") != "" {
		t.Fatal("empty id must stay empty")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(accounts.KeyEnv, "")
	k1, err := accounts.LoadKey(dir)
	if err != nil || len(k1) != 32 {
		t.Fatalf("generated key: %d bytes, %v", len(k1), err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "pseudonym.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	k2, _ := accounts.LoadKey(dir)
	if !bytes.Equal(k1, k2) {
		t.Fatal("the key file must be reused")
	}
	t.Setenv(accounts.KeyEnv, "00112233445566778899aabbccddeeff")
	k3, _ := accounts.LoadKey(dir)
	if len(k3) != 16 || k3[1] != 0x11 {
		t.Fatalf("hex key from the environment: % x", k3)
	}
	os.WriteFile(filepath.Join(dir, "pseudonym.key"), []byte("not hex"), 0o600)
	t.Setenv(accounts.KeyEnv, "")
	if _, err := accounts.LoadKey(dir); err == nil {
		t.Fatal("a corrupt key file must be an error")
	}
}
