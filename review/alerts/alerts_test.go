package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
)

const (
	secret    = "s3cret-hmac-key"
	author    = "abu_example_handle"
	authorID  = "user-987654321"
	permalink = "https://x.com/abu_example_handle/status/123456789"
	postText  = "لازم نقتل الصحفي قبل الجمعة"
)

// memAudit keeps the events appended.
type memAudit struct {
	mu  sync.Mutex
	evs []audit.Event
}

func (m *memAudit) AppendBatch(evs []audit.Event) ([]audit.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, evs...)
	return nil, nil
}

// outcomes lists the audited outcomes, in order.
func (m *memAudit) outcomes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.evs {
		out = append(out, e.Details.(map[string]any)["outcome"].(string))
	}
	return out
}

// sleeps records the waits asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ds = append(s.ds, d)
	return ctx.Err()
}

// urgentRecord is a post routed to review as an urgent threat to a journalist.
func urgentRecord(id string) store.Record {
	return store.Record{
		Post: ingest.Post{ID: id, Platform: "x", Source: "x-watch", Author: ingest.Author{ID: authorID, Handle: author}, Permalink: permalink,
			Text: postText, Location: "البصرة"},
		Flags: []string{"threat"}, Governorate: "basra", Queued: true, Urgent: true, Priority: 0,
		Processed: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Judgement: &policy.Judgement{Signals: []policy.Signal{{Name: "targeted_role", Detail: `role "صحفي"`}},
			Decision: policy.Decision{Queue: true, RuleID: "threat-to-activist", Urgent: true, Labels: []string{"threat"}, MaxScore: 0.93}},
	}
}

