package signals

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
	"github.com/rasd-iq/rasd/policy"
)

// Posts written in Arabizi ("sajjad el ka3bi, re9a9a wa7da tikfeek") are
// read a second time through nlp.ReadArabizi, which writes every Latin word
// in Arabic letters. Arabizi spells by ear, so a transliterated word rarely
// equals the cue's Arabic spelling ("tikfeek" → تيكفيك, not تكفيك): words
// that came from Latin letters are matched by their consonant skeleton
// against a second table of the cues' skeletons, in which long vowels, the
// hamza and doubled letters are dropped and the letters Arabizi writes
// alike (ث ت ط، ذ د ض ظ، س ص، ق غ) are folded.

// A Latin word with a doubled w (n9awwitla, "we vote for him") has a
// consonant و, a letter of its root, which the skeleton drops as it drops
// long vowels: such a word matches a cue by skeleton only when a cue word
// with that skeleton has a و too (nmawwtak → نموتك, not n9awwitla → نقتله).

// skeleton returns the consonant skeleton of a normalised Arabic word, or
// the word itself when nothing would be left of it (و، يا).
func skeleton(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	prev := rune(-1)
	for _, r := range w {
		switch r = foldLetter(r); r {
		case 'ا', 'و', 'ي':
			continue
		}
		if r == prev {
			continue
		}
		prev = r
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return w
	}
	return b.String()
}

// foldLetter writes the letters Arabizi spells alike as one: ث ط as ت,
// ذ ض ظ as د, ص as س, ة as ه, غ as ق (8 is ق in Iraqi and Gulf Arabizi, غ
// elsewhere), the hamza's seats and ى as the long vowel they stand for.
func foldLetter(r rune) rune {
	switch r {
	case 'ث', 'ط':
		return 'ت'
	case 'ذ', 'ض', 'ظ':
		return 'د'
	case 'ص':
		return 'س'
	case 'ة':
		return 'ه'
	case 'غ':
		return 'ق'
	case 'ى', 'ئ':
		return 'ي'
	case 'ؤ':
		return 'و'
	case 'ء', 'آ', 'أ', 'إ':
		return 'ا'
	}
	return r
}

// cueSkeleton returns the skeleton of a cue word as written in the main
// table: Arabic words directly, Latin ones (kak, tishreen) after reading
// them as Arabizi.
func cueSkeleton(w string) string {
	if w = cueArabic(w); w == "" {
		return ""
	}
	return skeleton(w)
}

// cueArabic returns a cue word in Arabic letters: Arabic words as they are,
// Latin ones read as Arabizi, or "" when the reading is not one word.
func cueArabic(w string) string {
	if r, _ := utf8.DecodeRuneInString(w); r < 0x0600 || r > 0x06FF {
		w = strings.TrimSpace(nlp.NormalizeArabizi(w))
		if w == "" || strings.ContainsRune(w, ' ') {
			return ""
		}
	}
	return w
}

// commonArabizi are frequent Arabizi words whose reading by ear has the
// skeleton of a word of hate: 3ala, 3ola (على, on) read عله, the skeleton
// of عالة (a burden); 3amal, 3amol (عمل, work; عامل, worker) that of
// عملاء (agents).
var commonArabizi = []string{"3ala", "3ola", "3ula", "3la", "3alah", "3amal", "3amol", "3amil", "3aamil", "3mal"}

