package httpx_test

import (
	"fmt"

	"golang.org/x/text/encoding/charmap"

	"github.com/rasd-iq/rasd/ingest/httpx"
)

func ExampleToUTF8() {
	raw, _ := charmap.Windows1256.NewEncoder().String("الكهرباء")
	fmt.Println(string(httpx.ToUTF8([]byte(raw), "text/html; charset=windows-1256")))
	// Output: الكهرباء
}

func ExampleRedactURL() {
	fmt.Println(httpx.RedactURL("https://www.googleapis.com/youtube/v3/commentThreads?key=AIzaSECRET&videoId=kJ8sD2fQw1E"))
	// Output: https://www.googleapis.com/youtube/v3/commentThreads?key=REDACTED&videoId=kJ8sD2fQw1E
}
