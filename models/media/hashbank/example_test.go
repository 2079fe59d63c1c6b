package hashbank_test

import (
	"fmt"
	"strings"

	"github.com/rasd-iq/rasd/models/media/hashbank"
	"github.com/rasd-iq/rasd/models/media/pdq"
)

func ExampleSet_Match() {
	// A bank as the reference PDQ hasher prints it: hash,quality,file.
	entries, _, err := hashbank.ReadCSV(strings.NewReader(
		"f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,100,bridge.jpg\n"), "known.csv")
	if err != nil {
		panic(err)
	}
	set, err := hashbank.NewSet(&hashbank.Bank{Name: "known", Entries: entries})
	if err != nil {
		panic(err)
	}
	// The same picture, decoded by another library: 8 bits differ.
	h, _ := pdq.ParseHash("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	for _, m := range set.Match(h, 100) {
		fmt.Println(m.Bank, m.ID, m.Distance)
	}
	// Output: known bridge.jpg 8
}
