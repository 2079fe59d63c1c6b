// Package web serves Rasd to people and clients: the server-rendered,
// Arabic-first (RTL, with an English toggle) pages (queue and item pages
// with keyboard shortcuts, referrals, appeals, search and the early-warning
// dashboard), all in one layout with one header, the JSON API under /api/
// (queue, items, claims, decisions, users, referrals, appeals, search,
// trends), the oversight views (the audit log and the transparency
// figures, identities withheld), the public complaint form, login and
// logout, /healthz and /metrics, and the guard that
// puts a role check in front of every route: anonymous calls get 401
// (pages redirect to /login), wrong roles 403, state-changing calls without
// the session's CSRF token 403, and routes nobody declared 404.
//
// One table, Routes, lists every route with who may call it; the server
// serves exactly those routes and New fails if a handler and the table
// disagree.
package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/gazetteer"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/alerts"
	bundle "github.com/rasd-iq/rasd/review/evidence"
	"github.com/rasd-iq/rasd/review/referral"
	"github.com/rasd-iq/rasd/review/session"
)

//go:embed templates/*.html
var templateFS embed.FS

// Cookie names.
const (
	// SessionCookie carries the session id.
	SessionCookie = "rasd_session"
	// LangCookie carries the UI language ("en" for English; anything else
	// is Arabic, the default); the toggle in the header sets it.
	LangCookie = "rasd_lang"
)

// Access says who may call a route.
type Access struct {
	// Public routes need no login (the login page itself).
	Public bool
	// Loopback routes are open to loopback clients and to admins elsewhere.
	Loopback bool
	// Perm is the permission needed; empty means any logged-in account.
	Perm review.Permission
	// Partial routes are also open to sessions with a login step still to
	// pass (the two-factor code, or an enrolment the role requires): the
	// code form, enrolment, /api/me and logout. Every other route sends
	// such a session to its step (pages) or answers 403 (API).
	Partial bool
}

