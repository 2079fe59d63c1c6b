package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/review/alerts"
)

// TestWatchAlertsEndToEnd: the live engine watches the tension index and
// tells the webhook once when flagged posts in Diyala rise far above the
// governorate's baseline, while Basra, flagged at its usual daily rate, stays
// quiet; the alert carries figures, no post or person. A saved search then
// alerts the new post that matches it, once, and not Basra's. (The earlier
// Diyala post is alerted at most once: whether the search first looked
// before or after it was indexed is a matter of timing.) A search an
// analyst saved through the HTTP API with "alert me" on, naming Diyala by
// its city's name, alerts the same new post in her inbox and on the
// channel rasd.yaml names for the accounts' searches.
func TestWatchAlertsEndToEnd(t *testing.T) { watchAlerts(t, "") }

// TestWatchAlertsEndToEndRedis walks the same with the stores in Redis.
func TestWatchAlertsEndToEndRedis(t *testing.T) {
	watchAlerts(t, "redis://"+redistest.Start(t)+"/0")
}

func watchAlerts(t *testing.T, redisURL string) {
	if testing.Short() {
		t.Skip("builds and runs the engine")
	}
	dir := t.TempDir()
	bin, addr, hook := buildRasd(t), freeAddr(t), newHookReceiver(t, false)
	now := time.Now().UTC()
	diyala := []string{"والله نذبحهم واحد واحد بديالى هالكلاب الروافض", "لازم ينطردون الروافض من ديالى كلهم انجاس",
		"اقتلوا كل واحد منهم بالمقدادية ولا ترحمون احد", "الدواعش الانجاس بديالى لازم نقتلهم ونحرك بيوتهم"}
	var posts strings.Builder
	post := func(id, text, place string, at time.Time) {
		line, _ := json.Marshal(map[string]any{"platform": "x", "native_id": id, "author": map[string]string{"id": "u" + id, "handle": "poster_" + id},
			"text": text, "location": place, "created": at, "fetched": now})
		posts.Write(append(line, '\n'))
	}
	// Diyala: eight flagged posts today, none before.
	for i := range 8 {
		post(fmt.Sprint("d", i), diyala[i%len(diyala)], "ديالى", now.Add(-time.Duration(i+1)*time.Hour))
	}
	post("d-dakka-old", "الدكة جاهزة لبيت المختار بديالى", "ديالى", now.Add(-30*time.Minute))
	// Basra: one flagged post a day for a month, one today.
	for day := range 31 {
		post(fmt.Sprint("b", day), "لازم ينطردون الروافض من البصرة كلهم انجاس", "البصرة", now.Add(-time.Duration(day)*24*time.Hour-2*time.Hour))
	}
	os.WriteFile(filepath.Join(dir, "posts.jsonl"), []byte(posts.String()), 0o644)
	cfg := filepath.Join(dir, "rasd.yaml")
	os.WriteFile(cfg, fmt.Appendf(nil, `data: %s
listen: %s
model: %s
sources: sources.yaml
alerts:
  base_url: http://%s
  tension_every: 1s
  tension:
    - {name: rising, above: 2, min_recent: 4, channels: [hook]}
  search_every: 1s
  account_channels: [hook]
  searches:
    - {name: dakka-diyala, query: {text: الدكة, governorate: diyala}, channels: [hook]}
  channels:
    - {name: hook, type: webhook, url: %q, secret_env: %s, allow_internal: true}
`, filepath.Join(dir, "data"), addr, requireDefaultModel(t), addr, hook.srv.URL, hookSecretEnv), 0o644)
	os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte("sources:\n  - name: feed\n    type: file\n    interval: 1s\n    settings: {path: posts.jsonl}\n"), 0o644)
	args := []string{"run", "--config", cfg}
	if redisURL != "" {
		args = append(args, "--redis", redisURL)
	}
	add := exec.Command(bin, append([]string{"user", "add", "ana", "--role", "analyst", "--password-stdin"}, args[1:]...)...)
	add.Stdin = strings.NewReader(e2ePassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("rasd user add: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), hookSecretEnv+"="+hookSecret)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	var got []alerts.Alert
	for deadline := time.Now().Add(60 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got = hook.received("")
	}
	// The analyst saves a search with its alert on, naming Diyala by its city.
	jar, _ := cookiejar.New(nil)
	ana := &apiClient{t: t, base: "http://" + addr, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var me struct{ CSRF string }
	ana.call("POST", "/api/login", map[string]string{"name": "ana", "password": e2ePassword}, http.StatusOK, &me)
	ana.csrf = me.CSRF
	ana.call("POST", "/api/saved", map[string]any{"kind": "search", "name": "dakka", "query": "q=" + url.QueryEscape("الدكة") + "&governorate=" + url.QueryEscape("بعقوبة"), "alert": true}, http.StatusOK, nil)
	// The saved searches have looked once the posts are in: a new post that
	// matches them arrives.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		b, _ := os.ReadFile(alerts.SearchStatePath(filepath.Join(dir, "data")))
		if strings.Count(string(b), "x:d-dakka-old") == 2 && strings.Contains(string(b), `"account:ana`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the saved search never saw the post that matched it; log:\n%s", log.String())
		}
	}
	posts.Reset()
	post("d-dakka-new", "الدكة على بيت الصحفي الليلة بديالى", "ديالى", now)
	post("b-dakka", "الدكة على بيت الصحفي الليلة", "البصرة", now)
	f, _ := os.OpenFile(filepath.Join(dir, "posts.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(posts.String())
	f.Close()
	var found []alerts.Alert
	for deadline := time.Now().Add(30 * time.Second); len(found) < 2 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		found = hook.received("x:d-dakka-new")
	}
	// A few more ticks: no second alert for the same rise, none for Basra.
	time.Sleep(2500 * time.Millisecond)
	got = hook.received("")
	if len(got) != 1 {
		t.Fatalf("webhook got %d tension alerts, want 1 (diyala): %+v\nlog:\n%s", len(got), got, log.String())
	}
	rules := map[string]int{}
	for _, a := range found {
		if a.Kind == alerts.KindSearch {
			rules[a.Rule]++
		}
	}
	if len(found) != 2 || rules["dakka-diyala"] != 1 || rules["ana/dakka"] != 1 || len(hook.received("x:d-dakka-old")) > 2 || len(hook.received("x:b-dakka")) > 0 {
		t.Fatalf("saved search alerts: %+v; old %d, basra %d", found, len(hook.received("x:d-dakka-old")), len(hook.received("x:b-dakka")))
	}
	// The analyst's inbox holds the new post, not Basra's, once.
	var inbox struct {
		Alerts []struct {
			Search string
			Seen   bool
			Hit    *struct{ ID, Governorate string }
		}
		Unseen int
	}
	ana.call("GET", "/api/alerts", nil, http.StatusOK, &inbox)
	var inInbox []string
	for _, a := range inbox.Alerts {
		if a.Hit != nil {
			inInbox = append(inInbox, a.Search+" "+a.Hit.ID+" "+a.Hit.Governorate)
		}
	}
	if !slices.Contains(inInbox, "dakka x:d-dakka-new diyala") || slices.Contains(inInbox, "dakka x:b-dakka basra") || len(inInbox) > 2 || inbox.Unseen != len(inbox.Alerts) {
		t.Fatalf("ana's inbox: %+v; log:\n%s", inbox, log.String())
	}
	a := got[0]
	if a.Kind != alerts.KindTension || a.Governorate != "diyala" || a.Tension == nil || a.Tension.Recent < 4 || a.Tension.Index < 2 ||
		a.URL != "http://"+addr+"/dashboard" || a.Rule != "rising" {
		t.Fatalf("alert %+v", a)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if hook.unsound > 0 {
		t.Errorf("%d alerts with a bad signature", hook.unsound)
	}
	for _, b := range hook.bodies {
		if strings.Contains(b, "poster_") || strings.Contains(b, "الروافض") {
			t.Errorf("a tension alert names a person or quotes a post: %s", b)
		}
	}
}
