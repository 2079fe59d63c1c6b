package httpx

import (
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// ToUTF8 converts body to UTF-8. The encoding comes from a byte-order mark,
// the Content-Type charset, or an HTML <meta> declaration in the first 1024
// bytes; a body that is valid UTF-8 with no declaration is returned as is.
// Invalid sequences become U+FFFD, so the result is always valid UTF-8.
func ToUTF8(body []byte, contentType string) []byte {
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		if utf8.Valid(body) {
			return body
		}
		return []byte(strings.ToValidUTF8(string(body), "\uFFFD"))
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil || !utf8.Valid(out) {
		return []byte(strings.ToValidUTF8(string(out), "\uFFFD"))
	}
	return out
}

// DeclaredCharset returns the charset parameter of a Content-Type, lowercased, or "".
func DeclaredCharset(contentType string) string {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(params["charset"]))
}

// CharsetReader is an encoding/xml Decoder.CharsetReader that understands
// every WHATWG encoding label (windows-1256, iso-8859-6, …).
func CharsetReader(label string, input io.Reader) (io.Reader, error) {
	return charset.NewReaderLabel(label, input)
}

func isText(contentType string) bool {
	ct := strings.ToLower(contentType)
	if ct == "" {
		return true
	}
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "html") || strings.Contains(ct, "xml")
}

// withUTF8 rewrites the charset parameter of a Content-Type to utf-8.
func withUTF8(contentType string) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return "text/html; charset=utf-8"
	}
	params["charset"] = "utf-8"
	return mime.FormatMediaType(mt, params)
}
