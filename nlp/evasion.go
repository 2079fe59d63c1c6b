package nlp

import (
	"strings"
	"unicode/utf8"
)

// functionWords are short Arabic words that stand on their own; pieces equal
// to one of them are never joined to their neighbours ("يا_رب" stays two
// words). Applied after normalising.
var functionWords = map[string]bool{
	"في": true, "من": true, "عن": true, "علي": true, "الي": true, "مع": true, "يا": true,
	"لا": true, "ما": true, "لم": true, "لن": true, "هو": true, "هي": true, "او": true,
	"ان": true, "اي": true, "شو": true, "مو": true, "بس": true, "كل": true, "ال": true,
	"قد": true, "لو": true, "هم": true, "انا": true, "انت": true, "الله": true, "ولا": true,
}

// wordPass runs the word-level rules on the words that need them. Separators
// go first: a hashtag or an underscore may split a word in several, and the
// other rules (look-alikes, spaced letters, Arabizi) then judge the words
// that the output holds, so that a second pass finds nothing more to do.
func (n *Normalizer) wordPass(st *state, s string) {
	o := &n.opts
	for i := range st.words {
		if w := &st.words[i]; w.mask&mVerbatim == 0 && w.mask&(mSep|mHashStart) != 0 {
			w.mask |= mPieces
		}
	}
	// A look-alike mapped in a word that still holds separators may make
	// its pieces short letter groups ("ي*ر0ح" → "ي*رهح"): pieces looks
	// again, a bounded number of times.
	for round := 0; round < 4; round++ {
		changed := false
		for i := range st.words {
			w := &st.words[i]
			if w.mask&mPieces != 0 {
				w.mask &^= mPieces
				if n.pieces(st, w, s) {
					w.mask |= mPieced
					changed = true
				}
			}
		}
		again := changed && resplit(st)
		for i := range st.words {
			w := &st.words[i]
			m := w.mask
			if m&mVerbatim == 0 && m&mAr != 0 && m&(mLatin|mDigit) != 0 && !o.KeepEvasion && n.lookalikes(st, w, s) {
				if m&mSep != 0 {
					w.mask |= mPieces
					again = true
				}
			}
		}
		if !again {
			break
		}
	}
	var singles, latin bool
	for i := range st.words {
		w := &st.words[i]
		m := w.mask
		if m&mVerbatim != 0 {
			continue
		}
		if w.nAr == 1 {
			singles = true
		}
		if m&mLatin != 0 && m&mAr == 0 {
			latin = true
		}
	}
	if singles && !o.KeepEvasion {
		joinSpaced(st)
	}
	if !o.KeepEvasion && strings.Contains(s, "ـ ") {
		joinKashidaSpaced(st, s)
	}
	if latin && !o.KeepArabizi {
		n.arabizi(st)
	}
}

// resplit replaces each word that pieces changed by its parts (the word
// itself when pieces made no space in it), each with the mask and letter
// count of what it holds now. A part of a split word that holds separators
// is marked for pieces again ("ا*ب_ا00" → "ا*ب ا00" → "اب ا00"); resplit
// reports whether it marked one.
func resplit(st *state) (again bool) {
	out := st.split[:0]
	for _, w := range st.words {
		if w.mask&mPieced == 0 {
			out = append(out, w)
			continue
		}
		a, first := w.start, len(out)
		for j := w.start; j <= w.end; j++ {
			if j < w.end && st.units[j].r != ' ' {
				continue
			}
			if part, ok := partWord(st.units, a, j, w.mask&mKurd); ok {
				out = append(out, part)
			}
			a = j + 1
		}
		if len(out)-first > 1 {
			for k := first; k < len(out); k++ {
				if out[k].mask&mSep != 0 {
					out[k].mask |= mPieces
					again = true
				}
			}
		}
	}
	st.split, st.words = st.words, out
	return again
}

// partWord describes units[a:b], a part of a split word, as a word; it
// fails when every unit there was deleted.
func partWord(units []unit, a, b int32, kurd uint16) (word, bool) {
	var mask uint16
	live, letters := 0, uint16(0)
	for _, x := range units[a:b] {
		if x.r < 0 {
			continue
		}
		live++
		mask |= 1 << classify(x.r)
		if isArabicLetter(x.r) {
			letters++
		}
	}
	if live == 0 {
		return word{}, false
	}
	nAr := min(letters, 2) // as decode counts: only "one" matters
	if live > 4 && letters > 0 {
		nAr = 2
	}
	return word{start: a, end: b, mask: mask | kurd, nAr: nAr}, true
}

