package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/session"
	"github.com/rasd-iq/rasd/review/totp"
)

// The account routes: the login form's code step, two-factor enrolment,
// recovery codes, and the list of one's sessions with their revocation.

// accountManager changes the caller's own account, in their name.
func (s *Server) accountManager(r *http.Request) *accounts.Manager {
	return &accounts.Manager{Store: s.cfg.Store, Audit: s.cfg.Audit, Actor: "user:" + from(r.Context()).User.Name, Now: s.cfg.Now}
}

// shortAgent names a client's browser and system from its User-Agent
// ("Firefox · Linux"), or keeps its first 48 characters.
func shortAgent(ua string) string {
	var parts []string
	for _, b := range [][2]string{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client", "Go"}, {"python", "Python"}} {
		if strings.Contains(ua, b[0]) {
			parts = append(parts, b[1])
			break
		}
	}
	for _, o := range [][2]string{{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o[0]) {
			parts = append(parts, o[1])
			break
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " · ")
	}
	ua = strings.ToValidUTF8(ua, "")
	if hasInvisible(ua) {
		return ""
	}
	if utf8.RuneCountInString(ua) > 48 {
		ua = string([]rune(ua)[:48]) + "…"
	}
	return ua
}

// completeLogin sets the cookie of a login step's result and records it;
// a recovery code used is recorded as such.
func (s *Server) completeLogin(w http.ResponseWriter, r *http.Request, res session.Result) {
	maxAge := int(s.cfg.Sessions.Absolute / time.Second)
	if res.Session.Pending != "" {
		maxAge = int(min(session.PendingTTL, s.cfg.Sessions.Absolute) / time.Second)
	}
	s.setSession(w, r, res.ID, maxAge)
	if res.Method == accounts.MethodRecovery {
		n := -1
		if u, err := s.cfg.Store.User(r.Context(), res.User.Name); err == nil {
			n = len(u.TwoFactor.Recovery)
		}
		s.audit(audit.Event{Type: audit.TypeLogin, Actor: "user:" + res.User.Name, Subject: "user:" + res.User.Name,
			Details: map[string]any{"action": "recovery_code", "client": s.clientOf(r), "left": n}})
	}
}

// pendingPath is where a session with a login step still to pass goes.
func pendingPath(pending, next string) string {
	q := ""
	if next != "" && next != "/queue" {
		q = "?next=" + url.QueryEscape(next)
	}
	if pending == review.PendingEnrol {
		return "/account/totp" + q
	}
	return "/login/code" + q
}

func (s *Server) pageCode(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"), "/queue")
	if from(r.Context()).Session.Pending != review.PendingCode {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "code.html", s.newPage(r, "two_factor", map[string]string{"Next": next}))
}

