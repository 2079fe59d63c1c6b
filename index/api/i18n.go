package api

import (
	"net/http"

	"github.com/rasd-iq/rasd/index/gazetteer"
)

// LangCookie is the cookie that holds the UI language ("en" for English;
// anything else is Arabic, the default). The review UI sets it with its toggle.
const LangCookie = "rasd_lang"

// english reports whether the request asks for the English UI.
func english(r *http.Request) bool {
	c, err := r.Cookie(LangCookie)
	return err == nil && c.Value == "en"
}

// messages holds each UI string in Arabic and English.
var messages = map[string][2]string{
	"search":            {"البحث", "Search"},
	"search_title":      {"البحث في المنشورات", "Search posts"},
	"text":              {"النص", "Text"},
	"label":             {"التصنيف", "Label"},
	"platform":          {"المنصة", "Platform"},
	"governorate":       {"المحافظة", "Governorate"},
	"min_score":         {"أدنى درجة", "Min score"},
	"sort":              {"الترتيب", "Sort"},
	"sort_score":        {"الدرجة", "Score"},
	"sort_time":         {"الأحدث", "Newest"},
	"sort_relevance":    {"الصلة", "Relevance"},
	"go":                {"ابحث", "Search"},
	"results":           {"النتائج", "Results"},
	"max_score":         {"أعلى درجة", "Top score"},
	"seen_again":        {"نسخ في أماكن أخرى", "copies elsewhere"},
	"source_link":       {"المصدر", "Source"},
	"facet_labels":      {"التصنيف", "Labels"},
	"facet_platform":    {"المنصة", "Platform"},
	"facet_source":      {"المصدر", "Source"},
	"facet_governorate": {"المحافظة", "Governorate"},
	"warning":           {"الإنذار المبكر", "Early warning"},
	"aggregates":        {"أرقام مجمَّعة فقط، بلا ملفات عن أشخاص.", "Aggregates only, no profiles of people."},
	"from":              {"من", "From"},
	"to":                {"إلى", "to"},
	"per_day":           {"المنشورات المعلَّمة يومياً", "Flagged posts per day"},
	"tension":           {"مؤشر التوتر حسب المحافظة", "Tension index by governorate"},
	"tension_help":      {"حجم الأيام الثلاثة الأخيرة مقابل متوسط الثلاثين يوماً قبلها لكل محافظة (١ = المعتاد).", "The last three days' volume against each governorate's mean of the thirty days before (1 = usual)."},
	"index":             {"المؤشر", "Index"},
	"recent":            {"الأخيرة", "Recent"},
	"baseline":          {"المعدل اليومي السابق", "Previous daily mean"},
	"campaigns":         {"الحملات الأكثر تكراراً", "Most repeated campaigns"},
	"sightings":         {"المشاهدات", "Sightings"},
	"no_campaigns":      {"لا حملات بعد", "No campaigns yet"},
	"dashboard":         {"لوحة الإنذار المبكر", "Early warning"},
	"queue":             {"قائمة المراجعة", "Review queue"},
	"rasd":              {"رصد", "Rasd"},
}

// page is what every page template receives: the language and the data.
type page struct {
	English bool
	Header  any
	Data    map[string]any
}

// T returns the UI string for key in the page's language (the key itself
// when missing, so that a gap shows rather than breaks the page).
func (p page) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if p.English {
		return m[1]
	}
	return m[0]
}

// Lang and Dir are the page's html attributes.
func (p page) Lang() string {
	if p.English {
		return "en"
	}
	return "ar"
}

// Dir is the page's writing direction.
func (p page) Dir() string {
	if p.English {
		return "ltr"
	}
	return "rtl"
}

// Gov names a governorate in the page's language.
func (p page) Gov(id string) string {
	g, ok := gazetteer.ByID(id)
	switch {
	case !ok:
		return id
	case p.English:
		return g.English
	default:
		return g.Arabic
	}
}
