package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/quality"
)

func TestQualityFromDecisions(t *testing.T) {
	added := time.Date(2026, 11, 1, 11, 0, 0, 0, time.UTC)
	e := newEnv(t, []review.Item{
		{ID: "x:r1", Labels: []string{"hate"}, Score: 0.9, Platform: "x", Added: added, Author: "x:someone"},
		{ID: "x:r2", Labels: []string{"hate"}, Score: 0.8, Platform: "x", Added: added},
		{ID: "x:old", Labels: []string{"hate"}, Score: 0.9, Platform: "x", Added: added.AddDate(0, 0, -60)},
	})
	// Samples enter the review store with the records the pipeline stores.
	if err := e.st.Add(context.Background(), []review.Item{
		{ID: "x:s1", Labels: []string{"offensive"}, Score: 0.95, Platform: "x", Added: added, Sample: true},
		{ID: "x:s2", Labels: []string{}, Score: 0.2, Platform: "x", Added: added, Sample: true},
	}); err != nil {
		t.Fatal(err)
	}
	ana, res, adm := e.login(t, "ana"), e.login(t, "res"), e.login(t, "adm")
	decide := func(id string, d map[string]any, want int) {
		t.Helper()
		w := e.do(ana, "POST", "/api/claims", map[string]string{"item": id}, nil)
		it := decode[review.Item](t, w)
		if w.Code != 200 || it.Lease == nil {
			t.Fatalf("claim %s: %d %s", id, w.Code, w.Body)
		}
		d["item"], d["lease"] = id, it.Lease.Token
		if w := e.do(ana, "POST", "/api/decisions", d, nil); w.Code != want {
			t.Fatalf("decide %s %v: %d %s, want %d", id, d, w.Code, w.Body, want)
		}
	}
	// The queue shows samples marked, after the flagged items.
	page := decode[review.Page](t, e.do(ana, "GET", "/api/queue", nil, nil))
	if n := len(page.Items); n < 4 || !page.Items[n-1].Sample || !page.Items[n-2].Sample || page.Items[0].Sample {
		t.Fatalf("queue order: %+v", page.Items)
	}
	if body := e.do(ana, "GET", "/items/x:s1", nil, nil).Body.String(); !strings.Contains(body, `id="sample"`) || !strings.Contains(body, `id="sample-help"`) {
		t.Errorf("the item page does not mark the sample: %.400s", body)
	}
	decide("x:r1", map[string]any{"action": "dismiss", "verdict": "true_positive", "reason_code": "not_actionable"}, http.StatusCreated)
	decide("x:r2", map[string]any{"action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive"}, http.StatusCreated)
	decide("x:old", map[string]any{"action": "monitor", "verdict": "true_positive"}, http.StatusCreated)
	// A sample is not a false positive: nothing flagged it.
	decide("x:s1", map[string]any{"action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive"}, http.StatusBadRequest)
	// Held by the reviewer, the item page offers clean in place of false positive.
	if body := e.do(ana, "GET", "/items/x:s1", nil, nil).Body.String(); !strings.Contains(body, `value="clean"`) || strings.Contains(body, `<option value="false_positive">1`) {
		t.Errorf("the decision form of a sample: %.400s", body)
	}
	decide("x:s1", map[string]any{"action": "dismiss", "verdict": "false_positive", "reason_code": "clean"}, http.StatusCreated)
	decide("x:s2", map[string]any{"action": "monitor", "verdict": "wrong_label", "labels": []string{"threat"}}, http.StatusCreated)

	if w := e.do(ana, "GET", "/api/research/quality", nil, nil); w.Code != http.StatusForbidden {
		t.Errorf("analyst reading quality: %d, want 403", w.Code)
	}
	if w := e.do(res, "GET", "/api/research/quality?days=0", nil, nil); w.Code != http.StatusBadRequest {
		t.Errorf("days=0: %d, want 400", w.Code)
	}
	w := e.do(res, "GET", "/api/research/quality", nil, nil)
	rep := decode[quality.Report](t, w)
	if w.Code != 200 || rep.Routed != 2 || rep.Samples != 2 {
		t.Fatalf("quality: %d %s", w.Code, w.Body)
	}
	if o := rep.Overall; o.Precision.Hits != 1 || o.Precision.Of != 2 || o.MissRate.Hits != 1 || o.MissRate.Of != 2 || o.Precision.Enough {
		t.Errorf("overall: %+v", o)
	}
	got := map[string]quality.Estimate{}
	for _, l := range rep.Labels {
		got[l.Label] = l
	}
	if h := got["hate"]; h.Precision.Hits != 1 || h.Precision.Of != 2 || h.MissRate.Hits != 0 {
		t.Errorf("hate: %+v", h)
	}
	if th := got["threat"]; th.MissRate.Hits != 1 || th.MissRate.Of != 2 || th.Precision.Of != 0 {
		t.Errorf("threat: %+v", th)
	}
	if strings.Contains(w.Body.String(), "someone") {
		t.Error("an author appears in the quality report")
	}
	// The page, in Arabic (the default) and English, says the numbers are too few.
	for _, c := range []struct {
		client *client
		lang   string
		want   string
	}{{res, "", "دقة النموذج في الإنتاج"}, {adm, "en", "Model quality in production"}} {
		h := map[string]string{}
		if c.lang != "" {
			h["Cookie"] = LangCookie + "=" + c.lang + "; " + c.client.cookie.Name + "=" + c.client.cookie.Value
		}
		w := e.do(c.client, "GET", "/research/quality", nil, h)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, c.want) || !strings.Contains(body, `id="q-too-few"`) || strings.Contains(body, "someone") {
			t.Errorf("page (%q): %d, %.300s", c.lang, w.Code, body)
		}
	}
}
