package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/gazetteer"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
)

// HighScore is the score from which dismissing an item on its page needs
// an explicit confirmation.
const HighScore = 0.8

// Errors of a decision the pages explain in the reader's language.
var (
	// errNeedReason: a dismissal says why (review.ReasonCodes).
	errNeedReason = fmt.Errorf("%w: a dismissal needs a reason code (false_positive, protected_speech, not_actionable, duplicate, or clean for a sample)", review.ErrInvalid)
	// errConfirmHigh: dismissing a high-scoring item on its page needs the confirmation box ticked.
	errConfirmHigh = fmt.Errorf("%w: dismissing an item scored %.0f%% or more needs a confirmation", review.ErrInvalid, HighScore*100)
	// errCSRF: a state-changing request without the session's token.
	errCSRF = errors.New("missing or wrong CSRF token")
	// errRole: the caller's role lacks the route's permission.
	errRole = errors.New("not allowed")
	// errNoPost: send to review names a post the store does not hold.
	errNoPost = errors.New("no stored post has this id")
)

// inputError is a bad query or form value: Key names its message in the
// catalogue; the English text serves the API.
type inputError struct {
	Key, Value string
	en         string
}

func (e *inputError) Error() string { return fmt.Sprintf("%s, not %q", e.en, e.Value) }

// localError returns err in the page's language where the catalogue has it.
func (p *page) localError(err error) string {
	var ie *inputError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ie):
		return p.T(ie.Key) + " «" + ie.Value + "»"
	case errors.Is(err, errNoIndex):
		return p.T("e_no_index")
	case errors.Is(err, errCSRF):
		return p.T("e_csrf")
	case errors.Is(err, errRole):
		return p.T("e_role")
	case errors.Is(err, index.ErrBadQuery):
		return p.T("e_bad_query")
	}
	if _, code := errCode(err); code != "" && code != "invalid" {
		return p.T("m_" + code)
	}
	return p.T("e_failed")
}

// latinDigits replaces Arabic-Indic and Persian digits and the Arabic
// decimal separator with their ASCII forms, so that numbers typed on an
// Arabic keyboard parse.
func latinDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		case r == '٫':
			return '.'
		case r == '٪':
			return '%'
		}
		return r
	}, s)
}

// govID returns the id of the governorate named s by its id, Arabic or
// English name or any spelling the gazetteer knows (dialect, city, Latin);
// s itself when none matches.
func govID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if g, ok := gazetteer.Lookup(s); ok {
		return g.ID
	}
	return s
}

// Label names a label in the page's language (the name when unknown).
func (p *page) Label(name string) string {
	if _, ok := words["l_"+name]; ok {
		return p.T("l_" + name)
	}
	return name
}

// Guidance is a label's policy guidance in the page's language: the
// policy's Arabic on Arabic pages where it has one, its English otherwise.
func (p *page) Guidance(g guidance) policyText {
	if p.Lang == Arabic {
		if g.DescriptionAr != "" {
			return policyText{Text: g.DescriptionAr}
		}
		return policyText{Text: g.Description, English: true}
	}
	return policyText{Text: g.Description}
}

// policyText is text from the policy in the page's language; English is
// true on an Arabic page where the policy gives no Arabic, so that the page
// marks it as English.
type policyText struct {
	Text    string
	English bool
}

// basisText is a legal or platform basis as a page shows it.
type basisText struct {
	policy.Basis
	// Citation is title and provision in one line.
	Citation string
	// English is true on an Arabic page where the policy gives no Arabic.
	English bool
	// Sep separates title and provision: the Arabic comma in Arabic.
	Sep string
}