func (s *Server) postCode(w http.ResponseWriter, r *http.Request) {
	p := from(r.Context())
	next := localPath(r.PostFormValue("next"), "/queue")
	if p.Session.Pending != review.PendingCode {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	res, err := s.cfg.Sessions.Verify(r.Context(), p.Session, r.PostFormValue("code"), s.clientOf(r))
	details := map[string]any{"ok": err == nil, "client": s.clientOf(r), "step": "code"}
	if err != nil {
		details["error"] = err.Error()
	}
	if err == nil || errors.Is(err, session.ErrBadCode) || errors.Is(err, session.ErrThrottled) {
		s.audit(audit.Event{Type: audit.TypeLogin, Actor: "user:" + p.User.Name, Subject: "user:" + p.User.Name, Details: details})
	}
	if err != nil {
		status, msg := loginStatus(err)
		if msg == "" {
			s.cfg.Log.Error("checking a two-factor code", "err", err)
			http.Error(w, "login failed", status)
			return
		}
		pg := s.newPage(r, "two_factor", map[string]string{"Next": next})
		pg.Msg = pg.T("m_" + msg)
		s.render(w, status, "code.html", pg)
		return
	}
	s.completeLogin(w, r, res)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// enrolView is the enrolment page's data.
type enrolView struct {
	Secret, URI, Next string
	Required          bool
	// Recovery are the codes shown once, after enrolment or regeneration.
	Recovery []string
	// Error is a wrong code's message.
	Error string
}

// groups splits a base32 secret into groups of four for reading aloud.
func groups(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func (s *Server) enrolView(r *http.Request, next string) (*enrolView, error) {
	p := from(r.Context())
	secret, err := s.accountManager(r).StartTOTP(r.Context(), p.User.Name)
	if err != nil {
		return nil, err
	}
	return &enrolView{Secret: groups(totp.Encode(secret)), URI: totp.URI(accounts.Issuer, p.User.Name, secret), Next: next,
		Required: p.User.Role.NeedsTOTP()}, nil
}

func (s *Server) pageEnrol(w http.ResponseWriter, r *http.Request) {
	p := from(r.Context())
	next := localPath(r.URL.Query().Get("next"), "/queue")
	if p.Session.Pending == review.PendingCode {
		http.Redirect(w, r, pendingPath(p.Session.Pending, next), http.StatusSeeOther)
		return
	}
	v, err := s.enrolView(r, next)
	if errors.Is(err, accounts.ErrEnrolled) {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.cfg.Log.Error("starting two-factor enrolment", "err", err)
		http.Error(w, "enrolment failed", http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "totp.html", s.newPage(r, "two_factor", v))
}

// confirm enrols the caller's pending secret with code and, for a session
// that could only enrol, replaces it with a full one (setting the cookie);
// it returns the recovery codes and the session now in use.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request, code string) ([]string, review.Session, error) {
	p := from(r.Context())
	if p.Session.Pending == review.PendingCode {
		return nil, p.Session, accounts.ErrEnrolled
	}
	codes, err := s.accountManager(r).ConfirmTOTP(r.Context(), p.User.Name, code)
	if err != nil {
		return nil, p.Session, err
	}
	se := p.Session
	if se.Pending == review.PendingEnrol {
		res, err := s.cfg.Sessions.Promote(r.Context(), se)
		if err != nil {
			return codes, se, fmt.Errorf("opening the session after enrolment: %w", err)
		}
		s.completeLogin(w, r, res)
		se = res.Session
	}
	return codes, se, nil
}

func (s *Server) postEnrol(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostFormValue("next"), "/queue")
	codes, se, err := s.confirm(w, r, r.PostFormValue("code"))
	switch {
	case errors.Is(err, accounts.ErrEnrolled):
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	case errors.Is(err, accounts.ErrBadCode):
		v, verr := s.enrolView(r, next)
		if verr != nil {
			s.cfg.Log.Error("starting two-factor enrolment", "err", verr)
			http.Error(w, "enrolment failed", http.StatusInternalServerError)
			return
		}
		pg := s.newPage(r, "two_factor", v)
		pg.Msg = pg.T("m_bad_code")
		s.render(w, http.StatusUnprocessableEntity, "totp.html", pg)
		return
	case err != nil:
		s.cfg.Log.Error("confirming two-factor enrolment", "err", err)
		http.Error(w, "enrolment failed", http.StatusInternalServerError)
		return
	}
	pg := s.newPage(r, "recovery_codes", &enrolView{Recovery: codes, Next: next})
	pg.CSRF, pg.Pending = se.CSRF, se.Pending
	pg.Msg = pg.T("m_enrolled")
	s.render(w, http.StatusOK, "recovery.html", pg)
}

// fresh checks the current TOTP or recovery code the caller gives to turn
// two-factor login off or replace the recovery codes, so that a session
// left open is not enough; a wrong code counts in the login throttle.
func (s *Server) fresh(r *http.Request) error {
	p := from(r.Context())
	sm := s.cfg.Sessions
	now := s.cfg.Now()
	keys := []string{"user:" + p.User.Name, "client:" + s.clientOf(r)}
	if sm.Throttle != nil {
		if !sm.Throttle.Begin(now, keys...) {
			return session.ErrThrottled
		}
		defer sm.Throttle.End(keys...)
	}
	method, err := accounts.CheckCode(r.Context(), s.cfg.Store, p.User.Name, r.PostFormValue("code"), now)
	if errors.Is(err, accounts.ErrBadCode) && sm.Throttle != nil {
		sm.Throttle.Fail(now, keys...)
	}
	if err == nil && method == accounts.MethodRecovery {
		s.audit(audit.Event{Type: audit.TypeLogin, Actor: "user:" + p.User.Name, Subject: "user:" + p.User.Name,
			Details: map[string]any{"action": "recovery_code", "client": s.clientOf(r)}})
	}
	return err
}

// freshFailed answers a wrong or throttled code of fresh.
func (s *Server) freshFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, session.ErrThrottled):
		http.Redirect(w, r, "/account?msg=throttled", http.StatusSeeOther)
	case errors.Is(err, accounts.ErrBadCode):
		http.Redirect(w, r, "/account?msg=bad_code", http.StatusSeeOther)
	default:
		s.cfg.Log.Error("checking a two-factor code", "err", err)
		http.Error(w, "checking the code failed", http.StatusInternalServerError)
	}
}

