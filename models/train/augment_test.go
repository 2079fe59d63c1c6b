package train

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/nlp"
)

func TestRenderArabiziIsReadBack(t *testing.T) {
	// A rendering must be Arabizi that the reading recognises, and its
	// reading must share most consonants with the original.
	texts := []string{"والله لنذبحكم يا كلاب", "الشيعة حشرات لازم نطلعهم", "نعرف بيتك وين"}
	for i, text := range texts {
		r := rand.New(rand.NewSource(int64(i)))
		a := RenderArabizi(text, r)
		if strings.ContainsFunc(a, func(c rune) bool { return c >= 0x0600 && c <= 0x06FF }) {
			t.Errorf("%q rendered %q: Arabic letters left", text, a)
		}
		rd := nlp.ReadArabizi(a)
		if rd == nil {
			t.Errorf("%q rendered %q: not read as Arabizi", text, a)
			continue
		}
		t.Logf("%s → %s → %s", text, a, rd.Text)
	}
}

func TestRenderIsReproducible(t *testing.T) {
	a := RenderArabizi("الاكراد خونة", rand.New(rand.NewSource(3)))
	b := RenderArabizi("الاكراد خونة", rand.New(rand.NewSource(3)))
	if a != b {
		t.Errorf("same seed, %q and %q", a, b)
	}
	if RenderArabizi("hello 123", rand.New(rand.NewSource(1))) != "hello 123" {
		t.Error("a text without Arabic letters changed")
	}
	ty := RenderTypos("الظلم ظاهر والقتل ذبح", rand.New(rand.NewSource(2)))
	if ty == "الظلم ظاهر والقتل ذبح" {
		t.Errorf("no spelling variant in %q", ty)
	}
}

func TestAugmentCopiesTrainingItemsOnly(t *testing.T) {
	var items []Item
	var srcs []int
	for i := range 200 {
		items = append(items, Item{Text: "نص رقم " + strings.Repeat("ب", i%7+1) + " عن الشيعة " + string(rune('ا'+i%20)), Labels: []string{"hate"}})
		srcs = append(srcs, i%2) // file 1 is validation-only
	}
	cfg := Config{AugmentArabizi: 0.5, ValidPercent: 10, Seed: 1}
	out, outSrcs, origin := augment(items, srcs, 1, cfg)
	copies := len(out) - len(items)
	if copies < 20 || copies > 80 {
		t.Fatalf("%d copies of 100 training items at share 0.5", copies)
	}
	for i := len(items); i < len(out); i++ {
		o := origin[i]
		if srcs[o] != 0 || InValidation(items[o].Text, 10) {
			t.Errorf("copy %d of a validation item %d", i, o)
		}
		if outSrcs[i] != srcs[o] || out[i].Labels[0] != "hate" {
			t.Errorf("copy %d lost its file or labels", i)
		}
	}
}

func TestSwapIdentityKeepsFormAndClitic(t *testing.T) {
	cases := []struct{ in, wantForm string }{
		{"الشيعة اهلنا وجيراننا", "^(السنيين|الاكراد|التركمان|المسيحيين|الايزيدية|الصابئة|الشبك|العرب) اهلنا وجيراننا$"},
		{"والمسيحيين الهم حق يصوتون", "^وال"},
		{"للتركمان حق بالوظائف", "^لل(شيعة|سنيين|اكراد|مسيحيين|ايزيدية|صابئة|شبك|عرب) حق"},
		{"صديقي كردي ويحب الموصل", "^صديقي (شيعي|سني|تركماني|مسيحي|ايزيدي|صابئي|شبكي|عربي) ويحب"},
	}
	for i, c := range cases {
		out := SwapIdentity(c.in, rand.New(rand.NewSource(int64(i))))
		if out == c.in {
			t.Errorf("%q: nothing swapped", c.in)
			continue
		}
		if !regexp.MustCompile(c.wantForm).MatchString(out) {
			t.Errorf("%q → %q: want form %s", c.in, out, c.wantForm)
		}
	}
	// One group is swapped for the same group throughout a text.
	out := SwapIdentity("الكرد والكرد الكردي", rand.New(rand.NewSource(5)))
	ws := strings.Fields(out)
	if strings.TrimPrefix(ws[1], "و") != ws[0] || !strings.HasPrefix(ws[2], "ال") {
		t.Errorf("inconsistent swap: %q", out)
	}
	for _, text := range []string{"هاي السنة الجاية نسافر", "الروافض والنواصب", "عرب ستان"} {
		if NamesIdentity(text) || SwapIdentity(text, rand.New(rand.NewSource(1))) != text {
			t.Errorf("%q names no group the swap knows, but changed", text)
		}
	}
}

func TestAugmentIdentityCopiesOnlyItemsNamingAGroup(t *testing.T) {
	var items []Item
	var srcs []int
	for i := range 200 {
		text := "نص رقم " + strings.Repeat("ب", i%7+1) + " " + string(rune('ا'+i%20))
		if i%4 == 0 {
			text += " عن التركمان"
		}
		items = append(items, Item{Text: text, Labels: []string{"hate"}})
		srcs = append(srcs, 0)
	}
	out, _, origin := augment(items, srcs, 1, Config{AugmentIdentity: 1, ValidPercent: 10, Seed: 1})
	copies := 0
	for i := len(items); i < len(out); i++ {
		copies++
		o := items[origin[i]]
		if !NamesIdentity(o.Text) || InValidation(o.Text, 10) {
			t.Errorf("copy of %q: it names no group or is a validation item", o.Text)
		}
		if strings.Contains(out[i].Text, "التركمان") || !NamesIdentity(out[i].Text) || out[i].Labels[0] != "hate" {
			t.Errorf("copy %q of %q: group not swapped or labels lost", out[i].Text, o.Text)
		}
	}
	if copies < 40 {
		t.Errorf("%d copies of the 50 items naming a group at share 1", copies)
	}
}
