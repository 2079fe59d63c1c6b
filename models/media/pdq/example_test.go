package pdq_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

func ExampleDistance() {
	a, _ := pdq.ParseHash("f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22")
	b, _ := pdq.ParseHash("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	d := pdq.Distance(a, b)
	fmt.Println(d, d <= 31)
	// Output: 8 true
}
