package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/kvstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/ingest/discovery"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/redisstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
	"github.com/rasd-iq/rasd/review/session"
	"github.com/rasd-iq/rasd/review/totp"
)

func TestMain(m *testing.M) {
	accounts.Cost = bcrypt.MinCost // fast hashes in tests
	os.Exit(m.Run())
}

// backend is the pipeline store as far as the review UI reads it.
type backend struct {
	store.Backend
	mu     sync.Mutex
	recs   map[string]store.Record
	queue  []store.QueueEntry
	sights map[string][]store.Sighting
}

func (b *backend) Sightings(_ context.Context, id string) ([]store.Sighting, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]store.Sighting(nil), b.sights[id]...), nil
}

func (b *backend) Get(_ context.Context, id string) (store.Record, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.recs[id]
	if !ok {
		return r, fmt.Errorf("post %s: %w", id, store.ErrNotFound)
	}
	return r, nil
}

func (b *backend) Counts(context.Context) (records, queued, work int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.recs), len(b.queue), 0, nil
}

func (b *backend) ForEach(ctx context.Context, fn func(*store.Record) error) error {
	b.mu.Lock()
	recs := make([]store.Record, 0, len(b.recs))
	for _, r := range b.recs {
		recs = append(recs, r)
	}
	b.mu.Unlock()
	for i := range recs {
		if err := fn(&recs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (b *backend) Queue(context.Context) ([]store.QueueEntry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]store.QueueEntry(nil), b.queue...), nil
}

// put adds records made from items to the backend's queue.
func (b *backend) put(items []review.Item) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, it := range items {
		plat, author, _ := strings.Cut(it.Author, ":")
		raw := map[string]float64{it.Labels[0]: it.Score}
		// Judged as the pipeline judges, with the model card's operating
		// point at 0.5 so that both scales agree.
		j, err := policy.Default().Judge(policy.Scored{Model: "rasd-test@1.2.3", Raw: raw}, map[string]float64{it.Labels[0]: 0.5}, it.Added)
		if err != nil {
			panic(err)
		}
		b.recs[it.ID] = store.Record{
			Post: ingest.Post{ID: it.ID, Platform: plat, Source: "src-" + plat, Author: ingest.Author{ID: author, Handle: "@" + author},
				Permalink: "https://example.org/" + it.ID, Text: "نص تجريبي للمراجعة " + it.ID},
			Scores: raw, Flags: it.Labels, Model: "rasd-test@1.2.3",
			Spans: []store.Span{{Start: 0, End: len("نص"), Label: it.Labels[0]}}, Queued: true, Priority: it.Priority,
			Urgent: it.Urgent, Governorate: it.Governorate, Processed: it.Added, Judgement: &j,
		}
		b.queue = append(b.queue, store.QueueEntry{ID: it.ID, Priority: it.Priority, Urgent: it.Urgent, MaxScore: it.Score, Labels: it.Labels, Added: it.Added})
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	srv   *Server
	h     http.Handler
	st    review.Store
	be    *backend
	clock *clock
	audit string

	mu    sync.Mutex
	steps map[string]int64 // the last TOTP step used per account
}

// totpSecrets are the TOTP secrets of the accounts whose role requires
// two-factor login, enrolled when the environment is made.
var totpSecrets = map[string][]byte{"sen": []byte("sen-totp-secret-0123"), "adm": []byte("adm-totp-secret-0123")}

// code returns a TOTP code of account name that has not been used yet,
// moving the clock on a step when the window's codes are spent.
func (e *env) code(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	next := func() int64 { return max(totp.Counter(e.clock.Now())-totp.Window, e.steps[name]+1) }
	if next() > totp.Counter(e.clock.Now())+totp.Window {
		e.clock.Add(totp.Step)
	}
	step := next()
	e.steps[name] = step
	return totp.HOTP(totpSecrets[name], step, totp.Digits)
}

const password = "password-123"

var roleUsers = map[review.Role]string{review.RoleAnalyst: "ana", review.RoleSenior: "sen", review.RoleResearcher: "res", review.RoleAdmin: "adm",
	review.RoleAuditor: "aud"}

func newEnv(t testing.TB, items []review.Item) *env {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "rasd.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := boltstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, items, st)
}

// newEnvWith serves items from st with one account per role.
func newEnvWith(t testing.TB, items []review.Item, st review.Store) *env {
	t.Helper()
	be := &backend{recs: map[string]store.Record{}, sights: map[string][]store.Sighting{
		"x:000001": {{Canonical: "x:000001", PostID: "telegram:9", Source: "chan", Platform: "telegram", Permalink: "https://t.me/chan/9", Kind: "same_text"}},
	}}
	be.put(items)
	ix, err := index.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	e := newEnvOver(t, st, be, ix, time.Date(2026, 11, 1, 12, 30, 0, 0, time.UTC))
	e.be = be
	return e
}

// newEnvOver serves the pipeline store b and index ix, with review state in
// st, one account per role, and the clock at now.
func newEnvOver(t testing.TB, st review.Store, b store.Backend, ix *index.Index, now time.Time) *env {
	t.Helper()
	dir := t.TempDir()
	al, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	ps, _ := accounts.NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"))
	c := &clock{t: now}
	sm := session.New(st)
	sm.Now = c.Now
	// Run-time sources and their candidates, kept in the folder.
	kv, err := kvstore.OpenBolt(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	cat, err := catalog.Open(context.Background(), catalog.Options{Store: kv, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	finder, err := discovery.New(discovery.Options{Store: kv, Sources: cat, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, Backend: b, Index: ix, Metrics: prometheus.NewRegistry(), Sessions: sm, Audit: al, Pseudonyms: ps, Now: c.Now,
		ComplaintLimits: ComplaintLimits{Answer: -1}, Sources: cat, Discovery: finder})
	if err != nil {
		t.Fatal(err)
	}
	// The pipeline enqueues the items it routes to review; here the
	// backend's entries are taken over as a store written earlier is.
	if _, err := review.Sync(context.Background(), st, b); err != nil {
		t.Fatal(err)
	}
	m := &accounts.Manager{Store: st, Audit: al, Actor: "test", Now: c.Now}
	for role, name := range roleUsers {
		if err := m.Add(context.Background(), name, role, password); err != nil {
			t.Fatal(err)
		}
		if secret, ok := totpSecrets[name]; ok {
			if _, err := m.EnrolTOTP(context.Background(), name, secret); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &env{srv: srv, h: srv, st: st, clock: c, audit: filepath.Join(dir, "audit.jsonl"), steps: map[string]int64{}}
}

// rawBody is a request body sent as it is, as YAML.
type rawBody string

// client is a logged-in (or anonymous) caller.
type client struct {
	cookie *http.Cookie
	csrf   string
	addr   string
}

func (e *env) do(c *client, method, path string, body any, header map[string]string) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string: // a form
		rd, ct = bytes.NewReader([]byte(b)), "application/x-www-form-urlencoded"
	case rawBody: // a YAML document
		rd, ct = bytes.NewReader([]byte(b)), "application/yaml"
	default:
		data, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(data), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:40000"
	if c != nil && c.addr != "" {
		req.RemoteAddr = c.addr
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c != nil && c.cookie != nil {
		req.AddCookie(c.cookie)
		if c.csrf != "" && ct == "application/json" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func (e *env) login(t testing.TB, name string) *client {
	t.Helper()
	in := map[string]string{"name": name, "password": password}
	if _, ok := totpSecrets[name]; ok {
		in["code"] = e.code(name)
	}
	w := e.do(nil, "POST", "/api/login", in, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("login %s: %d %s", name, w.Code, w.Body)
	}
	var out struct{ CSRF string }
	json.Unmarshal(w.Body.Bytes(), &out)
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Strict", c)
			}
			return &client{cookie: c, csrf: out.CSRF}
		}
	}
	t.Fatalf("login %s set no session cookie", name)
	return nil
}

// request is one call of the route table test.
type request struct {
	method, path string
	body         any
}

// requests exercises every route in Routes.
var requests = map[string]request{
	"GET /login":                       {"GET", "/login", nil},
	"POST /login":                      {"POST", "/login", "name=x&password=y"},
	"POST /api/login":                  {"POST", "/api/login", map[string]string{"name": "x", "password": "y"}},
	"GET /lang":                        {"GET", "/lang?to=en", nil},
	"GET /healthz":                     {"GET", "/healthz", nil},
	"GET /metrics":                     {"GET", "/metrics", nil},
	"GET /{$}":                         {"GET", "/", nil},
	"POST /logout":                     {"POST", "/logout", map[string]string{}},
	"GET /api/me":                      {"GET", "/api/me", nil},
	"GET /queue":                       {"GET", "/queue", nil},
	"GET /items/{id}":                  {"GET", "/items/x:000001", nil},
	"GET /items/{id}/media/{n}":        {"GET", "/items/x:000001/media/0", nil},
	"POST /items/{id}/claim":           {"POST", "/items/x:000001/claim", map[string]string{}},
	"POST /items/{id}/release":         {"POST", "/items/x:000001/release", map[string]string{}},
	"POST /items/{id}/decide":          {"POST", "/items/x:000001/decide", map[string]string{}},
	"POST /next":                       {"POST", "/next", map[string]string{}},
	"POST /items/{id}/undo":            {"POST", "/items/x:000000/undo", map[string]string{"decision": "none"}},
	"POST /items/{id}/review":          {"POST", "/items/x:000000/review", map[string]string{}},
	"POST /api/undo":                   {"POST", "/api/undo", map[string]string{"item": "x:000000", "decision": "none"}},
	"POST /queue/bulk":                 {"POST", "/queue/bulk", map[string]string{}},
	"POST /saved":                      {"POST", "/saved", map[string]string{"kind": "queue", "name": "mine", "query": "label=hate"}},
	"POST /saved/alert":                {"POST", "/saved/alert", map[string]string{"kind": "search", "name": "mine", "alert": "1"}},
	"POST /api/saved":                  {"POST", "/api/saved", map[string]string{"kind": "search", "name": "mine", "query": "q=x"}},
	"GET /alerts":                      {"GET", "/alerts", nil},
	"GET /api/alerts":                  {"GET", "/api/alerts", nil},
	"POST /alerts/seen":                {"POST", "/alerts/seen", map[string]string{}},
	"GET /api/queue":                   {"GET", "/api/queue", nil},
	"GET /api/items/{id}":              {"GET", "/api/items/x:000001", nil},
	"GET /api/decisions":               {"GET", "/api/decisions?item=x:000001", nil},
	"POST /api/claims":                 {"POST", "/api/claims", map[string]string{}},
	"POST /api/decisions":              {"POST", "/api/decisions", map[string]string{}},
	"GET /api/users":                   {"GET", "/api/users", nil},
	"GET /api/alerts/dead":             {"GET", "/api/alerts/dead", nil},
	"GET /admin/users":                 {"GET", "/admin/users", nil},
	"GET /admin/alerts":                {"GET", "/admin/alerts", nil},
	"POST /admin/alerts/{id}/retry":    {"POST", "/admin/alerts/none/retry", map[string]string{}},
	"POST /api/alerts/dead/{id}/retry": {"POST", "/api/alerts/dead/none/retry", map[string]string{}},
	"POST /admin/users":                {"POST", "/admin/users", map[string]string{}},
	"POST /admin/users/{name}":         {"POST", "/admin/users/nobody", map[string]string{}},
	"POST /api/users":                  {"POST", "/api/users", map[string]string{}},
	"POST /api/users/{name}":           {"POST", "/api/users/nobody", map[string]string{}},
	"GET /api/search":                  {"GET", "/api/search?q=x", nil},
	"GET /api/trends":                  {"GET", "/api/trends", nil},
	"GET /search":                      {"GET", "/search", nil},
	"GET /dashboard":                   {"GET", "/dashboard", nil},

	"GET /items/{id}/refer":              {"GET", "/items/x:000001/refer", nil},
	"POST /items/{id}/refer":             {"POST", "/items/x:000001/refer", map[string]string{}},
	"GET /referrals":                     {"GET", "/referrals", nil},
	"GET /referrals/{id}":                {"GET", "/referrals/r1", nil},
	"GET /referrals/{id}/print":          {"GET", "/referrals/r1/print", nil},
	"POST /referrals/{id}/approve":       {"POST", "/referrals/r1/approve", map[string]string{}},
	"POST /referrals/{id}/reject":        {"POST", "/referrals/r1/reject", map[string]string{}},
	"POST /referrals/{id}/send-back":     {"POST", "/referrals/r1/send-back", map[string]string{}},
	"POST /referrals/{id}/outcome":       {"POST", "/referrals/r1/outcome", map[string]string{}},
	"GET /appeals":                       {"GET", "/appeals", nil},
	"POST /appeals":                      {"POST", "/appeals", map[string]string{}},
	"POST /appeals/{id}/decide":          {"POST", "/appeals/a1/decide", map[string]string{}},
	"GET /api/referrals":                 {"GET", "/api/referrals", nil},
	"POST /api/referrals":                {"POST", "/api/referrals", map[string]string{}},
	"GET /api/referrals/{id}":            {"GET", "/api/referrals/r1", nil},
	"GET /api/referrals/{id}/package":    {"GET", "/api/referrals/r1/package", nil},
	"GET /api/referrals/{id}/bundle":     {"GET", "/api/referrals/r1/bundle", nil},
	"POST /api/referrals/{id}/approve":   {"POST", "/api/referrals/r1/approve", map[string]string{}},
	"POST /api/referrals/{id}/reject":    {"POST", "/api/referrals/r1/reject", map[string]string{}},
	"POST /api/referrals/{id}/send-back": {"POST", "/api/referrals/r1/send-back", map[string]string{}},
	"POST /api/referrals/{id}/outcome":   {"POST", "/api/referrals/r1/outcome", map[string]string{}},
	"GET /api/appeals":                   {"GET", "/api/appeals", nil},
	"POST /api/appeals":                  {"POST", "/api/appeals", map[string]string{}},
	"POST /api/appeals/{id}/decide":      {"POST", "/api/appeals/a1/decide", map[string]string{}},

	"GET /login/code":                    {"GET", "/login/code", nil},
	"POST /login/code":                   {"POST", "/login/code", map[string]string{}},
	"GET /account":                       {"GET", "/account", nil},
	"GET /account/totp":                  {"GET", "/account/totp", nil},
	"POST /account/totp":                 {"POST", "/account/totp", map[string]string{}},
	"POST /account/totp/disable":         {"POST", "/account/totp/disable", map[string]string{}},
	"POST /account/recovery":             {"POST", "/account/recovery", map[string]string{}},
	"POST /account/sessions/{id}/revoke": {"POST", "/account/sessions/s1/revoke", map[string]string{}},
	"POST /api/totp":                     {"POST", "/api/totp", map[string]string{}},
	"POST /api/totp/confirm":             {"POST", "/api/totp/confirm", map[string]string{}},
	"GET /api/sessions":                  {"GET", "/api/sessions", nil},
	"POST /api/sessions/{id}/revoke":     {"POST", "/api/sessions/s1/revoke", map[string]string{}},
	"GET /audit":                         {"GET", "/audit", nil},
	"GET /api/audit":                     {"GET", "/api/audit", nil},
	"GET /transparency":                  {"GET", "/transparency", nil},
	"GET /api/transparency":              {"GET", "/api/transparency?period=2026-Q4", nil},
	"GET /research/quality":              {"GET", "/research/quality?days=7", nil},
	"GET /api/research/quality":          {"GET", "/api/research/quality", nil},
	"GET /complaint":                     {"GET", "/complaint", nil},
	"POST /complaint":                    {"POST", "/complaint", "reference=x&text=y"},

	"GET /admin/sources":                          {"GET", "/admin/sources", nil},
	"POST /admin/sources":                         {"POST", "/admin/sources", map[string]string{}},
	"POST /admin/sources/{name}":                  {"POST", "/admin/sources/s1", map[string]string{}},
	"POST /admin/sources/{name}/pause":            {"POST", "/admin/sources/s1/pause", map[string]string{}},
	"POST /admin/sources/{name}/resume":           {"POST", "/admin/sources/s1/resume", map[string]string{}},
	"GET /api/sources":                            {"GET", "/api/sources", nil},
	"POST /api/sources":                           {"POST", "/api/sources", map[string]string{}},
	"PUT /api/sources/{name}":                     {"PUT", "/api/sources/s1", map[string]string{}},
	"POST /api/sources/{name}/pause":              {"POST", "/api/sources/s1/pause", map[string]string{}},
	"POST /api/sources/{name}/resume":             {"POST", "/api/sources/s1/resume", map[string]string{}},
	"GET /discovery":                              {"GET", "/discovery", nil},
	"POST /discovery/{id}/approve":                {"POST", "/discovery/c1/approve", map[string]string{}},
	"POST /discovery/{id}/reject":                 {"POST", "/discovery/c1/reject", map[string]string{}},
	"GET /api/discovery/candidates":               {"GET", "/api/discovery/candidates", nil},
	"POST /api/discovery/candidates/{id}/approve": {"POST", "/api/discovery/candidates/c1/approve", map[string]string{}},
	"POST /api/discovery/candidates/{id}/reject":  {"POST", "/api/discovery/candidates/c1/reject", map[string]string{}},
}

// TestOneRouteTable: the server registers a handler for every route in
// Routes and no route outside it, each request of the table test reaches
// the route it was written for, and New refuses a table a handler is
// missing for.
func TestOneRouteTable(t *testing.T) {
	e := newEnv(t, nil)
	hs := e.srv.handlers()
	for pattern := range Routes {
		if hs[pattern] == nil {
			t.Errorf("route %s has no handler", pattern)
		}
	}
	for pattern := range hs {
		if _, ok := Routes[pattern]; !ok {
			t.Errorf("handler for %s is not in Routes", pattern)
		}
	}
	for pattern, req := range requests {
		if _, ok := Routes[pattern]; !ok {
			t.Errorf("the table test calls %s, which is not in Routes", pattern)
			continue
		}
		r := httptest.NewRequest(req.method, req.path, nil)
		if _, got := e.srv.mux.Handler(r); got != pattern {
			t.Errorf("%s %s reaches %q, want %q", req.method, req.path, got, pattern)
		}
	}
	Routes["GET /unserved"] = Access{}
	defer delete(Routes, "GET /unserved")
	if _, err := New(e.srv.cfg); err == nil || !strings.Contains(err.Error(), "GET /unserved") {
		t.Fatalf("New with a route without a handler: %v, want an error naming it", err)
	}
}

// TestRoleTable calls every route as every role and anonymously: anonymous
// calls get 401 (pages redirect to /login), roles without the permission
// 403, everyone else gets past the guard.
func TestRoleTable(t *testing.T) {
	for pattern := range Routes {
		if _, ok := requests[pattern]; !ok {
			t.Fatalf("route %s has no request in the table test", pattern)
		}
	}
	e := newEnv(t, reviewtest.Items(5))
	e.srv.cfg.Sessions.Throttle = nil // the table's failed logins would block the client
	callers := map[string]*client{"anonymous": nil}
	for role, name := range roleUsers {
		callers[string(role)] = e.login(t, name)
	}
	for pattern, req := range requests {
		acc := Routes[pattern]
		for who, c := range callers {
			t.Run(pattern+"/"+who, func(t *testing.T) {
				if c != nil && pattern == "POST /logout" {
					c = e.login(t, roleUsers[review.Role(who)]) // keep the shared session alive
				}
				w := e.do(c, req.method, req.path, req.body, nil)
				got := w.Code
				var role review.Role
				if c != nil {
					role = review.Role(who)
				}
				switch {
				case acc.Public:
					// A public route may refuse the made-up credentials (401), never the caller.
					if got == 403 || got == 401 && req.method == "GET" {
						t.Fatalf("public route answered %d", got)
					}
				case c == nil && req.method == "GET" && !strings.HasPrefix(req.path, "/api/") && !acc.Loopback:
					if got != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
						t.Fatalf("anonymous page: %d to %q, want 303 to /login", got, w.Header().Get("Location"))
					}
				case c == nil:
					if got != http.StatusUnauthorized {
						t.Fatalf("anonymous call: %d, want 401", got)
					}
				case acc.Loopback && !role.Can(review.PermAdmin), acc.Perm != "" && !role.Can(acc.Perm):
					if got != http.StatusForbidden {
						t.Fatalf("%s: %d, want 403", role, got)
					}
				default:
					if got == 401 || got == 403 || got == 404 && !strings.Contains(pattern, "{id}") && !strings.Contains(pattern, "{name}") && pattern != "POST /api/claims" {
						t.Fatalf("%s: %d %s, want past the guard", role, got, w.Body)
					}
				}
				// The auditor changes nothing: every state-changing route
				// that needs a permission refuses it (what is left is
				// public, logging out, and its own account's login
				// security: two-factor and sessions); and it reads every
				// oversight route.
				if role == review.RoleAuditor && !acc.Public {
					switch {
					case req.method != "GET" && acc.Perm != "" && got != http.StatusForbidden:
						t.Fatalf("auditor on a state-changing route: %d, want 403", got)
					case req.method == "GET" && acc.Perm == review.PermOversight && got != http.StatusOK:
						t.Fatalf("auditor reading %s: %d %s, want 200", pattern, got, w.Body)
					}
				}
			})
		}
	}
}

func TestGuard(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	ana, res, adm := e.login(t, "ana"), e.login(t, "res"), e.login(t, "adm")
	cases := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		header map[string]string
		want   int
	}{
		{"undeclared route", ana, "GET", "/admin", nil, nil, 404},
		{"undeclared api route", ana, "GET", "/api/secret", nil, nil, 404},
		{"healthz on loopback without login", &client{addr: "127.0.0.1:5000"}, "GET", "/healthz", nil, nil, 200},
		{"metrics on ipv6 loopback", &client{addr: "[::1]:5000"}, "GET", "/metrics", nil, nil, 200},
		{"metrics from afar anonymous", nil, "GET", "/metrics", nil, nil, 401},
		{"metrics from afar as admin", adm, "GET", "/metrics", nil, nil, 200},
		{"researcher decides", res, "POST", "/api/decisions", map[string]string{"item": "x:000001"}, nil, 403},
		{"admin claims", adm, "POST", "/api/claims", map[string]string{}, nil, 403},
		{"analyst lists users", ana, "GET", "/api/users", nil, nil, 403},
		{"admin lists users", adm, "GET", "/api/users", nil, nil, 200},
		{"api post without csrf", &client{cookie: ana.cookie}, "POST", "/api/claims", map[string]string{}, nil, 403},
		{"api post with a wrong csrf", &client{cookie: ana.cookie}, "POST", "/api/claims", map[string]string{}, map[string]string{"X-CSRF-Token": "forged"}, 403},
		{"api post with another session's csrf", &client{cookie: ana.cookie}, "POST", "/api/claims", map[string]string{}, map[string]string{"X-CSRF-Token": res.csrf}, 403},
		{"form post without csrf", ana, "POST", "/items/x:000001/claim", "", nil, 403},
		{"form post with csrf", ana, "POST", "/items/x:000001/claim", "csrf=" + ana.csrf, nil, 303},
		{"api post with csrf", ana, "POST", "/api/claims", map[string]string{}, nil, 200},
		{"forged session cookie", &client{cookie: &http.Cookie{Name: SessionCookie, Value: "forged"}}, "GET", "/api/queue", nil, nil, 401},
		{"bad filter", ana, "GET", "/api/queue?min_score=2", nil, nil, 400},
		{"unknown item", ana, "GET", "/api/items/nope", nil, nil, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.do(c.c, c.method, c.path, c.body, c.header)
			if w.Code != c.want {
				t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, w.Code, w.Body, c.want)
			}
		})
	}
}

func TestLoginThrottle(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 5 {
		w := e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": "wrong-password"}, nil)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("bad login %d: %d, want 401", i, w.Code)
		}
	}
	w := e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": password}, nil)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("right password after 5 failures: %d, want 429", w.Code)
	}
	w = e.do(&client{addr: "198.51.100.7:1"}, "POST", "/login", "name=sen&password="+password, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("another account from another client: %d, want 303", w.Code)
	}
	e.clock.Add(16 * time.Minute)
	w = e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": password}, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("after the window: %d, want 200", w.Code)
	}
	w = e.do(nil, "POST", "/login", "name=ghost&password=whatever-pass", nil)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), lang(httptest.NewRequest("GET", "/", nil)).T("m_bad_login")) {
		t.Fatalf("unknown account: %d, want 401 with the message", w.Code)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name  string
		steps []time.Duration // clock moves before each call
		last  int
	}{
		{"active", []time.Duration{10 * time.Minute, 20 * time.Minute}, 200},
		{"idle", []time.Duration{31 * time.Minute}, 401},
		{"absolute", func() []time.Duration {
			var s []time.Duration
			for range 37 { // 37 × 20 min > 12 h, never idle for 30 min
				s = append(s, 20*time.Minute)
			}
			return s
		}(), 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := e.login(t, "ana")
			var code int
			for _, d := range c.steps {
				e.clock.Add(d)
				code = e.do(cl, "GET", "/api/me", nil, nil).Code
			}
			if code != c.last {
				t.Fatalf("last call: %d, want %d", code, c.last)
			}
		})
	}
	t.Run("logout", func(t *testing.T) {
		cl := e.login(t, "ana")
		if w := e.do(cl, "POST", "/logout", "csrf="+cl.csrf, nil); w.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", w.Code)
		}
		if w := e.do(cl, "GET", "/api/me", nil, nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("after logout: %d, want 401", w.Code)
		}
	})
	t.Run("disabled account", func(t *testing.T) {
		cl := e.login(t, "sen")
		m := &accounts.Manager{Store: e.st, Actor: "test"}
		if err := m.Disable(context.Background(), "sen"); err != nil {
			t.Fatal(err)
		}
		if w := e.do(cl, "GET", "/api/me", nil, nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("disabled account's session: %d, want 401", w.Code)
		}
		if w := e.do(nil, "POST", "/api/login", map[string]string{"name": "sen", "password": password}, nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("disabled account's login: %d, want 401", w.Code)
		}
	})
}

