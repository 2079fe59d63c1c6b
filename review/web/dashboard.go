package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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

// Trends computes the early-warning report from the store.
func (s *Server) Trends(ctx context.Context, days int) (trends.Report, error) {
	events, campaigns, err := s.flagged(ctx)
	if err != nil {
		return trends.Report{}, err
	}
	return trends.Compute(events, campaigns, trends.Options{Now: s.cfg.Now(), Days: days}), nil
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
		s.cfg.Log.Error("trends failed", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("trends failed"))
		return
	}
	s.maskCampaigns(r, &rep)
	WriteJSON(w, http.StatusOK, rep)
}

// dashboardView is the early-warning page's data.
type dashboardView struct {
	Report  trends.Report
	Daily   string // SVG produced by trends, which escapes its text
	Tension string
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Trends(r.Context(), 30)
	if err != nil {
		s.cfg.Log.Error("trends failed", "err", err)
		http.Error(w, "trends failed", http.StatusInternalServerError)
		return
	}
	s.maskCampaigns(r, &rep)
	v := &dashboardView{Report: rep, Daily: trends.DailySVG(rep), Tension: trends.TensionSVG(rep, govNames[lang(r)])}
	s.render(w, http.StatusOK, "dashboard.html", s.newPage(r, "warning", v))
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