// Routes is the one route table: every route the server serves, with who
// may call it; the guard enforces it. A route missing here answers 404.
var Routes = map[string]Access{
	"GET /login":                {Public: true},
	"POST /login":               {Public: true},
	"POST /api/login":           {Public: true},
	"GET /lang":                 {Public: true},
	"GET /healthz":              {Loopback: true},
	"GET /metrics":              {Loopback: true},
	"GET /{$}":                  {},
	"POST /logout":              {Partial: true},
	"GET /api/me":               {Partial: true},
	"GET /queue":                {Perm: review.PermView},
	"GET /items/{id}":           {Perm: review.PermView},
	"GET /items/{id}/media/{n}": {Perm: review.PermView},
	"POST /items/{id}/claim":    {Perm: review.PermDecide},
	"POST /items/{id}/release":  {Perm: review.PermDecide},
	"POST /items/{id}/decide":   {Perm: review.PermDecide},
	"POST /next":                {Perm: review.PermDecide},
	"POST /items/{id}/undo":     {Perm: review.PermDecide},
	"POST /items/{id}/review":   {Perm: review.PermDecide},
	"POST /api/undo":            {Perm: review.PermDecide},
	"POST /queue/bulk":          {Perm: review.PermDecide},
	"POST /saved":               {},
	"POST /saved/alert":         {},
	"POST /api/saved":           {},
	"GET /alerts":               {Perm: review.PermView},
	"GET /api/alerts":           {Perm: review.PermView},
	"POST /alerts/seen":         {},
	"GET /api/queue":            {Perm: review.PermView},
	"GET /api/items/{id}":       {Perm: review.PermView},
	"GET /api/decisions":        {Perm: review.PermView},
	"POST /api/claims":          {Perm: review.PermDecide},
	"POST /api/decisions":       {Perm: review.PermDecide},
	"GET /api/users":            {Perm: review.PermAdmin},
	"GET /api/alerts/dead":      {Perm: review.PermAdmin},
	// Accounts, managed by admins while the engine runs.
	"GET /admin/users":                 {Perm: review.PermAdmin},
	"GET /admin/alerts":                {Perm: review.PermAdmin},
	"POST /admin/alerts/{id}/retry":    {Perm: review.PermAdmin},
	"POST /api/alerts/dead/{id}/retry": {Perm: review.PermAdmin},
	"POST /admin/users":                {Perm: review.PermAdmin},
	"POST /admin/users/{name}":         {Perm: review.PermAdmin},
	"POST /api/users":                  {Perm: review.PermAdmin},
	"POST /api/users/{name}":           {Perm: review.PermAdmin},

	// Search and the early-warning dashboard (aggregates; search hits carry
	// permalinks only for PermAuthors).
	"GET /api/search": {Perm: review.PermView},
	"GET /api/trends": {Perm: review.PermView},
	"GET /search":     {Perm: review.PermView},
	"GET /dashboard":  {Perm: review.PermView},

	// Referrals (author identities and URLs: PermAuthors to read) and appeals.
	"GET /items/{id}/refer":              {Perm: review.PermDecide},
	"POST /items/{id}/refer":             {Perm: review.PermDecide},
	"GET /referrals":                     {Perm: review.PermReferrals},
	"GET /referrals/{id}":                {Perm: review.PermReferrals},
	"GET /referrals/{id}/print":          {Perm: review.PermAuthors},
	"POST /referrals/{id}/approve":       {Perm: review.PermDecide},
	"POST /referrals/{id}/reject":        {Perm: review.PermDecide},
	"POST /referrals/{id}/send-back":     {Perm: review.PermDecide},
	"POST /referrals/{id}/outcome":       {Perm: review.PermDecide},
	"GET /appeals":                       {Perm: review.PermView},
	"POST /appeals":                      {Perm: review.PermAppeal},
	"POST /appeals/{id}/decide":          {Perm: review.PermDecide},
	"GET /api/referrals":                 {Perm: review.PermReferrals},
	"POST /api/referrals":                {Perm: review.PermDecide},
	"GET /api/referrals/{id}":            {Perm: review.PermReferrals},
	"GET /api/referrals/{id}/package":    {Perm: review.PermAuthors},
	"GET /api/referrals/{id}/bundle":     {Perm: review.PermAuthors},
	"POST /api/referrals/{id}/approve":   {Perm: review.PermDecide},
	"POST /api/referrals/{id}/reject":    {Perm: review.PermDecide},
	"POST /api/referrals/{id}/send-back": {Perm: review.PermDecide},
	"POST /api/referrals/{id}/outcome":   {Perm: review.PermDecide},
	"GET /api/appeals":                   {Perm: review.PermView},
	"POST /api/appeals":                  {Perm: review.PermAppeal},
	"POST /api/appeals/{id}/decide":      {Perm: review.PermDecide},

	// Two-factor login and one's account: the code step, enrolment,
	// recovery codes, and sessions (one's own; admins' any account's).
	"GET /login/code":                    {Partial: true},
	"POST /login/code":                   {Partial: true},
	"GET /account":                       {},
	"GET /account/totp":                  {Partial: true},
	"POST /account/totp":                 {Partial: true},
	"POST /account/totp/disable":         {},
	"POST /account/recovery":             {},
	"POST /account/sessions/{id}/revoke": {},
	"POST /api/totp":                     {Partial: true},
	"POST /api/totp/confirm":             {Partial: true},
	"GET /api/sessions":                  {},
	"POST /api/sessions/{id}/revoke":     {},

	// Oversight: the audit log and the transparency figures, identities
	// pseudonymised or withheld (PermOversight: the auditor and admin).
	"GET /audit":            {Perm: review.PermOversight},
	"GET /api/audit":        {Perm: review.PermOversight},
	"GET /transparency":     {Perm: review.PermOversight},
	"GET /api/transparency": {Perm: review.PermOversight},

	// The model's precision and recall estimated from reviewers' final
	// decisions on routed and sampled items: counts only, no identity
	// (PermResearch: researchers, senior reviewers and admins).
	"GET /research/quality":     {Perm: review.PermResearch},
	"GET /api/research/quality": {Perm: review.PermResearch},

	// The public complaint form of people whose posts were referred: no
	// account, a signed form token instead of the session's CSRF token,
	// rate-limited (ComplaintLimits).
	"GET /complaint":  {Public: true},
	"POST /complaint": {Public: true},

	// Sources at run time (admins): add, edit, pause and resume, with
	// each source's health; and the candidate sources discovery proposes
	// (analysts approve or reject them).
	"GET /admin/sources":                          {Perm: review.PermAdmin},
	"POST /admin/sources":                         {Perm: review.PermAdmin},
	"POST /admin/sources/{name}":                  {Perm: review.PermAdmin},
	"POST /admin/sources/{name}/pause":            {Perm: review.PermAdmin},
	"POST /admin/sources/{name}/resume":           {Perm: review.PermAdmin},
	"GET /api/sources":                            {Perm: review.PermAdmin},
	"POST /api/sources":                           {Perm: review.PermAdmin},
	"PUT /api/sources/{name}":                     {Perm: review.PermAdmin},
	"POST /api/sources/{name}/pause":              {Perm: review.PermAdmin},
	"POST /api/sources/{name}/resume":             {Perm: review.PermAdmin},
	"GET /discovery":                              {Perm: review.PermDecide},
	"POST /discovery/{id}/approve":                {Perm: review.PermDecide},
	"POST /discovery/{id}/reject":                 {Perm: review.PermDecide},
	"GET /api/discovery/candidates":               {Perm: review.PermDecide},
	"POST /api/discovery/candidates/{id}/approve": {Perm: review.PermDecide},
	"POST /api/discovery/candidates/{id}/reject":  {Perm: review.PermDecide},
}

