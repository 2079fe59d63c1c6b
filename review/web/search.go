package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
)

// errNoIndex answers searches on a process that holds no index (the
// ingest and worker roles).
var errNoIndex = errors.New("search is not served here: this process holds no index (run the api or all role)")

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

// SearchHit is one search result as the API and pages show it: the stored
// record with the matches marked in the original text. Permalink is empty
// for callers who may not see author identities.
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

// search runs the query in v; authors says whether the caller sees where
// the posts were published (permalinks identify their posters).
func (s *Server) search(ctx context.Context, v url.Values, authors bool) (*SearchResult, index.Query, int, error) {
	q, err := queryFromURL(v)
	if err != nil {
		return nil, q, http.StatusBadRequest, err
	}
	if s.cfg.Index == nil {
		return nil, q, http.StatusServiceUnavailable, errNoIndex
	}
	res, err := s.cfg.Index.Search(ctx, q)
	if errors.Is(err, index.ErrBadQuery) {
		return nil, q, http.StatusBadRequest, err
	}
	if err != nil {
		s.cfg.Log.Error("search failed", "err", err)
		return nil, q, http.StatusInternalServerError, errors.New("search failed")
	}
	out := &SearchResult{Total: res.Total, Facets: res.Facets, Hits: make([]SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		r, err := s.cfg.Backend.Get(ctx, h.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue // purged after the index answered
		}
		if err != nil {
			s.cfg.Log.Error("reading hit", "id", h.ID, "err", err)
			return nil, q, http.StatusInternalServerError, errors.New("search failed")
		}
		created := r.Post.Created
		if created.IsZero() {
			created = r.Processed
		}
		hit := SearchHit{
			ID: h.ID, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source, Permalink: r.Post.Permalink,
			Governorate: r.Governorate, Created: created, Labels: r.Flags, Context: r.Context, Scores: r.Scores,
			MaxScore: store.MaxScore(&r), Sightings: r.Sightings, Model: r.Model, Relevance: h.Relevance,
			Highlights: index.Highlights(r.Post.Text, q.Text),
		}
		if !authors {
			hit.Permalink = ""
			hit.ID = s.opaque(hit.ID)
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, q, http.StatusOK, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	res, _, status, err := s.search(r.Context(), r.URL.Query(), reveal(r))
	if err != nil {
		WriteError(w, status, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// searchView is the search page's data.
type searchView struct {
	Query  index.Query
	Labels string
	Result *SearchResult
	Error  string
}

func (s *Server) pageSearch(w http.ResponseWriter, r *http.Request) {
	res, q, status, err := s.search(r.Context(), r.URL.Query(), reveal(r))
	v := &searchView{Query: q, Labels: strings.Join(q.Labels, ","), Result: res}
	if err != nil {
		v.Error = err.Error()
	}
	s.render(w, status, "search.html", s.newPage(r, "search_title", v))
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
