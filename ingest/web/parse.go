package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

func (p Profile) validate() error {
	if p.Post == "" {
		return errors.New("post is required (CSS selector of one post)")
	}
	for _, s := range []struct{ key, sel string }{
		{"post", p.Post}, {"text", p.Text}, {"author", p.Author}, {"time", p.Time},
		{"permalink", p.Permalink}, {"next_page", p.NextPage}, {"media", p.Media},
	} {
		if s.sel == "" {
			continue
		}
		if _, err := cascadia.ParseGroup(s.sel); err != nil {
			return fmt.Errorf("%s: %q is not a valid CSS selector: %v", s.key, s.sel, err)
		}
	}
	if p.TimeLayout != "" && p.Time == "" {
		return errors.New("time_layout is set but time is not")
	}
	return nil
}

// ParsePage extracts the posts and next-page links of one UTF-8 page using
// the profile. Posts have every field the page provides (not Source, Fetched,
// Lang or RawSHA256), their media and their capture. Post elements with no
// text are reported in bad and left out; an unparsable time leaves Created
// zero.
func ParsePage(body []byte, page *url.URL, prof Profile) (posts []ingest.Post, next []string, bad []error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, nil, []error{fmt.Errorf("parsing html: %w", err)}
	}
	doc.Url = page
	src := httpx.NewPageSource(body, doc.Nodes[0])
	var pageMedia []ingest.Media
	if prof.PageMedia {
		pageMedia = httpx.PageImages(doc.Selection, page)
	}
	layout := prof.TimeLayout
	if layout == "" {
		layout = time.RFC3339
	}
	doc.Find(prof.Post).Each(func(i int, s *goquery.Selection) {
		textSel := s
		if prof.Text != "" {
			textSel = s.Find(prof.Text).First()
		}
		p := ingest.Post{Platform: Name, Text: httpx.ElementText(textSel)}
		if p.Text == "" {
			bad = append(bad, fmt.Errorf("post %d (%s): no text", i+1, prof.Post))
			return
		}
		if prof.Author != "" {
			a := s.Find(prof.Author).First()
			p.Author.Handle = strings.TrimSpace(a.Text())
			if prof.AuthorIDAttr != "" {
				p.Author.ID = strings.TrimSpace(a.AttrOr(prof.AuthorIDAttr, ""))
			}
		}
		if prof.Time != "" {
			t := s.Find(prof.Time).First()
			v := strings.TrimSpace(t.Text())
			if prof.TimeAttr != "" {
				v = strings.TrimSpace(t.AttrOr(prof.TimeAttr, ""))
			}
			if ts, err := time.Parse(layout, v); err == nil {
				p.Created = ts.UTC()
			}
		}
		if prof.Permalink != "" {
			if href, ok := s.Find(prof.Permalink).First().Attr("href"); ok {
				p.Permalink = resolve(page, href, true)
			}
		}
		switch id := strings.TrimSpace(s.AttrOr(prof.IDAttr, "")); {
		case prof.IDAttr != "" && id != "":
			p.NativeID = page.Host + "#" + id
		case p.Permalink != "":
			p.NativeID = p.Permalink
		default:
			p.NativeID = page.Host + page.EscapedPath() + "#" + httpx.SHA256Hex([]byte(p.Author.Handle + "\x00" + p.Text))[:16]
		}
		p.ID = ingest.MakeID(Name, p.NativeID)
		mediaSel := textSel
		if prof.Media != "" {
			mediaSel = s.Find(prof.Media)
		}
		for _, m := range append(httpx.Images(mediaSel, page), pageMedia...) {
			p.AddMedia(m)
		}
		p.SetCapture(src.Capture(s), httpx.HTMLCaptureType)
		posts = append(posts, p)
	})
	if prof.NextPage != "" {
		doc.Find(prof.NextPage).Each(func(_ int, s *goquery.Selection) {
			if href, ok := s.Attr("href"); ok {
				if u := resolve(page, href, false); u != "" && u != page.String() {
					next = append(next, u)
				}
			}
		})
	}
	return posts, next, bad
}

// resolve makes href absolute against page, keeping the fragment only when
// asked (permalinks of comments are often #fragments); "" if unusable.
func resolve(page *url.URL, href string, keepFragment bool) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "javascript:") || strings.HasPrefix(href, "mailto:") {
		return ""
	}
	u, err := page.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	if !keepFragment {
		u.Fragment = ""
	}
	return u.String()
}