// Config is what the server needs.
type Config struct {
	// Store keeps accounts, sessions and review state.
	Store review.Store
	// Backend is the pipeline's records: posts, judgements and sightings.
	Backend store.Records
	// Index answers /search and /api/search; nil in processes that hold no
	// index (the ingest and worker roles), where they answer 503.
	Index *index.Index
	// Metrics is served on /metrics; nil answers 404 there.
	Metrics prometheus.Gatherer
	// TrendsEvery is how long the flagged posts read for the early-warning
	// view are reused before the store is read again (default one minute):
	// reading them walks every record.
	TrendsEvery time.Duration
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
	// Failing, when set, names the parts of the engine that are failing
	// now (sources whose fetches or store writes fail); /healthz then
	// reports "degraded" and lists them.
	Failing func() []string
	// TrustedProxies are the addresses of reverse proxies in front of this
	// server: only from them are X-Forwarded-For (the client's address,
	// for the login throttle, the audit log and the loopback-only routes)
	// and X-Forwarded-Proto (https makes cookies Secure) believed.
	TrustedProxies []netip.Prefix
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
	// Media reads the media files the media stage stored: the item page
	// shows them to those who may see the item, and referral packages and
	// bundles include them; nil lists media by URL and hash only.
	Media referral.MediaReader
	// DeadAlerts lists the alerts that could not be delivered (admins:
	// GET /api/alerts/dead); nil lists none.
	DeadAlerts func() ([]alerts.DeadLetter, error)
	// RetryAlert delivers a dead letter again in actor's name; nil where
	// this process delivers no alerts.
	RetryAlert func(ctx context.Context, id, actor string) error
	// Signer signs the evidence bundles of GET /api/referrals/{id}/bundle;
	// nil answers 503 there.
	Signer *bundle.Signer
	// ComplaintLimits bound the public complaint form (defaults when zero).
	ComplaintLimits ComplaintLimits
	// Sources changes the sources while the engine runs (admins); nil
	// answers 503 on its routes.
	Sources SourceAdmin
	// SourceHealth reports what each source's fetches did lately; nil
	// shows none.
	SourceHealth func() []ingest.SourceHealth
	// Discovery serves the candidate sources (analysts); nil answers 503
	// on its routes.
	Discovery Candidates
}

