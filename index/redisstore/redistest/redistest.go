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
	"sync"
	"testing"
	"time"
)

// Start runs redis-server with an append-only file, as Rasd expects in
// production, and returns its address (host:port). Without a redis-server
// binary the test is skipped, unless RASD_TEST_REQUIRE_SERVERS is set (as
// `make test` does), when it fails.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).Addr
}

// StartVolatile is Start for a redis-server that keeps nothing on disk.
func StartVolatile(t testing.TB) string {
	t.Helper()
	s := &Server{appendonly: "no"}
	s.init(t)
	return s.Addr
}

// Server is a redis-server with an append-only file that a test can kill
// and start again, on the same port and data folder.
type Server struct {
	// Addr is the server's address (host:port); it stays the same across
	// Kill and Restart.
	Addr string

	appendonly, bin, dir string
	port                 int
	mu                   sync.Mutex
	cmd                  *exec.Cmd
}

// StartServer is Start returning the server, for tests that kill it.
func StartServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{appendonly: "yes"}
	s.init(t)
	return s
}

func (s *Server) init(t testing.TB) {
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
	s.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s.bin, s.dir = bin, t.TempDir()
	s.Addr = fmt.Sprintf("127.0.0.1:%d", s.port)
	t.Cleanup(s.Kill)
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
}

// run starts redis-server and waits until it accepts connections.
func (s *Server) run() error {
	// With the append-only file, every write is on disk before its reply
	// (appendfsync always), as a deployment that must lose nothing runs
	// it: with the default (everysec) a killed server may lose the last
	// second of writes it acknowledged, which is Redis's loss, not Rasd's.
	cmd := exec.Command(s.bin, "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", s.appendonly, "--appendfsync", "always", "--dir", s.dir, "--protected-mode", "yes")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
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
		return nil
	case <-time.After(15 * time.Second):
		return fmt.Errorf("redis-server on port %d did not start within 15s", s.port)
	}
}

// Kill stops the server with SIGKILL (no shutdown, no last write) and waits
// until it has exited. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait()
}

// Restart starts a killed server again on the same port and data folder;
// with an append-only file it loads what it had written before.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	// The port may linger for a moment after the kill.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ln, err := net.Listen("tcp", s.Addr)
		if err == nil {
			ln.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("port of redis-server still taken: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
}
