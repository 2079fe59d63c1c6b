package accounts_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/totp"
)

// TestCheckCodeOnceUnderRace: the same TOTP code and the same recovery
// code sent 20 times at once are each accepted exactly once.
func TestCheckCodeOnceUnderRace(t *testing.T) {
	accounts.Cost = bcrypt.MinCost
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
	m := &accounts.Manager{Store: st, Now: func() time.Time { return now }}
	if err := m.Add(ctx, "adm", review.RoleAdmin, "password-123"); err != nil {
		t.Fatal(err)
	}
	secret := totp.NewSecret()
	recovery, err := m.EnrolTOTP(ctx, "adm", secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.EnrolTOTP(ctx, "adm", secret); !errors.Is(err, accounts.ErrEnrolled) {
		t.Fatalf("enrolling twice: %v", err)
	}
	u, _ := st.User(ctx, "adm")
	for _, h := range u.TwoFactor.Recovery {
		for _, c := range recovery {
			if h == c {
				t.Fatal("a recovery code is stored as it is")
			}
		}
	}
	for _, code := range []string{totp.Code(secret, now), recovery[4]} {
		var ok atomic.Int64
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				_, err := accounts.CheckCode(ctx, st, "adm", code, now)
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, accounts.ErrBadCode):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("code %s accepted %d times, want once", code, ok.Load())
		}
	}
	if u, _ := st.User(ctx, "adm"); len(u.TwoFactor.Recovery) != accounts.RecoveryCodes-1 {
		t.Fatalf("%d recovery codes left, want %d", len(u.TwoFactor.Recovery), accounts.RecoveryCodes-1)
	}
	if _, err := accounts.CheckCode(ctx, st, "nobody", totp.Code(secret, now), now); !errors.Is(err, accounts.ErrBadCode) {
		t.Fatalf("code of an unknown account: %v", err)
	}
}
