package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// browser starts headless Chromium for the test, or skips without it
// (fails instead when RASD_TEST_REQUIRE_SERVERS is set).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("chromium not found (install it with scripts/setup-debian.sh chromium): %v", err)
		}
		t.Skip("chromium not found; `make test` installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser on a context without a deadline
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// TestBrowser logs in, triages one item with the keyboard, escalates
// another, and sees the queue update, in Arabic, right to left; then opens
// search and the early-warning dashboard in the same layout, right to left,
// and switches the dashboard to English, left to right.
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	e := newEnv(t, reviewtest.Items(6))
	var docs []index.Doc
	for _, r := range e.be.recs {
		docs = append(docs, index.Doc{ID: r.Post.ID, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source,
			Governorate: r.Governorate, Created: r.Processed, Labels: r.Flags, MaxScore: store.MaxScore(&r)})
	}
	if err := e.srv.cfg.Index.Put(docs...); err != nil {
		t.Fatal(err)
	}
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
		shots = d // keep the screenshots after the test
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(shots, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	}
	rows := `document.querySelectorAll("#queue tbody tr").length`
	do("logging in",
		chromedp.Navigate(ts.URL+"/queue"),
		chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#name", "ana"),
		chromedp.SendKeys("#password", password),
		chromedp.Click("#login"),
		chromedp.WaitVisible("#queue"),
	)
	if dir := eval[string](t, ctx, `getComputedStyle(document.body).direction`); dir != "rtl" {
		t.Fatalf("queue page direction %q, want rtl", dir)
	}
	if who := eval[string](t, ctx, `document.getElementById("whoami").textContent`); who != "ana" {
		t.Fatalf("header shows %q, want ana", who)
	}
	if n := eval[int](t, ctx, rows); n != 6 {
		t.Fatalf("queue shows %d rows, want 6", n)
	}
	// A column heading breaks only between its words, never inside one
	// (الأولوية، not الأولوي / ة), however narrow the window makes it.
	do("narrowing the window", chromedp.EmulateViewport(700, 900))
	if broken := eval[string](t, ctx, `[...document.querySelectorAll("#queue th")].filter(th => {
		const words = th.textContent.trim().split(/\s+/).filter(Boolean).length, r = document.createRange();
		r.selectNodeContents(th);
		return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > Math.max(words, 1);
	}).map(th => th.textContent.trim()).join(" | ")`); broken != "" {
		t.Fatalf("queue headings broken inside a word: %s", broken)
	}
	do("widening the window again", chromedp.EmulateViewport(1200, 900))
	first := eval[string](t, ctx, `document.querySelector("#queue tbody tr").dataset.id`)

	// n claims the first item; ? shows the shortcuts; d dismisses it.
	do("claiming the next item with n", chromedp.KeyEvent("n"), chromedp.WaitVisible("#decide"))
	if p := eval[string](t, ctx, `location.pathname`); p != "/items/"+first {
		t.Fatalf("n opened %s, want /items/%s", p, first)
	}
	if dir := eval[string](t, ctx, `getComputedStyle(document.getElementById("post")).direction`); dir != "rtl" {
		t.Fatalf("Arabic post direction %q, want rtl", dir)
	}
	do("pressing ?", chromedp.KeyEvent("?"))
	if shown := eval[bool](t, ctx, `getComputedStyle(document.getElementById("help")).display !== "none"`); !shown {
		t.Fatalf("? did not show the shortcuts")
	}
	shot("item.png")
	// d without a reason dismisses nothing: it asks for one; 1 picks
	// "false positive" and d dismisses.
	do("pressing d without a reason", chromedp.KeyEvent("d"), chromedp.WaitVisible("#kbd-hint"))
	if p := eval[string](t, ctx, `location.pathname`); p != "/items/"+first {
		t.Fatalf("d without a reason left the item for %s", p)
	}
	do("dismissing with 1 then d", chromedp.KeyEvent("1"), chromedp.KeyEvent("d"), chromedp.WaitVisible("#msg"), chromedp.WaitVisible("#queue"))
	if n := eval[int](t, ctx, rows); n != 5 {
		t.Fatalf("after dismissing, the queue shows %d rows, want 5", n)
	}
	if gone := eval[bool](t, ctx, `document.querySelector('#queue tr[data-id="`+first+`"]') === null`); !gone {
		t.Fatalf("dismissed item %s is still listed", first)
	}

	// Escalate the next one: it stays listed, now waiting for a senior reviewer.
	do("claiming the next item", chromedp.KeyEvent("n"), chromedp.WaitVisible("#decide"))
	second := eval[string](t, ctx, `location.pathname.slice(7)`)
	do("escalating with e", chromedp.KeyEvent("e"), chromedp.WaitVisible("#msg"), chromedp.WaitVisible("#queue"))
	status := eval[string](t, ctx, `document.querySelector('#queue tr[data-id="`+second+`"] td:nth-child(8)').textContent`)
	if status != Arabic.T("senior") {
		t.Fatalf("escalated item's status %q, want %q", status, Arabic.T("senior"))
	}
	shot("queue.png")

	for id, want := range map[string]review.Action{first: review.ActionDismiss, second: review.ActionEscalate} {
		ds, err := e.st.Decisions(context.Background(), id)
		if err != nil || len(ds) != 1 || ds[0].Action != want || ds[0].Reviewer != "ana" {
			t.Fatalf("decisions of %s: %+v, %v; want one %s by ana", id, ds, err, want)
		}
	}
	if ds, _ := e.st.Decisions(context.Background(), first); ds[0].Verdict != review.VerdictFalsePositive || ds[0].ReasonCode != review.ReasonFalsePositive {
		t.Fatalf("1 d recorded verdict %s, reason %q; want false_positive for both", ds[0].Verdict, ds[0].ReasonCode)
	}

	// Search and the dashboard: the same header, right to left.
	do("searching", chromedp.Navigate(ts.URL+"/search?q="+url.QueryEscape("تجريبي")), chromedp.WaitVisible("#total"))
	checkLayout := func(page, want string) {
		t.Helper()
		if dir := eval[string](t, ctx, `getComputedStyle(document.body).direction`); dir != want {
			t.Fatalf("%s direction %q, want %s", page, dir, want)
		}
		if who := eval[string](t, ctx, `document.getElementById("whoami").textContent`); who != "ana" {
			t.Fatalf("%s header shows %q, want ana", page, who)
		}
		// The header's first item (the name) sits at the start edge: right
		// in Arabic, left in English; nothing is wider than the window.
		right := eval[bool](t, ctx, `(() => { const h = document.querySelector("header").getBoundingClientRect(), b = document.querySelector("header strong").getBoundingClientRect(); return b.right > h.left + h.width / 2; })()`)
		if right != (want == "rtl") {
			t.Fatalf("%s: the header starts on the wrong side for %s", page, want)
		}
		if wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Fatalf("%s is wider than the window", page)
		}
	}
	checkLayout("search page", "rtl")
	if n := eval[int](t, ctx, `document.querySelectorAll(".hit").length`); n != 6 {
		t.Fatalf("search shows %d hits, want 6", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".hit mark").length`); n != 6 {
		t.Fatalf("search marks %d matches, want 6", n)
	}
	shot("search.png")
	do("opening the dashboard", chromedp.Navigate(ts.URL+"/dashboard"), chromedp.WaitVisible("#tension"))
	checkLayout("dashboard", "rtl")
	if n := eval[int](t, ctx, `document.querySelectorAll("svg.chart").length`); n != 4 {
		t.Fatalf("dashboard draws %d charts, want 4 (per day, per label, map, tension)", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#map circle").length`); n != 18 {
		t.Fatalf("the map draws %d governorates, want 18", n)
	}
	shot("dashboard.png")
	// A shorter window: the daily chart has a bar per day of it.
	do("choosing a 7-day window", chromedp.SetValue(`#window select[name="days"]`, "7"), chromedp.Click(`#window button`))
	// The form's page replaces this one: look until it has (a look while
	// the page is being replaced fails, and is tried again).
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search.includes("days=7") && document.readyState === "complete" && !!document.getElementById("tension")`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window form did not lead to the 7-day dashboard (%v)", err)
		}
	}
	if n := eval[int](t, ctx, `document.querySelector("svg.chart").querySelectorAll("rect").length`); n != 7 {
		t.Fatalf("a 7-day window draws %d daily bars", n)
	}
	if u := eval[string](t, ctx, `location.search`); !strings.Contains(u, "days=7") {
		t.Fatalf("window form went to %q", u)
	}
	do("switching to English", chromedp.Click("#lang"), chromedp.WaitVisible("#tension"))
	checkLayout("English dashboard", "ltr")
	if h := eval[string](t, ctx, `document.querySelector("h1").textContent`); h != "Early warning" {
		t.Fatalf("English dashboard heading %q", h)
	}
	shot("dashboard-en.png")
}
