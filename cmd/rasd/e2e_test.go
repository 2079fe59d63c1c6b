package main

// The end-to-end suite: the scenarios of examples/scenarios.yaml pass
// through the real engine (the rasd binary's `run` over a file source, its
// HTTP API), in the embedded and the Redis mode, and one queued post is
// walked from the queue to an exported referral package, an outcome, an
// appeal that reverses it, the transparency report and the labels export.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/models/ocr/ocrtest"
	"github.com/rasd-iq/rasd/models/signals"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/jsonschema"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/totp"
)

// scenarioFile is examples/scenarios.yaml.
type scenarioFile struct {
	Sources []struct {
		Name string `yaml:"name"`
		Kind string `yaml:"kind"`
	} `yaml:"sources"`
	Scenarios []scenario `yaml:"scenarios"`
}

type scenario struct {
	ID     string `yaml:"id"`
	Source string `yaml:"source"`
	Text   string `yaml:"text"`
	Expect struct {
		Queued    bool     `yaml:"queued"`
		Rule      string   `yaml:"rule"`
		Urgent    *bool    `yaml:"urgent"`
		Protected []string `yaml:"protected"`
		Support   bool     `yaml:"support"`
		Signals   []string `yaml:"signals"`
		Without   []string `yaml:"without"`
	} `yaml:"expect"`
	Pending string `yaml:"pending"`
	// Media are images the post carries: a file under examples/, or
	// Arabic text the suite renders.
	Media []struct {
		File   string `yaml:"file"`
		Render string `yaml:"render"`
	} `yaml:"media"`
}

func loadScenarios(t *testing.T) scenarioFile {
	t.Helper()
	data, err := os.ReadFile("../../examples/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f scenarioFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("examples/scenarios.yaml: %v", err)
	}
	if len(f.Scenarios) == 0 {
		t.Fatal("examples/scenarios.yaml holds no scenario")
	}
	return f
}

// mismatch says how judgement j misses s's expectation, or "".
func (s *scenario) mismatch(r *store.Record) string {
	var bad []string
	if r.Queued != s.Expect.Queued {
		bad = append(bad, fmt.Sprintf("queued %v, want %v", r.Queued, s.Expect.Queued))
	}
	j := r.Judgement
	if j == nil {
		return "no judgement stored"
	}
	if s.Expect.Rule != "" && j.Decision.RuleID != s.Expect.Rule {
		bad = append(bad, fmt.Sprintf("rule %q, want %q", j.Decision.RuleID, s.Expect.Rule))
	}
	if s.Expect.Urgent != nil && j.Decision.Urgent != *s.Expect.Urgent {
		bad = append(bad, fmt.Sprintf("urgent %v, want %v", j.Decision.Urgent, *s.Expect.Urgent))
	}
	if j.Decision.Support != s.Expect.Support {
		bad = append(bad, fmt.Sprintf("support %v, want %v", j.Decision.Support, s.Expect.Support))
	}
	names := policy.SignalNames(j.Signals)
	for _, sg := range s.Expect.Signals {
		if !slices.Contains(names, sg) {
			bad = append(bad, fmt.Sprintf("signal %s missing from %v", sg, names))
		}
	}
	for _, sg := range s.Expect.Without {
		if slices.Contains(names, sg) {
			bad = append(bad, fmt.Sprintf("signal %s fired", sg))
		}
	}
	for _, c := range s.Expect.Protected {
		if !slices.ContainsFunc(j.Decision.Protected, func(p policy.Reason) bool { return p.Category == c }) {
			bad = append(bad, fmt.Sprintf("no protected finding %q in %+v", c, j.Decision.Protected))
		}
	}
	return strings.Join(bad, "; ")
}

// buildRasd builds the rasd binary into a temporary folder.
func buildRasd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rasd")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building rasd: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// e2eEngine is a running `rasd run` and the files it was given.
type e2eEngine struct {
	bin, cfg, data, addr string
	redis                string
	cmd                  *exec.Cmd
	log                  *bytes.Buffer
	// hook and down receive the engine's webhook alerts; down refuses
	// them until told otherwise.
	hook, down *hookReceiver

	mu    sync.Mutex
	totp  map[string][]byte // the TOTP secrets of accounts enrolled with --totp
	steps map[string]int64  // the last TOTP step used per account
}

