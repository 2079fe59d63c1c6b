// Package gazetteer finds which of Iraq's 18 governorates a post speaks of or
// comes from, using governorate and major-city names in Arabic, dialect and
// Latin spellings.
//
// Ordinary words that are also place names (الحي، بلد، الدور، العلم، عمارة…)
// are left out on purpose: they would place posts that only use the word.
//
// Source: the project's own list of Iraq's governorates (Constitution of Iraq,
// 2005, and the Ministry of Planning's administrative divisions) with the
// spellings seen in Iraqi posts. Names are matched after nlp normalisation, so
// the list is written in plain Arabic and folded the same way as the posts.
package gazetteer

import (
	"sort"
	"strings"

	"github.com/rasd-iq/rasd/nlp"
)

// Governorate is one of Iraq's 18 governorates.
type Governorate struct {
	// ID is the stable ASCII id used in data and filters, e.g. "dhi_qar".
	ID string
	// Arabic is the governorate's Arabic name.
	Arabic string
	// English is the governorate's English name.
	English string
	// Names are the spellings that point to it: the governorate, its capital,
	// major cities and districts, dialect and Latin spellings.
	Names []string
}

// Governorates lists the 18 governorates in a fixed order.
var Governorates = []Governorate{
	{"baghdad", "بغداد", "Baghdad", []string{"بغداد", "بغدادي", "الكرخ", "الرصافة", "الكاظمية", "الاعظمية", "مدينة الصدر", "ابو غريب", "التاجي", "المحمودية", "ساحة التحرير", "baghdad", "bagdad"}},
	{"basra", "البصرة", "Basra", []string{"البصرة", "بصرة", "بصراوي", "الزبير", "ابو الخصيب", "القرنة", "شط العرب", "الفاو", "ام قصر", "basra", "basrah"}},
	{"nineveh", "نينوى", "Nineveh", []string{"نينوى", "الموصل", "موصل", "موصلي", "مصلاوي", "تلعفر", "سنجار", "الحمدانية", "بغديدا", "قرقوش", "تلكيف", "سهل نينوى", "mosul", "nineveh", "sinjar"}},
	{"anbar", "الأنبار", "Anbar", []string{"الانبار", "انبار", "الرمادي", "رمادي", "الفلوجة", "فلوجة", "هيت", "حديثة", "القائم", "عانة", "راوة", "anbar", "ramadi", "fallujah", "falluja"}},
	{"babil", "بابل", "Babil", []string{"بابل", "الحلة", "حلة", "حلاوي", "المسيب", "الاسكندرية", "جرف الصخر", "المحاويل", "babil", "babylon", "hilla"}},
	{"karbala", "كربلاء", "Karbala", []string{"كربلاء", "كربلا", "كربلائي", "عين التمر", "طويريج", "karbala", "kerbala"}},
	{"najaf", "النجف", "Najaf", []string{"النجف", "نجف", "نجفي", "الكوفة", "كوفة", "المناذرة", "najaf", "kufa"}},
	{"wasit", "واسط", "Wasit", []string{"واسط", "الكوت", "كوت", "الصويرة", "بدرة", "wasit", "kut"}},
	{"maysan", "ميسان", "Maysan", []string{"ميسان", "عماري", "المجر", "علي الغربي", "قلعة صالح", "maysan", "amarah", "amara"}},
	{"dhi_qar", "ذي قار", "Dhi Qar", []string{"ذي قار", "ذيقار", "الناصرية", "ناصرية", "ناصري", "الشطرة", "سوق الشيوخ", "الرفاعي", "الحبوبي", "ساحة الحبوبي", "nasiriyah", "nasiriya", "dhi qar", "thi qar"}},
	{"muthanna", "المثنى", "Muthanna", []string{"المثنى", "مثنى", "السماوة", "سماوة", "الرميثة", "muthanna", "samawah", "samawa"}},
	{"qadisiyyah", "القادسية", "Al-Qadisiyyah", []string{"القادسية", "الديوانية", "ديوانية", "ديواني", "عفك", "diwaniyah", "diwaniya", "qadisiyah"}},
	{"diyala", "ديالى", "Diyala", []string{"ديالى", "ديالي", "بعقوبة", "بعقوبه", "المقدادية", "الخالص", "خانقين", "بلدروز", "diyala", "baqubah", "baquba"}},
	{"salah_al_din", "صلاح الدين", "Salah al-Din", []string{"صلاح الدين", "تكريت", "سامراء", "بيجي", "الشرقاط", "الطوز", "طوز خورماتو", "tikrit", "samarra", "salahuddin"}},
	{"kirkuk", "كركوك", "Kirkuk", []string{"كركوك", "كركوكي", "الحويجة", "داقوق", "kirkuk"}},
	{"erbil", "أربيل", "Erbil", []string{"اربيل", "أربيل", "هولير", "عينكاوة", "شقلاوة", "erbil", "arbil", "hawler"}},
	{"duhok", "دهوك", "Duhok", []string{"دهوك", "زاخو", "العمادية", "سميل", "duhok", "dohuk", "zakho"}},
	{"sulaymaniyah", "السليمانية", "Sulaymaniyah", []string{"السليمانية", "سليمانية", "السليمانيه", "حلبجة", "sulaymaniyah", "sulaimani", "slemani"}},
}

