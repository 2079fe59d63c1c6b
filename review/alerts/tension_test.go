package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/trends"
)

// openTension opens a notifier with one tension rule on a webhook.
func openTension(t *testing.T, url, data string, rule TensionRule) *Notifier {
	t.Helper()
	rule.Channels = []string{"hook"}
	n, err := Open(Config{BaseURL: "https://rasd.example.org", Backoff: time.Millisecond, Tension: []TensionRule{rule},
		Channels: []ChannelConfig{hook(url)}}, Options{Data: data, Getenv: func(string) string { return secret }})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTensionAlertsOncePerRiseAcrossRestarts(t *testing.T) {
	rc := &receiver{t: t}
	srv := newServer(t, rc)
	data := t.TempDir()
	rising := []trends.Tension{
		{Governorate: "diyala", Recent: 12, BaselinePerDay: 0.5, Index: 3.0, Z: 6},
		{Governorate: "basra", Recent: 2, BaselinePerDay: 0, Index: 1.7},     // below the level
		{Governorate: "anbar", Recent: 3, BaselinePerDay: 0, Index: 2.0},     // too few posts
		{Governorate: "baghdad", Recent: 40, BaselinePerDay: 12, Index: 1.1}, // busy but normal
	}
	ctx := context.Background()
	n := openTension(t, srv.URL, data, TensionRule{Name: "rise"})
	if q, err := n.Tension(ctx, rising); err != nil || q != 1 {
		t.Fatalf("first look queued %d alerts (%v), want 1 (diyala)", q, err)
	}
	// Still above: quiet.
	if q, err := n.Tension(ctx, rising); err != nil || q != 0 {
		t.Fatalf("second look queued %d (%v), want 0", q, err)
	}
	n.Close(ctx)
	// A restart remembers diyala is above.
	n = openTension(t, srv.URL, data, TensionRule{Name: "rise"})
	if q, err := n.Tension(ctx, rising); err != nil || q != 0 {
		t.Fatalf("after a restart queued %d (%v), want 0", q, err)
	}
	// Diyala calms down, then rises again: a new alert.
	if q, _ := n.Tension(ctx, []trends.Tension{{Governorate: "diyala", Recent: 1, Index: 1.2}}); q != 0 {
		t.Fatalf("calm queued %d", q)
	}
	if q, _ := n.Tension(ctx, rising); q != 1 {
		t.Fatalf("second rise queued %d, want 1", q)
	}
	n.Close(ctx)
	got := rc.accepted()
	if len(got) != 2 {
		t.Fatalf("receiver got %d alerts, want 2", len(got))
	}
	var a Alert
	if err := json.Unmarshal(got[0], &a); err != nil {
		t.Fatal(err)
	}
	if a.Kind != KindTension || a.Governorate != "diyala" || a.Item != "" || a.Tension == nil || a.Tension.Index != 3 ||
		a.Tension.Above != 2 || a.Tension.Recent != 12 || a.URL != "https://rasd.example.org/dashboard" {
		t.Fatalf("alert %s", got[0])
	}
	if txt := messageText(&a); !strings.Contains(txt, "tension rising in diyala") || !strings.Contains(txt, "index 3.0") {
		t.Fatalf("message text %q", txt)
	}
}

func TestTensionRuleGovernoratesAndWatch(t *testing.T) {
	rc := &receiver{t: t}
	srv := newServer(t, rc)
	n := openTension(t, srv.URL, t.TempDir(), TensionRule{Name: "north", Above: 3, MinRecent: 1, Governorates: []string{"nineveh"}})
	calls := make(chan struct{}, 1)
	src := func(context.Context) ([]trends.Tension, error) {
		select {
		case calls <- struct{}{}:
		default:
		}
		return []trends.Tension{{Governorate: "nineveh", Recent: 4, Index: 5}, {Governorate: "diyala", Recent: 9, Index: 9}}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.WatchTension(ctx, src); close(done) }()
	<-calls // the first look runs at once
	cancel()
	<-done
	n.Close(context.Background())
	got := rc.accepted()
	if len(got) != 1 || !strings.Contains(string(got[0]), `"governorate":"nineveh"`) {
		t.Fatalf("got %q, want one alert for nineveh", got)
	}
}

func TestTensionConfigErrors(t *testing.T) {
	c := Config{BaseURL: "https://rasd.example.org", Channels: []ChannelConfig{{Name: "hook", Type: TypeWebhook, URL: "https://h.example.org", SecretEnv: "S"}},
		TensionEvery: time.Millisecond,
		Tension:      []TensionRule{{Name: "bad", Above: 0.5, Governorates: []string{"atlantis"}, Channels: []string{"nope"}}}}
	err := c.Validate()
	for _, want := range []string{"tension_every", "tension[0].above", "tension[0].governorates[0]", "tension[0].channels[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %s", err, want)
		}
	}
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
