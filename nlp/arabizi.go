package nlp

import "strings"

// Arabizi: Arabic written with Latin letters and digits (3 = ع, 7 = ح, …).
//
// Detection is per word and per run of Latin words. A word is strong Arabizi
// when it is in arabiziStrong or when an Arabizi digit (2 3 5 6 7 8 9) sits
// between two letters ("da3esh", "ba3d") or starts a word of letters
// ("7abibi", "3ala") and the word has a vowel and is not an English
// abbreviation. A word in arabiziWeak ("ya", "ana", "w") is Arabizi only in
// a run of Latin words that holds a strong one. Everything else, including
// plain English sentences, is left alone.

// arabiziStrong maps unambiguous Arabizi words (lower case) to their Arabic
// spelling, written as the default options normalise it. Source: Rasd's own
// list of frequent Iraqi, Gulf and Levantine Arabizi spellings; applied after
// lower-casing, before the Arabic rules. Each value has at most as many
// runes as its key has bytes.
var arabiziStrong = map[string]string{
	"wallah": "والله", "wallahi": "والله", "walla": "والله", "wallahy": "والله", "wlah": "والله",
	"shlon": "شلون", "shlonak": "شلونك", "shlonich": "شلونج", "shlonkom": "شلونكم", "shloon": "شلون",
	"shaku": "شكو", "shako": "شكو", "shakoo": "شكو", "maku": "ماكو", "mako": "ماكو", "makoo": "ماكو",
	"aku": "اكو", "akoo": "اكو",
	"habibi": "حبيبي", "7abibi": "حبيبي", "habibti": "حبيبتي", "7abibti": "حبيبتي", "7abeebi": "حبيبي",
	"yalla": "يلا", "yallah": "يلا", "inshallah": "انشالله", "inshalla": "انشالله", "mashallah": "ماشالله",
	"khalas": "خلاص", "5alas": "خلاص", "hwaya": "هوايه", "hwaaya": "هوايه", "kulish": "كلش", "kolish": "كلش",
	"da3esh": "داعش", "daa3esh": "داعش", "da3ish": "داعش", "shinu": "شنو", "shno": "شنو", "shnu": "شنو",
	"3ala": "علي", "ma3a": "مع", "ba3d": "بعد", "hassa": "هسه", "hessa": "هسه", "leesh": "ليش", "lesh": "ليش",
	"agool": "اقول", "gaed": "قاعد", "ga3id": "قاعد", "ga3ed": "قاعد", "3eni": "عيني",
	"3youni": "عيوني", "allah": "الله",
}

// arabiziWeak maps Arabizi words that are also English or other languages'
// words; they are transliterated only beside a strong Arabizi word.
var arabiziWeak = map[string]string{
	"ya": "يا", "w": "و", "wa": "و", "el": "ال", "al": "ال", "ana": "انا", "inta": "انت", "enta": "انت",
	"inti": "انتي", "enti": "انتي", "hatha": "هذا", "hay": "هاي", "shi": "شي", "mo": "مو", "mu": "مو",
	"ma": "ما", "la": "لا", "min": "من", "fi": "في", "bas": "بس", "kel": "كل", "kul": "كل", "akhi": "اخي",
	"ukhti": "اختي", "zain": "زين", "zeen": "زين", "hala": "هلا", "shukran": "شكرا", "3ad": "عاد",
	"hathol": "هذول", "ani": "اني", "chan": "كان", "ahla": "اهلا", "salam": "سلام", "marhaba": "مرحبا",
}

// notArabizi lists English tokens that mix letters and Arabizi digits.
var notArabizi = map[string]bool{
	"h2o": true, "2nd": true, "3rd": true, "5th": true, "6th": true, "7th": true, "8th": true, "9th": true,
	"2day": true, "2morrow": true, "2nite": true, "2go": true, "2fa": true, "3d": true, "2d": true,
	"9gag": true, "7up": true, "5g": true, "3g": true, "2u": true, "2moro": true, "2gether": true,
	"web3": true, "iphone5": true, "iphone7": true, "iphone8": true, "galaxy3": true, "galaxy5": true,
	"galaxy7": true, "galaxy8": true, "galaxy9": true, "html5": true, "css3": true, "xbox3": true,
}

