package nlp

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// unit is one rune of the text being built, with the byte offset in the
// original text of the character that produced it. A negative rune marks a
// unit deleted by a word-level pass.
type unit struct {
	r   rune
	off int32
}

// word is a whitespace-delimited run of units, recorded while decoding so
// that the word-level passes only look at the words that need them.
type word struct {
	start, end int32
	mask       uint16
	nAr        uint16
}

// Word mask bits: one per rune class, plus flags.
const (
	mAr        = 1 << clsAr
	mLatin     = 1 << clsLatin
	mDigit     = 1 << clsDigit
	mSep       = 1 << clsSep
	mPunct     = 1 << clsPunct
	mSym       = 1 << clsSym
	mOther     = 1 << clsOther
	mHash      = 1 << clsHash
	mKurd      = 1 << 11      // contains a Sorani-only letter
	mVerbatim  = 1 << 12      // URL or mention: copied as is
	mHashStart = 1 << 13      // starts with '#'
	mArabizi   = 1 << 14      // transliterated from Arabizi
	mPieced    = 1 << 15      // changed by pieces: resplit describes it anew
	mPieces    = 1 << clsDrop // pieces is still to look at it (no word holds a dropped rune)
)

// state is the scratch space of one normalisation; it is pooled.
type state struct {
	units   []unit
	words   []word
	split   []word // the other buffer of resplit
	buf     []byte
	offs    []int
	nfkc    []byte
	lower   []byte // lowerForNFKC's buffer
	nfkcOff []int32
	scratch []byte
	runes   []rune
	srcs    []int32
	live    []int32 // unit indexes of one word, for lookalikes
	steps   uint32
	counts  [4]int32 // words by script: countAr, countLatin, countOther
	all     uint16   // OR of all word masks
	kurdish bool
	edited  bool // a word-level rule deleted units or made spaces
	// azBudget is what is left of the text's search states for Arabizi
	// words read by the word list (azPostStates).
	azBudget int
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func getState() *state {
	st := statePool.Get().(*state)
	st.steps, st.all, st.kurdish, st.edited = 0, 0, false, false
	st.azBudget = azPostStates
	st.counts = [4]int32{}
	return st
}

// maxPooled bounds the buffers kept in the pool so that one huge input does
// not pin its memory for ever.
const maxPooled = 1 << 23

func putState(st *state) {
	if cap(st.units) > maxPooled || cap(st.buf) > maxPooled || cap(st.offs) > maxPooled || cap(st.nfkc) > maxPooled {
		return
	}
	statePool.Put(st)
}

// run normalises s into st.units and st.words.
func (n *Normalizer) run(st *state, s string) {
	n.decodeAll(st, s, n.tab, false)
	if st.all&mKurd != 0 && isKurdishText(st.words, int(st.counts[countAr])) {
		st.steps = 0
		st.counts = [4]int32{}
		n.decodeAll(st, s, n.kurd, true)
		st.kurdish = true
		st.steps |= 1 << stepKurdish
		return
	}
	n.wordPass(st, s)
}

// isKurdishText decides whether a text is Kurdish: at least a third of its
// ar Arabic-script words contain a Sorani-only letter.
func isKurdishText(words []word, ar int) bool {
	kurd := 0
	for _, w := range words {
		if w.mask&mKurd != 0 {
			kurd++
		}
	}
	return kurd > 0 && kurd*3 >= ar
}

// Indexes of state.counts.
const (
	countAr = iota
	countLatin
	countOther
)

// recorded reports whether a word needs a word-level rule, so that decode
// records it: anything but a plain Arabic word of two letters or more.
func recorded(mask, nAr uint16) bool {
	return mask&^(mAr|mPunct|mSym) != 0 || nAr == 1
}

// countWord adds a finished word to the script counts.
func countWord(c *[4]int32, mask uint16) {
	switch {
	case mask&mAr != 0:
		c[countAr]++
	case mask&mLatin != 0:
		c[countLatin]++
	case mask&mOther != 0:
		c[countOther]++
	}
}

// decodeAll decodes s into st.units, st.words and st.buf. Words that hold a
// rune needing NFKC (presentation forms, ligatures, combining hamza, …) are
// decoded again from their NFKC form; the rest of the text skips NFKC.
func (n *Normalizer) decodeAll(st *state, s string, tab *table, kurd bool) {
	d := decoder{n: n, st: st, tab: tab, kurd: kurd, keepElong: n.opts.KeepElongation || kurd}
	d.start(s)
	d.reserve(s)
	for pos := 0; pos < len(s); {
		stop := d.feed(s[pos:], pos)
		if stop < 0 {
			break
		}
		// s[a:b] is the word holding the rune at pos+stop, from the space
		// before it to the next ASCII space: both are NFKC boundaries.
		a := d.rollback()
		b := pos + stop
		for b < len(s) && !isASCIISpace(s[b]) {
			b++
		}
		chunk := s[a:b]
		ns := st.toNFKC(n.lowerForNFKC(st, chunk, kurd), a)
		if ns != chunk {
			d.steps |= 1 << stepNFKC
		}
		// NFKC may expand the text (ﻻ is two letters): add that much room.
		d.expand(utf8.RuneCountInString(ns) - utf8.RuneCountInString(chunk))
		d.normalized = true
		k0 := d.k
		d.feed(ns, 0)
		for j := k0; j < d.k; j++ {
			d.u[j].off = st.nfkcOff[d.u[j].off]
		}
		d.normalized = false
		pos = b
	}
	d.finish()
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// lowerForNFKC lower-cases the letters of chunk, when the options fold case,
// before NFKC composes them with the marks that follow, so that a capital
// with no precomposed form ("Y̊") becomes the composed small letter ("ẙ")
// in one pass, as it does in a second. Only letters whose small form has
// the same length change, so byte offsets stay valid.
func (n *Normalizer) lowerForNFKC(st *state, chunk string, kurd bool) string {
	if n.opts.KeepCase || kurd {
		return chunk
	}
	b := st.lower[:0]
	changed := false
	for i := 0; i < len(chunk); {
		r, size := utf8.DecodeRuneInString(chunk[i:])
		if l := unicode.ToLower(r); l != r && unicode.IsUpper(r) && utf8.RuneLen(l) == size {
			b = utf8.AppendRune(b, l)
			changed = true
		} else {
			b = append(b, chunk[i:i+size]...)
		}
		i += size
	}
	st.lower = b
	if !changed {
		return chunk
	}
	return string(b)
}

// toNFKC returns the NFKC form of s and fills st.nfkcOff with, for each byte
// of the result, base plus the offset in s of the segment that produced it.
func (st *state) toNFKC(s string, base int) string {
	buf := st.nfkc[:0]
	offs := st.nfkcOff[:0]
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	for !it.Done() {
		start := it.Pos()
		seg := it.Next()
		buf = append(buf, seg...)
		for range seg {
			offs = append(offs, int32(base+start))
		}
	}
	st.nfkc, st.nfkcOff = buf, offs
	return string(buf)
}

// decoder is the state of the hot loop, kept between feeds. The loop keeps
// the busiest fields in locals and hands the rest to methods for the rare
// cases (spaces, dropped runes, repeats, URLs, NFKC), to leave the common
// path with few live variables.
type decoder struct {
	n          *Normalizer
	st         *state
	tab        *table
	kurd       bool
	keepElong  bool
	normalized bool // the text fed is NFKC already: never stop for NFKC

	u        []unit // full capacity; k used
	k        int
	words    []word
	steps    uint32 // steps recorded explicitly (step* bits)
	acc      entry  // OR of the entries of finished words: their steps and masks
	wacc     entry  // OR of the entries of the current word
	wflags   uint16 // mHashStart and mVerbatim for the current word
	last     rune   // the last rune emitted, ' ' at a word start
	skipRune rune   // the rune of the last run cut short …
	skipAt   int    // … and the unit count when it was cut
	wstart   int    // unit index where the current word starts
	wstartIn int    // offset in the original text where the current word starts
	uNeed    int    // units that must fit in u
}

func (d *decoder) start(s string) {
	st := d.st
	d.u = st.units[:cap(st.units)]
	d.words = st.words[:0]
	d.last = ' '
}

// rollback forgets the units of the current word and returns the offset in
// the original text where it started.
func (d *decoder) rollback() int {
	d.k = d.wstart
	d.wacc, d.wflags = 0, 0
	d.last, d.skipRune = ' ', 0
	return d.wstartIn
}

// endWord records the word that ends at unit d.k.
func (d *decoder) endWord() {
	mask := d.wacc.wordMask() | d.wflags
	nAr := uint16(2) // only "one" matters; longer words are not counted
	switch n := d.k - d.wstart; {
	case mask&mAr == 0:
		nAr = 0
	case n == 1:
		nAr = 1
	case n <= 4 && mask&(mSep|mPunct|mSym|mHash) != 0:
		nAr = 0
		for _, x := range d.u[d.wstart:d.k] {
			if isArabicLetter(x.r) {
				nAr++
			}
		}
	}
	if recorded(mask, nAr) {
		d.words = append(d.words, word{start: int32(d.wstart), end: int32(d.k), mask: mask, nAr: nAr})
	}
	countWord(&d.st.counts, mask)
	d.acc |= d.wacc
	d.st.all |= mask
	d.wacc, d.wflags = 0, 0
}

func (d *decoder) finish() {
	if d.k > d.wstart {
		d.endWord()
	} else if d.k > 0 {
		d.k-- // trailing space
		d.steps |= 1 << stepWhitespace
	}
	d.acc |= d.wacc
	st := d.st
	st.units, st.words = d.u[:d.k], d.words
	st.steps |= (d.steps | d.acc.steps()) &^ 1
}

// reserve makes room for the units of s: every unit consumes at least one
// rune, so feed needs no bounds checks of its own.
func (d *decoder) reserve(s string) {
	d.uNeed = d.k + len(s)
	if d.uNeed <= len(d.u) {
		return
	}
	d.uNeed = d.k + utf8.RuneCountInString(s)
	if d.uNeed > len(d.u) {
		// Room for one unit per byte up to 4 Mi units, so that the next text
		// of the same size skips the rune count.
		u := make([]unit, max(d.uNeed+d.uNeed/8, d.k+min(len(s), 1<<22)))
		copy(u, d.u[:d.k])
		d.u = u
	}
}

// expand adds room for x more units than reserved, as NFKC expansions (ﻻ
// is two letters) need.
func (d *decoder) expand(x int) {
	d.uNeed += max(x, 0)
	if d.uNeed > len(d.u) {
		u := make([]unit, d.uNeed+d.uNeed/8)
		copy(u, d.u[:d.k])
		d.u = u
	}
}

// feed is the hot loop: one pass over the runes of s with one table lookup
// each, dropping, mapping and collapsing, and recording word boundaries.
// The unit made from s[i] gets offset base+i. It returns -1 when s is done,
// or the index of a rune that needs NFKC (unless d.normalized), having
// stopped there. The caller reserves room first.
func (d *decoder) feed(s string, base int) int {
	k0 := d.k
	stop := d.feedAt(s, base)
	if base != 0 {
		// feedAt wrote offsets relative to s, except for the units of the
		// slow path, which know base; add it to the others.
		for j := k0; j < d.k; j++ {
			if d.u[j].off < 0 {
				d.u[j].off = ^d.u[j].off
			} else {
				d.u[j].off += int32(base)
			}
		}
	}
	return stop
}

// feedAt is feed's loop. Units of the common path get offset i; units made
// by the slow path get ^(base+i), which feed turns into base+i.
func (d *decoder) feedAt(s string, base int) int {
	u := d.u
	k := d.k
	last, wacc := d.last, d.wacc
	tab := &d.tab.low
	for i := 0; i < len(s); {
		// The common case, with no calls so that the loop variables stay in
		// registers: ASCII and two-byte runes on the fast path that do not
		// repeat the rune before them and map below U+0800.
		for i < len(s) {
			c := s[i]
			var e entry
			size := 1
			if c < utf8.RuneSelf {
				e = tab[c]
			} else if c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
				e = tab[uint(c&0x1F)<<6|uint(s[i+1]&0x3F)]
				size = 2
			} else {
				break
			}
			m := e.r()
			if e&slowBit != 0 {
				// A plain space after a word of two or more Arabic letters
				// that no word-level rule needs ends the word here; other
				// words go to endWord.
				if c != ' ' || last == ' ' {
					break
				}
				mask := wacc.wordMask() | d.wflags
				n := k - d.wstart
				if mask&^(mAr|mPunct|mSym) != 0 || n < 2 || (n <= 4 && mask != mAr) {
					break
				}
				if mask&mAr != 0 {
					d.st.counts[countAr]++
				}
				d.acc |= wacc
				d.st.all |= mask
				wacc, d.wflags = 0, 0
				u[k] = unit{' ', int32(i)}
				k++
				d.wstart = k
				last = ' '
				i++
				if !d.normalized {
					d.wstartIn = base + i
				}
				continue
			}
			if m == last || m >= 0x800 {
				break
			}
			last = m
			wacc |= e
			u[k] = unit{m, int32(i)}
			k++
			i += size
		}
		if i >= len(s) {
			break
		}
		// Everything else, one rune at a time.
		c := s[i]
		size := 1
		var e entry
		switch {
		case c < utf8.RuneSelf:
			e = tab[c]
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			// Two-byte sequences (Latin-1 to Arabic Supplement) decoded inline.
			e = tab[uint(c&0x1F)<<6|uint(s[i+1]&0x3F)]
			size = 2
		default:
			e, size = d.lookupRest(s[i:])
		}
		if e&slowBit != 0 {
			d.k, d.last, d.wacc = k, last, wacc
			adv := d.slow(s, i, base, e, size)
			u = d.u
			k, last, wacc = d.k, d.last, d.wacc
			if adv < 0 {
				return i
			}
			if adv > 0 {
				i += adv
				continue
			}
		}
		m := e.r()
		if m == last {
			d.k = k
			if d.repeat(m, e) {
				k = d.k
				i += size
				continue
			}
		}
		last = m
		wacc |= e
		u[k] = unit{m, int32(i)}
		k++
		i += size
	}
	d.k, d.last, d.wacc = k, last, wacc
	return -1
}

// lookupRest decodes a rune of three or four bytes, or an invalid byte, at
// the start of s and returns its entry and length.
func (d *decoder) lookupRest(s string) (entry, int) {
	r, size := utf8.DecodeRuneInString(s)
	if size == 1 {
		return invalidEntry, 1
	}
	return d.tab.lookup(&d.n.opts, d.kurd, s, r, size), size
}

// invalidEntry stands for an invalid UTF-8 byte: it becomes U+FFFD, three
// bytes, so the slow path makes room for it.
var invalidEntry = mkEntry(utf8.RuneError, clsSym, stepRepair) | slowBit

// slow handles the entries marked slowBit: it returns the bytes of s it
// consumed, 0 when the rune at s[i] goes on through the common path, or -1
// to stop for NFKC.
func (d *decoder) slow(s string, i, base int, e entry, size int) int {
	if e.needsNFKC() && !d.normalized {
		return -1
	}
	switch e.cls() {
	case clsDrop:
		d.acc |= e & stepRegion
		return size
	case clsSpace:
		d.acc |= e & stepRegion
		if d.last == ' ' {
			d.steps |= 1 << stepWhitespace
		} else {
			d.endWord()
			d.u[d.k] = unit{' ', slowOff(base, i)}
			d.k++
			d.wstart = d.k
			d.last = ' '
		}
		if !d.normalized {
			d.wstartIn = base + i + size
		}
		return size
	case clsHash:
		if d.k == d.wstart {
			d.wflags |= mHashStart
		}
		return 0
	}
	if e.r() == utf8.RuneError && size == 1 {
		return 0 // an invalid byte: U+FFFD on the common path
	}
	// 'h', 'w' and '@' may start a URL or a mention at a word start.
	if d.last != ' ' {
		return 0
	}
	vl := verbatimLen(s[i:])
	if vl == 0 {
		return 0
	}
	lower := s[i] == '@' && !d.kurd
	for j := 0; j < vl; {
		r, w := utf8.DecodeRuneInString(s[i+j:])
		if !isInvisible(r) {
			if lower && r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			d.u[d.k] = unit{r, slowOff(base, i+j)}
			d.k++
		}
		j += w
	}
	d.wflags |= mVerbatim | mLatin
	d.last = 0
	return vl
}

// slowOff is the offset the slow path gives a unit made from s[i]; see feed.
func slowOff(base, i int) int32 {
	if base == 0 {
		return int32(i)
	}
	return ^int32(base + i)
}

// repeat handles a rune equal to the one before it and reports whether it
// is dropped: a third Arabic letter in a row and beyond (the second is taken
// back, but the lams of الله stay), a third Latin letter, a second
// punctuation mark or emoji.
func (d *decoder) repeat(m rune, e entry) bool {
	if d.keepElong {
		return false
	}
	if d.skipRune == m && d.skipAt == d.k {
		return true // further on in a run already cut
	}
	// m == d.u[d.k-1].r: is this its second or third time in a row?
	third := d.k-2 >= d.wstart && d.u[d.k-2].r == m
	switch e.cls() {
	case clsAr:
		if !third {
			return false
		}
		if !(m == 'ل' && d.k-2 == d.wstart+1 && d.u[d.wstart].r == 'ا') {
			d.k--
		}
		d.steps |= 1 << stepElongation
	case clsLatin:
		if !third {
			return false
		}
		d.steps |= 1 << stepElongation
	case clsPunct, clsSym, clsSep, clsHash:
		d.steps |= 1 << stepRepeats
	default:
		return false
	}
	d.skipRune, d.skipAt = m, d.k
	return true
}

// verbatimLen returns the length of the URL or mention at the start of s, or 0.
func verbatimLen(s string) int {
	if s[0] == '@' {
		k := 1
		for k < len(s) && isHandleByte(s[k]) {
			k++
		}
		if k == 1 {
			return 0
		}
		return k
	}
	if !hasPrefixFold(s, "http://") && !hasPrefixFold(s, "https://") && !hasPrefixFold(s, "www.") {
		return 0
	}
	k := 0
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if isSpaceRune(r) {
			break
		}
		k += size
	}
	return k
}

func isHandleByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// encode returns the text of the units. Text that no word-level rule edited
// was written by decode already; otherwise the units are written again,
// skipping deleted units and collapsing the spaces that deletions leave. With
// withOffs it fills st.offs.
func (n *Normalizer) encode(st *state, s string, withOffs bool) string {
	if !st.edited && !withOffs {
		return encodePlain(st)
	}
	buf := st.buf[:0]
	offs := st.offs[:0]
	lastSpace := true
	for _, x := range st.units {
		if x.r < utf8.RuneSelf {
			if x.r < 0 {
				continue
			}
			if x.r == ' ' {
				if lastSpace {
					continue
				}
				lastSpace = true
			} else {
				lastSpace = false
			}
			buf = append(buf, byte(x.r))
			if withOffs {
				offs = append(offs, int(x.off))
			}
			continue
		}
		lastSpace = false
		if x.r < 0x800 {
			buf = append(buf, byte(0xC0|x.r>>6), byte(0x80|x.r&0x3F))
			if withOffs {
				offs = append(offs, int(x.off), int(x.off))
			}
			continue
		}
		k := len(buf)
		buf = utf8.AppendRune(buf, x.r)
		if withOffs {
			for ; k < len(buf); k++ {
				offs = append(offs, int(x.off))
			}
		}
	}
	if len(buf) > 0 && buf[len(buf)-1] == ' ' {
		buf = buf[:len(buf)-1]
		if withOffs {
			offs = offs[:len(offs)-1]
		}
	}
	if withOffs {
		offs = append(offs, len(s))
	}
	st.buf, st.offs = buf, offs
	return string(buf)
}

// encodePlain writes units that no word-level rule edited (no deleted units,
// no double spaces) as UTF-8.
func encodePlain(st *state) string {
	u := st.units
	buf := st.buf
	if need := 4 * len(u); cap(buf) < need {
		buf = make([]byte, need+need/4)
	}
	buf = buf[:cap(buf)]
	n := 0
	for _, x := range u {
		r := x.r
		switch {
		case r < utf8.RuneSelf:
			buf[n] = byte(r)
			n++
		case r < 0x800:
			buf[n] = byte(0xC0 | r>>6)
			buf[n+1] = byte(0x80 | r&0x3F)
			n += 2
		default:
			n += utf8.EncodeRune(buf[n:], r)
		}
	}
	st.buf = buf[:0]
	return string(buf[:n])
}