// skeletonTable returns the table of t's cues by consonant skeleton. A
// skeleton says less than a spelling, so only cues that stay distinctive
// are kept: phrases of two words or more, verb forms whose first letter is
// a consonant (نقتلك, not اقتله, whose skeleton is the noun قتله) and
// whose skeleton has five letters or more, and the roles, groups, given
// names and kinds of work that find a person.
//
// A single cue word (other than a role, group, name or kind of work) whose
// skeleton a function word or a frequent Arabizi word (commonArabizi) also
// has is left out: kulla, kollha (كله، كلها) read as كله, the skeleton of
// الكاولية.
func skeletonTable(t table, fw functionWords) table {
	st := table{}
	common := map[string]bool{}
	for w := range fw {
		common[skeleton(w)] = true
	}
	for _, w := range commonArabizi {
		if a := cueArabic(w); a != "" {
			common[skeleton(a)] = true
		}
	}
	// In key order: the table is the same on every start, whatever the
	// map's iteration order.
	for _, key := range slices.Sorted(maps.Keys(t)) {
		e := t[key]
		a := cueArabic(key)
		if a == "" {
			continue
		}
		k := skeleton(a)
		n := utf8.RuneCountInString(k)
		var kept []phrase
		for _, ph := range e.phrases {
			switch {
			case ph.clitic:
				// A clitic only adds a consonant to the skeleton: لعدوا
				// ايامكم reads as el 3eed, ayamkom (the feast, your days).
				continue
			case ph.class == cReport && n < 2:
				// la yakul (لا ياكل, does not eat) has the skeleton of
				// الي يكول (who says): a report that starts with a word
				// of one consonant is no evidence by ear.
				continue
			case len(ph.rest) > 0 && n+len(strings.Join(ph.rest, ""))/2 >= 5:
			case ph.class == cContrast && len(ph.rest) == 0:
				// bas, lakin: a "but" is short, and it only ever takes a
				// protection back (unity or a denial of hatred).
			case (ph.class == cAvow || ph.class == cNegate) && len(ph.rest) > 0:
				// ma akrah, lon aakol: the writer's denial, short as it
				// is, keeps what follows from counting.
			case n < 3:
				continue
			case ph.class == cRole || ph.class == cGroup || ph.class == cGiven || ph.class == cWork:
			case common[k] && len(ph.rest) == 0:
				continue
			case (ph.class == cVilify || ph.class == cVermin) && len(ph.rest) == 0 && strings.HasPrefix(a, "ي"):
				// يغدرون, a verb: its skeleton drops the ي and is that of
				// yegdron (يقدرون, they can).
				continue
			case ph.class == cPeople || ph.class == cVermin || ph.class == cVilify || ph.class == cHatred || ph.class == cExclude || ph.class == cBloodWish || ph.class == cEsteem:
				// el shi3a kilab, akrah el kurd: a people and what is
				// said of them.
			case (ph.class == cOne || ph.class == cVilifyOne || ph.class == cVerminOne || ph.class == cViceNoun) && n >= 4:
				// kol yahoodi khayin, la yjeeboon ila el jareema: one of a
				// people, what damns them, a vice; since 2026-12-07.
			case (ph.class == cThreat || ph.class == cIncite || ph.class == cGroupHarm || ph.class == cMustHarm) && !ph.clitic && !strings.HasPrefix(key, "ا") && n >= 5:
				// A clitic before a verb form only adds a consonant to
				// its skeleton (لاضربوه reads as the tax, الضريبة).
			default:
				continue
			}
			kept = append(kept, ph)
		}
		if len(kept) == 0 {
			continue
		}
		se := st[k]
		if se == nil {
			se = &entry{}
			st[k] = se
		}
		se.flags |= e.flags
		if hasInnerWaw(a) {
			se.flags |= fWaw
		}
	next:
		for _, ph := range kept {
			rest := make([]string, 0, len(ph.rest))
			for _, w := range ph.rest {
				s := cueSkeleton(w)
				if s == "" {
					continue next
				}
				rest = append(rest, s)
			}
			for qi := range se.phrases {
				if q := &se.phrases[qi]; q.class == ph.class && q.detail == ph.detail && slices.Equal(q.rest, rest) {
					// The skeleton drops the article's alef: الصحفية and
					// لصحفية (to a journalist) share one, and the article
					// reading, which Arabizi's joined "el" gives, is kept.
					q.definite = q.definite || ph.definite
					continue next
				}
			}
			ph.rest = rest
			se.phrases = append(se.phrases, ph)
		}
	}
	return st
}

