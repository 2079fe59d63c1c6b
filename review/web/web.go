// Package web serves the review queue to people: the server-rendered,
// Arabic-first (RTL, with an English toggle) queue and item pages with
// keyboard shortcuts, the JSON API under /api/ (queue, items, claims,
// decisions, users), login and logout, and the guard that puts a role check
// in front of every route, its own and those of the search and dashboard
// views: anonymous calls get 401 (pages redirect to /login), wrong roles
// 403, state-changing calls without the session's CSRF token 403, and
// routes nobody declared 404.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/api"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/referral"
	"github.com/rasd-iq/rasd/review/session"
)

//go:embed templates/*.html
var templateFS embed.FS

// Cookie names.
const (
	// SessionCookie carries the session id.
	SessionCookie = "rasd_session"
	// LangCookie carries the UI language; the search and dashboard pages read the same cookie.
	LangCookie = api.LangCookie
)

// Access says who may call a route.
type Access struct {
	// Public routes need no login (the login page itself).
	Public bool
	// Loopback routes are open to loopback clients and to admins elsewhere.
	Loopback bool
	// Perm is the permission needed; empty means any logged-in account.
	Perm review.Permission
}

// Routes is the guard's table: every route served behind the guard, with
// who may call it. A route missing here answers 404 whatever the mux holds.
var Routes = map[string]Access{
	"GET /login":               {Public: true},
	"POST /login":              {Public: true},
	"POST /api/login":          {Public: true},
	"GET /lang":                {Public: true},
	"GET /healthz":             {Loopback: true},
	"GET /metrics":             {Loopback: true},
	"GET /{$}":                 {},
	"POST /logout":             {},
	"GET /api/me":              {},
	"GET /queue":               {Perm: review.PermView},
	"GET /items/{id}":          {Perm: review.PermView},
	"POST /items/{id}/claim":   {Perm: review.PermDecide},
	"POST /items/{id}/release": {Perm: review.PermDecide},
	"POST /items/{id}/decide":  {Perm: review.PermDecide},
	"POST /next":               {Perm: review.PermDecide},
	"GET /api/queue":           {Perm: review.PermView},
	"GET /api/items/{id}":      {Perm: review.PermView},
	"GET /api/decisions":       {Perm: review.PermView},
	"POST /api/claims":         {Perm: review.PermDecide},
	"POST /api/decisions":      {Perm: review.PermDecide},
	"GET /api/users":           {Perm: review.PermAdmin},
	"GET /api/search":          {Perm: review.PermView},
	"GET /api/trends":          {Perm: review.PermView},
	"GET /search":              {Perm: review.PermView},
	"GET /dashboard":           {Perm: review.PermView},

	// Referrals (author identities and URLs: PermAuthors to read) and appeals.
	"GET /items/{id}/refer":            {Perm: review.PermDecide},
	"POST /items/{id}/refer":           {Perm: review.PermDecide},
	"GET /referrals":                   {Perm: review.PermAuthors},
	"GET /referrals/{id}":              {Perm: review.PermAuthors},
	"GET /referrals/{id}/print":        {Perm: review.PermAuthors},
	"POST /referrals/{id}/approve":     {Perm: review.PermDecide},
	"POST /referrals/{id}/outcome":     {Perm: review.PermDecide},
	"GET /appeals":                     {Perm: review.PermView},
	"POST /appeals":                    {Perm: review.PermView},
	"POST /appeals/{id}/decide":        {Perm: review.PermDecide},
	"GET /api/referrals":               {Perm: review.PermAuthors},
	"POST /api/referrals":              {Perm: review.PermDecide},
	"GET /api/referrals/{id}":          {Perm: review.PermAuthors},
	"GET /api/referrals/{id}/package":  {Perm: review.PermAuthors},
	"POST /api/referrals/{id}/approve": {Perm: review.PermDecide},
	"POST /api/referrals/{id}/outcome": {Perm: review.PermDecide},
	"GET /api/appeals":                 {Perm: review.PermView},
	"POST /api/appeals":                {Perm: review.PermView},
	"POST /api/appeals/{id}/decide":    {Perm: review.PermDecide},
}

