package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/reviewtest"
	"github.com/rasd-iq/rasd/review/totp"
)

// sessionCookie returns the session cookie w sets, or nil.
func sessionCookie(w interface{ Result() *http.Response }) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

func (e *env) addUser(t *testing.T, name string, role review.Role) {
	t.Helper()
	m := &accounts.Manager{Store: e.st, Actor: "test", Now: e.clock.Now}
	if err := m.Add(context.Background(), name, role, password); err != nil {
		t.Fatal(err)
	}
}

var (
	secretRe = regexp.MustCompile(`id="totp-secret" dir="ltr">([A-Z2-7 ]+)<`)
	csrfRe   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	codesRe  = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// TestTwoFactorWeb: a senior without TOTP who logs in with the right
// password is sent to enrolment and can reach nothing else; the first code
// enrols, shows ten recovery codes once and opens a full session under a
// new id; later logins ask for the code after the password, and a code
// works once.
func TestTwoFactorWeb(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	e.addUser(t, "sen2", review.RoleSenior)
	form := url.Values{"name": {"sen2"}, "password": {password}, "next": {"/items/x:000001"}}.Encode()
	w := e.do(nil, "POST", "/login", form, nil)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account/totp") {
		t.Fatalf("senior without TOTP: %d to %q, want enrolment", w.Code, w.Header().Get("Location"))
	}
	pending := &client{cookie: sessionCookie(w)}
	if pending.cookie == nil || pending.cookie.MaxAge > 15*60 {
		t.Fatalf("pending session cookie %+v", pending.cookie)
	}
	for _, path := range []string{"/queue", "/items/x:000001", "/account", "/dashboard"} {
		if w := e.do(pending, "GET", path, nil, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account/totp") {
			t.Fatalf("GET %s before enrolment: %d to %q", path, w.Code, w.Header().Get("Location"))
		}
	}
	if w := e.do(pending, "GET", "/api/queue", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("API before enrolment: %d, want 403", w.Code)
	}
	w = e.do(pending, "GET", "/account/totp?next=/items/x:000001", nil, nil)
	page := w.Body.String()
	m, c := secretRe.FindStringSubmatch(page), csrfRe.FindStringSubmatch(page)
	if w.Code != 200 || m == nil || c == nil || !strings.Contains(page, `id="totp-required"`) || !strings.Contains(page, "otpauth://totp/Rasd:sen2?") {
		t.Fatalf("enrolment page %d:\n%s", w.Code, page)
	}
	secret, err := totp.Decode(m[1])
	if err != nil {
		t.Fatal(err)
	}
	pending.csrf = c[1]
	post := func(cl *client, path string, v url.Values) *httptest.ResponseRecorder {
		v.Set("csrf", cl.csrf)
		return e.do(cl, "POST", path, v.Encode(), nil)
	}
	if w := post(pending, "/account/totp", url.Values{"code": {"000000"}}); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="msg"`) {
		t.Fatalf("wrong enrolment code: %d", w.Code)
	}
	w = post(pending, "/account/totp", url.Values{"code": {totp.Code(secret, e.clock.Now())}, "next": {"/items/x:000001"}})
	codes := codesRe.FindAllStringSubmatch(w.Body.String(), -1)
	full := &client{cookie: sessionCookie(w)}
	if w.Code != 200 || len(codes) != accounts.RecoveryCodes || full.cookie == nil || full.cookie.Value == pending.cookie.Value {
		t.Fatalf("confirming: %d, %d codes, cookie %+v:\n%s", w.Code, len(codes), full.cookie, w.Body)
	}
	if w := e.do(full, "GET", "/items/x:000001", nil, nil); w.Code != 200 {
		t.Fatalf("after enrolment: %d", w.Code)
	}
	if w := e.do(pending, "GET", "/queue", nil, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("the enrolment session still works: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(full, "GET", "/account/totp", nil, nil); w.Code != http.StatusSeeOther || strings.Contains(w.Body.String(), totp.Encode(secret)[:8]) {
		t.Fatalf("the secret is shown again after enrolment: %d", w.Code)
	}
	// The next login asks for the code after the password.
	e.clock.Add(totp.Step)
	w = e.do(nil, "POST", "/login", url.Values{"name": {"sen2"}, "password": {password}}.Encode(), nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login/code" {
		t.Fatalf("login of an enrolled senior: %d to %q, want the code step", w.Code, w.Header().Get("Location"))
	}
	step := &client{cookie: sessionCookie(w)}
	page = e.do(step, "GET", "/login/code", nil, nil).Body.String()
	step.csrf = csrfRe.FindStringSubmatch(page)[1]
	if w := e.do(step, "GET", "/queue", nil, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login/code" {
		t.Fatalf("queue before the code: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := post(step, "/login/code", url.Values{"code": {"123456"}}); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `id="msg"`) {
		t.Fatalf("wrong code: %d", w.Code)
	}
	code := totp.Code(secret, e.clock.Now())
	w = post(step, "/login/code", url.Values{"code": {code}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/queue" || sessionCookie(w) == nil {
		t.Fatalf("right code: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(&client{cookie: sessionCookie(w)}, "GET", "/queue", nil, nil); w.Code != 200 {
		t.Fatalf("after the code: %d", w.Code)
	}
	// The same code again, in a new login: refused.
	w = e.do(nil, "POST", "/login", url.Values{"name": {"sen2"}, "password": {password}, "code": {code}}.Encode(), nil)
	if w.Code != http.StatusUnauthorized || sessionCookie(w) != nil {
		t.Fatalf("replayed code: %d, want 401 and no session", w.Code)
	}
	// A recovery code works once, on the form.
	w = e.do(nil, "POST", "/login", url.Values{"name": {"sen2"}, "password": {password}, "code": {codes[0][1]}}.Encode(), nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/queue" {
		t.Fatalf("recovery code: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(nil, "POST", "/login", url.Values{"name": {"sen2"}, "password": {password}, "code": {codes[0][1]}}.Encode(), nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("recovery code again: %d, want 401", w.Code)
	}
	// A full session of an account that is now a senior without TOTP may
	// only enrol; after an admin's reset, login leads to enrolment again.
	full = e.login(t, "ana")
	am := &accounts.Manager{Store: e.st, Actor: "test", Now: e.clock.Now}
	if _, err := e.st.UpdateUser(context.Background(), "ana", func(u *review.User) error { u.Role = review.RoleSenior; return nil }); err != nil {
		t.Fatal(err)
	}
	if w := e.do(full, "GET", "/queue", nil, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account/totp") {
		t.Fatalf("a full session of a senior without TOTP: %d to %q, want enrolment", w.Code, w.Header().Get("Location"))
	}
	if err := am.ResetTOTP(context.Background(), "sen2"); err != nil {
		t.Fatal(err)
	}
	if w := e.do(nil, "POST", "/login", url.Values{"name": {"sen2"}, "password": {password}}.Encode(), nil); !strings.HasPrefix(w.Header().Get("Location"), "/account/totp") {
		t.Fatalf("login after a reset: %d to %q, want enrolment", w.Code, w.Header().Get("Location"))
	}
}

// TestTwoFactorAPI: the same through POST /api/login with a code field.
func TestTwoFactorAPI(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	e.srv.cfg.Sessions.Throttle.Max = 20
	e.addUser(t, "sen3", review.RoleSenior)
	login := func(body map[string]string) (int, map[string]any, *client) {
		w := e.do(nil, "POST", "/api/login", body, nil)
		var out map[string]any
		json.Unmarshal(w.Body.Bytes(), &out)
		csrf, _ := out["csrf"].(string)
		return w.Code, out, &client{cookie: sessionCookie(w), csrf: csrf}
	}
	status, out, pending := login(map[string]string{"name": "sen3", "password": password})
	if status != 200 || out["pending"] != review.PendingEnrol {
		t.Fatalf("API login of a senior without TOTP: %d %v", status, out)
	}
	if w := e.do(pending, "GET", "/api/queue", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("queue before enrolment: %d", w.Code)
	}
	if w := e.do(pending, "GET", "/api/me", nil, nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"pending":"enrol"`) {
		t.Fatalf("/api/me before enrolment: %d %s", w.Code, w.Body)
	}
	w := e.do(pending, "POST", "/api/totp", map[string]string{}, nil)
	var en struct{ Secret, URI string }
	json.Unmarshal(w.Body.Bytes(), &en)
	secret, err := totp.Decode(en.Secret)
	if w.Code != 200 || err != nil || !strings.HasPrefix(en.URI, "otpauth://totp/") {
		t.Fatalf("starting enrolment: %d %s", w.Code, w.Body)
	}
	w = e.do(pending, "POST", "/api/totp/confirm", map[string]string{"code": totp.Code(secret, e.clock.Now())}, nil)
	var conf struct {
		Recovery []string `json:"recovery_codes"`
		CSRF     string
	}
	json.Unmarshal(w.Body.Bytes(), &conf)
	full := &client{cookie: sessionCookie(w), csrf: conf.CSRF}
	if w.Code != 200 || len(conf.Recovery) != 10 || full.cookie == nil {
		t.Fatalf("confirming: %d %s", w.Code, w.Body)
	}
	if w := e.do(full, "GET", "/api/queue", nil, nil); w.Code != 200 {
		t.Fatalf("queue after enrolment: %d", w.Code)
	}
	if w := e.do(full, "POST", "/api/totp", map[string]string{}, nil); w.Code != http.StatusConflict || strings.Contains(w.Body.String(), en.Secret) {
		t.Fatalf("the secret again after enrolment: %d %s", w.Code, w.Body)
	}
	if status, out, _ := login(map[string]string{"name": "sen3", "password": password}); status != 401 || out["code_required"] != true {
		t.Fatalf("login without a code: %d %v", status, out)
	}
	e.clock.Add(totp.Step)
	code := totp.Code(secret, e.clock.Now())
	if status, out, _ := login(map[string]string{"name": "sen3", "password": password, "code": code}); status != 200 || out["pending"] != nil {
		t.Fatalf("login with a code: %d %v", status, out)
	}
	if status, _, c := login(map[string]string{"name": "sen3", "password": password, "code": code}); status != 401 || c.cookie != nil {
		t.Fatalf("replayed code: %d", status)
	}
	if status, _, _ := login(map[string]string{"name": "sen3", "password": "wrong-password-1", "code": totp.Code(secret, e.clock.Now().Add(totp.Step))}); status != 401 {
		t.Fatalf("right code, wrong password: %d", status)
	}
	if status, _, _ := login(map[string]string{"name": "sen3", "password": password, "code": conf.Recovery[3]}); status != 200 {
		t.Fatalf("recovery code: %d", status)
	}
	if status, _, _ := login(map[string]string{"name": "sen3", "password": password, "code": conf.Recovery[3]}); status != 401 {
		t.Fatalf("recovery code again: %d", status)
	}
	// Audited, with no secret or code in the log.
	log, err := os.ReadFile(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"totp_enrol"`, `"recovery_code"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	for _, secretText := range []string{en.Secret, conf.Recovery[0], conf.Recovery[3], code} {
		if strings.Contains(string(log), secretText) {
			t.Errorf("audit log holds a secret or code %q", secretText)
		}
	}
	// Nor do the accounts list or a printed account hold it.
	adm := e.login(t, "adm")
	if body := e.do(adm, "GET", "/api/users", nil, nil).Body.String(); strings.Contains(body, "secret") || strings.Contains(body, "two_factor") || strings.Contains(body, "recovery") {
		t.Fatalf("GET /api/users exports two-factor state: %s", body)
	}
	u, _ := e.st.User(context.Background(), "sen3")
	for _, f := range []string{"%v", "%+v", "%#v"} {
		if s := fmt.Sprintf(f, u); strings.Contains(s, string(u.TwoFactor.Secret)) || !strings.Contains(s, "<secret>") {
			t.Fatalf("%s of an account shows its secret: %s", f, s)
		}
	}
}

