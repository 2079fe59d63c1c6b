package recheck

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/review"
)

// MethodTelegram is the Check.Method of Telegram.
const MethodTelegram = "telegram-embed"

// Telegram checks public channel messages through their embed page.
type Telegram struct {
	// Base is the preview host, e.g. https://t.me.
	Base string
	// Client makes the requests; a guarded default when nil.
	Client *httpx.Client
}

var telegramNative = regexp.MustCompile(`^([A-Za-z0-9_]{3,64})/([0-9]{1,20})$`)

// Probe fetches CHANNEL/ID?embed=1: Telegram answers 200 either way, and
// the page of a removed message (or of a channel gone) holds a
// tgme_widget_message_error element saying so ("Post not found").
func (c *Telegram) Probe(ctx context.Context, post ingest.Post) review.Check {
	m := telegramNative.FindStringSubmatch(post.NativeID)
	if m == nil {
		return review.Check{Note: "Telegram: " + post.NativeID + " is not CHANNEL/ID", Result: review.CheckUnknown, Method: MethodTelegram}
	}
	u := c.Base + "/" + url.PathEscape(m[1]) + "/" + m[2] + "?embed=1"
	res, err := client(c.Client).Get(ctx, u, httpx.GetOptions{})
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone) {
		return review.Check{Code: se.Code, Note: "Telegram: HTTP " + http.StatusText(se.Code), Result: review.CheckRemoved, Method: MethodTelegram}
	}
	if err != nil {
		return failed(MethodTelegram, err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(res.Text()))
	if err != nil {
		return review.Check{Code: res.Status, Note: "Telegram: page not understood", Result: review.CheckUnknown, Method: MethodTelegram}
	}
	if e := doc.Find(".tgme_widget_message_error").First(); e.Length() > 0 {
		msg := strings.Join(strings.Fields(e.Text()), " ")
		if msg == "" {
			msg = "message error"
		}
		return review.Check{Code: res.Status, Note: "Telegram: " + msg, Result: review.CheckRemoved, Method: MethodTelegram}
	}
	if doc.Find(".tgme_widget_message[data-post]").Length() > 0 {
		return review.Check{Code: res.Status, Note: "Telegram: message is up", Result: review.CheckPresent, Method: MethodTelegram}
	}
	return review.Check{Code: res.Status, Note: "Telegram: no message and no error on the page", Result: review.CheckUnknown, Method: MethodTelegram}
}
