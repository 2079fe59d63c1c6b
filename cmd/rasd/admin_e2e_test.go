package main

import (
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loginAs logs name in with password and returns the client, checking the
// status the login answers.
func loginAs(t *testing.T, e *e2eEngine, name, password string, want int) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: t, base: "http://" + e.addr, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var me struct{ CSRF string }
	c.call("POST", "/api/login", map[string]string{"name": name, "password": password}, want, &me)
	c.csrf = me.CSRF
	return c
}

// adminWalk: an admin adds an analyst while the engine runs; the analyst
// logs in with the password made for them and reads the queue; a new role
// ends their session; a disabled account cannot log in; an admin cannot
// lock themselves out; and the audit log holds every change in the admin's
// name.
func adminWalk(t *testing.T, e *e2eEngine) {
	t.Helper()
	adm := login(t, e, "adm")
	var added struct{ Name, Role, Password string }
	adm.call("POST", "/api/users", map[string]string{"name": "ana3", "role": "analyst"}, http.StatusCreated, &added)
	if added.Name != "ana3" || len(added.Password) < 12 {
		t.Fatalf("POST /api/users answered %+v", added)
	}
	adm.call("POST", "/api/users", map[string]string{"name": "ana3", "role": "analyst"}, http.StatusConflict, nil)
	adm.call("POST", "/api/users", map[string]string{"name": "Bad Name", "role": "analyst"}, http.StatusBadRequest, nil)
	ana3 := loginAs(t, e, "ana3", added.Password, http.StatusOK)
	ana3.call("GET", "/api/queue", nil, http.StatusOK, nil)
	ana3.call("GET", "/api/users", nil, http.StatusForbidden, nil)

	adm.call("POST", "/api/users/ana3", map[string]string{"action": "role", "role": "researcher"}, http.StatusOK, nil)
	ana3.call("GET", "/api/queue", nil, http.StatusUnauthorized, nil) // the change ended the session
	res3 := loginAs(t, e, "ana3", added.Password, http.StatusOK)
	res3.call("POST", "/api/claims", map[string]string{}, http.StatusForbidden, nil) // researchers do not decide

	adm.call("POST", "/api/users/ana3", map[string]string{"action": "disable"}, http.StatusOK, nil)
	loginAs(t, e, "ana3", added.Password, http.StatusUnauthorized)
	adm.call("POST", "/api/users/adm", map[string]string{"action": "disable"}, http.StatusForbidden, nil)
	adm.call("POST", "/api/users/adm", map[string]string{"action": "role", "role": "analyst"}, http.StatusForbidden, nil)
	adm.call("POST", "/api/users/nobody", map[string]string{"action": "enable"}, http.StatusNotFound, nil)

	log, err := os.ReadFile(filepath.Join(e.data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, `"actor":"admin:adm"`) && strings.Contains(line, `"subject":"user:ana3"`) {
			for _, a := range []string{"add", "role", "disable"} {
				if strings.Contains(line, `"action":"`+a+`"`) {
					changes = append(changes, a)
				}
			}
		}
	}
	if strings.Join(changes, ",") != "add,role,disable" {
		t.Fatalf("audit log holds the admin's changes %v, want add, role, disable", changes)
	}
}
