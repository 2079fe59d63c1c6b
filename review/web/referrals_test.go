package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/jsonschema"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	bundle "github.com/rasd-iq/rasd/review/evidence"
	"github.com/rasd-iq/rasd/review/referral"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// referralEnv serves six items whose first one threatens a named person,
// with a third decider ("ana2") and a notifier for packages.
func referralEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, reviewtest.Items(6))
	e.srv.ref.Notifier = policy.Notifier{Name: "Rasd observatory", Email: "referrals@example.org"}
	e.be.mu.Lock()
	rec := e.be.recs["x:000000"]
	// Scored and judged as the pipeline would: a threat naming an activist.
	rec.Scores = map[string]float64{"threat": 0.93}
	j, err := policy.Default().Judge(policy.Scored{Model: rec.Model, Raw: rec.Scores, Signals: []policy.Signal{{Name: "named_person", Detail: "activist"}}},
		map[string]float64{"threat": 0.5}, rec.Processed)
	if err != nil {
		t.Fatal(err)
	}
	rec.Judgement = &j
	rec.Post.Fetched = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	e.be.recs["x:000000"] = rec
	e.be.mu.Unlock()
	m := &accounts.Manager{Store: e.st, Audit: nil, Actor: "test", Now: e.clock.Now}
	if err := m.Add(context.Background(), "ana2", review.RoleAnalyst, password); err != nil {
		t.Fatal(err)
	}
	return e
}

func referralForm(item string) map[string]any {
	p := map[string]string{"level": "high", "reason": "سبب مفصل يتجاوز عشرة أحرف"}
	return map[string]any{"item": item, "context": p, "speaker": p, "intent": p, "content_and_form": p, "extent": p, "likelihood": p,
		"explanation": "تهديد صريح بالقتل", "facts": "منشور علني يسمي الضحية", "threat_to_life": true}
}

