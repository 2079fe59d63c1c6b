// Package web is the connector for news comment sections and forums: a
// gocolly/colly crawler (kept private to this package) driven by a per-site
// profile of CSS selectors.
//
// Settings:
//
//	start_urls: [https://forum.example.iq/t/1234]   # required
//	allowed_domains: [forum.example.iq]             # default: hosts of start_urls
//	user_agent: RasdBot/1.0                         # default httpx.DefaultUserAgent
//	lang: [ar]                                      # language hints for the posts
//	selectors:
//	  post: .comment                 # one element per post (required)
//	  text: .comment-body            # inside post; default: the post element itself
//	  author: .comment-author        # inside post
//	  author_id_attr: data-user-id   # attribute of the author element holding a stable id
//	  time: time                     # inside post
//	  time_attr: datetime            # read the time from this attribute; default: element text
//	  time_layout: 2006-01-02T15:04:05Z07:00   # Go layout; default RFC 3339
//	  permalink: a.permalink         # inside post; its href
//	  id_attr: data-comment-id       # attribute of the post element holding its id
//	  next_page: a.next              # on the page; followed up to max_depth / max_pages
//	  media: .attachments            # inside post: where its images are; default: the text element
//	  page_media: false              # true: og:image / twitter:image belong to each post (article pages)
//	retry: {max_retries: 4, base_delay: 500ms}
//
// robots.txt is always respected. Limits: rate_per_sec (default 1) and
// concurrency (default 1) become a colly LimitRule for every domain;
// max_depth (default 3) and max_pages (default 20) bound one crawl;
// max_body_bytes caps a page.
//
// The cursor records, per page URL, its ETag / Last-Modified and the next-page
// links found on it, plus the ids of posts already returned. Unchanged pages
// are answered 304 and not parsed again; their stored next links are still
// followed. Post.RawSHA256 is the SHA-256 of the raw bytes of the page the
// post was on. Post.Capture is the post element as it stands in the page
// (converted to UTF-8; see httpx.PageSource), and Post.Media the images in
// it (see httpx.Images), with the page's own picture when page_media is set.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Name is the connector type in sources.yaml.
const Name = "web"

// Defaults for unset limits.
const (
	// DefaultMaxDepth bounds how many next-page links deep a crawl goes.
	DefaultMaxDepth = 3
	// DefaultMaxPages bounds the pages of one crawl.
	DefaultMaxPages = 20
	// DefaultRatePerSec is the request rate per domain.
	DefaultRatePerSec = 1.0
	// MaxSeen bounds the post ids kept in the cursor.
	MaxSeen = 5000
)

func init() { ingest.MustRegister(Name, New) }

// Settings are the connector's YAML settings.
type Settings struct {
	// StartURLs are where each crawl begins.
	StartURLs []string `yaml:"start_urls"`
	// AllowedDomains restricts the crawl; default the start URLs' hosts.
	AllowedDomains []string `yaml:"allowed_domains"`
	// UserAgent is sent with every request and matched against robots.txt.
	UserAgent string `yaml:"user_agent"`
	// Lang are language hints copied to each post.
	Lang []string `yaml:"lang"`
	// Selectors is the site profile.
	Selectors Profile `yaml:"selectors"`
	// Retry tunes back-off.
	Retry httpx.RetrySettings `yaml:"retry"`
}

// Profile holds a site's CSS selectors; see the package doc.
type Profile struct {
	// Post selects one element per post (required).
	Post string `yaml:"post"`
	// Text selects the text inside a post; empty means the post element.
	Text string `yaml:"text"`
	// Author selects the author's name inside a post.
	Author string `yaml:"author"`
	// AuthorIDAttr is the author element's attribute holding a stable id.
	AuthorIDAttr string `yaml:"author_id_attr"`
	// Time selects the post's time inside a post.
	Time string `yaml:"time"`
	// TimeAttr reads the time from this attribute instead of the text.
	TimeAttr string `yaml:"time_attr"`
	// TimeLayout is the Go layout of the time (default RFC 3339).
	TimeLayout string `yaml:"time_layout"`
	// Permalink selects a link inside a post whose href is the permalink.
	Permalink string `yaml:"permalink"`
	// IDAttr is the post element's attribute holding its id.
	IDAttr string `yaml:"id_attr"`
	// NextPage selects links to the next page on the page.
	NextPage string `yaml:"next_page"`
	// Media selects, inside a post, the elements whose images are the
	// post's media (img elements or what holds them); empty means the text
	// element.
	Media string `yaml:"media"`
	// PageMedia adds the page's own picture (og:image, twitter:image) to
	// each post's media: for profiles whose post is the article itself, not
	// for comment sections, where that picture is the article's.
	PageMedia bool `yaml:"page_media"`
}

