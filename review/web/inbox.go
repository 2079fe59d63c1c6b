package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/alerts"
)

// An account's saved searches can raise alerts: ticked when saving a search
// (or turned on and off later, audited), they are run by the alerts
// notifier with the searches of rasd.yaml, and each new post they match
// lands in the account's inbox (GET /alerts, a count in the header) and on
// the alert channels rasd.yaml names in alerts.account_channels. The inbox
// shows each post with the fields the account's role may see now.

// accountAlerts reads the accounts' alerting saved searches from the
// review store and puts their matches in the accounts' inboxes.
type accountAlerts struct {
	st  review.Accounts
	al  *audit.Log
	log *slog.Logger
	now func() time.Time
}

// AccountAlerts returns the accounts of st as the alerts notifier's
// source of saved searches with alerts on; their matches are added to the
// accounts' inboxes and audited in al.
func AccountAlerts(st review.Accounts, al *audit.Log, log *slog.Logger) alerts.Accounts {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &accountAlerts{st: st, al: al, log: log, now: time.Now}
}

// AlertSearches implements alerts.Accounts: the saved searches with alerts
// on of the enabled accounts whose role may search.
func (a *accountAlerts) AlertSearches(ctx context.Context) ([]alerts.AccountSearch, error) {
	users, err := a.st.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []alerts.AccountSearch
	for _, u := range users {
		if u.Disabled || !u.Role.Can(review.PermView) {
			continue
		}
		for _, sq := range u.Saved {
			if sq.Kind != "search" || !sq.Alert {
				continue
			}
			v, err := url.ParseQuery(sq.Query)
			if err != nil {
				continue
			}
			q, err := queryFromURL(v, true)
			if err != nil {
				a.log.Warn("an account's saved search does not parse", "user", u.Name, "search", sq.Name, "err", err)
				continue
			}
			out = append(out, alerts.AccountSearch{User: u.Name, Name: sq.Name, Raw: sq.Query, Query: q})
		}
	}
	return out, nil
}