// Server is the web UI and API: an http.Handler serving Routes.
type Server struct {
	cfg    Config
	tmpl   *template.Template
	mux    *http.ServeMux
	ref    *referral.Service
	trends trendsCache
	// complaints counts complaint posts per client address and in all.
	complaints rateLimiter
	// opaqueIDs maps the pseudonymous item ids shown to roles that may not
	// see identities back to item ids.
	opaqueIDs opaqueIDs
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
	if cfg.TrendsEvery == 0 {
		cfg.TrendsEvery = time.Minute
	}
	funcs := template.FuncMap{
		"join":      strings.Join,
		"list":      func(xs ...int) []int { return xs },
		"mark":      markSpans,
		"evidence":  evidence,
		"highlight": Highlight,
		"svg":       func(s string) template.HTML { return template.HTML(s) }, // produced by trends, which escapes its text
		"holder": func(it review.Item, now time.Time) string {
			if it.Lease.Active(now) {
				return it.Lease.Holder
			}
			return ""
		},
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parsing web templates: %w", err)
	}
	if cfg.Notifier == (policy.Notifier{}) {
		cfg.Notifier = referral.DefaultNotifier()
	}
	s := &Server{cfg: cfg, tmpl: t, mux: http.NewServeMux()}
	s.ref = &referral.Service{Store: cfg.Store, Backend: cfg.Backend, Policy: cfg.Policy, Audit: cfg.Audit, Notifier: cfg.Notifier,
		RoleID: func(u string) string { return cfg.Pseudonyms.Pseudonym("reviewer:" + u) }, Now: cfg.Now, Log: cfg.Log,
		Media: cfg.Media, Signer: cfg.Signer}
	hs := s.handlers()
	for pattern := range Routes {
		if hs[pattern] == nil {
			return nil, fmt.Errorf("route %s has no handler", pattern)
		}
	}
	for pattern, h := range hs {
		if _, ok := Routes[pattern]; !ok {
			return nil, fmt.Errorf("handler for %s is not in the route table", pattern)
		}
		s.mux.HandleFunc(pattern, h)
	}
	return s, nil
}