// Config is what the server needs.
type Config struct {
	// Store keeps accounts, sessions and review state.
	Store review.Store
	// Backend is the pipeline's store: records, and the queue to sync from.
	Backend store.Backend
	// Sessions logs people in; session.New(Store) when nil.
	Sessions *session.Manager
	// Audit receives logins, logouts and decisions; required.
	Audit *audit.Log
	// Policy gives the guidance per label; policy.Default() when nil.
	Policy *policy.Policy
	// Rules configure review (second review, lease length).
	Rules review.Rules
	// Pseudonyms replace author identities for researchers; required.
	Pseudonyms *accounts.Pseudonymizer
	// Log receives anomalies.
	Log *slog.Logger
	// Now returns the current time (tests move it).
	Now func() time.Time
	// SecureCookies marks cookies Secure even when this server does not see
	// TLS (behind a TLS-terminating proxy). Requests over TLS always get it.
	SecureCookies bool
	// Thresholds are the model card's thresholds per label, shown beside
	// each score so that reviewers see why a label was flagged; nil shows
	// scores alone.
	Thresholds map[string]float64
	// Notifier is the organisation named in referral packages;
	// referral.DefaultNotifier() when empty.
	Notifier policy.Notifier
}

// Server is the review web UI and API.
type Server struct {
	cfg   Config
	tmpl  *template.Template
	guard *http.ServeMux
	ref   *referral.Service
}

// New checks cfg and parses the templates.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Backend == nil || cfg.Audit == nil || cfg.Pseudonyms == nil {
		return nil, errors.New("review web: store, backend, audit log and pseudonymiser are required")
	}
	if cfg.Sessions == nil {
		cfg.Sessions = session.New(cfg.Store)
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.Default()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	funcs := template.FuncMap{
		"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"pct1": func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
		"join": strings.Join,
		"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
		"mark": highlight,
		"holder": func(it review.Item, now time.Time) string {
			if it.Lease.Active(now) {
				return it.Lease.Holder
			}
			return ""
		},
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parsing review templates: %w", err)
	}
	if cfg.Notifier == (policy.Notifier{}) {
		cfg.Notifier = referral.DefaultNotifier()
	}
	s := &Server{cfg: cfg, tmpl: t, guard: http.NewServeMux()}
	s.ref = &referral.Service{Store: cfg.Store, Backend: cfg.Backend, Policy: cfg.Policy, Audit: cfg.Audit, Notifier: cfg.Notifier,
		RoleID: func(u string) string { return cfg.Pseudonyms.Pseudonym("reviewer:" + u) }, Now: cfg.Now, Log: cfg.Log}
	for pattern := range Routes {
		s.guard.Handle(pattern, http.NotFoundHandler())
	}
	return s, nil
}

// Mount registers the review routes on mux.
func (s *Server) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.pageLogin)
	mux.HandleFunc("POST /login", s.postLogin)
	mux.HandleFunc("POST /api/login", s.apiLogin)
	mux.HandleFunc("GET /lang", s.setLang)
	mux.HandleFunc("POST /logout", s.postLogout)
	mux.HandleFunc("GET /api/me", s.apiMe)
	mux.HandleFunc("GET /queue", s.pageQueue)
	mux.HandleFunc("GET /items/{id}", s.pageItem)
	mux.HandleFunc("POST /items/{id}/claim", s.postClaim)
	mux.HandleFunc("POST /items/{id}/release", s.postRelease)
	mux.HandleFunc("POST /items/{id}/decide", s.postDecide)
	mux.HandleFunc("POST /next", s.postNext)
	mux.HandleFunc("GET /api/queue", s.apiQueue)
	mux.HandleFunc("GET /api/items/{id}", s.apiItem)
	mux.HandleFunc("GET /api/decisions", s.apiDecisions)
	mux.HandleFunc("POST /api/claims", s.apiClaim)
	mux.HandleFunc("POST /api/decisions", s.apiDecide)
	mux.HandleFunc("GET /api/users", s.apiUsers)
	s.mountReferrals(mux)
}

// principal is the logged-in caller.
type principal struct {
	User    review.User
	Session review.Session
}

