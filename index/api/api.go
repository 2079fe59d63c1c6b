// Package api serves Rasd's search and early-warning views: the JSON API
// (/api/search, /api/trends) and server-rendered Arabic-first pages
// (/search, /dashboard), plus /healthz. Authentication and roles wrap these
// handlers from the outside (see the review package).
package api

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/gazetteer"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/index/trends"
)

//go:embed templates/*.html
var templateFS embed.FS

// Server holds what the views read.
type Server struct {
	Store store.Backend
	Index *index.Index
	// Now returns the current time (tests fix it).
	Now func() time.Time
	Log *slog.Logger
	// Header, when set, renders the shared page header for a request (the
	// user, the logout form, the language toggle); nil shows plain links.
	Header func(r *http.Request) template.HTML
	// TrendsEvery is how long the flagged posts read for the early-warning
	// view are reused before the store is read again (default one minute):
	// reading them walks every record.
	TrendsEvery time.Duration

	tmpl   *template.Template
	trends trendsCache
}

// trendsCache holds the flagged posts the early-warning view last read.
type trendsCache struct {
	mu        sync.Mutex
	read      time.Time
	events    []trends.Event
	campaigns []trends.Campaign
}

// govNames and govNamesEnglish map governorate ids to display names.
var govNames, govNamesEnglish = func() (map[string]string, map[string]string) {
	ar, en := map[string]string{}, map[string]string{}
	for _, g := range gazetteer.Governorates {
		ar[g.ID], en[g.ID] = g.Arabic, g.English
	}
	return ar, en
}()

// New parses the templates and returns a server.
func New(st store.Backend, ix *index.Index, log *slog.Logger) (*Server, error) {
	funcs := template.FuncMap{
		"highlight": Highlight,
		"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"day":       func(t time.Time) string { return t.Format("2006-01-02") },
		"svg":       func(s string) template.HTML { return template.HTML(s) }, // produced by trends, which escapes its text
		"join":      strings.Join,
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parsing templates: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{Store: st, Index: ix, Now: time.Now, Log: log, TrendsEvery: time.Minute, tmpl: t}, nil
}

// Routes registers the handlers on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/search", s.apiSearch)
	mux.HandleFunc("GET /api/trends", s.apiTrends)
	mux.HandleFunc("GET /search", s.pageSearch)
	mux.HandleFunc("GET /dashboard", s.pageDashboard)
	mux.HandleFunc("GET /healthz", s.healthz)
}

// queryFromURL reads search filters from URL parameters.
func queryFromURL(v url.Values) (index.Query, error) {
	q := index.Query{
		Text: v.Get("q"), Platform: v.Get("platform"), Source: v.Get("source"),
		Governorate: v.Get("governorate"), Sort: v.Get("sort"),
	}
	for _, l := range v["label"] {
		if l != "" {
			q.Labels = append(q.Labels, strings.Split(l, ",")...)
		}
	}
	var err error
	num := func(name string, dst *float64) {
		if s := v.Get(name); s != "" && err == nil {
			if *dst, err = strconv.ParseFloat(s, 64); err != nil {
				err = fmt.Errorf("%s must be a number, not %q", name, s)
			}
		}
	}
	num("min_score", &q.MinScore)
	num("max_score", &q.MaxScore)
	date := func(name string, dst *time.Time) {
		if s := v.Get(name); s != "" && err == nil {
			if *dst, err = time.Parse("2006-01-02", s); err != nil {
				err = fmt.Errorf("%s must be a date YYYY-MM-DD, not %q", name, s)
			}
		}
	}
	date("from", &q.From)
	date("to", &q.To)
	if !q.To.IsZero() {
		q.To = q.To.Add(24*time.Hour - time.Nanosecond)
	}
	intv := func(name string, dst *int) {
		if s := v.Get(name); s != "" && err == nil {
			if *dst, err = strconv.Atoi(s); err != nil {
				err = fmt.Errorf("%s must be a whole number, not %q", name, s)
			}
		}
	}
	intv("size", &q.Size)
	intv("offset", &q.Offset)
	return q, err
}

// WriteJSON writes v as a JSON response with status (Arabic left unescaped).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError writes {"error": err} with status: the API's one error shape.
func WriteError(w http.ResponseWriter, status int, err error) {
	WriteJSON(w, status, map[string]string{"error": err.Error()})
}

// SearchHit is one search result as the API and pages show it: the stored
// record with the matches marked in the original text.
type SearchHit struct {
	ID          string             `json:"id"`
	Text        string             `json:"text"`
	Platform    string             `json:"platform"`
	Source      string             `json:"source"`
	Permalink   string             `json:"permalink,omitempty"`
	Governorate string             `json:"governorate,omitempty"`
	Created     time.Time          `json:"created"`
	Labels      []string           `json:"labels,omitempty"`
	Context     []string           `json:"context,omitempty"`
	Scores      map[string]float64 `json:"scores,omitempty"`
	MaxScore    float64            `json:"max_score"`
	Sightings   int                `json:"sightings"`
	Model       string             `json:"model,omitempty"`
	Relevance   float64            `json:"relevance"`
	Highlights  []index.Range      `json:"highlights,omitempty"`
}

