package signals

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

//go:embed cues/*.tsv
var cueFiles embed.FS

// class is what a cue phrase is evidence of.
type class uint8

const (
	cRole class = iota
	cGroup
	cKunya
	cGiven
	cAdjective
	cNotName
	cWork
	cItem
	cKnow
	cSchedule
	cAddress
	cNumRef
	cContact
	cPower
	cCritic
	cCritique
	cCorruption
	cMoney
	cWaste
	cProtest
	cTheology
	cDebate
	cFaith
	cSatire
	cReport
	cCondemn
	cReject
	cNegate
	cMedia
	cExpose
	cDemand
	cCondition
	cWanted
	cJob
	cSports
	cThreat
	cRepeat
	cVisit
	cBackOff
	cOrElse
	cIncite
	cJihad
	cDevotion
	cUnity
	cContrast
	cEndorse
	cAvow
	cAbuse
	cPeople
	cVermin
	cVilify
	cDehumanise
	cVilification
	cHatred
	cExclude
	cBloodWish
	cCivic
	cWoman
	cContempt
	cExclusion
	cOrg
	cPraise
	cFigVerb
	cFigObject
	cFigurative
	cReconcile
	cLawful
	cEsteem
	cEsteemed
	cSlurName
	cHarmNoun
	cDuty
	cRuin
	cMaim
	cBody
	cMassacre
	cAgain
	cGroupHarm
	cOne
	cMustHarm
	cVerminOne
	cVilifyOne
	cViceNoun
	cProperty
	cInsinuate
	cInsinuation
	cDoom
	cAddressed
	cExcuse
	cHonour
	cBlameBefore
	cExcludeWhole
	cWomenRole
	cOneHarm
	cVirtue
	cRuinDemanded
	cFamilyWarn
	cAlive
	cEnsure
	cSuffer
	cKinswoman
	cHarmKin
	cBeast
	cPraiseWord
	cPraised
	cBenefit
	nClasses
)

var classNames = map[string]class{
	"role": cRole, "group": cGroup, "kunya": cKunya, "given": cGiven, "adjective": cAdjective, "notname": cNotName, "work": cWork,
	"item": cItem, "know": cKnow, "schedule": cSchedule, "address": cAddress, "numref": cNumRef, "contact": cContact,
	"power": cPower, "critic": cCritic, "critique": cCritique, "corruption": cCorruption, "money": cMoney, "waste": cWaste,
	"protest": cProtest, "theology": cTheology, "debate": cDebate, "faith": cFaith, "satire": cSatire,
	"report": cReport, "condemn": cCondemn, "reject": cReject, "negate": cNegate,
	"media": cMedia, "expose": cExpose, "demand": cDemand, "condition": cCondition,
	"wanted": cWanted, "job": cJob, "sports": cSports,
	"harm": cThreat, "harm2": cThreat, "menace": cThreat, "repeat": cRepeat, "visit": cVisit, "backoff": cBackOff, "orelse": cOrElse,
	"harmcall": cIncite, "call": cIncite, "jihadcall": cJihad, "devotion": cDevotion, "unity": cUnity, "contrast": cContrast,
	"endorse": cEndorse, "avow": cAvow, "slur": cAbuse, "selfharm": cAbuse, "pileon": cAbuse,
	"people": cPeople, "vermin": cVermin, "vilify": cVilify, "hatred": cHatred, "exclude": cExclude, "bloodwish": cBloodWish, "civic": cCivic, "civicnoun": cCivic, "org": cOrg, "praise": cPraise, "figverb": cFigVerb, "figphrase": cFigVerb, "figobject": cFigObject, "reconcile": cReconcile, "lawful": cLawful, "esteem": cEsteem, "slurname": cSlurName, "harmnoun": cHarmNoun, "duty": cDuty, "ruin": cRuin, "woman": cWoman, "maim": cMaim, "body": cBody, "massacre": cMassacre, "again": cAgain, "groupharm": cGroupHarm, "groupharmphrase": cGroupHarm, "one": cOne, "mustharm": cMustHarm, "verminone": cVerminOne, "vilifyone": cVilifyOne, "vicenoun": cViceNoun, "property": cProperty, "insinuate": cInsinuate, "doom": cDoom, "excuse": cExcuse, "honour": cHonour, "blamebefore": cBlameBefore, "excludewhole": cExcludeWhole, "womenrole": cWomenRole, "oneharm": cOneHarm, "virtue": cVirtue, "ruindemanded": cRuinDemanded, "familywarn": cFamilyWarn, "alive": cAlive, "ensure": cEnsure, "suffer": cSuffer, "kinswoman": cKinswoman, "harmkin": cHarmKin, "beast": cBeast, "praiseword": cPraiseWord, "benefit": cBenefit,
}

