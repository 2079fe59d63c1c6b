package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrInternalAddress is returned for a connection to an address that is not
// on the public internet: loopback, private, link-local, carrier-grade NAT,
// multicast or unspecified. Outbound fetches of content never go there
// unless a source is configured to.
var ErrInternalAddress = errors.New("refused: internal address, not on the public internet")

// cgnat is the carrier-grade NAT range (RFC 6598), private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicAddress reports whether ip is on the public internet.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() && !ip.IsLinkLocalMulticast() &&
		!ip.IsInterfaceLocalMulticast() && !ip.IsMulticast() && !ip.IsUnspecified() && !cgnat.Contains(ip) &&
		!(ip.Is4() && ip.As4()[0] == 0)
}

// GuardedDialer returns a dialer that refuses every address PublicAddress
// does not accept, checked on the address actually dialled (after DNS, so
// a name that resolves to an internal address is refused too, and on every
// redirect). With allowInternal it dials anything.
func GuardedDialer(timeout time.Duration, allowInternal bool) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if allowInternal {
		return d
	}
	d.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dialing %s: %w", address, ErrInternalAddress)
		}
		if !PublicAddress(ap.Addr()) {
			return ErrInternalAddress
		}
		return nil
	}
	return d
}

// GuardedClient returns an HTTP client whose connections go only to public
// addresses (see GuardedDialer), that follows at most five redirects, and
// that gives up after timeout.
func GuardedClient(timeout time.Duration, allowInternal bool) *http.Client {
	d := GuardedDialer(timeout, allowInternal)
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}}
}