// open starts a notifier with one rule sending urgent posts to channels.
func open(t *testing.T, chs []ChannelConfig, o Options) *Notifier {
	t.Helper()
	var names []string
	for _, c := range chs {
		names = append(names, c.Name)
	}
	if o.Data == "" {
		o.Data = t.TempDir()
	}
	if o.Getenv == nil {
		o.Getenv = func(k string) string {
			return map[string]string{"HOOK_SECRET": secret, "BOT_TOKEN": "123456:ABC-token"}[k]
		}
	}
	n, err := Open(Config{BaseURL: "https://rasd.example.org/", Backoff: time.Second, Timeout: 5 * time.Second,
		Rules: []Rule{{Name: "urgent", Match: Match{Urgent: true}, Channels: names}}, Channels: chs}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

func hook(url string) ChannelConfig {
	return ChannelConfig{Name: "hook", Type: TypeWebhook, URL: url, SecretEnv: "HOOK_SECRET", AllowInternal: true}
}

// receiver is a webhook endpoint that refuses the first `refuse` requests
// with 500 and keeps the bodies it accepts, checking their signatures.
type receiver struct {
	t        *testing.T
	refuse   atomic.Int64
	requests atomic.Int64
	mu       sync.Mutex
	bodies   [][]byte
	badSig   []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.requests.Add(1)
	body, _ := io.ReadAll(r.Body)
	if rc.refuse.Add(-1) >= 0 {
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := Verify([]byte(secret), r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		rc.badSig = append(rc.badSig, err)
	}
	rc.bodies = append(rc.bodies, body)
}

func (rc *receiver) accepted() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.badSig) > 0 {
		rc.t.Errorf("bad signatures: %v", rc.badSig)
	}
	return slices.Clone(rc.bodies)
}

func TestWebhookDeliversOnceSignedAfterBackoff(t *testing.T) {
	rc := &receiver{t: t}
	rc.refuse.Store(2)
	srv := httptest.NewServer(rc)
	defer srv.Close()
	al, sl, reg := &memAudit{}, &sleeps{}, prometheus.NewRegistry()
	n := open(t, []ChannelConfig{hook(srv.URL)}, Options{Audit: al, Sleep: sl.sleep, Metrics: reg})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-1")})
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rc.accepted()
	if len(got) != 1 || rc.requests.Load() != 3 {
		t.Fatalf("receiver accepted %d alerts in %d requests, want 1 in 3", len(got), rc.requests.Load())
	}
	var a Alert
	if err := json.Unmarshal(got[0], &a); err != nil {
		t.Fatal(err)
	}
	if a.Item != "x:threat-1" || a.Rule != "urgent" || !a.Urgent || a.PolicyRule != "threat-to-activist" || a.Governorate != "basra" ||
		a.Score != 0.93 || a.URL != "https://rasd.example.org/items/x:threat-1" || !slices.Equal(a.Labels, []string{"threat"}) {
		t.Fatalf("alert %+v", a)
	}
	// Two waits, the second about twice the first (each between half and
	// all of 1s, then of 2s).
	if len(sl.ds) != 2 || sl.ds[0] < 500*time.Millisecond || sl.ds[0] > time.Second || sl.ds[1] < time.Second || sl.ds[1] > 2*time.Second {
		t.Fatalf("back-off waits %v, want one in [0.5s,1s] then one in [1s,2s]", sl.ds)
	}
	if o := al.outcomes(); !slices.Equal(o, []string{OutcomeSent}) {
		t.Fatalf("audited %v", o)
	}
	if ev := al.evs[0]; ev.Type != TypeAlert || ev.Subject != "x:threat-1" || ev.Details.(map[string]any)["tries"] != 3 {
		t.Fatalf("audit event %+v", ev)
	}
	if v := testutil.ToFloat64(n.total.WithLabelValues("hook", OutcomeSent)); v != 1 {
		t.Errorf("sent counted %v", v)
	}
	if v := testutil.ToFloat64(n.total.WithLabelValues("hook", OutcomeFailed)); v != 2 {
		t.Errorf("failed tries counted %v", v)
	}
	if dl, err := n.DeadLetters(); err != nil || len(dl) != 0 {
		t.Fatalf("dead letters %v %v", dl, err)
	}
}

func TestUndeliverableAlertIsDeadLetteredAndRetried(t *testing.T) {
	rc := &receiver{t: t}
	rc.refuse.Store(1 << 30)
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dir := t.TempDir()
	al, sl := &memAudit{}, &sleeps{}
	n := open(t, []ChannelConfig{hook(srv.URL)}, Options{Data: dir, Audit: al, Sleep: sl.sleep, Metrics: prometheus.NewRegistry()})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-2")})
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rc.requests.Load() != 5 || len(sl.ds) != 4 {
		t.Fatalf("%d tries, %d waits; want 5 and 4", rc.requests.Load(), len(sl.ds))
	}
	dead, err := ListDeadLetters(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Channel != "hook" || dead[0].Alert.Item != "x:threat-2" || dead[0].Tries != 5 || !strings.Contains(dead[0].Error, "500") {
		t.Fatalf("dead letters %+v", dead)
	}
	if v := testutil.ToFloat64(n.total.WithLabelValues("hook", OutcomeDead)); v != 1 {
		t.Errorf("dead counted %v", v)
	}

	// An admin retries it once the receiver is back, from a new notifier
	// (as `rasd alerts retry` does).
	rc.refuse.Store(0)
	n2 := open(t, []ChannelConfig{hook(srv.URL)}, Options{Data: dir, Audit: al, Sleep: sl.sleep})
	if err := n2.Retry(context.Background(), "nope", "sara"); !errors.Is(err, ErrNoDeadLetter) {
		t.Fatalf("retrying an unknown id: %v", err)
	}
	if err := n2.Retry(context.Background(), dead[0].ID, "sara"); err != nil {
		t.Fatal(err)
	}
	got := rc.accepted()
	if len(got) != 1 || !strings.Contains(string(got[0]), `"item":"x:threat-2"`) {
		t.Fatalf("receiver got %q", got)
	}
	if left, err := ListDeadLetters(dir); err != nil || len(left) != 0 {
		t.Fatalf("dead letters after retry: %v %v", left, err)
	}
	if err := n2.Retry(context.Background(), dead[0].ID, "sara"); !errors.Is(err, ErrNoDeadLetter) {
		t.Fatalf("retrying twice: %v", err)
	}
	if o := al.outcomes(); !slices.Equal(o, []string{OutcomeDead, OutcomeSent}) {
		t.Fatalf("audited %v", o)
	}
	if d := al.evs[1].Details.(map[string]any); d["by"] != "sara" || d["retry"] != true {
		t.Fatalf("retry audited as %v", d)
	}
}

func TestWebhookRefusedForGoodIsNotTriedAgain(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
	}))
	defer srv.Close()
	dir := t.TempDir()
	n := open(t, []ChannelConfig{hook(srv.URL)}, Options{Data: dir, Sleep: (&sleeps{}).sleep})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-3")})
	n.Close(context.Background())
	if hits.Load() != 1 {
		t.Fatalf("a 401 was tried %d times", hits.Load())
	}
	if dead, _ := ListDeadLetters(dir); len(dead) != 1 {
		t.Fatalf("dead letters %+v", dead)
	}
}