// phrase is one cue: the words after the first, what it is evidence of and
// its detail (a role, the kind of item).
type phrase struct {
	rest   []string
	class  class
	detail string
	// definite is true when the first word carries the article, or is
	// not Arabic (Kak, Mamosta): a role so written points at one person.
	definite bool
	// clitic is true when the table key carries a clitic prefix that the
	// cue's own first word does not (واضربوهم for اضربوهم).
	clitic bool
}

// Flags of an entry, for the words that follow a role.
const (
	fNotName   uint8 = 1 << iota // the word is no name
	fGiven                       // the word is a common given name
	fAdjective                   // the word may stand between a role and a name
	fWaw                         // (skeleton table) a cue word with this skeleton has a و after its first letter
)

// entry is what one normalised word (with any clitic prefix) starts.
type entry struct {
	phrases []phrase
	flags   uint8
}

// table maps normalised words to the cues they start.
type table map[string]*entry

// sieve is a bit set over a cheap signature of every key of a table, so
// that most words of a post, which start no cue, are passed over without a
// map lookup.
type sieve [1 << 16 / 64]uint64

// signature hashes a word's length and two of its bytes into 16 bits.
func signature(w string) uint32 {
	n := len(w)
	return (uint32(n)*0x9E37 ^ uint32(w[n/2])*0x2F1 ^ uint32(w[n-1])*0x61) & 0xFFFF
}

func (sv *sieve) add(w string) {
	h := signature(w)
	sv[h>>6] |= 1 << (h & 63)
}

func (sv *sieve) mayHave(w string) bool {
	h := signature(w)
	return sv[h>>6]&(1<<(h&63)) != 0
}

// newSieve returns the sieve of t's keys.
func newSieve(t table) *sieve {
	sv := new(sieve)
	for k := range t {
		sv.add(k)
	}
	return sv
}

// pronoun suffixes accepted after a word written with a trailing +.
var suffixes = []string{"ك", "كم", "ه", "ها", "هم", "ي", "نا"}

// Affixes of a first-person verb aimed at someone: the subject prefixes
// (with the oath's لـ and the future's حـ) and the object pronouns.
var (
	firstPersonPrefixes = []string{"ا", "ن", "لا", "لن", "حا", "حن", "سا", "سن", "بن", "هن"}
	secondPersonObjects = []string{"ك", "كم", "كن", "ج"}
	thirdPersonObjects  = []string{"ه", "ها", "هم"}
)

// Pronouns of the third person read at a word's end: theirs (هم، هن) and
// his, hers or theirs (ه، ها، هم، هن). thirdPersonObjects, above, leaves
// out هن: it makes the first-person forms of the verb cues (نقتلهم).
var (
	theirPronouns = []string{"هم", "هن"}
	thirdPronouns = []string{"ه", "ها", "هم", "هن"}
)

// firstPersonForms returns the forms of a verb stem in the first person
// with an object pronoun: نقتلك، لاقتله. With third false only the
// second-person objects count ("I will slaughter you", not "it").
func firstPersonForms(stem string, third bool) []string {
	objects := secondPersonObjects
	if third {
		objects = append(slices.Clone(objects), thirdPersonObjects...)
	}
	return affixed(firstPersonPrefixes, stem, objects)
}

// affixed returns stem with every prefix and every suffix: prefix+stem+suffix.
func affixed(prefixes []string, stem string, suffixes []string) []string {
	out := make([]string, 0, len(prefixes)*len(suffixes))
	for _, p := range prefixes {
		for _, s := range suffixes {
			out = append(out, p+stem+s)
		}
	}
	return out
}

