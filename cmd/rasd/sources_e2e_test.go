package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/totp"
)

// tgMessage is one message of a recorded channel.
type tgMessage struct {
	id      int
	text    string
	forward string // CHANNEL/ID it was forwarded from, or ""
}

// tgChannels serves t.me/s/CHANNEL preview pages in the shape Telegram
// serves them (testdata/ingest/telegram), from the messages of each
// channel; a page before the first message is empty.
type tgChannels struct {
	*httptest.Server
	mu       sync.Mutex
	channels map[string][]tgMessage
	fetched  map[string]int
}

func newTGChannels(t *testing.T, channels map[string][]tgMessage) *tgChannels {
	c := &tgChannels{channels: channels, fetched: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch, ok := strings.CutPrefix(r.URL.Path, "/s/")
		c.mu.Lock()
		msgs, known := c.channels[ch]
		c.fetched[ch]++
		c.mu.Unlock()
		if !ok || !known {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("before") != "" {
			msgs = nil
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, tgPage(ch, msgs))
	}))
	t.Cleanup(c.Close)
	return c
}

// fetches says how often channel ch's page was asked for.
func (c *tgChannels) fetches(ch string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetched[ch]
}

func tgPage(ch string, msgs []tgMessage) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>%[1]s – Telegram</title>
    <link rel="canonical" href="https://t.me/s/%[1]s"/>
  </head>
  <body class="widget_frame_base tgme_webpage">
<section class="tgme_channel_history js-message_history">
`, ch)
	for i, m := range msgs {
		fwd := ""
		if m.forward != "" {
			fwd = fmt.Sprintf(`<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/%s"><span dir="auto">قناة</span></a></div>`, m.forward)
		}
		at := time.Date(2026, 11, 30, 9, i, 0, 0, time.UTC).Format(time.RFC3339)
		fmt.Fprintf(&b, `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="%[1]s/%[2]d"><div class="tgme_widget_message_user"><a href="https://t.me/%[1]s"><i class="tgme_widget_message_user_photo bgcolor6" data-content="ق"></i></a></div><div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>
%[5]s<div class="tgme_widget_message_author accent_color js-message_author"><a class="tgme_widget_message_owner_name" href="https://t.me/%[1]s"><span dir="auto">%[1]s</span></a></div>
<div class="tgme_widget_message_text js-message_text" dir="auto">%[3]s</div>
<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info"><span class="tgme_widget_message_views">1.2K</span><span class="copyonly"> views</span><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/%[1]s/%[2]d"><time datetime="%[4]s" class="time">09:00</time></a></span></div></div>
</div></div></div>
`, ch, m.id, html.EscapeString(m.text), at, fwd)
	}
	b.WriteString("</section>\n</body>\n</html>\n")
	return b.String()
}

func TestSourcesEndToEndEmbedded(t *testing.T) {
	runSourcesEndToEnd(t, "")
}

func TestSourcesEndToEndRedis(t *testing.T) {
	runSourcesEndToEnd(t, "redis://"+redistest.Start(t)+"/0")
}

