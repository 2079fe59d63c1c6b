package nlp_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/nlp"
)

// checkText fails with the strings and their bytes when got != want.
func checkText(t *testing.T, in, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("Normalize(%q)\n got  %q\n      % x\n want %q\n      % x", in, got, got, want, want)
	}
}

type normCase struct {
	name, in, want string
}

func runCases(t *testing.T, n *nlp.Normalizer, cases []normCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkText(t, c.in, n.Normalize(c.in), c.want)
		})
	}
}

func TestNormalizeUnicode(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"presentation forms (isolated and final)", "ﺍﻟﺴﻼﻡ ﻋﻠﻴﻜﻢ", "السلام عليكم"},
		{"lam-alef ligature", "ﻻ ﻷ", "لا لا"},
		{"allah ligature", "ﷲ اكبر", "الله اكبر"},
		{"fullwidth latin", "Ｈｅｌｌｏ", "hello"},
		{"composed with combining hamza", "ا\u0654حمد", "احمد"},
		{"zero-width space and joiners", "د\u200dا\u200cع\u200bش", "داعش"},
		{"bidi isolates and marks", "\u2066مرحبا\u2069 \u200fبالعالم\u202b", "مرحبا بالعالم"},
		{"byte order mark and soft hyphen", "\ufeffكلا\u00adم", "كلام"},
		{"variation selector after heart", "❤️ ❤", "❤ ❤"},
		{"invalid utf-8 repaired", "شكو\xffماكو", "شكو\ufffdماكو"},
		{"truncated multibyte sequence", "ماكو\xd8", "ماكو\ufffd"},
		{"eastern arabic digits", "١٩٤٨ و ٢٠٢٤", "1948 و 2024"},
		{"persian digits", "۱۲۳۴۵۶۷۸۹۰", "1234567890"},
		{"whitespace collapsed", "  هلو\t\tشلونك\n\nزين  ", "هلو شلونك زين"},
		{"no-break and ideographic spaces", "هلو\u00a0\u3000اغاتي", "هلو اغاتي"},
		{"ellipsis", "وبعدين…", "وبعدين."},
		{"empty", "", ""},
		{"only spaces", " \t\n ", ""},
	})
}

func TestNormalizeOrthography(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"tashkeel", "مُحَمَّدٌ رَسُولُ", "محمد رسول"},
		{"tanwin and sukun", "شُكْرًا", "شكرا"},
		{"superscript alef", "هٰذا", "هذا"},
		{"tatweel", "مـــــوت للـخـونـة", "موت للخونه"},
		{"alef with hamza above and below (MSA)", "أحمد إبراهيم", "احمد ابراهيم"},
		{"alef madda and wasla", "آمنة ٱلله", "امنه الله"},
		{"alef maqsura (Gulf: ايش تبغى)", "ايش تبغى يا شيخ", "ايش تبغي يا شيخ"},
		{"teh marbuta (Levantine: يا زلمة)", "يا زلمة شو هاد", "يا زلمه شو هاد"},
		{"teh marbuta (Egyptian: حاجة)", "انا مش فاهم حاجة", "انا مش فاهم حاجه"},
		{"hamza carriers kept by default", "سؤال رئيس", "سؤال رئيس"},
		{"persian keheh and yeh", "کتاب ی", "كتاب ي"},
	})
}

// TestNormalizeDialects runs real sentences of each dialect through several
// rules at once.
func TestNormalizeDialects(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"iraqi", "شكو ماكو؟ گاعد أحچي وياك هوايةةة", "شكو ماكو؟ قاعد احكي وياك هوايه"},
		{"iraqi arabizi", "shlonak 3eni? wallah zain", "شلونك عيني? والله زين"},
		{"gulf", "وش تبى يا رجّال؟؟ ترى الموضوع مررره سهل", "وش تبي يا رجال؟ تري الموضوع مره سهل"},
		{"levantine", "شو بدك يا زلمة؟ هلأ بجي 😂😂😂", "شو بدك يا زلمه؟ هلا بجي 😂"},
		{"egyptian", "إنت عايز إيه يا عم؟ ده كلام فاضى خالص", "انت عايز ايه يا عم؟ ده كلام فاضي خالص"},
		{"msa news", "أعلنت وزارة الداخلية العراقية اعتقال ٣ متهمين", "اعلنت وزاره الداخليه العراقيه اعتقال 3 متهمين"},
	})
}