// Basis writes a basis in the page's language. A basis stored with a
// decision made before the policy gave its Arabic takes the Arabic of the
// policy's basis of the same id and title.
func (p *page) Basis(b policy.Basis) basisText {
	if p.Lang != Arabic {
		return basisText{Basis: b, Citation: b.Citation("en"), Sep: ", "}
	}
	if b.TitleAr == "" && p.pol != nil {
		if cur, ok := p.pol.Basis(b.ID); ok && cur.Title == b.Title && cur.Provision == b.Provision {
			b = cur
		}
	}
	ar, ok := b.In(policy.LangArabic)
	t := basisText{Basis: ar, Citation: b.Citation(policy.LangArabic), English: !ok, Sep: "، "}
	if !ok {
		t.Sep = ", "
	}
	return t
}

// Rule describes a routing rule of the policy in the page's language; empty
// when the policy has no such rule or no description for it.
func (p *page) Rule(id string) policyText {
	if p.pol == nil {
		return policyText{}
	}
	r, ok := p.pol.Rule(id)
	switch {
	case !ok:
		return policyText{}
	case p.Lang == Arabic && r.DescriptionAr == "" && r.Description != "":
		return policyText{Text: r.Description, English: true}
	case p.Lang == Arabic:
		return policyText{Text: r.DescriptionAr}
	}
	return policyText{Text: r.Description}
}

// Num writes n in the page's digits.
func (p *page) Num(n any) string { return digits(p.Lang, fmt.Sprint(n)) }

