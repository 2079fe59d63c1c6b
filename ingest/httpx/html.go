package httpx

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// ElementText returns the visible text of the selection: <br> and block
// elements become line breaks, runs of spaces collapse, and each line is
// trimmed. Emoji images contribute their alt text.
func ElementText(s *goquery.Selection) string {
	var b strings.Builder
	for _, n := range s.Nodes {
		writeText(&b, n)
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var blockTags = map[string]bool{"p": true, "div": true, "li": true, "blockquote": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "pre": true, "section": true, "article": true}

func writeText(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.ElementNode:
		switch n.Data {
		case "br":
			b.WriteByte('\n')
			return
		case "script", "style", "noscript", "template":
			return
		case "img":
			for _, a := range n.Attr {
				if a.Key == "alt" {
					b.WriteString(a.Val)
				}
			}
			return
		}
	}
	block := n.Type == html.ElementNode && blockTags[n.Data]
	if block {
		b.WriteByte('\n')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeText(b, c)
	}
	if block {
		b.WriteByte('\n')
	}
}
