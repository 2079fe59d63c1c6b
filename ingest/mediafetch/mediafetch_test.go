package mediafetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/blob/blobtest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

func openStore(t *testing.T) *blob.Dir {
	t.Helper()
	d, err := blob.OpenDir(filepath.Join(t.TempDir(), blob.DirName))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newFetcher(t *testing.T, s Store, cfg Config) *Fetcher {
	t.Helper()
	f, err := New(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// local is a config for fetching from the test's loopback servers.
func local() Config { return Config{AllowInternal: true, HostBurst: 1000} }

// media returns n bytes that start with the signature of typ.
func media(typ string, n int) []byte {
	sig := map[string]string{
		"image/png":  "\x89PNG\r\n\x1a\n",
		"image/jpeg": "\xff\xd8\xff\xe0\x00\x10JFIF\x00",
		"video/mp4":  "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
		"text/html":  "<!DOCTYPE html><html><body>",
	}[typ]
	b := blobtest.Bytes(uint64(n), n)
	copy(b, sig)
	return b
}

type serve struct {
	body        []byte
	contentType string // "-" sends none
	noLength    bool   // stream without Content-Length
}

func server(t *testing.T, s serve) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.write(w) }))
	t.Cleanup(srv.Close)
	return srv
}

func (s serve) write(w http.ResponseWriter) {
	if s.contentType == "-" {
		w.Header()["Content-Type"] = nil
	} else {
		w.Header().Set("Content-Type", s.contentType)
	}
	if s.noLength {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush() // headers go out before the length is known
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(len(s.body)))
	}
	w.Write(s.body)
}

func stored(t *testing.T, s blob.Store) []string {
	t.Helper()
	return blobtest.Keys(t, s)
}

func TestFetchStoresMedia(t *testing.T) {
	for _, tc := range []struct {
		name, stated, want string
		body               []byte
	}{
		{"png as stated", "image/png", "image/png", media("image/png", 5000)},
		{"jpeg served as octet-stream", "application/octet-stream", "image/jpeg", media("image/jpeg", 70000)},
		{"jpeg with no Content-Type", "-", "image/jpeg", media("image/jpeg", 300)},
		{"jpeg stated as png", "image/png", "image/jpeg", media("image/jpeg", 300)},
		{"mp4 video", "video/mp4", "video/mp4", media("video/mp4", 200000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			srv := server(t, serve{body: tc.body, contentType: tc.stated})
			res, err := newFetcher(t, store, local()).Fetch(context.Background(), srv.URL+"/m.bin?token=abc")
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.body)
			if res.SHA256 != hex.EncodeToString(sum[:]) || res.Size != int64(len(tc.body)) || res.Type != tc.want {
				t.Fatalf("result %+v, want sha256 %x, %d bytes, %s", res, sum, len(tc.body), tc.want)
			}
			if !strings.HasPrefix(res.URL, srv.URL+"/m.bin?") || strings.Contains(res.URL, "abc") {
				t.Fatalf("result URL %q: want the URL with its token redacted", res.URL)
			}
			rc, err := store.Open(context.Background(), res.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if got, _ := io.ReadAll(rc); !bytes.Equal(got, tc.body) {
				t.Fatalf("stored %d bytes that differ from the %d served", len(got), len(tc.body))
			}
		})
	}
}

func TestFetchRefusesTooLarge(t *testing.T) {
	cfg := local()
	cfg.MaxImageBytes, cfg.MaxVideoBytes = 10000, 50000
	for _, tc := range []struct {
		name     string
		s        serve
		wantErr  error
		wantSize int64
	}{
		{"image over its cap, with Content-Length", serve{body: media("image/png", 10001), contentType: "image/png"}, ErrTooLarge, 0},
		{"image over its cap, streamed", serve{body: media("image/png", 10001), contentType: "image/png", noLength: true}, ErrTooLarge, 0},
		{"image far over, streamed", serve{body: media("image/jpeg", 3<<20), contentType: "-", noLength: true}, ErrTooLarge, 0},
		{"image at its cap, streamed", serve{body: media("image/png", 10000), contentType: "image/png", noLength: true}, nil, 10000},
		{"video within its own, larger cap", serve{body: media("video/mp4", 40000), contentType: "video/mp4", noLength: true}, nil, 40000},
		{"video over its cap", serve{body: media("video/mp4", 50001), contentType: "video/mp4"}, ErrTooLarge, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			srv := server(t, tc.s)
			res, err := newFetcher(t, store, cfg).Fetch(context.Background(), srv.URL)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("fetch: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if Reason(err) != "too_large" {
					t.Fatalf("reason %q for %v", Reason(err), err)
				}
				if keys := stored(t, store); len(keys) != 0 {
					t.Fatalf("a refused fetch stored %v", keys)
				}
				return
			}
			if res.Size != tc.wantSize {
				t.Fatalf("stored %d bytes, want %d", res.Size, tc.wantSize)
			}
		})
	}
}

