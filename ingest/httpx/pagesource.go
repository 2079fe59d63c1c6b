package httpx

import (
	"bytes"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// HTMLCaptureType is the Post.CaptureType of an HTML fragment. Fragments are
// always UTF-8: pages in other encodings are converted before parsing.
const HTMLCaptureType = "text/html"

// PageSource maps the elements of a parsed page back to their bytes in the
// page, so that a post's capture can be the markup as it was fetched rather
// than a re-rendering of the parsed tree.
//
// The page is tokenized once; the k-th element with a given tag name in the
// parsed tree is matched with the k-th start tag of that name in the source,
// and a match is kept only if the bytes from that start tag to its end tag
// parse back to the same element. Where the parser had to repair the markup
// (an omitted end tag, misnested tags, elements it made up), no bytes are
// claimed.
type PageSource struct {
	body  []byte
	doc   *html.Node
	spans map[string][]span
	index map[*html.Node]int
}

// span is an element's extent in the source; end < 0 when its end tag was
// not found.
type span struct{ start, end int }

// voidTags have no end tag.
var voidTags = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "keygen": true, "link": true, "meta": true, "param": true, "source": true,
	"track": true, "wbr": true}

// NewPageSource indexes body, the UTF-8 bytes that doc was parsed from.
func NewPageSource(body []byte, doc *html.Node) *PageSource {
	ps := &PageSource{body: body, doc: doc, spans: map[string][]span{}}
	type open struct {
		name string
		i    int
	}
	var stack []open
	z := html.NewTokenizer(bytes.NewReader(body))
	off := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		start := off
		off += len(z.Raw())
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			n := string(name)
			if tt == html.SelfClosingTagToken || voidTags[n] {
				ps.spans[n] = append(ps.spans[n], span{start, off})
				continue
			}
			ps.spans[n] = append(ps.spans[n], span{start, -1})
			stack = append(stack, open{n, len(ps.spans[n]) - 1})
		case html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			for j := len(stack) - 1; j >= 0; j-- {
				if stack[j].name == n {
					ps.spans[n][stack[j].i].end = off
					stack = stack[:j] // elements left open inside it have no end
					break
				}
			}
		}
	}
	return ps
}

// buildIndex numbers each element among those of its tag name, in tree order.
func (ps *PageSource) buildIndex() {
	ps.index = map[*html.Node]int{}
	count := map[string]int{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			ps.index[n] = count[n.Data]
			count[n.Data]++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(ps.doc)
}

// Outer returns the bytes of the page from n's start tag through its end
// tag exactly as they stand in the page, or nil when they cannot be told
// with certainty.
func (ps *PageSource) Outer(n *html.Node) []byte {
	if n == nil || n.Type != html.ElementNode {
		return nil
	}
	if ps.index == nil {
		ps.buildIndex()
	}
	k, ok := ps.index[n]
	spans := ps.spans[n.Data]
	if !ok || k >= len(spans) || spans[k].end < 0 {
		return nil
	}
	frag := ps.body[spans[k].start:spans[k].end]
	ctx := n.Parent
	if ctx == nil || ctx.Type != html.ElementNode {
		ctx = &html.Node{Type: html.ElementNode, Data: "body"}
	}
	nodes, err := html.ParseFragment(bytes.NewReader(frag), ctx)
	if err != nil || len(nodes) != 1 {
		return nil
	}
	var got, want strings.Builder
	if html.Render(&got, nodes[0]) != nil || html.Render(&want, n) != nil || got.String() != want.String() {
		return nil
	}
	return frag
}

// Capture returns the markup of sel's first element for Post.Capture: its
// bytes as fetched when Outer finds them, else the element as goquery
// renders it; nil for an empty selection.
func (ps *PageSource) Capture(sel *goquery.Selection) []byte {
	if sel.Length() == 0 {
		return nil
	}
	first := sel.First()
	if b := ps.Outer(first.Get(0)); b != nil {
		return b
	}
	s, err := goquery.OuterHtml(first)
	if err != nil {
		return nil
	}
	return []byte(s)
}