// readArabizi scans the Arabizi reading r of a post and returns the
// signals found there whose names are not in have, with evidence spans in
// the post's original text.
func (d *Detector) readArabizi(r *nlp.Result, have []policy.Signal) []policy.Signal {
	sc := getScan()
	defer putScan(sc)
	sc.reading = r
	d.scan(sc, r.Text)
	if !slices.ContainsFunc(sc.found, func(f found) bool { return harmful(f.name) }) &&
		!slices.ContainsFunc(have, func(s policy.Signal) bool { return harmful(s.Name) }) {
		// Only a post with the words of a threat, a call to harm, a
		// terrorist slogan, doxxing or blackmail is worth a reading that
		// spells by ear: the reading may find them, or find that the post
		// quotes them to condemn them.
		return nil
	}
	return sc.signalsIn(r, have, func(found) bool { return true })
}

// signalsIn returns the signals sc found in the reading r that keep
// accepts and whose names are not in have, with evidence spans in the
// post's original text.
func (sc *scan) signalsIn(r *nlp.Result, have []policy.Signal, keep func(found) bool) []policy.Signal {
	var out []policy.Signal
	for _, f := range sc.found {
		if !keep(f) || slices.ContainsFunc(have, func(s policy.Signal) bool { return s.Name == f.name }) {
			continue
		}
		s, e := r.OriginalRange(f.start, f.end)
		out = append(out, policy.Signal{Name: f.name, Start: s, End: e, Detail: f.detail})
	}
	return out
}

// readArabiziWords scans the word-list reading of an Arabizi post
// (nlp.ReadArabiziWords) as a post written in Arabic letters and returns
// the signals found there whose names are not in have.
func (d *Detector) readArabiziWords(original string, have []policy.Signal) []policy.Signal {
	r := nlp.ReadArabiziWords(original)
	if r == nil {
		return nil
	}
	sc := getScan()
	defer putScan(sc)
	d.scan(sc, r.Text)
	firstHarm := -1
	for _, f := range sc.found {
		if harmful(f.name) && (firstHarm < 0 || f.start < firstHarm) {
			firstHarm = f.start
		}
	}
	return sc.signalsIn(r, have, func(f found) bool {
		switch {
		case harmful(f.name), f.name == Negation, f.name == Esteem, f.name == CondemnedQuote:
			return true
		case f.name == Quotation:
			// A report before the words of harm (kotob a7adhum 2an …):
			// a reading by ear finds a reporting verb in a word that is
			// none (yakul, eats, read يقول) as often after them.
			return firstHarm >= 0 && f.start < firstHarm
		}
		return false
	})
}

// fromLatin reports whether the word at byte i of the reading was written
// in Latin letters or Arabizi digits.
func (sc *scan) fromLatin(i int) bool {
	r := sc.reading
	if i >= len(r.Offsets) {
		return false
	}
	o := r.Offsets[i]
	return o < len(r.Original) && r.Original[o] < utf8.RuneSelf && isWordByte(r.Original[o])
}

// hasInnerWaw reports whether a cue word has a و after its first letter: a
// leading و is most often the conjunction that the table adds to every cue
// (ونقتلهم), not a consonant of the word.
func hasInnerWaw(w string) bool {
	_, n := utf8.DecodeRuneInString(w)
	return strings.ContainsRune(w[n:], 'و')
}

// doubledW reports whether the Latin word behind byte i of the reading
// has a doubled w, a consonant و that the skeleton drops.
func (sc *scan) doubledW(i int) bool {
	r := sc.reading
	o := r.Offsets[i]
	start, end := o, o
	for start > 0 && isWordByte(r.Original[start-1]) {
		start--
	}
	for end < len(r.Original) && isWordByte(r.Original[end]) {
		end++
	}
	return strings.Contains(strings.ToLower(r.Original[start:end]), "ww")
}