// firstPersonBare returns a verb stem in the first person with no object
// (نكسر، سنحرق).
func firstPersonBare(stem string) []string { return affixed(firstPersonPrefixes, stem, bare) }

// bare is the empty affix: a stem taken as it is on one side.
var bare = []string{""}

// stemForms are the cue classes whose entries are verb or noun stems, and
// the word forms the table holds for each stem.
var stemForms = map[string]func(stem string) []string{
	// نقتلك، لاقتله: a first-person verb aimed at "you" or someone named.
	"harm": func(stem string) []string { return firstPersonForms(stem, true) },
	// نذبحك: verbs with an everyday sense about things, at "you" only.
	"harm2": func(stem string) []string { return firstPersonForms(stem, false) },
	// اذبحها، انحره: a verb with an everyday sense (harm2) aimed at him or
	// her, which threatens only where the writer's kinswoman is named
	// before it (اختي … اذبحها).
	"harmkin": func(stem string) []string { return affixed(firstPersonPrefixes, stem, []string{"ه", "ها"}) },
	// اقتلوه، احرقوهم: the plural imperative, a call on others.
	"harmcall": func(stem string) []string {
		return affixed([]string{"ا"}, stem, []string{"وه", "وها", "وهم", "وهن"})
	},
	// نكسر، سنقطع: the first person with no object (the body part after it
	// carries the object).
	"maim": firstPersonBare,
	// سنحرق، بنهدم: the first person of a verb of destruction, with no
	// object (the reader's possession after it carries it).
	"ruin": firstPersonBare,
	// سنقتل، نذبح: the first person of a verb of killing, with no object
	// (the people after it is the object).
	"groupharm": firstPersonBare,
	// يقتل، ينقتل: the third person singular, active or the Iraqi
	// passive; read after one of a people taken for them all (كل يهودي
	// يقتل).
	"oneharm": func(stem string) []string { return affixed([]string{"ي", "ين"}, stem, bare) },
	// يقتلوا، ينقتلون: the third person plural, which an unvowelled post
	// writes alike for "they kill" and "they be killed", and the Iraqi
	// passive; read after a word of duty (يجب ان يعدموا).
	"mustharm": func(stem string) []string {
		return affixed([]string{"ي", "ين"}, stem, []string{"وا", "ون"})
	},
	// لسانك، راسكم: a body part of the reader's.
	"body": func(stem string) []string { return affixed(bare, stem, secondPersonObjects) },
	// يصوتون، تشتغل، ندرس: a civic verb in any person but the imperative.
	"civic": func(stem string) []string {
		return affixed([]string{"ي", "ت", "ن"}, stem, []string{"", "ون", "ن", "ين", "وا"})
	},
	// نحرق، احرق، حرقنا، يحرقون، اقتلوا: a verb of violence in any person,
	// without an object pronoun.
	"figverb": func(stem string) []string {
		return affixed([]string{"", "ا", "ن", "ي", "ت"}, stem, []string{"", "ون", "وا", "ين", "نا"})
	},
}

// functionFile lists the function words (functionWords), not cues.
const functionFile = "cues/function.tsv"

