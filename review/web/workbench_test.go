package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/redisstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// inLang makes a request as c with the UI language l; a string body is a form
// (the session's CSRF token is added).
func (e *env) inLang(c *client, l Lang, method, path string, form url.Values) *httptest.ResponseRecorder {
	var body *bytes.Reader
	if form != nil {
		form.Set("csrf", c.csrf)
		body = bytes.NewReader([]byte(form.Encode()))
	} else {
		body = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = "192.0.2.10:40000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c != nil {
		req.AddCookie(c.cookie)
	}
	req.AddCookie(&http.Cookie{Name: LangCookie, Value: string(l)})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

// workItems are queue items with real scores: a 96% incitement post in
// Diyala, a 2% threat of higher routing priority, and filler.
func workItems() []review.Item {
	items := reviewtest.Items(30)
	items[0].Labels, items[0].Score, items[0].Governorate, items[0].Priority = []string{"incitement"}, 0.96, "diyala", 1
	items[1].Labels, items[1].Score, items[1].Governorate, items[1].Priority = []string{"threat"}, 0.02, "diyala", 0
	return items
}

// indexAll indexes every record of e's backend.
func indexAll(t *testing.T, e *env) {
	t.Helper()
	var docs []index.Doc
	for _, r := range e.be.recs {
		docs = append(docs, index.Doc{ID: r.Post.ID, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source,
			Governorate: r.Governorate, Created: r.Processed, Labels: r.Flags, MaxScore: store.MaxScore(&r)})
	}
	if err := e.srv.cfg.Index.Put(docs...); err != nil {
		t.Fatal(err)
	}
}

// bothStores runs fn against the embedded and the Redis review store.
func bothStores(t *testing.T, items []review.Item, fn func(t *testing.T, e *env)) {
	t.Run("bolt", func(t *testing.T) { fn(t, newEnv(t, items)) })
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
		t.Cleanup(func() { rdb.Close() })
		fn(t, newEnvWith(t, items, redisstore.New(rdb, "wb:")))
	})
}