// digits writes the ASCII digits of s in lang's digits.
func digits(lang Lang, s string) string {
	if lang == English {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

// Pct writes a 0–1 score as a whole percentage in the page's digits.
func (p *page) Pct(f float64) string {
	if p.Lang == English {
		return fmt.Sprintf("%.0f%%", f*100)
	}
	return p.Num(fmt.Sprintf("%.0f", f*100)) + "٪"
}

// Platforms and urgency choices the queue's filters offer.
var queuePlatforms = []string{"telegram", "x", "facebook", "tiktok", "youtube", "web", "rss"}

// defaultDesc reports whether sort key k first sorts descending: the
// highest score and the newest first; the most urgent and label A first.
func defaultDesc(k string) bool { return review.SortDescFirst(k) }

// sortCol is a sortable column header: the link that sorts by it (or
// reverses its order) and how it is sorted now.
type sortCol struct {
	Href string
	// Aria is the header's aria-sort: ascending, descending or none.
	Aria string
	// Arrow shows the order: ▲ ascending, ▼ descending, empty when unsorted.
	Arrow string
}

// sortCols returns the queue's sortable headers for the query q sorted as f.
func sortCols(q url.Values, f review.Filter) map[string]sortCol {
	out := map[string]sortCol{}
	for _, k := range review.SortKeys {
		qq := url.Values{}
		for name, vs := range q {
			switch name {
			case "offset", "msg", "undo", "item", "done", "sort", "dir":
			default:
				qq[name] = vs
			}
		}
		c := sortCol{Aria: "none"}
		desc := defaultDesc(k)
		if f.Sort == k {
			c.Aria, c.Arrow = "ascending", "▲"
			if f.Desc {
				c.Aria, c.Arrow = "descending", "▼"
			}
			desc = !f.Desc
		}
		qq.Set("sort", k)
		qq.Set("dir", map[bool]string{false: "asc", true: "desc"}[desc])
		c.Href = "/queue?" + qq.Encode()
		out[k] = c
	}
	return out
}

// queueRow is one queue item with its post as the queue shows it.
type queueRow struct {
	review.Item
	// Text is the post with the evidence marked; empty when not stored.
	Text template.HTML
	// Href opens the item.
	Href string
}

// queueView is the queue page's data.
type queueView struct {
	Page     review.Page
	Rows     []queueRow
	Filter   review.Filter
	Query    url.Values
	NextURL  string
	PrevURL  string
	From, To int
	Error    string
	CanClaim bool
	Now      time.Time
	// Labels, Governorates and Platforms fill the filter dropdowns.
	Labels       []string
	Governorates []gazetteer.Governorate
	Platforms    []string
	// Pending counts posts the pipeline has not analysed yet, shown when
	// the queue is empty (right after start the queue fills as they are).
	Pending int
	// Saved are the caller's saved queue filters.
	Saved savedView
	// Sort holds the sortable column headers by sort key.
	Sort map[string]sortCol
	// Undo is the decision just made that its author may still undo.
	Undo, UndoItem string
	UndoSeconds    int
}

func (s *Server) pageQueue(w http.ResponseWriter, r *http.Request) {
	pg, f, status, err := s.list(r, true)
	q := r.URL.Query()
	p := s.newPage(r, "queue", nil)
	v := &queueView{Page: pg, Filter: f, Query: q, CanClaim: from(r.Context()).User.Role.Can(review.PermDecide), Now: s.cfg.Now(),
		Governorates: gazetteer.Governorates, Platforms: queuePlatforms, Saved: s.saved(r, "queue"),
		Sort: sortCols(q, f)}
	for _, l := range s.cfg.Policy.Labels {
		v.Labels = append(v.Labels, l.Name)
	}
	if err != nil {
		v.Error = p.localError(err)
	}
	for _, it := range pg.Items {
		row := queueRow{Item: it, Href: "/items/" + url.PathEscape(it.ID)}
		id := it.ID
		if strings.HasPrefix(id, OpaquePrefix) {
			id, _ = s.resolveID(r.Context(), id)
		}
		if rec, err := s.cfg.Backend.Get(r.Context(), id); err == nil {
			row.Text = markSpans(rec.Post.Text, evidence(&rec))
		}
		v.Rows = append(v.Rows, row)
	}
	if n := len(pg.Items); n > 0 {
		v.From, v.To = f.Offset+1, f.Offset+n
	} else if err == nil {
		if _, _, work, cerr := s.cfg.Backend.Counts(r.Context()); cerr == nil {
			v.Pending = work
		}
	}
	page := func(off int) string {
		qq := url.Values{}
		for k, vs := range q {
			if k != "msg" && k != "undo" && k != "item" {
				qq[k] = vs
			}
		}
		qq.Set("offset", strconv.Itoa(max(0, off)))
		return "/queue?" + qq.Encode()
	}
	if pg.More {
		v.NextURL = page(f.Offset + f.PageSize())
	}
	if f.Offset > 0 {
		v.PrevURL = page(f.Offset - f.PageSize())
	}
	if u := q.Get("undo"); u != "" && v.CanClaim {
		v.Undo, v.UndoItem, v.UndoSeconds = u, q.Get("item"), int(s.cfg.Rules.UndoFor()/time.Second)
	}
	if q.Get("msg") == "bulk" {
		if n, err := strconv.Atoi(q.Get("done")); err == nil {
			p.Msg += " " + p.Num(n)
		}
	}
	p.Data = v
	s.render(w, status, "queue.html", p)
}

// undo takes back the caller's decision id about item and audits it.
func (s *Server) undo(r *http.Request, item, id string) (review.Item, review.Decision, error) {
	who := s.reviewer(r)
	it, d, err := s.cfg.Store.Undo(r.Context(), item, id, who, s.cfg.Rules, s.cfg.Now())
	if err != nil {
		return it, d, err
	}
	s.audit(audit.Event{Type: audit.TypeDecision, Actor: "user:" + who.Name, Subject: item, Details: map[string]any{
		"undo": d.ID, "action": d.Action, "verdict": d.Verdict, "reason_code": d.ReasonCode, "stage": d.Stage,
		"status": it.Status, "role": from(r.Context()).User.Role,
	}})
	// An undone referral or dismissal changes what the item's referrals follow.
	if _, err := s.ref.FollowReview(r.Context(), item, "user:"+who.Name); err != nil {
		s.cfg.Log.Error("following review after an undo", "item", item, "err", err)
	}
	return it, d, nil
}

func (s *Server) postUndo(w http.ResponseWriter, r *http.Request) {
	id := s.pathItem(r)
	if _, _, err := s.undo(r, id, r.PostFormValue("decision")); err != nil {
		s.fail(w, r, err, "/queue")
		return
	}
	http.Redirect(w, r, "/items/"+url.PathEscape(s.itemID(r, id))+"?msg=undone", http.StatusSeeOther)
}

func (s *Server) apiUndo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Item     string `json:"item"`
		Decision string `json:"decision"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if in.Item == "" || in.Decision == "" {
		WriteError(w, http.StatusBadRequest, errors.New("item and decision are required"))
		return
	}
	item, err := s.resolveID(r.Context(), in.Item)
	if err != nil {
		item = in.Item
	}
	it, d, err := s.undo(r, item, in.Decision)
	if err != nil {
		s.fail(w, r, err, "")
		return
	}
	s.mask(r, &it)
	WriteJSON(w, http.StatusOK, map[string]any{"item": it, "undone": s.maskDecision(r, d)})
}

// sendToReview puts the stored post id in the review queue as a manual
// item, audited; an item already there is left as it is.
func (s *Server) sendToReview(r *http.Request, id string) (string, error) {
	rec, err := s.cfg.Backend.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return "", errNoPost
	}
	if err != nil {
		return "", fmt.Errorf("reading post %s: %w", id, err)
	}
	if _, err := s.cfg.Store.Item(r.Context(), id); err == nil {
		return id, nil
	}
	it := review.ItemFor(&rec)
	it.Added, it.Manual, it.Sample = s.cfg.Now(), true, false
	if err := s.cfg.Store.Add(r.Context(), []review.Item{it}); err != nil {
		return "", fmt.Errorf("adding %s to the review queue: %w", id, err)
	}
	who := from(r.Context()).User
	s.audit(audit.Event{Type: audit.TypeDecision, Actor: "user:" + who.Name, Subject: id, Details: map[string]any{
		"action": "send_to_review", "labels": it.Labels, "score": it.Score, "role": who.Role,
	}})
	return id, nil
}

func (s *Server) postSendToReview(w http.ResponseWriter, r *http.Request) {
	id, err := s.sendToReview(r, s.pathItem(r))
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, errNoPost) {
			status = http.StatusNotFound
		} else {
			s.cfg.Log.Error("sending a post to review", "err", err)
		}
		s.errorPage(w, r, status, err)
		return
	}
	http.Redirect(w, r, "/items/"+url.PathEscape(s.itemID(r, id))+"?msg=sent", http.StatusSeeOther)
}

// errorView is an error page's data.
type errorView struct {
	Status  int
	Heading string
	Detail  string
}

// errorPage answers a page request with status in the site's layout, in
// the reader's language.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := s.newPage(r, "error", nil)
	v := &errorView{Status: status, Heading: p.T(fmt.Sprintf("e_%d", status))}
	if _, ok := words[fmt.Sprintf("e_%d", status)]; !ok {
		v.Heading = p.T("e_failed")
	}
	if status != http.StatusNotFound {
		v.Detail = p.localError(err)
	}
	p.Title = v.Heading
	p.Data = v
	s.render(w, status, "error.html", p)
}

// reasonPhrases are the fixed phrases of the policy's routing reasons
// (policy/route.go) with their Arabic, longest first.
var reasonPhrases = [][2]string{
	{"item is protected; no violation label reached a rule", "المنشور محمي؛ لم يبلغ أي تصنيف مخالف قاعدة"},
	{"): it ignores those categories", "): تتجاهل هذه الفئات"},
	{" is not held back by the protection of this item (", " لا توقفها حماية هذا المنشور ("},
	{" held back: item is protected and ", " أُوقفت: المنشور محمي و"},
	{"protected item above the protected bar", "منشور محمي فوق عتبة الحماية"},
	{"< protected bar", "< عتبة الحماية"},
	{" superseded by ", " حلّت محلها "},
	{" fired: ", " انطبقت: "},
	{"rule ", "القاعدة "},
	{"context ", "سياق "},
	{"signal ", "إشارة "},
}

// reasonWord finds the identifiers in a routing reason: rule ids and label
// names.
var reasonWord = regexp.MustCompile(`[a-z][a-z0-9_.-]*[a-z0-9]`)

// Reason writes a routing reason in the page's language: in Arabic its
// fixed phrases and label names translated; rule ids and numbers kept, the
// rule ids as code.
func (p *page) Reason(s string) template.HTML {
	if p.Lang == Arabic {
		for _, ph := range reasonPhrases {
			s = strings.ReplaceAll(s, ph[0], ph[1])
		}
		s = strings.ReplaceAll(s, ", ", "، ")
	}
	var b strings.Builder
	last := 0
	for _, m := range reasonWord.FindAllStringIndex(s, -1) {
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		w := s[m[0]:m[1]]
		_, isLabel := words["l_"+w]
		_, isRule := p.rule(w)
		switch {
		case isRule:
			b.WriteString(`<code dir="ltr">` + template.HTMLEscapeString(w) + `</code>`)
		case isLabel:
			b.WriteString(template.HTMLEscapeString(p.T("l_" + w)))
		default:
			b.WriteString(template.HTMLEscapeString(w))
		}
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
	return template.HTML(b.String())
}

// rule returns the policy's rule id, when there is one.
func (p *page) rule(id string) (policy.Rule, bool) {
	if p.pol == nil {
		return policy.Rule{}, false
	}
	return p.pol.Rule(id)
}

// maxBulk bounds the items of one bulk decision.
const maxBulk = 100

// verdictFor is the verdict a dismissal with reason code rc records: none
// of the labels hold for a false positive or protected speech; they hold
// for a post that is not actionable or a duplicate.
func verdictFor(rc review.ReasonCode) review.Verdict {
	if rc == review.ReasonNotActionable || rc == review.ReasonDuplicate {
		return review.VerdictTruePositive
	}
	return review.VerdictFalsePositive
}

// postBulk dismisses the selected queue items with one reason code: each
// is claimed and decided as a decision of its own (audited); items another
// reviewer holds or that are decided already are skipped.
func (s *Server) postBulk(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ids := r.PostForm["ids"]
	rc := review.ReasonCode(r.PostFormValue("reason_code"))
	switch {
	case len(ids) == 0 || len(ids) > maxBulk:
		s.errorPage(w, r, http.StatusBadRequest, &inputError{Key: "e_bulk", Value: strconv.Itoa(len(ids)), en: fmt.Sprintf("select from 1 to %d items", maxBulk)})
		return
	case rc == "":
		s.fail(w, r, errNeedReason, "/queue")
		return
	}
	who, now := s.reviewer(r), s.cfg.Now()
	done := 0
	for _, raw := range ids {
		id, err := s.resolveID(r.Context(), raw)
		if err != nil {
			continue
		}
		it, err := s.cfg.Store.Item(r.Context(), id)
		if err != nil {
			continue
		}
		if it.Score >= HighScore && r.PostFormValue("confirm") == "" {
			s.fail(w, r, errConfirmHigh, "/queue")
			return
		}
		it, err = s.cfg.Store.Claim(r.Context(), id, who, now, s.cfg.Rules.LeaseFor())
		if err != nil {
			continue
		}
		d := review.Decision{Item: id, Action: review.ActionDismiss, Verdict: verdictFor(rc), ReasonCode: rc, Lease: it.Lease.Token,
			Reason: strings.TrimSpace(r.PostFormValue("reason"))}
		if _, _, err := s.decide(r, d); err != nil {
			if status, _ := errCode(err); status == http.StatusBadRequest {
				s.fail(w, r, err, "/queue")
				return
			}
			_ = s.cfg.Store.Release(r.Context(), id, who.Name, it.Lease.Token)
			continue
		}
		done++
	}
	http.Redirect(w, r, "/queue?msg=bulk&done="+strconv.Itoa(done), http.StatusSeeOther)
}

// Limits on saved filters and searches.
const (
	maxSaved     = 20
	maxSavedName = 60
)

// savedKinds are the pages a query can be saved on, with their paths.
var savedKinds = map[string]string{"queue": "/queue", "search": "/search"}

// cleanQuery keeps the filter of a query string: no paging, messages or
// one-off parameters.
func cleanQuery(raw string) (string, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return "", err
	}
	for _, k := range []string{"offset", "msg", "undo", "item", "done", "csrf"} {
		v.Del(k)
	}
	return v.Encode(), nil
}

// saveQuery saves query (cleaned) under name for the caller's page kind,
// replacing one of that name, with alert set for a search that raises
// alerts, or with del removes it; audited. It returns the cleaned query.
func (s *Server) saveQuery(r *http.Request, kind, name, raw string, alert, del bool) (string, error) {
	name = strings.TrimSpace(name)
	if _, ok := savedKinds[kind]; !ok {
		return "", &inputError{Key: "e_saved_kind", Value: kind, en: "kind must be queue or search"}
	}
	query, err := cleanQuery(raw)
	if err != nil || name == "" || len([]rune(name)) > maxSavedName || len(query) > 2048 {
		return "", &inputError{Key: "e_saved_name", Value: name, en: fmt.Sprintf("a saved filter needs a name of at most %d characters", maxSavedName)}
	}
	alert = alert && kind == "search" && !del
	if alert {
		v, _ := url.ParseQuery(query)
		if _, err := queryFromURL(v, true); err != nil {
			return "", err
		}
	}
	who := from(r.Context()).User.Name
	_, err = s.cfg.Store.UpdateUser(r.Context(), who, func(u *review.User) error {
		u.Saved = slices.DeleteFunc(u.Saved, func(q review.SavedQuery) bool { return q.Kind == kind && q.Name == name })
		if del {
			return nil
		}
		if n := len(slices.DeleteFunc(slices.Clone(u.Saved), func(q review.SavedQuery) bool { return q.Kind != kind })); n >= maxSaved {
			return &inputError{Key: "e_saved_many", Value: strconv.Itoa(n), en: fmt.Sprintf("at most %d saved per page", maxSaved)}
		}
		u.Saved = append(u.Saved, review.SavedQuery{Kind: kind, Name: name, Query: query, Created: s.cfg.Now().UTC(), Alert: alert})
		return nil
	})
	if err != nil {
		return "", err
	}
	action := "save"
	if del {
		action = "delete"
	}
	details := map[string]any{"action": action, "kind": kind, "name": name, "query": query}
	if alert {
		details["alert"] = true
	}
	s.audit(audit.Event{Type: "saved_query", Actor: "user:" + who, Subject: "user:" + who, Details: details})
	return query, nil
}

// postSaved saves the current queue filter or search under a name (one of
// that name is replaced), or with delete set removes it; audited.
func (s *Server) postSaved(w http.ResponseWriter, r *http.Request) {
	kind, del := r.PostFormValue("kind"), r.PostFormValue("delete") != ""
	query, err := s.saveQuery(r, kind, r.PostFormValue("name"), r.PostFormValue("query"), r.PostFormValue("alert") == "1", del)
	if ie := (*inputError)(nil); errors.As(err, &ie) {
		s.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		s.cfg.Log.Error("saving a filter", "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, err)
		return
	}
	if del {
		http.Redirect(w, r, savedKinds[kind], http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, savedKinds[kind]+"?"+query, http.StatusSeeOther)
}

// apiSaved saves, changes or deletes a saved queue filter or search:
// {"kind", "name", "query", "alert", "delete"}; audited.
func (s *Server) apiSaved(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind   string `json:"kind"`
		Name   string `json:"name"`
		Query  string `json:"query"`
		Alert  bool   `json:"alert"`
		Delete bool   `json:"delete"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	query, err := s.saveQuery(r, in.Kind, in.Name, in.Query, in.Alert, in.Delete)
	if ie := (*inputError)(nil); errors.As(err, &ie) {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		s.cfg.Log.Error("saving a filter", "err", err)
		WriteError(w, http.StatusInternalServerError, errors.New("saving failed"))
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"kind": in.Kind, "name": strings.TrimSpace(in.Name), "query": query,
		"alert": in.Alert && in.Kind == "search" && !in.Delete, "deleted": in.Delete})
}

