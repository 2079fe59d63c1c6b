// Package telegramtest serves a Telegram channel's public web preview the
// way t.me/s/CHANNEL does, for tests of the telegram connector and of the
// crawler: a long history, paged back with ?before=ID, that grows while it
// is read and can fail on chosen pages. No network is used.
package telegramtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PerPage is how many messages one preview page shows, as on t.me.
const PerPage = 20

// History is a channel's preview served over HTTP.
type History struct {
	*httptest.Server
	// Channel is the channel's username.
	Channel string

	mu       sync.Mutex
	ids      []int64 // ascending
	fail     map[string]bool
	requests []string
}

// NewHistory serves channel with messages 1 to upTo (see Add). Close it when done.
func NewHistory(channel string, upTo int64) *History {
	h := &History{Channel: channel, fail: map[string]bool{}}
	h.Add(upTo)
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

// Add posts messages up to id, leaving every seventh id deleted (a
// channel's history has holes).
func (h *History) Add(upTo int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	from := int64(1)
	if n := len(h.ids); n > 0 {
		from = h.ids[n-1] + 1
	}
	for id := from; id <= upTo; id++ {
		if id%7 != 0 {
			h.ids = append(h.ids, id)
		}
	}
}

// IDs lists the ids of the messages the channel holds, ascending.
func (h *History) IDs() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ids)
}

// Fail makes the page asked for with ?before=before ("" for the newest)
// answer 502 while on is true.
func (h *History) Fail(before string, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail[before] = on
}

// Requests returns the before= values asked for so far ("" for the
// newest page) and forgets them.
func (h *History) Requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.requests
	h.requests = nil
	return r
}

var words = strings.Fields(`الحكومة البرلمان الشعب بغداد البصرة الموصل الانتخابات الفساد المظاهرات الشباب
الجيش المحافظة الوزير الكهرباء الماء الرواتب النفط الدولار السوق العشيرة الجامعة الطلاب المستشفى
الطريق الجسر المدينة القرية الشارع اليوم امس باجر هسه شكو ماكو اكو زين هواية كلش چان يمعود والله`)

// Text is message id's text: a dozen words that differ from one message
// to the next, so that dedup takes no two for copies.
func Text(id int64) string {
	x := uint64(id)*0x9E3779B97F4A7C15 + 1
	ws := []string{"منشور", strconv.FormatInt(id, 10) + ":"}
	for range 12 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		ws = append(ws, words[x%uint64(len(words))])
	}
	return strings.Join(ws, " ")
}

func (h *History) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	before := r.URL.Query().Get("before")
	h.requests = append(h.requests, before)
	if r.URL.Path != "/s/"+h.Channel {
		http.NotFound(w, r)
		return
	}
	if h.fail[before] {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	end := len(h.ids)
	if before != "" {
		b, _ := strconv.ParseInt(before, 10, 64)
		end, _ = slices.BinarySearch(h.ids, b)
	}
	page := h.ids[max(0, end-PerPage):end]
	older := len(page) > 0 && page[0] > h.ids[0]
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>أرشيف العراق – Telegram</title>`)
	if older {
		fmt.Fprintf(&b, `<link rel="prev" href="/s/%s?before=%d">`, h.Channel, page[0])
	}
	b.WriteString(`</head><body class="widget_frame_base tgme_webpage_body"><main class="tgme_main">`)
	b.WriteString(`<section class="tgme_right_column"><div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">أرشيف العراق</span></div>`)
	b.WriteString(`<div class="tgme_channel_info_counter"><span class="counter_value">12.5K</span> <span class="counter_type">subscribers</span></div></div></section>`)
	b.WriteString(`<section class="tgme_channel_history js-message_history">`)
	if older {
		fmt.Fprintf(&b, `<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/%s?before=%d" class="tme_messages_more js-messages_more" data-before="%d"></a></div>`, h.Channel, page[0], page[0])
	}
	start := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	for _, id := range page {
		fmt.Fprintf(&b, `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="%[1]s/%[2]d"><div class="tgme_widget_message_bubble">`+
			`<div class="tgme_widget_message_author accent_color js-message_author"><a class="tgme_widget_message_owner_name" href="https://t.me/%[1]s"><span dir="auto">أرشيف العراق</span></a></div>`+
			`<div class="tgme_widget_message_text js-message_text" dir="auto">%[4]s</div>`+
			`<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info"><span class="tgme_widget_message_views">%[2]d</span><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/%[1]s/%[2]d"><time datetime="%[3]s" class="time">08:00</time></a></span></div></div>`+
			`</div></div></div>`+"\n", h.Channel, id, start.Add(time.Duration(id)*time.Hour).Format(time.RFC3339), Text(id))
	}
	b.WriteString(`</section></main></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(b.String()))
}