// TestDismissalNeedsReasonConfirmationAndCanBeUndone: on the item page a
// dismissal without a reason code is refused with the reason in Arabic; a
// 96% post needs the confirmation box; the dismissal is stored with its
// code and audited; its author undoes it within the window (audited, the
// item back in the queue and held by them), nobody else can, nor after it.
func TestDismissalNeedsReasonConfirmationAndCanBeUndone(t *testing.T) {
	bothStores(t, workItems(), func(t *testing.T, e *env) {
		ana, sen := e.login(t, "ana"), e.login(t, "sen")
		id := "x:000000"
		if w := e.inLang(ana, Arabic, "POST", "/items/"+id+"/claim", url.Values{}); w.Code != http.StatusSeeOther {
			t.Fatalf("claim: %d %s", w.Code, w.Body)
		}
		it, _ := e.st.Item(context.Background(), id)
		form := func(extra ...string) url.Values {
			v := url.Values{"action": {"dismiss"}, "verdict": {"false_positive"}, "lease": {it.Lease.Token}}
			for i := 0; i+1 < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return v
		}
		for _, c := range []struct {
			form url.Values
			msg  string
		}{
			{form(), "need_reason"},
			{form("reason_code", "protected_speech"), "confirm_high"},
			{form("reason_code", "because", "confirm", "1"), "invalid"},
		} {
			w := e.inLang(ana, Arabic, "POST", "/items/"+id+"/decide", c.form)
			if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasSuffix(loc, "msg="+c.msg) {
				t.Fatalf("dismissal %v: %d to %q, want msg=%s", c.form, w.Code, loc, c.msg)
			}
			page := e.inLang(ana, Arabic, "GET", w.Header().Get("Location"), nil).Body.String()
			if !strings.Contains(page, Arabic.T("m_"+c.msg)) {
				t.Fatalf("item page after %s lacks the Arabic message %q", c.msg, Arabic.T("m_"+c.msg))
			}
		}
		if ds, _ := e.st.Decisions(context.Background(), id); len(ds) != 0 {
			t.Fatalf("refused dismissals recorded %+v", ds)
		}
		w := e.inLang(ana, Arabic, "POST", "/items/"+id+"/decide", form("reason_code", "protected_speech", "confirm", "1"))
		loc, _ := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusSeeOther || loc.Path != "/queue" || loc.Query().Get("undo") == "" {
			t.Fatalf("dismissal: %d to %q, want the queue with an undo", w.Code, loc)
		}
		ds, _ := e.st.Decisions(context.Background(), id)
		if len(ds) != 1 || ds[0].ReasonCode != review.ReasonProtected || ds[0].ID != loc.Query().Get("undo") {
			t.Fatalf("decisions %+v: want the dismissal with protected_speech", ds)
		}
		queue := e.inLang(ana, Arabic, "GET", loc.String(), nil).Body.String()
		if !strings.Contains(queue, `id="undo"`) || strings.Contains(queue, `data-id="`+id+`"`) {
			t.Fatalf("queue after the dismissal: want an undo button and the item gone")
		}
		undo := url.Values{"decision": {ds[0].ID}}
		if w := e.inLang(sen, Arabic, "POST", "/items/"+id+"/undo", undo); !strings.HasSuffix(w.Header().Get("Location"), "msg=undo") {
			t.Fatalf("undo by another reviewer: %d %q, want refused", w.Code, w.Header().Get("Location"))
		}
		e.clock.Add(5 * time.Second)
		if w := e.inLang(ana, Arabic, "POST", "/items/"+id+"/undo", undo); w.Code != http.StatusSeeOther || !strings.HasSuffix(w.Header().Get("Location"), "msg=undone") {
			t.Fatalf("undo: %d %q", w.Code, w.Header().Get("Location"))
		}
		it, _ = e.st.Item(context.Background(), id)
		if it.Status != review.StatusOpen || !it.Lease.Active(e.clock.Now()) || it.Lease.Holder != "ana" {
			t.Fatalf("after undo: %+v, want open and held by ana", it)
		}
		if ds, _ := e.st.Decisions(context.Background(), id); len(ds) != 0 {
			t.Fatalf("after undo the decisions are %+v", ds)
		}
		// Decided again and undone too late.
		w = e.inLang(ana, Arabic, "POST", "/items/"+id+"/decide", url.Values{"action": {"monitor"}, "verdict": {"true_positive"}, "lease": {it.Lease.Token}, "reason_code": {"duplicate"}})
		loc, _ = url.Parse(w.Header().Get("Location"))
		e.clock.Add(review.DefaultUndoWindow + time.Second)
		if w := e.inLang(ana, Arabic, "POST", "/items/"+id+"/undo", url.Values{"decision": {loc.Query().Get("undo")}}); !strings.HasSuffix(w.Header().Get("Location"), "msg=undo") {
			t.Fatalf("late undo: %d %q, want refused", w.Code, w.Header().Get("Location"))
		}
		if ds, _ := e.st.Decisions(context.Background(), id); len(ds) != 1 || ds[0].Action != review.ActionMonitor || ds[0].ReasonCode != "" {
			t.Fatalf("after the late undo: %+v, want the monitor decision kept, without a reason code", ds)
		}
		log, _ := os.ReadFile(e.audit)
		for _, want := range []string{`"reason_code":"protected_speech"`, `"undo":"`} {
			if !bytes.Contains(log, []byte(want)) {
				t.Fatalf("audit log lacks %s", want)
			}
		}
		if n := bytes.Count(log, []byte(`"undo":`)); n != 1 {
			t.Fatalf("audit log has %d undos, want 1", n)
		}
	})
}

