package referral

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/policy/jsonschema"
	"github.com/rasd-iq/rasd/policy/policytest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/labels"
)

// backend is the pipeline store as far as referrals read it.
type backend struct {
	store.Backend
	mu   sync.Mutex
	recs map[string]store.Record
}

func (b *backend) Get(_ context.Context, id string) (store.Record, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.recs[id]
	if !ok {
		return r, fmt.Errorf("post %s: %w", id, store.ErrNotFound)
	}
	return r, nil
}

var t0 = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)

type fixture struct {
	svc   *Service
	st    review.Store
	be    *backend
	audit string
	now   time.Time
}

// newFixture has three analysts (a, b, c), a researcher (r) and the items
// in the queue, each a record threatening a named person on platform plat.
func newFixture(t *testing.T, items map[string]string) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "rasd.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := boltstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	al, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	f := &fixture{st: st, be: &backend{recs: map[string]store.Record{}}, audit: filepath.Join(dir, "audit.jsonl"), now: t0}
	ctx := context.Background()
	for _, u := range []review.User{{Name: "a", Role: review.RoleAnalyst}, {Name: "b", Role: review.RoleAnalyst}, {Name: "c", Role: review.RoleAnalyst}, {Name: "r", Role: review.RoleResearcher}} {
		if err := st.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	var its []review.Item
	for id, plat := range items {
		its = append(its, review.Item{ID: id, Labels: []string{"threat"}, Platform: plat, Score: 0.93, Added: t0.Add(-time.Hour), Status: review.StatusOpen})
		f.be.recs[id] = judgedRecord(t, ingest.Post{ID: id, Platform: plat, Author: ingest.Author{ID: "u1", Handle: "@speaker"}, Permalink: "https://example.org/p/" + id,
			Text: "سأقتل فلان إذا رأيته غداً", Fetched: t0.Add(-2 * time.Hour)}, t0.Add(-time.Hour))
	}
	if err := st.Add(ctx, its); err != nil {
		t.Fatal(err)
	}
	f.svc = &Service{Store: st, Backend: f.be, Policy: policy.Default(), Audit: al, Notifier: policy.Notifier{Name: "Rasd observatory", Email: "referrals@example.org"},
		RoleID: func(u string) string { return "role-" + u }, Now: func() time.Time { return f.now }}
	return f
}

// nearThreshold is a raw threat score below every bar of the policy but
// far above the model card's threshold: on the policy's scale it is 0.96.
const nearThreshold, cardThreshold = 0.298, 0.0137

// judgedRecord is post as the pipeline stores it: scored with a raw threat
// score of nearThreshold and judged under the default policy.
func judgedRecord(t *testing.T, post ingest.Post, at time.Time) store.Record {
	t.Helper()
	raw := map[string]float64{"threat": nearThreshold}
	j, err := policy.Default().Judge(policy.Scored{Model: "rasd-test@1.0.0", Raw: raw,
		Signals: []policy.Signal{{Name: "named_person", Start: 6, End: 14, Detail: "named"}}},
		map[string]float64{"threat": cardThreshold}, at)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Decision.Queue {
		t.Fatalf("the fixture's post is not queued: %+v", j.Decision)
	}
	return store.Record{Post: post, Scores: raw, Flags: []string{"threat"}, Model: j.Model, Queued: true,
		Priority: j.Decision.Priority, Urgent: j.Decision.Urgent, Judgement: &j, Processed: at}
}

