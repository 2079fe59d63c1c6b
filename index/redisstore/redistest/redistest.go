// Package redistest starts a real redis-server for tests on a free loopback
// port, in a temporary folder, and stops it when the test ends.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Start runs redis-server with an append-only file, as Rasd expects in
// production, and returns its address (host:port). Without a redis-server
// binary the test is skipped, unless RASD_TEST_REQUIRE_SERVERS is set (as
// `make test` does), when it fails.
func Start(t testing.TB) string {
	t.Helper()
	return start(t, "yes")
}

// StartVolatile is Start for a redis-server that keeps nothing on disk.
func StartVolatile(t testing.TB) string {
	t.Helper()
	return start(t, "no")
}

func start(t testing.TB, appendonly string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("redis-server not found (install it with scripts/setup-debian.sh redis-server): %v", err)
		}
		t.Skip("redis-server not found; `make test` installs it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", appendonly, "--dir", dir, "--protected-mode", "yes")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(15 * time.Second):
		t.Fatal("redis-server did not start within 15s")
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}
