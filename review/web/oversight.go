package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/referral"
)

// The oversight views: the audit log and the transparency figures for the
// auditor (and admin), and what every view shows a role that may not see
// identities. An auditor sees reviewers by their role pseudonym (the one
// referral packages carry), authors by their pseudonym, and never a
// handle, a permalink, a media address or a complainant's contact.

// Withheld replaces an identity that a view may not show.
const Withheld = "[withheld]"

// pseudoReviewers reports whether the caller sees reviewers by their role
// pseudonym rather than their account name: the auditor, who oversees
// the reviewers and is not one of them.
func pseudoReviewers(r *http.Request) bool { return from(r.Context()).User.Role == review.RoleAuditor }

// roleID is reviewer name's role pseudonym, as referral packages show it.
func (s *Server) roleID(name string) string {
	if name == "" {
		return ""
	}
	return s.cfg.Pseudonyms.Pseudonym("reviewer:" + name)
}

// maskActor replaces the account name in an audit actor or subject
// ("user:NAME") by the account's role pseudonym ("reviewer:anon-…");
// components ("policy", "pipeline", "cli") and item ids stay.
func (s *Server) maskActor(a string) string {
	if name, ok := strings.CutPrefix(a, "user:"); ok {
		return "reviewer:" + s.roleID(name)
	}
	return a
}

// Detail keys whose values name a person or lead to one. Reviewer keys
// hold account names and become role pseudonyms; identity keys become
// author-style pseudonyms (strings) or Withheld.
var (
	reviewerKeys = []string{"reviewer", "reviewers", "appellant", "user", "users", "deciders", "assessor", "approver", "holder", "name"}
	identityKeys = []string{"permalink", "url", "urls", "link", "links", "author", "author_id", "authors", "handle", "handles",
		"contact", "email", "phone", "location", "native_id", "client", "ip", "address", "reporter", "source_url", "bundle", "out"}
)

var (
	urlRE    = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s"'<>]+|\bwww\.[^\s"'<>]+|\bt\.me/[^\s"'<>]+`)
	emailRE  = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}.\-]+\.[\p{L}]{2,}`)
	handleRE = regexp.MustCompile(`@[\p{L}\p{N}_.]{2,}`)
)

// redactText withholds, in free text, what names or leads to a person: the
// known identities given (an author's id, handle, permalink), and any
// address, e-mail address or @handle.
func redactText(text string, known ...string) string {
	for _, k := range known {
		if len(k) >= 3 {
			text = strings.ReplaceAll(text, k, Withheld)
		}
	}
	text = urlRE.ReplaceAllString(text, Withheld)
	text = emailRE.ReplaceAllString(text, Withheld)
	return handleRE.ReplaceAllString(text, Withheld)
}

// maskDetails returns an audit entry's details as an auditor may read
// them: reviewer names as role pseudonyms, identity keys pseudonymised or
// withheld, addresses and handles in every other text withheld.
func (s *Server) maskDetails(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return map[string]any{"details": Withheld}
	}
	out, _ := s.maskValue("", m).(map[string]any)
	return out
}

