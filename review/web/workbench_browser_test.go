package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rasd-iq/rasd/review"
)

// TestWorkbenchBrowser triages in headless Chromium, in Arabic and in
// English: the keyboard dismisses the 96% post only with a reason and a
// second press, u undoes it, the bulk form dismisses two items with a
// reason, search sends a post to review and opens an item; the pages speak
// one language and none scrolls sideways at 390 px.
func TestWorkbenchBrowser(t *testing.T) {
	for _, l := range []Lang{Arabic, English} {
		t.Run(string(l), func(t *testing.T) { workbenchBrowser(t, l) })
	}
}

func workbenchBrowser(t *testing.T, l Lang) {
	bctx := browser(t)
	e := newEnv(t, workItems())
	r := e.be.recs["x:000002"]
	r.Post.ID, r.Post.Text, r.Queued = "x:manual", "منشور يدوي manual", false
	e.be.recs["x:manual"] = r
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
	until := func(what, js string) {
		t.Helper()
		// Polled by hand: a navigation in between ends chromedp's own poll.
		for deadline := time.Now().Add(20 * time.Second); ; {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s (%s)", what, js)
			}
			if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
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
		html := eval[string](t, ctx, `document.documentElement.outerHTML`)
		if bad := crossLanguage(html, l); len(bad) > 0 {
			t.Fatalf("%s page %s carries the other language's %v", l, page, bad)
		}
		if dir := eval[string](t, ctx, `getComputedStyle(document.body).direction`); dir != l.Dir() {
			t.Fatalf("%s page %s direction %q", l, page, dir)
		}
	}
	if l == English {
		do("choosing English", chromedp.Navigate(ts.URL+"/lang?to=en"))
	}
	do("logging in",
		chromedp.Navigate(ts.URL+"/queue"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#name", "ana"), chromedp.SendKeys("#password", password),
		chromedp.Click("#login"), chromedp.WaitVisible("#queue"))
	oneLanguage("queue")
	if urgent := eval[bool](t, ctx, `document.querySelector('#queue tbody tr').classList.contains("urgent-row")`); !urgent {
		t.Fatalf("the first row, an urgent 96%% post, does not stand out")
	}
	shot("queue.png")

	// n claims the 96% post; d asks for a reason; 2 picks protected
	// speech; d asks for the confirmation; d again dismisses.
	const top = "x:000000"
	do("claiming with n", chromedp.KeyEvent("n"), chromedp.WaitVisible("#decide"))
	oneLanguage("item")
	do("d without a reason", chromedp.KeyEvent("d"), chromedp.WaitVisible("#kbd-hint"))
	if hint := eval[string](t, ctx, `document.getElementById("kbd-hint").textContent`); hint != l.T("choose_reason") {
		t.Fatalf("hint %q, want %q", hint, l.T("choose_reason"))
	}
	do("2 then d", chromedp.KeyEvent("2"), chromedp.KeyEvent("d"))
	if hint := eval[string](t, ctx, `document.getElementById("kbd-hint").textContent`); hint != l.T("press_d_again") {
		t.Fatalf("after 2 d on a 96%% post the hint is %q, want %q", hint, l.T("press_d_again"))
	}
	if ds, _ := e.st.Decisions(context.Background(), top); len(ds) != 0 {
		t.Fatalf("dismissed before the confirmation: %+v", ds)
	}
	shot("item-confirm.png")
	do("d again", chromedp.KeyEvent("d"), chromedp.WaitVisible("#undo-form"))
	ds, _ := e.st.Decisions(context.Background(), top)
	if len(ds) != 1 || ds[0].ReasonCode != review.ReasonProtected || ds[0].Verdict != review.VerdictFalsePositive {
		t.Fatalf("decisions after the keyboard dismissal: %+v", ds)
	}
	shot("queue-undo.png")
	do("undoing with u", chromedp.KeyEvent("u"), chromedp.WaitVisible("#decide"))
	if ds, _ := e.st.Decisions(context.Background(), top); len(ds) != 0 {
		t.Fatalf("decisions after undo: %+v", ds)
	}
	if msg := eval[string](t, ctx, `document.getElementById("msg").textContent`); msg != l.T("m_undone") {
		t.Fatalf("after undo the message is %q", msg)
	}
	do("monitoring with m", chromedp.KeyEvent("m"), chromedp.WaitVisible("#undo-form"))
	if ds, _ := e.st.Decisions(context.Background(), top); len(ds) != 1 || ds[0].Action != review.ActionMonitor {
		t.Fatalf("decisions after m: %+v", ds)
	}

	// Bulk: two rows picked, a reason chosen, dismissed.
	picked := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#queue tbody tr")).filter(r => !r.classList.contains("urgent-row")).slice(0, 2).map(r => r.dataset.id)`)
	for _, id := range picked {
		do("picking "+id, chromedp.Click(`input.pick[value="`+id+`"]`))
	}
	do("bulk dismissing", chromedp.SetValue("#bulk-reason", "duplicate"), chromedp.Click("#bulk-dismiss"))
	until("the bulk result", `location.search.includes("msg=bulk") && document.readyState === "complete"`)
	for _, id := range picked {
		if ds, _ := e.st.Decisions(context.Background(), id); len(ds) != 1 || ds[0].ReasonCode != review.ReasonDuplicate {
			t.Fatalf("%s after the bulk dismissal: %+v", id, ds)
		}
	}
	shot("queue-bulk.png")

	// Search → send to review → item; search → open an item.
	do("searching", chromedp.Navigate(ts.URL+"/search?q=manual"), chromedp.WaitVisible("#total"))
	oneLanguage("search")
	do("sending to review", chromedp.Click(".send-review"), chromedp.WaitVisible("#claim"))
	if p := eval[string](t, ctx, `location.pathname`); p != "/items/x:manual" {
		t.Fatalf("send to review opened %s", p)
	}
	if _, err := e.st.Item(context.Background(), "x:manual"); err != nil {
		t.Fatalf("the sent post is not in review: %v", err)
	}
	do("searching by Arabic governorate", chromedp.Navigate(ts.URL+"/search?governorate="+url.QueryEscape("ديالى")), chromedp.WaitVisible("#total"))
	if n := eval[int](t, ctx, `document.querySelectorAll(".hit").length`); n != 2 {
		t.Fatalf("governorate ديالى shows %d hits, want 2", n)
	}
	shot("search.png")
	do("opening a hit", chromedp.Click(".open-item"), chromedp.WaitVisible("#post"))

	// At 390 px nothing scrolls sideways.
	do("phone width", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{"/queue", "/items/x:000005", "/search?q=" + url.QueryEscape("تجريبي"), "/no/such/page"} {
		do("opening "+path, chromedp.Navigate(ts.URL+path), chromedp.WaitVisible("#lang"))
		if wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Fatalf("%s at 390 px scrolls sideways: %v > %v", path, eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `window.innerWidth`))
		}
		oneLanguage(path)
	}
	shot("404-phone.png")
	do("queue on a phone", chromedp.Navigate(ts.URL+"/queue"), chromedp.WaitVisible("#queue"))
	shot("queue-phone.png")
}
