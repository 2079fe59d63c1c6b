package signals

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

// TestBundledSamples checks the signals of the bundled sample posts written
// for them: each harmful post and its twin.
func TestBundledSamples(t *testing.T) {
	fh, err := os.Open("../../examples/sample-posts.jsonl")
	if err != nil {
		t.Skip("examples/sample-posts.jsonl not present")
	}
	defer fh.Close()
	want := map[string]struct{ has, hasNot []string }{
		"sample:0301": {has: []string{NamedPerson, DefenderTargeted}},
		"sample:0302": {has: []string{NamedPerson, DefenderTargeted}, hasNot: []string{Doxxing}},
		"sample:0303": {has: []string{NamedPerson, DefenderTargeted, Doxxing}},
		"sample:0304": {has: []string{NamedPerson}, hasNot: []string{Doxxing}},
		"sample:0305": {has: []string{CriticismOfficial}},
		"sample:0306": {hasNot: []string{CriticismOfficial}},
		"sample:0307": {has: []string{Protest}},
		"sample:0308": {hasNot: []string{Protest}},
		"sample:0309": {has: []string{AntiCorruption}},
		"sample:0310": {hasNot: []string{AntiCorruption}},
		"sample:0311": {has: []string{Quotation}},
		"sample:0312": {has: []string{Quotation, Condemnation}},
		"sample:0313": {hasNot: []string{Condemnation, Quotation}},
		"sample:0314": {has: []string{Blackmail}},
		"sample:0315": {hasNot: []string{Blackmail}},
		"sample:0316": {has: []string{ReligiousDebate}},
		"sample:0317": {hasNot: []string{ReligiousDebate}},
		"sample:0318": {hasNot: []string{Doxxing, NamedPerson}},
		"sample:0319": {has: []string{Satire}, hasNot: []string{NamedPerson, DefenderTargeted}},
		"sample:0320": {hasNot: []string{NamedPerson, Doxxing}},
		"sample:0321": {has: []string{NamedPerson}, hasNot: []string{DefenderTargeted}},
		"sample:0324": {has: []string{ThreatCue, DefenderTargeted}},
		"sample:0325": {has: []string{ThreatCue, Quotation}},
		"sample:0326": {has: []string{TerrorismCue}},
		"sample:0327": {has: []string{TerrorismCue, Quotation}},
		"sample:0328": {has: []string{IncitementCue, DefenderTargeted}},
		"sample:0329": {has: []string{ThreatCue, Satire}, hasNot: []string{NamedPerson}},
		"sample:0330": {has: []string{ThreatCue, DefenderTargeted}},
		"sample:0331": {hasNot: []string{ThreatCue}},
		"sample:0332": {has: []string{Doxxing, CondemnedQuote}},
		"sample:0333": {has: []string{CondemnedQuote, DefenderTargeted}},
		"sample:0334": {has: []string{ThreatCue, DefenderTargeted}},
		"sample:0335": {hasNot: []string{ThreatCue}},
		"sample:0336": {has: []string{ThreatCue, NamedPerson}},
	}
	d := detector(t)
	sc := bufio.NewScanner(fh)
	seen := 0
	for sc.Scan() {
		var p ingest.Post
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		w, ok := want[p.ID]
		if !ok {
			continue
		}
		seen++
		got := policy.SignalNames(d.Signals(&p, ""))
		for _, s := range w.has {
			if !slices.Contains(got, s) {
				t.Errorf("%s %q: signals %v lack %s", p.ID, p.Text, got, s)
			}
		}
		for _, s := range w.hasNot {
			if slices.Contains(got, s) {
				t.Errorf("%s %q: signals %v include %s", p.ID, p.Text, got, s)
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of the %d posts", seen, len(want))
	}
}
