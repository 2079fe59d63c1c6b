// Package mediafetch downloads the media a post links (ingest.Media URLs)
// into a blob store, within limits: a size cap per kind of media, allowed
// media types checked against the bytes themselves, timeouts, a request
// rate per host, a cap on fetches at once, few redirects, and no
// connection to an address that is not on the public internet.
package mediafetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Store keeps fetched bytes by content; blob.Dir and blob.S3 are ones.
type Store interface {
	// Put stores r's bytes, at most maxBytes of them (more is an error
	// wrapping blob.ErrTooLarge, leaving nothing stored).
	Put(ctx context.Context, r io.Reader, maxBytes int64) (blob.Info, error)
}

// Config limits what a Fetcher downloads. Zero fields take the defaults.
type Config struct {
	// MaxImageBytes caps an image (default 20 MiB).
	MaxImageBytes int64
	// MaxVideoBytes caps a video (default 100 MiB).
	MaxVideoBytes int64
	// MaxOtherBytes caps media of any other allowed type, e.g. audio
	// (default 20 MiB).
	MaxOtherBytes int64
	// AllowedTypes lists the media types fetched, exact ("image/png") or a
	// whole top-level type ("image/*"); default image/* and video/*. The
	// type is the one the bytes show (see Sniff); a stated Content-Type
	// must be allowed too, or say nothing (application/octet-stream).
	AllowedTypes []string
	// Timeout bounds one fetch, reading and storing the body included
	// (default 2 minutes).
	Timeout time.Duration
	// ConnectTimeout bounds connecting and waiting for the response
	// headers (default 15 seconds).
	ConnectTimeout time.Duration
	// HostInterval is the time between requests to one host once its
	// burst is spent (default 500ms); redirects count as requests.
	HostInterval time.Duration
	// HostBurst is how many requests to one host may go out at once
	// (default 4).
	HostBurst int
	// Concurrency is how many fetches run at once over all hosts
	// (default 4); more wait their turn. A fetch waiting for its host's
	// turn holds its place.
	Concurrency int
	// MaxRedirects is how many redirects one fetch follows (default 3;
	// zero takes the default).
	MaxRedirects int
	// AllowInternal also fetches from loopback, private and link-local
	// addresses (the engine's --allow-internal; refused by default).
	AllowInternal bool
	// UserAgent is sent with every request (default httpx.DefaultUserAgent).
	UserAgent string
}

// Defaults.
const (
	DefaultMaxImageBytes  = 20 << 20
	DefaultMaxVideoBytes  = 100 << 20
	DefaultMaxOtherBytes  = 20 << 20
	DefaultTimeout        = 2 * time.Minute
	DefaultConnectTimeout = 15 * time.Second
	DefaultHostInterval   = 500 * time.Millisecond
	DefaultHostBurst      = 4
	DefaultConcurrency    = 4
	DefaultMaxRedirects   = 3
)

// DefaultAllowedTypes are the media types fetched unless configured.
var DefaultAllowedTypes = []string{"image/*", "video/*"}

func (c Config) withDefaults() Config {
	def := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxImageBytes, DefaultMaxImageBytes)
	def(&c.MaxVideoBytes, DefaultMaxVideoBytes)
	def(&c.MaxOtherBytes, DefaultMaxOtherBytes)
	if c.AllowedTypes == nil {
		c.AllowedTypes = DefaultAllowedTypes
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.HostInterval == 0 {
		c.HostInterval = DefaultHostInterval
	}
	if c.HostBurst == 0 {
		c.HostBurst = DefaultHostBurst
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.UserAgent == "" {
		c.UserAgent = httpx.DefaultUserAgent
	}
	return c
}

// Validate reports the first thing wrong with c (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MaxImageBytes < 0 || c.MaxVideoBytes < 0 || c.MaxOtherBytes < 0:
		return errors.New("media fetch: size caps must not be negative")
	case c.Timeout < 0 || c.ConnectTimeout < 0 || c.HostInterval < 0:
		return errors.New("media fetch: durations must not be negative")
	case c.HostBurst < 0 || c.Concurrency < 0 || c.MaxRedirects < 0:
		return errors.New("media fetch: burst, concurrency and redirects must not be negative")
	case len(c.AllowedTypes) == 0:
		return errors.New("media fetch: no allowed media types")
	}
	for _, t := range c.AllowedTypes {
		major, minor, ok := strings.Cut(t, "/")
		if !ok || major == "" || minor == "" || major == "*" || strings.ContainsAny(t, " ;,") {
			return fmt.Errorf("media fetch: allowed type %q: want type/subtype or type/*", t)
		}
	}
	return nil
}