// decide claims item as who and decides it.
func (f *fixture) decide(t *testing.T, item, who string, a review.Action, v review.Verdict) {
	t.Helper()
	ctx := context.Background()
	rv := review.Reviewer{Name: who}
	it, err := f.st.Claim(ctx, item, rv, f.now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.st.Decide(ctx, review.Decision{Item: item, Reviewer: who, Action: a, Verdict: v, Lease: it.Lease.Token}, rv, review.Rules{}, f.now); err != nil {
		t.Fatal(err)
	}
}

func part(l policy.Level) policy.Part {
	return policy.Part{Level: l, Reason: "سبب مفصل يتجاوز عشرة أحرف"}
}

func fullForm() Form {
	return Form{Context: part(policy.LevelHigh), Speaker: part(policy.LevelMedium), Intent: part(policy.LevelHigh), ContentAndForm: part(policy.LevelHigh),
		Extent: part(policy.LevelMedium), Likelihood: part(policy.LevelHigh), Explanation: "تهديد صريح بالقتل لشخص مسمى", Facts: "المنشور علني وحدد الضحية بالاسم", ThreatToLife: true}
}

// refer makes a refer, b approve: an approved referral of item.
func (f *fixture) refer(t *testing.T, item string) review.Referral {
	t.Helper()
	f.decide(t, item, "a", review.ActionRefer, review.VerdictTruePositive)
	r, err := f.svc.Create(context.Background(), item, "a", fullForm())
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	if r, err = f.svc.Approve(context.Background(), r.ID, "b"); err != nil {
		t.Fatal(err)
	}
	return r
}

func auditTypes(t *testing.T, path string) map[string]int {
	t.Helper()
	if _, _, err := audit.VerifyFile(path); err != nil {
		t.Fatalf("audit log does not verify: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	es, err := audit.ReadAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range es {
		var d struct{ Action string }
		json.Unmarshal(e.Details, &d)
		out[e.Type+"/"+d.Action]++
	}
	return out
}

func TestCreateChecksTheSixParts(t *testing.T) {
	f := newFixture(t, map[string]string{"telegram:1": "telegram"})
	ctx := context.Background()
	if _, err := f.svc.Create(ctx, "telegram:1", "a", fullForm()); !errors.Is(err, ErrNotReferred) {
		t.Fatalf("referral before a refer decision: %v, want ErrNotReferred", err)
	}
	f.decide(t, "telegram:1", "a", review.ActionRefer, review.VerdictTruePositive)
	cases := []struct {
		name string
		edit func(*Form)
		want []string
	}{
		{"extent not recorded", func(f *Form) { f.Extent = policy.Part{} }, []string{"extent: not recorded"}},
		{"reason too short", func(f *Form) { f.Intent.Reason = "قصير" }, []string{"intent: reason too short"}},
		{"likelihood below the bar", func(f *Form) { f.Likelihood.Level = policy.LevelLow }, []string{"likelihood: level low is below"}},
		{"no explanation or facts", func(f *Form) { f.Explanation, f.Facts = " ", "" }, []string{"explanation", "facts"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fm := fullForm()
			c.edit(&fm)
			_, err := f.svc.Create(ctx, "telegram:1", "a", fm)
			if !errors.Is(err, policy.ErrReferralNotReady) {
				t.Fatalf("err %v, want a ReferralError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("err %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "second reviewer") {
				t.Fatalf("the assessment alone was asked for a second reviewer: %v", err)
			}
		})
	}
	if rs, _ := f.st.Referrals(ctx); len(rs) != 0 {
		t.Fatalf("refused forms stored %d referrals", len(rs))
	}
	r, err := f.svc.Create(ctx, "telegram:1", "a", fullForm())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != review.ReferralAwaiting || !r.Urgent || r.Assessment.RoleID != "role-a" {
		t.Fatalf("new referral %+v: want awaiting approval, urgent, role-a", r)
	}
	if _, err := f.svc.Package(ctx, r); !errors.Is(err, ErrState) {
		t.Fatalf("packaging an unapproved referral: %v, want ErrState", err)
	}
	if _, err := f.svc.Approve(ctx, r.ID, "a"); !errors.Is(err, ErrSelfApproval) {
		t.Fatalf("self-approval: %v, want ErrSelfApproval", err)
	}
	got, err := f.svc.Approve(ctx, r.ID, "b")
	if err != nil || got.Status != review.ReferralApproved || len(got.Approvals) != 1 || got.Approvals[0].RoleID != "role-b" {
		t.Fatalf("approval by b: %+v, %v", got, err)
	}
	if _, err := f.svc.Approve(ctx, r.ID, "c"); !errors.Is(err, ErrState) {
		t.Fatalf("approving twice: %v, want ErrState", err)
	}
	types := auditTypes(t, f.audit)
	if types["referral/assessed"] != 1 || types["referral/approved"] != 1 {
		t.Fatalf("audit events %v: want one assessed and one approved", types)
	}
}

func TestExportMatchesTheSchema(t *testing.T) {
	schema, err := jsonschema.Load("../../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, map[string]string{"telegram:1": "telegram", "tips:2": "tips", "x:3": "x"})
	ctx := context.Background()
	r1 := f.refer(t, "telegram:1")
	f.now = f.now.Add(time.Hour)
	r2 := f.refer(t, "tips:2")
	f.decide(t, "x:3", "a", review.ActionRefer, review.VerdictTruePositive)
	if _, err := f.svc.Create(ctx, "x:3", "a", fullForm()); err != nil { // awaiting: never exported
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"all approved", Filter{}, []string{r1.ID, r2.ID}},
		{"since", Filter{Since: r2.Approved}, []string{r2.ID}},
		{"platform", Filter{Platform: "telegram"}, []string{r1.ID}},
		{"nothing", Filter{Platform: "facebook"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			dir := t.TempDir()
			st, err := f.svc.Export(ctx, "test", c.filter, &buf, Files{HTML: dir})
			if err != nil || len(st.Failed) > 0 {
				t.Fatalf("export: %v %v", err, st.Failed)
			}
			if fmt.Sprint(st.IDs) != fmt.Sprint(c.want) {
				t.Fatalf("exported %v, want %v", st.IDs, c.want)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			for i, id := range c.want {
				errs, err := jsonschema.Check(schema, []byte(lines[i]))
				if err != nil || len(errs) > 0 {
					t.Fatalf("package %s does not match the schema: %v %v\n%s", id, err, errs, lines[i])
				}
				var pkg policy.ReferralPackage
				json.Unmarshal([]byte(lines[i]), &pkg)
				if !pkg.Urgent || pkg.Content.SHA256 == "" || len(pkg.Reviewers) != 2 || pkg.Reviewers[1].RoleID != "role-b" {
					t.Fatalf("package %s: urgent %v, sha %q, reviewers %+v", id, pkg.Urgent, pkg.Content.SHA256, pkg.Reviewers)
				}
				if pkg.Content.Platform == "tips" && (pkg.Content.AuthorHandle != "" || strings.Contains(lines[i], "@speaker")) {
					t.Fatalf("a tip's package names its reporter: %s", lines[i])
				}
				html, err := os.ReadFile(filepath.Join(dir, id+".html"))
				if err != nil || !bytes.Contains(html, []byte(`dir="rtl"`)) || !bytes.Contains(html, []byte(id)) {
					t.Fatalf("printable page of %s: %v", id, err)
				}
			}
		})
	}
	if n := auditTypes(t, f.audit)["export/"]; n != len(cases) {
		t.Fatalf("%d exports audited, want %d", n, len(cases))
	}
}

func TestOutcomeAndRecheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/gone"):
			w.WriteHeader(http.StatusGone)
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/nohead") && r.Method == http.MethodHead:
			w.WriteHeader(http.StatusMethodNotAllowed)
		case strings.HasSuffix(r.URL.Path, "/nohead"):
			w.WriteHeader(http.StatusNotFound)
		default:
			fmt.Fprint(w, "still here")
		}
	}))
	defer srv.Close()
	items := map[string]string{"gone": "x", "missing": "x", "nohead": "x", "up": "x"}
	f := newFixture(t, items)
	ctx := context.Background()
	ids := map[string]string{}
	for id := range items {
		rec := f.be.recs[id]
		rec.Post.Permalink = srv.URL + "/p/" + id
		f.be.recs[id] = rec
		ids[id] = f.refer(t, id).ID
	}

	if _, err := f.svc.RecordOutcome(ctx, ids["up"], "a", "vanished", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown outcome: %v, want ErrInvalid", err)
	}
	if _, err := f.svc.RecordOutcome(ctx, "nope", "a", policy.OutcomeDeclined, ""); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("outcome of an unknown referral: %v, want ErrNotFound", err)
	}
	f.now = f.now.Add(time.Hour)
	r, err := f.svc.RecordOutcome(ctx, ids["up"], "a", policy.OutcomeRestricted, "geo-blocked in Iraq")
	if err != nil || r.Outcome() != policy.OutcomeRestricted || r.Outcomes[0].Source != policy.SourcePlatformResponse {
		t.Fatalf("recorded outcome: %+v, %v", r.Outcomes, err)
	}

	c := &Checker{Client: &http.Client{Timeout: 5 * time.Second}}
	cases := []struct {
		item    string
		code    int
		removed bool
	}{{"gone", 410, true}, {"missing", 404, true}, {"nohead", 404, true}, {"up", 200, false}}
	for _, tc := range cases {
		t.Run(tc.item, func(t *testing.T) {
			ch, err := f.svc.Recheck(ctx, c, ids[tc.item])
			if err != nil || ch.Code != tc.code || Removed(ch) != tc.removed {
				t.Fatalf("recheck: %+v, %v; want HTTP %d removed %v", ch, err, tc.code, tc.removed)
			}
			r, _ := f.st.Referral(ctx, ids[tc.item])
			if len(r.Checks) != 1 || r.Checks[0].Code != tc.code {
				t.Fatalf("checks recorded %+v", r.Checks)
			}
			want := policy.OutcomePending
			if tc.removed {
				want = policy.OutcomeRemoved
			} else if tc.item == "up" {
				want = policy.OutcomeRestricted // a page still up does not undo the platform's answer
			}
			if r.Outcome() != want {
				t.Fatalf("outcome %s, want %s", r.Outcome(), want)
			}
		})
	}
	// The job skips removed and recently checked referrals.
	st, err := f.svc.RecheckDue(ctx, c, time.Hour)
	if err != nil || st.Checked != 0 {
		t.Fatalf("re-check within the hour: %+v, %v; want nothing checked", st, err)
	}
	f.now = f.now.Add(2 * time.Hour)
	st, err = f.svc.RecheckDue(ctx, c, time.Hour)
	if err != nil || st.Checked != 1 || st.Removed != 0 || len(st.Failed) != 0 {
		t.Fatalf("re-check after two hours: %+v, %v; want only the live one checked", st, err)
	}
	srv.Close()
	f.now = f.now.Add(2 * time.Hour)
	if ch, err := f.svc.Recheck(ctx, c, ids["up"]); err != nil || ch.Code != 0 || ch.Note == "" {
		t.Fatalf("re-check of an unreachable server: %+v, %v; want the failure recorded", ch, err)
	}
	if n := auditTypes(t, f.audit)["referral/recheck"]; n != 6 {
		t.Fatalf("%d re-checks audited, want 6", n)
	}
}

