package web

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/catalog"
	"github.com/rasd-iq/rasd/ingest/discovery"
	_ "github.com/rasd-iq/rasd/ingest/telegram"
	"github.com/rasd-iq/rasd/policy/audit"
)

// TestSourcesAndCandidates: an admin adds, refuses and pauses sources
// through the API and the page, with the loader's file:line errors; an
// analyst approves a candidate, which becomes a source; each change is
// audited; neither may do the other's part.
func TestSourcesAndCandidates(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	cat := e.srv.cfg.Sources.(*catalog.Catalog)
	f := e.srv.cfg.Discovery.(*discovery.Finder)
	e.srv.cfg.SourceHealth = func() []ingest.SourceHealth {
		return []ingest.SourceHealth{{Name: "chan", Running: true, LastError: "fetching channel: 502", PostsLastHour: 7}}
	}
	adm, ana := e.login(t, "adm"), e.login(t, "ana")

	bad := "name: chan\ntype: telegram\nsettings:\n  channel: x\n"
	w := e.do(adm, "POST", "/api/sources", rawBody(bad), map[string]string{"X-CSRF-Token": adm.csrf})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `request:4: source \"chan\": channel \"x\"`) {
		t.Fatalf("bad source: %d %s", w.Code, w.Body)
	}
	good := "name: chan\ntype: telegram\nsettings:\n  channel: chan_iq\n"
	if w := e.do(adm, "POST", "/api/sources", rawBody(good), map[string]string{"X-CSRF-Token": adm.csrf}); w.Code != http.StatusCreated {
		t.Fatalf("adding: %d %s", w.Code, w.Body)
	}
	if w := e.do(adm, "POST", "/api/sources/chan/pause", map[string]string{}, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"paused":true`) {
		t.Fatalf("pausing: %d %s", w.Code, w.Body)
	}
	if w := e.do(adm, "POST", "/api/sources/nosuch/pause", map[string]string{}, nil); w.Code != http.StatusNotFound {
		t.Fatalf("pausing an unknown source: %d %s", w.Code, w.Body)
	}
	w = e.do(adm, "GET", "/api/sources", nil, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"state":"paused"`) || !strings.Contains(w.Body.String(), `"posts_last_hour":7`) {
		t.Fatalf("listing: %d %s", w.Code, w.Body)
	}
	// The page shows a refused edit beside the text given.
	w = e.do(adm, "POST", "/admin/sources/chan", "csrf="+adm.csrf+"&definition=name%3A+chan%0Atype%3A+telegram%0Asettings%3A%0A++chanel%3A+y%0A", nil)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `request:4: source &#34;chan&#34;: settings: unknown key &#34;chanel&#34;`) {
		t.Fatalf("refused edit on the page: %d %s", w.Code, w.Body)
	}
	if w := e.do(ana, "GET", "/api/sources", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("analyst listing sources: %d", w.Code)
	}

	rec := store.Record{Queued: true, Post: ingest.Post{ID: "telegram:chan_iq/1", Platform: "telegram", Source: "chan", Author: ingest.Author{ID: "chan_iq"},
		ForwardOf: "telegram:other_iq/5"}}
	if err := f.Record(ctx, []store.Record{rec}); err != nil {
		t.Fatal(err)
	}
	if w := e.do(adm, "POST", "/api/discovery/candidates/other_iq/approve", map[string]string{}, nil); w.Code != http.StatusForbidden {
		t.Fatalf("admin approving: %d", w.Code)
	}
	w = e.do(ana, "GET", "/discovery", nil, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-candidate="other_iq"`) {
		t.Fatalf("candidates page: %d %s", w.Code, w.Body)
	}
	w = e.do(ana, "POST", "/discovery/other_iq/approve", "csrf="+ana.csrf, nil)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "candidate_approved") {
		t.Fatalf("approving on the page: %d %s", w.Code, w.Header())
	}
	if w := e.do(ana, "POST", "/api/discovery/candidates/other_iq/approve", map[string]string{}, nil); w.Code != http.StatusConflict {
		t.Fatalf("approving twice: %d %s", w.Code, w.Body)
	}
	if _, err := cat.Lookup(ctx, "tg-other_iq"); err != nil {
		t.Fatal(err)
	}
	af, err := os.Open(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	defer af.Close()
	entries, err := audit.ReadAll(af)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		if en.Type == audit.TypeSourceChange || en.Type == audit.TypeDiscovery {
			got = append(got, en.Type+" "+en.Actor+" "+en.Subject)
		}
	}
	want := "source_change user:adm source:chan|source_change user:adm source:chan|source_change user:ana source:tg-other_iq|discovery user:ana candidate:other_iq"
	if strings.Join(got, "|") != want {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}
