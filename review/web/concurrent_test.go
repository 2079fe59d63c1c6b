package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// TestConcurrentReviewers has 20 analysts claim and decide through the API
// at once: every item is decided once and the audit log records each.
func TestConcurrentReviewers(t *testing.T) {
	const n, reviewers = 100, 20
	e := newEnv(t, reviewtest.Items(n))
	m := &accounts.Manager{Store: e.st, Actor: "test"}
	clients := make([]*client, reviewers)
	for i := range clients {
		name := fmt.Sprintf("r%02d", i)
		if err := m.Add(t.Context(), name, review.RoleAnalyst, password); err != nil {
			t.Fatal(err)
		}
		clients[i] = e.login(t, name)
	}
	var (
		mu      sync.Mutex
		decided = map[string]int{}
		wg      sync.WaitGroup
	)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				w := e.do(c, "POST", "/api/claims", map[string]string{}, nil)
				if w.Code == http.StatusNotFound {
					return
				}
				if w.Code != http.StatusOK {
					t.Errorf("claim: %d %s", w.Code, w.Body)
					return
				}
				var it review.Item
				if err := json.Unmarshal(w.Body.Bytes(), &it); err != nil {
					t.Errorf("decoding the claim: %v", err)
					return
				}
				w = e.do(c, "POST", "/api/decisions", map[string]any{"item": it.ID, "action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive", "lease": it.Lease.Token}, nil)
				if w.Code != http.StatusCreated {
					t.Errorf("decide %s: %d %s", it.ID, w.Code, w.Body)
					return
				}
				mu.Lock()
				decided[it.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(decided) != n {
		t.Fatalf("%d items decided, want %d", len(decided), n)
	}
	for id, k := range decided {
		if k != 1 {
			t.Fatalf("%s decided %d times", id, k)
		}
	}
	f, err := os.Open(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := audit.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var logged int
	for _, en := range entries {
		if en.Type == audit.TypeDecision {
			logged++
		}
	}
	if logged != n {
		t.Fatalf("audit log holds %d decisions, want %d", logged, n)
	}
}
