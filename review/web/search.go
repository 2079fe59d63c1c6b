package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/gazetteer"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
)

// errNoIndex answers searches on a process that holds no index (the
// ingest and worker roles).
var errNoIndex = errors.New("search is not served here: this process holds no index (run the api or all role)")

// queryFromURL reads search filters from URL parameters: scores are
// fractions from 0 to 1, or with pct (the search page) percentages.
// Governorates may be named in Arabic or English. Its errors are
// *inputError, which pages show in their language.
func queryFromURL(v url.Values, pct bool) (index.Query, error) {
	q := index.Query{
		Text: v.Get("q"), Platform: v.Get("platform"), Source: v.Get("source"),
		Governorate: govID(v.Get("governorate")), Sort: v.Get("sort"),
	}
	for _, l := range v["label"] {
		if l != "" {
			q.Labels = append(q.Labels, strings.Split(l, ",")...)
		}
	}
	var err error
	num := func(name string, dst *float64) {
		x := v.Get(name)
		if x == "" || err != nil {
			return
		}
		n, perr := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(latinDigits(x)), "%"), 64)
		switch {
		case pct && (perr != nil || n < 0 || n > 100):
			err = &inputError{Key: "e_" + strings.Replace(name, "_score", "_pct", 1), Value: x, en: name + " must be a percentage from 0 to 100"}
		case !pct && perr != nil:
			err = &inputError{Key: "e_" + name, Value: x, en: name + " must be a number"}
		case pct:
			*dst = n / 100
		default:
			*dst = n
		}
	}
	num("min_score", &q.MinScore)
	num("max_score", &q.MaxScore)
	date := func(name string, dst *time.Time) {
		if s := v.Get(name); s != "" && err == nil {
			var perr error
			if *dst, perr = time.Parse("2006-01-02", latinDigits(s)); perr != nil {
				err = &inputError{Key: "e_date", Value: s, en: name + " must be a date YYYY-MM-DD"}
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
			var perr error
			if *dst, perr = strconv.Atoi(latinDigits(s)); perr != nil || *dst < 0 {
				err = &inputError{Key: "e_" + name, Value: s, en: name + " must be a whole number"}
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
	// InReview is true when the post is in the review queue (its item
	// page exists); false posts can be sent to review.
	InReview bool `json:"in_review"`
}

// SearchResult is a page of hits with the total and facet counts.
type SearchResult struct {
	Total  uint64                    `json:"total"`
	Hits   []SearchHit               `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// search runs the query in v; authors says whether the caller sees where
// the posts were published (permalinks identify their posters).
func (s *Server) search(ctx context.Context, v url.Values, authors, pct bool) (*SearchResult, index.Query, int, error) {
	q, err := queryFromURL(v, pct)
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
		hit, ok, err := s.hit(ctx, h.ID, h.Relevance, q.Text, authors)
		if err != nil {
			s.cfg.Log.Error("reading hit", "id", h.ID, "err", err)
			return nil, q, http.StatusInternalServerError, errors.New("search failed")
		}
		if ok {
			out.Hits = append(out.Hits, hit)
		}
	}
	return out, q, http.StatusOK, nil
}

// hit reads stored post id as a search hit with text's matches marked;
// false when it is no longer stored. Without authors the hit carries no
// permalink and an opaque id.
func (s *Server) hit(ctx context.Context, id string, relevance float64, text string, authors bool) (SearchHit, bool, error) {
	r, err := s.cfg.Backend.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return SearchHit{}, false, nil // purged after the index answered
	}
	if err != nil {
		return SearchHit{}, false, err
	}
	created := r.Post.Created
	if created.IsZero() {
		created = r.Processed
	}
	hit := SearchHit{
		ID: id, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source, Permalink: r.Post.Permalink,
		Governorate: r.Governorate, Created: created, Labels: store.Labels(&r), Context: r.Context, Scores: r.Scores,
		MaxScore: store.MaxScore(&r), Sightings: r.Sightings, Model: r.Model, Relevance: relevance,
		Highlights: index.Highlights(r.Post.Text, text),
	}
	if _, err := s.cfg.Store.Item(ctx, id); err == nil {
		hit.InReview = true
	}
	if !authors {
		hit.Permalink = ""
		hit.ID = s.opaque(hit.ID)
	}
	return hit, true, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	res, _, status, err := s.search(r.Context(), r.URL.Query(), reveal(r), false)
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
	// MinPct is the min_score field as typed (a percentage).
	MinPct string
	// Facets are the facet values as links that narrow the search.
	Facets []facetGroup
	// PrevURL and NextURL page the hits; From and To number this page's.
	PrevURL, NextURL string
	From, To         int
	// CanSend is true for roles that may send a post to review.
	CanSend bool
	// Saved are the caller's saved searches.
	Saved savedView
	// Governorates fill the governorate dropdown; OtherGov is a value
	// typed in the URL that names none of them, kept as it was.
	Governorates []gazetteer.Governorate
	OtherGov     string
}

// facetGroup is one facet's values, most frequent first.
type facetGroup struct {
	Name   string
	Values []facetValue
}

// facetValue is one facet value with its count and the search it opens.
type facetValue struct {
	Value string
	Count int
	Href  string
	On    bool
}

// facetParams maps facet names to the query parameter each narrows.
var facetParams = map[string]string{"labels": "label", "platform": "platform", "source": "source", "governorate": "governorate"}

func (s *Server) pageSearch(w http.ResponseWriter, r *http.Request) {
	v0 := r.URL.Query()
	res, q, status, err := s.search(r.Context(), v0, reveal(r), true)
	p := s.newPage(r, "search_title", nil)
	v := &searchView{Query: q, Labels: strings.Join(q.Labels, ","), Result: res, MinPct: v0.Get("min_score"), Governorates: gazetteer.Governorates,
		CanSend: from(r.Context()).User.Role.Can(review.PermDecide), Saved: s.saved(r, "search")}
	if _, ok := gazetteer.ByID(q.Governorate); !ok {
		v.OtherGov = q.Governorate
	}
	if err != nil {
		v.Error = p.localError(err)
	}
	link := func(set map[string]string) string {
		qq := url.Values{}
		for k, vs := range v0 {
			if k != "offset" && k != "msg" {
				qq[k] = vs
			}
		}
		for k, x := range set {
			qq.Set(k, x)
		}
		return "/search?" + qq.Encode()
	}
	if res != nil {
		for _, name := range []string{"labels", "governorate", "platform", "source"} {
			m := res.Facets[name]
			if len(m) == 0 {
				continue
			}
			g := facetGroup{Name: name}
			for val, n := range m {
				param := facetParams[name]
				on := v0.Get(param) == val || param == "governorate" && q.Governorate == val
				g.Values = append(g.Values, facetValue{Value: val, Count: n, Href: link(map[string]string{param: val}), On: on})
			}
			slices.SortFunc(g.Values, func(a, b facetValue) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Value, b.Value)
			})
			v.Facets = append(v.Facets, g)
		}
		size := q.Size
		if size <= 0 {
			size = 20
		}
		size = min(size, 200)
		if n := len(res.Hits); n > 0 {
			v.From, v.To = q.Offset+1, q.Offset+n
		}
		if uint64(q.Offset+size) < res.Total {
			v.NextURL = link(map[string]string{"offset": strconv.Itoa(q.Offset + size)})
		}
		if q.Offset > 0 {
			v.PrevURL = link(map[string]string{"offset": strconv.Itoa(max(0, q.Offset-size))})
		}
	}
	p.Data = v
	s.render(w, status, "search.html", p)
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