func isLatinByte(c byte) bool { return c >= 'a' && c <= 'z' }

func isArabiziDigitByte(c byte) bool { return c >= '2' && c <= '9' && c != '4' }

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// arabiziStrength is the Arabizi class of a lower-case ASCII word.
const (
	notAz = iota
	weakAz
	strongAz
)

func arabiziStrength(k []byte) int {
	if _, ok := arabiziStrong[string(k)]; ok {
		return strongAz
	}
	if digitArabizi(k) {
		return strongAz
	}
	if _, ok := arabiziWeak[string(k)]; ok {
		return weakAz
	}
	return notAz
}

// digitArabizi applies the digit rule to a lower-case ASCII word.
func digitArabizi(k []byte) bool {
	if len(k) < 2 || notArabizi[string(k)] {
		return false
	}
	vowel, digit, letterDigit, letters := false, false, false, 0
	for i, c := range k {
		if isLatinByte(c) {
			letters++
		}
		if c >= '0' && c <= '9' && (!isArabiziDigitByte(c) || (i+1 < len(k) && k[i+1] >= '0' && k[i+1] <= '9')) {
			return false // 0, 1, 4 and runs of digits are not Arabizi letters
		}
		switch {
		case isVowel(c):
			vowel = true
		case isArabiziDigitByte(c):
			prev := i > 0 && isLatinByte(k[i-1])
			next := i+1 < len(k) && isLatinByte(k[i+1])
			next2 := i+2 < len(k) && isLatinByte(k[i+2])
			if (prev && next) || (i == 0 && next && next2) {
				digit = true
				letterDigit = letterDigit || c != '2'
			}
			// A letter digit that ends a word of three letters or more
			// ("sabe3", "llthb7", "tsm3", "far8"): not the hamza, which
			// ends codes ("b2b2"), not 6, which ends few words, and not
			// the q8 of Kuwaiti names and handles ("zerocarbq8").
			if prev && i == len(k)-1 && letters >= 3 && c != '2' && c != '6' && !(c == '8' && k[i-1] == 'q') {
				digit = true
				letterDigit = true
			}
		case !isLatinByte(c) && (c < '0' || c > '9'):
			return false
		}
	}
	// Arabizi often drops short vowels ("3ndh", "tl3t"): a word of three
	// letters or more around a digit that only stands for a letter (not 2,
	// the hamza, common in codes: "dd2dd") needs none.
	return digit && (vowel || letters >= 3 && letterDigit)
}

// englishFunction lists English function words: one of them among a post's
// Latin words means the post mixes English and Arabizi, and is not read as
// an Arabizi post. None is an Arabizi word of the lists above.
var englishFunction = map[string]bool{
	"the": true, "you": true, "i": true, "is": true, "are": true, "am": true, "to": true, "and": true,
	"of": true, "my": true, "your": true, "it": true, "this": true, "that": true,
	"on": true, "for": true, "with": true, "be": true, "was": true, "they": true, "he": true,
	"she": true, "not": true, "so": true, "but": true, "what": true, "do": true,
	"have": true, "will": true, "just": true, "our": true, "at": true, "if": true, "all": true, "from": true,
	"now": true, "no": true, "yes": true, "please": true, "love": true, "miss": true, "like": true, "get": true,
}

// sharedFunction lists English function words that Arabizi also writes:
// "in" and "an" for إن and أن, "me" for ما, "a" for أ, "we" for و. They
// do not stop a post from being read as Arabizi unless they
// make half or more of its Latin words ("call me in an hour, 7abibi" is
// English; "in sha2 allah me ra7 ynsa" is not).
var sharedFunction = map[string]bool{"in": true, "an": true, "me": true, "a": true, "we": true}

// arabiziWord reports whether a lower-case ASCII word can be Arabizi
// letter by letter: it has a letter, and every digit is an Arabizi digit
// standing alone (0, 1, 4 and runs of digits are numbers).
func arabiziWord(k []byte) bool {
	letter := false
	for i, c := range k {
		switch {
		case isLatinByte(c):
			letter = true
		case !isArabiziDigitByte(c) || i+1 < len(k) && k[i+1] >= '0' && k[i+1] <= '9':
			return false
		}
	}
	return letter && !notArabizi[string(k)]
}