// TestSessionsRevoke: an account lists its sessions and revokes one (whose
// cookie then fails); a researcher may not list or revoke another
// account's; an admin may.
func TestSessionsRevoke(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	a1, a2 := e.login(t, "ana"), e.login(t, "ana")
	res, adm := e.login(t, "res"), e.login(t, "adm")
	var list []sessionRow
	w := e.do(a1, "GET", "/api/sessions", nil, nil)
	json.Unmarshal(w.Body.Bytes(), &list)
	if w.Code != 200 || len(list) != 2 || list[0].Addr != "192.0.2.10" || list[0].User != "ana" {
		t.Fatalf("GET /api/sessions: %d %s", w.Code, w.Body)
	}
	var mine, other string
	for _, s := range list {
		if s.Current {
			mine = s.ID
		} else {
			other = s.ID
		}
	}
	if mine == "" || other == "" {
		t.Fatalf("sessions %+v: want one current and one other", list)
	}
	// The page lists them too.
	if page := e.do(a1, "GET", "/account", nil, nil).Body.String(); !strings.Contains(page, `data-id="`+other+`"`) || !strings.Contains(page, `id="totp-off"`) {
		t.Fatalf("account page lacks the other session or the two-factor state")
	}
	// A researcher may neither list nor revoke ana's sessions.
	if w := e.do(res, "GET", "/api/sessions?user=ana", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("researcher listing ana's sessions: %d", w.Code)
	}
	if w := e.do(res, "POST", "/api/sessions/"+other+"/revoke", map[string]string{}, nil); w.Code != http.StatusForbidden {
		t.Fatalf("researcher revoking ana's session: %d", w.Code)
	}
	if w := e.do(a2, "GET", "/api/me", nil, nil); w.Code != 200 {
		t.Fatalf("ana's session after the refused revocation: %d", w.Code)
	}
	// Ana revokes her other session: its cookie no longer works.
	if w := e.do(a1, "POST", "/api/sessions/"+other+"/revoke", map[string]string{}, nil); w.Code != 200 {
		t.Fatalf("revoking: %d %s", w.Code, w.Body)
	}
	if w := e.do(a2, "GET", "/api/me", nil, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("revoked session: %d, want 401", w.Code)
	}
	// An admin lists and revokes ana's remaining session.
	w = e.do(adm, "GET", "/api/sessions?user=ana", nil, nil)
	json.Unmarshal(w.Body.Bytes(), &list)
	if w.Code != 200 || len(list) != 1 || list[0].ID != mine {
		t.Fatalf("admin listing ana's sessions: %d %s", w.Code, w.Body)
	}
	if w := e.do(adm, "POST", "/api/sessions/"+mine+"/revoke", map[string]string{}, nil); w.Code != 200 {
		t.Fatalf("admin revoking: %d", w.Code)
	}
	if w := e.do(a1, "GET", "/api/me", nil, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("session revoked by an admin: %d, want 401", w.Code)
	}
	log, _ := os.ReadFile(e.audit)
	if n := strings.Count(string(log), `"revoke"`); n != 2 {
		t.Fatalf("audit log has %d revocations, want 2", n)
	}
}