func (s *Server) postDisableTOTP(w http.ResponseWriter, r *http.Request) {
	u := from(r.Context()).User
	if u.Role.NeedsTOTP() {
		http.Redirect(w, r, "/account?msg=totp_required", http.StatusSeeOther)
		return
	}
	if !u.HasTOTP() {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	if err := s.fresh(r); err != nil {
		s.freshFailed(w, r, err)
		return
	}
	err := s.accountManager(r).DisableTOTP(r.Context(), u.Name)
	switch {
	case errors.Is(err, accounts.ErrTOTPRequired):
		http.Redirect(w, r, "/account?msg=totp_required", http.StatusSeeOther)
	case errors.Is(err, accounts.ErrNotEnrolled):
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	case err != nil:
		s.cfg.Log.Error("turning two-factor login off", "err", err)
		http.Error(w, "turning two-factor login off failed", http.StatusInternalServerError)
	default:
		http.Redirect(w, r, "/account?msg=totp_off", http.StatusSeeOther)
	}
}

func (s *Server) postRecovery(w http.ResponseWriter, r *http.Request) {
	if !from(r.Context()).User.HasTOTP() {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	if err := s.fresh(r); err != nil {
		s.freshFailed(w, r, err)
		return
	}
	codes, err := s.accountManager(r).RegenerateRecovery(r.Context(), from(r.Context()).User.Name)
	if errors.Is(err, accounts.ErrNotEnrolled) {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.cfg.Log.Error("regenerating recovery codes", "err", err)
		http.Error(w, "regenerating recovery codes failed", http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "recovery.html", s.newPage(r, "recovery_codes", &enrolView{Recovery: codes, Next: "/account"}))
}

// sessionRow is one session as its owner (or an admin) sees it.
type sessionRow struct {
	// ID is the SHA-256 of the session's secret id: it names the session
	// without letting anyone use it.
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"last_seen"`
	Expires time.Time `json:"expires"`
	Addr    string    `json:"address,omitempty"`
	Agent   string    `json:"user_agent,omitempty"`
	Pending string    `json:"pending,omitempty"`
	Current bool      `json:"current"`
}

// sessionsOf lists the sessions of the account named in ?user= (admins
// only, for another account) or else the caller's.
func (s *Server) sessionsOf(r *http.Request) (string, []sessionRow, int, error) {
	p := from(r.Context())
	name := r.URL.Query().Get("user")
	if name == "" {
		name = p.User.Name
	}
	if name != p.User.Name && !p.User.Role.Can(review.PermAdmin) {
		return name, nil, http.StatusForbidden, errors.New("only admins list other accounts' sessions")
	}
	ss, err := s.cfg.Sessions.List(r.Context(), name)
	if err != nil {
		s.cfg.Log.Error("listing sessions", "user", name, "err", err)
		return name, nil, http.StatusInternalServerError, errors.New("listing sessions failed")
	}
	rows := make([]sessionRow, len(ss))
	for i, se := range ss {
		rows[i] = sessionRow{ID: se.IDHash, User: se.User, Created: se.Created, Seen: se.Seen, Expires: se.Expires, Addr: se.Addr,
			Agent: se.Agent, Pending: se.Pending, Current: se.IDHash == p.Session.IDHash}
	}
	return name, rows, http.StatusOK, nil
}

func (s *Server) apiSessions(w http.ResponseWriter, r *http.Request) {
	_, rows, status, err := s.sessionsOf(r)
	if err != nil {
		WriteError(w, status, err)
		return
	}
	WriteJSON(w, http.StatusOK, rows)
}

// revoke ends session id when the caller owns it or is an admin, and
// records it.
func (s *Server) revoke(r *http.Request, id string) (review.Session, int, error) {
	p := from(r.Context())
	if len(id) != 64 {
		return review.Session{}, http.StatusNotFound, errors.New("no such session")
	}
	se, err := s.cfg.Store.Session(r.Context(), id)
	if errors.Is(err, review.ErrNotFound) {
		return se, http.StatusNotFound, errors.New("no such session")
	}
	if err != nil {
		s.cfg.Log.Error("reading a session", "err", err)
		return se, http.StatusInternalServerError, errors.New("reading the session failed")
	}
	if se.User != p.User.Name && !p.User.Role.Can(review.PermAdmin) {
		return se, http.StatusForbidden, errors.New("only admins revoke other accounts' sessions")
	}
	if err := s.cfg.Store.DeleteSession(r.Context(), id); err != nil {
		s.cfg.Log.Error("revoking a session", "err", err)
		return se, http.StatusInternalServerError, errors.New("revoking the session failed")
	}
	s.audit(audit.Event{Type: audit.TypeLogin, Actor: "user:" + p.User.Name, Subject: "user:" + se.User,
		Details: map[string]any{"action": "revoke", "session": id[:12], "client": s.clientOf(r)}})
	return se, http.StatusOK, nil
}

func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) {
	se, status, err := s.revoke(r, r.PathValue("id"))
	if err != nil {
		WriteError(w, status, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"revoked": se.IDHash, "user": se.User})
}

func (s *Server) postRevoke(w http.ResponseWriter, r *http.Request) {
	se, status, err := s.revoke(r, r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	if se.IDHash == from(r.Context()).Session.IDHash {
		s.setSession(w, r, "", -1)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	back := "/account?msg=revoked"
	if se.User != from(r.Context()).User.Name {
		back += "&user=" + url.QueryEscape(se.User)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// accountView is the account page's data.
type accountView struct {
	Name      string
	Own       bool
	TOTP      bool
	Required  bool
	Enrolled  time.Time
	Recovery  int
	Sessions  []sessionRow
	CanManage bool
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request) {
	name, rows, status, err := s.sessionsOf(r)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	u, err := s.cfg.Store.User(r.Context(), name)
	if errors.Is(err, review.ErrNotFound) {
		http.Error(w, "no such account", http.StatusNotFound)
		return
	}
	if err != nil {
		s.cfg.Log.Error("reading an account", "err", err)
		http.Error(w, "reading the account failed", http.StatusInternalServerError)
		return
	}
	v := &accountView{Name: name, Own: name == from(r.Context()).User.Name, TOTP: u.HasTOTP(), Required: u.Role.NeedsTOTP(),
		Enrolled: u.TwoFactor.Enrolled, Recovery: len(u.TwoFactor.Recovery), Sessions: rows}
	s.render(w, http.StatusOK, "account.html", s.newPage(r, "account", v))
}

func (s *Server) apiEnrol(w http.ResponseWriter, r *http.Request) {
	p := from(r.Context())
	if p.Session.Pending == review.PendingCode {
		WriteError(w, http.StatusForbidden, errors.New("log in with the code first"))
		return
	}
	secret, err := s.accountManager(r).StartTOTP(r.Context(), p.User.Name)
	if errors.Is(err, accounts.ErrEnrolled) {
		WriteError(w, http.StatusConflict, accounts.ErrEnrolled)
		return
	}
	if err != nil {
		s.cfg.Log.Error("starting two-factor enrolment", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("enrolment failed"))
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"secret": totp.Encode(secret), "uri": totp.URI(accounts.Issuer, p.User.Name, secret),
		"digits": totp.Digits, "period": int(totp.Step / time.Second)})
}

func (s *Server) apiConfirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	codes, se, err := s.confirm(w, r, in.Code)
	switch {
	case errors.Is(err, accounts.ErrEnrolled):
		WriteError(w, http.StatusConflict, accounts.ErrEnrolled)
	case errors.Is(err, accounts.ErrBadCode):
		WriteError(w, http.StatusUnprocessableEntity, accounts.ErrBadCode)
	case err != nil:
		s.cfg.Log.Error("confirming two-factor enrolment", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("enrolment failed"))
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes, "csrf": se.CSRF, "expires": se.Expires})
	}
}
