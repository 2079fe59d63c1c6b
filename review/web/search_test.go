package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
)

var viewsNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// newViews serves two stored, indexed posts (one flagged in Basra with
// three copies elsewhere and a permalink, one unflagged in Nineveh) from
// the embedded pipeline store; ix nil serves them without an index.
func newViews(t testing.TB, withIndex bool) (*env, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	posts := []ingest.Post{
		{ID: "t:1", Platform: "telegram", Source: "c", Text: "لازم نطردهم من <البصرة>", Created: viewsNow.Add(-time.Hour),
			Author: ingest.Author{ID: "77", Handle: "@poster"}, Permalink: "https://t.me/c/1"},
		{ID: "t:2", Platform: "telegram", Source: "c", Text: "الجو حلو بالموصل", Created: viewsNow.Add(-2 * time.Hour)},
	}
	ctx := context.Background()
	if _, err := st.Ingest(ctx, "c", "2", posts); err != nil {
		t.Fatal(err)
	}
	recs := []store.Record{
		{Post: posts[0], Flags: []string{"incitement"}, Scores: map[string]float64{"incitement": 0.9}, Governorate: "basra", Queued: true, Processed: viewsNow},
		{Post: posts[1], Scores: map[string]float64{"incitement": 0.01}, Governorate: "nineveh", Processed: viewsNow},
	}
	ds, err := st.Claim(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Complete(ctx, recs, []store.Sighting{{Canonical: "t:1", PostID: "x:7"}, {Canonical: "t:1", PostID: "x:8"}, {Canonical: "t:1", PostID: "x:9"}}, ds); err != nil {
		t.Fatal(err)
	}
	var ix *index.Index
	if withIndex {
		if ix, err = index.Open(""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		for i := range recs {
			r := &recs[i]
			if err := ix.Put(index.Doc{ID: r.Post.ID, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source,
				Governorate: r.Governorate, Created: r.Post.Created, Labels: r.Flags, MaxScore: store.MaxScore(r)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "review.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rs, err := boltstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return newEnvOver(t, rs, st, ix, viewsNow), st
}

// get calls path as c in language l ("" for the default).
func (e *env) get(c *client, path string, l Lang) (int, string) {
	var h map[string]string
	if l != "" {
		h = map[string]string{"Cookie": LangCookie + "=" + string(l)}
		if c != nil && c.cookie != nil {
			h["Cookie"] += "; " + SessionCookie + "=" + c.cookie.Value
		}
	}
	w := e.do(c, "GET", path, nil, h)
	return w.Code, w.Body.String()
}

func TestAPISearch(t *testing.T) {
	e, _ := newViews(t, true)
	ana := e.login(t, "ana")
	code, body := e.get(ana, "/api/search?label=incitement&sort=score", "")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var res struct {
		Total int `json:"total"`
		Hits  []struct {
			ID          string `json:"id"`
			Governorate string `json:"governorate"`
			Permalink   string `json:"permalink"`
			Sightings   int    `json:"sightings"`
		} `json:"hits"`
		Facets map[string]map[string]int `json:"facets"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].ID != "t:1" || res.Hits[0].Governorate != "basra" ||
		res.Hits[0].Sightings != 3 || res.Hits[0].Permalink != "https://t.me/c/1" || res.Facets["labels"]["incitement"] != 1 {
		t.Fatalf("search result: %s", body)
	}
	for _, bad := range []string{"min_score=abc", "sort=nope", "from=yesterday", "min_score=0.9&max_score=0.1"} {
		if code, body := e.get(ana, "/api/search?"+bad, ""); code != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: status %d body %s, want 400 with an error", bad, code, body)
		}
	}
}

// TestSearchHidesPermalinksWithoutPermAuthors: where a post was published
// identifies its poster, so researchers and admins (pseudonyms only) get no
// permalink, in the API or on the page; analysts and seniors do.
func TestSearchHidesPermalinksWithoutPermAuthors(t *testing.T) {
	e, _ := newViews(t, true)
	for role, name := range roleUsers {
		c := e.login(t, name)
		_, api := e.get(c, "/api/search?q=%D9%86%D8%B7%D8%B1%D8%AF%D9%87%D9%85", "")
		_, page := e.get(c, "/search?q=%D9%86%D8%B7%D8%B1%D8%AF%D9%87%D9%85", "")
		id := "t:1" // t:1 for those who see identities, its pseudonymous id for the others
		if !role.Can(review.PermAuthors) {
			id = e.srv.opaque(id)
		}
		if !strings.Contains(api, `"id":"`+id+`"`) || !strings.Contains(page, `id="hit-`+id+`"`) {
			t.Fatalf("%s: no hit %s\n%s\n%s", role, id, api, page)
		}
		for what, body := range map[string]string{"api": api, "page": page} {
			shown := strings.Contains(body, "t.me/c/1")
			if want := role.Can(review.PermAuthors); shown != want {
				t.Errorf("%s %s: permalink shown %v, want %v", role, what, shown, want)
			}
			if strings.Contains(body, "@poster") || strings.Contains(body, `"77"`) {
				t.Errorf("%s %s: the author's handle or id leaked", role, what)
			}
		}
	}
}

func TestTrendsAndDashboard(t *testing.T) {
	e, _ := newViews(t, true)
	res := e.login(t, "res")
	code, body := e.get(res, "/api/trends?days=7", "")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var rep struct {
		PerDay    []int `json:"per_day"`
		Tension   []struct{ Governorate string }
		Campaigns []struct{ Sightings int } `json:"campaigns"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.PerDay) != 7 || rep.PerDay[6] != 1 || len(rep.Tension) != 1 || rep.Tension[0].Governorate != "basra" || rep.Campaigns[0].Sightings != 4 {
		t.Fatalf("trends: %s", body)
	}
	if code, body := e.get(res, "/api/trends?days=0", ""); code != 400 || !strings.Contains(body, `"error"`) {
		t.Errorf("days=0: status %d %s, want 400 with an error", code, body)
	}
	code, page := e.get(res, "/dashboard", "")
	if code != 200 || !strings.Contains(page, `dir="rtl"`) || !strings.Contains(page, "<svg") || !strings.Contains(page, "البصرة") {
		t.Fatalf("dashboard: %d\n%s", code, page)
	}
}

func TestSearchPageEscapesAndHighlights(t *testing.T) {
	e, _ := newViews(t, true)
	code, page := e.get(e.login(t, "ana"), "/search?q=%D9%86%D8%B7%D8%B1%D8%AF%D9%87%D9%85", "")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	if !strings.Contains(page, "&lt;البصرة&gt;") || strings.Contains(page, "<البصرة>") {
		t.Errorf("post text not escaped:\n%s", page)
	}
	if !strings.Contains(page, "<mark>نطردهم</mark>") {
		t.Errorf("match not highlighted:\n%s", page)
	}
	if code, page := e.get(e.login(t, "ana"), "/search?min_score=abc", ""); code != 400 || !strings.Contains(page, `id="error"`) {
		t.Errorf("bad filter: %d, want 400 with the error on the page", code)
	}
}

func TestHealthz(t *testing.T) {
	e, _ := newViews(t, true)
	w := e.do(&client{addr: "127.0.0.1:5000"}, "GET", "/healthz", nil, nil)
	var h struct {
		Status  string `json:"status"`
		Records int    `json:"records"`
		Queued  int    `json:"queued"`
		Work    int    `json:"work_pending"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &h); err != nil || w.Code != 200 || h.Status != "ok" || h.Records != 2 || h.Queued != 1 || h.Work != 0 {
		t.Fatalf("healthz: %d %s (%v)", w.Code, w.Body, err)
	}
	if w := e.do(nil, "GET", "/healthz", nil, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("healthz from afar without login: %d, want 401", w.Code)
	}
}

// TestWithoutIndex: a process without an index (ingest and worker roles)
// answers searches 503 and still serves the dashboard and /healthz.
func TestWithoutIndex(t *testing.T) {
	e, _ := newViews(t, false)
	ana := e.login(t, "ana")
	if code, body := e.get(ana, "/api/search?q=x", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, `"error"`) {
		t.Errorf("api search without an index: %d %s, want 503 with an error", code, body)
	}
	if code, page := e.get(ana, "/search", ""); code != http.StatusServiceUnavailable || !strings.Contains(page, `id="error"`) || !strings.Contains(page, `id="whoami"`) {
		t.Errorf("search page without an index: %d, want 503 with the error in the layout", code)
	}
	if code, _ := e.get(ana, "/dashboard", ""); code != 200 {
		t.Errorf("dashboard without an index: %d", code)
	}
	if w := e.do(&client{addr: "127.0.0.1:5000"}, "GET", "/healthz", nil, nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"ok"`) {
		t.Errorf("healthz without an index: %d %s", w.Code, w.Body)
	}
}

func TestHighlightSkipsBadRanges(t *testing.T) {
	got := Highlight("ab<c>", []index.Range{{Start: 0, End: 1}, {Start: 0, End: 2}, {Start: 2, End: 99}})
	if string(got) != "<mark>a</mark>b&lt;c&gt;" {
		t.Errorf("got %q", got)
	}
}

// TestSearchAndDashboardFollowTheLanguageToggle: both pages render in the
// one layout, Arabic right to left by default and English left to right
// with the toggle's cookie, under the shared header (user, links, toggle,
// logout form).
func TestSearchAndDashboardFollowTheLanguageToggle(t *testing.T) {
	e, _ := newViews(t, true)
	sen := e.login(t, "sen")
	header := []string{`<header>`, `id="whoami"`, `href="/queue"`, `href="/dashboard"`, `href="/search"`, `id="nav-referrals"`, `id="logout"`, `name="csrf" value="` + sen.csrf + `"`}
	for _, tt := range []struct {
		path string
		lang Lang
		want []string
	}{
		{"/dashboard", "", []string{`lang="ar" dir="rtl"`, "<title>الإنذار المبكر — رصد</title>", "مؤشر التوتر حسب المحافظة", "البصرة", `href="/lang?to=en&amp;next=%2fdashboard"`}},
		{"/dashboard", English, []string{`lang="en" dir="ltr"`, "<title>Early warning — Rasd</title>", "Tension index by governorate", "Basra", `href="/lang?to=ar&amp;next=%2fdashboard"`}},
		{"/search?q=%D8%A7%D9%84%D8%AC%D9%88", "", []string{`lang="ar" dir="rtl"`, "<title>البحث في المنشورات — رصد</title>", "النتائج", "نينوى", `>English</a>`}},
		{"/search?q=%D8%A7%D9%84%D8%AC%D9%88", English, []string{`lang="en" dir="ltr"`, "<title>Search posts — Rasd</title>", "Results", "Nineveh", `>العربية</a>`}},
	} {
		code, page := e.get(sen, tt.path, tt.lang)
		if code != 200 {
			t.Fatalf("%s (%q): %d", tt.path, tt.lang, code)
		}
		for _, w := range append(tt.want, header...) {
			if !strings.Contains(page, w) {
				t.Errorf("%s (%q) lacks %q", tt.path, tt.lang, w)
			}
		}
	}
}

func TestTrendsReuseTheStoreReadForAMinute(t *testing.T) {
	ctx := context.Background()
	e, st := newViews(t, false)
	add := func(id string) {
		p := ingest.Post{ID: id, Platform: "x", Source: "c", Text: "نص " + id, Created: viewsNow.Add(-time.Hour)}
		if _, err := st.Ingest(ctx, "c", ingest.Cursor(id), []ingest.Post{p}); err != nil {
			t.Fatal(err)
		}
		ds, err := st.Claim(ctx, 1)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %v %v", ds, err)
		}
		rec := store.Record{Post: p, Flags: []string{"threat"}, Scores: map[string]float64{"threat": 0.9}, Governorate: "basra", Processed: viewsNow}
		if err := st.Complete(ctx, []store.Record{rec}, nil, ds); err != nil {
			t.Fatal(err)
		}
	}
	flaggedToday := func() int {
		rep, err := e.srv.Trends(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		return rep.PerDay[6]
	}
	if got := flaggedToday(); got != 1 {
		t.Fatalf("flagged today %d, want 1", got)
	}
	add("a")
	e.clock.Add(30 * time.Second)
	if got := flaggedToday(); got != 1 {
		t.Errorf("within a minute: %d flagged today, want the 1 read before", got)
	}
	e.clock.Add(31 * time.Second)
	if got := flaggedToday(); got != 2 {
		t.Errorf("after a minute: %d flagged today, want 2", got)
	}
}

// TestGovernorateSpellings: the governorate filters offer each governorate
// with the names people call it by (in English its English name), and any
// of those spellings, Arabic or Latin, finds the same posts in the search,
// its API and the queue.
func TestGovernorateSpellings(t *testing.T) {
	e, _ := newViews(t, true)
	ana := e.login(t, "ana")
	for _, gov := range []string{"basra", "البصرة", "بصرة", "البصره", "Basra", "basrah", "الزبير"} {
		code, body := e.get(ana, "/api/search?governorate="+url.QueryEscape(gov), "")
		if code != 200 || !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"id":"t:1"`) {
			t.Errorf("search governorate=%s: %d %s", gov, code, body)
		}
		w := e.do(ana, "GET", "/api/queue?governorate="+url.QueryEscape(gov), nil, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"id":"t:1"`) {
			t.Errorf("queue governorate=%s: %d %s", gov, w.Code, w.Body)
		}
	}
	for _, c := range []struct {
		path string
		l    Lang
		want []string
	}{
		{"/search?governorate=" + url.QueryEscape("الناصرية"), Arabic, []string{`<option value="dhi_qar" selected>ذي قار / الناصرية</option>`, `<option value="maysan">ميسان / العمارة</option>`, `<option value="baghdad">بغداد</option>`}},
		{"/search?governorate=Nasiriyah", English, []string{`<option value="dhi_qar" selected>Dhi Qar</option>`, `<option value="erbil">Erbil</option>`}},
		{"/queue?governorate=" + url.QueryEscape("هولير"), Arabic, []string{`<option value="erbil" selected>أربيل / هولير</option>`, `<option value="nineveh">نينوى / الموصل</option>`}},
	} {
		code, body := e.get(ana, c.path, c.l)
		for _, want := range c.want {
			if code != 200 || !strings.Contains(body, want) {
				t.Errorf("%s %s: %d, lacks %s", c.l, c.path, code, want)
			}
		}
	}
}
