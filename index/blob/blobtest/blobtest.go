// Package blobtest checks that a blob.Store keeps the contract the media
// stage, the item page and retention rely on. Each store's tests call Run.
package blobtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
)

// Clock is a time the test moves by hand. It has the Now and Since methods
// of gofakes3.TimeSource, so a fake S3 server can share it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to the present, to the second.
func NewClock() *Clock { return &Clock{t: time.Now().Truncate(time.Second)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Since returns the clock's time less t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Bytes returns n pseudo-random bytes drawn from seed.
func Bytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Want returns the Info a Put of b must report (without Modified).
func Want(b []byte) blob.Info {
	s, m := sha256.Sum256(b), md5.Sum(b)
	return blob.Info{SHA256: hex.EncodeToString(s[:]), MD5: hex.EncodeToString(m[:]), Size: int64(len(b))}
}

// Keys lists the blobs in s (through Sweep, keeping them all).
func Keys(t testing.TB, s blob.Store) []string {
	t.Helper()
	var keys []string
	if _, err := s.Sweep(context.Background(), func(i blob.Info) bool { keys = append(keys, i.SHA256); return true }); err != nil {
		t.Fatalf("listing blobs: %v", err)
	}
	return keys
}

// Large is the size of the large blob Run stores: above one 5 MiB part, so
// that stores uploading in parts take that path.
const Large = 6<<20 + 123

// Run checks the contract on a fresh, empty store from open, which must
// date blobs by clock (the server's clock, for a remote store).
func Run(t *testing.T, open func(t *testing.T, clock *Clock) blob.Store) {
	ctx := context.Background()
	put := func(t *testing.T, s blob.Store, b []byte, max int64) blob.Info {
		t.Helper()
		got, err := s.Put(ctx, bytes.NewReader(b), max)
		if err != nil {
			t.Fatalf("put %d bytes: %v", len(b), err)
		}
		return got
	}
	read := func(t *testing.T, s blob.Store, key string) []byte {
		t.Helper()
		rc, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		return b
	}
	same := func(t *testing.T, what string, got, want blob.Info) {
		t.Helper()
		if got.SHA256 != want.SHA256 || got.MD5 != want.MD5 || got.Size != want.Size {
			t.Fatalf("%s: %+v, want %+v", what, got, want)
		}
	}

	for _, n := range []int{0, 1, 1000, Large} {
		t.Run(fmt.Sprintf("%d bytes stored, read back and described", n), func(t *testing.T) {
			clock := NewClock()
			s := open(t, clock)
			b := Bytes(uint64(n), n)
			want := Want(b)
			got := put(t, s, b, int64(n)+1)
			same(t, "put", got, want)
			if got.Existed {
				t.Fatal("a new blob reported as existing")
			}
			if d := got.Modified.Sub(clock.Now()); d < -time.Second || d > time.Second {
				t.Fatalf("modified %s, want the clock's %s", got.Modified, clock.Now())
			}
			if back := read(t, s, want.SHA256); !bytes.Equal(back, b) {
				t.Fatalf("read back %d bytes that differ from the %d stored", len(back), n)
			}
			st, err := s.Stat(ctx, want.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "stat", st, want)
			if !st.Modified.Equal(got.Modified) {
				t.Fatalf("stat modified %s, put said %s", st.Modified, got.Modified)
			}
		})
	}

	t.Run("a limit of exactly the size is enough", func(t *testing.T) {
		s := open(t, NewClock())
		b := Bytes(7, 4096)
		same(t, "put", put(t, s, b, 4096), Want(b))
	})

	t.Run("a stream past the limit is refused and leaves nothing", func(t *testing.T) {
		s := open(t, NewClock())
		for _, n := range []int{4097, Large} {
			b := Bytes(8, n)
			_, err := s.Put(ctx, bytes.NewReader(b), 4096)
			if !errors.Is(err, blob.ErrTooLarge) {
				t.Fatalf("put %d bytes with a limit of 4096: %v, want ErrTooLarge", n, err)
			}
			if _, err := s.Stat(ctx, Want(b).SHA256); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("stat after a refused put: %v, want ErrNotFound", err)
			}
		}
		if _, err := s.Put(ctx, bytes.NewReader(nil), 0); err == nil {
			t.Fatal("a limit of 0 was accepted")
		}
		if keys := Keys(t, s); len(keys) != 0 {
			t.Fatalf("refused puts left blobs %v", keys)
		}
	})

	t.Run("a failing stream or a cancelled context leaves nothing", func(t *testing.T) {
		s := open(t, NewClock())
		boom := errors.New("connection reset")
		r := io.MultiReader(bytes.NewReader(Bytes(9, 3000)), errReader{boom})
		if _, err := s.Put(ctx, r, 1<<20); !errors.Is(err, boom) {
			t.Fatalf("put of a failing stream: %v, want its error", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Put(cctx, bytes.NewReader(Bytes(10, 3000)), 1<<20); err == nil {
			t.Fatal("put with a cancelled context succeeded")
		}
		if keys := Keys(t, s); len(keys) != 0 {
			t.Fatalf("failed puts left blobs %v", keys)
		}
	})

	t.Run("the same bytes again are not rewritten but dated anew", func(t *testing.T) {
		clock := NewClock()
		s := open(t, clock)
		b := Bytes(11, 5000)
		first := put(t, s, b, 1<<20)
		clock.Advance(3 * time.Hour)
		again := put(t, s, b, 1<<20)
		same(t, "second put", again, Want(b))
		if !again.Existed {
			t.Fatal("second put of the same bytes did not report Existed")
		}
		if d := again.Modified.Sub(first.Modified); d < 3*time.Hour-time.Second {
			t.Fatalf("second put dated %s after the first, want 3h", d)
		}
		if keys := Keys(t, s); len(keys) != 1 || keys[0] != first.SHA256 {
			t.Fatalf("blobs %v, want just %s", keys, first.SHA256)
		}
		if back := read(t, s, first.SHA256); !bytes.Equal(back, b) {
			t.Fatal("bytes changed by the second put")
		}
	})

	t.Run("concurrent puts of the same bytes keep one blob", func(t *testing.T) {
		s := open(t, NewClock())
		b := Bytes(12, 20000)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				got, err := s.Put(ctx, bytes.NewReader(b), 1<<20)
				if err == nil && got.SHA256 != Want(b).SHA256 {
					err = fmt.Errorf("key %s", got.SHA256)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if keys := Keys(t, s); len(keys) != 1 {
			t.Fatalf("blobs %v, want one", keys)
		}
		if back := read(t, s, Want(b).SHA256); !bytes.Equal(back, b) {
			t.Fatal("bytes differ after concurrent puts")
		}
	})

	t.Run("keys that are not hex SHA-256 are refused", func(t *testing.T) {
		s := open(t, NewClock())
		put(t, s, []byte("x"), 10)
		valid := Want([]byte("x")).SHA256
		for _, k := range []string{"", "../../../etc/passwd", valid[:63], valid + "0", "AB" + valid[2:], "../" + valid[3:], valid[:62] + "/x", valid[:63] + "g", "tmp"} {
			if _, err := s.Open(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("open %q: %v, want ErrBadKey", k, err)
			}
			if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("stat %q: %v, want ErrBadKey", k, err)
			}
			if err := s.Delete(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("delete %q: %v, want ErrBadKey", k, err)
			}
		}
		if keys := Keys(t, s); len(keys) != 1 {
			t.Fatalf("blobs %v, want the one stored", keys)
		}
	})

	t.Run("missing and deleted blobs are not found; deleting twice is fine", func(t *testing.T) {
		s := open(t, NewClock())
		missing := Want([]byte("never stored")).SHA256
		if _, err := s.Open(ctx, missing); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("open missing: %v", err)
		}
		if _, err := s.Stat(ctx, missing); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("stat missing: %v", err)
		}
		if err := s.Delete(ctx, missing); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
		a, b := put(t, s, []byte("a"), 10), put(t, s, []byte("b"), 10)
		if err := s.Delete(ctx, a.SHA256); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, a.SHA256); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("open deleted: %v", err)
		}
		if err := s.Delete(ctx, a.SHA256); err != nil {
			t.Fatalf("delete again: %v", err)
		}
		if keys := Keys(t, s); len(keys) != 1 || keys[0] != b.SHA256 {
			t.Fatalf("blobs %v, want just %s", keys, b.SHA256)
		}
	})

	t.Run("sweep deletes what keep refuses", func(t *testing.T) {
		s := open(t, NewClock())
		var all []blob.Info
		for i := range 6 {
			all = append(all, put(t, s, Bytes(uint64(100+i), 100+i), 1000))
		}
		seen := map[string]blob.Info{}
		n, err := s.Sweep(ctx, func(i blob.Info) bool { seen[i.SHA256] = i; return i.Size%2 == 0 })
		if err != nil || n != 3 {
			t.Fatalf("sweep: %d deleted, %v; want 3", n, err)
		}
		for _, i := range all {
			got, ok := seen[i.SHA256]
			if !ok || got.Size != i.Size || !got.Modified.Equal(i.Modified) {
				t.Fatalf("sweep showed %+v for %+v", got, i)
			}
			_, err := s.Stat(ctx, i.SHA256)
			if kept := i.Size%2 == 0; kept != (err == nil) {
				t.Fatalf("blob of %d bytes: stat %v after sweep", i.Size, err)
			}
		}
	})

	t.Run("retention deletes blobs not stored since the cutoff", func(t *testing.T) {
		clock := NewClock()
		s := open(t, clock)
		old := put(t, s, []byte("old"), 10)
		reposted := put(t, s, []byte("reposted"), 10)
		clock.Advance(40 * 24 * time.Hour)
		put(t, s, []byte("reposted"), 10)
		recent := put(t, s, []byte("recent"), 10)
		n, err := blob.DeleteOlderThan(ctx, s, clock.Now().Add(-30*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("delete older than 30 days: %d, %v; want 1", n, err)
		}
		if _, err := s.Stat(ctx, old.SHA256); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("old blob: %v, want ErrNotFound", err)
		}
		for _, k := range []string{reposted.SHA256, recent.SHA256} {
			if _, err := s.Stat(ctx, k); err != nil {
				t.Fatalf("blob %s: %v, want kept", k, err)
			}
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
