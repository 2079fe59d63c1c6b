package eval

import (
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval/dataset"
)

func TestSummarizeRoutingGroups(t *testing.T) {
	item := func(fn string, labels, targets, annotates []string) dataset.Item {
		return dataset.Item{ID: fn, Functionality: fn, Labels: labels, Targets: targets, Annotates: annotates}
	}
	items := []RoutedItem{
		{Item: item("threat_journalist", []string{"threat"}, []string{"journalists"}, nil), Queued: true, Urgent: true},
		{Item: item("threat_journalist", []string{"threat"}, []string{"journalists"}, nil), Queued: true},
		{Item: item("threat_other", []string{"threat"}, []string{"neighbours"}, nil), Queued: false},
		{Item: item("counter", []string{"counter_speech"}, nil, nil), Queued: true},
		{Item: item("ordinary", nil, nil, nil)},
		// A corpus that annotates only hate: a clean item is neither
		// protected nor violating, and no negative for threat.
		{Item: item("hate_only", nil, nil, []string{"hate"}), Queued: true},
		// Traffic no one annotated.
		{Item: item("traffic", nil, nil, []string{}), Queued: true},
		{Item: item("traffic", nil, nil, []string{})},
	}
	r := SummarizeRouting(items, nil, nil)
	check := func(g RoutingGroup, n, queued, urgent int) {
		t.Helper()
		if g.Items != n || g.Queued != queued || g.Urgent != urgent {
			t.Errorf("%s: %d items, %d queued, %d urgent; want %d, %d, %d", g.Name, g.Items, g.Queued, g.Urgent, n, queued, urgent)
		}
	}
	check(r.Violating, 3, 2, 1)
	check(r.Protected, 2, 1, 0)
	check(r.CounterSpeech, 1, 1, 0)
	check(r.DefenderThreats, 2, 2, 1)
	check(r.Unannotated, 2, 1, 0)
	if len(r.Functionalities) != 6 || r.Functionalities[0].Name != "counter" {
		t.Errorf("functionalities %+v", r.Functionalities)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"threats against defenders  1 of 2 urgent", "protected or ordinary      1 of 2 queued"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
