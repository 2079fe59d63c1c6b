package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/referral"
)

// refStatus maps a referral or appeal error to an HTTP status and a message key.
func refStatus(err error) (int, string) {
	switch {
	case errors.Is(err, review.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "empty"
	case errors.Is(err, referral.ErrSelfApproval), errors.Is(err, policy.ErrIneligibleReviewer):
		if errors.Is(err, referral.ErrSelfApproval) {
			return http.StatusForbidden, "self_approval"
		}
		return http.StatusForbidden, "ineligible"
	case errors.Is(err, policy.ErrReferralNotReady):
		return http.StatusUnprocessableEntity, "not_ready"
	case errors.Is(err, referral.ErrNotReferred):
		return http.StatusConflict, "not_referred"
	case errors.Is(err, referral.ErrState), errors.Is(err, review.ErrExists):
		return http.StatusConflict, "state"
	case errors.Is(err, referral.ErrInvalid), errors.Is(err, review.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	}
	return http.StatusInternalServerError, ""
}

// refFail answers a failed referral or appeal step: JSON for the API, a
// redirect back with a message for pages.
func (s *Server) refFail(w http.ResponseWriter, r *http.Request, err error, back string) {
	status, code := refStatus(err)
	if status == http.StatusInternalServerError {
		s.cfg.Log.Error("referral request failed", "path", r.URL.Path, "err", err)
		err = errors.New("the review store failed")
	}
	if isAPI(r) {
		WriteError(w, status, err)
		return
	}
	http.Redirect(w, r, back+"?msg="+code, http.StatusSeeOther)
}

func (s *Server) user(r *http.Request) string { return from(r.Context()).User.Name }

// partFields are the form field prefixes of the six parts, in policy.PartNames order.
var partFields = []struct{ Field, Title string }{
	{"context", "part_context"}, {"speaker", "part_speaker"}, {"intent", "part_intent"},
	{"content_and_form", "part_content"}, {"extent", "part_extent"}, {"likelihood", "part_likelihood"},
}

// formFrom reads the referral form; a level that does not parse stays unset
// and policy.CheckReferral names it.
func formFrom(r *http.Request) referral.Form {
	var f referral.Form
	parts := []*policy.Part{&f.Context, &f.Speaker, &f.Intent, &f.ContentAndForm, &f.Extent, &f.Likelihood}
	for i, pf := range partFields {
		lv, _ := policy.ParseLevel(r.PostFormValue(pf.Field + "_level"))
		*parts[i] = policy.Part{Level: lv, Reason: strings.TrimSpace(r.PostFormValue(pf.Field + "_reason"))}
	}
	f.Explanation = r.PostFormValue("explanation")
	f.Facts = r.PostFormValue("facts")
	f.ThreatToLife = r.PostFormValue("threat_to_life") != ""
	f.Bases = r.PostForm["bases"]
	return f
}

// basisChoice is one ground the referral form offers.
type basisChoice struct {
	policy.Basis
	Checked bool
}

// formPart is one part of the form as the template shows it.
type formPart struct {
	Field, Title string
	Part         policy.Part
}

// referView is the referral form's data.
type referView struct {
	Item   review.Item
	Record *store.Record
	Parts  []formPart
	Form   referral.Form
	Error  string
	Levels []string
	// Bases are the policy's grounds; those checked are the form's, or
	// the routing rule's when the form names none.
	Bases []basisChoice
}

func (s *Server) referView(r *http.Request, id string, f referral.Form, msg string) (*referView, int, error) {
	it, err := s.cfg.Store.Item(r.Context(), id)
	if err != nil {
		status, _ := refStatus(err)
		return nil, status, err
	}
	v := &referView{Item: it, Form: f, Error: msg, Levels: []string{"absent", "low", "medium", "high"}}
	checked := map[string]bool{}
	for _, b := range f.Bases {
		checked[b] = true
	}
	if rec, err := s.cfg.Backend.Get(r.Context(), id); err == nil {
		v.Record = &rec
		if len(f.Bases) == 0 && rec.Judgement != nil {
			for _, b := range rec.Judgement.Decision.Bases {
				checked[b.ID] = true
			}
		}
	}
	for _, b := range s.cfg.Policy.Bases {
		v.Bases = append(v.Bases, basisChoice{b, checked[b.ID]})
	}
	parts := []policy.Part{f.Context, f.Speaker, f.Intent, f.ContentAndForm, f.Extent, f.Likelihood}
	for i, pf := range partFields {
		v.Parts = append(v.Parts, formPart{pf.Field, pf.Title, parts[i]})
	}
	return v, http.StatusOK, nil
}

func (s *Server) pageRefer(w http.ResponseWriter, r *http.Request) {
	// A second reviewer who agreed "refer" approves the open referral instead.
	if open, err := s.ref.Active(r.Context(), r.PathValue("id")); err != nil {
		s.refFail(w, r, err, "/queue")
		return
	} else if open != nil {
		http.Redirect(w, r, "/referrals/"+url.PathEscape(open.ID), http.StatusSeeOther)
		return
	}
	v, status, err := s.referView(r, r.PathValue("id"), referral.Form{}, "")
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	s.render(w, http.StatusOK, "refer.html", s.newPage(r, "refer_form", v))
}

func (s *Server) postRefer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := formFrom(r)
	ref, err := s.ref.Create(r.Context(), id, s.user(r), f)
	if err != nil {
		status, _ := refStatus(err)
		if status == http.StatusInternalServerError {
			s.refFail(w, r, err, "/items/"+url.PathEscape(id)+"/refer")
			return
		}
		v, st, verr := s.referView(r, id, f, err.Error())
		if verr != nil {
			http.Error(w, verr.Error(), st)
			return
		}
		s.render(w, status, "refer.html", s.newPage(r, "refer_form", v))
		return
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(ref.ID)+"?msg=referred", http.StatusSeeOther)
}

// referralView is a referral page's data.
type referralView struct {
	Ref        review.Referral
	Record     *store.Record
	Parts      []formPart
	CanApprove bool
	CanDecide  bool
	// Bases are the grounds the referral cites, with their text.
	Bases []policy.Basis
	// CanExport shows the package, bundle and print links: they carry the
	// author's identity, for roles that may see it.
	CanExport bool
	Outcome   policy.OutcomeStatus
	Statuses  []policy.OutcomeStatus
}

func (s *Server) pageReferral(w http.ResponseWriter, r *http.Request) {
	ref, err := s.ref.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		status, _ := refStatus(err)
		http.Error(w, err.Error(), status)
		return
	}
	u := from(r.Context()).User
	v := &referralView{Ref: ref, CanDecide: u.Role.Can(review.PermDecide), Outcome: ref.Outcome(), Statuses: policy.OutcomeStatuses[1:],
		CanExport: reveal(r)}
	v.CanApprove = v.CanDecide && ref.Status == review.ReferralAwaiting && ref.Assessment.ReviewerID != u.Name
	if rec, err := s.cfg.Backend.Get(r.Context(), ref.Item); err == nil {
		if !reveal(r) {
			s.maskRecord(&rec)
		}
		v.Record = &rec
	}
	v.Ref = s.maskReferral(r, ref)
	ref = v.Ref
	for _, id := range ref.Bases {
		if b, ok := s.cfg.Policy.Basis(id); ok {
			v.Bases = append(v.Bases, b)
		}
	}
	if len(ref.Bases) == 0 && v.Record != nil && v.Record.Judgement != nil {
		v.Bases = v.Record.Judgement.Decision.Bases
	}
	for i, p := range ref.Assessment.Parts() {
		v.Parts = append(v.Parts, formPart{partFields[i].Field, partFields[i].Title, p})
	}
	s.render(w, http.StatusOK, "referral.html", s.newPage(r, "referral", v))
}

