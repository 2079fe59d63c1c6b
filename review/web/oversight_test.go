package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

// approvedReferral decides "refer" on x:000000 as ana, refers it with
// facts that name the author and link the post, and has sen approve it.
func approvedReferral(t *testing.T, e *env) review.Referral {
	t.Helper()
	ana, sen := e.login(t, "ana"), e.login(t, "sen")
	id := "x:000000"
	it := decode[review.Item](t, e.do(ana, "POST", "/api/claims", map[string]string{"item": id}, nil))
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, nil); w.Code != http.StatusCreated {
		t.Fatalf("refer decision: %d %s", w.Code, w.Body)
	}
	form := referralForm(id)
	form["facts"] = "كتب @author0 المنشور العلني https://example.org/x:000000 ويسمي الضحية"
	ref := decode[review.Referral](t, e.do(ana, "POST", "/api/referrals", form, nil))
	ref = decode[review.Referral](t, e.do(sen, "POST", "/api/referrals/"+ref.ID+"/approve", map[string]string{}, nil))
	if ref.Status != review.ReferralApproved {
		t.Fatalf("referral %+v: want approved", ref)
	}
	return ref
}

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// complaintToken serves the complaint form to c and returns its token.
func complaintToken(t *testing.T, e *env, c *client) string {
	t.Helper()
	w := e.do(c, "GET", "/complaint", nil, nil)
	m := tokenRE.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil {
		t.Fatalf("complaint form: %d, token %v", w.Code, m)
	}
	return m[1]
}

// complain posts the complaint form as c with a fresh token.
func complain(t *testing.T, e *env, c *client, ref, text, contact string) *httpResult {
	t.Helper()
	tok := complaintToken(t, e, c)
	body := url.Values{"token": {tok}, "reference": {ref}, "text": {text}, "contact": {contact}}.Encode()
	w := e.do(c, "POST", "/complaint", body, nil)
	return &httpResult{Code: w.Code, Body: w.Body.String()}
}

type httpResult struct {
	Code int
	Body string
}