// skeletonKeys sets the match key of every token of an Arabizi reading,
// and looks the words that came from Latin letters up by skeleton.
func (d *Detector) skeletonKeys(sc *scan) {
	sc.keys, sc.alts = sc.keys[:0], sc.alts[:0]
	for i := range sc.toks {
		t := &sc.toks[i]
		w := sc.text[t.start:t.end]
		k, alt := w, ""
		if t.kind == kWord && sc.fromLatin(t.start) {
			k = skeleton(w)
			t.e = d.skel[k]
			// 9 is ص, and ق in Iraqi and Gulf Arabizi (tansee9iya); th
			// is ث, and ذ as often (sanathba7); 2 is the hamza, and ق
			// in Levantine and Egyptian Arabizi (sa7ri2). The first
			// reading that finds a cue is kept as the word's second key.
			for _, sw := range [...][2]string{{"ص", "ق"}, {"ث", "ذ"}, {"ء", "ق"}} {
				if !strings.Contains(w, sw[0]) {
					continue
				}
				a := skeleton(strings.ReplaceAll(w, sw[0], sw[1]))
				if alt == "" {
					alt = a
				}
				if t.e == nil {
					if t.e = d.skel[a]; t.e != nil {
						alt = a
					}
				}
			}
			if t.e != nil && t.e.flags&fWaw == 0 && sc.doubledW(t.start) {
				t.e = nil
			}
			if t.e != nil && strings.HasPrefix(w, "ال") && onlyVerbs(t.e) {
				// "el qatala" (القتلة, the killers) is a noun: its
				// skeleton is that of لقتله (I'll kill him), a verb.
				t.e = nil
			}
		}
		sc.keys = append(sc.keys, k)
		sc.alts = append(sc.alts, alt)
	}
}

// onlyVerbs reports whether every cue of e is a verb of a threat or a call
// to harm.
func onlyVerbs(e *entry) bool {
	for _, ph := range e.phrases {
		if ph.class != cThreat && ph.class != cIncite {
			return false
		}
	}
	return true
}

// matchesKey reports whether token i matches the cue word w by its key or
// its alternative reading.
func (sc *scan) matchesKey(i int, w string) bool {
	if sc.keys == nil {
		return sc.word(i) == w || sc.soundsLike(i, w)
	}
	return sc.keys[i] == w || sc.alts[i] != "" && sc.alts[i] == w
}

// soundsLike reports whether token i, a word of four letters or more that
// the project's texts seldom write (nlp.WordCount), spells the cue word w by
// its sound or with a letter doubled by a slip (soundKey): the later words
// of a phrase (ما اتيق for ما اطيق).
func (sc *scan) soundsLike(i int, w string) bool {
	t := &sc.toks[i]
	word := sc.text[t.start:t.end]
	if t.kind != kWord || t.alias != "" || len(word) < 8 || len(w) < 8 || word == w || len(word)-len(w) > 2 || len(w)-len(word) > 2 {
		return false
	}
	ra, _ := utf8.DecodeRuneInString(word)
	rb, _ := utf8.DecodeRuneInString(w)
	za, _ := utf8.DecodeLastRuneInString(word)
	zb, _ := utf8.DecodeLastRuneInString(w)
	if soundOf(ra) != soundOf(rb) || soundOf(za) != soundOf(zb) {
		return false
	}
	return slight(word, w) && nlp.WordCount(word) < 2
}

// harmful reports whether a signal names the words of harm: a threat, a
// call to harm, a terrorist slogan, doxxing, blackmail or hate.
func harmful(name string) bool {
	switch name {
	case ThreatCue, IncitementCue, TerrorismCue, Doxxing, Blackmail, Dehumanisation, Vilification, Contempt, Exclusion, Insinuation:
		return true
	}
	return false
}
