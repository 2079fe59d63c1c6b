package policy

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultPolicySpeaksArabic: every label, rule and basis of the
// built-in policy has its Arabic text, so that the Arabic UI and the
// Arabic referral page never fall back to English.
func TestDefaultPolicySpeaksArabic(t *testing.T) {
	p := Default()
	if w := p.Untranslated(); len(w) > 0 {
		t.Fatalf("the default policy lacks Arabic text:\n%v", w)
	}
	for _, b := range p.Bases {
		ar, ok := b.In(LangArabic)
		if !ok || ar.Title == b.Title || strings.ContainsAny(ar.Title+ar.Provision+ar.Jurisdiction, "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("basis %s in Arabic: %+v", b.ID, ar)
		}
	}
	for _, c := range []struct{ id, want string }{
		{"iq-penal-threat", "قانون العقوبات العراقي رقم 111 لسنة 1969، المواد 430–432 (التهديد بارتكاب جريمة ضد شخص)"},
		{"iq-anti-terrorism", "قانون مكافحة الإرهاب رقم 13 لسنة 2005، المادتان 2 و4 (الأفعال الإرهابية؛ التحريض عليها والتخطيط لها وتمويلها)"},
		{"iccpr-20-2", "العهد الدولي الخاص بالحقوق المدنية والسياسية، المادة 20(2) (الدعوة إلى الكراهية القومية أو العنصرية أو الدينية التي تشكّل تحريضاً على التمييز أو العداوة أو العنف)"},
	} {
		b, _ := p.Basis(c.id)
		if got := b.Citation(LangArabic); got != c.want {
			t.Errorf("%s in Arabic = %q, want %q", c.id, got, c.want)
		}
		if got := b.Citation("en"); !strings.HasPrefix(got, b.Title+", ") {
			t.Errorf("%s in English = %q", c.id, got)
		}
	}
	l, _ := p.Label("threat")
	if l.DescriptionIn(LangArabic) != "تهديد بالعنف ضد شخص أو جماعة." || l.DescriptionIn("en") != l.Description {
		t.Errorf("threat's guidance: %q / %q", l.DescriptionIn(LangArabic), l.DescriptionIn("en"))
	}
}

// TestUntranslatedWarns: a policy whose label, rule or basis has no Arabic
// is valid, with a warning naming each, on its line.
func TestUntranslatedWarns(t *testing.T) {
	p, err := Load(filepath.Join(fixtures, "minimal.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w := p.Untranslated()
	if len(w) != 1 || w[0].Line != 21 || !strings.Contains(w[0].Msg, `basis "law-a" has no title_ar`) {
		t.Fatalf("warnings %v, want one for basis law-a on line 21", w)
	}
	b, _ := p.Basis("law-a")
	if got, ok := b.In(LangArabic); ok || got.Title != "Law A" {
		t.Fatalf("untranslated basis in Arabic: %+v %v, want the English and false", got, ok)
	}
	data := strings.Replace(string(DefaultYAML()), "    description_ar: \"تهديد بالعنف ضد شخص أو جماعة.\"\n", "", 1)
	data = strings.Replace(data, "    provision_ar: \"المادة 200(2) (إثارة النعرات المذهبية أو الطائفية أو العنصرية)\"\n", "", 1)
	p, err = Parse("edited.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, pr := range p.Untranslated() {
		msgs = append(msgs, pr.Msg)
	}
	if got := strings.Join(msgs, "\n"); got != "warning: label \"threat\" has no description_ar (Arabic guidance)\nwarning: basis \"iq-penal-sectarian\" has no provision_ar (Arabic provision)" {
		t.Fatalf("warnings:\n%s", got)
	}
}