// TestQueueShowsPostsInPercentAndInArabic: the queue lists posts with their
// evidence, filters by a percentage typed in either digits, names
// governorates in Arabic, refuses a bad filter in Arabic and pages.
func TestQueueShowsPostsInPercentAndInArabic(t *testing.T) {
	e := newEnv(t, workItems())
	ana := e.login(t, "ana")
	page := e.inLang(ana, Arabic, "GET", "/queue?min_score=%D9%A9%D9%A0", nil).Body.String() // ٩٠
	if n := strings.Count(page, "<tr data-id="); n != 1 || !strings.Contains(page, `data-id="x:000000"`) {
		t.Fatalf("min_score ٩٠ lists %d rows, want only the 96%% post", n)
	}
	for _, want := range []string{"<mark", "تجريبي للمراجعة x:000000", "ديالى", "٩٦٪", Arabic.T("l_incitement")} {
		if !strings.Contains(page, want) {
			t.Fatalf("queue lacks %q", want)
		}
	}
	if page := e.inLang(ana, Arabic, "GET", "/queue?min_score=20%25", nil).Body.String(); strings.Count(page, "<tr data-id=") != 11 {
		t.Fatalf("min_score=20%% lists %d rows, want 11", strings.Count(page, "<tr data-id="))
	}
	w := e.inLang(ana, Arabic, "GET", "/queue?min_score=800", nil)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), Arabic.T("e_min_pct")) || strings.Contains(w.Body.String(), "must be") {
		t.Fatalf("bad min_score: %d, want 400 with the Arabic message only", w.Code)
	}
	p1 := e.inLang(ana, English, "GET", "/queue?limit=10", nil).Body.String()
	if !strings.Contains(p1, `id="more"`) || strings.Contains(p1, `id="prev"`) || !strings.Contains(p1, "1–10 of 30") {
		t.Fatalf("first page: want a next link only and 1–10 of 30")
	}
	p2 := e.inLang(ana, English, "GET", "/queue?limit=10&offset=10", nil).Body.String()
	if !strings.Contains(p2, `id="prev"`) || !strings.Contains(p2, "11–20 of 30") {
		t.Fatalf("second page: want a previous link and 11–20 of 30")
	}
	if api := e.do(ana, "GET", "/api/queue?min_score=0.9", nil, nil); api.Code != 200 || !strings.Contains(api.Body.String(), "x:000000") {
		t.Fatalf("the API keeps the 0–1 scale: %d", api.Code)
	}
}

// TestSearchPagesFacetsAndSendsToReview: the search pages its hits, its
// facets are links, an Arabic governorate name finds the same posts as the
// id, hits in review link to their item and the others can be sent there
// (audited); researchers see opaque ids and no send button.
func TestSearchPagesFacetsAndSendsToReview(t *testing.T) {
	e := newEnv(t, workItems())
	indexAll(t, e)
	// A post that is stored but not in the review queue.
	r := e.be.recs["x:000002"]
	r.Post.ID, r.Post.Text, r.Queued = "x:manual", "منشور يدوي manual", false
	e.be.recs["x:manual"] = r
	indexAll(t, e)
	ana := e.login(t, "ana")
	for _, gov := range []string{"ديالى", "diyala", "Diyala"} {
		page := e.inLang(ana, Arabic, "GET", "/search?governorate="+url.QueryEscape(gov), nil).Body.String()
		if !strings.Contains(page, `data-id="x:000000"`) || !strings.Contains(page, `data-id="x:000001"`) || strings.Count(page, `class="card hit"`) != 2 {
			t.Fatalf("governorate=%s: want the two Diyala posts", gov)
		}
	}
	all := e.inLang(ana, English, "GET", "/search?size=10", nil).Body.String()
	if strings.Count(all, `class="card hit"`) != 10 || !strings.Contains(all, "1–10") || !strings.Contains(all, `id="more"`) {
		t.Fatalf("first search page: want 10 hits of 31 and a next link")
	}
	last := e.inLang(ana, English, "GET", "/search?size=10&offset=30", nil).Body.String()
	if strings.Count(last, `class="card hit"`) != 1 || strings.Contains(last, `id="more"`) || !strings.Contains(last, `id="prev"`) {
		t.Fatalf("last search page: want 1 hit and a previous link")
	}
	facet := regexp.MustCompile(`href="(/search\?[^"]*governorate=diyala[^"]*)"`).FindStringSubmatch(all)
	if facet == nil {
		t.Fatalf("no governorate facet link to diyala")
	}
	if p := e.inLang(ana, English, "GET", strings.ReplaceAll(facet[1], "&amp;", "&"), nil).Body.String(); strings.Count(p, `class="card hit"`) != 2 {
		t.Fatalf("the diyala facet opens %d hits, want 2", strings.Count(p, `class="card hit"`))
	}
	if !strings.Contains(all, `href="/items/x:000000"`) {
		t.Fatalf("a hit in review does not link to its item")
	}
	manual := e.inLang(ana, English, "GET", "/search?q=manual", nil).Body.String()
	if !strings.Contains(manual, `action="/items/x:manual/review"`) {
		t.Fatalf("a post not in review offers no send to review")
	}
	w := e.inLang(ana, English, "POST", "/items/x:manual/review", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/items/x:manual?msg=sent" {
		t.Fatalf("send to review: %d %q", w.Code, w.Header().Get("Location"))
	}
	if it, err := e.st.Item(context.Background(), "x:manual"); err != nil || it.Status != review.StatusOpen {
		t.Fatalf("sent post: %+v, %v; want open in the queue", it, err)
	}
	if log, _ := os.ReadFile(e.audit); !bytes.Contains(log, []byte(`"send_to_review"`)) {
		t.Fatalf("sending to review was not audited")
	}
	if w := e.inLang(ana, English, "POST", "/items/x:none/review", url.Values{}); w.Code != http.StatusNotFound {
		t.Fatalf("sending an unknown post: %d, want 404", w.Code)
	}
	res := e.login(t, "res")
	rp := e.inLang(res, Arabic, "GET", "/search?governorate=diyala", nil).Body.String()
	if strings.Contains(rp, `data-id="x:000000"`) || !strings.Contains(rp, `href="/items/`+OpaquePrefix) || strings.Contains(rp, "send-review") {
		t.Fatalf("researcher's search: want opaque item links and no send button")
	}
}