// plainWord reports whether w holds only letters, digits and sentence
// punctuation: markup, code and identifiers ("<script>", "a_b", "x=1")
// are not Arabizi words.
func plainWord(st *state, w word) bool {
	for _, u := range st.units[w.start:w.end] {
		switch r := lowerASCII(u.r); {
		case r < 0, isAlnumRune(r):
		case r == '.', r == ',', r == '!', r == '?', r == ':', r == ';', r == '\'', r == '"', r == '(', r == ')', r == '-', r == '،', r == '؛', r == '؟':
		default:
			return false
		}
	}
	return true
}

// arabiziPost reports whether the post is written in Arabizi: it holds a
// strong Arabizi word, none of its Latin words is an English function
// word, and the words English shares with Arabizi (sharedFunction) make
// less than half of them.
func arabiziPost(st *state) bool {
	strong := false
	shared, latin := 0, 0
	for _, w := range st.words {
		if !latinWord(w) {
			continue
		}
		_, _, ok := asciiCore(st, w)
		if !ok {
			_, _, ok = joinedCore(st, w)
		}
		if !ok {
			continue
		}
		if englishFunction[string(st.scratch)] {
			return false
		}
		latin++
		if sharedFunction[string(st.scratch)] {
			shared++
		} else if arabiziStrength(st.scratch) == strongAz {
			strong = true
		}
	}
	if 2*shared >= latin {
		return false
	}
	return strong || digitlessPost(st)
}

// digitlessMarkers are Arabizi words that, two or more in a post of Latin
// words, mark it as Arabizi even when no word carries a digit ("el nisaa
// makanhum el matbakh", "hathol kilhum khawana"): the article and the
// function words of arabiziWeak, and common words no English or Romance
// text writes; since 2026-12-07 also the function words of Standard Arabic
// typed in Latin letters (kol, hal, hadha, laysa, alladhi, limatha, yajib).
var digitlessMarkers = func() map[string]bool {
	m := map[string]bool{}
	for k := range arabiziWeak {
		m[k] = true
	}
	for k := range postArticles {
		m[k] = true
	}
	for _, k := range strings.Fields(`kolhom kulhum kilhum kulhom kolhum kollhum kullhum kilhom
		lazim lazem laazim laazem lazm hathi hathola hathool hathoul hadol hadool hadoli haadha
		hayo heya huwa hiya ihna e7na ehna i7na ahna intu intum entum humma
		mub mosh mish msh wayed wayid waayed shwaya shwaye ba3dain baden ya3ni
		3shan 3ashan alshan leish leysh shloon chethi chithi hichi hechi kitheer kteer
		kol koll kull hal hadha hathihi hadhihi haadhihi laysa laisa laysu laysoo lysa aslan mujarrad faqat
		alladhi allathi allati alathi illi elli limatha limadha lematha kayfa jamee3 jami3
		yajib yajeb yejib yjib yjb kl mn`) {
		m[k] = true
	}
	return m
}()

// romanceFunction lists Spanish, French and Italian function words that
// Arabizi does not write: one of them keeps a post without an Arabizi
// digit from being read as Arabizi ("el perro de la casa").
var romanceFunction = map[string]bool{
	"de": true, "que": true, "los": true, "las": true, "por": true, "con": true, "del": true,
	"es": true, "una": true, "le": true, "les": true, "et": true, "est": true, "pour": true,
	"du": true, "des": true, "une": true, "para": true, "della": true, "che": true,
	"y": true, "o": true, "je": true, "tu": true, "nous": true, "vous": true,
}