// loadTable reads every embedded cue file but functionFile.
func loadTable() (table, error) {
	t := table{}
	files, err := fs.Glob(cueFiles, "cues/*.tsv")
	if err != nil {
		return nil, fmt.Errorf("listing cue files: %w", err)
	}
	for _, f := range files {
		if f == functionFile {
			continue
		}
		data, err := cueFiles.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		if err := t.load(f, data); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// addMisspeltPeople adds to t the people words as spelling evasion writes
// them (HateCheck's swapped and missing letters): two neighbouring letters
// swapped (الهيود، النوسان) and, in a word of five letters or more after
// the article, one inner letter dropped (المسحيين). Only words of four
// letters or more after the article are varied, and a variant that is a
// cue or a function word already is left out: a people word alone says
// nothing, so a misspelt one counts only where a word of hate is said of it.
// It returns the words it added.
func addMisspeltPeople(t table, fw functionWords) map[string]bool {
	var added []string
	seen := map[string]bool{}
	for key, e := range t { // what is added does not depend on the order
		if !slices.ContainsFunc(e.phrases, func(ph phrase) bool {
			return ph.class == cPeople && len(ph.rest) == 0 && !ph.clitic
		}) {
			continue
		}
		pre := ""
		for _, p := range []string{"هال", "ال"} {
			if strings.HasPrefix(key, p) {
				pre = p
				break
			}
		}
		core := []rune(strings.TrimPrefix(key, pre))
		if len(core) < 4 {
			continue
		}
		var variants []string
		for k := 0; k+1 < len(core); k++ {
			if core[k] != core[k+1] {
				v := slices.Clone(core)
				v[k], v[k+1] = v[k+1], v[k]
				variants = append(variants, pre+string(v))
			}
		}
		if len(core) >= 5 {
			for k := 1; k+1 < len(core); k++ {
				variants = append(variants, pre+string(slices.Delete(slices.Clone(core), k, k+1)))
			}
		}
		for _, v := range variants {
			if _, ok := t[v]; ok || fw[v] != 0 || seen[v] {
				continue
			}
			seen[v] = true
			added = append(added, v)
		}
	}
	for _, v := range added {
		t[v] = &entry{phrases: []phrase{{class: cPeople, definite: strings.HasPrefix(v, "ال")}}}
	}
	return seen
}

// addInflectedNouns adds to t the other inflections of the nouns that damn
// a people, listed in the masculine plural: the plural in ون (ارهابيون for
// ارهابيين), the feminine plural (ارهابيات) and, without the article, the
// singular that damns one of a people taken for them all (كل يهودي ارهابي;
// class vilifyone). A word of five letters or more after the article that
// ends in ين is varied; a variant that is a cue or a function word already
// is left out. The feminine singular is not made: after a plural people it
// reads as what they call a thing (يسميها العرب نجسه), so the few said of
// woman in the singular are listed.
func addInflectedNouns(t table, fw functionWords) {
	type variant struct {
		word, detail string
		c            class
	}
	var added []variant
	seen := map[string]bool{}
	for key, e := range t { // what is added does not depend on the order
		for _, ph := range e.phrases {
			if ph.class != cVilify || len(ph.rest) > 0 || ph.clitic || strings.Contains(ph.detail, " ") {
				continue
			}
			article := strings.HasPrefix(key, "ال")
			core := strings.TrimPrefix(key, "ال")
			stem, ok := strings.CutSuffix(core, "ين")
			dstem, dok := strings.CutSuffix(ph.detail, "ين")
			if !ok || !dok || utf8.RuneCountInString(core) < 5 {
				continue
			}
			for _, end := range [...]string{"ون", "ات", ""} {
				w := stem + end
				if end == "" && article {
					continue // the singular with the article names one man
				}
				if article {
					w = "ال" + w
				}
				if e, ok := t[w]; ok && (end != "" || slices.ContainsFunc(e.phrases, func(ph phrase) bool { return ph.class == cVilify || ph.class == cVilifyOne })) || fw[w] != 0 || seen[w] {
					continue
				}
				seen[w] = true
				c := cVilify
				if end == "" {
					c = cVilifyOne
				}
				added = append(added, variant{w, dstem + end, c})
			}
		}
	}
	for _, v := range added {
		t.add(v.word, v.c, v.detail)
	}
}

// soundClasses are the cue classes of harm whose words are also looked up
// by their sound (soundKey): a people, what damns them, hatred of them, and
// the words of a threat or a call to harm.
var soundClasses = map[class]bool{
	cPeople: true, cOne: true, cVermin: true, cVilify: true, cVerminOne: true, cVilifyOne: true, cSlurName: true,
	cHatred: true, cExclude: true, cBloodWish: true, cThreat: true, cIncite: true, cGroupHarm: true, cMaim: true,
	cRuin: true, cHarmNoun: true, cJihad: true,
}

// soundOf is the letter that r stands for when Iraqi and Gulf writers spell
// a word by its sound: ث and ط are written ت, ذ د, ظ ض, ص س, and
// the Iraqi گ and چ stand for ق and ك. ق and ك are kept apart: قلب (heart)
// and كلب (dog), قرد (ape) and كرد (Kurds) are other words. It folds less
// than foldLetter, the skeleton's fold for words heard in Arabizi: a word
// written in Arabic letters keeps ض apart from د, غ from ق and the hamza's
// seats, which Arabizi cannot tell apart but an Arabic spelling can.
func soundOf(r rune) rune {
	switch r {
	case 'ث', 'ط':
		return 'ت'
	case 'ذ':
		return 'د'
	case 'ظ':
		return 'ض'
	case 'ص':
		return 'س'
	case 'گ':
		return 'ق'
	case 'چ':
		return 'ك'
	}
	return r
}

// soundKey writes w as it sounds (soundOf) with a letter doubled by a slip
// written once (اليههود، اغببياء), except ل, which the article doubles
// (اللاجئين). It appends to b and returns it.
func soundKey(b []byte, w string) []byte {
	var last rune
	for _, r := range w {
		r = soundOf(r)
		if r == last && r != 'ل' {
			continue
		}
		b = utf8.AppendRune(b, r)
		last = r
	}
	return b
}

// slight reports whether word differs from the cue word key, of the same
// sound (soundKey), by a slip or two: one or two letters spelt by their
// sound (يتيرون for يثيرون), or one letter doubled (اليههود), and nothing
// else. A doubled letter of the cue written once is another word: the
// first person's ن before نحر (ننحرك, we slaughter you) is not a slip in
// نحرك (we move). Two kinds of slip at once are too many to guess from:
// نصححلك (we correct for you) is no نسحلك (we drag you).
func slight(word, key string) bool {
	folds, doubles := 0, 0
	var pa rune // the word's letter before
	for i, j := 0, 0; i < len(word) || j < len(key); {
		a, na := utf8.DecodeRuneInString(word[i:])
		b, nb := utf8.DecodeRuneInString(key[j:])
		switch {
		case i < len(word) && j < len(key) && a == b:
			i, j, pa = i+na, j+nb, a
		case i < len(word) && j < len(key) && soundOf(a) == soundOf(b):
			folds++
			i, j, pa = i+na, j+nb, a
		case i < len(word) && a == pa:
			doubles++
			i += na
		default:
			return false
		}
	}
	return doubles == 0 && folds <= 2 || doubles == 1 && folds == 0
}

// soundTable maps the sound key of every word that starts a cue of a
// soundClasses class, four letters or more, to the word; two words of one
// sound are left out (neither is guessed), and so are the misspelt people
// words, which are guesses already.
func soundTable(t table, misspelt map[string]bool) map[string]string {
	out := map[string]string{}
	var b []byte
	for key, e := range t {
		if misspelt[key] || utf8.RuneCountInString(key) < 4 || !slices.ContainsFunc(e.phrases, func(ph phrase) bool { return soundClasses[ph.class] }) {
			continue
		}
		b = soundKey(b[:0], key)
		k := string(b)
		if prev, ok := out[k]; ok && prev != key {
			out[k] = ""
			continue
		}
		out[k] = key
	}
	return out
}

// readLines calls each with the columns of every line of a cue file: three
// fields (a phrase or word, a class, a detail) separated by tabs; blank
// lines and lines starting "# " are comments.
func readLines(name string, data []byte, each func(line int, cols []string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s == "#" || strings.HasPrefix(s, "# ") {
			continue
		}
		cols := strings.Split(s, "\t")
		if len(cols) != 3 {
			return fmt.Errorf("%s:%d: want a phrase, a class and a detail separated by tabs, got %d columns", name, line, len(cols))
		}
		if err := each(line, cols); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// load adds the cues of one file (readLines).
func (t table) load(name string, data []byte) error {
	return readLines(name, data, func(line int, cols []string) error {
		c, ok := classNames[cols[1]]
		if !ok {
			return fmt.Errorf("%s:%d: unknown class %q", name, line, cols[1])
		}
		detail := cols[2]
		if detail == "-" {
			detail = ""
		}
		// The detail of a noun said of a people is compared with the
		// normalised words of the post (bareOrLike).
		if (c == cVermin || c == cVilify || c == cSlurName || c == cVerminOne || c == cVilifyOne) && nlp.Normalize(detail) != detail {
			return fmt.Errorf("%s:%d: the detail of a %s cue is the noun as the normaliser writes it: %q, not %q", name, line, cols[1], nlp.Normalize(detail), detail)
		}
		if forms, ok := stemForms[cols[1]]; ok {
			if strings.ContainsAny(cols[0], " +") {
				return fmt.Errorf("%s:%d: a %s cue is one stem, got %q", name, line, cols[1], cols[0])
			}
			for _, w := range forms(cols[0]) {
				t.add(w, c, detail)
			}
			return nil
		}
		t.add(cols[0], c, detail)
		return nil
	})
}

// add indexes a phrase as written and as normalised, under every prefixed
// (and, for a word ending in +, suffixed) form of its first word.
func (t table) add(raw string, c class, detail string) {
	suffixed := strings.HasSuffix(raw, "+")
	raw = strings.TrimSuffix(raw, "+")
	forms := []string{strings.ToLower(raw)}
	if n := nlp.Normalize(raw); n != forms[0] {
		forms = append(forms, n)
	}
	for _, form := range forms {
		words := strings.Fields(form)
		if len(words) == 0 {
			continue
		}
		firsts := []string{words[0]}
		if suffixed && len(words) == 1 {
			stem := strings.TrimSuffix(words[0], "ه")
			if stem != words[0] {
				stem += "ت"
			}
			for _, sfx := range suffixes {
				firsts = append(firsts, stem+sfx)
			}
		}
		for _, first := range firsts {
			for _, key := range prefixed(first) {
				e := t[key]
				if e == nil {
					e = &entry{}
					t[key] = e
				}
				e.phrases = append(e.phrases, phrase{rest: words[1:], class: c, detail: detail, definite: definite(words[0]), clitic: key != first})
				if len(words) == 1 {
					switch c {
					case cGiven:
						e.flags |= fGiven
					case cAdjective:
						e.flags |= fAdjective | fNotName
					case cKunya, cPower, cMoney, cFaith, cSatire, cDemand, cMedia:
						// Ordinary nouns: a name may look like them.
					default:
						e.flags |= fNotName
					}
				}
			}
		}
	}
}

// prefixed returns w and w with the clitic prefixes it may carry: the
// conjunctions و and ف, the prepositions ب ل ك, and ل before ال as لل.
func prefixed(w string) []string {
	r, _ := utf8.DecodeRuneInString(w)
	if r < 0x0600 || r > 0x06FF {
		return []string{w}
	}
	if rest, ok := strings.CutPrefix(w, "ال"); ok {
		return []string{w, "و" + w, "ف" + w, "ب" + w, "ك" + w, "وب" + w, "فب" + w, "لل" + rest, "ولل" + rest, "فلل" + rest}
	}
	return []string{w, "و" + w, "ف" + w, "ب" + w, "ل" + w, "ك" + w, "وب" + w, "ول" + w, "فل" + w}
}

// definite reports whether w carries the article or is not Arabic.
func definite(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return strings.HasPrefix(w, "ال") || r < 0x0600 || r > 0x06FF
}

// wordClass is a set of the roles a function word plays around a cue.
type wordClass uint64

const (
	wNegator       wordClass = 1 << iota // negates the word after it (مو طائفي)
	wDenial                              // denies the verb or predicate after it (ما عنده حق، لا تسبوه)
	wOath                                // swears by God (والله)
	wScripture                           // religion or scripture as the one who says (الدين يقول)
	wSayNoMore                           // after ما اگول: "I say no more"
	wAddressee                           // addresses the reader after a reporting verb (قال لك)
	wRelative                            // a relative pronoun (اللي، الذي)
	wInvocation                          // a name يا invokes in prayer (يا علي، يا حسين)
	wFiller                              // only joins a people word to what is said of them (هم، كلهم، دول، مثل)
	wAnyone                              // one, anyone: after a denial, nobody (ماكو وحدة، ولا واحد)
	wHead                                // a noun a people word completes (حكام العرب، احزاب الشيعة)
	wNotDenial                           // a clitic and ما or لا that make another word (لما، كما، بما، كلا)
	wDemonstrative                       // this, that: a singular noun after it is one person (هاي المرة)
	wPart                                // a word of part: a people word after it speaks of some of them (بعض الكرد)
	wNaming                              // a verb of saying or naming: a slur after it is mentioned, not used (نقول عليهم، يسمونهم)
	wSelf                                // I, we: a slur after it is the writer's own name, reclaimed (انا خضيري وافتخر)
	wAnaphor                             // they, these, opening a sentence: what follows is said of the people named before (هؤلاء حشرات)
	wConj                                // but, and: an anaphor after it still opens what is said (لكن هم، بس هذولا)
	wKin                                 // father, mother, son of: a slur after it is a name (ابو خضيري)
	wPrep                                // a preposition that opens a phrase of place or time (في، عند، على)
	wQuant                               // every, any, the first: one of a people after it stands for them all (كل يهودي، اي مثلي، اول لاجئ)
	wModal                               // must, should: a harm after it is demanded (يجب، لازم، ينبغي)
	wOnly                                // but, only, after a denial: what follows is all there is (ما يعرفون الا الكذب)
	wVocative                            // calls on who follows it (يا، ايها)
	wTo                                  // to, at a post's opening: addresses who follows it (الى كل لاجئ، رسالة الى)
	wMet                                 // met or known, with its object: after one of a people, a charge still damns them all (كل مصري شفته نصاب)
	wLifetime                            // what may follow wMet before the charge: in my life, was, with him (بحياتي، كان، معه)
	wMetBare                             // met or seen, without object: after a denial, one of a people after it is none of them (ما شفت شيعي واحد صادق)
	wLeave                               // leave, let stay: denied, with one of a people after it and alive, none left alive (لن نترك يهوديا واحدا يتنفس)
	wOr                                  // or: after a demand to back off, a first-person verb at the reader after it threatens (او نوگفك)
	wLoved                               // I or we love or respect: denied, a people after it, contempt (ما احب السود)
	wLenient                             // leniency, mercy, delay: denied, it presses a harm on, denies none (لا يجوز التهاون، لا رحمة، بلا تردد)
	wNotHarm                             // not, stop, against: rejects the harm named right after it (الحوار لا القتل، وقف ترحيل، ضد قتل)
	wHere                                // here, among us: after a people not wanted, places them (ما نريد سوريين عندنا)
	wRecipient                           // who a message is passed on to: after بلغوا, it passes a threat on (بلغوا ربعكم)
	wPlacePrefix                         // a preposition and a noun of place, the start of a word (بديرتنا، ببلدنا، بحينا)
	wAbout                               // about: after who and a verb of writing, tells someone by their subject (اللي يكتب عن)
)

var wordClassNames = map[string]wordClass{
	"negator": wNegator, "denial": wDenial, "oath": wOath, "scripture": wScripture,
	"saynomore": wSayNoMore, "addressee": wAddressee, "relative": wRelative, "invocation": wInvocation,
	"filler": wFiller, "anyone": wAnyone, "head": wHead, "notdenial": wNotDenial, "part": wPart, "demonstrative": wDemonstrative, "naming": wNaming, "self": wSelf, "anaphor": wAnaphor, "conj": wConj, "kin": wKin, "prep": wPrep, "quant": wQuant, "modal": wModal, "only": wOnly, "vocative": wVocative, "to": wTo, "met": wMet, "lifetime": wLifetime, "metbare": wMetBare, "leave": wLeave, "lenient": wLenient, "loved": wLoved, "or": wOr, "notharm": wNotHarm, "here": wHere, "recipient": wRecipient, "placeprefix": wPlacePrefix, "about": wAbout,
}

// functionWords maps a normalised word to the roles it plays.
type functionWords map[string]wordClass

// loadFunctionWords reads functionFile (readLines).
func loadFunctionWords() (functionWords, error) {
	data, err := cueFiles.ReadFile(functionFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", functionFile, err)
	}
	fw := functionWords{}
	err = readLines(functionFile, data, func(line int, cols []string) error {
		c, ok := wordClassNames[cols[1]]
		if !ok {
			return fmt.Errorf("%s:%d: unknown class %q", functionFile, line, cols[1])
		}
		if strings.ContainsRune(cols[0], ' ') {
			return fmt.Errorf("%s:%d: a function word is one word, got %q", functionFile, line, cols[0])
		}
		fw[cols[0]] |= c
		if n := nlp.Normalize(cols[0]); n != "" {
			fw[n] |= c
		}
		return nil
	})
	return fw, err
}
