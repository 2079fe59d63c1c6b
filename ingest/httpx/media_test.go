package httpx

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest"
)

func TestImages(t *testing.T) {
	page, _ := url.Parse("https://news.example.iq/article/5521?x=1")
	html := `<div id=post>
<img src="/img/a.jpg" alt="صورة">
<img src="data:image/gif;base64,R0lGOD" data-src="//cdn.example.iq/lazy.jpg">
<img src="data:image/png;base64,AAAA">
<img src="https://t.example.com/p.gif" width="1" height="1">
<img src="/static/icons/reply.png" width="16" height="16">
<img src="/u/12.png" class="comment-avatar">
<img src="/e/1f600.png" class="emoji" alt="😀">
<img src="small.jpg" srcset="medium.jpg 800w, large.jpg 1600w, tiny.jpg 320w">
<img srcset="a1.jpg, a2.jpg 2x">
<img src="/img/a.jpg#dup">
<img src="javascript:alert(1)">
<img src="ftp://example.iq/x.jpg">
</div><img src="/outside.jpg">`
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	got := Images(doc.Find("#post"), page)
	want := []string{
		"https://news.example.iq/img/a.jpg",
		"https://cdn.example.iq/lazy.jpg",
		"https://news.example.iq/article/large.jpg",
		"https://news.example.iq/article/a2.jpg",
	}
	var urls []string
	for _, m := range got {
		urls = append(urls, m.URL)
		if m.Kind != ingest.MediaImage {
			t.Errorf("%s: kind %q", m.URL, m.Kind)
		}
	}
	if !reflect.DeepEqual(urls, want) {
		t.Errorf("images:\n got %q\nwant %q", urls, want)
	}
	if n := len(Images(doc.Find("img").First(), page)); n != 1 {
		t.Errorf("an img selection itself: %d images", n)
	}
	many := strings.Repeat(`<img src="/a.jpg"><img src="/b.jpg?`, 1) + `">`
	for i := range 40 {
		many += `<img src="/p` + strings.Repeat("x", i) + `.jpg">`
	}
	doc2, _ := goquery.NewDocumentFromReader(strings.NewReader("<div>" + many + "</div>"))
	if n := len(Images(doc2.Find("div"), page)); n != ingest.MaxMedia {
		t.Errorf("%d images kept, want the cap %d", n, ingest.MaxMedia)
	}
}

func TestPageImagesAndBackground(t *testing.T) {
	page, _ := url.Parse("http://site.example.iq/a/b")
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(`<head>
<meta property="og:image" content="/og.jpg"><meta property="og:image:secure_url" content="https://site.example.iq/og.jpg">
<meta name="twitter:image" content="https://img.example.iq/tw.png"><meta property="og:title" content="x"></head>`))
	var urls []string
	for _, m := range PageImages(doc.Selection, page) {
		urls = append(urls, m.URL)
	}
	if want := []string{"http://site.example.iq/og.jpg", "https://site.example.iq/og.jpg", "https://img.example.iq/tw.png"}; !reflect.DeepEqual(urls, want) {
		t.Errorf("page images %q, want %q", urls, want)
	}
	for style, want := range map[string]string{
		"width:800px;background-image:url('https://cdn4.telesco.pe/file/a.jpg')": "https://cdn4.telesco.pe/file/a.jpg",
		`background-image: url("//cdn/b.jpg"); height:2px`:                       "//cdn/b.jpg",
		"background:#000 url(c.png) no-repeat":                                   "c.png",
		"color:red":                                                              "",
	} {
		if got := BackgroundImage(style); got != want {
			t.Errorf("BackgroundImage(%q) = %q, want %q", style, got, want)
		}
	}
	if ResolveMedia(nil, "/relative.jpg") != "" || ResolveMedia(page, strings.Repeat("a", ingest.MaxMediaURL+1)) != "" {
		t.Error("unusable reference resolved")
	}
}
