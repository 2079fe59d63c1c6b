package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Transport is an http.RoundTripper that adds default headers, waits out
// rate-limit windows, retries failed GET/HEAD attempts with back-off, and
// returns responses whose bodies are already read (capped) into memory, with
// RawSHA256Header set.
type Transport struct {
	opts Options
	// DecodeText converts text bodies (HTML, XML, plain text) to UTF-8 and
	// rewrites their Content-Type charset to utf-8, for parsers such as colly
	// that would otherwise guess.
	DecodeText bool

	mu      sync.Mutex
	blocked map[string]time.Time // host → no request before this instant
}

// String describes the transport without its credentials.
func (t *Transport) String() string { return "httpx.Transport(" + t.opts.String() + ")" }

// GoString is String.
func (t *Transport) GoString() string { return t.String() }

// CheckRedirect is an http.Client CheckRedirect that stops redirect loops
// (ErrRedirectLoop) and chains longer than Options.MaxRedirects.
func (t *Transport) CheckRedirect(req *http.Request, via []*http.Request) error {
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return fmt.Errorf("%w: %s visited twice", ErrRedirectLoop, RedactURL(req.URL.String()))
		}
	}
	if len(via) >= t.opts.MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, t.opts.MaxRedirects)
	}
	return nil
}

func (t *Transport) redact(s string) string { return redactWith(s, t.opts.Secrets) }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	u := t.redact(req.URL.String())
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == ""
	for attempt := 0; ; attempt++ {
		if err := t.waitHost(ctx, req.URL.Host, u); err != nil {
			return nil, err
		}
		r2 := req.Clone(ctx)
		if r2.Header.Get("User-Agent") == "" {
			r2.Header.Set("User-Agent", t.opts.UserAgent)
		}
		if t.opts.AuthHost == "" || t.opts.AuthHost == req.URL.Host {
			for k, vs := range t.opts.Header {
				if r2.Header.Get(k) == "" {
					r2.Header[k] = vs
				}
			}
		}
		if attempt > 0 && req.Body != nil && req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("%s %s: rewinding body: %w", req.Method, u, err)
			}
			r2.Body = b
		}
		actx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
		r2 = r2.WithContext(actx)
		res, err := t.opts.Base.RoundTrip(r2)
		var body []byte
		if err == nil {
			if res.ContentLength > t.opts.MaxBodyBytes {
				res.Body.Close()
				cancel()
				return nil, fmt.Errorf("%s %s: %w (Content-Length %d > %d)", req.Method, u, ErrBodyTooLarge, res.ContentLength, t.opts.MaxBodyBytes)
			}
			body, err = ReadCapped(res.Body, t.opts.MaxBodyBytes)
			res.Body.Close()
			if errors.Is(err, ErrBodyTooLarge) {
				cancel()
				return nil, fmt.Errorf("%s %s: %w", req.Method, u, err)
			}
			if err != nil {
				err = fmt.Errorf("reading body (truncated after %d bytes?): %w", len(body), err)
			}
		}
		cancel()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, u, ctx.Err())
		}
		var serverWait time.Duration
		if err != nil {
			err = scrubErr(fmt.Errorf("%s %s: %w", req.Method, u, err), t.redact)
		} else {
			t.noteRateLimit(req.URL.Host, res.Header)
			if !retryableStatus(res.StatusCode) {
				return t.buffered(res, body), nil
			}
			serverWait = waitFromResponse(res.StatusCode, res.Header, body, time.Now())
		}
		// A refused address stays refused: no retry.
		if !idempotent || attempt >= t.opts.MaxRetries || errors.Is(err, ErrInternalAddress) {
			if err != nil {
				return nil, err
			}
			return t.buffered(res, body), nil
		}
		if serverWait > t.opts.MaxWait {
			return nil, fmt.Errorf("%s %s: %w: server asks to wait %s (cap %s)", req.Method, u, ErrRateLimited, serverWait.Round(time.Second), t.opts.MaxWait)
		}
		delay := t.backoff(attempt)
		if serverWait > delay {
			delay = serverWait
		}
		reason := "error"
		if err != nil {
			reason = err.Error()
		} else {
			reason = res.Status
		}
		t.opts.Logger.Warn("http retry", "url", u, "attempt", attempt+1, "delay", delay, "reason", reason)
		if err := sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, u, err)
		}
	}
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout ||
		(code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported)
}