func TestNormalizeIraqiLetters(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"gaf", "گاعد يگول", "قاعد يقول"},
		{"cheh", "چان يحچي", "كان يحكي"},
		{"peh", "پاچه", "باكه"},
		{"veh", "ڤيديو", "فيديو"},
		{"jeh", "ژاله", "زاله"},
	})
}

func TestNormalizeKurdish(t *testing.T) {
	cases := []struct {
		name, in string
	}{
		{"sorani sentence", "ئەم پیاوە زۆر باشە لە هەولێر دەژی"},
		{"sorani with gaf and cheh", "چۆنی گیان؟ ئێمە باشین"},
		{"sorani with heavy r", "ڕۆژباش هاوڕێ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := nlp.NormalizeWithOffsets(c.in)
			checkText(t, c.in, r.Text, c.in)
			if !r.Kurdish || r.Script.Kurdish == 0 {
				t.Errorf("Kurdish = %v, Script = %+v; want Kurdish text detected", r.Kurdish, r.Script)
			}
			if !slices.Contains(r.Steps, "kurdish") {
				t.Errorf("Steps = %v, want kurdish", r.Steps)
			}
		})
	}
	t.Run("zero-width characters still removed", func(t *testing.T) {
		in := "ئەم\u200b پیاوە\u202b"
		checkText(t, in, nlp.Normalize(in), "ئەم پیاوە")
	})
	t.Run("arabic with one stray kurdish letter stays arabic", func(t *testing.T) {
		in := "گاعد اكتب رسالة طويلة ه"
		if r := nlp.NormalizeWithOffsets(in + "ە"); r.Kurdish {
			t.Errorf("Normalize(%q) marked Kurdish", in)
		}
	})
}

func TestNormalizeElongation(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"laughter", "هههههههه", "ه"},
		{"long vowel", "موووووت", "موت"},
		{"gulf elongated", "ضعيييييف", "ضعيف"},
		{"double letter kept", "ممكن الله", "ممكن الله"},
		{"elongated allah keeps two lams", "اللللللله", "الله"},
		{"latin run kept at two", "soooo goooood", "soo good"},
		{"question marks", "ليش؟؟؟؟؟ !!!!!", "ليش؟ !"},
		{"emoji run", "😂😂😂😂 🔥🔥", "😂 🔥"},
		{"digits never collapse", "1000000", "1000000"},
		{"url untouched", "شوف www.example.com/aaa", "شوف www.example.com/aaa"},
	})
}

func TestNormalizeArabizi(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"iraqi greeting", "shlonak 7abibi", "شلونك حبيبي"},
		{"shaku maku", "Shaku maku?", "شكو ماكو?"},
		{"oath", "wallah", "والله"},
		{"digit rule", "da3esh", "داعش"},
		{"weak words beside strong", "ya 7abibi", "يا حبيبي"},
		{"weak words alone stay", "ya man", "ya man"},
		{"english sentence stays", "The government must resign now", "the government must resign now"},
		{"english with digits stays", "mp3 h2o 2nd covid19 b2b 5g", "mp3 h2o 2nd covid19 b2b 5g"},
		{"english around arabizi", "I miss you 7abibi", "i miss you حبيبي"},
	})
}