// lookalike returns the Arabic letter that a Latin letter or digit inside an
// Arabic word stands for, or 0. x.r is the rune after mapping; the original
// rune tells Eastern digits (١ looks like ا, ٥ like ه) from ASCII ones, which
// are read as Arabizi.
func lookalike(x unit, s string) rune {
	if int(x.off) < len(s) {
		orig, _ := utf8.DecodeRuneInString(s[x.off:])
		switch orig {
		case 0x661, 0x6F1: // ١ ۱
			return 0x627
		case 0x665, 0x6F5, 0x6F0, 0x660: // ٥ ۵ ۰ ٠
			return 0x647
		}
	}
	switch x.r {
	case '0', 'o':
		return 0x647 // ه
	case '1', 'l', 'i':
		return 0x627 // ا
	}
	if x.r < utf8.RuneSelf && x.r >= '0' && x.r <= '9' {
		return arabiziDigit[x.r-'0']
	}
	return 0
}

// arabiziDigit maps the digits used in Arabizi to letters; 0 where unused.
var arabiziDigit = [10]rune{
	2: 0x621, // ء
	3: 0x639, // ع
	5: 0x62E, // خ
	6: 0x637, // ط
	7: 0x62D, // ح
	8: 0x63A, // غ
	9: 0x635, // ص
}

// maxLookalikeWord is the most Arabic letters a word may have for its
// look-alikes to be mapped.
const maxLookalikeWord = 7

// lookalikes maps Latin letters and digits between Arabic letters of one word
// ("د1عش", "دا3ش") to the Arabic letters they imitate. At most two
// consecutive look-alikes are mapped, not two digits, and not in words of
// more than maxLookalikeWord letters. It runs after pieces, on each part of
// w that the output keeps as one word: units deleted by pieces are skipped
// and the spaces it made split w.
func (n *Normalizer) lookalikes(st *state, w *word, s string) (mapped bool) {
	idx := st.live[:0]
	flush := func() {
		if n.lookalikesIn(st, idx, s) {
			w.nAr++
			mapped = true
		}
		idx = idx[:0]
	}
	for j := w.start; j < w.end; j++ {
		switch r := st.units[j].r; {
		case r < 0:
		case r == ' ':
			flush()
		default:
			idx = append(idx, j)
		}
	}
	flush()
	st.live = idx
	return mapped
}

// lookalikesIn applies the look-alike rule to the units at idx, one word of
// the output, and reports whether it mapped any.
func (n *Normalizer) lookalikesIn(st *state, idx []int32, s string) bool {
	u := st.units
	letters := 0
	for _, j := range idx {
		if isArabicLetter(u[j].r) {
			letters++
		}
	}
	if letters > maxLookalikeWord {
		return false // a long run of text glued to a number, not a disguised word
	}
	mapped := n.leadingLookalike(st, idx, s)
	for j := 1; j+1 < len(idx); j++ {
		if !isArabicLetter(u[idx[j-1]].r) || isArabicLetter(u[idx[j]].r) {
			continue
		}
		k := j
		for k < len(idx) && k-j < 2 && lookalike(u[idx[k]], s) != 0 {
			k++
		}
		if k == j || k >= len(idx) || !isArabicLetter(u[idx[k]].r) {
			continue
		}
		if k-j == 2 && isDigitRune(u[idx[j]].r) && isDigitRune(u[idx[j+1]].r) {
			continue // a number: "مليونية18ابريل"
		}
		for x := j; x < k; x++ {
			u[idx[x]].r = n.tab.mapRune(lookalike(u[idx[x]], s))
		}
		mapped = true
		st.steps |= 1 << stepLookalikes
		st.edited = true
		j = k
	}
	if mapped {
		collapseRuns(u, idx)
	}
	return mapped
}

// minLeadingCount is how often the word a leading digit would make must
// be in the embedded word list for the digit to be read as a letter.
const minLeadingCount = 5

