// Package httpx is the HTTP layer shared by Rasd's network connectors: a
// client with per-attempt timeouts, a body size cap, retries with exponential
// back-off and jitter on 5xx, timeouts, truncated bodies and 429 (honouring
// Retry-After and the X, Discord and generic rate-limit headers), a redirect
// cap that also stops loops, conversion of text bodies to UTF-8, the SHA-256
// of the raw bytes, and conditional requests (ETag / Last-Modified).
//
// Errors never contain the secrets registered in Options.Secrets nor the
// values of credential query parameters such as key= or access_token=.
package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest"
)

// Defaults used when an Options field is zero.
const (
	// DefaultTimeout bounds one attempt.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxBodyBytes caps a response body (8 MiB).
	DefaultMaxBodyBytes = 8 << 20
	// DefaultMaxRetries is how many times a failed attempt is retried.
	DefaultMaxRetries = 4
	// DefaultBaseDelay is the first back-off delay.
	DefaultBaseDelay = 500 * time.Millisecond
	// DefaultMaxDelay caps one computed back-off delay.
	DefaultMaxDelay = 30 * time.Second
	// DefaultMaxWait caps a wait the server asks for.
	DefaultMaxWait = 15 * time.Minute
	// DefaultMaxRedirects caps a redirect chain.
	DefaultMaxRedirects = 10
	// DefaultUserAgent identifies Rasd to the sites it reads.
	DefaultUserAgent = "RasdBot/1.0 (+https://github.com/rasd-iq/rasd)"
)

// RawSHA256Header is set by Transport on every response it returns: the hex
// SHA-256 of the body bytes exactly as received, before any charset
// conversion. Connectors that parse through colly read it from there.
const RawSHA256Header = "X-Rasd-Raw-Sha256"

// Sentinel errors, checked with errors.Is.
var (
	// ErrBodyTooLarge means a response body exceeded Options.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("response body exceeds size cap")
	// ErrRedirectLoop means a redirect chain revisited a URL.
	ErrRedirectLoop = errors.New("redirect loop")
	// ErrTooManyRedirects means a redirect chain was longer than Options.MaxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRateLimited means the server asked for a wait longer than Options.MaxWait.
	ErrRateLimited = errors.New("rate limited")
)

// StatusError is returned for a final response whose status is not 2xx or 304.
type StatusError struct {
	// URL is the requested URL with credentials redacted.
	URL string
	// Code is the HTTP status code.
	Code int
	// Snippet is the start of the response body, for diagnosis.
	Snippet string
}

// Error describes the status and URL.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.Snippet != "" {
		s += ": " + e.Snippet
	}
	return s
}

// Options configure a Client. Zero fields take the package defaults.
type Options struct {
	// Timeout bounds one attempt, including reading the body.
	Timeout time.Duration
	// MaxBodyBytes caps a response body; a larger body is ErrBodyTooLarge.
	MaxBodyBytes int64
	// MaxRetries is how many times a failed attempt is retried; -1 means none.
	MaxRetries int
	// BaseDelay is the first back-off delay; it doubles on each retry.
	BaseDelay time.Duration
	// MaxDelay caps one computed back-off delay.
	MaxDelay time.Duration
	// MaxWait caps a wait the server asks for (Retry-After, rate-limit reset);
	// a longer request fails with ErrRateLimited.
	MaxWait time.Duration
	// MaxRedirects caps a redirect chain.
	MaxRedirects int
	// UserAgent is sent when a request has none.
	UserAgent string
	// Header is added to requests (e.g. Authorization); values are secret and
	// are never logged.
	Header http.Header
	// AuthHost, when set, restricts Header to requests for this host[:port],
	// so credentials never follow a redirect to another host.
	AuthHost string
	// Secrets are values scrubbed from every error and log line.
	Secrets []ingest.Secret
	// Base is the underlying transport; nil means a clone of
	// http.DefaultTransport whose connections go only to public addresses
	// (see GuardedDialer) unless AllowInternal is set.
	Base http.RoundTripper
	// AllowInternal lets the default Base dial loopback, private and
	// link-local addresses (tests, intranet sources); otherwise such a
	// connection fails with ErrInternalAddress.
	AllowInternal bool
	// Logger receives retry and rate-limit events; nil means slog.Default().
	Logger *slog.Logger
}