func TestWebhookRefusesInternalAddressesUnlessAllowed(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	dir := t.TempDir()
	ch := hook(srv.URL)
	ch.AllowInternal = false
	n := open(t, []ChannelConfig{ch}, Options{Data: dir, Sleep: (&sleeps{}).sleep})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-4")})
	n.Close(context.Background())
	dead, _ := ListDeadLetters(dir)
	if hits.Load() != 0 || len(dead) != 1 || !strings.Contains(dead[0].Error, "internal address") {
		t.Fatalf("loopback receiver reached %d times; dead letters %+v", hits.Load(), dead)
	}
}

// TestAlertCarriesNoPersonalDataByDefault: without include_text an alert
// names no author, links to no post and quotes none of it; with it, the
// text comes and still no author.
func TestAlertCarriesNoPersonalDataByDefault(t *testing.T) {
	plain, withText := &receiver{t: t}, &receiver{t: t}
	s1, s2 := httptest.NewServer(plain), httptest.NewServer(withText)
	defer s1.Close()
	defer s2.Close()
	texty := hook(s2.URL)
	texty.Name, texty.IncludeText = "texty", true
	dir := t.TempDir()
	n := open(t, []ChannelConfig{hook(s1.URL), texty}, Options{Data: dir})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-5")})
	n.Close(context.Background())
	p, tx := plain.accepted(), withText.accepted()
	if len(p) != 1 || len(tx) != 1 {
		t.Fatalf("deliveries: %d plain, %d with text", len(p), len(tx))
	}
	for _, leak := range []string{author, authorID, permalink, postText, "البصرة", "x.com", "صحفي"} {
		if strings.Contains(string(p[0]), leak) {
			t.Errorf("default alert contains %q: %s", leak, p[0])
		}
	}
	var keys map[string]any
	if err := json.Unmarshal(p[0], &keys); err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		if !slices.Contains([]string{"id", "kind", "rule", "item", "policy_rule", "labels", "signals", "urgent", "priority", "governorate", "score", "platform", "url", "routed"}, k) {
			t.Errorf("default alert has field %q", k)
		}
	}
	if !strings.Contains(string(tx[0]), postText) {
		t.Errorf("include_text alert lacks the text: %s", tx[0])
	}
	for _, leak := range []string{author, authorID, permalink} {
		if strings.Contains(string(tx[0]), leak) {
			t.Errorf("include_text alert contains %q", leak)
		}
	}
}

func TestTelegramRequestShape(t *testing.T) {
	const token = "123456:ABC-token"
	var got struct {
		path, ctype string
		body        map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.ctype = r.URL.Path, r.Header.Get("Content-Type")
		json.NewDecoder(r.Body).Decode(&got.body)
		w.Write([]byte(`{"ok":true,"result":{}}`))
	}))
	defer srv.Close()
	n := open(t, []ChannelConfig{{Name: "tg", Type: TypeTelegram, TokenEnv: "BOT_TOKEN", ChatID: "-1001234", APIURL: srv.URL, AllowInternal: true}}, Options{})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-6")})
	n.Close(context.Background())
	if got.path != "/bot"+token+"/sendMessage" || got.ctype != "application/json" {
		t.Fatalf("request to %q (%s)", got.path, got.ctype)
	}
	text, _ := got.body["text"].(string)
	if got.body["chat_id"] != "-1001234" || !strings.Contains(text, "https://rasd.example.org/items/x:threat-6") ||
		!strings.HasPrefix(text, "URGENT") || strings.Contains(text, author) || strings.Contains(text, postText) {
		t.Fatalf("message %v", got.body)
	}
}

