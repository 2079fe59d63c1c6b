package main

// The attack suite: every attack the project has fixed, replayed against
// the real `rasd run` binary on 127.0.0.1, each asserted to fail now. See
// docs/security.md ("The attack suite").

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/session"
	"github.com/rasd-iq/rasd/review/web"
)

// secClient calls the live engine without following redirects.
type secClient struct {
	*apiClient
	noFollow *http.Client
}

func newSecClient(t *testing.T, e *e2eEngine, name string) *secClient {
	t.Helper()
	c := login(t, e, name)
	return &secClient{apiClient: c, noFollow: &http.Client{Jar: c.http.Jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// anonymous is a client with no session.
func anonymous(e *e2eEngine) *secClient {
	return &secClient{apiClient: &apiClient{base: "http://" + e.addr}, noFollow: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends one request; csrf "" sends no token.
func (c *secClient) do(t *testing.T, method, path, body, ctype, csrf string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.noFollow.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// routePath turns a route pattern into a method and a path to call.
func routePath(pattern, item string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	id := "none"
	if strings.HasPrefix(path, "/items/") || strings.HasPrefix(path, "/api/items/") {
		id = url.PathEscape(item)
	}
	return method, strings.NewReplacer("{id}", id, "{name}", "none", "{n}", "0", "{$}", "").Replace(path)
}

// postBody is an empty but well-formed body for a state-changing route.
func postBody(path string) (body, ctype string) {
	if strings.HasPrefix(path, "/api/") {
		return "{}", "application/json"
	}
	return "x=1", "application/x-www-form-urlencoded"
}

// dirBytes is the size of every file under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// rawPost sends a POST whose body is total bytes long (chunked when asked)
// on a plain connection, and reports the answer's status and how many body
// bytes the server let through before it closed the connection.
func rawPost(t *testing.T, addr, path, ctype string, total int64, chunked bool) (status int, sent int64) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n", path, addr, ctype)
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", total)
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for sentNow := int64(0); sentNow < total; {
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			var err error
			if chunked {
				_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk)
			} else {
				_, err = conn.Write(chunk)
			}
			if err != nil {
				return
			}
			sentNow += int64(len(chunk))
			mu.Lock()
			sent = sentNow
			mu.Unlock()
		}
	}()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: no answer: %v", path, err)
	}
	resp.Body.Close()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("POST %s: the server kept reading the body for 20s", path)
	}
	mu.Lock()
	defer mu.Unlock()
	return resp.StatusCode, sent
}

// slowloris sends a request's headers one line a second and reports how
// long the server took to close the connection.
func slowloris(addr string) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			out <- -1
			return
		}
		defer conn.Close()
		closed := make(chan struct{})
		go func() {
			conn.SetReadDeadline(time.Now().Add(3 * readHeaderTimeout))
			io.Copy(io.Discard, conn)
			close(closed)
		}()
		io.WriteString(conn, "GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-closed:
				out <- time.Since(start)
				return
			case <-tick.C:
				io.WriteString(conn, fmt.Sprintf("X-Slow-%d: a\r\n", i))
			}
		}
	}()
	return out
}

func TestSecurityAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the engine")
	}
	// The engine's temporary files land here, to show that refused bodies
	// are not spooled to disk.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	all := loadScenarios(t)
	f := all
	f.Scenarios = nil
	for _, s := range all.Scenarios {
		if len(s.Media) == 0 {
			f.Scenarios = append(f.Scenarios, s)
		}
	}
	e := setupEngine(t, f, "")
	slow := slowloris(e.addr)

	users := map[review.Role]string{review.RoleAnalyst: "ana", review.RoleSenior: "sen", review.RoleResearcher: "res", review.RoleAdmin: "adm"}
	clients := map[review.Role]*secClient{}
	for role, name := range users {
		clients[role] = newSecClient(t, e, name)
	}
	ana, res := clients[review.RoleAnalyst], clients[review.RoleResearcher]
	var page review.Page
	ana.call("GET", "/api/queue", nil, http.StatusOK, &page)
	if len(page.Items) == 0 {
		t.Fatal("no queued item to attack")
	}
	item := page.Items[0].ID

	t.Run("open redirects stay on this site", func(t *testing.T) {
		bad := []string{"/%09/other-host/x", "//evil.example", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "/%5Cevil.example",
			"/%2F/evil.example", "/\t/evil.example", "/\r\n/evil.example", "https://evil.example/", "javascript:alert(1)", "/\u200e/evil.example",
			"%2F%2Fevil.example", "/%E2%80%8E/evil.example"}
		for _, next := range bad {
			qs := []string{url.QueryEscape(next)}
			if !strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r > '~' }) {
				qs = append(qs, next) // as typed, unescaped
			}
			for _, q := range qs {
				resp, _ := anonymous(e).do(t, "GET", "/lang?to=en&next="+q, "", "", "")
				loc := resp.Header.Get("Location")
				if resp.StatusCode != http.StatusSeeOther || loc != "/queue" {
					t.Errorf("GET /lang?next=%s: %d to %q, want 303 to /queue", q, resp.StatusCode, loc)
				}
			}
			_, body := anonymous(e).do(t, "GET", "/login?next="+url.QueryEscape(next), "", "", "")
			if !strings.Contains(body, `name="next" value="/queue"`) {
				t.Errorf("GET /login?next=%q carries it into the login form", next)
			}
			form := url.Values{"name": {"ana"}, "password": {e2ePassword}, "next": {next}}.Encode()
			resp, _ := anonymous(e).do(t, "POST", "/login", form, "application/x-www-form-urlencoded", "")
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/queue" {
				t.Errorf("POST /login with next %q: %d to %q, want 303 to /queue", next, resp.StatusCode, loc)
			}
		}
		resp, _ := anonymous(e).do(t, "GET", "/lang?to=en&next="+url.QueryEscape("/items/"+item), "", "", "")
		if loc := resp.Header.Get("Location"); loc != "/items/"+item {
			t.Errorf("a path of this site became %q", loc)
		}
	})

	t.Run("security headers on every page", func(t *testing.T) {
		check := func(who, path string, resp *http.Response, private bool) {
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("%s GET %s: CSP %q", who, path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s GET %s: headers %v", who, path, h)
			}
			if private && !strings.Contains(h.Get("Cache-Control"), "no-store") {
				t.Errorf("%s GET %s: a private answer may be cached (Cache-Control %q)", who, path, h.Get("Cache-Control"))
			}
		}
		for pattern, acc := range web.Routes {
			method, path := routePath(pattern, item)
			if method != http.MethodGet {
				continue
			}
			c := ana
			if acc.Perm == review.PermAdmin {
				c = clients[review.RoleAdmin]
			}
			resp, _ := c.do(t, method, path, "", "", "")
			check("analyst/admin", path, resp, !acc.Public)
			resp, _ = anonymous(e).do(t, method, path, "", "", "")
			check("anonymous", path, resp, false)
		}
		resp, _ := ana.do(t, "GET", "/no-such-page", "", "", "")
		check("analyst", "/no-such-page", resp, true)
	})

	t.Run("CSRF refused on every state-changing route", func(t *testing.T) {
		for pattern, acc := range web.Routes {
			method, path := routePath(pattern, item)
			if method == http.MethodGet || acc.Public {
				continue
			}
			body, ctype := postBody(path)
			c := ana // a role the route admits, so that the token is what is refused
			if acc.Perm == review.PermAdmin {
				c = clients[review.RoleAdmin]
			}
			for _, token := range []string{"", "forged-token", res.csrf} {
				resp, got := c.do(t, method, path, body, ctype, token)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(got, "CSRF") {
					t.Errorf("%s %s with token %q: %d %.200s, want 403 for the CSRF token", method, path, token, resp.StatusCode, got)
				}
			}
			// A token in the form field, for pages, is checked the same way.
			if !strings.HasPrefix(path, "/api/") {
				resp, _ := c.do(t, method, path, "csrf=forged", ctype, "")
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s with a forged form token: %d", method, path, resp.StatusCode)
				}
			}
		}
	})

	t.Run("researchers see no permalink or handle", func(t *testing.T) {
		_, own := ana.do(t, "GET", "/api/items/"+url.PathEscape(item), "", "", "")
		if !strings.Contains(own, "x.com/i/status/") || !strings.Contains(own, "poster_") {
			t.Fatalf("the analyst's item lacks the permalink and handle the check looks for: %.300s", own)
		}
		_, hits := ana.do(t, "GET", "/api/search?q="+url.QueryEscape("بغداد"), "", "", "")
		if !strings.Contains(hits, "x.com/i/status/") {
			t.Fatalf("the analyst's search finds no permalink to withhold: %.300s", hits)
		}
		for _, path := range []string{"/api/queue", "/queue", "/api/items/" + url.PathEscape(item), "/items/" + url.PathEscape(item),
			"/api/search?q=" + url.QueryEscape("بغداد"), "/search?q=" + url.QueryEscape("بغداد"), "/api/decisions?item=" + url.QueryEscape(item), "/dashboard", "/api/trends"} {
			resp, body := res.do(t, "GET", path, "", "", "")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("researcher GET %s: %d", path, resp.StatusCode)
			}
			for _, secret := range []string{"x.com/i/status/", "poster_"} {
				if strings.Contains(body, secret) {
					t.Errorf("researcher GET %s shows %q", path, secret)
				}
			}
		}
	})

	t.Run("every route answers every role as the table says", func(t *testing.T) {
		patterns := make([]string, 0, len(web.Routes))
		for p := range web.Routes {
			patterns = append(patterns, p)
		}
		sort.Strings(patterns)
		whos := []review.Role{"", review.RoleAnalyst, review.RoleSenior, review.RoleResearcher, review.RoleAdmin}
		for _, pattern := range patterns {
			acc := web.Routes[pattern]
			method, path := routePath(pattern, item)
			for _, role := range whos {
				c := anonymous(e)
				if role != "" {
					c = clients[role]
				}
				if pattern == "POST /logout" && role != "" {
					c = newSecClient(t, e, users[role]) // keep the shared session
				}
				var body, ctype string
				if method == http.MethodPost {
					body, ctype = postBody(path)
					if acc.Public {
						// The right password: failures would trip the throttle for this client.
						name := users[role]
						if name == "" {
							name = "ana"
						}
						body, ctype = `{"name":"`+name+`","password":"`+e2ePassword+`"}`, "application/json"
						if !strings.HasPrefix(path, "/api/") {
							body, ctype = url.Values{"name": {name}, "password": {e2ePassword}}.Encode(), "application/x-www-form-urlencoded"
						}
						c = anonymous(e)
					}
				}
				csrf := ""
				if c.apiClient.csrf != "" {
					csrf = c.apiClient.csrf
				}
				resp, got := c.do(t, method, path, body, ctype, csrf)
				code := resp.StatusCode
				who := string(role)
				if who == "" {
					who = "anonymous"
				}
				switch {
				case acc.Public || acc.Loopback: // loopback routes are open here: the suite calls from 127.0.0.1
					if code == 401 && method == http.MethodGet || code == 403 || code >= 500 {
						t.Errorf("%s as %s: %d, want it served", pattern, who, code)
					}
				case role == "" && method == http.MethodGet && !strings.HasPrefix(path, "/api/"):
					if loc := resp.Header.Get("Location"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
						t.Errorf("%s as anonymous: %d to %q, want 303 to /login", pattern, code, loc)
					}
				case role == "":
					if code != http.StatusUnauthorized {
						t.Errorf("%s as anonymous: %d, want 401", pattern, code)
					}
				case acc.Perm != "" && !role.Can(acc.Perm):
					if code != http.StatusForbidden {
						t.Errorf("%s as %s: %d, want 403", pattern, who, code)
					}
				default:
					if code == 401 || code == 403 || code >= 500 && !(code == 503 && strings.HasSuffix(pattern, "/bundle")) ||
						code == 404 && !strings.Contains(pattern, "{") {
						t.Errorf("%s as %s: %d %.200s, want past the guard", pattern, who, code, got)
					}
				}
			}
		}
	})

	t.Run("large bodies refused early and not written to disk", func(t *testing.T) {
		before := dirBytes(tmp)
		for _, c := range []struct {
			name, ctype string
			chunked     bool
			want        int
		}{
			{"300 MB form declared", "application/x-www-form-urlencoded", false, http.StatusRequestEntityTooLarge},
			{"300 MB multipart declared", "multipart/form-data; boundary=xyz", false, http.StatusRequestEntityTooLarge},
			{"300 MB form chunked", "application/x-www-form-urlencoded", true, http.StatusRequestEntityTooLarge},
			{"300 MB multipart chunked", "multipart/form-data; boundary=xyz", true, http.StatusUnsupportedMediaType},
		} {
			status, sent := rawPost(t, e.addr, "/login", c.ctype, 300<<20, c.chunked)
			if status != c.want {
				t.Errorf("%s: %d, want %d", c.name, status, c.want)
			}
			t.Logf("%s: %d after %d KB sent", c.name, status, sent>>10)
			if sent > 64<<20 {
				t.Errorf("%s: the server read %d MB before refusing", c.name, sent>>20)
			}
		}
		// A 9 MB appeal reason, declared (413 before reading) and chunked
		// (the JSON bound: 400).
		reason, _ := json.Marshal(map[string]string{"target": "decision", "target_id": "x", "reason": strings.Repeat("r", 9<<20)})
		resp, _ := res.do(t, "POST", "/api/appeals", string(reason), "application/json", res.csrf)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("9 MB appeal: %d, want 413", resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", res.base+"/api/appeals", io.MultiReader(bytes.NewReader(reason))) // length unknown: chunked
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", res.csrf)
		if r2, err := res.noFollow.Do(req); err == nil {
			r2.Body.Close()
			if r2.StatusCode != http.StatusBadRequest {
				t.Errorf("9 MB appeal, chunked: %d, want 400", r2.StatusCode)
			}
		}
		var appeals []json.RawMessage
		res.call("GET", "/api/appeals", nil, http.StatusOK, &appeals)
		if len(appeals) != 0 {
			t.Errorf("an oversized appeal was filed: %d appeals", len(appeals))
		}
		if grew := dirBytes(tmp) - before; grew > 1<<20 {
			t.Errorf("refused bodies left %d bytes on disk", grew)
		}
	})

	t.Run("stalled connections are closed by the server's timeouts", func(t *testing.T) {
		took := <-slow
		t.Logf("a slow-header connection was closed after %v", took.Round(100*time.Millisecond))
		if took < 0 || took > readHeaderTimeout+5*time.Second {
			t.Fatalf("a connection sending a header line a second was held %v (read header timeout %v)", took, readHeaderTimeout)
		}
	})

	// Last: it leaves this client locked out.
	t.Run("parallel wrong passwords stop at the throttle", func(t *testing.T) {
		limit := session.New(nil).Throttle.Max
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := fmt.Sprintf(`{"name":"ana","password":"wrong-password-%d"}`, i)
				resp, err := http.Post("http://"+e.addr+"/api/login", "application/json", strings.NewReader(body))
				code := -1
				if err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		t.Logf("200 parallel wrong passwords: answers %v", codes)
		if codes[http.StatusUnauthorized] > limit || codes[http.StatusOK] != 0 ||
			codes[http.StatusUnauthorized]+codes[http.StatusTooManyRequests] != 200 {
			t.Fatalf("200 parallel wrong passwords: %v, want at most %d checked (401), the rest refused (429)", codes, limit)
		}
		resp, _ := anonymous(e).do(t, "POST", "/api/login", `{"name":"ana","password":"`+e2ePassword+`"}`, "application/json", "")
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the right password after the attack: %d, want 429", resp.StatusCode)
		}
	})
}