// backoff is exponential from BaseDelay, capped at MaxDelay, with jitter in [d/2, d].
func (t *Transport) backoff(attempt int) time.Duration {
	d := t.opts.BaseDelay << min(attempt, 30)
	if d <= 0 || d > t.opts.MaxDelay {
		d = t.opts.MaxDelay
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func (t *Transport) buffered(res *http.Response, body []byte) *http.Response {
	res.Header.Set(RawSHA256Header, SHA256Hex(body))
	if t.DecodeText && isText(res.Header.Get("Content-Type")) && len(body) > 0 {
		body = ToUTF8(body, res.Header.Get("Content-Type"))
		res.Header.Set("Content-Type", withUTF8(res.Header.Get("Content-Type")))
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Del("Content-Length")
	return res
}

// waitHost blocks while host is inside a rate-limit window.
func (t *Transport) waitHost(ctx context.Context, host, u string) error {
	t.mu.Lock()
	until := t.blocked[host]
	t.mu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	if d > t.opts.MaxWait {
		return fmt.Errorf("GET %s: %w: rate-limit window ends in %s (cap %s)", u, ErrRateLimited, d.Round(time.Second), t.opts.MaxWait)
	}
	t.opts.Logger.Info("rate limit reached, waiting", "host", host, "delay", d)
	if err := sleep(ctx, d); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// noteRateLimit records a window when the response says none are left.
func (t *Transport) noteRateLimit(host string, h http.Header) {
	rem := firstHeader(h, "X-Rate-Limit-Remaining", "X-Ratelimit-Remaining")
	if rem == "" {
		return
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(rem), 64)
	if err != nil || n > 0 {
		return
	}
	d := resetWait(h, time.Now())
	if d <= 0 {
		return
	}
	t.mu.Lock()
	t.blocked[host] = time.Now().Add(d)
	t.mu.Unlock()
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// waitFromResponse is how long the server asks us to wait before retrying:
// Retry-After, Discord's JSON retry_after, then rate-limit reset headers.
func waitFromResponse(code int, h http.Header, body []byte, now time.Time) time.Duration {
	if d, ok := ParseRetryAfter(h.Get("Retry-After"), now); ok {
		return d
	}
	if code == http.StatusTooManyRequests {
		var v struct {
			RetryAfter *float64 `json:"retry_after"`
		}
		if json.Unmarshal(body, &v) == nil && v.RetryAfter != nil && *v.RetryAfter >= 0 {
			return secs(*v.RetryAfter)
		}
		return resetWait(h, now)
	}
	return 0
}

// resetWait reads the reset headers: X-Ratelimit-Reset-After (seconds, Discord),
// then X-Rate-Limit-Reset / X-Ratelimit-Reset (epoch seconds when large,
// otherwise seconds from now).
func resetWait(h http.Header, now time.Time) time.Duration {
	if v := h.Get("X-Ratelimit-Reset-After"); v != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 {
			return secs(f)
		}
	}
	v := firstHeader(h, "X-Rate-Limit-Reset", "X-Ratelimit-Reset")
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 {
		return 0
	}
	if f > 1e9 { // an epoch time
		d := time.Unix(0, int64(f*1e9)).Sub(now)
		if d < 0 {
			return 0
		}
		return d
	}
	return secs(f)
}

func secs(f float64) time.Duration {
	if f > 1e7 {
		f = 1e7
	}
	return time.Duration(f * float64(time.Second))
}

// ParseRetryAfter parses a Retry-After value: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0, false
		}
		return secs(f), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
