package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/review/alerts"
)

const (
	hookSecretEnv = "RASD_E2E_HOOK_SECRET"
	hookSecret    = "e2e-hook-secret"
)

// hookReceiver is a webhook endpoint that keeps the alerts it accepts and
// counts the deliveries whose signature does not verify.
type hookReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	refuse  bool
	bodies  []string
	unsound int
}

func newHookReceiver(t *testing.T, refuse bool) *hookReceiver {
	h := &hookReceiver{refuse: refuse}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.refuse {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if alerts.Verify([]byte(hookSecret), r.Header.Get(alerts.HeaderTimestamp), r.Header.Get(alerts.HeaderSignature), body, time.Now(), time.Minute) != nil {
			h.unsound++
		}
		h.bodies = append(h.bodies, string(body))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// received returns the alerts accepted about item.
func (h *hookReceiver) received(item string) []alerts.Alert {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []alerts.Alert
	for _, b := range h.bodies {
		var a alerts.Alert
		if json.Unmarshal([]byte(b), &a) == nil && a.Item == item {
			out = append(out, a)
		}
	}
	return out
}

// alertsConfig starts the engine's webhook receivers and returns the
// alerts section of its rasd.yaml: banked content to both, every urgent
// post to hook.
func alertsConfig(t *testing.T, e *e2eEngine) string {
	e.hook, e.down = newHookReceiver(t, false), newHookReceiver(t, true)
	return fmt.Sprintf(`alerts:
  base_url: http://%s
  tries: 2
  backoff: 10ms
  rules:
    - {name: known-content, match: {signals: [known_content]}, channels: [hook, down]}
    - {name: urgent, match: {urgent: true}, channels: [hook]}
  channels:
    - {name: hook, type: webhook, url: %q, secret_env: %s, allow_internal: true}
    - {name: down, type: webhook, url: %q, secret_env: %s, allow_internal: true}
`, e.addr, e.hook.srv.URL, hookSecretEnv, e.down.srv.URL, hookSecretEnv)
}

// TestAlertsEndToEnd: the live engine pushes the banked image's post to
// the webhook once, signed, without its author, link or words; the
// receiver that was down holds it in the dead-letter list, and `rasd alerts
// retry` delivers it once the receiver is back.
func TestAlertsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the engine")
	}
	f := loadScenarios(t)
	e := setupEngine(t, f, "")
	const item = "x:banked-banner"
	var got []alerts.Alert
	var dead []alerts.DeadLetter
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got = e.hook.received(item)
		dead, _ = alerts.ListDeadLetters(e.data)
		if len(got) > 0 && len(dead) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(got) != 1 {
		t.Fatalf("the webhook got %d alerts about %s, want 1; log:\n%s", len(got), item, e.log)
	}
	a := got[0]
	if a.Rule != "known-content" || a.PolicyRule != "known-content" || !a.Urgent || a.URL != "http://"+e.addr+"/items/"+item || a.Text != "" {
		t.Errorf("alert %+v", a)
	}
	e.hook.mu.Lock()
	for _, b := range e.hook.bodies {
		if strings.Contains(b, "poster_") || strings.Contains(b, "x.com/i/status") || strings.Contains(b, "شاهدوا") {
			t.Errorf("an alert holds an author handle, a permalink or the text: %s", b)
		}
	}
	if e.hook.unsound > 0 {
		t.Errorf("%d alerts with a bad signature", e.hook.unsound)
	}
	e.hook.mu.Unlock()

	// The receiver that was down: its alert waits in the dead-letter list.
	out := e.rasd(t, "", "alerts", "dead", "--json", "--config", e.cfg)
	var dl alerts.DeadLetter
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &dl); err != nil || dl.Channel != "down" || dl.Alert.Item != item || dl.Tries != 2 {
		t.Fatalf("rasd alerts dead: %q (%v)", out, err)
	}
	var listed []alerts.DeadLetter
	login(t, e, "adm").call("GET", "/api/alerts/dead", nil, http.StatusOK, &listed)
	if len(listed) != 1 || listed[0].ID != dl.ID {
		t.Fatalf("GET /api/alerts/dead: %+v, want %s", listed, dl.ID)
	}
	e.down.mu.Lock()
	e.down.refuse = false
	e.down.mu.Unlock()
	t.Setenv(hookSecretEnv, hookSecret)
	// The admin sends it again from the web UI of the running engine.
	var retried struct{ ID, Status string }
	login(t, e, "adm").call("POST", "/api/alerts/dead/"+dl.ID+"/retry", map[string]string{}, http.StatusOK, &retried)
	if retried.Status != "delivered" {
		t.Fatalf("retry from the web UI: %+v", retried)
	}
	if n := len(e.down.received(item)); n != 1 {
		t.Fatalf("after the retry the receiver holds %d alerts about %s", n, item)
	}
	if out := e.rasd(t, "", "alerts", "dead", "--json", "--config", e.cfg); strings.TrimSpace(out) != "" {
		t.Fatalf("dead letters left after the retry: %q", out)
	}
	// Each delivery, the dead letter and the retry are in the audit log.
	log, err := os.ReadFile(filepath.Join(e.data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"outcome":"dead"`, `"by":"user:adm"`, `"channel":"hook"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	e.stop(t)
}

// TestAlertsConfigErrors: rasd.yaml's alerts section is read strictly, and
// a bad value is named with the file and the field.
func TestAlertsConfigErrors(t *testing.T) {
	dir := t.TempDir()
	good := "alerts:\n  base_url: https://rasd.example.org\n  rules:\n    - {name: urgent, match: {urgent: true, governorates: [basra]}, channels: [hook]}\n" +
		"  channels:\n    - {name: hook, type: webhook, url: https://hooks.example.org/rasd, secret_env: HOOK_SECRET}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"good", good, ""},
		{"unknown key", strings.Replace(good, "urgent: true", "urgnt: true", 1), "line 4: field urgnt not found"},
		{"unknown channel", strings.Replace(good, "channels: [hook]", "channels: [hok]", 1), `alerts.rules[0].channels[0]: no channel is named "hok"`},
		{"bad governorate", strings.Replace(good, "[basra]", "[Basra]", 1), `alerts.rules[0].match.governorates[0]: "Basra" is not a governorate id`},
		{"bad type", strings.Replace(good, "type: webhook", "type: slack", 1), `alerts.channels[0].type: "slack" is not webhook, email or telegram`},
		{"bad tries", good + "  tries: 99\n", "alerts.tries: must be between 1 and 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "rasd.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := loadRunConfig(path)
			if tc.want == "" {
				if err != nil || !c.Alerts.Enabled() || c.Alerts.Channels[0].SecretEnv != "HOOK_SECRET" {
					t.Fatalf("good config: %v %+v", err, c.Alerts)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %s: …%s", err, path, tc.want)
			}
		})
	}
}