// savedView lists the caller's saved queries of kind with their links.
type savedView struct {
	Kind, Query string
	List        []savedLink
}

type savedLink struct {
	Name, Href string
	On         bool
	// Alert is set for a saved search that raises alerts.
	Alert bool
}

// saved returns the caller's saved queries of kind, marking the one r shows.
func (s *Server) saved(r *http.Request, kind string) savedView {
	cur, _ := cleanQuery(r.URL.RawQuery)
	v := savedView{Kind: kind, Query: cur}
	for _, q := range from(r.Context()).User.Saved {
		if q.Kind == kind {
			v.List = append(v.List, savedLink{Name: q.Name, Href: savedKinds[kind] + "?" + q.Query, On: q.Query == cur, Alert: q.Alert})
		}
	}
	return v
}

// Pct1 writes a 0–1 score as a percentage with one decimal in the page's
// digits.
func (p *page) Pct1(f float64) string {
	if p.Lang == English {
		return fmt.Sprintf("%.1f%%", f*100)
	}
	return p.Num(strings.Replace(fmt.Sprintf("%.1f", f*100), ".", "٫", 1)) + "٪"
}

// signalDetails are the Arabic of the details the signals stage writes: the
// roles it reads and the kinds of threat, call and slogan it names.
var signalDetails = map[string]string{
	"activist": "ناشط", "journalist": "صحفي", "defender": "مدافع عن حقوق الإنسان", "protester": "متظاهر",
	"official": "مسؤول", "candidate": "مرشح", "cleric": "رجل دين", "tribal": "شخصية عشائرية", "bounty": "مطلوب رأسه",
	"handle": "حساب", "kunya": "كنية", "name": "اسم", "home": "البيت", "family": "الأسرة", "car": "السيارة",
	"work": "العمل", "phone number": "رقم هاتف", "address": "عنوان", "slogan": "شعار", "recruitment": "تجنيد",
	"pledge": "بيعة", "kill": "قتل", "slaughter": "ذبح", "abduct": "خطف", "days counted": "أيام معدودة",
	"you are next": "أنت التالي", "last warning": "إنذار أخير", "blood declared lawful": "إهدار الدم",
	"bullet": "رصاصة", "tribal attack": "دكة عشائرية", "fear for your life": "تهديد بالحياة",
	"fear for your family": "تهديد بالأسرة", "silence or else": "إسكات بالتهديد", "funeral prayer": "الفاتحة على الحي",
	"rejection": "رفض", "negated claim": "نفي", "reporting verb": "فعل نقل", "quotation marks": "علامات اقتباس",
	"corruption claim": "ادعاء فساد", "advert": "إعلان", "theology": "علم ديني", "word": "كلمة", "emoji": "رمز تعبيري",
}

// SignalDetail writes a signal's detail in the page's language: English
// pages get it as stored; Arabic pages get the role or kind it names in
// Arabic, the handle as written, and nothing for a detail with no Arabic.
func (p *page) SignalDetail(d string) string {
	if p.Lang == English || d == "" {
		return d
	}
	if h, ok := strings.CutPrefix(d, "handle "); ok {
		return strings.Trim(h, `"`)
	}
	key := d
	if r, ok := strings.CutPrefix(d, "role "); ok {
		key, _, _ = strings.Cut(strings.Trim(r, `"`), `"`)
		key = strings.TrimSpace(key)
	}
	if ar, ok := signalDetails[key]; ok {
		return ar
	}
	return ""
}

// Protection names a protected-speech category in the page's language.
func (p *page) Protection(id string) string {
	if _, ok := words["pc_"+id]; ok {
		return p.T("pc_" + id)
	}
	return id
}

// When writes a time as the pages do (UTC, to the minute) in the page's
// digits.
func (p *page) When(t time.Time) string { return p.Num(t.UTC().Format("2006-01-02 15:04")) }

// Day writes a day in the page's digits.
func (p *page) Day(t time.Time) string { return p.Num(t.Format("2006-01-02")) }