// handlers returns the handler of each route; New checks that its keys are
// exactly those of Routes.
func (s *Server) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /login":                       s.pageLogin,
		"POST /login":                      s.postLogin,
		"POST /api/login":                  s.apiLogin,
		"GET /lang":                        s.setLang,
		"GET /healthz":                     s.healthz,
		"GET /metrics":                     s.metrics,
		"GET /{$}":                         s.root,
		"POST /logout":                     s.postLogout,
		"GET /api/me":                      s.apiMe,
		"GET /queue":                       s.pageQueue,
		"GET /items/{id}":                  s.pageItem,
		"GET /items/{id}/media/{n}":        s.getMedia,
		"POST /items/{id}/claim":           s.postClaim,
		"POST /items/{id}/release":         s.postRelease,
		"POST /items/{id}/decide":          s.postDecide,
		"POST /next":                       s.postNext,
		"POST /items/{id}/undo":            s.postUndo,
		"POST /items/{id}/review":          s.postSendToReview,
		"POST /api/undo":                   s.apiUndo,
		"POST /queue/bulk":                 s.postBulk,
		"POST /saved":                      s.postSaved,
		"POST /saved/alert":                s.postSavedAlert,
		"POST /api/saved":                  s.apiSaved,
		"GET /alerts":                      s.pageInbox,
		"GET /api/alerts":                  s.apiInbox,
		"POST /alerts/seen":                s.postInboxSeen,
		"GET /api/queue":                   s.apiQueue,
		"GET /api/items/{id}":              s.apiItem,
		"GET /api/decisions":               s.apiDecisions,
		"POST /api/claims":                 s.apiClaim,
		"POST /api/decisions":              s.apiDecide,
		"GET /api/users":                   s.apiUsers,
		"GET /api/alerts/dead":             s.apiDeadAlerts,
		"GET /admin/users":                 s.pageAdminUsers,
		"GET /admin/alerts":                s.pageDeadAlerts,
		"POST /admin/alerts/{id}/retry":    s.postRetryAlert,
		"POST /api/alerts/dead/{id}/retry": s.apiRetryAlert,
		"POST /admin/users":                s.postAdminUsers,
		"POST /admin/users/{name}":         s.postAdminUser,
		"POST /api/users":                  s.apiAddUser,
		"POST /api/users/{name}":           s.apiChangeUser,

		"GET /api/search": s.apiSearch,
		"GET /api/trends": s.apiTrends,
		"GET /search":     s.pageSearch,
		"GET /dashboard":  s.pageDashboard,

		"GET /items/{id}/refer":              s.pageRefer,
		"POST /items/{id}/refer":             s.postRefer,
		"GET /referrals":                     s.pageReferrals,
		"GET /referrals/{id}":                s.pageReferral,
		"GET /referrals/{id}/print":          s.pagePrint,
		"POST /referrals/{id}/approve":       s.postApprove,
		"POST /referrals/{id}/reject":        s.postSecondReview,
		"POST /referrals/{id}/send-back":     s.postSecondReview,
		"POST /referrals/{id}/outcome":       s.postOutcome,
		"GET /appeals":                       s.pageAppeals,
		"POST /appeals":                      s.postAppeal,
		"POST /appeals/{id}/decide":          s.postAppealDecide,
		"GET /api/referrals":                 s.apiReferrals,
		"POST /api/referrals":                s.apiRefer,
		"GET /api/referrals/{id}":            s.apiReferral,
		"GET /api/referrals/{id}/package":    s.apiPackage,
		"GET /api/referrals/{id}/bundle":     s.apiBundle,
		"POST /api/referrals/{id}/approve":   s.apiApprove,
		"POST /api/referrals/{id}/reject":    s.apiSecondReview,
		"POST /api/referrals/{id}/send-back": s.apiSecondReview,
		"POST /api/referrals/{id}/outcome":   s.apiOutcome,
		"GET /api/appeals":                   s.apiAppeals,
		"POST /api/appeals":                  s.apiFileAppeal,
		"POST /api/appeals/{id}/decide":      s.apiDecideAppeal,

		"GET /login/code":                    s.pageCode,
		"POST /login/code":                   s.postCode,
		"GET /account":                       s.pageAccount,
		"GET /account/totp":                  s.pageEnrol,
		"POST /account/totp":                 s.postEnrol,
		"POST /account/totp/disable":         s.postDisableTOTP,
		"POST /account/recovery":             s.postRecovery,
		"POST /account/sessions/{id}/revoke": s.postRevoke,
		"POST /api/totp":                     s.apiEnrol,
		"POST /api/totp/confirm":             s.apiConfirm,
		"GET /api/sessions":                  s.apiSessions,
		"POST /api/sessions/{id}/revoke":     s.apiRevoke,

		"GET /audit":            s.pageAudit,
		"GET /api/audit":        s.apiAudit,
		"GET /transparency":     s.pageTransparency,
		"GET /api/transparency": s.apiTransparency,

		"GET /research/quality":     s.pageQuality,
		"GET /api/research/quality": s.apiQuality,

		"GET /complaint":  s.pageComplaint,
		"POST /complaint": s.postComplaint,

		"GET /admin/sources":                          s.pageSources,
		"POST /admin/sources":                         s.postAddSource,
		"POST /admin/sources/{name}":                  s.postEditSource,
		"POST /admin/sources/{name}/pause":            s.postPauseSource,
		"POST /admin/sources/{name}/resume":           s.postResumeSource,
		"GET /api/sources":                            s.apiSources,
		"POST /api/sources":                           s.apiAddSource,
		"PUT /api/sources/{name}":                     s.apiEditSource,
		"POST /api/sources/{name}/pause":              s.apiPauseSource,
		"POST /api/sources/{name}/resume":             s.apiResumeSource,
		"GET /discovery":                              s.pageDiscovery,
		"POST /discovery/{id}/approve":                s.postApproveCandidate,
		"POST /discovery/{id}/reject":                 s.postRejectCandidate,
		"GET /api/discovery/candidates":               s.apiCandidates,
		"POST /api/discovery/candidates/{id}/approve": s.apiApproveCandidate,
		"POST /api/discovery/candidates/{id}/reject":  s.apiRejectCandidate,
	}
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