func TestNormalizeEvasion(t *testing.T) {
	runCases(t, nlp.New(nlp.DefaultOptions()), []normCase{
		{"spaced letters", "د ا ع ش", "داعش"},
		{"dotted letters", "د.ا.ع.ش", "داعش"},
		{"letters cut between tatweels", "عـ.ـبـ.ـدة الشيـ.ـطان", "عبده الشيطان"},
		{"an ellipsis after an elongated word stays", "حلـــو...بس", "حلو.بس"},
		{"a word cut by a space between tatweels", "حشـ ـرات والشيـ ـعة كفـ ـار", "حشرات والشيعه كفار"},
		{"a space after an elongated word stays", "حلـــو بس", "حلو بس"},
		{"dashed letters with spaces", "د - ا - ع - ش", "داعش"},
		{"dotted letters with spaces", "موتوا يا ك. ل. ا. ب", "موتوا يا كلاب"},
		{"underscore inside word", "دا_عش", "داعش"},
		{"zero-width joiners", "د\u200dا\u200dع\u200dش", "داعش"},
		{"tatweel between spaced letters", "د ـ ا ـ ع ـ ش", "داعش"},
		{"latin digit look-alike", "دا3ش", "داعش"},
		{"latin one as alef", "د1عش", "داعش"},
		{"latin o as heh", "الله اكبر يا شباoب", "الله اكبر يا شباهب"},
		{"hashtag to words", "#الموت_للخونة", "الموت للخونه"},
		{"hashtag with tatweel and ellipsis", "#الموت_لـ…", "الموت ل."},
		{"hashtag with evasion", "#دا_عش", "داعش"},
		{"latin hashtag", "#Free_Iraq", "free iraq"},
		{"two single letters stay", "ب ت", "ب ت"},
		{"a word breaks a run of letters", "د ا كلمة ع ش", "د ا كلمه ع ش"},
		{"a run ends at a word", "د ا ع كلمة", "داع كلمه"},
		{"function words not joined", "يا_رب", "يا رب"},
		{"sentence dot not joined", "كلام.مرحبا", "كلام.مرحبا"},
		{"ellipsis between short words not joined", "منك...خلك", "منك.خلك"},
		{"abbreviation not joined", "د.سحر", "د.سحر"},
		{"censoring star joined", "خن*ثين", "خنثين"},
		{"two three-letter words stay apart", "قدح_وجم", "قدح وجم"},
		{"leading digit read as the letter it imitates", "1لروافض", "الروافض"},
		{"leading 3 read as ع", "ذا 3بد", "ذا عبد"},
		{"count glued to its noun stays", "3ايام 5دقايق", "3ايام 5دقايق"},
		{"article before dotted letters joined", "الش.و.ا.ذ", "الشواذ"},
		{"bare article before dotted letters joined", "ال.ش.ي.ع.ة", "الشيعه"},
		{"article not counted in an underscored piece", "الرا_فضة", "الرافضه"},
		{"bare article joined to the piece after it", "ال_يهود", "اليهود"},
		{"article written apart before spaced letters", "اكره ال ر و ا ف ض", "اكره الروافض"},
		{"article and a letter before spaced letters", "الش ي ع ة", "الشيعه"},
		{"who is not the article", "الي_هود", "الي هود"},
		{"a hashtag's parts stay words", "#الدمج_حق", "الدمج حق"},
		{"article with a long piece stays apart", "الحشد_الشعبي", "الحشد الشعبي"},
		{"spaced insult", "يا ق ح ب", "يا قحب"},
		{"date glued to words", "مليونية18ابريل", "مليونيه18ابريل"},
		{"digit glued to long words", "للاتصالات1يارب", "للاتصالات1يارب"},
		{"number next to word kept", "كوفيد19 و 2019عراق", "كوفيد19 و 2019عراق"},
	})
}

// TestMeet checks obfuscated and plain spellings that must normalise alike.
func TestMeet(t *testing.T) {
	pairs := []struct{ name, a, b string }{
		{"gal (iraqi gaf)", "گال", "قال"},
		{"gaed (iraqi gaf)", "گاعد", "قاعد"},
		{"chan (iraqi cheh)", "چان", "كان"},
		{"chalb (iraqi cheh)", "چلب", "كلب"},
		{"spaced daesh", "د ا ع ش", "داعش"},
		{"dotted daesh", "د.ا.ع.ش", "داعش"},
		{"underscored daesh", "دا_عش", "داعش"},
		{"arabizi daesh", "da3esh", "داعش"},
		{"look-alike daesh", "دا3ش", "داعش"},
		{"elongated death", "موووووت", "موت"},
		{"hamza alef", "إرهاب", "ارهاب"},
		{"diacritics", "إِرْهَابِيّ", "ارهابي"},
		{"presentation forms", "ﻛﻠﺐ", "كلب"},
		{"shlon arabizi", "shlon", "شلون"},
		{"hashtag", "#الحشد_الشعبي", "الحشد الشعبي"},
		{"teh marbuta", "خيانة", "خيانه"},
		{"alef maqsura", "مستشفى", "مستشفي"},
		{"eastern digits", "٣١٣", "313"},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			a, b := nlp.Normalize(p.a), nlp.Normalize(p.b)
			if a != b {
				t.Errorf("%q and %q do not meet:\n %q % x\n %q % x", p.a, p.b, a, a, b, b)
			}
		})
	}
}

