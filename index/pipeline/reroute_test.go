package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/policy/policytest"
	"github.com/rasd-iq/rasd/review"
)

// TestRerouteIsExplicitAndAudited: posts judged under one policy keep their
// decisions when the policy changes, until they are routed again on
// purpose; then the new judgement is stored, a post the new policy queues
// enters the review queue, and each change is audited.
func TestRerouteIsExplicitAndAudited(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, rs := openQueued(t, dir)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	router := PolicyRouter{Policy: policy.Default(), Model: "m@1", Thresholds: map[string]float64{"threat": 0.5}, Now: func() time.Time { return at }}
	var recs []store.Record
	for id, threat := range map[string]float64{"x:queued": 0.95, "x:below": 0.55} {
		post := ingest.Post{ID: id, Platform: "x", Text: "نص " + id}
		// The stance discount had lowered the threat score from 0.97.
		s := Scored{Scores: map[string]float64{"threat": threat}, Undiscounted: map[string]float64{"threat": 0.97}}
		j, err := router.Judge(&post, &s)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, store.Record{Post: post, Scores: s.Scores, Model: "m@1", Queued: j.Decision.Queue, Judgement: &j, Processed: at})
	}
	if err := st.Complete(ctx, recs, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A looser policy: threats count from 0.52.
	looser := string(policytest.WithThreshold(t, policy.DefaultYAML(), "threat", 0.52))
	looser = strings.Replace(looser, `version: "`+policy.Default().Version+`"`, `version: "2099.1"`, 1)
	p2, err := policy.Parse("looser.yaml", []byte(looser))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Get(ctx, "x:below"); r.Queued || r.Judgement.Decision.PolicyVersion != policy.Default().Version || r.Judgement.Undiscounted["threat"] != 0.97 {
		t.Fatalf("before rerouting: %+v, undiscounted %v", r.Judgement.Decision, r.Judgement.Undiscounted)
	}
	al, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	if _, err := Reroute(ctx, st, p2, []string{"x:missing"}, "user:ana", "new policy", al, at); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rerouting an unknown post: %v", err)
	}
	changes, err := Reroute(ctx, st, p2, []string{"x:below", "x:queued"}, "user:ana", "policy 2099.1 lowers the threat bar", al, at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 {
		t.Fatalf("changes %+v: want both posts (a new rule for one, a new policy version for both)", changes)
	}
	r, _ := st.Get(ctx, "x:below")
	if !r.Queued || r.Judgement.Decision.RuleID != "threat-general" || r.Judgement.Decision.PolicyVersion != "2099.1" || r.Judgement.Raw["threat"] != 0.55 || r.Judgement.Undiscounted["threat"] != 0.97 {
		t.Fatalf("after rerouting: queued %v, %+v, undiscounted %v", r.Queued, r.Judgement.Decision, r.Judgement.Undiscounted)
	}
	if _, err := rs.Item(ctx, "x:below"); err != nil {
		t.Fatalf("the newly queued post is not in the review queue: %v", err)
	}
	if p, _ := rs.List(ctx, review.Filter{}); p.Open != 2 {
		t.Fatalf("review queue holds %d items, want the post queued when it was stored and the rerouted one", p.Open)
	}
	if again, err := Reroute(ctx, st, p2, []string{"x:below"}, "user:ana", "again", al, at); err != nil || len(again) != 0 {
		t.Fatalf("rerouting under the same policy changed %+v (%v)", again, err)
	}
	al.Close()
	es := readAudit(t, filepath.Join(dir, "audit.jsonl"))
	if len(es) != 2 || es[0].Type != audit.TypeReroute || es[0].Actor != "user:ana" {
		t.Fatalf("audit entries %+v: want two reroutes by ana", es)
	}
}

func readAudit(t *testing.T, path string) []audit.Entry {
	t.Helper()
	if _, _, err := audit.VerifyFile(path); err != nil {
		t.Fatalf("audit log does not verify: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := audit.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}