// String describes the options with header values and secrets hidden.
func (o Options) String() string {
	names := make([]string, 0, len(o.Header))
	for k := range o.Header {
		names = append(names, k)
	}
	return fmt.Sprintf("httpx.Options{Timeout:%s MaxBodyBytes:%d MaxRetries:%d BaseDelay:%s MaxDelay:%s MaxWait:%s MaxRedirects:%d Header:%v (values hidden) AuthHost:%q Secrets:%d AllowInternal:%t}",
		o.Timeout, o.MaxBodyBytes, o.MaxRetries, o.BaseDelay, o.MaxDelay, o.MaxWait, o.MaxRedirects, names, o.AuthHost, len(o.Secrets), o.AllowInternal)
}

// GoString is String, so that %#v hides header values too.
func (o Options) GoString() string { return o.String() }

// String describes the client without its credentials.
func (c *Client) String() string { return "httpx.Client(" + c.opts.String() + ")" }

// GoString is String.
func (c *Client) GoString() string { return c.String() }

// baseTransport is a clone of http.DefaultTransport that dials through
// GuardedDialer. A guarded transport uses no proxy: the address it checks
// must be the one it connects to.
func baseTransport(allowInternal bool) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if allowInternal {
		return tr
	}
	d := GuardedDialer(30*time.Second, false)
	tr.Proxy = nil
	tr.DialContext = d.DialContext
	return tr
}

// FromLimits returns Options taking timeout and body cap from a source's limits.
func FromLimits(l ingest.Limits) Options {
	return Options{Timeout: l.Timeout, MaxBodyBytes: l.MaxBodyBytes}
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Base == nil {
		o.Base = baseTransport(o.AllowInternal)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Response is a fully read response.
type Response struct {
	// URL is the final URL after redirects (credentials redacted).
	URL string
	// Status is the HTTP status code.
	Status int
	// Header is the response header.
	Header http.Header
	// Raw is the body exactly as received.
	Raw []byte
	// SHA256 is the hex SHA-256 of Raw.
	SHA256 string
	// NotModified is true for a 304 answer to a conditional request; Raw is then empty.
	NotModified bool
}

// Text returns the body converted to UTF-8 using the Content-Type charset,
// a byte-order mark or an HTML meta declaration, in that order.
func (r *Response) Text() []byte {
	return ToUTF8(r.Raw, r.Header.Get("Content-Type"))
}

// Client performs GET requests with the behaviour described in the package doc.
type Client struct {
	opts Options
	tr   *Transport
	hc   *http.Client
	// Validators remembers ETag / Last-Modified per URL for conditional requests.
	Validators *Validators
}

// New returns a Client.
func New(o Options) *Client {
	o = o.withDefaults()
	tr := &Transport{opts: o, blocked: map[string]time.Time{}}
	c := &Client{opts: o, tr: tr, Validators: NewValidators()}
	c.hc = &http.Client{Transport: tr, CheckRedirect: tr.CheckRedirect}
	return c
}

// Transport returns the client's retrying RoundTripper, for libraries (colly,
// go-twitter) that bring their own http.Client.
func (c *Client) Transport() *Transport { return c.tr }

// HTTPClient returns an http.Client using Transport and the redirect cap.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Redact returns s with the client's secrets and credential query values hidden.
func (c *Client) Redact(s string) string { return c.tr.redact(s) }

// GetOptions alter one Get.
type GetOptions struct {
	// Header is added to the request.
	Header http.Header
	// Conditional sends If-None-Match / If-Modified-Since from Validators and
	// records the new validators; a 304 answer gives Response.NotModified.
	Conditional bool
}

// Get fetches u. A status other than 2xx (or 304 when the request carried
// If-None-Match / If-Modified-Since) after retries is a *StatusError.
func (c *Client) Get(ctx context.Context, u string, g GetOptions) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", c.Redact(u), scrubErr(err, c.tr.redact))
	}
	for k, vs := range g.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if g.Conditional {
		c.Validators.Apply(req)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, scrubErr(err, c.tr.redact)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body) // already buffered by Transport
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", c.Redact(u), scrubErr(err, c.tr.redact))
	}
	out := &Response{
		URL:    c.Redact(res.Request.URL.String()),
		Status: res.StatusCode,
		Header: res.Header,
		Raw:    raw,
		SHA256: res.Header.Get(RawSHA256Header),
	}
	if out.SHA256 == "" {
		out.SHA256 = SHA256Hex(raw)
	}
	sentValidators := req.Header.Get("If-None-Match") != "" || req.Header.Get("If-Modified-Since") != ""
	if sentValidators && res.StatusCode == http.StatusNotModified {
		out.NotModified = true
		return out, nil
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return out, &StatusError{URL: c.Redact(u), Code: res.StatusCode, Snippet: c.Redact(snippet(raw))}
	}
	if g.Conditional {
		c.Validators.Record(u, res.Header)
	}
	return out, nil
}

