package alerts

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
)

func TestSavedSearchAlertsNewMatchesOnce(t *testing.T) {
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	now := time.Now().UTC()
	put := func(id, text, gov string) {
		if err := ix.Put(index.Doc{ID: id, Text: text, Governorate: gov, Platform: "x", Created: now.Add(-time.Hour), Labels: []string{"threat"}, MaxScore: 0.8}); err != nil {
			t.Fatal(err)
		}
	}
	put("x:old", "الدكة جاهزة لبيت فلان", "diyala")
	rc := &receiver{t: t}
	srv := newServer(t, rc)
	data := t.TempDir()
	open := func() *Notifier {
		n, err := Open(Config{BaseURL: "https://rasd.example.org", Searches: []SearchRule{{Name: "dakka-diyala",
			Query: SearchQuery{Text: "الدكة", Governorate: "diyala"}, Channels: []string{"hook"}}}, Channels: []ChannelConfig{hook(srv.URL)}},
			Options{Data: data, Getenv: func(string) string { return secret }})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ctx := context.Background()
	n := open()
	// The first look learns what already matches.
	if q, err := n.Searches(ctx, ix); err != nil || q != 0 {
		t.Fatalf("first look queued %d (%v), want 0", q, err)
	}
	put("x:new", "الدكة العشائرية على بيت الصحفي الليلة", "diyala")
	put("x:elsewhere", "الدكة جاهزة", "basra")
	put("x:unrelated", "الكهرباء مقطوعة", "diyala")
	if q, err := n.Searches(ctx, ix); err != nil || q != 1 {
		t.Fatalf("second look queued %d (%v), want 1 (x:new)", q, err)
	}
	n.Close(ctx)
	// After a restart nothing is alerted twice.
	n = open()
	if q, err := n.Searches(ctx, ix); err != nil || q != 0 {
		t.Fatalf("after a restart queued %d (%v), want 0", q, err)
	}
	n.Close(ctx)
	var items []string
	for _, b := range rc.accepted() {
		var a Alert
		json.Unmarshal(b, &a)
		if a.Kind != KindSearch || a.Rule != "dakka-diyala" || a.URL != "https://rasd.example.org/items/"+a.Item || a.Text != "" {
			t.Errorf("alert %s", b)
		}
		if txt := messageText(&a); !strings.Contains(txt, "saved search") {
			t.Errorf("message text %q", txt)
		}
		items = append(items, a.Item)
	}
	if !slices.Equal(items, []string{"x:new"}) {
		t.Fatalf("alerted %v, want [x:new]", items)
	}
}

func TestSavedSearchConfigErrors(t *testing.T) {
	c := Config{BaseURL: "https://rasd.example.org", Channels: []ChannelConfig{{Name: "hook", Type: TypeWebhook, URL: "https://h.example.org", SecretEnv: "S"}},
		Searches: []SearchRule{{Name: "everything", Channels: []string{"hook"}}, {Name: "bad", Query: SearchQuery{Governorate: "atlantis", MinScore: 2}}}}
	err := c.Validate()
	for _, want := range []string{"searches[0].query: set at least one", "searches[1].query.governorate", "searches[1].query.min_score", "searches[1].channels"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %s", err, want)
		}
	}
}
