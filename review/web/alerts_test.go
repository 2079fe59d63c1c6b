package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/rasd-iq/rasd/review/alerts"
)

func TestDeadAlertsForAdminsOnly(t *testing.T) {
	e := newEnv(t, nil)
	ana, adm := e.login(t, "ana"), e.login(t, "adm")
	if w := e.do(adm, "GET", "/api/alerts/dead", nil, nil); w.Code != http.StatusOK || w.Body.String() != "[]\n" && w.Body.String() != "[]" {
		t.Fatalf("without alerts: %d %q, want an empty list", w.Code, w.Body)
	}
	e.srv.cfg.DeadAlerts = func() ([]alerts.DeadLetter, error) {
		return []alerts.DeadLetter{{ID: "a1", Channel: "hook", Alert: alerts.Alert{ID: "a1", Item: "x:000001", Rule: "urgent"}, Error: "webhook answered 503", Tries: 5}}, nil
	}
	if w := e.do(ana, "GET", "/api/alerts/dead", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("analyst: %d, want 403", w.Code)
	}
	w := e.do(adm, "GET", "/api/alerts/dead", nil, nil)
	var got []alerts.DeadLetter
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || len(got) != 1 || got[0].Alert.Item != "x:000001" || got[0].Tries != 5 {
		t.Fatalf("admin: %d %s", w.Code, w.Body)
	}
	e.srv.cfg.DeadAlerts = func() ([]alerts.DeadLetter, error) { return nil, errors.New("disk gone") }
	if w := e.do(adm, "GET", "/api/alerts/dead", nil, nil); w.Code != http.StatusInternalServerError {
		t.Fatalf("failing list: %d, want 500", w.Code)
	}
}