// digitlessPost reports whether a post whose Latin words carry no strong
// Arabizi word is Arabizi all the same: three or more Latin words, none a
// Romance function word, two or more of them digitlessMarkers, and two
// thirds or more of its other words of three letters or more spelling a
// word of the Arabic word list (nlp/data), at least two of them.
func digitlessPost(st *state) bool {
	latin, markers, long, listed, joined := 0, 0, 0, 0, false
	budget := azPostStates
	for _, w := range st.words {
		if !latinWord(w) || !plainWord(st, w) {
			continue
		}
		if _, _, ok := asciiCore(st, w); !ok {
			if _, _, ok = joinedCore(st, w); !ok {
				continue
			}
		}
		k := st.scratch
		if romanceFunction[string(k)] {
			return false
		}
		latin++
		if digitlessMarkers[string(k)] {
			markers++
			continue
		}
		if len(k) < 3 || !arabiziWord(k) {
			continue
		}
		long++
		if _, _, ok := vocabularySearch(arabiziWords(), k, "", &budget); ok {
			listed++
			if articleJoined(k) && !joined {
				// "elmslmeen", "al-yahood": the article joined to a
				// listed word marks the post as a marker word does,
				// once ("already almost illegal" spells three).
				joined = true
				markers++
			}
		}
	}
	return latin >= 3 && markers >= 2 && listed >= 2 && 3*listed >= 2*long
}

// articleJoined reports whether a lower-case Latin word starts with the
// article joined to a word of three letters or more ("elmslmeen",
// "alyahood", "ilsood"), as Arabizi writes a definite noun.
func articleJoined(k []byte) bool {
	if len(k) < 5 || k[1] != 'l' || k[0] != 'e' && k[0] != 'a' && k[0] != 'i' {
		return false
	}
	for _, c := range k[2:] {
		if !isLatinByte(c) && !isArabiziDigitByte(c) {
			return false
		}
	}
	return true
}

// postArticles are the article, alone or after a preposition or "and",
// as Arabizi writes them apart from their noun ("el ka3bi", "lil
// tansee9iya"); inside an Arabizi post they are joined to it.
var postArticles = map[string]string{
	"el": "ال", "al": "ال", "il": "ال", "lil": "لل", "lel": "لل", "bil": "بال", "bel": "بال",
	"wil": "وال", "wel": "وال", "fil": "فال",
}

// isArticle reports whether a lower-case Arabizi word is the article.
func isArticle(k []byte) bool {
	_, ok := postArticles[string(k)]
	return ok
}

// arabiziPostRead transliterates every Latin word of an Arabizi post that
// can be Arabizi, and joins the article to the word after it.
func (n *Normalizer) arabiziPostRead(st *state) {
	words := st.words
	joined := "" // the article joined to this word, in Arabic letters
	for k := range words {
		after := joined
		joined = ""
		if !latinWord(words[k]) || !plainWord(st, words[k]) {
			continue
		}
		a, b, ok := asciiCore(st, words[k])
		if !ok {
			a, b, ok = joinedCore(st, words[k])
		}
		if !ok || !arabiziWord(st.scratch) {
			continue
		}
		article, _ := postArticles[string(st.scratch)]
		if b != int(words[k].end) {
			article = ""
		}
		n.transliterateWith(st, a, b, true, after)
		words[k].mask |= mArabizi
		st.steps |= 1<<stepArabizi | 1<<stepArabiziPost
		if article != "" && k+1 < len(words) && latinWord(words[k+1]) && int(words[k+1].start) == b+1 && st.units[b].r == ' ' {
			st.units[b].r = -1 // "el ka3bi" → الكعبي
			joined = article
		}
	}
}

// arabizi transliterates Arabizi words in runs of Latin-script words.
func (n *Normalizer) arabizi(st *state) {
	words := st.words
	if n.opts.ReadArabiziPosts && (n.forceArabizi || arabiziPost(st)) {
		n.arabiziPostRead(st)
		return
	}
	for i := 0; i < len(words); {
		if !latinWord(words[i]) {
			i++
			continue
		}
		j := i
		strong := false
		for j < len(words) && latinWord(words[j]) && (j == i || words[j].start == words[j-1].end+1) {
			if a, b, ok := asciiCore(st, words[j]); ok && arabiziStrength(st.scratch[:b-a]) == strongAz {
				strong = true
			}
			j++
		}
		if strong {
			for k := i; k < j; k++ {
				a, b, ok := asciiCore(st, words[k])
				if !ok {
					continue
				}
				if arabiziStrength(st.scratch[:b-a]) != notAz {
					n.transliterate(st, a, b)
					words[k].mask |= mArabizi
					st.steps |= 1 << stepArabizi
				}
			}
		}
		i = j
	}
}

