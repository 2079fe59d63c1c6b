package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/ingest/discovery"
)

// SourceAdmin changes the sources while the engine runs (ingest/catalog):
// each change is checked as sources.yaml is, persisted, audited as done by
// who, and applied without a restart.
type SourceAdmin interface {
	// List returns every source.
	List(ctx context.Context) ([]catalog.Entry, error)
	// Add adds the source given as YAML or JSON.
	Add(ctx context.Context, who string, data []byte) (catalog.Entry, error)
	// Edit replaces the definition of source name.
	Edit(ctx context.Context, who, name string, data []byte) (catalog.Entry, error)
	// Pause and Resume stop and restart fetching source name.
	Pause(ctx context.Context, who, name string) (catalog.Entry, error)
	Resume(ctx context.Context, who, name string) (catalog.Entry, error)
}

// Candidates serves the candidate sources discovery proposes
// (ingest/discovery).
type Candidates interface {
	// List returns the candidates in state (all when empty), best first.
	List(ctx context.Context, state string) ([]discovery.Candidate, error)
	// Approve adds candidate id as a source; Reject keeps it from being
	// proposed again. Both are audited as done by who.
	Approve(ctx context.Context, who, id string) (discovery.Candidate, error)
	Reject(ctx context.Context, who, id string) (discovery.Candidate, error)
}

// errNoSources answers the routes of a part this process does not serve.
var errNoSources = errors.New("run-time sources are not served by this process")

// sourceRow is a source with its health, for the admin page and API.
type sourceRow struct {
	catalog.Entry
	Health *ingest.SourceHealth `json:"health,omitempty"`
	// State is paused, failing, degraded, running or stopped.
	State string `json:"state"`
	// LagText is the lag, rounded, for the page.
	LagText string `json:"-"`
}

// sourceRows lists the sources with their health.
func (s *Server) sourceRows(ctx context.Context) ([]sourceRow, error) {
	entries, err := s.cfg.Sources.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing sources: %w", err)
	}
	health := map[string]ingest.SourceHealth{}
	if s.cfg.SourceHealth != nil {
		for _, h := range s.cfg.SourceHealth() {
			health[h.Name] = h
		}
	}
	rows := make([]sourceRow, len(entries))
	for i, e := range entries {
		rows[i] = sourceRow{Entry: e, State: "stopped"}
		h, ok := health[e.Name]
		if ok {
			rows[i].Health = &h
			rows[i].LagText = h.Lag.Round(time.Second).String()
		}
		switch {
		case e.Paused:
			rows[i].State = "paused"
		case e.Problem != "":
			rows[i].State = "failing"
		case ok && h.LastError != "":
			rows[i].State = "failing"
		case ok && h.Degraded != "":
			rows[i].State = "degraded"
		case ok && h.Running:
			rows[i].State = "running"
		}
	}
	return rows, nil
}