func loadReferralSchema(t *testing.T) map[string]any {
	t.Helper()
	s, err := jsonschema.Load("../../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkPackage(t *testing.T, schema map[string]any, doc []byte) {
	t.Helper()
	errs, err := jsonschema.Check(schema, doc)
	if err != nil || len(errs) > 0 {
		t.Fatalf("package does not match docs/referral.schema.json: %v %v\n%s", err, errs, doc)
	}
}

// TestReferralAPI refers, approves, records an outcome and appeals
// through the JSON API, with the role and CSRF checks in the way.
func TestReferralAPI(t *testing.T) {
	e := referralEnv(t)
	ana, sen, res, ana2 := e.login(t, "ana"), e.login(t, "sen"), e.login(t, "res"), e.login(t, "ana2")
	id := "x:000000"
	it := decode[review.Item](t, e.do(ana, "POST", "/api/claims", map[string]string{"item": id}, nil))
	if w := e.do(ana, "POST", "/api/referrals", referralForm(id), nil); w.Code != http.StatusConflict {
		t.Fatalf("referral before deciding refer: %d %s", w.Code, w.Body)
	}
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, nil); w.Code != http.StatusCreated {
		t.Fatalf("refer decision: %d %s", w.Code, w.Body)
	}
	short := referralForm(id)
	short["extent"] = map[string]string{"level": "high", "reason": ""}
	if w := e.do(ana, "POST", "/api/referrals", short, nil); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "extent: reason not recorded") {
		t.Fatalf("incomplete assessment: %d %s", w.Code, w.Body)
	}
	ref := decode[review.Referral](t, e.do(ana, "POST", "/api/referrals", referralForm(id), nil))
	if ref.Status != review.ReferralAwaiting || !ref.Urgent || strings.Contains(ref.Assessment.RoleID, "ana") {
		t.Fatalf("referral %+v: want awaiting, urgent, a pseudonymous role id", ref)
	}
	base := "/api/referrals/" + ref.ID
	if w := e.do(sen, "GET", "/items/"+id+"/refer", nil, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/referrals/"+ref.ID {
		t.Fatalf("referral form of an item with an open referral: %d %s, want the referral to approve", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(ana, "POST", "/api/referrals", referralForm(id), nil); w.Code != http.StatusConflict {
		t.Fatalf("second referral of the item: %d %s", w.Code, w.Body)
	}
	if w := e.do(res, "GET", base, nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("researcher reading a referral: %d", w.Code)
	}
	if w := e.do(ana, "GET", base+"/package", nil, nil); w.Code != http.StatusConflict {
		t.Fatalf("package before approval: %d %s", w.Code, w.Body)
	}
	if w := e.do(ana, "POST", base+"/approve", map[string]string{}, nil); w.Code != http.StatusForbidden {
		t.Fatalf("self-approval: %d %s", w.Code, w.Body)
	}
	if w := e.do(&client{cookie: sen.cookie}, "POST", base+"/approve", map[string]string{}, nil); w.Code != http.StatusForbidden {
		t.Fatalf("approval without the CSRF token: %d", w.Code)
	}
	if got := decode[review.Referral](t, e.do(sen, "POST", base+"/approve", map[string]string{}, nil)); got.Status != review.ReferralApproved {
		t.Fatalf("approved referral %+v", got)
	}
	w := e.do(sen, "GET", base+"/package", nil, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("package: %d %s", w.Code, w.Body)
	}
	checkPackage(t, loadReferralSchema(t), w.Body.Bytes())
	if strings.Contains(w.Body.String(), `"ana"`) || strings.Contains(w.Body.String(), `"sen"`) {
		t.Fatalf("package names reviewers: %s", w.Body)
	}
	if w := e.do(sen, "GET", "/referrals/"+ref.ID+"/print", nil, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `dir="rtl"`) {
		t.Fatalf("printable page: %d", w.Code)
	}

	// The signed evidence bundle: refused without a signing key, then a
	// zip that verifies against the key.
	if w := e.do(sen, "GET", base+"/bundle", nil, nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("bundle without a signing key: %d %s", w.Code, w.Body)
	}
	signer, err := bundle.LoadSigner(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ref.Signer = signer
	w = e.do(sen, "GET", base+"/bundle", nil, nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/zip" || !strings.Contains(w.Header().Get("Content-Disposition"), "referral-"+ref.ID+".zip") {
		t.Fatalf("bundle: %d %v", w.Code, w.Header())
	}
	zipPath := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(zipPath, w.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := referral.VerifyBundle(zipPath, signer.Public(), bundle.Options{}); err != nil || rep.Manifest.ReferralID != ref.ID {
		t.Fatalf("the downloaded bundle does not verify: %v", err)
	}
	if w := e.do(res, "GET", base+"/bundle", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("researcher downloading a bundle: %d", w.Code)
	}

	// Outcomes: role-checked, CSRF-checked, validated.
	if w := e.do(res, "POST", base+"/outcome", map[string]string{"status": "removed"}, nil); w.Code != http.StatusForbidden {
		t.Fatalf("researcher recording an outcome: %d", w.Code)
	}
	if w := e.do(ana, "POST", base+"/outcome", map[string]string{"status": "gone"}, nil); w.Code != http.StatusBadRequest {
		t.Fatalf("unknown outcome: %d %s", w.Code, w.Body)
	}
	if got := decode[review.Referral](t, e.do(ana, "POST", base+"/outcome", map[string]string{"status": "removed", "note": "removed within 24h"}, nil)); got.Outcome() != policy.OutcomeRemoved {
		t.Fatalf("outcome %+v", got.Outcomes)
	}

	// An appeal filed by a researcher goes to the one analyst who did not decide.
	ap := decode[review.Appeal](t, e.do(res, "POST", "/api/appeals", map[string]string{"target": "referral", "target_id": ref.ID, "reason": "نقد لا تهديد"}, nil))
	if ap.Reviewer != "ana2" {
		t.Fatalf("appeal assigned to %q, want ana2", ap.Reviewer)
	}
	if w := e.do(sen, "POST", "/api/appeals/"+ap.ID+"/decide", map[string]string{"outcome": "reversed", "note": "x"}, nil); w.Code != http.StatusForbidden {
		t.Fatalf("approver hearing the appeal: %d %s", w.Code, w.Body)
	}
	if got := decode[review.Appeal](t, e.do(ana2, "POST", "/api/appeals/"+ap.ID+"/decide", map[string]string{"outcome": "reversed", "note": "نقد محمي"}, nil)); got.Outcome != policy.AppealReversed {
		t.Fatalf("appeal decision %+v", got)
	}
	if got := decode[review.Referral](t, e.do(ana, "GET", base, nil, nil)); got.Status != review.ReferralWithdrawn {
		t.Fatalf("referral after a reversal: %s, want withdrawn", got.Status)
	}
	ds := decode[[]review.Decision](t, e.do(res, "GET", "/api/decisions?item="+id, nil, nil))
	if last := ds[len(ds)-1]; last.Stage != review.StageAppeal || last.Verdict != review.VerdictFalsePositive || last.Reviewer != "ana2" {
		t.Fatalf("last decision %+v: want ana2's appeal correction", last)
	}
}

// TestBrowserReferral: reviewer A decides "refer" and fills the six-part
// form, reviewer B approves it, and the exported package matches the schema.
func TestBrowserReferral(t *testing.T) {
	bctx := browser(t)
	e := referralEnv(t)
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	login := func(name string) {
		t.Helper()
		do("logging in as "+name,
			chromedp.WaitVisible("#login-form"),
			chromedp.SendKeys("#name", name),
			chromedp.SendKeys("#password", password),
			chromedp.Click("#login"),
		)
		if _, ok := totpSecrets[name]; ok {
			do("entering the code of "+name, chromedp.WaitVisible("#code-form"), chromedp.SendKeys("#code", e.code(name)), chromedp.Click("#verify"))
		}
	}
	id := "x:000000"
	do("opening the item", chromedp.Navigate(ts.URL+"/items/"+id))
	login("ana")
	do("claiming", chromedp.WaitVisible("#claim"), chromedp.Click("#claim"), chromedp.WaitVisible("#decide"))
	do("deciding refer", chromedp.SetValue("#verdict", "true_positive"), chromedp.Click("#act-refer"), chromedp.WaitVisible("#refer-form"))
	if p := eval[string](t, ctx, `location.pathname`); p != "/items/"+id+"/refer" {
		t.Fatalf("refer led to %s, want the referral form", p)
	}
	if dir := eval[string](t, ctx, `getComputedStyle(document.body).direction`); dir != "rtl" {
		t.Fatalf("referral form direction %q, want rtl", dir)
	}
	// Leave out the likelihood first: the form comes back naming it.
	var steps []chromedp.Action[chromedp.Void]
	for _, f := range partFields[:5] {
		steps = append(steps, chromedp.SetValue("#"+f.Field+"_level", "high"), chromedp.SendKeys("#"+f.Field+"_reason", "reason given in detail"))
	}
	steps = append(steps, chromedp.SetValue("#likelihood_reason", "imminent"), chromedp.SendKeys("#explanation", "explicit threat to kill a named person"),
		chromedp.SendKeys("#facts", "public post naming the target"), chromedp.Click("#threat_to_life"), chromedp.Click("#submit-referral"), chromedp.WaitVisible("#form-error"))
	do("submitting an incomplete form", steps...)
	if msg := eval[string](t, ctx, `document.getElementById("form-error").textContent`); !strings.Contains(msg, "likelihood") {
		t.Fatalf("form error %q does not name the likelihood", msg)
	}
	if kept := eval[string](t, ctx, `document.getElementById("explanation").value`); kept != "explicit threat to kill a named person" {
		t.Fatalf("the form lost what was typed: %q", kept)
	}
	do("completing the likelihood", chromedp.SetValue("#likelihood_level", "high"), chromedp.SetValue("#likelihood_reason", "imminent: the post names a time and place"),
		chromedp.Click("#submit-referral"), chromedp.WaitVisible("#ref-status"))
	if st := eval[string](t, ctx, `document.getElementById("ref-status").dataset.status`); st != string(review.ReferralAwaiting) {
		t.Fatalf("after the form, status %q, want awaiting_approval", st)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#approve").length`); n != 0 {
		t.Fatalf("the assessor is offered to approve their own referral")
	}
	refURL := eval[string](t, ctx, `location.pathname`)

	do("logging out", chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"))
	do("opening the referral as sen", chromedp.Navigate(ts.URL+refURL))
	login("sen")
	do("approving", chromedp.WaitVisible("#approve"), chromedp.Click("#approve"), chromedp.WaitVisible("#print"))
	if st := eval[string](t, ctx, `document.getElementById("ref-status").dataset.status`); st != string(review.ReferralApproved) {
		t.Fatalf("after approval, status %q, want approved", st)
	}
	pkgURL := eval[string](t, ctx, `document.getElementById("package").href`)
	do("exporting the package", chromedp.Navigate(pkgURL), chromedp.WaitReady("body"))
	doc := eval[string](t, ctx, `document.body.innerText`)
	checkPackage(t, loadReferralSchema(t), []byte(doc))
	for _, want := range []string{`"urgent":true`, `"likelihood":{"level":"high","reason":"imminent: the post names a time and place"}`, `"action":"approved"`} {
		if !strings.Contains(doc, want) {
			t.Fatalf("package lacks %s:\n%s", want, doc)
		}
	}
	rs, err := e.st.Referrals(context.Background())
	if err != nil || len(rs) != 1 || rs[0].Assessment.ReviewerID != "ana" || rs[0].Approvals[0].ReviewerID != "sen" {
		t.Fatalf("stored referrals %+v, %v", rs, err)
	}
}

// TestItemLinksToItsReferral: once decided "refer", the item page links to
// the referral form (which leads to the open referral).
func TestItemLinksToItsReferral(t *testing.T) {
	e := referralEnv(t)
	ana := e.login(t, "ana")
	id := "x:000000"
	if page := e.do(ana, "GET", "/items/"+id, nil, nil).Body.String(); strings.Contains(page, `id="referral-link"`) {
		t.Fatal("an undecided item links to a referral")
	}
	it := decode[review.Item](t, e.do(ana, "POST", "/api/claims", map[string]string{"item": id}, nil))
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, nil); w.Code != http.StatusCreated {
		t.Fatalf("refer decision: %d %s", w.Code, w.Body)
	}
	if page := e.do(ana, "GET", "/items/"+id, nil, nil).Body.String(); !strings.Contains(page, `href="/items/`+id+`/refer"`) {
		t.Fatal("a referred item does not link to its referral form")
	}
}

// TestReferralPages records an outcome and files and decides an appeal
// through the HTML forms.
func TestReferralPages(t *testing.T) {
	e := referralEnv(t)
	ana, sen, res, ana2 := e.login(t, "ana"), e.login(t, "sen"), e.login(t, "res"), e.login(t, "ana2")
	id := "x:000000"
	it := decode[review.Item](t, e.do(ana, "POST", "/api/claims", map[string]string{"item": id}, nil))
	e.do(ana, "POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, nil)
	ref := decode[review.Referral](t, e.do(ana, "POST", "/api/referrals", referralForm(id), nil))
	page := "/referrals/" + ref.ID
	if w := e.do(sen, "POST", page+"/approve", "csrf="+sen.csrf, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"?msg=approved" {
		t.Fatalf("approve form: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(ana, "POST", page+"/outcome", "csrf="+ana.csrf+"&status=declined&note=no+violation+found", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"?msg=outcome" {
		t.Fatalf("outcome form: %d %s", w.Code, w.Header().Get("Location"))
	}
	body := e.do(ana, "GET", page, nil, nil).Body.String()
	for _, want := range []string{`data-status="approved"`, `id="print"`, Arabic.T("declined"), "no violation found"} {
		if !strings.Contains(body, want) {
			t.Fatalf("referral page lacks %q", want)
		}
	}
	if body := e.do(ana, "GET", "/referrals", nil, nil).Body.String(); !strings.Contains(body, `data-id="`+ref.ID+`"`) {
		t.Fatal("referral list lacks the referral")
	}
	if w := e.do(res, "POST", "/appeals", "csrf="+res.csrf+"&target=referral&target_id="+ref.ID+"&reason=criticism", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/appeals?msg=appealed" {
		t.Fatalf("appeal form: %d %s", w.Code, w.Header().Get("Location"))
	}
	as, err := e.st.Appeals(context.Background())
	if err != nil || len(as) != 1 {
		t.Fatalf("appeals %v, %v", as, err)
	}
	if w := e.do(ana, "POST", "/appeals/"+as[0].ID+"/decide", "csrf="+ana.csrf+"&outcome=upheld&note=stands", nil); w.Header().Get("Location") != "/appeals?msg=ineligible" {
		t.Fatalf("the assessor hearing the appeal: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(ana2, "POST", "/appeals/"+as[0].ID+"/decide", "csrf="+ana2.csrf+"&outcome=upheld&note=stands", nil); w.Header().Get("Location") != "/appeals?msg=appeal_decided" {
		t.Fatalf("appeal decision form: %d %s", w.Code, w.Header().Get("Location"))
	}
	if body := e.do(res, "GET", "/appeals", nil, nil).Body.String(); !strings.Contains(body, Arabic.T("upheld")) || strings.Contains(body, `name="outcome"`) {
		t.Fatal("appeals page does not show the upheld appeal without forms for a researcher")
	}
}

// TestReferralsLinkFollowsTheRole: only roles that may read referrals see the link.
func TestReferralsLinkFollowsTheRole(t *testing.T) {
	e := referralEnv(t)
	for name, want := range map[string]bool{"ana": true, "sen": true, "res": false, "adm": false} {
		body := e.do(e.login(t, name), "GET", "/appeals", nil, nil).Body.String()
		if got := strings.Contains(body, `id="nav-referrals"`); got != want {
			t.Fatalf("%s sees the referrals link: %v, want %v", name, got, want)
		}
	}
}