// Connector crawls one site profile.
type Connector struct {
	source   string
	set      Settings
	limits   ingest.Limits
	opts     httpx.Options
	redactor *httpx.Client
	log      *slog.Logger
}

// New builds the connector from a source spec.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	if len(s.StartURLs) == 0 {
		return nil, httpx.SpecErrorf(spec, "start_urls: at least one URL is required")
	}
	for _, u := range s.StartURLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, httpx.SpecErrorf(spec, "start_urls: %q is not an absolute http(s) URL", u)
		}
		if len(s.AllowedDomains) > 0 && !containsHost(s.AllowedDomains, p.Hostname()) {
			return nil, httpx.SpecErrorf(spec, "start_urls: host of %q is not in allowed_domains", u)
		}
	}
	if len(s.AllowedDomains) == 0 {
		for _, u := range s.StartURLs {
			p, _ := url.Parse(u)
			if !containsHost(s.AllowedDomains, p.Hostname()) {
				s.AllowedDomains = append(s.AllowedDomains, p.Hostname())
			}
		}
	}
	if err := s.Selectors.validate(); err != nil {
		return nil, httpx.SpecErrorf(spec, "selectors: %v", err)
	}
	if err := s.Retry.Validate(); err != nil {
		return nil, httpx.SpecErrorf(spec, "%v", err)
	}
	if s.UserAgent == "" {
		s.UserAgent = httpx.DefaultUserAgent
	}
	l := spec.Limits
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.RatePerSec <= 0 {
		l.RatePerSec = DefaultRatePerSec
	}
	if l.Concurrency <= 0 {
		l.Concurrency = 1
	}
	o := httpx.OptionsFor(spec, s.Retry, s.StartURLs[0])
	o.UserAgent = s.UserAgent
	return &Connector{
		source: spec.Name, set: s, limits: l, opts: o, redactor: httpx.New(o),
		log: slog.Default().With("source", spec.Name, "connector", Name),
	}, nil
}

func containsHost(list []string, h string) bool {
	for _, x := range list {
		if strings.EqualFold(x, h) {
			return true
		}
	}
	return false
}

// state is the cursor, JSON-encoded.
type state struct {
	Pages map[string]pageState `json:"pages,omitempty"`
	Seen  []string             `json:"seen,omitempty"`
}

type pageState struct {
	httpx.Validator
	Next []string `json:"next,omitempty"`
}