// SearchResult is a page of hits with the total and facet counts.
type SearchResult struct {
	Total  uint64                    `json:"total"`
	Hits   []SearchHit               `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

func (s *Server) search(ctx context.Context, v url.Values) (*SearchResult, index.Query, int, error) {
	q, err := queryFromURL(v)
	if err != nil {
		return nil, q, http.StatusBadRequest, err
	}
	res, err := s.Index.Search(ctx, q)
	if errors.Is(err, index.ErrBadQuery) {
		return nil, q, http.StatusBadRequest, err
	}
	if err != nil {
		s.Log.Error("search failed", "err", err)
		return nil, q, http.StatusInternalServerError, errors.New("search failed")
	}
	out := &SearchResult{Total: res.Total, Facets: res.Facets, Hits: make([]SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		r, err := s.Store.Get(ctx, h.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue // purged after the index answered
		}
		if err != nil {
			s.Log.Error("reading hit", "id", h.ID, "err", err)
			return nil, q, http.StatusInternalServerError, errors.New("search failed")
		}
		created := r.Post.Created
		if created.IsZero() {
			created = r.Processed
		}
		out.Hits = append(out.Hits, SearchHit{
			ID: h.ID, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source, Permalink: r.Post.Permalink,
			Governorate: r.Governorate, Created: created, Labels: r.Flags, Context: r.Context, Scores: r.Scores,
			MaxScore: store.MaxScore(&r), Sightings: r.Sightings, Model: r.Model, Relevance: h.Relevance,
			Highlights: index.Highlights(r.Post.Text, q.Text),
		})
	}
	return out, q, http.StatusOK, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	res, _, status, err := s.search(r.Context(), r.URL.Query())
	if err != nil {
		WriteError(w, status, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// Trends computes the early-warning report from the store.
func (s *Server) Trends(ctx context.Context, days int) (trends.Report, error) {
	events, campaigns, err := s.flagged(ctx)
	if err != nil {
		return trends.Report{}, err
	}
	return trends.Compute(events, campaigns, trends.Options{Now: s.Now(), Days: days}), nil
}

// flagged returns the flagged posts and campaigns, read from the store at
// most every TrendsEvery; concurrent requests wait for one read.
func (s *Server) flagged(ctx context.Context) ([]trends.Event, []trends.Campaign, error) {
	c := &s.trends
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.Now()
	if !c.read.IsZero() && now.Sub(c.read) < s.TrendsEvery && now.Sub(c.read) >= 0 {
		return c.events, c.campaigns, nil
	}
	var events []trends.Event
	var campaigns []trends.Campaign
	err := s.Store.ForEach(ctx, func(r *store.Record) error {
		if len(r.Flags) == 0 {
			return nil
		}
		t := r.Post.Created
		if t.IsZero() {
			t = r.Processed
		}
		events = append(events, trends.Event{Time: t, Labels: r.Flags, Governorate: r.Governorate})
		if r.Sightings > 0 {
			campaigns = append(campaigns, trends.Campaign{ID: r.Post.ID, Text: r.Post.Text, Sightings: r.Sightings + 1, Labels: r.Flags})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	c.read, c.events, c.campaigns = now, events, campaigns
	return events, campaigns, nil
}

func (s *Server) apiTrends(w http.ResponseWriter, r *http.Request) {
	days := 30
	if d := r.URL.Query().Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 366 {
			WriteError(w, http.StatusBadRequest, fmt.Errorf("days must be a whole number from 1 to 366, not %q", d))
			return
		}
		days = n
	}
	rep, err := s.Trends(r.Context(), days)
	if err != nil {
		s.Log.Error("trends failed", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("trends failed"))
		return
	}
	WriteJSON(w, http.StatusOK, rep)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	records, queued, work, err := s.Store.Counts(r.Context())
	if err != nil {
		WriteError(w, http.StatusServiceUnavailable, errors.New("store unavailable"))
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "records": records, "queued": queued, "work_pending": work})
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		s.Log.Error("rendering page", "page", name, "err", err)
	}
}

// header renders the shared page header, if any.
func (s *Server) header(r *http.Request) template.HTML {
	if s.Header == nil {
		return ""
	}
	return s.Header(r)
}

func (s *Server) pageSearch(w http.ResponseWriter, r *http.Request) {
	res, q, status, err := s.search(r.Context(), r.URL.Query())
	data := map[string]any{"title": "search", "Query": q, "Result": res, "Labels": strings.Join(q.Labels, ","), "Error": ""}
	if err != nil {
		w.WriteHeader(status)
		data["Error"] = err.Error()
	}
	s.render(w, "search.html", page{English: english(r), Header: s.header(r), Data: data})
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Trends(r.Context(), 30)
	if err != nil {
		http.Error(w, "trends failed", http.StatusInternalServerError)
		return
	}
	p := page{English: english(r), Header: s.header(r)}
	names := govNames
	if p.English {
		names = govNamesEnglish
	}
	p.Data = map[string]any{
		"title":   "warning",
		"Report":  rep,
		"Daily":   trends.DailySVG(rep),
		"Tension": trends.TensionSVG(rep, names),
	}
	s.render(w, "dashboard.html", p)
}

// Highlight returns text with the byte ranges marked by <mark>, escaped.
func Highlight(text string, rs []index.Range) template.HTML {
	var b strings.Builder
	pos := 0
	for _, r := range rs {
		if r.Start < pos || r.End > len(text) || r.Start >= r.End {
			continue
		}
		b.WriteString(template.HTMLEscapeString(text[pos:r.Start]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(text[r.Start:r.End]))
		b.WriteString("</mark>")
		pos = r.End
	}
	b.WriteString(template.HTMLEscapeString(text[pos:]))
	return template.HTML(b.String())
}