// Notify implements alerts.Accounts: each account's new matches go to its
// inbox (a post a search already put there is not added again), the
// oldest dropped past review.MaxInbox; each addition is audited.
func (a *accountAlerts) Notify(ctx context.Context, matches []alerts.AccountMatch) error {
	byUser := map[string][]alerts.AccountMatch{}
	var users []string
	for _, m := range matches {
		if byUser[m.User] == nil {
			users = append(users, m.User)
		}
		byUser[m.User] = append(byUser[m.User], m)
	}
	var errs []error
	for _, name := range users {
		added := map[string]int{}
		_, err := a.st.UpdateUser(ctx, name, func(u *review.User) error {
			clear(added)
			for _, m := range byUser[name] {
				if slices.ContainsFunc(u.Inbox, func(x review.InboxAlert) bool { return x.Search == m.Search && x.Post == m.Post }) {
					continue
				}
				u.Inbox = append(u.Inbox, review.InboxAlert{ID: inboxID(), Search: m.Search, Post: m.Post, At: m.At.UTC()})
				added[m.Search]++
			}
			if n := len(u.Inbox) - review.MaxInbox; n > 0 {
				u.Inbox = slices.Delete(u.Inbox, 0, n)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("adding alerts for %s: %w", name, err))
			continue
		}
		for search, n := range added {
			if _, err := a.al.Append(audit.Event{Type: alerts.TypeAlert, Time: a.now().UTC(), Actor: "alerts", Subject: "user:" + name,
				Details: map[string]any{"action": "inbox", "kind": alerts.KindSearch, "search": search, "posts": n}}); err != nil {
				a.log.Error("appending to the audit log", "type", alerts.TypeAlert, "err", err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

func inboxID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// inboxEntry is one alert as the inbox page and /api/alerts show it.
type inboxEntry struct {
	ID     string    `json:"id"`
	Search string    `json:"search"`
	At     time.Time `json:"at"`
	Seen   bool      `json:"seen"`
	// Hit is the post as the caller's role may see it; nil when it is no
	// longer stored.
	Hit *SearchHit `json:"hit,omitempty"`
	// Href opens the saved search.
	Href string `json:"-"`
}

// inboxView is the inbox page's data.
type inboxView struct {
	Entries []inboxEntry
	Unseen  int
	// CanSend is true for roles that may send a post to review.
	CanSend bool
}

// inbox returns the caller's alerts, newest first, each post read with the
// fields the caller's role may see.
func (s *Server) inbox(r *http.Request) ([]inboxEntry, error) {
	u := from(r.Context()).User
	saved := map[string]string{}
	for _, q := range u.Saved {
		if q.Kind == "search" {
			saved[q.Name] = "/search?" + q.Query
		}
	}
	out := make([]inboxEntry, 0, len(u.Inbox))
	for i := len(u.Inbox) - 1; i >= 0; i-- {
		x := u.Inbox[i]
		e := inboxEntry{ID: x.ID, Search: x.Search, At: x.At, Seen: x.Seen, Href: saved[x.Search]}
		hit, ok, err := s.hit(r.Context(), x.Post, 0, "", reveal(r))
		if err != nil {
			return nil, err
		}
		if ok {
			e.Hit = &hit
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Server) pageInbox(w http.ResponseWriter, r *http.Request) {
	entries, err := s.inbox(r)
	if err != nil {
		s.cfg.Log.Error("reading an inbox", "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, err)
		return
	}
	v := &inboxView{Entries: entries, Unseen: from(r.Context()).User.Unseen(), CanSend: from(r.Context()).User.Role.Can(review.PermDecide)}
	s.render(w, http.StatusOK, "inbox.html", s.newPage(r, "my_alerts", v))
}

func (s *Server) apiInbox(w http.ResponseWriter, r *http.Request) {
	entries, err := s.inbox(r)
	if err != nil {
		s.cfg.Log.Error("reading an inbox", "err", err)
		WriteError(w, http.StatusInternalServerError, fmt.Errorf("reading the alerts failed"))
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"alerts": entries, "unseen": from(r.Context()).User.Unseen()})
}

// postInboxSeen marks the caller's alerts seen; audited.
func (s *Server) postInboxSeen(w http.ResponseWriter, r *http.Request) {
	who := from(r.Context()).User.Name
	n := 0
	if _, err := s.cfg.Store.UpdateUser(r.Context(), who, func(u *review.User) error {
		n = 0
		for i := range u.Inbox {
			if !u.Inbox[i].Seen {
				u.Inbox[i].Seen = true
				n++
			}
		}
		return nil
	}); err != nil {
		s.cfg.Log.Error("marking alerts seen", "user", who, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, err)
		return
	}
	s.audit(audit.Event{Type: alerts.TypeAlert, Actor: "user:" + who, Subject: "user:" + who, Details: map[string]any{"action": "seen", "alerts": n}})
	http.Redirect(w, r, "/alerts?msg=alerts_seen", http.StatusSeeOther)
}

// setSavedAlert turns the alert of the caller's saved search name on or
// off; audited. It returns the saved search's query.
func (s *Server) setSavedAlert(r *http.Request, name string, on bool) (string, error) {
	who := from(r.Context()).User.Name
	query := ""
	_, err := s.cfg.Store.UpdateUser(r.Context(), who, func(u *review.User) error {
		i := slices.IndexFunc(u.Saved, func(q review.SavedQuery) bool { return q.Kind == "search" && q.Name == name })
		if i < 0 {
			return &inputError{Key: "e_saved_none", Value: name, en: "no saved search has this name"}
		}
		u.Saved[i].Alert, query = on, u.Saved[i].Query
		return nil
	})
	if err != nil {
		return "", err
	}
	action := "alert_off"
	if on {
		action = "alert_on"
	}
	s.audit(audit.Event{Type: "saved_query", Actor: "user:" + who, Subject: "user:" + who, Details: map[string]any{
		"action": action, "kind": "search", "name": name, "query": query}})
	return query, nil
}

// postSavedAlert turns a saved search's alert on (alert=1) or off.
func (s *Server) postSavedAlert(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	query, err := s.setSavedAlert(r, name, r.PostFormValue("alert") == "1")
	if ie := (*inputError)(nil); errors.As(err, &ie) {
		s.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		s.cfg.Log.Error("changing a saved search's alert", "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/search?"+query, http.StatusSeeOther)
}
