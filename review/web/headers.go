package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// inlineRE finds the inline scripts and style sheets of the templates.
var inlineRE = regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`)

// contentSecurityPolicy allows nothing but this site: the templates' own
// inline script and style by their SHA-256 (they hold no template action),
// forms posting here, no framing, no plugins, no base URL change.
var contentSecurityPolicy = func() string {
	var scripts, styles []string
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := templateFS.ReadFile("templates/" + e.Name())
		if err != nil {
			panic(err)
		}
		for _, m := range inlineRE.FindAllStringSubmatch(string(b), -1) {
			if strings.Contains(m[2], "{{") {
				panic(fmt.Sprintf("templates/%s: an inline %s holds a template action; its hash would not be fixed", e.Name(), m[1]))
			}
			sum := sha256.Sum256([]byte(m[2]))
			h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
			if m[1] == "script" {
				scripts = append(scripts, h)
			} else {
				styles = append(styles, h)
			}
		}
	}
	return "default-src 'none'; script-src " + strings.Join(append(scripts, "'self'"), " ") +
		"; style-src " + strings.Join(append(styles, "'self'"), " ") +
		"; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}()

// setSecurityHeaders sets the headers every answer carries: the content
// security policy, no framing, no MIME sniffing, no referrer to other
// sites, and no caching of pages and API answers that may hold what only
// a logged-in role may see (public pages excepted).
func setSecurityHeaders(w http.ResponseWriter, public bool) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if !public {
		h.Set("Cache-Control", "no-store")
	}
}
