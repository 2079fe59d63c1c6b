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
	ev := []Event{{Time: at(0), Labels: []string{"hate"}, Governorate: "basra"}, {Time: at(1), Labels: []string{"threat", "hate"}, Governorate: "diyala"}}
	r := Compute(ev, nil, Options{Now: now})
	wd := Words{RTL: true, PerDay: "يومياً <&>", Names: map[string]string{"basra": "البصرة <&>"}, Labels: map[string]string{"hate": "كراهية"},
		Link: func(id string) string { return "/search?governorate=" + id + "&x=<" }}
	for name, tc := range map[string]struct {
		svg, want string
	}{
		"daily":   {DailySVG(r, wd), "<rect"},
		"labels":  {LabelsSVG(r, wd), "<polyline"},
		"tension": {TensionSVG(r, wd), "<rect"},
		"map":     {MapSVG(r, wd), "<circle"},
	} {
		if err := xml.Unmarshal([]byte(tc.svg), new(struct{})); err != nil {
			t.Errorf("%s svg not well-formed: %v\n%s", name, err, tc.svg)
		}
		if !strings.Contains(tc.svg, tc.want) {
			t.Errorf("%s svg has no %s", name, tc.want)
		}
	}
	if !strings.Contains(TensionSVG(r, wd), "البصرة") || !strings.Contains(LabelsSVG(r, wd), "كراهية") {
		t.Error("charts lack the names they were given")
	}
	m := MapSVG(r, wd)
	if strings.Count(m, "<circle") != len(Centroids) || !strings.Contains(m, `href="/search?governorate=diyala&amp;x=&lt;"`) {
		t.Errorf("map: %d governorates, links escaped? %s", strings.Count(m, "<circle"), m)
	}
	if r.PerGovernorate["basra"] != 1 || r.PerLabel["hate"][len(r.Days)-1] != 1 || r.PerLabel["threat"][len(r.Days)-2] != 1 {
		t.Errorf("per governorate %v, per label %v", r.PerGovernorate, r.PerLabel)
	}
}

// TestChartsFollowTheReadingDirection: in Arabic the newest day is on the
// left (time runs right to left), in English on the right.
func TestChartsFollowTheReadingDirection(t *testing.T) {
	r := Compute([]Event{{Time: at(0), Labels: []string{"hate"}}}, nil, Options{Now: now, Days: 10})
	x := func(rtl bool) float64 { return dayX(len(r.Days)-1, len(r.Days), 640, 24, rtl) }
	if !(x(true) < 320 && x(false) > 320) {
		t.Fatalf("newest day at x=%.0f (rtl) and %.0f (ltr)", x(true), x(false))
	}
}

func TestLatest(t *testing.T) {
	if got := Latest([]Event{{Time: at(3)}, {Time: at(1)}, {Time: at(2)}}); !got.Equal(at(1)) {
		t.Fatalf("latest %v", got)
	}
	if !Latest(nil).IsZero() {
		t.Fatal("latest of nothing is not zero")
	}
}

// TestChartsWriteNumbersInThePagesDigits: with Num set, every day, count
// and index the charts print goes through it; without, they stay ASCII.
func TestChartsWriteNumbersInThePagesDigits(t *testing.T) {
	r := Compute([]Event{{Time: at(0), Labels: []string{"hate"}, Governorate: "basra"}}, nil, Options{Now: now, Days: 10})
	arabic := func(s string) string {
		return strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return '٠' + (c - '0')
			}
			return c
		}, s)
	}
	wd := Words{RTL: true, Num: arabic}
	for name, svg := range map[string]string{"daily": DailySVG(r, wd), "labels": LabelsSVG(r, wd), "tension": TensionSVG(r, wd), "map": MapSVG(r, wd)} {
		// Only the text people read: titles and text elements.
		for _, part := range strings.Split(svg, ">")[1:] {
			text, _, _ := strings.Cut(part, "<")
			if strings.ContainsAny(text, "0123456789") {
				t.Errorf("%s chart prints %q in ASCII digits", name, text)
			}
		}
	}
	if d := DailySVG(r, Words{}); !strings.Contains(d, r.Days[len(r.Days)-1]) {
		t.Errorf("without Num the days stay as they are: %s", d)
	}
}
