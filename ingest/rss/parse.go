package rss

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest"
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
	// Media are the item's enclosures (RSS enclosure, Atom link
	// rel=enclosure) and Media RSS content and thumbnails of image, video
	// or audio, then the images in its HTML, in that order, at most
	// maxItemMedia; URLs as the feed writes them (possibly relative).
	Media []ingest.Media
	// Raw is the item's XML exactly as in the fetched bytes, when the feed
	// was UTF-8; nil when it had to be transcoded.
	Raw []byte
	// XML is the item's XML element as parsed: the same bytes as Raw when
	// the feed was UTF-8, else the element converted to UTF-8.
	XML []byte
}

// maxItemMedia bounds the media one item lists before they are resolved and
// cut to ingest.MaxMedia.
const maxItemMedia = 4 * ingest.MaxMedia

type rssItem struct {
	Title       string         `xml:"title"`
	Link        string         `xml:"link"`
	Description string         `xml:"description"`
	Content     string         `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	GUID        string         `xml:"guid"`
	PubDate     string         `xml:"pubDate"`
	DCDate      string         `xml:"http://purl.org/dc/elements/1.1/ date"`
	Author      string         `xml:"author"`
	Creator     string         `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Lang        string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Enclosures  []enclosure    `xml:"enclosure"`
	Media       []mediaContent `xml:"http://search.yahoo.com/mrss/ content"`
	Groups      []mediaGroup   `xml:"http://search.yahoo.com/mrss/ group"`
	Thumbs      []mediaThumb   `xml:"http://search.yahoo.com/mrss/ thumbnail"`
	MediaTitle  []string       `xml:"http://search.yahoo.com/mrss/ title"`
	MediaDesc   []string       `xml:"http://search.yahoo.com/mrss/ description"`
}

// enclosure is an RSS <enclosure url type length>.
type enclosure struct {
	URL  string `xml:"url,attr"`
	Type string `xml:"type,attr"`
}

// mediaContent is a Media RSS <media:content>.
type mediaContent struct {
	URL    string       `xml:"url,attr"`
	Type   string       `xml:"type,attr"`
	Medium string       `xml:"medium,attr"`
	Title  string       `xml:"http://search.yahoo.com/mrss/ title"`
	Desc   string       `xml:"http://search.yahoo.com/mrss/ description"`
	Thumbs []mediaThumb `xml:"http://search.yahoo.com/mrss/ thumbnail"`
}

// mediaGroup is a Media RSS <media:group> of alternatives of one object.
type mediaGroup struct {
	Title    string         `xml:"http://search.yahoo.com/mrss/ title"`
	Desc     string         `xml:"http://search.yahoo.com/mrss/ description"`
	Contents []mediaContent `xml:"http://search.yahoo.com/mrss/ content"`
	Thumbs   []mediaThumb   `xml:"http://search.yahoo.com/mrss/ thumbnail"`
}

