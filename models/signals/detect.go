package signals

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/nlp"
	"github.com/rasd-iq/rasd/policy"
)

// Detector finds signals in posts. It is safe for concurrent use.
type Detector struct {
	t   table
	sv  *sieve
	fw  functionWords
	off map[string]bool
	// skel holds the cues by consonant skeleton, for Arabizi posts.
	skel table
	// sound maps the sound key of the words of harm's cues to the word
	// (soundTable), for words misspelt by sound.
	sound      map[string]string
	soundSieve *sieve
	// listedNames and listedHandles are the known defenders (Options).
	listedNames   map[string][]listed
	listedHandles map[string]string
}

var (
	defaultTable      table
	defaultSkel       table
	defaultSound      map[string]string
	defaultSoundSieve *sieve
	defaultSieve      *sieve
	defaultWords      functionWords
	tableErr          error
	tableOnce         sync.Once
)

// New returns a Detector with the embedded cue lists, reporting every signal
// but those opts disables.
func New(opts Options) (*Detector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	tableOnce.Do(func() {
		defaultTable, tableErr = loadTable()
		if tableErr == nil {
			defaultWords, tableErr = loadFunctionWords()
			defaultSkel = skeletonTable(defaultTable, defaultWords)
			// Misspelt people words are read in Arabic letters only; the
			// sieve must know them.
			misspelt := addMisspeltPeople(defaultTable, defaultWords)
			addInflectedNouns(defaultTable, defaultWords)
			defaultSound = soundTable(defaultTable, misspelt)
			defaultSoundSieve = new(sieve)
			for k := range defaultSound {
				defaultSoundSieve.add(k)
			}
			defaultSieve = newSieve(defaultTable)
		}
	})
	if tableErr != nil {
		return nil, fmt.Errorf("signals: loading cue lists: %w", tableErr)
	}
	d := &Detector{t: defaultTable, sv: defaultSieve, skel: defaultSkel, sound: defaultSound, soundSieve: defaultSoundSieve, fw: defaultWords, off: map[string]bool{}}
	for _, n := range opts.Disabled {
		d.off[n] = true
	}
	if d.off[NamedPerson] {
		d.off[DefenderTargeted] = true
	}
	d.indexDefenders(opts.Defenders)
	return d, nil
}

// Signals returns the signals found in p, each with its evidence span in
// p.Text. normalized is nlp.Normalize(p.Text), or "" to normalise here.
// A post without text has no signals.
func (d *Detector) Signals(p *ingest.Post, normalized string) []policy.Signal {
	if p == nil || p.Text == "" {
		return nil
	}
	sc := getScan()
	defer putScan(sc)
	if normalized == "" {
		normalized = nlp.Normalize(p.Text)
	}
	d.scan(sc, normalized)
	reading := nlp.ReadArabizi(p.Text)
	if len(sc.found) == 0 {
		if reading != nil {
			out := d.readArabizi(reading, nil)
			return append(out, d.readArabiziWords(p.Text, out)...)
		}
		return nil
	}
	mapper(&sc.spans, p.Text, normalized, sc.maxEnd())
	if r := sc.spans.res; r != nil && r.Text != normalized && !strings.HasPrefix(normalized, r.Text) {
		// The caller's text is not this normaliser's: read ours.
		d.scan(sc, r.Text)
	}
	out := make([]policy.Signal, len(sc.found))
	for i, f := range sc.found {
		s, e := sc.spans.original(f.start, f.end)
		out[i] = policy.Signal{Name: f.name, Start: s, End: e, Detail: f.detail}
	}
	if reading != nil {
		out = append(out, d.readArabizi(reading, out)...)
		out = append(out, d.readArabiziWords(p.Text, out)...)
	}
	return out
}

// maxEnd returns the end of the last evidence found.
func (sc *scan) maxEnd() int {
	m := 0
	for _, f := range sc.found {
		m = max(m, f.end)
	}
	return m
}

// Token kinds of the scanner.
const (
	kWord uint8 = iota
	kNumber
	kMention
	kEmoji
	kQuote
)

type token struct {
	start, end int
	kind       uint8
	e          *entry
	// alias is the cue word a misspelt word was read as by its sound
	// (اوصخ as اوسخ), or "".
	alias string
}

// hit is the first evidence of one class: tokens [from, to).
type hit struct {
	from, to int
	detail   string
	n        int
}

// person is one named or targeted person (or group): tokens [from, to).
type person struct {
	from, to int
	role     string
	how      string // "role", "handle", "name", "kunya", "group"
}

// found is one signal in normalised coordinates.
type found struct {
	name       string
	start, end int
	detail     string
}

// postState is what a scan has read so far of one post: the cues that wait
// for others after them. Each post starts from newPostState, so nothing
// read of one post reaches the next.
type postState struct {
	phone hit
	quote hit
	// lastHarm is the last words of a threat, a call to harm or a slogan.
	lastHarm hit
	// devotedTo is the token after the last one a devotional formula
	// covers, and devoted how many tokens formulas cover.
	devotedTo, devoted int
	// lastPeople is the last people word (cues/hate.tsv) read so far;
	// lastOne tells that it is one of a people after every or any (كل
	// يهودي), which a noun in the singular may damn (كل يهودي خاين).
	lastPeople hit
	lastOne    bool
	// lastDefOne is the last one of a people with the article (المصري),
	// whom only a noun in the singular may damn.
	lastDefOne hit
	// lastMetOne is one of a people after a denied verb of meeting (ما
	// شفت شيعي), whom a virtue after it denies to them all.
	lastMetOne hit
	// lastWorship is the last house of worship that is a faith's: after
	// every or with the pronoun of them (كنائسهم، كل حسينية).
	lastWorship hit
	// lastLeftOne is one of a people after a denied leave (لن نترك
	// يهوديا), whom a word of being alive after it threatens.
	lastLeftOne hit
	// harmRejected is the first harm named to be rejected or stopped (لا
	// القتل، وقف ترحيل): a denial unless words of harm come after it.
	harmRejected hit
	// lastEnsure is the last first-person promise that something will
	// happen to others (سأحرص على أن، سأجعل), not denied, waiting for a
	// verb of suffering.
	lastEnsure hit
	// lastRuinAt is the last first-person verb of destruction, not
	// denied, and the people's property after it when there is one
	// (سأحرق بيوت …).
	lastRuinAt hit
	// lastNamed is the last people word, or one of a people, named
	// anywhere; lastInsinuate the last insinuation (تعرف الباقي).
	lastNamed, lastInsinuate hit
	// lastMassacre is the last massacre named (cues/incitement.tsv).
	lastMassacre hit
	// lastHatred is the last words of the writer's hatred, disgust or
	// curse whose object follows them (اكره، يلعن، اللهم عليك).
	lastHatred hit
	// lastHatredAs is what lastHatred makes of the people after it:
	// contempt, exclusion or a call to harm.
	lastHatredAs class
	// lastHatredDir is the direction of lastHatred in cues/hate.tsv:
	// "unwanted" (ما نريد، لا نبي) damns a people only where a place or
	// "here" follows them (ما نبي هنود بالديرة; not لا نريد السنة والشيعة
	// يتقاتلون); "verbone" (distrust: لا تثق) may also take one of a
	// people in the singular, who stands for them all (لن أثق بمسلم).
	lastHatredDir string
	// lastOrg is the last terrorist organisation or leader named, and
	// lastPraise the last praise that waits for one after it (الله يرجع
	// ايام …).
	lastOrg, lastPraise hit
	// lastFig is the last verb of violence that may be figurative (نحرق،
	// نكسر), waiting for a thing or an abstraction after it.
	lastFig hit
	// lastMaim is the last first-person verb of maiming without an
	// object (نكسر، سنقطع), waiting for a body part of the reader's.
	lastMaim hit
	// lastHarmNoun is the last verbal noun of harm (قتل، هدم، رمي),
	// waiting for a people after it; harmOfPeople is the last such harm
	// with its people (قتل الشيعة، هدم مساجد الاسماعيليين), waiting to be
	// called a duty; lastDuty is the last word of duty (واجب، الحل)
	// waiting for a harm of a people after it (من الواجب قتل …).
	lastHarmNoun, harmOfPeople, lastDuty hit
	// lastContrast is the token where the post's last "but" (بس، لكن)
	// starts, or -1.
	lastContrast int
}

// newPostState is the state of a scan before the post's first word.
func newPostState() postState { return postState{lastContrast: -1, lastHatredAs: cContempt} }

// scan is the per-call state, pooled so that a post allocates little.
type scan struct {
	text string
	toks []token
	// keyBuf is soundAlike's buffer.
	keyBuf []byte
	// fw are the detector's function words (cues/function.tsv).
	fw      functionWords
	hits    [nClasses]hit
	persons []person
	// described are people a role and a relative clause point at (الدكتورة
	// اللي تسوي ندوات): not named, but identified by what they do.
	described []person
	// postState is what the scan has read so far of the post.
	postState
	found []found
	spans spans
	// reading is the Arabizi reading being scanned, or nil; keys and
	// alts then hold each token's match keys (see matchesKey).
	reading *nlp.Result
	keys    []string
	alts    []string
}

var scanPool = sync.Pool{New: func() any { return &scan{toks: make([]token, 0, 64)} }}

func getScan() *scan { return scanPool.Get().(*scan) }

func putScan(sc *scan) {
	if cap(sc.toks) > 4096 {
		sc.toks = nil
	}
	if cap(sc.spans.offs) > 1<<16 {
		sc.spans.offs = nil
	}
	sc.text, sc.spans.orig, sc.spans.res = "", "", nil
	sc.reading, sc.keys, sc.alts = nil, nil, nil
	scanPool.Put(sc)
}

func (sc *scan) reset(text string) {
	sc.text = text
	sc.toks = sc.toks[:0]
	sc.hits = [nClasses]hit{}
	sc.persons = sc.persons[:0]
	sc.described = sc.described[:0]
	sc.postState = newPostState()
	sc.found = sc.found[:0]
}

func (sc *scan) word(i int) string {
	t := &sc.toks[i]
	if t.alias != "" {
		return t.alias
	}
	return sc.text[t.start:t.end]
}

// predicate reports whether tokens [from, to) only join a people word to
// what is said of them: none, or at most three fillers (هم، كلهم، دول،
// مثل), and no negator.
func (sc *scan) predicate(from, to int) bool {
	if to-from > 3 {
		return false
	}
	for k := from; k < to; k++ {
		if sc.toks[k].kind != kWord || !sc.is(k, wFiller) {
			return false
		}
	}
	return true
}

// nounForm reports how token k writes noun (its first word): bareOrLike
// when bare, with the article, or after ك (كالحشرات), not after و, ب or ل
// (والحشرات، بسرطان); bare when without the article (حشرات، كالقمامة):
// "هؤلاء حشرات" says what they are, "هؤلاء الحشرات" points at some.
func (sc *scan) nounForm(k int, noun string) (bareOrLike, bare bool) {
	first, _, _ := strings.Cut(noun, " ")
	pre, ok := sc.cutSuffix(k, first)
	if !ok {
		return false, false
	}
	switch pre {
	case "", "ك", "كال":
		return true, true
	case "ال":
		return true, false
	}
	// Not و: "الشيعة ودواعش" joins two subjects, it says nothing of the
	// first.
	return false, false
}

