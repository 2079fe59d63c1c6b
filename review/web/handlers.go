package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/alerts"
	"github.com/rasd-iq/rasd/review/session"
)

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, id string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r)})
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login.html", s.newPage(r, "login", map[string]string{"Next": localPath(r.URL.Query().Get("next"), "/queue")}))
}

// login checks the credentials, records the attempt and sets the cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request, a session.Attempt) (session.Result, error) {
	a.Client, a.Agent = s.clientOf(r), shortAgent(r.UserAgent())
	if len(a.Name) > 64 || len(a.Password) > 256 || len(a.Code) > 32 {
		return session.Result{}, session.ErrBadLogin
	}
	res, err := s.cfg.Sessions.Login(r.Context(), a)
	details := map[string]any{"ok": err == nil, "client": a.Client}
	if err != nil {
		details["error"] = err.Error()
	}
	if err == nil && res.Session.Pending != "" {
		details["pending"] = res.Session.Pending
	}
	if err == nil || errors.Is(err, session.ErrBadLogin) || errors.Is(err, session.ErrThrottled) || errors.Is(err, session.ErrBadCode) {
		s.audit(audit.Event{Type: audit.TypeLogin, Actor: "user:" + a.Name, Subject: "user:" + a.Name, Details: details})
	}
	if err == nil {
		s.completeLogin(w, r, res)
	}
	return res, err
}

func loginStatus(err error) (int, string) {
	switch {
	case errors.Is(err, session.ErrThrottled):
		return http.StatusTooManyRequests, "throttled"
	case errors.Is(err, session.ErrBadLogin):
		return http.StatusUnauthorized, "bad_login"
	case errors.Is(err, session.ErrBadCode):
		return http.StatusUnauthorized, "bad_code"
	case errors.Is(err, session.ErrCodeRequired):
		return http.StatusUnauthorized, "code_required"
	}
	return http.StatusInternalServerError, ""
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		// A body cut off at MaxBody is not a login attempt: it counts
		// against no one's throttle.
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			w.Header().Set("Connection", "close")
			http.Error(w, fmt.Sprintf("request body larger than %d bytes", mbe.Limit), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad login form", http.StatusBadRequest)
		return
	}
	next := localPath(r.PostFormValue("next"), "/queue")
	res, err := s.login(w, r, session.Attempt{Name: r.PostFormValue("name"), Password: r.PostFormValue("password"),
		Code: r.PostFormValue("code"), Deferred: true})
	if err != nil {
		status, msg := loginStatus(err)
		if msg == "" {
			s.cfg.Log.Error("logging in", "err", err)
			http.Error(w, "login failed", status)
			return
		}
		p := s.newPage(r, "login", map[string]string{"Next": next})
		p.Msg = p.T("m_" + msg)
		s.render(w, status, "login.html", p)
		return
	}
	if res.Session.Pending != "" {
		next = pendingPath(res.Session.Pending, next)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct{ Name, Password, Code string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("reading login: %w", err))
		return
	}
	res, err := s.login(w, r, session.Attempt{Name: in.Name, Password: in.Password, Code: in.Code})
	if err != nil {
		status, _ := loginStatus(err)
		out := map[string]any{"error": err.Error()}
		if errors.Is(err, session.ErrCodeRequired) {
			out["code_required"] = true
		}
		WriteJSON(w, status, out)
		return
	}
	out := map[string]any{"user": res.User.Name, "role": res.User.Role, "csrf": res.Session.CSRF, "expires": res.Session.Expires}
	if res.Session.Pending != "" {
		out["pending"] = res.Session.Pending
	}
	WriteJSON(w, http.StatusOK, out)
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	p := from(r.Context())
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.cfg.Sessions.Logout(r.Context(), c.Value); err != nil {
			s.cfg.Log.Error("logging out", "err", err)
		}
	}
	s.audit(audit.Event{Type: audit.TypeLogin, Actor: "user:" + p.User.Name, Subject: "user:" + p.User.Name, Details: map[string]any{"action": "logout"}})
	s.setSession(w, r, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := from(r.Context())
	var perms []review.Permission
	for _, pm := range []review.Permission{review.PermView, review.PermDecide, review.PermAuthors, review.PermAdmin, review.PermAppeal, review.PermOversight, review.PermReferrals} {
		if p.User.Role.Can(pm) {
			perms = append(perms, pm)
		}
	}
	out := map[string]any{"user": p.User.Name, "role": p.User.Role, "permissions": perms, "csrf": p.Session.CSRF, "expires": p.Session.Expires,
		"two_factor": p.User.HasTOTP()}
	if p.Session.Pending != "" {
		out["pending"], out["permissions"] = p.Session.Pending, []review.Permission{}
	}
	WriteJSON(w, http.StatusOK, out)
}