func (s *Server) maskValue(key string, v any) any {
	k := strings.ToLower(key)
	switch x := v.(type) {
	case map[string]any:
		if slices.Contains(identityKeys, k) {
			return Withheld
		}
		out := make(map[string]any, len(x))
		for kk, vv := range x {
			out[kk] = s.maskValue(kk, vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = s.maskValue(key, vv)
		}
		return out
	case string:
		switch {
		case x == "":
			return x
		case slices.Contains(reviewerKeys, k):
			return s.maskActor("user:" + strings.TrimPrefix(x, "user:"))
		case slices.Contains(identityKeys, k):
			return s.cfg.Pseudonyms.Pseudonym(x)
		}
		return redactText(x)
	}
	if slices.Contains(identityKeys, k) && v != nil {
		if _, ok := v.(bool); !ok {
			return Withheld
		}
	}
	return v
}

// AuditEntry is an audit log entry as the oversight views show it: its
// place in the chain and hashes, actor and subject with account names
// replaced by role pseudonyms, and its details with identities withheld.
type AuditEntry struct {
	Seq     int64          `json:"seq"`
	ID      string         `json:"id"`
	Time    time.Time      `json:"time"`
	Type    string         `json:"type"`
	Actor   string         `json:"actor"`
	Subject string         `json:"subject,omitempty"`
	Details map[string]any `json:"details,omitempty"`
	Prev    string         `json:"prev"`
	Hash    string         `json:"hash"`
}

// AuditFilter selects and pages audit entries, newest first.
type AuditFilter struct {
	// Type, Actor and Subject keep entries with exactly these values (the
	// actor and subject as shown, pseudonymised).
	Type, Actor, Subject string
	// Since and Until keep entries in [Since, Until); zero is open.
	Since, Until time.Time
	// Before keeps entries with a smaller Seq; -1 is from the newest.
	Before int64
	// Limit is the page size (50 when 0, at most 500).
	Limit int
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Entries []AuditEntry `json:"entries"`
	// Next is the Before of the next (older) page; -1 when there is none.
	Next int64 `json:"next"`
	// Filter is the filter the page answers.
	Filter AuditFilter `json:"-"`
}

// parseWhen reads a date (YYYY-MM-DD, UTC midnight) or an RFC 3339 time.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("time %q: want YYYY-MM-DD or RFC 3339", s)
	}
	return t, nil
}

func auditFilterFrom(v url.Values) (AuditFilter, error) {
	f := AuditFilter{Type: v.Get("type"), Actor: v.Get("actor"), Subject: v.Get("subject"), Before: -1}
	var err error
	if f.Since, err = parseWhen(v.Get("since")); err != nil {
		return f, err
	}
	if f.Until, err = parseWhen(v.Get("until")); err != nil {
		return f, err
	}
	if b := v.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 0 {
			return f, fmt.Errorf("before %q: want an entry number", b)
		}
	}
	if l := v.Get("limit"); l != "" {
		if f.Limit, err = strconv.Atoi(l); err != nil || f.Limit < 1 {
			return f, fmt.Errorf("limit %q: want a positive number", l)
		}
	}
	f.Limit = min(cmpOr(f.Limit, 50), 500)
	return f, nil
}

func cmpOr(a, b int) int {
	if a == 0 {
		return b
	}
	return a
}

// auditPage reads the audit log once and returns the newest f.Limit
// entries that pass f, masked; it holds no more than one page in memory.
func (s *Server) auditPage(f AuditFilter) (AuditPage, error) {
	page := AuditPage{Entries: []AuditEntry{}, Next: -1, Filter: f}
	file, err := os.Open(s.cfg.Audit.Path())
	if err != nil {
		return page, fmt.Errorf("opening the audit log: %w", err)
	}
	defer file.Close()
	dec := json.NewDecoder(file)
	var ring []audit.Entry // the last Limit+1 matches, oldest first
	for {
		var e audit.Entry
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return page, fmt.Errorf("reading the audit log: %w", err)
		}
		if f.Before >= 0 && e.Seq >= f.Before {
			break
		}
		if f.Type != "" && e.Type != f.Type || !f.Since.IsZero() && e.Time.Before(f.Since) || !f.Until.IsZero() && !e.Time.Before(f.Until) {
			continue
		}
		if f.Actor != "" && s.maskActor(e.Actor) != f.Actor || f.Subject != "" && s.maskActor(e.Subject) != f.Subject {
			continue
		}
		ring = append(ring, e)
		if len(ring) > f.Limit+1 {
			ring = ring[1:]
		}
	}
	if len(ring) > f.Limit {
		ring = ring[1:]
		page.Next = ring[0].Seq
	}
	for i := len(ring) - 1; i >= 0; i-- {
		e := ring[i]
		page.Entries = append(page.Entries, AuditEntry{Seq: e.Seq, ID: e.ID, Time: e.Time, Type: e.Type, Actor: s.maskActor(e.Actor),
			Subject: s.maskActor(e.Subject), Details: s.maskDetails(e.Details), Prev: e.Prev, Hash: e.Hash})
	}
	return page, nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilterFrom(r.URL.Query())
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	p, err := s.auditPage(f)
	if err != nil {
		s.cfg.Log.Error("reading the audit log", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("the audit log could not be read"))
		return
	}
	WriteJSON(w, http.StatusOK, p)
}

