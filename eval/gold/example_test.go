package gold_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/eval/gold"
)

// Adding items never moves the ones that already have a split.
func ExampleAssign() {
	var items []gold.Item
	for i := 1; i <= 20; i++ {
		items = append(items, gold.Item{ID: fmt.Sprintf("ig-satire-%03d", i), Functionality: "satire"})
	}
	first := gold.Split(items[:10], gold.DefaultSeed)
	second := gold.Assign(items, gold.DefaultSeed, first)
	moved, count := 0, map[string]int{}
	for id, s := range second {
		if f, ok := first[id]; ok && f != s {
			moved++
		}
		count[s]++
	}
	fmt.Println("moved:", moved)
	fmt.Println("test:", count[gold.Test], "dev:", count[gold.Dev], "train:", count[gold.Train])
	// Output:
	// moved: 0
	// test: 9 dev: 3 train: 8
}

// A spelling variant names its source as its template, so the two share a
// group and may be near-duplicates.
func ExampleItem_Group() {
	src := gold.Item{ID: "ig-incite_implicit-001"}
	variant := gold.Item{ID: "ig-spelling_elongation-007", Template: "ig-incite_implicit-001"}
	fmt.Println(src.Group() == variant.Group())
	// Output: true
}
