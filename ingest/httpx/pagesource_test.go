package httpx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestPageSourceOuter(t *testing.T) {
	tests := []struct {
		name  string
		page  string
		sel   string
		want  string // "" means: not found byte-exact
		whole bool   // Capture falls back to the rendering
	}{
		{name: "plain element with odd spacing kept as written",
			page: `<html><body><div class=c  data-id='1'>أهلاً <b>بكم</b></div><div class=c data-id="2">ثاني</div></body></html>`,
			sel:  `div[data-id="2"]`, want: `<div class=c data-id="2">ثاني</div>`},
		{name: "nested same tag",
			page: `<div class=post><div class=text>نص <div>داخلي</div></div><span>x</span></div><div class=post>بعده</div>`,
			sel:  `.post`, want: `<div class=post><div class=text>نص <div>داخلي</div></div><span>x</span></div>`},
		{name: "entities and comments as written",
			page: `<p>before</p><article id=a>&amp; &#1575; <!-- note --> <br/>x</article>`,
			sel:  `#a`, want: `<article id=a>&amp; &#1575; <!-- note --> <br/>x</article>`},
		{name: "script with a fake end tag inside",
			page: `<div id=s><script>var x = "<div>";</script>y</div>`,
			sel:  `#s`, want: `<div id=s><script>var x = "<div>";</script>y</div>`},
		{name: "omitted end tag is not claimed",
			page: `<ul><li class=x>one<li class=y>two</ul>`,
			sel:  `li.x`, whole: true},
		{name: "misnested tags that parse the same are claimed",
			page: `<div id=m><b>bold<i>both</b>italic</i></div>`,
			sel:  `#m`, want: `<div id=m><b>bold<i>both</b>italic</i></div>`},
		{name: "a table the parser split is not claimed",
			page: `<table id=t><div id=f>x</div><tr><td>y</td></tr></table>`,
			sel:  `#t`, whole: true},
		{name: "the element moved out of it is",
			page: `<table id=t><div id=f>x</div><tr><td>y</td></tr></table>`,
			sel:  `#f`, want: `<div id=f>x</div>`},
		{name: "implied p shifts nothing for divs",
			page: `</p><div id=d>نص</div>`,
			sel:  `#d`, want: `<div id=d>نص</div>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.page)
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			ps := NewPageSource(body, doc.Nodes[0])
			sel := doc.Find(tc.sel)
			got := ps.Outer(sel.Get(0))
			if string(got) != tc.want {
				t.Fatalf("Outer = %q, want %q", got, tc.want)
			}
			c := ps.Capture(sel)
			if tc.whole {
				r, _ := goquery.OuterHtml(sel.First())
				if string(c) != r {
					t.Errorf("Capture = %q, want the rendering %q", c, r)
				}
			} else if string(c) != tc.want {
				t.Errorf("Capture = %q, want %q", c, tc.want)
			}
		})
	}
}

func TestPageSourceTokensCoverPage(t *testing.T) {
	page := []byte(`<!DOCTYPE html><html><head><title>a<b</title><style>p{}</style></head><body>` +
		strings.Repeat(`<div class="m" data-n="1"><p>نص</p><img src="/a.jpg"></div>`, 50) + `</body></html>`)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(page))
	ps := NewPageSource(page, doc.Nodes[0])
	n := 0
	doc.Find("div.m").Each(func(_ int, s *goquery.Selection) {
		if b := ps.Outer(s.Get(0)); string(b) == `<div class="m" data-n="1"><p>نص</p><img src="/a.jpg"></div>` {
			n++
		}
	})
	if n != 50 {
		t.Errorf("%d of 50 elements found byte-exact", n)
	}
	if ps.Capture(doc.Find(".none")) != nil {
		t.Error("capture of an empty selection")
	}
}

func FuzzPageSource(f *testing.F) {
	f.Add([]byte(`<div class=c data-id='1'>أهلاً <b>بكم</b></div><ul><li>a<li>b</ul>`))
	f.Add([]byte(`<table id=t><div id=f>x</div><tr><td>y</td></tr></table><script>"</div>"</script>`))
	f.Add([]byte("<svg><style><div></style></svg><p>\x00<textarea></div></textarea>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			return
		}
		ps := NewPageSource(body, doc.Nodes[0])
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			if b := ps.Outer(s.Get(0)); b != nil && !bytes.Contains(body, b) {
				t.Fatalf("Outer returned bytes not in the page: %q", b)
			}
			if ps.Capture(s) == nil {
				t.Fatal("no capture for an element")
			}
		})
	})
}
