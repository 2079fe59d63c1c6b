package nlp

import (
	"strings"
	"sync"
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
	mAt        = 1 << clsAt
	mKurd      = 1 << 11 // contains a Sorani-only letter
	mVerbatim  = 1 << 12 // URL or mention: copied as is
	mHashStart = 1 << 13 // starts with '#'
	mArabizi   = 1 << 14 // transliterated from Arabizi
)

// state is the scratch space of one normalisation; it is pooled.
type state struct {
	units   []unit
	words   []word
	buf     []byte
	offs    []int
	nfkc    []byte
	nfkcOff []int32
	scratch []byte
	runes   []rune
	srcs    []int32
	steps   uint32
	all     uint16 // OR of all word masks
	kurdish bool
	edited  bool // a word-level rule deleted units or made spaces
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func getState() *state {
	st := statePool.Get().(*state)
	st.steps, st.all, st.kurdish, st.edited = 0, 0, false, false
	return st
}

// maxPooled bounds the buffers kept in the pool so that one huge input does
// not pin its memory for ever.
const maxPooled = 1 << 20

func putState(st *state) {
	if cap(st.units) > maxPooled || cap(st.buf) > maxPooled || cap(st.offs) > maxPooled || cap(st.nfkc) > maxPooled {
		return
	}
	statePool.Put(st)
}

// run normalises s into st.units and st.words.
func (n *Normalizer) run(st *state, s string) {
	n.decodeAll(st, s, n.tab, false)
	if st.all&mKurd != 0 && isKurdishText(st.words) {
		st.steps = 0
		n.decodeAll(st, s, n.kurd, true)
		st.kurdish = true
		st.steps |= 1 << stepKurdish
		return
	}
	n.wordPass(st, s)
}

// isKurdishText decides from the recorded words whether a text is Kurdish:
// at least a third of its Arabic-script words contain a Sorani-only letter.
func isKurdishText(words []word) bool {
	var ar, kurd int
	for _, w := range words {
		if w.mask&mAr != 0 {
			ar++
			if w.mask&mKurd != 0 {
				kurd++
			}
		}
	}
	return kurd > 0 && kurd*3 >= ar
}

// decodeAll decodes s into units, applying NFKC first when the fast path
// finds a rune that needs it.
func (n *Normalizer) decodeAll(st *state, s string, tab *table, kurd bool) {
	if n.decode(st, s, tab, kurd, false) {
		return
	}
	ns := st.toNFKC(s)
	if ns != s {
		st.steps |= 1 << stepNFKC
	}
	n.decode(st, ns, tab, kurd, true)
	for i := range st.units {
		st.units[i].off = st.nfkcOff[st.units[i].off]
	}
}

// toNFKC returns the NFKC form of s and fills st.nfkcOff with, for each byte
// of the result, the offset in s of the segment that produced it.
func (st *state) toNFKC(s string) string {
	buf := st.nfkc[:0]
	offs := st.nfkcOff[:0]
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	for !it.Done() {
		start := it.Pos()
		seg := it.Next()
		buf = append(buf, seg...)
		for range seg {
			offs = append(offs, int32(start))
		}
	}
	st.nfkc, st.nfkcOff = buf, offs
	return string(buf)
}

// decode is the hot loop: one pass over the runes of s with one table lookup
// each, dropping, mapping and collapsing, and recording word boundaries. It
// returns false, having done nothing useful, when a rune needs NFKC and
// normalized is false.
func (n *Normalizer) decode(st *state, s string, tab *table, kurd, normalized bool) bool {
	u := st.units[:0]
	if cap(u) < len(s) {
		u = make([]unit, 0, len(s)+len(s)/4)
	}
	u = u[:cap(u)]
	k := 0 // units used
	words := st.words[:0]
	var steps uint32
	var all uint16
	keepElong := n.opts.KeepElongation || kurd
	last := rune(' ')
	run := 0
	var wmask uint16
	var wAr uint16
	wstart := 0
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		var e entry
		switch {
		case c < utf8.RuneSelf:
			e = tab.low[c]
			if last == ' ' && (c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == '@') {
				if vl := verbatimLen(s[i:]); vl > 0 {
					k = appendVerbatim(u, k, s[i:i+vl], i, c == '@' && !kurd)
					wmask |= mVerbatim | mLatin
					last = 0
					i += vl
					continue
				}
			}
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			// Two-byte sequences (Latin-1 to Arabic Supplement) decoded inline.
			e = tab.low[rune(c&0x1F)<<6|rune(s[i+1]&0x3F)]
			size = 2
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if size == 1 {
				e = mkEntry(utf8.RuneError, clsSym, stepRepair)
			} else {
				e = tab.lookup(&n.opts, kurd, s[i:], r, size)
			}
		}
		if e&needNorm != 0 && !normalized {
			st.units, st.words = u[:0], words
			return false
		}
		cls := e.cls()
		if cls == clsDrop {
			steps |= 1 << e.step()
			i += size
			continue
		}
		m := e.r()
		if m == last {
			if cls == clsSpace {
				steps |= 1 << stepWhitespace
				i += size
				continue
			}
			run++
			if !keepElong {
				switch cls {
				case clsAr:
					if run >= 3 {
						if run == 3 && !(m == 'ل' && k-2 == wstart+1 && u[wstart].r == 'ا') {
							// keep one letter; "اللللله" keeps the two lams of الله
							k--
							wAr--
						}
						steps |= 1 << stepElongation
						i += size
						continue
					}
				case clsLatin:
					if run >= 3 {
						steps |= 1 << stepElongation
						i += size
						continue
					}
				case clsPunct, clsSym, clsSep:
					steps |= 1 << stepRepeats
					i += size
					continue
				}
			}
		} else {
			last = m
			run = 1
		}
		steps |= 1 << e.step()
		if cls == clsSpace {
			words = append(words, word{start: int32(wstart), end: int32(k), mask: wmask, nAr: wAr})
			all |= wmask
			wmask, wAr = 0, 0
			u[k] = unit{' ', int32(i)}
			k++
			wstart = k
			i += size
			continue
		}
		if cls == clsHash && k == wstart {
			wmask |= mHashStart
		}
		wmask |= 1 << cls
		if e&kurdishBit != 0 {
			wmask |= mKurd
		}
		if cls == clsAr {
			wAr++
		}
		if k == len(u) { // only NFKC-expanded text can outgrow the first guess
			u = append(u, unit{})
			u = u[:cap(u)]
		}
		u[k] = unit{m, int32(i)}
		k++
		i += size
	}
	if k > wstart {
		words = append(words, word{start: int32(wstart), end: int32(k), mask: wmask, nAr: wAr})
		all |= wmask
	} else if k > 0 {
		k-- // trailing space
		steps |= 1 << stepWhitespace
	}
	st.units, st.words = u[:k], words
	st.steps |= steps &^ 1
	st.all |= all
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

// appendVerbatim writes a URL or mention into u from index k, unchanged but
// for invisible characters and, for mentions, ASCII case, and returns the
// new count. u has room: a URL has at most one unit per byte.
func appendVerbatim(u []unit, k int, s string, base int, lower bool) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isInvisible(r) {
			i += size
			continue
		}
		if lower && r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		u[k] = unit{r, int32(base + i)}
		k++
		i += size
	}
	return k
}

// encode writes the units as UTF-8, skipping deleted units and collapsing the
// spaces that deletions leave, and fills st.offs when withOffs is set.
func (n *Normalizer) encode(st *state, s string, withOffs bool) string {
	if !withOffs && !st.edited {
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

// encodePlain is encode for units that no word-level rule edited: no
// deleted units and no double spaces, and no offsets wanted.
func encodePlain(st *state) string {
	u := st.units
	buf := st.buf[:0]
	if need := 4 * len(u); cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	buf = buf[:cap(buf)]
	k := 0
	for _, x := range u {
		r := x.r
		switch {
		case r < 0x80:
			buf[k] = byte(r)
			k++
		case r < 0x800:
			buf[k] = byte(0xC0 | r>>6)
			buf[k+1] = byte(0x80 | r&0x3F)
			k += 2
		default:
			k += utf8.EncodeRune(buf[k:], r)
		}
	}
	st.buf = buf[:0]
	return string(buf[:k])
}
