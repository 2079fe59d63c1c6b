package nlp_test

import (
	"testing"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

// FuzzNormalize checks that Normalize never panics, is idempotent, returns valid UTF-8 on
// one line, agrees with NormalizeWithOffsets, and keeps the offset map
// consistent (the Arabizi readings' maps too): len(Text)+1 entries, non-decreasing, within the original, and
// every token maps to a non-empty original range. Run it with
// `go test -run '^$' -fuzz FuzzNormalize -fuzzminimizetime 2s ./nlp/`: on a
// busy machine the default minimisation of each new input (60s) looks like a
// stall with 0 execs/sec.
func FuzzNormalize(f *testing.F) {
	seeds := []string{
		"", " ", "شكو ماكو؟ گاعد اكتب", "د ا ع ش", "د.ا.ع.ش", "دا_عش", "#الموت_للخونة", "دا3ش", "shlonak 7abibi",
		"da3esh", "ﺍﻟﺴﻼﻡ ﻋﻠﻴﻜﻢ ﷺ ﷲ", "ئەم پیاوە زۆر باشە", "a\xffb\xd8", "\u200d\u202e\ufeff", "هههههه موووووت",
		"😂😂😂👍🏽", "RT @USER: https://t.co/AbC URL", "١٢٣ ۴۵۶", "ا\u0654 ا\u0653 و\u0654", "مُحَمَّدٌ", "ـــ",
		"#", "@", "@_", "www.", "d a 3 e s h", "ه ه ه ه", "ك. ل. ا. ب", "اللللله", "…", "\x00\x01\x7f\u0085",
		"Ｈｅｌｌｏ ﬁ ℌ", "x_y_z", "_ا_ب_", "#_", "-.-", "3ala 3ala 3ala", "ﷺ_ﷺ",
		"##سبها ###", "#معصيتي_رIحتي", "#سنخضعكم_راغممه1من", "#الاسد_#الولايات", "د1_عش", "#shlonak_حبيبي",
		"el-7ashd 3'adar bina w ra7 na5ith tha2rna", "wa7ed mn el-mo5abarat 9'9'9' el--x 7''a", "SI6ARAT el fasa2il!!",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	n := nlp.New(nlp.DefaultOptions())
	keep := nlp.New(nlp.Options{KeepDiacritics: true, KeepHashtags: true, KeepElongation: true, FoldHamzaCarriers: true})
	f.Fuzz(func(t *testing.T, s string) {
		for _, norm := range []*nlp.Normalizer{n, keep} {
			text := norm.Normalize(s)
			if !utf8.ValidString(text) {
				t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, text)
			}
			for _, c := range []byte(text) {
				if c == '\n' || c == '\r' {
					t.Fatalf("Normalize(%q) = %q: line break in output", s, text)
				}
			}
			r := norm.NormalizeWithOffsets(s)
			if r.Text != text {
				t.Fatalf("NormalizeWithOffsets(%q).Text = %q, Normalize = %q", s, r.Text, text)
			}
			checkOffsets(t, r)
		}
		if once := n.Normalize(s); n.Normalize(once) != once {
			t.Fatalf("not idempotent on %q:\n once  %q\n twice %q", s, once, n.Normalize(once))
		}
		for _, read := range []func(string) *nlp.Result{nlp.ReadArabizi, nlp.ReadArabiziWords} {
			if r := read(s); r != nil {
				if !utf8.ValidString(r.Text) {
					t.Fatalf("reading %q gave invalid UTF-8 %q", s, r.Text)
				}
				checkOffsets(t, *r)
			}
		}
		_ = nlp.ModelTokens(s)
		_ = nlp.DialectMarkers(s)
	})
}