type ctxKey struct{}

func from(ctx context.Context) *principal {
	p, _ := ctx.Value(ctxKey{}).(*principal)
	return p
}

func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// Guard wraps next (a mux holding Mount's routes and the other views) with
// the access checks of Routes.
func (s *Server) Guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := s.guard.Handler(r)
		acc, ok := Routes[pattern]
		if !ok {
			if isAPI(r) {
				writeError(w, http.StatusNotFound, errors.New("no such route"))
			} else {
				http.NotFound(w, r)
			}
			return
		}
		if acc.Public || (acc.Loopback && isLoopback(r)) {
			next.ServeHTTP(w, r)
			return
		}
		if acc.Loopback {
			acc.Perm = review.PermAdmin
		}
		var p *principal
		if c, err := r.Cookie(SessionCookie); err == nil {
			se, u, err := s.cfg.Sessions.Lookup(r.Context(), c.Value)
			if err == nil {
				p = &principal{User: u, Session: se}
			} else if !errors.Is(err, session.ErrNoSession) {
				s.cfg.Log.Error("looking up session", "err", err)
				http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
				return
			}
		}
		if p == nil {
			if isAPI(r) || r.Method != http.MethodGet || acc.Loopback {
				writeError(w, http.StatusUnauthorized, errors.New("log in first"))
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if acc.Perm != "" && !p.User.Role.Can(acc.Perm) {
			s.forbidden(w, r, fmt.Errorf("the %s role may not do this", p.User.Role))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			token := r.Header.Get("X-CSRF-Token")
			if token == "" && !isAPI(r) {
				token = r.PostFormValue("csrf")
			}
			if !session.CheckCSRF(p.Session, token) {
				s.forbidden(w, r, errors.New("missing or wrong CSRF token"))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	})
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		writeError(w, http.StatusForbidden, err)
		return
	}
	http.Error(w, "403 forbidden: "+err.Error(), http.StatusForbidden)
}

// writeJSON and writeError give the review API the same response shapes as
// the search API.
var (
	writeJSON  = api.WriteJSON
	writeError = api.WriteError
)

// lang returns the caller's UI language.
func lang(r *http.Request) Lang {
	if c, err := r.Cookie(LangCookie); err == nil && c.Value == string(English) {
		return English
	}
	return Arabic
}

// localPath returns p when it is a path on this site, else def.
func localPath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return def
	}
	return p
}

func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := Arabic
	if r.URL.Query().Get("to") == string(English) {
		l = English
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteStrictMode, Secure: s.secure(r), HttpOnly: true})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/queue"), http.StatusSeeOther)
}

// page is what every template gets.
type page struct {
	Title string
	Lang  Lang
	User  *review.User
	CSRF  string
	Path  string
	Msg   string
	Data  any
}

// T translates key into the page's language.
func (p *page) T(key string) string { return p.Lang.T(key) }

func (s *Server) newPage(r *http.Request, title string, data any) *page {
	p := &page{Lang: lang(r), Path: r.URL.RequestURI(), Data: data}
	p.Title = p.Lang.T(title)
	if pr := from(r.Context()); pr != nil {
		p.User, p.CSRF = &pr.User, pr.Session.CSRF
	}
	if m := r.URL.Query().Get("msg"); m != "" {
		if _, ok := words["m_"+m]; ok {
			p.Msg = p.Lang.T("m_" + m)
		}
	}
	return p
}

func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		s.cfg.Log.Error("rendering page", "page", name, "err", err)
		http.Error(w, "page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// Header returns the shared page header for r (links, the user, the logout
// form and the language toggle), for the other views' pages.
func (s *Server) Header(r *http.Request) template.HTML {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "header", s.newPage(r, "", nil)); err != nil {
		s.cfg.Log.Error("rendering header", "err", err)
	}
	return template.HTML(buf.String())
}

func (s *Server) audit(ev audit.Event) {
	ev.Time = s.cfg.Now()
	if _, err := s.cfg.Audit.Append(ev); err != nil {
		s.cfg.Log.Error("appending to the audit log", "type", ev.Type, "subject", ev.Subject, "err", err)
	}
}
