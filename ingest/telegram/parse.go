package telegram

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// ErrNotChannelPage means the page has neither channel information nor
// messages (e.g. Telegram's landing page for an unknown channel).
var ErrNotChannelPage = errors.New("not a telegram channel preview page")

// Page is one parsed channel preview page.
type Page struct {
	// Title is the channel's display name.
	Title string
	// Subscribers is the channel's subscriber count, 0 if not shown.
	Subscribers int64
	// Messages are the well-formed messages in page order.
	Messages []Message
	// Skipped explains each message element that could not be parsed.
	Skipped []error
	// HasOlder reports a "load older messages" link (data-before or
	// rel=prev); its absence marks the start of the channel.
	HasOlder bool
}

// Message is one parsed message.
type Message struct {
	// Channel is the channel part of data-post.
	Channel string
	// Num is the message number within the channel.
	Num int64
	// Post has every field the page provides (not Source, Fetched, RawSHA256).
	Post ingest.Post
}

// ParsePage parses a UTF-8 channel preview page. base is the site root used
// for permalinks (e.g. https://t.me).
func ParsePage(body []byte, base string) (*Page, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parsing html: %w", err)
	}
	msgs := doc.Find(".tgme_widget_message[data-post]")
	if msgs.Length() == 0 && doc.Find(".tgme_channel_info, .tgme_channel_history").Length() == 0 {
		return nil, ErrNotChannelPage
	}
	src := httpx.NewPageSource(body, doc.Nodes[0])
	baseURL, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("base url %q: %w", base, err)
	}
	p := &Page{
		Title:       strings.TrimSpace(doc.Find(".tgme_channel_info_header_title").First().Text()),
		Subscribers: subscribers(doc),
		HasOlder:    doc.Find(".tme_messages_more[data-before], link[rel=prev]").Length() > 0,
	}
	msgs.Each(func(i int, s *goquery.Selection) {
		m, err := parseMessage(s, base, baseURL, src)
		if err != nil {
			post, _ := s.Attr("data-post")
			p.Skipped = append(p.Skipped, fmt.Errorf("message %q: %w", post, err))
			return
		}
		p.Messages = append(p.Messages, m)
	})
	return p, nil
}

func subscribers(doc *goquery.Document) int64 {
	var n int64
	doc.Find(".tgme_channel_info_counter").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		typ := strings.ToLower(s.Find(".counter_type").Text())
		if strings.Contains(typ, "subscriber") || strings.Contains(typ, "member") {
			n, _ = ParseCount(s.Find(".counter_value").Text())
			return false
		}
		return true
	})
	return n
}

func parseMessage(s *goquery.Selection, base string, baseURL *url.URL, src *httpx.PageSource) (Message, error) {
	dp, _ := s.Attr("data-post")
	ch, num, ok := strings.Cut(strings.TrimSpace(dp), "/")
	n, err := strconv.ParseInt(num, 10, 64)
	if !ok || ch == "" || err != nil || n <= 0 {
		return Message{}, errors.New("data-post is not CHANNEL/NUMBER")
	}
	tm := s.Find(".tgme_widget_message_date time[datetime], time[datetime]").First()
	dt, ok := tm.Attr("datetime")
	if !ok {
		return Message{}, errors.New("no date (truncated message?)")
	}
	created, err := time.Parse(time.RFC3339, dt)
	if err != nil {
		return Message{}, fmt.Errorf("date %q: %w", dt, err)
	}
	native := ch + "/" + strconv.FormatInt(n, 10)
	post := ingest.Post{
		ID:        ingest.MakeID(Name, native),
		Platform:  Name,
		NativeID:  native,
		Permalink: base + "/" + url.PathEscape(ch) + "/" + strconv.FormatInt(n, 10),
		Author:    ingest.Author{ID: ch, Handle: strings.TrimSpace(s.Find(".tgme_widget_message_owner_name").First().Text())},
		Created:   created.UTC(),
	}
	if signed := strings.TrimSpace(s.Find(".tgme_widget_message_from_author").First().Text()); signed != "" {
		post.Author.Handle = signed
	}
	textSel := s.Find(".tgme_widget_message_text").Not(".tgme_widget_message_reply .tgme_widget_message_text").First()
	post.Text = httpx.ElementText(textSel)
	if v := s.Find(".tgme_widget_message_views").First().Text(); v != "" {
		post.Engagement.Views, _ = ParseCount(v)
	}
	if fw := s.Find(".tgme_widget_message_forwarded_from_name").First(); fw.Length() > 0 {
		post.ForwardOf = strings.TrimSpace(fw.Text())
		if href, ok := fw.Attr("href"); ok {
			if id := postIDFromURL(href); id != "" {
				post.ForwardOf = id
			}
		}
	}
	if href, ok := s.Find("a.tgme_widget_message_reply").First().Attr("href"); ok {
		post.ReplyTo = postIDFromURL(href)
	}
	hasMedia := s.Find(".tgme_widget_message_photo_wrap, .tgme_widget_message_video_player, .tgme_widget_message_document, .tgme_widget_message_voice, .tgme_widget_message_roundvideo").Length() > 0
	if hasMedia && post.Text != "" {
		post.MediaCaptions = append(post.MediaCaptions, post.Text)
	}
	s.Find(".tgme_widget_message_document_title, .tgme_widget_message_document_extra, .link_preview_title, .link_preview_description, .tgme_widget_message_poll_question").Each(func(_ int, c *goquery.Selection) {
		if t := httpx.ElementText(c); t != "" {
			post.MediaCaptions = append(post.MediaCaptions, t)
		}
	})
	if post.Text == "" && len(post.MediaCaptions) == 0 && !hasMedia {
		return Message{}, errors.New("no text and no media")
	}
	addMedia(&post, s, baseURL)
	post.SetCapture(src.Capture(s), httpx.HTMLCaptureType)
	return Message{Channel: ch, Num: n, Post: post}, nil
}