// reaches reports whether the people p stand before token i in its clause,
// up to four words before it: what a pronoun, a phrase of place or an act
// at i says may be said of them.
func (sc *scan) reaches(p hit, i int) bool {
	return p.n > 0 && p.detail == "" && p.to <= i && i-p.to <= 4 && sc.unbroken(p.to, i, true)
}

// anaphor reports whether a pronoun before token i opens a sentence or a
// clause after "and" or "but" and points back at the people p named before
// it, up to 25 tokens before: "شفت اللاجئين بالسوق. هؤلاء حشرات"
// (HateCheck's pronoun reference), "قابلت الكثير من اللاجئين وهم جميعا
// حثالة", "عندي جيران من السود وكلهم أوساخ". At most two fillers (جميعا،
// فعلا) stand between the pronoun and token i. Not after a part (بعض), not
// denied.
func (sc *scan) anaphor(p hit, i int) bool {
	if p.n == 0 || p.detail != "" || i < 1 || p.to > i-1 || i-p.to > 25 || sc.deniedBefore(i, 1) {
		return false
	}
	k := i - 1
	for k > p.to && i-k <= 2 && sc.is(k, wFiller) && !sc.pronounWithAnd(k) && !sc.is(k, wAnaphor) {
		k--
	}
	if !sc.unbroken(k+1, i, false) {
		return false
	}
	switch {
	case sc.pronounWithAnd(k):
		// And they, right after the people (at most two words between:
		// المهاجرين وهم، السود وكلهم); further on, the pronoun may
		// stand for another subject.
		return k-p.to <= 2
	case !sc.is(k, wAnaphor):
		return false
	}
	return k == 0 || !sc.unbroken(k-1, k, false) || sc.is(k-1, wConj)
}

// pronounWithAnd reports whether token k is "and" joined to a pronoun that
// points back at a people: وهم، ولكنهم، فهم, or a filler with their pronoun
// (وكلهم، وجميعهم، ومعظمهم).
func (sc *scan) pronounWithAnd(k int) bool {
	w := sc.word(k)
	for _, pre := range []string{"و", "ف"} {
		rest, ok := strings.CutPrefix(w, pre)
		if !ok {
			continue
		}
		c := sc.fw[rest]
		if c&wAnaphor != 0 || c&wFiller != 0 && endsWithAny(rest, theirPronouns...) {
			return true
		}
	}
	return false
}

// located reports whether a phrase of place or time stands between the
// people p and token i, in one clause: "السوريون في مدينتنا كالقمامة",
// "أهل السنة في هذه البلاد متطرفون", "الكرد بالموصل خونة". The first word
// after the people is a preposition (في، من، عند، على) or a place with بال
// or بهال (بالموصل، بهالبلد; not بذريعة، بحجة, a pretext), or with ب alone
// just before the noun (السوريين بأربيل حرامية), and at most four
// words stand between, none a negator, a denial or a relative pronoun.
func (sc *scan) located(p hit, i int) bool {
	if !sc.reaches(p, i) || p.to == i || sc.deniedBefore(p.from, 2) || sc.deniedBetween(p.to, i) || sc.anyIs(p.to, i, wRelative) {
		return false
	}
	w := sc.word(p.to)
	// "السوريين بأربيل حرامية": a place with ب and no article, just
	// before the noun.
	return sc.is(p.to, wPrep) || placeWith(w) || p.to+1 == i && placeWithBa(w) && !sc.is(p.to, wFiller|wPart|wQuant|wNegator|wDenial)
}

// placeWithBa reports whether w may be a place with ب and no article
// (بأربيل، ببغداد), of four letters or more: not بعضهم، بدون، بسبب، بين.
func placeWithBa(w string) bool {
	if !strings.HasPrefix(w, "ب") || utf8.RuneCountInString(w) < 4 {
		return false
	}
	for _, p := range []string{"بعض", "بدون", "بسبب", "بين", "بلا", "بغير"} {
		if strings.HasPrefix(w, p) {
			return false
		}
	}
	return true
}

// placeWith reports whether w is a place with بال or بهال (بالموصل،
// بهالبلد), of five letters or more.
func placeWith(w string) bool {
	return (strings.HasPrefix(w, "بال") || strings.HasPrefix(w, "بهال")) && utf8.RuneCountInString(w) >= 5
}

// yours reports whether w is a thing of the reader's: a noun of three
// letters or more with the pronoun of "you" (بيوتكم، بيتك، كنيستكم), not a
// heart, nerves, blood or self, which the idiom burns (نحرق قلوبكم، اهدم
// نفسك), and not a word after و or ف, another verb (نخرب ونشكك).
func yours(w string) bool {
	for _, suf := range secondPersonObjects {
		if stem, ok := strings.CutSuffix(w, suf); ok {
			return utf8.RuneCountInString(stem) >= 3 && !strings.HasPrefix(w, "ال") && !strings.HasPrefix(w, "و") && !strings.HasPrefix(w, "ف") && !idiomObjects[stem]
		}
	}
	return false
}

// idiomObjects are the things of the reader's that a verb of destruction
// burns or breaks in an idiom: the heart, the nerves, the blood, the mind,
// the head, the self, the joy.
var idiomObjects = map[string]bool{"قلوب": true, "قلب": true, "اعصاب": true, "دم": true, "دمو": true, "عقل": true, "مخ": true, "راس": true, "خاطر": true, "فرحت": true, "فرحه": true, "نفس": true, "حال": true}

// feminine reports whether a noun said of a people is feminine singular:
// its first word ends in ة (ه once normalised), or a word of it carries the
// pronoun ها (ناقصه عقل، بهيمه، مالها عقل، ملك ابوها).
func feminine(noun string) bool {
	words := strings.Fields(noun)
	if len(words) == 0 {
		return false
	}
	if first := words[0]; strings.HasSuffix(first, "ه") && !strings.HasSuffix(first, "يه") {
		return true
	}
	return slices.ContainsFunc(words, func(w string) bool { return strings.HasSuffix(w, "ها") })
}

// cutSuffix returns what token k has before the cue word w, which it ends
// with. A word of an Arabizi reading that came from Latin letters, matched
// by its skeleton, is compared by skeleton: "kuffar" reads كفر, the cue is
// كفار; the prefixes that change its skeleton are the article, ك and their
// join (el kilab, kal kilab).
func (sc *scan) cutSuffix(k int, w string) (string, bool) {
	word := sc.word(k)
	if sc.keys == nil || !sc.fromLatin(sc.toks[k].start) {
		return strings.CutSuffix(word, w)
	}
	if utf8.RuneCountInString(skeleton(w)) < 3 {
		return "", false // وباء is ب: any prefix would make a word of it
	}
	for _, pre := range [...]string{"", "ال", "ك", "كال", "و", "ف"} {
		if sk := skeleton(pre + w); (sc.keys[k] == sk || sc.alts[k] == sk) && sameFirst(strings.TrimPrefix(word, pre), w) {
			return pre, true
		}
	}
	return "", false
}

// sameFirst reports whether two words start with the same letter, as the
// skeleton folds letters (ث ت ط, ذ د ض ظ, س ص, ق غ; a long vowel or hamza
// is one letter): the skeleton drops an initial ي, so yegdron (يقدرون,
// they can) has the skeleton of قذرين (filthy), but not its first letter.
func sameFirst(a, b string) bool {
	ra, _ := utf8.DecodeRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	return foldLetter(ra) == foldLetter(rb)
}

// subject reports whether the people word p is the subject of what token i
// starts: p comes before i, joined to it by fillers only (predicate) in one
// sentence, not after a word of part (بعض), and not denied (لم يكن اللاجئون عالة).
func (sc *scan) subject(p hit, i int) bool {
	return p.n > 0 && p.to <= i && p.detail == "" && sc.predicate(p.to, i) && sc.unbroken(p.to, i, false) && !sc.deniedBefore(p.from, 2)
}

// hatredBefore records words of hatred, harm or blame whose object, a
// people after them, the people case judges: what they make of it (as)
// and their direction in cues/hate.tsv (verb, unwanted, verbone).
func (sc *scan) hatredBefore(h hit, as class, dir string) {
	sc.lastHatred, sc.lastHatredAs, sc.lastHatredDir = h, as, dir
}

// metBetween reports whether the words between one of a people p, after
// every or any, and token i say that the writer met or knew them (كل مصري
// شفته بحياتي، كل يهودي قابلته كان): a verb of meeting with its object,
// then words of a lifetime, fillers or a place (بالمطعم، في الشغل), five
// words at most, in one clause, not denied.
func (sc *scan) metBetween(p hit, i int) bool {
	if p.n == 0 || p.detail != "" || p.to >= i || i-p.to > 5 || !sc.is(p.to, wMet) || !sc.unbroken(p.to, i, false) || sc.deniedBefore(p.from, 2) {
		return false
	}
	for k := p.to + 1; k < i; k++ {
		w := sc.word(k)
		// "بالمطعم", "في الشغل": where they met, not which of them.
		place := placeWith(w) || sc.is(k-1, wPrep)
		if sc.toks[k].kind != kWord || !place && !sc.is(k, wLifetime|wFiller|wPrep) {
			return false
		}
	}
	return true
}

// askedWithin reports whether a question mark closes the words from token k
// on, within n tokens and before any other break.
func (sc *scan) askedWithin(k, n int) bool { return sc.questionEnd(k, n) >= 0 }

// askedEnd returns the token just after the question mark that closes the
// words "you say" asks back (r, detail asked), or -1 when none closes them
// within twelve words.
func (sc *scan) askedEnd(r hit) int { return sc.questionEnd(r.to, 12) }

// questionEnd returns the token just after the question mark that closes
// the words from token k on, within n tokens and before any other break, or
// -1 when none does.
func (sc *scan) questionEnd(k, n int) int {
	for m := k; m < len(sc.toks) && m < k+n; m++ {
		gap := sc.text[sc.toks[m].end:]
		if m+1 < len(sc.toks) {
			gap = sc.text[sc.toks[m].end:sc.toks[m+1].start]
		}
		switch {
		case strings.ContainsAny(gap, "؟?"):
			return m + 1
		case strings.ContainsAny(gap, ".!:\n"):
			return -1
		}
	}
	return -1
}

// sexualSlurs are the nouns of vilification that damn women as whores: said
// of women named by what they do (المتظاهرات، الناشطات), they damn women.
var sexualSlurs = map[string]bool{
	"عاهرات": true, "قحاب": true, "شراميط": true, "ساقطات": true, "فاجرات": true, "منحرفات": true,
	"خربانات": true, "فاسدات": true, "بنات ليل": true, "بنات شوارع": true,
}

// everyTime are the words after "not every" (مو كل، ليس كل) that make it
// "not every time": مرة، يوم، وقت.
var everyTime = map[string]bool{"مره": true, "مرة": true, "يوم": true, "وقت": true, "مرا": true}

// notAll reports whether the words after a negator say "all" (مو كلهم،
// ليس كل، مو جميع، مو الكل).
func notAll(rest []string) bool {
	for _, w := range rest {
		if strings.HasPrefix(w, "كل") || strings.HasPrefix(w, "جميع") || w == "الكل" {
			return true
		}
	}
	return false
}

