package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "0.1.2.3": false, "::1": false, "fc00::1": false, "fe80::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false, "8.8.8.8": true, "1.1.1.1": true, "2001:4860:4860::8888": true,
	} {
		if got := PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestGuardedClientRefusesInternalAddresses: a local server (as an internal
// service would be) is refused, directly and through a redirect, and is
// reached only when internal addresses are allowed.
func TestGuardedClientRefusesInternalAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	defer srv.Close()
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x", nil)
	if _, err := GuardedClient(5*time.Second, false).Do(req); !errors.Is(err, ErrInternalAddress) {
		t.Fatalf("request to %s: %v, want ErrInternalAddress", srv.URL, err)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://localhost:"+srv.URL[len("http://127.0.0.1:"):]+"/x", nil)
	if _, err := GuardedClient(5*time.Second, false).Do(req); !errors.Is(err, ErrInternalAddress) {
		t.Fatalf("request to localhost: %v, want ErrInternalAddress", err)
	}
	resp, err := GuardedClient(5*time.Second, true).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("allowed request: %d", resp.StatusCode)
	}
}

// TestClientRefusesInternal checks that a Client dials only public
// addresses unless Options.AllowInternal is set, and does not retry a
// refused address.
func TestClientRefusesInternal(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	o := Options{BaseDelay: time.Second, Timeout: 2 * time.Second}
	start := time.Now()
	_, err := New(o).Get(context.Background(), srv.URL, GetOptions{})
	if !errors.Is(err, ErrInternalAddress) || !strings.Contains(err.Error(), "internal address") {
		t.Fatalf("Get %s: %v, want ErrInternalAddress", srv.URL, err)
	}
	if calls != 0 || time.Since(start) > time.Second {
		t.Fatalf("%d requests reached the server, %s spent: want none and no retry", calls, time.Since(start))
	}
	o.AllowInternal = true
	if _, err := New(o).Get(context.Background(), srv.URL, GetOptions{}); err != nil || calls != 1 {
		t.Fatalf("with AllowInternal: %v, %d requests", err, calls)
	}
}
