package train

import (
	"math/rand"
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
