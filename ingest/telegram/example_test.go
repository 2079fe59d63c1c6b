package telegram_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/ingest/telegram"
)

func ExampleParseCount() {
	for _, s := range []string{"987", "1.2K", "3.4M"} {
		n, _ := telegram.ParseCount(s)
		fmt.Println(n)
	}
	// Output:
	// 987
	// 1200
	// 3400000
}