// mostWords say "most of them" (اغلبهم، معظمهم، الغالبية), as the
// normaliser writes them.
var mostWords = map[string]bool{
	"اغلب": true, "اغلبهم": true, "اغلبهن": true, "معظم": true, "معظمهم": true, "معظمهن": true,
	"اكثرهم": true, "اكثرهن": true, "اكثريتهم": true, "غالبيتهم": true, "غالبيه": true,
	"الغالبيه": true, "الاغلبيه": true, "الاكثريه": true, "الاغلب": true, "الاكثر": true,
}

// mostWithin reports whether a word that says "most of them" starts within
// n tokens from k.
func (sc *scan) mostWithin(k, n int) bool { return sc.wordWithin(k, n, mostWords) }

// contactWords are what "may not be done" with a people when the writer
// forbids dealing with them (ناكل، نتزوج، التعامل، مصاهره), as the
// normaliser writes them.
var contactWords = map[string]bool{
	"ناكل": true, "الاكل": true, "نتزوج": true, "نزوج": true, "الزواج": true, "نتزوجهم": true, "نزوجهم": true,
	"نتعامل": true, "التعامل": true, "نشتغل": true, "نشغل": true, "نشغلهم": true, "تشغيل": true, "تشغيلهم": true,
	"نسلم": true, "السلام": true, "نصاهر": true, "مصاهره": true, "مصاهرتهم": true, "نشتري": true, "نبيع": true,
	"ناجر": true, "نسكن": true, "نجالس": true, "مجالسه": true, "نخالط": true, "مخالطه": true, "مخالطتهم": true,
	"نعاشر": true, "معاشره": true, "نجلس": true, "نقعد": true, "ندخل": true, "نصلي": true, "الصلاه": true,
	"نامن": true, "نثق": true, "الثقه": true,
}

// forbidsContact reports whether what is not permitted (يجوز), from token
// k, is dealing with a people, or is said of them (لهم، الهن): ما يجوز
// ناكل من ايدهم، لا يجوز ان نتزوج منهم، لا يجوز لهم يصوتون.
func (sc *scan) forbidsContact(k int) bool {
	if k < len(sc.toks) && sc.word(k) == "ان" {
		k++
	}
	if k >= len(sc.toks) || !sc.joined(k) {
		return false
	}
	switch w := sc.word(k); w {
	case "لهم", "لهن", "الهم", "الهن":
		return true
	default:
		return contactWords[w]
	}
}

// mournedWithin reports whether a word that mourns a victim (شهيد، ضحية،
// ظلما، غدرا) starts within n tokens from k.
func (sc *scan) mournedWithin(k, n int) bool { return sc.wordWithin(k, n, mourning) }

// wordWithin reports whether one of words starts within n tokens from k.
func (sc *scan) wordWithin(k, n int, words map[string]bool) bool {
	for m := k; m < len(sc.toks) && m < k+n; m++ {
		if words[sc.word(m)] {
			return true
		}
	}
	return false
}

// mourning are words that mourn a victim.
var mourning = map[string]bool{"شهيد": true, "شهيدا": true, "ضحيه": true, "ظلما": true, "غدرا": true, "بريء": true, "بالارهاب": true, "رحمه": true, "جريمه": true}

// yoursBefore reports whether one of the n words before token i, in its
// clause, is a thing of the reader's (yours: كنيستكم) or names "you"
// (منكم، عليكم، لكم، انتم).
func (sc *scan) yoursBefore(i, n int) bool {
	for k := i - 1; k >= max(0, i-n); k-- {
		if !sc.unbroken(k+1, i, false) {
			return false
		}
		if w := sc.word(k); yours(w) || youWords[w] {
			return true
		}
	}
	return false
}

// youWords name "you" in the plural.
var youWords = map[string]bool{"منكم": true, "عليكم": true, "لكم": true, "فيكم": true, "انتم": true, "انتو": true, "الكم": true}

// dutyBefore reports whether a word of duty stands just before token k, in
// its clause and not denied: "من الواجب قتل", or with one word between
// (من الواجب شرعا قتل); a duty that is only ever said before the harm
// (يجب، لازم) must stand at once before it ("يجب وقف قتل" stops it).
func (sc *scan) dutyBefore(k int) bool {
	du := sc.lastDuty
	gap := 1
	if du.detail == "before" {
		gap = 0
	}
	return du.n > 0 && du.to <= k && k-du.to <= gap && sc.unbroken(du.to, k, true) && !sc.deniedBefore(du.from, 2)
}

// starts reports whether a cue of class c starts at token k.
func (sc *scan) starts(k int, c class) bool {
	if e := sc.toks[k].e; e != nil {
		for _, ph := range e.phrases {
			if ph.class == c {
				return true
			}
		}
	}
	return false
}

// civicWithin reports whether a civic verb (يصوتون، تشتغل، يدرسون) starts
// within n tokens from k, in the same clause.
func (sc *scan) civicWithin(k, n int) bool {
	for m := k; m < len(sc.toks) && m < k+n; m++ {
		if !sc.joined(m) {
			return false
		}
		if sc.starts(m, cCivic) {
			return true
		}
	}
	return false
}

// unbroken reports whether no full stop, question mark, colon or line
// break (and, with comma, no comma) stands between token from-1 and token
// to: "الشيعه. سراق البلد" says nothing of the Shia.
func (sc *scan) unbroken(from, to int, comma bool) bool {
	for k := max(from, 1); k <= to && k < len(sc.toks); k++ {
		for _, r := range sc.text[sc.toks[k-1].end:sc.toks[k].start] {
			switch r {
			case '.', '!', '?', '؟', ':', '\n':
				// The normaliser writes a run of dots (الشيعة.. خونة) as
				// one: a full stop, whatever the writer meant.
				return false
			case '،', ',', '؛', ';':
				if comma {
					return false
				}
			}
		}
	}
	return true
}

// hereWithin reports whether one of the n words from token k, in its
// clause, says here or among us (function.tsv class here: هنا، عندنا،
// بيننا) or opens a phrase of place (بالديرة، في حينا، ببلدنا).
func (sc *scan) hereWithin(k, n int) bool {
	for m := k; m < len(sc.toks) && m < k+n; m++ {
		if !sc.unbroken(k, m+1, false) || sc.toks[m].kind != kWord {
			return false
		}
		w := sc.word(m)
		if sc.is(m, wHere) || sc.is(m, wPrep) && m+1 < len(sc.toks) || placeWith(w) || sc.placePrefixed(w) {
			return true
		}
	}
	return false
}

// placePrefixed reports whether w starts with a preposition joined to a
// noun of place (function.tsv class placeprefix: بديرتنا، ببلدنا، بحينا):
// its first three to five letters are one.
func (sc *scan) placePrefixed(w string) bool {
	for n, i := 0, 0; i < len(w) && n < 5; n++ {
		_, size := utf8.DecodeRuneInString(w[i:])
		i += size
		if n >= 2 && sc.fw[w[:i]]&wPlacePrefix != 0 {
			return true
		}
	}
	return false
}

// placeAt reports whether token k, joined to the word before it, opens a
// phrase of place: a preposition (في، عند) or a noun with بال, بهال or
// بهذه (بالحكومة، بهالدائرة).
func (sc *scan) placeAt(k int) bool {
	if k >= len(sc.toks) || !sc.joined(k) || sc.toks[k].kind != kWord {
		return false
	}
	if k+1 < len(sc.toks) && sc.is(k+1, wLifetime) {
		return false // في حياتي، طول عمري: when, not where
	}
	w := sc.word(k)
	return sc.is(k, wPrep) || placeWith(w) || w == "بهذه" || w == "بهذا" || w == "بهاي"
}

// narrowed reports whether a relative clause starts at token k, within two
// words: "اكره النساء اللي يدخنن" speaks of some women, not of women.
func (sc *scan) narrowed(k int) bool { return sc.relativeWithin(k, 2) }

// denies reports whether token k is a negator or a denial (مو، ما، محد).
func (sc *scan) denies(k int) bool { return sc.is(k, wNegator|wDenial) }

// denied reports whether the word before token i denies it (ما، محد، مو),
// or a denial and "one" do (ماكو وحدة تستاهل، ولا واحد يستاهل).
func (sc *scan) denied(i int) bool {
	return i > 0 && sc.denies(i-1) || i > 1 && sc.denies(i-2) && sc.is(i-1, wAnyone)
}

// deniedBetween reports whether a negator or a denial stands among tokens
// [from, to) (حلبجة لن تتكرر، ٢٠٠٦ ما لازم يصير مرة ثانية).
func (sc *scan) deniedBetween(from, to int) bool { return sc.anyIs(from, to, wNegator|wDenial) }

// anyIs reports whether a function word of one of the classes c stands
// among tokens [from, to).
func (sc *scan) anyIs(from, to int, c wordClass) bool {
	for k := from; k < to; k++ {
		if sc.is(k, c) {
			return true
		}
	}
	return false
}

// deniedBefore reports whether a negator or a denial stands in the n words
// before token i in the same clause (ما نريد حلبجة ثانية; not «اذا ما
// يسكتون، آمرلي مرة ثانية», where a comma ends the denial's clause).
func (sc *scan) deniedBefore(i, n int) bool {
	for k := i - 1; k >= max(0, i-n); k-- {
		if !sc.joined(k + 1) {
			return false
		}
		if sc.denies(k) {
			return true
		}
	}
	return false
}

// is reports whether token k is a function word of one of the classes c
// (cues/function.tsv).
func (sc *scan) is(k int, c wordClass) bool { return sc.fw[sc.word(k)]&c != 0 }

// scan tokenises text, matches the cues and decides the signals.
func (d *Detector) scan(sc *scan, text string) {
	sc.reset(text)
	sc.fw = d.fw
	d.tokenize(sc)
	if sc.reading != nil {
		d.skeletonKeys(sc)
	}
	for i := range sc.toks {
		t := &sc.toks[i]
		switch t.kind {
		case kMention:
			if i > 0 && sc.word(i-1) == "rt" {
				sc.record(cReport, i-1, i+1, "")
				continue
			}
			role := handleRole(sc.word(i))
			if r, ok := d.listedHandles[strings.ToLower(strings.TrimPrefix(sc.word(i), "@"))]; ok {
				role = r
			}
			sc.addPerson(person{from: i, to: i + 1, how: "handle", role: role})
		case kNumber:
			sc.phoneAt(i)
		case kQuote:
			sc.quoteAt(i)
		}
		if t.e != nil {
			for _, ph := range t.e.phrases {
				j, ok := sc.matchRest(i+1, ph.rest)
				if !ok {
					continue
				}
				sc.cue(ph, i, j)
			}
		}
		if d.listedNames != nil && t.kind == kWord {
			d.listedAt(sc, i)
		}
	}
	d.decide(sc)
}

// matchRest reports whether the words from token i on are rest, and where they end.
func (sc *scan) matchRest(i int, rest []string) (int, bool) {
	for _, w := range rest {
		if i >= len(sc.toks) || !sc.matchesKey(i, w) {
			return 0, false
		}
		i++
	}
	return i, true
}

func (sc *scan) record(c class, from, to int, detail string) {
	if c == cThreat || c == cIncite || c == cJihad {
		sc.lastHarm = hit{from: from, to: to, n: 1}
	}
	h := &sc.hits[c]
	if h.n == 0 {
		h.from, h.to, h.detail = from, to, detail
	}
	h.n++
}