func appealsOf(t *testing.T, e *env) []review.Appeal {
	t.Helper()
	as, err := e.st.Appeals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestComplaintFlow: a person quotes the public reference of a referral
// on the public form; the complaint enters the appeals queue, assigned to
// a reviewer who neither referred nor approved, and the audit log,
// without the complainant's contact; an unknown reference gets the same
// answer and files nothing; bad fields are refused with a clear message.
func TestComplaintFlow(t *testing.T) {
	e := referralEnv(t)
	ref := approvedReferral(t, e)
	if review.NormalizeReference(ref.Reference) != ref.Reference {
		t.Fatalf("reference %q is not a normalised public reference", ref.Reference)
	}
	sen := e.login(t, "sen")
	w := e.do(sen, "GET", "/api/referrals/"+ref.ID+"/package", nil, nil)
	var pkg policy.ReferralPackage
	if err := json.Unmarshal(w.Body.Bytes(), &pkg); err != nil || pkg.Notice.Reference != ref.Reference {
		t.Fatalf("package notice reference %q, want %q (%v)", pkg.Notice.Reference, ref.Reference, err)
	}
	checkPackage(t, loadReferralSchema(t), w.Body.Bytes())
	if w := e.do(sen, "GET", "/referrals/"+ref.ID, nil, nil); !strings.Contains(w.Body.String(), ref.Reference) {
		t.Fatalf("the referral page does not show the reference %s", ref.Reference)
	}
	if w := e.do(sen, "GET", "/referrals/"+ref.ID+"/print", nil, nil); !strings.Contains(w.Body.String(), ref.Reference) {
		t.Fatalf("the printable notice does not show the reference %s", ref.Reference)
	}

	// The form: Arabic and right to left by default, English on request,
	// never cached (its token is the client's own).
	if w := e.do(nil, "GET", "/complaint", nil, nil); !strings.Contains(w.Body.String(), `dir="rtl"`) || !strings.Contains(w.Body.String(), Arabic.T("complaint_title")) ||
		w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("complaint form in Arabic: %d %v", w.Code, w.Header())
	}
	if w := e.do(&client{cookie: &http.Cookie{Name: LangCookie, Value: "en"}}, "GET", "/complaint", nil, nil); !strings.Contains(w.Body.String(), `dir="ltr"`) ||
		!strings.Contains(w.Body.String(), "Contest the referral of a post") {
		t.Fatalf("complaint form in English: %d", w.Code)
	}
	person := &client{addr: "203.0.113.5:1234"}
	// The reference as someone may type it: lower case, with a dash.
	typed := strings.ToLower(ref.Reference[:5]) + "-" + ref.Reference[5:]
	known := complain(t, e, person, typed, "منشوري نقد سياسي وليس تهديداً", "person@example.com")
	if known.Code != http.StatusOK || !strings.Contains(known.Body, `id="received"`) {
		t.Fatalf("complaint: %d %s", known.Code, known.Body)
	}
	as := appealsOf(t, e)
	if len(as) != 1 {
		t.Fatalf("%d appeals after a complaint, want 1", len(as))
	}
	a := as[0]
	if a.Origin != review.OriginComplaint || a.Target != "referral" || a.TargetID != ref.ID || a.Reviewer != "ana2" ||
		a.Contact != "person@example.com" || a.Outcome != policy.AppealPending {
		t.Fatalf("complaint appeal %+v: want origin complaint against the referral, heard by ana2, with the contact", a)
	}
	// The reviewer who hears it sees it in the queue, with the contact to reply to.
	ana2 := e.login(t, "ana2")
	if w := e.do(ana2, "GET", "/appeals", nil, nil); !strings.Contains(w.Body.String(), `data-origin="complaint"`) || !strings.Contains(w.Body.String(), "person@example.com") {
		t.Fatalf("appeals page for the hearing reviewer lacks the complaint: %s", w.Body)
	}

	// Audited, without the contact.
	f, _ := os.Open(e.audit)
	entries, err := audit.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var filed bool
	for _, en := range entries {
		if en.Type == audit.TypeAppeal && en.Actor == "complainant" && bytes.Contains(en.Details, []byte(`"origin":"complaint"`)) {
			filed = true
		}
		if bytes.Contains(en.Details, []byte("person@example.com")) {
			t.Fatalf("the audit log holds the complainant's contact: %s", en.Details)
		}
	}
	if !filed {
		t.Fatal("no audit entry for the complaint")
	}

	// An unknown reference: the same page, nothing filed. A second
	// complaint on a referral with one pending: the same page too.
	other := &client{addr: "203.0.113.6:1234"}
	unknown := complain(t, e, other, "ZZZZZZZZZZ", "منشوري نقد سياسي وليس تهديداً", "")
	if unknown.Code != known.Code || unknown.Body != known.Body {
		t.Fatalf("unknown reference answered %d %q, want the same as a known one (%d)", unknown.Code, unknown.Body, known.Code)
	}
	again := complain(t, e, other, ref.Reference, "مرة أخرى", "")
	if again.Code != known.Code || again.Body != known.Body {
		t.Fatalf("second complaint answered %d, want the same page", again.Code)
	}
	if n := len(appealsOf(t, e)); n != 1 {
		t.Fatalf("%d appeals after an unknown reference and a repeat, want 1", n)
	}

	// Fields refused with a clear message, the form kept.
	en := &client{addr: "203.0.113.7:1", cookie: &http.Cookie{Name: LangCookie, Value: "en"}}
	cases := []struct {
		name, ref, text, contact string
		want                     int
		msg                      string
	}{
		{"long text", ref.Reference, strings.Repeat("ن", 2001), "", 400, "at most 2000 characters"},
		{"bad contact", ref.Reference, "نص", "not an address", 400, "e-mail address is not valid"},
		{"long contact", ref.Reference, "نص", strings.Repeat("a", 250) + "@example.com", 400, "e-mail address is not valid"},
		{"bad reference", "12345", "نص", "", 400, "The reference is 10 characters"},
		{"empty text", ref.Reference, "  ", "", 400, "needs a text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Add(time.Minute) // past the rate limit
			got := complain(t, e, en, c.ref, c.text, c.contact)
			if got.Code != c.want || !strings.Contains(got.Body, c.msg) {
				t.Fatalf("%d, want %d with %q: %s", got.Code, c.want, c.msg, got.Body)
			}
		})
	}
	e.clock.Add(time.Minute)
	huge := url.Values{"token": {complaintToken(t, e, en)}, "reference": {ref.Reference}, "text": {strings.Repeat("x", MaxComplaintBody)}}.Encode()
	if w := e.do(en, "POST", "/complaint", huge, nil); w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "larger than allowed") {
		t.Fatalf("oversized body: %d %s", w.Code, w.Body)
	}
	e.clock.Add(time.Minute)
	// A token is bound to the address it was served to, and expires.
	tok := complaintToken(t, e, en)
	form := url.Values{"token": {tok}, "reference": {ref.Reference}, "text": {"نص"}}.Encode()
	if w := e.do(&client{addr: "198.51.100.9:1"}, "POST", "/complaint", form, nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="error"`) {
		t.Fatalf("token from another address: %d", w.Code)
	}
	e.clock.Add(3 * time.Hour)
	if w := e.do(en, "POST", "/complaint", form, nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "The form expired") {
		t.Fatalf("expired token: %d %s", w.Code, w.Body)
	}
	if n := len(appealsOf(t, e)); n != 1 {
		t.Fatalf("%d appeals after refused complaints, want 1", n)
	}

	// Transparency counts the complaint, then its ruling.
	aud, ana2 := e.login(t, "aud"), e.login(t, "ana2") // sessions idle for hours ended
	rep := decode[policy.Report](t, e.do(aud, "GET", "/api/transparency?period=2026-Q4", nil, nil))
	if rep.Complaints != (policy.ComplaintCounts{Received: 1, Pending: 1}) {
		t.Fatalf("complaints %+v, want one received and pending", rep.Complaints)
	}
	if w := e.do(ana2, "POST", "/api/appeals/"+a.ID+"/decide", map[string]string{"outcome": "upheld", "note": "تهديد صريح"}, nil); w.Code != http.StatusOK {
		t.Fatalf("ruling on the complaint: %d %s", w.Code, w.Body)
	}
	rep = decode[policy.Report](t, e.do(aud, "GET", "/api/transparency?period=2026-Q4", nil, nil))
	if rep.Complaints != (policy.ComplaintCounts{Received: 1, Upheld: 1}) {
		t.Fatalf("complaints %+v, want one received and upheld", rep.Complaints)
	}
	if w := e.do(aud, "GET", "/transparency?period=2026-Q4", nil, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="complaints-received">1<`) {
		t.Fatalf("transparency page: %d", w.Code)
	}
}