func TestAppealRoundTrip(t *testing.T) {
	f := newFixture(t, map[string]string{"telegram:1": "telegram", "x:2": "x"})
	ctx := context.Background()
	r := f.refer(t, "telegram:1")
	f.decide(t, "x:2", "b", review.ActionDismiss, review.VerdictFalsePositive)

	if _, err := f.svc.File(ctx, "post", "telegram:1", "r", "خطأ"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown target: %v, want ErrInvalid", err)
	}
	if _, err := f.svc.File(ctx, TargetReferral, r.ID, "r", " "); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no reason: %v, want ErrInvalid", err)
	}
	f.now = f.now.Add(time.Hour)
	ap, err := f.svc.File(ctx, TargetReferral, r.ID, "r", "المنشور نقد لمسؤول وليس تهديداً")
	if err != nil {
		t.Fatal(err)
	}
	if ap.Reviewer != "c" || ap.Item != "telegram:1" || fmt.Sprint(ap.Deciders) != "[a b]" {
		t.Fatalf("appeal %+v: want heard by c, the only analyst who did not decide", ap.Appeal)
	}
	if _, err := f.svc.File(ctx, TargetReferral, r.ID, "r", "مرة أخرى"); !errors.Is(err, ErrState) {
		t.Fatalf("second pending appeal: %v, want ErrState", err)
	}
	for _, who := range []string{"a", "b", "r"} {
		if _, err := f.svc.Decide(ctx, ap.ID, who, Ruling{Outcome: policy.AppealReversed, Note: "x"}); !errors.Is(err, policy.ErrIneligibleReviewer) {
			t.Fatalf("%s hearing the appeal: %v, want ErrIneligibleReviewer", who, err)
		}
	}
	if _, err := f.svc.Decide(ctx, ap.ID, "c", Ruling{Outcome: "maybe", Note: "x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad outcome: %v, want ErrInvalid", err)
	}
	f.now = f.now.Add(time.Hour)
	got, err := f.svc.Decide(ctx, ap.ID, "c", Ruling{Outcome: policy.AppealReversed, Note: "نقد سياسي محمي"})
	if err != nil || got.Outcome != policy.AppealReversed || got.Decision == "" {
		t.Fatalf("reversal: %+v, %v", got, err)
	}
	if _, err := f.svc.Decide(ctx, ap.ID, "c", Ruling{Outcome: policy.AppealUpheld, Note: "x"}); !errors.Is(err, ErrState) {
		t.Fatalf("deciding twice: %v, want ErrState", err)
	}
	if rr, _ := f.st.Referral(ctx, r.ID); rr.Status != review.ReferralWithdrawn {
		t.Fatalf("referral after reversal: %s, want withdrawn", rr.Status)
	}
	var buf bytes.Buffer
	if _, err := f.svc.Export(ctx, "test", Filter{}, &buf, Files{}); err != nil || buf.Len() != 0 {
		t.Fatalf("a withdrawn referral was exported: %q %v", buf.String(), err)
	}

	// The corrected label reaches the labelled data: no violation any more.
	buf.Reset()
	if _, err := labels.Export(ctx, f.st, f.be, &buf); err != nil {
		t.Fatal(err)
	}
	var ex labels.Example
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e labels.Example
		json.Unmarshal([]byte(line), &e)
		if e.ID == "telegram:1" {
			ex = e
		}
	}
	if ex.ID == "" || len(ex.Labels) != 0 {
		t.Fatalf("labels export after reversal: %q; want telegram:1 with no labels", buf.String())
	}

	// A decision appeal upheld: counted as appealed, not reversed.
	ap2, err := f.svc.File(ctx, TargetDecision, "x:2", "r", "هذا تحريض")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Decide(ctx, ap2.ID, ap2.Reviewer, Ruling{Outcome: policy.AppealUpheld, Note: "لا تحريض"}); err != nil {
		t.Fatal(err)
	}
	period, _ := policy.ParsePeriod("2026-Q4")
	rep, err := Transparency(ctx, f.st, period)
	if err != nil {
		t.Fatal(err)
	}
	tt := rep.Totals
	if tt.Flagged != 2 || tt.Reviewed != 2 || tt.Referred != 1 || tt.Dismissed != 1 || tt.Appealed != 2 || tt.Reversed != 1 || len(rep.Invalid) != 0 {
		t.Fatalf("transparency totals %+v (invalid %v)", tt, rep.Invalid)
	}
	if rep.MedianTimeToDecision == nil || *rep.MedianTimeToDecision != 3630 {
		t.Fatalf("median time to decision %v, want 3630 s (waits of 60 and 61 minutes)", rep.MedianTimeToDecision)
	}
	types := auditTypes(t, f.audit)
	if types["appeal/filed"] != 2 || types["appeal/decided"] != 2 {
		t.Fatalf("audit events %v: want two appeals filed and decided", types)
	}
}