func TestTelegramTokenNeverInErrors(t *testing.T) {
	const token = "123456:ABC-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no bot at "+r.URL.Path, http.StatusBadGateway)
	}))
	srv.Close() // nothing listens: the client's error names the URL
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no bot at "+r.URL.Path, http.StatusBadGateway)
	}))
	defer live.Close()
	for _, api := range []string{srv.URL, live.URL} {
		dir := t.TempDir()
		al := &memAudit{}
		n := open(t, []ChannelConfig{{Name: "tg", Type: TypeTelegram, TokenEnv: "BOT_TOKEN", ChatID: "1", APIURL: api, AllowInternal: true}},
			Options{Data: dir, Audit: al, Sleep: (&sleeps{}).sleep})
		n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-7")})
		n.Close(context.Background())
		dead, _ := ListDeadLetters(dir)
		if len(dead) != 1 {
			t.Fatalf("dead letters %+v", dead)
		}
		b, _ := json.Marshal(al.evs)
		if strings.Contains(dead[0].Error, token) || strings.Contains(string(b), token) || !strings.Contains(dead[0].Error, "<secret>") && api == live.URL {
			t.Fatalf("error %q / audit %s", dead[0].Error, b)
		}
	}
}

// TestRoutedNeverBlocks: with deliveries stuck and the queue full, Routed
// returns at once and counts what it dropped.
func TestRoutedNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	n, err := Open(Config{BaseURL: "https://rasd.example.org", Queue: 2, Workers: 1,
		Rules:    []Rule{{Name: "all", Channels: []string{"hook"}}},
		Channels: []ChannelConfig{hook(srv.URL)}}, Options{Data: t.TempDir(), Getenv: func(string) string { return secret }})
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]store.Record, 10)
	for i := range recs {
		recs[i] = urgentRecord("x:" + string(rune('a'+i)))
	}
	start := time.Now()
	n.Routed(context.Background(), recs)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Routed took %s", d)
	}
	// One in the worker's hands (or about to be), two queued, the rest dropped.
	if v := testutil.ToFloat64(n.total.WithLabelValues("hook", OutcomeDropped)); v < 7 || v > 8 {
		t.Fatalf("dropped %v of 10 with a queue of 2 and one worker", v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := n.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("closing with deliveries stuck: %v", err)
	}
}

func TestMatch(t *testing.T) {
	r := urgentRecord("x:1")
	r.Judgement.Signals = append(r.Judgement.Signals, policy.Signal{Name: "known_content:demo"})
	calm := urgentRecord("x:2")
	calm.Urgent, calm.Governorate, calm.Judgement.Signals = false, "baghdad", nil
	calm.Judgement.Decision.RuleID, calm.Judgement.Decision.Labels = "hate-speech", []string{"hate"}
	for _, tc := range []struct {
		name       string
		m          Match
		urgent, no bool
	}{
		{"empty matches all", Match{}, true, true},
		{"urgent", Match{Urgent: true}, true, false},
		{"policy rule", Match{Rules: []string{"hate-speech"}}, false, true},
		{"label", Match{Labels: []string{"threat", "other"}}, true, false},
		{"signal prefix", Match{Signals: []string{"known_content"}}, true, false},
		{"signal exact bank", Match{Signals: []string{"known_content:demo"}}, true, false},
		{"other bank", Match{Signals: []string{"known_content:other"}}, false, false},
		{"not a prefix of a word", Match{Signals: []string{"known"}}, false, false},
		{"governorate", Match{Governorates: []string{"baghdad"}}, false, true},
		{"all must hold", Match{Urgent: true, Governorates: []string{"baghdad"}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.matches(&r); got != tc.urgent {
				t.Errorf("urgent record: %v", got)
			}
			if got := tc.m.matches(&calm); got != tc.no {
				t.Errorf("calm record: %v", got)
			}
		})
	}
}

func TestOneAlertPerChannelAndRecordsNotQueuedSkipped(t *testing.T) {
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	n, err := Open(Config{BaseURL: "https://rasd.example.org",
		Rules: []Rule{{Name: "urgent", Match: Match{Urgent: true}, Channels: []string{"hook"}},
			{Name: "basra", Match: Match{Governorates: []string{"basra"}}, Channels: []string{"hook"}}},
		Channels: []ChannelConfig{hook(srv.URL)}}, Options{Data: t.TempDir(), Getenv: func(string) string { return secret }})
	if err != nil {
		t.Fatal(err)
	}
	notQueued := urgentRecord("x:not-queued")
	notQueued.Queued = false
	n.Routed(context.Background(), []store.Record{urgentRecord("x:both-rules"), notQueued})
	n.Close(context.Background())
	got := rc.accepted()
	if len(got) != 1 || !strings.Contains(string(got[0]), `"rule":"urgent"`) {
		t.Fatalf("deliveries %q", got)
	}
}
