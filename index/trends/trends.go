// Package trends computes Rasd's early-warning aggregates: flagged posts per
// label × governorate × day, a tension index per governorate (recent flag
// volume against its own 30-day baseline) and the campaigns with the most
// sightings. It works on aggregates only and never profiles a person.
package trends

import (
	"math"
	"sort"
	"time"
)

// Event is one flagged post as the early-warning view counts it.
type Event struct {
	// Time is when the post was made.
	Time time.Time
	// Labels are the post's flagged labels.
	Labels []string
	// Governorate is the governorate id, or "" when unknown.
	Governorate string
}

// Campaign is a text seen many times: one canonical post and its sightings.
type Campaign struct {
	// ID is the canonical post id.
	ID string `json:"id"`
	// Text is the canonical text.
	Text string `json:"text"`
	// Sightings counts copies seen across sources.
	Sightings int `json:"sightings"`
	// Labels are the canonical post's flagged labels.
	Labels []string `json:"labels,omitempty"`
}

// Cell is one count of the label × governorate × day cube.
type Cell struct {
	Label       string `json:"label"`
	Governorate string `json:"governorate"`
	Day         string `json:"day"`
	Count       int    `json:"count"`
}

// Tension is one governorate's recent flag volume against its own baseline.
type Tension struct {
	Governorate string `json:"governorate"`
	// Recent is the number of flagged posts in the recent window.
	Recent int `json:"recent"`
	// BaselinePerDay is the mean daily count over the baseline window before it.
	BaselinePerDay float64 `json:"baseline_per_day"`
	// Index is (recent per day + 1) / (baseline per day + 1): 1 is normal,
	// above 2 is a marked rise.
	Index float64 `json:"index"`
	// Z is the rise in standard deviations of the baseline's daily counts.
	Z float64 `json:"z"`
}

// Options shape a report.
type Options struct {
	// Now is the end of the report: the report covers the days up to and
	// including Now's UTC day; zero means time.Now().
	Now time.Time
	// Days is how many days the cube covers (default 30).
	Days int
	// RecentDays is the tension index's recent window (default 3).
	RecentDays int
	// BaselineDays is the baseline window before the recent one (default 30).
	BaselineDays int
}

// Report is the early-warning view.
type Report struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Days   []string  `json:"days"`
	Cells  []Cell    `json:"cells"`
	PerDay []int     `json:"per_day"`
	// PerLabel counts flagged posts per label and day (same days as PerDay).
	PerLabel map[string][]int `json:"per_label"`
	// PerGovernorate counts flagged posts per governorate over the window.
	PerGovernorate map[string]int `json:"per_governorate"`
	Tension        []Tension      `json:"tension"`
	Campaign       []Campaign     `json:"campaigns"`
}

const dayLayout = "2006-01-02"

// Compute builds the report from flagged events and campaigns.
func Compute(events []Event, campaigns []Campaign, o Options) Report {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	if o.RecentDays <= 0 {
		o.RecentDays = 3
	}
	if o.BaselineDays <= 0 {
		o.BaselineDays = 30
	}
	end := o.Now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	start := end.AddDate(0, 0, -o.Days)
	r := Report{From: start, To: end}
	dayIndex := map[string]int{}
	for i := range o.Days {
		d := start.AddDate(0, 0, i).Format(dayLayout)
		dayIndex[d] = i
		r.Days = append(r.Days, d)
	}
	r.PerDay = make([]int, o.Days)
	r.PerLabel, r.PerGovernorate = map[string][]int{}, map[string]int{}
	type key struct{ label, gov, day string }
	cube := map[key]int{}

	recentStart := end.AddDate(0, 0, -o.RecentDays)
	baseStart := recentStart.AddDate(0, 0, -o.BaselineDays)
	type govCounts struct {
		recent int
		daily  []int
	}
	govs := map[string]*govCounts{}
	for _, e := range events {
		t := e.Time.UTC()
		if !t.Before(start) && t.Before(end) {
			d := t.Format(dayLayout)
			r.PerDay[dayIndex[d]]++
			for _, l := range e.Labels {
				cube[key{l, e.Governorate, d}]++
				if r.PerLabel[l] == nil {
					r.PerLabel[l] = make([]int, o.Days)
				}
				r.PerLabel[l][dayIndex[d]]++
			}
			if e.Governorate != "" {
				r.PerGovernorate[e.Governorate]++
			}
		}
		if e.Governorate == "" || t.Before(baseStart) || !t.Before(end) {
			continue
		}
		g := govs[e.Governorate]
		if g == nil {
			g = &govCounts{daily: make([]int, o.BaselineDays)}
			govs[e.Governorate] = g
		}
		if !t.Before(recentStart) {
			g.recent++
		} else {
			g.daily[int(t.Sub(baseStart)/(24*time.Hour))]++
		}
	}
	for k, n := range cube {
		r.Cells = append(r.Cells, Cell{Label: k.label, Governorate: k.gov, Day: k.day, Count: n})
	}
	sort.Slice(r.Cells, func(i, j int) bool {
		a, b := r.Cells[i], r.Cells[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if a.Governorate != b.Governorate {
			return a.Governorate < b.Governorate
		}
		return a.Label < b.Label
	})
	for id, g := range govs {
		mean, sd := meanSD(g.daily)
		perDay := float64(g.recent) / float64(o.RecentDays)
		t := Tension{Governorate: id, Recent: g.recent, BaselinePerDay: mean, Index: (perDay + 1) / (mean + 1)}
		t.Z = (perDay - mean) / math.Max(sd, 1/math.Sqrt(float64(o.BaselineDays)))
		r.Tension = append(r.Tension, t)
	}
	sort.Slice(r.Tension, func(i, j int) bool {
		if r.Tension[i].Index != r.Tension[j].Index {
			return r.Tension[i].Index > r.Tension[j].Index
		}
		return r.Tension[i].Governorate < r.Tension[j].Governorate
	})
	r.Campaign = append(r.Campaign, campaigns...)
	sort.SliceStable(r.Campaign, func(i, j int) bool { return r.Campaign[i].Sightings > r.Campaign[j].Sightings })
	if len(r.Campaign) > 10 {
		r.Campaign = r.Campaign[:10]
	}
	return r
}

// Latest returns the time of the newest event (zero when there is none),
// the natural end of a report on data that is not live.
func Latest(events []Event) time.Time {
	var t time.Time
	for _, e := range events {
		if e.Time.After(t) {
			t = e.Time
		}
	}
	return t
}

func meanSD(xs []int) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	var sum float64
	for _, x := range xs {
		sum += float64(x)
	}
	mean := sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		d := float64(x) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(xs)))
}
