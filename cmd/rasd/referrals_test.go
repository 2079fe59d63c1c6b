package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/policy/jsonschema"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/referral"
)

// referralData builds a data folder in which telegram:1 was referred and
// the referral reversed on appeal, x:2 was referred (its URL now answers
// 404 on site), and x:3 was dismissed.
func referralData(t *testing.T, site string) string {
	t.Helper()
	data := t.TempDir()
	st, err := store.Open(filepath.Join(data, "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	flagged := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var recs []store.Record
	for _, id := range []string{"telegram:1", "x:2", "x:3"} {
		plat, native, _ := strings.Cut(id, ":")
		raw := map[string]float64{"threat": 0.298}
		j, err := policy.Default().Judge(policy.Scored{Model: "rasd-test@1.0.0", Raw: raw, Signals: []policy.Signal{{Name: "named_person"}}},
			map[string]float64{"threat": 0.0137}, flagged)
		if err != nil || !j.Decision.Queue {
			t.Fatalf("judging the fixture: %+v, %v", j.Decision, err)
		}
		recs = append(recs, store.Record{
			Post: ingest.Post{ID: id, Platform: plat, NativeID: native, Author: ingest.Author{ID: "u", Handle: "@speaker"}, Permalink: site + "/p/" + id,
				Text: "سأقتل فلان إذا رأيته غداً", Fetched: flagged.Add(-time.Hour)},
			Scores: raw, Flags: []string{"threat"}, Model: j.Model,
			Queued: true, Urgent: j.Decision.Urgent, Priority: j.Decision.Priority, Processed: flagged, Judgement: &j,
		})
	}
	if err := st.Complete(ctx, recs, nil, nil); err != nil {
		t.Fatal(err)
	}
	rs, err := boltstore.New(st.DB())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := review.Sync(ctx, rs, st); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"a", "b", "c"} {
		if err := rs.PutUser(ctx, review.User{Name: u, Role: review.RoleAnalyst}); err != nil {
			t.Fatal(err)
		}
	}
	al, err := audit.Open(filepath.Join(data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	now := flagged.Add(time.Hour)
	svc := &referral.Service{Store: rs, Backend: st, Policy: policy.Default(), Audit: al, RoleID: func(u string) string { return "role-" + u },
		Now: func() time.Time { return now }}
	decide := func(id, who string, a review.Action, v review.Verdict) {
		t.Helper()
		rv := review.Reviewer{Name: who}
		it, err := rs.Claim(ctx, id, rv, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := rs.Decide(ctx, review.Decision{Item: id, Reviewer: who, Action: a, Verdict: v, Lease: it.Lease.Token}, rv, review.Rules{}, now); err != nil {
			t.Fatal(err)
		}
	}
	p := policy.Part{Level: policy.LevelHigh, Reason: "سبب مفصل يتجاوز عشرة أحرف"}
	form := referral.Form{Context: p, Speaker: p, Intent: p, ContentAndForm: p, Extent: p, Likelihood: p, Explanation: "تهديد صريح", Facts: "منشور علني"}
	refs := map[string]string{}
	for _, id := range []string{"telegram:1", "x:2"} {
		decide(id, "a", review.ActionRefer, review.VerdictTruePositive)
		r, err := svc.Create(ctx, id, "a", form)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, r.ID, "b"); err != nil {
			t.Fatal(err)
		}
		refs[id] = r.ID
	}
	decide("x:3", "b", review.ActionDismiss, review.VerdictFalsePositive)
	ap, err := svc.File(ctx, referral.TargetReferral, refs["telegram:1"], "c-appellant", "نقد لمسؤول")
	if err != nil {
		t.Fatal(err)
	}
	if ap.Reviewer != "c" {
		t.Fatalf("appeal heard by %q, want c", ap.Reviewer)
	}
	if _, err := svc.Decide(ctx, ap.ID, "c", referral.Ruling{Outcome: policy.AppealReversed, Note: "نقد محمي"}); err != nil {
		t.Fatal(err)
	}
	// The author of x:2 contests its referral with the public reference.
	r2, err := svc.Get(ctx, refs["x:2"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FileComplaint(ctx, referral.Complaint{Reference: r2.Reference, Text: "منشوري ليس تهديداً", Contact: "author@example.org"}); err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReferralCommands(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "x:2") {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer site.Close()
	data := referralData(t, site.URL)
	t.Setenv(referral.NotifierNameEnv, "")
	t.Setenv(referral.NotifierEmailEnv, "")
	notifier := []string{"--notifier-name", "Rasd observatory", "--notifier-email", "referrals@example.org"}
	out := filepath.Join(t.TempDir(), "referrals.jsonl")
	html := filepath.Join(t.TempDir(), "pages")

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"export", append([]string{"referrals", "export", "--data", data, "--out", out, "--html", html}, notifier...), 0, "", "exported 1 referrals (0 could not be packaged)"},
		{"export by platform", append([]string{"referrals", "export", "--data", data, "--platform", "telegram"}, notifier...), 0, "", "exported 0 referrals"},
		{"export since later", append([]string{"referrals", "export", "--data", data, "--since", "2026-12-01"}, notifier...), 0, "", "exported 0 referrals"},
		{"export without a notifier", []string{"referrals", "export", "--data", data}, 1, "", "notifier name and email"},
		{"bad since", []string{"referrals", "export", "--data", data, "--since", "last week"}, 2, "", "want YYYY-MM-DD"},
		{"unknown subcommand", []string{"referrals", "send"}, 2, "", "unknown subcommand"},
		{"transparency md", []string{"report", "transparency", "--data", data, "--period", "2026-Q4"}, 0, "| Reversed on appeal | 1 |", ""},
		{"transparency complaints", []string{"report", "transparency", "--data", data, "--period", "2026-Q4"}, 0, "## Complaints from affected people\n\n| | Count |\n|---|---:|\n| Received | 1 |", ""},
		{"transparency other quarter", []string{"report", "transparency", "--data", data, "--period", "2026-Q3"}, 0, "| Flagged | 0 |", ""},
		{"bad period", []string{"report", "transparency", "--data", data, "--period", "2026-Q5"}, 2, "", "want YYYY, YYYY-QN or YYYY-MM"},
		{"bad format", []string{"report", "transparency", "--data", data, "--period", "2026", "--format", "pdf"}, 2, "", "want md or json"},
		{"no period", []string{"report", "transparency", "--data", data}, 2, "", "--period is required"},
		{"recheck refuses the local site", []string{"referrals", "recheck", "--data", data, "--every", "0"}, 0, "re-checked 1 referrals: 0 removed, 0 failed", ""},
		{"recheck", []string{"referrals", "recheck", "--data", data, "--every", "0", "--allow-internal"}, 0, "re-checked 1 referrals: 1 removed, 0 failed", ""},
		{"recheck again", []string{"referrals", "recheck", "--data", data, "--every", "0"}, 0, "re-checked 0 referrals", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", c.args...)
			if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant %d, %q, %q", code, stdout, stderr, c.code, c.stdout, c.stderr)
			}
		})
	}

	// The one exported package (the reversed referral is withdrawn) matches the schema.
	schema, err := jsonschema.Load("../../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"item_id":"x:2"`) {
		t.Fatalf("exported packages:\n%s\nwant only x:2's", b)
	}
	if errs, err := jsonschema.Check(schema, []byte(lines[0])); err != nil || len(errs) > 0 {
		t.Fatalf("package does not match the schema: %v %v", err, errs)
	}
	var pkg policy.ReferralPackage
	json.Unmarshal([]byte(lines[0]), &pkg)
	if page, err := os.ReadFile(filepath.Join(html, pkg.ReferralID+".html")); err != nil || !strings.Contains(string(page), pkg.Content.SHA256) {
		t.Fatalf("printable page: %v", err)
	}

	// The appeal round trip in the JSON report, with the removal found by the re-check.
	code, stdout, stderr := runCmd(t, "", "report", "transparency", "--data", data, "--period", "2026-Q4", "--format", "json")
	if code != 0 {
		t.Fatalf("report: %d %s", code, stderr)
	}
	var rep policy.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	tt := rep.Totals
	if rep.Complaints != (policy.ComplaintCounts{Received: 1, Pending: 1}) {
		t.Fatalf("complaints %+v, want one received, pending", rep.Complaints)
	}
	if tt.Flagged != 3 || tt.Referred != 2 || tt.Dismissed != 1 || tt.Appealed != 2 || tt.Reversed != 1 || tt.Removed != 1 || tt.RemovalRate == nil || *tt.RemovalRate != 0.5 {
		t.Fatalf("totals %+v", tt)
	}
	var byTelegram policy.Slice
	for _, s := range rep.ByPlatform {
		if s.Key == "telegram" {
			byTelegram = s
		}
	}
	if byTelegram.Reversed != 1 || byTelegram.Appealed != 1 {
		t.Fatalf("telegram slice %+v: want the appeal and its reversal", byTelegram)
	}

	// The corrected label in the labelled data: no violation.
	code, stdout, stderr = runCmd(t, "", "review", "export", "--labels", "--data", data)
	if code != 0 {
		t.Fatalf("labels export: %d %s", code, stderr)
	}
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var ex struct {
			ID     string
			Labels []string
		}
		json.Unmarshal([]byte(line), &ex)
		got[ex.ID] = ex.Labels
	}
	if l, ok := got["telegram:1"]; !ok || len(l) != 0 || len(got["x:2"]) != 1 {
		t.Fatalf("labels after the reversal %v: want telegram:1 with none, x:2 with threat", got)
	}

	// Every step is in the audit log, and the chain holds.
	code, stdout, _ = runCmd(t, "", "audit", "verify", "--log", filepath.Join(data, "audit.jsonl"))
	if code != 0 || !strings.Contains(stdout, ": ok,") {
		t.Fatalf("audit verify: %d %s", code, stdout)
	}
	f, _ := os.Open(filepath.Join(data, "audit.jsonl"))
	defer f.Close()
	es, err := audit.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range es {
		var d struct{ Action string }
		json.Unmarshal(e.Details, &d)
		kinds[e.Type+"/"+d.Action]++
	}
	for _, k := range []string{"referral/assessed", "referral/approved", "appeal/filed", "appeal/decided", "referral/recheck", "export/"} {
		if kinds[k] == 0 {
			t.Fatalf("audit log lacks %s: %v", k, kinds)
		}
	}
}

// TestReferralBundleCommands: export writes a signed bundle per approved
// referral, pubkey prints the key that checks it, verify passes on the
// bundle and fails naming the file once a byte changes or with another
// key, and the signing is in the audit log, whose chain still holds.
func TestReferralBundleCommands(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer site.Close()
	data := referralData(t, site.URL)
	bundles := t.TempDir()
	code, stdout, stderr := runCmd(t, "", "referrals", "export", "--data", data, "--bundle", bundles, "--notifier-name", "Rasd observatory", "--notifier-email", "referrals@example.org")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "exported 1 referrals") {
		t.Fatalf("export: %d %q %q", code, stdout, stderr)
	}
	zips, _ := filepath.Glob(filepath.Join(bundles, "*.zip"))
	if len(zips) != 1 {
		t.Fatalf("bundles %v, want one", zips)
	}
	keyFile := filepath.Join(data, "keys", "referral-signing.key")
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("signing key: %v", err)
	}
	code, pub, _ := runCmd(t, "", "referrals", "pubkey", "--data", data)
	secret, _ := os.ReadFile(keyFile)
	if code != 0 || !strings.Contains(pub, "-----BEGIN PUBLIC KEY-----") || strings.Contains(pub, string(secret[40:60])) {
		t.Fatalf("pubkey: %d %q", code, pub)
	}
	pubFile := filepath.Join(t.TempDir(), "rasd.pub")
	os.WriteFile(pubFile, []byte(pub), 0o644)

	for _, args := range [][]string{{"--pubkey", pubFile}, {"--data", data}} {
		code, stdout, stderr = runCmd(t, "", append(append([]string{"referrals", "verify"}, args...), zips[0])...)
		if code != 0 || !strings.Contains(stdout, "ok  referral.json") || !strings.Contains(stdout, "ok  manifest.sig  signature by key") ||
			!strings.Contains(stdout, "verified: referral ") {
			t.Fatalf("verify %v: %d\n%s\n%s", args, code, stdout, stderr)
		}
	}

	// One byte of the printable page changed, in the unpacked bundle.
	zr, err := zip.OpenReader(zips[0])
	if err != nil {
		t.Fatal(err)
	}
	unpacked := t.TempDir()
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if e.Name == "referral.html" {
			b[100] ^= 1
		}
		os.WriteFile(filepath.Join(unpacked, e.Name), b, 0o644)
	}
	zr.Close()
	code, _, stderr = runCmd(t, "", "referrals", "verify", "--pubkey", pubFile, unpacked)
	if code != 1 || !strings.Contains(stderr, "referral.html: SHA-256 mismatch") {
		t.Fatalf("verify of a changed page: %d %q", code, stderr)
	}
	other := t.TempDir()
	runCmd(t, "", "referrals", "pubkey", "--data", other)
	code, _, stderr = runCmd(t, "", "referrals", "verify", "--data", other, zips[0])
	if code != 1 || !strings.Contains(stderr, "manifest.sig: does not verify with key") {
		t.Fatalf("verify with another key: %d %q", code, stderr)
	}
	if code, _, stderr = runCmd(t, "", "referrals", "verify", "--data", t.TempDir(), zips[0]); code != 1 || !strings.Contains(stderr, "--pubkey") {
		t.Fatalf("verify without a key: %d %q", code, stderr)
	}

	code, stdout, _ = runCmd(t, "", "audit", "verify", "--log", filepath.Join(data, "audit.jsonl"))
	if code != 0 || !strings.Contains(stdout, ": ok,") {
		t.Fatalf("audit verify: %d %s", code, stdout)
	}
	log, _ := os.ReadFile(filepath.Join(data, "audit.jsonl"))
	if !strings.Contains(string(log), `"action":"signed"`) || !strings.Contains(string(log), `"manifest_sha256":"`) {
		t.Fatal("the audit log lacks the signing")
	}
}