// TestComplaintRateLimit: the sixth complaint from one address in a
// minute is refused, others' are not, and the limit is configurable.
func TestComplaintRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	one, two := &client{addr: "203.0.113.10:1"}, &client{addr: "203.0.113.11:1"}
	for i := range 5 {
		if got := complain(t, e, one, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusOK {
			t.Fatalf("complaint %d: %d", i+1, got.Code)
		}
	}
	if got := complain(t, e, one, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusTooManyRequests {
		t.Fatalf("sixth complaint in a minute: %d, want 429", got.Code)
	}
	if got := complain(t, e, two, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusOK {
		t.Fatalf("another address: %d, want 200", got.Code)
	}
	e.clock.Add(61 * time.Second)
	if got := complain(t, e, one, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusOK {
		t.Fatalf("a minute later: %d, want 200", got.Code)
	}
	e.srv.cfg.ComplaintLimits = ComplaintLimits{PerAddress: 50, Global: 3, Answer: -1}
	e.clock.Add(61 * time.Second)
	for i := range 3 {
		c := &client{addr: "198.51.100." + string(rune('1'+i)) + ":1"}
		if got := complain(t, e, c, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusOK {
			t.Fatalf("complaint %d under the global limit: %d", i+1, got.Code)
		}
	}
	if got := complain(t, e, two, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusTooManyRequests {
		t.Fatalf("past the global limit: %d, want 429", got.Code)
	}
}

// identityRE matches what names or leads to the fixtures' authors and the
// complainant: handles and ids ("author0"), permalinks, the sighting's
// link, the contact, and reviewers by account name.
var identityRE = regexp.MustCompile(`@author|author\d|example\.org/|t\.me/chan|person@example\.com|user:(ana|sen|adm|aud|res)\b|"(reviewer|appellant|reviewer_id|holder)":"(ana|sen|ana2)"`)

// TestAuditorSeesNoIdentities reads every view the auditor may open after
// a referral, its approval, a complaint, logins and an evidence event
// with a permalink: none shows a handle, a permalink or a contact, and
// reviewers appear by their role pseudonym.
func TestAuditorSeesNoIdentities(t *testing.T) {
	e := referralEnv(t)
	ref := approvedReferral(t, e)
	if got := complain(t, e, &client{addr: "203.0.113.5:1"}, ref.Reference, "منشوري @author0 نقد https://example.org/x:000000", "person@example.com"); got.Code != http.StatusOK {
		t.Fatalf("complaint: %d", got.Code)
	}
	if _, err := e.srv.cfg.Audit.Append(audit.Event{Type: audit.TypeEvidence, Actor: "pipeline", Subject: "x:000000", Details: map[string]any{
		"stage": "capture", "permalink": "https://example.org/x:000000", "author": "author0", "handle": "@author0",
		"media": []any{map[string]any{"url": "https://example.org/m.jpg", "sha256": "ab"}}, "note": "seen at t.me/chan/9",
	}}); err != nil {
		t.Fatal(err)
	}
	aud := e.login(t, "aud")
	// The control: an analyst's views and the raw log do show them.
	for _, p := range []string{"/api/items/x:000000", "/api/appeals", "/api/referrals/" + ref.ID} {
		if w := e.do(e.login(t, "ana"), "GET", p, nil, nil); !identityRE.MatchString(w.Body.String()) {
			t.Fatalf("the analyst's GET %s shows no identity; the check would prove nothing", p)
		}
	}
	if raw, _ := os.ReadFile(e.audit); !identityRE.Match(raw) {
		t.Fatal("the raw audit log holds no identity; the check would prove nothing")
	}
	pages := []string{"/queue", "/api/queue", "/items/x:000000", "/api/items/x:000000", "/api/decisions?item=x:000000", "/items/x:000001",
		"/referrals", "/referrals/" + ref.ID, "/api/referrals", "/api/referrals/" + ref.ID, "/appeals", "/api/appeals",
		"/audit", "/api/audit", "/api/audit?type=evidence", "/audit?limit=3", "/transparency", "/api/transparency?period=2026-Q4",
		"/dashboard", "/api/trends", "/api/search?q=نص", "/search?q=نص"}
	for _, p := range pages {
		w := e.do(aud, "GET", p, nil, nil)
		if w.Code != http.StatusOK && !(strings.Contains(p, "search") && w.Code == http.StatusServiceUnavailable) {
			t.Errorf("auditor GET %s: %d %s", p, w.Code, w.Body)
			continue
		}
		if m := identityRE.FindString(w.Body.String()); m != "" {
			t.Errorf("auditor GET %s shows %q", p, m)
		}
	}
	// What the auditor may not open at all: the package and bundle carry
	// the author's identity for the platform.
	for _, p := range []string{"/api/referrals/" + ref.ID + "/package", "/api/referrals/" + ref.ID + "/bundle", "/referrals/" + ref.ID + "/print", "/api/users"} {
		if w := e.do(aud, "GET", p, nil, nil); w.Code != http.StatusForbidden {
			t.Errorf("auditor GET %s: %d, want 403", p, w.Code)
		}
	}
	// Reviewers as role pseudonyms: the referral's assessor is its role id.
	got := decode[review.Referral](t, e.do(aud, "GET", "/api/referrals/"+ref.ID, nil, nil))
	if got.Assessment.ReviewerID != ref.Assessment.RoleID || !strings.Contains(got.Facts, Withheld) {
		t.Fatalf("referral as the auditor reads it: assessor %q (want %q), facts %q", got.Assessment.ReviewerID, ref.Assessment.RoleID, got.Facts)
	}
	// The evidence event: identity keys pseudonymised, addresses withheld,
	// the rest kept.
	page := decode[AuditPage](t, e.do(aud, "GET", "/api/audit?type=evidence&limit=1", nil, nil))
	if len(page.Entries) != 1 {
		t.Fatalf("evidence entries %+v", page)
	}
	d := page.Entries[0].Details
	if d["stage"] != "capture" || !strings.HasPrefix(d["permalink"].(string), "anon-") || !strings.HasPrefix(d["handle"].(string), "anon-") ||
		d["media"].([]any)[0].(map[string]any)["url"] == "https://example.org/m.jpg" || d["media"].([]any)[0].(map[string]any)["sha256"] != "ab" {
		t.Fatalf("evidence details as the auditor reads them: %v", d)
	}
	// The same filter by pseudonymous actor the page shows.
	actor := "reviewer:" + e.srv.roleID("ana")
	byAna := decode[AuditPage](t, e.do(aud, "GET", "/api/audit?actor="+url.QueryEscape(actor), nil, nil))
	if len(byAna.Entries) == 0 {
		t.Fatalf("no entries by %s", actor)
	}
	for _, en := range byAna.Entries {
		if en.Actor != actor {
			t.Fatalf("entry by %s in a filter by %s", en.Actor, actor)
		}
	}
	// Researchers do not see the complainant's contact either; the
	// hearing reviewer's colleagues who decide do.
	res := e.login(t, "res")
	if w := e.do(res, "GET", "/api/appeals", nil, nil); strings.Contains(w.Body.String(), "person@example.com") {
		t.Fatalf("researcher sees the contact: %s", w.Body)
	}
	if w := e.do(e.login(t, "ana2"), "GET", "/api/appeals", nil, nil); !strings.Contains(w.Body.String(), "person@example.com") {
		t.Fatalf("the hearing reviewer does not see the contact: %s", w.Body)
	}
}

// TestAuditPaging pages the audit log newest first and filters it by
// type and time.
func TestAuditPaging(t *testing.T) {
	e := newEnv(t, nil)
	t0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		if _, err := e.srv.cfg.Audit.Append(audit.Event{Type: "test", Actor: "cli", Subject: "s", Time: t0.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	aud := e.login(t, "aud")
	p1 := decode[AuditPage](t, e.do(aud, "GET", "/api/audit?type=test&limit=3", nil, nil))
	if len(p1.Entries) != 3 || !p1.Entries[0].Time.Equal(t0.Add(6*time.Hour)) || p1.Next < 0 {
		t.Fatalf("first page %+v", p1)
	}
	var seen []time.Time
	for p, next := p1, p1.Next; ; {
		for _, en := range p.Entries {
			seen = append(seen, en.Time)
		}
		if next < 0 {
			break
		}
		p = decode[AuditPage](t, e.do(aud, "GET", "/api/audit?type=test&limit=3&before="+itoa(next), nil, nil))
		next = p.Next
	}
	if len(seen) != 7 || !seen[6].Equal(t0) {
		t.Fatalf("pages gave %v, want the 7 entries newest first", seen)
	}
	win := decode[AuditPage](t, e.do(aud, "GET", "/api/audit?type=test&since=2026-11-02T02:00:00Z&until=2026-11-02T04:00:00Z", nil, nil))
	if len(win.Entries) != 2 {
		t.Fatalf("time window: %d entries, want 2", len(win.Entries))
	}
	if w := e.do(aud, "GET", "/api/audit?since=yesterday", nil, nil); w.Code != http.StatusBadRequest {
		t.Fatalf("bad time: %d", w.Code)
	}
	if w := e.do(aud, "GET", "/audit?type=test&limit=3", nil, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="older"`) {
		t.Fatalf("audit page: %d", w.Code)
	}
}

// TestComplaintAnswerTime: a well-formed complaint naming an unknown
// reference is answered no sooner than the configured answer time, as a
// filed one is.
func TestComplaintAnswerTime(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.cfg.ComplaintLimits.Answer = 80 * time.Millisecond
	start := time.Now()
	if got := complain(t, e, &client{addr: "203.0.113.20:1"}, "ZZZZZZZZZZ", "نص", ""); got.Code != http.StatusOK {
		t.Fatalf("complaint: %d", got.Code)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("answered in %s, want at least 80ms", d)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
