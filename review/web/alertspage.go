package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/rasd-iq/rasd/review/alerts"
)

// The admin's page of alerts given up on: each dead letter with its
// channel, rule, item and last error, and a button that delivers it again
// (where this process delivers alerts).

// deadAlertsView is the dead letters page's data.
type deadAlertsView struct {
	Dead     []alerts.DeadLetter
	CanRetry bool
	Error    string
}

func (s *Server) pageDeadAlerts(w http.ResponseWriter, r *http.Request) {
	s.renderDeadAlerts(w, r, http.StatusOK, "")
}

func (s *Server) renderDeadAlerts(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := &deadAlertsView{CanRetry: s.cfg.RetryAlert != nil, Error: msg}
	if s.cfg.DeadAlerts != nil {
		l, err := s.cfg.DeadAlerts()
		if err != nil {
			s.cfg.Log.Error("reading dead letters", "err", err)
			s.errorPage(w, r, http.StatusInternalServerError, err)
			return
		}
		v.Dead = l
	}
	for i := range v.Dead {
		if v.Dead[i].Alert.Item != "" {
			v.Dead[i].Alert.Item = s.itemID(r, v.Dead[i].Alert.Item)
		}
	}
	s.render(w, status, "alerts_dead.html", s.newPage(r, "dead_alerts", v))
}

// retryAlert delivers dead letter id again in the admin's name.
func (s *Server) retryAlert(ctx context.Context, id string) error {
	if s.cfg.RetryAlert == nil {
		return errNoRetry
	}
	return s.cfg.RetryAlert(ctx, id, "user:"+from(ctx).User.Name)
}

// errNoRetry answers a retry where this process delivers no alerts.
var errNoRetry = errors.New("this process does not deliver alerts: retry with `rasd alerts retry` where the workers run")

func (s *Server) postRetryAlert(w http.ResponseWriter, r *http.Request) {
	if err := s.retryAlert(r.Context(), r.PathValue("id")); err != nil {
		status, msg := http.StatusBadGateway, lang(r).T("e_retry_failed")+" "+err.Error()
		switch {
		case errors.Is(err, alerts.ErrNoDeadLetter):
			status, msg = http.StatusNotFound, lang(r).T("e_no_dead_letter")
		case errors.Is(err, errNoRetry):
			status = http.StatusServiceUnavailable
		}
		s.renderDeadAlerts(w, r, status, msg)
		return
	}
	http.Redirect(w, r, "/admin/alerts?msg=alert_retried&id="+url.QueryEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (s *Server) apiRetryAlert(w http.ResponseWriter, r *http.Request) {
	err := s.retryAlert(r.Context(), r.PathValue("id"))
	switch {
	case err == nil:
		WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "delivered"})
	case errors.Is(err, alerts.ErrNoDeadLetter):
		WriteError(w, http.StatusNotFound, err)
	case errors.Is(err, errNoRetry):
		WriteError(w, http.StatusServiceUnavailable, err)
	default:
		WriteError(w, http.StatusBadGateway, err)
	}
}