// Match is a governorate found in a text, with how often its names occur.
type Match struct {
	ID    string
	Count int
}

// Gazetteer looks governorate names up in normalised text.
type Gazetteer struct {
	// single maps a one-word normalised name to governorate indices.
	single map[string]int
	// multi holds multi-word normalised names by their first word.
	multi map[string][]multiName
}

type multiName struct {
	words []string
	gov   int
}

// New builds a gazetteer from Governorates.
func New() *Gazetteer {
	g := &Gazetteer{single: map[string]int{}, multi: map[string][]multiName{}}
	for i, gov := range Governorates {
		for _, name := range append([]string{gov.Arabic, gov.English}, gov.Names...) {
			words := strings.Fields(nlp.Normalize(name))
			for j := range words {
				words[j] = stripArticle(words[j])
			}
			switch len(words) {
			case 0:
			case 1:
				g.single[words[0]] = i
			default:
				g.multi[words[0]] = append(g.multi[words[0]], multiName{words: words, gov: i})
			}
		}
	}
	return g
}

// prefixes are Arabic proclitics that attach to place names: و ب ل ف ك with
// or without the article, e.g. بالبصرة, وللموصل.
var prefixes = []string{"وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف"}

// prefixesByLetter groups prefixes by first letter.
var prefixesByLetter = nlp.NewPrefixSet(prefixes...)

// stripArticle removes a leading proclitic and article from an Arabic word.
func stripArticle(w string) string {
	for _, p := range prefixesByLetter.ForWord(w) {
		if rest, ok := strings.CutPrefix(w, p); ok && nlp.HasRunes(rest, 3) {
			return rest
		}
	}
	return w
}

// Find returns the governorates named in text (raw or normalised), most
// mentioned first; ties keep the fixed order of Governorates.
func (g *Gazetteer) Find(text string) []Match {
	return g.FindNormalized(nlp.Normalize(text))
}