// mediaThumb is a Media RSS <media:thumbnail>.
type mediaThumb struct {
	URL string `xml:"url,attr"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr"`
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
	Lang   string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Groups []mediaGroup   `xml:"http://search.yahoo.com/mrss/ group"`
	Media  []mediaContent `xml:"http://search.yahoo.com/mrss/ content"`
	Thumbs []mediaThumb   `xml:"http://search.yahoo.com/mrss/ thumbnail"`
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
	} else if label := declaredEncoding(body); label != "" && label != "utf-8" && label != "utf8" {
		// Converted up front, so that offsets into body stay those of the
		// text the decoder reads (and an item's XML can be cut from it).
		if r, err := httpx.CharsetReader(label, bytes.NewReader(body)); err == nil {
			if conv, err := io.ReadAll(r); err == nil {
				body, transcoded = conv, true
			}
		}
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
				f.Items = append(f.Items, it.item(rawSlice(raw, start, d.InputOffset(), transcoded), rawSlice(body, start, d.InputOffset(), false)))
			case kind == "atom" && name == "entry":
				var e atomEntry
				if err := d.DecodeElement(&e, &t); err != nil {
					return f.stop(kind, fmt.Errorf("entry %d: %w", len(f.Items)+1, err))
				}
				depth--
				f.Items = append(f.Items, e.item(rawSlice(raw, start, d.InputOffset(), transcoded), rawSlice(body, start, d.InputOffset(), false)))
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

var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// declaredEncoding returns the encoding an XML declaration names,
// lowercased, or "".
func declaredEncoding(body []byte) string {
	head := bytes.TrimPrefix(body[:min(len(body), 256)], []byte("\ufeff"))
	if m := xmlDecl.FindSubmatch(head); m != nil {
		return strings.ToLower(string(m[1]))
	}
	return ""
}

func rawSlice(raw []byte, start, end int64, transcoded bool) []byte {
	if transcoded || start < 0 || end > int64(len(raw)) || start >= end {
		return nil
	}
	return raw[start:end]
}

func (it rssItem) item(raw, xmlBytes []byte) Item {
	out := Item{
		XML:      xmlBytes,
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
	for _, g := range it.Groups {
		out.MediaCaptions = appendNonEmpty(out.MediaCaptions, htmlText(g.Title), htmlText(g.Desc))
	}
	var ml mediaList
	for _, e := range it.Enclosures {
		ml.add(e.URL, ingest.MediaKindOfType(e.Type), e.Type)
	}
	ml.addMRSS(it.Media, it.Groups, it.Thumbs)
	ml.addImages(it.Content, it.Description)
	out.Media = ml.media
	return out
}

// mediaList gathers an item's media, at most maxItemMedia.
type mediaList struct{ media []ingest.Media }

// add lists ref when kind is image, video or audio.
func (l *mediaList) add(ref, kind, typ string) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(l.media) >= maxItemMedia || kind != ingest.MediaImage && kind != ingest.MediaVideo && kind != ingest.MediaAudio {
		return
	}
	l.media = append(l.media, ingest.Media{URL: ref, Kind: kind, Type: strings.TrimSpace(typ)})
}

// addMRSS lists Media RSS content (kind from medium, else type, else the
// file name), in groups too, then the thumbnails.
func (l *mediaList) addMRSS(contents []mediaContent, groups []mediaGroup, thumbs []mediaThumb) {
	all := append([]mediaContent(nil), contents...)
	for _, g := range groups {
		all = append(all, g.Contents...)
		thumbs = append(thumbs, g.Thumbs...)
	}
	for _, c := range all {
		kind := strings.ToLower(strings.TrimSpace(c.Medium))
		if kind == "" {
			kind = ingest.MediaKindOfType(c.Type)
		}
		if kind == "" {
			kind = ingest.MediaKindOfName(c.URL)
		}
		l.add(c.URL, kind, c.Type)
		thumbs = append(thumbs, c.Thumbs...)
	}
	for _, t := range thumbs {
		l.add(t.URL, ingest.MediaImage, "")
	}
}

// addImages lists the img elements of HTML fragments as httpx.ImageRefs
// picks them.
func (l *mediaList) addImages(fragments ...string) {
	for _, h := range fragments {
		if !strings.Contains(strings.ToLower(h), "<img") {
			continue
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(h))
		if err != nil {
			continue
		}
		for _, ref := range httpx.ImageRefs(doc.Selection) {
			l.add(ref, ingest.MediaImage, "")
		}
	}
}

func (e atomEntry) item(raw, xmlBytes []byte) Item {
	out := Item{
		XML:      xmlBytes,
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
	var ml mediaList
	for _, l := range e.Links {
		switch l.Rel {
		case "", "alternate":
			if out.Link == "" {
				out.Link = strings.TrimSpace(l.Href)
			}
		case "enclosure":
			ml.add(l.Href, ingest.MediaKindOfType(l.Type), l.Type)
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
	for _, g := range e.Groups {
		out.MediaCaptions = appendNonEmpty(out.MediaCaptions, htmlText(g.Title), htmlText(g.Desc))
	}
	for _, m := range e.Media {
		out.MediaCaptions = appendNonEmpty(out.MediaCaptions, htmlText(m.Title), htmlText(m.Desc))
	}
	ml.addMRSS(e.Media, e.Groups, e.Thumbs)
	ml.addImages(e.Content.html(), e.Summary.html())
	out.Media = ml.media
	return out
}

// text returns an Atom text construct as plain text.
func (a atomText) text() string { return htmlText(a.html()) }

// html returns an Atom text construct as markup: inner XML is unescaped
// once for text/html types (xhtml is markup already; CDATA is taken as is).
func (a atomText) html() string {
	body := a.Body
	if strings.Contains(body, "<![CDATA[") {
		return strings.NewReplacer("<![CDATA[", "", "]]>", "").Replace(body)
	}
	if a.Type != "xhtml" {
		var s string
		if err := xml.Unmarshal([]byte("<x>"+body+"</x>"), &s); err == nil {
			body = s
		}
	}
	return body
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