func TestFetchRefusesType(t *testing.T) {
	png := media("image/png", 2000)
	for _, tc := range []struct {
		name string
		s    serve
	}{
		{"a web page stated as an image", serve{body: media("text/html", 2000), contentType: "image/jpeg"}},
		{"a web page with no Content-Type", serve{body: []byte("<html><head><title>login</title></head></html>"), contentType: "-"}},
		{"image bytes stated as a web page", serve{body: png, contentType: "text/html; charset=utf-8"}},
		{"plain text as octet-stream", serve{body: []byte("just some words, not a picture"), contentType: "application/octet-stream"}},
		{"svg (it can carry script)", serve{body: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), contentType: "image/svg+xml"}},
		{"unknown bytes stated as an image", serve{body: blobtest.Bytes(3, 4000), contentType: "image/jpeg"}},
		{"an empty body", serve{body: nil, contentType: "image/png"}},
		{"a pdf", serve{body: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), contentType: "application/pdf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			srv := server(t, tc.s)
			_, err := newFetcher(t, store, local()).Fetch(context.Background(), srv.URL)
			if !errors.Is(err, ErrRefusedType) || Reason(err) != "refused_type" {
				t.Fatalf("fetch: %v (reason %q), want ErrRefusedType", err, Reason(err))
			}
			if keys := stored(t, store); len(keys) != 0 {
				t.Fatalf("a refused fetch stored %v", keys)
			}
		})
	}
	t.Run("a type allowed by configuration", func(t *testing.T) {
		cfg := local()
		cfg.AllowedTypes = []string{"image/*", "application/pdf"}
		srv := server(t, serve{body: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), contentType: "application/pdf"})
		res, err := newFetcher(t, openStore(t), cfg).Fetch(context.Background(), srv.URL)
		if err != nil || res.Type != "application/pdf" {
			t.Fatalf("fetch: %+v, %v", res, err)
		}
	})
}

func TestFetchStatus(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := newFetcher(t, openStore(t), local()).Fetch(context.Background(), srv.URL+"/gone.jpg")
	var status *httpx.StatusError
	if !errors.As(err, &status) || status.Code != http.StatusNotFound || Reason(err) != "http_status" {
		t.Fatalf("fetch of a missing file: %v (reason %q), want HTTP 404", err, Reason(err))
	}
}

func TestFetchRefusesBadURLs(t *testing.T) {
	f := newFetcher(t, openStore(t), local())
	for _, u := range []string{"", "/relative.jpg", "file:///etc/passwd", "ftp://example.com/a.jpg", "javascript:alert(1)", "http://user:pass@example.com/a.jpg", "http:///a.jpg", "http://exa mple.com/"} {
		if _, err := f.Fetch(context.Background(), u); !errors.Is(err, ErrBadURL) || Reason(err) != "bad_url" {
			t.Errorf("fetch %q: %v, want ErrBadURL", u, err)
		}
	}
}

// publicFor is a dialer that treats the listed loopback addresses as public
// and passes every other address to the guard, as if the servers at those
// addresses were on the internet.
type publicFor struct {
	addrs map[string]bool
	guard *net.Dialer
}

func (p publicFor) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if p.addrs[addr] {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return p.guard.DialContext(ctx, network, addr)
}