// leadingLookalike maps one digit that starts a word of Arabic letters to
// the letter it imitates ("1لروافض" → الروافض، "3بد" → عبد) when the word
// so made is in the embedded word list (nlp/data) at least
// minLeadingCount times and more often than the letters after the digit
// alone: a count glued to its noun ("3ايام"، "5دقايق") makes no word and
// stays.
func (n *Normalizer) leadingLookalike(st *state, idx []int32, s string) bool {
	u := st.units
	if len(idx) < 3 || !isDigitRune(u[idx[0]].r) {
		return false
	}
	r := lookalike(u[idx[0]], s)
	if r == 0 {
		return false
	}
	rest := make([]rune, 0, len(idx))
	for _, j := range idx[1:] {
		if !isArabicLetter(u[j].r) {
			return false
		}
		rest = append(rest, u[j].r)
	}
	r = n.tab.mapRune(r)
	wl := arabiziWords()
	made := wl.count(string(r) + string(rest))
	if made < minLeadingCount || made <= wl.count(string(rest)) {
		return false
	}
	u[idx[0]].r = r
	st.steps |= 1 << stepLookalikes
	st.edited = true
	return true
}

// collapseRuns applies decode's elongation rule to the units at idx, one
// word, after a word-level rule changed letters: a run of three or more of
// one Arabic letter keeps its first ("د111ش" → "داش", as "دااااش" → "داش"),
// but the lams of الله stay two.
func collapseRuns(u []unit, idx []int32) {
	for a := 0; a < len(idx); {
		r := u[idx[a]].r
		b := a + 1
		for b < len(idx) && u[idx[b]].r == r {
			b++
		}
		if b-a >= 3 && isArabicLetter(r) {
			keep := a + 1
			if r == 'ل' && a == 1 && u[idx[0]].r == 'ا' {
				keep = a + 2
			}
			for x := keep; x < b; x++ {
				u[idx[x]].r = -1
			}
		}
		a = b
	}
}

// mapRune applies the table's mapping to a rune produced by a word-level rule.
func (t *table) mapRune(r rune) rune {
	if r < tabSize {
		if m := t.low[r].r(); m != 0 {
			return m
		}
	}
	return r
}

// pieces handles separators inside one word: a hashtag loses its '#';
// pieces split by _ - . * that are all short Arabic letter groups are
// joined ("دا_عش", "د.ا.ع.ش"); otherwise underscores between Arabic pieces
// and in hashtags become spaces ("الموت_للخونه"). It reports whether it
// changed w.
func (n *Normalizer) pieces(st *state, w *word, s string) (changed bool) {
	u := st.units[w.start:w.end]
	hash := w.mask&mHashStart != 0
	if hash {
		if n.opts.KeepHashtags {
			return
		}
		// The marker is the whole run of '#' ("##سبها"); a word of nothing
		// but '#' stays as it is (decode has collapsed it to one).
		h := 0
		for h < len(u) && u[h].r == '#' {
			h++
		}
		if h == len(u) {
			return
		}
		for j := range h {
			u[j].r = -1
		}
		st.edited, changed = true, true
		st.steps |= 1 << stepHashtags
		u = u[h:]
	}
	if !n.opts.KeepEvasion && (shortPieces(st, u, hash) || kashidaCut(u, s)) {
		for j := range u {
			if u[j].r >= 0 && isSepRune(u[j].r) {
				u[j].r = -1
			}
		}
		st.edited = true
		st.steps |= 1 << stepJoined
		return true
	}
	for j := range u {
		if u[j].r != '_' {
			continue
		}
		if hash {
			// Each part of a hashtag becomes a word, so a '#' that would
			// start one goes too ("الاسد_#الولايات").
			u[j].r = ' '
			for x := j + 1; x < len(u) && u[x].r == '#'; x++ {
				u[x].r = -1
			}
			st.edited, changed = true, true
			continue
		}
		if j > 0 && j+1 < len(u) && isArabicLetter(u[j-1].r) && isArabicLetter(u[j+1].r) {
			u[j].r = ' '
			st.edited, changed = true, true
			st.steps |= 1 << stepHashtags
		}
	}
	return changed
}

