package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/rasd-iq/rasd/ingest"
)

func fastOpts() Options {
	return Options{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxWait: 3 * time.Second,
		Timeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowInternal: true}
}

const arabic = "هذا نص عربي من بغداد"

func TestGetRetries(t *testing.T) {
	tests := []struct {
		name      string
		failures  int
		fail      func(w http.ResponseWriter)
		retries   int
		wantErr   error
		wantCode  int
		wantCalls int32
		minDelay  time.Duration
	}{
		{name: "500 then success", failures: 2, fail: func(w http.ResponseWriter) { w.WriteHeader(500) }, wantCalls: 3},
		{name: "503 exhausts retries", failures: 99, retries: 2, fail: func(w http.ResponseWriter) { w.WriteHeader(503) }, wantCode: 503, wantCalls: 3},
		{name: "429 retry-after seconds", failures: 1, fail: func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0.2")
			w.WriteHeader(429)
		}, wantCalls: 2, minDelay: 200 * time.Millisecond},
		{name: "429 discord retry_after body", failures: 1, fail: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"message":"You are being rate limited.","retry_after":0.15,"global":false}`)
		}, wantCalls: 2, minDelay: 150 * time.Millisecond},
		{name: "429 x reset epoch", failures: 1, fail: func(w http.ResponseWriter) {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			// Whole seconds: a reset one second ahead, truncated, can be
			// a few milliseconds away; 1.1 s ahead it is at least 0.1 s.
			w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(1100*time.Millisecond).Unix(), 10))
			w.WriteHeader(429)
		}, wantCalls: 2, minDelay: 10 * time.Millisecond},
		{name: "429 wait beyond cap", failures: 1, fail: func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(429)
		}, wantErr: ErrRateLimited, wantCalls: 1},
		{name: "404 not retried", failures: 99, fail: func(w http.ResponseWriter) { w.WriteHeader(404) }, wantCode: 404, wantCalls: 1},
		{name: "truncated body retried", failures: 1, fail: func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, "<html>partial")
		}, wantCalls: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if int(calls.Add(1)) <= tc.failures {
					tc.fail(w)
					return
				}
				io.WriteString(w, arabic)
			}))
			defer srv.Close()
			o := fastOpts()
			if tc.retries != 0 {
				o.MaxRetries = tc.retries
			}
			start := time.Now()
			res, err := New(o).Get(context.Background(), srv.URL+"/p", GetOptions{})
			if got := calls.Load(); got != tc.wantCalls {
				t.Errorf("calls = %d, want %d", got, tc.wantCalls)
			}
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case tc.wantCode != 0:
				var se *StatusError
				if !errors.As(err, &se) || se.Code != tc.wantCode {
					t.Fatalf("err = %v, want status %d", err, tc.wantCode)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if string(res.Raw) != arabic || res.SHA256 != SHA256Hex([]byte(arabic)) {
					t.Errorf("body %q sha %s", res.Raw, res.SHA256)
				}
			}
			if el := time.Since(start); el < tc.minDelay {
				t.Errorf("returned after %s, want ≥ %s", el, tc.minDelay)
			}
		})
	}
}

func TestRateLimitWindowBlocksNextRequest(t *testing.T) {
	var last time.Time
	var gap time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !last.IsZero() {
			gap = time.Since(last)
		}
		last = time.Now()
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "0.25")
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	c := New(fastOpts())
	for i := 0; i < 2; i++ {
		if _, err := c.Get(context.Background(), srv.URL, GetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if gap < 200*time.Millisecond {
		t.Errorf("second request after %s, want ≥ 250ms window", gap)
	}
}

func TestBodyCapAndRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("ب", 5000)))
	})
	mux.HandleFunc("/huge-chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 50; i++ {
			w.Write([]byte(strings.Repeat("x", 500)))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusFound) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	mux.HandleFunc("/chain/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/chain/"))
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	o := fastOpts()
	o.MaxBodyBytes = 4096
	o.MaxRedirects = 5
	c := New(o)
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/huge", ErrBodyTooLarge},
		{"/huge-chunked", ErrBodyTooLarge},
		{"/a", ErrRedirectLoop},
		{"/chain/0", ErrTooManyRedirects},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, err := c.Get(context.Background(), srv.URL+tc.path, GetOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestConditional(t *testing.T) {
	var sawINM atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawINM.Store(r.Header.Get("If-None-Match"))
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Sun, 22 Nov 2026 10:00:00 GMT")
		io.WriteString(w, arabic)
	}))
	defer srv.Close()
	c := New(fastOpts())
	r1, err := c.Get(context.Background(), srv.URL, GetOptions{Conditional: true})
	if err != nil || r1.NotModified {
		t.Fatalf("first: %v %+v", err, r1)
	}
	exported := c.Validators.Export()
	c2 := New(fastOpts())
	c2.Validators.Import(exported)
	r2, err := c2.Get(context.Background(), srv.URL, GetOptions{Conditional: true})
	if err != nil || !r2.NotModified {
		t.Fatalf("second: err %v, not modified %v", err, r2 != nil && r2.NotModified)
	}
	if sawINM.Load() != `"v1"` {
		t.Errorf("If-None-Match = %v", sawINM.Load())
	}
}

func TestToUTF8(t *testing.T) {
	w1256, err := charmap.Windows1256.NewEncoder().String(arabic)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ct string
		body     []byte
	}{
		{"utf-8 undeclared", "text/html", []byte(arabic)},
		{"windows-1256 header", "text/html; charset=windows-1256", []byte(w1256)},
		{"windows-1256 meta", "text/html", []byte(`<html><head><meta charset="windows-1256"></head><body>` + w1256)},
		{"utf-8 bom", "", append([]byte{0xEF, 0xBB, 0xBF}, arabic...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(ToUTF8(tc.body, tc.ct))
			if !strings.Contains(got, arabic) {
				t.Errorf("got % x, want to contain %q", got, arabic)
			}
		})
	}
}

func TestDecodeTextTransport(t *testing.T) {
	w1256, _ := charmap.Windows1256.NewEncoder().String(arabic)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1256")
		io.WriteString(w, w1256)
	}))
	defer srv.Close()
	c := New(fastOpts())
	c.Transport().DecodeText = true
	res, err := c.HTTPClient().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if string(b) != arabic {
		t.Errorf("body % x", b)
	}
	if got := res.Header.Get(RawSHA256Header); got != SHA256Hex([]byte(w1256)) {
		t.Errorf("raw sha %s, want sha of the windows-1256 bytes", got)
	}
	if DeclaredCharset(res.Header.Get("Content-Type")) != "utf-8" {
		t.Errorf("content type %q", res.Header.Get("Content-Type"))
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const tok = "s3cr3t-T0KEN-value"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		io.WriteString(w, "bad key "+r.URL.Query().Get("key")+" auth "+r.Header.Get("Authorization"))
	}))
	addr := srv.URL
	srv.Close() // unreachable for the second case
	live := httptest.NewServer(srv.Config.Handler)
	defer live.Close()
	o := fastOpts()
	o.MaxRetries = -1
	o.Secrets = []ingest.Secret{tok}
	o.Header = http.Header{"Authorization": {"Bot " + tok}}
	c := New(o)
	for _, u := range []string{live.URL + "/v3/x?key=" + tok + "&id=1", addr + "/v3/x?key=" + tok} {
		_, err := c.Get(context.Background(), u, GetOptions{})
		if err == nil {
			t.Fatal("want error")
		}
		if strings.Contains(err.Error(), tok) || strings.Contains(fmt.Sprintf("%+v", err), tok) {
			t.Errorf("secret leaked: %v", err)
		}
	}
	if s := fmt.Sprintf("%v %s %v %+v %#v %v %#v %v %+v", o.Secrets, o.Secrets[0], o, o, o, c, c, c.Transport(), c.Transport()); strings.Contains(s, tok) {
		t.Errorf("secret printed: %s", s)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"Sun, 22 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"", 0, false},
		{"soon", 0, false},
		{"-3", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %s %v, want %s %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSecretsNeverInLogs(t *testing.T) {
	const tok = "log-secret-0123456789"
	var buf strings.Builder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
	}))
	defer srv.Close()
	o := fastOpts()
	o.MaxRetries = 2
	o.Secrets = []ingest.Secret{tok}
	o.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	_, err := New(o).Get(context.Background(), srv.URL+"/commentThreads?part=snippet&key="+tok, GetOptions{})
	if err == nil {
		t.Fatal("want error")
	}
	if !strings.Contains(buf.String(), "http retry") {
		t.Fatalf("no retry logged: %s", buf.String())
	}
	if strings.Contains(buf.String(), tok) || strings.Contains(err.Error(), tok) {
		t.Errorf("secret in log or error:\n%s\n%v", buf.String(), err)
	}
}