func (s *Server) pageReferrals(w http.ResponseWriter, r *http.Request) {
	rs, err := s.cfg.Store.Referrals(r.Context())
	if err != nil {
		s.refFail(w, r, err, "/queue")
		return
	}
	for i := range rs {
		rs[i] = s.maskReferral(r, rs[i])
	}
	s.render(w, http.StatusOK, "referrals.html", s.newPage(r, "referrals", rs))
}

func (s *Server) postApprove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.ref.Approve(r.Context(), id, s.user(r)); err != nil {
		s.refFail(w, r, err, "/referrals/"+url.PathEscape(id))
		return
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(id)+"?msg=approved", http.StatusSeeOther)
}

// postSecondReview rejects or sends back a referral with the note given.
func (s *Server) postSecondReview(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	do := s.ref.Reject
	msg := "rejected"
	if strings.HasSuffix(r.URL.Path, "/send-back") {
		do, msg = s.ref.SendBack, "sent_back"
	}
	if _, err := do(r.Context(), id, s.user(r), r.PostFormValue("note")); err != nil {
		s.refFail(w, r, err, "/referrals/"+url.PathEscape(id))
		return
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(id)+"?msg="+msg, http.StatusSeeOther)
}

// apiSecondReview rejects or sends back a referral: {"note"}.
func (s *Server) apiSecondReview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note string `json:"note"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	do := s.ref.Reject
	if strings.HasSuffix(r.URL.Path, "/send-back") {
		do = s.ref.SendBack
	}
	ref, err := do(r.Context(), r.PathValue("id"), s.user(r), in.Note)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, s.maskReferral(r, ref))
}

func (s *Server) postOutcome(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.ref.RecordOutcome(r.Context(), id, s.user(r), policy.OutcomeStatus(r.PostFormValue("status")), r.PostFormValue("note")); err != nil {
		s.refFail(w, r, err, "/referrals/"+url.PathEscape(id))
		return
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(id)+"?msg=outcome", http.StatusSeeOther)
}

// packageOf builds referral id's package and records the export.
func (s *Server) packageOf(r *http.Request, id, what string) (policy.ReferralPackage, error) {
	ref, err := s.ref.Get(r.Context(), id)
	if err != nil {
		return policy.ReferralPackage{}, err
	}
	pkg, err := s.ref.Package(r.Context(), ref)
	if err != nil {
		return pkg, err
	}
	s.ref.Exported("user:"+s.user(r), what, []string{id})
	return pkg, nil
}

func (s *Server) pagePrint(w http.ResponseWriter, r *http.Request) {
	pkg, err := s.packageOf(r, r.PathValue("id"), "referral_html")
	if err != nil {
		status, _ := refStatus(err)
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := policy.WriteReferralHTMLIn(w, pkg, string(lang(r))); err != nil {
		s.cfg.Log.Error("writing the referral page", "referral", pkg.ReferralID, "err", err)
	}
}

func (s *Server) apiPackage(w http.ResponseWriter, r *http.Request) {
	pkg, err := s.packageOf(r, r.PathValue("id"), "referral_package")
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, pkg)
}

// apiBundle answers referral id's signed evidence bundle (a zip), written
// to a temporary file first so that a failure is never half sent.
func (s *Server) apiBundle(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ref, err := s.ref.Get(r.Context(), id)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	tmp, err := os.CreateTemp("", "rasd-bundle-*.zip")
	if err != nil {
		s.refFail(w, r, fmt.Errorf("bundling referral %s: %w", id, err), "")
		return
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	actor := "user:" + s.user(r)
	m, err := s.ref.Bundle(r.Context(), actor, ref, tmp)
	if errors.Is(err, referral.ErrNoSigner) {
		WriteError(w, http.StatusServiceUnavailable, err)
		return
	}
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	s.ref.Exported(actor, "referral_bundle", []string{id})
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "referral-" + id + ".zip"}))
	http.ServeContent(w, r, "", m.CreatedAt, tmp)
}

func (s *Server) apiReferrals(w http.ResponseWriter, r *http.Request) {
	rs, err := s.cfg.Store.Referrals(r.Context())
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	for i := range rs {
		rs[i] = s.maskReferral(r, rs[i])
	}
	WriteJSON(w, http.StatusOK, rs)
}

func (s *Server) apiReferral(w http.ResponseWriter, r *http.Request) {
	ref, err := s.ref.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, s.maskReferral(r, ref))
}

func (s *Server) apiRefer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Item string `json:"item"`
		referral.Form
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	ref, err := s.ref.Create(r.Context(), in.Item, s.user(r), in.Form)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusCreated, ref)
}

func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) {
	ref, err := s.ref.Approve(r.Context(), r.PathValue("id"), s.user(r))
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, ref)
}

func (s *Server) apiOutcome(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status policy.OutcomeStatus `json:"status"`
		Note   string               `json:"note"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	ref, err := s.ref.RecordOutcome(r.Context(), r.PathValue("id"), s.user(r), in.Status, in.Note)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusCreated, ref)
}

