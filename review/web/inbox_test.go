package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/review/alerts"
)

// TestSavedSearchAlerts: a search saved with "alert me" (through the API
// or the page's form) is one the alerts notifier runs; its matches land in
// the account's inbox, shown with the fields the account's role may see;
// turning the alert off and on, and reading the alerts, is audited.
func TestSavedSearchAlerts(t *testing.T) {
	e, _ := newViews(t, true)
	ana, res := e.login(t, "ana"), e.login(t, "res")
	ctx := context.Background()
	w := e.do(ana, "POST", "/api/saved", map[string]any{"kind": "search", "name": "البصرة", "query": "governorate=" + url.QueryEscape("بصرة"), "alert": true}, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"alert":true`) {
		t.Fatalf("api saved: %d %s", w.Code, w.Body)
	}
	if w := e.inLang(res, English, "POST", "/saved", url.Values{"kind": {"search"}, "name": {"basra"}, "query": {"governorate=basra&min_score=50"}, "alert": {"1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("form saved: %d", w.Code)
	}
	if w := e.do(ana, "POST", "/api/saved", map[string]any{"kind": "search", "name": "bad", "query": "min_score=abc", "alert": true}, nil); w.Code != http.StatusBadRequest {
		t.Fatalf("a search that does not parse saved with an alert: %d", w.Code)
	}
	acc := AccountAlerts(e.st, e.srv.cfg.Audit, nil)
	list, err := acc.AlertSearches(ctx)
	if err != nil || len(list) != 2 || list[0].Query.Governorate != "basra" || list[1].Query.MinScore != 0.5 {
		t.Fatalf("alert searches: %+v, %v", list, err)
	}
	for range 2 { // a second notification of the same post adds nothing
		if err := acc.Notify(ctx, []alerts.AccountMatch{{User: "ana", Search: "البصرة", Post: "t:1", At: viewsNow}, {User: "res", Search: "basra", Post: "t:1", At: viewsNow}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []Lang{Arabic, English} {
		page := e.inLang(ana, l, "GET", "/alerts", nil).Body.String()
		for _, want := range []string{`id="inbox-count">` + map[Lang]string{Arabic: "١", English: "1"}[l], `href="https://t.me/c/1"`, `href="/items/t:1"`, l.T("alert_new"), `id="mark-seen"`} {
			if !strings.Contains(page, want) {
				t.Fatalf("%s: ana's inbox lacks %s", l, want)
			}
		}
		if strings.Count(page, `data-alert=`) != 1 {
			t.Fatalf("%s: ana's inbox holds %d alerts, want 1", l, strings.Count(page, `data-alert=`))
		}
	}
	page := e.inLang(res, English, "GET", "/alerts", nil).Body.String()
	if !strings.Contains(page, `data-alert=`) || strings.Contains(page, "t.me/c/1") || strings.Contains(page, "/items/t:1") || strings.Contains(page, "@poster") {
		t.Fatalf("a researcher's inbox shows what the role may not see:\n%s", page)
	}
	if w := e.do(res, "GET", "/api/alerts", nil, nil); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"t:1"`) || !strings.Contains(w.Body.String(), `"unseen":1`) {
		t.Fatalf("api alerts of a researcher: %d %s", w.Code, w.Body)
	}
	if w := e.inLang(ana, Arabic, "POST", "/alerts/seen", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("mark seen: %d", w.Code)
	}
	if page := e.inLang(ana, Arabic, "GET", "/alerts?msg=alerts_seen", nil).Body.String(); strings.Contains(page, `id="inbox-count"`) || !strings.Contains(page, Arabic.T("m_alerts_seen")) {
		t.Fatal("the alerts are still counted as new after reading them")
	}
	if w := e.inLang(ana, Arabic, "POST", "/saved/alert", url.Values{"name": {"البصرة"}, "alert": {"0"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("alert off: %d", w.Code)
	}
	if list, _ := acc.AlertSearches(ctx); len(list) != 1 || list[0].User != "res" {
		t.Fatalf("after ana turned her alert off: %+v", list)
	}
	page = e.inLang(ana, Arabic, "GET", "/search", nil).Body.String()
	if !strings.Contains(page, `aria-pressed="false"`) || !strings.Contains(page, `id="save-alert"`) {
		t.Fatal("the search page does not show the saved search's alert as off, or offers no alert when saving")
	}
	if w := e.inLang(ana, English, "POST", "/saved/alert", url.Values{"name": {"nothing"}, "alert": {"1"}}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), English.T("e_saved_none")) {
		t.Fatalf("alert on an unknown saved search: %d", w.Code)
	}
	log, _ := os.ReadFile(e.audit)
	for _, want := range []string{`"action":"alert_off"`, `"alert":true`, `"action":"inbox"`, `"action":"seen"`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	if n := bytes.Count(log, []byte(`"action":"inbox"`)); n != 2 {
		t.Errorf("audit log has %d inbox events, want 2 (one per account)", n)
	}
}
