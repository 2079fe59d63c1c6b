package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestEndToEndBrowser walks the referral path in headless Chromium against
// the real engine: an analyst takes the first item of the queue with "next",
// refers it with the six-part form, a senior reviewer approves, and the
// JSON package names the rule of the stored decision.
func TestEndToEndBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the engine and a browser")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("chromium not found (install it with scripts/setup-debian.sh chromium): %v", err)
		}
		t.Skip("chromium not found; `make test` installs it")
	}
	e := setupEngine(t, loadScenarios(t), "")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	base := "http://" + e.addr
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	js := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	login := func(name string) {
		t.Helper()
		do("logging in as "+name, chromedp.WaitVisible("#login-form"), chromedp.SendKeys("#name", name),
			chromedp.SendKeys("#password", e2ePassword), chromedp.Click("#login"))
		if _, ok := e.totp[name]; ok {
			do("entering the code of "+name, chromedp.WaitVisible("#code-form"), chromedp.SendKeys("#code", e.code(t, name)), chromedp.Click("#verify"))
		}
	}
	do("opening the queue", chromedp.Navigate(base+"/queue"))
	login("ana")
	do("taking the next item", chromedp.WaitVisible("#queue"), chromedp.Click("#next"), chromedp.WaitVisible("#decide"))
	if urgent := js(`document.querySelector("h1 .urgent") ? "yes" : "no"`); urgent != "yes" {
		t.Fatalf("the first item of the queue is not urgent")
	}
	rule := js(`document.getElementById("rule").textContent`)
	do("deciding refer", chromedp.SetValue("#verdict", "true_positive"), chromedp.Click("#act-refer"), chromedp.WaitVisible("#refer-form"))
	shots := t.TempDir()
	if d := os.Getenv("RASD_SCREENSHOTS"); d != "" {
		shots = d
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fill := func(what string) {
		t.Helper()
		var steps []chromedp.Action[chromedp.Void]
		for _, f := range []string{"context", "speaker", "intent", "content_and_form", "extent", "likelihood"} {
			steps = append(steps, chromedp.SetValue("#"+f+"_level", "high"), chromedp.SendKeys("#"+f+"_reason", "reason given in detail"))
		}
		steps = append(steps, chromedp.SendKeys("#explanation", "explicit threat against a named activist"),
			chromedp.SendKeys("#facts", "public post naming the target"), chromedp.Click("#threat_to_life"))
		do(what, steps...)
	}
	// The form offers the policy's grounds, those of the routing rule checked.
	if n := js(`String(document.querySelectorAll("#bases input:checked").length) + "/" + String(document.querySelectorAll("#bases input").length)`); strings.HasPrefix(n, "0/") {
		t.Fatalf("the referral form checks no ground (%s)", n)
	}
	fill("filling the six-part form")
	shot("refer-form.png")
	do("submitting", chromedp.Click("#submit-referral"), chromedp.WaitVisible("#ref-status"))
	first := js(`location.pathname`)
	do("logging out", chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"))
	// The senior sends it back with a note.
	do("opening the referral as the senior", chromedp.Navigate(base+first))
	login("sen")
	do("sending it back", chromedp.WaitVisible("#second-review"), chromedp.SendKeys("#second-note", "the reach of the account is not described"),
		chromedp.Click("#send-back"), chromedp.WaitVisible("#ref-notes"))
	if st := js(`document.getElementById("ref-status").dataset.status`); st != "sent_back" {
		t.Fatalf("after sending back the referral is %s", st)
	}
	shot("referral-sent-back.png")
	do("logging out the senior", chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"))
	// The analyst refers again, with one ground only.
	do("opening the sent-back referral", chromedp.Navigate(base+first))
	login("ana")
	do("referring again", chromedp.WaitVisible("#refer-again"), chromedp.Click("#refer-again"), chromedp.WaitVisible("#refer-form"))
	do("keeping one ground", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("#bases input").forEach((b, i) => b.checked = i === 0)`))
	fill("filling the form again")
	do("submitting again", chromedp.Click("#submit-referral"), chromedp.WaitVisible("#ref-status"))
	ref := js(`location.pathname`)
	if ref == first || js(`String(document.querySelectorAll("#ref-bases li").length)`) != "1" {
		t.Fatalf("the second referral %s (first %s) cites %s grounds, want 1", ref, first, js(`String(document.querySelectorAll("#ref-bases li").length)`))
	}
	do("logging out", chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"))
	do("opening the referral as the senior", chromedp.Navigate(base+ref))
	login("sen")
	do("waiting for the referral", chromedp.WaitVisible("#ref-status"))
	itemPage := js(`document.querySelector('.card .meta a[href^="/items/"]').getAttribute("href")`)
	// The senior reviews the item too (it closes with two agreeing
	// reviews), which leads back to the open referral, and approves it.
	do("reviewing the item as the senior", chromedp.Navigate(base+itemPage), chromedp.WaitVisible("#claim"), chromedp.Click("#claim"),
		chromedp.WaitVisible("#decide"), chromedp.SetValue("#verdict", "true_positive"), chromedp.Click("#act-refer"), chromedp.WaitVisible("#approve"))
	do("approving", chromedp.Click("#approve"), chromedp.WaitVisible("#print"))
	do("exporting the package", chromedp.Navigate(js(`document.getElementById("package").href`)), chromedp.WaitReady("body"))
	doc := js(`document.body.innerText`)
	if !strings.Contains(doc, `"rule_id":"`+rule+`"`) || !strings.Contains(doc, `"urgent":true`) {
		t.Fatalf("package does not carry the stored rule %q or urgency:\n%s", rule, doc)
	}
	// The item page of a post whose image is in a bank of known content
	// and of one whose poster was read: the images, the match, the text.
	for _, it := range []struct{ id, shot, want string }{
		{"x:banked-banner", "item-known-content.png", "#media .known-match"},
		{"x:slogan-poster", "item-ocr.png", "#media .ocr mark"},
	} {
		do("opening "+it.id, chromedp.Navigate(base+"/items/"+it.id), chromedp.WaitVisible(it.want))
		do("waiting for the image", chromedp.Poll[chromedp.Void](`document.querySelector("#media img").complete && document.querySelector("#media img").naturalWidth > 0`))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, it.shot), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The early-warning dashboard on this data: the window ends on the
	// data's last day (not today), the map and the charts are drawn, and a
	// governorate on the map leads to its posts.
	do("opening the dashboard", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible("#map"))
	if to := js(`document.querySelector('#window input[name="to"]').value`); to != "2026-11-20" {
		t.Fatalf("the dashboard's window ends on %s, want the data's last day 2026-11-20", to)
	}
	if n := js(`String(document.querySelectorAll("svg.chart").length) + "/" + String(document.querySelectorAll("#map circle").length)`); n != "4/18" {
		t.Fatalf("charts/governorates on the dashboard: %s, want 4/18", n)
	}
	shot("dashboard-live.png")
	gov := js(`(() => { const g = [...document.querySelectorAll("#map g.gov")].find(g => +g.querySelector("circle").getAttribute("r") > 5); return g ? g.dataset.governorate : ""; })()`)
	if gov == "" {
		t.Fatal("no governorate on the map has flagged posts")
	}
	do("following "+gov+" on the map", chromedp.Click(`#map g.gov[data-governorate="`+gov+`"] circle`), chromedp.WaitVisible("#total"))
	if u := js(`location.search`); !strings.Contains(u, "governorate="+gov) {
		t.Fatalf("the map led to %q", u)
	}
	if n := js(`String(document.querySelectorAll(".hit").length)`); n == "0" {
		t.Fatalf("the search for %s's posts found none", gov)
	}
	do("the dashboard in English", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible("#map"), chromedp.Click("#lang"), chromedp.WaitVisible("#map"))
	if d := js(`getComputedStyle(document.body).direction`); d != "ltr" {
		t.Fatalf("English dashboard direction %s", d)
	}
	shot("dashboard-live-en.png")

	// An admin adds an analyst while the engine runs, and sees the new
	// password once.
	do("switching back to Arabic", chromedp.Click("#lang"), chromedp.WaitVisible("#map"))
	do("logging out the senior", chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"))
	do("opening the accounts page", chromedp.Navigate(base+"/admin/users"))
	login("adm")
	do("adding an analyst", chromedp.WaitVisible("#add-user"), chromedp.SendKeys("#new-name", "ana4"), chromedp.SetValue("#new-role", "analyst"),
		chromedp.Click("#add"), chromedp.WaitVisible("#new-password"))
	if pw := js(`document.getElementById("password").textContent`); len(pw) < 12 {
		t.Fatalf("the new password shown is %q", pw)
	}
	if row := js(`document.querySelector('#users tr[data-user="ana4"]') ? "yes" : "no"`); row != "yes" {
		t.Fatal("the new account is not listed")
	}
	shot("admin-users.png")
	// The admin appeals the referred item's decision from its page.
	do("opening the referred item", chromedp.Navigate(base+itemPage), chromedp.WaitVisible("#item-appeal"))
	do("appealing", chromedp.SendKeys("#appeal-reason", "criticism of an official, not a threat"), chromedp.Click("#file-appeal"), chromedp.WaitVisible("#appeals"))
	if n := js(`String(document.querySelectorAll("#appeals tr[data-id]").length)`); n == "0" {
		t.Fatal("the appeal filed from the item is not listed")
	}
	// The page fits the window (an admin's header holds the most links).
	if w := js(`String(document.documentElement.scrollWidth - window.innerWidth)`); w != "0" {
		t.Fatalf("the appeals page is %s px wider than the window", w)
	}
	// A page shorter than the window is taken as the window shows it.
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, "appeal-from-item.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	e.stop(t)
}
