package rss

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest/httpx"
)

// ErrNotFeed means the document is well-formed XML but neither RSS nor Atom.
var ErrNotFeed = errors.New("not an RSS or Atom feed")

// Feed is a parsed RSS 2.0 or Atom document.
type Feed struct {
	// Title is the feed's title.
	Title string
	// Lang is the feed's declared language, e.g. "ar-iq".
	Lang string
	// Items are the items in document order.
	Items []Item
	// Truncated is set when the document ended early (or turned malformed)
	// after Items were parsed; it holds the parser's error.
	Truncated error
}

// Item is one feed item or entry.
type Item struct {
	// GUID is the item's guid (RSS) or id (Atom).
	GUID string
	// Link is the item's permalink.
	Link string
	// Title is the item's title as plain text.
	Title string
	// Summary is the description, content or summary stripped to plain text.
	Summary string
	// Author is the author's name, and AuthorID an e-mail or URI when given.
	Author, AuthorID string
	// Published is the publication (or update) time; zero if absent or unparsable.
	Published time.Time
	// Lang is the item's own xml:lang, if any.
	Lang string
	// MediaCaptions are Media RSS titles and descriptions.
	MediaCaptions []string
	// Raw is the item's XML exactly as in the fetched bytes, when the feed
	// was UTF-8; nil when it had to be transcoded.
	Raw []byte
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	Description string   `xml:"description"`
	Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	GUID        string   `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	DCDate      string   `xml:"http://purl.org/dc/elements/1.1/ date"`
	Author      string   `xml:"author"`
	Creator     string   `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Lang        string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Media       []mediaT `xml:"http://search.yahoo.com/mrss/ content"`
	MediaTitle  []string `xml:"http://search.yahoo.com/mrss/ title"`
	MediaDesc   []string `xml:"http://search.yahoo.com/mrss/ description"`
}

type mediaT struct {
	Title string `xml:"http://search.yahoo.com/mrss/ title"`
	Desc  string `xml:"http://search.yahoo.com/mrss/ description"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",innerxml"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Content   atomText   `xml:"content"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Author    struct {
		Name  string `xml:"name"`
		URI   string `xml:"uri"`
		Email string `xml:"email"`
	} `xml:"author"`
	Lang  string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Media []mediaT `xml:"http://search.yahoo.com/mrss/ group"`
}

// Parse parses an RSS 2.0 or Atom document. contentType is the HTTP
// Content-Type: a charset there wins over the XML declaration; otherwise the
// declaration (e.g. encoding="windows-1256") is honoured.
func Parse(body []byte, contentType string) (*Feed, error) {
	raw := body
	transcoded := false
	if cs := httpx.DeclaredCharset(contentType); cs != "" && cs != "utf-8" && cs != "utf8" {
		body = httpx.ToUTF8(body, contentType)
		transcoded = true
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		l := strings.ToLower(strings.TrimSpace(label))
		if transcoded || l == "utf-8" || l == "utf8" {
			return in, nil
		}
		transcoded = true
		return httpx.CharsetReader(label, in)
	}
	f := &Feed{}
	kind := ""
	depth := 0
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return f.stop(kind, fmt.Errorf("xml at byte %d: %w", d.InputOffset(), err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := t.Name.Local
			if depth == 1 {
				switch name {
				case "rss", "RDF":
					kind = "rss"
				case "feed":
					kind = "atom"
				default:
					return nil, fmt.Errorf("%w: root element <%s>", ErrNotFeed, name)
				}
				f.Lang = attr(t, "lang")
				continue
			}
			switch {
			case kind == "rss" && name == "item":
				var it rssItem
				if err := d.DecodeElement(&it, &t); err != nil {
					return f.stop(kind, fmt.Errorf("item %d: %w", len(f.Items)+1, err))
				}
				depth--
				f.Items = append(f.Items, it.item(rawSlice(raw, start, d.InputOffset(), transcoded)))
			case kind == "atom" && name == "entry":
				var e atomEntry
				if err := d.DecodeElement(&e, &t); err != nil {
					return f.stop(kind, fmt.Errorf("entry %d: %w", len(f.Items)+1, err))
				}
				depth--
				f.Items = append(f.Items, e.item(rawSlice(raw, start, d.InputOffset(), transcoded)))
			case name == "title" && f.Title == "" && (depth == 2 || kind == "rss" && depth == 3):
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return f.stop(kind, err)
				}
				depth--
				f.Title = strings.TrimSpace(s)
			case name == "language" && kind == "rss":
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return f.stop(kind, err)
				}
				depth--
				f.Lang = strings.TrimSpace(s)
			}
		case xml.EndElement:
			depth--
		}
	}
	if kind == "" {
		return nil, fmt.Errorf("%w: no root element", ErrNotFeed)
	}
	if depth > 0 {
		return f.stop(kind, fmt.Errorf("xml: %w (document ends inside an element)", io.ErrUnexpectedEOF))
	}
	return f, nil
}

