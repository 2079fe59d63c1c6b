package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in         string
		start, end time.Time
		err        bool
	}{
		{in: "2026-Q4", start: d(2026, 10, 1), end: d(2027, 1, 1)},
		{in: "2026-Q1", start: d(2026, 1, 1), end: d(2026, 4, 1)},
		{in: "2026-11", start: d(2026, 11, 1), end: d(2026, 12, 1)},
		{in: "2026-12", start: d(2026, 12, 1), end: d(2027, 1, 1)},
		{in: "2026", start: d(2026, 1, 1), end: d(2027, 1, 1)},
		{in: "2026-Q5", err: true},
		{in: "2026-13", err: true},
		{in: "2026-1", err: true},
		{in: "26", err: true},
		{in: "", err: true},
		{in: "last quarter", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			if tc.err {
				if err == nil {
					t.Fatalf("ParsePeriod(%q) = %+v, want error", tc.in, p)
				}
				return
			}
			if err != nil || !p.Start.Equal(tc.start) || !p.End.Equal(tc.end) || p.Label != tc.in {
				t.Fatalf("ParsePeriod(%q) = %+v, %v", tc.in, p, err)
			}
			if !p.Contains(tc.start) || p.Contains(tc.end) || p.Contains(tc.start.Add(-time.Nanosecond)) {
				t.Fatal("Contains is not [start, end)")
			}
		})
	}
}

func TestTransparency(t *testing.T) {
	q4, _ := ParsePeriod("2026-Q4")
	at := func(day int, h int) time.Time { return time.Date(2026, 11, day, h, 0, 0, 0, time.UTC) }
	recs := []CaseRecord{
		{ItemID: "a", Platform: "telegram", Labels: []string{"threat"}, FlaggedAt: at(1, 0), DecidedAt: at(1, 1), Verdict: VerdictReferred, Outcome: OutcomeRemoved},
		{ItemID: "b", Platform: "telegram", Labels: []string{"hate", "incitement"}, FlaggedAt: at(2, 0), DecidedAt: at(2, 3), Verdict: VerdictReferred, Outcome: OutcomeDeclined, Appealed: true},
		{ItemID: "c", Platform: "x", Labels: []string{"hate"}, FlaggedAt: at(3, 0), DecidedAt: at(3, 2), Verdict: VerdictDismissed, Appealed: true, Reversed: true},
		{ItemID: "d", Platform: "x", Labels: []string{"hate", "hate"}, FlaggedAt: at(4, 0), DecidedAt: at(4, 10), Verdict: VerdictConfirmed},
		{ItemID: "e", Platform: "web", Labels: []string{"terrorism"}, FlaggedAt: at(5, 0)},                                                                               // still in the queue
		{ItemID: "f", Platform: "x", Labels: []string{"hate"}, FlaggedAt: time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC), DecidedAt: at(1, 0), Verdict: VerdictDismissed}, // Q3
		{ItemID: "g", Platform: "x", FlaggedAt: at(6, 0), Verdict: "maybe", DecidedAt: at(6, 1)},
		{ItemID: "h", Platform: "x", FlaggedAt: at(6, 0), Verdict: VerdictDismissed, DecidedAt: at(5, 0)},
		{ItemID: "i", Platform: "x", FlaggedAt: at(6, 0), Verdict: VerdictDismissed, DecidedAt: at(6, 1), Outcome: OutcomeRemoved},
		{ItemID: "j"},
	}
	rep := Transparency(recs, q4)

	tot := rep.Totals
	want := Counts{Flagged: 5, Reviewed: 4, Dismissed: 1, Confirmed: 1, Referred: 2, Appealed: 2, Reversed: 1, Removed: 1, Declined: 1}
	got := tot
	got.RemovalRate = nil
	if got != want {
		t.Fatalf("totals %+v, want %+v", got, want)
	}
	if tot.RemovalRate == nil || *tot.RemovalRate != 0.5 {
		t.Fatalf("removal rate %v, want 0.5", tot.RemovalRate)
	}
	// Decision times 1h, 3h, 2h, 10h: median 2.5h.
	if rep.MedianTimeToDecision == nil || *rep.MedianTimeToDecision != 2.5*3600 {
		t.Fatalf("median %v, want 9000", rep.MedianTimeToDecision)
	}
	if len(rep.Invalid) != 4 || !strings.Contains(strings.Join(rep.Invalid, "\n"), `g: unknown verdict "maybe"`) {
		t.Fatalf("invalid = %q", rep.Invalid)
	}
	byLabel := map[string]Counts{}
	for _, s := range rep.ByLabel {
		byLabel[s.Key] = s.Counts
	}
	if h := byLabel["hate"]; h.Flagged != 3 || h.Dismissed != 1 || h.Referred != 1 || h.Reversed != 1 || h.RemovalRate == nil || *h.RemovalRate != 0 {
		t.Fatalf("hate = %+v", h)
	}
	if byLabel["terrorism"].Reviewed != 0 || byLabel["terrorism"].RemovalRate != nil {
		t.Fatalf("terrorism = %+v", byLabel["terrorism"])
	}
	if rep.ByLabel[0].Key != "hate" || rep.ByPlatform[0].Key != "telegram" && rep.ByPlatform[0].Key != "x" {
		t.Fatalf("order: %+v %+v", rep.ByLabel, rep.ByPlatform)
	}
	sum := 0
	for _, s := range rep.ByPlatform {
		sum += s.Flagged
	}
	if sum != tot.Flagged {
		t.Fatalf("platforms add to %d, totals %d", sum, tot.Flagged)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back["median_time_to_decision_seconds"] != 9000.0 || back["by_label"].([]any)[0].(map[string]any)["key"] != "hate" {
		t.Fatalf("json: %s", js.Bytes())
	}

	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"# Transparency report 2026-Q4", "from 2026-10-01 to 2027-01-01", "| Flagged | 5 |", "| Removal rate of referrals | 50.0% |", "| Median time to decision | 2h 30m |", "| hate | 3 | 3 | 1 | 1 | 2 | 1 | 0.0% |", "| terrorism | 1 | 0 | 0 | 0 | 0 | 0 | n/a |", "4 malformed records"} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("markdown lacks %q:\n%s", w, md.String())
		}
	}
}