// TestApart checks texts that must stay different after normalising.
func TestApart(t *testing.T) {
	pairs := []struct{ name, a, b string }{
		{"kurdish gaf stays", "گەورە", "قەورە"},
		{"english stays english", "hala is my name", "هلا is my name"},
		{"different words: kalb/qalb", "كلب", "قلب"},
		{"different words: mawt/mut", "موت", "مات"},
		{"hamza carriers kept", "سؤال", "سءال"},
		{"two words not merged", "يا رب", "يارب"},
		{"digits in numbers kept", "2019", "ءا19"},
		{"url case kept", "https://t.co/AbC", "https://t.co/abc"},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			a, b := nlp.Normalize(p.a), nlp.Normalize(p.b)
			if a == b {
				t.Errorf("%q and %q both normalise to %q (% x)", p.a, p.b, a, a)
			}
		})
	}
}

// TestOptions checks that each Keep option keeps its distinction.
func TestOptions(t *testing.T) {
	cases := []struct {
		name string
		opts nlp.Options
		in   string
		want string
	}{
		{"keep diacritics", nlp.Options{KeepDiacritics: true}, "مُحَمَّد", "مُحَمَّد"},
		{"keep tatweel", nlp.Options{KeepTatweel: true}, "مـوت", "مـوت"},
		{"keep alef forms", nlp.Options{KeepAlefForms: true}, "أحمد إبراهيم آمنة", "أحمد إبراهيم آمنه"},
		{"keep alef maqsura", nlp.Options{KeepAlefMaqsura: true}, "مستشفى", "مستشفى"},
		{"keep teh marbuta", nlp.Options{KeepTehMarbuta: true}, "مدرسة", "مدرسة"},
		{"fold hamza carriers", nlp.Options{FoldHamzaCarriers: true}, "سؤال رئيس", "سءال رءيس"},
		{"keep iraqi letters", nlp.Options{KeepIraqiLetters: true}, "گاعد چان", "گاعد چان"},
		{"keep persian forms", nlp.Options{KeepPersianForms: true}, "کتاب", "کتاب"},
		{"keep digits", nlp.Options{KeepDigits: true}, "١٢٣", "١٢٣"},
		{"keep case", nlp.Options{KeepCase: true}, "Iraq", "Iraq"},
		{"keep elongation", nlp.Options{KeepElongation: true}, "موووت!!!", "موووت!!!"},
		{"keep arabizi", nlp.Options{KeepArabizi: true}, "shlonak 7abibi", "shlonak 7abibi"},
		{"keep case still reads arabizi", nlp.Options{KeepCase: true}, "Wallah DA3ESH Now", "والله داعش Now"},
		{"keep evasion", nlp.Options{KeepEvasion: true}, "د ا ع ش دا3ش", "د ا ع ش دا3ش"},
		{"keep hashtags", nlp.Options{KeepHashtags: true}, "#الموت_للخونة", "#الموت_للخونه"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := nlp.New(c.opts)
			checkText(t, c.in, n.Normalize(c.in), c.want)
			if n.Options() != c.opts {
				t.Errorf("Options() = %+v, want %+v", n.Options(), c.opts)
			}
		})
	}
}

func TestOffsets(t *testing.T) {
	cases := []struct {
		name, in string
		token    string // a token of the normalised text
		want     string // the original text it must highlight
	}{
		{"diacritics", "قال مُحَمَّدٌ كلاما", "محمد", "مُحَمَّدٌ"},
		{"tatweel", "الموت لـــلخونة", "للخونه", "لـــلخونة"},
		{"spaced letters", "قالوا د ا ع ش هنا", "داعش", "د ا ع ش"},
		{"arabizi", "wallah da3esh", "داعش", "da3esh"},
		{"elongation", "موووووت", "موت", "موووووت"},
		{"hashtag", "#الموت_للخونة", "للخونه", "للخونة"},
		{"nfkc ligature", "قال ﻻ", "لا", "ﻻ"},
		{"iraqi letter", "هو گاعد", "قاعد", "گاعد"},
		{"url", "شوف https://t.co/x", "https://t.co/x", "https://t.co/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := nlp.NormalizeWithOffsets(c.in)
			if r.Original != c.in {
				t.Fatalf("Original = %q, want %q", r.Original, c.in)
			}
			if r.Text != nlp.Normalize(c.in) {
				t.Errorf("Text %q differs from Normalize %q", r.Text, nlp.Normalize(c.in))
			}
			checkOffsets(t, r)
			i := strings.Index(r.Text, c.token)
			if i < 0 {
				t.Fatalf("token %q not in %q", c.token, r.Text)
			}
			a, b := r.OriginalRange(i, i+len(c.token))
			if got := c.in[a:b]; got != c.want {
				t.Errorf("OriginalRange(%q) = %q (% x), want %q", c.token, got, got, c.want)
			}
		})
	}
}