func TestOneOpenReferralPerItem(t *testing.T) {
	f := newFixture(t, map[string]string{"telegram:1": "telegram"})
	ctx := context.Background()
	r := f.refer(t, "telegram:1")
	if act, err := f.svc.Active(ctx, "telegram:1"); err != nil || act == nil || act.ID != r.ID {
		t.Fatalf("active referral %+v, %v; want %s", act, err, r.ID)
	}
	if _, err := f.svc.Create(ctx, "telegram:1", "a", fullForm()); !errors.Is(err, ErrState) {
		t.Fatalf("second referral of the item: %v, want ErrState", err)
	}
	if _, err := f.svc.RecordOutcome(ctx, r.ID, "a", policy.OutcomeDeclined, "not against our rules"); err != nil {
		t.Fatal(err)
	}
	if rs, _ := f.st.Referrals(ctx); len(rs) != 1 {
		t.Fatalf("%d referrals stored, want 1", len(rs))
	}
}

func TestApprovalFollowsTheItemsReview(t *testing.T) {
	f := newFixture(t, map[string]string{"telegram:1": "telegram", "x:2": "x"})
	ctx := context.Background()
	rules := review.Rules{SecondReviewRefer: true}
	decide := func(item, who string, a review.Action, v review.Verdict) {
		t.Helper()
		rv := review.Reviewer{Name: who, Senior: who == "s"}
		it, err := f.st.Claim(ctx, item, rv, f.now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.st.Decide(ctx, review.Decision{Item: item, Reviewer: who, Action: a, Verdict: v, Lease: it.Lease.Token}, rv, rules, f.now); err != nil {
			t.Fatal(err)
		}
	}
	// telegram:1: a refers, b disputes; while a senior reviewer decides, and
	// after they dismiss, the referral cannot be approved.
	decide("telegram:1", "a", review.ActionRefer, review.VerdictTruePositive)
	r, err := f.svc.Create(ctx, "telegram:1", "a", fullForm())
	if err != nil {
		t.Fatal(err)
	}
	decide("telegram:1", "b", review.ActionDismiss, review.VerdictFalsePositive)
	if _, err := f.svc.Approve(ctx, r.ID, "c"); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "senior") {
		t.Fatalf("approval while disputed: %v, want ErrState", err)
	}
	decide("telegram:1", "s", review.ActionDismiss, review.VerdictFalsePositive)
	if _, err := f.svc.Approve(ctx, r.ID, "c"); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "dismiss") {
		t.Fatalf("approval after a dismissal: %v, want ErrState", err)
	}
	// x:2: a refers, b agrees and approves: the two-person rule met twice over.
	decide("x:2", "a", review.ActionRefer, review.VerdictTruePositive)
	r2, err := f.svc.Create(ctx, "x:2", "a", fullForm())
	if err != nil {
		t.Fatal(err)
	}
	decide("x:2", "b", review.ActionRefer, review.VerdictTruePositive)
	if got, err := f.svc.Approve(ctx, r2.ID, "b"); err != nil || got.Status != review.ReferralApproved {
		t.Fatalf("approval after agreement: %+v, %v", got, err)
	}
}