// shortPieces reports whether u is pieces of Arabic letters that evasion
// split apart: at least two pieces separated by _ or * (censoring), each at
// most three letters, one at most two, and none a function word ("دا_عش",
// "خن*ثين", but not "قدح_وجم"), or at
// least three single letters separated by . - · ("د.ا.ع.ش"). Dots and dashes
// between longer pieces are ellipses and abbreviations ("د.سحر",
// "فيه...عيل") and stay. The article that starts the first piece is not
// counted, outside a hashtag, whose parts are words ("#الدمج_حق").
func shortPieces(st *state, u []unit, hash bool) bool {
	for len(u) > 0 && (u[0].r < 0 || isEdgePunct(u[0].r)) {
		u = u[1:]
	}
	for len(u) > 0 && (u[len(u)-1].r < 0 || isEdgePunct(u[len(u)-1].r)) {
		u = u[:len(u)-1]
	}
	pieces, longest, shortest := 0, 0, 4
	strict := false // a dot or dash separates pieces
	bare := false   // the first piece is the article alone
	b := st.scratch[:0]
	defer func() { st.scratch = b }()
	plen := 0
	for j := 0; j <= len(u); j++ {
		if j < len(u) && u[j].r < 0 {
			continue
		}
		if j == len(u) || isSepRune(u[j].r) {
			if j < len(u) && u[j].r != '_' && u[j].r != '*' {
				strict = true
			}
			if plen == 0 {
				if j == 0 || j == len(u) {
					continue
				}
				return false // two separators in a row, or a leading one
			}
			// The article split off the first piece does not count
			// ("ال.ش.ي.ع.ة", "الش.و.ا.ذ", "الرا_فضة"); the article alone
			// is joined to the one piece after it ("ال_يهود").
			n := plen
			if !hash && pieces == 0 && plen >= 2 && plen <= 4 && strings.HasPrefix(string(b), "ال") && !notArticle[string(b)] {
				n = plen - 2
				bare = n == 0
			}
			if n > 3 && !(bare && pieces == 1) || (plen > 1 && n > 0 && functionWords[string(b)]) {
				return false
			}
			pieces++
			longest = max(longest, n)
			shortest = min(shortest, n)
			plen = 0
			b = b[:0]
			continue
		}
		if !isArabicLetter(u[j].r) {
			return false
		}
		plen++
		b = utf8.AppendRune(b, u[j].r)
	}
	if bare && pieces == 2 {
		return true
	}
	if strict {
		return pieces >= 3 && longest == 1
	}
	return pieces >= 2 && shortest <= 2 && longest <= 3
}

// kashidaCut reports whether u is Arabic letters cut by separators that
// each stand between two tatweels, the mark of a word cut on purpose
// ("عـ.ـبـ.ـدة", "الشيـ.ـطان"): the tatweels were dropped before the word
// pass, so they are looked for in s between the units. A dot with a
// tatweel on one side only may close an elongated word ("حلـــو...بس") and
// does not count.
func kashidaCut(u []unit, s string) bool {
	cuts := 0
	prev := -1 // the last live unit
	for j := range u {
		if u[j].r < 0 {
			continue
		}
		if !isSepRune(u[j].r) {
			if !isArabicLetter(u[j].r) {
				return false
			}
			prev = j
			continue
		}
		next := j + 1
		for next < len(u) && u[next].r < 0 {
			next++
		}
		if prev < 0 || next == len(u) || !isArabicLetter(u[next].r) {
			return false
		}
		if !betweenTatweels(s, u[prev], u[j], u[next]) {
			return false
		}
		cuts++
	}
	return cuts > 0
}

// betweenTatweels reports whether the one-byte separator sep stands between
// two tatweels in s, one after the letter before it and one before the
// letter after it: the tatweels were dropped before the word pass, so they
// are looked for in s between the units' offsets.
func betweenTatweels(s string, before, sep, after unit) bool {
	from := int(before.off) + utf8.RuneLen(before.r)
	at, to := int(sep.off), int(after.off)
	return from <= at && at+1 <= to && to <= len(s) && strings.Contains(s[from:at], "ـ") && strings.Contains(s[at+1:to], "ـ")
}

// isEdgePunct reports punctuation that may close or open a word without
// being part of it ("دا_عش!").
func isEdgePunct(r rune) bool {
	return r >= 0 && !isArabicLetter(r) && !isSepRune(r) && !isWordRune(r)
}