// checkOffsets checks the invariants of the offset map.
func checkOffsets(t *testing.T, r nlp.Result) {
	t.Helper()
	if len(r.Offsets) != len(r.Text)+1 {
		t.Fatalf("len(Offsets) = %d, want len(Text)+1 = %d", len(r.Offsets), len(r.Text)+1)
	}
	if r.Offsets[len(r.Text)] != len(r.Original) {
		t.Errorf("last offset %d, want len(Original) %d", r.Offsets[len(r.Text)], len(r.Original))
	}
	for i, o := range r.Offsets {
		if o < 0 || o > len(r.Original) {
			t.Fatalf("Offsets[%d] = %d out of [0,%d]", i, o, len(r.Original))
		}
		if i > 0 && o < r.Offsets[i-1] {
			t.Fatalf("Offsets[%d] = %d < Offsets[%d] = %d", i, o, i-1, r.Offsets[i-1])
		}
	}
	for _, tok := range nlp.Tokenize(r.Text) {
		a, b := r.OriginalRange(tok.Start, tok.End)
		if a >= b || a < 0 || b > len(r.Original) {
			t.Errorf("token %q [%d,%d) maps to empty or bad range [%d,%d) of %q", tok.Text, tok.Start, tok.End, a, b, r.Original)
		}
	}
}

func TestExplain(t *testing.T) {
	n := nlp.New(nlp.DefaultOptions())
	r := n.Explain("شكو ماكو؟ گاعد اكتب هواية wallah, shlonak 7abibi, see you")
	wantMarkers := []string{"شكو", "ماكو", "گاعد", "هوايه", "شلونك"}
	if !slices.Equal(r.Markers, wantMarkers) {
		t.Errorf("Markers = %v, want %v", r.Markers, wantMarkers)
	}
	wantMix := nlp.ScriptMix{Arabic: 5, Latin: 2, Arabizi: 3}
	if r.Script != wantMix {
		t.Errorf("Script = %+v, want %+v", r.Script, wantMix)
	}
	for _, s := range []string{"iraqi-letters", "teh-marbuta", "arabizi"} {
		if !slices.Contains(r.Steps, s) {
			t.Errorf("Steps = %v, missing %q", r.Steps, s)
		}
	}
	if slices.Contains(r.Steps, "elongation") {
		t.Errorf("Steps = %v lists elongation, which did not apply", r.Steps)
	}
	if r := n.Explain("قاعد اكتب"); len(r.Markers) != 0 {
		t.Errorf("standard Arabic قاعد gave markers %v", r.Markers)
	}
}