// filterFrom reads queue filters from URL or form values: min_score is a
// fraction from 0 to 1, or with pct (the pages) a percentage from 0 to 100.
// Its errors are *inputError, which pages show in their language.
func (s *Server) filterFrom(v url.Values, pct bool) (review.Filter, error) {
	f := review.Filter{Label: v.Get("label"), Platform: v.Get("platform"), Source: strings.TrimSpace(v.Get("source")),
		Governorate: govID(v.Get("governorate")), Urgent: v.Get("urgent") == "1", Now: s.cfg.Now()}
	switch st := review.Status(v.Get("status")); st {
	case "", review.StatusOpen, review.StatusSenior:
		f.Status = st
	default:
		return f, &inputError{Key: "e_status", Value: string(st), en: "status must be open or senior"}
	}
	switch q := v.Get("queue"); q {
	case "", "main":
	case "support":
		f.Support = true
	default:
		return f, &inputError{Key: "e_queue", Value: q, en: "queue must be main or support"}
	}
	if f.Sort = v.Get("sort"); !review.ValidSort(f.Sort) {
		return f, &inputError{Key: "e_sort", Value: f.Sort, en: "sort must be one of " + strings.Join(review.SortKeys, ", ")}
	}
	switch d := v.Get("dir"); d {
	case "":
		f.Desc = defaultDesc(f.Sort)
	case "asc", "desc":
		f.Desc = d == "desc"
	default:
		return f, &inputError{Key: "e_dir", Value: d, en: "dir must be asc or desc"}
	}
	if x := v.Get("min_score"); x != "" {
		n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(latinDigits(x)), "%"), 64)
		switch {
		case pct && (err != nil || n < 0 || n > 100):
			return f, &inputError{Key: "e_min_pct", Value: x, en: "min_score must be a percentage from 0 to 100"}
		case !pct && (err != nil || n < 0 || n > 1):
			return f, &inputError{Key: "e_min_score", Value: x, en: "min_score must be a number from 0 to 1"}
		case pct:
			n /= 100
		}
		f.MinScore = n
	}
	if x := v.Get("max_age"); x != "" {
		d, err := time.ParseDuration(latinDigits(x))
		if err != nil {
			h, herr := strconv.ParseFloat(latinDigits(x), 64)
			if herr != nil {
				return f, &inputError{Key: "e_max_age", Value: x, en: "max_age must be hours or a duration like 36h"}
			}
			d = time.Duration(h * float64(time.Hour))
		}
		if d <= 0 {
			return f, &inputError{Key: "e_max_age_positive", Value: x, en: "max_age must be positive"}
		}
		f.MaxAge = d
	}
	for name, dst := range map[string]*int{"offset": &f.Offset, "limit": &f.Limit} {
		if x := v.Get(name); x != "" {
			n, err := strconv.Atoi(latinDigits(x))
			if err != nil || n < 0 {
				return f, &inputError{Key: "e_" + name, Value: x, en: name + " must be a whole number"}
			}
			*dst = n
		}
	}
	return f, nil
}

// reveal reports whether the caller sees author identities.
func reveal(r *http.Request) bool { return from(r.Context()).User.Role.Can(review.PermAuthors) }

// mask pseudonymises an item's author for callers who may not see it.
func (s *Server) mask(r *http.Request, it *review.Item) {
	if !reveal(r) {
		it.Author = s.cfg.Pseudonyms.Pseudonym(it.Author)
		it.ID = s.opaque(it.ID)
	}
	if pseudoReviewers(r) {
		rs := make([]string, len(it.Reviewers))
		for i, n := range it.Reviewers {
			rs[i] = s.roleID(n)
		}
		it.Reviewers = rs
		if it.Lease != nil {
			it.Lease = &review.Lease{Holder: s.roleID(it.Lease.Holder), Expires: it.Lease.Expires}
		}
		if it.Pending != nil {
			d := s.maskDecision(r, *it.Pending)
			it.Pending = &d
		}
	}
}

