package models

import (
	"strings"
	"testing"
)

func TestLOFOSummariseCountsEachFunctionalityOnce(t *testing.T) {
	l := &LOFO{Functionalities: []LOFOFunctionality{{Name: "a", Items: 2, Seen: 2, Unseen: 1}, {Name: "b", Items: 4, Seen: 1, Unseen: 3}}}
	l.Summarise()
	if l.Seen != 0.625 || l.Unseen != 0.625 {
		t.Fatalf("means %v %v, want 0.625 0.625 (mean of per-functionality rates, not of items)", l.Seen, l.Unseen)
	}
}

func TestCardRefusesBadLOFO(t *testing.T) {
	for _, rows := range [][]LOFOFunctionality{
		nil,
		{{Name: "a", Items: 2, Seen: 3}},
		{{Name: "a", Items: 0}},
		{{Name: "", Items: 1}},
	} {
		l := &LOFO{Functionalities: rows}
		if err := l.validate(); err == nil || !strings.Contains(err.Error(), "leave-one-functionality-out") {
			t.Fatalf("rows %+v: %v", rows, err)
		}
	}
	ok := &LOFO{Functionalities: []LOFOFunctionality{{Name: "a", Items: 2, Seen: 2, Unseen: 0}}}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
}
