package web

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
// another, and sees the queue update, in Arabic, right to left.
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	e := newEnv(t, reviewtest.Items(6))
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
	if d := os.Getenv("RASD_SCREENSHOTS"); d != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(filepath.Join(d, "item.png"), png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	do("dismissing with d", chromedp.KeyEvent("d"), chromedp.WaitVisible("#msg"), chromedp.WaitVisible("#queue"))
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
	status := eval[string](t, ctx, `document.querySelector('#queue tr[data-id="`+second+`"] td:nth-child(7)').textContent`)
	if status != Arabic.T("senior") {
		t.Fatalf("escalated item's status %q, want %q", status, Arabic.T("senior"))
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if d := os.Getenv("RASD_SCREENSHOTS"); d != "" {
		dir = d // keep the screenshot after the test
	}
	shot := filepath.Join(dir, "queue.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))

	for id, want := range map[string]review.Action{first: review.ActionDismiss, second: review.ActionEscalate} {
		ds, err := e.st.Decisions(context.Background(), id)
		if err != nil || len(ds) != 1 || ds[0].Action != want || ds[0].Reviewer != "ana" {
			t.Fatalf("decisions of %s: %+v, %v; want one %s by ana", id, ds, err, want)
		}
	}
	if ds, _ := e.st.Decisions(context.Background(), first); ds[0].Verdict != review.VerdictFalsePositive {
		t.Fatalf("d recorded verdict %s, want false_positive", ds[0].Verdict)
	}
}