// runSourcesEndToEnd: a recorded Telegram channel whose flagged posts
// forward from two others gives two candidates (an unflagged forward gives
// none); an analyst approves one, which starts fetching without a restart,
// and rejects the other; an admin's bad source is refused with its line,
// a pause stops a source; after a restart the sources and the candidates'
// states are as they were; every change is in the audit log. With
// chromium (embedded run), the candidates page and the sources page are
// captured.
func runSourcesEndToEnd(t *testing.T, redisURL string) {
	if testing.Short() {
		t.Skip("the end-to-end suite builds and runs the engine")
	}
	f := loadScenarios(t)
	kinds := map[string]string{}
	for _, s := range f.Sources {
		kinds[s.Name] = s.Kind
	}
	// Texts the policy routes to review from a community source, and one it does not.
	var flagged []string
	calm := ""
	for _, s := range f.Scenarios {
		src := s.Source
		if src == "" {
			src = f.Sources[0].Name
		}
		if kinds[src] != "community" || len(s.Media) > 0 || s.Pending != "" {
			continue
		}
		switch {
		case s.Expect.Queued && len(flagged) < 2:
			flagged = append(flagged, s.Text)
		case !s.Expect.Queued && calm == "":
			calm = s.Text
		}
	}
	if len(flagged) < 2 || calm == "" {
		t.Fatalf("examples/scenarios.yaml lacks two routed and one calm community post")
	}
	tg := newTGChannels(t, map[string][]tgMessage{
		"watch_main": {{id: 1, text: flagged[0], forward: "origin_one/10"}, {id: 2, text: flagged[1], forward: "origin_two/20"},
			{id: 3, text: calm, forward: "quiet_chan/30"}},
		"origin_one": {{id: 10, text: "افتتاح سوق الكتب الجديد في شارع المتنبي يوم الجمعة بحضور الأدباء"}},
		"origin_two": {{id: 20, text: "مباراة الزوراء والشرطة تنتهي بالتعادل في ملعب الشعب الدولي"}},
	})

	dir := t.TempDir()
	e := &e2eEngine{bin: buildRasd(t), cfg: filepath.Join(dir, "rasd.yaml"), data: filepath.Join(dir, "data"), addr: freeAddr(t), redis: redisURL,
		totp: map[string][]byte{}, steps: map[string]int64{}}
	sources := fmt.Sprintf("sources:\n  - name: main\n    type: telegram\n    kind: community\n    interval: 1h\n    allow_internal: true\n    limits: {max_pages: 1}\n    settings:\n      channel: watch_main\n      base_url: %s\n", tg.URL)
	if err := os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte(sources), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("data: %s\nlisten: %s\nsources: sources.yaml\nmodel: %s\nmedia:\n  disabled: true\n", e.data, e.addr, requireDefaultModel(t))
	if err := os.WriteFile(e.cfg, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]string{"ana": "analyst", "adm": "admin"} {
		args := []string{"user", "add", name, "--role", role, "--password-stdin"}
		if review.Role(role).NeedsTOTP() {
			args = append(args, "--totp")
		}
		out := e.rasd(t, e2ePassword+"\n", append(args, e.storeArgs()...)...)
		if review.Role(role).NeedsTOTP() {
			_, rest, _ := strings.Cut(out, "totp secret: ")
			secret, err := totp.Decode(strings.SplitN(rest, "\n", 2)[0])
			if err != nil {
				t.Fatalf("no TOTP secret in %q: %v", out, err)
			}
			e.totp[name] = secret
		}
	}
	startSourcesEngine(t, e, 3)
	ana, adm := login(t, e, "ana"), login(t, e, "adm")

	// Two candidates, scored by the flagged posts that forward from them.
	type candidate struct {
		ID, Channel, State, Source string
		Score                      float64
		Posts, Forwards            int
		Examples                   []string
	}
	var cands []candidate
	waitUntil(t, "two candidates", func() bool {
		ana.call("GET", "/api/discovery/candidates?state=proposed", nil, http.StatusOK, &cands)
		return len(cands) >= 2
	})
	got := map[string]candidate{}
	for _, c := range cands {
		got[c.ID] = c
	}
	if len(cands) != 2 || got["origin_one"].Forwards != 1 || got["origin_two"].Forwards != 1 || got["origin_one"].Score < 1 {
		t.Fatalf("candidates %+v: want origin_one and origin_two, one forward each (quiet_chan's post was not flagged)", cands)
	}
	if got["origin_one"].Examples[0] != "telegram:watch_main/1" {
		t.Fatalf("origin_one's example %v", got["origin_one"].Examples)
	}
	adm.call("POST", "/api/discovery/candidates/origin_one/approve", map[string]string{}, http.StatusForbidden, nil)
	var shoot pageShooter
	if redisURL == "" {
		shoot = newPageShooter(t, e)
	}
	if shoot != nil {
		shoot("/discovery", "ana", `#candidates tr[data-candidate="origin_one"]`, "discovery-candidates.png")
	}

	// Approving one fetches it without a restart.
	before := tg.fetches("origin_one")
	approvedAt := time.Now()
	var approved candidate
	ana.call("POST", "/api/discovery/candidates/origin_one/approve", map[string]string{}, http.StatusOK, &approved)
	if approved.State != "approved" || approved.Source != "tg-origin_one" {
		t.Fatalf("approved %+v", approved)
	}
	waitUntil(t, "the approved channel's post", func() bool { return healthRecords(t, e) == 4 })
	t.Logf("approval to the new channel's post stored and scored: %s", time.Since(approvedAt).Round(time.Millisecond))
	if tg.fetches("origin_one") == before {
		t.Fatal("the approved channel was not fetched")
	}
	ana.call("POST", "/api/discovery/candidates/origin_two/reject", map[string]string{}, http.StatusOK, nil)
	ana.call("POST", "/api/discovery/candidates/origin_two/approve", map[string]string{}, http.StatusConflict, nil)

	type source struct {
		Name, Origin, State string
		Paused              bool
		Health              *struct {
			PostsLastHour int    `json:"posts_last_hour"`
			LastError     string `json:"last_error"`
		}
	}
	sourcesNow := func() map[string]source {
		var list []source
		adm.call("GET", "/api/sources", nil, http.StatusOK, &list)
		out := map[string]source{}
		for _, s := range list {
			out[s.Name] = s
		}
		return out
	}
	srcs := sourcesNow()
	if s := srcs["tg-origin_one"]; s.Origin != "runtime" || s.State != "running" || s.Health == nil || s.Health.PostsLastHour != 1 {
		t.Fatalf("the approved source: %+v", s)
	}
	if s := srcs["main"]; s.Origin != "config" || s.Health == nil || s.Health.PostsLastHour != 3 {
		t.Fatalf("main: %+v", s)
	}
	ana.call("GET", "/api/sources", nil, http.StatusForbidden, nil)

	// An admin's bad source is refused with the line at fault; a pause holds.
	bad := adm.callRaw("POST", "/api/sources", "name: extra\ntype: telegram\ninterval: soon\nsettings:\n  channel: extra_chan\n", http.StatusBadRequest)
	if !strings.Contains(bad, `request:3: bad interval \"soon\"`) {
		t.Fatalf("bad source: %s", bad)
	}
	adm.call("POST", "/api/sources/main/pause", map[string]string{}, http.StatusOK, nil)
	if s := sourcesNow()["main"]; !s.Paused || s.State != "paused" {
		t.Fatalf("main after pausing: %+v", s)
	}

	if shoot != nil {
		shoot("/admin/sources", "adm", `#sources tr[data-source="main"][data-state="paused"]`, "admin-sources.png")
	}

	// After a restart: as it was.
	e.stop(t)
	startSourcesEngine(t, e, 4)
	ana, adm = login(t, e, "ana"), login(t, e, "adm")
	srcs = sourcesNow()
	if s := srcs["tg-origin_one"]; s.Origin != "runtime" || s.Paused {
		t.Fatalf("the approved source after a restart: %+v", s)
	}
	if s := srcs["main"]; !s.Paused {
		t.Fatalf("main after a restart: %+v, want paused", s)
	}
	var all []candidate
	ana.call("GET", "/api/discovery/candidates", nil, http.StatusOK, &all)
	states := map[string]string{}
	for _, c := range all {
		states[c.ID] = c.State
	}
	if states["origin_one"] != "approved" || states["origin_two"] != "rejected" || len(all) != 2 {
		t.Fatalf("candidates after a restart: %v", states)
	}
	e.stop(t)
	log, err := os.ReadFile(filepath.Join(e.data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"type":"discovery","actor":"user:ana","subject":"candidate:origin_one"`, `"type":"discovery","actor":"user:ana","subject":"candidate:origin_two"`,
		`"type":"source_change","actor":"user:ana","subject":"source:tg-origin_one"`, `"type":"source_change","actor":"user:adm","subject":"source:main"`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("audit log lacks %s", want)
		}
	}
}

// startSourcesEngine starts `rasd run` and waits until records posts are
// stored and nothing waits to be scored.
func startSourcesEngine(t *testing.T, e *e2eEngine, records int) {
	t.Helper()
	for retries := 0; ; retries++ {
		e.log = &bytes.Buffer{}
		e.cmd = exec.Command(e.bin, append([]string{"run"}, e.storeArgs()...)...)
		e.cmd.Stdout, e.cmd.Stderr = e.log, e.log
		if err := e.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmd, log := e.cmd, e.log
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
			if t.Failed() {
				t.Logf("engine log:\n%s", log)
			}
		})
		deadline := time.Now().Add(90 * time.Second)
		for healthRecords(t, e) != records {
			if strings.Contains(e.log.String(), "address already in use") && retries < 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("engine not ready after 90s; log:\n%s", e.log)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(e.log.String(), "address already in use") {
			return
		}
		// The free port was taken before the engine listened: another one.
		e.cmd.Wait()
		old := e.addr
		e.addr = freeAddr(t)
		cfg, err := os.ReadFile(e.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(e.cfg, bytes.ReplaceAll(cfg, []byte(old), []byte(e.addr)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// healthRecords is the number of stored records once nothing waits to be
// scored (-1 before the engine answers, or while work waits).
func healthRecords(t *testing.T, e *e2eEngine) int {
	var h struct {
		Records int `json:"records"`
		Work    int `json:"work_pending"`
	}
	resp, err := http.Get("http://" + e.addr + "/healthz")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Work != 0 {
		return -1
	}
	return h.Records
}

// waitUntil polls cond until it holds, for at most a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// callRaw sends body as YAML and returns the answer, checking its status.
func (c *apiClient) callRaw(method, path, body string, want int) string {
	c.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	return string(data)
}

// pageShooter captures pages of the engine in headless Chromium, logged in
// as the account named; nil without chromium.
type pageShooter func(path, who, ready, file string)

// newPageShooter starts headless Chromium for e (nil when it is not there).
func newPageShooter(t *testing.T, e *e2eEngine) pageShooter {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("chromium not found: %v", err)
		}
		t.Log("chromium not found: no screenshots")
		return nil
	}
	shots := t.TempDir()
	if d := os.Getenv("RASD_SCREENSHOTS"); d != "" {
		shots = d
	}
	// A browser of its own per page: a fresh profile, no session.
	return func(page, who, ready, file string) {
		t.Helper()
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		defer cancelA()
		bctx, cancelB := chromedp.NewContext(actx)
		defer cancelB()
		if err := chromedp.Do(bctx); err != nil {
			t.Fatalf("starting chromium: %v", err)
		}
		ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
		defer cancel()
		do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		base := "http://" + e.addr
		do("opening "+page, chromedp.Navigate(base+page))
		do("logging in as "+who, chromedp.WaitVisible("#login-form"), chromedp.SendKeys("#name", who),
			chromedp.SendKeys("#password", e2ePassword), chromedp.Click("#login"))
		if _, ok := e.totp[who]; ok {
			do("entering the code of "+who, chromedp.WaitVisible("#code-form"), chromedp.SendKeys("#code", e.code(t, who)), chromedp.Click("#verify"))
		}
		do("waiting for "+ready, chromedp.WaitVisible(ready))
		// The viewport, not the full page: the pages are shorter than it.
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
