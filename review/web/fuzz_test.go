package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/review/reviewtest"
)

// FuzzBodies sends every form and JSON route bodies the fuzzer makes, as a
// logged-in analyst and as nobody: the server never panics, never answers
// 5xx, and answers a login with a session only for the right password. Run
// it with `go test -run '^$' -fuzz FuzzBodies ./review/web/`.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		`{"item":"x:000000"}`, `{"item":"x:000000","action":"refer","verdict":"true_positive","lease":"x"}`,
		`{"target":"decision","target_id":"x","reason":"r"}`, `{"status":"removed","note":"n"}`, `{"outcome":"reversed","note":"n"}`,
		`{"name":"ana","password":"x"}`, `{"item":"x:000000","context":{"level":"high","reason":"long enough reason"}}`,
		"name=ana&password=x", "verdict=true_positive&action=dismiss&lease=x&reason=%ff", "csrf=x&next=//evil", `[]`, `{"item":1}`, "\x00\xff",
	} {
		f.Add(seed)
	}
	e := newEnv(f, reviewtest.Items(3))
	ana := e.login(f, "ana")
	var paths []string
	for pattern := range Routes {
		if !strings.HasPrefix(pattern, "POST ") {
			continue
		}
		paths = append(paths, strings.NewReplacer("{id}", "x:000000").Replace(strings.TrimPrefix(pattern, "POST ")))
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			for _, c := range []*client{ana, nil} {
				json := strings.HasPrefix(p, "/api/")
				var b any = body
				h := map[string]string{}
				if json {
					h["Content-Type"] = "application/json"
					if c != nil {
						h["X-CSRF-Token"] = c.csrf
					}
				} else if c != nil {
					b = body + "&csrf=" + c.csrf
				}
				w := e.do(c, "POST", p, b, h)
				if w.Code >= 500 {
					t.Fatalf("POST %s with %q as %v: %d %s", p, body, c != nil, w.Code, w.Body)
				}
				if p == "/api/login" && w.Code == http.StatusOK && !strings.Contains(body, password) {
					t.Fatalf("login accepted %q", body)
				}
			}
		}
	})
}

// FuzzComplaint sends the public complaint form bodies the fuzzer makes,
// with a valid form token: the server never panics, never answers 5xx,
// never echoes markup, and files nothing (no referral has a reference
// here). Run it with `go test -run '^$' -fuzz FuzzComplaint ./review/web/`.
func FuzzComplaint(f *testing.F) {
	for _, seed := range []string{
		"reference=ABCDEFGH12&text=%D9%86%D8%B5&contact=a%40example.org", "reference=&text=", "reference=abcde-fgh12&text=x&contact=not-mail",
		"text=<script>alert(1)</script>&reference=<b>", "reference=" + strings.Repeat("Z", 100), "contact=%ff%fe&text=%00", "token=forged&reference=x",
		"a=1&a=2&reference=ZZZZZZZZZZ&reference=YYYYYYYYYY", "%zz", "\x00\xff", "",
	} {
		f.Add(seed)
	}
	e := newEnv(f, reviewtest.Items(3))
	e.srv.cfg.ComplaintLimits = ComplaintLimits{PerAddress: 1 << 30, Global: 1 << 30, Answer: -1}
	c := &client{addr: "203.0.113.50:1"}
	f.Fuzz(func(t *testing.T, body string) {
		tok := tokenRE.FindStringSubmatch(e.do(c, "GET", "/complaint", nil, nil).Body.String())[1]
		w := e.do(c, "POST", "/complaint", body+"&token="+url.QueryEscape(tok), nil)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("POST /complaint with %q: %d %s", body, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "<script") || strings.Contains(w.Body.String(), "<b>") {
			t.Fatalf("POST /complaint with %q echoes markup: %s", body, w.Body)
		}
		if as, err := e.st.Appeals(t.Context()); err != nil || len(as) > 0 {
			t.Fatalf("POST /complaint with %q filed %d appeals (%v)", body, len(as), err)
		}
	})
}
