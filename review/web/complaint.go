package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/referral"
)

// The public complaint form: a person whose post was referred names the
// referral by the public reference printed in the notice and says why the
// referral was wrong. No account is needed. The form carries a signed
// token bound to the client's address and the time it was served (no
// cookie), posts are counted per address and in all, and a reference no
// referral has gets the same answer as one that files a complaint.

// ComplaintLimits bound how many complaint forms are accepted.
type ComplaintLimits struct {
	// PerAddress is how many posts one client address may make per Window
	// (default 5).
	PerAddress int
	// Global is how many posts all clients together may make per Window
	// (default 120).
	Global int
	// Window is the period both limits count over (default one minute).
	Window time.Duration
	// TokenTTL is how long a served form may be posted (default two hours).
	TokenTTL time.Duration
	// Answer is the least time a well-formed complaint takes to answer, so
	// that one that is filed (stored, audited) and one naming an unknown
	// reference take the same time (default one second; negative: no wait).
	Answer time.Duration
}

func (l ComplaintLimits) withDefaults() ComplaintLimits {
	if l.PerAddress <= 0 {
		l.PerAddress = 5
	}
	if l.Global <= 0 {
		l.Global = 120
	}
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	if l.TokenTTL <= 0 {
		l.TokenTTL = 2 * time.Hour
	}
	if l.Answer == 0 {
		l.Answer = time.Second
	}
	return l
}

// MaxComplaintBody is the largest complaint form body read, in bytes: room
// for the longest text in Arabic, percent-encoded.
const MaxComplaintBody = 32 << 10

// rateLimiter counts events per key and in all over a sliding window.
type rateLimiter struct {
	mu  sync.Mutex
	per map[string][]time.Time
	all []time.Time
}

// allow records an event of key at now and reports whether it is within
// perKey events of key and global events in all over window.
func (l *rateLimiter) allow(key string, now time.Time, window time.Duration, perKey, global int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-window)
	keep := func(ts []time.Time) []time.Time {
		i := 0
		for i < len(ts) && !ts[i].After(cut) {
			i++
		}
		return ts[i:]
	}
	if l.per == nil {
		l.per = map[string][]time.Time{}
	}
	if len(l.per) > 10000 { // forget addresses that fell out of the window
		for k, ts := range l.per {
			if ts = keep(ts); len(ts) == 0 {
				delete(l.per, k)
			} else {
				l.per[k] = ts
			}
		}
	}
	l.all = keep(l.all)
	ts := keep(l.per[key])
	if len(ts) >= perKey || len(l.all) >= global {
		l.per[key] = ts
		return false
	}
	l.per[key], l.all = append(ts, now), append(l.all, now)
	return true
}

// formToken returns the complaint form's token for client at t: the time
// and a keyed MAC of it and the client's address.
func (s *Server) formToken(client string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 36)
	return ts + "." + s.cfg.Pseudonyms.Pseudonym("complaint-form:"+ts+":"+client)
}

// checkFormToken reports whether tok was served to client no longer than
// ttl before now.
func (s *Server) checkFormToken(tok, client string, now time.Time, ttl time.Duration) bool {
	ts, _, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 64 {
		return false
	}
	sec, err := strconv.ParseInt(ts, 36, 64)
	if err != nil {
		return false
	}
	t := time.Unix(sec, 0)
	if t.After(now.Add(time.Minute)) || now.Sub(t) > ttl {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s.formToken(client, t)), []byte(tok)) == 1
}

// complaintView is the complaint page's data.
type complaintView struct {
	Token     string
	Reference string
	Text      string
	Contact   string
	Error     string
	Received  bool
	MaxText   int
	MaxRef    int
	MaxMail   int
}

func (s *Server) complaintPage(w http.ResponseWriter, r *http.Request, status int, v *complaintView) {
	v.Token = s.formToken(s.clientOf(r), s.cfg.Now())
	v.MaxText, v.MaxRef, v.MaxMail = referral.MaxComplaintText, 4*review.ReferenceLen, referral.MaxComplaintContact
	w.Header().Set("Cache-Control", "no-store") // the token is the client's own
	s.render(w, status, "complaint.html", s.newPage(r, "complaint_title", v))
}

func (s *Server) pageComplaint(w http.ResponseWriter, r *http.Request) {
	s.complaintPage(w, r, http.StatusOK, &complaintView{})
}

// complaintError names the field a complaint was refused for, in the
// page's language.
func complaintError(l Lang, err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "reference"):
		return fmt.Sprintf(l.T("c_bad_reference"), review.ReferenceLen)
	case strings.Contains(msg, "contact"):
		return fmt.Sprintf(l.T("c_bad_contact"), referral.MaxComplaintContact)
	}
	return fmt.Sprintf(l.T("c_bad_text"), referral.MaxComplaintText)
}

func (s *Server) postComplaint(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	lim := s.cfg.ComplaintLimits.withDefaults()
	now, client := s.cfg.Now(), s.clientOf(r)
	if !s.complaints.allow(client, now, lim.Window, lim.PerAddress, lim.Global) {
		w.Header().Set("Retry-After", strconv.Itoa(int(lim.Window/time.Second)))
		s.complaintPage(w, r, http.StatusTooManyRequests, &complaintView{Error: l.T("c_too_many")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxComplaintBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.complaintPage(w, r, http.StatusRequestEntityTooLarge, &complaintView{Error: fmt.Sprintf(l.T("c_too_large"), MaxComplaintBody/1024)})
			return
		}
		s.complaintPage(w, r, http.StatusBadRequest, &complaintView{Error: l.T("c_bad_form")})
		return
	}
	c := referral.Complaint{Reference: r.PostForm.Get("reference"), Text: r.PostForm.Get("text"), Contact: strings.TrimSpace(r.PostForm.Get("contact"))}
	// Echo the fields back only when they are text a page can hold.
	v := &complaintView{}
	if utf8.ValidString(c.Reference) && utf8.ValidString(c.Text) && utf8.ValidString(c.Contact) {
		v.Reference, v.Text, v.Contact = c.Reference, c.Text, c.Contact
	}
	if !s.checkFormToken(r.PostForm.Get("token"), client, now, lim.TokenTTL) {
		// A stale or forged form: shown again with a fresh token (400,
		// not 403: no caller is refused this public page).
		v.Error = l.T("c_expired")
		s.complaintPage(w, r, http.StatusBadRequest, v)
		return
	}
	if err := referral.CheckComplaint(c); err != nil {
		v.Error = complaintError(l, err)
		s.complaintPage(w, r, http.StatusBadRequest, v)
		return
	}
	start := time.Now()
	_, err := s.ref.FileComplaint(r.Context(), c)
	// Even out the time: whether the reference exists does not show in it.
	if wait := lim.Answer - time.Since(start); wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, referral.ErrUnknownReference):
		// The same answer as a filed complaint: the form tells nobody
		// which references exist.
		s.cfg.Log.Warn("complaint naming an unknown reference", "client", client)
	case errors.Is(err, referral.ErrState), errors.Is(err, review.ErrNotFound):
		s.cfg.Log.Info("complaint not filed: the referral is not open to one", "err", err)
	default:
		s.cfg.Log.Error("filing a complaint", "err", err)
		v.Error = l.T("c_failed")
		s.complaintPage(w, r, http.StatusServiceUnavailable, v)
		return
	}
	s.complaintPage(w, r, http.StatusOK, &complaintView{Received: true})
}