func TestFetchRefusesInternalAddresses(t *testing.T) {
	png := media("image/png", 1000)
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		serve{body: png, contentType: "image/png"}.write(w)
	}))
	defer internal.Close()

	cfg := Config{HostBurst: 1000} // AllowInternal off
	f := newFetcher(t, openStore(t), cfg)
	for _, u := range []string{internal.URL + "/a.png", strings.Replace(internal.URL, "127.0.0.1", "localhost", 1) + "/a.png"} {
		if _, err := f.Fetch(context.Background(), u); !errors.Is(err, ErrInternalAddress) || Reason(err) != "internal_address" {
			t.Fatalf("fetch %s: %v, want ErrInternalAddress", u, err)
		}
	}

	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-internal":
			http.Redirect(w, r, internal.URL+"/a.png", http.StatusFound)
		case "/to-self":
			http.Redirect(w, r, "/a.png", http.StatusFound)
		default:
			serve{body: png, contentType: "image/png"}.write(w)
		}
	}))
	defer public.Close()
	f = newFetcher(t, openStore(t), cfg)
	f.client = f.newClient(publicFor{addrs: map[string]bool{strings.TrimPrefix(public.URL, "http://"): true}, guard: httpx.GuardedDialer(time.Second, false)})
	if _, err := f.Fetch(context.Background(), public.URL+"/to-self"); err != nil {
		t.Fatalf("redirect within the public server: %v", err)
	}
	if _, err := f.Fetch(context.Background(), public.URL+"/to-internal"); !errors.Is(err, ErrInternalAddress) {
		t.Fatalf("redirect to %s: %v, want ErrInternalAddress", internal.URL, err)
	}
	if n := internalHits.Load(); n != 0 {
		t.Fatalf("the internal server was reached %d times", n)
	}

	res, err := newFetcher(t, openStore(t), local()).Fetch(context.Background(), internal.URL+"/a.png")
	if err != nil || res.Size != int64(len(png)) {
		t.Fatalf("fetch with AllowInternal: %+v, %v", res, err)
	}
}

func TestFetchRedirects(t *testing.T) {
	png := media("image/png", 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /hop/N redirects N more times, then serves the image.
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/")); err == nil && n > 0 {
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
			return
		}
		if r.URL.Path == "/ftp" {
			http.Redirect(w, r, "ftp://example.com/a.png", http.StatusFound)
			return
		}
		serve{body: png, contentType: "image/png"}.write(w)
	}))
	defer srv.Close()
	f := newFetcher(t, openStore(t), local()) // MaxRedirects 3
	res, err := f.Fetch(context.Background(), srv.URL+"/hop/3")
	if err != nil || res.URL != srv.URL+"/hop/0" {
		t.Fatalf("three redirects: %+v, %v", res, err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/hop/4"); !errors.Is(err, ErrTooManyRedirects) || Reason(err) != "redirects" {
		t.Fatalf("four redirects: %v, want ErrTooManyRedirects", err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/ftp"); !errors.Is(err, ErrBadURL) {
		t.Fatalf("redirect to ftp: %v, want ErrBadURL", err)
	}
}

// fakeClock records the waits asked of it. With advance, a wait moves
// the clock on by its length, as if the time had passed; without, the
// clock stands still, as when many requests wait at once.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	advance bool
	waits   []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	if c.advance {
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) taken() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waits
	c.waits = nil
	return w
}

