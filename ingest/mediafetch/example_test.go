package mediafetch_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/ingest/mediafetch"
)

func ExampleSniff() {
	fmt.Println(mediafetch.Sniff([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")))
	fmt.Println(mediafetch.Sniff([]byte("<!DOCTYPE html><html><body>not a photo")))
	fmt.Println(mediafetch.Sniff([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")))
	// Output:
	// image/jpeg
	// text/html
	// image/heic
}