// TestPackageUsesTheStoredDecision: the package is built from the judgement
// stored when the post was routed (a raw threat score of 0.298, queued on the
// policy's scale under threat-named-person), not by routing the raw scores
// again, and a stricter policy installed afterwards does not rewrite it.
func TestPackageUsesTheStoredDecision(t *testing.T) {
	f := newFixture(t, map[string]string{"x:1": "x"})
	ctx := context.Background()
	f.be.recs["x:1"] = func() store.Record {
		r := f.be.recs["x:1"]
		r.Post.Permalink = "https://x.com/i/status/1"
		return r
	}()
	r := f.refer(t, "x:1")
	f.svc.Notifier = policy.Notifier{Name: "Rasd", Email: "referrals@example.org"}
	// The policy changes after the routing: threats now need 0.99.
	stricter := string(policytest.WithThreshold(t, policy.DefaultYAML(), "threat", 0.99))
	stricter = strings.Replace(stricter, "bar: 0.90", "bar: 0.995", 1)
	stricter = regexp.MustCompile(`(?m)^version: ".*"$`).ReplaceAllString(stricter, `version: "2099.1"`)
	p2, err := policy.Parse("stricter.yaml", []byte(stricter))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := p2.Route(policy.Input{Scores: f.be.recs["x:1"].Judgement.Scores}); d.Queue {
		t.Fatal("the stricter policy should not queue the post; the test would not tell the two apart")
	}
	f.svc.Policy = p2
	pkg, err := f.svc.Package(ctx, r)
	if err != nil {
		t.Fatalf("packaging under a later policy: %v", err)
	}
	stored := f.be.recs["x:1"].Judgement.Decision
	if pkg.RuleID != stored.RuleID || pkg.RuleID != "threat-named-person" || pkg.Versions.Policy != policy.Default().Version || len(pkg.Bases) != len(stored.Bases) || !pkg.Urgent {
		t.Errorf("package rule %q, policy %q, %d bases, urgent %v; want the stored %q under %q with %d bases, urgent",
			pkg.RuleID, pkg.Versions.Policy, len(pkg.Bases), pkg.Urgent, stored.RuleID, stored.PolicyVersion, len(stored.Bases))
	}
	if pkg.Versions.Model != "rasd-test@1.0.0" {
		t.Errorf("package model %q", pkg.Versions.Model)
	}
}

