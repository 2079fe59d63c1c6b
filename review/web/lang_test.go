package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

// userText matches what reviewers wrote, which pages show in its own direction.
var userText = regexp.MustCompile(`(?s)<(span|td) dir="auto">.*?</(span|td)>`)

// TestPolicyTextInReadersLanguage: the item page, the referral form, the
// referral page and its printable package cite the legal and platform
// bases, the rule and the guidance in the reader's language, never in the
// other, and a basis the policy gives no Arabic for is marked as English.
func TestPolicyTextInReadersLanguage(t *testing.T) {
	e := referralEnv(t)
	ana, sen := e.login(t, "ana"), e.login(t, "sen")
	id := "x:000000"
	it := decode[review.Item](t, e.do(ana, "POST", "/api/claims", map[string]string{"item": id}, nil))
	if w := e.do(ana, "POST", "/api/decisions", map[string]any{"item": id, "action": "refer", "verdict": "true_positive", "lease": it.Lease.Token}, nil); w.Code != http.StatusCreated {
		t.Fatalf("refer decision: %d %s", w.Code, w.Body)
	}
	pages := map[string]string{"item": "/items/" + id, "form": "/items/" + id + "/refer"}
	check := func(name, path string, want map[Lang][]string) {
		t.Helper()
		for _, l := range []Lang{Arabic, English} {
			w := e.inLang(sen, l, "GET", path, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: %d", l, name, w.Code)
			}
			body := w.Body.String()
			// What reviewers wrote (dir="auto") is in their own words.
			if bad := crossLanguage(userText.ReplaceAllString(body, ""), l); len(bad) > 0 {
				t.Errorf("%s %s carries the other language's %v", l, name, bad)
			}
			for _, s := range want[l] {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s lacks %q", l, name, s)
				}
			}
		}
	}
	threat := map[Lang][]string{
		Arabic:  {"قانون العقوبات العراقي رقم 111 لسنة 1969", "المواد 430–432 (التهديد بارتكاب جريمة ضد شخص)", "العراق"},
		English: {"Iraqi Penal Code No. 111 of 1969", "Arts. 430-432 (threats to commit a crime against a person)"},
	}
	item := map[Lang][]string{
		Arabic:  append(threat[Arabic], "تهديد بالعنف ضد شخص مسمّى محدد الهوية.", `id="guidance"`),
		English: append(threat[English], "Threat of violence against a named, identifiable person.", `id="guidance"`),
	}
	check("item page", pages["item"], item)
	check("referral form", pages["form"], threat)
	ref := decode[review.Referral](t, e.do(ana, "POST", "/api/referrals", referralForm(id), nil))
	check("referral page", "/referrals/"+ref.ID, threat)
	if got := decode[review.Referral](t, e.do(sen, "POST", "/api/referrals/"+ref.ID+"/approve", map[string]string{}, nil)); got.Status != review.ReferralApproved {
		t.Fatalf("approval: %+v", got)
	}
	for _, l := range []Lang{Arabic, English} {
		body := e.inLang(sen, l, "GET", "/referrals/"+ref.ID+"/print", nil).Body.String()
		_, cited, _ := strings.Cut(body, `id="bases"`)
		cited, _, _ = strings.Cut(cited, "</td>")
		want, other := threat[l][0], threat[English][0]
		if l == English {
			other = threat[Arabic][0]
		}
		if !strings.Contains(cited, want) || strings.Contains(cited, other) {
			t.Errorf("%s printable package cites: %s", l, cited)
		}
	}

	// A custom policy without Arabic for a basis: the Arabic page shows its
	// English, marked as English.
	p := policy.Default()
	for i := range p.Bases {
		p.Bases[i].TitleAr, p.Bases[i].ProvisionAr, p.Bases[i].JurisdictionAr = "", "", ""
	}
	pg := &page{Lang: Arabic, pol: p}
	b, _ := p.Basis("iq-penal-threat")
	if got := pg.Basis(b); !got.English || got.Citation != "Iraqi Penal Code No. 111 of 1969, Arts. 430-432 (threats to commit a crime against a person)" {
		t.Fatalf("untranslated basis on an Arabic page: %+v", got)
	}
	// A basis stored before its Arabic was written takes the policy's.
	pg.pol = policy.Default()
	if got := pg.Basis(b); got.English || got.Title != "قانون العقوبات العراقي رقم 111 لسنة 1969" {
		t.Fatalf("stored basis on an Arabic page: %+v", got)
	}
}