// TestTwoFactorOptional: an analyst may enrol and turn it off again (with a
// current code); new recovery codes replace the old ones; a senior may not
// turn it off.
func TestTwoFactorOptional(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	ana := e.login(t, "ana")
	w := e.do(ana, "POST", "/api/totp", map[string]string{}, nil)
	var en struct{ Secret string }
	json.Unmarshal(w.Body.Bytes(), &en)
	secret, err := totp.Decode(en.Secret)
	if w.Code != 200 || err != nil {
		t.Fatalf("analyst starting enrolment: %d %s", w.Code, w.Body)
	}
	w = e.do(ana, "POST", "/api/totp/confirm", map[string]string{"code": totp.Code(secret, e.clock.Now())}, nil)
	var conf struct {
		Recovery []string `json:"recovery_codes"`
	}
	json.Unmarshal(w.Body.Bytes(), &conf)
	if w.Code != 200 || len(conf.Recovery) != 10 || sessionCookie(w) != nil {
		t.Fatalf("analyst confirming: %d %s (a full session keeps its cookie)", w.Code, w.Body)
	}
	if w := e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": password}, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("analyst login without a code after enrolment: %d", w.Code)
	}
	form := func(c *client, path string, v url.Values) *httptest.ResponseRecorder {
		v.Set("csrf", c.csrf)
		return e.do(c, "POST", path, v.Encode(), nil)
	}
	// New recovery codes need a current code, and replace the old ones.
	if w := form(ana, "/account/recovery", url.Values{"code": {"999999"}}); w.Header().Get("Location") != "/account?msg=bad_code" {
		t.Fatalf("new recovery codes with a wrong code: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = form(ana, "/account/recovery", url.Values{"code": {conf.Recovery[0]}})
	fresh := codesRe.FindAllStringSubmatch(w.Body.String(), -1)
	if w.Code != 200 || len(fresh) != 10 {
		t.Fatalf("new recovery codes: %d, %d codes", w.Code, len(fresh))
	}
	e.srv.cfg.Sessions.Throttle = nil
	if w := e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": password, "code": conf.Recovery[1]}, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("an old recovery code after regenerating: %d, want 401", w.Code)
	}
	if w := e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": password, "code": fresh[1][1]}, nil); w.Code != 200 {
		t.Fatalf("a new recovery code: %d", w.Code)
	}
	if page := e.do(ana, "GET", "/account", nil, nil).Body.String(); !strings.Contains(page, `id="recovery-left">9<`) {
		t.Fatal("the account page does not count 9 recovery codes left")
	}
	// Turning it off needs a current code too.
	e.clock.Add(totp.Step)
	if w := form(ana, "/account/totp/disable", url.Values{"code": {totp.Code(secret, e.clock.Now())}}); w.Header().Get("Location") != "/account?msg=totp_off" {
		t.Fatalf("turning two-factor off: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(nil, "POST", "/api/login", map[string]string{"name": "ana", "password": password}, nil); w.Code != 200 {
		t.Fatalf("analyst login after turning two-factor off: %d", w.Code)
	}
	// A senior may not.
	sen := e.login(t, "sen")
	if w := form(sen, "/account/totp/disable", url.Values{"code": {e.code("sen")}}); w.Header().Get("Location") != "/account?msg=totp_required" {
		t.Fatalf("senior turning two-factor off: %d %q", w.Code, w.Header().Get("Location"))
	}
	if u, _ := e.st.User(context.Background(), "sen"); !u.HasTOTP() {
		t.Fatal("the senior's enrolment is gone")
	}
	log, _ := os.ReadFile(e.audit)
	for _, want := range []string{`"recovery_regenerate"`, `"totp_disable"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
}

// TestPendingSessionReachesOnlyItsStep: a session that must still enrol
// gets past the guard only on the routes marked Partial; pages send it to
// enrolment, everything else answers 403.
func TestPendingSessionReachesOnlyItsStep(t *testing.T) {
	e := newEnv(t, reviewtest.Items(3))
	e.srv.cfg.Sessions.Throttle = nil
	e.addUser(t, "sen4", review.RoleSenior)
	login := func() *client {
		w := e.do(nil, "POST", "/api/login", map[string]string{"name": "sen4", "password": password}, nil)
		var out struct{ CSRF, Pending string }
		json.Unmarshal(w.Body.Bytes(), &out)
		if w.Code != 200 || out.Pending != review.PendingEnrol {
			t.Fatalf("login: %d %s", w.Code, w.Body)
		}
		return &client{cookie: sessionCookie(w), csrf: out.CSRF}
	}
	c := login()
	for pattern, req := range requests {
		acc := Routes[pattern]
		if acc.Public {
			continue
		}
		t.Run(pattern, func(t *testing.T) {
			if pattern == "POST /logout" {
				c = login()
				defer func() { c = login() }()
			}
			w := e.do(c, req.method, req.path, req.body, nil)
			switch {
			case acc.Partial:
				if w.Code == 401 || w.Code == 403 {
					t.Fatalf("partial route: %d %s", w.Code, w.Body)
				}
			case req.method == "GET" && !strings.HasPrefix(req.path, "/api/"):
				if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account/totp") {
					t.Fatalf("page: %d to %q, want enrolment", w.Code, w.Header().Get("Location"))
				}
			default:
				if w.Code != http.StatusForbidden {
					t.Fatalf("%d, want 403", w.Code)
				}
			}
		})
	}
}

func TestShortAgent(t *testing.T) {
	cases := []struct{ name, ua, want string }{
		{"firefox on linux", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox · Linux"},
		{"chrome on android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36", "Chrome · Android"},
		{"edge on windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge · Windows"},
		{"safari on iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari · iOS"},
		{"curl", "curl/8.5.0", "curl"},
		{"unknown, long", strings.Repeat("x", 100), strings.Repeat("x", 48) + "…"},
		{"control characters", "evil\u202eagent", ""},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := shortAgent(c.ua); got != c.want {
				t.Fatalf("shortAgent(%q) = %q, want %q", c.ua, got, c.want)
			}
		})
	}
}
