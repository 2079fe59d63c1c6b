package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rasd-iq/rasd/review/alerts"
)

// TestSortAndAlertBrowser, in headless Chromium in Arabic and English:
// a click on the score header sorts the queue highest first, a second
// lowest first, shown by aria-sort and an arrow and kept by the pager; a
// search saved with "alert me" shows its bell on, and its match lands in
// the inbox counted in the header; no page scrolls sideways at 390 px.
func TestSortAndAlertBrowser(t *testing.T) {
	for _, l := range []Lang{Arabic, English} {
		t.Run(string(l), func(t *testing.T) { sortAndAlertBrowser(t, l) })
	}
}

func sortAndAlertBrowser(t *testing.T, l Lang) {
	bctx := browser(t)
	e := newEnv(t, workItems())
	indexAll(t, e)
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
	shots := t.TempDir()
	if d := os.Getenv("RASD_SCREENSHOTS"); d != "" {
		shots = d
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(shots, string(l)+"-"+name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	}
	oneLanguage := func(page string) {
		t.Helper()
		if bad := crossLanguage(eval[string](t, ctx, `document.documentElement.outerHTML`), l); len(bad) > 0 {
			t.Fatalf("%s page %s carries the other language's %v", l, page, bad)
		}
	}
	if l == English {
		do("choosing English", chromedp.Navigate(ts.URL+"/lang?to=en"))
	}
	do("logging in",
		chromedp.Navigate(ts.URL+"/queue?limit=10"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#name", "ana"), chromedp.SendKeys("#password", password),
		chromedp.Click("#login"), chromedp.WaitVisible("#queue"))
	firstScore := `Number(document.querySelector("#queue tbody input.pick").dataset.score)`
	aria := `document.getElementById("sort-score").parentElement.getAttribute("aria-sort")`
	do("sorting by score", chromedp.Click("#sort-score"), chromedp.WaitVisible("#queue"))
	if got := eval[string](t, ctx, aria); got != "descending" || eval[float64](t, ctx, firstScore) != 0.96 {
		t.Fatalf("after one click: aria-sort %q, first score %v; want descending from 0.96", got, eval[float64](t, ctx, firstScore))
	}
	do("reversing", chromedp.Click("#sort-score"), chromedp.WaitVisible("#queue"))
	if got := eval[string](t, ctx, aria); got != "ascending" || eval[float64](t, ctx, firstScore) != 0.02 {
		t.Fatalf("after two clicks: aria-sort %q, first score %v; want ascending from 0.02", got, eval[float64](t, ctx, firstScore))
	}
	if arrow := eval[string](t, ctx, `document.getElementById("sort-score").textContent`); arrow != l.T("score")+" ▲" {
		t.Fatalf("the score header reads %q", arrow)
	}
	oneLanguage("sorted queue")
	shot("queue-sorted.png")
	do("next page", chromedp.Click("#more"), chromedp.WaitVisible("#queue"))
	if got := eval[string](t, ctx, aria); got != "ascending" || eval[float64](t, ctx, firstScore) < 0.02 {
		t.Fatalf("the second page lost the order: aria-sort %q", got)
	}

	// Save a search of Diyala with its alert on.
	do("searching Diyala", chromedp.Navigate(ts.URL+"/search"), chromedp.WaitVisible("#s-gov"),
		chromedp.SetValue("#s-gov", "diyala"), chromedp.Click(`#search-form button[type="submit"]`))
	// The results page, not the form page it replaces: its nodes are the
	// ones typed into (an error while the page navigates is a "not yet").
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search.length > 1 && document.readyState === "complete" && !!document.getElementById("save-name")`)); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("searching Diyala: the results page did not load: %s", eval[string](t, ctx, `location.href`))
		}
		time.Sleep(100 * time.Millisecond)
	}
	do("saving with an alert", chromedp.SendKeys("#save-name", "diyala-watch"), chromedp.Click("#save-alert"), chromedp.Click("#save"))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !!document.querySelector("button.bell.on")`)); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			shot("search-alert-failed.png")
			t.Fatalf("no saved search with its bell on: %s", eval[string](t, ctx, `location.href + " " + (document.getElementById("saved") || document.body).outerHTML`))
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if pressed := eval[string](t, ctx, `document.querySelector("button.bell").getAttribute("aria-pressed")`); pressed != "true" {
		t.Fatalf("the saved search's bell is pressed %q", pressed)
	}
	oneLanguage("search")
	shot("search-alert.png")
	acc := AccountAlerts(e.st, e.srv.cfg.Audit, nil)
	list, err := acc.AlertSearches(context.Background())
	if err != nil || len(list) != 1 || list[0].Query.Governorate != "diyala" {
		t.Fatalf("alerting searches %+v, %v", list, err)
	}
	if err := acc.Notify(context.Background(), []alerts.AccountMatch{{User: "ana", Search: "diyala-watch", Post: "x:000000", At: e.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	do("opening the alerts", chromedp.Navigate(ts.URL+"/search"), chromedp.WaitVisible("#inbox-count"), chromedp.Click("#nav-inbox"), chromedp.WaitVisible("#inbox"))
	if n := eval[int](t, ctx, `document.querySelectorAll("#inbox .card.unseen").length`); n != 1 {
		t.Fatalf("the inbox shows %d new alerts, want 1", n)
	}
	oneLanguage("alerts")
	shot("alerts.png")

	do("phone width", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{"/queue?sort=score&dir=asc", "/search?governorate=diyala", "/alerts"} {
		do("opening "+path, chromedp.Navigate(ts.URL+path), chromedp.WaitVisible("#lang"))
		if wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Fatalf("%s at 390 px scrolls sideways: %v > %v", path, eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `window.innerWidth`))
		}
	}
	shot("alerts-phone.png")
	do("sorted queue on a phone", chromedp.Navigate(ts.URL+"/queue?sort=score&dir=asc"), chromedp.WaitVisible("#sort-score"))
	shot("queue-sorted-phone.png")
	do("search on a phone", chromedp.Navigate(ts.URL+"/search?governorate=diyala"), chromedp.WaitVisible("#s-gov"))
	shot("search-phone.png")
}
