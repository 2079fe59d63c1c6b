package nlp

// Iraqi-dialect markers: words that are frequent in Iraqi Arabic and rare in
// Modern Standard Arabic and the other large dialects.
//
// Source: compiled by the Rasd maintainers from the grammatical features of
// Baghdadi Arabic (negation ماكو, existential اكو/شكو, interrogatives شلون
// شنو شگد, the progressive گاعد, the past auxiliary چان, the intensifiers
// هواية كلش) as described in W. M. Erwin, "A Short Reference Grammar of Iraqi
// Arabic" (1963), and checked against Iraqi posts. Licence: part of Rasd.
//
// Applied AFTER normalising with the default options except KeepIraqiLetters
// (markerOptions): the entries are written in that form, so ة is ه and أ is
// ا, but گ and چ are kept because گاعد and چان are Iraqi while قاعد and كان
// are also Standard Arabic. A word also matches after one leading و ("and").
var iraqiMarkers = []string{
	"شكو", "ماكو", "اكو", "شلون", "شنو", "شگد", "شقد", "هوايه", "كلش", "گاعد", "گاعده", "چان",
	"چانت", "هسه", "هسا", "وياك", "وياي", "ويانه", "يمعود", "اغاتي", "لعد", "هيچ", "هيچي", "اشو",
	"شبيك", "شبيج", "گلت", "گلي", "اگلك", "شلونك", "شلونج", "بلكت", "خوما", "شكد",
}

var markerSet = func() map[string]bool {
	m := make(map[string]bool, len(iraqiMarkers))
	for _, w := range iraqiMarkers {
		m[w] = true
	}
	return m
}()

var markerNormalizer = New(Options{KeepIraqiLetters: true})

// DialectMarkers returns the Iraqi-dialect markers found in s, in order of
// first appearance and without repeats. s is the original text.
func DialectMarkers(s string) []string {
	text := markerNormalizer.Normalize(s)
	var out []string
	seen := map[string]bool{}
	for _, t := range Tokenize(text) {
		if t.Kind != Word {
			continue
		}
		w := t.Text
		if !markerSet[w] && len(w) > 2 && w[:2] == "و" {
			w = w[2:]
		}
		if markerSet[w] && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