func TestHostLimiterSpacesReservations(t *testing.T) {
	c := &fakeClock{now: time.Unix(1e9, 0)}
	l := newHostLimiter(c, time.Second, 3)
	for range 6 {
		if err := l.Wait(context.Background(), "cdn.example"); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Wait(context.Background(), "other.example"); err != nil {
		t.Fatal(err)
	}
	// Three at once (the burst), then one a second, in the order asked;
	// another host does not wait.
	if got, want := fmt.Sprint(c.taken()), "[1s 2s 3s]"; got != want {
		t.Fatalf("waits %s, want %s", got, want)
	}
	c.Advance(10 * time.Second)
	l.Wait(context.Background(), "cdn.example")
	l.Wait(context.Background(), "cdn.example")
	if got := c.taken(); len(got) != 0 {
		t.Fatalf("after a quiet spell the burst is back, yet waits %v", got)
	}
	// A wait given up frees its token.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.Wait(context.Background(), "cdn.example")
	if err := l.Wait(ctx, "cdn.example"); err == nil {
		t.Fatal("a cancelled wait succeeded")
	}
	l.Wait(context.Background(), "cdn.example")
	if got, want := fmt.Sprint(c.taken()), "[1s 1s]"; got != want {
		t.Fatalf("waits %s, want %s (the cancelled reservation released)", got, want)
	}
}

func TestFetchHonoursHostRate(t *testing.T) {
	png := media("image/png", 500)
	var order []string
	var mu sync.Mutex
	handler := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			order = append(order, name+r.URL.Path)
			mu.Unlock()
			if r.URL.Path == "/moved" {
				http.Redirect(w, r, "/a.png", http.StatusFound)
				return
			}
			serve{body: png, contentType: "image/png"}.write(w)
		})
	}
	a, b := httptest.NewServer(handler("a")), httptest.NewServer(handler("b"))
	defer a.Close()
	defer b.Close()
	clock := &fakeClock{now: time.Unix(1e9, 0), advance: true}
	cfg := local()
	cfg.HostInterval, cfg.HostBurst = 2*time.Second, 1
	f := newFetcher(t, openStore(t), cfg)
	f.hosts = newHostLimiter(clock, cfg.HostInterval, cfg.HostBurst)
	f.client = f.newClient(&net.Dialer{})
	fetch := func(u string) {
		t.Helper()
		if _, err := f.Fetch(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	fetch(a.URL + "/a.png")
	fetch(a.URL + "/a.png")
	fetch(b.URL + "/a.png")
	fetch(a.URL + "/moved") // two requests to a: the redirect counts
	if got, want := fmt.Sprint(clock.taken()), "[2s 2s 2s]"; got != want {
		t.Fatalf("waits %s, want %s: every request to a after the first waits its turn, b does not", got, want)
	}
	if got, want := fmt.Sprint(order), "[a/a.png a/a.png b/a.png a/moved a/a.png]"; got != want {
		t.Fatalf("requests %s, want %s", got, want)
	}
}

func TestFetchConcurrencyLimit(t *testing.T) {
	png := media("image/png", 500)
	var inFlight, most atomic.Int32
	arrived, release := make(chan struct{}, 16), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		arrived <- struct{}{}
		<-release
		inFlight.Add(-1)
		serve{body: png, contentType: "image/png"}.write(w)
	}))
	defer srv.Close()
	cfg := local()
	cfg.Concurrency = 2
	f := newFetcher(t, openStore(t), cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), fmt.Sprintf("%s/%d.png", srv.URL, i))
			errs <- err
		})
	}
	<-arrived
	<-arrived
	// Were the cap not kept, the other four would arrive now.
	select {
	case <-arrived:
		t.Error("a third fetch reached the server while two were running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := most.Load(); m != 2 {
		t.Fatalf("at most %d fetches at once, want 2", m)
	}
}

func TestFetchTimeoutAndBrokenDownloads(t *testing.T) {
	png := media("image/png", 4000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(len(png)))
		w.Write(png[:1000])
		w.(http.Flusher).Flush()
		if r.URL.Path == "/stall" {
			<-r.Context().Done()
			return
		}
		// Cut the connection short of the stated length.
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	cfg := local()
	cfg.Timeout = 300 * time.Millisecond
	store := openStore(t)
	f := newFetcher(t, store, cfg)
	if _, err := f.Fetch(context.Background(), srv.URL+"/stall"); Reason(err) != "timeout" {
		t.Fatalf("stalled download: %v (reason %q), want a timeout", err, Reason(err))
	}
	f = newFetcher(t, store, local()) // no short timeout: a slow host must not turn the cut into one
	if _, err := f.Fetch(context.Background(), srv.URL+"/cut"); err == nil || Reason(err) != "network" {
		t.Fatalf("cut download: %v (reason %q), want a network error", err, Reason(err))
	}
	if keys := stored(t, store); len(keys) != 0 {
		t.Fatalf("broken downloads stored %v", keys)
	}
}

type failingStore struct{}

func (failingStore) Put(context.Context, io.Reader, int64) (blob.Info, error) {
	return blob.Info{}, errors.New("disk full")
}

func TestFetchStoreFailure(t *testing.T) {
	srv := server(t, serve{body: media("image/png", 100), contentType: "image/png"})
	_, err := newFetcher(t, failingStore{}, local()).Fetch(context.Background(), srv.URL)
	if !errors.Is(err, ErrStore) || Reason(err) != "store" || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("fetch into a failing store: %v (reason %q)", err, Reason(err))
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []Config{
		{MaxImageBytes: -1}, {Timeout: -time.Second}, {Concurrency: -1},
		{AllowedTypes: []string{}}, {AllowedTypes: []string{"image"}}, {AllowedTypes: []string{"*/*"}}, {AllowedTypes: []string{"image/*, video/*"}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
		if _, err := New(openStore(t), c); err == nil {
			t.Errorf("New with %+v accepted", c)
		}
	}
}