func latinWord(w word) bool {
	return w.mask&mLatin != 0 && w.mask&(mAr|mOther|mVerbatim|mKurd) == 0
}

// coreRange returns the unit range of w without leading and trailing
// punctuation (and deleted units).
func coreRange(st *state, w word) (int, int) {
	u := st.units
	a, b := int(w.start), int(w.end)
	for a < b && (u[a].r < 0 || !isAlnumRune(lowerASCII(u[a].r))) {
		a++
	}
	for b > a && (u[b-1].r < 0 || !isAlnumRune(lowerASCII(u[b-1].r))) {
		b--
	}
	return a, b
}

// asciiCore finds the letters and digits of w without leading and trailing
// punctuation, writes them to st.scratch and returns their unit range. It
// fails when the core holds anything but ASCII letters and digits.
func asciiCore(st *state, w word) (int, int, bool) {
	u := st.units
	a, b := coreRange(st, w)
	if a == b {
		return a, b, false
	}
	k := st.scratch[:0]
	for j := a; j < b; j++ {
		r := u[j].r
		if r >= 'A' && r <= 'Z' { // KeepCase: detection is case-blind
			r += 'a' - 'A'
		}
		if !isAlnumRune(r) {
			st.scratch = k
			return a, b, false
		}
		k = append(k, byte(r))
	}
	st.scratch = k
	return a, b, true
}

// joinedCore is asciiCore for a word of an Arabizi post that joins its
// parts as Arabizi writes them: an apostrophe after a digit marks the dotted
// letter ("7'" خ, "3'" غ, "9'" ض, "6'" ظ) and a hyphen joins the article to
// its noun ("el-f9il"). st.scratch gets the letters and digits only, for the
// Arabizi checks; the core's units keep the marks for transliteration.
func joinedCore(st *state, w word) (int, int, bool) {
	u := st.units
	a, b := coreRange(st, w)
	k := st.scratch[:0]
	marks := 0
	for j := a; j < b; j++ {
		r := lowerASCII(u[j].r)
		switch {
		case u[j].r >= 0 && isAlnumRune(r):
			k = append(k, byte(r))
		case r == '\'' && len(k) > 0 && isArabiziDigitByte(k[len(k)-1]):
			marks++
		case r == '-' && isArticle(k):
			marks++
		default:
			st.scratch = k
			return a, b, false
		}
	}
	st.scratch = k
	return a, b, marks > 0 && len(k) > 0
}

func lowerASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func isAlnumRune(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') }

// transliterate rewrites units[a:b], lower-case ASCII Arabizi, in Arabic
// letters. Each Arabic letter keeps the offset of the Latin letter it came
// from; the units left over are deleted.
func (n *Normalizer) transliterate(st *state, a, b int) { n.transliterateWith(st, a, b, false, "") }

// transliterateWith is transliterate, inside an Arabizi post when post is
// set: a word outside the lists is then spelt as the listed word it can
// stand for (vocabularyReading; after is the article already joined to it,
// in Arabic letters), else as Arabic spells it (arabiziRules with post).
func (n *Normalizer) transliterateWith(st *state, a, b int, post bool, after string) {
	u := st.units[a:b]
	k := st.scratch[:0]
	for _, x := range u {
		k = append(k, byte(lowerASCII(x.r)))
	}
	st.scratch = k
	out := st.runes[:0]
	src := st.srcs[:0]
	if ar, ok := postArticles[string(k)]; ok && post {
		out, src = appendWord(out, src, ar, len(u))
	} else if ar, ok := arabiziStrong[string(k)]; ok {
		out, src = appendWord(out, src, ar, len(u))
	} else if ar, ok := arabiziWeak[string(k)]; ok {
		out, src = appendWord(out, src, ar, len(u))
	} else {
		// Spelt as a listed word when one fits, else by the rules.
		read := false
		if post && n.opts.ReadArabiziWords {
			out, src, read = vocabularyReading(k, after, &st.azBudget, out, src)
		}
		if !read {
			out, src = arabiziRules(out, src, k, post)
		}
	}
	if len(out) > len(u) { // cannot happen with the lists above; never grow
		out, src = out[:len(u)], src[:len(u)]
	}
	for j := range u {
		if j < len(out) {
			u[j].r = n.tab.mapRune(out[j])
			u[j].off = u[min(int(src[j]), len(u)-1)].off
		} else {
			u[j].r = -1
		}
	}
	// Every output rune consumes at least one input letter, so src[j] >= j:
	// u[src[j]].off is read before it is overwritten, and offsets never
	// decrease.
	st.runes, st.srcs = out, src
	st.edited = true
	idx := st.live[:0]
	for j := a; j < b; j++ {
		if st.units[j].r >= 0 {
			idx = append(idx, int32(j))
		}
	}
	collapseRuns(st.units, idx)
	st.live = idx
}

// appendWord appends the runes of ar with source indices 0, 1, 2, … and
// the last rune taken from the last of n source letters, so that a
// highlight of the word covers all of it.
func appendWord(out []rune, src []int32, ar string, n int) ([]rune, []int32) {
	i := int32(0)
	for _, r := range ar {
		out = append(out, r)
		src = append(src, i)
		i++
	}
	if len(src) > 0 {
		src[len(src)-1] = max(src[len(src)-1], int32(n-1))
	}
	return out, src
}

// arabiziRules transliterates a lower-case ASCII word letter by letter.
// Vowels: a → ا (final "ah" → ه), i → ي, o u → و, e dropped inside a word
// and ه at its end; a word-initial vowel is ا. Digraphs sh kh gh th dh ch.
// With post (an Arabizi post, read whole), single a, i, o, u inside a word are
// short vowels and dropped too, a final a after three letters or more is ة
// (written ه), and a doubled consonant is written once.
func arabiziRules(out []rune, src []int32, k []byte, post bool) ([]rune, []int32) {
	for i := 0; i < len(k); {
		c := k[i]
		var r rune
		w := 1
		if i+1 < len(k) {
			w = 2
			switch string(k[i : i+2]) {
			case "sh":
				r = 'ش'
			case "kh":
				r = 'خ'
			case "gh":
				r = 'غ'
			case "th":
				r = 'ث'
			case "dh":
				r = 'ذ'
			case "7'", "5'":
				r = 'خ'
			case "3'":
				r = 'غ'
			case "9'":
				r = 'ض'
			case "6'":
				r = 'ظ'
			case "ch":
				r = 'چ'
			case "aa":
				r = 'ا'
			case "ee", "ii":
				r = 'ي'
			case "oo", "ou", "uu":
				r = 'و'
			default:
				w = 1
			}
			if w == 2 && i == 0 && isVowel(c) {
				r = 'ا'
			}
		}
		if w == 1 {
			switch {
			case isVowel(c) && c != 'y' && i == 0:
				r = 'ا'
			case c == 'a' && i == len(k)-2 && k[i+1] == 'h':
				r = 'ه'
				w = 2
			case c == 'e' && i == len(k)-1, post && c == 'a' && i == len(k)-1 && i >= 3:
				r = 'ه'
			case c == 'e', post && (c == 'a' || c == 'o' || c == 'u' || c == 'i') && i < len(k)-1:
				r = 0
			case post && i > 0 && k[i-1] == c && !isVowel(c):
				r = 0
			default:
				r = latinLetter[c]
			}
		}
		if r != 0 {
			out = append(out, r)
			src = append(src, int32(i))
		}
		i += w
	}
	return out, src
}

// latinLetter maps single Latin letters and Arabizi digits to Arabic.
var latinLetter = [256]rune{
	'a': 'ا', 'b': 'ب', 'c': 'ك', 'd': 'د', 'f': 'ف', 'g': 'گ', 'h': 'ه', 'i': 'ي', 'j': 'ج',
	'k': 'ك', 'l': 'ل', 'm': 'م', 'n': 'ن', 'o': 'و', 'p': 'پ', 'q': 'ق', 'r': 'ر', 's': 'س',
	't': 'ت', 'u': 'و', 'v': 'ڤ', 'w': 'و', 'x': 'ك', 'y': 'ي', 'z': 'ز',
	'2': 'ء', '3': 'ع', '5': 'خ', '6': 'ط', '7': 'ح', '8': 'غ', '9': 'ص',
	'0': '0', '1': '1', '4': '4',
}
