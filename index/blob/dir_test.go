package blob_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/blob/blobtest"
)

func openDir(t *testing.T, clock *blobtest.Clock) *blob.Dir {
	t.Helper()
	d, err := blob.OpenDir(filepath.Join(t.TempDir(), blob.DirName))
	if err != nil {
		t.Fatal(err)
	}
	return d.WithClock(clock.Now)
}

func TestDirConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T, clock *blobtest.Clock) blob.Store { return openDir(t, clock) })
}

func TestDirLayoutAndPermissions(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data", blob.DirName)
	d, err := blob.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("\x89PNG\r\n\x1a\n not really")
	info, err := d.Put(context.Background(), bytes.NewReader(b), 100)
	if err != nil {
		t.Fatal(err)
	}
	k := info.SHA256
	want := filepath.Join(root, k[:2], k[2:4], k)
	if d.Path(k) != want {
		t.Fatalf("path %s, want %s", d.Path(k), want)
	}
	got, err := os.ReadFile(want)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("file %s: %q, %v", want, got, err)
	}
	for p, mode := range map[string]os.FileMode{
		root: 0o700 | os.ModeDir, filepath.Join(root, k[:2]): 0o700 | os.ModeDir, filepath.Dir(want): 0o700 | os.ModeDir,
		filepath.Join(root, "tmp"): 0o700 | os.ModeDir, want: 0o600, want + ".md5": 0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %s, want %s", p, fi.Mode(), mode)
		}
	}
	if es, _ := os.ReadDir(filepath.Join(root, "tmp")); len(es) != 0 {
		t.Fatalf("temporary files left after a put: %v", es)
	}
}

func TestDirRecomputesMissingMD5(t *testing.T) {
	d := openDir(t, blobtest.NewClock())
	b := blobtest.Bytes(1, 3000)
	info, err := d.Put(context.Background(), bytes.NewReader(b), 5000)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(d.Path(info.SHA256) + ".md5"); err != nil {
		t.Fatal(err)
	}
	st, err := d.Stat(context.Background(), info.SHA256)
	if err != nil || st.MD5 != blobtest.Want(b).MD5 {
		t.Fatalf("stat without the MD5 file: %+v, %v", st, err)
	}
	if _, err := os.Stat(d.Path(info.SHA256) + ".md5"); err != nil {
		t.Fatalf("MD5 file not written again: %v", err)
	}
}

func TestDirSweepRemovesStaleTemporaryFiles(t *testing.T) {
	clock := blobtest.NewClock()
	root := filepath.Join(t.TempDir(), blob.DirName)
	d, err := blob.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	d.WithClock(clock.Now)
	stale, fresh := filepath.Join(root, "tmp", "put-1"), filepath.Join(root, "tmp", "put-2")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := clock.Now().Add(-blob.StaleTemp - time.Minute)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	// An MD5 file without its blob (a put that failed after writing it).
	k := blobtest.Want([]byte("gone")).SHA256
	orphan := d.Path(k) + ".md5"
	os.MkdirAll(filepath.Dir(orphan), 0o700)
	if err := os.WriteFile(orphan, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Sweep(context.Background(), func(blob.Info) bool { return true }); err != nil || n != 0 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	for p, want := range map[string]bool{stale: false, fresh: true, orphan: false} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: present %v after sweep, want %v", p, err == nil, want)
		}
	}
}