// addPerson keeps p unless a person already found starts at the same token.
func (sc *scan) addPerson(p person) {
	if sc.personAt(p.from) == nil {
		sc.persons = append(sc.persons, p)
	}
}

// personAt returns the person found already whose words hold token i, or nil.
func (sc *scan) personAt(i int) *person {
	for k := range sc.persons {
		if q := &sc.persons[k]; q.from <= i && i < q.to {
			return q
		}
	}
	return nil
}

// cue handles a cue phrase matched at tokens [i, j).
func (sc *scan) cue(ph phrase, i, j int) {
	switch ph.class {
	case cRole:
		addressed := i > 0 && sc.word(i-1) == "يا"
		k := j
		for n := 0; n < 2 && k < len(sc.toks) && sc.joined(k) && (sc.toks[k].e != nil && sc.toks[k].e.flags&fAdjective != 0 ||
			// المدون الايزيدي خدر، الناشط التركماني ارشد: a people's
			// adjective before the name (a family name when nothing follows).
			sc.nisbaAdjective(k) && k+1 < len(sc.toks) && sc.joined(k+1) && sc.nameLike(k+1)); n++ {
			k++
		}
		definite := ph.definite || len(ph.rest) > 0
		switch {
		case k < len(sc.toks) && sc.toks[k].kind == kMention:
			sc.addPerson(person{from: i, to: k + 1, role: ph.detail, how: "role"})
		case k < len(sc.toks) && sc.joined(k) && sc.nameLike(k) && (definite || addressed):
			to := k + 1
			if to < len(sc.toks) && sc.joined(to) && (sc.nameLike(to) || sc.nisba(to)) {
				to++
			}
			sc.addPerson(person{from: i, to: to, role: ph.detail, how: "role"})
		case definite && defenderRoles[ph.detail] && sc.relativeWithin(k, 3):
			// The journalist who filmed it: identified by their work.
			sc.addPerson(person{from: i, to: j, role: ph.detail, how: "role"})
		case addressed:
			sc.addPerson(person{from: i - 1, to: j, role: ph.detail, how: "role"})
		case definite && sc.relativeWithin(k, 3):
			sc.described = append(sc.described, person{from: i, to: j, role: ph.detail, how: "described"})
		case sc.opening(i) && sc.endsClause(k, 4):
			// "مراسل القناة الكردية بكركوك، نعرف بيتك": a role that opens
			// the post and its first clause addresses the reader; it
			// counts only in the words of a threat (see decide).
			sc.addPerson(person{from: i, to: j, role: ph.detail, how: "opening"})
		case definite && len(sc.persons) > 0 && sc.persons[len(sc.persons)-1].to == i && sc.joined(i):
			// A role after the name (ابو سيف الناشط) tells who the person is.
			if q := &sc.persons[len(sc.persons)-1]; q.role == "" {
				q.role, q.to = ph.detail, j
			}
		}
	case cGroup:
		// A group counts when it is addressed (يا صحفيين), singled out by
		// what it did (الناشطين اللي ...) or taken as a whole (كل الصحفيين).
		if i > 0 && (sc.word(i-1) == "يا" || sc.word(i-1) == "كل") || sc.relativeWithin(j, 3) {
			sc.addPerson(person{from: i, to: j, role: ph.detail, how: "group"})
		}
	case cKunya:
		if j < len(sc.toks) && sc.joined(j) && (sc.given(j) || ph.detail != "strict" && (sc.nameLike(j) || sc.nisba(j))) {
			sc.addPerson(person{from: i, to: j + 1, how: "kunya"})
		}
	case cGiven:
		// علي is also على normalised: it needs a family name after it,
		// and is never the second of two given names.
		first := sc.word(i) == "علي"
		switch {
		case j < len(sc.toks) && sc.joined(j) && (sc.given(j) && !first && sc.word(j) != "علي" || sc.nisba(j) && !(first && brokenPlural(sc.word(j)))):
			sc.addPerson(person{from: i, to: j + 1, how: "name"})
		case i > 0 && sc.word(i-1) == "يا" && !sc.is(i, wInvocation):
			// Addressed by a given name alone (ونبدا بيك يا احمد); the
			// names that يا invokes in prayer (يا علي، يا حسين) are not.
			sc.addPerson(person{from: i - 1, to: j, how: "addressed"})
		}
	case cReport:
		if j < len(sc.toks) && sc.is(j, wAddressee) {
			return
		}
		// "الصحفي اللي يكتب عن الاستملاكات": writing or speaking about
		// a subject, after who, describes someone by their work; it
		// quotes no words.
		if (sc.is(i, wRelative) || i > 0 && sc.is(i-1, wRelative)) && j < len(sc.toks) && sc.joined(j) && sc.is(j, wAbout) {
			return
		}
		// "كاتب العمود اللي يسب الفصائل": the participle before a noun
		// with the article is the writer of it, a person; it reports no
		// words (كاتب بالبوست does).
		if ph.detail == "participle" && j < len(sc.toks) && sc.joined(j) && strings.HasPrefix(sc.word(j), "ال") {
			return
		}
		// "الدين يقول قاتلوهم": scripture invoked as the writer's own
		// authority is no report of someone else's words.
		if i > 0 && len(ph.rest) == 0 && sc.is(i-1, wScripture) {
			return
		}
		// "تكول البنت مكانها البيت؟ امي …": "you say" reports the
		// reader's words only when a question closes them; otherwise it
		// is "as if" (تگول ما يعرف).
		if ph.detail == "asked" && !sc.askedWithin(j, 12) {
			return
		}
		sc.record(cReport, i, j, ph.detail)
	case cAvow, cNegate:
		// "ما اگول اكثر": I say no more, the threat's own ending, denies
		// nothing; "لما قلنا", "كما اقول": ما after ل, ك or ب is "when"
		// or "as", no denial.
		if ph.class == cAvow && j < len(sc.toks) && sc.joined(j) && sc.is(j, wSayNoMore) || sc.is(i, wNotDenial) {
			return
		}
		// "مو كل مرة يسلم الراس": not every time, a warning, denies no
		// generalisation about people.
		if ph.class == cNegate && len(ph.rest) == 1 && ph.rest[0] == "كل" && j < len(sc.toks) && sc.joined(j) && everyTime[sc.word(j)] {
			return
		}
		// "جزاؤه القتل ولا يجوز التهاون في ذلك", "لا رحمة معهم": leniency
		// denied presses a harm on; it denies no claim.
		if ph.class == cNegate && j < len(sc.toks) && sc.joined(j) && sc.is(j, wLenient) {
			return
		}
		// "مو كلهم طبعا، بس اغلبهم": not all of them, but most: the
		// generalisation hedged, not denied.
		if ph.class == cNegate && notAll(ph.rest) && sc.mostWithin(j, 6) {
			return
		}
		// "ما يجوز ناكل من ايدهم", "لا يجوز لهم يصوتون": what may not be
		// done with a people or by them forbids contact or a right; it
		// denies no claim (لا يجوز التعميم does).
		if ph.class == cNegate && len(ph.rest) == 1 && ph.rest[0] == "يجوز" && sc.forbidsContact(j) {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cFaith:
		// والله، بالله: an oath, not a religious subject.
		if len(ph.rest) == 0 && sc.is(i, wOath) {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cSatire, cCondemn, cReject, cEndorse, cUnity:
		// A cue the word before it denies counts for nothing: a joke
		// denied is no satire ("هاي مو نكتة"); the writer who denies the
		// charge against their own words condemns nothing ("آني مو طائفي
		// بس …", "هذا مو تحريض، هذا واقع"); an endorsement is denied by
		// a verb's negation too ("مو الحچي الصحيح", "ما عنده حق"), and
		// so is a verb of condemnation (لا اخجل، ما نرفض).
		if i > 0 && (sc.is(i-1, wNegator) || (ph.class == cEndorse || ph.class == cUnity || ph.detail == "verb") && sc.is(i-1, wDenial)) {
			return
		}
		// "حسبي الله على الصوفية": God's reckoning called down on a
		// people is a curse on them, no condemnation of what was said.
		if ph.class == cCondemn && j+1 < len(sc.toks) && sc.word(j) == "علي" && (sc.starts(j+1, cPeople) || sc.starts(j+1, cOne)) {
			return
		}
		// "بلغوا ربعكم": the message passed on to the reader's own people
		// is the threat's ending; it reports nothing.
		if ph.detail == "pass" && j < len(sc.toks) && sc.joined(j) && sc.is(j, wRecipient) {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cReconcile, cLawful:
		// "ماكو صلح", "لا تصدگون بالمصالحة", "ماينفع معاه السلم والصلح": a
		// reconciliation denied or scorned, in its clause, is none; so is
		// the law (ما اروح للمحكمة، لا تبلغ الشرطة).
		if sc.deniedBefore(i, 4) {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cPeople, cOne:
		// "حكام العرب", "احزاب الشيعة": a people word that completes
		// another noun is not what is spoken of.
		if i > 0 && sc.is(i-1, wHead) {
			return
		}
		// "اللاعب المصري": one of a people with the article after a noun
		// with the article is that noun's adjective, one man.
		if ph.detail == "definite" && i > 0 && sc.joined(i) && hasArticle(sc.word(i-1)) {
			return
		}
		// "يا شيعة", "أيها الكرد", "إلى كل لاجئ": a people addressed.
		if i > 0 && (ph.class == cPeople || ph.detail != "quantonly") && (sc.is(i-1, wVocative) || i <= 3 && sc.anyIs(0, i, wTo)) {
			sc.record(cAddressed, max(0, i-1), j, "")
		}
		// "لا يغرك ضحكته، مصري 😏 تعرف الباقي": a people named, one of
		// them too, and an insinuation within thirty words.
		if ph.class == cPeople || ph.detail != "quantonly" {
			sc.lastNamed = hit{from: i, to: j, n: 1}
			if m := sc.lastInsinuate; m.n > 0 && i-m.to <= 30 {
				sc.record(cInsinuation, m.from, j, m.detail)
			}
		}
		// One of a people stands for them all after every, any or the
		// first (كل يهودي، اي مثلي، اول لاجئ), and with the article for
		// a noun in the singular that damns him (المصري نصاب), and only
		// there.
		if ph.class == cOne && (ph.detail == "definite" || i == 0 || !sc.is(i-1, wQuant)) {
			// "اللي يسمي جاره السني داعشي": named so by others, a mention.
			if ph.detail == "definite" && !sc.narrowed(j) && (i == 0 || !sc.is(i-1, wHead)) && !sc.anyIs(max(0, i-3), i, wNaming) {
				sc.lastDefOne = hit{from: i, to: j, n: 1}
			}
			// "ذبح الرافضي قربة", "قتل اليهودي واجب": a harm done to one of
			// a people with the article, named as a deed at once; called a
			// duty after it, a call to harm them all.
			if hn := sc.lastHarmNoun; ph.detail == "definite" && hn.n > 0 && hn.to == i && sc.joined(i) && !sc.narrowed(j) {
				sc.harmOfPeople = hit{from: hn.from, to: j, n: 1}
			}
			// "لن أثق أبدا بمسلم", "لا تأمن لكردي": distrust of one of a
			// people, who stands for them all; with the article only at
			// once after the distrust ("لا تأمن للفيلي", the type).
			if h := sc.lastHatred; (ph.detail != "definite" || h.to == i) && sc.lastHatredDir == "verbone" && h.n > 0 && h.to <= i && sc.predicate(h.to, i) && sc.unbroken(h.to, i, true) && !sc.narrowed(j) {
				sc.record(sc.lastHatredAs, h.from, j, h.detail)
			}
			// "ما شفت شيعي واحد صادق", "لم أقابل مسلما أمينا", "ماكو
			// شيعي شريف": one of a people after a denied verb of meeting
			// (and مع), or after "there is none".
			if ph.detail != "definite" {
				k := i - 1
				// "لم أقابل في حياتي باكستانيا صادقا": when, between.
				for n := 0; n < 2 && k > 0 && sc.is(k, wLifetime|wPrep) && !sc.is(k, wMetBare); n++ {
					k--
				}
				if k > 0 && (sc.word(k) == "مع" || sc.word(k) == "ويا") {
					k--
				}
				switch {
				case k >= 0 && sc.is(k, wMetBare) && sc.unbroken(k, j, false) && (sc.deniedBefore(k, 2) || sc.denies(k)):
					sc.lastMetOne = hit{from: k, to: j, n: 1}
				case i > 0 && (sc.word(i-1) == "ولا" || sc.word(i-1) == "لا") && sc.joined(i):
					// "ولا شيعي واحد ينوثق فيه": not one of them.
					sc.lastMetOne = hit{from: i - 1, to: j, n: 1}
				}
				// "لن نترك يهوديا واحدا يتنفس": none left alive.
				if i > 0 && sc.is(i-1, wLeave) && sc.joined(i) && sc.deniedBefore(i-1, 2) {
					sc.lastLeftOne = hit{from: i - 1, to: j, n: 1}
					if i > 1 && sc.denies(i-2) {
						sc.lastLeftOne.from = i - 2
					}
				}
			}
			return
		}
		// "بعض الكرد خونة": a people word after a word of part speaks of
		// some of them. Two people words in a row are one people
		// (اللاجئون الفلسطينيون).
		how, from := "", i
		if p := sc.lastPeople; p.n > 0 && p.to == i && sc.joined(i) {
			how, from = p.detail, p.from
			if how == "women" {
				how = "" // الناشطات النسويات: a people word names them
			}
		} else if i > 0 && sc.is(i-1, wPart) || i > 1 && sc.word(i-1) == "من" && sc.is(i-2, wPart) {
			// "كثير من المسلمين", "عدد من النازحين": some of them too.
			how = "part"
		}
		sc.lastPeople = hit{from: from, to: j, n: 1, detail: how}
		sc.lastOne = ph.class == cOne
		// "قتل الشيعة", "هدم مساجد الاسماعيليين": a harm done to a
		// people, named as a deed (at once, or with one noun between);
		// called a duty before it (من الواجب قتل …) it is a call to harm.
		if hn := sc.lastHarmNoun; hn.n > 0 && hn.to <= i && i-hn.to <= 1 && sc.unbroken(hn.to, i, true) {
			sc.harmOfPeople = hit{from: hn.from, to: j, n: 1}
			if sc.dutyBefore(hn.from) {
				sc.record(cIncite, sc.lastDuty.from, j, "violence against a people called a duty")
			}
		}
		// "سأحرق بيوت اليهود": their homes destroyed.
		if r := sc.lastRuinAt; r.n > 0 && r.to == i && r.to-r.from >= 2 {
			sc.record(cThreat, r.from, j, "destroy a people's homes")
		}
		// "اكره الشيعة", "الله يلعن الكرد", "اللهم عليك باليهود": the
		// writer's hatred of a people, or a curse on them.
		// Praise of some of a people is praise all the same ("تحية
		// للايزيدية اللي رجعوا لسنجار").
		if h := sc.lastHatred; h.n > 0 && h.to <= i && sc.predicate(h.to, i) && sc.unbroken(h.to, i, true) && (sc.lastHatredAs == cEsteemed || !sc.narrowed(j)) && (sc.lastHatredDir != "unwanted" || sc.hereWithin(j, 1)) {
			sc.record(sc.lastHatredAs, h.from, j, h.detail)
		}
	case cWoman:
		// "المرة مكانها البيت", "الحرمة ما الها حق تسوق": woman in the
		// singular speaks of women, but only for exclusion (a slur at
		// one woman is abuse, not a people damned), and not after a
		// demonstrative (هاي المرة, this woman).
		if i > 0 && sc.is(i-1, wDemonstrative) {
			return
		}
		sc.lastPeople = hit{from: i, to: j, n: 1, detail: "singular"}
		sc.lastOne = false
		// "ضرب المرة مو عنف، هاي تأديب": a harm done to a woman, named
		// as a deed, called a duty or no crime (the duty case records it).
		if hn := sc.lastHarmNoun; hn.n > 0 && hn.to == i && sc.joined(i) {
			sc.harmOfPeople = hit{from: hn.from, to: j, n: 1, detail: "woman"}
		}
	case cWomenRole:
		// "المتظاهرات", "الناشطات": women named by what they do, a
		// people only for a sexual slur (sexualSlurs).
		if i > 0 && sc.is(i-1, wHead|wDemonstrative) {
			return
		}
		sc.lastPeople = hit{from: i, to: j, n: 1, detail: "women"}
		sc.lastOne = false
	case cVermin, cVilify, cVerminOne, cVilifyOne:
		// "كل يهودي خاين", "اي شيعي كلب": a noun in the singular damns
		// one of a people taken for them all, and nothing else.
		if (ph.class == cVerminOne || ph.class == cVilifyOne) && !sc.lastOne {
			// "المصري نصاب", "السوري حرامي": the people's man with the
			// article, what is said of him at once or after fillers.
			if d := sc.lastDefOne; d.n > 0 && sc.predicate(d.to, i) && sc.unbroken(d.to, i, false) && !sc.deniedBefore(d.from, 2) {
				if like, bare := sc.nounForm(i, ph.detail); like && bare {
					c := cDehumanise
					if ph.class == cVilifyOne {
						c = cVilification
					}
					sc.record(c, d.from, j, ph.detail)
				}
			}
			return
		}
		// "اليهود ليسوا حثالة", "الكرد مو خونة": the charge denied.
		if p := sc.lastPeople; i > 0 && sc.is(i-1, wNegator) && p.n > 0 && p.to < i && sc.predicate(p.to, i-1) && sc.unbroken(p.to, i, false) {
			if like, _ := sc.nounForm(i, ph.detail); !like {
				return // "العراق للعراقيين مو للذيول": no charge of a people
			}
			sc.record(cNegate, i-1, j, "a charge denied")
			return
		}
		// "الشيعة جرذان", "النازحين حشرات", "اليهود كالحشرات": a people
		// called vermin, disease, filth or beasts; "الصابئة نجسين",
		// "الكرد خونة": a people damned as impure or traitors.
		p := sc.lastPeople
		if p.detail == "singular" && feminine(ph.detail) {
			// "المرة ناقصة عقل", "الحرمة مثل البهيمة": woman in the
			// singular, damned in the feminine, is women damned.
			p.detail = ""
		}
		if p.detail == "women" && sexualSlurs[ph.detail] {
			// "المتظاهرات كلهن شراميط": women named by what they do,
			// damned as whores, are women damned.
			p.detail = ""
		}
		// "المسلمين الدواعش المجرمين الذين يقطعون الرؤوس": a noun with the
		// article that a relative clause follows describes some of them.
		if like, bare := sc.nounForm(i, ph.detail); like && (bare || !sc.narrowed(j)) && (sc.subject(p, i) || bare && (sc.anaphor(p, i) || sc.located(p, i) || sc.lastOne && sc.metBetween(p, i))) {
			c := cDehumanise
			if ph.class == cVilify || ph.class == cVilifyOne {
				c = cVilification
			}
			sc.record(c, p.from, j, ph.detail)
		}
	case cHarmNoun:
		// "الحل هو الحوار لا القتل", "يجب وقف ترحيل اللاجئين": a harm
		// named to be rejected or stopped, in the writer's own words.
		if i > 0 && sc.joined(i) && ph.detail != "pronoun" && sc.is(i-1, wNotHarm) {
			// "ما يهمني لا سجن ولا اعدام": prison denied is the
			// writer's own risk shrugged off, no harm rejected.
			if ph.detail == "custody" {
				return
			}
			if sc.harmRejected.n == 0 {
				sc.harmRejected = hit{from: i - 1, to: j, n: 1, detail: "a harm rejected"}
			}
			return
		}
		sc.lastHarmNoun = hit{from: i, to: j, n: 1}
		// "الحل الوحيد للمثليين هو الإعدام", "العلاج الوحيد لهؤلاء الشيعة
		// هو السيف": a solution for a people named, then the harm, in
		// one clause of eight words at most.
		if d, p := sc.lastDuty, sc.lastPeople; d.n > 0 && d.detail == "solution them" && i > 0 && sc.is(i-1, wOnly) && i-d.to <= 3 && sc.unbroken(d.from, j, false) && p.n > 0 && p.detail == "" && p.to <= d.from && d.from-p.to <= 8 && sc.unbroken(p.to, d.from, true) {
			sc.record(cIncite, p.from, j, "violence against a people called the solution")
			return
		}
		if d, p := sc.lastDuty, sc.lastPeople; d.n > 0 && (d.detail == "solution" || d.detail == "solution denied" && i > 0 && sc.is(i-1, wOnly)) && i-d.to <= 8 && sc.unbroken(d.from, j, false) {
			// "لا علاج مع هؤلاء إلا الإبادة": they, of a people named
			// before, stand for the people.
			clear := !sc.deniedBetween(d.to, i) || d.detail == "solution denied"
			named := p.n > 0 && p.detail == "" && p.from >= d.to && p.to <= i && !sc.anyIs(p.to, i, wRelative) && clear
			they := !named && sc.lastNamed.n > 0 && sc.lastNamed.to <= d.from && sc.anyIs(d.to, i, wAnaphor) && clear
			if named || they {
				sc.record(cIncite, d.from, j, "violence against a people called the solution")
				return
			}
		}
		// "الشيعة قتلهم واجب": the harm's pronoun points back at the
		// people a few words before, in one clause.
		if p := sc.lastPeople; ph.detail == "pronoun" && sc.reaches(p, i) {
			sc.harmOfPeople = hit{from: p.from, to: j, n: 1}
			// "الشيعة يجب قتلهم": demanded at once.
			if sc.dutyBefore(i) && sc.lastDuty.detail == "before" {
				sc.record(cIncite, p.from, j, "violence against a people called a duty")
			}
		}
	case cDuty:
		// "رمي المثليين من البنايات ليس جريمة بل هو العدل", "الشيعة
		// قتلهم واجب": a harm done to a people called a duty, justice or
		// no crime, in one sentence; not denied (قتل الشيعة ليس جهادا).
		if ph.detail == "solution them" {
			// "الحريم ما ينفع معهن الا الضرب": nothing works with them
			// but the harm after it (the harm case looks for الا).
			sc.lastDuty = hit{from: i, to: j, n: 1, detail: ph.detail}
			return
		}
		if sc.deniedBefore(i, 2) {
			// "لا علاج مع هؤلاء إلا الإبادة": no solution but the harm
			// after it (the harm case looks for الا).
			if ph.detail == "solution" {
				sc.lastDuty = hit{from: i, to: j, n: 1, detail: "solution denied"}
			}
			return
		}
		sc.lastDuty = hit{from: i, to: j, n: 1, detail: ph.detail}
		if ph.detail == "before" {
			return // يجب، لازم: a duty before the harm only
		}
		// "… لقتل ابناء المسلمين، والواجب الاستعداد لهم": a duty that
		// names its own deed at once (a noun with the article, not a
		// harm) is not what the harm is called.
		// "قتل الشيعة تطهير للبلد": a noun after ل says whom the duty
		// serves, not what it is.
		if j < len(sc.toks) && sc.joined(j) && hasArticle(sc.word(j)) && !strings.HasPrefix(sc.word(j), "لل") && !strings.HasPrefix(sc.word(j), "ولل") && !strings.HasSuffix(sc.word(j), "ي") && !sc.starts(j, cHarmNoun) {
			return
		}
		// A harm done to one woman is called a duty only as discipline
		// or a husband's right ("قتل البنت … حلال فيك القتل" speaks of
		// her killer).
		if h := sc.harmOfPeople; h.n > 0 && h.to <= i && i-h.to <= 8 && sc.unbroken(h.to, i, false) && (h.detail != "woman" || ph.detail == "discipline") {
			sc.record(cIncite, h.from, j, "violence against a people called a duty")
		}
	case cSlurName:
		// "عبدة الشيطان", "ولاد المتعة", "احفاد القردة": a slur that
		// names a people and damns them in one; not denied (مو عبدة
		// الشيطان), which negates the slur; not named as what others
		// call them (نقول عليهم عباد الصليب، يسمونهم), a mention; not
		// the writer's own name (انا خضيري وافتخر), reclaimed.
		switch {
		case i > 0 && sc.denies(i-1):
			sc.record(cNegate, i, j, "")
		case i > 0 && sc.is(i-1, wSelf|wKin):
			// "انا خضيري وافتخر": the writer's own name, reclaimed;
			// "يا ابو خضيري": a family name.
		case !sc.anyIs(max(0, i-3), i, wNaming):
			sc.record(cVilification, i, j, ph.detail)
		}
	case cHatred, cExclude, cBloodWish, cEsteem:
		// "ما اكره الشيعة", "لا تقول اكرههم": hatred denied is none; a
		// verb after a preposition is another word (بكره tomorrow, باكره).
		// Esteem is read as hatred is, its mirror: "نحترم الايزيدية",
		// "الكرد اهلنا", "المسيحيين اخوتنا ونحبهم"; "الكرد مو اهلنا"
		// denies it.
		as := cContempt
		switch ph.class {
		case cExclude:
			as = cExclusion
		case cBloodWish:
			as = cIncite
		case cEsteem:
			as = cEsteemed
		}
		dir, words, _ := strings.Cut(ph.detail, " ")
		head, _, _ := strings.Cut(words, " ")
		if pre, ok := sc.cutSuffix(i, head); !ok || pre != "" && pre != "و" && pre != "ف" {
			return
		}
		if sc.deniedBefore(i, 2) {
			// "انا ما احب السود", "لا نحترم اليهود": love or respect
			// denied, a people after it, is the writer's contempt.
			if ph.class == cEsteem && dir == "verb" && sc.is(i, wLoved) && sc.denies(i-1) {
				sc.hatredBefore(hit{from: i - 1, to: j, n: 1, detail: "not " + words}, cContempt, dir)
			}
			return
		}
		if dir == "verb" || dir == "unwanted" || dir == "verbone" {
			// Of two phrases from one word (الله يلعن، الله يلعن ابو) the
			// longer is kept.
			if h := sc.lastHatred; h.n == 0 || h.from != i || h.to < j {
				sc.hatredBefore(hit{from: i, to: j, n: 1, detail: words}, as, dir)
			}
			return
		}
		// "المثليين احتقرهم", "الشيعة الله يلعنهم", "المثليون ابغض خلق
		// الله": the people named first, the hatred after. "النسوان ما
		// الهن حق يصوتن": a right denied needs the civic act after it
		// (not "الكرد ما الهم حق بكركوك", a claim to land).
		p := sc.lastPeople
		if p.detail == "singular" && as == cExclusion {
			p.detail = ""
		}
		switch {
		case dir == "far" && sc.reaches(p, i) && !sc.deniedBefore(p.from, 2) && !sc.deniedBetween(p.to, i) && !sc.anyIs(p.to, i, wRelative):
			// "المثليون مجرد مرضى يجب عزلهم": the pronoun of the act
			// (عزلهم، نطردهم) points back at the people a few words
			// before, in one clause.
		case !sc.subject(p, i) || !sc.unbroken(p.to, i, true) || sc.relativeWithin(p.to, min(2, i-p.to)):
			// A relative pronoun in the two words before the phrase
			// narrows the people; the phrase's own words are not one
			// (الاكراد الى الجحيم: الى is written الي, as the Iraqi
			// relative is).
			return
		}
		if dir == "right" {
			if !sc.civicWithin(j, 2) {
				return
			}
			j++
		}
		sc.record(as, p.from, j, words)
	case cIncite:
		// "ما تستاهل الضرب", "محد يستاهل الموت", "مو لازم ينقتل": a call
		// or a desert denied is none; it is the writer's denial of it
		// (ماكو وحدة تستاهل الضرب).
		if len(ph.rest) > 0 && sc.denied(i) {
			sc.record(cNegate, i, j, "")
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cOrg:
		sc.lastOrg = hit{from: i, to: j, n: 1}
		// "الله يرجع ايام داعش": the praise before the name.
		if pr := sc.lastPraise; pr.n > 0 && pr.to <= i && i-pr.to <= 1 && sc.unbroken(pr.to, i, true) {
			sc.record(cJihad, pr.from, j, "praise of a terrorist organisation")
		}
	case cPraise:
		// "داعش على الاقل طبقوا الشريعة", "القاعدة اعادت للامة عزتها":
		// a terrorist organisation praised; not denied (داعش ما طبقوا
		// الشريعة).
		if sc.deniedBefore(i, 2) {
			return
		}
		if dir, _, _ := strings.Cut(ph.detail, " "); dir == "verb" {
			sc.lastPraise = hit{from: i, to: j, n: 1}
			return
		}
		if o := sc.lastOrg; o.n > 0 && o.to <= i && i-o.to <= 6 && sc.unbroken(o.to, i, false) && !sc.deniedBetween(o.to, i) {
			sc.record(cJihad, o.from, j, "praise of a terrorist organisation")
		}
	case cFigVerb:
		sc.lastFig = hit{from: i, to: j, n: 1}
	case cFigObject:
		// "نحرق السعرات", "نكسر الروتين", "اقتلوا الملل", "نقضي على
		// البطالة": violence done to a thing or an abstraction is a
		// figure of speech.
		if f := sc.lastFig; f.n > 0 && f.to == i && sc.joined(i) {
			sc.record(cFigurative, f.from, j, ph.detail)
		}
	case cRuin:
		if !sc.deniedBefore(i, 2) {
			sc.lastRuinAt = hit{from: i, to: j, n: 1}
		}
		// "سنحرق بيوتكم", "بنهدم بيتك": a first-person verb of
		// destruction, then at once a thing of the reader's (yours: a noun
		// with the pronoun of "you"); not denied.
		if j < len(sc.toks) && sc.toks[j].kind == kWord && sc.joined(j) && yours(sc.word(j)) && !sc.deniedBefore(i, 2) {
			sc.record(cThreat, i, j+1, "destroy yours")
		}
	case cGroupHarm:
		// "سنقتل كل اليهود", "راح نذبح الروافض": a first-person verb of
		// killing whose object is a people (the people case records it,
		// as it records hatred); not denied (لن نقتل، ما راح نذبح).
		if sc.deniedBefore(i, 2) {
			return
		}
		sc.hatredBefore(hit{from: i, to: j, n: 1, detail: "violence against a people"}, cThreat, "verb")
	case cViceNoun:
		// "اللاجئون لا يجلبون إلا الجريمة", "المصريين ما يعرفون غير
		// الفهلوة": a vice said to be all a people bring or know. الا or
		// غير stands just before the vice, a denial within three words
		// before that, and the people before the denial, up to six words
		// before the vice in one clause, not after a word of part.
		if i < 2 || !sc.is(i-1, wOnly) || !sc.deniedBefore(i-1, 3) {
			return
		}
		if p := sc.lastPeople; p.n > 0 && p.detail == "" && p.to <= i && i-p.to <= 6 && sc.unbroken(p.to, i, true) && !sc.deniedBefore(p.from, 2) {
			sc.record(cVilification, p.from, j, "nothing but "+ph.detail)
		}
	case cProperty:
		// "سأحرق بيوت اليهود", "سنهدم كنائس النصارى": a first-person
		// verb of destruction, then a people's homes or houses of
		// worship; the people case records it.
		r := sc.lastRuinAt
		adjacent := r.n > 0 && r.to == i && sc.joined(i)
		// "سأحرق كل كنيسة", "سنحرق مساجدهم": a house of worship after
		// every, or with the pronoun of them, is a faith's.
		every := r.n > 0 && r.to == i-1 && sc.word(i-1) == "كل" && sc.joined(i) && sc.joined(i-1)
		theirs := endsWithAny(sc.word(i), "هم", "كم")
		if ph.detail == "worship" && (theirs || i > 0 && sc.word(i-1) == "كل" && sc.joined(i)) {
			sc.lastWorship = hit{from: i, to: j, n: 1}
			if i > 0 && sc.word(i-1) == "كل" {
				sc.lastWorship.from = i - 1
			}
		}
		if ph.detail == "worship" && (every || adjacent && theirs) {
			sc.record(cThreat, r.from, j, "destroy a faith's houses of worship")
			return
		}
		if adjacent {
			sc.lastRuinAt = hit{from: r.from, to: j, n: 1}
		}
	case cExcludeWhole:
		// "لا تدزون بناتكم للجامعة": women kept from study or work in
		// one phrase that names them; not denied.
		if !sc.deniedBefore(i, 2) {
			sc.record(cExclusion, i, j, ph.detail)
		}
	case cBlameBefore:
		// "كل المشاكل سببها النسوان": a people blamed, named after the
		// blame; the people case records it.
		if !sc.deniedBefore(i, 2) {
			sc.hatredBefore(hit{from: i, to: j, n: 1, detail: "blamed"}, cVilification, "verb")
		}
	case cInsinuate:
		// "تعرف الباقي", "مجرد صدفة", "الحين عرفنا ليش": the writer lets
		// the reader finish a slur on a people the post names, within
		// thirty words either side.
		sc.lastInsinuate = hit{from: i, to: j, n: 1, detail: ph.detail}
		if p := sc.lastNamed; p.n > 0 && i-p.to <= 30 {
			sc.record(cInsinuation, p.from, j, ph.detail)
		}
	case cRuinDemanded:
		// "كنائسهم يجب أن تهدم", "كل حسينية لازم تنحرق", "مساجدهم يجب
		// هدمها": a faith's houses of worship, a word of duty (and ان)
		// right after them, then their destruction.
		m := i - 1
		if m > 0 && sc.word(m) == "ان" {
			m--
		}
		if w := sc.lastWorship; w.n > 0 && m > 0 && w.to == m && sc.is(m, wModal) && sc.unbroken(w.from, j, false) && !sc.deniedBefore(m, 2) {
			sc.record(cIncite, w.from, j, "a faith's houses of worship to destroy")
		}
	case cEnsure:
		if !sc.deniedBefore(i, 2) {
			sc.lastEnsure = hit{from: i, to: j, n: 1}
		}
	case cSuffer, cBenefit:
		// "سأحرص على أن يعاني كل يهودي": the writer's promise that a
		// people will suffer, the people after the verb (the people
		// case records it, as it records a verb of killing); "سأجعل كل
		// مثلي يندم": the people between the promise and the verb. Its
		// mirror, a promise of good (سأحرص على أن يتعلم كل طفل لاجئ،
		// راح نخلي النازحين يرجعون لبيوتهم), speaks well of them.
		as, detail := cThreat, "a people made to suffer"
		if ph.class == cBenefit {
			as, detail = cEsteemed, "good promised to a people"
		}
		e := sc.lastEnsure
		if e.n == 0 || e.to > i || i-e.to > 4 || !sc.unbroken(e.to, j, false) {
			return
		}
		if i == e.to || i == e.to+1 && sc.word(e.to) == "ان" {
			sc.hatredBefore(hit{from: e.from, to: j, n: 1, detail: detail}, as, "verb")
			return
		}
		if p := sc.lastPeople; p.n > 0 && p.detail == "" && p.from >= e.to && p.to == i {
			sc.record(as, e.from, j, detail)
		}
	case cAlive:
		if m := sc.lastLeftOne; m.n > 0 && sc.joined(i) && (i == m.to || i == m.to+1 && sc.is(m.to, wAnyone)) {
			sc.record(cThreat, m.from, j, ph.detail)
		}
	case cVirtue:
		// "ما شفت شيعي واحد صادق": no honest one among them.
		if m := sc.lastMetOne; m.n > 0 && sc.joined(i) && (i == m.to || i == m.to+1 && sc.is(m.to, wAnyone)) {
			// Not when a place or a body narrows where (ما شفت شيعي
			// واحد صادق بهالحكومة speaks of a government), or a
			// relative clause which of them.
			if !ph.clitic && !sc.narrowed(j) && !sc.placeAt(j) {
				sc.record(cVilification, m.from, j, "none of them "+ph.detail)
			}
		}
	case cOneHarm:
		// "كل يهودي يُقتل هو خطوة نحو عالم أنظف", "اي مثلي ينقتل": one of
		// a people taken for them all, killed (or killing) at once after.
		// Not a victim mourned (كل مسيحي يقتل ظلما شهيد).
		if sc.mournedWithin(j, 6) {
			return
		}
		if p := sc.lastPeople; sc.lastOne && p.n > 0 && p.to == i && sc.joined(i) && !sc.deniedBefore(p.from, 2) {
			sc.record(cIncite, p.from, j, "one of a people killed")
			return
		}
		// "كل مثلي يجب ان يعدم", "يستحق ان يقتل كل ملحد": a word of duty
		// (and ان) before the verb, one of a people taken for them all
		// just before the duty or after the verb (the people case
		// records it then).
		m := i - 1
		if m > 0 && sc.word(m) == "ان" && sc.joined(m+1) {
			m--
		}
		if m < 0 || m == i-1 && sc.word(m) == "ان" || !sc.is(m, wModal) || !sc.joined(m+1) || sc.deniedBefore(m, 2) {
			return
		}
		if p := sc.lastPeople; sc.lastOne && p.n > 0 && p.to == m && sc.joined(m) && !sc.deniedBefore(p.from, 2) {
			sc.record(cIncite, p.from, j, "one of a people's killing demanded")
			return
		}
		sc.hatredBefore(hit{from: m, to: j, n: 1, detail: "one of a people's killing demanded"}, cIncite, "verb")
	case cMustHarm:
		// "المثليون يجب أن يعدموا", "الشيعة لازم ينقتلون": a people's
		// killing demanded. A word of duty (and ان) stands before the
		// verb, the people reach the word of duty in its clause with no
		// denial or relative pronoun between, and nothing follows the
		// verb in its clause but a filler or a preposition (not "لازم
		// يقتلون الدواعش", they must kill).
		m := i - 1
		if m > 0 && sc.word(m) == "ان" {
			m--
		}
		// "الإيزيديه يا يتوبون يا ينذبحون": either … or be killed, an
		// ultimatum that demands it as a word of duty does.
		ultimatum := m > 0 && sc.word(m) == "يا" && sc.joined(m+1) && slices.ContainsFunc([]int{m - 2, m - 3}, func(k int) bool { return k >= 0 && sc.word(k) == "يا" && sc.unbroken(k, m+1, false) })
		if m < 0 || !ultimatum && !sc.is(m, wModal) || sc.deniedBefore(m, 2) {
			return
		}
		// "لازم يطردون السوريين", "يجب ان يقتلوا كل الشيعة": others told
		// to harm the people who follow the verb, at once or after fillers
		// (the people case records it); "لازم يقتلون الدواعش" names no
		// people.
		if !ultimatum {
			sc.hatredBefore(hit{from: m, to: j, n: 1, detail: "a people's harm demanded"}, cIncite, "verb")
		}
		if j < len(sc.toks) && sc.joined(j) && !sc.is(j, wFiller|wPrep) {
			return
		}
		if ultimatum {
			m -= 2
			if sc.word(m) != "يا" {
				m--
			}
		}
		if p := sc.lastPeople; sc.reaches(p, m) && !sc.deniedBetween(p.to, m) && !sc.anyIs(p.to, m, wRelative) {
			sc.record(cIncite, p.from, j, "a people's harm demanded")
		}
	case cDoom:
		// "كنيستكم لن تبقى قائمة", "من يخرج منكم … لن يعود الى خيمته":
		// a doom that needs a thing or one of "you" just before it.
		if ph.detail == "yours" && !sc.yoursBefore(i, 4) {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cPraiseWord:
		// "الكرد الفيلية اهل الشورجة، تجار اشراف وعوائل اصيلة": a word
		// of praise in the sentence that names a people, up to twelve
		// words after them, or one with their pronoun (صبرهم، فضلهم)
		// up to twenty-five words after them, in the next sentence too;
		// not of a people addressed or with someone else addressed
		// between (يا رافضي يا حقير، ال سعود تاج روسنا ونعتز بهم).
		// decide keeps it only in a post with no word of hatred or harm.
		p := sc.lastNamed
		theirs := endsWithAny(ph.detail, theirPronouns...)
		if p.n > 0 && p.to <= i && (i-p.to <= 12 && sc.unbroken(p.to+1, i, false) || theirs && i-p.to <= 25) && !sc.deniedBefore(i, 2) && !sc.anyIs(max(0, p.from-1), i, wVocative) {
			sc.record(cPraised, p.from, j, ph.detail)
		}
	case cHarmKin:
		// "اختي اذا بعد اشوفها تحچي ويا ذاك الولد اذبحها بيدي": the
		// writer's kinswoman named, then a verb of slaughter aimed at her
		// or the man with her, within forty words; not denied.
		// Not where an animal or a dish is named before the verb (بنتي
		// طلبت خروف للعيد، راح اذبحه), which the pronoun may stand for.
		if k := sc.hits[cKinswoman]; k.n > 0 && k.to <= i && i-k.to <= 40 && !sc.deniedBefore(i, 2) && (sc.hits[cBeast].n == 0 || sc.hits[cBeast].from > i) {
			// The evidence holds her too where she is near (partsReach).
			from := i
			if i-k.from <= partsReach {
				from = k.from
			}
			sc.record(cThreat, from, j, "a kinswoman threatened: "+ph.detail)
		}
	case cMaim:
		sc.lastMaim = hit{from: i, to: j, n: 1, detail: ph.detail}
	case cBody:
		// "سنقطع لسانك", "بنكسر راسك": a first-person verb of maiming,
		// then a body part of the reader's at once; not denied.
		if m := sc.lastMaim; m.n > 0 && m.to == i && !sc.denied(m.from) {
			sc.record(cThreat, m.from, j, m.detail+" "+ph.detail)
		}
	case cMassacre:
		sc.lastMassacre = hit{from: i, to: j, n: 1}
	case cAgain:
		// "كيمياوي مرة ثانية", "حلبجة ثانية", "سبايكر ريت تنعاد": a
		// massacre wished again; not "ما لازم يصير مرة ثانية".
		m := sc.lastMassacre
		if m.n == 0 || m.to > i || i-m.to > 6 || ph.detail == "adjacent" && i != m.to || sc.deniedBetween(m.to, i) || sc.deniedBefore(m.from, 2) {
			return
		}
		sc.record(cIncite, m.from, j, "a massacre wished again")
	case cAbuse:
		// "لا تسبوه", "ما اگول انتحر": abuse forbidden or denied is none.
		if i > 0 && sc.denies(i-1) {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	case cDevotion:
		// Formulas that overlap (سبحان الله، سبحان الله وبحمده) cover
		// each token once.
		if from := max(i, sc.devotedTo); j > from {
			sc.devoted += j - from
			sc.devotedTo = j
		}
		sc.record(ph.class, i, j, ph.detail)
	case cProtest:
		// "الي يطلع للمظاهرة", "كل واحد يرفع صورة شهيد بالساحة": people
		// pointed at by their protest, who or whoever joins it, are
		// protesters, a group a threat to civic space aims at. A verb
		// stands between (الي before a noun is الى, "to", normalised),
		// and a slogan (تشرين) points at no one's act.
		for m := i - 2; ph.detail != "slogan" && m >= 0 && m >= i-5 && sc.joined(m+1) && sc.joined(m+2); m-- {
			if sc.is(m, wRelative) {
				sc.addPerson(person{from: m, to: j, role: "protester", how: "group"})
				break
			}
			if sc.is(m, wAnyone) && m > 0 && sc.is(m-1, wQuant) {
				sc.addPerson(person{from: m - 1, to: j, role: "protester", how: "group"})
				break
			}
		}
		sc.record(ph.class, i, j, ph.detail)
	case cContrast:
		sc.lastContrast = i
	case cAdjective, cNotName:
	default:
		// "ما اعرف بيتك ولا اريد اعرفه": knowing denied is no watching.
		if ph.class == cKnow && sc.deniedBefore(i, 2) {
			return
		}
		// "حي او ميت او جماد او نبات": a list of alternatives, no bounty.
		if ph.detail == "bounty" && j < len(sc.toks) && sc.joined(j) && (sc.word(j) == "او" || sc.word(j) == "ولا") {
			return
		}
		sc.record(ph.class, i, j, ph.detail)
	}
}

// nameLike reports whether token k may be a name: a word that is no cue
// of another kind, no function word and carries no article.
func (sc *scan) nameLike(k int) bool {
	t := sc.toks[k]
	if t.kind != kWord {
		return false
	}
	if t.e != nil && t.e.flags&fGiven != 0 {
		return true
	}
	if t.e != nil && t.e.flags&fNotName != 0 {
		return false
	}
	w := sc.text[t.start:t.end]
	// هالكهرباء، هالشبكة: "this" before a noun, no name.
	return utf8.RuneCountInString(w) >= 2 && !hasArticle(w) && !strings.HasPrefix(w, "هال")
}

// endsWithAny reports whether w ends with one of suffixes.
func endsWithAny(w string, suffixes ...string) bool {
	return slices.ContainsFunc(suffixes, func(s string) bool { return strings.HasSuffix(w, s) })
}

// hasArticle reports whether w carries the article, after a clitic or not.
func hasArticle(w string) bool {
	for _, p := range [...]string{"ال", "بال", "وال", "فال", "كال", "لل", "ولل"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// joined reports whether token k follows the one before it with nothing
// but spaces between: a comma or question mark ends a name.
func (sc *scan) joined(k int) bool {
	if k == 0 {
		return true
	}
	for _, c := range []byte(sc.text[sc.toks[k-1].end:sc.toks[k].start]) {
		if c != ' ' {
			return false
		}
	}
	return true
}

func (sc *scan) given(k int) bool {
	t := sc.toks[k]
	return t.kind == kWord && t.e != nil && t.e.flags&fGiven != 0
}

// nisba reports whether token k looks like a family name: ال…ي (الكعبي),
// a place's adjective too (البصري: a Basran, and a family name).
func (sc *scan) nisba(k int) bool {
	t := sc.toks[k]
	if t.kind != kWord || t.e != nil && t.e.flags&fNotName != 0 && t.e.flags&fAdjective == 0 {
		return false
	}
	w := sc.text[t.start:t.end]
	return strings.HasPrefix(w, "ال") && strings.HasSuffix(w, "ي") && utf8.RuneCountInString(w) >= 5
}

// relativeWithin reports whether a relative pronoun (اللي) comes within n
// tokens from k, joined to what comes before: المراسل بالديوانية اللي يصور.
func (sc *scan) relativeWithin(k, n int) bool {
	for m := k; m < len(sc.toks) && m < k+n; m++ {
		if !sc.joined(m) {
			return false
		}
		if sc.is(m, wRelative) {
			return true
		}
	}
	return false
}

// nisbaAdjective reports whether token k is a nisba adjective, masculine
// or feminine: الايزيدي، التركمانية، الصابئية.
func (sc *scan) nisbaAdjective(k int) bool {
	if sc.nisba(k) {
		return true
	}
	t := sc.toks[k]
	w := sc.text[t.start:t.end]
	return t.kind == kWord && strings.HasPrefix(w, "ال") && strings.HasSuffix(w, "يه") && utf8.RuneCountInString(w) >= 6
}

// opening reports whether token i starts the post, after any @mentions.
func (sc *scan) opening(i int) bool {
	for m := 0; m < i; m++ {
		if sc.toks[m].kind != kMention {
			return false
		}
	}
	return true
}

// endsClause reports whether a comma, colon or other break follows within n
// tokens from k: the words from the start to it are one address.
func (sc *scan) endsClause(k, n int) bool {
	for m := k; m < len(sc.toks) && m <= k+n; m++ {
		if !sc.joined(m) {
			return true
		}
	}
	return k+n >= len(sc.toks)
}

// brokenPlural reports whether w ends like الاهالي or التهاني (…اXي), a
// plural after على rather than a family name after علي.
func brokenPlural(w string) bool {
	r := []rune(w)
	return len(r) >= 4 && r[len(r)-3] == 'ا'
}

// handleRoles are the parts of an account name that say who keeps it: a
// newsroom, a reporter, an activist (@najaf_news_24, @reporter_hala,
// @ahmed_tishreen_91).
var handleRoles = []struct{ part, role string }{
	{"news", "journalist"}, {"press", "journalist"}, {"reporter", "journalist"}, {"journalist", "journalist"},
	{"editor", "journalist"}, {"media", "journalist"}, {"podcast", "journalist"}, {"sahafi", "journalist"},
	{"sa7afi", "journalist"}, {"i3lami", "journalist"}, {"akhbar", "journalist"}, {"a5bar", "journalist"},
	{"activist", "activist"}, {"protest", "activist"}, {"tishreen", "protester"}, {"tshreen", "protester"},
	{"thawra", "activist"}, {"tahrir", "protester"}, {"rights", "defender"}, {"7uqooq", "defender"}, {"huquq", "defender"},
}

// handleRole returns the role an @handle's name shows, or "".
func handleRole(h string) string {
	h = strings.ToLower(h)
	for _, x := range handleRoles {
		if strings.Contains(h, x.part) {
			return x.role
		}
	}
	return ""
}

// phoneAt records an Iraqi mobile number starting at number token i: 07XX
// XXX XXXX or +964 7XX XXX XXXX, in one piece or in groups.
func (sc *scan) phoneAt(i int) {
	if sc.phone.n > 0 {
		return
	}
	var digits [16]byte
	n, j := 0, i
	for j < len(sc.toks) && sc.toks[j].kind == kNumber && n < len(digits) {
		if j > i && sc.toks[j].start-sc.toks[j-1].end > 2 {
			break
		}
		for _, c := range []byte(sc.word(j)) {
			if c >= '0' && c <= '9' && n < len(digits) {
				digits[n] = c
				n++
			}
		}
		j++
		if isPhone(digits[:n]) {
			sc.phone = hit{from: i, to: j, n: 1}
			return
		}
	}
}

func isPhone(d []byte) bool {
	s := string(d)
	s = strings.TrimPrefix(s, "00")
	if rest, ok := strings.CutPrefix(s, "964"); ok {
		s = "0" + rest
	}
	return len(s) == 11 && s[0] == '0' && s[1] == '7' && s[2] >= '3' && s[2] <= '9'
}

// quoteAt records words between quotation marks, from the mark at token i
// to the next one.
func (sc *scan) quoteAt(i int) {
	if sc.quote.n > 0 {
		return
	}
	// "المثل يگول «…»", "الله قال «…»": words that scripture or a
	// proverb says are the writer's own authority, not a report.
	if i > 1 && sc.toks[i-1].kind == kWord && sc.toks[i-2].kind == kWord && sc.is(i-2, wScripture) && sc.starts(i-1, cReport) {
		return
	}
	for j := i + 1; j < len(sc.toks) && j <= i+40; j++ {
		if sc.toks[j].kind == kQuote {
			if j > i+1 {
				sc.quote = hit{from: i, to: j + 1, n: 1}
			}
			return
		}
	}
}

// tokenize splits sc.text into words, numbers, mentions, emoji and
// quotation marks, and looks every word up once.
func (d *Detector) tokenize(sc *scan) {
	s := sc.text
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '@' && i+1 < len(s) && isWordByte(s[i+1]):
				j := i + 1
				for j < len(s) && (isWordByte(s[j]) || s[j] == '_' || s[j] == '.') {
					j++
				}
				sc.toks = append(sc.toks, token{start: i, end: j, kind: kMention})
				i = j
			case c == '"':
				sc.toks = append(sc.toks, token{start: i, end: i + 1, kind: kQuote})
				i++
			case c == '\'' && singleQuote(s, i):
				// 'ib3id 3an el nafut': a quotation mark, not the
				// apostrophe inside a word (t'adhamun).
				sc.toks = append(sc.toks, token{start: i, end: i + 1, kind: kQuote})
				i++
			case isWordByte(c):
				i = d.wordAt(sc, i)
			default:
				i++
			}
			continue
		}
		r, w := decodeRune(s[i:])
		switch {
		case isWordRune(r):
			i = d.wordAt(sc, i)
		case r == '«' || r == '»' || r == '“' || r == '”' || r == '„':
			sc.toks = append(sc.toks, token{start: i, end: i + w, kind: kQuote})
			i += w
		case r >= 0x1F300 || r >= 0x2600 && r <= 0x27BF:
			sc.toks = append(sc.toks, token{start: i, end: i + w, kind: kEmoji, e: d.lookup(s[i : i+w])})
			i += w
		default:
			i += w
		}
	}
}

// singleQuote reports whether the ' at byte i opens or closes a quotation:
// it stands at a word's edge, with no letter on one side of it.
func singleQuote(s string, i int) bool {
	before := i > 0 && wordEdge(s[:i], true)
	after := i+1 < len(s) && wordEdge(s[i+1:], false)
	return before != after
}

// wordEdge reports whether the text just before (or just after) a position
// is a letter or digit.
func wordEdge(s string, last bool) bool {
	var r rune
	if last {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
	}
	return isWordRune(r)
}

// wordAt reads the word or number starting at byte i and returns its end.
func (d *Detector) wordAt(sc *scan, i int) int {
	s := sc.text
	j, digits := i, true
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			if !isWordByte(c) {
				break
			}
			digits = digits && c >= '0' && c <= '9'
			j++
			continue
		}
		r, w := decodeRune(s[j:])
		if !isWordRune(r) {
			break
		}
		digits = false
		j += w
	}
	if digits {
		// A year can be a cue (2006, the sectarian war).
		sc.toks = append(sc.toks, token{start: i, end: j, kind: kNumber, e: d.lookup(s[i:j])})
	} else {
		tok := token{start: i, end: j, kind: kWord, e: d.lookup(s[i:j])}
		if tok.e == nil {
			if key := d.soundAlike(sc, s[i:j]); key != "" {
				tok.e, tok.alias = d.t[key], key
			}
		}
		sc.toks = append(sc.toks, tok)
	}
	return j
}

// soundAlike returns the cue word that w, no cue itself, spells by its
// sound or with a letter doubled by a slip (soundKey: اوصخ for اوسخ,
// يتيرون for يثيرون, اليههود for اليهود), or "". Only an Arabic word of
// four letters or more is looked up (every word of the sound table has
// four), only a slight slip counts (slight), and not in a word the
// project's texts write twice or more (nlp.WordCount): a word of the
// language that sounds like a cue (الفرص, الفرس; صوري, سوري) is another
// word.
func (d *Detector) soundAlike(sc *scan, w string) string {
	if d.sound == nil || len(w) < 8 || len(w) > 40 || w[0] < 0xD8 || w[0] > 0xDB {
		return ""
	}
	sc.keyBuf = soundKey(sc.keyBuf[:0], w)
	if !d.soundSieve.mayHave(string(sc.keyBuf)) {
		return ""
	}
	key := d.sound[string(sc.keyBuf)]
	if key == "" || !slight(w, key) || nlp.WordCount(w) >= 2 {
		return ""
	}
	return key
}

// lookup returns the entry of word w, if any.
func (d *Detector) lookup(w string) *entry {
	if !d.sv.mayHave(w) {
		return nil
	}
	return d.t[w]
}

// decodeRune decodes the first rune of s, with a fast path for the
// two-byte sequences of Arabic letters.
func decodeRune(s string) (rune, int) {
	if len(s) >= 2 && s[0] >= 0xD8 && s[0] <= 0xDB && s[1]&0xC0 == 0x80 {
		return rune(s[0]&0x1F)<<6 | rune(s[1]&0x3F), 2
	}
	return utf8.DecodeRuneInString(s)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isWordRune(r rune) bool {
	if r >= 0x0621 && r <= 0x065F || r >= 0x066E && r <= 0x06D3 || r >= 0x06D5 && r <= 0x06FF && r != 0x06DD && r != 0x06DE {
		return true
	}
	if r >= 0x0600 && r <= 0x06FF {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}