func TestDialectMarkers(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"iraqi", "شلونك؟ شكو ماكو", []string{"شلونك", "شكو", "ماكو"}},
		{"with and-prefix", "وشلون وياك", []string{"شلون", "وياك"}},
		{"iraqi gaf progressive", "گاعد اشتغل هسه", []string{"گاعد", "هسه"}},
		{"diacritics and teh marbuta", "هوايةٌ", []string{"هوايه"}},
		{"egyptian has none", "إزيك عامل ايه", nil},
		{"levantine has none", "شو عم تعمل هلق", nil},
		{"repeats reported once", "ماكو ماكو", []string{"ماكو"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nlp.DialectMarkers(c.in); !slices.Equal(got, c.want) {
				t.Errorf("DialectMarkers(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	type tk struct {
		text string
		kind nlp.TokenKind
	}
	cases := []struct {
		name, in string
		want     []tk
	}{
		{"words and punctuation", "شكو ماكو؟ زين.", []tk{{"شكو", nlp.Word}, {"ماكو", nlp.Word}, {"زين", nlp.Word}}},
		{"numbers", "الساعه 10:30 و 3.5 و 1,000", []tk{{"الساعه", nlp.Word}, {"10:30", nlp.Number}, {"و", nlp.Word}, {"3.5", nlp.Number}, {"و", nlp.Word}, {"1,000", nlp.Number}}},
		{"hashtag and mention", "#العراق @user_1: هلو", []tk{{"#العراق", nlp.Hashtag}, {"@user_1", nlp.Mention}, {"هلو", nlp.Word}}},
		{"url", "شوف https://t.co/AbC. هنا", []tk{{"شوف", nlp.Word}, {"https://t.co/AbC", nlp.URL}, {"هنا", nlp.Word}}},
		{"emoji with modifier", "👍🏽😂 حلو", []tk{{"👍🏽", nlp.Emoji}, {"😂", nlp.Emoji}, {"حلو", nlp.Word}}},
		{"mixed word", "covid19", []tk{{"covid19", nlp.Word}}},
		{"lone signs are not tokens", "# @ - !", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			toks := nlp.Tokenize(c.in)
			var got []tk
			for _, x := range toks {
				if c.in[x.Start:x.End] != x.Text {
					t.Errorf("token %q has range [%d,%d) = %q", x.Text, x.Start, x.End, c.in[x.Start:x.End])
				}
				got = append(got, tk{x.Text, x.Kind})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Tokenize(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestModelTokens(t *testing.T) {
	in := nlp.Normalize("RT @USER: شوف https://t.co/AbC #الحشد_الشعبي 😂😂")
	got := nlp.ModelTokens(in)
	want := []string{"rt", "<user>", "شوف", "<url>", "الحشد", "الشعبي", "😂"}
	if !slices.Equal(got, want) {
		t.Errorf("ModelTokens(%q) = %q, want %q", in, got, want)
	}
	idx := nlp.New(nlp.Options{KeepHashtags: true}).Normalize("@USER #الحشد_الشعبي https://t.co/AbC")
	var kinds []string
	for _, tok := range nlp.Tokenize(idx) {
		kinds = append(kinds, tok.Kind.String()+":"+tok.Text)
	}
	wantKinds := []string{"mention:@user", "hashtag:#الحشد_الشعبي", "url:https://t.co/AbC"}
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("index tokens = %q, want %q", kinds, wantKinds)
	}
}

// TestDatasets normalises every public dataset post and checks the
// invariants on real text.
func TestDatasets(t *testing.T) {
	texts := evaltest.DatasetTexts(t, "*.jsonl", 0, 1)
	if testing.Short() {
		texts = texts[:min(len(texts), 2000)]
	}
	n := nlp.New(nlp.DefaultOptions())
	for _, s := range texts {
		r := n.NormalizeWithOffsets(s)
		if !utf8.ValidString(r.Text) || strings.ContainsAny(r.Text, "\n\t\r") {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8 or a line break", s, r.Text)
		}
		if r.Text != nlp.Normalize(s) {
			t.Fatalf("NormalizeWithOffsets and Normalize differ on %q", s)
		}
		if nlp.Normalize(r.Text) != r.Text {
			t.Fatalf("not idempotent on %q:\n once  %q\n twice %q", s, r.Text, nlp.Normalize(r.Text))
		}
		checkOffsets(t, r)
		if t.Failed() {
			t.Fatalf("on %q", s)
		}
	}
}

// TestConcurrent checks that one Normalizer gives the same results from many
// goroutines (run with -race to check the pooled buffers).
func TestConcurrent(t *testing.T) {
	inputs := []string{"گاعد يحچي عن دا_عش!!!", "shlonak 7abibi", "ﻻ ﷺ ﷲ", "ئەم پیاوە زۆر باشە", "د ا ع ش", "a\xffb"}
	n := nlp.New(nlp.DefaultOptions())
	want := make([]string, len(inputs))
	for i, s := range inputs {
		want[i] = n.Normalize(s)
	}
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for it := 0; it < 200; it++ {
				i := (g + it) % len(inputs)
				if got := n.NormalizeWithOffsets(inputs[i]).Text; got != want[i] {
					errs <- got
					return
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 8; g++ {
		if got := <-errs; got != "" {
			t.Errorf("concurrent Normalize gave %q", got)
		}
	}
}

func TestPrefixSetKeepsOrderByFirstLetter(t *testing.T) {
	s := nlp.NewPrefixSet("", "وبال", "وال", "بال", "ال", "و", "ب", "x", "xy")
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"والبصرة", []string{"", "وبال", "وال", "و"}},
		{"بالبصرة", []string{"", "بال", "ب"}},
		{"البصرة", []string{"", "ال"}},
		{"نجف", []string{""}},
		{"xyz", []string{"", "x", "xy"}},
		{"", []string{""}},
	} {
		if got := s.ForWord(tc.word); !slices.Equal(got, tc.want) {
			t.Errorf("ForWord(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := nlp.NewPrefixSet("ال", "و").ForWord("نجف"); got != nil {
		t.Errorf("without the empty prefix, a word starting with no prefix's letter gets %q", got)
	}
}

func TestDecodeRuneMatchesUTF8(t *testing.T) {
	for _, s := range []string{"شكو ماكو", "abc", "\xc2", "\xc2A", "\xd8\xa7\xff", "é😀ج", "\xe0\x80\x80", "\xc0\x80"} {
		for i := 0; i < len(s); i++ {
			r1, n1 := nlp.DecodeRune(s, i)
			r2, n2 := utf8.DecodeRuneInString(s[i:])
			if r1 != r2 || n1 != n2 {
				t.Fatalf("% x at %d: got %U/%d, want %U/%d", s, i, r1, n1, r2, n2)
			}
		}
	}
}

func TestHasRunesCountsRunes(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "ج", "جج", "ججج", "😀", "😀😀", "\xff", "\xff\xff", "abcdefghijklm", "ججججججججج"} {
		for n := 0; n <= 6; n++ {
			if got, want := nlp.HasRunes(s, n), utf8.RuneCountInString(s) >= n; got != want {
				t.Errorf("HasRunes(%q, %d) = %v, want %v", s, n, got, want)
			}
		}
	}
}

// TestReadArabiziWords checks the reading guided by the word list: long
// vowels written as one Latin vowel or none, h for ح and 9 for ق are read as
// the common words they spell, the rules spell what no listed word fits,
// and offsets still point back at the Latin words.
func TestReadArabiziWords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"wallah ra7 nedba7hom kolhom ya kuffar", "والله راح ندبحهم كلهم يا كفار"},
		{"wa7ed mn el-mo5abarat ygolli inta 5ayen", "واحد من المخابرات يقول انت خاين"},
		{"el shi3a kilab lazim nitla3hom mn el 3ira8", "الشيعه كلب لازم نطلعهم من العراق"},
		{"si6arat el fasa2il b kul share3 3adi", "سيطرت الفصائل ب كل شرع عدي"},
		// No listed word is spelt "3'adarna": the rules read it.
		{"3'adarna 7abibi", "غدرنه حبيبي"},
	} {
		r := nlp.ReadArabiziWords(tc.in)
		if r == nil || r.Text != tc.want {
			t.Errorf("ReadArabiziWords(%q) = %+v; want %q", tc.in, r, tc.want)
			continue
		}
		if s, e := r.OriginalRange(0, len(r.Text)); s != 0 || e != len(tc.in) {
			t.Errorf("ReadArabiziWords(%q): whole reading maps to [%d,%d), want [0,%d)", tc.in, s, e, len(tc.in))
		}
		checkOffsets(t, *r)
		if again := nlp.Normalize(r.Text); again != r.Text {
			t.Errorf("ReadArabiziWords(%q) = %q normalises to %q", tc.in, r.Text, again)
		}
	}
	// Words English shares with Arabizi ("in", "me", "an") and words that
	// drop their vowels ("3ndh") do not keep a post from being read.
	for _, tc := range []struct{ in, want string }{
		{"in sha2 allah me ra7 ynsa", "ان شاء الله ما راح ينسي"},
		{"el-wahhabi ma 3ndh ami", "الوهابي ما عنده امي"},
	} {
		r := nlp.ReadArabiziWords(tc.in)
		if r == nil || r.Text != tc.want {
			t.Errorf("ReadArabiziWords(%q) = %+v; want %q", tc.in, r, tc.want)
		}
	}
	for _, in := range []string{
		"we love you 7abibi, see you tomorrow", // English with one Arabizi word
		"call me in an hour, 7abibi",           // more shared words than Arabizi ones
		"code dd2dd or p2p",                    // 2 in a code is not a hamza
		"الناشط علي الحسيني",
		"",
	} {
		if r := nlp.ReadArabiziWords(in); r != nil {
			t.Errorf("ReadArabiziWords(%q) = %q, want nil (not an Arabizi post)", in, r.Text)
		}
	}
}

// TestReadArabizi checks the reading of posts written in Arabizi: every
// Latin word is written in Arabic letters as Arabic spells it, the article
// joins its noun, offsets point back at the Latin text, and posts that are
// not Arabizi are not read.
func TestReadArabizi(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a7eb el 3arab kolhom", "احب العرب كلهم"},
		{"sajjad el ka3bi, re9a9a wa7da tikfeek", "سجد الكعبي, رصصه وحده تكفيك"},
		{"wallah ra7 nedba7hom kolhom ya kuffar", "والله رح ندبحهم كلهم يا كفر"},
		// An apostrophe marks the dotted letter; a hyphen joins the article.
		{"el-7ashd 3'adar bina", "الحشد غدر بنه"},
		{"la tloom ila nafsak 3ad", "لا تلوم الا نفسك عاد"},
		{"da3esh 2024", "داعش 2024"},
		// A letter digit that ends a word ("yarafe3", "tsm3") marks the post
		// as Arabizi as one inside a word does, and "7'" too ("a7'dr").
		{"ilsna ghnm, iy wehd yarafe3 raaia", "السنه غنم, اي وهد يرفع راه"},
		{"el-mara ma el-ha ra2i, tsm3 w tskot", "المره ما الهه رءي, تسمع و تسكت"},
		{"yakloon el a7'dr w el yabis", "يكلون الاخدر و اليبس"},
		// No digit: two markers (the article, كلهم, هذول) and listed words.
		{"el yahood ma ynwathgoon, el ghadr fi dammhom", "اليهود ما ينوثقون, الغدر في دمهم"},
		{"hathol el kurd kilhum khawana", "هذول الكرد كلهم خونه"},
		// Standard Arabic function words typed in Latin letters are markers too.
		{"kol el nasara kuffar", "كل النسره كفر"},
		// So is one word with the article joined to it that spells a
		// listed word, and yajib (must).
		{"yjb gatl elsood", "يجب قتل السود"},
		{"la akrah elmuslimeen abadan", "لا اكره المسلمين ابدن"},
	} {
		r := nlp.ReadArabizi(tc.in)
		if r == nil || r.Text != tc.want {
			t.Errorf("ReadArabizi(%q) = %+v; want %q", tc.in, r, tc.want)
			continue
		}
		// The reading's words map back onto the Latin words they came from.
		if s, e := r.OriginalRange(0, len(r.Text)); s != 0 || e != len(tc.in) {
			t.Errorf("ReadArabizi(%q): whole reading maps to [%d,%d), want [0,%d)", tc.in, s, e, len(tc.in))
		}
	}
	if r := nlp.ReadArabizi("sajjad el ka3bi"); r != nil {
		s, e := r.OriginalRange(strings.IndexByte(r.Text, ' ')+1, len(r.Text))
		if got := "sajjad el ka3bi"[s:e]; got != "el ka3bi" {
			t.Errorf("the family name maps to %q, want %q", got, "el ka3bi")
		}
	}
	for _, in := range []string{
		"we love you 7abibi, see you tomorrow", // English with one Arabizi word
		"الناشط علي الحسيني",                   // Arabic
		"meeting at 3pm in room b2",            // no Arabizi word
		"new iphone7 case, html5 rocks",        // product names end in digits
		"zerocarbq8 rushq8",                    // the q8 of Kuwaiti names
		"mp3 ps5 b2",                           // too short to end in a letter digit
		"el perro de la casa es grande",        // Spanish: a Romance function word
		"al jazeera news live now",             // one marker only
		"already almost illegal",               // article-like words count once
		"",
	} {
		if r := nlp.ReadArabizi(in); r != nil {
			t.Errorf("ReadArabizi(%q) read it as Arabizi: %q", in, r.Text)
		}
	}
	// The models' normalisation does not change: Latin words outside the
	// lists stay Latin outside an Arabizi reading.
	if got := nlp.Normalize("a7eb el 3arab kolhom"); got == "احب العرب كلهم" {
		t.Errorf("Normalize reads Arabizi posts whole: %q", got)
	}
	if got := nlp.NormalizeArabizi("tishreen"); got != "تشرين" {
		t.Errorf("NormalizeArabizi(tishreen) = %q", got)
	}
}
