package httpx_test

import (
	"bytes"
	"fmt"
	"net/url"

	"github.com/PuerkitoBio/goquery"
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

func ExamplePageSource_Capture() {
	page := []byte(`<div class=msg data-id=1>أول</div><div class=msg  data-id=2>ثاني <img src=/a.jpg width=600></div>`)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(page))
	src := httpx.NewPageSource(page, doc.Nodes[0])
	second := doc.Find(`.msg[data-id="2"]`)
	fmt.Println(string(src.Capture(second))) // as written, spacing and all
	base, _ := url.Parse("https://forum.example.iq/t/5")
	fmt.Println(httpx.Images(second, base)[0].URL)
	// Output:
	// <div class=msg  data-id=2>ثاني <img src=/a.jpg width=600></div>
	// https://forum.example.iq/a.jpg
}