// appealsView is the appeals page's data.
type appealsView struct {
	Appeals   []review.Appeal
	CanDecide bool
	CanAppeal bool
	Me        string
}

func (s *Server) pageAppeals(w http.ResponseWriter, r *http.Request) {
	as, err := s.cfg.Store.Appeals(r.Context())
	if err != nil {
		s.refFail(w, r, err, "/queue")
		return
	}
	s.opaqueAppeals(r, as)
	u := from(r.Context()).User
	for i := range as {
		as[i] = s.maskAppeal(r, as[i])
	}
	s.render(w, http.StatusOK, "appeals.html", s.newPage(r, "appeals", &appealsView{Appeals: as, CanDecide: u.Role.Can(review.PermDecide),
		CanAppeal: u.Role.Can(review.PermAppeal), Me: u.Name}))
}

func (s *Server) postAppeal(w http.ResponseWriter, r *http.Request) {
	target := r.PostFormValue("target")
	if _, err := s.ref.File(r.Context(), target, s.appealTarget(r, target, strings.TrimSpace(r.PostFormValue("target_id"))), s.user(r), r.PostFormValue("reason")); err != nil {
		s.refFail(w, r, err, "/appeals")
		return
	}
	http.Redirect(w, r, "/appeals?msg=appealed", http.StatusSeeOther)
}