func (s *Server) list(r *http.Request, pct bool) (review.Page, review.Filter, int, error) {
	f, err := s.filterFrom(r.URL.Query(), pct)
	if err != nil {
		return review.Page{}, f, http.StatusBadRequest, err
	}
	p, err := s.cfg.Store.List(r.Context(), f)
	if err != nil {
		s.cfg.Log.Error("listing the queue", "err", err)
		return p, f, http.StatusInternalServerError, errors.New("listing the queue failed")
	}
	for i := range p.Items {
		s.mask(r, &p.Items[i])
	}
	return p, f, http.StatusOK, nil
}

func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request) {
	p, _, status, err := s.list(r, false)
	if err != nil {
		WriteError(w, status, err)
		return
	}
	WriteJSON(w, http.StatusOK, p)
}

// itemView is an item with everything a reviewer reads about it.
type itemView struct {
	Item        review.Item       `json:"item"`
	Record      *store.Record     `json:"record,omitempty"`
	Decisions   []review.Decision `json:"decisions"`
	Guidance    []guidance        `json:"guidance"`
	AuthorItems []review.Item     `json:"author_items,omitempty"`
	// Sightings are the copies of the same text seen elsewhere.
	Sightings []store.Sighting `json:"sightings,omitempty"`
	// Timeline is the item's history: decisions, referrals, appeals.
	Timeline []timelineEntry `json:"timeline"`
	// Appealed is the decision an appeal ruling recorded when the item's
	// decision was reversed (the latest), which now stands.
	Appealed *review.Decision `json:"appealed,omitempty"`
	// Mine is true when the caller holds the lease.
	Mine bool `json:"mine"`
	// CanDecide is true when the caller's role decides.
	CanDecide bool       `json:"can_decide"`
	Held      bool       `json:"held"`
	Scores    []scoreRow `json:"-"`
	// Discounted is true when the model's stance discount lowered a score
	// by five points or more on the policy's scale.
	Discounted bool `json:"-"`
	// Media are the post's media with what the media stage found.
	Media []mediaRow `json:"-"`
}

// mediaRow is one media item of a post as the item page shows it.
type mediaRow struct {
	store.MediaResult
	// N is the item's position in the post's media; Href serves its bytes.
	N    int
	Href string
	// Kind is what the connector said it is; Image whether the page shows it.
	Kind  string
	Image bool
	// Pending is true while the media stage has not processed it.
	Pending bool
}

type guidance struct {
	Label       string `json:"label"`
	Description string `json:"description"`
	// DescriptionAr is the policy's Arabic guidance, when it gives one.
	DescriptionAr string   `json:"description_ar,omitempty"`
	Threshold     *float64 `json:"threshold,omitempty"`
}

type scoreRow struct {
	Label string
	// Score is on the policy's scale; Raw is the model's own score.
	Score, Raw float64
	// Threshold is the model card's threshold for the label, when known.
	Threshold *float64
	// Flagged and Context say whether the model raised the label.
	Flagged, Context bool
	// Before is the score on the policy's scale before the model's stance
	// discount lowered it (nil when the discount did not).
	Before *float64
}

