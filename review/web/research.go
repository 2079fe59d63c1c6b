package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review/quality"
)

// defaultQualityDays is the period the quality page reads when the request
// names none.
const defaultQualityDays = 30

// errQuality is what a caller is told when the estimates fail.
var errQuality = errors.New("the estimates could not be computed")

// qualityDays reads ?days=N (1 to 3650; 30 when absent).
func qualityDays(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return defaultQualityDays, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 3650 {
		return 0, fmt.Errorf("days must be a whole number from 1 to 3650, not %q", v)
	}
	return n, nil
}

// qualityReport estimates the model's precision and recall over the last
// days days (today included) from reviewers' final decisions and the
// store's tally of the same days.
func (s *Server) qualityReport(r *http.Request, days int) (quality.Report, error) {
	to := s.cfg.Now().UTC()
	from := to.AddDate(0, 0, -(days - 1)).Truncate(24 * time.Hour)
	tl, _ := s.cfg.Backend.(store.Tallier)
	rep, err := quality.Read(r.Context(), quality.Source{Queue: s.cfg.Store, Tally: tl}, from, to)
	if err != nil {
		s.cfg.Log.Error("estimating the model's quality", "err", err)
		return rep, errQuality
	}
	return rep, nil
}

func (s *Server) apiQuality(w http.ResponseWriter, r *http.Request) {
	days, err := qualityDays(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	rep, err := s.qualityReport(r, days)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, rep)
}

// qualityView is the quality page's data.
type qualityView struct {
	Report quality.Report
	Days   int
	Error  string
}

func (s *Server) pageQuality(w http.ResponseWriter, r *http.Request) {
	v := &qualityView{Days: defaultQualityDays}
	status := http.StatusOK
	days, err := qualityDays(r)
	switch {
	case err != nil:
		v.Error, status = err.Error(), http.StatusBadRequest
	default:
		v.Days = days
		if v.Report, err = s.qualityReport(r, days); err != nil {
			v.Error, status = err.Error(), http.StatusInternalServerError
		}
	}
	s.render(w, status, "quality.html", s.newPage(r, "model_quality", v))
}