// SHA256Hex returns the lowercase hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// snippet summarises an error body: the message of a JSON API error when
// there is one (Google, Discord, X shapes), else the start of the body.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	if m := apiMessage(b); m != "" {
		s = m
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

func apiMessage(b []byte) string {
	var v struct {
		Error json.RawMessage `json:"error"`
		// Discord
		Message string `json:"message"`
		// X v1.1 and v2
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	var msg string
	var g struct {
		Message string `json:"message"`
		Errors  []struct {
			Reason string `json:"reason"`
		} `json:"errors"`
	}
	switch {
	case len(v.Error) > 0 && json.Unmarshal(v.Error, &g) == nil && g.Message != "":
		msg = g.Message
		if len(g.Errors) > 0 && g.Errors[0].Reason != "" {
			msg += " (" + g.Errors[0].Reason + ")"
		}
	case v.Message != "":
		msg = v.Message
	case len(v.Errors) > 0 && v.Errors[0].Message != "":
		msg = v.Errors[0].Message
	case v.Detail != "":
		msg = strings.TrimSpace(v.Title + ": " + v.Detail)
	}
	if strings.ContainsRune(msg, '<') {
		if doc, err := goquery.NewDocumentFromReader(strings.NewReader(msg)); err == nil {
			msg = doc.Text()
		}
	}
	return msg
}

// Validators is a concurrency-safe map of URL → ETag and Last-Modified.
type Validators struct {
	mu sync.Mutex
	m  map[string]Validator
}

// Validator holds the cache validators of one URL.
type Validator struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// NewValidators returns an empty cache.
func NewValidators() *Validators { return &Validators{m: map[string]Validator{}} }

// Apply adds If-None-Match / If-Modified-Since to req when its URL is known.
func (v *Validators) Apply(req *http.Request) {
	v.mu.Lock()
	val, ok := v.m[req.URL.String()]
	v.mu.Unlock()
	if !ok {
		return
	}
	if val.ETag != "" {
		req.Header.Set("If-None-Match", val.ETag)
	}
	if val.LastModified != "" {
		req.Header.Set("If-Modified-Since", val.LastModified)
	}
}

// Record stores the validators in h for u; a response without any removes u.
func (v *Validators) Record(u string, h http.Header) {
	val := Validator{ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified")}
	v.mu.Lock()
	defer v.mu.Unlock()
	if val == (Validator{}) {
		delete(v.m, u)
		return
	}
	v.m[u] = val
}

// Export returns a copy of the cache, e.g. to persist it in a cursor.
func (v *Validators) Export() map[string]Validator {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]Validator, len(v.m))
	for k, x := range v.m {
		out[k] = x
	}
	return out
}

