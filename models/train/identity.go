package train

import (
	"math/rand"
	"regexp"
	"strings"
)

// IdentityRule describes the identity-swap augmentation for the model card.
const IdentityRule = "a share of the training items that name a sect, religion or ethnicity (chosen by a hash of the seed and the text, never a validation item) is added a second time with each group named swapped for another group, in the same grammatical form (plural, singular, with or without the article, after the same clitic); copies keep their item's labels, so a group's name alone says nothing about the label"

// identityForm is the grammatical form of a group's name in a post.
type identityForm int

const (
	formPluralDef   identityForm = iota // الشيعة، الاكراد
	formPluralIndef                     // شيعة، اكراد
	formSingular                        // شيعي، كردي
	formSingularDef                     // الشيعي، الكردي
	nForms
)

// identityGroups lists, per group, its names in each form (the first of a
// form is the one a swap writes). Names that also mean something else
// (سنة "year", عرب in names of places) are left out on purpose; slurs are
// not names and are never swapped.
var identityGroups = [][nForms][]string{
	{{"الشيعة", "الشيعه"}, {"شيعة", "شيعه"}, {"شيعي"}, {"الشيعي"}},
	{{"السنيين"}, {"سنيين"}, {"سني"}, {"السني"}},
	{{"الاكراد", "الكرد"}, {"اكراد", "كرد"}, {"كردي"}, {"الكردي"}},
	{{"التركمان"}, {"تركمان"}, {"تركماني"}, {"التركماني"}},
	{{"المسيحيين", "المسيحيون"}, {"مسيحيين"}, {"مسيحي"}, {"المسيحي"}},
	{{"الايزيدية", "الايزيديين", "الايزيديه", "اليزيدية", "اليزيديين"}, {"ايزيدية", "ايزيديين", "ايزيديه"}, {"ايزيدي", "يزيدي"}, {"الايزيدي", "اليزيدي"}},
	{{"الصابئة", "الصابئه", "المندائيين"}, {"صابئة", "مندائيين"}, {"صابئي", "مندائي"}, {"الصابئي", "المندائي"}},
	{{"الشبك"}, {}, {"شبكي"}, {"الشبكي"}},
	{{"العرب"}, {}, {"عربي"}, {"العربي"}},
}

// identityKey folds the spellings the lists do not repeat (hamza on alef,
// ى/ي); ة/ه variants are listed where they occur.
var identityKey = strings.NewReplacer("أ", "ا", "إ", "ا", "آ", "ا", "ى", "ي")

type identityName struct {
	group int
	form  identityForm
}

// identityNames maps a folded name to its group and form.
var identityNames = func() map[string]identityName {
	m := map[string]identityName{}
	for g, forms := range identityGroups {
		for f, names := range forms {
			for _, n := range names {
				m[identityKey.Replace(n)] = identityName{g, identityForm(f)}
			}
		}
	}
	return m
}()

// arabicWord finds runs of Arabic letters.
var arabicWord = regexp.MustCompile(`[\x{0621}-\x{064A}\x{0671}-\x{06D3}]+`)

// findIdentity reads w as an optional clitic (و، ف، ب، ل، ك, and لل for
// ل+ال) followed by a group's name, and returns the clitic and the name.
func findIdentity(w string) (string, identityName, bool) {
	k := identityKey.Replace(w)
	if n, ok := identityNames[k]; ok {
		return "", n, true
	}
	for _, p := range []string{"و", "ف"} {
		if rest, ok := strings.CutPrefix(k, p); ok {
			if c, n, ok := findIdentity(rest); ok {
				return p + c, n, true
			}
		}
	}
	if rest, ok := strings.CutPrefix(k, "لل"); ok {
		if n, ok := identityNames["ال"+rest]; ok && (n.form == formPluralDef || n.form == formSingularDef) {
			return "لل", n, true
		}
	}
	for _, p := range []string{"ب", "ل", "ك"} {
		if rest, ok := strings.CutPrefix(k, p); ok {
			if n, ok := identityNames[rest]; ok {
				return p, n, true
			}
		}
	}
	return "", identityName{}, false
}

// NamesIdentity reports whether text names one of the groups SwapIdentity
// swaps.
func NamesIdentity(text string) bool {
	for _, w := range arabicWord.FindAllString(text, -1) {
		if _, _, ok := findIdentity(w); ok {
			return true
		}
	}
	return false
}

// SwapIdentity rewrites text with every group it names swapped for another
// group (r makes the choice reproducible): the same group always for the
// same one within the text, in the same form and after the same clitic.
// A text that names no group comes back unchanged.
func SwapIdentity(text string, r *rand.Rand) string {
	to := map[int]int{}
	return arabicWord.ReplaceAllStringFunc(text, func(w string) string {
		clitic, n, ok := findIdentity(w)
		if !ok {
			return w
		}
		g, seen := to[n.group]
		if !seen || len(identityGroups[g][n.form]) == 0 {
			var cands []int
			for c := range identityGroups {
				if c != n.group && len(identityGroups[c][n.form]) > 0 {
					cands = append(cands, c)
				}
			}
			g = cands[r.Intn(len(cands))]
			if !seen {
				to[n.group] = g
			}
		}
		name := identityGroups[g][n.form][0]
		if strings.HasSuffix(clitic, "لل") {
			name = strings.TrimPrefix(name, "ال")
		}
		return clitic + name
	})
}