// healthz reports the store's counts: records, review queue, work pending.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	records, queued, work, err := s.cfg.Backend.Counts(r.Context())
	if err != nil {
		s.cfg.Log.Error("health check: counting", "err", err)
		WriteError(w, http.StatusServiceUnavailable, errors.New("store unavailable"))
		return
	}
	out := map[string]any{"status": "ok", "records": records, "queued": queued, "work_pending": work}
	// Posts whose media wait for the media stage, where the store keeps them.
	if mq, ok := s.cfg.Backend.(interface {
		MediaDepth(ctx context.Context) (int, error)
	}); ok {
		if n, err := mq.MediaDepth(r.Context()); err == nil {
			out["media_pending"] = n
		}
	}
	if s.cfg.Failing != nil {
		if failing := s.cfg.Failing(); len(failing) > 0 {
			out["status"], out["failing"] = "degraded", failing
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		http.NotFound(w, r)
		return
	}
	promhttp.HandlerFor(s.cfg.Metrics, promhttp.HandlerOpts{}).ServeHTTP(w, r)
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

// remoteIP is the address the connection came from.
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}

// viaProxy reports whether the request came through a trusted reverse
// proxy (Config.TrustedProxies), whose forwarding headers are believed.
func (s *Server) viaProxy(r *http.Request) bool { return s.trusted(remoteIP(r)) }

// trusted reports whether ip is one of the configured proxies.
func (s *Server) trusted(ip netip.Addr) bool {
	return slices.ContainsFunc(s.cfg.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(ip) })
}

// clientIP is the client's address: the connection's, or behind a trusted
// proxy the last address in X-Forwarded-For that no trusted proxy added.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	ip := remoteIP(r)
	xff := r.Header.Values("X-Forwarded-For")
	if !s.viaProxy(r) || len(xff) == 0 {
		return ip // a direct request, or the proxy's own
	}
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{} // a forged or garbled chain: no address to trust
		}
		if hop = hop.Unmap(); !s.trusted(hop) {
			return hop
		}
	}
	return netip.Addr{}
}

// isLoopback reports whether the client is on this machine; a request a
// proxy forwarded is the proxy's client's, never the proxy's own.
func (s *Server) isLoopback(r *http.Request) bool {
	ip := s.clientIP(r)
	return ip.IsValid() && ip.IsLoopback()
}