// Errors a fetch can end with, besides *httpx.StatusError for a response
// other than 200 OK. Reason names each for metrics.
var (
	// ErrBadURL is returned for a URL that is not absolute http or https,
	// or a redirect to one.
	ErrBadURL = errors.New("not an http or https URL")
	// ErrTooLarge is returned for media larger than its cap, refused from
	// Content-Length when the server states it, else once the cap is read.
	ErrTooLarge = errors.New("media larger than allowed")
	// ErrRefusedType is returned for media whose bytes or stated
	// Content-Type are not an allowed type (a web page posing as an image).
	ErrRefusedType = errors.New("media type refused")
	// ErrInternalAddress is returned for a URL, or a redirect, that leads
	// to an address not on the public internet (httpx.ErrInternalAddress).
	ErrInternalAddress = httpx.ErrInternalAddress
	// ErrTooManyRedirects is returned past Config.MaxRedirects
	// (httpx.ErrTooManyRedirects).
	ErrTooManyRedirects = httpx.ErrTooManyRedirects
	// ErrStore is returned when the fetched bytes could not be stored.
	ErrStore = errors.New("storing media")
)

// Reason names what ended a fetch, for metrics and the item page: "" for
// nil, then "bad_url", "internal_address", "redirects", "http_status",
// "too_large", "refused_type", "timeout", "store", "canceled" or
// "network".
func Reason(err error) string {
	var status *httpx.StatusError
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrBadURL):
		return "bad_url"
	case errors.Is(err, ErrInternalAddress):
		return "internal_address"
	case errors.Is(err, ErrTooManyRedirects):
		return "redirects"
	case errors.As(err, &status):
		return "http_status"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrRefusedType):
		return "refused_type"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, ErrStore):
		return "store"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "network"
}

// Result is what a fetch stored.
type Result struct {
	// Info describes the stored blob (its SHA-256 is the key).
	blob.Info
	// Type is the media type the bytes show, e.g. "image/jpeg".
	Type string
	// URL is where the bytes came from after redirects, credentials
	// redacted.
	URL string
}

// Fetcher downloads media into a Store. It is safe for concurrent use.
type Fetcher struct {
	cfg    Config
	store  Store
	client *http.Client
	hosts  *hostLimiter
	slots  chan struct{}
	accept string
}

// New returns a Fetcher that stores into store, limited by cfg.
func New(store Store, cfg Config) (*Fetcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	f := &Fetcher{
		cfg:    cfg,
		store:  store,
		hosts:  newHostLimiter(realClock{}, cfg.HostInterval, cfg.HostBurst),
		slots:  make(chan struct{}, cfg.Concurrency),
		accept: strings.Join(cfg.AllowedTypes, ", "),
	}
	f.client = f.newClient(httpx.GuardedDialer(cfg.ConnectTimeout, cfg.AllowInternal))
	return f, nil
}

// dialer is what the transport dials with (httpx.GuardedDialer's type, or
// a test's wrapper around it).
type dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

func (f *Fetcher) newClient(d dialer) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the address guard
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   f.cfg.ConnectTimeout,
		ResponseHeaderTimeout: f.cfg.ConnectTimeout,
		DisableCompression:    true, // media is compressed already; no inflating past the caps
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport: &limitedTransport{next: tr, hosts: f.hosts},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > f.cfg.MaxRedirects {
				return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, f.cfg.MaxRedirects)
			}
			if err := checkURL(req.URL); err != nil {
				return fmt.Errorf("redirect to %s: %w", httpx.RedactURL(req.URL.String()), err)
			}
			return nil
		},
	}
}

// limitedTransport waits for the host's turn before every request, the
// redirects of a fetch included.
type limitedTransport struct {
	next  http.RoundTripper
	hosts *hostLimiter
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.hosts.Wait(req.Context(), strings.ToLower(req.URL.Host)); err != nil {
		return nil, err
	}
	return t.next.RoundTrip(req)
}

