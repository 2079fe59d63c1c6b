package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	posts := []ingest.Post{
		{ID: "t:1", Platform: "telegram", Source: "c", Text: "لازم نطردهم من <البصرة>", Created: now.Add(-time.Hour)},
		{ID: "t:2", Platform: "telegram", Source: "c", Text: "الجو حلو بالموصل", Created: now.Add(-2 * time.Hour)},
	}
	if _, err := st.Ingest(context.Background(), "c", "2", posts); err != nil {
		t.Fatal(err)
	}
	recs := []store.Record{
		{Post: posts[0], Flags: []string{"incitement"}, Scores: map[string]float64{"incitement": 0.9}, Governorate: "basra", Queued: true, Processed: now},
		{Post: posts[1], Scores: map[string]float64{"incitement": 0.01}, Governorate: "nineveh", Processed: now},
	}
	ds, err := st.Claim(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Complete(context.Background(), recs, []store.Sighting{{Canonical: "t:1", PostID: "x:7"}, {Canonical: "t:1", PostID: "x:8"}, {Canonical: "t:1", PostID: "x:9"}}, ds); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		r := &recs[i]
		if err := ix.Put(index.Doc{ID: r.Post.ID, Text: r.Post.Text, Platform: r.Post.Platform, Source: r.Post.Source,
			Governorate: r.Governorate, Created: r.Post.Created, Labels: r.Flags, MaxScore: store.MaxScore(r)}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(st, ix, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return now }
	mux := http.NewServeMux()
	s.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func TestAPISearch(t *testing.T) {
	srv := newServer(t)
	code, body := get(t, srv.URL+"/api/search?label=incitement&sort=score")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var res struct {
		Total int `json:"total"`
		Hits  []struct {
			ID          string `json:"id"`
			Governorate string `json:"governorate"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].ID != "t:1" || res.Hits[0].Governorate != "basra" {
		t.Fatalf("search result: %s", body)
	}
	for _, bad := range []string{"min_score=abc", "sort=nope", "from=yesterday", "min_score=0.9&max_score=0.1"} {
		if code, body := get(t, srv.URL+"/api/search?"+bad); code != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: status %d body %s, want 400 with an error", bad, code, body)
		}
	}
}

func TestTrendsAndDashboard(t *testing.T) {
	srv := newServer(t)
	code, body := get(t, srv.URL+"/api/trends?days=7")
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
	if code, _ := get(t, srv.URL+"/api/trends?days=0"); code != 400 {
		t.Errorf("days=0: status %d, want 400", code)
	}
	code, page := get(t, srv.URL+"/dashboard")
	if code != 200 || !strings.Contains(page, `dir="rtl"`) || !strings.Contains(page, "<svg") || !strings.Contains(page, "البصرة") {
		t.Fatalf("dashboard: %d\n%s", code, page)
	}
}

func TestSearchPageEscapesAndHighlights(t *testing.T) {
	srv := newServer(t)
	code, page := get(t, srv.URL+"/search?q=%D9%86%D8%B7%D8%B1%D8%AF%D9%87%D9%85")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	if !strings.Contains(page, "&lt;البصرة&gt;") || strings.Contains(page, "<البصرة>") {
		t.Errorf("post text not escaped:\n%s", page)
	}
	if !strings.Contains(page, "<mark>نطردهم</mark>") {
		t.Errorf("match not highlighted:\n%s", page)
	}
	if code, _ := get(t, srv.URL+"/healthz"); code != 200 {
		t.Errorf("healthz %d", code)
	}
}

func TestHighlightSkipsBadRanges(t *testing.T) {
	got := Highlight("ab<c>", []index.Range{{Start: 0, End: 1}, {Start: 0, End: 2}, {Start: 2, End: 99}})
	if string(got) != "<mark>a</mark>b&lt;c&gt;" {
		t.Errorf("got %q", got)
	}
}

func TestPagesFollowTheLanguageToggle(t *testing.T) {
	srv := newServer(t)
	for _, tt := range []struct {
		cookie string
		want   []string
	}{
		{"", []string{`lang="ar" dir="rtl"`, "الإنذار المبكر", "البصرة"}},
		{"en", []string{`lang="en" dir="ltr"`, "Early warning", "Basra", "Tension index by governorate"}},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/dashboard", nil)
		if tt.cookie != "" {
			req.AddCookie(&http.Cookie{Name: LangCookie, Value: tt.cookie})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 1<<16)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("cookie %q: dashboard lacks %q", tt.cookie, w)
			}
		}
	}
}

func TestTrendsReuseTheStoreReadForAMinute(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	add := func(id string) {
		p := ingest.Post{ID: id, Platform: "x", Source: "c", Text: "نص " + id, Created: now.Add(-time.Hour)}
		if _, err := st.Ingest(ctx, "c", ingest.Cursor(id), []ingest.Post{p}); err != nil {
			t.Fatal(err)
		}
		ds, err := st.Claim(ctx, 1)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %v %v", ds, err)
		}
		rec := store.Record{Post: p, Flags: []string{"threat"}, Scores: map[string]float64{"threat": 0.9}, Governorate: "basra", Processed: now}
		if err := st.Complete(ctx, []store.Record{rec}, nil, ds); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	s.Now = func() time.Time { return clock }
	flaggedToday := func() int {
		rep, err := s.Trends(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		return rep.PerDay[6]
	}
	add("a")
	if got := flaggedToday(); got != 1 {
		t.Fatalf("flagged today %d, want 1", got)
	}
	add("b")
	clock = now.Add(30 * time.Second)
	if got := flaggedToday(); got != 1 {
		t.Errorf("within a minute: %d flagged today, want the 1 read before", got)
	}
	clock = now.Add(61 * time.Second)
	if got := flaggedToday(); got != 2 {
		t.Errorf("after a minute: %d flagged today, want 2", got)
	}
}
