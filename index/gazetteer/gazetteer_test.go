package gazetteer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

func TestLocate(t *testing.T) {
	g := New()
	tests := []struct {
		name, text, loc, want string
	}{
		{"city with preposition and article", "اليوم مظاهرة كبيرة بالناصرية قرب الحبوبي", "", "dhi_qar"},
		{"ta marbuta and ha spellings meet", "الجو بالبصره حار", "", "basra"},
		{"two-word governorate", "انفجار في صلاح الدين قرب تكريت", "", "salah_al_din"},
		{"dialect demonym", "انا مصلاوي وافتخر", "", "nineveh"},
		{"latin spelling", "greetings from Mosul", "", "nineveh"},
		{"author location wins over text", "خبر عن بغداد", "البصرة", "basra"},
		{"most mentioned wins", "من الرمادي للفلوجة مرورا ببغداد", "", "anbar"},
		{"no place", "شلونكم شكو ماكو", "", ""},
		{"a word that merely contains a name is not a match", "الحلويات طيبة", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.Locate(tt.text, tt.loc); got != tt.want {
				t.Errorf("Locate(%q, %q) = %q, want %q (matches %v)", tt.text, tt.loc, got, tt.want, g.Find(tt.text))
			}
			if got := g.LocateNormalized(nlp.Normalize(tt.text), tt.loc); got != tt.want {
				t.Errorf("LocateNormalized(%q, %q) = %q, want %q", nlp.Normalize(tt.text), tt.loc, got, tt.want)
			}
		})
	}
}

func TestEveryGovernorateIsFoundByItsArabicName(t *testing.T) {
	g := New()
	if len(Governorates) != 18 {
		t.Fatalf("%d governorates, want 18", len(Governorates))
	}
	for _, gov := range Governorates {
		if got := g.Locate("خبر من "+gov.Arabic+" اليوم", ""); got != gov.ID {
			t.Errorf("%s: located %q", gov.Arabic, got)
		}
		if _, ok := ByID(gov.ID); !ok {
			t.Errorf("ByID(%q) failed", gov.ID)
		}
	}
}

func TestWordSplitMatchesRuneSplit(t *testing.T) {
	texts := []string{
		"", "بغداد", " وبالبصرة،الموصل؟ #كربلاء_المقدسة. اهل,الناصرية!نعم?لا\tو\nب",
		"ابو غريب و الفلوجة ،، ؟؟ __ ..", "mixed النجف abc_def 7aram", "؟", "،بغداد",
	}
	for _, text := range texts {
		norm := nlp.Normalize(text)
		want := strings.FieldsFunc(norm, func(r rune) bool {
			return r == ' ' || r == '\n' || r == '\t' || r == '#' || r == '_' || r == '.' || r == '،' || r == ',' || r == '!' || r == '?' || r == '؟'
		})
		for i := range want {
			want[i] = stripArticle(want[i])
		}
		if got := appendWords(nil, norm); !slices.Equal(got, want) {
			t.Errorf("%q: words %q, want %q", norm, got, want)
		}
	}
}

func TestStripArticleMatchesPlainPrefixScan(t *testing.T) {
	plain := func(w string) string {
		for _, p := range prefixes {
			if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= 3 {
				return rest
			}
		}
		return w
	}
	letters := []string{"و", "ب", "ف", "ك", "ل", "ا", "م", "ن", "ص", "ر", "ة", "ه", "a", "😀", ""}
	for _, a := range letters {
		for _, b := range letters {
			for _, c := range letters {
				for _, d := range letters {
					for _, e := range []string{"", "بصرة", "ي", "يي"} {
						w := a + b + c + d + e
						if got, want := stripArticle(w), plain(w); got != want {
							t.Fatalf("stripArticle(%q) = %q, want %q", w, got, want)
						}
					}
				}
			}
		}
	}
}

func TestLookup(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"dhi_qar", "dhi_qar"},
		{"الناصرية", "dhi_qar"},
		{"ناصرية", "dhi_qar"},
		{"ذي قار", "dhi_qar"},
		{"Nasiriyah", "dhi_qar"},
		{"البصرة", "basra"},
		{"بصرة", "basra"},
		{"البصره", "basra"},
		{"Basra", "basra"},
		{"الموصل", "nineveh"},
		{"العمارة", "maysan"},
		{"الحلة", "babil"},
		{"الكوت", "wasit"},
		{"الديوانية", "qadisiyyah"},
		{"السماوة", "muthanna"},
		{"بعقوبة", "diyala"},
		{"الرمادي", "anbar"},
		{"الانبار", "anbar"},
		{"الأنبار", "anbar"},
		{"تكريت", "salah_al_din"},
		{"هولير", "erbil"},
		{"اربيل", "erbil"},
		{" Erbil ", "erbil"},
		{"dohuk", "duhok"},
		{"السليمانية", "sulaymaniyah"},
		{"كربلاء", "karbala"},
		{"النجف", "najaf"},
		{"كركوك", "kirkuk"},
		{"بغداد", "baghdad"},
		{"لندن", ""},
		{"", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, ok := Lookup(c.name)
			if g.ID != c.want || ok != (c.want != "") {
				t.Fatalf("Lookup(%q) = %q, %v; want %q (% x)", c.name, g.ID, ok, c.want, c.name)
			}
		})
	}
	for _, g := range Governorates {
		for _, name := range g.Spoken() {
			if got, _ := Lookup(name); got.ID != g.ID {
				t.Errorf("spoken name %q of %s looks up %q", name, g.ID, got.ID)
			}
		}
	}
}