// Import replaces the cache with m.
func (v *Validators) Import(m map[string]Validator) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m = make(map[string]Validator, len(m))
	for k, x := range m {
		v.m[k] = x
	}
}

// credentialParams are query parameters whose values are always redacted.
var credentialParams = []string{"key", "api_key", "apikey", "access_token", "token", "bearer_token", "client_secret", "password", "sig", "signature"}

// RedactURL hides the values of credential query parameters in u.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.RawQuery == "" {
		return u
	}
	q := p.Query()
	changed := false
	for _, k := range credentialParams {
		if _, ok := q[k]; ok {
			q[k] = []string{"REDACTED"}
			changed = true
		}
	}
	if !changed {
		return u
	}
	p.RawQuery = q.Encode()
	return p.String()
}

var credentialRE = func() func(string) string {
	// replace key=VALUE in free text (URLs embedded in error messages)
	return func(s string) string {
		for _, k := range credentialParams {
			for _, sep := range []string{"?" + k + "=", "&" + k + "="} {
				start := 0
				for {
					i := strings.Index(s[start:], sep)
					if i < 0 {
						break
					}
					i += start + len(sep)
					j := i
					for j < len(s) && !strings.ContainsRune("&\"' #", rune(s[j])) {
						j++
					}
					s = s[:i] + "REDACTED" + s[j:]
					start = i + len("REDACTED")
				}
			}
		}
		return s
	}
}()

// scrubbed is an error whose text has secrets removed; it unwraps to the
// original so errors.Is keeps working.
type scrubbed struct {
	msg string
	err error
}

// Error returns the scrubbed text.
func (e *scrubbed) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *scrubbed) Unwrap() error { return e.err }

func scrubErr(err error, redact func(string) string) error {
	if err == nil {
		return nil
	}
	msg := redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}

// Scrub returns err with the given secrets and credential query values
// removed from its text (errors.Is still sees the original).
func Scrub(err error, secrets ...ingest.Secret) error {
	return scrubErr(err, func(s string) string { return redactWith(s, secrets) })
}

func redactWith(s string, secrets []ingest.Secret) string {
	for _, sec := range secrets {
		if v := sec.Reveal(); len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "<secret>")
			if e := url.QueryEscape(v); e != v {
				s = strings.ReplaceAll(s, e, "<secret>")
			}
		}
	}
	return credentialRE(s)
}

// ReadCapped reads r up to max bytes; more is ErrBodyTooLarge.
func ReadCapped(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, max+1))
	if err != nil {
		return buf.Bytes(), err
	}
	if n > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, max)
	}
	return buf.Bytes(), nil
}

// RetrySettings is the retry part of a connector's YAML settings (key
// "retry"); zero fields keep the defaults.
type RetrySettings struct {
	// MaxRetries is how many times a failed request is retried; -1 means none.
	MaxRetries int `yaml:"max_retries"`
	// BaseDelay is the first back-off delay (e.g. "500ms").
	BaseDelay time.Duration `yaml:"base_delay"`
	// MaxDelay caps one back-off delay.
	MaxDelay time.Duration `yaml:"max_delay"`
	// MaxWait caps a wait the server asks for; longer is an error.
	MaxWait time.Duration `yaml:"max_wait"`
}

// Apply copies the non-zero settings into o.
func (r RetrySettings) Apply(o *Options) {
	if r.MaxRetries != 0 {
		o.MaxRetries = r.MaxRetries
	}
	if r.BaseDelay > 0 {
		o.BaseDelay = r.BaseDelay
	}
	if r.MaxDelay > 0 {
		o.MaxDelay = r.MaxDelay
	}
	if r.MaxWait > 0 {
		o.MaxWait = r.MaxWait
	}
}

// Validate rejects negative durations and retry counts below -1.
func (r RetrySettings) Validate() error {
	if r.MaxRetries < -1 || r.BaseDelay < 0 || r.MaxDelay < 0 || r.MaxWait < 0 {
		return errors.New("retry: values must not be negative (max_retries -1 disables retries)")
	}
	return nil
}
