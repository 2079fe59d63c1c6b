package web

// Lang is a UI language: Arabic (the default, right to left) or English.
type Lang string

// The UI languages.
const (
	Arabic  Lang = "ar"
	English Lang = "en"
)

// Dir is the writing direction of the language.
func (l Lang) Dir() string {
	if l == English {
		return "ltr"
	}
	return "rtl"
}

// words holds the UI strings: key → Arabic, English.
var words = map[string][2]string{
	"rasd":               {"رصد", "Rasd"},
	"queue":              {"قائمة المراجعة", "Review queue"},
	"dashboard":          {"لوحة الإنذار المبكر", "Early warning"},
	"search":             {"البحث", "Search"},
	"logout":             {"خروج", "Log out"},
	"login":              {"دخول", "Log in"},
	"name":               {"اسم المستخدم", "User name"},
	"password":           {"كلمة المرور", "Password"},
	"other_lang":         {"English", "العربية"},
	"label":              {"التصنيف", "Label"},
	"min_score":          {"أدنى درجة", "Min score"},
	"platform":           {"المنصة", "Platform"},
	"source":             {"المصدر", "Source"},
	"governorate":        {"المحافظة", "Governorate"},
	"max_age":            {"العمر الأقصى (ساعات)", "Max age (hours)"},
	"status":             {"الحالة", "Status"},
	"filter":             {"تصفية", "Filter"},
	"all":                {"الكل", "All"},
	"open":               {"مفتوح", "open"},
	"senior":             {"لدى مراجع أول", "with senior"},
	"closed":             {"مقرَّر", "decided"},
	"priority":           {"الأولوية", "Priority"},
	"score":              {"الدرجة", "Score"},
	"added":              {"أضيف", "Added"},
	"held_by":            {"محجوز لدى", "Held by"},
	"urgent":             {"عاجل", "urgent"},
	"next":               {"التالي", "Next"},
	"more":               {"المزيد", "More"},
	"open_items":         {"عناصر غير مقرَّرة", "undecided items"},
	"empty":              {"لا عناصر مطابقة.", "No matching items."},
	"post":               {"المنشور", "Post"},
	"source_link":        {"الرابط الأصلي", "Source link"},
	"author":             {"الكاتب", "Author"},
	"model":              {"إصدار النموذج", "Model version"},
	"sightings":          {"نسخ من النص نفسه في أماكن أخرى", "Copies of the same text elsewhere"},
	"scores":             {"الدرجات", "Scores"},
	"model_threshold":    {"عتبة النموذج", "Model threshold"},
	"raw_score":          {"درجة النموذج الخام", "Raw model score"},
	"routing":            {"قرار التوجيه", "Routing decision"},
	"rule":               {"القاعدة", "Rule"},
	"policy_version":     {"إصدار السياسة", "Policy version"},
	"source_type":        {"نوع المصدر", "Source type"},
	"bases":              {"الأسس القانونية", "Legal and platform grounds"},
	"signals":            {"الإشارات", "Signals"},
	"protected_findings": {"مؤشرات الكلام المحمي", "Protected-speech findings"},
	"flagged":            {"مُعلَّم", "flagged"},
	"context":            {"سياق حامٍ", "protective context"},
	"reasons":            {"أسباب التوجيه", "Routing reasons"},
	"guidance":           {"إرشادات السياسة", "Policy guidance"},
	"author_posts":       {"منشورات أخرى مُعلَّمة للكاتب نفسه", "The author's other flagged posts"},
	"decisions":          {"القرارات", "Decisions"},
	"decide":             {"القرار", "Decide"},
	"claim":              {"استلام للمراجعة", "Claim for review"},
	"release":            {"إعادة إلى القائمة", "Release"},
	"verdict":            {"الحكم على التصنيف", "Verdict on the labels"},
	"labels_fix":         {"التصنيفات الصحيحة (للتصنيف الخاطئ)", "Right labels (for wrong label)"},
	"reason":             {"السبب", "Reason"},
	"dismiss":            {"رفض", "Dismiss"},
	"monitor":            {"متابعة المراقبة", "Keep monitoring"},
	"escalate":           {"تصعيد", "Escalate"},
	"refer":              {"إحالة", "Refer"},
	"true_positive":      {"صحيح", "True positive"},
	"false_positive":     {"خاطئ (لا مخالفة)", "False positive"},
	"wrong_label":        {"تصنيف خاطئ", "Wrong label"},
	"shortcuts":          {"اختصارات لوحة المفاتيح", "Keyboard shortcuts"},
	"k_next":             {"n: العنصر التالي", "n: next item"},
	"k_dismiss":          {"d: رفض (خاطئ)", "d: dismiss (false positive)"},
	"k_escalate":         {"e: تصعيد", "e: escalate"},
	"k_open":             {"o: فتح الرابط الأصلي", "o: open the source link"},
	"k_help":             {"?: إظهار هذه القائمة أو إخفاؤها", "?: show or hide this list"},
	"held_other":         {"العنصر محجوز لدى مراجع آخر حتى", "Held by another reviewer until"},
	"read_only":          {"عرض فقط: هذا الدور لا يقرِّر.", "Read only: this role does not decide."},
	"m_decided":          {"سُجِّل القرار.", "Decision recorded."},
	"m_empty":            {"لا عنصر متاح للاستلام.", "No item to claim."},
	"m_lease_lost":       {"انتهت مهلة الحجز أو أخذه مراجع آخر؛ لم يُسجَّل القرار.", "The lease expired or was taken over; the decision was not recorded."},
	"m_held":             {"العنصر محجوز لدى مراجع آخر.", "The item is held by another reviewer."},
	"m_decided_before":   {"العنصر مقرَّر سابقاً.", "The item is already decided."},
	"m_senior":           {"العنصر بانتظار مراجع أول.", "The item waits for a senior reviewer."},
	"m_reviewed":         {"راجعتَ هذا العنصر سابقاً؛ يجب أن يراجعه شخص آخر.", "You already decided this item; someone else must."},
	"m_invalid":          {"قرار غير صالح.", "Invalid decision."},
	"m_bad_login":        {"اسم المستخدم أو كلمة المرور غير صحيحة.", "Wrong user name or password."},
	"m_throttled":        {"محاولات فاشلة كثيرة؛ حاول لاحقاً.", "Too many failed logins; try again later."},
	"pending":            {"القرار الأول بانتظار مراجعة ثانية", "First decision awaiting a second review"},
	"stage":              {"المرحلة", "Stage"},
	"reviewer":           {"المراجع", "Reviewer"},
	"time":               {"الوقت", "Time"},
	"role":               {"الدور", "Role"},
	"you_hold":           {"أنت تحجز هذا العنصر حتى", "You hold this item until"},
}

// T returns the UI string key in l; the key itself when unknown.
func (l Lang) T(key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if l == English {
		return w[1]
	}
	return w[0]
}
