package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
)

// TestEndToEndBrowser walks the product in headless Chromium against the
// real engine, once in Arabic and once in English: an analyst takes the
// next item of the queue, refers it with the six-part form, a senior sends
// it back, the analyst refers again, the senior approves and the JSON
// package names the rule of the stored decision; the item pages of known
// content and of a poster read by OCR; the dashboard, with another window
// picked; an admin adds an account; the item's decision is appealed from
// its page. Screenshots are saved as ar-NAME.png and en-NAME.png in the
// test's temporary folder (or $RASD_SCREENSHOTS). A failure names the
// language, the step and where the browser was.
func TestEndToEndBrowser(t *testing.T) {
	runBrowserWalk(t, "")
}

// TestEndToEndBrowserRedis walks the same pages against the scale-out mode:
// the engine keeps its queue, store and sessions in a real Redis server.
func TestEndToEndBrowserRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the engine, a browser and redis-server")
	}
	runBrowserWalk(t, "redis://"+redistest.Start(t)+"/0")
}

// runBrowserWalk starts the engine (embedded when redisURL is empty) and
// walks its pages in Arabic, then English.
func runBrowserWalk(t *testing.T, redisURL string) {
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
	e := setupEngine(t, loadScenarios(t), redisURL)
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
	shots := t.TempDir()
	if d := os.Getenv("RASD_SCREENSHOTS"); d != "" {
		shots = d
	}
	w := &walker{t: t, ctx: bctx, e: e, base: "http://" + e.addr, shots: shots}
	for i, lang := range []string{"ar", "en"} {
		w.lang = lang
		w.walk(i)
	}
	e.stop(t)
}

// walker drives the browser through the engine's pages in one language.
type walker struct {
	t     *testing.T
	ctx   context.Context // the browser's; each step has its own deadline
	e     *e2eEngine
	base  string
	shots string
	lang  string
}

// stepTimeout bounds one step; a slow machine takes a few seconds for the
// slowest (a login with the password hash, a page with charts).
const stepTimeout = 45 * time.Second

// fatalf fails the test naming the language and step, and where the
// browser was: its address and any error or message the page shows.
func (w *walker) fatalf(step, format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("[%s] %s: %s\n  browser at: %s", w.lang, step, fmt.Sprintf(format, args...), w.where())
}

