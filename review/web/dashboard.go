package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/index/gazetteer"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/index/trends"
)

// trendsCache holds the flagged posts the early-warning view last read.
type trendsCache struct {
	mu        sync.Mutex
	read      time.Time
	events    []trends.Event
	campaigns []trends.Campaign
}

// govNames maps governorate ids to display names per language.
var govNames = func() map[Lang]map[string]string {
	ar, en := map[string]string{}, map[string]string{}
	for _, g := range gazetteer.Governorates {
		ar[g.ID], en[g.ID] = g.Arabic, g.English
	}
	return map[Lang]map[string]string{Arabic: ar, English: en}
}()

// Trends computes the early-warning report of the days up to today (the
// wall clock, as the tension alerts need).
func (s *Server) Trends(ctx context.Context, days int) (trends.Report, error) {
	return s.trendsFor(ctx, days, s.cfg.Now())
}

// flagged returns the flagged posts and campaigns, read from the store at
// most every TrendsEvery; concurrent requests wait for one read.
func (s *Server) flagged(ctx context.Context) ([]trends.Event, []trends.Campaign, error) {
	c := &s.trends
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.cfg.Now()
	if !c.read.IsZero() && now.Sub(c.read) < s.cfg.TrendsEvery && now.Sub(c.read) >= 0 {
		return c.events, c.campaigns, nil
	}
	var events []trends.Event
	var campaigns []trends.Campaign
	err := s.cfg.Backend.ForEach(ctx, func(r *store.Record) error {
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

// Trends window limits.
const (
	defaultTrendDays = 30
	maxTrendDays     = 366
)

// trendWindow reads days (1–366, default 30) and to (a UTC day,
// YYYY-MM-DD; default: the day of the newest flagged post, so that data
// that ended a while ago is shown, not an empty stretch up to today).
// Errors are in the reader's language.
func trendWindow(r *http.Request) (days int, to time.Time, err error) {
	l := lang(r)
	days = defaultTrendDays
	if d := r.URL.Query().Get("days"); d != "" {
		n, cerr := strconv.Atoi(d)
		if cerr != nil || n < 1 || n > maxTrendDays {
			return 0, time.Time{}, fmt.Errorf(l.T("err_days"), d)
		}
		days = n
	}
	if d := r.URL.Query().Get("to"); d != "" {
		t, perr := time.Parse("2006-01-02", d)
		if perr != nil {
			return 0, time.Time{}, fmt.Errorf(l.T("err_to_day"), d)
		}
		to = t
	}
	return days, to, nil
}

// trendsFor computes the report over days ending on to's day (zero: the
// newest flagged post's day, or today without any).
func (s *Server) trendsFor(ctx context.Context, days int, to time.Time) (trends.Report, error) {
	events, campaigns, err := s.flagged(ctx)
	if err != nil {
		return trends.Report{}, err
	}
	if to.IsZero() {
		to = trends.Latest(events)
	}
	if to.IsZero() {
		to = s.cfg.Now()
	}
	return trends.Compute(events, campaigns, trends.Options{Now: to, Days: days}), nil
}

func (s *Server) apiTrends(w http.ResponseWriter, r *http.Request) {
	days, to, err := trendWindow(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	rep, err := s.trendsFor(r.Context(), days, to)
	if err != nil {
		s.cfg.Log.Error("trends failed", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("trends failed"))
		return
	}
	s.maskCampaigns(r, &rep)
	WriteJSON(w, http.StatusOK, rep)
}

// dashboardView is the early-warning page's data.
type dashboardView struct {
	Report trends.Report
	// The charts: SVG produced by trends, which escapes its text.
	Daily, Labels, Tension, Map string
	// Days and To are the window asked for (To: the report's last day).
	Days int
	To   string
	// Explained are the rising governorates' figures in words.
	Explained []string
	Error     string
}

// trendWords are the charts' texts in the page's language.
func trendWords(l Lang) trends.Words {
	labels := map[string]string{}
	for k := range words {
		if id, ok := strings.CutPrefix(k, "l_"); ok {
			labels[id] = l.T(k)
		}
	}
	return trends.Words{RTL: l.Dir() == "rtl", PerDay: l.T("per_day"), PerLabel: l.T("per_label"), Tension: l.T("tension"),
		Map: l.T("tension_map"), Posts: l.T("posts_word"), Names: govNames[l], Labels: labels,
		Link: func(id string) string { return "/search?governorate=" + url.QueryEscape(id) },
		Num:  func(s string) string { return digits(l, s) }}
}

// explainTension says in words why the governorates at a raised level
// stand out (at most five).
func explainTension(l Lang, rep trends.Report) []string {
	var out []string
	for _, t := range rep.Tension {
		if t.Index < 1.3 || len(out) == 5 {
			break
		}
		out = append(out, fmt.Sprintf(l.T("tension_words"), govNames[l][t.Governorate], t.Recent, t.BaselinePerDay, t.Index))
	}
	return out
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	days, to, err := trendWindow(r)
	v := &dashboardView{Days: days}
	status := http.StatusOK
	if err != nil {
		v.Error, v.Days, status = err.Error(), defaultTrendDays, http.StatusBadRequest
		days, to = defaultTrendDays, time.Time{}
	}
	rep, err := s.trendsFor(r.Context(), days, to)
	if err != nil {
		s.cfg.Log.Error("trends failed", "err", err)
		http.Error(w, "trends failed", http.StatusInternalServerError)
		return
	}
	s.maskCampaigns(r, &rep)
	wd := trendWords(l)
	v.Report, v.Daily, v.Labels, v.Tension, v.Map = rep, trends.DailySVG(rep, wd), trends.LabelsSVG(rep, wd), trends.TensionSVG(rep, wd), trends.MapSVG(rep, wd)
	v.To, v.Explained = rep.To.AddDate(0, 0, -1).Format("2006-01-02"), explainTension(l, rep)
	s.render(w, status, "dashboard.html", s.newPage(r, "warning", v))
}

// maskCampaigns replaces the campaigns' canonical post ids with their
// pseudonymous ids for callers who may not see identities (the report's
// campaigns are its own copy: the cached ones are left as they are).
func (s *Server) maskCampaigns(r *http.Request, rep *trends.Report) {
	if reveal(r) {
		return
	}
	cs := make([]trends.Campaign, len(rep.Campaign))
	for i, c := range rep.Campaign {
		c.ID = s.opaque(c.ID)
		cs[i] = c
	}
	rep.Campaign = cs
}
