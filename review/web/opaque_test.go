package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// TestResearchersSeeOpaqueItemIDs: a Telegram item id names its channel
// (telegram:CHANNEL/N), so researchers read pseudonymous ids in every page
// and API answer, and the links they follow work; analysts see the ids.
func TestResearchersSeeOpaqueItemIDs(t *testing.T) {
	items := reviewtest.Items(3)
	for i := range items {
		items[i].ID = "telegram:rafidain_chan/10" + string(rune('1'+i))
		items[i].Platform, items[i].Author = "telegram", "telegram:rafidain_chan"
	}
	e := newEnv(t, items)
	first := items[0].ID
	e.be.mu.Lock()
	e.be.sights[first] = []store.Sighting{{Canonical: first, PostID: "telegram:mirror_chan/7", Source: "mirror", Platform: "telegram", Kind: "same_text"}}
	r := e.be.recs[first]
	r.Sightings = 1
	e.be.recs[first] = r
	e.be.mu.Unlock()
	for i, it := range items {
		// The fixture's texts name their ids; a post's text is its own.
		e.be.mu.Lock()
		rec := e.be.recs[it.ID]
		rec.Post.Text = "نص تجريبي للمراجعة رقم " + string(rune('1'+i))
		e.be.recs[it.ID] = rec
		e.be.mu.Unlock()
		if err := e.srv.cfg.Index.Put(index.Doc{ID: it.ID, Text: rec.Post.Text, Platform: "telegram", Source: rec.Post.Source, Labels: rec.Flags, Created: it.Added}); err != nil {
			t.Fatal(err)
		}
	}
	res, ana := e.login(t, "res"), e.login(t, "ana")
	search := "/search?q=" + url.QueryEscape("تجريبي")
	apiSearch := "/api/search?q=" + url.QueryEscape("تجريبي")
	pages := []string{"/queue", "/api/queue", search, apiSearch, "/dashboard", "/api/trends", "/appeals", "/api/appeals"}
	opaque := e.srv.opaque(first)
	for _, p := range []string{"/items/" + opaque, "/api/items/" + opaque, "/api/decisions?item=" + opaque} {
		pages = append(pages, p)
	}
	for _, p := range pages {
		code, body := e.get(res, p, "")
		if code != 200 {
			t.Fatalf("researcher %s: status %d\n%s", p, code, body)
		}
		for _, leak := range []string{"rafidain_chan", "mirror_chan", "telegram:"} {
			if strings.Contains(body, leak) {
				t.Errorf("researcher %s shows %q:\n%s", p, leak, body)
			}
		}
	}
	// The queue's links open the items, in the page and in the API.
	_, queue := e.get(res, "/queue", "")
	links := regexp.MustCompile(`href="/items/(p:[0-9a-f]+)"`).FindAllStringSubmatch(queue, -1)
	if len(links) != len(items) {
		t.Fatalf("researcher's queue links %d items, want %d:\n%s", len(links), len(items), queue)
	}
	for _, l := range links {
		if code, page := e.get(res, "/items/"+l[1], ""); code != 200 || !strings.Contains(page, "تجريبي للمراجعة رقم") {
			t.Errorf("following %s: status %d", l[1], code)
		}
	}
	q := decode[review.Page](t, e.do(res, "GET", "/api/queue", nil, nil))
	for _, it := range q.Items {
		v := decode[itemView](t, e.do(res, "GET", "/api/items/"+it.ID, nil, nil))
		if v.Item.ID != it.ID || v.Record == nil || v.Record.Post.ID != it.ID {
			t.Errorf("api item %s: %+v", it.ID, v.Item)
		}
	}
	// Search hits name the same items.
	_, hits := e.get(res, apiSearch, "")
	if !strings.Contains(hits, `"id":"`+opaque+`"`) {
		t.Errorf("researcher's search hits lack %s:\n%s", opaque, hits)
	}
	// After a restart (nothing remembered) the ids still resolve.
	e.srv.opaqueIDs.mu.Lock()
	e.srv.opaqueIDs.ids = nil
	e.srv.opaqueIDs.mu.Unlock()
	if code, _ := e.get(res, "/api/items/"+opaque, ""); code != 200 {
		t.Errorf("pseudonymous id after a restart: status %d", code)
	}
	if code, _ := e.get(res, "/api/items/p:0000000000000000", ""); code != 404 {
		t.Errorf("unknown pseudonymous id: status %d, want 404", code)
	}
	// An appeal against a decision names the item by the id researchers see.
	it := decode[review.Item](t, e.do(ana, "POST", "/api/claims", map[string]string{"item": first}, nil))
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": first, "action": "dismiss", "verdict": "false_positive", "reason_code": "false_positive", "lease": it.Lease.Token}, nil); w.Code != 201 {
		t.Fatalf("analyst's decision: %d %s", w.Code, w.Body)
	}
	w := e.do(res, "POST", "/api/appeals", map[string]string{"target": "decision", "target_id": opaque, "reason": "نقد لا تحريض"}, nil)
	if w.Code != 201 || strings.Contains(w.Body.String(), "rafidain_chan") {
		t.Fatalf("researcher's appeal by pseudonymous id: %d %s", w.Code, w.Body)
	}
	if ap := decode[[]review.Appeal](t, e.do(ana, "GET", "/api/appeals", nil, nil)); len(ap) != 1 || ap[0].Item != first {
		t.Fatalf("appeals as analysts see them: %+v, want one about %s", ap, first)
	}
	if _, body := e.get(res, "/api/appeals", ""); strings.Contains(body, "rafidain_chan") || !strings.Contains(body, opaque) {
		t.Fatalf("appeals as researchers see them: %s", body)
	}
	// Analysts see the item ids themselves.
	for _, p := range []string{"/api/queue", "/queue", apiSearch, "/api/items/" + url.PathEscape(first)} {
		if _, body := e.get(ana, p, ""); !strings.Contains(body, "rafidain_chan/10") || strings.Contains(body, `p:`+opaque[2:]) {
			t.Errorf("analyst %s: item ids missing or pseudonymised:\n%s", p, body)
		}
	}
}