// TestDismissalWithdrawsTheReferral: refer, approval by someone who never
// reviewed the item, a second reviewer dismisses, a senior finally
// dismisses as a false positive: the approved referral is withdrawn, the
// withdrawal audited, and it can no longer be packaged or exported.
func TestDismissalWithdrawsTheReferral(t *testing.T) {
	f := newFixture(t, map[string]string{"x:1": "x"})
	ctx := context.Background()
	if err := f.st.PutUser(ctx, review.User{Name: "s", Role: review.RoleSenior}); err != nil {
		t.Fatal(err)
	}
	rules := review.Rules{SecondReviewRefer: true}
	decide := func(who string, senior bool, a review.Action, v review.Verdict) {
		t.Helper()
		rv := review.Reviewer{Name: who, Senior: senior}
		it, err := f.st.Claim(ctx, "x:1", rv, f.now, time.Minute)
		if err != nil {
			t.Fatalf("%s claiming: %v", who, err)
		}
		if _, _, err := f.st.Decide(ctx, review.Decision{Item: "x:1", Reviewer: who, Action: a, Verdict: v, Lease: it.Lease.Token}, rv, rules, f.now); err != nil {
			t.Fatalf("%s deciding %s: %v", who, a, err)
		}
		if _, err := f.svc.FollowReview(ctx, "x:1", "user:"+who); err != nil {
			t.Fatal(err)
		}
	}
	decide("a", false, review.ActionRefer, review.VerdictTruePositive)
	r, err := f.svc.Create(ctx, "x:1", "a", fullForm())
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Notifier = policy.Notifier{Name: "Rasd", Email: "referrals@example.org"}
	// b approves without having reviewed the item.
	if r, err = f.svc.Approve(ctx, r.ID, "b"); err != nil || r.Status != review.ReferralApproved {
		t.Fatalf("approval: %+v, %v", r, err)
	}
	decide("c", false, review.ActionDismiss, review.VerdictFalsePositive)
	if got, _ := f.svc.Get(ctx, r.ID); got.Status == review.ReferralWithdrawn {
		t.Fatalf("withdrawn while the item waits for a senior reviewer")
	}
	decide("s", true, review.ActionDismiss, review.VerdictFalsePositive)
	got, err := f.svc.Get(ctx, r.ID)
	if err != nil || got.Status != review.ReferralWithdrawn {
		t.Fatalf("referral after the final dismissal: %s (%v), want withdrawn", got.Status, err)
	}
	if _, err := f.svc.Package(ctx, got); !errors.Is(err, ErrState) {
		t.Fatalf("packaging a withdrawn referral: %v", err)
	}
	var out bytes.Buffer
	if st, err := f.svc.Export(ctx, "test", Filter{}, &out, Files{}); err != nil || out.Len() != 0 {
		t.Fatalf("export after the dismissal wrote %q (%+v, %v)", out.String(), st, err)
	}
	if types := auditTypes(t, f.audit); types["referral/withdrawn"] != 1 {
		t.Fatalf("audit %v: want one withdrawal", types)
	}
}

