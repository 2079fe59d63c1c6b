package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/review"
)

// TestItemPageIsComplete: the item page shows the post's images, the
// sightings, the decision's rule, bases and reasons, one timeline and, to
// roles that see authors, the author's other flagged posts; a role without
// the authors permission never receives the author's identity or other
// posts, in the page or in the JSON.
func TestItemPageIsComplete(t *testing.T) {
	e := newEnv(t, workItems())
	id := "x:000000" // incitement at 96%, by x:author0, who posted x:000007 too
	e.be.mu.Lock()
	rec := e.be.recs[id]
	e.be.sights[id] = []store.Sighting{{Canonical: id, PostID: "telegram:9", Source: "chan", Platform: "telegram", Permalink: "https://t.me/chan/9", Kind: "same_text"}}
	rec.Post.Media = []ingest.Media{{URL: "https://cdn.example.org/author0/photo.jpg", Kind: "image"}, {URL: "https://cdn.example.org/author0/clip.mp4", Kind: "video"}}
	rec.Media = []store.MediaResult{{URL: rec.Post.Media[0].URL, Type: "image/jpeg", SHA256: strings.Repeat("ab", 32), Size: 1200}}
	e.be.recs[id] = rec
	e.be.mu.Unlock()
	ana, res := e.login(t, "ana"), e.login(t, "res")
	// A decision, so that the timeline has something to show.
	ctx := context.Background()
	it, _ := e.st.Claim(ctx, id, review.Reviewer{Name: "ana"}, e.clock.Now(), time.Minute)
	if _, _, err := e.st.Decide(ctx, review.Decision{Item: it.ID, Reviewer: "ana", Action: review.ActionEscalate, Verdict: review.VerdictTruePositive, Lease: it.Lease.Token}, review.Reviewer{Name: "ana"}, review.Rules{}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}

	for _, l := range []Lang{Arabic, English} {
		page := e.inLang(ana, l, "GET", "/items/"+id, nil).Body.String()
		for _, want := range []string{
			`<img src="/items/x:000000/media/0"`, `id="media-1"`, // the image, and the video still being fetched
			`id="sightings"`, "https://t.me/chan/9", // where else the text was seen
			`id="rule"`, `id="rule-text"`, `id="bases"`, // the decision's rule and bases
			`id="author"`, "@author0", `id="author-items"`, // the author and their other flagged posts
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s analyst's item page lacks %q", l, want)
			}
		}
		if n := strings.Count(page, `id="timeline"`); n != 1 {
			t.Errorf("%s item page has %d timelines, want one", l, n)
		}
		if !strings.Contains(page, "<h3>"+l.T("reasons")+"</h3>") {
			t.Errorf("%s item page lacks the routing reasons", l)
		}
	}

	// The researcher: the post, its media and the sightings' count, but no
	// author, handle, permalink, media address or other posts.
	author := []string{"author0", "@author0", "x:author0", "https://example.org/x:000000", "cdn.example.org", "t.me/chan/9", "author-items", "author_items"}
	for _, l := range []Lang{Arabic, English} {
		w := e.inLang(res, l, "GET", "/items/"+id, nil)
		page := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(page, `id="media"`) || !strings.Contains(page, `id="sightings"`) {
			t.Fatalf("%s researcher's item page: %d, want the post with its media and sightings", l, w.Code)
		}
		for _, s := range author {
			if strings.Contains(page, s) {
				t.Errorf("%s researcher's item page carries %q", l, s)
			}
		}
	}
	body := e.do(res, "GET", "/api/items/"+id, nil, nil).Body.String()
	for _, s := range author {
		if strings.Contains(body, s) {
			t.Errorf("researcher's item JSON carries %q", s)
		}
	}
	if !strings.Contains(e.do(ana, "GET", "/api/items/"+id, nil, nil).Body.String(), `"author_items":[`) {
		t.Error("analyst's item JSON lacks the author's other posts")
	}
}

// TestItemPageShowsStanceDiscount: where the model's stance discount lowered
// a score (the judgement's undiscounted scores), the score table shows the
// score before it, on the policy's scale, and a note tells the reviewer to
// read the post's stance; an item the discount barely moved shows neither.
func TestItemPageShowsStanceDiscount(t *testing.T) {
	e := newEnv(t, workItems())
	const moved, still = "x:000001", "x:000000" // threat at 2%, incitement at 96%
	e.be.mu.Lock()
	for id, before := range map[string]float64{moved: 0.99, still: 0} {
		rec := e.be.recs[id]
		j := *rec.Judgement
		l := rec.Flags[0]
		if before == 0 {
			before = rec.Scores[l] * 1.005 // a discount of half a percent
		}
		j.Undiscounted = map[string]float64{l: before}
		rec.Judgement = &j
		e.be.recs[id] = rec
	}
	e.be.mu.Unlock()
	ana := e.login(t, "ana")
	for _, l := range []Lang{Arabic, English} {
		body := e.inLang(ana, l, "GET", "/items/"+moved, nil).Body.String()
		if !strings.Contains(body, `id="stance-note"`) || !strings.Contains(body, l.T("before_stance")) || !strings.Contains(body, (&page{Lang: l}).Pct1(0.99)) {
			t.Errorf("%s item page of a discounted post lacks the score before the discount (99.0) or the note", l)
		}
		body = e.inLang(ana, l, "GET", "/items/"+still, nil).Body.String()
		if strings.Contains(body, `id="stance-note"`) || strings.Contains(body, l.T("before_stance")) {
			t.Errorf("%s item page shows a discount of half a percent", l)
		}
	}
}