func checkURL(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ErrBadURL
	}
	return nil
}

// Fetch downloads rawURL into the store and returns what was stored. It
// waits for a free slot (Config.Concurrency) and for the host's turn.
// Nothing is stored unless the whole body was read within its cap.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (Result, error) {
	shown := httpx.RedactURL(rawURL)
	u, err := url.Parse(rawURL)
	if err == nil {
		err = checkURL(u)
	}
	if err != nil {
		return Result{}, fmt.Errorf("fetching media %q: %w", shown, ErrBadURL)
	}
	select {
	case f.slots <- struct{}{}:
		defer func() { <-f.slots }()
	case <-ctx.Done():
		return Result{}, fmt.Errorf("fetching media %s: %w", shown, ctx.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	res, err := f.fetch(ctx, u)
	if err != nil {
		return Result{}, httpx.Scrub(fmt.Errorf("fetching media %s: %w", shown, err))
	}
	return res, nil
}

func (f *Fetcher) fetch(ctx context.Context, u *url.URL) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", f.accept)
	resp, err := f.client.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	final := httpx.RedactURL(resp.Request.URL.String())
	if resp.StatusCode != http.StatusOK {
		return Result{}, &httpx.StatusError{URL: final, Code: resp.StatusCode}
	}

	head := make([]byte, sniffLen)
	n, err := io.ReadFull(resp.Body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Result{}, fmt.Errorf("reading body: %w", err)
	}
	head = head[:n]
	typ := Sniff(head)
	if !f.allowed(typ) {
		return Result{}, fmt.Errorf("%w: the bytes are %s", ErrRefusedType, typ)
	}
	if stated := statedType(resp.Header.Get("Content-Type")); stated != "" && !f.allowed(stated) {
		return Result{}, fmt.Errorf("%w: Content-Type %s (the bytes are %s)", ErrRefusedType, stated, typ)
	}
	limit := f.limit(typ)
	if resp.ContentLength > limit {
		return Result{}, fmt.Errorf("%w: Content-Length %d is above %d for %s", ErrTooLarge, resp.ContentLength, limit, typ)
	}
	body := &readErr{r: io.MultiReader(bytes.NewReader(head), resp.Body)}
	info, err := f.store.Put(ctx, body, limit)
	switch {
	case err == nil:
		return Result{Info: info, Type: typ, URL: final}, nil
	case errors.Is(err, blob.ErrTooLarge):
		return Result{}, fmt.Errorf("%w: more than %d bytes for %s", ErrTooLarge, limit, typ)
	case body.err != nil:
		return Result{}, fmt.Errorf("reading body: %w", body.err)
	case ctx.Err() != nil:
		return Result{}, fmt.Errorf("reading body: %w", ctx.Err())
	}
	return Result{}, fmt.Errorf("%w: %w", ErrStore, err)
}

// readErr remembers the error its reader failed with, to tell a broken
// download from a failing store.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// statedType is the media type of a Content-Type header, or "" when it
// says nothing (absent, unparsable, or a generic binary type).
func statedType(header string) string {
	t, _, err := mime.ParseMediaType(header)
	if err != nil {
		return ""
	}
	switch t {
	case "application/octet-stream", "binary/octet-stream", "application/binary":
		return ""
	}
	return t
}

// Allowed reports whether media of type typ (as the bytes show it) are
// fetched, under Config.AllowedTypes.
func (f *Fetcher) Allowed(typ string) bool { return f.allowed(typ) }

// Limit is the most bytes kept of media of type typ.
func (f *Fetcher) Limit(typ string) int64 { return f.limit(typ) }

func (f *Fetcher) allowed(typ string) bool {
	major, _, _ := strings.Cut(typ, "/")
	for _, a := range f.cfg.AllowedTypes {
		if a == typ || a == major+"/*" {
			return true
		}
	}
	return false
}

func (f *Fetcher) limit(typ string) int64 {
	switch {
	case strings.HasPrefix(typ, "image/"):
		return f.cfg.MaxImageBytes
	case strings.HasPrefix(typ, "video/"):
		return f.cfg.MaxVideoBytes
	}
	return f.cfg.MaxOtherBytes
}