func (s *Server) itemView(r *http.Request, id string) (*itemView, int, error) {
	ctx := r.Context()
	it, err := s.cfg.Store.Item(ctx, id)
	if errors.Is(err, review.ErrNotFound) {
		return nil, http.StatusNotFound, fmt.Errorf("item %s is not in the review queue", id)
	}
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	p := from(ctx)
	now := s.cfg.Now()
	v := &itemView{Item: it, CanDecide: p.User.Role.Can(review.PermDecide)}
	v.Mine = it.Lease.Active(now) && it.Lease.Holder == p.User.Name
	v.Held = it.Lease.Active(now) && !v.Mine
	if rec, err := s.cfg.Backend.Get(ctx, id); err == nil {
		v.Record = &rec
		if !reveal(r) {
			// The raw capture and the media's addresses name the poster.
			s.maskRecord(&rec)
			rec.Post.ID = s.opaque(rec.Post.ID)
		}
		v.Media = mediaRows(s.itemID(r, id), &rec)
		// One scale everywhere: the policy's, from the stored judgement,
		// with the raw score and the model card's threshold beside it.
		j := rec.Judgement
		for l, raw := range rec.Scores {
			row := scoreRow{Label: l, Score: raw, Raw: raw, Flagged: slices.Contains(rec.Flags, l), Context: slices.Contains(rec.Context, l)}
			if j != nil {
				if sc, ok := j.Scores[l]; ok {
					row.Score = sc
				}
				if t, ok := j.Thresholds[l]; ok {
					row.Threshold = &t
				}
			} else if t, ok := s.cfg.Thresholds[l]; ok {
				row.Threshold = &t
			}
			if j != nil && row.Threshold != nil {
				// The column shows where the discount moved a score by
				// half a point or more, and only when it moved one by
				// five points or more.
				if u, ok := j.Undiscounted[l]; ok {
					if b := policy.PolicyScore(u, *row.Threshold); b-row.Score >= 0.005 {
						row.Before = &b
						v.Discounted = v.Discounted || b-row.Score >= 0.05
					}
				}
			}
			v.Scores = append(v.Scores, row)
		}
		slices.SortFunc(v.Scores, func(a, b scoreRow) int {
			if a.Score != b.Score {
				if a.Score > b.Score {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Label, b.Label)
		})
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, http.StatusInternalServerError, err
	}
	if v.Sightings, err = s.cfg.Backend.Sightings(ctx, id); err != nil {
		return nil, http.StatusInternalServerError, err
	}
	if !reveal(r) {
		for i := range v.Sightings {
			v.Sightings[i].Permalink = "" // where a copy was posted can identify its poster
			v.Sightings[i].PostID, v.Sightings[i].Canonical = s.opaque(v.Sightings[i].PostID), s.opaque(v.Sightings[i].Canonical)
		}
	}
	if v.Decisions, err = s.cfg.Store.Decisions(ctx, id); err != nil {
		return nil, http.StatusInternalServerError, err
	}
	for i := range v.Decisions {
		v.Decisions[i] = s.maskDecision(r, v.Decisions[i])
		v.Decisions[i].Item = s.itemID(r, v.Decisions[i].Item)
		if v.Decisions[i].Stage == review.StageAppeal {
			v.Appealed = &v.Decisions[i] // the latest ruling on appeal stands
		}
	}
	v.Timeline = s.timeline(ctx, id, v.Decisions, p.User.Role.Can(review.PermReferrals))
	for _, l := range it.Labels {
		if pl, ok := s.cfg.Policy.Label(l); ok {
			v.Guidance = append(v.Guidance, guidance{Label: l, Description: pl.Description, DescriptionAr: pl.DescriptionAr, Threshold: pl.Threshold})
		}
	}
	if reveal(r) && it.Author != "" {
		others, err := s.cfg.Store.ByAuthor(ctx, it.Author, 21)
		if err != nil {
			return nil, http.StatusInternalServerError, err
		}
		for _, o := range others {
			if o.ID != id && len(v.AuthorItems) < 20 {
				v.AuthorItems = append(v.AuthorItems, o)
			}
		}
	}
	if !v.Mine && v.Item.Lease != nil {
		v.Item.Lease = &review.Lease{Holder: it.Lease.Holder, Expires: it.Lease.Expires} // the token is for its holder only
	}
	s.mask(r, &v.Item)
	return v, http.StatusOK, nil
}

func (s *Server) apiItem(w http.ResponseWriter, r *http.Request) {
	v, status, err := s.itemView(r, s.pathItem(r))
	if err != nil {
		WriteError(w, status, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}

func (s *Server) pageItem(w http.ResponseWriter, r *http.Request) {
	v, status, err := s.itemView(r, s.pathItem(r))
	if err != nil {
		if status == http.StatusInternalServerError {
			s.cfg.Log.Error("reading item", "item", r.PathValue("id"), "err", err)
			err = errors.New("reading the item failed")
		}
		s.errorPage(w, r, status, err)
		return
	}
	s.render(w, http.StatusOK, "item.html", s.newPage(r, "decide", v))
}

func (s *Server) reviewer(r *http.Request) review.Reviewer {
	u := from(r.Context()).User
	return review.Reviewer{Name: u.Name, Senior: u.Role == review.RoleSenior}
}

// errCode maps a review error to an HTTP status and a message key.
func errCode(err error) (int, string) {
	switch {
	case errors.Is(err, review.ErrNotFound), errors.Is(err, review.ErrEmpty):
		return http.StatusNotFound, "empty"
	case errors.Is(err, review.ErrHeld):
		return http.StatusConflict, "held"
	case errors.Is(err, review.ErrLeaseLost):
		return http.StatusConflict, "lease_lost"
	case errors.Is(err, review.ErrDecided):
		return http.StatusConflict, "decided_before"
	case errors.Is(err, review.ErrReviewedBefore):
		return http.StatusConflict, "reviewed"
	case errors.Is(err, review.ErrNeedsSenior):
		return http.StatusForbidden, "senior"
	case errors.Is(err, errNeedReason):
		return http.StatusBadRequest, "need_reason"
	case errors.Is(err, errConfirmHigh):
		return http.StatusBadRequest, "confirm_high"
	case errors.Is(err, review.ErrUndo):
		return http.StatusConflict, "undo"
	case errors.Is(err, review.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	}
	return http.StatusInternalServerError, ""
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error, back string) {
	status, code := errCode(err)
	if status == http.StatusInternalServerError {
		s.cfg.Log.Error("review request failed", "path", r.URL.Path, "err", err)
		err = errors.New("the review store failed")
	}
	if isAPI(r) {
		WriteError(w, status, err)
		return
	}
	http.Redirect(w, r, back+"?msg="+code, http.StatusSeeOther)
}

func (s *Server) postClaim(w http.ResponseWriter, r *http.Request) {
	id := s.pathItem(r)
	if _, err := s.cfg.Store.Claim(r.Context(), id, s.reviewer(r), s.cfg.Now(), s.cfg.Rules.LeaseFor()); err != nil {
		s.fail(w, r, err, "/items/"+url.PathEscape(id))
		return
	}
	http.Redirect(w, r, "/items/"+url.PathEscape(id), http.StatusSeeOther)
}

func (s *Server) postRelease(w http.ResponseWriter, r *http.Request) {
	id := s.pathItem(r)
	if err := s.cfg.Store.Release(r.Context(), id, s.reviewer(r).Name, r.PostFormValue("lease")); err != nil {
		s.fail(w, r, err, "/items/"+url.PathEscape(id))
		return
	}
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

func (s *Server) postNext(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f, err := s.filterFrom(r.PostForm, true)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	it, err := s.cfg.Store.ClaimNext(r.Context(), s.reviewer(r), f, s.cfg.Now(), s.cfg.Rules.LeaseFor())
	if err != nil {
		s.fail(w, r, err, "/queue")
		return
	}
	http.Redirect(w, r, "/items/"+url.PathEscape(it.ID), http.StatusSeeOther)
}

// decide records d for the caller and appends it to the audit log.
func (s *Server) decide(r *http.Request, d review.Decision) (review.Item, review.Decision, error) {
	who := s.reviewer(r)
	d.Reviewer = who.Name
	if err := d.Validate(); err != nil {
		return review.Item{}, d, err
	}
	if d.Action == review.ActionDismiss && d.ReasonCode == "" {
		return review.Item{}, d, errNeedReason
	}
	it, d, err := s.cfg.Store.Decide(r.Context(), d, who, s.cfg.Rules, s.cfg.Now())
	if err != nil {
		return it, d, err
	}
	s.audit(audit.Event{Type: audit.TypeDecision, Actor: "user:" + who.Name, Subject: d.Item, Details: map[string]any{
		"decision": d.ID, "action": d.Action, "verdict": d.Verdict, "labels": d.Labels, "reason": d.Reason, "reason_code": d.ReasonCode,
		"stage": d.Stage, "status": it.Status, "role": from(r.Context()).User.Role,
	}})
	// A final decision that is not refer withdraws the item's referrals.
	if _, err := s.ref.FollowReview(r.Context(), d.Item, "user:"+who.Name); err != nil {
		s.cfg.Log.Error("withdrawing referrals after a decision", "item", d.Item, "err", err)
	}
	return it, d, nil
}

func splitLabels(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '،' || r == ' ' }) {
		out = append(out, l)
	}
	return out
}

func (s *Server) postDecide(w http.ResponseWriter, r *http.Request) {
	id := s.pathItem(r)
	d := review.Decision{
		Item: id, Action: review.Action(r.PostFormValue("action")), Verdict: review.Verdict(r.PostFormValue("verdict")),
		Labels: splitLabels(r.PostFormValue("labels")), Reason: strings.TrimSpace(r.PostFormValue("reason")), Lease: r.PostFormValue("lease"),
		ReasonCode: review.ReasonCode(r.PostFormValue("reason_code")),
	}
	if d.Verdict != review.VerdictWrongLabel {
		d.Labels = nil
	}
	if d.Action != review.ActionDismiss {
		d.ReasonCode = "" // the form sends the dismissal's reason with every button
	}
	back := "/items/" + url.PathEscape(s.itemID(r, id))
	if d.Action == review.ActionDismiss && d.ReasonCode == "" {
		s.fail(w, r, errNeedReason, back)
		return
	}
	if d.Action == review.ActionDismiss && r.PostFormValue("confirm") == "" {
		if it, err := s.cfg.Store.Item(r.Context(), id); err == nil && it.Score >= HighScore {
			s.fail(w, r, errConfirmHigh, back)
			return
		}
	}
	_, d, err := s.decide(r, d)
	if err != nil {
		s.fail(w, r, err, back)
		return
	}
	if d.Action == review.ActionRefer { // the six-part referral form follows
		http.Redirect(w, r, "/items/"+url.PathEscape(id)+"/refer", http.StatusSeeOther)
		return
	}
	q := url.Values{"msg": {"decided"}, "undo": {d.ID}, "item": {s.itemID(r, id)}}
	http.Redirect(w, r, "/queue?"+q.Encode(), http.StatusSeeOther)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !(errors.Is(err, io.EOF) && r.ContentLength <= 0) {
		return fmt.Errorf("reading request body: %w", err)
	}
	return nil
}

func (s *Server) apiClaim(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Item        string  `json:"item"`
		Label       string  `json:"label"`
		MinScore    float64 `json:"min_score"`
		Platform    string  `json:"platform"`
		Governorate string  `json:"governorate"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	var (
		it  review.Item
		err error
	)
	now, ttl := s.cfg.Now(), s.cfg.Rules.LeaseFor()
	if in.Item != "" {
		it, err = s.cfg.Store.Claim(r.Context(), in.Item, s.reviewer(r), now, ttl)
	} else {
		f := review.Filter{Label: in.Label, MinScore: in.MinScore, Platform: in.Platform, Governorate: in.Governorate, Now: now}
		it, err = s.cfg.Store.ClaimNext(r.Context(), s.reviewer(r), f, now, ttl)
	}
	if err != nil {
		s.fail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, it)
}

func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request) {
	var d review.Decision
	if err := readJSON(w, r, &d); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if d.Reviewer != "" && d.Reviewer != from(r.Context()).User.Name {
		WriteError(w, http.StatusForbidden, errors.New("decisions are made in one's own name"))
		return
	}
	d.ID, d.Stage, d.Time = "", "", time.Time{}
	it, d, err := s.decide(r, d)
	if err != nil {
		s.fail(w, r, err, "")
		return
	}
	s.mask(r, &it)
	WriteJSON(w, http.StatusCreated, map[string]any{"item": it, "decision": d})
}

func (s *Server) apiDecisions(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("item")
	if id == "" {
		WriteError(w, http.StatusBadRequest, errors.New("item is required"))
		return
	}
	id, err := s.resolveID(r.Context(), id)
	if errors.Is(err, errUnknownOpaque) {
		WriteJSON(w, http.StatusOK, []review.Decision{})
		return
	}
	if err != nil {
		s.fail(w, r, err, "")
		return
	}
	ds, err := s.cfg.Store.Decisions(r.Context(), id)
	if err != nil {
		s.fail(w, r, err, "")
		return
	}
	for i := range ds {
		ds[i] = s.maskDecision(r, ds[i])
		ds[i].Item = s.itemID(r, ds[i].Item)
	}
	WriteJSON(w, http.StatusOK, ds)
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		s.fail(w, r, err, "")
		return
	}
	type out struct {
		Name     string      `json:"name"`
		Role     review.Role `json:"role"`
		Disabled bool        `json:"disabled"`
		Created  time.Time   `json:"created"`
		Changed  time.Time   `json:"changed"`
	}
	res := make([]out, len(us))
	for i, u := range us {
		res[i] = out{u.Name, u.Role, u.Disabled, u.Created, u.Changed}
	}
	WriteJSON(w, http.StatusOK, res)
}

// apiDeadAlerts lists the alerts given up on, oldest first (no post text:
// dead letters keep none).
func (s *Server) apiDeadAlerts(w http.ResponseWriter, r *http.Request) {
	list := []alerts.DeadLetter{}
	if s.cfg.DeadAlerts != nil {
		l, err := s.cfg.DeadAlerts()
		if err != nil {
			s.fail(w, r, fmt.Errorf("listing dead letters: %w", err), "")
			return
		}
		list = append(list, l...)
	}
	WriteJSON(w, http.StatusOK, list)
}

// signalMark prefixes the label of a highlight that is a signal's evidence.
const signalMark = "signal: "

// evidence returns the highlights of a record: the model's lexicon spans and
// the evidence of the signals its judgement found.
func evidence(r *store.Record) []store.Span {
	out := slices.Clone(r.Spans)
	if r.Judgement != nil {
		for _, sg := range r.Judgement.Signals {
			if sg.End > sg.Start {
				label := signalMark + sg.Name
				if sg.Detail != "" {
					label += " (" + sg.Detail + ")"
				}
				out = append(out, store.Span{Start: sg.Start, End: sg.End, Label: label})
			}
		}
	}
	return out
}

// markSpans marks the spans' byte ranges of text, escaping everything.
func markSpans(text string, spans []store.Span) template.HTML {
	sp := slices.Clone(spans)
	slices.SortFunc(sp, func(a, b store.Span) int { return a.Start - b.Start })
	var b strings.Builder
	pos := 0
	for _, s := range sp {
		if s.End <= pos || s.End > len(text) || s.Start >= s.End {
			continue
		}
		// A span that overlaps one marked already marks what is left of
		// it, so that no evidence goes unshown.
		s.Start = max(s.Start, pos)
		b.WriteString(template.HTMLEscapeString(text[pos:s.Start]))
		class := ""
		if strings.HasPrefix(s.Label, signalMark) {
			class = ` class="sig"`
		}
		b.WriteString(`<mark` + class + ` title="` + template.HTMLEscapeString(s.Label) + `">`)
		b.WriteString(template.HTMLEscapeString(text[s.Start:s.End]))
		b.WriteString("</mark>")
		pos = s.End
	}
	b.WriteString(template.HTMLEscapeString(text[pos:]))
	return template.HTML(b.String())
}

// mediaRows lists rec's media for the item page.
func mediaRows(id string, rec *store.Record) []mediaRow {
	rows := make([]mediaRow, len(rec.Post.Media))
	for i, m := range rec.Post.Media {
		row := mediaRow{N: i, Kind: m.Kind, Pending: i >= len(rec.Media)}
		if !row.Pending {
			row.MediaResult = rec.Media[i]
			row.Image = strings.HasPrefix(row.Type, "image/")
			row.Href = fmt.Sprintf("/items/%s/media/%d", url.PathEscape(id), i)
		}
		rows[i] = row
	}
	return rows
}

// getMedia serves the bytes of media item n of a post in the review queue,
// to those who may see the item: images as what they are, anything else as
// a download, never as a page of this site.
func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), s.pathItem(r)
	if _, err := s.cfg.Store.Item(ctx, id); err != nil {
		status, _ := errCode(err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	rec, gerr := s.cfg.Backend.Get(ctx, id)
	if err != nil || gerr != nil || n < 0 || n >= len(rec.Media) || rec.Media[n].SHA256 == "" || s.cfg.Media == nil {
		if gerr != nil && !errors.Is(gerr, store.ErrNotFound) {
			s.cfg.Log.Error("reading item for media", "item", id, "err", gerr)
		}
		http.Error(w, "no stored media "+r.PathValue("n")+" for this item", http.StatusNotFound)
		return
	}
	m := rec.Media[n]
	rc, err := s.cfg.Media.Open(ctx, m.SHA256)
	if err != nil {
		s.cfg.Log.Error("opening stored media", "item", id, "sha256", m.SHA256, "err", err)
		http.Error(w, "the stored media could not be read", http.StatusInternalServerError)
		return
	}
	defer rc.Close()
	h := w.Header()
	if strings.HasPrefix(m.Type, "image/") && !strings.Contains(m.Type, "svg") || strings.HasPrefix(m.Type, "video/") {
		h.Set("Content-Type", m.Type)
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", "attachment")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	if m.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	}
	if _, err := io.Copy(w, rc); err != nil && ctx.Err() == nil {
		s.cfg.Log.Warn("serving stored media", "item", id, "err", err)
	}
}