// auditView is the audit page's data.
type auditView struct {
	AuditPage
	Query url.Values
	Error string
	Types []string
}

// NextQuery is the query string of the next (older) page.
func (v *auditView) NextQuery() string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	q.Set("before", strconv.FormatInt(v.Next, 10))
	return q.Encode()
}

// JSON renders an entry's details for the page.
func (v *auditView) JSON(d map[string]any) string {
	if len(d) == 0 {
		return ""
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	v := &auditView{Query: r.URL.Query(), Types: []string{audit.TypeRouting, audit.TypeReroute, audit.TypeDecision, audit.TypeLogin,
		audit.TypeExport, audit.TypePolicyChange, audit.TypeRoleChange, audit.TypeReferral, audit.TypeAppeal, audit.TypeEvidence}}
	f, err := auditFilterFrom(r.URL.Query())
	status := http.StatusOK
	if err != nil {
		v.Error, status = err.Error(), http.StatusBadRequest
	} else if v.AuditPage, err = s.auditPage(f); err != nil {
		s.cfg.Log.Error("reading the audit log", "err", err)
		v.Error, status = "the audit log could not be read", http.StatusInternalServerError
	}
	s.render(w, status, "audit.html", s.newPage(r, "audit_log", v))
}

// periodFrom reads ?period=, the current quarter by default.
func (s *Server) periodFrom(r *http.Request) (policy.Period, error) {
	p := r.URL.Query().Get("period")
	if p == "" {
		now := s.cfg.Now().UTC()
		p = fmt.Sprintf("%d-Q%d", now.Year(), (int(now.Month())-1)/3+1)
	}
	return policy.ParsePeriod(p)
}

func (s *Server) apiTransparency(w http.ResponseWriter, r *http.Request) {
	p, err := s.periodFrom(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	rep, err := referral.Transparency(r.Context(), s.cfg.Store, p)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, rep)
}

// transparencyView is the transparency page's data.
type transparencyView struct {
	Report policy.Report
	Period string
	Error  string
}

func (s *Server) pageTransparency(w http.ResponseWriter, r *http.Request) {
	v := &transparencyView{Period: r.URL.Query().Get("period")}
	p, err := s.periodFrom(r)
	status := http.StatusOK
	if err != nil {
		v.Error, status = err.Error(), http.StatusBadRequest
	} else if v.Report, err = referral.Transparency(r.Context(), s.cfg.Store, p); err != nil {
		s.cfg.Log.Error("computing the transparency report", "err", err)
		v.Error, status = "the transparency report could not be computed", http.StatusInternalServerError
	}
	if v.Period == "" {
		v.Period = p.Label
	}
	s.render(w, status, "transparency.html", s.newPage(r, "transparency", v))
}

// maskRecord removes from rec what names or leads to its author: the
// author's id (pseudonymised) and handle, the permalink, location and
// native id, the posts it replies to or forwards, the raw capture and the
// media's addresses.
func (s *Server) maskRecord(rec *store.Record) {
	a := review.AuthorKey(rec)
	rec.Post.Author.ID, rec.Post.Author.Handle = s.cfg.Pseudonyms.Pseudonym(a), ""
	rec.Post.Permalink, rec.Post.Location, rec.Post.NativeID = "", "", ""
	// The post replied to and the one forwarded name other posters.
	rec.Post.ReplyTo, rec.Post.ForwardOf = "", ""
	rec.Post.Capture, rec.Post.CaptureType = nil, ""
	rec.Post.Media = slices.Clone(rec.Post.Media)
	for i := range rec.Post.Media {
		rec.Post.Media[i].URL = ""
	}
	rec.Media = slices.Clone(rec.Media)
	for i := range rec.Media {
		rec.Media[i].URL = ""
	}
}

// identitiesOf lists the strings in rec that name its author, for
// redactText.
func identitiesOf(rec *store.Record) []string {
	if rec == nil {
		return nil
	}
	out := []string{rec.Post.Permalink, rec.Post.Author.Handle, rec.Post.Author.ID, rec.Post.NativeID}
	if h := strings.TrimPrefix(rec.Post.Author.Handle, "@"); h != rec.Post.Author.Handle {
		out = append(out, h)
	}
	return out
}

// maskReferral returns ref as a role without PermAuthors may read it: the
// texts with the author's identities and any address withheld, and, for
// the auditor, reviewers by their role pseudonym.
func (s *Server) maskReferral(r *http.Request, ref review.Referral) review.Referral {
	if reveal(r) {
		return ref
	}
	var known []string
	if rec, err := s.cfg.Backend.Get(r.Context(), ref.Item); err == nil {
		known = identitiesOf(&rec)
	}
	ref.Explanation, ref.Facts = redactText(ref.Explanation, known...), redactText(ref.Facts, known...)
	parts := []*policy.Part{&ref.Assessment.Context, &ref.Assessment.Speaker, &ref.Assessment.Intent, &ref.Assessment.ContentAndForm, &ref.Assessment.Extent, &ref.Assessment.Likelihood}
	for _, p := range parts {
		p.Reason = redactText(p.Reason, known...)
	}
	ref.Outcomes = slices.Clone(ref.Outcomes)
	for i := range ref.Outcomes {
		ref.Outcomes[i].Note = redactText(ref.Outcomes[i].Note, known...)
	}
	ref.Checks = slices.Clone(ref.Checks)
	for i := range ref.Checks {
		ref.Checks[i].Note = redactText(ref.Checks[i].Note, known...)
	}
	if pseudoReviewers(r) {
		ref.Assessment.ReviewerID = ref.Assessment.RoleID
		ref.Approvals = slices.Clone(ref.Approvals)
		for i := range ref.Approvals {
			ref.Approvals[i].ReviewerID = ref.Approvals[i].RoleID
		}
	}
	return ref
}

// maskAppeal returns a as the caller may read it: the complainant's
// contact only for roles that see identities; for other roles the texts
// with addresses and handles withheld, and for the auditor every
// reviewer and appellant by their role pseudonym.
func (s *Server) maskAppeal(r *http.Request, a review.Appeal) review.Appeal {
	if reveal(r) {
		return a
	}
	a.Contact = ""
	a.Reason, a.Note = redactText(a.Reason), redactText(a.Note)
	if pseudoReviewers(r) {
		a.Reviewer, a.Appellant = s.roleID(a.Reviewer), s.roleID(a.Appellant)
		ds := make([]string, len(a.Deciders))
		for i, d := range a.Deciders {
			ds[i] = s.roleID(d)
		}
		a.Deciders = ds
	}
	return a
}

// maskDecision returns d with the reviewer by their role pseudonym for the
// auditor, and the reason's addresses and handles withheld for every role
// without PermAuthors.
func (s *Server) maskDecision(r *http.Request, d review.Decision) review.Decision {
	if reveal(r) {
		return d
	}
	d.Reason = redactText(d.Reason)
	if pseudoReviewers(r) {
		d.Reviewer, d.Lease = s.roleID(d.Reviewer), ""
	}
	return d
}