// mediaSel selects, inside a message, what names its media: photos and
// video, round-video and link-preview thumbnails (all as CSS background
// images), the players' video and audio elements, and document links.
// Stickers, custom emoji, the author's picture and the thumbnail of a
// replied-to message are left out.
const mediaSel = ".tgme_widget_message_photo_wrap, .tgme_widget_message_video_thumb, .tgme_widget_message_roundvideo_thumb, " +
	"video, audio, .link_preview_image, .link_preview_right_image, a.tgme_widget_message_document_wrap"

// addMedia lists the message's media in page order. A document's link
// counts only when it leads somewhere other than a message page (which is
// where Telegram's preview links its documents).
func addMedia(post *ingest.Post, s *goquery.Selection, base *url.URL) {
	s.Find(mediaSel).Not(".tgme_widget_message_reply *").Each(func(_ int, m *goquery.Selection) {
		switch {
		case m.Is("video"):
			post.AddMedia(ingest.Media{URL: httpx.ResolveMedia(base, m.AttrOr("src", "")), Kind: ingest.MediaVideo})
		case m.Is("audio"):
			post.AddMedia(ingest.Media{URL: httpx.ResolveMedia(base, m.AttrOr("src", "")), Kind: ingest.MediaAudio})
		case m.Is("a.tgme_widget_message_document_wrap"):
			u := httpx.ResolveMedia(base, m.AttrOr("href", ""))
			if pu, err := url.Parse(u); err == nil && u != "" && !strings.EqualFold(pu.Host, base.Host) && postIDFromURL(u) == "" {
				post.AddMedia(ingest.Media{URL: u, Kind: ingest.MediaFile})
			}
		default:
			post.AddMedia(ingest.Media{URL: httpx.ResolveMedia(base, httpx.BackgroundImage(m.AttrOr("style", ""))), Kind: ingest.MediaImage})
		}
	})
}

// postIDFromURL turns https://t.me/CHANNEL/NUM into the post ID telegram:CHANNEL/NUM.
func postIDFromURL(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 3 && parts[0] == "s" {
		parts = parts[1:]
	}
	if len(parts) != 2 {
		return ""
	}
	if _, err := strconv.ParseInt(parts[1], 10, 64); err != nil || !channelRE.MatchString(parts[0]) {
		return ""
	}
	return ingest.MakeID(Name, parts[0]+"/"+parts[1])
}

// ParseCount parses Telegram's abbreviated counts: "987", "1.2K", "3.4M", "12,345".
func ParseCount(s string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, errors.New("empty count")
	}
	mult := 1.0
	switch s[len(s)-1] {
	case 'K', 'k':
		mult = 1e3
	case 'M', 'm':
		mult = 1e6
	case 'B', 'b':
		mult = 1e9
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*mult > 1e15 {
		return 0, fmt.Errorf("count %q: not a number", s)
	}
	return int64(math.Round(f * mult)), nil
}