func (s *Server) postAppealDecide(w http.ResponseWriter, r *http.Request) {
	rl := referral.Ruling{Outcome: policy.AppealOutcome(r.PostFormValue("outcome")), Note: r.PostFormValue("note"),
		Verdict: review.Verdict(r.PostFormValue("verdict")), Labels: splitLabels(r.PostFormValue("labels"))}
	if _, err := s.ref.Decide(r.Context(), r.PathValue("id"), s.user(r), rl); err != nil {
		s.refFail(w, r, err, "/appeals")
		return
	}
	http.Redirect(w, r, "/appeals?msg=appeal_decided", http.StatusSeeOther)
}

func (s *Server) apiAppeals(w http.ResponseWriter, r *http.Request) {
	as, err := s.cfg.Store.Appeals(r.Context())
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	for i := range as {
		as[i] = s.maskAppeal(r, as[i])
	}
	s.opaqueAppeals(r, as)
	WriteJSON(w, http.StatusOK, as)
}

func (s *Server) apiFileAppeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Target   string `json:"target"`
		TargetID string `json:"target_id"`
		Reason   string `json:"reason"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	a, err := s.ref.File(r.Context(), in.Target, s.appealTarget(r, in.Target, in.TargetID), s.user(r), in.Reason)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	a = s.maskAppeal(r, a)
	s.opaqueAppeal(r, &a)
	WriteJSON(w, http.StatusCreated, a)
}

func (s *Server) apiDecideAppeal(w http.ResponseWriter, r *http.Request) {
	var rl referral.Ruling
	if err := readJSON(w, r, &rl); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	a, err := s.ref.Decide(r.Context(), r.PathValue("id"), s.user(r), rl)
	if err != nil {
		s.refFail(w, r, err, "")
		return
	}
	WriteJSON(w, http.StatusOK, a)
}

// mountReferrals registers the referral and appeal routes on mux.

// opaqueAppeals applies opaqueAppeal to every appeal.
func (s *Server) opaqueAppeals(r *http.Request, as []review.Appeal) {
	for i := range as {
		s.opaqueAppeal(r, &as[i])
	}
}

// opaqueAppeal replaces the item ids an appeal names (its item, and its
// target when that is a decision about the item) for callers who may not
// see identities.
func (s *Server) opaqueAppeal(r *http.Request, a *review.Appeal) {
	a.Item = s.itemID(r, a.Item)
	if a.Target == referral.TargetDecision {
		a.TargetID = s.itemID(r, a.TargetID)
	}
}

// appealTarget returns the id an appeal names: an item's pseudonymous id
// (the only one researchers see) becomes the item id.
func (s *Server) appealTarget(r *http.Request, target, id string) string {
	if target != referral.TargetDecision {
		return id
	}
	if resolved, err := s.resolveID(r.Context(), id); err == nil {
		return resolved
	}
	return id
}