// stop ends parsing on err: with items already parsed the feed is returned
// with Truncated set; otherwise err is returned.
func (f *Feed) stop(kind string, err error) (*Feed, error) {
	if kind == "" || len(f.Items) == 0 {
		return nil, err
	}
	f.Truncated = err
	return f, nil
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func rawSlice(raw []byte, start, end int64, transcoded bool) []byte {
	if transcoded || start < 0 || end > int64(len(raw)) || start >= end {
		return nil
	}
	return raw[start:end]
}

func (it rssItem) item(raw []byte) Item {
	out := Item{
		GUID:     strings.TrimSpace(it.GUID),
		Link:     strings.TrimSpace(it.Link),
		Title:    htmlText(it.Title),
		Author:   strings.TrimSpace(it.Creator),
		AuthorID: strings.TrimSpace(it.Author),
		Lang:     it.Lang,
		Raw:      raw,
	}
	if out.Author == "" {
		out.Author = out.AuthorID
	}
	desc := it.Content
	if strings.TrimSpace(desc) == "" {
		desc = it.Description
	}
	out.Summary = htmlText(desc)
	out.Published = parseDate(it.PubDate)
	if out.Published.IsZero() {
		out.Published = parseDate(it.DCDate)
	}
	for _, m := range it.Media {
		out.MediaCaptions = appendNonEmpty(out.MediaCaptions, htmlText(m.Title), htmlText(m.Desc))
	}
	for _, s := range append(it.MediaTitle, it.MediaDesc...) {
		out.MediaCaptions = appendNonEmpty(out.MediaCaptions, htmlText(s))
	}
	return out
}

func (e atomEntry) item(raw []byte) Item {
	out := Item{
		GUID:     strings.TrimSpace(e.ID),
		Title:    e.Title.text(),
		Author:   strings.TrimSpace(e.Author.Name),
		AuthorID: strings.TrimSpace(e.Author.URI),
		Lang:     e.Lang,
		Raw:      raw,
	}
	if out.AuthorID == "" {
		out.AuthorID = strings.TrimSpace(e.Author.Email)
	}
	for _, l := range e.Links {
		if l.Rel == "" || l.Rel == "alternate" {
			out.Link = strings.TrimSpace(l.Href)
			break
		}
	}
	out.Summary = e.Content.text()
	if out.Summary == "" {
		out.Summary = e.Summary.text()
	}
	out.Published = parseDate(e.Published)
	if out.Published.IsZero() {
		out.Published = parseDate(e.Updated)
	}
	for _, m := range e.Media {
		out.MediaCaptions = appendNonEmpty(out.MediaCaptions, htmlText(m.Title), htmlText(m.Desc))
	}
	return out
}

// text returns an Atom text construct as plain text: inner XML is unescaped
// once for text/html types (xhtml is markup already), then stripped.
func (a atomText) text() string {
	body := a.Body
	if strings.Contains(body, "<![CDATA[") {
		body = strings.NewReplacer("<![CDATA[", "", "]]>", "").Replace(body)
		return htmlText(body)
	}
	if a.Type != "xhtml" {
		var s string
		if err := xml.Unmarshal([]byte("<x>"+body+"</x>"), &s); err == nil {
			body = s
		}
	}
	return htmlText(body)
}

func appendNonEmpty(dst []string, ss ...string) []string {
	for _, s := range ss {
		if s != "" {
			dst = append(dst, s)
		}
	}
	return dst
}

// htmlText strips HTML from s and tidies whitespace.
func htmlText(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(s))
	if err != nil {
		return strings.Join(strings.Fields(s), " ")
	}
	return httpx.ElementText(doc.Selection)
}

var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, time.RFC3339, time.RFC3339Nano,
	"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 02 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700", "02 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 Z",
	"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
}

// parseDate accepts the date formats seen in the wild; zero if none fits.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
