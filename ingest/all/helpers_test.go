package all

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// submitTip posts a tip to h and returns the status code.
func submitTip(h http.Handler, token, body string) int {
	req := httptest.NewRequest(http.MethodPost, "/v1/tips", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}
