package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestEveryTemplateStringIsInTheCatalogue: each key a template translates
// literally has an Arabic and an English string, and the keys built from a
// prefix (facets, referral levels) exist for every value they take.
func TestEveryTemplateStringIsInTheCatalogue(t *testing.T) {
	used := regexp.MustCompile(`\.T "([a-z_]+)"`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v %v", files, err)
	}
	keys := map[string]string{}
	for _, f := range files {
		b, err := templateFS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllSubmatch(b, -1) {
			keys[string(m[1])] = f
		}
	}
	for _, k := range []string{"facet_labels", "facet_platform", "facet_source", "facet_governorate", "lv_absent", "lv_low", "lv_medium", "lv_high"} {
		keys[k] = "a built key"
	}
	for k, f := range keys {
		w, ok := words[k]
		if !ok {
			t.Errorf("%s: key %q is not in the catalogue", f, k)
			continue
		}
		if w[0] == "" || w[1] == "" {
			t.Errorf("key %q lacks its Arabic or English string: %q", k, w)
		}
	}
	if Arabic.T("pending") == Arabic.T("pending_second") {
		t.Errorf("the referral status and the second-review note share a string")
	}
}