// where reads the page's address and the text of its error or message.
func (w *walker) where() string {
	ctx, cancel := context.WithTimeout(w.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " " + [...document.querySelectorAll(".error, .msg:not([hidden]), [role=alert]")].map(e => JSON.stringify(e.innerText.trim())).join(" ")`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return v
}

// do runs the actions of one step.
func (w *walker) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		w.fatalf(step, "%v", err)
	}
}

// js evaluates expr on the page.
func (w *walker) js(expr string) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		w.fatalf("evaluating "+expr, "%v", err)
	}
	return v
}

// shot saves the page as LANG-name; whole, or as the window shows it.
func (w *walker) shot(name string, whole bool) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	var png []byte
	var err error
	if whole {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	} else {
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		w.fatalf("screenshot "+name, "%v", err)
	}
	if err := os.WriteFile(filepath.Join(w.shots, w.lang+"-"+name), png, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// fits fails when the page is wider than the window, naming the widest
// elements that stick out.
func (w *walker) fits(step string) {
	w.t.Helper()
	over := w.js(`(() => {
		const W = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= W) return "";
		return [...document.body.querySelectorAll("*")].map(e => [e, e.getBoundingClientRect()])
			.filter(([e, r]) => r.right > W + 1 || r.left < -1)
			.sort((a, b) => (b[1].width - a[1].width))
			.slice(0, 5)
			.map(([e, r]) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ").join(".") : "") + " [" + Math.round(r.left) + "," + Math.round(r.right) + "]")
			.join(", ") + " in a window " + W + " px wide";
	})()`)
	if over != "" {
		w.fatalf(step, "the page is wider than the window: %s", over)
	}
}

// login fills the login form shown and, for accounts with a second factor,
// the code form; it returns once neither form is shown, so that a refused
// password or code fails here and says so.
func (w *walker) login(name string) {
	w.t.Helper()
	step := "logging in as " + name
	w.do(step, chromedp.WaitVisible("#login-form"), chromedp.SendKeys("#name", name),
		chromedp.SendKeys("#password", e2ePassword), chromedp.Click("#login"))
	if _, ok := w.e.totp[name]; ok {
		w.do(step+": the code form", chromedp.WaitVisible("#code-form"), chromedp.SendKeys("#code", w.e.code(w.t, name)), chromedp.Click("#verify"))
	}
	w.until(step+": waiting to be let in", `document.readyState === "complete" && !document.querySelector("#login-form, #code-form")`)
}

// until waits for expr to hold on the page, across the navigations on the
// way (a poll inside the page ends with the page).
func (w *walker) until(step, expr string) {
	w.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(w.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			w.fatalf(step, "%s still false after %v (last error: %v)", expr, stepTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logout logs out from the page shown.
func (w *walker) logout(who string) {
	w.t.Helper()
	w.do("logging out "+who, chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"))
}

// latin and arabic find text of the other language in a field.
var latin, arabic = regexp.MustCompile(`[A-Za-z]{2,}`), regexp.MustCompile(`\p{Arabic}`)

// foreign returns text of s that is not in the walk's language.
func (w *walker) foreign(s string) string {
	if w.lang == "ar" {
		return strings.Join(latin.FindAllString(s, -1), " ")
	}
	return strings.Join(arabic.FindAllString(s, -1), "")
}

// walk goes through every flow in w.lang; n counts the walks before it.
func (w *walker) walk(n int) {
	t, base := w.t, w.base
	dir := map[string]string{"ar": "rtl", "en": "ltr"}[w.lang]
	// The language is the reader's: a cookie that outlives the sessions.
	w.do("choosing the language", chromedp.Navigate(base+"/lang?to="+w.lang+"&next=/queue"), chromedp.WaitVisible("#login-form"))
	w.login("ana")
	w.do("opening the queue", chromedp.WaitVisible("#queue"))
	if got := w.js(`document.documentElement.lang + " " + getComputedStyle(document.body).direction`); got != w.lang+" "+dir {
		w.fatalf("opening the queue", "the page is %q, want %q", got, w.lang+" "+dir)
	}

	// The referral: refer, sent back with a note, referred again, approved.
	w.do("taking the next item", chromedp.Click("#next"), chromedp.WaitVisible("#decide"))
	if n == 0 {
		if urgent := w.js(`document.querySelector("h1 .urgent") ? "yes" : "no"`); urgent != "yes" {
			w.fatalf("taking the next item", "the first item of the queue is not urgent")
		}
	}
	rule := w.js(`document.getElementById("rule").textContent`)
	if bad := w.foreign(w.js(`[...document.querySelectorAll("#bases, #rule-text, #guidance")].map(e => e.innerText).join(" ")`)); bad != "" {
		w.fatalf("reading the item", "the rule, bases and guidance carry text of the other language: %q", bad)
	}
	w.fits("reading the item")
	w.shot("item.png", true)
	w.do("deciding refer", chromedp.SetValue("#verdict", "true_positive"), chromedp.Click("#act-refer"), chromedp.WaitVisible("#refer-form"))
	fill := func(step string) {
		t.Helper()
		var steps []chromedp.Action[chromedp.Void]
		for _, f := range []string{"context", "speaker", "intent", "content_and_form", "extent", "likelihood"} {
			steps = append(steps, chromedp.SetValue("#"+f+"_level", "high"), chromedp.SendKeys("#"+f+"_reason", "reason given in detail"))
		}
		steps = append(steps, chromedp.SendKeys("#explanation", "explicit threat against a named activist"),
			chromedp.SendKeys("#facts", "public post naming the target"), chromedp.Click("#threat_to_life"))
		w.do(step, steps...)
	}
	// The form offers the policy's grounds, in the reader's language, those
	// of the routing rule checked.
	if got := w.js(`String(document.querySelectorAll("#bases input:checked").length) + "/" + String(document.querySelectorAll("#bases input").length)`); strings.HasPrefix(got, "0/") {
		w.fatalf("opening the referral form", "the form checks no ground (%s)", got)
	}
	if bad := w.foreign(w.js(`document.getElementById("bases").innerText`)); bad != "" {
		w.fatalf("opening the referral form", "the grounds carry text of the other language: %q", bad)
	}
	fill("filling the six-part form")
	w.fits("filling the six-part form")
	w.shot("refer-form.png", true)
	w.do("submitting the referral", chromedp.Click("#submit-referral"), chromedp.WaitVisible("#ref-status"))
	first := w.js(`location.pathname`)
	w.logout("the analyst")
	w.do("opening the referral as the senior", chromedp.Navigate(base+first))
	w.login("sen")
	w.do("sending the referral back", chromedp.WaitVisible("#second-review"), chromedp.SendKeys("#second-note", "the reach of the account is not described"),
		chromedp.Click("#send-back"), chromedp.WaitVisible("#ref-notes"))
	if st := w.js(`document.getElementById("ref-status").dataset.status`); st != "sent_back" {
		w.fatalf("sending the referral back", "the referral is %s", st)
	}
	w.shot("referral-sent-back.png", true)
	w.logout("the senior")
	w.do("opening the sent-back referral", chromedp.Navigate(base+first))
	w.login("ana")
	w.do("referring again", chromedp.WaitVisible("#refer-again"), chromedp.Click("#refer-again"), chromedp.WaitVisible("#refer-form"))
	w.do("keeping one ground", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("#bases input").forEach((b, i) => b.checked = i === 0)`))
	fill("filling the form again")
	w.do("submitting again", chromedp.Click("#submit-referral"), chromedp.WaitVisible("#ref-status"))
	ref := w.js(`location.pathname`)
	if grounds := w.js(`String(document.querySelectorAll("#ref-bases li").length)`); ref == first || grounds != "1" {
		w.fatalf("submitting again", "the second referral %s (first %s) cites %s grounds, want 1", ref, first, grounds)
	}
	w.logout("the analyst")
	w.do("opening the referral as the senior", chromedp.Navigate(base+ref))
	w.login("sen")
	w.do("waiting for the referral", chromedp.WaitVisible("#ref-status"))
	itemPage := w.js(`document.querySelector('.card .meta a[href^="/items/"]').getAttribute("href")`)
	// The senior reviews the item too (it closes with two agreeing
	// reviews), which leads back to the open referral, and approves it.
	w.do("reviewing the item as the senior", chromedp.Navigate(base+itemPage), chromedp.WaitVisible("#claim"), chromedp.Click("#claim"),
		chromedp.WaitVisible("#decide"), chromedp.SetValue("#verdict", "true_positive"), chromedp.Click("#act-refer"), chromedp.WaitVisible("#approve"))
	w.do("approving", chromedp.Click("#approve"), chromedp.WaitVisible("#print"))
	w.fits("approving")
	w.shot("referral-approved.png", true)
	w.do("exporting the package", chromedp.Navigate(w.js(`document.getElementById("package").href`)), chromedp.WaitReady("body"))
	if doc := w.js(`document.body.innerText`); !strings.Contains(doc, `"rule_id":"`+rule+`"`) || (n == 0 && !strings.Contains(doc, `"urgent":true`)) {
		w.fatalf("exporting the package", "the package does not carry the stored rule %q or urgency:\n%s", rule, doc)
	}

	// A second referral, which the senior rejects with a note.
	w.do("leaving the package", chromedp.Navigate(base+"/queue"), chromedp.WaitVisible("#queue"))
	w.logout("the senior")
	w.do("opening the queue for a second referral", chromedp.Navigate(base+"/queue"))
	w.login("ana")
	w.do("taking another item", chromedp.WaitVisible("#queue"), chromedp.Click("#next"), chromedp.WaitVisible("#decide"))
	w.do("deciding refer on it", chromedp.SetValue("#verdict", "true_positive"), chromedp.Click("#act-refer"), chromedp.WaitVisible("#refer-form"))
	fill("filling the form for the second referral")
	w.do("submitting the second referral", chromedp.Click("#submit-referral"), chromedp.WaitVisible("#ref-status"))
	second := w.js(`location.pathname`)
	w.logout("the analyst")
	w.do("opening the second referral as the senior", chromedp.Navigate(base+second))
	w.login("sen")
	w.do("rejecting the referral", chromedp.WaitVisible("#second-review"), chromedp.SendKeys("#second-note", "the post reports the threat, it does not make it"),
		chromedp.Click("#reject"), chromedp.WaitVisible("#ref-notes"))
	if st := w.js(`document.getElementById("ref-status").dataset.status`); st != "rejected" {
		w.fatalf("rejecting the referral", "the referral is %s", st)
	}
	w.fits("rejecting the referral")
	w.shot("referral-rejected.png", true)

	// The item page of a post whose image is in a bank of known content
	// and of one whose poster was read: the images, the match, the text.
	for _, it := range []struct{ id, shot, want string }{
		{"x:banked-banner", "item-known-content.png", "#media .known-match"},
		{"x:slogan-poster", "item-ocr.png", "#media .ocr mark"},
	} {
		w.do("opening "+it.id, chromedp.Navigate(base+"/items/"+it.id), chromedp.WaitVisible(it.want),
			chromedp.Poll[chromedp.Void](`document.querySelector("#media img").complete && document.querySelector("#media img").naturalWidth > 0`))
		w.shot(it.shot, true)
	}

	// The early-warning dashboard on this data: the window ends on the
	// data's last day (not today), the map and the charts are drawn; another
	// window is picked (days and last day); a governorate on the map leads
	// to its posts.
	w.do("opening the dashboard", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible("#map"))
	if to := w.js(`document.querySelector('#window input[name="to"]').value`); to != "2026-11-20" {
		w.fatalf("opening the dashboard", "the window ends on %s, want the data's last day 2026-11-20", to)
	}
	if got := w.js(`String(document.querySelectorAll("svg.chart").length) + "/" + String(document.querySelectorAll("#map circle").length)`); got != "4/18" {
		w.fatalf("opening the dashboard", "charts/governorates: %s, want 4/18", got)
	}
	if d := w.js(`getComputedStyle(document.body).direction`); d != dir {
		w.fatalf("opening the dashboard", "direction %s, want %s", d, dir)
	}
	w.fits("opening the dashboard")
	w.shot("dashboard.png", true)
	w.do("picking another window", chromedp.SetValue(`#window select[name="days"]`, "7"), chromedp.SetValue(`#window input[name="to"]`, "2026-11-19"),
		chromedp.Click(`#window button[type="submit"]`))
	w.until("picking another window", `location.search.includes("days=7") && location.search.includes("to=2026-11-19") && document.readyState === "complete" && !!document.querySelector("#map")`)
	if got := w.js(`document.querySelector('#window select[name="days"]').value + " " + document.querySelector('#window input[name="to"]').value + " " + (document.getElementById("error") ? "error" : "ok")`); got != "7 2026-11-19 ok" {
		w.fatalf("picking another window", "the window reads %q, want 7 days to 2026-11-19", got)
	}
	if got := w.js(`document.getElementById("empty-window") ? "empty" : "posts"`); got != "empty" {
		w.fatalf("picking another window", "the window before the data's day does not say it holds no flagged posts")
	}
	if got := w.js(`String(document.querySelectorAll("svg.chart").length)`); got != "4" {
		w.fatalf("picking another window", "%s charts drawn, want 4", got)
	}
	w.shot("dashboard-window.png", true)
	w.do("back to the data's last day", chromedp.SetValue(`#window select[name="days"]`, "30"), chromedp.SetValue(`#window input[name="to"]`, "2026-11-20"),
		chromedp.Click(`#window button[type="submit"]`))
	w.until("back to the data's last day", `location.search.includes("days=30") && location.search.includes("to=2026-11-20") && document.readyState === "complete" && !!document.querySelector("#map")`)
	gov := w.js(`(() => { const g = [...document.querySelectorAll("#map g.gov")].find(g => +g.querySelector("circle").getAttribute("r") > 5); return g ? g.dataset.governorate : ""; })()`)
	if gov == "" {
		w.fatalf("reading the map", "no governorate on the map has flagged posts")
	}
	w.do("following "+gov+" on the map", chromedp.Click(`#map g.gov[data-governorate="`+gov+`"] circle`), chromedp.WaitVisible("#total"))
	if u := w.js(`location.search`); !strings.Contains(u, "governorate="+gov) {
		w.fatalf("following "+gov+" on the map", "the map led to %q", u)
	}
	if hits := w.js(`String(document.querySelectorAll(".hit").length)`); hits == "0" {
		w.fatalf("following "+gov+" on the map", "the search found none of its posts")
	}
	w.fits("searching the governorate's posts")
	if x := w.js(`String(window.scrollX)`); x != "0" {
		w.fatalf("searching the governorate's posts", "the page is scrolled sideways by %s px", x)
	}
	// As the window shows it: a full-page capture of this right-to-left
	// page, opened from a click on the map, comes out shifted sideways.
	w.shot("search.png", false)
	w.logout("the senior")

	// An admin adds an analyst while the engine runs, and sees the new
	// password once.
	name := fmt.Sprintf("ana%d", 4+n)
	w.do("opening the accounts page", chromedp.Navigate(base+"/admin/users"))
	w.login("adm")
	w.do("adding an analyst", chromedp.WaitVisible("#add-user"), chromedp.SendKeys("#new-name", name), chromedp.SetValue("#new-role", "analyst"),
		chromedp.Click("#add"), chromedp.WaitVisible("#new-password"))
	if pw := w.js(`document.getElementById("password").textContent`); len(pw) < 12 {
		w.fatalf("adding an analyst", "the new password shown is %q", pw)
	}
	if row := w.js(`document.querySelector('#users tr[data-user="` + name + `"]') ? "yes" : "no"`); row != "yes" {
		w.fatalf("adding an analyst", "the new account %s is not listed", name)
	}
	w.fits("adding an analyst")
	w.shot("admin-users.png", true)
	// The admin appeals the referred item's decision from its page.
	w.do("opening the referred item", chromedp.Navigate(base+itemPage), chromedp.WaitVisible("#item-appeal"))
	w.do("appealing", chromedp.SendKeys("#appeal-reason", "criticism of an official, not a threat"), chromedp.Click("#file-appeal"), chromedp.WaitVisible("#appeals"))
	if got := w.js(`String(document.querySelectorAll("#appeals tr[data-id]").length)`); got == "0" {
		w.fatalf("appealing", "the appeal filed from the item is not listed")
	}
	// The page fits the window (an admin's header holds the most links).
	w.fits("appealing")
	// A page shorter than the window is taken as the window shows it.
	w.shot("appeal-from-item.png", false)
	w.logout("the admin")
}