// sourceStatus maps a catalogue error to an HTTP status.
func sourceStatus(err error) int {
	switch {
	case errors.Is(err, catalog.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, catalog.ErrExists), errors.Is(err, discovery.ErrDecided):
		return http.StatusConflict
	case errors.Is(err, catalog.ErrNotFound), errors.Is(err, discovery.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// writeSourceError answers an API call that failed: a bad definition with
// its "file:line: reason" lines.
func (s *Server) writeSourceError(w http.ResponseWriter, r *http.Request, err error) {
	status := sourceStatus(err)
	if status == http.StatusInternalServerError {
		s.cfg.Log.Error("sources request failed", "path", r.URL.Path, "err", err)
		WriteError(w, status, errors.New("the sources store failed"))
		return
	}
	out := map[string]any{"error": err.Error()}
	if status == http.StatusBadRequest {
		out["problems"] = strings.Split(strings.TrimPrefix(err.Error(), catalog.ErrInvalid.Error()+": "), "\n")
	}
	WriteJSON(w, status, out)
}

// actor is the caller as the audit log names them.
func (s *Server) actor(r *http.Request) string { return "user:" + from(r.Context()).User.Name }

func (s *Server) apiSources(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Sources == nil {
		WriteError(w, http.StatusServiceUnavailable, errNoSources)
		return
	}
	rows, err := s.sourceRows(r.Context())
	if err != nil {
		s.writeSourceError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, rows)
}

// readDefinition reads a source definition from an API body.
func readDefinition(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the body: %w", catalog.ErrInvalid, err)
	}
	return b, nil
}

func (s *Server) apiAddSource(w http.ResponseWriter, r *http.Request) {
	s.apiSourceChange(w, r, http.StatusCreated, func(ctx context.Context, who string) (catalog.Entry, error) {
		b, err := readDefinition(r)
		if err != nil {
			return catalog.Entry{}, err
		}
		return s.cfg.Sources.Add(ctx, who, b)
	})
}

func (s *Server) apiEditSource(w http.ResponseWriter, r *http.Request) {
	s.apiSourceChange(w, r, http.StatusOK, func(ctx context.Context, who string) (catalog.Entry, error) {
		b, err := readDefinition(r)
		if err != nil {
			return catalog.Entry{}, err
		}
		return s.cfg.Sources.Edit(ctx, who, r.PathValue("name"), b)
	})
}

func (s *Server) apiPauseSource(w http.ResponseWriter, r *http.Request) {
	s.apiSourceChange(w, r, http.StatusOK, func(ctx context.Context, who string) (catalog.Entry, error) {
		return s.cfg.Sources.Pause(ctx, who, r.PathValue("name"))
	})
}

func (s *Server) apiResumeSource(w http.ResponseWriter, r *http.Request) {
	s.apiSourceChange(w, r, http.StatusOK, func(ctx context.Context, who string) (catalog.Entry, error) {
		return s.cfg.Sources.Resume(ctx, who, r.PathValue("name"))
	})
}

func (s *Server) apiSourceChange(w http.ResponseWriter, r *http.Request, ok int, change func(context.Context, string) (catalog.Entry, error)) {
	if s.cfg.Sources == nil {
		WriteError(w, http.StatusServiceUnavailable, errNoSources)
		return
	}
	e, err := change(r.Context(), s.actor(r))
	if err != nil {
		s.writeSourceError(w, r, err)
		return
	}
	WriteJSON(w, ok, e)
}

// sourcesPage is the admin page's data.
type sourcesPage struct {
	Rows []sourceRow
	// Error is a refused change's "file:line: reason" lines, Name the
	// source it was about ("" for an addition) and Draft the text given.
	Error []string
	Name  string
	Draft string
}

func (s *Server) pageSources(w http.ResponseWriter, r *http.Request) {
	s.renderSources(w, r, http.StatusOK, sourcesPage{})
}

func (s *Server) renderSources(w http.ResponseWriter, r *http.Request, status int, data sourcesPage) {
	if s.cfg.Sources == nil {
		http.Error(w, errNoSources.Error(), http.StatusServiceUnavailable)
		return
	}
	rows, err := s.sourceRows(r.Context())
	if err != nil {
		s.cfg.Log.Error("listing sources", "err", err)
		http.Error(w, "the sources store failed", http.StatusInternalServerError)
		return
	}
	data.Rows = rows
	s.render(w, status, "sources.html", s.newPage(r, "src_title", data))
}

func (s *Server) postAddSource(w http.ResponseWriter, r *http.Request) {
	s.pageSourceChange(w, r, "", func(ctx context.Context, who, draft string) error {
		_, err := s.cfg.Sources.Add(ctx, who, []byte(draft))
		return err
	})
}

func (s *Server) postEditSource(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.pageSourceChange(w, r, name, func(ctx context.Context, who, draft string) error {
		_, err := s.cfg.Sources.Edit(ctx, who, name, []byte(draft))
		return err
	})
}

func (s *Server) postPauseSource(w http.ResponseWriter, r *http.Request) {
	s.pageSourceChange(w, r, r.PathValue("name"), func(ctx context.Context, who, _ string) error {
		_, err := s.cfg.Sources.Pause(ctx, who, r.PathValue("name"))
		return err
	})
}

func (s *Server) postResumeSource(w http.ResponseWriter, r *http.Request) {
	s.pageSourceChange(w, r, r.PathValue("name"), func(ctx context.Context, who, _ string) error {
		_, err := s.cfg.Sources.Resume(ctx, who, r.PathValue("name"))
		return err
	})
}

// pageSourceChange applies a change from the admin page's forms: done, it
// goes back to the page; refused, the page shows why beside the text given.
func (s *Server) pageSourceChange(w http.ResponseWriter, r *http.Request, name string, change func(ctx context.Context, who, draft string) error) {
	if s.cfg.Sources == nil {
		http.Error(w, errNoSources.Error(), http.StatusServiceUnavailable)
		return
	}
	draft := strings.ReplaceAll(r.PostFormValue("definition"), "\r\n", "\n")
	err := change(r.Context(), s.actor(r), draft)
	if err == nil {
		http.Redirect(w, r, "/admin/sources?msg=source_changed", http.StatusSeeOther)
		return
	}
	status := sourceStatus(err)
	if status == http.StatusInternalServerError {
		s.cfg.Log.Error("sources request failed", "path", r.URL.Path, "err", err)
		err = errors.New("the sources store failed")
	}
	lines := strings.Split(strings.TrimPrefix(err.Error(), catalog.ErrInvalid.Error()+": "), "\n")
	s.renderSources(w, r, status, sourcesPage{Error: lines, Name: name, Draft: draft})
}

// discoveryPage is the candidates page's data.
type discoveryPage struct {
	Proposed, Decided []discovery.Candidate
}

func (s *Server) pageDiscovery(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Discovery == nil {
		http.Error(w, errNoSources.Error(), http.StatusServiceUnavailable)
		return
	}
	all, err := s.cfg.Discovery.List(r.Context(), "")
	if err != nil {
		s.cfg.Log.Error("listing candidates", "err", err)
		http.Error(w, "the discovery store failed", http.StatusInternalServerError)
		return
	}
	var data discoveryPage
	for _, c := range all {
		if c.State == discovery.StateProposed {
			data.Proposed = append(data.Proposed, c)
		} else {
			data.Decided = append(data.Decided, c)
		}
	}
	s.render(w, http.StatusOK, "discovery.html", s.newPage(r, "disc_title", data))
}

func (s *Server) postApproveCandidate(w http.ResponseWriter, r *http.Request) {
	s.pageCandidate(w, r, "candidate_approved", func(ctx context.Context, who, id string) (discovery.Candidate, error) {
		return s.cfg.Discovery.Approve(ctx, who, id)
	})
}

func (s *Server) postRejectCandidate(w http.ResponseWriter, r *http.Request) {
	s.pageCandidate(w, r, "candidate_rejected", func(ctx context.Context, who, id string) (discovery.Candidate, error) {
		return s.cfg.Discovery.Reject(ctx, who, id)
	})
}

// pageCandidate applies an analyst's action from the candidates page and
// goes back to it with the outcome.
func (s *Server) pageCandidate(w http.ResponseWriter, r *http.Request, msg string, act func(context.Context, string, string) (discovery.Candidate, error)) {
	if s.cfg.Discovery == nil {
		http.Error(w, errNoSources.Error(), http.StatusServiceUnavailable)
		return
	}
	if _, err := act(r.Context(), s.actor(r), r.PathValue("id")); err != nil {
		status := sourceStatus(err)
		msg = "candidate_failed"
		if status == http.StatusConflict {
			msg = "candidate_decided"
		}
		s.cfg.Log.Warn("candidate action refused", "path", r.URL.Path, "err", err)
	}
	http.Redirect(w, r, "/discovery?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) apiCandidates(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Discovery == nil {
		WriteError(w, http.StatusServiceUnavailable, errNoSources)
		return
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", discovery.StateProposed, discovery.StateApproved, discovery.StateRejected:
	default:
		WriteError(w, http.StatusBadRequest, fmt.Errorf("unknown state %q (want proposed, approved or rejected)", state))
		return
	}
	cs, err := s.cfg.Discovery.List(r.Context(), state)
	if err != nil {
		s.writeSourceError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, cs)
}

func (s *Server) apiApproveCandidate(w http.ResponseWriter, r *http.Request) {
	s.apiCandidate(w, r, func(ctx context.Context, who, id string) (discovery.Candidate, error) {
		return s.cfg.Discovery.Approve(ctx, who, id)
	})
}

func (s *Server) apiRejectCandidate(w http.ResponseWriter, r *http.Request) {
	s.apiCandidate(w, r, func(ctx context.Context, who, id string) (discovery.Candidate, error) {
		return s.cfg.Discovery.Reject(ctx, who, id)
	})
}

func (s *Server) apiCandidate(w http.ResponseWriter, r *http.Request, act func(context.Context, string, string) (discovery.Candidate, error)) {
	if s.cfg.Discovery == nil {
		WriteError(w, http.StatusServiceUnavailable, errNoSources)
		return
	}
	c, err := act(r.Context(), s.actor(r), r.PathValue("id"))
	if err != nil {
		s.writeSourceError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, c)
}
