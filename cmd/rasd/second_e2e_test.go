package main

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// secondReviewWalk: on the live engine an analyst refers an item citing a
// ground; the senior sends it back with a note; the analyst refers again
// with other grounds; the senior rejects it with a note; a rejected
// referral cannot be approved or packaged, and both notes are audited.
func secondReviewWalk(t *testing.T, e *e2eEngine, ana, sen *apiClient) {
	t.Helper()
	var page struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	ana.call("GET", "/api/queue?limit=200", nil, http.StatusOK, &page)
	id := ""
	var it struct {
		Lease struct{ Token string } `json:"lease"`
	}
	for _, c := range page.Items {
		if c.Status == "open" {
			id = c.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no open item left for the second-review walk")
	}
	ana.call("POST", "/api/claims", map[string]string{"item": id}, http.StatusOK, &it)
	ana.call("POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, http.StatusCreated, nil)
	part := map[string]string{"level": "high", "reason": "سبب مفصل يتجاوز عشرة أحرف"}
	form := func(bases ...string) map[string]any {
		return map[string]any{"item": id, "context": part, "speaker": part, "intent": part, "content_and_form": part,
			"extent": part, "likelihood": part, "explanation": "تحريض على العنف", "facts": "منشور علني", "bases": bases}
	}
	type ref struct {
		ID     string   `json:"id"`
		Status string   `json:"status"`
		Bases  []string `json:"bases"`
		Notes  []struct {
			By, Status, Text string
		} `json:"notes"`
	}
	var first, second ref
	ana.call("POST", "/api/referrals", form("iq-penal-226"), http.StatusBadRequest, nil) // not a ground of the policy
	ana.call("POST", "/api/referrals", form("iq-penal-threat"), http.StatusCreated, &first)
	sen.call("POST", "/api/referrals/"+first.ID+"/send-back", map[string]string{}, http.StatusBadRequest, nil) // a note is required
	ana.call("POST", "/api/referrals/"+first.ID+"/send-back", map[string]string{"note": "own"}, http.StatusForbidden, nil)
	sen.call("POST", "/api/referrals/"+first.ID+"/send-back", map[string]string{"note": "اذكر مدى انتشار الحساب"}, http.StatusOK, &first)
	if first.Status != "sent_back" || len(first.Notes) != 1 || first.Notes[0].By != "sen" {
		t.Fatalf("sent back: %+v", first)
	}
	sen.call("POST", "/api/referrals/"+first.ID+"/approve", map[string]string{}, http.StatusConflict, nil)
	ana.call("POST", "/api/referrals", form("iq-penal-incitement", "platform-violent-speech"), http.StatusCreated, &second)
	if second.ID == first.ID || !slices.Equal(second.Bases, []string{"iq-penal-incitement", "platform-violent-speech"}) {
		t.Fatalf("referred again: %+v", second)
	}
	sen.call("POST", "/api/referrals/"+second.ID+"/reject", map[string]string{"note": "نقد لا تحريض"}, http.StatusOK, &second)
	if second.Status != "rejected" {
		t.Fatalf("rejected: %+v", second)
	}
	sen.call("POST", "/api/referrals/"+second.ID+"/approve", map[string]string{}, http.StatusConflict, nil)
	sen.call("GET", "/api/referrals/"+second.ID+"/package", nil, http.StatusConflict, nil)
	log, err := os.ReadFile(filepath.Join(e.data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"action":"sent_back"`, `"note":"اذكر مدى انتشار الحساب"`, `"action":"rejected"`, `"note":"نقد لا تحريض"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
}