// clientOf names the client for the login throttle and the audit log.
func (s *Server) clientOf(r *http.Request) string {
	if ip := s.clientIP(r); ip.IsValid() {
		return ip.String()
	}
	return r.RemoteAddr
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// ServeHTTP serves the routes of Routes behind the guard, which applies
// each route's access rule before its handler runs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	acc, ok := Routes[pattern]
	setSecurityHeaders(w, ok && acc.Public && r.Method == http.MethodGet)
	// Every form and JSON body is small: a bound on what anyone, logged in
	// or not, can make the server read; forms are never multipart.
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A body declared larger than the bound is refused before a byte of
		// it is read, and the connection closed.
		if r.ContentLength > MaxBody {
			w.Header().Set("Connection", "close")
			http.Error(w, fmt.Sprintf("request body larger than %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
			return
		}
		if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "multipart/") {
			http.Error(w, "multipart bodies are not accepted", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	}
	if !ok {
		if isAPI(r) {
			WriteError(w, http.StatusNotFound, errors.New("no such route"))
		} else {
			s.errorPage(w, r, http.StatusNotFound, errors.New("no such page"))
		}
		return
	}
	if acc.Public || (acc.Loopback && s.isLoopback(r)) {
		s.mux.ServeHTTP(w, r)
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
			WriteError(w, http.StatusUnauthorized, errors.New("log in first"))
			return
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if p.Session.Pending != "" && !acc.Partial {
		if isAPI(r) || r.Method != http.MethodGet {
			s.forbidden(w, r, errors.New("finish logging in first: two-factor code or enrolment required"))
			return
		}
		http.Redirect(w, r, pendingPath(p.Session.Pending, r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if acc.Perm != "" && !p.User.Role.Can(acc.Perm) {
		s.forbidden(w, r, fmt.Errorf("%w: the %s role may not do this", errRole, p.User.Role))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		token := r.Header.Get("X-CSRF-Token")
		if token == "" && !isAPI(r) {
			token = r.PostFormValue("csrf")
		}
		if !session.CheckCSRF(p.Session, token) {
			s.forbidden(w, r, errCSRF)
			return
		}
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		WriteError(w, http.StatusForbidden, err)
		return
	}
	s.errorPage(w, r, http.StatusForbidden, err)
}

// WriteJSON writes v as a JSON response with status (Arabic left unescaped).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError writes {"error": err} with status: the API's one error shape.
func WriteError(w http.ResponseWriter, status int, err error) {
	WriteJSON(w, status, map[string]string{"error": err.Error()})
}

// lang returns the caller's UI language.
func lang(r *http.Request) Lang {
	if c, err := r.Cookie(LangCookie); err == nil && c.Value == string(English) {
		return English
	}
	return Arabic
}

// MaxBody is the largest request body the server reads (forms and JSON).
const MaxBody = 256 << 10

// localPath returns p when it is a path on this site, else def.
func localPath(p, def string) string {
	// Browsers drop tabs and line breaks from URLs and read a backslash as
	// a slash, so "/\t/host" and "/\\host" lead to another origin: any
	// control character or backslash, and anything but a path on this
	// origin, gives the default.
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') || len(p) > 2048 {
		return def
	}
	u, err := url.Parse(p)
	// The same for the path with its escapes decoded ("/%09/host").
	if hasInvisible(p) || err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsRune(u.Path, '\\') || hasInvisible(u.Path) {
		return def
	}
	return p
}

// hasInvisible reports a control or format character (tab, line break,
// bidi mark) in s, which browsers drop from URLs or that hides what follows.
func hasInvisible(s string) bool {
	return strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 || c == 0x7f || unicode.Is(unicode.Cf, c) })
}

// secure reports whether the browser reached this server over TLS: directly,
// or through a trusted proxy that says so (X-Forwarded-Proto: https).
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || s.cfg.SecureCookies || (s.viaProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

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
	// Pending is the session's login step still to pass, if any: the
	// header then offers nothing but logging out.
	Pending string

	// pol is the policy whose text the page shows.
	pol *policy.Policy
}

// T translates key into the page's language.
func (p *page) T(key string) string { return p.Lang.T(key) }

// Gov names a governorate in the page's language (the id when unknown).
func (p *page) Gov(id string) string {
	g, ok := gazetteer.ByID(id)
	switch {
	case !ok:
		return id
	case p.Lang == English:
		return g.English
	default:
		return g.Arabic
	}
}

// GovSpoken names a governorate for a filter's choices: in Arabic its
// name with the names people commonly call it by (البصرة / بصرة,
// ذي قار / الناصرية); in English its English name.
func (p *page) GovSpoken(id string) string {
	g, ok := gazetteer.ByID(id)
	switch {
	case !ok:
		return id
	case p.Lang == English:
		return g.English
	}
	return strings.Join(append([]string{g.Arabic}, g.Spoken()...), " / ")
}

func (s *Server) newPage(r *http.Request, title string, data any) *page {
	p := &page{Lang: lang(r), Path: r.URL.RequestURI(), Data: data, pol: s.cfg.Policy}
	p.Title = p.Lang.T(title)
	if pr := from(r.Context()); pr != nil {
		p.User, p.CSRF, p.Pending = &pr.User, pr.Session.CSRF, pr.Session.Pending
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

func (s *Server) audit(ev audit.Event) {
	ev.Time = s.cfg.Now()
	if _, err := s.cfg.Audit.Append(ev); err != nil {
		s.cfg.Log.Error("appending to the audit log", "type", ev.Type, "subject", ev.Subject, "err", err)
	}
}