func decode[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %s: %v", w.Body, err)
	}
	return v
}

func TestReviewFlow(t *testing.T) {
	t.Run("bolt", func(t *testing.T) { testReviewFlow(t, newEnv(t, reviewtest.Items(30))) })
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
		t.Cleanup(func() { rdb.Close() })
		testReviewFlow(t, newEnvWith(t, reviewtest.Items(30), redisstore.New(rdb, "flow:")))
	})
}

func testReviewFlow(t *testing.T, e *env) {
	ana, sen, res := e.login(t, "ana"), e.login(t, "sen"), e.login(t, "res")
	// Claiming the next item takes the first in review order: urgent, then
	// the highest score (x:000017 before x:000000).
	w := e.do(ana, "POST", "/api/claims", map[string]string{}, nil)
	if it := decode[review.Item](t, w); w.Code != 200 || it.ID != "x:000017" {
		t.Fatalf("claim next: %d %s", w.Code, w.Body)
	}
	// Analyst claims x:000000; the senior reviewer cannot take it.
	w = e.do(ana, "POST", "/api/claims", map[string]string{"item": "x:000000"}, nil)
	it := decode[review.Item](t, w)
	if w.Code != 200 || it.ID != "x:000000" || it.Lease == nil {
		t.Fatalf("claim next: %d %s", w.Code, w.Body)
	}
	if w := e.do(sen, "POST", "/api/claims", map[string]string{"item": it.ID}, nil); w.Code != http.StatusConflict {
		t.Fatalf("claim of a held item: %d, want 409", w.Code)
	}
	// The other reviewer sees who holds it, but not the lease token.
	view := decode[itemView](t, e.do(sen, "GET", "/api/items/"+it.ID, nil, nil))
	if !view.Held || view.Item.Lease == nil || view.Item.Lease.Token != "" || view.Item.Lease.Holder != "ana" {
		t.Fatalf("held item seen by another: %+v", view.Item.Lease)
	}
	// A decision with someone else's name is refused; a stale lease too.
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": it.ID, "reviewer": "sen", "action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive", "lease": it.Lease.Token}, nil); w.Code != 403 {
		t.Fatalf("decision in another's name: %d, want 403", w.Code)
	}
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": it.ID, "action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive", "lease": "stale"}, nil); w.Code != 409 {
		t.Fatalf("decision with a stale lease: %d, want 409", w.Code)
	}
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": it.ID, "action": "nuke", "verdict": "false_positive", "lease": it.Lease.Token}, nil); w.Code != 400 {
		t.Fatalf("unknown action: %d, want 400", w.Code)
	}
	w = e.do(ana, "POST", "/api/decisions", map[string]any{"item": it.ID, "action": "escalate", "verdict": "true_positive", "reason": "تهديد صريح", "lease": it.Lease.Token}, nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("escalate: %d %s", w.Code, w.Body)
	}
	out := decode[struct {
		Item     review.Item
		Decision review.Decision
	}](t, w)
	if out.Item.Status != review.StatusSenior || out.Decision.Stage != review.StageEscalated || out.Decision.ID == "" {
		t.Fatalf("after escalation: %+v", out)
	}
	// The senior reviewer decides it through the pages.
	if w := e.do(sen, "POST", "/items/"+it.ID+"/claim", "csrf="+sen.csrf, nil); w.Code != 303 || w.Header().Get("Location") != "/items/"+it.ID {
		t.Fatalf("senior claim: %d %s", w.Code, w.Header().Get("Location"))
	}
	page := e.do(sen, "GET", "/items/"+it.ID, nil, nil).Body.String()
	for _, want := range []string{`dir="rtl"`, "rasd-test@1.2.3", "<mark", `id="decide"`, "تهديد صريح", `id="author-items"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("item page lacks %q", want)
		}
	}
	lease := between(page, `name="lease" value="`, `"`)
	w = e.do(sen, "POST", "/items/"+it.ID+"/decide", "csrf="+sen.csrf+"&lease="+lease+"&action=refer&verdict=wrong_label&labels=threat,incitement&reason=x", nil)
	if w.Code != 303 || w.Header().Get("Location") != "/items/"+it.ID+"/refer" { // "refer" opens the referral form
		t.Fatalf("senior decision: %d %s", w.Code, w.Header().Get("Location"))
	}
	ds := decode[[]review.Decision](t, e.do(res, "GET", "/api/decisions?item="+it.ID, nil, nil))
	if len(ds) != 2 || ds[1].Stage != review.StageSenior || len(ds[1].Labels) != 2 {
		t.Fatalf("decisions: %+v", ds)
	}
	// Researchers see pseudonyms, analysts the author and their other posts.
	q := decode[review.Page](t, e.do(res, "GET", "/api/queue?limit=100", nil, nil))
	if len(q.Items) != 29 || q.Open != 29 {
		t.Fatalf("queue after one decision: %d items, open %d; want 29", len(q.Items), q.Open)
	}
	for _, it := range q.Items {
		if !strings.HasPrefix(it.Author, "anon-") {
			t.Fatalf("researcher sees author %q", it.Author)
		}
	}
	rv := decode[itemView](t, e.do(res, "GET", "/api/items/x:000001", nil, nil))
	if rv.Record == nil || !strings.HasPrefix(rv.Record.Post.Author.ID, "anon-") || rv.Record.Post.Author.Handle != "" || rv.Record.Post.Permalink != "" || len(rv.AuthorItems) != 0 {
		t.Fatalf("researcher's item view reveals the author: %+v %d", rv.Record.Post.Author, len(rv.AuthorItems))
	}
	av := decode[itemView](t, e.do(ana, "GET", "/api/items/x:000001", nil, nil))
	if av.Record.Post.Author.ID != "author1" || len(av.AuthorItems) == 0 || av.Item.Author != "x:author1" {
		t.Fatalf("analyst's item view: author %+v, %d other posts", av.Record.Post.Author, len(av.AuthorItems))
	}
	// The copies seen elsewhere: analysts see where, researchers only that.
	if len(av.Sightings) != 1 || av.Sightings[0].Permalink != "https://t.me/chan/9" {
		t.Fatalf("analyst's sightings: %+v", av.Sightings)
	}
	if len(rv.Sightings) != 1 || rv.Sightings[0].Permalink != "" {
		t.Fatalf("researcher's sightings reveal where: %+v", rv.Sightings)
	}
	if page := e.do(ana, "GET", "/items/x:000001", nil, nil).Body.String(); !strings.Contains(page, `id="sightings"`) || !strings.Contains(page, "https://t.me/chan/9") {
		t.Fatalf("item page lacks the sightings table")
	}
	if rv.Item.Author != e.srv.cfg.Pseudonyms.Pseudonym("x:author1") {
		t.Fatalf("pseudonym %q is not stable", rv.Item.Author)
	}
	// Filters and the English page.
	fq := decode[review.Page](t, e.do(ana, "GET", "/api/queue?label=threat&platform=telegram&max_age=10h", nil, nil))
	for _, it := range fq.Items {
		if it.Labels[0] != "threat" || it.Platform != "telegram" {
			t.Fatalf("filtered queue holds %+v", it)
		}
	}
	if len(fq.Items) == 0 {
		t.Fatalf("filter matched nothing")
	}
	wl := e.do(ana, "GET", "/lang?to=en&next=/queue", nil, nil)
	en := &client{cookie: ana.cookie, csrf: ana.csrf}
	req := httptest.NewRequest("GET", "/queue", nil)
	req.AddCookie(ana.cookie)
	for _, c := range wl.Result().Cookies() {
		req.AddCookie(c)
	}
	_ = en
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, req)
	if body := rw.Body.String(); !strings.Contains(body, `dir="ltr"`) || !strings.Contains(body, "Review queue") {
		t.Fatalf("English queue page is not English")
	}
	// Everything is in the audit log, and the chain holds.
	n, _, err := audit.VerifyFile(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(e.audit)
	defer f.Close()
	entries, _ := audit.ReadAll(f)
	types := map[string]int{}
	for _, en := range entries {
		types[en.Type]++
	}
	if types[audit.TypeLogin] < 3 || types[audit.TypeDecision] != 2 || types[audit.TypeRoleChange] != len(roleUsers)+2 || n != len(entries) { // the accounts added, and two enrolled in TOTP
		t.Fatalf("audit log types %v in %d entries", types, n)
	}
}

func between(s, a, b string) string {
	_, after, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, b)
	return v
}

func TestItemPageShowsScoresAgainstTheModelThresholds(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	// x:000001 is flagged incitement with a raw score of 0.01, judged with
	// the model card's threshold of 0.034: 22.3% on the policy's scale.
	e.be.mu.Lock()
	rec := e.be.recs["x:000001"]
	j, err := policy.Default().Judge(policy.Scored{Model: rec.Model, Raw: rec.Scores}, map[string]float64{"incitement": 0.034}, rec.Processed)
	if err != nil {
		t.Fatal(err)
	}
	rec.Judgement = &j
	e.be.recs["x:000001"] = rec
	e.be.mu.Unlock()
	ana := e.login(t, "ana")
	page := e.do(ana, "GET", "/items/x:000001", nil, nil).Body.String()
	table := between(page, `<table id="scores">`, `</table>`)
	for _, want := range []string{"عتبة النموذج", "درجة النموذج الخام", `<tr class="raised"><td>تحريض</td><td>٢٢٫٣٪</td><td class="meta">١٫٠٪</td><td class="meta">٣٫٤٪</td><td>مُعلَّم</td></tr>`} {
		if !strings.Contains(table, want) {
			t.Errorf("score table lacks %q:\n%s", want, table)
		}
	}
}

// TestRedirectsStayOnThisSite: /lang and /login send the browser only to a
// path of this site, whatever next says (tabs, line breaks and backslashes
// that browsers strip or turn into slashes included).
func TestRedirectsStayOnThisSite(t *testing.T) {
	e := newEnv(t, reviewtest.Items(1))
	bad := []string{"//evil.example/x", "/%09/evil.example/x", "/\t/evil.example/x", "/\n/evil.example", "/\\evil.example", "/\\/evil.example",
		"https://evil.example/", "javascript:alert(1)", "/\r\n/evil.example", "/\u200e/evil.example", "evil.example", ""}
	for _, next := range bad {
		for _, path := range []string{"/lang?to=en&next=" + url.QueryEscape(next)} {
			w := e.do(nil, "GET", path, nil, nil)
			if loc := w.Header().Get("Location"); loc != "/queue" {
				t.Errorf("GET %s sends the browser to %q, want /queue", path, loc)
			}
		}
		form := url.Values{"name": {"ana"}, "password": {password}, "next": {next}}.Encode()
		w := e.do(nil, "POST", "/login", form, nil)
		if loc := w.Header().Get("Location"); w.Code == http.StatusSeeOther && loc != "/queue" {
			t.Errorf("login with next %q sends the browser to %q, want /queue", next, loc)
		}
	}
	if loc := e.do(nil, "GET", "/lang?to=en&next="+url.QueryEscape("/items/x:000000?a=1"), nil, nil).Header().Get("Location"); loc != "/items/x:000000?a=1" {
		t.Errorf("a local next became %q", loc)
	}
}

// TestSecurityHeaders: every answer carries the content security policy and
// the framing, sniffing and referrer headers; private pages are not cached.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, reviewtest.Items(2))
	ana := e.login(t, "ana")
	for _, c := range []struct {
		who  *client
		path string
	}{{nil, "/login"}, {ana, "/queue"}, {ana, "/items/x:000000"}, {ana, "/api/queue"}, {nil, "/no-such-page"}} {
		w := e.do(c.who, "GET", c.path, nil, nil)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "'sha256-") {
			t.Errorf("%s: CSP %q", c.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", c.path, h)
		}
		if c.who != nil && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: a private page may be cached (%q)", c.path, h.Get("Cache-Control"))
		}
	}
}

// TestBodiesAreBounded: no route reads more than MaxBody, and multipart
// bodies (which the standard library spools to disk) are refused before
// anyone is logged in.
func TestBodiesAreBounded(t *testing.T) {
	e := newEnv(t, reviewtest.Items(1))
	w := e.do(nil, "POST", "/login", "x=1", map[string]string{"Content-Type": "multipart/form-data; boundary=x"})
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("multipart login: %d", w.Code)
	}
	big := "name=ana&password=" + strings.Repeat("a", MaxBody+10)
	if w := e.do(nil, "POST", "/login", big, nil); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a login body over MaxBody: %d, want 413", w.Code)
	}
	ana := e.login(t, "ana")
	w = e.do(ana, "POST", "/api/appeals", map[string]string{"target": "decision", "target_id": "x", "reason": strings.Repeat("r", MaxBody)}, nil)
	if w.Code < 400 || w.Code >= 500 {
		t.Errorf("an appeal body over MaxBody: %d %s", w.Code, w.Body.String()[:min(200, w.Body.Len())])
	}
}

// TestHandlesAreIsolated: a handle or source name with bidi controls
// (U+202E) cannot reorder the text around it on the item page.
func TestHandlesAreIsolated(t *testing.T) {
	e := newEnv(t, reviewtest.Items(1))
	e.be.mu.Lock()
	rec := e.be.recs["x:000000"]
	rec.Post.Author.Handle = "@evil\u202etxt.exe"
	e.be.recs["x:000000"] = rec
	e.be.mu.Unlock()
	page := e.do(e.login(t, "ana"), "GET", "/items/x:000000", nil, nil).Body.String()
	if !strings.Contains(page, "(<bdi>@evil\u202etxt.exe</bdi>)") {
		t.Errorf("handle not isolated:\n%s", between(page, `<span id="author">`, `</span>`))
	}
}

// TestSignalEvidenceIsHighlighted: the item page marks the evidence of the
// signals the judgement found, in the original text.
func TestSignalEvidenceIsHighlighted(t *testing.T) {
	e := newEnv(t, reviewtest.Items(1))
	e.be.mu.Lock()
	rec := e.be.recs["x:000000"]
	rec.Post.Text = "الناشط حسن خل يقرا الفاتحة"
	rec.Spans = nil
	j := *rec.Judgement
	j.Signals = []policy.Signal{{Name: "defender_targeted", Start: 0, End: len("الناشط حسن"), Detail: "activist"}}
	rec.Judgement = &j
	e.be.recs["x:000000"] = rec
	e.be.mu.Unlock()
	page := e.do(e.login(t, "ana"), "GET", "/items/x:000000", nil, nil).Body.String()
	want := `<mark class="sig" title="signal: defender_targeted (activist)">الناشط حسن</mark>`
	if !strings.Contains(page, want) {
		t.Errorf("item page lacks %s:\n%s", want, between(page, `<p class="post"`, `</p>`))
	}
}

// TestHealthzReportsDegraded: while a part of the engine fails, /healthz
// says degraded and names it.
func TestHealthzReportsDegraded(t *testing.T) {
	e := newEnv(t, reviewtest.Items(1))
	failing := []string{"source tg failing for 4s"}
	e.srv.cfg.Failing = func() []string { return failing }
	w := e.do(&client{addr: "127.0.0.1:5000"}, "GET", "/healthz", nil, nil)
	var h struct {
		Status  string   `json:"status"`
		Failing []string `json:"failing"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &h); err != nil || h.Status != "degraded" || len(h.Failing) != 1 {
		t.Fatalf("healthz during a failure: %d %s", w.Code, w.Body)
	}
	failing = nil
	w = e.do(&client{addr: "127.0.0.1:5000"}, "GET", "/healthz", nil, nil)
	if !strings.Contains(w.Body.String(), `"status":"ok"`) {
		t.Fatalf("healthz after the failure: %s", w.Body)
	}
}