// code returns a TOTP code of account name that has not been used yet,
// waiting for the next step when the window's codes are spent.
func (e *e2eEngine) code(t *testing.T, name string) string {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	secret, ok := e.totp[name]
	if !ok {
		t.Fatalf("account %s has no TOTP secret", name)
	}
	for {
		t0 := time.Now()
		now := totp.Counter(t0)
		// The oldest step still accepted stops being accepted at the next
		// step boundary: a code for it, typed and sent in the last seconds
		// of the step, arrives refused. Use it only well before then.
		lo := now - totp.Window
		if left := totp.Step - t0.Sub(time.Unix(now*int64(totp.Step/time.Second), 0)); left < 10*time.Second {
			lo = now
		}
		step := max(lo, e.steps[name]+1)
		if step <= now+totp.Window {
			e.steps[name] = step
			return totp.HOTP(secret, step, totp.Digits)
		}
		time.Sleep(time.Second)
	}
}

// storeArgs are the flags that name the engine's stores for other commands.
func (e *e2eEngine) storeArgs() []string {
	if e.redis != "" {
		return []string{"--config", e.cfg, "--redis", e.redis}
	}
	return []string{"--config", e.cfg}
}

func (e *e2eEngine) rasd(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("rasd %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// setupEngine writes the scenarios into file sources and the configuration,
// creates one account per role (and a second analyst), and starts the engine.
// extra is added to rasd.yaml; without it no unrouted post is sampled for
// review (review.sample_rate 0), so that the queue holds what was routed.
func setupEngine(t *testing.T, f scenarioFile, redisURL string, extra ...string) *e2eEngine {
	t.Helper()
	dir := t.TempDir()
	e := &e2eEngine{bin: buildRasd(t), cfg: filepath.Join(dir, "rasd.yaml"), data: filepath.Join(dir, "data"), addr: freeAddr(t), redis: redisURL}
	posts := map[string]*bytes.Buffer{}
	created := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	// The posts' images, served over HTTP as a platform's CDN would.
	images := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := images[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	for i, s := range f.Scenarios {
		src := s.Source
		if src == "" {
			src = f.Sources[0].Name
		}
		if posts[src] == nil {
			posts[src] = &bytes.Buffer{}
		}
		var media []map[string]string
		for n, m := range s.Media {
			path := fmt.Sprintf("/media/%s-%d.png", s.ID, n)
			switch {
			case m.File != "":
				b, err := os.ReadFile(filepath.Join("../../examples", m.File))
				if err != nil {
					t.Fatal(err)
				}
				images[path] = b
			default:
				images[path] = ocrtest.RenderStyled(t, m.Render, "#111111", "white")
			}
			media = append(media, map[string]string{"url": srv.URL + path, "kind": "image"})
		}
		line, _ := json.Marshal(map[string]any{
			"platform": "x", "native_id": s.ID, "permalink": "https://x.com/i/status/" + fmt.Sprint(1000+i),
			"author": map[string]string{"id": fmt.Sprint("u", 100+i), "handle": fmt.Sprint("poster_", i)}, "text": s.Text, "lang": []string{"ar"},
			"created": created.Add(time.Duration(i) * time.Minute), "fetched": created.Add(time.Hour), "media": media,
		})
		posts[src].Write(append(line, '\n'))
	}
	var sources strings.Builder
	sources.WriteString("sources:\n")
	for _, s := range f.Sources {
		path := filepath.Join(dir, s.Name+".jsonl")
		if err := os.WriteFile(path, posts[s.Name].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sources, "  - name: %s\n    type: file\n    kind: %s\n    interval: 1h\n    settings:\n      path: %s\n", s.Name, s.Kind, path)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte(sources.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	banks, _ := filepath.Abs("../../examples/banks")
	known, _ := filepath.Abs("../../examples/known-defenders.tsv")
	cfg := fmt.Sprintf("data: %s\nlisten: %s\nsources: sources.yaml\nmodel: %s\nmedia:\n  allow_internal: true\n  banks: {dir: %s}\nsignals:\n  defenders_file: %s\n",
		e.data, e.addr, requireDefaultModel(t), banks, known) + alertsConfig(t, e)
	if len(extra) == 0 {
		extra = []string{"review:\n  sample_rate: 0\n"}
	}
	cfg += strings.Join(extra, "")
	if err := os.WriteFile(e.cfg, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	e.totp, e.steps = map[string][]byte{}, map[string]int64{}
	for name, role := range map[string]string{"ana": "analyst", "ana2": "analyst", "sen": "senior", "res": "researcher", "adm": "admin"} {
		args := []string{"user", "add", name, "--role", role, "--password-stdin"}
		if review.Role(role).NeedsTOTP() {
			args = append(args, "--totp") // required for the role: enrolled at once, its secret printed
		}
		out := e.rasd(t, e2ePassword+"\n", append(args, e.storeArgs()...)...)
		if review.Role(role).NeedsTOTP() {
			_, rest, ok := strings.Cut(out, "totp secret: ")
			secret, err := totp.Decode(strings.SplitN(rest, "\n", 2)[0])
			if !ok || err != nil {
				t.Fatalf("rasd user add --totp printed no secret: %q (%v)", out, err)
			}
			e.totp[name] = secret
		}
	}
	start := func() {
		e.log = &bytes.Buffer{}
		e.cmd = exec.Command(e.bin, append([]string{"run", "--once"}, e.storeArgs()...)...)
		e.cmd.Env = append(os.Environ(), "RASD_NOTIFIER_NAME=Rasd observatory", "RASD_NOTIFIER_EMAIL=referrals@example.org", hookSecretEnv+"="+hookSecret)
		e.cmd.Stdout, e.cmd.Stderr = e.log, e.log
		if err := e.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	start()
	t.Cleanup(func() {
		if e.cmd.ProcessState == nil {
			e.cmd.Process.Kill()
			e.cmd.Wait()
		}
	})
	// Ready when every scenario is recorded and nothing waits to be scored
	// or to have its media read.
	deadline := time.Now().Add(90 * time.Second)
	for retries := 0; ; {
		// The free port was taken by another test between freeAddr and
		// the engine's listen: the engine exits; start it on another.
		if strings.Contains(e.log.String(), "address already in use") && retries < 3 {
			retries++
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
			start()
		}
		var h struct {
			Records int  `json:"records"`
			Work    int  `json:"work_pending"`
			Media   *int `json:"media_pending"`
		}
		resp, err := http.Get("http://" + e.addr + "/healthz")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Records == len(f.Scenarios) && h.Work == 0 && h.Media != nil && *h.Media == 0 {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine not ready after 90s (records %d of %d, work %d, err %v); log:\n%s", h.Records, len(f.Scenarios), h.Work, err, e.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the engine with SIGTERM and checks that it exits cleanly.
func (e *e2eEngine) stop(t *testing.T) {
	t.Helper()
	e.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- e.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("engine exited with %v; log:\n%s", err, e.log)
		}
	case <-time.After(30 * time.Second):
		e.cmd.Process.Kill()
		t.Fatalf("engine did not stop within 30s of SIGTERM; log:\n%s", e.log)
	}
}

const e2ePassword = "e2e-password-123"

// apiClient is a logged-in API client.
type apiClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func login(t *testing.T, e *e2eEngine, name string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: t, base: "http://" + e.addr, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var me struct{ CSRF string }
	in := map[string]string{"name": name, "password": e2ePassword}
	if _, ok := e.totp[name]; ok {
		in["code"] = e.code(t, name)
	}
	c.call("POST", "/api/login", in, http.StatusOK, &me)
	c.csrf = me.CSRF
	return c
}

// call sends body as JSON, checks the status and decodes the answer into out.
func (c *apiClient) call(method, path string, body any, want int, out any) []byte {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
	return data
}

func TestEndToEndEmbedded(t *testing.T) {
	runEndToEnd(t, "")
}

func TestEndToEndRedis(t *testing.T) {
	runEndToEnd(t, "redis://"+redistest.Start(t)+"/0")
}

func runEndToEnd(t *testing.T, redisURL string) {
	if testing.Short() {
		t.Skip("the end-to-end suite builds and runs the engine")
	}
	f := loadScenarios(t)
	e := setupEngine(t, f, redisURL)
	ana, ana2, sen, res := login(t, e, "ana"), login(t, e, "ana2"), login(t, e, "sen"), login(t, e, "res")

	// The review queue holds what the engine routed there, at once, urgent first.
	var page struct {
		Items []struct {
			ID     string   `json:"id"`
			Urgent bool     `json:"urgent"`
			Score  float64  `json:"score"`
			Labels []string `json:"labels"`
		} `json:"items"`
		Open int `json:"open"`
	}
	ana.call("GET", "/api/queue?limit=200", nil, http.StatusOK, &page)
	queued, filed := map[string]bool{}, map[string][]string{}
	for i, it := range page.Items {
		queued[it.ID] = true
		filed[it.ID] = it.Labels
		if i > 0 && it.Urgent && !page.Items[i-1].Urgent {
			t.Errorf("urgent item %s listed after a non-urgent one", it.ID)
		}
	}
	// Victim-support items wait in their own queue, and are never referred.
	var support struct {
		Items []struct {
			ID      string `json:"id"`
			Support bool   `json:"support"`
		} `json:"items"`
	}
	ana.call("GET", "/api/queue?queue=support&limit=200", nil, http.StatusOK, &support)
	inSupport := map[string]bool{}
	for _, it := range support.Items {
		if queued[it.ID] || !it.Support {
			t.Errorf("support item %s: in the main queue %v, marked support %v", it.ID, queued[it.ID], it.Support)
		}
		inSupport[it.ID] = true
	}

	// The walk: a queued post whose raw score is below its label's policy
	// bar while its score on the policy's scale is above it, so that only
	// the stored judgement can explain its referral's grounds.
	pol := policy.Default()
	var walk *itemView
	var seen []itemView // the queued scenarios, in the file's order
	for _, s := range f.Scenarios {
		id := "x:" + s.ID
		if !queued[id] {
			continue
		}
		var v itemView
		ana.call("GET", "/api/items/"+id, nil, http.StatusOK, &v)
		j := v.Record.Judgement
		if j == nil {
			t.Fatalf("item %s has no judgement in the API", id)
		}
		seen = append(seen, v)
		for _, l := range j.Decision.Labels {
			lab, _ := pol.Label(l)
			if lab.Threshold != nil && j.Raw[l] < *lab.Threshold && j.Scores[l] >= *lab.Threshold && len(j.Decision.Bases) > 0 && walk == nil {
				walk = &v
			}
		}
	}
	if walk == nil {
		t.Fatal("no queued scenario has a raw score below its policy bar and above it on the policy's scale; add one")
	}
	checkStanceColumn(t, ana, seen)
	id := walk.Item.ID
	stored := walk.Record.Judgement.Decision
	var it struct {
		Lease struct{ Token string } `json:"lease"`
	}
	ana.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
	ana.call("POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, http.StatusCreated, nil)
	part := map[string]string{"level": "high", "reason": "سبب مفصل يتجاوز عشرة أحرف"}
	var ref struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	ana.call("POST", "/api/referrals", map[string]any{"item": id, "context": part, "speaker": part, "intent": part, "content_and_form": part,
		"extent": part, "likelihood": part, "explanation": "تهديد صريح بالعنف", "facts": "منشور علني", "threat_to_life": false}, http.StatusCreated, &ref)
	if ref.Status != "awaiting_approval" {
		t.Fatalf("referral %+v", ref)
	}
	// The second reviewer reviews the item too, then approves the referral.
	sen.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
	sen.call("POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, http.StatusCreated, nil)
	sen.call("POST", "/api/referrals/"+ref.ID+"/approve", map[string]string{}, http.StatusOK, &ref)
	pkgJSON := sen.call("GET", "/api/referrals/"+ref.ID+"/package", nil, http.StatusOK, nil)
	schema, err := jsonschema.Load("../../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := jsonschema.Check(schema, pkgJSON); err != nil || len(errs) > 0 {
		t.Fatalf("package does not match docs/referral.schema.json: %v %v\n%s", err, errs, pkgJSON)
	}
	var pkg policy.ReferralPackage
	json.Unmarshal(pkgJSON, &pkg)
	if pkg.RuleID != stored.RuleID || len(pkg.Bases) != len(stored.Bases) || pkg.Versions.Policy != stored.PolicyVersion || pkg.Versions.Model == "" {
		t.Errorf("package rule %q with %d bases under %q; the stored decision is %q with %d bases under %q",
			pkg.RuleID, len(pkg.Bases), pkg.Versions.Policy, stored.RuleID, len(stored.Bases), stored.PolicyVersion)
	}
	ana.call("POST", "/api/referrals/"+ref.ID+"/outcome", map[string]string{"status": "removed", "note": "removed within a day"}, http.StatusCreated, nil)
	var ap struct {
		ID       string `json:"id"`
		Reviewer string `json:"reviewer"`
	}
	res.call("POST", "/api/appeals", map[string]string{"target": "referral", "target_id": ref.ID, "reason": "نقد لا تهديد"}, http.StatusCreated, &ap)
	hearer := map[string]*apiClient{"ana2": ana2, "sen": sen, "ana": ana}[ap.Reviewer]
	if hearer == nil || ap.Reviewer == "ana" || ap.Reviewer == "sen" {
		t.Fatalf("appeal assigned to %q: it must go to a reviewer who neither referred nor approved", ap.Reviewer)
	}
	hearer.call("POST", "/api/appeals/"+ap.ID+"/decide", map[string]string{"outcome": "reversed", "note": "نقد محمي"}, http.StatusOK, nil)
	ana.call("GET", "/api/referrals/"+ref.ID, nil, http.StatusOK, &ref)
	if ref.Status != "withdrawn" {
		t.Fatalf("referral after the reversed appeal: %s, want withdrawn", ref.Status)
	}
	// The item's page says what stands now: the decision reversed on appeal.
	var itemJSON struct {
		Appealed *struct{ Action, Stage string } `json:"appealed"`
		Timeline []struct{ What, Detail string } `json:"timeline"`
	}
	ana.call("GET", "/api/items/"+url.PathEscape(id), nil, http.StatusOK, &itemJSON)
	if itemJSON.Appealed == nil || itemJSON.Appealed.Stage != "appeal" || itemJSON.Appealed.Action != "dismiss" {
		t.Fatalf("the item after the reversed appeal: appealed %+v, want the dismissal the ruling recorded", itemJSON.Appealed)
	}
	var steps []string
	for _, e := range itemJSON.Timeline {
		steps = append(steps, e.What+":"+e.Detail)
	}
	if got := strings.Join(steps, " "); !strings.Contains(got, "tl_referred:withdrawn") || !strings.Contains(got, "tl_approved:") ||
		!strings.Contains(got, "tl_outcome:removed") || !strings.Contains(got, "tl_appeal_filed:referral") || !strings.Contains(got, "tl_appeal_heard:reversed") ||
		!strings.HasSuffix(got, "tl_appeal_ruling:dismiss") && !strings.Contains(got, "tl_appeal_ruling:dismiss tl_appeal_heard:reversed") {
		t.Fatalf("the item's history: %s", got)
	}
	for id := range inSupport {
		var it struct {
			Lease struct{ Token string } `json:"lease"`
		}
		ana.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
		ana.call("POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, http.StatusCreated, nil)
		ana.call("POST", "/api/referrals", map[string]any{"item": id, "context": part, "speaker": part, "intent": part, "content_and_form": part,
			"extent": part, "likelihood": part, "explanation": "ابتزاز", "facts": "رسالة خاصة", "threat_to_life": false}, http.StatusConflict, nil)
		break
	}
	mediaWalk(t, e, ana, sen, res)
	adminWalk(t, e)
	secondReviewWalk(t, e, ana, sen)
	e.stop(t)

	// Every scenario's stored judgement against its expectation.
	var b store.Backend
	if redisURL != "" {
		b, err = redisstore.Open(context.Background(), redisURL, redisstore.Options{})
	} else {
		b, err = store.Open(filepath.Join(e.data, "rasd.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	recs := map[string]store.Record{}
	b.ForEach(context.Background(), func(r *store.Record) error { recs[r.Post.NativeID] = *r; return nil })
	b.Close()
	decided, fired := map[string]bool{}, map[string]bool{}
	for _, s := range f.Scenarios {
		r, ok := recs[s.ID]
		if !ok {
			t.Errorf("%s: not recorded", s.ID)
			continue
		}
		if inQueue := queued["x:"+s.ID] || inSupport["x:"+s.ID]; inQueue != r.Queued {
			t.Errorf("%s: the review queues and the record disagree (queued %v, record %v)", s.ID, inQueue, r.Queued)
		}
		if r.Judgement != nil && r.Judgement.Decision.Label != "" && queued["x:"+s.ID] && !slices.Contains(filed["x:"+s.ID], r.Judgement.Decision.Label) {
			// The queue files a post under its deciding rule's label too,
			// whatever the model flagged (a rule on the words of hate).
			t.Errorf("%s: the queue files it under %v, not under its rule's label %q", s.ID, filed["x:"+s.ID], r.Judgement.Decision.Label)
		}
		if r.Judgement != nil && r.Judgement.Decision.Support != inSupport["x:"+s.ID] {
			t.Errorf("%s: support decision %v, in the support queue %v", s.ID, r.Judgement.Decision.Support, inSupport["x:"+s.ID])
		}
		miss := s.mismatch(&r)
		switch {
		case s.Pending == "" && miss != "":
			t.Errorf("%s: %s", s.ID, miss)
		case s.Pending != "" && miss == "":
			t.Errorf("%s: now meets its expectation; remove its pending mark (%s)", s.ID, s.Pending)
		case s.Pending != "":
			t.Logf("%s: pending (%s): %s", s.ID, s.Pending, miss)
		}
		if s.Pending == "" && miss == "" && r.Judgement != nil {
			decided[r.Judgement.Decision.RuleID] = true
			for _, n := range policy.SignalNames(r.Judgement.Signals) {
				fired[n] = true
			}
		}
	}
	// Every rule of the default policy decides a scenario that meets its
	// expectation, and every signal the engine computes fires in one.
	for _, r := range policy.Default().Rules {
		if !decided[r.ID] {
			t.Errorf("rule %s decides no scenario that meets its expectation: add one to examples/scenarios.yaml", r.ID)
		}
	}
	for _, n := range signals.Names() {
		if !fired[n] {
			t.Errorf("signal %s fires in no scenario that meets its expectation", n)
		}
	}

	// The transparency report and the labels export show the walk.
	var rep struct {
		Totals struct{ Flagged, Referred, Appealed, Reversed, Removed int } `json:"totals"`
	}
	out := e.rasd(t, "", append([]string{"report", "transparency", "--period", "2026", "--format", "json"}, e.storeArgs()...)...)
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("transparency report: %v\n%s", err, out)
	}
	flagged := len(page.Items) + len(support.Items)
	if rep.Totals.Flagged != flagged || rep.Totals.Referred != 2 || rep.Totals.Appealed != 2 || rep.Totals.Reversed != 1 {
		t.Errorf("transparency totals %+v: want %d flagged, 2 referred, 2 appealed (one by complaint), 1 reversed\n%s", rep.Totals, flagged, out)
	}
	if !regexp.MustCompile(`"complaints":\s*\{\s*"received":\s*1,`).MatchString(out) {
		t.Errorf("transparency report does not count the complaint:\n%s", out)
	}
	labelsOut := e.rasd(t, "", append([]string{"review", "export", "--labels"}, e.storeArgs()...)...)
	found := false
	for _, line := range strings.Split(strings.TrimSpace(labelsOut), "\n") {
		var l struct {
			ID     string   `json:"id"`
			Labels []string `json:"labels"`
		}
		json.Unmarshal([]byte(line), &l)
		if l.ID == id {
			found = true
			if len(l.Labels) != 0 {
				t.Errorf("labels export of %s after a reversal to false positive: %v, want none", id, l.Labels)
			}
		}
	}
	if !found {
		t.Errorf("labels export lacks the walked item %s:\n%s", id, labelsOut)
	}
}

// mediaWalk checks what the media stage did through the API and walks the
// post whose image carries a slogan to a signed evidence bundle that
// `rasd referrals verify` accepts.
func mediaWalk(t *testing.T, e *e2eEngine, ana, sen, res *apiClient) {
	t.Helper()
	type view struct {
		Record store.Record `json:"record"`
	}
	var banked view
	ana.call("GET", "/api/items/x:banked-banner", nil, http.StatusOK, &banked)
	if len(banked.Record.Media) != 1 || len(banked.Record.Media[0].Matches) != 1 || banked.Record.Media[0].Matches[0].Bank != "demo" {
		t.Fatalf("banked image: media results %+v", banked.Record.Media)
	}
	// The image itself, as the item page shows it.
	img := ana.call("GET", "/items/x:banked-banner/media/0", nil, http.StatusOK, nil)
	if sum := sha256.Sum256(img); hex.EncodeToString(sum[:]) != banked.Record.Media[0].SHA256 {
		t.Fatalf("served image does not hash to the stored SHA-256")
	}
	// A researcher sees neither the raw capture nor where the media came from.
	raw := res.call("GET", "/api/items/x:banked-banner", nil, http.StatusOK, nil)
	if bytes.Contains(raw, []byte(`"capture"`)) || bytes.Contains(raw, []byte("/media/banked-banner")) {
		t.Fatalf("researcher's view of the item holds the capture or the media URL: %s", raw)
	}
	// The words in the poster are searchable with the post.
	var found struct {
		Hits []struct{ ID string } `json:"hits"`
	}
	ana.call("GET", "/api/search?q="+url.QueryEscape("صفوف"), nil, http.StatusOK, &found)
	if len(found.Hits) != 1 || found.Hits[0].ID != "x:slogan-poster" {
		t.Fatalf("search for a word of the poster: %+v", found.Hits)
	}
	// Referred, approved, and exported as a signed bundle with its image.
	id := "x:slogan-poster"
	var it struct {
		Lease struct{ Token string } `json:"lease"`
	}
	ana.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
	ana.call("POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, http.StatusCreated, nil)
	part := map[string]string{"level": "high", "reason": "ملصق دعائي لتنظيم إرهابي يدعو للانضمام"}
	var ref struct{ ID string }
	ana.call("POST", "/api/referrals", map[string]any{"item": id, "context": part, "speaker": part, "intent": part, "content_and_form": part,
		"extent": part, "likelihood": part, "explanation": "دعاية وتجنيد لتنظيم داعش", "facts": "صورة ملصق", "threat_to_life": false}, http.StatusCreated, &ref)
	sen.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
	sen.call("POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, http.StatusCreated, nil)
	sen.call("POST", "/api/referrals/"+ref.ID+"/approve", map[string]string{}, http.StatusOK, nil)
	pkgJSON := sen.call("GET", "/api/referrals/"+ref.ID+"/package", nil, http.StatusOK, nil)
	schema, err := jsonschema.Load("../../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := jsonschema.Check(schema, pkgJSON); err != nil || len(errs) > 0 {
		t.Fatalf("package with media does not match the schema: %v %v\n%s", err, errs, pkgJSON)
	}
	zipped := sen.call("GET", "/api/referrals/"+ref.ID+"/bundle", nil, http.StatusOK, nil)
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatalf("bundle: %v", err)
	}
	var haveImage, haveCapture bool
	for _, f := range zr.File {
		haveImage = haveImage || strings.HasPrefix(f.Name, "media/") && strings.HasSuffix(f.Name, ".png")
		haveCapture = haveCapture || strings.HasPrefix(f.Name, "evidence/capture.")
	}
	if !haveImage || !haveCapture {
		t.Fatalf("bundle lacks the image (%v) or the capture (%v)", haveImage, haveCapture)
	}
	// The person whose post was referred contests it on the public form
	// with the reference the platform's notice carries: an appeal follows.
	var pk struct {
		Notice struct {
			Reference string `json:"reference"`
		} `json:"notice"`
	}
	json.Unmarshal(pkgJSON, &pk)
	if len(pk.Notice.Reference) != 10 {
		t.Fatalf("package has no public reference: %q", pk.Notice.Reference)
	}
	complain(t, e, pk.Notice.Reference)
	var appeals []struct {
		Origin   string `json:"origin"`
		Target   string `json:"target"`
		TargetID string `json:"target_id"`
	}
	ana.call("GET", "/api/appeals", nil, http.StatusOK, &appeals)
	filed := false
	for _, a := range appeals {
		filed = filed || a.Origin == "complaint" && a.Target == "referral" && a.TargetID == ref.ID
	}
	if !filed {
		t.Fatalf("no appeal from the complaint against %s: %+v", ref.ID, appeals)
	}
	path := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(path, zipped, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := e.rasd(t, "", "referrals", "verify", "--data", e.data, path); !strings.Contains(out, "ok") {
		t.Fatalf("rasd referrals verify: %s", out)
	}
}

// complain files a complaint on the engine's public form, as a person
// without an account does: the form's token, then the post.
func complain(t *testing.T, e *e2eEngine, reference string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get("http://" + e.addr + "/complaint")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("complaint form without a token: %s", page)
	}
	form := url.Values{"token": {html.UnescapeString(string(m[1]))}, "reference": {reference},
		"text": {"هذا المنشور نقل خبر وليس دعاية"}, "contact": {"person@example.org"}}
	resp, err = c.PostForm("http://"+e.addr+"/complaint", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("filing the complaint: %d %s", resp.StatusCode, body)
	}
}

// itemView is an item as GET /api/items/ID returns it.
type itemView struct {
	Item   struct{ ID string } `json:"item"`
	Record store.Record        `json:"record"`
}

// checkStanceColumn opens, as an analyst, the item page of a queued
// scenario (of items, as the API gave them) whose stored judgement says the
// model's stance discount lowered a score by five points or more on the
// policy's scale, and one whose judgement says none moved: the first shows
// the scores before the discount and the note that asks whether the post
// quotes or adopts the words, the second neither.
func checkStanceColumn(t *testing.T, ana *apiClient, items []itemView) {
	t.Helper()
	var moved, still string
	for _, v := range items {
		id, j := v.Item.ID, v.Record.Judgement
		most := 0.0
		for l, u := range j.Undiscounted {
			if th, ok := j.Thresholds[l]; ok {
				most = max(most, policy.PolicyScore(u, th)-j.Scores[l])
			}
		}
		switch {
		case most >= 0.05 && moved == "":
			moved = id
		case len(j.Undiscounted) == 0 && still == "":
			still = id
		}
	}
	if moved == "" || still == "" {
		t.Fatalf("queued scenarios: one whose stance discount moved a score by five points %q, one with no discount %q; add the missing one", moved, still)
	}
	if page := string(ana.call("GET", "/items/"+url.PathEscape(moved), nil, http.StatusOK, nil)); !strings.Contains(page, `id="stance-note"`) || !strings.Contains(page, "قبل خصم الموقف") {
		t.Errorf("item page of %s, whose stance discount moved a score, shows no column or note before the discount", moved)
	}
	if page := string(ana.call("GET", "/items/"+url.PathEscape(still), nil, http.StatusOK, nil)); strings.Contains(page, `id="stance-note"`) {
		t.Errorf("item page of %s, with no stance discount, shows the stance note", still)
	}
}