// crossLanguage returns the catalogue strings of the other language found
// in the visible text of page (tags, scripts, styles and the posts' own
// text, identifiers in <code> and legal citations marked as quoted in their
// own language removed), among label names, stages, reason codes, errors and
// messages.
func crossLanguage(page string, l Lang) []string {
	strip := regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<code[^>]*>.*?</code>|<div class="snippet".*?</div>|<p class="post".*?</p>|<div class="text".*?</div>|<[^>]*>`)
	text := " " + strings.Join(strings.Fields(strip.ReplaceAllString(page, " ")), " ") + " "
	other := 0
	if l == Arabic {
		other = 1
	}
	var found []string
	for key, w := range words {
		if w[0] == w[1] || !(strings.HasPrefix(key, "l_") || strings.HasPrefix(key, "st_") || strings.HasPrefix(key, "rc_") ||
			strings.HasPrefix(key, "e_") || strings.HasPrefix(key, "m_") || strings.HasPrefix(key, "g_")) {
			continue
		}
		s := w[other]
		if strings.Contains(s, "%") {
			s, _, _ = strings.Cut(s, "%")
		}
		if l == Arabic {
			// English words: whole words only, any case.
			if regexp.MustCompile(`(?i)(^|[^\pL])` + regexp.QuoteMeta(s) + `([^\pL]|$)`).MatchString(text) {
				found = append(found, key+"="+s)
			}
		} else if strings.Contains(text, s) {
			found = append(found, key+"="+s)
		}
	}
	// The policy's text: guidance, rules and the legal and platform bases.
	for _, t := range policyTexts(policy.Default()) {
		s := t[other]
		if s == "" || s == t[1-other] {
			continue
		}
		if strings.Contains(text, strings.Join(strings.Fields(html.EscapeString(s)), " ")) && !slices.Contains(found, "policy="+s) {
			found = append(found, "policy="+s)
		}
	}
	return found
}

// policyTexts lists the policy's reviewer-facing text as {Arabic, English}
// pairs: label and rule descriptions, basis titles, provisions and
// jurisdictions other than country codes.
func policyTexts(p *policy.Policy) [][2]string {
	var out [][2]string
	for _, l := range p.Labels {
		out = append(out, [2]string{l.DescriptionAr, l.Description})
	}
	for _, r := range p.Rules {
		out = append(out, [2]string{r.DescriptionAr, r.Description})
	}
	for _, b := range p.Bases {
		out = append(out, [2]string{b.TitleAr, b.Title}, [2]string{b.ProvisionAr, b.Provision})
		if len(b.Jurisdiction) != 2 {
			out = append(out, [2]string{b.JurisdictionAr, b.Jurisdiction})
		}
	}
	return out
}

// TestPagesSpeakOneLanguage: the queue, an item with decisions, search,
// error pages and a refused filter carry no label name, stage, reason,
// error or message of the other language.
func TestPagesSpeakOneLanguage(t *testing.T) {
	e := newEnv(t, workItems())
	indexAll(t, e)
	ana := e.login(t, "ana")
	ctx := context.Background()
	// x:000003 gets a decision, so that its page lists one with a stage.
	it, _ := e.st.Claim(ctx, "x:000003", review.Reviewer{Name: "ana"}, e.clock.Now(), time.Minute)
	if _, _, err := e.st.Decide(ctx, review.Decision{Item: it.ID, Reviewer: "ana", Action: review.ActionEscalate, Verdict: review.VerdictTruePositive, Lease: it.Lease.Token}, review.Reviewer{Name: "ana"}, review.Rules{}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if w := e.inLang(ana, Arabic, "POST", "/items/x:000000/claim", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatal(w.Code)
	}
	res := e.login(t, "res")
	paths := []string{"/queue", "/queue?min_score=abc", "/queue?status=gone", "/items/x:000000", "/items/x:000003",
		"/items/x:000000?msg=need_reason", "/search", "/search?min_score=x", "/search?governorate=diyala", "/queue?sort=bogus", "/queue?sort=score&dir=asc", "/queue?sort=label&dir=up", "/no/such/page", "/items/x:none"}
	for _, l := range []Lang{Arabic, English} {
		for _, path := range paths {
			w := e.inLang(ana, l, "GET", path, nil)
			if bad := crossLanguage(w.Body.String(), l); len(bad) > 0 {
				t.Errorf("%s page %s (%d) carries the other language's %v", l, path, w.Code, bad)
			}
		}
		w := e.inLang(res, l, "POST", "/items/x:000000/claim", url.Values{})
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), l.T("e_403")) || !strings.Contains(w.Body.String(), `dir="`+l.Dir()+`"`) {
			t.Errorf("%s 403: %d, want the styled page", l, w.Code)
		}
		if bad := crossLanguage(w.Body.String(), l); len(bad) > 0 {
			t.Errorf("%s 403 page carries %v", l, bad)
		}
		w = e.inLang(ana, l, "GET", "/no/such/page", nil)
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), l.T("e_404")) || !strings.Contains(w.Body.String(), "<header>") {
			t.Errorf("%s 404: %d, want the styled page", l, w.Code)
		}
	}
	// The check itself finds a planted English label name and stage.
	if bad := crossLanguage(`<p>hate</p><td>escalated</td>`, Arabic); len(bad) != 2 {
		t.Fatalf("crossLanguage found %v in a page with an English label and stage, want both", bad)
	}
	if bad := crossLanguage(fmt.Sprintf("<p>%s</p>", Arabic.T("st_first")), English); len(bad) != 1 {
		t.Fatalf("crossLanguage found %v in an English page with an Arabic stage", bad)
	}
	// And an English legal title on an Arabic page, even marked as English,
	// or an Arabic one on an English page.
	if bad := crossLanguage(`<li><span lang="en" dir="ltr">Iraqi Penal Code No. 111 of 1969, Art. 200(2)</span></li>`, Arabic); len(bad) != 1 {
		t.Fatalf("crossLanguage found %v in an Arabic page citing the penal code in English", bad)
	}
	if bad := crossLanguage(`<li>العهد الدولي الخاص بالحقوق المدنية والسياسية</li>`, English); !slices.Contains(bad, "policy=العهد الدولي الخاص بالحقوق المدنية والسياسية") {
		t.Fatalf("crossLanguage found %v in an English page citing the covenant in Arabic", bad)
	}
}

// TestBulkDismissal: several selected items are dismissed with one reason
// code, each a decision of its own; without a reason, or with a 96% item
// and no confirmation, nothing is dismissed.
func TestBulkDismissal(t *testing.T) {
	bothStores(t, workItems(), func(t *testing.T, e *env) {
		ana := e.login(t, "ana")
		ctx := context.Background()
		for _, c := range []struct {
			form url.Values
			msg  string
		}{
			{url.Values{"ids": {"x:000002", "x:000003"}}, "need_reason"},
			{url.Values{"ids": {"x:000000", "x:000002"}, "reason_code": {"duplicate"}}, "confirm_high"},
		} {
			if w := e.inLang(ana, Arabic, "POST", "/queue/bulk", c.form); !strings.HasSuffix(w.Header().Get("Location"), "msg="+c.msg) {
				t.Fatalf("bulk %v: %d %q, want msg=%s", c.form, w.Code, w.Header().Get("Location"), c.msg)
			}
		}
		var n int
		_ = e.st.EachDecision(ctx, func(review.Decision) error { n++; return nil })
		if n != 0 {
			t.Fatalf("refused bulk dismissals recorded %d decisions", n)
		}
		w := e.inLang(ana, Arabic, "POST", "/queue/bulk", url.Values{"ids": {"x:000002", "x:000003", "x:000004"}, "reason_code": {"not_actionable"}})
		if w.Header().Get("Location") != "/queue?msg=bulk&done=3" {
			t.Fatalf("bulk dismissal: %d %q", w.Code, w.Header().Get("Location"))
		}
		for _, id := range []string{"x:000002", "x:000003", "x:000004"} {
			ds, _ := e.st.Decisions(ctx, id)
			if len(ds) != 1 || ds[0].Action != review.ActionDismiss || ds[0].ReasonCode != review.ReasonNotActionable || ds[0].Reviewer != "ana" {
				t.Fatalf("%s decisions %+v, want one not_actionable dismissal by ana", id, ds)
			}
		}
		if page := e.inLang(ana, Arabic, "GET", "/queue?msg=bulk&done=3", nil).Body.String(); !strings.Contains(page, Arabic.T("m_bulk")+" ٣") {
			t.Fatalf("queue after the bulk dismissal lacks the count")
		}
	})
}

// TestSavedFilters: a queue filter and a search saved under a name are the
// account's own, listed as links on their page, survive a new login,
// replace one of the same name, can be deleted, and are audited.
func TestSavedFilters(t *testing.T) {
	bothStores(t, workItems(), func(t *testing.T, e *env) {
		ana, sen := e.login(t, "ana"), e.login(t, "sen")
		w := e.inLang(ana, Arabic, "POST", "/saved", url.Values{"kind": {"queue"}, "name": {"ديالى العالية"}, "query": {"governorate=diyala&min_score=50&offset=50&msg=decided"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/queue?governorate=diyala&min_score=50" {
			t.Fatalf("saving: %d %q", w.Code, w.Header().Get("Location"))
		}
		e.inLang(ana, Arabic, "POST", "/saved", url.Values{"kind": {"search"}, "name": {"manual"}, "query": {"q=manual"}})
		page := e.inLang(e.login(t, "ana"), Arabic, "GET", "/queue", nil).Body.String()
		if !strings.Contains(page, `href="/queue?governorate=diyala&amp;min_score=50"`) || !strings.Contains(page, "ديالى العالية") || strings.Contains(page, "q=manual") {
			t.Fatalf("the queue page does not list the saved queue filter (and only it)")
		}
		if strings.Contains(e.inLang(sen, Arabic, "GET", "/queue", nil).Body.String(), "ديالى العالية") {
			t.Fatalf("another account sees ana's saved filter")
		}
		if !strings.Contains(e.inLang(ana, Arabic, "GET", "/search", nil).Body.String(), `href="/search?q=manual"`) {
			t.Fatalf("the search page does not list the saved search")
		}
		e.inLang(ana, Arabic, "POST", "/saved", url.Values{"kind": {"queue"}, "name": {"ديالى العالية"}, "query": {"governorate=diyala"}})
		e.inLang(ana, Arabic, "POST", "/saved", url.Values{"kind": {"search"}, "name": {"manual"}, "delete": {"1"}})
		u, _ := e.st.User(context.Background(), "ana")
		if len(u.Saved) != 1 || u.Saved[0].Query != "governorate=diyala" {
			t.Fatalf("saved after replacing and deleting: %+v", u.Saved)
		}
		for _, bad := range []url.Values{{"kind": {"audit"}, "name": {"x"}}, {"kind": {"queue"}, "name": {""}}, {"kind": {"queue"}, "name": {strings.Repeat("س", 61)}}} {
			if w := e.inLang(ana, Arabic, "POST", "/saved", bad); w.Code != http.StatusBadRequest || crossLanguage(w.Body.String(), Arabic) != nil {
				t.Fatalf("saving %v: %d, want 400 in Arabic", bad, w.Code)
			}
		}
		if log, _ := os.ReadFile(e.audit); bytes.Count(log, []byte(`"saved_query"`)) != 4 {
			t.Fatalf("audit log has %d saved_query events, want 4", bytes.Count(log, []byte(`"saved_query"`)))
		}
	})
}

// TestQueueFiltersBySourceAndUrgency: the source and urgency filters keep
// only matching items.
func TestQueueFiltersBySourceAndUrgency(t *testing.T) {
	e := newEnv(t, workItems())
	ana := e.login(t, "ana")
	page := e.inLang(ana, Arabic, "GET", "/queue?urgent=1", nil).Body.String()
	if n := strings.Count(page, "<tr data-id="); n != 2 || strings.Count(page, `class="urgent-row"`) != 2 {
		t.Fatalf("urgent only lists %d rows, want the 2 urgent ones", n)
	}
	it, _ := e.st.Item(context.Background(), "x:000005")
	all := e.inLang(ana, Arabic, "GET", "/queue", nil).Body.String()
	page = e.inLang(ana, Arabic, "GET", "/queue?source="+url.QueryEscape(it.Source), nil).Body.String()
	if n := strings.Count(page, "<tr data-id="); n == 0 || n >= strings.Count(all, "<tr data-id=") || !strings.Contains(page, `data-id="x:000005"`) {
		t.Fatalf("source %q lists %d rows", it.Source, n)
	}
}

// TestQueueSorts: the queue's headers sort it by score, priority, time and
// label both ways, the order kept by the pager and the header links, shown
// with aria-sort; /api/queue takes the same parameters and a bad key is a
// 400 in the reader's language.
func TestQueueSorts(t *testing.T) {
	bothStores(t, workItems(), func(t *testing.T, e *env) {
		ana := e.login(t, "ana")
		w := e.do(ana, "GET", "/api/queue?sort=score&dir=asc&limit=5", nil, nil)
		var p review.Page
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != http.StatusOK || len(p.Items) != 5 {
			t.Fatalf("api sort=score: %d %v %s", w.Code, err, w.Body)
		}
		for i := 1; i < len(p.Items); i++ {
			if p.Items[i].Score < p.Items[i-1].Score {
				t.Fatalf("ascending scores %v then %v", p.Items[i-1].Score, p.Items[i].Score)
			}
		}
		if p.Items[0].Score != 0.02 {
			t.Fatalf("lowest score first is %s at %v, want 2%%", p.Items[0].ID, p.Items[0].Score)
		}
		w = e.do(ana, "GET", "/api/queue?sort=time&limit=3", nil, nil)
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		if p.Items[0].ID != "x:000000" {
			t.Fatalf("time sorts newest first by default, got %s", p.Items[0].ID)
		}
		page := e.inLang(ana, English, "GET", "/queue?sort=score&dir=desc&limit=10", nil).Body.String()
		for _, want := range []string{`aria-sort="descending"><a href="/queue?dir=asc&amp;limit=10&amp;sort=score" id="sort-score"`,
			`aria-sort="none"><a href="/queue?dir=desc&amp;limit=10&amp;sort=time" id="sort-time"`, `id="more"`} {
			if !strings.Contains(page, want) {
				t.Fatalf("sorted queue page lacks %s", want)
			}
		}
		if !strings.Contains(page, `href="/queue?dir=desc&amp;limit=10&amp;offset=10&amp;sort=score"`) {
			t.Fatal("the pager drops the sort")
		}
		if first := page[strings.Index(page, "<tr data-id="):]; !strings.HasPrefix(first, `<tr data-id="x:000000"`) {
			t.Fatalf("highest score first: %.40s", first)
		}
		for _, l := range []Lang{Arabic, English} {
			w = e.inLang(ana, l, "GET", "/queue?sort=colour", nil)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), l.T("e_sort")) {
				t.Fatalf("%s: bad sort %d, want 400 with %q", l, w.Code, l.T("e_sort"))
			}
		}
		w = e.do(ana, "GET", "/api/queue?sort=score&dir=sideways", nil, nil)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "asc or desc") {
			t.Fatalf("api bad dir: %d %s", w.Code, w.Body)
		}
	})
}

// TestEveryPolicyNameSpeaksBothLanguages checks that every label and every
// protected category of the default policy has its name in Arabic and
// English, so that a new signal or category never reaches a page as its
// identifier.
func TestEveryPolicyNameSpeaksBothLanguages(t *testing.T) {
	p := policy.Default()
	for _, l := range p.Labels {
		if _, ok := words["l_"+l.Name]; !ok {
			t.Errorf("label %s has no words l_%s", l.Name, l.Name)
		}
	}
	for _, c := range p.Protected.Categories {
		if _, ok := words["pc_"+c.ID]; !ok {
			t.Errorf("protected category %s has no words pc_%s", c.ID, c.ID)
		}
	}
}