// joinKashidaSpaced joins two words of Arabic letters that a space cuts
// between two tatweels ("حشـ ـرات", "الشيـ ـعة"), a word cut on purpose as
// kashidaCut finds with a dot; the tatweels were dropped before the word
// pass, so they are looked for in s. A tatweel on one side only may close
// an elongated word ("حلـــو بس") and does not join.
func joinKashidaSpaced(st *state, s string) {
	u := st.units
	for sp := 1; sp < len(u)-1; sp++ {
		if u[sp].r != ' ' {
			continue
		}
		last, first := sp-1, sp+1
		for last > 0 && u[last].r < 0 {
			last--
		}
		for first < len(u)-1 && u[first].r < 0 {
			first++
		}
		if !isArabicLetter(u[last].r) || !isArabicLetter(u[first].r) {
			continue
		}
		if !betweenTatweels(s, u[last], u[sp], u[first]) {
			continue
		}
		u[sp].r = -1
		st.edited = true
		st.steps |= 1 << stepJoined
	}
}

// joinSpaced joins runs of at least three single Arabic letters written as
// separate words ("د ا ع ش", "د - ا - ع - ش", "د. ا. ع. ش").
func joinSpaced(st *state) {
	words := st.words
	count, first, last := 0, 0, 0
	flush := func() {
		if count >= 3 && !repeatedLetters(st.units, words[first:last+1]) {
			a := letterIndex(st.units, words[first])
			// The article written apart before them joins too ("ال ي ه و د",
			// "الش ي ع ة").
			if j, ok := articleBefore(st.units, int(words[first].start)); ok {
				a = j
			}
			b := letterIndex(st.units, words[last])
			for j := a + 1; j < b; j++ {
				if !isArabicLetter(st.units[j].r) {
					st.units[j].r = -1
				}
			}
			st.edited = true
			st.steps |= 1 << stepJoined
		}
		count = 0
	}
	for i, w := range words {
		if count > 0 && w.start != words[i-1].end+1 {
			flush() // a word that was not recorded lies between
		}
		single := w.nAr == 1 && w.mask&^(mAr|mSep|mKurd) == 0
		switch {
		case single:
			if count == 0 {
				first = i
			}
			count++
			last = i
		case w.mask == mSep && count > 0:
		default:
			flush()
		}
	}
	flush()
}

// notArticle are words of two or three letters that begin as the article
// does but are words of their own ("الي", who; "الا", except).
var notArticle = map[string]bool{"الي": true, "الا": true, "الى": true}

// articleBefore reports whether the text just before units[start] is the
// article alone or with one letter ("ال ", "الش "), a word of nothing but
// two or three Arabic letters, ا and ل first, followed by one space, and
// returns the index of its first letter.
func articleBefore(units []unit, start int) (int, bool) {
	if start < 3 || units[start-1].r != ' ' {
		return 0, false
	}
	a := start - 1
	for a > 0 && units[a-1].r != ' ' {
		a--
	}
	var letters []rune
	for _, x := range units[a : start-1] {
		if x.r < 0 {
			continue
		}
		if !isArabicLetter(x.r) || len(letters) == 3 {
			return 0, false
		}
		letters = append(letters, x.r)
	}
	if len(letters) < 2 || letters[0] != 0x627 || letters[1] != 0x644 || notArticle[string(letters)] {
		return 0, false
	}
	for units[a].r < 0 {
		a++
	}
	return a, true
}

// repeatedLetters reports whether three consecutive single letters of ws
// are the same ("ه ه ه" is laughter, not a split word).
func repeatedLetters(units []unit, ws []word) bool {
	var prev rune
	run := 0
	for _, w := range ws {
		if w.nAr != 1 {
			continue
		}
		r := units[letterIndex(units, w)].r
		if r == prev {
			run++
			if run >= 3 {
				return true
			}
		} else {
			prev, run = r, 1
		}
	}
	return false
}

// letterIndex returns the index in units of the first Arabic letter of w.
func letterIndex(units []unit, w word) int {
	for j := w.start; j < w.end; j++ {
		if isArabicLetter(units[j].r) {
			return int(j)
		}
	}
	return int(w.start)
}
