package trends

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func at(daysAgo int) time.Time { return now.Add(-time.Duration(daysAgo) * 24 * time.Hour) }

func TestCubeAndTension(t *testing.T) {
	var ev []Event
	// Basra: one flag a day for the baseline, then 5 a day in the last 3 days.
	for d := 3; d < 33; d++ {
		ev = append(ev, Event{Time: at(d), Labels: []string{"hate"}, Governorate: "basra"})
	}
	for d := range 3 {
		for range 5 {
			ev = append(ev, Event{Time: at(d), Labels: []string{"threat", "hate"}, Governorate: "basra"})
		}
	}
	// Baghdad: steady two a day throughout.
	for d := range 33 {
		ev = append(ev, Event{Time: at(d), Labels: []string{"hate"}, Governorate: "baghdad"},
			Event{Time: at(d), Labels: []string{"offensive"}, Governorate: "baghdad"})
	}
	// Out of range and unplaced events.
	ev = append(ev, Event{Time: at(400), Labels: []string{"hate"}, Governorate: "basra"},
		Event{Time: at(1), Labels: []string{"hate"}})

	r := Compute(ev, nil, Options{Now: now})
	if len(r.Days) != 30 || r.Days[29] != "2026-11-20" {
		t.Fatalf("days: %d, last %q", len(r.Days), r.Days[len(r.Days)-1])
	}
	if got := r.PerDay[29]; got != 5+2 {
		t.Errorf("flags today: %d, want 7", got)
	}
	var threatsToday int
	for _, c := range r.Cells {
		if c.Day == "2026-11-20" && c.Governorate == "basra" && c.Label == "threat" {
			threatsToday = c.Count
		}
	}
	if threatsToday != 5 {
		t.Errorf("basra threats today: %d, want 5", threatsToday)
	}
	if len(r.Tension) != 2 || r.Tension[0].Governorate != "basra" {
		t.Fatalf("tension order: %+v", r.Tension)
	}
	b, g := r.Tension[0], r.Tension[1]
	if b.Recent != 15 || b.BaselinePerDay != 1 || b.Index != 3 { // (5+1)/(1+1)
		t.Errorf("basra tension: %+v", b)
	}
	if g.Index != 1 || g.Z != 0 {
		t.Errorf("baghdad is steady, tension should be 1 with z 0: %+v", g)
	}
}

func TestCampaignsSortedAndCapped(t *testing.T) {
	var cs []Campaign
	for i := range 15 {
		cs = append(cs, Campaign{ID: string(rune('a' + i)), Sightings: i})
	}
	r := Compute(nil, cs, Options{Now: now})
	if len(r.Campaign) != 10 || r.Campaign[0].Sightings != 14 || r.Campaign[9].Sightings != 5 {
		t.Errorf("campaigns: %+v", r.Campaign)
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	ev := []Event{{Time: at(0), Labels: []string{"hate"}, Governorate: "basra"}}
	r := Compute(ev, nil, Options{Now: now})
	for name, svg := range map[string]string{
		"daily":   DailySVG(r),
		"tension": TensionSVG(r, map[string]string{"basra": "البصرة <&>"}),
	} {
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("%s svg not well-formed: %v\n%s", name, err, svg)
		}
		if !strings.Contains(svg, "<rect") {
			t.Errorf("%s svg has no bars", name)
		}
	}
	if !strings.Contains(TensionSVG(r, map[string]string{"basra": "البصرة"}), "البصرة") {
		t.Error("tension chart lacks the governorate name")
	}
}