// TestLongTextIsRefused: reasons, notes, explanations and facts have
// limits; a 9 MB appeal reason is refused, not stored and audited.
func TestLongTextIsRefused(t *testing.T) {
	f := newFixture(t, map[string]string{"x:1": "x"})
	ctx := context.Background()
	r := f.refer(t, "x:1")
	huge := strings.Repeat("ن", 9<<20/2)
	if _, err := f.svc.File(ctx, TargetReferral, r.ID, "r", huge); !errors.Is(err, ErrInvalid) {
		t.Fatalf("9 MB appeal reason: %v", err)
	}
	if _, err := f.svc.RecordOutcome(ctx, r.ID, "a", policy.OutcomeRemoved, strings.Repeat("x", review.MaxReason+1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("long outcome note: %v", err)
	}
	f2 := newFixture(t, map[string]string{"x:2": "x"})
	f2.decide(t, "x:2", "a", review.ActionRefer, review.VerdictTruePositive)
	form := fullForm()
	form.Facts = strings.Repeat("y", review.MaxLong+1)
	if _, err := f2.svc.Create(ctx, "x:2", "a", form); !errors.Is(err, ErrInvalid) {
		t.Fatalf("long facts: %v", err)
	}
	if as, _ := f.st.Appeals(ctx); len(as) != 0 {
		t.Fatalf("%d appeals stored", len(as))
	}
	data, _ := os.ReadFile(f.audit)
	if len(data) > 1<<20 {
		t.Fatalf("audit log grew to %d bytes", len(data))
	}
}

// TestRecheckRefusesInternalAddresses: a referred URL that points at an
// internal service is not fetched, its answer is never read as a removal,
// and the check's note does not describe the internal network.
func TestRecheckRefusesInternalAddresses(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	defer internal.Close()
	c := (&Checker{}).Fetch(context.Background(), internal.URL+"/admin")
	if Removed(c) || c.Code != 0 || c.Note != "refused: not a public internet address" {
		t.Fatalf("check of an internal URL: %+v", c)
	}
	c = (&Checker{}).Fetch(context.Background(), "http://[::1]:1/x")
	if strings.Contains(c.Note, "::1") || strings.Contains(c.Note, "connect") {
		t.Fatalf("check note leaks the network: %q", c.Note)
	}
}