// Fetch crawls from the start URLs and returns posts not returned before, in
// page order. Pages that fail are reported in an *ingest.SkipError alongside
// the posts of the pages that worked (their URLs are tried again next time);
// if no page could be fetched at all, the error is returned alone.
func (c *Connector) Fetch(ctx context.Context, cursor ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	st := state{Pages: map[string]pageState{}}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &st); err != nil {
			return nil, cursor, fmt.Errorf("web source %q: bad cursor: %w", c.source, err)
		}
		if st.Pages == nil {
			st.Pages = map[string]pageState{}
		}
	}
	seen := make(map[string]bool, len(st.Seen))
	for _, id := range st.Seen {
		seen[id] = true
	}
	client := httpx.New(c.opts)
	client.Transport().DecodeText = true

	col := colly.NewCollector(
		colly.UserAgent(c.set.UserAgent),
		colly.MaxDepth(c.limits.MaxDepth),
		colly.AllowedDomains(c.set.AllowedDomains...),
		colly.MaxRequests(uint32(c.limits.MaxPages)),
		colly.StdlibContext(ctx),
		colly.Async(true),
	)
	col.IgnoreRobotsTxt = false
	col.MaxBodySize = 0 // the transport enforces the cap and reports it
	col.WithTransport(client.Transport())
	col.SetRedirectHandler(client.Transport().CheckRedirect)
	delay := time.Duration(float64(time.Second) / c.limits.RatePerSec)
	if err := col.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: c.limits.Concurrency, Delay: delay}); err != nil {
		return nil, cursor, fmt.Errorf("web source %q: limit rule: %w", c.source, err)
	}

	var (
		mu      sync.Mutex
		pages   = map[string][]ingest.Post{} // by URL; order keeps first-response order
		order   []string
		skips   []ingest.Skip
		okPages int
		now     = time.Now().UTC()
	)
	skip := func(where string, err error) {
		mu.Lock()
		skips = append(skips, ingest.Skip{Where: c.redactor.Redact(where), Err: httpx.Scrub(err, c.opts.Secrets...)})
		mu.Unlock()
	}
	visit := func(r *colly.Request, link string) {
		var err error
		if r == nil {
			err = col.Visit(link)
		} else {
			err = r.Visit(link)
		}
		var already *colly.AlreadyVisitedError
		switch {
		case err == nil, errors.As(err, &already), errors.Is(err, colly.ErrMaxDepth),
			errors.Is(err, colly.ErrMaxRequests), errors.Is(err, colly.ErrForbiddenDomain):
		case errors.Is(err, colly.ErrRobotsTxtBlocked):
			c.log.Info("robots.txt disallows page", "url", link)
			skip(link, fmt.Errorf("robots.txt disallows this page"))
		default:
			skip(link, err)
		}
	}
	requested := map[string]bool{}
	col.OnRequest(func(r *colly.Request) {
		mu.Lock()
		ps, ok := st.Pages[r.URL.String()]
		requested[r.URL.String()] = true
		mu.Unlock()
		if ok {
			if ps.ETag != "" {
				r.Headers.Set("If-None-Match", ps.ETag)
			}
			if ps.LastModified != "" {
				r.Headers.Set("If-Modified-Since", ps.LastModified)
			}
		}
	})
	col.OnResponse(func(r *colly.Response) {
		u := r.Request.URL.String()
		posts, next, bad := ParsePage(r.Body, r.Request.URL, c.set.Selectors)
		sha := r.Headers.Get(httpx.RawSHA256Header)
		if sha == "" {
			sha = httpx.SHA256Hex(r.Body)
		}
		mu.Lock()
		okPages++
		requested[u] = true // the final URL, after any redirect
		st.Pages[u] = pageState{
			Validator: httpx.Validator{ETag: r.Headers.Get("ETag"), LastModified: r.Headers.Get("Last-Modified")},
			Next:      next,
		}
		for i := range posts {
			posts[i].RawSHA256 = sha
		}
		if _, dup := pages[u]; !dup {
			order = append(order, u)
		}
		pages[u] = posts
		for _, b := range bad {
			skips = append(skips, ingest.Skip{Where: u, Err: b})
		}
		mu.Unlock()
		for _, n := range next {
			visit(r.Request, n)
		}
	})
	col.OnError(func(r *colly.Response, err error) {
		u := r.Request.URL.String()
		if r.StatusCode == http.StatusNotModified {
			mu.Lock()
			okPages++
			next := st.Pages[u].Next
			mu.Unlock()
			for _, n := range next {
				visit(r.Request, n)
			}
			return
		}
		if r.StatusCode != 0 {
			err = &httpx.StatusError{URL: c.redactor.Redact(u), Code: r.StatusCode}
		}
		skip(u, err)
	})
	for _, u := range c.set.StartURLs {
		visit(nil, u)
	}
	col.Wait()

	if okPages == 0 {
		msgs := make([]string, 0, len(skips))
		errs := make([]error, 0, len(skips))
		for _, s := range skips {
			msgs = append(msgs, s.Where+": "+s.Err.Error())
			errs = append(errs, s.Err)
		}
		// The causes stay wrapped (errors.Is finds httpx.ErrInternalAddress).
		return nil, cursor, &fetchError{msg: fmt.Sprintf("web source %q: no page could be fetched: %s", c.source, strings.Join(msgs, "; ")), errs: errs}
	}
	var out []ingest.Post
	for _, u := range order {
		for _, p := range pages[u] {
			if seen[p.NativeID] {
				continue
			}
			if c.limits.MaxPosts > 0 && len(out) >= c.limits.MaxPosts {
				break
			}
			seen[p.NativeID] = true
			st.Seen = append(st.Seen, p.NativeID)
			p.Source, p.Fetched, p.Lang = c.source, now, c.set.Lang
			out = append(out, p)
		}
	}
	if c.limits.MaxPosts > 0 && len(out) >= c.limits.MaxPosts {
		// pages with posts left out must be parsed again next time
		for _, u := range order {
			ps := st.Pages[u]
			ps.Validator = httpx.Validator{}
			st.Pages[u] = ps
		}
	}
	if len(st.Seen) > MaxSeen {
		st.Seen = st.Seen[len(st.Seen)-MaxSeen:]
	}
	for u := range st.Pages {
		if !requested[u] { // no longer reachable from the start URLs
			delete(st.Pages, u)
		}
	}
	next := cursor
	if len(out) > 0 || cursor == "" {
		// Validators are kept only with new posts, so that a site whose
		// ETags change on every request cannot make the caller, which
		// fetches until the cursor stops changing, crawl it forever.
		b, err := json.Marshal(st)
		if err != nil {
			return out, cursor, fmt.Errorf("web source %q: encoding cursor: %w", c.source, err)
		}
		next = ingest.Cursor(b)
	}
	if len(skips) > 0 {
		return out, next, &ingest.SkipError{Items: skips}
	}
	return out, next, nil
}

// fetchError is the error of a fetch in which no page worked: its text lists
// every page and why, and Unwrap gives each cause.
type fetchError struct {
	msg  string
	errs []error
}

// Error lists the pages that failed.
func (e *fetchError) Error() string { return e.msg }

// Unwrap returns the cause of each failed page.
func (e *fetchError) Unwrap() []error { return e.errs }