// TestForwardingHeadersOnlyFromTrustedProxies: X-Forwarded-For and
// X-Forwarded-Proto are ignored from anyone but a configured proxy; from
// one, the client behind it is who counts (a forwarded request is never
// "loopback"), and https makes the session cookie Secure.
func TestForwardingHeadersOnlyFromTrustedProxies(t *testing.T) {
	e := newEnv(t, reviewtest.Items(1))
	proxy := &client{addr: "127.0.0.1:40000"}
	fwd := map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
	login := url.Values{"name": {"ana"}, "password": {password}}.Encode()

	// No trusted proxy: the headers change nothing.
	if w := e.do(proxy, "GET", "/healthz", nil, fwd); w.Code != http.StatusOK {
		t.Fatalf("healthz from loopback without trusted proxies: %d", w.Code)
	}
	if c := e.do(&client{addr: "198.51.100.7:1"}, "POST", "/login", login, fwd).Header().Get("Set-Cookie"); strings.Contains(c, "Secure") {
		t.Fatalf("a client's own X-Forwarded-Proto made the cookie Secure: %q", c)
	}

	e.srv.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	if w := e.do(proxy, "GET", "/healthz", nil, fwd); w.Code == http.StatusOK {
		t.Fatalf("a request forwarded for a remote client reached the loopback-only /healthz")
	}
	if w := e.do(proxy, "GET", "/healthz", nil, nil); w.Code != http.StatusOK {
		t.Fatalf("the proxy's own request to /healthz: %d", w.Code)
	}
	w := e.do(proxy, "POST", "/login", login, fwd)
	if c := w.Header().Get("Set-Cookie"); w.Code != http.StatusSeeOther || !strings.Contains(c, "Secure") {
		t.Fatalf("login through the proxy over https: %d, cookie %q", w.Code, c)
	}
	if got := e.srv.clientOf(httptest.NewRequest("GET", "/", nil)); got == "203.0.113.9" {
		t.Fatalf("a direct request took a forwarded address")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.9")
	if got := e.srv.clientOf(r); got != "203.0.113.9" {
		t.Fatalf("client behind the proxy is %q, want the last untrusted hop", got)
	}
}

// TestMarkSpansOverlapping checks that a span overlapping one marked before
// it still marks the words it adds, so no evidence goes unshown.
func TestMarkSpansOverlapping(t *testing.T) {
	text := "نعرف بيتك وين <b>"
	spans := []store.Span{
		{Start: 0, End: len("نعرف بيتك"), Label: signalMark + "doxxing"},
		{Start: len("نعرف "), End: len("نعرف بيتك وين"), Label: "threat"},
	}
	got := string(markSpans(text, spans))
	want := `<mark class="sig" title="signal: doxxing">نعرف بيتك</mark><mark title="threat"> وين</mark> &lt;b&gt;`
	if got != want {
		t.Errorf("markSpans = %s, want %s", got, want)
	}
}
