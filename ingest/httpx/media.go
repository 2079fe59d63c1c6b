package httpx

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"

	"github.com/rasd-iq/rasd/ingest"
)

// ResolveMedia makes ref absolute against base (which may be nil when ref
// is already absolute) and returns it without its fragment, or "" when it
// is empty, not http(s) (data:, javascript:, blob:), or longer than
// ingest.MaxMediaURL.
func ResolveMedia(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > ingest.MaxMediaURL {
		return ""
	}
	var (
		u   *url.URL
		err error
	)
	if base != nil {
		u, err = base.Parse(ref)
	} else {
		u, err = url.Parse(ref)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	s := u.String()
	if len(s) > ingest.MaxMediaURL {
		return ""
	}
	return s
}

var cssURL = regexp.MustCompile(`(?i)background(?:-image)?\s*:[^;]*?url\(\s*(?:'([^']*)'|"([^"]*)"|([^)'"\s]*))\s*\)`)

// BackgroundImage returns the URL of the first background or
// background-image url(…) in an inline style, as written; "" if none.
func BackgroundImage(style string) string {
	m := cssURL.FindStringSubmatch(style)
	if m == nil {
		return ""
	}
	return m[1] + m[2] + m[3]
}

// iconHints in an image's class, id, alt or file name mark it as decoration
// rather than content.
var iconHints = []string{"icon", "emoji", "smiley", "avatar", "spinner", "loader", "loading", "spacer", "pixel"}

// maxIconSide is the largest declared width and height of an image taken to
// be an icon; a side of at most maxPixelSide marks a tracking pixel.
const (
	maxIconSide  = 32
	maxPixelSide = 2
)

// Images returns the images in sel (img elements, sel's own included) as
// media, in document order, resolved against page: the references
// ImageRefs picks, at most ingest.MaxMedia of them.
func Images(sel *goquery.Selection, page *url.URL) []ingest.Media {
	var p ingest.Post
	for _, ref := range ImageRefs(sel) {
		p.AddMedia(ingest.Media{URL: ResolveMedia(page, ref), Kind: ingest.MediaImage})
	}
	return p.Media
}

// ImageRefs returns the references of the images in sel (img elements,
// sel's own included) as written, in document order: the largest srcset
// candidate, else src, else a lazy-loading data-src / data-original /
// data-lazy-src when src is missing or a data: placeholder. Data URIs,
// tracking pixels (a declared width or height of 2 or less) and icons (both
// sides 32 or less, or "icon", "emoji", "avatar" and the like in the class,
// id or file name) are left out; at most 4 × ingest.MaxMedia are returned.
func ImageRefs(sel *goquery.Selection) []string {
	var out []string
	sel.Find("img").AddSelection(sel.Filter("img")).EachWithBreak(func(_ int, img *goquery.Selection) bool {
		if decorative(img) {
			return true
		}
		ref := largestSrcset(img.AttrOr("srcset", ""))
		if ref == "" {
			ref = img.AttrOr("src", "")
			if ref == "" || isDataURI(ref) {
				for _, a := range []string{"data-src", "data-original", "data-lazy-src"} {
					if v := img.AttrOr(a, ""); v != "" {
						ref = v
						break
					}
				}
			}
		}
		if ref = strings.TrimSpace(ref); ref != "" && !isDataURI(ref) {
			out = append(out, ref)
		}
		return len(out) < 4*ingest.MaxMedia
	})
	return out
}

func isDataURI(ref string) bool {
	ref = strings.TrimSpace(ref)
	return len(ref) >= 5 && strings.EqualFold(ref[:5], "data:")
}

// decorative reports a tracking pixel or an icon.
func decorative(img *goquery.Selection) bool {
	w, wok := side(img.AttrOr("width", ""))
	h, hok := side(img.AttrOr("height", ""))
	if wok && w <= maxPixelSide || hok && h <= maxPixelSide {
		return true
	}
	if wok && hok && w <= maxIconSide && h <= maxIconSide {
		return true
	}
	src := img.AttrOr("src", "")
	if u, err := url.Parse(src); err == nil {
		src = u.Path
	}
	hay := strings.ToLower(img.AttrOr("class", "") + " " + img.AttrOr("id", "") + " " + src[strings.LastIndexByte(src, '/')+1:])
	for _, h := range iconHints {
		if strings.Contains(hay, h) {
			return true
		}
	}
	return false
}

// side parses a width or height attribute ("1", "1px"); ok is false for
// anything else (percentages, empty).
func side(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "px")
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// largestSrcset returns the candidate of a srcset with the largest width
// (w) or density (x) descriptor; a candidate without one counts as 1x.
func largestSrcset(srcset string) string {
	best, bestW, bestX := "", -1.0, -1.0
	for _, c := range srcsetCandidates(srcset) {
		w, x := -1.0, 1.0
		for _, d := range strings.Fields(c.desc) {
			if len(d) < 2 {
				continue
			}
			v, err := strconv.ParseFloat(d[:len(d)-1], 64)
			if err != nil || v <= 0 {
				continue
			}
			switch d[len(d)-1] {
			case 'w':
				w = v
			case 'x':
				x = v
			}
		}
		if w > bestW || w == bestW && x > bestX {
			best, bestW, bestX = c.url, w, x
		}
	}
	return best
}

type candidate struct{ url, desc string }

// srcsetCandidates splits a srcset attribute by the HTML rules: a URL runs
// to white space (trailing commas end the candidate), its descriptors to
// the next comma outside parentheses.
func srcsetCandidates(s string) []candidate {
	var out []candidate
	for len(s) > 0 && len(out) < 64 {
		s = strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
		if s == "" {
			break
		}
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			end = len(s)
		}
		u := s[:end]
		s = s[end:]
		if strings.HasSuffix(u, ",") {
			out = append(out, candidate{url: strings.TrimRight(u, ",")})
			continue
		}
		depth, i := 0, 0
	scan:
		for ; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
			case ',':
				if depth <= 0 {
					break scan
				}
			}
		}
		out = append(out, candidate{url: u, desc: s[:i]})
		s = s[i:]
	}
	return out
}

// PageImages returns the page's own picture as its meta tags name it
// (og:image, og:image:secure_url, og:image:url, twitter:image), resolved
// against page.
func PageImages(doc *goquery.Selection, page *url.URL) []ingest.Media {
	var p ingest.Post
	doc.Find(`meta[property="og:image"], meta[property="og:image:secure_url"], meta[property="og:image:url"], meta[name="twitter:image"], meta[property="twitter:image"]`).
		Each(func(_ int, m *goquery.Selection) {
			if u := ResolveMedia(page, m.AttrOr("content", "")); u != "" {
				p.AddMedia(ingest.Media{URL: u, Kind: ingest.MediaImage})
			}
		})
	return p.Media
}