// appendWords appends the words of normalised text, split at spaces,
// hashtag marks, underscores and punctuation, without their proclitics.
func appendWords(words []string, norm string) []string {
	start := -1
	for i := 0; i < len(norm); {
		sep, size := false, 1
		switch c := norm[i]; c {
		case ' ', '\n', '\t', '#', '_', '.', ',', '!', '?':
			sep = true
		case 0xD8: // ، and ؟ are U+060C and U+061F
			if i+1 < len(norm) && (norm[i+1] == 0x8C || norm[i+1] == 0x9F) {
				sep, size = true, 2
			}
		}
		if sep {
			if start >= 0 {
				words = append(words, stripArticle(norm[start:i]))
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		words = append(words, stripArticle(norm[start:]))
	}
	return words
}

// FindNormalized is Find for text the caller has normalised already.
func (g *Gazetteer) FindNormalized(norm string) []Match {
	var buf [128]string
	words := appendWords(buf[:0], norm)
	counts := make([]int, len(Governorates))
	for i, w := range words {
		if gov, ok := g.single[w]; ok {
			counts[gov]++
		}
		for _, m := range g.multi[w] {
			if i+len(m.words) <= len(words) && equalWords(words[i:i+len(m.words)], m.words) {
				counts[m.gov]++
			}
		}
	}
	var out []Match
	for i, c := range counts {
		if c > 0 {
			out = append(out, Match{ID: Governorates[i].ID, Count: c})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Locate returns the one governorate a post is attributed to: the author's
// stated location when it names one, else the governorate its text names
// most, else "".
func (g *Gazetteer) Locate(text, authorLocation string) string {
	return g.LocateNormalized(nlp.Normalize(text), authorLocation)
}

// LocateNormalized is Locate for a post text the caller has normalised
// already (the author's location is normalised here).
func (g *Gazetteer) LocateNormalized(norm, authorLocation string) string {
	if authorLocation != "" {
		if m := g.Find(authorLocation); len(m) > 0 {
			return m[0].ID
		}
	}
	if m := g.FindNormalized(norm); len(m) > 0 {
		return m[0].ID
	}
	return ""
}

// ByID returns the governorate with id.
func ByID(id string) (Governorate, bool) {
	for _, g := range Governorates {
		if g.ID == id {
			return g, true
		}
	}
	return Governorate{}, false
}

// spoken are the names people commonly call a governorate by besides its
// Arabic name: its capital, its dialect or older name. Filters show them
// next to the name; Lookup accepts them (some, like العمارة, are left out
// of Names because the bare word also means something else in posts).
var spoken = map[string][]string{
	"basra":        {"بصرة"},
	"nineveh":      {"الموصل"},
	"anbar":        {"الرمادي"},
	"babil":        {"الحلة"},
	"wasit":        {"الكوت"},
	"maysan":       {"العمارة"},
	"dhi_qar":      {"الناصرية"},
	"muthanna":     {"السماوة"},
	"qadisiyyah":   {"الديوانية"},
	"diyala":       {"بعقوبة"},
	"salah_al_din": {"تكريت"},
	"erbil":        {"هولير"},
}

// Spoken returns the names people commonly call g by besides g.Arabic (its
// capital, its dialect name), most common first; none for most of the
// governorates whose capital bears their name.
func (g Governorate) Spoken() []string { return spoken[g.ID] }

// lookupKey folds a name for Lookup: normalised like the posts, each word
// without its article, Latin in lower case.
func lookupKey(name string) string {
	words := strings.Fields(nlp.Normalize(strings.ToLower(strings.TrimSpace(name))))
	for i := range words {
		words[i] = stripArticle(words[i])
	}
	return strings.Join(words, " ")
}

// byName maps every folded name of a governorate to its index.
var byName = func() map[string]int {
	m := map[string]int{}
	for i, g := range Governorates {
		for _, name := range append(append([]string{g.ID, g.Arabic, g.English}, g.Names...), spoken[g.ID]...) {
			if k := lookupKey(name); k != "" {
				if _, ok := m[k]; !ok {
					m[k] = i
				}
			}
		}
	}
	return m
}()

// Lookup returns the governorate a filter names: by id, Arabic or English
// name, or any spelling it is known by (city, dialect, Latin), with or
// without the article, however the hamza and taa marbuta are written.
func Lookup(name string) (Governorate, bool) {
	if g, ok := ByID(name); ok {
		return g, true
	}
	i, ok := byName[lookupKey(name)]
	if !ok {
		return Governorate{}, false
	}
	return Governorates[i], true
}
