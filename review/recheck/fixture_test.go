package recheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/referral"
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

// fixture is a referral service over a real review store and audit log.
type fixture struct {
	svc   *referral.Service
	st    review.Store
	audit string
	mu    sync.Mutex
	now   time.Time
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// newFixture queues posts, each threatening a named person, and refers and
// approves each: the map's keys are the referrals' item ids.
func newFixture(t *testing.T, posts []ingest.Post) (*fixture, map[string]string) {
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
	f := &fixture{st: st, audit: filepath.Join(dir, "audit.jsonl"), now: t0}
	al, err := audit.Open(f.audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	ctx := context.Background()
	for _, u := range []review.User{{Name: "a", Role: review.RoleAnalyst}, {Name: "b", Role: review.RoleAnalyst}} {
		if err := st.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	be := &backend{recs: map[string]store.Record{}}
	var its []review.Item
	for _, p := range posts {
		p.Text, p.Fetched = "سأقتل فلان إذا رأيته غداً", t0.Add(-2*time.Hour)
		its = append(its, review.Item{ID: p.ID, Labels: []string{"threat"}, Platform: p.Platform, Score: 0.93, Added: t0.Add(-time.Hour), Status: review.StatusOpen})
		be.recs[p.ID] = judgedRecord(t, p, t0.Add(-time.Hour))
	}
	if err := st.Add(ctx, its); err != nil {
		t.Fatal(err)
	}
	f.svc = &referral.Service{Store: st, Backend: be, Policy: policy.Default(), Audit: al,
		Notifier: policy.Notifier{Name: "Rasd observatory", Email: "referrals@example.org"},
		RoleID:   func(u string) string { return "role-" + u },
		Now: func() time.Time {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.now
		}}
	ids := map[string]string{}
	for _, p := range posts {
		rv := review.Reviewer{Name: "a"}
		it, err := st.Claim(ctx, p.ID, rv, f.now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Decide(ctx, review.Decision{Item: p.ID, Reviewer: "a", Action: review.ActionRefer, Verdict: review.VerdictTruePositive, Lease: it.Lease.Token},
			rv, review.Rules{}, f.now); err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.Create(ctx, p.ID, "a", fullForm())
		if err != nil {
			t.Fatal(err)
		}
		if r, err = f.svc.Approve(ctx, r.ID, "b"); err != nil {
			t.Fatal(err)
		}
		ids[p.ID] = r.ID
	}
	return f, ids
}

// judgedRecord is post as the pipeline stores it, scored and judged under
// the default policy so that it is queued.
func judgedRecord(t *testing.T, post ingest.Post, at time.Time) store.Record {
	t.Helper()
	raw := map[string]float64{"threat": 0.298}
	j, err := policy.Default().Judge(policy.Scored{Model: "rasd-test@1.0.0", Raw: raw,
		Signals: []policy.Signal{{Name: "named_person", Start: 6, End: 14, Detail: "named"}}},
		map[string]float64{"threat": 0.0137}, at)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Decision.Queue {
		t.Fatalf("the fixture's post is not queued: %+v", j.Decision)
	}
	return store.Record{Post: post, Scores: raw, Flags: []string{"threat"}, Model: j.Model, Queued: true,
		Priority: j.Decision.Priority, Urgent: j.Decision.Urgent, Judgement: &j, Processed: at}
}

func part(l policy.Level) policy.Part {
	return policy.Part{Level: l, Reason: "سبب مفصل يتجاوز عشرة أحرف"}
}

func fullForm() referral.Form {
	return referral.Form{Context: part(policy.LevelHigh), Speaker: part(policy.LevelMedium), Intent: part(policy.LevelHigh), ContentAndForm: part(policy.LevelHigh),
		Extent: part(policy.LevelMedium), Likelihood: part(policy.LevelHigh), Explanation: "تهديد صريح بالقتل لشخص مسمى", Facts: "المنشور علني وحدد الضحية بالاسم", ThreatToLife: true}
}

// auditedRechecks returns the details of the referral/recheck events of the
// audit log at path, which must verify.
func auditedRechecks(t *testing.T, path string) []map[string]any {
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
	var out []map[string]any
	for _, e := range es {
		var d map[string]any
		if err := json.Unmarshal(e.Details, &d); err != nil {
			t.Fatalf("entry %d: details: %v", e.Seq, err)
		}
		if e.Type == audit.TypeReferral && d["action"] == "recheck" {
			out = append(out, d)
		}
	}
	return out
}
