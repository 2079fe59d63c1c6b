//go:build unix

package pipeline

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
)

// TestEmbeddedStoreRefusingWritesLosesNothing makes the file system refuse
// every write to the embedded store's file for faultOutage while posts flow.
//
// Making the folder or the file read-only would not do it: bbolt writes
// through a descriptor opened before, which keeps its write access, and
// root (as in many containers) ignores file modes altogether. Instead the
// test lowers the process's file size limit (RLIMIT_FSIZE) to zero, which
// any user may do: the kernel then refuses every write to a regular file
// with EFBIG, as a full disk refuses them with ENOSPC, whoever the user.
// Go ignores the SIGXFSZ that comes with it. The limit holds for the whole
// test process, so the test runs in a child process (this test binary
// again, without the go command's test log file), with the index in
// memory: the store file is the only file written.
func TestEmbeddedStoreRefusingWritesLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test runs 20,000 posts through a store outage")
	}
	if os.Getenv("RASD_FAULT_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
		cmd.Env = append(os.Environ(), "RASD_FAULT_CHILD=1")
		out, err := cmd.CombinedOutput()
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.Contains(l, "fault_unix_test.go") {
				t.Log(strings.TrimSpace(l))
			}
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
			t.Fatalf("the test in a child process failed (%v):\n%s", err, out)
		}
		return
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := index.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
			t.Fatalf("restoring the file size limit: %v", err)
		}
	}
	defer restore()
	conn := &pacedConnector{n: faultPosts, size: 200, pace: 25 * time.Millisecond}
	// No back-pressure: the embedded store still answers the work queue's
	// depth while it refuses writes, so a source held back by a full queue
	// (as on a slow machine, where the backlog passes 4,000 before the
	// outage) would wait through it and never meet the refusal.
	p, err := New(Config{Store: st, Index: ix, Scorer: &slowScorer{pause: 100 * time.Millisecond}, Router: flagRouter{}, Batch: 256, Workers: 2, MaxPending: faultPosts,
		Sources: []Source{{Name: "s", Connector: conn, Once: true}}})
	if err != nil {
		t.Fatal(err)
	}
	said := faultRun(t, p, st, conn, func(during func()) {
		full := limit
		full.Cur = 0
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
			t.Fatalf("lowering the file size limit: %v", err)
		}
		for end := time.Now().Add(faultOutage); time.Now().Before(end); {
			during()
			time.Sleep(50 * time.Millisecond)
		}
		restore()
	})
	wantNamed(t, said, "file too large")
	checkOnce(t, st)
	if n, _ := ix.Count(); n != faultPosts-faultPosts/copyEvery {
		t.Errorf("indexed %d, want %d", n, faultPosts-faultPosts/copyEvery)
	}
}
