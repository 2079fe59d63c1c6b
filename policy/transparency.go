package policy

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Period is a reporting period: [Start, End) in UTC.
type Period struct {
	// Label is the period as written, e.g. "2026-Q4".
	Label string `json:"label"`
	// Start is the first instant in the period.
	Start time.Time `json:"start"`
	// End is the first instant after the period.
	End time.Time `json:"end"`
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$`)

// ParsePeriod parses a year ("2026"), a quarter ("2026-Q4") or a month ("2026-11").
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Period{}, fmt.Errorf("period %q: want YYYY, YYYY-QN or YYYY-MM", s)
	}
	year, _ := strconv.Atoi(m[1])
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		start := time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return Period{Label: m[0], Start: start, End: start.AddDate(0, 3, 0)}, nil
	case m[3] != "":
		mo, _ := strconv.Atoi(m[3])
		start := time.Date(year, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
		return Period{Label: m[0], Start: start, End: start.AddDate(0, 1, 0)}, nil
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	return Period{Label: m[0], Start: start, End: start.AddDate(1, 0, 0)}, nil
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Verdict is a reviewer's decision on a flagged item.
type Verdict string

const (
	// VerdictNone means the item has not been decided.
	VerdictNone Verdict = ""
	// VerdictDismissed means the reviewer found no violation.
	VerdictDismissed Verdict = "dismissed"
	// VerdictConfirmed means a violation was confirmed but not referred.
	VerdictConfirmed Verdict = "confirmed"
	// VerdictReferred means the item was referred to a platform or authority.
	VerdictReferred Verdict = "referred"
)

// CaseRecord is one flagged item as the review store knows it.
type CaseRecord struct {
	// ItemID identifies the item.
	ItemID string
	// Platform is where the item was posted.
	Platform string
	// Labels are the violation labels it was flagged with.
	Labels []string
	// FlaggedAt is when it entered the review queue; it places the record in a period.
	FlaggedAt time.Time
	// DecidedAt is when a reviewer decided it; zero if undecided.
	DecidedAt time.Time
	// Verdict is the reviewer's decision.
	Verdict Verdict
	// Outcome is the platform's answer for referred items.
	Outcome OutcomeStatus
	// Appealed is true when the decision or referral was appealed.
	Appealed bool
	// Reversed is true when an appeal overturned it.
	Reversed bool
}

// Counts are the figures reported for one slice of cases.
type Counts struct {
	// Flagged counts items that entered the review queue.
	Flagged int `json:"flagged"`
	// Reviewed counts items a reviewer decided.
	Reviewed int `json:"reviewed"`
	// Dismissed counts items found not to violate.
	Dismissed int `json:"dismissed"`
	// Confirmed counts violations confirmed but not referred.
	Confirmed int `json:"confirmed"`
	// Referred counts items referred.
	Referred int `json:"referred"`
	// Appealed counts appealed decisions and referrals.
	Appealed int `json:"appealed"`
	// Reversed counts decisions overturned on appeal.
	Reversed int `json:"reversed"`
	// Removed counts referrals the platform removed.
	Removed int `json:"removed"`
	// Restricted counts referrals the platform restricted.
	Restricted int `json:"restricted"`
	// Declined counts referrals the platform declined.
	Declined int `json:"declined"`
	// RemovalRate is Removed / Referred, or nil with no referrals.
	RemovalRate *float64 `json:"removal_rate"`
}

func (c *Counts) add(r CaseRecord) {
	c.Flagged++
	if r.Verdict != VerdictNone {
		c.Reviewed++
	}
	switch r.Verdict {
	case VerdictDismissed:
		c.Dismissed++
	case VerdictConfirmed:
		c.Confirmed++
	case VerdictReferred:
		c.Referred++
		switch r.Outcome {
		case OutcomeRemoved:
			c.Removed++
		case OutcomeRestricted:
			c.Restricted++
		case OutcomeDeclined:
			c.Declined++
		}
	}
	if r.Appealed {
		c.Appealed++
	}
	if r.Reversed {
		c.Reversed++
	}
}

func (c *Counts) finish() {
	if c.Referred > 0 {
		r := float64(c.Removed) / float64(c.Referred)
		c.RemovalRate = &r
	}
}

// Slice is the counts for one label or platform.
type Slice struct {
	// Key is the label or platform.
	Key string `json:"key"`
	// Counts are its figures.
	Counts
}

// Report is a transparency report for one period.
type Report struct {
	// Period is the reporting period.
	Period Period `json:"period"`
	// Totals counts every case flagged in the period.
	Totals Counts `json:"totals"`
	// ByLabel splits the totals by label; an item with two labels counts under both.
	ByLabel []Slice `json:"by_label"`
	// ByPlatform splits the totals by platform.
	ByPlatform []Slice `json:"by_platform"`
	// MedianTimeToDecision is the median time from flag to decision, in
	// seconds, over reviewed cases; nil when none was reviewed.
	MedianTimeToDecision *float64 `json:"median_time_to_decision_seconds"`
	// Complaints counts the complaints that people whose posts were
	// referred filed in the period, and how they were ruled on.
	Complaints ComplaintCounts `json:"complaints"`
	// Invalid lists the ids of records in the period left out as malformed, with why.
	Invalid []string `json:"invalid,omitempty"`
}

// ComplaintRecord is one complaint from a person whose post was referred.
type ComplaintRecord struct {
	// FiledAt is when it was received; it places the complaint in a period.
	FiledAt time.Time
	// Outcome is the ruling on it, AppealPending until it is heard.
	Outcome AppealOutcome
}

// ComplaintCounts are the complaint figures of a period.
type ComplaintCounts struct {
	// Received counts complaints filed against a referral Rasd made
	// (complaints naming no referral file nothing and are not counted).
	Received int `json:"received"`
	// Pending counts those not ruled on yet.
	Pending int `json:"pending"`
	// Upheld counts those after which the referral stood.
	Upheld int `json:"upheld"`
	// Reversed counts those that overturned the referral.
	Reversed int `json:"reversed"`
}

// CountComplaints counts the complaints of records received in period.
func CountComplaints(records []ComplaintRecord, period Period) ComplaintCounts {
	var c ComplaintCounts
	for _, r := range records {
		if !period.Contains(r.FiledAt) {
			continue
		}
		c.Received++
		switch r.Outcome {
		case AppealUpheld:
			c.Upheld++
		case AppealReversed:
			c.Reversed++
		default:
			c.Pending++
		}
	}
	return c
}

// Transparency computes the report for period from records. A record
// belongs to the period in which it was flagged; its later decision,
// referral outcome and appeal count with it. Malformed records are not
// counted but listed in Report.Invalid.
func Transparency(records []CaseRecord, period Period) Report {
	rep := Report{Period: period, ByLabel: []Slice{}, ByPlatform: []Slice{}}
	byLabel := map[string]*Counts{}
	byPlatform := map[string]*Counts{}
	var waits []float64
	for _, r := range records {
		if r.FlaggedAt.IsZero() || !period.Contains(r.FlaggedAt) {
			if r.FlaggedAt.IsZero() {
				rep.Invalid = append(rep.Invalid, fmt.Sprintf("%s: no flag time", r.ItemID))
			}
			continue
		}
		if why := invalidRecord(r); why != "" {
			rep.Invalid = append(rep.Invalid, fmt.Sprintf("%s: %s", r.ItemID, why))
			continue
		}
		rep.Totals.add(r)
		for _, l := range slices.Compact(slices.Sorted(slices.Values(r.Labels))) {
			bucket(byLabel, l).add(r)
		}
		platform := r.Platform
		if platform == "" {
			platform = "unknown"
		}
		bucket(byPlatform, platform).add(r)
		if r.Verdict != VerdictNone {
			waits = append(waits, r.DecidedAt.Sub(r.FlaggedAt).Seconds())
		}
	}
	rep.Totals.finish()
	rep.ByLabel = slicesOf(byLabel)
	rep.ByPlatform = slicesOf(byPlatform)
	if len(waits) > 0 {
		sort.Float64s(waits)
		m := waits[len(waits)/2]
		if len(waits)%2 == 0 {
			m = (waits[len(waits)/2-1] + m) / 2
		}
		rep.MedianTimeToDecision = &m
	}
	return rep
}

func invalidRecord(r CaseRecord) string {
	switch r.Verdict {
	case VerdictNone:
		if r.Appealed || r.Reversed {
			return "appealed but never decided"
		}
		return ""
	case VerdictDismissed, VerdictConfirmed, VerdictReferred:
	default:
		return fmt.Sprintf("unknown verdict %q", r.Verdict)
	}
	if r.DecidedAt.IsZero() {
		return "decided but no decision time"
	}
	if r.DecidedAt.Before(r.FlaggedAt) {
		return "decided before it was flagged"
	}
	if r.Reversed && !r.Appealed {
		return "reversed without an appeal"
	}
	if r.Outcome != "" && r.Verdict != VerdictReferred {
		return "platform outcome on an item that was not referred"
	}
	if r.Outcome != "" && !slices.Contains(OutcomeStatuses, r.Outcome) {
		return fmt.Sprintf("unknown outcome %q", r.Outcome)
	}
	return ""
}

func bucket(m map[string]*Counts, k string) *Counts {
	c := m[k]
	if c == nil {
		c = &Counts{}
		m[k] = c
	}
	return c
}

func slicesOf(m map[string]*Counts) []Slice {
	out := make([]Slice, 0, len(m))
	for k, c := range m {
		c.finish()
		out = append(out, Slice{Key: k, Counts: *c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Flagged != out[j].Flagged {
			return out[i].Flagged > out[j].Flagged
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing transparency report: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as a Markdown document for publication.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Transparency report %s\n\n", r.Period.Label)
	fmt.Fprintf(&b, "Items flagged from %s to %s (UTC, end exclusive). Every item was reviewed by a person before any referral; no model refers anything by itself.\n\n",
		r.Period.Start.Format("2006-01-02"), r.Period.End.Format("2006-01-02"))
	fmt.Fprintln(&b, "| | Count |\n|---|---:|")
	t := r.Totals
	for _, row := range []struct {
		k string
		v int
	}{{"Flagged", t.Flagged}, {"Reviewed", t.Reviewed}, {"Dismissed (no violation)", t.Dismissed}, {"Confirmed, not referred", t.Confirmed}, {"Referred", t.Referred}, {"Appealed", t.Appealed}, {"Reversed on appeal", t.Reversed}, {"Referrals removed by the platform", t.Removed}, {"Referrals restricted", t.Restricted}, {"Referrals declined", t.Declined}} {
		fmt.Fprintf(&b, "| %s | %d |\n", row.k, row.v)
	}
	fmt.Fprintf(&b, "| Removal rate of referrals | %s |\n", rate(t.RemovalRate))
	fmt.Fprintf(&b, "| Median time to decision | %s |\n", duration(r.MedianTimeToDecision))
	cc := r.Complaints
	fmt.Fprintf(&b, "\n## Complaints from affected people\n\n| | Count |\n|---|---:|\n| Received | %d |\n| Pending | %d |\n| Referral upheld | %d |\n| Referral reversed | %d |\n",
		cc.Received, cc.Pending, cc.Upheld, cc.Reversed)
	for _, sec := range []struct {
		title, key string
		rows       []Slice
	}{{"By label", "Label", r.ByLabel}, {"By platform", "Platform", r.ByPlatform}} {
		fmt.Fprintf(&b, "\n## %s\n\n", sec.title)
		if len(sec.rows) == 0 {
			fmt.Fprintln(&b, "No items.")
			continue
		}
		fmt.Fprintf(&b, "| %s | Flagged | Reviewed | Dismissed | Referred | Appealed | Reversed | Removal rate |\n|---|---:|---:|---:|---:|---:|---:|---:|\n", sec.key)
		for _, s := range sec.rows {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %s |\n", mdEscape(s.Key), s.Flagged, s.Reviewed, s.Dismissed, s.Referred, s.Appealed, s.Reversed, rate(s.RemovalRate))
		}
	}
	fmt.Fprintln(&b, "\nAn item flagged with several labels counts once under each label. Removal rate is referrals removed by the platform divided by referrals sent.")
	if len(r.Invalid) > 0 {
		fmt.Fprintf(&b, "\n%d malformed records were left out of the counts.\n", len(r.Invalid))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing transparency report: %w", err)
	}
	return nil
}

func rate(r *float64) string {
	if r == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

func duration(s *float64) string {
	if s == nil {
		return "n/a"
	}
	d := time.Duration(*s * float64(time.Second)).Round(time.Minute)
	h := int(d.Hours())
	return fmt.Sprintf("%dh %02dm", h, int(d.Minutes())-60*h)
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