func TestTransparencyEmpty(t *testing.T) {
	p, _ := ParsePeriod("2026-11")
	rep := Transparency(nil, p)
	if rep.Totals.Flagged != 0 || rep.MedianTimeToDecision != nil || rep.Totals.RemovalRate != nil {
		t.Fatalf("empty report %+v", rep)
	}
	var md, js bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "No items.") {
		t.Fatalf("markdown: %v\n%s", err, md.String())
	}
	if err := rep.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"by_label": []`) {
		t.Fatalf("json: %v\n%s", err, js.String())
	}
}

func ExampleParsePeriod() {
	p, _ := ParsePeriod("2026-Q4")
	fmt.Println(p.Start.Format("2006-01-02"), p.End.Format("2006-01-02"))
	// Output: 2026-10-01 2027-01-01
}

// TestCountComplaints counts the complaints received in the period by
// their ruling, and writes them in the published report.
func TestCountComplaints(t *testing.T) {
	p, _ := ParsePeriod("2026-Q4")
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	recs := []ComplaintRecord{
		{FiledAt: at(10, 1), Outcome: AppealPending}, {FiledAt: at(11, 2), Outcome: AppealUpheld}, {FiledAt: at(12, 31), Outcome: AppealReversed},
		{FiledAt: at(12, 3), Outcome: AppealUpheld}, {FiledAt: at(9, 30), Outcome: AppealReversed}, // the last outside the period
	}
	got := CountComplaints(recs, p)
	if want := (ComplaintCounts{Received: 4, Pending: 1, Upheld: 2, Reversed: 1}); got != want {
		t.Fatalf("CountComplaints = %+v, want %+v", got, want)
	}
	rep := Transparency(nil, p)
	rep.Complaints = got
	var md, js bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "## Complaints from affected people") || !strings.Contains(md.String(), "| Received | 4 |") || !strings.Contains(md.String(), "| Referral upheld | 2 |") {
		t.Fatalf("markdown: %v\n%s", err, md.String())
	}
	if err := rep.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"received": 4`) {
		t.Fatalf("json: %v\n%s", err, js.String())
	}
}
